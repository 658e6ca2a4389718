// The training timeline (nn.History.explore): the pass of one watched example at each point of training, scrubbed
// with a slider. A part of the explorer's page, installed by explorer.js (README.md maps the parts).
var chainruleExplorer = window.chainruleExplorer || {};
chainruleExplorer.timeline = function (page) {
  "use strict";
  var state = page.state;
  var data = page.data, fmt = page.fmt, byId = page.byId;

  // The training timeline: the pass of one watched example, with the loss and metrics, at each point of
  // training nn.fit recorded; scrubbing shows the numbers recorded there.
  var timeline = data.timeline || null;
  var epochSlider = byId("epoch");

  function showEpoch(k) {
    k = Math.max(0, Math.min(timeline.numbers.length - 1, k));
    epochSlider.value = String(k);
    page.setNumbers(timeline.numbers[k]);
    var facts = [timeline.labels[k], "loss " + fmt(timeline.loss[k])];
    Object.keys(timeline.metrics).forEach(function (name) { facts.push(name + " " + fmt(timeline.metrics[name][k])); });
    byId("epoch-label").textContent = facts.join(", ");
    page.drawCurve(byId("timeline-curve"), timeline.loss, k);
    if (timeline.boundary.length) byId("boundary-image").src = timeline.boundary[k];
    state.shownEpoch = k;
  }
  state.shownEpoch = -1;

  if (timeline) {
    byId("timeline").hidden = false;
    epochSlider.max = String(timeline.numbers.length - 1);
    epochSlider.addEventListener("input", function () { showEpoch(Number(epochSlider.value)); });
    if (timeline.boundary.length) {
      byId("boundary").hidden = false;
      var ns = "http://www.w3.org/2000/svg", points = byId("boundary-points"), e = timeline.extent;
      timeline.points.forEach(function (p) {
        var dot = document.createElementNS(ns, "circle");
        dot.setAttribute("cx", String(((p[0] - e[0]) / (e[1] - e[0])) * 160));
        dot.setAttribute("cy", String((1 - (p[1] - e[2]) / (e[3] - e[2])) * 160));
        dot.setAttribute("r", "2.2");
        dot.setAttribute("class", "point class-" + p[2] + (p[3] ? " watched" : ""));
        points.appendChild(dot);
      });
    }
  }

  return { timeline: timeline, showEpoch: showEpoch };
};
