"""The book's structure: every page is in the table of contents, pairs and generated files are in
sync, no outputs are committed, and every lecture follows the layout of the course guide."""
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from dlt_support import load

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import book  # noqa: E402

LECTURES = sorted((ROOT / "lectures").glob("*.md"))
STEMS = [p.stem for p in LECTURES]


def toc_files():
    found = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("file", "root") and isinstance(v, str):
                    found.append(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    return found


def test_there_are_lectures():
    assert LECTURES, "no lecture found under lectures/"


def test_every_page_is_in_the_toc_and_every_toc_entry_exists():
    toc = toc_files()
    assert len(toc) == len(set(toc)), "a page is listed twice in _toc.yml"
    for entry in toc:
        assert (ROOT / f"{entry}.md").exists(), f"_toc.yml lists {entry} but {entry}.md does not exist"
    for folder in ("lectures", "solutions", "exercises", "pages"):
        for md in (ROOT / folder).glob("*.md"):
            assert f"{folder}/{md.stem}" in toc, f"{folder}/{md.name} is not in _toc.yml"


def test_lecture_file_names():
    for stem in STEMS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+", stem), f"lectures/{stem}.md: name must be NN_slug"


@pytest.mark.parametrize("stem", STEMS)
def test_lecture_has_solutions_and_exercises_nested_in_toc(stem):
    assert (ROOT / "solutions" / f"{stem}.md").exists(), f"solutions/{stem}.md is missing"
    assert (ROOT / "exercises" / f"{stem}.md").exists(), f"exercises/{stem}.md is missing: run `make exercises`"
    toc = toc_files()
    i = toc.index(f"lectures/{stem}")
    assert toc[i + 1 : i + 3] == [f"exercises/{stem}", f"solutions/{stem}"], (
        f"in _toc.yml, lectures/{stem} needs sections exercises/{stem} then solutions/{stem}")


def test_plan_agrees_with_the_toc_and_the_pages():
    """pages/plan.yml (from which the front page and the part pages are generated) names every
    lecture that exists, with its number, slug and title, and every part page."""
    plan = yaml.safe_load((ROOT / "pages" / "plan.yml").read_text())
    planned = {f"{lec['n']:02d}_{lec['slug']}": lec for part in plan["parts"] for lec in part["lectures"]}
    numbers = [lec["n"] for part in plan["parts"] for lec in part["lectures"]]
    assert numbers == list(range(1, len(numbers) + 1)), "pages/plan.yml must number the lectures 1, 2, 3, ..."
    for stem in STEMS:
        assert stem in planned, f"lectures/{stem}.md is not in pages/plan.yml (number and slug must match)"
        title = next(line[2:].strip() for line in (ROOT / "lectures" / f"{stem}.md").read_text().splitlines()
                     if line.startswith("# "))
        assert title == planned[stem]["title"], (
            f"lectures/{stem}.md is titled {title!r} but pages/plan.yml says {planned[stem]['title']!r}")
    toc = toc_files()
    for part in plan["parts"]:
        page = ROOT / f"{part['page']}.md"
        assert page.exists() and part["page"] in toc, f"{part['page']} (pages/plan.yml) is missing or not in _toc.yml"
        text = page.read_text()
        assert text.startswith(f"# Part {part['part']}. {part['title']}\n"), f"{page.name}: title differs from the plan"
        assert "{part-lectures}" in text, f"{page.name} must list its lectures with the part-lectures directive"


def _cells_with_tags(path):
    for cell in _code_cells(path):
        yield cell, set(cell.metadata.get("tags", []))


PAGE_SOURCES = [p for d in ("lectures", "solutions") for p in sorted((ROOT / d).glob("*.md"))]


@pytest.mark.parametrize("path", PAGE_SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_code_fits_the_column_and_claims_are_styled(path):
    """Shown code lines fit the column (79 characters); claim-check cells hide their code."""
    long_lines, unstyled = [], []
    for cell, tags in _cells_with_tags(path):
        if "remove-cell" in tags or "remove-input" in tags:
            continue
        long_lines += [line for line in cell.source.splitlines() if len(line) > 79]
        if CLAIM_CALL.search(cell.source) and "hide-input" not in tags:
            unstyled.append(cell.source.strip().splitlines()[0][:60])
    assert not long_lines, (f"{path.name}: {len(long_lines)} code lines are longer than 79 characters "
                            f"(they would scroll sideways on the site), e.g. {long_lines[:3]}")
    assert not unstyled, (f"{path.name}: claim-check cells must be tagged hide-input (docs/AUTHORING.md): "
                          f"{unstyled[:3]}")


def test_generated_files_are_up_to_date():
    problems = book.stale()
    assert not problems, "\n".join(problems)


def test_notebooks_have_no_outputs():
    for folder in ("lectures", "solutions", "exercises"):
        for ipynb in (ROOT / folder).glob("*.ipynb"):
            nb = json.loads(ipynb.read_text())
            for cell in nb["cells"]:
                if cell["cell_type"] == "code":
                    assert not cell["outputs"] and cell["execution_count"] is None, (
                        f"{ipynb.relative_to(ROOT)} has committed outputs: run `make notebooks`")


def _code_cells(path):
    import jupytext

    nb = jupytext.read(path)
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", PAGE_SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_setup_cells_follow_the_contract(path):
    cells = _code_cells(path)
    params, setup = cells[0], cells[1]
    assert {"parameters", "remove-cell"} <= set(params.metadata.get("tags", [])), (
        f"{path.name}: the first code cell must be the papermill parameters cell (tags parameters, remove-cell)")
    assert "SCALE = None" in params.source and "SEED" in params.source
    assert "remove-cell" in setup.metadata.get("tags", [])
    assert "google.colab" in setup.source and book.install_spec() in setup.source
    assert "utils.setup(SCALE, SEED)" in setup.source


def test_install_spec_comes_from_config():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert cfg["repository"]["url"] in book.install_spec()


def test_config_essentials():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert cfg["only_build_toc_files"] is True
    assert cfg["execute"]["execute_notebooks"] == "cache"
    assert "**.ipynb" in cfg["exclude_patterns"]
    assert cfg["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    assert {"sphinx_proof", "sphinx_exercise"} <= set(cfg["sphinx"]["extra_extensions"])


def test_labels_are_unique_across_the_book():
    seen = {}
    for folder in ("lectures", "solutions", "exercises"):
        for md in (ROOT / folder).glob("*.md"):
            text = md.read_text()
            for label in (m for rx in book.LABEL_DEFS for m in rx.findall(text)):
                assert label not in seen, f"label {label!r} is defined in {md.name} and {seen[label]}"
                seen[label] = md.name


def test_every_cited_key_is_in_references_bib():
    bib = (ROOT / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,\s]+),", bib))
    for folder in ("lectures", "solutions", "exercises", "pages"):
        for md in (ROOT / folder).glob("*.md"):
            for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", md.read_text()):
                for key in group.split(","):
                    assert key.strip() in keys, f"{md.name} cites {key.strip()!r}, missing from references.bib"


# ---------------------------------------------------------------------------------- claims, mutants
pipeline = load("scripts/pipeline.py", "dlt_pipeline")
CLAIM_CALL = re.compile(r"\butils\.claim\.(close|at_most|at_least|within|ordered|holds)\(\s*[\"']([^\"']+)[\"']")


@pytest.mark.parametrize("stem", STEMS)
def test_lecture_declares_mutants_that_apply(stem):
    path = pipeline.mutants_file(f"lectures/{stem}.md")
    assert path.exists(), (f"lectures/{stem}.md has no declared mutants: write {path.relative_to(ROOT)} "
                           "(see docs/AUTHORING.md, 'Mutants')")
    mutants = pipeline.load_mutants(f"lectures/{stem}.md")  # raises, naming the mutant, if one does not apply
    assert len(mutants) >= 3, f"{path.relative_to(ROOT)} declares {len(mutants)} mutants; at least 3 are required"
    names = [m["name"] for m in mutants]
    assert len(names) == len(set(names)), f"{path.relative_to(ROOT)}: two mutants share a name"


@pytest.mark.parametrize("stem", STEMS)
def test_lecture_states_its_claims_with_utils_claim(stem):
    text = (ROOT / "lectures" / f"{stem}.md").read_text()
    assert CLAIM_CALL.search(text), f"lectures/{stem}.md has no claim check (utils.claim.close / at_most / ...)"


def test_claim_names_are_unique_across_the_book():
    seen = {}
    for folder in ("lectures", "solutions"):
        for md in sorted((ROOT / folder).glob("*.md")):
            for _, name in CLAIM_CALL.findall(md.read_text()):
                assert name not in seen, f"claim {name!r} is stated in {md.name} and in {seen[name]}"
                seen[name] = md.name


@pytest.mark.parametrize("stem", STEMS)
def test_lecture_runtime_line_is_generated(stem):
    text = (ROOT / "lectures" / f"{stem}.md").read_text()
    assert "```{runtime}" in text, f"lectures/{stem}.md: put the generated runtime line ```{{runtime}}``` in its header"
    assert "**Runtime:**" not in text, f"lectures/{stem}.md types its runtimes; use ```{{runtime}}``` instead"


DIRECTIVE_TITLE_ROLE = re.compile(r"^(`{3,}|:{3,})\{[\w:-]+\}[^\n`]*\{[\w:-]+\}`", re.M)


@pytest.mark.parametrize("path", PAGE_SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_directive_titles_hold_no_roles(path):
    """A role such as {cite}`key` in a directive's title line puts backticks into the fence's info
    string: the fence then never opens, the block's label is lost and the source prints as code."""
    bad = [m.group(0)[:70] for m in DIRECTIVE_TITLE_ROLE.finditer(path.read_text())]
    assert not bad, (f"{path.parent.name}/{path.name}: a role in a directive's title line breaks the block; "
                     f"move it into the body (docs/AUTHORING.md): {bad}")


@pytest.mark.parametrize("path", PAGE_SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_heading_repeats_the_page_title(path):
    """A section named like the page takes the page's name away (docutils marks both duplicates):
    sphinx-proof then labels the page's theorems 'None:...' in LaTeX and every reference to them
    prints as ?? in the PDF."""
    headings = re.findall(r"^(#{1,6}) +(.+?) *$", _text_outside_code(path.read_text()), re.M)
    titles = [t for h, t in headings if h == "#"]
    repeats = [t for h, t in headings if h != "#" and titles and t.lower() == titles[0].lower()]
    assert not repeats, f"{path.parent.name}/{path.name}: a section repeats the page title: {repeats}"


@pytest.mark.parametrize("path", PAGE_SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_line_in_inline_math_starts_a_list(path):
    """Inside an inline formula that spans lines, a line starting with '+ ', '- ' or '* ' is read
    as a list item: the formula is cut in two and its TeX prints as text."""
    bad = []
    open_dollar = False
    for line in _text_outside_code(path.read_text()).splitlines():
        if not line.strip():
            open_dollar = False
            continue
        if line.strip().startswith("$$"):
            open_dollar = False
            continue
        if open_dollar and re.match(r"\s*[-+*] ", line):
            bad.append(line.strip()[:60])
        singles = len(re.findall(r"(?<![\\$])\$(?!\$)", line))
        open_dollar ^= singles % 2 == 1
    assert not bad, (f"{path.parent.name}/{path.name}: a line inside an inline formula starts like a "
                     f"list item; move the sign to the end of the previous line: {bad}")


def _text_outside_code(text: str) -> str:
    """The Markdown text with code cells, fenced code and $$ display blocks blanked out."""
    out, fence, display = [], None, False
    for line in text.splitlines():
        m = re.match(r"^(`{3,}|~{3,})(.*)$", line)
        if fence is None and m:
            fence = m.group(1)
            out.append("")
            continue
        if fence is not None:
            if line.startswith(fence) and not line[len(fence):].strip():
                fence = None
            out.append("")
            continue
        if line.strip() == "$$":
            display = not display
            out.append("")
            continue
        out.append("" if display else line)
    return "\n".join(out)
