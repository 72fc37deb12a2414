"""Lecture slides: one reveal.js deck per page, built from the book's own sources (`make slides`).

scripts/pipeline.py builds the book with sphinx-revealjs's ``revealjs`` builder, reading every page
from the execution cache like the site. This extension turns a page into a deck; it acts on that
builder only. The HTML site gets nothing but a "slides" entry in the download menu of each
lecture, and only when the pipeline says that the decks exist (``dlt_slides``).

What goes where, with no work from authors:

- on the slides: headings, definitions and theorem statements (every sphinx-proof item but
  proofs), exercises, display equations, lists, tables, figures, and the results that cells print
  (claim checks, tables of numbers); the references;
- in the speaker notes (press S): prose paragraphs, proofs, solutions, admonitions, long outputs;
- left out: code (the deck shows what it computed, the page shows how).

A section becomes a horizontal slide; its content is packed, by an estimate of its height, into
as many vertical slides as it needs (a heading inside a section starts a new one), and the deck
shrinks a slide that still overflows once MathJax has typeset it, never below a readable scale
(``MIN_SCALE``; _ext/slides_static/dlt-slides.js records the scale of every slide).

Authors can override the defaults (the HTML book ignores all of these):
- cell tags ``slide`` (show the code too), ``slide-notes`` (outputs to the notes), ``no-slide``;
- the same names as a class on a directive (``:class: slide`` on a proof, a ``{container} slide``
  around a paragraph that belongs on the slide);
- a slide-only block: ```` ```{only} revealjs ```` (content that only the slides show).
"""
from __future__ import annotations

import math
import re
import struct
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

SLIDE, NOTES, SKIP = "slide", "slide-notes", "no-slide"
BUILDERS = ("revealjs", "dirrevealjs")
STATIC = Path(__file__).with_name("slides_static")
LECTURE = re.compile(r"^lectures/(\d+)_")
THEMES = ("sphinx_book_theme", "pydata_sphinx_theme")  # the site's theme, which decks do not use

# The slide's geometry (reveal.js units: CSS pixels of a 1280 x 720 slide; the font size is set in
# dlt-slides.css). What the packer may fill below a slide's title, with room to spare for the
# estimate's errors; a slide that still overflows is shrunk, down to MIN_SCALE.
WIDTH, HEIGHT = 1280, 720
FONT = 26
LINE = 1.32 * FONT
CHARS_PER_LINE = int((WIDTH - 100) / (0.5 * FONT))
BUDGET = 600
MIN_SCALE = 0.7
IMAGE_MAX = 15 * FONT  # the height of a figure
CODE_WIDTH = WIDTH - 130  # printed outputs: the width of their box, and their font sizes (em)
OUTPUT_SIZES = {"dlt-out-1": 0.62, "dlt-out-2": 0.5, "dlt-out-3": 0.42}


def output_size(node) -> float:
    """The font size (em) of a printed output on a slide: smaller for wider lines, so that a
    table of numbers keeps its columns (the widest wraps)."""
    longest = max((len(line) for line in node.astext().split("\n")), default=0)
    for name, size in OUTPUT_SIZES.items():
        if longest * 0.6 * size * FONT <= CODE_WIDTH:
            break
    if name not in node["classes"]:
        node["classes"] = [c for c in node["classes"] if c not in OUTPUT_SIZES] + [name]
    return size


def is_slides(app) -> bool:
    return app.builder is not None and app.builder.name in BUILDERS


# ------------------------------------------------------------------------------------ the notes node
class slide_notes(nodes.General, nodes.Element):
    """Speaker notes of one slide (reveal.js shows them in its speaker view)."""


def visit_slide_notes(self, node) -> None:
    # MathJax leaves the notes alone: the speaker view shows them as text, TeX included
    self.body.append('<aside class="notes tex2jax_ignore mathjax_ignore">\n')


def depart_slide_notes(self, node) -> None:
    self.body.append("</aside>\n")


def skip_node(self, node) -> None:
    raise nodes.SkipNode


# ------------------------------------------------------------------------------ author markers
def marker(node) -> str | None:
    classes = set(node.get("classes", [])) if isinstance(node, nodes.Element) else set()
    if isinstance(node, nodes.Element) and len(node.children) == 1 and isinstance(node[0], nodes.Element):
        classes |= set(node[0].get("classes", []))  # sphinx-proof puts a proof's :class: on its box
    for name in (SKIP, NOTES, SLIDE):
        if name in classes or f"tag_{name}" in classes:
            return name
    return None


