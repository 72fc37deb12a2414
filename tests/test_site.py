"""The site as a reader gets it.

`make test` builds the whole book in the smoke profile with warnings as errors before these tests
run (`scripts/pipeline.py html --profile smoke --out _build/smoke`; if that build is missing, the
first test to need it builds it). The build executes every lecture and solutions page (most of
them are already in the smoke cache, stored there by nbval), so a failing cell, a broken reference
or a missing citation fails `test_smoke_build_is_clean`, naming the page.

Then the built site, _build/smoke/html, is checked the way a reader meets it: without a network.
No page may load anything from outside the site, and a local web server hands the pages to
headless Chromium, which cannot resolve any host name but 127.0.0.1. On every lecture, exercises
and solutions page (and the introduction) the browser tests check that the math is typeset by
the site's own MathJax, that every image and font has loaded, that the console shows no error,
that the Colab button opens the page's paired notebook, that solutions stay collapsed until
clicked, and that axe-core finds no serious or critical accessibility violation; the site search
must find each lecture by a word of its title. A full-page screenshot of each page and a summary
of what was counted go to _build/screenshots/.

Each page is tested on its own, in a fresh tab of its worker's browser, so `pytest -n 2 --dist
load` spreads the pages over both cores. The browser tests need Debian's `chromium` and
`chromium-driver` (.ci/run installs them when it runs as root) and skip with a message when they
are missing.
"""
import base64
import functools
import json
import os
import re
import shutil
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from dlt_support import CHROMEDRIVER, CHROMIUM, INSTALL_BROWSER, build_once, chromium, serve

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "smoke"
SITE = OUT / "html"
REPORT = OUT / "report.json"
SCREENSHOTS = ROOT / "_build" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
MATHJAX = "_static/mathjax/tex-mml-chtml.js"   # mathjax_path in _config.yml, inside _static/

# --------------------------------------------------------------------------------------------------
# The built site, as files


# The pages a reader studies: the introduction and every lecture, exercises and solutions page.
PAGES = ["intro"] + [f"{folder}/{md.stem}" for folder in ("lectures", "exercises", "solutions")
                     for md in sorted((ROOT / folder).glob("*.md"))]
LECTURES = sorted((ROOT / "lectures").glob("*.md"))

# axe-core findings that come from the theme and that neither configuration nor a small override in
# this repository can fix: {(rule id, the node's selector as axe reports it): why}. None so far: the
# theme's findings are repaired in _templates/ and _static/book.css. Everything else fails.
AXE_EXCLUDED: dict = {}


def _build_site():
    """Build the smoke site unless `make test` already did."""
    return build_once("html", OUT, REPORT)


def test_smoke_build_is_clean():
    report = _build_site()
    assert report is not None, f"the smoke build wrote no {REPORT.relative_to(ROOT)}"
    problems = [f"{f['page']}, code cell {f.get('cell')} (line {f.get('line')}): {f.get('first_line', '')}\n"
                f"    {f.get('error')}" for f in report["failed"]]
    problems += report["warnings"][:30]
    assert report["ok"], "the smoke build of the site failed:\n" + "\n".join(problems or [f"status {report['status']}"])
    for page in ["index.html", "intro.html", "pages/execution_statistics.html"]:
        assert (SITE / page).exists(), f"{page} missing from the built site"
    for md in (ROOT / "lectures").glob("*.md"):
        for folder in ("lectures", "solutions", "exercises"):
            assert (SITE / folder / f"{md.stem}.html").exists(), f"{folder}/{md.stem}.html was not built"


@pytest.fixture(scope="module")
def site():
    _build_site()
    if not (SITE / "index.html").exists():
        pytest.skip(f"no built site in {SITE.relative_to(ROOT)}: see test_smoke_build_is_clean")
    # A build that failed on a warning or a notebook still wrote the site: check it all the same.
    return SITE


