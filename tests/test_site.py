"""Build the whole book in the smoke profile with warnings as errors.

The build executes every lecture and solutions notebook (exercises are run by nbval instead), so
a failing cell, a broken reference or a missing citation fails this test, naming the page.
Its output, _build/smoke/_build/html, is what the browser tests below look at. With
`pytest -n auto --dist loadfile` the tests of this module run in order on one worker.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "smoke" / "_build" / "html"


def test_smoke_build_has_no_warnings():
    env = dict(os.environ, DLT_SCALE="smoke", PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [str(jb), "build", "-W", "-n", "--keep-going", "--path-output", str(ROOT / "_build" / "smoke"), str(ROOT)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )
    log = proc.stdout + proc.stderr
    problems = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line or "Traceback" in line]
    problems = [p for p in problems if "Kernel is running over TCP" not in p]
    reports = sorted((SITE.parent / "html" / "reports").glob("**/*.err.log")) if SITE.exists() else []
    detail = "\n".join(problems[-30:])
    for rep in reports[:3]:
        detail += f"\n--- {rep.relative_to(ROOT)} ---\n" + rep.read_text()[-3000:]
    assert proc.returncode == 0, f"jupyter-book build failed (rc {proc.returncode}):\n{detail or log[-5000:]}"
    for page in ["index.html", "intro.html", "pages/execution_statistics.html"]:
        assert (SITE / page).exists(), f"{page} missing from the built site"
    for md in (ROOT / "lectures").glob("*.md"):
        for folder in ("lectures", "solutions", "exercises"):
            assert (SITE / folder / f"{md.stem}.html").exists(), f"{folder}/{md.stem}.html was not built"
