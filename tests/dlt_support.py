"""What the site, PDF and slides tests share: a build from the smoke cache made once per test run,
a local web server, and a headless Chromium that reaches nothing but that server."""
from __future__ import annotations

import contextlib
import fcntl
import functools
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Debian's packages `chromium` and `chromium-driver`; another Chromium and its matching driver can
# be named with DLT_CHROMIUM and DLT_CHROMEDRIVER.
CHROMIUM = Path(os.environ.get("DLT_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("DLT_CHROMEDRIVER", "/usr/bin/chromedriver"))
INSTALL_BROWSER = ("install Debian's headless browser and its driver with "
                   "`sudo apt-get install chromium chromium-driver` (.ci/run does this when run as root)")


def load(path: str, name: str):
    """The module in ``path`` (relative to the repository), imported under ``name``: the build's
    scripts and extensions are not a package."""
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_once(command: str, out: Path, report: Path, *args: str):
    """Run `scripts/pipeline.py <command>` in the smoke profile into ``out`` unless this test run
    already wrote ``report`` (under a lock: one xdist worker builds, the others wait); return the
    report, or None when the build wrote none."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / f".{command}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not report.exists():
            env = dict(os.environ, DLT_SCALE="smoke", PYTHONPATH=str(ROOT))
            subprocess.run([sys.executable, str(ROOT / "scripts" / "pipeline.py"), command, "--profile", "smoke",
                            "--out", str(out), *args], cwd=ROOT, env=env, timeout=3600)
    return json.loads(report.read_text()) if report.exists() else None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` on a free local port; yields the base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium(width: int, height: int):
    """Headless Chromium with a width x height window that reaches nothing but the local server
    (every other host name fails to resolve), with the browser's console log kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="dlt-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", f"--window-size={width},{height}", "--hide-scrollbars",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver is given explicitly, so selenium neither looks for nor downloads one.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
