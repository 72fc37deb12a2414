#!/usr/bin/env python3
"""Execute the book's notebooks on every core, cache the results correctly, build the site, and
name every failure at the end.

    python scripts/pipeline.py html [--profile P] [--out DIR] [--jobs N]   execute what changed, build HTML
    python scripts/pipeline.py pdf [--profile P] [--out DIR] [--jobs N]    execute what changed, build the PDF book
    python scripts/pipeline.py slides [--profile P] [--out DIR] [--jobs N] execute what changed, build the slides
    python scripts/pipeline.py execute [--profile P] [--jobs N] [PAGE ...]  only fill the execution cache
    python scripts/pipeline.py seeds [--seeds 0-3] [PAGE ...]               run pages at several seeds (smoke)
    python scripts/pipeline.py mutants [PAGE ...]                          run the declared mutants (smoke)
    python scripts/pipeline.py claims [--profile P] PAGE ...               execute (or read cached) pages, print claims
    python scripts/pipeline.py cache-dir [--profile P]                      print the cache directory in use

The execution cache. myst-nb matches a notebook to the cache by its code cells and kernel only,
so one cache cannot tell a smoke run from a book run, nor outputs made with an older `utils`.
Here each cache directory is keyed on everything else that changes outputs: the profile, the
`utils` package, `requirements.txt` and `pyproject.toml` (`_build/cache/<profile>-<hash>`).
Switching profile or changing `utils` therefore executes again, and the Sphinx build is pointed
at the matching directory (a changed `nb_execution_cache_path` also makes Sphinx re-read every
page, so no page keeps outputs of another profile).

Parallel execution. Jupyter Book 1 executes notebooks one at a time. `html` first executes every
page that the cache lacks, `--jobs` at a time (default: one per core, each kernel with
cores/jobs math threads, longest first by the last measured times), stores the results in the
cache, and only then lets Sphinx build the site, which reads every page from the cache.

Failures. Every page is executed even when some fail; a failing page is left out of execution in
the Sphinx build (its page shows no outputs) and the run ends with a summary that names each
failing page, the cell (its number, its line in the .md source, its first line) and the error,
followed by the build's warnings, with a non-zero exit status.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import fcntl
import fnmatch
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ("smoke", "book", "full")
CLAIM_META = "dlt_claim"  # output metadata written by utils.claim
SITE_MPLBACKEND = "module://matplotlib_inline.backend_inline"
# What the cache key covers besides the notebook itself (paths relative to the book's root).
DEPENDENCIES = ("utils/**/*.py", "requirements.txt", "pyproject.toml")


# ------------------------------------------------------------------------------------ configuration
def load_config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text())


def default_profile() -> str:
    profile = os.environ.get("DLT_SCALE") or "book"
    if profile not in PROFILES:
        sys.exit(f"error: unknown profile {profile!r} (DLT_SCALE); use one of {', '.join(PROFILES)}")
    return profile


def deps_hash(root: Path = ROOT) -> str:
    """Hash of everything outside a notebook that changes its outputs."""
    h = hashlib.sha256()
    for pattern in DEPENDENCIES:
        for path in sorted(root.glob(pattern)):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def cache_dir(profile: str, root: Path = ROOT) -> Path:
    """The execution cache of ``profile`` for the current `utils` and pinned requirements."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; use one of {', '.join(PROFILES)}")
    return root / "_build" / "cache" / f"{profile}-{deps_hash(root)}"


def prune_caches(profile: str, root: Path = ROOT) -> list[Path]:
    """Remove the caches of ``profile`` made for an older `utils` or older requirements."""
    keep = cache_dir(profile, root)
    removed = []
    for old in (root / "_build" / "cache").glob(f"{profile}-*"):
        if old.is_dir() and old != keep:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed


def toc_files(root: Path = ROOT) -> list[str]:
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("file", "root") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load((root / "_toc.yml").read_text()))
    return found


def has_code(path: Path) -> bool:
    return "```{code-cell}" in path.read_text()


def executed_pages(root: Path = ROOT) -> list[str]:
    """Pages (paths relative to the root) that the build executes: in the toc, with code cells,
    not excluded by ``execute.exclude_patterns`` of ``_config.yml``."""
    excluded = load_config(root).get("execute", {}).get("exclude_patterns", [])
    pages = []
    for entry in toc_files(root):
        rel = f"{entry}.md"
        if (root / rel).exists() and has_code(root / rel) and not any(fnmatch.fnmatch(rel, p) for p in excluded):
            pages.append(rel)
    return pages


def resolve_pages(names, root: Path = ROOT) -> list[str]:
    """Accept lectures/01_x.md, lectures/01_x.ipynb or lectures/01_x; return the .md paths."""
    pages = []
    for name in names:
        rel = Path(name)
        if rel.is_absolute():
            rel = rel.relative_to(root)
        rel = rel.with_suffix(".md") if rel.suffix in (".ipynb", ".md", "") else rel
        if not (root / rel).exists():
            sys.exit(f"error: {rel} does not exist (give a page such as lectures/01_empirical_risk.md)")
        pages.append(rel.as_posix())
    return pages


# ----------------------------------------------------------------------------------------- notebooks
def read_notebook(path: Path, root: Path = ROOT):
    """The notebook exactly as myst-nb reads the MyST source (so cache keys agree with the build)."""
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    extensions = load_config(root).get("parse", {}).get("myst_enable_extensions", [])
    config = MdParserConfig(enable_extensions=set(extensions))
    return read_myst_markdown_notebook(path.read_text(), config=config, add_source_map=True, path=path)


