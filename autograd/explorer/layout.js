// Views laid out in the page (explore(..., layout="browser")): each view's DOT, as Python wrote it with its
// numbers (autograd.scene), laid out by Graphviz compiled to WebAssembly (viz-global.js, @viz-js/viz), the same
// drawing dot would make as the page is built. The page loads this after document.js; viz-global.js is on the
// page only where a view is laid out in it.
var chainruleLayout = (function () {
  "use strict";

  // A promise that resolves once every view the document leaves to the page is drawn into its element
  // (.view[data-view=v]), or null when dot laid them all out already.
  function layOut(doc) {
    var wanted = doc.views.some(function (view) { return view.layout === "browser"; });
    if (!wanted) return null;
    var status = document.getElementById("layout-status");
    if (status) { status.hidden = false; status.textContent = "Laying out the drawing…"; }
    return Viz.instance().then(function (viz) {
      doc.views.forEach(function (view, v) {
        if (view.layout !== "browser") return;
        var svg = viz.renderSVGElement(view.dot, { engine: "dot" });
        svg.removeAttribute("width");  // the page sizes it, as it does dot's (autograd.explore._inline)
        svg.removeAttribute("height");
        document.querySelector('.view[data-view="' + v + '"]').appendChild(svg);
      });
      if (status) status.hidden = true;
    });
  }

  // A layout that failed says so on the page, in words.
  function failed(error) {
    var status = document.getElementById("layout-status");
    if (status) { status.hidden = false; status.textContent = "The drawing could not be laid out: " + error; }
    throw error;
  }

  return { layOut: layOut, failed: failed };
})();
if (typeof module !== "undefined") module.exports = chainruleLayout;
