// Label templates (autograd/labels.py): where each number sits in a drawing's labels, and the one function in
// the page that writes them. A template is {first, lines}: an element's text lines from line `first` on (from
// the end where negative), each a list of strings and slots (["data"], ["partial"]...) that name a number of
// the element. Python's autograd.labels is the same definition; both are held to tests/data/labels.json (by
// pytest, and by node's own runner: node --test tests/js/). The page loads this after numbers.js.
var chainruleLabels = (function () {
  "use strict";
  var numbers = typeof chainruleNumbers !== "undefined" ? chainruleNumbers : require("./numbers.js");

  // What a slot holds where backward has not reached its node yet (the scalar view while stepping): "·".
  var UNREACHED = { unreached: true };

  function float(x) { return x === null || x === undefined ? null : numbers.num(x); }
  function times(a, b) { return float(a) === null || float(b) === null ? null : numbers.num(a) * numbers.num(b); }

  // The number slot `name` of element `kind`/`index` of view `view` stands for, in `shown` (the page's numbers:
  // autograd.explore.page_numbers' shape, null for a number not known). An edge's contribution is not known
  // while its tail's gradient is not: it would give that gradient away.
  function slotValue(shown, edges, view, kind, index, name) {
    if (kind === "n") return float(shown[name][index]);
    if (kind === "e") {
      var edge = edges[index], partial = shown.partial[index];
      if (name === "partial") return float(partial);
      if (name === "upstream") return float(shown.grad[edge.to]);
      if (name === "contribution") return shown.grad[edge.from] === null ? null : times(partial, shown.grad[edge.to]);
      var tangent = shown.tangent[edge.from];
      return name === "tangent" ? float(tangent) : times(partial, tangent);
    }
    var level = shown.levels[view];
    if (kind === "b") return float(level.boxes[index]);
    var fan = level.fans[index];
    return float(name === "maxGrad" ? fan[0] : fan[1]);
  }

  // The template's lines with each slot's number (number(name)) to p significant digits as Python writes it,
  // "?" where it is not known (null), `unknown` for NaN ("nan", or "?" on an exercise's page) and "·" where
  // backward has not reached it.
  function fill(template, number, p, unknown) {
    return template.lines.map(function (line) {
      return line.map(function (part) {
        if (typeof part === "string") return part;
        var x = number(part[0]);
        return x === UNREACHED ? "·" : numbers.fmt(x, p, unknown);
      }).join("");
    });
  }

  // `shown` as an exercise shows them: each number known[kind][i] marks false as null, and so is each step's
  // upstream gradient and each gradient after it whose node's gradient is not known (graph: the document's).
  function masked(shown, known, graph) {
    function keep(kind) { return shown[kind].map(function (x, i) { return known[kind][i] ? x : null; }); }
    var result = Object.assign({}, shown);
    result.data = keep("data");
    result.grad = keep("grad");
    result.partial = keep("partial");
    result.steps = shown.steps.map(function (step, s) {
      var record = graph.steps[s];
      return [known.grad[record.node] ? step[0] : null, step[1].map(function (after, j) {
        return known.grad[graph.edges[record.edges[j]].from] ? after : null;
      })];
    });
    return result;
  }

  // The numbers a page shows as it opens (autograd.explore.shown_numbers): the document's, an exercise's
  // masked by what it gives, and with forward mode each node's tangent (its forward section's).
  function shown(doc) {
    var numbers = doc.exercise ? masked(doc.numbers, doc.exercise.known, doc.graph) : Object.assign({}, doc.numbers);
    if (doc.forward) numbers.tangent = doc.forward.tangent;
    return numbers;
  }

  return { UNREACHED: UNREACHED, slotValue: slotValue, fill: fill, masked: masked, shown: shown };
})();
if (typeof module !== "undefined") module.exports = chainruleLabels;
