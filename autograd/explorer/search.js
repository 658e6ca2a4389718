// Search: finding a node by name. A part of the explorer's page, installed by explorer.js (README.md maps the
// parts).
var chainruleExplorer = window.chainruleExplorer || {};
chainruleExplorer.search = function (page) {
  "use strict";
  var state = page.state;
  var nodes = page.nodes, sayOf = page.sayOf, el = page.el, byId = page.byId;

  var search = byId("search");
  var results = byId("results");

  function findMatches(query) {
    var needle = query.trim().toLowerCase();
    if (!needle) return [];
    var exact = [], partial = [];
    nodes.forEach(function (node, i) {
      var name = node.name.toLowerCase(), said = sayOf(i).toLowerCase();
      if (name === needle || said === needle) exact.push(i);
      else if (name.indexOf(needle) >= 0 || said.indexOf(needle) >= 0) partial.push(i);
    });
    partial.sort(function (a, b) {
      return nodes[a].name < nodes[b].name ? -1 : nodes[a].name > nodes[b].name ? 1 : 0;
    });
    return exact.concat(partial).slice(0, 50);
  }

  function choose(i) {
    results.hidden = true;
    search.value = nodes[i].name;
    search.blur();  // so that the keys step and zoom again
    page.closeNear(false);
    page.select(i, true);
  }

  // The drawings take the mouse (svg-pan-zoom keeps the focus where it was): a press on them leaves the search
  // box, so that the keys act on the drawing.
  page.canvas.addEventListener("mousedown", function () { search.blur(); });

  search.addEventListener("input", function () {
    while (results.firstChild) results.removeChild(results.firstChild);
    var matches = findMatches(search.value);
    results.hidden = matches.length === 0;
    matches.forEach(function (i) {
      var item = el("li", null, nodes[i].name + (nodes[i].say ? "  (" + nodes[i].say + ")" : ""));
      item.dataset.node = String(i);
      item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
      results.appendChild(item);
    });
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var matches = findMatches(search.value);
      if (matches.length) choose(matches[0]);
      event.preventDefault();
    } else if (event.key === "Escape") {
      results.hidden = true;
      search.blur();
    }
  });
  search.addEventListener("blur", function () { results.hidden = true; });

  return { search: search };
};