def set_parameters(nb, seed: int | None, scale: str | None = None) -> None:
    """Override the notebook's papermill parameters in its `parameters` cell."""
    if seed is None and scale is None:
        return
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            extra = ""
            if scale is not None:
                extra += f"\nSCALE = {scale!r}"
            if seed is not None:
                extra += f"\nSEED = {int(seed)}"
            cell.source = cell.source.rstrip() + "\n# set by scripts/pipeline.py" + extra + "\n"
            return
    raise ValueError("the notebook has no cell tagged `parameters`")


def kernel_env(profile: str, jobs: int, root: Path = ROOT) -> dict:
    threads = str(max(1, (os.cpu_count() or 1) // max(1, jobs)))
    env = dict(os.environ)
    env.update({
        "DLT_SCALE": profile, "MPLBACKEND": SITE_MPLBACKEND, "DLT_PROGRESS": "0",
        "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads,
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONPATH": os.pathsep.join([str(root)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])),
    })
    return env


def first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()[:100]
    return source.strip().splitlines()[0][:100] if source.strip() else ""


def source_line(md_lines, start: int, source: str) -> int | None:
    """1-based line of the .md source where a cell's code begins (its directive is at ``start``)."""
    first = source.splitlines()[0] if source.strip() else None
    for i in range(start, min(len(md_lines), start + 200)):
        if first is not None and md_lines[i] == first:
            return i + 1
    return start + 1


def describe_failure(nb, source_map=None, md_lines=()) -> dict:
    """Where an executed notebook failed: the first code cell with an error output."""
    code_no = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code_no += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                line = (source_line(md_lines, source_map[index], cell.source)
                        if source_map and index < len(source_map) else None)
                return {"cell": code_no, "line": line, "first_line": first_line(cell.source),
                        "error": f"{out.get('ename')}: {out.get('evalue')}".strip()}
    return {}


def run_one(page: str, out: str, timeout: int, seed: int | None, scale: str | None, root: Path = ROOT) -> None:
    """Execute one page (in this process, which a worker thread started) and write a JSON result."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = root / page
    nb = read_notebook(path, root)
    source_map = list(nb.metadata.get("source_map", []))
    set_parameters(nb, seed, scale)
    # record_timing=False: timings in the cell metadata would change the notebook's cache key
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    result = {"page": page, "ok": True}
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError:
        result.update(ok=False, **describe_failure(nb, source_map, path.read_text().splitlines()))
    except CellTimeoutError:
        result.update(ok=False, error=f"a cell ran longer than the timeout of {timeout} s "
                                      "(execute.timeout in _config.yml)")
        running = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count") is None]
        if running:
            i = running[0]
            result.update(cell=sum(c.cell_type == "code" for c in nb.cells[: i + 1]),
                          line=source_line(path.read_text().splitlines(), source_map[i], nb.cells[i].source)
                          if i < len(source_map) else None,
                          first_line=first_line(nb.cells[i].source))
    except DeadKernelError as err:
        result.update(ok=False, error=f"the kernel died ({err}); out of memory?")
    except Exception as err:  # the kernel could not start, the source could not be read, ...
        result.update(ok=False, error=f"{type(err).__name__}: {err}")
    result["seconds"] = round(time.perf_counter() - start, 2)
    if result["ok"] or not result.get("error"):
        result.setdefault("error", "")
    nb.metadata.pop("source_map", None)
    result["notebook"] = nbformat.writes(nb)
    Path(out).write_text(json.dumps(result))


# ------------------------------------------------------------------------------------------- cache
@contextlib.contextmanager
def locked(directory: Path):
    """Hold an exclusive lock on ``directory`` (several processes may fill one cache)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_record(cache, nb):
    try:
        return cache.match_cache_notebook(nb)
    except KeyError:
        return None


def store(directory: Path, page: str, nb, seconds: float, profile: str, root: Path = ROOT) -> None:
    """Put an executed notebook into the cache in ``directory``."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    with locked(directory):
        cache = get_cache(str(directory))
        cache.cache_notebook_bundle(
            CacheBundleIn(nb, str((root / page).resolve()),
                          data={"execution_seconds": round(seconds, 2), "profile": profile}),
            check_validity=False, overwrite=True)


def timings_path(root: Path = ROOT) -> Path:
    return root / "_build" / "cache" / "timings.json"


def load_timings(profile: str, root: Path = ROOT) -> dict:
    path = timings_path(root)
    try:
        return json.loads(path.read_text()).get(profile, {})
    except (OSError, ValueError):
        return {}


def save_timings(profile: str, new: dict, root: Path = ROOT) -> None:
    path = timings_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path.parent):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        data.setdefault(profile, {}).update(new)
        path.write_text(json.dumps(data, indent=1, sort_keys=True))


# --------------------------------------------------------------------------------------- execution
def execute(pages, profile: str, jobs: int, *, seed: int | None = None, use_cache: bool = True,
            timeout: int | None = None, quiet: bool = False, root: Path = ROOT) -> list[dict]:
    """Execute ``pages`` (paths relative to the root) ``jobs`` at a time; return one result each.

    With ``use_cache`` a page already in the cache of ``profile`` is not executed again and each
    page that succeeds is stored there. Results are dicts with ``page``, ``ok``, ``seconds``,
    ``cached`` and, on failure, ``cell``, ``line``, ``first_line`` and ``error``.
    """
    timeout = timeout or int(load_config(root).get("execute", {}).get("timeout", 600))
    directory = cache_dir(profile, root)
    results, todo = [], []
    if use_cache:
        from jupyter_cache import get_cache

        with locked(directory):
            cache = get_cache(str(directory))
            for page in pages:
                record = cached_record(cache, read_notebook(root / page, root))
                if record is None:
                    todo.append(page)
                else:
                    results.append({"page": page, "ok": True, "cached": True,
                                    "seconds": record.data.get("execution_seconds")})
    else:
        todo = list(pages)
    if not todo:
        return results
    known = load_timings(profile, root)
    todo.sort(key=lambda p: -known.get(p, 1e9))  # longest first; unknown ones before all
    jobs = max(1, min(jobs, len(todo)))
    env = kernel_env(profile, jobs, root)
    if not quiet:
        print(f"executing {len(todo)} page(s) in the {profile} profile, {jobs} at a time "
              f"({env['OMP_NUM_THREADS']} math thread(s) each)", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="dlt-exec-"))

    def work(page):
        out = tmp / (page.replace("/", "__") + ".json")
        cmd = [sys.executable, str(Path(__file__).resolve()), "run-one", page, "--out", str(out),
               "--timeout", str(timeout), "--root", str(root)]
        if seed is not None:
            cmd += ["--seed", str(seed)]
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            return {"page": page, "ok": False, "seconds": None, "error": "could not run: " + " | ".join(tail)}
        return json.loads(out.read_text())

    try:
        with cf.ThreadPoolExecutor(max_workers=jobs) as pool:
            for result in pool.map(work, todo):
                result["cached"] = False
                nb_text = result.pop("notebook", None)
                if nb_text is not None:
                    import nbformat

                    result["nb"] = nbformat.reads(nb_text, as_version=4)
                if result["ok"] and use_cache and seed is None:
                    store(directory, result["page"], result["nb"], result["seconds"], profile, root)
                if not quiet:
                    state = "ok" if result["ok"] else "FAILED"
                    print(f"  {state:6s} {result['page']}  {result.get('seconds') or 0:.1f} s", flush=True)
                results.append(result)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if seed is None:
        save_timings(profile, {r["page"]: r["seconds"] for r in results if r["ok"] and not r["cached"]}, root)
    return results


def failure_lines(results) -> list[str]:
    lines = []
    for r in results:
        if r["ok"]:
            continue
        where = r["page"]
        if r.get("cell"):
            where += f", code cell {r['cell']}"
            if r.get("line"):
                where += f" (line {r['line']})"
            if r.get("first_line"):
                where += f": {r['first_line']}"
        lines.append(f"  {where}\n      {r.get('error') or 'failed'}")
    return lines


# ------------------------------------------------------------------------------------------ claims
def claims_of(nb) -> list[dict]:
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}) if out.get("output_type") in ("display_data", "execute_result") else {}
            if CLAIM_META in meta:
                found.append(dict(meta[CLAIM_META]))
    return found


def write_ledger(pages, results, profile: str, path: Path, root: Path = ROOT) -> list[dict]:
    """Collect every claim of ``pages`` (from the cache, or from this run's failures) into ``path``."""
    from jupyter_cache import get_cache

    failed = {r["page"]: r for r in results if not r["ok"]}
    cache = get_cache(str(cache_dir(profile, root)))
    ledger = []
    for page in pages:
        if page in failed:
            nb = failed[page].get("nb")
        else:
            record = cached_record(cache, read_notebook(root / page, root))
            nb = cache.get_cache_bundle(record.pk).nb if record is not None else None
        for claim in claims_of(nb) if nb is not None else []:
            claim["page"] = page[:-3]
            ledger.append(claim)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"profile": profile, "claims": ledger}, indent=1))
    return ledger


