"""The book as one PDF: what Sphinx's LaTeX builder needs beyond Jupyter Book's defaults.

`make pdf` (scripts/pipeline.py pdf) builds the book with the LaTeX builder and XeLaTeX. Everything
here acts on that builder only; the HTML site gets nothing but a link to the PDF in the download
menu of every page, and only when the pipeline says that the PDF exists (``dlt_pdf``).

- Chapters. Lecture NN is chapter NN, as its items are "Theorem NN.k" and "(NN.k)" on the site
  (_ext/lecture_numbering.py); the introduction, the part overview pages and the pages about the
  book are unnumbered chapters. The exercises pages are generated from the solutions pages, so
  the PDF prints the solutions pages only, and links to an exercises page lead there.
- Numbers. Display equations carry the site's numbers (``\\tag``), so "(9.6)" means the same in
  both; theorems and exercises already print them.
- Macros. The TeX macros of the site (``mathjax3_config.tex.macros`` in _config.yml) are the single
  source: they become LaTeX definitions at build time. ``\\setminus``, missing from Latin Modern
  Math, is drawn with a backslash.
- Proofs print as "*Proof.* ... □" instead of a box with an empty title bar.
- Bibliography. Every page lists the works it cites; in one PDF that is one bibliography, sorted,
  each work once, and the empty "References" sections that the pages leave behind are removed.
- Paper and indices: A4, one-sided, no blank pages, no index and no "Proof index" chapter; the
  figures that cells draw at most three quarters of the text wide.
- Jupyter Book's LaTeX class loads ``bbm.sty`` (from the large texlive-fonts-extra); the book does
  not use it, and a stand-in is written next to the .tex.
"""
from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

LECTURE = re.compile(r"^lectures/(\d+)_")
PART = re.compile(r"^Part (\d+)\.\s*")
EXERCISES = "exercises/"
SOLUTIONS = "solutions/"
INTRO_TITLE = "Introduction"
FIGURE_WIDTH = 0.75   # the widest a cell's figure is printed, as a fraction of the text width
FIGURE_MIN_PX = 360   # figures narrower than this (at 100 dpi) keep their own size

# Letter-like macros become a group, so that they work as a sub- or superscript (x_\E) as they do
# in MathJax: under unicode-math \mathbb and friends are not expandable.
LETTER_BODY = re.compile(r"^\\(?:mathbb|mathcal|mathbf|mathrm|mathsf|mathfrak|boldsymbol)\{[^{}]*\}$")

BBM_STANDIN = r"""\NeedsTeXFormat{LaTeX2e}
\ProvidesPackage{bbm}[2024/01/01 stand-in written by the book's build: the book does not use bbm]
\providecommand{\mathbbm}[1]{\mathbb{#1}}
"""

PREAMBLE = r"""
%% ---- the book's additions (_ext/book_pdf.py) ----
%% \setminus is not in Latin Modern Math: draw it with a backslash
\AtBeginDocument{\renewcommand{\setminus}{\mathbin{\backslash}}}
%% numbered chapters and sections, and the level to restore after an unnumbered chapter
\edef\dltsecnumdepth{\the\value{secnumdepth}}
\renewcommand{\thepart}{\arabic{part}}
%% a display formula somewhat wider than the text is scaled down to fit (to 80 % at most; a wider
%% one stays as it is and TeX reports it)
\newsavebox\dltmathbox
\newlength\dltmathwidth
\newcommand{\dltdisplay}[2]{%
  \setlength\dltmathwidth{\dimexpr\linewidth-#1\relax}%
  \sbox\dltmathbox{$\displaystyle\begin{aligned}#2\end{aligned}$}%
  \ifdim\wd\dltmathbox>\dltmathwidth
    \ifdim0.8\wd\dltmathbox>\dltmathwidth\usebox\dltmathbox
    \else\resizebox{\dltmathwidth}{!}{\usebox\dltmathbox}\fi
  \else\usebox\dltmathbox\fi}
%% the whole book passes 1000 pages: room for four-digit page numbers in the contents
\makeatletter
\renewcommand{\@pnumwidth}{2.2em}
\renewcommand{\@tocrmarg}{3.2em}
\makeatother
%% the TeX macros of the site, from mathjax3_config in _config.yml
"""