class _Fetches(HTMLParser):
    """Collect every URL that an HTML page makes the browser fetch by itself (not <a> links)."""

    ATTRS = {"script": ["src"], "img": ["src", "srcset"], "iframe": ["src"], "source": ["src", "srcset"],
             "video": ["src", "poster"], "audio": ["src"], "embed": ["src"], "object": ["data"],
             "track": ["src"], "input": ["src"]}

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        names = self.ATTRS.get(tag, [])
        if tag == "link" and not {"canonical", "next", "prev", "index", "search", "alternate", "author",
                                  "license", "help"} & set((attrs.get("rel") or "").split()):
            names = ["href"]
        for name in names:
            if attrs.get(name):
                self.urls.append((tag, attrs[name]))


def _remote(url):
    return re.match(r"\s*(https?:)?//", url) is not None


def test_site_loads_nothing_from_the_network(site):
    """A page, its style sheets and MathJax (scripts and fonts) all come from the site itself."""
    problems = []
    pages = [p for p in site.rglob("*.html") if p.relative_to(site).parts[0] not in ("_static", "_sources")]
    for page in pages:
        parser = _Fetches()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        for tag, url in parser.urls:
            for part in url.split(","):  # srcset lists several
                if _remote(part):
                    problems.append(f"{page.relative_to(site)}: <{tag}> loads {part.strip()}")
    for css in (site / "_static").rglob("*.css"):
        for url in re.findall(r"""(?:url\(|@import\s+)\s*['"]?([^'")\s;]+)""", css.read_text(errors="replace")):
            if _remote(url):
                problems.append(f"{css.relative_to(site)}: loads {url}")
    assert not problems, "the site needs a network:\n" + "\n".join(sorted(set(problems))[:40])

    mathjax = site / MATHJAX
    assert mathjax.is_file(), (f"{MATHJAX} is missing from the site: `make venv` runs `npm ci`, which "
                               "installs MathJax into node_modules/ (_static/mathjax links to it)")
    fonts = site / "_static" / "mathjax-fonts" / "mathjax-newcm-font" / "chtml"
    assert list((fonts / "woff2").glob("*.woff2")) and list((fonts / "dynamic").glob("*.js")), (
        "MathJax's fonts are missing from the site: `make venv` runs `npm ci`, which installs "
        "@mathjax/mathjax-newcm-font (_static/mathjax-fonts links to it)")
    with_math = [p for p in pages if 'class="math' in p.read_text(errors="replace")]
    for page in with_math:
        parser = _Fetches()
        parser.feed(page.read_text(errors="replace"))
        scripts = [url for tag, url in parser.urls if tag == "script" and "mathjax" in url.lower()]
        assert scripts and all(urllib.parse.urlsplit(u).path.endswith(MATHJAX) for u in scripts), (
            f"{page.relative_to(site)} does not load MathJax from {MATHJAX}: {scripts}")


# --------------------------------------------------------------------------------------------------
# The built site, in a browser without a network