# ------------------------------------------------------------------------------------------- build
class Tee(io.TextIOBase):
    """Write to a stream and remember the lines (the warnings of the Sphinx build)."""

    def __init__(self, stream):
        self.stream, self.lines, self._part = stream, [], ""

    def write(self, text):
        self.stream.write(text)
        self._part += text
        *done, self._part = self._part.split("\n")
        self.lines += done
        return len(text)

    def flush(self):
        self.stream.flush()


def sphinx_build(out: Path, builder: str, overrides: dict, jobs: int | None = None,
                 root: Path = ROOT, outdir: Path | None = None) -> tuple[int, list[str]]:
    """Run Jupyter Book's Sphinx build of the book (into ``outdir``, default ``out/<builder>``);
    return (status, warning lines)."""
    from jupyter_book.sphinx import build_sphinx

    overrides = {"external_toc_path": (root / "_toc.yml").as_posix(), "latex_individualpages": False,
                 "nitpicky": True, **overrides}
    # Sphinx reads a page again when its source or the configuration changed, not when the code of
    # a local extension did: a changed _ext/ starts from a fresh environment, so that no page keeps
    # a doctree made by the old extension code.
    doctrees = out / f".doctrees-{builder}"
    ext_hash = hashlib.sha256(b"".join(p.read_bytes() for p in sorted((root / "_ext").rglob("*.py")))).hexdigest()
    stamp = doctrees / ".ext-hash"
    fresh = not stamp.exists() or stamp.read_text() != ext_hash
    tee = Tee(sys.stderr)
    with contextlib.redirect_stderr(tee):
        status = build_sphinx(root, outdir or out / builder,
                              use_external_toc=True, noconfig=True, path_config=str(root / "_config.yml"),
                              confoverrides=overrides, builder=builder, warningiserror=True,
                              keep_going=True, doctreedir=doctrees, jobs=jobs, freshenv=fresh)
    tee.flush()
    if doctrees.is_dir():
        stamp.write_text(ext_hash)
    if isinstance(status, Exception):
        tee.lines.append(f"ERROR: the build stopped: {type(status).__name__}: {status}")
        status = 1
    warnings = [line for line in tee.lines if "WARNING" in line or "ERROR" in line]
    return int(status or 0), warnings


