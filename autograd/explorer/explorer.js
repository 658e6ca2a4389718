// chainrule's explorer: reads the page's document (the JSON made by autograd.explore; document.js) and makes
// the drawings clickable. Every label reaches the page as text (textContent), never as markup.
(function () {
  "use strict";

  var doc = JSON.parse(document.getElementById("chainrule-data").textContent);
  var laying = chainruleLayout.layOut(doc);  // views laid out in the page (layout="browser"), or null
  if (laying) laying.then(function () { explorer(doc); }, chainruleLayout.failed);
  else explorer(doc);

  function explorer(doc) {
  var data = chainruleDocument.dataOf(doc);
  var nodes = data.nodes;
  var edges = data.edges;
  var steps = data.steps;
  var PANEL_DIGITS = 6;
  var INPUTS_LISTED = 24;
  var READABLE = 1;  // the least zoom a node is framed at: its text at its natural size (11 px), or larger
  var FRAMED = 1.25; // the most it is framed at
  var CLOSEST = 4;   // the most the keys and the wheel zoom to: four times its natural size
  var NODE_FONT = 11;    // a node's text in the drawing's own units (Graphviz's fontsize)
  var LEAST_TEXT = 10;   // px: text smaller than this on the first view is framed larger (see openReadable)
  var ZOOM_STEP = 0.25;  // each "+" zooms by 1.25, each "−" by 1/1.25, as the wheel's notch does

  // Numbers -----------------------------------------------------------------------------------------------

  var num = chainruleNumbers.num;  // numbers.js, loaded before this script
  var thousands = chainruleNumbers.thousands;

  // An exercise's page (autograd.teach) holds null for each number the learner has not found yet: it is
  // written "?", and so is every number computed from one (nan; an exercise's graph has no nan of its own).
  var UNKNOWN = data.exercise ? "?" : "nan";

  // Python's format(x, ".{p}g"), so that the page prints numbers as the engine does (numbers.js).
  function fmt(value, p) { return chainruleNumbers.fmt(value, p === undefined ? PANEL_DIGITS : p, UNKNOWN); }

  // Names, paths and steps: the pure modules (steps.js, paths.js), held to Python by node's own runner.
  var named = chainruleSteps.names(data);
  var sayOf = named.sayOf, operandOf = named.operandOf, text = named.text;
  var graphPaths = chainrulePaths.of(data);
  var outEdges = graphPaths.outEdges, inEdges = graphPaths.inEdges, pathCount = graphPaths.pathCount;
  var towardsRoot = graphPaths.towardsRoot, firstPaths = graphPaths.firstPaths;
  var root = data.root;
  var rootName = sayOf(root);

  // The scalar view's fans: many leaves of one name feeding the same nodes, drawn as one node.
  var levels = data.levels;
  var scalarView = levels.length - 1;
  var fans = levels[scalarView].fans || [];
  var fanOf = new Array(nodes.length).fill(-1);
  fans.forEach(function (fan, f) { fan.members.forEach(function (m) { fanOf[m] = f; }); });

  // Stepping state: step k (1-based) is steps[k - 1]; `at` steps have run. The page opens before backward
  // (explore's start="beginning", the default), so that → runs the first step, or with every step run ("end").
  var stepper = chainruleSteps.of(data, function (x) { return fmt(x); });
  var stepOf = stepper.stepOf, gradsAt = stepper.gradsAt, contribution = stepper.contribution;
  var stepLines = stepper.stepLines, stepText = stepper.stepText;
  var at = data.start === "end" ? steps.length : 0;
  var shownGrads = gradsAt(at);

  // Building the panel, as text ---------------------------------------------------------------------------

  function el(tag, className, text) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) wrappable(element, text);
    return element;
  }

  // Text that wraps at word boundaries, and inside a long name only after its dots, underscores and slashes
  // (layers.0.│neurons.3.│w.0), never inside a number (a dot between two digits is no break).
  var BREAK = /([._/](?![0-9])|(?<![0-9])[.](?=[0-9]))/;
  function wrappable(element, text) {
    var pieces = String(text).split(BREAK);
    for (var n = 0; n < pieces.length; n += 2) {
      var piece = pieces[n] + (n + 1 < pieces.length ? pieces[n + 1] : "");
      if (piece) element.appendChild(document.createTextNode(piece));
      if (n + 1 < pieces.length) element.appendChild(document.createElement("wbr"));
    }
  }

  function row(table, cells, header) {
    var tr = el("tr");
    cells.forEach(function (cell) { tr.appendChild(el(header ? "th" : "td", null, cell)); });
    table.appendChild(tr);
    return tr;
  }

  function button(label, title, action) {
    var b = el("button", null, label);
    b.type = "button";
    if (title) b.title = title;
    b.addEventListener("click", action);
    return b;
  }

  var panel = document.getElementById("panel-body");

  function clearPanel() {
    while (panel.firstChild) panel.removeChild(panel.firstChild);
    delete panel.dataset.node;
    delete panel.dataset.step;
    delete panel.dataset.fan;
    delete panel.dataset.forward;
    if (liveEdit) liveEdit.hidden = true;
  }

  function hint() {
    clearPanel();
    panel.appendChild(el("h2", null, data.title));
    panel.appendChild(el("p", "hint", nodes.length + " nodes, " + edges.length + " edges, " + steps.length +
      " backward steps. Click a node for its local partials and its paths to " + rootName +
      "; hover a node to light its paths; step through backward below. Press ? for the keys."));
  }

  function stepping() { return at < steps.length; }
  function gradShown(i) { return shownGrads[i] === null ? "·" : fmt(shownGrads[i]); }

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
    var gradRow = row(facts, ["grad", gradShown(i) + "  (∂" + rootName + "/∂" + sayOf(i) + (stepping() ?
      (shownGrads[i] === null ? ", not reached at step " : ", so far at step ") + at + " of " + steps.length : "") + ")"]);
    gradRow.className = "grad-row";
    if (forward) {
      var t = tangentAt(i, sweeping === "forward" ? atForward : forward.steps.length);
      row(facts, ["tangent", (t === null ? "·" : fmt(t)) + "  (ṫ, ∂" + sayOf(i) + " along " + along +
        ", forward mode)"]).className = "tangent-row";
    }
    panel.appendChild(facts);
    var actions = el("div", "actions");
    actions.appendChild(button("Show its neighbourhood (n)", "The node, its inputs and its users, one or two steps out",
      function () { openNear(i, 1); }));
    panel.appendChild(actions);

    if (inEdges[i].length) {
      var done = stepOf[i] < 0 || stepOf[i] < at;  // its step has run: its upstream is complete
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
      if (!done) panel.appendChild(el("p", "hint", "Its upstream gradient is complete at step " + (stepOf[i] + 1) + "."));
    }

    if (data.time) showTimeSum(i);

    var count = pathCount[i];
    panel.appendChild(el("h3", null, "∂" + rootName + "/∂" + sayOf(i) + " as a sum over paths"));
    if (node.grad === null) {  // an exercise's question: the paths' products would give it away
      panel.appendChild(el("p", "hint", "Not known yet: it is a question of this exercise."));
      if (live) showLiveEdit();
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
    if (live) showLiveEdit();
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

  // The views, with pan and zoom ----------------------------------------------------------------------------

  var viewElements = Array.prototype.slice.call(document.querySelectorAll(".view[data-view]"));
  var zoomers = [];
  var minimaps = [];
  var current = -1;
  var viewBar = document.getElementById("views");
  var canvas = document.getElementById("canvas");

  levels.forEach(function (level, v) {
    var b = button(level.name, "Show the " + level.name + " view (" + (v + 1) + ")", function () { showView(v); });
    b.dataset.view = String(v);
    viewBar.appendChild(b);
  });

  function showView(v) {
    closeNear(false);
    closeFanList();
    if (v === current) return panZoom(v);
    viewElements.forEach(function (element, n) { element.hidden = n !== v; });
    Array.prototype.forEach.call(viewBar.children, function (b) {
      b.setAttribute("aria-pressed", String(Number(b.dataset.view) === v));
    });
    current = v;
    document.body.dataset.view = String(v);
    if (unwritten[v]) writeView(v);
    return panZoom(v);
  }

  // The view's pan and zoom, made when the view first has an area: svg-pan-zoom measures the drawing once,
  // and in a page not yet laid out (an iframe still sizing) it would measure nothing.
  function panZoom(v) {
    if (!zoomers[v]) {
      var area = viewElements[v].getBoundingClientRect();
      if (!area.width || !area.height) return null;
      var svg = viewElements[v].querySelector("svg");
      zoomers[v] = svgPanZoom(svg, {
        zoomEnabled: true, panEnabled: true, controlIconsEnabled: false, dblClickZoomEnabled: false,
        fit: true, center: true, minZoom: 0.02, maxZoom: 40, zoomScaleSensitivity: ZOOM_STEP,
        onZoom: function () { updateMinimap(v); }, onPan: function () { updateMinimap(v); },
      });
      refit(v);
    }
    return zoomers[v];
  }

  // Fit the view to its area again (a drawing much taller than wide starts at the width of the view, from
  // its top), and let it zoom in until a node's text is CLOSEST times its natural size: svg-pan-zoom counts
  // its zoom from the fit, so a fixed maxZoom leaves a big drawing's text unreadable.
  function refit(v) {
    var zoomer = zoomers[v];
    zoomer.resize();
    zoomer.fit();
    zoomer.center();
    fitWidth(zoomer);
    var sizes = zoomer.getSizes();
    zoomer.setMaxZoom(Math.max(40, CLOSEST * zoomer.getZoom() / sizes.realZoom));
    updateMinimap(v);
  }

  function fitWidth(zoomer) {
    var sizes = zoomer.getSizes();
    var wide = sizes.width / sizes.viewBox.width, tall = sizes.height / sizes.viewBox.height;
    if (tall >= wide / 2) return;
    var scale = Math.min(wide * 0.95, 1.5);
    zoomer.zoom(zoomer.getZoom() * scale / sizes.realZoom);
    zoomer.pan({ x: (sizes.width - sizes.viewBox.width * scale) / 2, y: 8 });
  }

  // Pan and zoom so that the screen rectangle `box` fills most of the view, centred, at a zoom where text
  // reads (READABLE to FRAMED times its natural size, so its neighbours show too); a box too big for that is
  // shown from its start.
  function frame(box) {
    var zoomer = panZoom(current);
    var area = viewElements[current].getBoundingClientRect();
    if (!zoomer || !box || !box.width || !box.height) return;
    var real = zoomer.getSizes().realZoom;
    var fit = Math.min(area.width / box.width, area.height / box.height) * 0.85;
    var factor = Math.max(READABLE, Math.min(real * fit, FRAMED)) / real;
    var centre = { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    // Zooming at the box's centre keeps that point where it is on the screen, so the pan needs no second
    // measurement (svg-pan-zoom redraws on the next frame, after this returns).
    zoomer.zoomAtPoint(zoomer.getZoom() * factor, { x: centre.x - area.left, y: centre.y - area.top });
    var width = box.width * factor, height = box.height * factor;
    var dx = area.left + area.width / 2 - centre.x, dy = area.top + area.height / 2 - centre.y;
    if (width > area.width * 0.95) dx = area.left + 16 - (centre.x - width / 2);
    if (height > area.height * 0.95) dy = area.top + 16 - (centre.y - height / 2);
    zoomer.panBy({ x: dx, y: dy });
  }

  // Measured once the drawing shows its latest pan and zoom: svg-pan-zoom applies them on the next frame.
  function frameElements(elements) {
    elements = elements.filter(Boolean);
    if (!elements.length) return;
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        frame(union(elements.map(function (element) { return element.getBoundingClientRect(); })));
      });
    });
  }

  // A step's node and inputs framed when any of them is off the screen (the view follows the chain rule).
  function keepInView(elements) {
    elements = elements.filter(Boolean);
    if (!elements.length || nearShown !== null) return;
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        var box = union(elements.map(function (element) { return element.getBoundingClientRect(); }));
        var area = viewElements[current].getBoundingClientRect();
        if (box.left < area.left || box.top < area.top || box.left + box.width > area.right ||
            box.top + box.height > area.bottom) frame(box);
      });
    });
  }

  // The first view of a page that opens before backward: where the whole drawing's text would be smaller than
  // LEAST_TEXT (a graph much wider than the screen), the root and its inputs, where the chain rule starts, at a
  // zoom where text reads; the minimap shows where they are, and "0" shows the whole drawing.
  var opening = true;  // until "0" asks for the whole drawing, a resize frames the opening view again

  function openReadable() {
    var zoomer = zoomers[current];
    if (data.start === "end" || current !== scalarView || !zoomer) return;
    if (zoomer.getSizes().realZoom * NODE_FONT >= LEAST_TEXT) return;
    var rootElement = nodeElement(root);
    var inputs = edges.filter(function (e) { return e.to === root; }).map(function (e) { return nodeElement(e.from); })
      .filter(Boolean);
    if (!rootElement) return;
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        var area = viewElements[current].getBoundingClientRect();
        var r = rootElement.getBoundingClientRect();
        var box = union([r].concat(inputs.map(function (element) { return element.getBoundingClientRect(); })));
        var factor = READABLE / zoomer.getSizes().realZoom;
        var centre = { x: box.left + box.width / 2, y: box.top + box.height / 2 };
        zoomer.zoomAtPoint(zoomer.getZoom() * factor, { x: centre.x - area.left, y: centre.y - area.top });
        // Where the root lands once zoomed about the centre: at the side of the view it points to (the right of
        // a left-to-right drawing, the bottom of a top-to-bottom one), so that the graph it reads shows.
        var rx = centre.x + (r.left + r.width / 2 - centre.x) * factor;
        var ry = centre.y + (r.top + r.height / 2 - centre.y) * factor;
        var halfW = r.width * factor / 2, halfH = r.height * factor / 2;
        var dx = area.left + area.width / 2 - centre.x, dy = area.top + area.height / 2 - centre.y;  // centred
        if (Math.abs(rx - centre.x) >= Math.abs(ry - centre.y)) {
          dx = rx >= centre.x ? area.right - 24 - (rx + halfW) : area.left + 24 - (rx - halfW);
        } else {
          dy = ry >= centre.y ? area.bottom - 24 - (ry + halfH) : area.top + 24 - (ry - halfH);
        }
        zoomer.panBy({ x: dx, y: dy });
      });
    });
  }

  function union(rects) {
    var left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    rects.forEach(function (r) {
      left = Math.min(left, r.left); top = Math.min(top, r.top);
      right = Math.max(right, r.right); bottom = Math.max(bottom, r.bottom);
    });
    return { left: left, top: top, width: right - left, height: bottom - top };
  }

  function byId(id) { return document.getElementById(id); }

  // Node i's element in view v (the scalar view by default): a fanned leaf is drawn as its fan.
  function nodeElement(i, v) {
    if (v === undefined) v = scalarView;
    if (v === scalarView && fanOf[i] >= 0) return byId("v" + v + "-f" + fanOf[i]);
    return byId("v" + v + "-n" + i);
  }

  function edgeElement(k) {
    var edge = edges[k];
    if (fanOf[edge.from] >= 0) return byId("v" + scalarView + "-f" + fanOf[edge.from] + "-" + edge.to);
    return byId("v" + scalarView + "-e" + k);
  }

  // Going one level down from a box: the next view's boxes and nodes that hold its members, framed.
  function openBox(v, b) {
    var members = new Set(levels[v].boxes[b].members);
    var next = v + 1;
    showView(next);
    var targets = [];
    (levels[next].boxes || []).forEach(function (box, n) {
      if (box.members.some(function (m) { return members.has(m); })) targets.push(byId("v" + next + "-b" + n));
    });
    members.forEach(function (m) { targets.push(nodeElement(m, next)); });
    frameElements(targets);
  }

  // The minimap: the whole drawing small in a corner (the drawing itself, reused), with the part on the screen
  // outlined; a press or drag on it moves the view there. Shown while part of the drawing is off the screen.
  function updateMinimap(v) {
    var zoomer = zoomers[v];
    if (!zoomer) return;
    var sizes = zoomer.getSizes(), pan = zoomer.getPan(), drawing = sizes.viewBox;  // the drawing's own box
    var lens = { x: -pan.x / sizes.realZoom, y: -pan.y / sizes.realZoom, width: sizes.width / sizes.realZoom,
      height: sizes.height / sizes.realZoom };
    var slack = 2 / sizes.realZoom;
    var whole = lens.x <= drawing.x + slack && lens.y <= drawing.y + slack &&
      lens.x + lens.width >= drawing.x + drawing.width - slack && lens.y + lens.height >= drawing.y + drawing.height - slack;
    if (!minimaps[v] && !whole) minimaps[v] = makeMinimap(v);
    var map = minimaps[v];
    if (!map) return;
    map.element.hidden = whole || minimapOff;
    placeMinimap(map.element);
    map.lens.setAttribute("x", String(lens.x));
    map.lens.setAttribute("y", String(lens.y));
    map.lens.setAttribute("width", String(lens.width));
    map.lens.setAttribute("height", String(lens.height));
  }

  // The minimap sits in the corner of the view that keeps clear of the selected node: bottom right first, then
  // bottom left, top right, top left. The "m" key hides it, or shows it again.
  var minimapOff = false;
  var CORNERS = ["", "left", "top", "top left"];

  var placing = false;

  // Measured once the drawing shows its latest pan and zoom, which svg-pan-zoom applies on the next frame.
  function placeMinimap(element) {
    if (placing) return;
    placing = true;
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        placing = false;
        placeNow(element);
      });
    });
  }

  function placeNow(element) {
    if (element.hidden) return;
    var selected = selectionOnScreen();
    var target = selected ? selected.getBoundingClientRect() : null;
    for (var c = 0; c < CORNERS.length; c++) {
      element.className = ("minimap " + CORNERS[c]).trim();
      if (!target || !overlaps(element.getBoundingClientRect(), target)) return;
    }
    element.className = "minimap";
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function toggleMinimap() {
    minimapOff = !minimapOff;
    updateMinimap(current);
  }

  // The selected node's (or fan's) element in the current view, where it is drawn.
  function selectionOnScreen() {
    if (current === scalarView) return selectedElement;
    return panel.dataset.node !== undefined ? nodeElement(Number(panel.dataset.node), current) : null;
  }

  // "+" and "−" zoom about the selected node, which stays where it is on the screen; about the centre of the
  // view when nothing is selected.
  function zoomBy(zoomer, factor) {
    var selected = selectionOnScreen();
    if (!selected) {
      if (factor > 1) zoomer.zoomIn(); else zoomer.zoomOut();
      return;
    }
    var box = selected.getBoundingClientRect(), area = viewElements[current].getBoundingClientRect();
    zoomer.zoomAtPointBy(factor, { x: box.left + box.width / 2 - area.left, y: box.top + box.height / 2 - area.top });
  }

  function makeMinimap(v) {
    var ns = "http://www.w3.org/2000/svg";
    var drawing = zoomers[v].getSizes().viewBox;
    var element = el("div", "minimap");
    element.setAttribute("aria-label", "Minimap: press or drag to move the view");
    var scale = Math.min(170 / drawing.width, 200 / drawing.height);
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", [drawing.x, drawing.y, drawing.width, drawing.height].join(" "));
    svg.setAttribute("width", String(Math.max(24, drawing.width * scale)));
    svg.setAttribute("height", String(Math.max(24, drawing.height * scale)));
    svg.setAttribute("preserveAspectRatio", "none");
    // A copy of the drawing's shapes, made once. A <use> of the drawing was laid out and styled again whenever
    // anything in the drawing changed (a number, a lit path): 150-230 ms a frame on the digits page, against
    // 12-50 ms without it (measured in Chromium). Its texts are left out: too small to read, and never stale.
    var copy = byId("v" + v + "-graph").cloneNode(true);
    copy.querySelectorAll("text, title").forEach(function (e) { e.remove(); });
    copy.removeAttribute("id");
    copy.querySelectorAll("[id]").forEach(function (e) { e.removeAttribute("id"); });
    copy.querySelectorAll("[class]").forEach(function (e) { e.removeAttribute("class"); });
    svg.appendChild(copy);
    var lens = document.createElementNS(ns, "rect");
    lens.setAttribute("class", "lens");
    svg.appendChild(lens);
    element.appendChild(svg);
    viewElements[v].appendChild(element);
    var dragging = false;
    function moveTo(event) {
      var rect = svg.getBoundingClientRect();
      var x = drawing.x + (event.clientX - rect.left) / rect.width * drawing.width;
      var y = drawing.y + (event.clientY - rect.top) / rect.height * drawing.height;
      var sizes = zoomers[v].getSizes();
      zoomers[v].pan({ x: sizes.width / 2 - x * sizes.realZoom, y: sizes.height / 2 - y * sizes.realZoom });
    }
    svg.addEventListener("pointerdown", function (event) {
      dragging = true; svg.setPointerCapture(event.pointerId); moveTo(event); event.stopPropagation(); event.preventDefault();
    });
    svg.addEventListener("pointermove", function (event) { if (dragging) moveTo(event); });
    svg.addEventListener("pointerup", function () { dragging = false; });
    element.addEventListener("click", function (event) { event.stopPropagation(); });
    element.addEventListener("mousedown", function (event) { event.stopPropagation(); });
    return { element: element, lens: lens, svg: svg };
  }

  // Selection and hover ---------------------------------------------------------------------------------------

  var selected = null;
  var selectedElement = null;

  function select(i, centre) {
    if (selectedElement) selectedElement.classList.remove("selected");
    selected = i;
    if (nearShown !== null) {
      openNear(i, nearDepth);
      showNode(i);
      return;
    }
    if (current !== scalarView) showView(scalarView);
    selectedElement = nodeElement(i);
    if (selectedElement) selectedElement.classList.add("selected");
    showNode(i);
    if (minimaps[current]) placeMinimap(minimaps[current].element);
    if (centre && selectedElement) {
      light(i);
      frameElements([selectedElement]);
    }
  }

  var lit = [];

  function mark(element, className) {
    if (element) { element.classList.add(className); lit.push([element, className]); }
  }

  // Light every path from node i to the root, and its uses (the edges out of it and the nodes they reach):
  // for a weight shared over time, its use at every step.
  function light(i) {
    unlight();
    var reach = towardsRoot(i);
    reach.nodes.forEach(function (n) { mark(nodeElement(n), "on-path"); });
    reach.edges.forEach(function (k) { mark(edgeElement(k), "on-path"); });
    outEdges[i].forEach(function (k) { mark(edgeElement(k), "use"); mark(nodeElement(edges[k].to), "use"); });
  }

  // In a coarse view: the lines out of a box or node, and the boxes they reach.
  function lightLinks(v, key) {
    unlight();
    (levels[v].links || []).forEach(function (link, n) {
      if (link[0] !== key) return;
      mark(byId("v" + v + "-l" + n), "use");
      mark(byId("v" + v + "-" + link[1]), "use");
    });
  }

  function unlight() {
    lit.forEach(function (pair) { pair[0].classList.remove(pair[1]); });
    lit = [];
  }

  function activate(v, target) {
    var match = /^v(\d+)-([nbf])(\d+)$/.exec(target.id);
    if (!match) return;
    var index = Number(match[3]);
    if (match[2] === "n") {
      select(index, false);
    } else if (match[2] === "f") {
      select(fans[index].members[0], false);
      showFan(index);
      openFanList(index);
    } else {
      showBox(v, levels[v].boxes[index]);
      openBox(v, index);
    }
  }

  viewElements.forEach(function (viewElement, v) {
    viewElement.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("g.node") : null;
      if (target) activate(v, target);
    });
    viewElement.addEventListener("mouseover", function (event) {
      var target = event.target.closest ? event.target.closest("g.node") : null;
      if (!target) return;
      var match = /^v\d+-([nbf])(\d+)$/.exec(target.id);
      if (!match) return;
      if (v === scalarView) light(match[1] === "f" ? fans[Number(match[2])].members[0] : Number(match[2]));
      else lightLinks(v, match[1] + match[2]);
    });
    viewElement.addEventListener("mouseout", function (event) {
      var target = event.target.closest ? event.target.closest("g.node") : null;
      if (target && !(event.relatedTarget && target.contains(event.relatedTarget))) unlight();
    });
  });

  // A fan opened in place: a list of its leaves beside it, each with its data and gradient.
  var fanList = byId("fan-list");

  function openFanList(f) {
    var fan = fans[f];
    while (fanList.firstChild) fanList.removeChild(fanList.firstChild);
    fanList.appendChild(el("div", "fan-title", fan.name + " ×" + fan.count + ": name, data, grad"));
    var list = el("ul");
    fan.members.forEach(function (m) {
      var item = el("li");
      item.dataset.node = String(m);
      item.tabIndex = 0;
      item.appendChild(el("span", "fan-name", nodes[m].name));
      item.appendChild(el("span", null, fmt(nodes[m].data)));
      item.appendChild(el("span", null, gradShown(m)));
      item.addEventListener("click", function (event) { event.stopPropagation(); closeFanList(); select(m, false); });
      item.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.stopPropagation(); closeFanList(); select(m, false); }
      });
      list.appendChild(item);
    });
    fanList.appendChild(list);
    var element = byId("v" + scalarView + "-f" + f);
    var area = canvas.getBoundingClientRect();
    var rect = element.getBoundingClientRect();
    fanList.hidden = false;
    fanList.dataset.fan = String(f);
    var left = Math.min(rect.right - area.left + 6, area.width - fanList.offsetWidth - 6);
    fanList.style.left = Math.max(6, left) + "px";
    fanList.style.top = Math.max(6, Math.min(rect.top - area.top, area.height - fanList.offsetHeight - 6)) + "px";
  }

  function closeFanList() { fanList.hidden = true; delete fanList.dataset.fan; }

  // A node's neighbourhood: the node, its inputs and its users, one or two steps out, as laid out when the page
  // was made (levels[scalar].near); its nodes are clickable, which walks on to theirs.
  var near = byId("near");
  var nearShown = null;
  var nearDepth = 1;
  var nearUnits = levels[scalarView].near || [];
  var NEAR_W = 168, NEAR_H = 50, NEAR_X = 230, NEAR_Y = 64;

  function unitOf(i) { return fanOf[i] >= 0 ? -1 - fanOf[i] : i; }

  function openNear(i, depth) {
    var u = unitOf(i);
    var layouts = nearUnits[u < 0 ? nodes.length - 1 - u : u];
    if (!layouts || !layouts.length) return;
    nearShown = i;
    nearDepth = depth;
    closeFanList();
    var layout = layouts[depth - 1];
    var ns = "http://www.w3.org/2000/svg";
    var svg = near.querySelector("svg");
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var heights = {}, first = 0, last = 0;
    layout.forEach(function (p) {
      heights[p[1]] = Math.max(heights[p[1]] || 0, p[2] + 1);
      first = Math.min(first, p[1]);
      last = Math.max(last, p[1]);
    });
    var tallest = Math.max.apply(null, Object.keys(heights).map(function (c) { return heights[c]; }));
    var spots = {};
    layout.forEach(function (p) {
      var x = (p[1] - first) * NEAR_X + 20;
      var y = ((tallest - heights[p[1]]) / 2 + p[2]) * NEAR_Y + 20;
      spots[p[0]] = { x: x, y: y };
    });
    var links = document.createElementNS(ns, "g");
    var seen = {};
    edges.forEach(function (edge, k) {
      var from = unitOf(edge.from), to = edge.to;
      var a = spots[from], b = spots[to];
      if (!a || !b || a.x >= b.x) return;
      var key = from + ">" + to;
      seen[key] = (seen[key] || 0) + 1;
      if (seen[key] > 1) return;
      var path = document.createElementNS(ns, "path");
      var x1 = a.x + NEAR_W, y1 = a.y + NEAR_H / 2, x2 = b.x, y2 = b.y + NEAR_H / 2;
      path.setAttribute("d", "M" + x1 + "," + y1 + " C" + (x1 + 40) + "," + y1 + " " + (x2 - 40) + "," + y2 + " " + x2 + "," + y2);
      path.setAttribute("class", "near-edge");
      path.dataset.edge = String(k);
      links.appendChild(path);
      if (from >= 0) {
        var label = document.createElementNS(ns, "text");
        label.setAttribute("x", String(x2 - 6));
        label.setAttribute("y", String(y2 - 4));
        label.setAttribute("text-anchor", "end");
        label.setAttribute("class", "near-partial");
        label.textContent = "∂=" + fmt(edge.partial, data.precision);
        links.appendChild(label);
      }
    });
    svg.appendChild(links);
    layout.forEach(function (p) {
      var g = document.createElementNS(ns, "g");
      var spot = spots[p[0]];
      var fan = p[0] < 0 ? fans[-1 - p[0]] : null;
      var member = fan ? fan.members[0] : p[0];
      g.setAttribute("class", "near-node" + (p[0] === unitOf(i) ? " centre" : "") + (fan ? " fan" : ""));
      g.setAttribute("id", fan ? "near-f" + (-1 - p[0]) : "near-n" + p[0]);
      g.setAttribute("tabindex", "0");
      g.setAttribute("transform", "translate(" + spot.x + "," + spot.y + ")");
      var box = document.createElementNS(ns, "rect");
      box.setAttribute("width", String(NEAR_W));
      box.setAttribute("height", String(NEAR_H));
      box.setAttribute("rx", "5");
      g.appendChild(box);
      var lines = fan ? [fan.name + " ×" + fan.count, "max |grad| " + fmt(fan.maxGrad, data.precision)] :
        [sayOf(p[0]), "data " + fmt(nodes[p[0]].data, data.precision) + "   grad " + (shownGrads[p[0]] === null ? "·" :
          fmt(shownGrads[p[0]], data.precision))];
      lines.forEach(function (line, n) {
        var t = document.createElementNS(ns, "text");
        t.setAttribute("x", "8");
        t.setAttribute("y", String(20 + n * 17));
        if (n === 0) t.setAttribute("class", "near-name");
        t.textContent = line.length > 26 ? line.slice(0, 12) + "…" + line.slice(-12) : line;
        g.appendChild(t);
      });
      var title = document.createElementNS(ns, "title");
      title.textContent = fan ? fan.name : nodes[p[0]].name;
      g.appendChild(title);
      function go() { if (fan) { select(member, false); showFan(-1 - p[0]); } else select(p[0], false); }
      g.addEventListener("click", go);
      g.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.stopPropagation(); go(); } });
      svg.appendChild(g);
    });
    svg.setAttribute("width", String((last - first) * NEAR_X + NEAR_W + 40));
    svg.setAttribute("height", String(tallest * NEAR_Y + 40));
    near.hidden = false;
    near.dataset.node = String(i);
    byId("near-title").textContent = "Neighbourhood of " + sayOf(i) + ", " + depth + " step" + (depth > 1 ? "s" : "") + " out";
    byId("near-depth").textContent = depth === 1 ? "two steps out" : "one step out";
    var scroller = byId("near-drawing"), centre = spots[unitOf(i)];  // the node in the middle of the screen
    scroller.scrollTop = Math.max(0, centre.y - scroller.clientHeight / 2 + NEAR_H / 2);
    scroller.scrollLeft = Math.max(0, centre.x - scroller.clientWidth / 2 + NEAR_W / 2);
  }

  // Back to the view the neighbourhood was opened from, with the selected node framed there (unless
  // `restore` is false: another view is being shown).
  function closeNear(restore) {
    if (nearShown === null) return;
    nearShown = null;
    near.hidden = true;
    if (restore !== false && selected !== null) {
      var keep = selected;
      selected = null;
      select(keep, true);
    }
  }

  byId("near-close").addEventListener("click", function () { closeNear(); });
  byId("near-depth").addEventListener("click", function () { openNear(nearShown, nearDepth === 1 ? 2 : 1); });

  // Stepping through backward ---------------------------------------------------------------------------------

  var slider = byId("step");
  var stepLabel = byId("step-label");
  slider.max = String(steps.length);
  // each edge's partial × upstream = contribution, laid out by dot as the last line of its label, is shown
  // at its step only
  if (levels[scalarView].stepLabels) {
    edges.forEach(function (edge, k) {
      var element = byId("v" + scalarView + "-e" + k);
      var texts = element ? element.querySelectorAll("text") : [];
      if (texts.length >= 2) texts[1].classList.add("contribution");
      if (texts.length >= 3) texts[2].classList.add("forward");
    });
  }

  // The scalar view's gradients as the steps run so far have left them ("·" where not reached yet).
  // A text set to what it already holds is laid out again all the same: on the digits page (2,561 nodes) this
  // made a step take 115-180 ms, against 6-14 ms when only changed texts are set (measured in Chromium).
  function writeGrads() { writeLabels(scalarView, "n"); }

  function goTo(k, withPanel, quiet) {
    at = Math.max(0, Math.min(steps.length, k));
    slider.value = String(at);
    shownGrads = gradsAt(at);
    nodes.forEach(function (node, i) {
      var element = byId("v" + scalarView + "-n" + i);
      if (!element) return;
      var reached = shownGrads[i] !== null;
      element.classList.toggle("unreached", !reached);
      element.classList.remove("stepping");
    });
    if (current === scalarView) writeGrads();
    else unwritten[scalarView] = true;
    document.querySelectorAll(".stepping").forEach(function (e) { e.classList.remove("stepping"); });
    document.querySelectorAll("g.edge.active").forEach(function (e) { e.classList.remove("active"); });
    stepLabel.textContent = at === 0 ? "before backward" : "step " + at + " of " + steps.length;
    if (at === 0) {
      if (withPanel) {
        clearPanel();
        panel.appendChild(el("h2", null, "Before backward"));
        panel.appendChild(el("p", "hint", "Only " + rootName + " has a gradient: ∂" + rootName + "/∂" +
          rootName + " = " + fmt(shownGrads[root]) + ". Step forward to run the chain rule, one node at a time."));
      }
      return;
    }
    if (quiet) return;  // the page as it opens: every gradient, no step singled out
    var record = steps[at - 1];
    var nodeEl = nodeElement(record.node);
    if (nodeEl) nodeEl.classList.add("stepping");
    record.edges.forEach(function (e) {
      var element = edgeElement(e[0]);
      if (element) element.classList.add("active");
    });
    if (withPanel) {
      keepInView([nodeEl].concat(record.edges.map(function (e) { return nodeElement(edges[e[0]].from); })));
      clearPanel();
      panel.dataset.step = String(at);
      panel.appendChild(el("h2", null, "Step " + at + " of " + steps.length + ": " + sayOf(record.node)));
      panel.appendChild(el("div", "step-text", stepText(at - 1)));
      stepLines(at - 1).forEach(function (line) { panel.appendChild(el("div", "step-line", line)); });
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
  function position() { return sweeping === "forward" ? atForward : at; }
  function lastStep() { return sweeping === "forward" ? forward.steps.length : steps.length; }
  function moveTo(k) { if (sweeping === "forward") goForward(k, true); else goTo(k, true); }

  function play() {
    if (timer !== null) { pause(); return; }
    if (current !== scalarView) showView(scalarView);
    if (position() >= lastStep()) moveTo(0);
    playButton.textContent = "❚❚ pause";
    timer = setInterval(function () {
      if (position() >= lastStep()) { pause(); return; }
      moveTo(position() + 1);
    }, 700);
  }

  function step(delta) {
    pause();
    if (current !== scalarView) showView(scalarView);
    moveTo(position() + delta);
  }

  byId("previous").addEventListener("click", function () { step(-1); });
  byId("next").addEventListener("click", function () { step(1); });
  playButton.addEventListener("click", play);
  slider.addEventListener("input", function () {
    pause(); if (current !== scalarView) showView(scalarView); moveTo(Number(slider.value));
  });

  // Search ----------------------------------------------------------------------------------------------------

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
    partial.sort(function (a, b) { return nodes[a].name < nodes[b].name ? -1 : nodes[a].name > nodes[b].name ? 1 : 0; });
    return exact.concat(partial).slice(0, 50);
  }

  function choose(i) {
    results.hidden = true;
    search.value = nodes[i].name;
    search.blur();  // so that the keys step and zoom again
    closeNear(false);
    select(i, true);
  }

  // The drawings take the mouse (svg-pan-zoom keeps the focus where it was): a press on them leaves the search
  // box, so that the keys act on the drawing.
  canvas.addEventListener("mousedown", function () { search.blur(); });

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

  // Keys ------------------------------------------------------------------------------------------------------

  // Every action has a key; the list is what `?` shows.
  var KEYS = [
    ["?", "show or hide this list of keys"],
    ["Tab, shift+Tab", "move between the nodes of the drawing (and the page's buttons)"],
    ["Enter", "on a node: select it; on a box: open it; on a fan: list its leaves"],
    ["← →", "previous and next backward step"],
    ["Home End", "before backward, and every step run"],
    ["space", "play or pause the backward pass"],
    ["+ −", "zoom in and out about the selected node (until the text is 4× its natural size)"],
    ["shift+arrows", "pan"],
    ["0", "fit the drawing to the view"],
    ["m", "hide or show the minimap"],
    ["1 … 9", "the views, coarsest first"],
    ["/", "find a node by name"],
    ["h", "light the selected node's paths to the root and its uses"],
    ["n", "the selected node's neighbourhood (press again for two steps out)"],
    ["Escape", "close the neighbourhood, a fan's list or this list"],
  ];
  var help = byId("help");
  var helpList = byId("help-keys");
  KEYS.forEach(function (pair) {
    var tr = el("tr");
    var key = el("th");
    key.appendChild(el("kbd", null, pair[0]));
    tr.appendChild(key);
    tr.appendChild(el("td", null, pair[1]));
    helpList.appendChild(tr);
  });
  function toggleHelp(show) {
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) byId("help-close").focus();
  }
  byId("help-close").addEventListener("click", function () { toggleHelp(false); });
  byId("help-open").addEventListener("click", function () { toggleHelp(true); });

  document.addEventListener("keydown", function (event) {
    if (event.target.tagName === "INPUT" || event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key;
    if (key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (key === "Escape") {
      if (!help.hidden) toggleHelp(false);
      else if (!fanList.hidden) closeFanList();
      else if (nearShown !== null) closeNear();
      else return;
      event.preventDefault();
      return;
    }
    if (!help.hidden) return;
    var focused = event.target && event.target.closest ? event.target.closest("g.node") : null;
    if (key === "Enter" && focused) { activate(current, focused); event.preventDefault(); return; }
    var zoomer = nearShown === null ? panZoom(current) : null;
    var needsZoomer = key === "+" || key === "=" || key === "-" || key === "_" || key === "0" ||
      (event.shiftKey && key.indexOf("Arrow") === 0);
    if (needsZoomer && !zoomer) return;
    if (event.shiftKey && key.indexOf("Arrow") === 0) {
      var d = 60;
      var moves = { ArrowLeft: [d, 0], ArrowRight: [-d, 0], ArrowUp: [0, d], ArrowDown: [0, -d] };
      zoomer.panBy({ x: moves[key][0], y: moves[key][1] });
    } else if (key === "ArrowLeft") {
      step(-1);
    } else if (key === "ArrowRight") {
      step(1);
    } else if (key === "Home") {
      step(-lastStep());
    } else if (key === "End") {
      step(lastStep());
    } else if (key === "+" || key === "=") {
      zoomBy(zoomer, 1 + ZOOM_STEP);
    } else if (key === "-" || key === "_") {
      zoomBy(zoomer, 1 / (1 + ZOOM_STEP));
    } else if (key === "m" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      toggleMinimap();
    } else if (key === "0") {
      opening = false;  // the whole drawing, from now on
      refit(current);
    } else if (/^[1-9]$/.test(key) && Number(key) <= levels.length) {
      showView(Number(key) - 1);
    } else if (key === " ") {
      play();
    } else if (key === "/") {
      search.focus();
    } else if (key === "h" && selected !== null) {
      light(selected);
    } else if (key === "n" && selected !== null) {
      if (nearShown === null) openNear(selected, 1);
      else openNear(nearShown, nearDepth === 1 ? 2 : 1);
    } else {
      return;
    }
    event.preventDefault();
  });

  // Nodes are reached with Tab: a focused node off the screen is brought into view.
  viewElements.forEach(function (viewElement) {
    viewElement.querySelectorAll("g.node").forEach(function (g) { g.setAttribute("tabindex", "0"); });
    viewElement.addEventListener("focusin", function (event) {
      var target = event.target.closest ? event.target.closest("g.node") : null;
      if (!target) return;
      var area = viewElement.getBoundingClientRect(), rect = target.getBoundingClientRect();
      if (rect.left < area.left || rect.right > area.right || rect.top < area.top || rect.bottom > area.bottom) {
        frame(rect);
      }
    });
  });

  // A page in an iframe or a notebook's output may be laid out after its script runs, or resized later: the
  // drawing is fitted again to its new area.
  var pending = false;
  new ResizeObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      var made = Boolean(zoomers[current]);
      panZoom(current);
      if (made) refit(current);
      if (opening) openReadable();
    });
  }).observe(canvas);

  // Forward mode ----------------------------------------------------------------------------------------------
  // With explore(tangents=...), the page also holds the forward sweep along the tangents, from the same partials:
  // each op node's tangent ṫ = Σ ∂node/∂input × ṫ(input), in the graph's order. The slider sweeps either way.

  var forward = data.forward || null;
  var sweeping = "backward";
  var atForward = forward ? forward.steps.length : 0;
  var forwardOf = new Array(nodes.length).fill(-1);
  if (forward) forward.steps.forEach(function (record, k) { forwardOf[record.node] = k; });
  var seedNames = forward ? Object.keys(forward.seeds) : [];
  var along = seedNames.map(function (name) { return name + " = " + fmt(forward.seeds[name]); }).join(", ");

  // A node's tangent after the first k forward steps; null while its step has not run.
  function tangentAt(i, k) {
    return forwardOf[i] >= 0 && forwardOf[i] >= k ? null : num(forward.tangent[i]);
  }

  function goForward(k, withPanel) {
    atForward = Math.max(0, Math.min(forward.steps.length, k));
    slider.value = String(atForward);
    document.querySelectorAll(".stepping").forEach(function (e) { e.classList.remove("stepping"); });
    document.querySelectorAll("g.edge.active, g.edge.forward-active").forEach(function (e) {
      e.classList.remove("active");
      e.classList.remove("forward-active");
    });
    stepLabel.textContent = atForward === 0 ? "before the forward sweep" :
      "forward step " + atForward + " of " + forward.steps.length;
    if (atForward > 0) {
      var record = forward.steps[atForward - 1];
      var nodeEl = nodeElement(record.node);
      if (nodeEl) nodeEl.classList.add("stepping");
      record.terms.forEach(function (term) {
        var element = edgeElement(term[0]);
        if (element) element.classList.add("forward-active");
      });
    }
    if (!withPanel) return;
    clearPanel();
    if (atForward === 0) {
      panel.appendChild(el("h2", null, "Before the forward sweep"));
      panel.appendChild(el("p", "hint", "Only the seeds have tangents: " + along + ". Step forward: each node's " +
        "tangent is the sum of its partials × its inputs' tangents."));
      return;
    }
    var shown = forward.steps[atForward - 1];
    panel.dataset.forward = String(atForward);
    panel.appendChild(el("h2", null, "Forward step " + atForward + " of " + forward.steps.length + ": " +
      sayOf(shown.node)));
    panel.appendChild(el("div", "step-text", shown.text));
  }

  var sweepButton = byId("sweep");

  function setSweep(name) {
    if (!forward || (name !== "forward" && name !== "backward")) return;
    pause();
    sweeping = name;
    slider.max = String(lastStep());
    sweepButton.textContent = name === "forward" ? "sweep: forward ↑" : "sweep: backward ↓";
    sweepButton.setAttribute("aria-pressed", String(name === "forward"));
    document.body.dataset.sweep = name;
    if (current !== scalarView) showView(scalarView);
    if (name === "forward") {
      goTo(steps.length, false, true);  // every gradient shown, as the backward sweep leaves them
      goForward(forward.steps.length, true);
    } else {
      document.querySelectorAll("g.edge.forward-active").forEach(function (e) { e.classList.remove("forward-active"); });
      goTo(steps.length, true);
    }
  }

  if (forward) {
    sweepButton.hidden = false;
    sweepButton.addEventListener("click", function () { setSweep(sweeping === "forward" ? "backward" : "forward"); });
    var cost = byId("cost");
    cost.hidden = false;
    cost.textContent = "the whole gradient: " + forward.passes + " forward passes (one per " + forward.wrt +
      ") or 1 backward pass";
  }

  // New numbers for the same graph -------------------------------------------------------------------------------
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
  var unwritten = levels.map(function (level) { return !level.written; });
  var fills = null;  // with color_by_grad: the colours of the numbers last set

  // The numbers the labels show (autograd.explore.page_numbers' shape; null where an exercise hides one).
  var shownNumbers = doc.numbers;
  if (doc.numbers.fill) {
    fills = { nodes: doc.numbers.fill, levels: doc.numbers.levels.map(function (v) { return v.fills; }) };
  }

  function setNumbers(numbers) {
    shownNumbers = numbers;
    nodes.forEach(function (node, i) { node.data = numbers.data[i]; node.grad = numbers.grad[i]; });
    edges.forEach(function (edge, k) { edge.partial = numbers.partial[k]; });
    steps.forEach(function (record, s) {
      record.upstream = numbers.steps[s][0];
      record.edges.forEach(function (e, j) { e[1] = numbers.steps[s][1][j]; });
    });
    levels.forEach(function (level, v) {
      var view = numbers.levels[v];
      (level.boxes || []).forEach(function (box, b) { box.maxGrad = view.boxes[b]; });
      (level.fans || []).forEach(function (fan, f) { fan.maxGrad = view.fans[f][0]; fan.sum = view.fans[f][1]; });
    });
    fills = numbers.fill ? { nodes: numbers.fill, levels: numbers.levels.map(function (v) { return v.fills; }) } : null;
    unwritten = levels.map(function () { return true; });
    goTo(at, panel.dataset.step !== undefined, at === steps.length);
    writeView(current);
    if (nearShown !== null) openNear(nearShown, nearDepth);
    if (fanList.dataset.fan !== undefined) openFanList(Number(fanList.dataset.fan));
    if (panel.dataset.node !== undefined) showNode(Number(panel.dataset.node));
    else if (panel.dataset.fan !== undefined) showFan(Number(panel.dataset.fan));
  }

  // The number slot `name` of element kind/k in view v shows: the scalar view's gradients as the steps run so
  // far have left them (labels.UNREACHED where not reached yet), every other number as the page's numbers hold it.
  function slot(v, kind, k, name) {
    if (v === scalarView && kind === "n" && name === "grad") {
      return shownGrads[k] === null ? chainruleLabels.UNREACHED : shownGrads[k];
    }
    return chainruleLabels.slotValue(shownNumbers, edges, v, kind, k, name);
  }

  // The labels of kind `kind` in view v, filled by their template (labels.js), and their colours.
  function writeLabels(v, kind) {
    if (drawnTexts === null) collectTexts();
    var template = levels[v].labels[kind], found = drawnTexts[v][kind], p = data.precision;
    if (!template || !found) return;
    found.forEach(function (texts, k) {
      if (!texts) return;
      var lines = chainruleLabels.fill(template, function (name) { return slot(v, kind, k, name); }, p, UNKNOWN);
      lines.forEach(function (line, j) { setLine(texts, template.first + j, line); });
    });
  }

  // View v's texts and colours from the page's numbers.
  function writeView(v) {
    if (!unwritten[v]) return;
    unwritten[v] = false;
    Object.keys(levels[v].labels).forEach(function (kind) { writeLabels(v, kind); });
    if (!fills) return;
    var levelFills = fills.levels[v];
    (levels[v].boxes || []).forEach(function (box, b) { setFill("v" + v + "-b" + b, levelFills[b]); });
    (levels[v].fans || []).forEach(function (fan, f) { setFill("v" + v + "-f" + f, levelFills[f]); });
    nodes.forEach(function (node, i) { setFill("v" + v + "-n" + i, fills.nodes[i]); });
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
    title.textContent = "from " + fmt(values[0]) + " to " + fmt(values[values.length - 1]) + " (lowest " + fmt(low) + ")";
    svg.appendChild(title);
  }

  // Live: the page in a notebook widget. The kernel holds the graph; the page asks it to change a leaf, to
  // take a step or to mark a parameter, and receives the new numbers. One request is in flight at a time:
  // a drag sends its latest value when the answer to the one before has come.
  var live = null;  // {parameters, lr, losses} once the widget says the kernel answers
  var inFlight = false, nextEdit = null;
  var liveEdit = byId("live-edit"), liveValue = byId("live-value"), liveDrag = byId("live-drag");
  var liveParameter = byId("live-parameter"), liveBar = byId("live-bar"), liveStatus = byId("live-status");
  var liveLr = byId("live-lr"), liveCurve = byId("live-curve");
  var inFrame = window.parent !== window;

  function ask(message) {
    if (!live) return;
    if (inFlight) { if (message.kind === "edit") nextEdit = message; return; }
    inFlight = true;
    liveStatus.textContent = "computing…";
    message.chainrule = 1;
    window.parent.postMessage(message, "*");
  }

  function answered() {
    inFlight = false;
    if (nextEdit) { var next = nextEdit; nextEdit = null; ask(next); }
  }

  function showLiveEdit() {
    var i = panel.dataset.node === undefined ? -1 : Number(panel.dataset.node);
    liveEdit.hidden = !live || i < 0 || nodes[i].op !== null;
    if (liveEdit.hidden) return;
    var value = num(nodes[i].data);
    liveEdit.dataset.node = String(i);
    byId("live-name").textContent = nodes[i].name;
    if (document.activeElement !== liveValue) liveValue.value = fmt(value, data.precision);  // the whole on focus
    if (document.activeElement !== liveDrag) {
      var span = Math.max(1, Math.abs(value));
      liveDrag.min = String(value - span);
      liveDrag.max = String(value + span);
      liveDrag.step = String(span / 500);
      liveDrag.value = String(value);
    }
    liveParameter.checked = live.parameters.indexOf(i) >= 0;
  }

  function edit(value) {
    var i = Number(liveEdit.dataset.node);
    if (!Number.isFinite(value)) { liveStatus.textContent = "not a number: " + liveValue.value; return; }
    ask({ kind: "edit", node: i, value: value });
  }
  liveValue.addEventListener("focus", function () {
    liveValue.value = String(num(nodes[Number(liveEdit.dataset.node)].data));
  });
  liveValue.addEventListener("blur", showLiveEdit);
  liveValue.addEventListener("change", function () { edit(Number(liveValue.value)); });
  liveDrag.addEventListener("input", function () { edit(Number(liveDrag.value)); });
  liveDrag.addEventListener("change", function () { liveDrag.blur(); showLiveEdit(); });
  liveParameter.addEventListener("change", function () {
    ask({ kind: "mark", node: Number(liveEdit.dataset.node), parameter: liveParameter.checked });
  });
  byId("live-step").addEventListener("click", function () {
    var lr = Number(liveLr.value);
    if (!(lr > 0)) { liveStatus.textContent = "the learning rate must be a positive number, got " + liveLr.value; return; }
    ask({ kind: "step", lr: lr });
  });

  function liveState(message) {
    live = { parameters: message.parameters, lr: message.lr, losses: message.losses };
    liveBar.hidden = false;
    if (document.activeElement !== liveLr) liveLr.value = String(message.lr);
    byId("live-step").disabled = !message.parameters.length;
    byId("live-step").title = message.parameters.length ? "One gradient-descent step on the " +
      message.parameters.length + " parameters: p ← p − lr·∂" + rootName + "/∂p" :
      "Mark a leaf as a parameter (select it) to take steps";
    drawCurve(liveCurve, message.losses, message.losses.length - 1);
    byId("live-steps").textContent = (message.losses.length - 1) + " step" + (message.losses.length === 2 ? "" : "s") +
      ", " + rootName + " = " + fmt(message.losses[message.losses.length - 1]);
  }

  if (inFrame) {
    window.addEventListener("message", function (event) {
      var message = event.data;
      if (event.source !== window.parent || !message || message.chainrule !== 1) return;
      if (message.kind === "numbers") {
        setNumbers(typeof message.numbers === "string" ? JSON.parse(message.numbers) : message.numbers);
        if (message.live) liveState(message);
        liveStatus.textContent = message.live ? "" : liveStatus.textContent;
        answered();
      } else if (message.kind === "refused") {
        liveStatus.textContent = message.message;
        answered();
      }
      showLiveEdit();
    });
  }

  // The training timeline: the pass of one watched example, with the loss and metrics, at each point of
  // training nn.fit recorded; scrubbing shows the numbers recorded there.
  var timeline = data.timeline || null;
  var epochSlider = byId("epoch");

  function showEpoch(k) {
    k = Math.max(0, Math.min(timeline.numbers.length - 1, k));
    epochSlider.value = String(k);
    setNumbers(timeline.numbers[k]);
    var facts = [timeline.labels[k], "loss " + fmt(timeline.loss[k])];
    Object.keys(timeline.metrics).forEach(function (name) { facts.push(name + " " + fmt(timeline.metrics[name][k])); });
    byId("epoch-label").textContent = facts.join(", ");
    drawCurve(byId("timeline-curve"), timeline.loss, k);
    if (timeline.boundary.length) byId("boundary-image").src = timeline.boundary[k];
    shownEpoch = k;
  }
  var shownEpoch = -1;

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

  // Start -------------------------------------------------------------------------------------------------------

  byId("title").textContent = data.title;
  byId("legend").hidden = !data.colorByGrad;
  showView(0);
  goTo(at, false, true);
  openReadable();
  hint();
  if (timeline) showEpoch(timeline.numbers.length - 1);
  if (inFrame) window.parent.postMessage({ chainrule: 1, kind: "ready" }, "*");
  window.chainrule = {
    data: data, document: doc, select: select, goTo: goTo, showView: showView, fmt: fmt, openBox: openBox, openNear: openNear,
    nodeElement: nodeElement, edgeElement: edgeElement,
    stepText: stepText, current: function () { return current; }, step: function () { return at; },
    setNumbers: setNumbers, showEpoch: function (k) { if (timeline) showEpoch(k); },
    setSweep: setSweep, sweep: function () { return sweeping; }, forwardStep: function () { return atForward; },
    epoch: function () { return shownEpoch; }, live: function () { return live; },
    zoom: function () { var z = zoomers[current]; return z ? z.getSizes().realZoom : null; },
    panBy: function (dx, dy) { var z = panZoom(current); if (z) z.panBy({ x: dx, y: dy }); },
  };
  document.documentElement.dataset.chainrule = "ready";  // for tests and embedders: html[data-chainrule=ready]
  document.dispatchEvent(new Event("chainrule-ready"));
  }
})();