@pytest.fixture(scope="module")
def server(site):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def report():
    """Counts per page, merged over the workers into _build/screenshots/summary.{json,txt}."""
    import fcntl

    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))
    with open(SCREENSHOTS.parent / ".screenshots.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = SCREENSHOTS / ".run"
        if not marker.exists() or marker.read_text() != run:  # the first worker of this run clears
            shutil.rmtree(SCREENSHOTS, ignore_errors=True)
            SCREENSHOTS.mkdir(parents=True)
            marker.write_text(run)
    counts = {}
    yield counts
    if not counts:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (SCREENSHOTS / f"counts-{worker}.json").write_text(json.dumps(counts))
    with open(SCREENSHOTS.parent / ".screenshots.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        merged = {}
        for part in sorted(SCREENSHOTS.glob("counts-*.json")):
            merged.update(json.loads(part.read_text()))
        merged = dict(sorted(merged.items(), key=lambda kv: PAGES.index(kv[0]) if kv[0] in PAGES else 0))
        (SCREENSHOTS / "summary.json").write_text(json.dumps(merged, indent=1))
        keys = ["math", "display_math", "images", "figures", "console_errors", "console_warnings",
                "solutions", "axe_critical", "axe_serious", "axe_moderate", "axe_minor", "seconds"]
        width = max(len(page) for page in merged) + 2
        lines = ["page".ljust(width) + " ".join(k.rjust(len(k)) for k in keys)]
        for page, c in merged.items():
            lines.append(page.ljust(width) + " ".join(str(c.get(k, "")).rjust(len(k)) for k in keys))
        (SCREENSHOTS / "summary.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def browser(server, report):
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.skip(f"no headless browser ({', '.join(missing)} not found): {INSTALL_BROWSER}")
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium is not installed: run `make venv` (it is pinned in requirements.txt)")
    with chromium(1280, 1000) as driver:
        driver.set_page_load_timeout(60)
        driver.set_script_timeout(60)
        yield driver


@functools.lru_cache(1)
def _config():
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def _colab_url(page):
    cfg = _config()
    repo = urllib.parse.urlsplit(cfg["repository"]["url"]).path.strip("/")
    prefix = (cfg["repository"].get("path_to_book") or "").strip("/")
    path = f"{prefix}/{page}.ipynb" if prefix else f"{page}.ipynb"
    return f"{cfg['launch_buttons']['colab_url'].rstrip('/')}/github/{repo}/blob/{cfg['repository']['branch']}/{path}"


# Wait until MathJax (if the page has it) has typeset the page and the web fonts have settled.
WAIT_TYPESET = """
const done = arguments[arguments.length - 1];
const settle = (what) => document.fonts.ready.then(() => done(what));
const hasMath = document.querySelector('.math') !== null;
const start = Date.now();
(function check() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => settle('typeset'), (e) => done('MathJax failed: ' + e));
  } else if (hasMath && Date.now() - start < 30000) {
    setTimeout(check, 100);   // the page has formulas: MathJax is on its way
  } else {
    settle((window.MathJax ? 'MathJax configured but not loaded' : 'no MathJax') + ' on ' + location.pathname);
  }
})();
"""

# Everything the checks need to know about the page as it is displayed.
PAGE_FACTS = r"""
const origin = location.origin;
const skip = 'pre, code, kbd, samp, script, style, textarea, mjx-container, .highlight';
const rawTex = /\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\end\{|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$/;
const raw = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const parent = node.parentElement;
  if (parent && !parent.closest(skip) && rawTex.test(node.textContent)) {
    raw.push(node.textContent.trim().slice(0, 120));
  }
}
const mathNodes = [...document.querySelectorAll('span.math, div.math')];
let undefinedMacros = [];
if (window.MathJax && MathJax.startup && MathJax.startup.document && MathJax.startup.toMML) {
  for (const item of MathJax.startup.document.math) {
    const mml = MathJax.startup.toMML(item.root);
    const bad = mml.match(/<mtext[^>]*mathcolor="red"[^>]*>\s*\\[A-Za-z]+/g);
    if (bad) undefinedMacros.push(item.math.slice(0, 80));
  }
}
const mathjaxScript = document.querySelector('script[src*="tex-mml-chtml"]');
return {
  title: document.title,
  mathNodes: mathNodes.length,
  untypeset: mathNodes.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
  mjx: document.querySelectorAll('mjx-container').length,
  mjxDisplay: document.querySelectorAll('mjx-container[display="true"]').length,
  merror: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
  undefinedMacros: undefinedMacros,
  mathjaxVersion: window.MathJax && MathJax.version || null,
  mathjaxSrc: mathjaxScript ? mathjaxScript.src : null,
  raw: raw,
  images: [...document.images].map(img => ({
    src: img.getAttribute('src'), alt: img.getAttribute('alt'),
    loaded: img.complete && img.naturalWidth > 0,
    output: !!img.closest('.cell_output, .output')})),
  fontErrors: [...document.fonts].filter(f => f.status === 'error').map(f => f.family),
  remote: performance.getEntriesByType('resource').map(e => e.name)
    .filter(u => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')),
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  colabLinks: [...document.querySelectorAll('a.dlt-colab-link')].filter(a => a.offsetParent !== null)
    .map(a => ({href: a.href, text: a.textContent.trim()})),
  duplicateIds: (() => { const seen = new Set(), dup = new Set();
    for (const e of document.querySelectorAll('[id]')) { if (seen.has(e.id)) dup.add(e.id); seen.add(e.id); }
    return [...dup]; })(),
  height: Math.ceil(document.documentElement.scrollHeight),
};
"""

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(
  (r) => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact || v.impact,
                              html: n.html.slice(0, 160)}))}))),
  (e) => done({error: String(e)}));