def prepare_build(profile: str, out: Path, jobs: int, root: Path = ROOT):
    """Execute what the cache of ``profile`` lacks and write the claims ledger; return
    (results, failed results, ledger, the Sphinx overrides that read every page from the cache)."""
    os.environ.update(DLT_SCALE=profile, MPLBACKEND=SITE_MPLBACKEND)
    pages = executed_pages(root)
    prune_caches(profile, root)
    results = execute(pages, profile, jobs, root=root)
    failed = [r for r in results if not r["ok"]]
    ledger = write_ledger(pages, results, profile, out / "claims.json", root)
    excluded = list(load_config(root).get("execute", {}).get("exclude_patterns", []))
    overrides = {"nb_execution_cache_path": str(cache_dir(profile, root)),
                 "nb_execution_excludepatterns": excluded + [r["page"] for r in failed],
                 "dlt_profile": profile, "dlt_claims_ledger": str(out / "claims.json")}
    return results, failed, ledger, overrides


def build_html(profile: str, out: Path, jobs: int, root: Path = ROOT) -> int:
    start = time.time()
    results, failed, ledger, overrides = prepare_build(profile, out, jobs, root)
    executed = time.time() - start
    overrides.update(print_overrides(out))  # links to the PDF and the slides, when they were built
    status, warnings = sphinx_build(out, "html", overrides, root=root)
    html = out / "html"
    if (html / "index.html").exists():
        shutil.copyfile(out / "claims.json", html / "claims.json")
        publish_print(out)
    report = {"profile": profile, "ok": status == 0 and not failed, "status": status,
              "failed": [{k: v for k, v in r.items() if k != "nb"} for r in failed],
              "warnings": warnings, "executed": sum(not r["cached"] for r in results),
              "cached": sum(r["cached"] for r in results),
              "claims": len(ledger), "claims_failed": sum(not c.get("passed") for c in ledger),
              "seconds_execute": round(executed, 1), "seconds": round(time.time() - start, 1)}
    (out / "report.json").write_text(json.dumps(report, indent=1))

    print(f"\n==== build summary ({profile} profile, {report['seconds']:.0f} s) ====")
    print(f"pages executed: {report['executed']}, from the cache: {report['cached']}; "
          f"claims checked: {len(ledger)}")
    if failed:
        print(f"{len(failed)} page(s) failed; their pages show no outputs:")
        print("\n".join(failure_lines(failed)))
    if warnings:
        print(f"{len(warnings)} warning(s), which are errors in this book:")
        for line in warnings[:20]:
            print("  " + line.strip()[:300])
        if len(warnings) > 20:
            print(f"  ... and {len(warnings) - 20} more (above)")
    if report["ok"]:
        print(f"ok: open {(html / 'index.html').relative_to(root) if html.is_relative_to(root) else html / 'index.html'}")
    else:
        print("FAILED: fix the problems above (`make check NB=...` runs one page under nbval).")
    return 0 if report["ok"] else 1


# ---------------------------------------------------------------------------------- PDF and slides
# `pdf` builds the whole book as one PDF through LaTeX (XeLaTeX from Debian's TeX; _ext/book_pdf.py
# shapes the LaTeX), `slides` one reveal.js deck per lecture (_ext/slides.py). Both read every page
# from the execution cache of the profile, exactly like the site. A site built after them links to
# them (the download button of every page) and carries copies: <out>/html/<PDF_NAME>, <out>/html/slides/.
def pdf_name(root: Path = ROOT) -> str:
    """The PDF's file name: the LaTeX target of _config.yml (latex.latex_documents.targetname)."""
    target = (load_config(root).get("latex") or {}).get("latex_documents", {}).get("targetname") or "book.tex"
    return Path(target).with_suffix(".pdf").name


PDF_NAME = pdf_name()
TEX_PACKAGES = ("texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-xetex "
                "fonts-freefont-otf latexmk xindy")
INSTALL_TEX = f"sudo apt-get install --no-install-recommends {TEX_PACKAGES}"
# LaTeX packages and fonts of the slim set that the book's LaTeX loads (checked before a build)
TEX_FILES = ("fncychap.sty", "unicode-math.sty", "ucharclasses.sty", "pgfplots.sty", "polyglossia.sty",
             "latinmodern-math.otf")


def missing_tex() -> list[str]:
    """What the PDF build needs from the system and does not find."""
    missing = [tool for tool in ("xelatex", "latexmk", "xindy", "kpsewhich") if shutil.which(tool) is None]
    if missing:
        return missing
    found = subprocess.run(["kpsewhich", *TEX_FILES], capture_output=True, text=True).stdout
    missing = [name for name in TEX_FILES if name not in found]
    fonts = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    return missing + ([] if "FreeSerif" in fonts else ["the FreeSerif font (fonts-freefont-otf)"])


# What the LaTeX log says about a PDF that is not right although it was written.
LOG_PROBLEMS = [
    (re.compile(r"^Missing character: There is no (.+?) in font ([^!]+)!", re.M),
     "missing character {0} in font {1}: it prints as nothing"),
    (re.compile(r"LaTeX Warning: (?:Hyper reference|Reference|Citation) `([^']+)' on page (\d+) undefined"),
     "undefined reference {0} (page {1}): it prints as ??"),
]
# A display formula wider than the text: TeX reports an overfull box "detected at line N", N a
# line of a display formula in the .tex (a line of a paragraph says "in paragraph at lines ...").
OVERFULL_DISPLAY = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\) detected at line (\d+)$", re.M)


