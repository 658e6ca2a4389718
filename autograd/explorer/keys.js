// The keys, their help, focus with Tab, and fitting the drawing again when the page is resized. A part of the
// explorer's page, installed by explorer.js (README.md maps the parts).
var chainruleExplorer = window.chainruleExplorer || {};
chainruleExplorer.keys = function (page) {
  "use strict";
  var state = page.state;
  var ZOOM_STEP = page.ZOOM_STEP, levels = page.levels, el = page.el, byId = page.byId;

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
      else if (!page.fanList.hidden) page.closeFanList();
      else if (state.nearShown !== null) page.closeNear();
      else return;
      event.preventDefault();
      return;
    }
    if (!help.hidden) return;
    var focused = event.target && event.target.closest ? event.target.closest("g.node") : null;
    if (key === "Enter" && focused) { page.activate(state.current, focused); event.preventDefault(); return; }
    var zoomer = state.nearShown === null ? page.panZoom(state.current) : null;
    var needsZoomer = key === "+" || key === "=" || key === "-" || key === "_" || key === "0" ||
      (event.shiftKey && key.indexOf("Arrow") === 0);
    if (needsZoomer && !zoomer) return;
    if (event.shiftKey && key.indexOf("Arrow") === 0) {
      var d = 60;
      var moves = { ArrowLeft: [d, 0], ArrowRight: [-d, 0], ArrowUp: [0, d], ArrowDown: [0, -d] };
      zoomer.panBy({ x: moves[key][0], y: moves[key][1] });
    } else if (key === "ArrowLeft") {
      page.step(-1);
    } else if (key === "ArrowRight") {
      page.step(1);
    } else if (key === "Home") {
      page.step(-page.lastStep());
    } else if (key === "End") {
      page.step(page.lastStep());
    } else if (key === "+" || key === "=") {
      page.zoomBy(zoomer, 1 + ZOOM_STEP);
    } else if (key === "-" || key === "_") {
      page.zoomBy(zoomer, 1 / (1 + ZOOM_STEP));
    } else if (key === "m" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      page.toggleMinimap();
    } else if (key === "0") {
      state.opening = false;  // the whole drawing, from now on
      page.refit(state.current);
    } else if (/^[1-9]$/.test(key) && Number(key) <= levels.length) {
      page.showView(Number(key) - 1);
    } else if (key === " ") {
      page.play();
    } else if (key === "/") {
      page.search.focus();
    } else if (key === "h" && state.selected !== null) {
      page.light(state.selected);
    } else if (key === "n" && state.selected !== null) {
      if (state.nearShown === null) page.openNear(state.selected, 1);
      else page.openNear(state.nearShown, state.nearDepth === 1 ? 2 : 1);
    } else {
      return;
    }
    event.preventDefault();
  });

  // Nodes are reached with Tab: a focused node off the screen is brought into view.
  page.viewElements.forEach(function (viewElement) {
    viewElement.querySelectorAll("g.node").forEach(function (g) { g.setAttribute("tabindex", "0"); });
    viewElement.addEventListener("focusin", function (event) {
      var target = event.target.closest ? event.target.closest("g.node") : null;
      if (!target) return;
      var area = viewElement.getBoundingClientRect(), rect = target.getBoundingClientRect();
      if (rect.left < area.left || rect.right > area.right || rect.top < area.top || rect.bottom > area.bottom) {
        page.frame(rect);
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
      var made = Boolean(page.zoomers[state.current]);
      page.panZoom(state.current);
      if (made) page.refit(state.current);
      if (state.opening) page.openReadable();
    });
  }).observe(page.canvas);

  return {};
};
