// The backward pass one step at a time, as autograd.backward_steps runs and writes it: the gradients after k
// steps, each edge's contribution, and each step's text. Pure: it reads the page's data (document.js's dataOf)
// and writes numbers with the `fmt` it is given; node's own runner holds it to Python on tests/data/pages.json.
var chainruleSteps = (function () {
  "use strict";
  var numbers = typeof chainruleNumbers !== "undefined" ? chainruleNumbers : require("./numbers.js");
  var num = numbers.num;

  // The names of the data's nodes: `name` is unique; sentences say what an unlabelled node computes (`y − 1`),
  // in parentheses inside a longer formula; a text that names nodes is stored as strings and node numbers, i
  // for node i as a part of a formula, -1 - i where the text brackets it itself (tanh(a·b)).
  function names(data) {
    var nodes = data.nodes;
    function sayOf(i) { return nodes[i].say || nodes[i].name; }
    function operandOf(i) { return nodes[i].operand || sayOf(i); }
    function text(parts) {
      return parts.map(function (part) {
        if (typeof part !== "number") return part;
        var i = part < 0 ? -1 - part : part;
        if (!nodes[i]) return "?";
        return part < 0 ? sayOf(i) : operandOf(i);
      }).join("");
    }
    return { sayOf: sayOf, operandOf: operandOf, text: text };
  }

  // The data's steps: step k (1-based) is data.steps[k - 1]. `fmt(x)` writes a number as the panel does.
  function of(data, fmt) {
    var nodes = data.nodes, edges = data.edges, steps = data.steps, root = data.root;
    var named = names(data);
    var stepOf = new Array(nodes.length).fill(-1);
    steps.forEach(function (record, k) { stepOf[record.node] = k; });

    // Each node's gradient after k steps, null where backward has not reached it yet.
    function gradsAt(k) {
      var grads = new Array(nodes.length).fill(null);
      grads[root] = steps.length ? num(steps[0].upstream) : num(nodes[root].grad);
      for (var s = 0; s < k; s++) {
        steps[s].edges.forEach(function (e) { grads[edges[e[0]].from] = num(e[1]); });
      }
      return grads;
    }

    // Edge k's share of its input's gradient, partial × upstream; null while that gradient is a question of an
    // exercise not yet answered, which the share would give away.
    function contribution(k) {
      var edge = edges[k];
      return nodes[edge.from].grad === null ? null : num(edge.partial) * num(nodes[edge.to].grad);
    }

    function stepLines(k) {
      var record = steps[k];
      return record.edges.map(function (e) {
        var edge = edges[e[0]];
        return named.operandOf(edge.from) + ".grad += " + fmt(edge.partial) + " × " + fmt(record.upstream) + " → " +
          fmt(e[1]);
      });
    }

    // Step k + 1 as autograd.backward_steps writes it.
    function stepText(k) {
      var record = steps[k];
      return "step " + (k + 1) + ": " + record.formula + ", ∂root/∂" + named.operandOf(record.node) + " = " +
        fmt(record.upstream) + ": " + stepLines(k).join("; ");
    }

    return { stepOf: stepOf, gradsAt: gradsAt, contribution: contribution, stepLines: stepLines, stepText: stepText };
  }

  return { names: names, of: of };
})();
if (typeof module !== "undefined") module.exports = chainruleSteps;
