"""The Claims page: every claim check of the book, from the last build, with links to where each
claim is made.

Lectures state their claims with ``utils.claim`` (``close``, ``at_most``, ``ordered``...). Each
check's output carries a machine-readable record; ``scripts/pipeline.py`` collects the records of
every executed page into a ledger (``_build/<out>/claims.json``, copied into the site as
``claims.json``) and passes its path to Sphinx as ``dlt_claims_ledger``. The ``claims-ledger``
directive turns that ledger into a table, and the page is read again whenever the ledger changes.
"""
from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective


def _fmt(x) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    if isinstance(x, (int, float)):
        return f"{x:.4g}"
    return "-" if x is None else str(x)


def _para(text, **kw):
    return nodes.paragraph("", "", nodes.Text(text), **kw)


class ClaimsLedger(SphinxDirective):
    has_content = False

    def run(self):
        path = self.config.dlt_claims_ledger
        if not path or not Path(path).exists():
            return [_para("No claims ledger was given to this build: `make book` (scripts/pipeline.py) "
                          "writes it while it executes the lectures.")]
        self.env.note_dependency(str(Path(path).resolve()))
        data = json.loads(Path(path).read_text())
        claims = data.get("claims", [])
        failed = [c for c in claims if not c.get("passed")]
        pages = sorted({c["page"] for c in claims})
        intro = (f"{len(claims)} claims on {len(pages)} pages were checked when this site was built, in the "
                 f"{data.get('profile', '?')} profile: {len(claims) - len(failed)} hold"
                 + (f" and {len(failed)} fail." if failed else ", none fails."))
        out = [_para(intro)]

        table = nodes.table(classes=["dlt-claims-table"])
        widths = [22, 34, 22, 8, 14]
        group = nodes.tgroup(cols=len(widths))
        table += group
        for w in widths:
            group += nodes.colspec(colwidth=w)
        head = nodes.thead()
        row = nodes.row()
        for title in ("Claim", "Statement", "Measured vs expected", "Result", "Page"):
            row += nodes.entry("", _para(title))
        head += row
        group += head
        body = nodes.tbody()
        for c in claims:
            row = nodes.row()
            ref = nodes.reference("", "", nodes.literal(text=c["name"]),
                                  refuri=f"../{c['page']}.html#claim-{c['name']}", internal=True)
            row += nodes.entry("", nodes.paragraph("", "", ref))
            row += nodes.entry("", _para(c.get("statement", "")))
            row += nodes.entry("", _para(f"{_fmt(c.get('measured'))}; {c.get('relation', '')}"))
            row += nodes.entry("", _para("holds" if c.get("passed") else "FAILS"))
            xref = addnodes.pending_xref("", nodes.inline(text=c["page"]), refdomain="std", reftype="doc",
                                         reftarget="/" + c["page"], refexplicit=False, refwarn=True)
            row += nodes.entry("", nodes.paragraph("", "", xref))
            body += row
        group += body
        out.append(table)
        return out


def setup(app):
    app.add_config_value("dlt_claims_ledger", "", "env")
    app.add_config_value("dlt_profile", "", "env")
    app.add_directive("claims-ledger", ClaimsLedger)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
