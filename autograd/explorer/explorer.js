// chainrule's explorer: reads the page's document (the JSON made by autograd.explore; document.js) and makes
// the drawings clickable. Every label reaches the page as text (textContent), never as markup.
(function () {
  "use strict";

  var doc = JSON.parse(document.getElementById("chainrule-data").textContent);
  var laying = chainruleLayout.layOut(doc);  // views laid out in the page (layout="browser"), or null
  if (laying) laying.then(function () { explorer(doc); }, chainruleLayout.failed);
  else explorer(doc);

  // The page of the document `doc`: its data (numbers in place), its read-only helpers, `state`, and the parts.
  function explorer(doc) {
    var state = {};  // the page's state, one object: what is shown (each part's functions read and change it)
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
    state.at = data.start === "end" ? steps.length : 0;
    state.shownGrads = gradsAt(state.at);

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

    function byId(id) { return document.getElementById(id); }

    // The page: the document, its read-only helpers, the state, and each part's functions (drawing.js, views.js,
    // panel.js, select.js, near.js, stepping.js, forward.js, search.js, keys.js, widget.js, timeline.js, each
    // installed in turn; their scripts come before this one).
    var page = {
      state: state,
      CLOSEST: CLOSEST, FRAMED: FRAMED, INPUTS_LISTED: INPUTS_LISTED, LEAST_TEXT: LEAST_TEXT, NODE_FONT: NODE_FONT,
      READABLE: READABLE, UNKNOWN: UNKNOWN, ZOOM_STEP: ZOOM_STEP, button: button, byId: byId,
      contribution: contribution, data: data, doc: doc, edges: edges, el: el, fanOf: fanOf, fans: fans,
      firstPaths: firstPaths, fmt: fmt, gradsAt: gradsAt, inEdges: inEdges, levels: levels, nodes: nodes, num: num,
      operandOf: operandOf, outEdges: outEdges, pathCount: pathCount, root: root, rootName: rootName, row: row,
      sayOf: sayOf, scalarView: scalarView, stepLines: stepLines, stepOf: stepOf, stepText: stepText, steps: steps,
      text: text, thousands: thousands, towardsRoot: towardsRoot
    };
    // each part, in the order its script ran (autograd.explore.SCRIPTS, the one list of them)
    Object.keys(chainruleExplorer).forEach(function (part) { Object.assign(page, chainruleExplorer[part](page)); });

    // Start -------------------------------------------------------------------------------------------------------

    byId("title").textContent = data.title;
    byId("legend").hidden = !data.colorByGrad;
    page.showView(0);
    page.goTo(state.at, false, true);
    page.openReadable();
    page.hint();
    if (page.timeline) page.showEpoch(page.timeline.numbers.length - 1);
    if (page.inFrame) window.parent.postMessage({ chainrule: 1, kind: "ready" }, "*");
    window.chainrule = {
      data: data, document: doc, select: page.select, goTo: page.goTo, showView: page.showView, fmt: fmt,
      openBox: page.openBox, openNear: page.openNear, nodeElement: page.nodeElement, edgeElement: page.edgeElement,
      stepText: stepText, current: function () { return state.current; }, step: function () { return state.at; },
      setNumbers: page.setNumbers, showEpoch: function (k) { if (page.timeline) page.showEpoch(k); },
      setSweep: page.setSweep, sweep: function () { return state.sweeping; },
      forwardStep: function () { return state.atForward; },
      epoch: function () { return state.shownEpoch; }, live: function () { return state.live; },
      zoom: function () { var z = page.zoomers[state.current]; return z ? z.getSizes().realZoom : null; },
      panBy: function (dx, dy) { var z = page.panZoom(state.current); if (z) z.panBy({ x: dx, y: dy }); },
    };
    document.documentElement.dataset.chainrule = "ready";  // for tests and embedders: html[data-chainrule=ready]
    document.dispatchEvent(new Event("chainrule-ready"));
  }
})();
