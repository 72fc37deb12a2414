"""Project-wide pytest configuration.

nbval runs every notebook under lectures/, solutions/ and exercises/. nbval accepts an error in
a cell tagged ``raises-exception`` but does not require one; here we require it. In a student
notebook those cells are the ones that use a stubbed solution, so a check that passes without
the solution (a vacuous check) fails the test run.
"""
import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# pytest-xdist runs one notebook per core, and the smoke site build runs beside them: one math
# thread per process avoids oversubscribing the cores (which made notebooks 3-4x slower).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    options = getattr(item, "options", None)
    if isinstance(options, dict) and options.get("check_exception") and item.test_outputs is not None:
        errors = [o for o in item.test_outputs if o.get("output_type") == "error" or "ename" in o]
        if not errors:
            raise AssertionError(
                f"{item.nodeid}: this cell is tagged raises-exception but ran without error. In an "
                "exercises notebook that means its check passes without the solution: make the check "
                "depend on the stubbed code (see docs/AUTHORING.md)."
            )
    return result
