// The drawings' numbers: every label written from its template (labels.js) with the page's numbers, view by view as
// each is shown, and the colours with color_by_grad; a small curve of a series. A part of the explorer's page,
// installed by explorer.js (README.md maps the parts).
var chainruleExplorer = window.chainruleExplorer || {};
chainruleExplorer.drawing = function (page) {
  "use strict";
  var state = page.state;
  var doc = page.doc, data = page.data, nodes = page.nodes, edges = page.edges, steps = page.steps, num = page.num,
    UNKNOWN = page.UNKNOWN, fmt = page.fmt, levels = page.levels, scalarView = page.scalarView, byId = page.byId;

  // A live page (autograd.widgets.LiveExplorer) and a training timeline receive the numbers of another pass
  // over the same graph (autograd.explore.page_numbers): they are written into the data, then into the
  // drawings' texts and the panel, with no new layout.

  var drawnTexts = null;  // per view and kind of element: the texts of each one drawn, by its number

  function textsOf(id) {
    var element = byId(id);
    return element ? Array.prototype.slice.call(element.querySelectorAll("text")) : null;
  }

  function collectTexts() {
    var counts = { n: nodes.length, e: edges.length };
    drawnTexts = levels.map(function (level, v) {
      var found = {};
      Object.keys(level.labels).forEach(function (kind) {
        var count = kind === "b" ? (level.boxes || []).length : kind === "f" ? (level.fans || []).length : counts[kind];
        found[kind] = [];
        for (var k = 0; k < count; k++) found[kind][k] = textsOf("v" + v + "-" + kind + k);
      });
      return found;
    });
  }

  // Line n of an element's texts (from the end where negative). dot places each line of a node by its left
  // end, measured for the text it had: a new number is centred on the box instead (the node's outline is its
  // first path or polygon).
  function setLine(texts, n, line) {
    var t = texts[n < 0 ? texts.length + n : n];
    if (!t || t.textContent === line) return;
    if (!t.dataset.centred && n < 0) {
      var outline = t.parentNode.querySelector("path, polygon");
      var xs = outline ? (outline.getAttribute("d") || outline.getAttribute("points") || "").match(/-?[\d.]+/g) : null;
      if (xs) {
        var across = xs.filter(function (x, k) { return k % 2 === 0; }).map(Number);
        t.setAttribute("x", String((Math.min.apply(null, across) + Math.max.apply(null, across)) / 2));
        t.setAttribute("text-anchor", "middle");
      }
      t.dataset.centred = "1";
    }
    setText(t, line);
  }

  // A text's words changed in place (its one text node's value), and only when they differ.
  function setText(t, line) {
    var words = t.firstChild;
    if (words && words.nodeType === 3 && !words.nextSibling) { if (words.nodeValue !== line) words.nodeValue = line; }
    else if (t.textContent !== line) t.textContent = line;
  }

  function setFill(id, colour) {
    var element = byId(id);
    var shape = element && element.querySelector("path:not([fill='none']), polygon:not([fill='none'])");
    if (shape) shape.setAttribute("fill", colour);
  }

  // Views are written when shown: each changed text is laid out again, which took 50-90 ms for the hidden
  // scalar view of the digits page after each edit (measured in Chromium). A view whose drawing was laid
  // out with other numbers than the document's (a live page's or a timeline's later state) is written first.
  state.unwritten = levels.map(function (level) { return !level.written; });
  // The numbers the labels show (autograd.explore.page_numbers' shape; null where an exercise hides one), and
  // with color_by_grad the colours they give.
  state.shownNumbers = chainruleLabels.shown(doc);
  state.fills = fillsOf(doc.numbers);

  function fillsOf(numbers) {
    return numbers.fill ? { nodes: numbers.fill, levels: numbers.levels.map(function (v) { return v.fills; }) } : null;
  }

  // Another pass's numbers over the same graph (a live edit, a timeline's point, an exercise's known numbers),
  // written into the data (document.js) and then into whatever shows them, with no new layout.
  function setNumbers(numbers) {
    state.shownNumbers = numbers;
    chainruleDocument.writeNumbers(data, numbers);
    state.fills = fillsOf(numbers);
    state.unwritten = levels.map(function () { return true; });
    page.goTo(state.at, page.panel.dataset.step !== undefined, state.at === steps.length);
    writeView(state.current);
    if (state.nearShown !== null) page.openNear(state.nearShown, state.nearDepth);
    if (page.fanList.dataset.fan !== undefined) page.openFanList(Number(page.fanList.dataset.fan));
    if (page.panel.dataset.node !== undefined) page.showNode(Number(page.panel.dataset.node));
    else if (page.panel.dataset.fan !== undefined) page.showFan(Number(page.panel.dataset.fan));
  }

  // The number slot `name` of element kind/k in view v shows: the scalar view's gradients as the steps run so
  // far have left them (labels.UNREACHED where not reached yet), every other number as the page's numbers hold it.
  function slot(v, kind, k, name) {
    if (v === scalarView && kind === "n" && name === "grad") {
      return state.shownGrads[k] === null ? chainruleLabels.UNREACHED : state.shownGrads[k];
    }
    return chainruleLabels.slotValue(state.shownNumbers, edges, v, kind, k, name);
  }

  // The lines of element kind/k's label in view v that hold numbers, filled by its template (labels.js).
  function labelLines(v, kind, k) {
    var template = levels[v].labels[kind];
    return chainruleLabels.fill(template, function (name) { return slot(v, kind, k, name); }, data.precision, UNKNOWN);
  }

  // The labels of kind `kind` in view v, written where they are drawn.
  function writeLabels(v, kind) {
    if (drawnTexts === null) collectTexts();
    var template = levels[v].labels[kind], found = drawnTexts[v][kind];
    if (!template || !found) return;
    found.forEach(function (texts, k) {
      if (!texts) return;
      labelLines(v, kind, k).forEach(function (line, j) { setLine(texts, template.first + j, line); });
    });
  }

  // View v's texts and colours from the page's numbers.
  function writeView(v) {
    if (!state.unwritten[v]) return;
    state.unwritten[v] = false;
    Object.keys(levels[v].labels).forEach(function (kind) { writeLabels(v, kind); });
    if (!state.fills) return;
    var levelFills = state.fills.levels[v];
    (levels[v].boxes || []).forEach(function (box, b) { setFill("v" + v + "-b" + b, levelFills[b]); });
    (levels[v].fans || []).forEach(function (fan, f) { setFill("v" + v + "-f" + f, levelFills[f]); });
    nodes.forEach(function (node, i) { setFill("v" + v + "-n" + i, state.fills.nodes[i]); });
  }

  // A small curve of a series (the loss after each step or epoch), with the point at `marked` ringed.
  function drawCurve(svg, values, marked) {
    var ns = "http://www.w3.org/2000/svg";
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var w = Number(svg.getAttribute("width")), h = Number(svg.getAttribute("height")), pad = 4;
    var ys = values.map(num).filter(Number.isFinite);
    if (!ys.length) return;
    var low = Math.min.apply(null, ys), high = Math.max.apply(null, ys), span = high - low || 1;
    var points = values.map(function (y, k) {
      var x = pad + (values.length > 1 ? k * (w - 2 * pad) / (values.length - 1) : (w - 2 * pad) / 2);
      return [x, h - pad - (num(y) - low) * (h - 2 * pad) / span];
    });
    var line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", points.map(function (q) { return q.join(","); }).join(" "));
    line.setAttribute("class", "curve");
    svg.appendChild(line);
    if (marked !== undefined && points[marked]) {
      var dot = document.createElementNS(ns, "circle");
      dot.setAttribute("cx", String(points[marked][0]));
      dot.setAttribute("cy", String(points[marked][1]));
      dot.setAttribute("r", "3");
      dot.setAttribute("class", "curve-mark");
      svg.appendChild(dot);
    }
    var title = document.createElementNS(ns, "title");
    title.textContent = "from " + fmt(values[0]) + " to " + fmt(values[values.length - 1]) + " (lowest " + fmt(low) +
      ")";
    svg.appendChild(title);
  }

  return {
    labelLines: labelLines, setNumbers: setNumbers, writeLabels: writeLabels, writeView: writeView,
    drawCurve: drawCurve,
  };
};