def tex_page_of_line(tex: Path):
    """A function from a line of the .tex file to the book page (docname) it comes from."""
    starts = []
    for number, line in enumerate(tex.read_text(errors="replace").splitlines(), 1):
        m = re.search(r"\\label\{\\detokenize\{([^}:]+)::doc\}\}", line)
        if m:
            starts.append((number, m.group(1)))

    def page(line: int) -> str:
        name = "the book's front matter"
        for number, doc in starts:
            if number > line:
                break
            name = doc
        return name
    return page


def latex_log_problems(tex: Path) -> list[str]:
    """Problems of a finished LaTeX run, from its log: missing glyphs, undefined references and
    display formulas that run into the margin (more than 1pt), each with the page it comes from."""
    log = tex.with_suffix(".log")
    text = log.read_text(errors="replace") if log.exists() else ""
    problems = []
    for pattern, message in LOG_PROBLEMS:
        for m in pattern.finditer(text):
            problems.append(message.format(*m.groups()))
    page = tex_page_of_line(tex)
    source = tex.read_text(errors="replace")
    lines = source.splitlines()
    # while the contents (.toc, .lof, .lot) are read, "line" counts lines of those files
    aux = [(m.start(), text.find(f"`{m.group(1)}'", m.end()) % (len(text) + 1))
           for m in re.finditer(r"\(\./([^\s()]+\.(?:toc|lof|lot))\b", text)]
    for m in OVERFULL_DISPLAY.finditer(text):
        width, line = float(m.group(1)), int(m.group(2))
        if width > 1 and any(a <= m.start() < b for a, b in aux):
            problems.append(f"the table of contents: an entry is {width:g}pt wider than the text "
                            f"(line {line} of the contents file)")
        elif width > 1 and in_display_math(lines, line):
            problems.append(f"{page(line)}: a display formula is {width:g}pt wider than the text "
                            f"({tex.name}, line {line}): break it into lines (aligned, split) or shorten it")
    # citations are \hyperlink{cite.<key>} to a \bibitem{<key>}, which LaTeX does not check
    keys = set(re.findall(r"\\bibitem\[[^\]]*\]\{([^}]*)\}", source))
    for key in sorted(set(re.findall(r"\\hyperlink\{cite\.([^}]*)\}", source)) - keys):
        problems.append(f"{key.partition(':')[0]}: a citation links to {key}, which is not in the bibliography")
    return sorted(set(problems), key=problems.index)


def in_display_math(lines: list[str], line: int) -> bool:
    """Whether line ``line`` (1-based) of a .tex file ends or lies in a display formula."""
    for i in range(min(line, len(lines)) - 1, max(-1, line - 41), -1):
        if re.search(r"\\begin\{(equation|align|gather|multline|displaymath)\*?\}", lines[i]):
            return True
        if i != line - 1 and re.search(r"\\end\{(equation|align|gather|multline|displaymath)\*?\}", lines[i]):
            return False
    return False


def latex_error(tex: Path) -> str:
    """The first error of a failed LaTeX run, where it is, and what it says."""
    log = tex.with_suffix(".log")
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    for i, line in enumerate(lines):
        m = re.match(r"^(?:\./)?(.+?\.tex):(\d+): (.*)$", line) or re.match(r"^! (.*)$", line)
        if not m:
            continue
        # TeX shows where it stopped as two lines: "l.<line> <text read so far>" and what follows
        at = next((j for j in range(i + 1, min(i + 12, len(lines))) if re.match(r"l\.\d+ ", lines[j])), None)
        context = " ".join(x.strip() for x in lines[at:at + 2])[:300] if at is not None else ""
        message = m.group(len(m.groups()))
        if "Undefined control sequence" in message:
            message += (" (a TeX macro that the book does not define: shared macros belong in "
                        "mathjax3_config.tex.macros of _config.yml, which the PDF reads too)")
        if len(m.groups()) == 3:
            where = f"{tex.parent.name}/{m.group(1)}, line {m.group(2)} ({tex_page_of_line(tex)(int(m.group(2)))})"
            return f"{where}: {message}\n      {context}"
        return f"{message}\n      {context}"
    return f"no error found in {log}; see {tex.parent / 'latexmk.out'}"


