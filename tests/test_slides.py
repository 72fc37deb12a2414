"""The lecture slides (`make slides`) as a speaker gets them.

The decks are built from the smoke profile's execution cache, which `make test` has filled before
this test runs (`scripts/pipeline.py slides --profile smoke --out _build/smoke`); the build turns
every warning into an error. It is one test, so that one pytest-xdist worker builds and opens the
decks while the others go on with the site.

Each lecture's deck is then opened, like the site, in headless Chromium without a network: the
formulas must be typeset by the book's own MathJax without an error, every figure of the lecture's
page (in the smoke site, _build/smoke/html) must be in the deck, nothing may come from outside the
deck, every slide must fit at a readable scale (the deck shrinks an overflowing slide, never below
MIN_SCALE), and there must be speaker notes. Screenshots of two slides of each deck and a summary
go to _build/slides-screenshots/.

Needs Debian's `chromium` and `chromium-driver` (like tests/test_site.py); skips without them.
"""
import base64
import contextlib
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dlt_support import CHROMEDRIVER, CHROMIUM, INSTALL_BROWSER, build_once, chromium, load, serve

ROOT = Path(__file__).resolve().parents[1]
# the build to check: `make test`'s smoke build, or another one named by DLT_PRINT_OUT (e.g. _build
# after `make pdf slides`); a missing one is built there from the smoke cache
OUT = ROOT / os.environ.get("DLT_PRINT_OUT", "_build/smoke")
DECKS = OUT / "slides"
REPORT = OUT / "slides-report.json"
SITE = OUT / "html"
SHOTS = ROOT / "_build" / "slides-screenshots"
LECTURES = sorted((ROOT / "lectures").glob("*.md"))


MIN_SCALE = load("_ext/slides.py", "dlt_slides").MIN_SCALE


def _build():
    """Build the decks unless this run already did."""
    return build_once("slides", OUT, REPORT, "--jobs", str(os.cpu_count() or 1), "--no-site")


@contextlib.contextmanager
def _chromium():
    """Headless Chromium showing a 1280 x 720 slide."""
    with chromium(1280, 720) as driver:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 1280, "height": 720, "deviceScaleFactor": 1, "mobile": False})
        driver.set_page_load_timeout(60)
        driver.set_script_timeout(90)
        yield driver


WAIT_DECK = """
const done = arguments[arguments.length - 1];
const check = () => {
  const state = document.documentElement.getAttribute('data-dlt-slides');
  if (state) done(state); else setTimeout(check, 100);
};
check();
"""

DECK_FACTS = r"""
const origin = location.origin;
const outside = (el) => !el.closest('aside.notes');
const math = [...document.querySelectorAll('span.math, div.math')].filter(outside);
let undefinedMacros = [];
if (window.MathJax && MathJax.startup && MathJax.startup.document && MathJax.startup.toMML) {
  for (const item of MathJax.startup.document.math) {
    const mml = MathJax.startup.toMML(item.root);
    if (/<mtext[^>]*mathcolor="red"[^>]*>\s*\\[A-Za-z]+/.test(mml)) undefinedMacros.push(item.math.slice(0, 80));
  }
}
const leaves = [...document.querySelectorAll('.reveal .slides section')].filter(s => !s.querySelector('section'));
return {
  slides: window.dltSlides || null,
  count: leaves.length,
  math: math.length,
  untypeset: math.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
  merror: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
  undefinedMacros: undefinedMacros,
  images: [...document.images].map(i => ({src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0})),
  notes: leaves.filter(s => { const n = s.querySelector('aside.notes'); return n && n.textContent.trim().length > 0; }).length,
  notesPlugin: !!(window.Reveal && Reveal.hasPlugin && Reveal.hasPlugin('notes')),
  remote: performance.getEntriesByType('resource').map(e => e.name)
    .filter(u => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')),
};
"""


