"""What the reader sees around the lectures, generated rather than typed.

- **Titles.** A lecture's title reads "Lecture N. <title>" in the page, its browser tab and the
  navigation, with N from the file name (lectures/NN_slug.md); the source keeps the plain title
  (Colab shows it as it is).
- **Open in Colab.** Every lecture, exercises and solutions page starts with a labelled link that
  opens its paired notebook in Colab (the theme's own button is an unlabelled icon in a menu).
- **The plan.** ``{lecture-list}`` (front page) lists the lectures that exist, by part, and
  ``{part-lectures}`` (part pages) the part's summary and all its lectures; both read
  pages/plan.yml and mark a lecture available when _toc.yml lists it.
- **Runtimes.** ``{runtime}`` in a lecture's header says how long the page took to execute when
  this site was built (from the execution record that the statistics page shows too), and how
  long its smoke run took when last measured; never a typed number.
- **Execution statistics.** ``{exec-stats}`` lists every executed page by its title, with the
  profile, the time and the outcome in words.
- **Proofs.** Each proof gets its own id (sphinx-proof gives every proof of a page id="proof"),
  a bold "Proof." and an end mark (the mark is drawn by _static/book.css). Likewise the bodies of
  theorems, exercises and solutions, which sphinx-proof and sphinx-exercise give one id each.

Only the HTML builders are changed; the PDF and slides builders see the sources as they are.
"""
from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

LECTURE = re.compile(r"^lectures/(\d+)_")
NOTEBOOK_PAGE = re.compile(r"^(lectures|exercises|solutions)/\d+_[a-z0-9_]+$")


def _html(app) -> bool:
    """The site's own builders (the slides builder writes HTML too, but decks are not pages)."""
    return getattr(app.builder, "name", "") in ("html", "dirhtml", "singlehtml")


def _plan(app) -> dict:
    return yaml.safe_load((Path(app.srcdir) / "pages" / "plan.yml").read_text())


def _config_yml(app) -> dict:
    return yaml.safe_load((Path(app.srcdir) / "_config.yml").read_text())


def colab_url(app, docname: str) -> str:
    """The Colab address of a page's paired notebook, as the theme's launch button builds it."""
    cfg = _config_yml(app)
    repo = cfg["repository"]["url"].rstrip("/").split("github.com/")[-1]
    prefix = (cfg["repository"].get("path_to_book") or "").strip("/")
    path = f"{prefix}/{docname}.ipynb" if prefix else f"{docname}.ipynb"
    base = cfg["launch_buttons"]["colab_url"].rstrip("/")
    return f"{base}/github/{repo}/blob/{cfg['repository'].get('branch', 'main')}/{path}"


# ------------------------------------------------------------------------------ doctree changes
def on_doctree_read(app, doctree):
    if not _html(app):
        return
    docname = app.env.docname
    m = LECTURE.match(docname)
    if m:  # before the TitleCollector reads the title (priority 400 < 500)
        for section in doctree.findall(nodes.section):
            title = section.next_node(nodes.title)
            if title is not None and not title.astext().startswith("Lecture "):
                title.insert(0, nodes.Text(f"Lecture {int(m.group(1))}. "))
            break
    if NOTEBOOK_PAGE.match(docname):
        for section in doctree.findall(nodes.section):
            title = section.next_node(nodes.title)
            url = colab_url(app, docname)
            link = nodes.raw("", f'<p class="dlt-colab"><a class="dlt-colab-link" href="{url}">'
                                 'Open this page in Colab</a> <span class="dlt-colab-note">(runs the code '
                                 'in your browser; a free GPU under Runtime &gt; Change runtime type)</span></p>',
                             format="html")
            if title is not None:
                title.parent.insert(title.parent.index(title) + 1, link)
            break
    # sphinx-exercise gives the body of every exercise and solution the same id, and sphinx-proof
    # that of every theorem and definition: number them
    seen: dict = {}
    for node in doctree.findall(nodes.section):
        if node["ids"] in (["exercise-content"], ["solution-content"], ["proof-content"]):
            base = node["ids"][0]
            seen[base] = seen.get(base, 0) + 1
            node["ids"] = [f"{base}-{seen[base]}"]
    count = 0
    for node in doctree.findall(nodes.admonition):
        if "proof" in node["classes"] and node["ids"] == ["proof"]:
            count += 1
            node["ids"] = [f"proof-{count}"]
            node["classes"].append("dlt-proof")
            para = node.next_node(nodes.paragraph)
            if para is not None and para.children and isinstance(para[0], nodes.Text) \
                    and para[0].astext().startswith("Proof. "):
                rest = para[0].astext()[len("Proof. "):]
                para.replace(para[0], nodes.Text(rest))
                para.insert(0, nodes.Text(" "))
                para.insert(0, nodes.strong(text="Proof."))