"""


def _screenshot(driver, height, path, width=1280):
    """The whole page, ``width`` pixels wide (at most 32000 high), as a PNG."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": max(1, min(height, 32000)), "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


# What fits the column: formulas, code, outputs, tables, figures (tests/site_fit.js).
# (as JSON text: a NaN or an infinity in a measurement must not break the transfer)
FIT = "return JSON.stringify((function () {\n" + (Path(__file__).with_name("site_fit.js")).read_text() + "\n})());"
LAPTOP, PHONE = 1280, 390
# The generic text alternative a figure gets when its cell gives none (_config.yml).
GENERIC_ALT = "Figure drawn by the code cell above"


def _figure_text_px(page, figure):
    """Size in CSS pixels, as displayed, of the smallest text in a figure drawn by matplotlib.

    SVG figures keep text as glyph paths scaled by fontsize/100 (matplotlib's text-to-path), so
    the smallest font is read from the file and scaled by the displayed width. For a PNG the
    style's 11-pt text at the figure's 100 dpi is assumed (what utils.plot.style used to make).
    """
    src = urllib.parse.unquote(urllib.parse.urlsplit(figure["src"]).path)
    path = (SITE / page).parent / src
    shown = figure["shownWidth"]
    if not path.exists() or not shown:
        return None
    if path.suffix == ".svg":
        head = path.read_text(errors="replace")
        width = re.search(r'<svg[^>]*\bwidth="([0-9.]+)pt"', head)
        scales = [float(a) for a in re.findall(r"scale\(([0-9.]+) -[0-9.]+\)", head)]
        if not width or not scales:
            return None
        return round(min(scales) * 100 * shown / float(width.group(1)), 1)
    return round(11 * 100 / 72 * shown / max(1, figure["naturalWidth"]), 1)


def _fit_problems(fit, width, page):
    """Problems a reader would see at this width; the page's numbers for the summary."""
    problems = []
    m, c, t = fit["math"], fit["code"], fit["tables"]
    if width == LAPTOP:
        if m["displayCut"] or m["displayScroll"]:
            problems.append(f"{len(m['displayCut']) + len(m['displayScroll'])} display formulas do not fit the "
                            f"column at {width} px, e.g. {(m['displayCut'] + m['displayScroll'])[:3]}: split them "
                            "into aligned lines")
        if m["inlineOverflow"]:
            problems.append(f"{len(m['inlineOverflow'])} inline formulas stick out of their line at {width} px, "
                            f"e.g. {m['inlineOverflow'][:3]}")
        if c["cut"]:
            problems.append(f"{len(c['cut'])} code cells are wider than the column at {width} px "
                            f"(keep code lines within 79 characters), e.g. {c['cut'][:3]}")
        if c["outputsCut"]:
            problems.append(f"{len(c['outputsCut'])} outputs are wider than the column at {width} px "
                            f"(print at most 79 characters a line), e.g. {c['outputsCut'][:3]}")
        if t["cut"]:
            problems.append(f"{len(t['cut'])} tables are wider than the column at {width} px: {t['cut'][:3]}")
        cut_figures = [f["src"] for f in fit["figures"] if f["cut"]]
        if cut_figures:
            problems.append(f"figures wider than the column: {cut_figures[:3]}")
    elif m["displayCut"]:
        problems.append(f"{len(m['displayCut'])} display formulas are cut at {width} px (neither broken into "
                        f"lines nor scrollable), e.g. {m['displayCut'][:3]}")
    numbers = {"display_cut": len(m["displayCut"]), "display_scroll": len(m["displayScroll"]),
               "inline_overflow": len(m["inlineOverflow"]), "code_cut": len(c["cut"]),
               "outputs_cut": len(c["outputsCut"]), "tables_cut": len(t["cut"]), "height": fit["height"],
               "column": fit["column"]}
    return problems, numbers