def latex_macros(macros: dict) -> str:
    """LaTeX definitions of MathJax macros ({name: body} or {name: [body, nargs(, default)]}).

    Robust definitions that replace whatever a package defined (\\P, \\Var, \\argmin exist)."""
    lines = []
    for name, value in macros.items():
        if isinstance(value, (list, tuple)):
            body, nargs = value[0], int(value[1]) if len(value) > 1 else 0
            default = value[2] if len(value) > 2 else None
        else:
            body, nargs, default = str(value), 0, None
        if nargs == 0 and LETTER_BODY.match(body):
            body = "{" + body + "}"
        args = f"[{nargs}]" if nargs else ""
        if default is not None:
            args += f"[{default}]"
        lines.append(f"\\DeclareRobustCommand{{\\{name}}}{args}{{{body}}}")
    return "\n".join(lines) + "\n"


def _is_latex(app) -> bool:
    return app.builder is not None and app.builder.format == "latex"


def configure(app) -> None:
    """builder-inited: paper, class options, indices and the preamble of the LaTeX builder."""
    if not _is_latex(app):
        return
    ctx = app.builder.context
    app.config.latex_theme_options = {**(app.config.latex_theme_options or {}), "papersize": "a4paper"}
    ctx["sphinxsetup"] = ",".join(filter(None, [ctx.get("sphinxsetup", ""), "hmargin={2.2cm,2.2cm}",
                                                 "vmargin={2.5cm,2.5cm}"]))
    options = [o for o in ctx.get("extraclassoptions", "").split(",") if o]
    ctx["extraclassoptions"] = ",".join(options + ["openany", "oneside"])
    ctx["printindex"] = ""
    macros = (app.config.mathjax3_config or {}).get("tex", {}).get("macros", {})
    ctx["preamble"] = ctx.get("preamble", "") + PREAMBLE + latex_macros(macros)
    app.config.latex_domain_indices = False
    (app.builder.outdir).mkdir(parents=True, exist_ok=True)
    (app.builder.outdir / "bbm.sty").write_text(BBM_STANDIN)


def _raw(tex: str) -> nodes.raw:
    return nodes.raw("", tex + "\n", format="latex")


def _in_output(node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.Element) and (parent.get("nb_element") == "cell_code_output"
                                                  or "cell_output" in parent.get("classes", [])):
            return True
        parent = parent.parent
    return False


def _docname(node) -> str | None:
    return node.get("docname") if isinstance(node, addnodes.start_of_file) else None


