#!/usr/bin/env python3
"""How `make test` and `make book` scale with the number of lectures.

    python scripts/bench.py --n 4 --n 17 --n 34 [--stages test,book] [--keep]

For each N, a temporary copy of the book is grown to N lectures by replicating the existing ones
into the next free lectures of pages/plan.yml (each copy with its solutions and exercises page and
its mutants, its labels and claim names renamed so that the book stays valid, listed in
`_toc.yml`). The copy shares this checkout's `.venv` and
`node_modules`, so set-up is not part of these times (`bash .ci/run` on a clean clone measures it).
Each stage is then timed on its own:

    test: 1 unit, structure and nbval tests   2 smoke site build   3 browser tests
    book: cold (empty cache, every page executed, --jobs = cores), warm (nothing changed),
          and, with --serial, cold with one page at a time

A markdown table goes to stdout and to _build/bench/bench-N.json. Run it on a quiet machine.
"""
from __future__ import annotations

import argparse
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
sys.path.insert(0, str(ROOT / "scripts"))
import book  # noqa: E402

IGNORE = shutil.ignore_patterns(".git", ".venv", "_build", "node_modules", "__pycache__", ".pytest_cache",
                                "*.egg-info")


CLAIM_CALL = re.compile(r"\butils\.claim\.\w+\(\s*[\"']([^\"']+)[\"']")
# the first character of a replica's claim names: digits, then capitals; originals start with a
# lower-case letter, so the names stay unique in the book and keep their length (code lines fit)
CODES = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def replicate(copy: Path, n: int) -> list[str]:
    """Grow the book in ``copy`` to ``n`` lectures; return the stems of all lectures.

    Each replica takes the next free lecture of pages/plan.yml (its number, slug and title) and
    the content of an existing lecture, with its solutions and exercises page and its mutants.
    Its labels get a suffix and its claim names a first character of their own, so that the book
    stays valid: the replicas pass the same structure tests, build and browser tests."""
    originals = sorted(p.stem for p in (copy / "lectures").glob("*.md"))
    plan = yaml.safe_load((copy / "pages" / "plan.yml").read_text())
    slots = [(i, lec) for i, part in enumerate(plan["parts"]) for lec in part["lectures"]
             if f"{lec['n']:02d}_{lec['slug']}" not in originals]
    toc = yaml.safe_load((copy / "_toc.yml").read_text())
    stems = list(originals)
    k = 0
    while len(stems) < n:
        part, lec = slots[k]
        k += 1
        src = originals[(k - 1) % len(originals)]
        new = f"{lec['n']:02d}_{lec['slug']}"
        suffix = f"-r{k}"
        names = {m for folder in ("lectures", "solutions")
                 for m in CLAIM_CALL.findall((copy / folder / f"{src}.md").read_text())}

        def rename_claims(text: str) -> str:
            for name in names:
                text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", CODES[k - 1] + name[1:], text)
            return text

        for folder in ("lectures", "solutions"):
            text = (copy / folder / f"{src}.md").read_text()
            text = book.rename_labels(text, book.defined_labels([text]), suffix)
            text = rename_claims(text).replace(src, new)
            head = "# Solutions: " if folder == "solutions" else "# "
            text = re.sub(rf"^{re.escape(head)}.*$", head + lec["title"], text, count=1, flags=re.M)
            (copy / folder / f"{new}.md").write_text(text)
        mutants = copy / "lectures" / f"{src}.mutants.yml"
        if mutants.exists():
            (copy / "lectures" / f"{new}.mutants.yml").write_text(rename_claims(mutants.read_text()).replace(src, new))
        chapters = toc["parts"][part]["chapters"]
        entry = {"file": f"lectures/{new}", "sections": [{"file": f"exercises/{new}", "title": "Exercises"},
                                                        {"file": f"solutions/{new}", "title": "Solutions"}]}
        after = [j for j, c in enumerate(chapters)
                 if c["file"].startswith("lectures/") and int(c["file"][9:11]) < lec["n"]]
        chapters.insert((after[-1] + 1) if after else 1, entry)
        stems.append(new)
    (copy / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    env = dict(os.environ, PYTHONPATH=str(copy))
    py = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([py, "scripts/book.py", "exercises"], cwd=copy, env=env, check=True, capture_output=True)
    subprocess.run([py, "scripts/book.py", "sync"], cwd=copy, env=env, check=True, capture_output=True)
    return sorted(stems)


def timed(cmd, cwd, env, log):
    start = time.time()
    with open(log, "w") as fh:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT, shell=isinstance(cmd, str))
    return round(time.time() - start, 1), proc.returncode