def run_latex(tex: Path) -> tuple[bool, int | None, str]:
    """latexmk with XeLaTeX in the folder of ``tex``; return (ok, pages, output of latexmk)."""
    cmd = ["latexmk", "-pdfxe", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", tex.name]
    env = dict(os.environ, LATEXOPTS="", XINDYOPTS=os.environ.get("XINDYOPTS", ""))
    proc = subprocess.run(cmd, cwd=tex.parent, env=env, capture_output=True, text=True)
    (tex.parent / "latexmk.out").write_text(proc.stdout + proc.stderr)
    log = tex.with_suffix(".log")
    m = re.search(r"Output written on \S+ \((\d+) pages?", log.read_text(errors="replace")) if log.exists() else None
    return proc.returncode == 0 and tex.with_suffix(".pdf").exists(), int(m.group(1)) if m else None, proc.stdout


def print_overrides(out: Path) -> dict:
    """Settings that make the site in ``out`` link to the PDF and the slides, when they are there
    (_ext/book_pdf.py and _ext/slides.py add the links)."""
    overrides = {}
    if (out / "pdf" / PDF_NAME).exists():
        overrides["dlt_pdf"] = PDF_NAME
    if (out / "slides" / "lectures").is_dir():
        overrides["dlt_slides"] = "slides"
    return overrides


def publish_print(out: Path) -> list[str]:
    """Copy the PDF and the lecture decks of ``out`` into its site ``out/html`` (if built)."""
    html, copied = out / "html", []
    if not (html / "index.html").exists():
        return copied
    pdf = out / "pdf" / PDF_NAME
    if pdf.exists():
        shutil.copyfile(pdf, html / PDF_NAME)
        copied.append(PDF_NAME)
    slides = out / "slides"
    if (slides / "lectures").is_dir():
        shutil.rmtree(html / "slides", ignore_errors=True)
        shutil.copytree(slides / "lectures", html / "slides" / "lectures")
        for folder in ("_static", "_images"):
            if (slides / folder).is_dir():
                shutil.copytree(slides / folder, html / "slides" / folder, symlinks=False)
        copied.append("slides/")
    return copied


def plain(line: str) -> str:
    """A line of Sphinx's output without its terminal colours."""
    return re.sub(r"\x1b\[[0-9;]*m", "", line).strip()


def _relative(path: Path, root: Path = ROOT) -> Path:
    return path.relative_to(root) if path.is_relative_to(root) else path


def build_pdf(profile: str, out: Path, jobs: int, root: Path = ROOT, site: bool = True) -> int:
    """The book as one PDF: execute what the cache lacks, LaTeX from Sphinx, XeLaTeX via latexmk;
    with ``site``, a copy goes into the site in ``out/html`` if there is one."""
    start = time.time()
    missing = missing_tex()
    if missing:
        print(f"error: the PDF is typeset with TeX, and {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
              f"missing. Install Debian's TeX (about 120 MB to download):\n    {INSTALL_TEX}\n"
              "(.ci/run does this when it runs as root)", file=sys.stderr)
        return 2
    results, failed, ledger, overrides = prepare_build(profile, out, jobs, root)
    latex = out / "latex"
    shutil.rmtree(latex, ignore_errors=True)  # a stale .tex or .aux of another book must not be reused
    status, warnings = sphinx_build(out, "latex", overrides, root=root)
    tex = latex / (Path(PDF_NAME).stem + ".tex")
    problems = [f"the Sphinx build: {plain(w)[:300]}" for w in warnings]
    ok, pages, seconds_tex = False, None, None
    if tex.exists():  # typeset even after Sphinx warnings, so that all problems are named at once
        tex_start = time.time()
        ok, pages, _ = run_latex(tex)
        seconds_tex = round(time.time() - tex_start, 1)
        if ok:
            problems += latex_log_problems(tex)
        else:
            problems.append(f"LaTeX failed: {latex_error(tex)}\n      (log: {_relative(tex.with_suffix('.log'), root)})")
    else:
        problems.append(f"the Sphinx build wrote no {_relative(tex, root)} (status {status})")
    pdf_dir = out / "pdf"
    pdf_dir.mkdir(parents=True, exist_ok=True)
    if ok:
        shutil.copyfile(tex.with_suffix(".pdf"), pdf_dir / PDF_NAME)
        if site:
            publish_print(out)
    report = {"profile": profile, "ok": ok and not problems and not failed, "pdf": str(pdf_dir / PDF_NAME) if ok else None,
              "pages": pages, "tex": str(tex), "problems": problems,
              "failed": [{k: v for k, v in r.items() if k != "nb"} for r in failed],
              "seconds_latex": seconds_tex, "seconds": round(time.time() - start, 1)}
    (pdf_dir / "report.json").write_text(json.dumps(report, indent=1))

    print(f"\n==== PDF summary ({profile} profile, {report['seconds']:.0f} s, of which TeX {seconds_tex or 0:.0f} s) ====")
    if failed:
        print(f"{len(failed)} page(s) failed; the PDF shows them without outputs:")
        print("\n".join(failure_lines(failed)))
    for line in problems[:30]:
        print("  " + line)
    if len(problems) > 30:
        print(f"  ... and {len(problems) - 30} more")
    if report["ok"]:
        print(f"ok: {_relative(pdf_dir / PDF_NAME, root)}, {pages} pages")
    else:
        print(f"FAILED: {len(problems)} problem(s) above" + (f"; the PDF was written all the same: "
              f"{_relative(pdf_dir / PDF_NAME, root)}" if ok else ""))
    return 0 if report["ok"] else 1


def build_slides(profile: str, out: Path, jobs: int, root: Path = ROOT, site: bool = True) -> int:
    """One reveal.js deck per lecture, into ``out/slides`` (warnings are errors); with ``site``, the
    decks are copied into the site in ``out/html`` if there is one."""
    start = time.time()
    results, failed, ledger, overrides = prepare_build(profile, out, jobs, root)
    dest = out / "slides"
    status, warnings = sphinx_build(out, "revealjs", overrides, root=root, outdir=dest)
    decks = sorted(p.relative_to(dest).as_posix() for p in (dest / "lectures").glob("*.html"))
    lectures = sorted(f"lectures/{md.stem}.html" for md in (root / "lectures").glob("*.md")
                      if f"lectures/{md.stem}" in toc_files(root))
    missing = [d for d in lectures if d not in decks]
    ok = status == 0 and not warnings and not failed and not missing
    if status == 0 and site:
        publish_print(out)
    warnings = [plain(w) for w in warnings]
    report = {"profile": profile, "ok": ok, "status": status, "decks": decks, "missing": missing,
              "warnings": warnings, "failed": [{k: v for k, v in r.items() if k != "nb"} for r in failed],
              "seconds": round(time.time() - start, 1)}
    (out / "slides-report.json").write_text(json.dumps(report, indent=1))

    print(f"\n==== slides summary ({profile} profile, {report['seconds']:.0f} s) ====")
    if failed:
        print(f"{len(failed)} page(s) failed; their decks show no outputs:")
        print("\n".join(failure_lines(failed)))
    for line in warnings[:20]:
        print("  " + line.strip()[:300])
    for deck in missing:
        print(f"  no deck was written for {deck}")
    if ok:
        print(f"ok: {len(decks)} deck(s) in {_relative(dest, root)}/lectures/")
    else:
        print("FAILED: fix the problems above")
    return 0 if ok else 1


# ------------------------------------------------------------------------------- seeds and mutants
def parse_seeds(text: str) -> list[int]:
    seeds = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            seeds += list(range(int(lo), int(hi) + 1))
        else:
            seeds.append(int(part))
    return seeds


def default_notebook_pages(root: Path = ROOT) -> list[str]:
    return [p for p in executed_pages(root) if p.startswith(("lectures/", "solutions/"))]


def seeds_command(pages, seeds, jobs: int) -> int:
    rows, failures = {}, []
    for seed in seeds:
        for r in execute(pages, "smoke", jobs, seed=seed, use_cache=False, quiet=True):
            rows.setdefault(r["page"], {})[seed] = r
            if not r["ok"]:
                failures.append((seed, r))
    width = max(len(p) for p in rows) + 2
    print("\n" + "page".ljust(width) + "".join(f"seed {s}".rjust(10) for s in seeds))
    for page, by_seed in rows.items():
        cells = ["ok" if by_seed[s]["ok"] else "FAIL" for s in seeds]
        secs = [by_seed[s].get("seconds") or 0 for s in seeds]
        print(page.ljust(width) + "".join(f"{c} {t:4.0f}s".rjust(10) for c, t in zip(cells, secs)))
    if failures:
        print(f"\n{len(failures)} failing run(s):")
        for seed, r in failures:
            print(f"seed {seed}:" + failure_lines([r])[0].strip("\n"))
        return 1
    print(f"\nall {len(rows)} page(s) pass at seeds {seeds[0]}-{seeds[-1]} (smoke profile)")
    return 0


def mutants_file(page: str, root: Path = ROOT) -> Path:
    """Mutants of lecture NN_slug live beside it: lectures/NN_slug.mutants.yml."""
    stem = Path(page).stem
    return root / "lectures" / f"{stem}.mutants.yml"


def load_mutants(lecture: str, root: Path = ROOT) -> list[dict]:
    """The declared mutants of a lecture, each checked for form and for applying exactly once."""
    path = mutants_file(lecture, root)
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text()) or []
    if not isinstance(data, list):
        raise ValueError(f"{path.relative_to(root)}: expected a list of mutants")
    mutants = []
    for i, m in enumerate(data, 1):
        where = f"{path.relative_to(root)}, mutant {i}"
        missing = {"name", "why", "replace", "with"} - set(m)
        if missing:
            raise ValueError(f"{where}: missing {', '.join(sorted(missing))}")
        target = m.get("file", f"lectures/{Path(lecture).stem}.md")
        text = (root / target).read_text() if (root / target).exists() else ""
        count = text.count(m["replace"])
        if count != 1:
            raise ValueError(f"{where} ({m['name']}): the text to replace occurs {count} times in {target}; "
                             "it must occur exactly once (quote more of the line)")
        if m["replace"] == m["with"]:
            raise ValueError(f"{where} ({m['name']}): `with` equals `replace`")
        mutants.append({**m, "file": target, "source": path.relative_to(root).as_posix()})
    return mutants


COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "_build", "node_modules", "__pycache__", ".pytest_cache",
                                     "*.ipynb", "*.egg-info")


def run_mutant(mutant: dict, root: Path = ROOT) -> dict:
    """Apply one mutant to a temporary copy of the book, execute the page it edits (smoke)."""
    with tempfile.TemporaryDirectory(prefix="dlt-mutant-") as tmp:
        copy = Path(tmp) / "book"
        shutil.copytree(root, copy, ignore=COPY_IGNORE, symlinks=True)
        target = copy / mutant["file"]
        target.write_text(target.read_text().replace(mutant["replace"], mutant["with"], 1))
        cmd = [sys.executable, str(copy / "scripts" / "pipeline.py"), "run-one", mutant["file"],
               "--out", str(copy / "result.json"), "--timeout", "600"]
        env = kernel_env("smoke", 2, copy)
        proc = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True)
        if not (copy / "result.json").exists():
            return {**mutant, "verdict": "error", "detail": (proc.stderr or proc.stdout)[-500:]}
        r = json.loads((copy / "result.json").read_text())
    error = r.get("error", "")
    if r["ok"]:
        verdict = "survived"
    elif error.startswith(("ClaimFailed", "AssertionError", "ExerciseCheckError")):
        verdict = "killed"
    else:
        verdict = "crashed"
    expected = mutant.get("killed_by")
    if verdict == "killed" and expected and expected not in error:
        verdict = "killed by another check"
    where = f"cell {r.get('cell')}: {r.get('first_line', '')}" if r.get("cell") else ""
    return {**mutant, "verdict": verdict, "detail": error[:300], "where": where, "seconds": r.get("seconds")}