class BookStructure(SphinxPostTransform):
    """Chapters, unnumbered pages, the exercises pages, proofs and the bibliography."""

    default_priority = 760   # after sphinx-jupyterbook-latex (700) and Sphinx's bibliography (750)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        all_docs = self.env.all_docs
        self.drop_exercises()
        for start in list(self.document.findall(addnodes.start_of_file)):
            docname = _docname(start)
            if docname not in all_docs and start.children and isinstance(start[0], nodes.section):
                self.part(start)  # sphinx-jupyterbook-latex makes a part of each caption of the toc
                continue
            if docname not in all_docs or self._inside_lecture(start):
                continue
            m = LECTURE.match(docname)
            if m:
                tex = f"\\setcounter{{secnumdepth}}{{\\dltsecnumdepth}}\\setcounter{{chapter}}{{{int(m.group(1)) - 1}}}"
            else:
                tex = "\\setcounter{secnumdepth}{-1}"
            start.insert(0, _raw(tex))
        self.intro_chapter()
        self.proofs()
        self.bibliography()
        self.figures()

    def figures(self) -> None:
        """A figure drawn by a cell is printed at most FIGURE_WIDTH of the text wide (matplotlib's
        default size would fill the whole width at the figure's 100 dpi)."""
        import struct
        from pathlib import Path

        for image in self.document.findall(nodes.image):
            if image.get("width") or image.get("scale") or not _in_output(image):
                continue
            path = Path(self.env.srcdir) / image.get("uri", "")
            try:
                head = path.read_bytes()[:32]
            except OSError:
                continue
            if head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">I", head[16:20])[0] > FIGURE_MIN_PX:
                image["width"] = f"{int(FIGURE_WIDTH * 100)}%"

    @staticmethod
    def part(start) -> None:
        """"Part 1. Learning as optimisation" is part 1, titled "Learning as optimisation"; a
        caption without a number ("About this book") is an unnumbered part."""
        section = start[0]
        if not section.children or not isinstance(section[0], nodes.title):
            return
        title = section[0]
        m = PART.match(title.astext())
        if m:
            title.children = [nodes.Text(title.astext()[m.end():])]
            tex = f"\\setcounter{{secnumdepth}}{{\\dltsecnumdepth}}\\setcounter{{part}}{{{int(m.group(1)) - 1}}}"
        else:
            tex = "\\setcounter{secnumdepth}{-2}"
        start.insert(0, _raw(tex))

    def _page_of(self, node) -> str:
        parent = node.parent
        while parent is not None:
            if _docname(parent):
                return _docname(parent)
            parent = parent.parent
        return self.config.root_doc

    @staticmethod
    def _inside_lecture(node) -> bool:
        parent = node.parent
        while parent is not None:
            name = _docname(parent)
            if name and LECTURE.match(name):
                return True
            parent = parent.parent
        return False

    def drop_exercises(self) -> None:
        """The exercises pages repeat the solutions pages without the answers: leave them out."""
        for start in list(self.document.findall(addnodes.start_of_file)):
            if (_docname(start) or "").startswith(EXERCISES):
                start.parent.remove(start)
        for ref in self.document.findall(nodes.reference):
            uri = ref.get("refuri", "")
            if uri.startswith("%" + EXERCISES):
                ref["refuri"] = "%" + SOLUTIONS + uri[len(EXERCISES) + 1:]

    def intro_chapter(self) -> None:
        """The root page's text stands between the contents and part 1: give it a chapter title."""
        root = self.config.root_doc
        for section in self.document.findall(nodes.section):
            if section.get("docname") == root:
                index = 1 if section.children and isinstance(section[0], nodes.title) else 0
                section.insert(index, _raw("\\setcounter{secnumdepth}{-1}\\chapter{%s}" % INTRO_TITLE))
                return

    def proofs(self) -> None:
        """sphinx-proof prints a proof as a note box with an empty title: print "Proof. ... □"."""
        from sphinx_proof.nodes import proof_node

        for node in list(self.document.findall(proof_node)):
            body = []
            for child in node.children:
                body.extend(child.children if isinstance(child, nodes.admonition) else [child])
            first = body[0] if body else None
            if isinstance(first, nodes.paragraph) and first.children and isinstance(first[0], nodes.Text):
                text = str(first[0])
                if text.startswith("Proof. "):
                    first.replace(first[0], nodes.Text(text[len("Proof. "):]))
                    first.insert(0, nodes.emphasis("", "Proof."))
                    first.insert(1, nodes.Text(" "))
            qed = _raw("\\nobreak\\hfill\\ensuremath{\\square}")
            if body and isinstance(body[-1], nodes.paragraph):
                body[-1].append(nodes.raw("", "\\nobreak\\hfill\\ensuremath{\\square}", format="latex"))
            else:
                body.append(qed)
            container = nodes.container("", *body, classes=["dlt-proof"])
            node.replace_self(container)

    def bibliography(self) -> None:
        """One bibliography: each work once (the first entry of its label), sorted by label; the
        references to a dropped duplicate lead to the kept entry; the pages' emptied References
        sections are removed."""
        from sphinx.builders.latex.nodes import thebibliography

        bibs = list(self.document.findall(thebibliography))
        if not bibs:
            return
        kept, renamed = {}, {}
        for bib in bibs:
            for citation in list(bib.children):
                label = citation[0].astext() if citation.children else ""
                key = f"{citation.get('docname')}:{citation['ids'][0]}" if citation.get("ids") else None
                if label in kept:
                    if key:
                        renamed[key] = kept[label]
                    bib.remove(citation)
                else:
                    kept[label] = (citation.get("docname"), citation["ids"][0] if citation.get("ids") else None)
        first = bibs[0]
        entries = [c for bib in bibs for c in bib.children]
        for bib in bibs:
            bib.children = []
        first.extend(sorted(entries, key=lambda c: c[0].astext().lower() if c.children else ""))
        for bib in bibs[1:]:
            bib.parent.remove(bib)
        for ref in self.document.findall(nodes.reference):
            uri = ref.get("refuri", "")
            if uri.startswith("%") and "#" in uri:  # a reference to another page
                doc, _, anchor = uri[1:].partition("#")
            elif ref.get("refid"):  # a reference within its own page
                doc, anchor = self._page_of(ref), ref["refid"]
            else:
                continue
            target = renamed.get(f"{doc}:{anchor}")
            if target and target[1]:
                ref.attributes.pop("refid", None)
                ref["refuri"] = f"%{target[0]}#{target[1]}"
        # sphinxcontrib-bibtex writes its citations as raw LaTeX: \hyperlink{cite.<page>:<id>}{...}
        cite = re.compile(r"(\\hyperlink\{cite\.)([^}]*)(\})")

        def relink(m):
            target = renamed.get(m.group(2))
            return f"{m.group(1)}{target[0]}:{target[1]}{m.group(3)}" if target and target[1] else m.group(0)

        for raw in list(self.document.findall(nodes.FixedTextElement)):
            if "\\hyperlink{cite." in (raw.rawsource or ""):  # sphinxcontrib.bibtex's raw_latex
                raw.rawsource = cite.sub(relink, raw.rawsource)
            if isinstance(raw, nodes.raw) and "\\hyperlink{cite." in raw.astext():
                raw.replace_self(nodes.raw("", cite.sub(relink, raw.astext()), format="latex"))
        for section in list(self.document.findall(nodes.section)):
            rest = [c for c in section.children if not isinstance(c, (nodes.title, nodes.target))]
            if section.children and isinstance(section[0], nodes.title) and rest and \
                    all(not c.astext().strip() and not list(c.findall(nodes.image)) for c in rest) and \
                    section[0].astext().strip().lower() in ("references", "bibliography"):
                section.parent.remove(section)