class MarkSlideOnly(SphinxPostTransform):
    """Content of ```{only} revealjs``` goes on the slide (before Sphinx unwraps it)."""

    default_priority = 40  # before OnlyNodeTransform (50)

    def run(self, **kwargs) -> None:
        if not is_slides(self.app):
            return
        for only in self.document.findall(addnodes.only):
            if "revealjs" in only.get("expr", ""):
                for child in only.children:
                    if isinstance(child, nodes.Element):
                        child["classes"].append(SLIDE)


# ----------------------------------------------------------------------------------- estimates
def visible_length(node) -> float:
    """Characters a reader sees: inline TeX is shorter typeset than in its source."""
    total = 0.0
    for child in node.findall(nodes.Text):
        parent = child.parent
        total += len(child) * (0.55 if isinstance(parent, (nodes.math, nodes.math_block)) else 1.0)
    return total


def text_height(length: float, cpl: float = CHARS_PER_LINE, line: float = LINE) -> float:
    return max(1, math.ceil(length / cpl)) * line


def math_height(tex: str) -> float:
    rows = [r for r in re.split(r"\\\\(?![a-zA-Z])", tex) if r.strip()] or [tex]
    height = 0.0
    for row in rows:
        tall = re.search(r"\\(d?frac|sum|int|prod|binom|begin\{[pb]?matrix\}|underbrace|overbrace|sqrt)", row)
        height += (2.1 if tall else 1.5) * FONT * max(1, math.ceil(len(row) * 0.55 / 70))
    return height + 0.8 * FONT


def image_size(path: Path) -> tuple[int, int] | None:
    try:
        head = path.read_bytes()[:64 * 1024]
    except OSError:
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", head[16:24])
    if path.suffix == ".svg":
        text = head.decode("utf-8", "replace")
        w = re.search(r'<svg[^>]*\swidth="([0-9.]+)(pt|px)?"', text)
        h = re.search(r'<svg[^>]*\sheight="([0-9.]+)(pt|px)?"', text)
        if w and h:
            k = 4 / 3 if (w.group(2) or "px") == "pt" else 1
            return int(float(w.group(1)) * k), int(float(h.group(1)) * k)
    return None


class Estimator:
    def __init__(self, env):
        self.env = env

    def image(self, node) -> float:
        """A figure is shown IMAGE_MAX high (less if it is too wide for that): its height is
        set on the node in em, so that it shrinks with the slide's text."""
        uri = node.get("uri", "")
        size = None
        for base in (Path(self.env.srcdir), Path(self.env.doc2path(self.env.docname)).parent):
            candidate = (base / uri)
            if candidate.is_file():
                size = image_size(candidate)
                break
        shown = IMAGE_MAX
        if size and size[0] > 0:
            w, h = size
            shown = min(IMAGE_MAX, (WIDTH - 100) * h / w)
        node["height"] = f"{shown / FONT:.2f}em"
        node.attributes.pop("width", None)
        node.attributes.pop("scale", None)
        return shown + 0.6 * FONT

    def height(self, node) -> float:
        if isinstance(node, nodes.image):
            return self.image(node)
        images = list(node.findall(nodes.image)) if isinstance(node, nodes.Element) else []
        if isinstance(node, nodes.math_block):
            return math_height(node.astext())
        if isinstance(node, nodes.literal_block):
            lines = node.astext().rstrip("\n").split("\n")
            size = output_size(node)
            wrapped = sum(max(1, math.ceil(len(line) / (CODE_WIDTH / (0.6 * size * FONT)))) for line in lines)
            return wrapped * size * FONT * 1.25 + 0.8 * FONT
        if isinstance(node, nodes.raw):
            text = node.astext()
            if "dlt-claim" in text:
                return 3.2 * LINE
            rows = text.count("<tr")
            if rows:
                return rows * 0.75 * LINE + LINE
            return text_height(len(re.sub(r"<[^>]+>", "", text)))
        if isinstance(node, nodes.table):
            return len(list(node.findall(nodes.row))) * 1.1 * LINE + 0.5 * LINE
        if isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
            return sum(self.height(item) for item in node.children) + 0.4 * FONT
        if isinstance(node, nodes.citation):
            return text_height(visible_length(node), cpl=CHARS_PER_LINE * 1.35, line=LINE * 0.75) + 0.2 * FONT
        if isinstance(node, nodes.title):
            return 1.6 * FONT
        # a box (theorem, definition, exercise...) or text: its parts
        if isinstance(node, nodes.Element) and any(isinstance(c, (nodes.math_block, nodes.paragraph,
                                                                   nodes.title, nodes.section, nodes.container,
                                                                   nodes.bullet_list, nodes.enumerated_list,
                                                                   nodes.image, nodes.table))
                                                   for c in node.children):
            inner = sum(self.height(c) for c in node.children if isinstance(c, nodes.Element))
            box = 1.0 * FONT if isinstance(node, nodes.Admonition) else 0.0
            return inner + box
        return text_height(visible_length(node)) + sum(self.image(i) for i in images) + 0.4 * FONT