def mutants_command(pages, jobs: int, root: Path = ROOT) -> int:
    lectures = sorted({f"lectures/{Path(p).stem}.md" for p in pages})
    mutants = [m for lec in lectures for m in load_mutants(lec, root)]
    missing = [lec for lec in lectures if not load_mutants(lec, root)]
    if not mutants:
        print("no mutants declared for " + ", ".join(lectures))
        return 1
    print(f"running {len(mutants)} mutant(s) of {len(lectures) - len(missing)} lecture(s), {jobs} at a time")
    with cf.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(run_mutant, mutants))
    bad = 0
    for r in results:
        ok = r["verdict"] == "killed"
        bad += not ok
        print(f"{'killed ' if ok else r['verdict'].upper():9s} {r['source']}: {r['name']} ({r.get('seconds') or 0:.0f} s)")
        if r.get("where") or r.get("detail"):
            print(f"          {r.get('where', '')}\n          {r.get('detail', '').splitlines()[0] if r.get('detail') else ''}")
        if r["verdict"] == "killed by another check":
            print(f"          expected to be killed by {r['killed_by']!r}")
    for lec in missing:
        print(f"NO MUTANTS {lec}: declare at least 3 in {mutants_file(lec, root).relative_to(root)}")
    survivors = [r["name"] for r in results if r["verdict"] != "killed"]
    if survivors or missing:
        print(f"\n{len(survivors)} mutant(s) not killed by a claim check: {', '.join(survivors) or '-'}")
        return 1
    print(f"\nall {len(results)} mutants killed")
    return 0


# --------------------------------------------------------------------------------------------- cli
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    jobs_default = os.cpu_count() or 1
    p = sub.add_parser("html", help="execute what the cache lacks, in parallel, then build the site")
    p.add_argument("--profile", default=None)
    p.add_argument("--out", default="_build")
    p.add_argument("--jobs", type=int, default=jobs_default)
    for name, what in (("pdf", "build the book as one PDF (XeLaTeX) into OUT/pdf"),
                       ("slides", "build one reveal.js deck per lecture into OUT/slides")):
        p = sub.add_parser(name, help=f"execute what the cache lacks, then {what}")
        p.add_argument("--profile", default=None)
        p.add_argument("--out", default="_build")
        p.add_argument("--jobs", type=int, default=jobs_default)
        p.add_argument("--no-site", action="store_true", help="do not copy the result into OUT/html")
    p = sub.add_parser("execute", help="fill the execution cache")
    p.add_argument("pages", nargs="*")
    p.add_argument("--profile", default=None)
    p.add_argument("--jobs", type=int, default=jobs_default)
    p = sub.add_parser("seeds", help="run pages at several seeds in the smoke profile")
    p.add_argument("pages", nargs="*")
    p.add_argument("--seeds", default="0-3")
    p.add_argument("--jobs", type=int, default=jobs_default)
    p = sub.add_parser("mutants", help="run the declared mutants of lectures in the smoke profile")
    p.add_argument("pages", nargs="*")
    p.add_argument("--jobs", type=int, default=jobs_default)
    p = sub.add_parser("claims", help="execute pages (or read them from the cache) and print their claims")
    p.add_argument("pages", nargs="+")
    p.add_argument("--profile", default=None)
    p.add_argument("--jobs", type=int, default=jobs_default)
    p = sub.add_parser("cache-dir", help="print the execution cache directory of a profile")
    p.add_argument("--profile", default=None)
    p = sub.add_parser("run-one", help=argparse.SUPPRESS)
    p.add_argument("page")
    p.add_argument("--out", required=True)
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--scale", default=None)
    p.add_argument("--root", default=str(ROOT))
    args = ap.parse_args(argv)

    if args.cmd == "run-one":
        run_one(args.page, args.out, args.timeout, args.seed, args.scale, Path(args.root))
        return 0
    profile = getattr(args, "profile", None) or default_profile()
    if profile not in PROFILES:
        sys.exit(f"error: unknown profile {profile!r}; use one of {', '.join(PROFILES)}")
    if args.cmd == "cache-dir":
        print(cache_dir(profile).relative_to(ROOT))
        return 0
    if args.cmd == "html":
        out = Path(args.out)
        return build_html(profile, out if out.is_absolute() else ROOT / out, args.jobs)
    if args.cmd in ("pdf", "slides"):
        out = Path(args.out)
        return (build_pdf if args.cmd == "pdf" else build_slides)(profile, out if out.is_absolute() else ROOT / out,
                                                                  args.jobs, site=not args.no_site)
    pages = resolve_pages(args.pages) if getattr(args, "pages", None) else None
    if args.cmd == "execute":
        results = execute(pages or executed_pages(), profile, args.jobs)
        lines = failure_lines(results)
        if lines:
            print(f"{len(lines)} page(s) failed:\n" + "\n".join(lines))
        return 1 if lines else 0
    if args.cmd == "claims":
        results = execute(pages, profile, args.jobs)
        ledger = write_ledger(pages, results, profile, ROOT / "_build" / "claims" / f"{profile}.json")
        for c in ledger:
            verdict = "holds" if c.get("passed") else "FAILS"
            print(f"{c['page']}: {c['name']}: {c['statement']}\n    measured {c['measured']}; "
                  f"{c['relation']} [{verdict}]")
        lines = failure_lines(results)
        if lines:
            print(f"{len(lines)} page(s) failed:\n" + "\n".join(lines))
        return 1 if lines else 0
    if args.cmd == "seeds":
        return seeds_command(pages or default_notebook_pages(), parse_seeds(args.seeds), args.jobs)
    if args.cmd == "mutants":
        return mutants_command(pages or [p for p in default_notebook_pages() if p.startswith("lectures/")],
                               args.jobs)
    return 2


if __name__ == "__main__":
    sys.exit(main())
