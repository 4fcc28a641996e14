// Data Workbench: brings into view the element that a `data-scroll-to` attribute names ("<element id>#<nonce>";
// the nonce makes a second jump to the same row a change). The server's state sets the attribute; this static
// script does the scrolling, so no code is ever evaluated from a string (the Content-Security-Policy forbids
// 'unsafe-eval', which Reflex's rx.scroll_to needs when sent from the server).
//
// The element holding the attribute (the RAW grid's scrolling box) scrolls inside to centre the target; then
// the page scrolls so the card around that box starts just below the sticky navigation bar: the section's
// title, its "Volver a las primeras filas" and the row are all in view.
(function () {
  "use strict";
  var ATTR = "data-scroll-to";
  var GAP = 16;
  var done = new WeakMap();

  function bring(holder) {
    var wanted = holder.getAttribute(ATTR) || "";
    if (!wanted || done.get(holder) === wanted) return;
    var target = document.getElementById(wanted.split("#")[0]);
    if (!target || !holder.contains(target)) return; // not rendered yet: the next change of the page tries again
    done.set(holder, wanted);
    var inside = target.getBoundingClientRect().top - holder.getBoundingClientRect().top;
    holder.scrollTop += inside - (holder.clientHeight - target.offsetHeight) / 2;
    var frame = holder.closest(".rt-Card") || holder;
    var bar = document.querySelector("header");
    var top = frame.getBoundingClientRect().top - (bar ? bar.getBoundingClientRect().height : 0) - GAP;
    window.scrollBy({ top: top, left: 0, behavior: "auto" });
    if (target.getBoundingClientRect().bottom > window.innerHeight) {
      target.scrollIntoView({ block: "nearest" }); // a short window: the row itself wins over the card's title
    }
  }

  function scan() {
    document.querySelectorAll("[" + ATTR + "]").forEach(bring);
  }

  new MutationObserver(scan).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: [ATTR],
  });
})();