# ------------------------------------------------------------------------------------ classifying
def module_of(node) -> str:
    return type(node).__module__


def classify(node) -> list[tuple[str, nodes.Node]]:
    """(where, node) pairs for one child of a section: where is slide, notes, drop, heading or
    keep (invisible nodes that stay with the page: targets, comments)."""
    m = marker(node)
    if m == SKIP:
        return [("drop", node)]
    if isinstance(node, (nodes.target, nodes.comment, nodes.substitution_definition, addnodes.index,
                         nodes.system_message)) or (isinstance(node, nodes.raw) and node.get("format") != "html"):
        return [("keep", node)]
    if isinstance(node, nodes.container) and node.get("nb_element") == "cell_code":
        return classify_cell(node, m)
    if m == NOTES:
        return [("notes", node)]
    if m == SLIDE:
        return [("slide", node)]
    if isinstance(node, nodes.paragraph):
        if len(node.children) == 1 and isinstance(node[0], nodes.strong):
            return [("heading", node)]  # "**Learning objectives**": a label that heads what follows
        return [("notes", node)]
    if isinstance(node, nodes.rubric):
        return [("heading", node)]
    if isinstance(node, (nodes.math_block, nodes.bullet_list, nodes.enumerated_list, nodes.definition_list,
                         nodes.table, nodes.figure, nodes.image, nodes.citation)):
        return [("slide", node)]
    mod, name = module_of(node), type(node).__name__
    if mod.startswith("sphinx_proof"):
        return [("notes" if name == "proof_node" else "slide", node)]
    if mod.startswith("sphinx_exercise"):
        return [("notes" if "solution" in name else "slide", node)]
    if isinstance(node, nodes.container) and any(isinstance(c, nodes.citation) for c in node.children):
        return [(w, c) for child in node.children for w, c in classify(child)]  # a bibliography
    if isinstance(node, nodes.literal_block):
        return [("drop", node)]  # code in the text
    if isinstance(node, nodes.raw):
        return [("slide", node)] if "dlt-claim" in node.astext() else [("notes", node)]
    return [("notes", node)]


def classify_cell(cell, m) -> list[tuple[str, nodes.Node]]:
    """A code cell: its code stays off the slide, what it shows goes on it (figures, results)."""
    found = []
    parts = []
    for part in cell.children:  # myst-nb wraps hidden inputs and outputs (tags hide-*) in a <details>
        parts.extend(part.children if type(part).__name__ == "HideCodeCellNode" else [part])
    for part in parts:
        element = part.get("nb_element", "") if isinstance(part, nodes.Element) else ""
        if element == "cell_code_source":
            if m == SLIDE:
                found.append(("slide", part))
            continue
        if element != "cell_code_output":
            found.append(("drop", part))
            continue
        for out in part.children:
            where = classify_output(out)
            if m == NOTES and where == "slide":
                where = "notes"
            found.append((where, out))
    return found


def classify_output(out) -> str:
    classes = set(out.get("classes", [])) if isinstance(out, nodes.Element) else set()
    if classes & {"stderr", "traceback", "error"}:
        return "drop"
    if isinstance(out, nodes.literal_block):
        return "slide" if out.astext().count("\n") < 14 else "notes"
    if isinstance(out, nodes.raw):
        text = out.astext()
        if out.get("format") != "html":
            return "keep"
        return "slide" if re.search(r"dlt-claim|<table|<img|<svg", text) else "notes"
    return "slide"


# --------------------------------------------------------------------------------------- packing
class Page:
    def __init__(self, title: str, continued: bool = False):
        self.title, self.continued = title, continued
        self.slide: list = []
        self.notes: list = []
        self.keep: list = []
        self.height = 0.0


