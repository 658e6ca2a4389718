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
    var graph = document.graph, numbers = document.numbers, data = {};
    Object.keys(document).forEach(function (key) {
      if (["graph", "numbers", "views", "version"].indexOf(key) < 0) data[key] = document[key];
    });
    data.root = graph.root;
    data.nodes = graph.nodes.map(function (node, i) {
      return assign(node, { data: numbers.data[i], grad: numbers.grad[i] });
    });
    data.edges = graph.edges.map(function (edge, k) { return assign(edge, { partial: numbers.partial[k] }); });
    data.steps = graph.steps.map(function (step, s) {
      return {
        node: step.node, upstream: numbers.steps[s][0], formula: step.formula,
        edges: step.edges.map(function (k, j) { return [k, numbers.steps[s][1][j]]; }),
      };
    });
    data.levels = document.views.map(function (view, v) {
      var shown = numbers.levels[v], level = assign(view, {});
      if (view.boxes) level.boxes = view.boxes.map(function (box, b) { return assign(box, { maxGrad: shown.boxes[b] }); });
      if (view.fans) {
        level.fans = view.fans.map(function (fan, f) {
          return assign(fan, { maxGrad: shown.fans[f][0], sum: shown.fans[f][1] });
        });
      }
      return level;
    });
    if (graph.time) data.time = graph.time;
    return data;
  }

  return { VERSION: VERSION, dataOf: dataOf };
})();
if (typeof module !== "undefined") module.exports = chainruleDocument;
