// The views, with pan and zoom: which view is shown, framing what matters at a readable size, "+" and "−" about the
// selected node, and the minimap. A part of the explorer's page, installed by explorer.js (README.md maps the
// parts).
var chainruleExplorer = window.chainruleExplorer || {};
chainruleExplorer.views = function (page) {
  "use strict";
  var state = page.state;
  var data = page.data, edges = page.edges, READABLE = page.READABLE, FRAMED = page.FRAMED, CLOSEST = page.CLOSEST,
    NODE_FONT = page.NODE_FONT, LEAST_TEXT = page.LEAST_TEXT, ZOOM_STEP = page.ZOOM_STEP, root = page.root,
    levels = page.levels, scalarView = page.scalarView, fanOf = page.fanOf, el = page.el, button = page.button,
    byId = page.byId;

  var viewElements = Array.prototype.slice.call(document.querySelectorAll(".view[data-view]"));
  var zoomers = [];
  var minimaps = [];
  state.current = -1;
  var viewBar = document.getElementById("views");
  var canvas = document.getElementById("canvas");

  levels.forEach(function (level, v) {
    var b = button(level.name, "Show the " + level.name + " view (" + (v + 1) + ")", function () { showView(v); });
    b.dataset.view = String(v);
    viewBar.appendChild(b);
  });

  function showView(v) {
    page.closeNear(false);
    page.closeFanList();
    if (v === state.current) return panZoom(v);
    viewElements.forEach(function (element, n) { element.hidden = n !== v; });
    Array.prototype.forEach.call(viewBar.children, function (b) {
      b.setAttribute("aria-pressed", String(Number(b.dataset.view) === v));
    });
    state.current = v;
    document.body.dataset.view = String(v);
    if (state.unwritten[v]) page.writeView(v);
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
    var zoomer = panZoom(state.current);
    var area = viewElements[state.current].getBoundingClientRect();
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
    if (!elements.length || state.nearShown !== null) return;
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        var box = union(elements.map(function (element) { return element.getBoundingClientRect(); }));
        var area = viewElements[state.current].getBoundingClientRect();
        if (box.left < area.left || box.top < area.top || box.left + box.width > area.right ||
            box.top + box.height > area.bottom) frame(box);
      });
    });
  }

  // The first view of a page that opens before backward: where the whole drawing's text would be smaller than
  // LEAST_TEXT (a graph much wider than the screen), the root and its inputs, where the chain rule starts, at a
  // zoom where text reads; the minimap shows where they are, and "0" shows the whole drawing.
  state.opening = true;  // until "0" asks for the whole drawing, a resize frames the opening view again

  function openReadable() {
    var zoomer = zoomers[state.current];
    // A page opened at the end shows the whole drawing, unless it sits in a notebook's cell (a live widget, a
    // timeline, an explorer's iframe), whose width leaves the whole drawing's text unreadable.
    if ((data.start === "end" && window.parent === window) || state.current !== scalarView || !zoomer) return;
    if (zoomer.getSizes().realZoom * NODE_FONT >= LEAST_TEXT) return;
    var rootElement = nodeElement(root);
    var inputs = edges.filter(function (e) { return e.to === root; }).map(function (e) { return nodeElement(e.from); })
      .filter(Boolean);
    if (!rootElement) return;
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        var area = viewElements[state.current].getBoundingClientRect();
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
      lens.x + lens.width >= drawing.x + drawing.width - slack &&
      lens.y + lens.height >= drawing.y + drawing.height - slack;
    if (!minimaps[v] && !whole) minimaps[v] = makeMinimap(v);
    var map = minimaps[v];
    if (!map) return;
    map.element.hidden = whole || state.minimapOff;
    placeMinimap(map.element);
    map.lens.setAttribute("x", String(lens.x));
    map.lens.setAttribute("y", String(lens.y));
    map.lens.setAttribute("width", String(lens.width));
    map.lens.setAttribute("height", String(lens.height));
  }

  // The minimap sits in the corner of the view that keeps clear of the selected node: bottom right first, then
  // bottom left, top right, top left. The "m" key hides it, or shows it again.
  state.minimapOff = false;
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
    state.minimapOff = !state.minimapOff;
    updateMinimap(state.current);
  }

  // The selected node's (or fan's) element in the current view, where it is drawn.
  function selectionOnScreen() {
    if (state.current === scalarView) return state.selectedElement;
    return page.panel.dataset.node !== undefined ? nodeElement(Number(page.panel.dataset.node), state.current) : null;
  }

  // "+" and "−" zoom about the selected node, which stays where it is on the screen; about the centre of the
  // view when nothing is selected.
  function zoomBy(zoomer, factor) {
    var selected = selectionOnScreen();
    if (!selected) {
      if (factor > 1) zoomer.zoomIn(); else zoomer.zoomOut();
      return;
    }
    var box = selected.getBoundingClientRect(), area = viewElements[state.current].getBoundingClientRect();
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
      dragging = true;
      svg.setPointerCapture(event.pointerId);
      moveTo(event);
      event.stopPropagation();
      event.preventDefault();
    });
    svg.addEventListener("pointermove", function (event) { if (dragging) moveTo(event); });
    svg.addEventListener("pointerup", function () { dragging = false; });
    element.addEventListener("click", function (event) { event.stopPropagation(); });
    element.addEventListener("mousedown", function (event) { event.stopPropagation(); });
    return { element: element, lens: lens, svg: svg };
  }

  return {
    viewElements: viewElements, zoomers: zoomers, minimaps: minimaps, canvas: canvas, showView: showView,
    panZoom: panZoom, refit: refit, frame: frame, frameElements: frameElements, keepInView: keepInView,
    openReadable: openReadable, nodeElement: nodeElement, edgeElement: edgeElement, openBox: openBox,
    placeMinimap: placeMinimap, toggleMinimap: toggleMinimap, zoomBy: zoomBy
  };
};