def bench(n: int, stages, serial: bool, keep: bool, out: Path) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"dlt-bench-{n}-"))
    copy = tmp / "book"
    shutil.copytree(ROOT, copy, ignore=IGNORE, symlinks=True)
    for shared in (".venv", "node_modules"):
        (copy / shared).symlink_to(ROOT / shared)
    stems = replicate(copy, n)
    py = str(ROOT / ".venv" / "bin" / "python")
    env = dict(os.environ, PYTHONPATH=str(copy), PYDEVD_DISABLE_FILE_VALIDATION="1")
    nproc = str(os.cpu_count() or 2)
    rows = {"n": n, "lectures": len(stems), "cores": int(nproc)}
    logs = out / f"logs-{n}"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"N={n}: {len(stems)} lectures in {copy}", flush=True)
    if "test" in stages:
        smoke = dict(env, DLT_SCALE="smoke")
        rows["test_1_nbval"] = timed([py, "-m", "pytest", "-q", "-n", "auto", "--dist", "loadfile",
                                      "--ignore=tests/test_site.py", "--ignore=tests/test_pdf.py",
                                      "--ignore=tests/test_slides.py", "tests", "lectures", "solutions",
                                      "exercises"],
                                     copy, smoke, logs / "test1.log")
        rows["test_2_site_build"] = timed([py, "scripts/pipeline.py", "html", "--profile", "smoke", "--out",
                                           "_build/smoke", "--jobs", nproc], copy, smoke, logs / "test2.log")
        rows["test_3_browser"] = timed([py, "-m", "pytest", "-q", "-n", "auto", "--dist", "load",
                                        "tests/test_pdf.py", "tests/test_slides.py", "tests/test_site.py"],
                                       copy, smoke, logs / "test3.log")
        rows["test_total"] = round(sum(rows[k][0] for k in rows if k.startswith("test_") and k != "test_total"), 1)
        print(f"  test: {rows['test_total']} s", flush=True)
    if "book" in stages:
        shutil.rmtree(copy / "_build" / "cache", ignore_errors=True)
        rows["book_cold"] = timed([py, "scripts/pipeline.py", "html", "--profile", "book", "--out", "_build",
                                   "--jobs", nproc], copy, env, logs / "book_cold.log")
        rows["book_warm"] = timed([py, "scripts/pipeline.py", "html", "--profile", "book", "--out", "_build",
                                   "--jobs", nproc], copy, env, logs / "book_warm.log")
        if serial:
            shutil.rmtree(copy / "_build", ignore_errors=True)
            rows["book_cold_serial"] = timed([py, "scripts/pipeline.py", "html", "--profile", "book", "--out",
                                              "_build", "--jobs", "1"], copy, env, logs / "book_serial.log")
        print(f"  book: cold {rows['book_cold'][0]} s, warm {rows['book_warm'][0]} s", flush=True)
    (out / f"bench-{n}.json").write_text(json.dumps(rows, indent=1))
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def table(results) -> str:
    keys = [("test_1_nbval", "test: unit+nbval"), ("test_2_site_build", "test: smoke build"),
            ("test_3_browser", "test: browser, PDF, slides"), ("test_total", "make test (no set-up)"),
            ("book_cold", "make book cold"), ("book_cold_serial", "make book cold, 1 job"),
            ("book_warm", "make book warm")]
    head = "| stage | " + " | ".join(f"N = {r['n']}" for r in results) + " |"
    lines = [head, "|---|" + "---:|" * len(results)]
    for key, name in keys:
        if not any(key in r for r in results):
            continue
        cells = []
        for r in results:
            v = r.get(key)
            if v is None:
                cells.append("")
            elif isinstance(v, (list, tuple)):
                cells.append(f"{v[0]:.0f} s" + ("" if v[1] == 0 else " (failed)"))
            else:
                cells.append(f"{v:.0f} s")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, action="append", help="number of lectures (repeatable)")
    ap.add_argument("--stages", default="test,book")
    ap.add_argument("--serial", action="store_true", help="also time a cold make book with one job")
    ap.add_argument("--keep", action="store_true", help="keep the temporary copies")
    ap.add_argument("--report", action="store_true",
                    help="only print the table of the runs already in _build/bench (no timing)")
    args = ap.parse_args()
    out = ROOT / "_build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    if args.report:
        results = sorted((json.loads(f.read_text()) for f in out.glob("bench-*.json")), key=lambda r: r["n"])
        if args.n:
            results = [r for r in results if r["n"] in args.n]
    else:
        results = [bench(n, args.stages.split(","), args.serial, args.keep, out)
                   for n in (args.n or [4, 17, 34])]
    text = table(results)
    (out / "table.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
