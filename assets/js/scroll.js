// Data Workbench: brings into view the element that a `data-scroll-to` attribute names ("<element id>#<nonce>";
// the nonce makes a second jump to the same row a change). The server's state sets the attribute; this static
// script does the scrolling, so no code is ever evaluated from a string (the Content-Security-Policy forbids
// 'unsafe-eval', which Reflex's rx.scroll_to needs when sent from the server).
(function () {
  "use strict";
  var ATTR = "data-scroll-to";
  var done = new WeakMap();

  function bring(holder) {
    var wanted = holder.getAttribute(ATTR) || "";
    if (!wanted || done.get(holder) === wanted) return;
    var target = document.getElementById(wanted.split("#")[0]);
    if (!target) return; // not rendered yet: the next change of the page tries again
    done.set(holder, wanted);
    target.scrollIntoView({ block: "start" });
  }

  function scan() {
    document.querySelectorAll("[" + ATTR + "]").forEach(bring);
  }

  new MutationObserver(scan).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: [ATTR],
  });
})();
