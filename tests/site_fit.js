// What a reader sees of a page at the current width: formulas, code, outputs, tables and figures
// that do not fit the text column, figure text size, and the page height. Used by
// tests/test_site.py (returns plain JSON).
const column = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
const colRect = column.getBoundingClientRect();
const EPS = 1;

// the nearest ancestor (up to the column) that clips its content, and whether it scrolls
function clipper(el) {
  for (let p = el.parentElement; p && p !== column.parentElement; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (s.overflowX !== 'visible') return {el: p, scrolls: s.overflowX === 'auto' || s.overflowX === 'scroll'};
  }
  return {el: column, scrolls: false};
}
function sticksOut(inner, box) {
  const r = inner.getBoundingClientRect(), b = box.getBoundingClientRect();
  return r.width > 0 && (r.right > b.right + EPS || r.left < b.left - EPS);
}
function hidden(el) { return el.offsetParent === null && getComputedStyle(el).position !== 'fixed'; }
function snippet(el) { return (el.getAttribute('data-latex') || el.textContent || '').trim().slice(0, 70); }

const math = {display: 0, inline: 0, displayCut: [], displayScroll: [], inlineOverflow: []};
for (const c of document.querySelectorAll('mjx-container')) {
  if (hidden(c)) continue;
  const display = c.getAttribute('display') === 'true';
  const m = c.querySelector('mjx-math') || c;
  const src = c.closest('.math');
  const label = src ? snippet(src) : snippet(c);
  if (display) {
    math.display++;
    const clip = clipper(m);
    const outOfColumn = sticksOut(m, column);
    const outOfClip = sticksOut(m, clip.el);
    if (c.scrollWidth > c.clientWidth + EPS && ['auto', 'scroll'].includes(getComputedStyle(c).overflowX)) {
      math.displayScroll.push(label);
    } else if (outOfColumn || outOfClip) {
      (clip.scrolls && !outOfColumn ? math.displayScroll : math.displayCut).push(label);
    }
  } else {
    math.inline++;
    const line = c.closest('p, li, td, th, dd, dt, .admonition, .proof') || column;
    if (sticksOut(m, line) || sticksOut(m, column)) math.inlineOverflow.push(label);
  }
}

// code and outputs: a <pre> that is wider than its box scrolls sideways: part of it is hidden
const code = {cells: 0, cut: [], outputs: 0, outputsCut: []};
for (const pre of document.querySelectorAll('.cell_input pre, .cell_output pre, div.highlight pre')) {
  if (hidden(pre)) continue;
  const isOutput = !!pre.closest('.cell_output');
  isOutput ? code.outputs++ : code.cells++;
  const box = pre.closest('.highlight') || pre;
  if (pre.scrollWidth > pre.clientWidth + EPS || box.scrollWidth > box.clientWidth + EPS || sticksOut(pre, column)) {
    const longest = Math.max(...pre.textContent.split('\n').map(l => l.length));
    (isOutput ? code.outputsCut : code.cut).push(`${longest} chars: ` + pre.textContent.trim().split('\n')[0].slice(0, 60));
  }
}
const tables = {count: 0, cut: []};
for (const t of document.querySelectorAll('article table')) {
  if (hidden(t)) continue;
  tables.count++;
  const box = t.parentElement;
  if (sticksOut(t, column) || (box && box.scrollWidth > box.clientWidth + EPS)) tables.cut.push(snippet(t).slice(0, 50));
}

// figures: images drawn by code cells
const figures = [...document.querySelectorAll('.cell_output img, .output img')].filter(i => !hidden(i)).map(img => ({
  src: img.getAttribute('src'), alt: img.getAttribute('alt') || '',
  shownWidth: Math.round(img.getBoundingClientRect().width), naturalWidth: img.naturalWidth,
  cut: sticksOut(img, column),
}));
const bodySize = parseFloat(getComputedStyle(document.querySelector('article p') || document.body).fontSize);
return {
  width: window.innerWidth, column: Math.round(colRect.width), bodyFont: bodySize,
  height: Math.ceil(document.documentElement.scrollHeight),
  math, code, tables, figures,
};
