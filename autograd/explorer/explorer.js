// chainrule's explorer: reads the graph's snapshot (the JSON made by autograd.explore) and makes the drawings
// clickable. Every label reaches the page as text (textContent), never as markup.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("chainrule-data").textContent);
  var nodes = data.nodes;
  var edges = data.edges;
  var steps = data.steps;
  var PANEL_DIGITS = 6;

  // Numbers -----------------------------------------------------------------------------------------------

  function num(x) {
    if (typeof x === "number") return x;
    if (x === "inf") return Infinity;
    if (x === "-inf") return -Infinity;
    return NaN;
  }

  // Python's format(x, ".{p}g"), so that the page prints numbers as the engine does.
  function fmt(value, p) {
    var x = num(value);
    if (p === undefined) p = PANEL_DIGITS;
    if (Number.isNaN(x)) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    var parts = x.toExponential(p - 1).split("e");
    var exponent = parseInt(parts[1], 10);
    if (exponent < -4 || exponent >= p) {
      var mantissa = parts[0].indexOf(".") >= 0 ? parts[0].replace(/0+$/, "").replace(/\.$/, "") : parts[0];
      var size = Math.abs(exponent);
      return mantissa + "e" + (exponent < 0 ? "-" : "+") + (size < 10 ? "0" + size : String(size));
    }
    var fixed = x.toFixed(Math.max(0, p - 1 - exponent));
    return fixed.indexOf(".") >= 0 ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
  }

  // A text that names nodes, stored as strings and node numbers (each name is stored once, in its node).
  function text(parts) {
    return parts.map(function (part) {
      return typeof part === "number" ? (nodes[part] ? nodes[part].name : "?") : part;
    }).join("");
  }

  // The graph ---------------------------------------------------------------------------------------------

  var outEdges = nodes.map(function () { return []; });
  var inEdges = nodes.map(function () { return []; });
  edges.forEach(function (edge, k) {
    outEdges[edge.from].push(k);
    inEdges[edge.to].push(k);
  });
  var root = data.root;

  // How many paths lead from each node to the root: nodes are numbered inputs first, the root last.
  var pathCount = new Array(nodes.length).fill(0);
  pathCount[root] = 1;
  for (var i = nodes.length - 1; i >= 0; i--) {
    if (i === root) continue;
    var total = 0;
    outEdges[i].forEach(function (k) { total += pathCount[edges[k].to]; });
    pathCount[i] = total;
  }

  // The first `limit` paths from node i to the root, each a list of edges from i upwards.
  function firstPaths(i, limit) {
    var found = [];
    var stack = [[i, []]];
    while (stack.length && found.length < limit) {
      var top = stack.pop();
      var at = top[0], path = top[1];
      if (at === root) { found.push(path); continue; }
      var out = outEdges[at];
      for (var j = out.length - 1; j >= 0; j--) stack.push([edges[out[j]].to, path.concat([out[j]])]);
    }
    return found;
  }

  // Every node and edge on a path from node i to the root.
  function towardsRoot(i) {
    var seenNodes = new Set([i]), seenEdges = new Set(), queue = [i];
    while (queue.length) {
      var at = queue.pop();
      outEdges[at].forEach(function (k) {
        seenEdges.add(k);
        var next = edges[k].to;
        if (!seenNodes.has(next)) { seenNodes.add(next); queue.push(next); }
      });
    }
    return { nodes: seenNodes, edges: seenEdges };
  }

  // Building the panel, as text ---------------------------------------------------------------------------

  function el(tag, className, text) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function row(table, cells, header) {
    var tr = el("tr");
    cells.forEach(function (cell) { tr.appendChild(el(header ? "th" : "td", null, cell)); });
    table.appendChild(tr);
    return tr;
  }

  var panel = document.getElementById("panel-body");

  function clearPanel() {
    while (panel.firstChild) panel.removeChild(panel.firstChild);
  }

  function hint() {
    clearPanel();
    panel.appendChild(el("h2", null, data.title));
    panel.appendChild(el("p", "hint", nodes.length + " nodes, " + edges.length + " edges, " + steps.length +
      " backward steps. Click a node for its local partials and its paths to " + nodes[root].name +
      "; hover a node to light its paths; step through backward below."));
  }

  function showNode(i) {
    var node = nodes[i];
    clearPanel();
    panel.dataset.node = String(i);
    panel.appendChild(el("h2", null, node.name));
    var facts = el("table", "facts");
    row(facts, ["op", node.op === null ? "leaf (an input or a parameter)" : node.op]);
    if (node.formula !== null) row(facts, ["rule", node.name + " = " + text(node.formula)]);
    row(facts, ["data", fmt(node.data)]);
    row(facts, ["grad", fmt(node.grad) + "  (∂" + nodes[root].name + "/∂" + node.name + ")"]);
    panel.appendChild(facts);

    if (inEdges[i].length) {
      panel.appendChild(el("h3", null, "Its inputs: local partial × upstream = contribution"));
      var table = el("table", "inputs");
      row(table, ["input", "∂" + node.name + "/∂input", "× upstream", "= contribution"], true);
      inEdges[i].forEach(function (k) {
        var edge = edges[k];
        var contribution = num(edge.partial) * num(node.grad);
        var tr = row(table, [nodes[edge.from].name, fmt(edge.partial), fmt(node.grad), fmt(contribution)]);
        tr.className = "edge-row";
        tr.dataset.edge = String(k);
        var words = el("tr", "words");
        var cell = el("td", null, text(edge.words));
        cell.colSpan = 4;
        words.appendChild(cell);
        table.appendChild(words);
      });
      panel.appendChild(table);
    }

    var count = pathCount[i];
    var rootName = nodes[root].name;
    panel.appendChild(el("h3", null, "∂" + rootName + "/∂" + node.name + " as a sum over paths"));
    var listed = firstPaths(i, data.maxPaths);
    var sum = 0;
    listed.forEach(function (path, n) {
      var product = 1;
      var factors = path.map(function (k) { product *= num(edges[k].partial); return fmt(edges[k].partial); });
      sum += product;
      var names = [node.name].concat(path.map(function (k) { return nodes[edges[k].to].name; }));
      var line = el("div", "path");
      line.dataset.product = String(product);
      line.textContent = "path " + (n + 1) + ": " + names.join(" → ") + ": " +
        (factors.length ? factors.join(" × ") : "the empty path") + " = " + fmt(product);
      panel.appendChild(line);
    });
    var shown = listed.length === count ? count + " path" + (count === 1 ? "" : "s") :
      count.toLocaleString("en") + " paths, the first " + listed.length + " listed (their sum " + fmt(sum) + ")";
    var totalLine = el("div", "total", "∂" + rootName + "/∂" + node.name + " = " + fmt(node.grad) + ", the sum over " +
      shown);
    totalLine.dataset.total = String(num(node.grad));
    totalLine.dataset.paths = String(count);
    panel.appendChild(totalLine);
    if (count === 0) panel.appendChild(el("p", "hint", rootName + " does not depend on " + node.name + "."));
  }

  function showBox(view, box) {
    clearPanel();
    panel.appendChild(el("h2", null, box.name));
    var facts = el("table", "facts");
    row(facts, ["nodes", box.count.toLocaleString("en")]);
    row(facts, ["largest |grad|", fmt(box.maxGrad)]);
    panel.appendChild(facts);
    panel.appendChild(el("p", "hint", "Opened in the " + data.levels[view + 1].name + " view. The buttons above go back " +
      "to any view."));
  }

  // The views, with pan and zoom ----------------------------------------------------------------------------

  var viewElements = Array.prototype.slice.call(document.querySelectorAll(".view"));
  var zoomers = [];
  var current = -1;
  var scalarView = viewElements.length - 1;
  var viewBar = document.getElementById("views");

  data.levels.forEach(function (level, v) {
    var button = el("button", null, level.name);
    button.type = "button";
    button.dataset.view = String(v);
    button.addEventListener("click", function () { showView(v); });
    viewBar.appendChild(button);
  });

  function showView(v) {
    if (v === current) return panZoom(v);
    viewElements.forEach(function (element, n) { element.hidden = n !== v; });
    Array.prototype.forEach.call(viewBar.children, function (button) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.view) === v));
    });
    current = v;
    document.body.dataset.view = String(v);
    return panZoom(v);
  }

  // The view's pan and zoom, made when the view first has an area: svg-pan-zoom measures the drawing once,
  // and in a page not yet laid out (an iframe still sizing) it would measure nothing.
  function panZoom(v) {
    if (!zoomers[v]) {
      var area = viewElements[v].getBoundingClientRect();
      if (!area.width || !area.height) return null;
      zoomers[v] = svgPanZoom(viewElements[v].querySelector("svg"), {
        zoomEnabled: true, panEnabled: true, controlIconsEnabled: false, dblClickZoomEnabled: false,
        fit: true, center: true, minZoom: 0.02, maxZoom: 40, zoomScaleSensitivity: 0.25,
      });
      fitWidth(zoomers[v]);
    }
    return zoomers[v];
  }

  // A drawing much taller than the view (a wide layer laid out left to right) starts at the width of the
  // view, from its top, where its labels can be read, rather than shrunk to fit whole.
  function fitWidth(zoomer) {
    var sizes = zoomer.getSizes();
    var wide = sizes.width / sizes.viewBox.width, tall = sizes.height / sizes.viewBox.height;
    if (tall >= wide / 2) return;
    var scale = Math.min(wide * 0.95, 1.5);
    zoomer.zoom(zoomer.getZoom() * scale / sizes.realZoom);
    zoomer.pan({ x: (sizes.width - sizes.viewBox.width * scale) / 2, y: 8 });
  }

  // Pan and zoom so that the screen rectangle `box` fills most of the view, centred.
  function frame(box) {
    var zoomer = panZoom(current);
    var area = viewElements[current].getBoundingClientRect();
    if (!zoomer || !box || !box.width || !box.height) return;
    var factor = Math.min(area.width / box.width, area.height / box.height) * 0.85;
    factor = Math.min(factor, 2 / zoomer.getSizes().realZoom);  // never closer than twice the drawing's size
    var centre = { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    // Zooming at the box's centre keeps that point where it is on the screen, so the pan that centres it
    // needs no second measurement (svg-pan-zoom redraws on the next frame, after this returns).
    zoomer.zoomAtPoint(zoomer.getZoom() * factor, { x: centre.x - area.left, y: centre.y - area.top });
    zoomer.panBy({ x: area.left + area.width / 2 - centre.x, y: area.top + area.height / 2 - centre.y });
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

  function union(rects) {
    var left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    rects.forEach(function (r) {
      left = Math.min(left, r.left); top = Math.min(top, r.top);
      right = Math.max(right, r.right); bottom = Math.max(bottom, r.bottom);
    });
    return { left: left, top: top, width: right - left, height: bottom - top };
  }

  function nodeElement(i, v) { return document.getElementById("v" + (v === undefined ? scalarView : v) + "-n" + i); }
  function edgeElement(k) { return document.getElementById("v" + scalarView + "-e" + k); }

  // Going one level down from a box: the next view's boxes and nodes that hold its members, framed.
  function openBox(v, b) {
    var members = new Set(data.levels[v].boxes[b].members);
    var next = v + 1;
    showView(next);
    var targets = [];
    data.levels[next].boxes.forEach(function (box, n) {
      if (box.members.some(function (m) { return members.has(m); })) targets.push(document.getElementById("v" + next + "-b" + n));
    });
    members.forEach(function (m) { targets.push(nodeElement(m, next)); });
    frameElements(targets);
  }

  // Selection and hover ---------------------------------------------------------------------------------------

  var selected = null;

  function select(i, centre) {
    if (selected !== null) {
      var old = nodeElement(selected);
      if (old) old.classList.remove("selected");
    }
    selected = i;
    if (current !== scalarView) showView(scalarView);
    var element = nodeElement(i);
    if (element) element.classList.add("selected");
    showNode(i);
    if (centre && element) frameElements([element]);
  }

  var lit = [];

  function light(i) {
    unlight();
    var reach = towardsRoot(i);
    reach.nodes.forEach(function (n) { var e = nodeElement(n); if (e) { e.classList.add("on-path"); lit.push(e); } });
    reach.edges.forEach(function (k) { var e = edgeElement(k); if (e) { e.classList.add("on-path"); lit.push(e); } });
  }

  function unlight() {
    lit.forEach(function (element) { element.classList.remove("on-path"); });
    lit = [];
  }

  viewElements.forEach(function (viewElement, v) {
    viewElement.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("g.node") : null;
      if (!target) return;
      var match = /^v(\d+)-([nb])(\d+)$/.exec(target.id);
      if (!match) return;
      var index = Number(match[3]);
      if (match[2] === "n") {
        select(index, false);
      } else {
        showBox(v, data.levels[v].boxes[index]);
        openBox(v, index);
      }
    });
    viewElement.addEventListener("mouseover", function (event) {
      if (v !== scalarView) return;
      var target = event.target.closest ? event.target.closest("g.node") : null;
      var match = target && /^v\d+-n(\d+)$/.exec(target.id);
      if (match) light(Number(match[1]));
    });
    viewElement.addEventListener("mouseout", function (event) {
      var target = event.target.closest ? event.target.closest("g.node") : null;
      if (target && !(event.relatedTarget && target.contains(event.relatedTarget))) unlight();
    });
  });

  // Stepping through backward ---------------------------------------------------------------------------------

  var slider = document.getElementById("step");
  var stepLabel = document.getElementById("step-label");
  slider.max = String(steps.length);
  var gradTexts = nodes.map(function (node, i) {
    var element = nodeElement(i);
    if (!element) return null;
    // the grad row is the last line of every scalar node (render's _node_label); never found by its text,
    // which a label may share
    var texts = element.querySelectorAll("text");
    return texts.length ? texts[texts.length - 1] : null;
  });
  var addedLabels = [];
  var at = steps.length;

  function goTo(k, withPanel, quiet) {
    at = Math.max(0, Math.min(steps.length, k));
    slider.value = String(at);
    var grads = new Array(nodes.length).fill(null);
    grads[root] = steps.length ? num(steps[0].upstream) : num(nodes[root].grad);
    for (var s = 0; s < at; s++) {
      steps[s].edges.forEach(function (e) { grads[edges[e.edge].from] = num(e.after); });
    }
    nodes.forEach(function (node, i) {
      var element = nodeElement(i);
      if (!element) return;
      var reached = grads[i] !== null;
      element.classList.toggle("unreached", !reached);
      element.classList.remove("stepping");
      if (gradTexts[i]) gradTexts[i].textContent = "grad " + (reached ? fmt(grads[i], data.precision) : "·");
    });
    addedLabels.forEach(function (label) { label.remove(); });
    addedLabels = [];
    document.querySelectorAll("g.edge.active").forEach(function (e) { e.classList.remove("active"); });
    stepLabel.textContent = at === 0 ? "before backward" : "step " + at + " of " + steps.length;
    if (at === 0) {
      if (withPanel) {
        clearPanel();
        panel.appendChild(el("h2", null, "Before backward"));
        panel.appendChild(el("p", "hint", "Only " + nodes[root].name + " has a gradient: ∂" + nodes[root].name + "/∂" +
          nodes[root].name + " = " + fmt(grads[root]) + ". Step forward to run the chain rule, one node at a time."));
      }
      return;
    }
    if (quiet) return;  // the page as it opens: every gradient, no step singled out
    var record = steps[at - 1];
    var nodeEl = nodeElement(record.node);
    if (nodeEl) nodeEl.classList.add("stepping");
    record.edges.forEach(function (e) {
      var element = edgeElement(e.edge);
      if (!element) return;
      element.classList.add("active");
      addContribution(element, fmt(e.partial, data.precision) + " × " + fmt(record.upstream, data.precision) +
        " = " + fmt(e.contribution, data.precision));
    });
    if (withPanel) {
      clearPanel();
      panel.dataset.step = String(at);
      panel.appendChild(el("h2", null, "Step " + at + " of " + steps.length + ": " + nodes[record.node].name));
      panel.appendChild(el("div", "step-text", text(record.text)));
      record.edges.forEach(function (e) { panel.appendChild(el("div", "step-line", text(e.line))); });
    }
  }

  function addContribution(edgeElement, text) {
    var path = edgeElement.querySelector("path");
    if (!path) return;
    var label = document.createElementNS("http://www.w3.org/2000/svg", "text");
    var texts = edgeElement.querySelectorAll("text");
    var x, y;
    if (texts.length) {
      var last = texts[texts.length - 1];
      x = Number(last.getAttribute("x"));
      y = Number(last.getAttribute("y")) + 12;
    } else {
      var length = path.getTotalLength();
      var point = path.getPointAtLength(length / 2);
      x = point.x;
      y = point.y - 4;
    }
    label.setAttribute("x", String(x));
    label.setAttribute("y", String(y));
    label.setAttribute("class", "contribution");
    label.textContent = text;
    edgeElement.appendChild(label);
    addedLabels.push(label);
  }

  var timer = null;
  var playButton = document.getElementById("play");

  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    playButton.textContent = "▶ play";
  }

  function play() {
    if (timer !== null) { pause(); return; }
    if (current !== scalarView) showView(scalarView);
    if (at >= steps.length) goTo(0, true);
    playButton.textContent = "❚❚ pause";
    timer = setInterval(function () {
      if (at >= steps.length) { pause(); return; }
      goTo(at + 1, true);
    }, 700);
  }

  function step(delta) {
    pause();
    if (current !== scalarView) showView(scalarView);
    goTo(at + delta, true);
  }

  document.getElementById("previous").addEventListener("click", function () { step(-1); });
  document.getElementById("next").addEventListener("click", function () { step(1); });
  playButton.addEventListener("click", play);
  slider.addEventListener("input", function () { pause(); if (current !== scalarView) showView(scalarView); goTo(Number(slider.value), true); });

  // Search ----------------------------------------------------------------------------------------------------

  var search = document.getElementById("search");
  var results = document.getElementById("results");

  function findMatches(text) {
    var needle = text.trim().toLowerCase();
    if (!needle) return [];
    var exact = [], partial = [];
    nodes.forEach(function (node, i) {
      var name = node.name.toLowerCase();
      if (name === needle) exact.push(i);
      else if (name.indexOf(needle) >= 0) partial.push(i);
    });
    partial.sort(function (a, b) { return nodes[a].name < nodes[b].name ? -1 : nodes[a].name > nodes[b].name ? 1 : 0; });
    return exact.concat(partial).slice(0, 50);
  }

  function choose(i) {
    results.hidden = true;
    search.value = nodes[i].name;
    search.blur();  // so that the keys step and zoom again
    select(i, true);
  }

  // The drawings take the mouse (svg-pan-zoom keeps the focus where it was): a press on them leaves the search
  // box, so that the keys act on the drawing.
  document.getElementById("canvas").addEventListener("mousedown", function () { search.blur(); });

  search.addEventListener("input", function () {
    while (results.firstChild) results.removeChild(results.firstChild);
    var matches = findMatches(search.value);
    results.hidden = matches.length === 0;
    matches.forEach(function (i) {
      var item = el("li", null, nodes[i].name);
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

  document.addEventListener("keydown", function (event) {
    if (event.target === search) return;
    var zoomer = panZoom(current);
    if (!zoomer && (event.key === "+" || event.key === "=" || event.key === "-" || event.key === "_" ||
      event.key === "0" || (event.shiftKey && event.key.indexOf("Arrow") === 0))) return;
    if (event.shiftKey && event.key.indexOf("Arrow") === 0) {
      var d = 60;
      var moves = { ArrowLeft: [d, 0], ArrowRight: [-d, 0], ArrowUp: [0, d], ArrowDown: [0, -d] };
      zoomer.panBy({ x: moves[event.key][0], y: moves[event.key][1] });
    } else if (event.key === "ArrowLeft") {
      step(-1);
    } else if (event.key === "ArrowRight") {
      step(1);
    } else if (event.key === "+" || event.key === "=") {
      zoomer.zoomIn();
    } else if (event.key === "-" || event.key === "_") {
      zoomer.zoomOut();
    } else if (event.key === "0") {
      zoomer.resize(); zoomer.fit(); zoomer.center(); fitWidth(zoomer);
    } else if (event.key === " ") {
      play();
    } else if (event.key === "/") {
      search.focus();
    } else {
      return;
    }
    event.preventDefault();
  });

  // A page in an iframe or a notebook's output may be laid out after its script runs, or resized later: the
  // drawing follows its area, and is fitted again when it had none.
  var canvas = document.getElementById("canvas");
  new ResizeObserver(function () {
    var made = Boolean(zoomers[current]);
    var zoomer = panZoom(current);
    if (zoomer && made) zoomer.resize();
  }).observe(canvas);

  // Start -------------------------------------------------------------------------------------------------------

  document.getElementById("title").textContent = data.title;
  document.getElementById("legend").hidden = !data.colorByGrad;
  showView(0);
  goTo(steps.length, false, true);
  hint();
  window.chainrule = { data: data, select: select, goTo: goTo, showView: showView, fmt: fmt, openBox: openBox,
    current: function () { return current; }, step: function () { return at; } };
})();