def visit_math_block(self, node) -> None:
    """Sphinx's LaTeX for a display formula, with the number the site gives it (\\tag)."""
    from sphinx.writers.latex import LaTeXTranslator

    start = len(self.body)
    try:
        LaTeXTranslator.visit_math_block(self, node)
    except nodes.SkipNode:
        number = equation_number(self, node)
        text = "".join(self.body[start:])
        if number:
            for end in ("\\end{equation}", "\\end{align}"):
                i = text.rfind(end)
                if i >= 0:
                    text = text[:i] + "\\tag{%s}" % number + text[i:]
                    break
        # one formula (Sphinx wraps it in split): measured, and scaled down a little when too wide
        m = re.fullmatch(r"(\s*\\begin\{equation\*?\}(?:\\label\{[^}]*\})?\s*)\\begin\{split\}(.*)\\end\{split\}(\s*(?:\\tag\{[^}]*\})?"
                         r"\\end\{equation\*?\}\s*)", text, flags=re.S)
        if m and "\\label" not in m.group(2) and "\\tag" not in m.group(2):
            reserve = "3.5em" if number else "0pt"
            text = f"{m.group(1)}\\dltdisplay{{{reserve}}}{{{m.group(2)}}}{m.group(3)}"
        self.body[start:] = [text]
        raise


def depart_math_block(self, node) -> None:
    pass


def equation_number(self, node) -> str:
    ids, docname = node.get("ids") or [], node.get("docname")
    if not ids or not docname:
        return ""
    numbers = self.builder.env.toc_fignumbers.get(docname, {}).get("displaymath", {}).get(ids[0])
    return ".".join(map(str, numbers)) if numbers else ""


def pdf_button(app, pagename, templatename, context, doctree) -> None:
    """The download menu of every page offers the whole book as a PDF (when it was built)."""
    name = app.config.dlt_pdf
    if not name or app.builder.format != "html":
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].append({
                "type": "link", "url": context["pathto"](name, 1), "text": "book (PDF)",
                "tooltip": "Download the whole book as a PDF", "icon": "fas fa-book",
                "label": "download-book-pdf-button"})


def setup(app):
    app.add_config_value("dlt_pdf", "", "html")  # the PDF's file name in the site, set by the pipeline
    app.connect("builder-inited", configure)
    app.add_post_transform(BookStructure)
    app.add_node(nodes.math_block, override=True, latex=(visit_math_block, depart_math_block))
    app.connect("html-page-context", pdf_button, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
