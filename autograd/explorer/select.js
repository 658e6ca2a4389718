// Selection and hover: the selected node, the paths lit towards the root, clicks in the drawings, and a fan's list
// of leaves. A part of the explorer's page, installed by explorer.js (README.md maps the parts).
var chainruleExplorer = window.chainruleExplorer || {};
chainruleExplorer.select = function (page) {
  "use strict";
  var state = page.state;
  var nodes = page.nodes, edges = page.edges, fmt = page.fmt, outEdges = page.outEdges,
    towardsRoot = page.towardsRoot, levels = page.levels, scalarView = page.scalarView, fans = page.fans,
    el = page.el, byId = page.byId;

  state.selected = null;
  state.selectedElement = null;

  function select(i, centre) {
    if (state.selectedElement) state.selectedElement.classList.remove("selected");
    state.selected = i;
    if (state.nearShown !== null) {
      page.openNear(i, state.nearDepth);
      page.showNode(i);
      return;
    }
    if (state.current !== scalarView) page.showView(scalarView);
    state.selectedElement = page.nodeElement(i);
    if (state.selectedElement) state.selectedElement.classList.add("selected");
    page.showNode(i);
    if (page.minimaps[state.current]) page.placeMinimap(page.minimaps[state.current].element);
    if (centre && state.selectedElement) {
      light(i);
      page.frameElements([state.selectedElement]);
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
    reach.nodes.forEach(function (n) { mark(page.nodeElement(n), "on-path"); });
    reach.edges.forEach(function (k) { mark(page.edgeElement(k), "on-path"); });
    outEdges[i].forEach(function (k) { mark(page.edgeElement(k), "use"); mark(page.nodeElement(edges[k].to), "use"); });
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
      page.showFan(index);
      openFanList(index);
    } else {
      page.showBox(v, levels[v].boxes[index]);
      page.openBox(v, index);
    }
  }

  page.viewElements.forEach(function (viewElement, v) {
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
      item.appendChild(el("span", null, page.gradShown(m)));
      item.addEventListener("click", function (event) { event.stopPropagation(); closeFanList(); select(m, false); });
      item.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.stopPropagation(); closeFanList(); select(m, false); }
      });
      list.appendChild(item);
    });
    fanList.appendChild(list);
    var element = byId("v" + scalarView + "-f" + f);
    var area = page.canvas.getBoundingClientRect();
    var rect = element.getBoundingClientRect();
    fanList.hidden = false;
    fanList.dataset.fan = String(f);
    var left = Math.min(rect.right - area.left + 6, area.width - fanList.offsetWidth - 6);
    fanList.style.left = Math.max(6, left) + "px";
    fanList.style.top = Math.max(6, Math.min(rect.top - area.top, area.height - fanList.offsetHeight - 6)) + "px";
  }

  function closeFanList() { fanList.hidden = true; delete fanList.dataset.fan; }

  return {
    select: select, light: light, activate: activate, fanList: fanList, openFanList: openFanList,
    closeFanList: closeFanList
  };
};
