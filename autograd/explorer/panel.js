// The side panel, built as text: a node's facts, its inputs' partials × upstream, its paths to the root; a box's or
// a fan's numbers. A part of the explorer's page, installed by explorer.js (README.md maps the parts).
var chainruleExplorer = window.chainruleExplorer || {};
chainruleExplorer.panel = function (page) {
  "use strict";
  var state = page.state;
  var data = page.data, nodes = page.nodes, edges = page.edges, steps = page.steps,
    INPUTS_LISTED = page.INPUTS_LISTED, num = page.num, thousands = page.thousands, fmt = page.fmt,
    sayOf = page.sayOf, operandOf = page.operandOf, text = page.text, outEdges = page.outEdges,
    inEdges = page.inEdges, pathCount = page.pathCount, firstPaths = page.firstPaths, rootName = page.rootName,
    levels = page.levels, fans = page.fans, stepOf = page.stepOf, contribution = page.contribution, el = page.el,
    row = page.row, button = page.button;

  var panel = document.getElementById("panel-body");

  function clearPanel() {
    while (panel.firstChild) panel.removeChild(panel.firstChild);
    delete panel.dataset.node;
    delete panel.dataset.step;
    delete panel.dataset.fan;
    delete panel.dataset.forward;
    if (page.liveEdit) page.liveEdit.hidden = true;
  }

  function hint() {
    clearPanel();
    panel.appendChild(el("h2", null, data.title));
    panel.appendChild(el("p", "hint", nodes.length + " nodes, " + edges.length + " edges, " + steps.length +
      " backward steps. Click a node for its local partials and its paths to " + rootName +
      "; hover a node to light its paths; step through backward below. Press ? for the keys."));
  }

  function stepping() { return state.at < steps.length; }
  function gradShown(i) { return state.shownGrads[i] === null ? "·" : fmt(state.shownGrads[i]); }

  function showNode(i) {
    var node = nodes[i];
    clearPanel();
    panel.dataset.node = String(i);
    panel.appendChild(el("h2", null, sayOf(i)));
    if (node.say) panel.appendChild(el("p", "also", "named " + node.name));
    var facts = el("table", "facts");
    row(facts, ["op", node.op === null ? "leaf (an input or a parameter)" : node.op]);
    if (node.formula !== null) row(facts, ["rule", (node.say ? "" : node.name + " = ") + text(node.formula)]);
    row(facts, ["data", fmt(node.data)]);
    var when = !stepping() ? "" : (state.shownGrads[i] === null ? ", not reached at step " : ", so far at step ") +
      state.at + " of " + steps.length;
    var gradRow = row(facts, ["grad", gradShown(i) + "  (∂" + rootName + "/∂" + sayOf(i) + when + ")"]);
    gradRow.className = "grad-row";
    if (page.forward) {
      var t = page.tangentAt(i, state.sweeping === "forward" ? state.atForward : page.forward.steps.length);
      row(facts, ["tangent", (t === null ? "·" : fmt(t)) + "  (ṫ, ∂" + sayOf(i) + " along " + page.along +
        ", forward mode)"]).className = "tangent-row";
    }
    panel.appendChild(facts);
    var actions = el("div", "actions");
    actions.appendChild(button("Show its neighbourhood (n)", "The node, its inputs and its users, one or two steps out",
      function () { page.openNear(i, 1); }));
    panel.appendChild(actions);

    if (inEdges[i].length) {
      var done = stepOf[i] < 0 || stepOf[i] < state.at;  // its step has run: its upstream is complete
      panel.appendChild(el("h3", null, "Its inputs: local partial × upstream = contribution"));
      var table = el("table", "inputs");
      row(table, ["input", "∂" + operandOf(i) + "/∂input", "× upstream", "= contribution"], true);
      function addRow(k) {
        var edge = edges[k];
        var tr = row(table, [sayOf(edge.from), fmt(edge.partial), done ? fmt(node.grad) : "·",
          done ? fmt(contribution(k)) : "·"]);
        tr.className = "edge-row";
        tr.dataset.edge = String(k);
        var words = el("tr", "words");
        var cell = el("td", null, text(edge.words));
        cell.colSpan = 4;
        words.appendChild(cell);
        table.appendChild(words);
      }
      // A layer's node has a hundred inputs and more: the first are listed at once, the rest on request, so
      // that a click is answered without laying out a table of hundreds of rows.
      inEdges[i].slice(0, INPUTS_LISTED).forEach(addRow);
      panel.appendChild(table);
      if (inEdges[i].length > INPUTS_LISTED) {
        var more = button("list all " + inEdges[i].length + " inputs", null, function () {
          inEdges[i].slice(INPUTS_LISTED).forEach(addRow);
          more.remove();
        });
        more.className = "more";
        panel.appendChild(more);
      }
      if (!done) {
        panel.appendChild(el("p", "hint", "Its upstream gradient is complete at step " + (stepOf[i] + 1) + "."));
      }
    }

    if (data.time) showTimeSum(i);

    var count = pathCount[i];
    panel.appendChild(el("h3", null, "∂" + rootName + "/∂" + sayOf(i) + " as a sum over paths"));
    if (node.grad === null) {  // an exercise's question: the paths' products would give it away
      panel.appendChild(el("p", "hint", "Not known yet: it is a question of this exercise."));
      if (state.live) page.showLiveEdit();
      return;
    }
    var listed = firstPaths(i, data.maxPaths);
    var sum = 0;
    listed.forEach(function (path, n) {
      var product = 1;
      var factors = path.map(function (k) { product *= num(edges[k].partial); return fmt(edges[k].partial); });
      sum += product;
      var names = [sayOf(i)].concat(path.map(function (k) { return sayOf(edges[k].to); }));
      var line = el("div", "path");
      line.dataset.product = String(product);
      line.textContent = "path " + (n + 1) + ": " + names.join(" → ") + ": " +
        (factors.length ? factors.join(" × ") : "the empty path") + " = " + fmt(product);
      panel.appendChild(line);
    });
    var shown = listed.length === count ? count + " path" + (count === 1 ? "" : "s") :
      thousands(count) + " paths, the first " + listed.length + " listed (their sum " + fmt(sum) + ")";
    var totalLine = el("div", "total", "∂" + rootName + "/∂" + sayOf(i) + " = " + fmt(node.grad) +
      (stepping() ? " once backward is done" : "") + ", the sum over " + shown);
    totalLine.dataset.total = String(num(node.grad));
    totalLine.dataset.paths = String(count);
    panel.appendChild(totalLine);
    if (count === 0) panel.appendChild(el("p", "hint", rootName + " does not depend on " + sayOf(i) + "."));
    if (state.live) page.showLiveEdit();
  }

  // Backpropagation through time: a node used at several time steps gets its gradient as one term per step,
  // each the sum of partial × upstream over its uses at that step.
  function showTimeSum(i) {
    if (nodes[i].grad === null) return;  // an exercise's question, which the terms would give away
    var terms = data.time.names.map(function () { return null; });
    var outside = null;
    outEdges[i].forEach(function (k) {
      var t = data.time.of[edges[k].to];
      var contribution = num(edges[k].partial) * num(nodes[edges[k].to].grad);
      if (t < 0) outside = (outside || 0) + contribution;
      else terms[t] = (terms[t] || 0) + contribution;
    });
    var used = terms.filter(function (t) { return t !== null; }).length;
    if (used < 2) return;
    panel.appendChild(el("h3", null, "∂" + rootName + "/∂" + sayOf(i) + " as a sum over time steps"));
    var table = el("table", "time-sum");
    row(table, ["step", "its uses' partial × upstream"], true);
    var sum = 0;
    terms.forEach(function (term, t) {
      if (term === null) return;
      sum += term;
      row(table, [data.time.names[t], fmt(term)]).className = "time-term";
    });
    if (outside !== null) { sum += outside; row(table, ["outside the steps", fmt(outside)]).className = "time-term"; }
    panel.appendChild(table);
    var line = el("div", "total", "the sum over " + used + " time steps = " + fmt(sum) + " (its gradient " +
      fmt(nodes[i].grad) + ")");
    line.dataset.sum = String(sum);
    panel.appendChild(line);
  }

  function showBox(view, box) {
    clearPanel();
    panel.appendChild(el("h2", null, box.name));
    var facts = el("table", "facts");
    row(facts, ["nodes", thousands(box.count)]);
    row(facts, ["largest |grad|", fmt(box.maxGrad)]);
    panel.appendChild(facts);
    panel.appendChild(el("p", "hint", "Opened in the " + levels[view + 1].name + " view. The buttons above go back " +
      "to any view."));
  }

  function showFan(f) {
    var fan = fans[f];
    clearPanel();
    panel.dataset.fan = String(f);
    panel.appendChild(el("h2", null, fan.name + " ×" + fan.count));
    var facts = el("table", "facts");
    row(facts, ["leaves", String(fan.count)]);
    row(facts, ["they feed", fan.consumers.map(sayOf).join(", ")]);
    row(facts, ["largest |grad|", fmt(fan.maxGrad)]);
    row(facts, ["Σ contributions", fmt(fan.sum)]);
    panel.appendChild(facts);
    panel.appendChild(el("p", "hint", "The list beside the fan names each leaf with its data and gradient; " +
      "choose one for its partials and paths."));
  }

  return {
    panel: panel, clearPanel: clearPanel, hint: hint, gradShown: gradShown, showNode: showNode, showBox: showBox,
    showFan: showFan
  };
};