class _Fetches(HTMLParser):
    """URLs that a page makes the browser fetch by itself (scripts, styles, images; not links)."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio", "embed") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href") and not {"canonical", "next", "prev", "index", "search"} & set(
                (attrs.get("rel") or "").split()):
            self.urls.append(attrs["href"])


def _site_figures(stem):
    """File names of the figures that the lecture's page in the smoke site shows in cell outputs,
    but for cells that the author keeps off the slides (tags no-slide, slide-notes)."""
    page = SITE / "lectures" / f"{stem}.html"
    if not page.exists():
        return None
    html = page.read_text(errors="replace")
    figures = set()
    for classes, cell in re.findall(r'<div class="cell( [^"]*)"(.*?)(?=<div class="cell |<section|</article>)', html, re.S):
        if "tag_no-slide" in classes or "tag_slide-notes" in classes:
            continue
        for block in re.findall(r'<div class="cell_output.*', cell, re.S):
            figures.update(Path(src).name for src in re.findall(r'<img[^>]*\ssrc="([^"]+)"', block))
    return figures


def _screenshot(driver, path):
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    path.write_bytes(base64.b64decode(shot["data"]))


def _summary(facts):
    slides = (facts.get("slides") or {}).get("slides", [])
    return {"slides": facts["count"], "worst_scale": (facts.get("slides") or {}).get("worst"),
            "shrunk": sum(s["scale"] < 1 for s in slides), "with_notes": facts["notes"],
            "formulas": facts["math"], "images": len(facts["images"])}


def _deck_problems(browser, server, md):
    """What is wrong with one lecture's deck in the browser; its numbers; two screenshots."""
    deck = DECKS / "lectures" / f"{md.stem}.html"
    if not deck.exists():
        return [f"no deck {deck.relative_to(ROOT)} (is lectures/{md.stem} in _toc.yml?)"], None
    fetches = _Fetches()
    fetches.feed(deck.read_text(errors="replace"))
    remote = [url for url in fetches.urls if re.match(r"\s*(https?:)?//", url)]
    browser.get_log("browser")
    browser.get(f"{server}/lectures/{md.stem}.html")
    state = browser.execute_async_script(WAIT_DECK)
    facts = browser.execute_script(DECK_FACTS)
    problems = []
    if state != "ready":
        problems.append(f"the deck's fitting script did not finish: {facts.get('slides')}")
    # formulas: typeset by the book's MathJax, no errors, no unknown macros
    if facts["math"] and not facts["untypeset"] and not browser.execute_script("return !!window.MathJax && !!MathJax.version"):
        problems.append("the deck has formulas but MathJax did not load")
    if facts["untypeset"]:
        problems.append(f"{len(facts['untypeset'])} formulas not typeset, e.g. {facts['untypeset'][:3]}")
    if facts["merror"]:
        problems.append(f"MathJax errors: {facts['merror'][:5]}")
    if facts["undefinedMacros"]:
        problems.append(f"undefined TeX macros: {facts['undefinedMacros'][:5]}")
    # figures: all of the page's, all loaded
    broken = [i["src"] for i in facts["images"] if not i["loaded"]]
    if broken:
        problems.append(f"images that did not load: {broken[:5]}")
    figures = _site_figures(md.stem)
    if figures is not None:
        shown = {Path(i["src"]).name for i in facts["images"]}
        missing = sorted(figures - shown)
        if missing:
            problems.append(f"{len(missing)} of the page's {len(figures)} figures are not in the deck: {missing[:5]}")
    # offline
    if remote or facts["remote"]:
        problems.append(f"the deck loads from the network: {(remote + facts['remote'])[:5]}")
    # readable: every slide fits at a scale of at least MIN_SCALE
    slides = (facts.get("slides") or {}).get("slides", [])
    small = [f"slide {s['indices']['h']}.{s['indices'].get('v', 0)} '{s['title']}' "
             f"({s['natural']}px of content for {s['height']}px, scale {s['scale']})"
             for s in slides if s["overflow"] or s["scale"] < MIN_SCALE]
    if small:
        problems.append(f"{len(small)} slides do not fit at a readable scale (at least {MIN_SCALE}): {small[:5]}")
    if not slides:
        problems.append("the deck has no slides")
    # speaker notes
    if not facts["notesPlugin"]:
        problems.append("the speaker-notes plugin is not loaded")
    if not facts["notes"]:
        problems.append("no slide has speaker notes")
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    if severe:
        problems.append(f"console errors: {severe[:5]}")

    # two slides for the record: the title slide and the first slide with a figure (or the second)
    _screenshot(browser, SHOTS / f"{md.stem}-1.png")
    target = browser.execute_script(
        "const s = [...document.querySelectorAll('.reveal .slides section')].filter(x => !x.querySelector('section'));"
        "const f = s.find(x => x.querySelector('img')) || s[1] || s[0]; return Reveal.getIndices(f);")
    browser.execute_script("Reveal.slide(arguments[0].h, arguments[0].v || 0);", target)
    browser.execute_async_script("const done = arguments[arguments.length - 1];"
                                 "requestAnimationFrame(() => requestAnimationFrame(done));")
    _screenshot(browser, SHOTS / f"{md.stem}-2.png")
    return problems, facts


def test_slides():
    """Build the decks (warnings are errors) and open every lecture's deck: one test, so that one
    pytest-xdist worker builds and opens them while the others go on with the site."""
    report = _build()
    assert report is not None, f"the slides build wrote no {REPORT.relative_to(ROOT)}"
    problems = [f"{f['page']}, code cell {f.get('cell')}: {f.get('error')}" for f in report["failed"]]
    problems += [w.strip() for w in report["warnings"][:30]] + [f"no deck for {d}" for d in report["missing"]]
    if not (DECKS / "lectures").is_dir():
        pytest.fail("no decks were written:\n- " + "\n- ".join(problems))
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        assert not problems, "the slides build:\n- " + "\n- ".join(problems)
        pytest.skip(f"the decks were built, but there is no headless browser to open them "
                    f"({', '.join(missing)} not found): {INSTALL_BROWSER}")
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    summary = {}
    with serve(DECKS) as server, _chromium() as browser:
        for md in LECTURES:
            found, facts = _deck_problems(browser, server, md)
            problems += [f"lectures/{md.stem}: {p}" for p in found]
            if facts:
                summary[md.stem] = _summary(facts)
    (SHOTS / "summary.json").write_text(json.dumps(summary, indent=1))
    assert not problems, f"the slides ({DECKS.relative_to(ROOT)}):\n- " + "\n- ".join(problems)
