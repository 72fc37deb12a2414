"""The build pipeline (scripts/pipeline.py): a cache that cannot publish stale outputs, parallel
execution, and failures named by page, cell and error.

The integration tests run a tiny book in a temporary folder: a page whose only code prints the
profile and a value from its own `utils` package, so a stale output would be visible in the
cached notebook.
"""
import json
import textwrap
from pathlib import Path

import pytest
import yaml

from dlt_support import load

ROOT = Path(__file__).resolve().parents[1]
pipeline = load("scripts/pipeline.py", "dlt_pipeline")

HEADER = textwrap.dedent("""\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---
    """)


def page(*cells):
    body = "\n".join(f"```{{code-cell}} ipython3\n{c}\n```\n" for c in cells)
    return HEADER + "\n# A page\n\nText.\n\n" + body


@pytest.fixture
def book(tmp_path):
    root = tmp_path / "book"
    (root / "lectures").mkdir(parents=True)
    (root / "exercises").mkdir()
    (root / "utils").mkdir()
    (root / "utils" / "__init__.py").write_text("VALUE = 1\n")
    (root / "requirements.txt").write_text("numpy==2.4.6\n")
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "_config.yml").write_text(yaml.safe_dump({
        "execute": {"exclude_patterns": ["exercises/*"], "timeout": 60},
        "parse": {"myst_enable_extensions": ["dollarmath", "colon_fence"]}}))
    (root / "_toc.yml").write_text(yaml.safe_dump({
        "format": "jb-book", "root": "intro",
        "parts": [{"caption": "P", "chapters": [{"file": "lectures/01_a"}, {"file": "lectures/02_b"},
                                                 {"file": "exercises/01_a"}]}]}))
    (root / "intro.md").write_text("# Intro\n")
    (root / "lectures" / "01_a.md").write_text(page(
        "import os, utils\nprint('profile', os.environ['DLT_SCALE'], 'value', utils.VALUE)"))
    (root / "lectures" / "02_b.md").write_text(page("x = 1", "y = 2\nassert x == y, 'x is not y'", "z = 3"))
    (root / "exercises" / "01_a.md").write_text(page("raise NotImplementedError"))
    return root


def printed(result):
    return "".join(o.get("text", "") for c in result["nb"].cells if c.cell_type == "code" for o in c.outputs)


def test_cache_key_covers_profile_utils_and_requirements(book):
    first = pipeline.cache_dir("smoke", book)
    assert pipeline.cache_dir("smoke", book) == first, "the key is not deterministic"
    assert pipeline.cache_dir("book", book) != first, "smoke and book share a cache"
    keys = {first}
    for rel, text in [("utils/__init__.py", "VALUE = 2\n"), ("utils/new.py", "x = 1\n"),
                      ("requirements.txt", "numpy==2.4.7\n"), ("pyproject.toml", "[project]\nname = 'y'\n")]:
        (book / rel).write_text(text)
        key = pipeline.cache_dir("smoke", book)
        assert key not in keys, f"changing {rel} does not change the cache"
        keys.add(key)
    with pytest.raises(ValueError, match="unknown profile"):
        pipeline.cache_dir("huge", book)


def test_executed_pages_follow_toc_and_exclusions(book):
    assert pipeline.executed_pages(book) == ["lectures/01_a.md", "lectures/02_b.md"]


def test_profile_switch_and_utils_change_execute_again(book):
    pages = ["lectures/01_a.md"]
    run = pipeline.execute(pages, "smoke", 1, root=book, quiet=True)
    assert not run[0]["cached"] and "profile smoke value 1" in printed(run[0])
    again = pipeline.execute(pages, "smoke", 1, root=book, quiet=True)
    assert again[0]["cached"], "an unchanged page was executed again"
    other = pipeline.execute(pages, "book", 1, root=book, quiet=True)
    assert not other[0]["cached"] and "profile book value 1" in printed(other[0]), "profile switch reused outputs"
    (book / "utils" / "__init__.py").write_text("VALUE = 2\n")
    changed = pipeline.execute(pages, "smoke", 1, root=book, quiet=True)
    assert not changed[0]["cached"] and "profile smoke value 2" in printed(changed[0]), (
        "a change to utils reused outputs made with the old utils")
    removed = pipeline.prune_caches("smoke", book)
    assert len(removed) == 1 and pipeline.cache_dir("smoke", book).exists()


