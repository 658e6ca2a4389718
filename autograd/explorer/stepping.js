// Stepping through backward: the slider, the step's node and edges singled out, the scalar view's gradients as the
// steps leave them, and play. A part of the explorer's page, installed by explorer.js (README.md maps the parts).
var chainruleExplorer = window.chainruleExplorer || {};
chainruleExplorer.stepping = function (page) {
  "use strict";
  var state = page.state;
  var nodes = page.nodes, edges = page.edges, steps = page.steps, fmt = page.fmt, sayOf = page.sayOf,
    root = page.root, rootName = page.rootName, levels = page.levels, scalarView = page.scalarView,
    gradsAt = page.gradsAt, stepLines = page.stepLines, stepText = page.stepText, el = page.el, byId = page.byId;

  var slider = byId("step");
  var stepLabel = byId("step-label");
  slider.max = String(steps.length);
  // each edge's partial × upstream = contribution (and forward mode's partial × tangent) is shown at its step
  // only: the lines of the edge's template (labels.js) that hold those slots
  var template = levels[scalarView].labels.e;
  if (template) {
    var marks = template.lines.map(function (line) {
      var slots = line.filter(function (part) { return typeof part !== "string"; })
        .map(function (slot) { return slot[0]; });
      return slots.indexOf("contribution") >= 0 ? "contribution" : slots.indexOf("term") >= 0 ? "forward" : null;
    });
    edges.forEach(function (edge, k) {
      var element = byId("v" + scalarView + "-e" + k);
      var texts = element ? element.querySelectorAll("text") : [];
      marks.forEach(function (mark, j) {
        if (mark && texts[template.first + j]) texts[template.first + j].classList.add(mark);
      });
    });
  }

  // The scalar view's gradients as the steps run so far have left them ("·" where not reached yet).
  // A text set to what it already holds is laid out again all the same: on the digits page (2,561 nodes) this
  // made a step take 115-180 ms, against 6-14 ms when only changed texts are set (measured in Chromium).
  function writeGrads() { page.writeLabels(scalarView, "n"); }

  function goTo(k, withPanel, quiet) {
    state.at = Math.max(0, Math.min(steps.length, k));
    slider.value = String(state.at);
    state.shownGrads = gradsAt(state.at);
    nodes.forEach(function (node, i) {
      var element = byId("v" + scalarView + "-n" + i);
      if (!element) return;
      var reached = state.shownGrads[i] !== null;
      element.classList.toggle("unreached", !reached);
      element.classList.remove("stepping");
    });
    if (state.current === scalarView) writeGrads();
    else state.unwritten[scalarView] = true;
    document.querySelectorAll(".stepping").forEach(function (e) { e.classList.remove("stepping"); });
    document.querySelectorAll("g.edge.active").forEach(function (e) { e.classList.remove("active"); });
    stepLabel.textContent = state.at === 0 ? "before backward" : "step " + state.at + " of " + steps.length;
    if (state.at === 0) {
      if (withPanel) {
        page.clearPanel();
        page.panel.appendChild(el("h2", null, "Before backward"));
        page.panel.appendChild(el("p", "hint", "Only " + rootName + " has a gradient: ∂" + rootName + "/∂" +
          rootName + " = " + fmt(state.shownGrads[root]) +
          ". Step forward to run the chain rule, one node at a time."));
      }
      return;
    }
    if (quiet) return;  // the page as it opens: every gradient, no step singled out
    var record = steps[state.at - 1];
    var nodeEl = page.nodeElement(record.node);
    if (nodeEl) nodeEl.classList.add("stepping");
    record.edges.forEach(function (e) {
      var element = page.edgeElement(e[0]);
      if (element) element.classList.add("active");
    });
    if (withPanel) {
      page.keepInView([nodeEl].concat(record.edges.map(function (e) { return page.nodeElement(edges[e[0]].from); })));
      page.clearPanel();
      page.panel.dataset.step = String(state.at);
      page.panel.appendChild(el("h2", null, "Step " + state.at + " of " + steps.length + ": " + sayOf(record.node)));
      page.panel.appendChild(el("div", "step-text", stepText(state.at - 1)));
      stepLines(state.at - 1).forEach(function (line) { page.panel.appendChild(el("div", "step-line", line)); });
    }
  }

  var timer = null;
  var playButton = byId("play");

  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    playButton.textContent = "▶ play";
  }

  // The slider sweeps backward, or, with tangents, forward (setSweep).
  function position() { return state.sweeping === "forward" ? state.atForward : state.at; }
  function lastStep() { return state.sweeping === "forward" ? page.forward.steps.length : steps.length; }
  function moveTo(k) { if (state.sweeping === "forward") page.goForward(k, true); else goTo(k, true); }

  function play() {
    if (timer !== null) { pause(); return; }
    if (state.current !== scalarView) page.showView(scalarView);
    if (position() >= lastStep()) moveTo(0);
    playButton.textContent = "❚❚ pause";
    timer = setInterval(function () {
      if (position() >= lastStep()) { pause(); return; }
      moveTo(position() + 1);
    }, 700);
  }

  function step(delta) {
    pause();
    if (state.current !== scalarView) page.showView(scalarView);
    moveTo(position() + delta);
  }

  byId("previous").addEventListener("click", function () { step(-1); });
  byId("next").addEventListener("click", function () { step(1); });
  playButton.addEventListener("click", play);
  slider.addEventListener("input", function () {
    pause(); if (state.current !== scalarView) page.showView(scalarView); moveTo(Number(slider.value));
  });

  return {
    slider: slider, stepLabel: stepLabel, goTo: goTo, pause: pause, lastStep: lastStep, play: play, step: step
  };
};
