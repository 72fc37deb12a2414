"""The PDF book (`make pdf`) as a reader gets it.

The PDF is built from the smoke profile's execution cache, which `make test` has filled before this
test runs (`scripts/pipeline.py pdf --profile smoke --out _build/smoke`), with Sphinx warnings as
errors. Building and reading it is one test, so that one pytest-xdist worker does it while the
others go on with the site. The PDF and its LaTeX log are read: no character may be missing from
its font (it would print as nothing), no reference undefined (it would print as "??"), no display
formula may run into the margin, and every lecture must be in it as the chapter of its number, so
that "Theorem 9.2" and "(9.6)" point where they say. A picture of the first page of every lecture
and a summary go to _build/pdf-screenshots/.

Needs Debian's TeX and poppler-utils (`pdftotext`, `pdftoppm`); skips, naming the apt-get line,
without them.
"""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dlt_support import build_once, load

ROOT = Path(__file__).resolve().parents[1]
# the build to check: `make test`'s smoke build, or another one named by DLT_PRINT_OUT (e.g. _build
# after `make pdf slides`); a missing one is built there from the smoke cache
OUT = ROOT / os.environ.get("DLT_PRINT_OUT", "_build/smoke")
SHOTS = ROOT / "_build" / "pdf-screenshots"
LECTURES = sorted((ROOT / "lectures").glob("*.md"))


PIPELINE = load("scripts/pipeline.py", "dlt_pipeline")
REPORT = OUT / "pdf" / "report.json"


def _needs_tex():
    missing = PIPELINE.missing_tex() + [tool for tool in ("pdftotext", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the PDF tests need TeX and poppler-utils ({', '.join(missing)} not found): "
                    f"{PIPELINE.INSTALL_TEX} poppler-utils (.ci/run does this when run as root)")


def _build():
    """Build the PDF unless this run already did."""
    return build_once("pdf", OUT, REPORT, "--jobs", str(os.cpu_count() or 1), "--no-site")


def _title(md):
    return next(line[2:].strip() for line in md.read_text().splitlines() if line.startswith("# "))


def _words(text):
    """Text as a reader sees it, for comparing: letters and digits only, lower case."""
    return re.sub(r"[^a-z0-9]+", " ", text.replace("-\n", "").lower()).strip()


def _log_problems(tex):
    """Nothing missing from a font, no undefined reference, no display formula in the margin."""
    log = tex.with_suffix(".log").read_text(errors="replace")
    missing = sorted(set(re.findall(r"^Missing character: There is no (.+?) in font", log, re.M)))
    undefined = sorted(set(re.findall(r"(?:Hyper reference|Reference|Citation) `([^']+)' on page \d+ undefined", log)))
    margin = [p for p in PIPELINE.latex_log_problems(tex) if "wider than the text" in p or "citation" in p]
    return ([f"characters missing from the fonts (they print as nothing): {missing[:10]}"] if missing else []) + \
           ([f"undefined references (they print as ??): {undefined[:10]}"] if undefined else []) + margin


def _chapter_problems(text, toc):
    """Lecture NN is chapter NN, with its title, and its numbers are the site's; the part overview
    pages and the other pages are unnumbered chapters."""
    problems = []
    chapters = {_words(re.sub(r"\\[a-zA-Z]+(\{\})?", "-", t)): int(n) for n, t in
                re.findall(r"\\contentsline\s*\{chapter\}\{\\numberline\s*\{(\d+)\}(.*?)\}\{\d+\}\{", toc)}
    for md in LECTURES:
        number, title, source = int(md.stem.split("_")[0]), _title(md), md.read_text()
        if _words(title) not in _words(text):
            problems.append(f"the title of lectures/{md.name}, {title!r}, is not in the PDF")
        elif chapters.get(_words(title)) != number:
            problems.append(f"lectures/{md.name} ({title!r}) should be chapter {number} of the PDF; "
                            f"the numbered chapters are {chapters}")
        if re.search(r"```\{prf:theorem\}", source) and f"Theorem {number}.1" not in text:
            problems.append(f"no 'Theorem {number}.1' in the PDF, but lectures/{md.name} has theorems")
        if re.search(r"\$\$\s*\([a-z0-9-]+\)", source) and f"({number}.1)" not in text:
            problems.append(f"no equation ({number}.1) in the PDF, but lectures/{md.name} numbers equations")
    numbered = sorted(chapters.values())
    lectures = sorted(int(md.stem.split("_")[0]) for md in LECTURES)
    if numbered != lectures:
        problems.append(f"the numbered chapters of the PDF are {numbered}; they should be the lectures {lectures}")
    return problems


def _pictures(pdf, text, report):
    """The first page of every lecture as a picture (for a look), and the numbers, in SHOTS."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    pages = text.split("\f")
    found = {}
    for md in LECTURES:
        words = _words(_title(md))
        for i, page in enumerate(pages, 1):
            if re.search(r"^\s*chapter\b", page.strip().lower()) and words in _words(page):
                found[md.stem] = i
                break
    for stem, page in found.items():
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                        str(pdf), str(SHOTS / f"{stem}-page-{page}")], check=True)
    (SHOTS / "summary.json").write_text(json.dumps(
        {"pages": report["pages"], "first_pages": found, "seconds": report["seconds"],
         "seconds_latex": report["seconds_latex"]}, indent=1))
    return [f"no chapter page found for lectures/{md.stem}" for md in LECTURES if md.stem not in found]


def test_pdf_book():
    """Build the PDF (warnings are errors) and read it: one test, so that one worker builds it."""
    _needs_tex()
    report = _build()
    assert report is not None, f"the PDF build wrote no {REPORT.relative_to(ROOT)}"
    problems = [f"{f['page']}, code cell {f.get('cell')}: {f.get('error')}" for f in report["failed"]]
    problems += report["problems"]
    pdf = Path(report["pdf"]) if report.get("pdf") else None
    if pdf is not None and pdf.exists():
        tex = Path(report["tex"])
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        problems += _log_problems(tex)
        problems += [f"'??' (an unresolved reference) in the PDF: {line.strip()[:120]}"
                     for line in text.splitlines() if "??" in line][:5]
        problems += _chapter_problems(text, tex.with_suffix(".toc").read_text(errors="replace"))
        problems += _pictures(pdf, text, report)
    elif not problems:
        problems.append("no PDF was written")
    problems = list(dict.fromkeys(problems))  # the build and the test may name a problem twice
    assert not problems, f"the PDF book ({REPORT.parent.relative_to(ROOT)}):\n- " + "\n- ".join(problems[:40])


def test_latex_macros_are_the_sites():
    """Every TeX macro of the site (mathjax3_config in _config.yml) has its LaTeX definition, made
    from that one list, with the same number of arguments (no TeX needed)."""
    book_pdf = load("_ext/book_pdf.py", "dlt_book_pdf")
    macros = PIPELINE.load_config()["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    defined = dict(re.findall(r"\\DeclareRobustCommand\{\\(\w+)\}(\[\d\])?", book_pdf.latex_macros(macros)))
    assert set(defined) == set(macros), f"macros without a LaTeX definition: {sorted(set(macros) - set(defined))}"
    for name, value in macros.items():
        nargs = int(value[1]) if isinstance(value, list) and len(value) > 1 else 0
        assert defined[name] == (f"[{nargs}]" if nargs else ""), f"\\{name} takes {nargs} argument(s)"