def test_every_page_runs_and_failures_name_cell_line_and_error(book):
    results = pipeline.execute(["lectures/02_b.md", "lectures/01_a.md"], "smoke", 2, root=book, quiet=True)
    by_page = {r["page"]: r for r in results}
    assert by_page["lectures/01_a.md"]["ok"], "a failing page stopped another page"
    bad = by_page["lectures/02_b.md"]
    assert not bad["ok"] and bad["cell"] == 2 and bad["first_line"] == "y = 2"
    assert bad["error"] == "AssertionError: x is not y"
    text = (book / "lectures" / "02_b.md").read_text().splitlines()
    assert text[bad["line"] - 1].startswith("y = 2"), "the line number does not point at the failing cell"
    lines = pipeline.failure_lines(results)
    assert len(lines) == 1 and "lectures/02_b.md, code cell 2" in lines[0] and "x is not y" in lines[0]
    again = pipeline.execute(["lectures/02_b.md"], "smoke", 1, root=book, quiet=True)
    assert not again[0]["cached"], "a failed page was cached"


def test_seed_runs_are_not_cached(book):
    (book / "lectures" / "01_a.md").write_text(page("SEED = 0", "print('seed', SEED)").replace(
        "```{code-cell} ipython3\nSEED = 0", "```{code-cell} ipython3\n:tags: [parameters]\n\nSEED = 0"))
    r = pipeline.execute(["lectures/01_a.md"], "smoke", 1, seed=3, use_cache=False, root=book, quiet=True)
    assert r[0]["ok"] and "seed 3" in printed(r[0])
    assert not (pipeline.cache_dir("smoke", book) / "global.db").exists() or not pipeline.execute(
        ["lectures/01_a.md"], "smoke", 1, root=book, quiet=True)[0]["cached"]


def test_workflow_restores_only_matching_caches():
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    steps = [s for job in flow["jobs"].values() for s in job.get("steps", [])
             if str(s.get("uses", "")).startswith("actions/cache")]
    assert steps, "the workflow does not cache executions"
    for step in steps:
        key = step["with"]["key"]
        for part in ("utils/**", "requirements.txt", "pyproject.toml"):
            assert part in key, f"the cache key {key!r} does not cover {part}"
        assert "book" in key or "profile" in key, f"the cache key {key!r} does not name the profile"
        restore = str(step["with"].get("restore-keys", ""))
        for line in filter(None, (s.strip() for s in restore.splitlines())):
            assert "hashFiles('utils/**'" in line, (
                f"restore-keys {line!r} would restore a cache made with another utils or requirements")


def test_make_check_and_run_execute_the_md_source():
    make = (ROOT / "Makefile").read_text()
    for target in ("check", "run"):
        recipe = make.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]
        assert "book.py sync $(NB_MD)" in recipe, f"make {target} does not pair the notebook from its .md first"
        sync, execute = recipe.index("book.py sync"), recipe.index("$(NB_IPYNB)")
        assert sync < execute


def test_build_report_names_failures(book, capsys):
    results = pipeline.execute(["lectures/02_b.md"], "smoke", 1, root=book, quiet=True)
    out = "\n".join(pipeline.failure_lines(results))
    assert "code cell 2 (line" in out and "y = 2" in out and "AssertionError" in out
    json.dumps([{k: v for k, v in r.items() if k != "nb"} for r in results])  # the report is JSON


def test_latex_log_tells_contents_from_formulas(tmp_path):
    """An overfull box met while the contents file is read (four-digit page numbers in a book of
    over 1000 pages) is reported as the contents, not as the formula at the same line of the
    .tex; an overfull display formula is still reported with its page."""
    body = ["\\chapter{One}\\label{lectures/01_x:doc}", "text"] * 5 + [
        "\\begin{equation*}", "\\dltdisplay{0pt}{a+b}", "\\end{equation*}"]
    tex = tmp_path / "book.tex"
    tex.write_text("\n".join(body) + "\n")
    (tmp_path / "book.log").write_text(textwrap.dedent("""\
        (./book.toc
        Overfull \\hbox (4.49997pt too wide) detected at line 12
         []\\TU/FreeSerif(0)/m/n/10 1000
        )
        \\openout7 = `book.toc'.

        Overfull \\hbox (6.5pt too wide) detected at line 12
        """))
    problems = pipeline.latex_log_problems(tex)
    assert any(p.startswith("the table of contents: an entry is 4.49997pt wider") for p in problems), problems
    formula = [p for p in problems if "display formula" in p]
    assert len(formula) == 1 and "6.5pt" in formula[0], problems