def _open(driver, url):
    """Load ``url`` and return the MathJax state once the new document is the one shown."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    # driver.get can return while the previous document is still the current one; every check
    # below must look at the page that was asked for, fully loaded.
    WebDriverWait(driver, 60).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && location.href === arguments[0]", url))
    return driver.execute_async_script(WAIT_TYPESET)


def _solutions(driver):
    """Check that each collapsed solution is hidden, then open it; return (count, problems)."""
    from selenium.webdriver.common.by import By

    problems = []
    shown = driver.find_elements(By.CSS_SELECTOR, "div.solution:not(.dropdown)")
    if shown:
        problems.append(f"{len(shown)} solutions are shown open: give their solution-start `:class: dropdown`")
    boxes = driver.find_elements(By.CSS_SELECTOR, "div.solution.dropdown")
    for i, box in enumerate(boxes, 1):
        body = [e for e in box.find_elements(By.XPATH, "./*")
                if e.tag_name != "script" and "admonition-title" not in (e.get_attribute("class") or "")]
        if not body:
            problems.append(f"solution {i} is empty")
            continue
        if any(e.is_displayed() for e in body):
            problems.append(f"solution {i} is not collapsed before it is clicked")
            continue
        buttons = box.find_elements(By.CSS_SELECTOR, ".admonition-title button.toggle-button")
        if not buttons:
            problems.append(f"solution {i} has no toggle button")
            continue
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", buttons[0])
        buttons[0].click()
        deadline = time.time() + 5
        while time.time() < deadline and not all(e.is_displayed() for e in body):
            time.sleep(0.05)
        if not all(e.is_displayed() for e in body):
            problems.append(f"solution {i} did not open when its button was clicked")
        elif buttons[0].get_attribute("aria-expanded") != "true":
            problems.append(f"solution {i} opened but its button says aria-expanded={buttons[0].get_attribute('aria-expanded')}")
    # let the fade-in finish (or axe measures the contrast of half-transparent text) and the page's
    # scripts react to what was opened
    driver.execute_async_script("const done = arguments[arguments.length - 1];"
                                "const frames = () => requestAnimationFrame(() => requestAnimationFrame(done));"
                                "Promise.all(document.getAnimations().filter(a => a.effect && "
                                "a.effect.getComputedTiming().endTime !== Infinity).map(a => a.finished))"
                                ".then(frames, frames);")
    return len(boxes), problems


@pytest.mark.parametrize("page", PAGES)
def test_page_in_the_browser(page, browser, server, report):
    start = time.time()
    html = SITE / f"{page}.html"
    assert html.exists(), f"{page}.html is not in the built site (is {page} in _toc.yml?)"
    browser.get_log("browser")  # drop what earlier pages left
    url = f"{server}/{page}.html"
    state = _open(browser, url)
    facts = browser.execute_script(PAGE_FACTS)
    fit = json.loads(browser.execute_script(FIT))
    folder, _, stem = page.rpartition("/")
    shot = f"{folder}_{stem}" if folder else stem
    _screenshot(browser, facts["height"], SCREENSHOTS / f"{shot}.png")
    problems, fit_laptop = _fit_problems(fit, LAPTOP, page)

    # figures: legible at the laptop width, each with its own text alternative
    figure_px = [px for px in (_figure_text_px(page, f) for f in fit["figures"]) if px is not None]
    small_print = round(0.75 * fit["bodyFont"], 1)
    if figure_px and min(figure_px) < small_print:
        problems.append(f"figure text is {min(figure_px)} px at {LAPTOP} px, smaller than the page's small print "
                        f"({small_print} px): make the figure narrower (at most 7 inches) or its text larger")
    alts = [f["alt"] for f in fit["figures"]]
    generic = [a for a in alts if a.startswith(GENERIC_ALT) or not a.strip()]
    if generic:
        problems.append(f"{len(generic)} figures have no text alternative of their own: give each figure cell "
                        "`mystnb: {image: {alt: ...}}` metadata (docs/AUTHORING.md)")
    repeated = sorted({a for a in alts if alts.count(a) > 1 and a not in generic})
    if repeated:
        problems.append(f"figures share a text alternative: {repeated[:3]}")


    # math: typeset by the site's own MathJax 4, no raw TeX left, no TeX errors
    if facts["mathNodes"]:
        if state != "typeset":
            problems.append(f"the page has {facts['mathNodes']} formulas but MathJax did not typeset them ({state})")
        if not (facts["mathjaxVersion"] or "").startswith("4."):
            problems.append(f"MathJax 4 expected, found {facts['mathjaxVersion']}")
        if not (facts["mathjaxSrc"] or "").startswith(server):
            problems.append(f"MathJax is not served by the site: {facts['mathjaxSrc']}")
    if facts["untypeset"]:
        problems.append(f"{len(facts['untypeset'])} formulas not typeset, e.g. {facts['untypeset'][:3]}")
    if facts["duplicateIds"]:
        problems.append(f"ids used twice on the page (links to them are ambiguous): {facts['duplicateIds'][:5]}")
    if facts["raw"]:
        problems.append(f"raw TeX in the text: {facts['raw'][:5]}")
    if facts["merror"]:
        problems.append(f"MathJax errors: {facts['merror'][:5]}")
    if facts["undefinedMacros"]:
        problems.append(f"undefined TeX macros (add them to mathjax3_config in _config.yml?): {facts['undefinedMacros'][:5]}")

    # images and fonts: all loaded, from the site; figures have a text alternative
    broken = [i["src"] for i in facts["images"] if not i["loaded"]]
    if broken:
        problems.append(f"images that did not load: {broken[:5]}")
    named = [i["src"] for i in facts["images"] if i["alt"] and i["alt"] == i["src"]]
    if named:
        problems.append(f"images whose alt text is their file name: {named[:3]}")
    figures = [i for i in facts["images"] if i["output"]]
    source = (ROOT / f"{page}.md").read_text()
    if folder == "lectures" and re.search(r"\bplt\.|utils\.plot\.|\.plot\(", source) and not figures:
        problems.append("the lecture plots but the page shows no figure: was it executed with MPLBACKEND=Agg? "
                        "(`make clean` empties the execution cache)")
    if facts["fontErrors"]:
        problems.append(f"fonts that did not load: {sorted(set(facts['fontErrors']))}")
    if facts["remote"]:
        problems.append(f"the page requested resources from the network: {facts['remote'][:5]}")

    # Colab: the launch button opens this page's paired notebook on the configured repository
    if folder:
        colab = _colab_url(page)
        colab_links = [u for u in facts["links"] if u.startswith(_config()["launch_buttons"]["colab_url"])]
        if colab not in colab_links:
            problems.append(f"the Colab button should open {colab}, found {colab_links or 'no Colab link'}")
        labelled = [a for a in facts["colabLinks"] if a["href"] == colab and "Colab" in a["text"]]
        if not labelled:
            problems.append(f"no visible, labelled 'Open this page in Colab' link to {colab}: {facts['colabLinks']}")
        if not (ROOT / f"{page}.ipynb").exists():
            problems.append(f"{page}.ipynb, which the Colab button opens, does not exist: run `make notebooks`")

    # solutions: collapsed until clicked
    n_solutions, solution_problems = _solutions(browser) if folder == "solutions" else (0, [])
    problems += solution_problems
    if folder == "solutions" and re.search(r":class:\s*dropdown", source) and not n_solutions:
        problems.append("the source has dropdown solutions but the page shows none")

    # accessibility: axe-core on the page with every solution open
    assert AXE.exists(), f"{AXE.relative_to(ROOT)} is missing: `make venv` runs `npm ci`, which installs axe-core"
    browser.execute_script(AXE.read_text())
    violations = browser.execute_async_script(RUN_AXE)
    assert not (isinstance(violations, dict) and "error" in violations), f"axe-core failed: {violations}"
    by_impact = {"critical": 0, "serious": 0, "moderate": 0, "minor": 0}
    for v in violations:
        for node in v["nodes"]:
            impact = node["impact"] or v["impact"] or "minor"
            by_impact[impact] = by_impact.get(impact, 0) + 1
            if impact in ("serious", "critical") and (v["id"], node["target"]) not in AXE_EXCLUDED:
                problems.append(f"axe {impact} {v['id']} ({v['help']}) at {node['target']}: {node['html']}")

    # console: no errors (the log covers loading, typesetting, clicking and axe)
    logs = browser.get_log("browser")
    severe = [entry["message"] for entry in logs if entry["level"] == "SEVERE"]
    if severe:
        problems.append(f"console errors: {severe[:5]}")

    # the same page on a phone
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": PHONE, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        phone_state = _open(browser, url)
        phone = json.loads(browser.execute_script(FIT))
        _screenshot(browser, phone["height"], SCREENSHOTS / f"{shot}-phone.png", width=PHONE)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    if facts["mathNodes"] and phone_state != "typeset":
        problems.append(f"MathJax did not typeset the page at {PHONE} px ({phone_state})")
    phone_problems, fit_phone = _fit_problems(phone, PHONE, page)
    problems += phone_problems
    phone_px = [px for px in (_figure_text_px(page, f) for f in phone["figures"]) if px is not None]
    phone_severe = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    if phone_severe:
        problems.append(f"console errors at {PHONE} px: {phone_severe[:5]}")
    report[page] = {
        "title": facts["title"], "mathjax": state, "math": facts["mjx"], "display_math": facts["mjxDisplay"],
        "images": len(facts["images"]), "figures": len(figures),
        "console_errors": len(severe), "console_warnings": sum(e["level"] == "WARNING" for e in logs),
        "solutions": n_solutions, **{f"axe_{k}": n for k, n in by_impact.items()},
        "axe_rules": sorted({f"{v['impact']}:{v['id']}" for v in violations}),
        "fit_1280": fit_laptop, "fit_390": fit_phone, "figure_text_px": min(figure_px) if figure_px else None,
        "figure_text_px_phone": min(phone_px) if phone_px else None, "alts": alts,
        "seconds": round(time.time() - start, 1),
    }
    assert not problems, f"{page}.html in the browser:\n- " + "\n- ".join(problems)


STOPWORDS = {"lecture", "solutions", "exercises", "about", "from", "with", "into", "that", "their",
             "what", "when", "where", "which", "through", "between", "beyond", "without", "versus"}


def _search_word(md):
    """The longest word of the lecture's title that is not a stop word."""
    title = next((line[2:] for line in md.read_text().splitlines() if line.startswith("# ")), md.stem)
    words = [w for w in re.findall(r"[A-Za-z]{4,}", title) if w.lower() not in STOPWORDS]
    return max(words, key=len) if words else md.stem.split("_")[-1]


@pytest.mark.parametrize("md", LECTURES, ids=[md.stem for md in LECTURES])
def test_search_finds_the_lecture(md, browser, server):
    from selenium.webdriver.support.ui import WebDriverWait

    assert (SITE / "lectures" / f"{md.stem}.html").exists(), f"lectures/{md.stem}.html is not in the built site"
    word = _search_word(md)
    browser.get(f"{server}/search.html?q={urllib.parse.quote(word)}")
    summary = "#search-results p.search-summary"
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        f"const p = document.querySelector('{summary}'); return p && p.textContent.trim().length > 0"))
    hits = browser.execute_script(
        "return [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.href)")
    paths = [urllib.parse.urlsplit(h).path for h in hits]
    assert f"/lectures/{md.stem}.html" in paths, (
        f"searching the site for {word!r} (from the title of lectures/{md.name}) does not find the lecture; "
        f"results: {paths[:10]}")
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, f"console errors on the search page: {severe[:5]}"