def split_list(node, estimate: Estimator, room: float) -> list:
    """A bullet or numbered list too long for one slide, as consecutive shorter lists."""
    chunks, current, height = [], None, 0.0
    start = int(node.get("start", 1))
    for item in node.children:
        h = estimate.height(item)
        if current is None or (height + h > room and len(current.children)):
            current = node.copy()
            if isinstance(node, nodes.enumerated_list):
                current["start"] = start
            chunks.append(current)
            height, room = 0.0, BUDGET
        current.append(item.deepcopy())
        height += h
        start += 1
    return chunks


def pack(items, title: str, estimate: Estimator, first: Page | None = None) -> list[Page]:
    """Pages of one section, in order: each starts with the section's title (or the heading met)."""
    pages = [first or Page(title)]
    pending = []  # notes waiting for the slide item they introduce

    def new_page(heading: str, continued: bool) -> Page:
        page = Page(heading, continued)
        pages.append(page)
        return page

    for where, node in items:
        page = pages[-1]
        if where == "drop":
            continue
        if where == "keep":
            page.keep.append(node)
        elif where == "notes":
            pending.append(node)
        elif where == "heading":
            page.notes += pending  # what came before the heading ends the previous slide
            pending = []
            text = node.astext().strip().rstrip(".:")
            if page.title is None and not page.slide:
                page.title = text
            elif not page.slide and not page.notes:  # right under the section's title: a subheading
                page.slide.append(nodes.rubric("", text))
                page.height += 1.6 * FONT
            else:
                new_page(text, False)
        else:
            h = estimate.height(node)
            if isinstance(node, (nodes.bullet_list, nodes.enumerated_list)) and page.height + h > BUDGET:
                chunks = split_list(node, estimate, BUDGET - page.height if page.slide else BUDGET)
            else:
                chunks = [node]
            for chunk in chunks:
                h = estimate.height(chunk)
                if page.slide and page.height + h > BUDGET:
                    page = new_page(page.title, True)
                page.slide.append(chunk)
                page.height += h
                page.notes += pending
                pending = []
    pages[-1].notes += pending
    return pages


# ---------------------------------------------------------------------------------- the deck
def flatten_inner_sections(doc) -> None:
    """sphinx-proof and sphinx-exercise wrap each statement's body in a section; a section that is
    not part of the page's outline is a container here (else it would be a slide of its own)."""
    for section in list(doc.findall(nodes.section)):
        if not isinstance(section.parent, (nodes.section, nodes.document)):
            box = nodes.container("", *section.children, classes=section.get("classes", []))
            section.replace_self(box)


def as_text_math(node):
    """A copy for the speaker notes: formulas as their TeX source, figures named."""
    node = nodes.container("", node.deepcopy())  # a parent, so that the item itself can be replaced
    for image in list(node.findall(nodes.image)):  # the speaker view could not show it
        image.replace_self(nodes.inline("", "[figure]"))
    for m in list(node.findall(nodes.math)):
        m.replace_self(nodes.Text(f"${m.astext()}$"))
    for m in list(node.findall(nodes.math_block)):
        m.replace_self(nodes.literal_block("", m.astext(), language="text"))
    return node


def notes_node(items) -> slide_notes | None:
    if not items:
        return None
    return slide_notes("", *[as_text_math(n) for n in items])


def section_items(section) -> list[tuple[str, nodes.Node]]:
    """The items of a section, its subsections flattened (their titles become headings)."""
    items = []
    for child in section.children:
        if isinstance(child, nodes.title):
            continue
        if isinstance(child, nodes.section):
            heading = child[0] if child.children and isinstance(child[0], nodes.title) else None
            if heading is not None:
                items.append(("heading", heading))
            for key in child.get("ids", []):
                items.append(("keep", nodes.target("", "", ids=[key])))
            items.extend(section_items(child))
        else:
            items.extend(classify(child))
    return items


def build_section(pages: list[Page], level_ids: list[str]) -> list[nodes.Node]:
    """Children for a section from its pages: page 1 in place, the others as nested sections."""
    children = []
    for i, page in enumerate(pages):
        body = page.keep + page.slide
        notes = notes_node(page.notes)
        if notes is not None:
            body.append(notes)
        if i == 0:
            children.extend(body)
            continue
        title = page.title + (" (continued)" if page.continued else "")
        sub = nodes.section("", nodes.title("", title), *body, ids=[f"{level_ids[0]}-{i}" if level_ids else f"slide-{i}"])
        children.append(sub)
    return children


