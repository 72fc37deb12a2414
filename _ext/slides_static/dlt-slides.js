// The book's slides: once MathJax has typeset the deck and its images and fonts are in, every slide
// whose content is taller than the slide is shrunk (its font size, in steps of 5 %) until it fits,
// and so is every display formula wider than the slide; never below the deck's minimum scale
// (dltMinScale in the reveal.js configuration). The smallest scale of each slide's text is kept in
// its data-dlt-scale attribute and in window.dltSlides, which the tests read; a slide that does not
// fit at that scale is counted as overflowing.
(function () {
  "use strict";
  const STEP = 0.05;

  function leaves() {
    return [...document.querySelectorAll(".reveal .slides section")].filter((s) => !s.querySelector("section"));
  }

  function shown(slide, on) {
    // reveal.js hides slides far from the current one; measure them laid out
    for (let el = slide; el && el.tagName === "SECTION"; el = el.parentElement) {
      if (on) {
        el.dataset.dltDisplay = el.style.display;
        el.style.display = "block";
      } else {
        el.style.display = el.dataset.dltDisplay || "";
        delete el.dataset.dltDisplay;
      }
    }
  }

  function fitFormulas(slide, min) {
    // a display formula wider than its column is shrunk on its own (MathJax 3 does not break
    // lines); returns the smallest scale it needed and whether one is still too wide
    let worst = 1, wide = false;
    for (const box of slide.querySelectorAll('mjx-container[display="true"]')) {
      if (box.closest("aside.notes")) continue;
      box.style.fontSize = "";
      const math = box.firstElementChild;
      const eqno = box.parentElement && box.parentElement.querySelector(":scope > span.eqno");
      // a centred formula clears the number at the right if it leaves as much room at the left
      const room = box.clientWidth - (eqno ? 2 * (eqno.offsetWidth + 8) : 0);
      const width = math ? math.offsetWidth : 0;  // layout pixels, like clientWidth
      if (!math || width <= room + 1) continue;
      const scale = Math.max(min, Math.floor((room / width) * 100) / 100);
      box.style.fontSize = `${Math.round(scale * 100)}%`;
      worst = Math.min(worst, scale);
      if (room / width < min) wide = true;
    }
    return {worst, wide};
  }

  function fit(slide, height, min) {
    shown(slide, true);
    slide.style.fontSize = "";
    const formulas = fitFormulas(slide, min);
    let scale = 1;
    const natural = slide.scrollHeight;
    while (slide.scrollHeight > height && scale - STEP >= min - 1e-9) {
      scale = Math.round((scale - STEP) * 100) / 100;
      slide.style.fontSize = `${Math.round(scale * 100)}%`;
    }
    scale = Math.round(scale * formulas.worst * 100) / 100;  // the smallest text on the slide
    const overflow = slide.scrollHeight > height || formulas.wide || scale < min - 1e-9 ||
                     slide.scrollWidth > slide.clientWidth + 2;
    shown(slide, false);
    slide.dataset.dltScale = String(scale);
    const title = slide.querySelector("h1, h2, h3");
    return {indices: window.Reveal.getIndices(slide), scale, overflow, natural, height,
            title: title ? title.textContent.trim().slice(0, 80) : ""};
  }

  function ready() {
    const waits = [document.fonts ? document.fonts.ready : Promise.resolve()];
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
      waits.push(window.MathJax.startup.promise);
    }
    for (const img of document.images) {
      if (!img.complete) waits.push(new Promise((done) => { img.addEventListener("load", done); img.addEventListener("error", done); }));
    }
    return Promise.all(waits);
  }

  function run() {
    const config = window.Reveal.getConfig();
    const min = config.dltMinScale || 0.7;
    const slides = leaves().map((slide) => fit(slide, config.height, min));
    window.Reveal.layout();
    window.dltSlides = {ready: true, minScale: min, slides,
                        worst: slides.reduce((w, s) => Math.min(w, s.scale), 1),
                        overflowing: slides.filter((s) => s.overflow).length};
    document.documentElement.setAttribute("data-dlt-slides", "ready");
  }

  window.addEventListener("load", () => {
    const start = () => ready().then(run, (err) => {
      window.dltSlides = {ready: false, error: String(err)};
      document.documentElement.setAttribute("data-dlt-slides", "error");
    });
    if (window.Reveal.isReady()) start(); else window.Reveal.on("ready", start);
  });
})();
