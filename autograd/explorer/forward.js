// Forward mode (explore(tangents=...)): the forward sweep along the tangents, from the same partials; the slider
// sweeps either way. A part of the explorer's page, installed by explorer.js (README.md maps the parts).
var chainruleExplorer = window.chainruleExplorer || {};
chainruleExplorer.forward = function (page) {
  "use strict";
  var state = page.state;
  var data = page.data, nodes = page.nodes, steps = page.steps, num = page.num, fmt = page.fmt, sayOf = page.sayOf,
    scalarView = page.scalarView, el = page.el, byId = page.byId;

  // With explore(tangents=...), the page also holds the forward sweep along the tangents, from the same partials:
  // each op node's tangent ṫ = Σ ∂node/∂input × ṫ(input), in the graph's order. The slider sweeps either way.

  var forward = data.forward || null;
  state.sweeping = "backward";
  state.atForward = forward ? forward.steps.length : 0;
  var forwardOf = new Array(nodes.length).fill(-1);
  if (forward) forward.steps.forEach(function (record, k) { forwardOf[record.node] = k; });
  var seedNames = forward ? Object.keys(forward.seeds) : [];
  var along = seedNames.map(function (name) { return name + " = " + fmt(forward.seeds[name]); }).join(", ");

  // A node's tangent after the first k forward steps; null while its step has not run.
  function tangentAt(i, k) {
    return forwardOf[i] >= 0 && forwardOf[i] >= k ? null : num(forward.tangent[i]);
  }

  function goForward(k, withPanel) {
    state.atForward = Math.max(0, Math.min(forward.steps.length, k));
    page.slider.value = String(state.atForward);
    document.querySelectorAll(".stepping").forEach(function (e) { e.classList.remove("stepping"); });
    document.querySelectorAll("g.edge.active, g.edge.forward-active").forEach(function (e) {
      e.classList.remove("active");
      e.classList.remove("forward-active");
    });
    page.stepLabel.textContent = state.atForward === 0 ? "before the forward sweep" :
      "forward step " + state.atForward + " of " + forward.steps.length;
    if (state.atForward > 0) {
      var record = forward.steps[state.atForward - 1];
      var nodeEl = page.nodeElement(record.node);
      if (nodeEl) nodeEl.classList.add("stepping");
      record.terms.forEach(function (term) {
        var element = page.edgeElement(term[0]);
        if (element) element.classList.add("forward-active");
      });
    }
    if (!withPanel) return;
    page.clearPanel();
    if (state.atForward === 0) {
      page.panel.appendChild(el("h2", null, "Before the forward sweep"));
      page.panel.appendChild(el("p", "hint", "Only the seeds have tangents: " + along + ". Step forward: each node's " +
        "tangent is the sum of its partials × its inputs' tangents."));
      return;
    }
    var shown = forward.steps[state.atForward - 1];
    page.panel.dataset.forward = String(state.atForward);
    page.panel.appendChild(el("h2", null, "Forward step " + state.atForward + " of " + forward.steps.length + ": " +
      sayOf(shown.node)));
    page.panel.appendChild(el("div", "step-text", shown.text));
  }

  var sweepButton = byId("sweep");

  function setSweep(name) {
    if (!forward || (name !== "forward" && name !== "backward")) return;
    page.pause();
    state.sweeping = name;
    page.slider.max = String(page.lastStep());
    sweepButton.textContent = name === "forward" ? "sweep: forward ↑" : "sweep: backward ↓";
    sweepButton.setAttribute("aria-pressed", String(name === "forward"));
    document.body.dataset.sweep = name;
    if (state.current !== scalarView) page.showView(scalarView);
    if (name === "forward") {
      page.goTo(steps.length, false, true);  // every gradient shown, as the backward sweep leaves them
      goForward(forward.steps.length, true);
    } else {
      document.querySelectorAll("g.edge.forward-active").forEach(function (e) {
        e.classList.remove("forward-active");
      });
      page.goTo(steps.length, true);
    }
  }

  if (forward) {
    sweepButton.hidden = false;
    sweepButton.addEventListener("click", function () {
      setSweep(state.sweeping === "forward" ? "backward" : "forward");
    });
    var cost = byId("cost");
    cost.hidden = false;
    cost.textContent = "the whole gradient: " + forward.passes + " forward passes (one per " + forward.wrt +
      ") or 1 backward pass";
  }

  return { forward: forward, along: along, tangentAt: tangentAt, goForward: goForward, setSweep: setSweep };
};
