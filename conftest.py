"""Project-wide pytest configuration.

1. nbval runs every notebook under lectures/, solutions/ and exercises/. nbval accepts an error
   in a cell tagged ``raises-exception`` but does not require one; here we require it. In a
   student notebook those cells are the ones that use a stubbed solution, so a check that passes
   without the solution (a vacuous check) fails the test run.
2. A lecture or solutions notebook that nbval ran without error in the smoke profile is stored in
   the smoke execution cache (scripts/pipeline.py), exactly as the build would have executed it.
   The smoke site build of `make test` then reads it from there instead of executing it again.
"""
import importlib.util
import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
# pytest-xdist runs one notebook per core: one math thread per kernel avoids oversubscribing the
# cores (which made notebooks 3-4x slower). The build (scripts/pipeline.py) does the same.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
os.environ.setdefault("DLT_PROGRESS", "0")
FEED_FOLDERS = ("lectures", "solutions")


def _pipeline():
    spec = importlib.util.spec_from_file_location("dlt_pipeline", ROOT / "scripts" / "pipeline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    options = getattr(item, "options", None)
    parent = getattr(item, "parent", None)
    if options is not None and parent is not None and not hasattr(parent, "dlt_started"):
        parent.dlt_started = time.perf_counter()
    result = yield
    if isinstance(options, dict) and options.get("check_exception") and item.test_outputs is not None:
        errors = [o for o in item.test_outputs if o.get("output_type") == "error" or "ename" in o]
        if not errors:
            raise AssertionError(
                f"{item.nodeid}: this cell is tagged raises-exception but ran without error. In an "
                "exercises notebook that means its check passes without the solution: make the check "
                "depend on the stubbed code (see docs/AUTHORING.md)."
            )
    return result


def _output(out):
    """An nbval output (a kernel message turned into a NotebookNode) as an nbformat output."""
    import nbformat

    kind = out.get("output_type")
    if kind == "stream":
        return nbformat.v4.new_output("stream", name=out.get("name", "stdout"), text=out.get("text", ""))
    if kind in ("display_data", "execute_result"):
        new = nbformat.v4.new_output(kind, data=out.get("data", {}), metadata=out.get("metadata", {}))
        if kind == "execute_result":
            new.execution_count = out.get("execution_count")
        return new
    if kind == "error":
        return nbformat.v4.new_output("error", ename=out.get("ename", ""), evalue=out.get("evalue", ""),
                                      traceback=out.get("traceback", []))
    return None


def pytest_runtest_makereport(item, call):
    """After the last cell of a lecture or solutions notebook, store the run in the smoke cache."""
    if call.when != "call" or not hasattr(item, "cell_num") or os.environ.get("DLT_SCALE") != "smoke":
        return
    if os.environ.get("DLT_FEED_CACHE", "1") == "0":
        return
    parent = item.parent
    rel = Path(str(item.fspath)).resolve().relative_to(ROOT)
    if rel.parts[0] not in FEED_FOLDERS or rel.suffix != ".ipynb":
        return
    runs = parent.__dict__.setdefault("dlt_runs", {})
    runs[item.cell_num] = None if call.excinfo is not None else list(item.test_outputs or [])
    n_code = sum(c.cell_type == "code" for c in parent.nb.cells)
    if item.cell_num != n_code - 1:
        return
    if len(runs) != n_code or any(v is None for v in runs.values()):
        return  # a cell failed or was skipped: nothing to cache
    try:
        pipeline = _pipeline()
        md = rel.with_suffix(".md")
        nb = pipeline.read_notebook(ROOT / md)
        code = [c for c in nb.cells if c.cell_type == "code"]
        if len(code) != n_code or any(c.source != p.source for c, p in
                                      zip(code, [c for c in parent.nb.cells if c.cell_type == "code"])):
            return  # the .ipynb is out of sync with its .md (test_structure.py says so)
        for i, cell in enumerate(code):
            cell.outputs = [o for o in map(_output, runs[i]) if o is not None]
            cell.execution_count = i + 1
        nb.metadata.pop("source_map", None)
        seconds = time.perf_counter() - getattr(parent, "dlt_started", time.perf_counter())
        pipeline.store(pipeline.cache_dir("smoke"), md.as_posix(), nb, seconds, "smoke")
        pipeline.save_timings("smoke", {md.as_posix(): round(seconds, 2)})
    except Exception as err:  # never fail a test because the cache could not be written
        print(f"note: could not store {rel} in the smoke cache: {err}")
