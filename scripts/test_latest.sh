#!/usr/bin/env bash
# make test-latest: run every notebook (smoke profile) the way Colab would install the book.
#
# Colab installs this package with the loose lower bounds of pyproject.toml next to whatever torch,
# numpy and matplotlib it ships, which move on their own schedule. This builds a fresh environment
# in _build/latest/venv from pyproject.toml alone (not requirements.txt), with the newest releases
# that satisfy it, installs the package itself (not in editable mode, as in Colab), and runs every
# lecture, solutions and exercises notebook under nbval in the smoke profile. It prints which
# versions differ from the pins in requirements.txt, so a failure can be traced to a release.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON_SYS=${PYTHON_SYS:-python3}
OUT=_build/latest
VENV=$OUT/venv
rm -rf "$OUT"
mkdir -p "$OUT"
"$PYTHON_SYS" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# the package with its optional loaders, newest releases allowed by its bounds; the test runner
"$VENV/bin/python" -m pip install -q --upgrade --upgrade-strategy eager ".[datasets]" nbval pytest pytest-xdist ipykernel
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
"$VENV/bin/python" -m pip freeze > "$OUT/freeze.txt"

echo "== versions that differ from requirements.txt"
"$VENV/bin/python" - <<'PY'
import re
pins = {}
for line in open("requirements.txt"):
    m = re.match(r"\s*([A-Za-z0-9_.-]+)==([^\s#]+)", line)
    if m:
        pins[m.group(1).lower().replace("_", "-")] = m.group(2)
got = {}
for line in open("_build/latest/freeze.txt"):
    if "==" in line:
        name, version = line.strip().split("==", 1)
        got[name.lower().replace("_", "-")] = version
diff = [f"  {n}: pinned {v}, latest {got[n]}" for n, v in sorted(pins.items()) if n in got and got[n] != v]
print("\n".join(diff) if diff else "  none: the newest releases are the pinned ones")
PY

echo "== every notebook, smoke profile, newest releases"
# PYTHONPATH is cleared so that `import utils` finds the installed package, as in Colab; the
# execution cache of the book is not touched (DLT_FEED_CACHE=0).
env -u PYTHONPATH DLT_SCALE=smoke DLT_FEED_CACHE=0 MPLBACKEND=Agg \
    "$VENV/bin/python" -m pytest -n auto --dist loadfile -p no:cacheprovider -q lectures solutions exercises