def promote_prose(pages: list[Page]) -> None:
    """A slide with nothing to show but prose shows its first paragraph."""
    for page in pages:
        if all(isinstance(n, nodes.rubric) for n in page.slide):
            for node in page.notes:
                if isinstance(node, nodes.paragraph):
                    page.notes.remove(node)
                    page.slide.append(node)
                    break


class SlideDeck(SphinxPostTransform):
    """Turn a page into a deck (see the module's docstring)."""

    default_priority = 900  # after references are resolved and outputs chosen

    def run(self, **kwargs) -> None:
        if not is_slides(self.app):
            return
        doc = self.document
        flatten_inner_sections(doc)
        top = next((c for c in doc.children if isinstance(c, nodes.section)), None)
        if top is None:
            return
        estimate = Estimator(self.env)
        # the top section: a title slide, then its own content, packed into slides of its own
        subsections = [c for c in top.children if isinstance(c, nodes.section)]
        own = [c for c in top.children if not isinstance(c, (nodes.section, nodes.title))]
        title = top[0].astext() if top.children and isinstance(top[0], nodes.title) else ""
        title_page = Page(title)
        items = [x for child in own for x in classify(child)]
        # notes before the first slide item or heading belong to the title slide
        while items and items[0][0] in ("notes", "keep", "drop"):
            where, node = items.pop(0)
            (title_page.notes if where == "notes" else title_page.keep if where == "keep" else []).append(node)
        pages = pack(items, None, estimate, first=None) if items else []
        pages = [p for p in pages if p.slide or p.notes or p.keep]
        for p in pages:
            p.title = p.title or title
        promote_prose(pages)
        subtitle = self.subtitle()
        head = [top[0]] if top.children and isinstance(top[0], nodes.title) else []
        if subtitle:
            head.append(nodes.paragraph("", subtitle, classes=["dlt-deck-subtitle"]))
        body = head + title_page.keep
        notes = notes_node(title_page.notes)
        if notes is not None:
            body.append(notes)
        extra = [nodes.section("", nodes.title("", p.title + (" (continued)" if p.continued else "")),
                               *(p.keep + p.slide + ([notes_node(p.notes)] if p.notes else [])),
                               ids=[f"{(top.get('ids') or ['deck'])[0]}-intro-{i}"])
                 for i, p in enumerate(pages, 1)]
        for section in subsections:
            self.deck_section(section, estimate)
        top.children = []
        top.extend(body + extra + subsections)

    def deck_section(self, section, estimate) -> None:
        title = section[0].astext() if section.children and isinstance(section[0], nodes.title) else ""
        pages = pack(section_items(section), title, estimate)
        pages = [p for i, p in enumerate(pages) if i == 0 or p.slide or p.notes or p.keep]
        promote_prose(pages)
        head = [section[0]] if section.children and isinstance(section[0], nodes.title) else []
        section.children = []
        section.extend(head + build_section(pages, section.get("ids", [])))

    def subtitle(self) -> str:
        m = LECTURE.match(self.env.docname)
        book = self.config.html_title or ""
        title = self.document.next_node(nodes.title)
        if m and not (title is not None and title.astext().startswith("Lecture ")):
            return f"Lecture {int(m.group(1))}" + (f" · {book}" if book else "")
        return book


# -------------------------------------------------------------------------------- configuration
def configure(app, config) -> None:
    """config-inited: the deck's reveal.js settings; the static files of the site (MathJax as the
    site serves it, from mathjax_path) and of the slides (CSS and JS) go into every deck."""
    static = [str(Path(app.confdir or app.srcdir, p)) if not Path(p).is_absolute() else p
              for p in (config.html_static_path or [])]
    config.revealjs_static_path = static + [str(STATIC)] + [
        p for p in (config.revealjs_static_path or []) if p not in static and p != str(STATIC)]
    config.revealjs_style_theme = "white"
    config.revealjs_css_files = ["pygments.css", "dlt-slides.css"]
    config.revealjs_js_files = [("dlt-slides.js", {})]
    config.revealjs_script_conf = {
        "width": WIDTH, "height": HEIGHT, "margin": 0.04, "center": False, "hash": True,
        "slideNumber": "c/t", "transition": "none", "controls": True, "progress": True,
        "dltMinScale": MIN_SCALE}
    config.revealjs_script_plugins = [{"name": "RevealNotes", "src": "revealjs/plugin/notes/notes.js"}]


