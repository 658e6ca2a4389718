// A node's neighbourhood: the node, its inputs and its users, one or two steps out, as laid out when the page was
// made. A part of the explorer's page, installed by explorer.js (README.md maps the parts).
var chainruleExplorer = window.chainruleExplorer || {};
chainruleExplorer.near = function (page) {
  "use strict";
  var state = page.state;
  var data = page.data, nodes = page.nodes, edges = page.edges, fmt = page.fmt, sayOf = page.sayOf,
    levels = page.levels, scalarView = page.scalarView, fans = page.fans, fanOf = page.fanOf, byId = page.byId;

  // A node's neighbourhood: the node, its inputs and its users, one or two steps out, as laid out when the page
  // was made (levels[scalar].near); its nodes are clickable, which walks on to theirs.
  var near = byId("near");
  state.nearShown = null;
  state.nearDepth = 1;
  var nearUnits = levels[scalarView].near || [];
  var NEAR_W = 168, NEAR_H = 50, NEAR_X = 230, NEAR_Y = 64;

  function unitOf(i) { return fanOf[i] >= 0 ? -1 - fanOf[i] : i; }

  function openNear(i, depth) {
    var u = unitOf(i);
    var layouts = nearUnits[u < 0 ? nodes.length - 1 - u : u];
    if (!layouts || !layouts.length) return;
    state.nearShown = i;
    state.nearDepth = depth;
    page.closeFanList();
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
      path.setAttribute("d", "M" + x1 + "," + y1 + " C" + (x1 + 40) + "," + y1 + " " + (x2 - 40) + "," + y2 + " " + x2 +
        "," + y2);
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
      var lines = fan ? [fan.name + " ×" + fan.count, page.labelLines(scalarView, "f", -1 - p[0])[0]] :
        [sayOf(p[0]), page.labelLines(scalarView, "n", p[0]).join("   ")];  // as the drawing writes them
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
      function go() { if (fan) { page.select(member, false); page.showFan(-1 - p[0]); } else page.select(p[0], false); }
      g.addEventListener("click", go);
      g.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.stopPropagation(); go(); } });
      svg.appendChild(g);
    });
    svg.setAttribute("width", String((last - first) * NEAR_X + NEAR_W + 40));
    svg.setAttribute("height", String(tallest * NEAR_Y + 40));
    near.hidden = false;
    near.dataset.node = String(i);
    byId("near-title").textContent = "Neighbourhood of " + sayOf(i) + ", " + depth + " step" + (depth > 1 ? "s" : "") +
      " out";
    byId("near-depth").textContent = depth === 1 ? "two steps out" : "one step out";
    var scroller = byId("near-drawing"), centre = spots[unitOf(i)];  // the node in the middle of the screen
    scroller.scrollTop = Math.max(0, centre.y - scroller.clientHeight / 2 + NEAR_H / 2);
    scroller.scrollLeft = Math.max(0, centre.x - scroller.clientWidth / 2 + NEAR_W / 2);
  }

  // Back to the view the neighbourhood was opened from, with the selected node framed there (unless
  // `restore` is false: another view is being shown).
  function closeNear(restore) {
    if (state.nearShown === null) return;
    state.nearShown = null;
    near.hidden = true;
    if (restore !== false && state.selected !== null) {
      var keep = state.selected;
      state.selected = null;
      page.select(keep, true);
    }
  }

  byId("near-close").addEventListener("click", function () { closeNear(); });
  byId("near-depth").addEventListener("click", function () {
    openNear(state.nearShown, state.nearDepth === 1 ? 2 : 1);
  });

  return { openNear: openNear, closeNear: closeNear };
};
