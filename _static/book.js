// The book's additions to the theme's scripts (Jupyter Book links every .js in _static/).

// Code and outputs wider than the page scroll sideways, and the theme makes each such block
// reachable with the keyboard (tabindex="0") when the page loads or is resized. A block inside a
// solution or a hidden cell becomes visible only when the reader opens it, so look again then.
(() => {
  const blocks = ["pre", ".nboutput > .output_area", ".cell_output > .output",
                  ".jp-RenderedHTMLCommon", ".pst-scrollable-table-container"].join(", ");
  const update = () => document.querySelectorAll(blocks).forEach((el) => {
    if (el.offsetParent === null) return;  // still hidden
    el.tabIndex = el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight ? 0 : -1;
  });
  const soon = () => requestAnimationFrame(update);
  document.addEventListener("click", (event) => {
    if (event.target.closest(".toggle, details")) soon();
  });
  document.addEventListener("toggle", soon, true);  // a <details> opened or closed
})();