def site_pygments_style() -> str | None:
    """The light Pygments style of the site's theme (pydata-sphinx-theme, under sphinx-book-theme)."""
    import configparser
    import importlib.util

    spec = importlib.util.find_spec("pydata_sphinx_theme")
    if spec is None or not spec.origin:
        return None
    conf = configparser.ConfigParser()
    conf.read(Path(spec.origin).parent / "theme" / "pydata_sphinx_theme" / "theme.conf")
    return conf.get("options", "pygments_light_style", fallback=None)


def deck_assets(app) -> None:
    """builder-inited: outputs chosen and code coloured as on the site; the site's theme kept out."""
    if not is_slides(app):
        return
    from myst_nb.core.render import base_render_priority

    # myst-nb has no output priorities for this builder: use the site's (else figures vanish)
    site = base_render_priority().get("html", {})
    overrides = list(app.config.nb_mime_priority_overrides or [])
    for builder in BUILDERS:
        overrides += [(builder, mime, prio) for mime, prio in site.items()]
    app.config.nb_mime_priority_overrides = overrides
    # code in the site's colours: the theme's light Pygments style (the deck's theme has none)
    style = (app.config.html_theme_options or {}).get("pygments_light_style") or site_pygments_style()
    if style:
        from sphinx.highlighting import PygmentsBridge

        app.builder.highlighter = PygmentsBridge("html", style)
        app.builder.dark_highlighter = None
    # the site's theme fills its page context (header buttons, navigation) for every HTML-like
    # builder; a deck has none of it
    for listener in list(app.events.listeners.get("html-page-context", [])):
        if (getattr(listener.handler, "__module__", "") or "").startswith(THEMES):
            app.disconnect(listener.id)


def deck_page(app, pagename, templatename, context, doctree) -> None:
    """html-page-context of a deck: only the scripts and styles a deck needs (reveal.js, MathJax,
    its own), not those that the site's extensions add for the site's pages."""
    if not is_slides(app):
        return
    context["css_files"] = [css for css in context.get("css_files", [])
                            if re.search(r"revealjs/|pygments\.css|dlt-slides\.css", str(getattr(css, "filename", css)))]
    keep = []
    for js in context.get("script_files", []):
        name = str(getattr(js, "filename", js) or "")
        body = getattr(js, "attributes", {}).get("body", "") if hasattr(js, "attributes") else ""
        if "mathjax" in name.lower() or "MathJax" in (body or "") or name.endswith("dlt-slides.js"):
            keep.append(js)
    context["script_files"] = keep


def slides_button(app, pagename, templatename, context, doctree) -> None:
    """The download menu of each lecture page offers its slides (when they were built)."""
    folder = app.config.dlt_slides
    if not folder or app.builder.format != "html" or is_slides(app) or not LECTURE.match(pagename):
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].append({
                "type": "link", "url": context["pathto"](f"{folder}/{pagename}.html", 1), "text": "slides",
                "tooltip": "Slides of this lecture (reveal.js; press S for the speaker notes)",
                "icon": "fas fa-person-chalkboard", "label": "download-slides-button"})


def setup(app):
    from sphinx.writers.html5 import HTML5Translator

    # the builder comes from sphinx-revealjs; loading it has no effect on the other builders
    app.setup_extension("sphinx_revealjs")
    # code as the site shows it (Pygments, the ipython3 lexer), not reveal.js's highlight.js markup
    literal = (HTML5Translator.visit_literal_block, HTML5Translator.depart_literal_block)
    app.add_node(nodes.literal_block, override=True, revealjs=literal, dirrevealjs=literal)
    app.add_config_value("dlt_slides", "", "html")  # the decks' folder in the site, set by the pipeline
    app.add_node(slide_notes, html=(skip_node, None), latex=(skip_node, None), text=(skip_node, None),
                 man=(skip_node, None), texinfo=(skip_node, None),
                 revealjs=(visit_slide_notes, depart_slide_notes), dirrevealjs=(visit_slide_notes, depart_slide_notes))
    app.connect("config-inited", configure)
    app.connect("builder-inited", deck_assets)
    app.connect("html-page-context", deck_page, priority=900)
    app.connect("html-page-context", slides_button, priority=600)
    app.add_post_transform(MarkSlideOnly)
    app.add_post_transform(SlideDeck)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