# --------------------------------------------------------------------------------- the plan
def _available(env, slug_path: str) -> bool:
    return slug_path in env.found_docs


class LectureList(SphinxDirective):
    """The lectures that exist, by part, with a count of the whole plan (front page)."""

    def run(self):
        plan = _plan(self.env.app)
        self.env.note_dependency(str(Path(self.env.app.srcdir) / "pages" / "plan.yml"))
        self.env.note_dependency(str(Path(self.env.app.srcdir) / "_toc.yml"))
        total = sum(len(p["lectures"]) for p in plan["parts"])
        found = [(p, lec) for p in plan["parts"] for lec in p["lectures"]
                 if _available(self.env, f"lectures/{lec['n']:02d}_{lec['slug']}")]
        out = [nodes.paragraph("", "", nodes.Text(
            f"{len(found)} of the {total} lectures of the plan are available; the part pages list the "
            "others, which are in preparation."))]
        blist = nodes.bullet_list()
        for part in plan["parts"]:
            mine = [lec for p, lec in found if p is part]
            if not mine:
                continue
            item = nodes.list_item()
            para = nodes.paragraph()
            para += _doc_ref(part["page"], f"Part {part['part']}. {part['title']}")
            para += nodes.Text(": ")
            for i, lec in enumerate(mine):
                if i:
                    para += nodes.Text("; ")
                para += _doc_ref(f"lectures/{lec['n']:02d}_{lec['slug']}", f"Lecture {lec['n']}. {lec['title']}")
            item += para
            blist += item
        out.append(blist)
        return out


def _doc_ref(target: str, text: str):
    ref = addnodes.pending_xref("", nodes.inline(text=text), refdomain="std", reftype="doc",
                                reftarget="/" + target, refexplicit=True, refwarn=True)
    return ref


class PartLectures(SphinxDirective):
    """A part page's summary and the table of its lectures (from pages/plan.yml)."""

    def run(self):
        plan = _plan(self.env.app)
        self.env.note_dependency(str(Path(self.env.app.srcdir) / "pages" / "plan.yml"))
        part = next((p for p in plan["parts"] if p["page"] == self.env.docname), None)
        if part is None:
            raise self.error(f"{self.env.docname} is not the page of a part in pages/plan.yml")
        out = [nodes.paragraph("", "", nodes.Text(part["summary"]))]
        table = nodes.table(classes=["dlt-part-table"])
        group = nodes.tgroup(cols=3)
        table += group
        for w in (8, 72, 20):
            group += nodes.colspec(colwidth=w)
        head = nodes.thead()
        row = nodes.row()
        for title in ("Lecture", "Title", "Status"):
            row += nodes.entry("", nodes.paragraph("", "", nodes.Text(title)))
        head += row
        group += head
        body = nodes.tbody()
        for lec in part["lectures"]:
            doc = f"lectures/{lec['n']:02d}_{lec['slug']}"
            available = _available(self.env, doc)
            row = nodes.row()
            row += nodes.entry("", nodes.paragraph("", "", nodes.Text(str(lec["n"]))))
            title = nodes.paragraph()
            title += _doc_ref(doc, lec["title"]) if available else nodes.Text(lec["title"])
            row += nodes.entry("", title)
            row += nodes.entry("", nodes.paragraph("", "", nodes.Text("available" if available else "in preparation")))
            body += row
        group += body
        out.append(table)
        return out


# ----------------------------------------------------------------------- runtimes, statistics
class runtime_placeholder(nodes.General, nodes.Element):
    pass


class exec_stats_placeholder(nodes.General, nodes.Element):
    pass


class Runtime(SphinxDirective):
    def run(self):
        return [runtime_placeholder()]


