// The page's document (autograd.explore: Explorer.document, described by document.schema.json) as the page's
// script reads it: dataOf puts the numbers in place, as Python's autograd.explore.data_of does; both are held
// to tests/data/documents.json. The page loads this after labels.js.
var chainruleDocument = (function () {
  "use strict";
  var VERSION = 1;

  function assign(target, source) { return Object.assign({}, target, source); }

  // The document with its numbers in place: each node's data and grad, each edge's partial, each step's
  // upstream and [edge, grad after], each view's boxes' and fans' maxGrad (and a fan's sum); the other
  // sections as they are.
  function dataOf(document) {
    if (document.version !== VERSION) {
      throw new Error("chainrule: this page's document is version " + document.version + "; this script reads " +
        "version " + VERSION);
    }
    var graph = document.graph, data = {};
    Object.keys(document).forEach(function (key) {
      if (["graph", "numbers", "views", "version"].indexOf(key) < 0) data[key] = document[key];
    });
    data.root = graph.root;
    data.nodes = graph.nodes.map(function (node) { return assign(node, {}); });
    data.edges = graph.edges.map(function (edge) { return assign(edge, {}); });
    data.steps = graph.steps.map(function (step) {
      return { node: step.node, upstream: null, formula: step.formula,
        edges: step.edges.map(function (k) { return [k, null]; }) };
    });
    data.levels = document.views.map(function (view) {
      var level = assign(view, {});
      if (view.boxes) level.boxes = view.boxes.map(function (box) { return assign(box, {}); });
      if (view.fans) level.fans = view.fans.map(function (fan) { return assign(fan, {}); });
      return level;
    });
    if (graph.time) data.time = graph.time;
    return writeNumbers(data, document.numbers);
  }

  // `numbers` (autograd.explore.page_numbers' shape: another pass over the same graph, as a live page or a
  // timeline receives it, or an exercise's with null where not known) written into `data` in place.
  function writeNumbers(data, numbers) {
    data.nodes.forEach(function (node, i) { node.data = numbers.data[i]; node.grad = numbers.grad[i]; });
    data.edges.forEach(function (edge, k) { edge.partial = numbers.partial[k]; });
    data.steps.forEach(function (record, s) {
      record.upstream = numbers.steps[s][0];
      record.edges.forEach(function (e, j) { e[1] = numbers.steps[s][1][j]; });
    });
    data.levels.forEach(function (level, v) {
      var view = numbers.levels[v];
      (level.boxes || []).forEach(function (box, b) { box.maxGrad = view.boxes[b]; });
      (level.fans || []).forEach(function (fan, f) { fan.maxGrad = view.fans[f][0]; fan.sum = view.fans[f][1]; });
    });
    return data;
  }

  return { VERSION: VERSION, dataOf: dataOf, writeNumbers: writeNumbers };
})();
if (typeof module !== "undefined") module.exports = chainruleDocument;