class ExecStats(SphinxDirective):
    def run(self):
        pages = getattr(self.env, "dlt_exec_stats_pages", set())
        pages.add(self.env.docname)
        self.env.dlt_exec_stats_pages = pages
        return [exec_stats_placeholder()]


def _exec_data(env, docname):
    """myst-nb's execution record of a page (time, success, when)."""
    return (getattr(env, "nb_metadata", {}).get(docname) or {}).get("exec_data") or {}


def on_env_get_outdated(app, env, added, changed, removed):
    """The statistics page is read again in every build: it shows every page's execution record."""
    return sorted(getattr(env, "dlt_exec_stats_pages", set()) & env.found_docs)


def _timings(app) -> dict:
    path = Path(app.srcdir) / "_build" / "cache" / "timings.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _seconds(x) -> str:
    return "-" if x is None else (f"{x:.0f} s" if x >= 10 else f"{x:.1f} s")


def on_doctree_resolved(app, doctree, docname):
    env = app.env
    profile = app.config.dlt_profile or os.environ.get("DLT_SCALE") or "book"
    cores = os.cpu_count() or 1
    for node in list(doctree.findall(runtime_placeholder)):
        data = _exec_data(env, docname)
        timings = _timings(app)
        page = f"{docname}.md"
        parts = []
        if data.get("runtime") is not None:
            parts.append(f"the code of this page ran in {_seconds(data['runtime'])} in the {profile} profile "
                         f"on the {cores} CPU cores that built this site")
        for prof, what in (("smoke", "the quick smoke profile"), ("book", "the book profile"),
                           ("full", "the full profile")):
            if prof != profile and page in timings.get(prof, {}):
                parts.append(f"{what} took {_seconds(timings[prof][page])} when last run")
        if "full" not in timings or page not in timings.get("full", {}):
            parts.append("the full profile is not yet timed on a GPU")
        text = "; ".join(parts) + "." if parts else "Not executed in this build."
        para = nodes.paragraph(classes=["dlt-runtime"])
        para += nodes.strong(text="Runtime: ")
        para += nodes.Text(text[0].upper() + text[1:] if parts else text)
        node.replace_self(para)
    for node in list(doctree.findall(exec_stats_placeholder)):
        table = nodes.table(classes=["dlt-exec-stats"])
        group = nodes.tgroup(cols=5)
        table += group
        for w in (46, 12, 12, 14, 16):
            group += nodes.colspec(colwidth=w)
        head = nodes.thead()
        row = nodes.row()
        for title in ("Page", "Profile", "Time", "Executed", "Outcome"):
            row += nodes.entry("", nodes.paragraph("", "", nodes.Text(title)))
        head += row
        group += head
        body = nodes.tbody()
        for doc in sorted(env.found_docs, key=lambda d: (not d.startswith("lectures/"), d)):
            data = _exec_data(env, doc)
            if not data:
                continue
            row = nodes.row()
            title = env.titles.get(doc)
            ref = nodes.reference("", "", nodes.Text(title.astext() if title else doc),
                                  refuri=app.builder.get_relative_uri(docname, doc), internal=True)
            row += nodes.entry("", nodes.paragraph("", "", ref))
            row += nodes.entry("", nodes.paragraph("", "", nodes.Text(profile)))
            row += nodes.entry("", nodes.paragraph("", "", nodes.Text(_seconds(data.get("runtime")))))
            when = datetime.fromtimestamp(data["mtime"]).strftime("%Y-%m-%d %H:%M") if data.get("mtime") else "-"
            row += nodes.entry("", nodes.paragraph("", "", nodes.Text(when)))
            outcome = "ran without error" if data.get("succeeded") else "failed"
            row += nodes.entry("", nodes.paragraph("", "", nodes.Text(outcome)))
            body += row
        group += body
        node.replace_self(table)


def setup(app):
    app.connect("doctree-read", on_doctree_read, priority=400)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.add_node(runtime_placeholder)
    app.add_node(exec_stats_placeholder)
    app.add_directive("lecture-list", LectureList)
    app.add_directive("part-lectures", PartLectures)
    app.add_directive("runtime", Runtime)
    app.add_directive("exec-stats", ExecStats)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
