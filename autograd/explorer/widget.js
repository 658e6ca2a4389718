// Live: the page inside a notebook widget (autograd.widgets.LiveExplorer) or the playground, whose chainrule in
// Pyodide plays the kernel (autograd.live.Live behind both). The kernel holds the graph; the page asks it to change
// a leaf, to take a step or to mark a parameter, and receives the new numbers. A part of the explorer's
// page, installed by explorer.js (README.md maps the parts).
var chainruleExplorer = window.chainruleExplorer || {};
chainruleExplorer.widget = function (page) {
  "use strict";
  var state = page.state;
  var data = page.data, nodes = page.nodes, num = page.num, fmt = page.fmt, rootName = page.rootName,
    byId = page.byId;

  // Live: the page in a notebook widget. The kernel holds the graph; the page asks it to change a leaf, to
  // take a step or to mark a parameter, and receives the new numbers. One request is in flight at a time:
  // a drag sends its latest value when the answer to the one before has come.
  state.live = null;  // {parameters, lr, losses} once the widget says the kernel answers
  var inFlight = false, nextEdit = null;
  var liveEdit = byId("live-edit"), liveValue = byId("live-value"), liveDrag = byId("live-drag");
  var liveParameter = byId("live-parameter"), liveBar = byId("live-bar"), liveStatus = byId("live-status");
  var liveLr = byId("live-lr"), liveCurve = byId("live-curve");
  var inFrame = window.parent !== window;

  function ask(message) {
    if (!state.live) return;
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
    var i = page.panel.dataset.node === undefined ? -1 : Number(page.panel.dataset.node);
    liveEdit.hidden = !state.live || i < 0 || nodes[i].op !== null;
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
    liveParameter.checked = state.live.parameters.indexOf(i) >= 0;
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
    if (!(lr > 0)) {
      liveStatus.textContent = "the learning rate must be a positive number, got " + liveLr.value;
      return;
    }
    ask({ kind: "step", lr: lr });
  });

  function liveState(message) {
    state.live = { parameters: message.parameters, lr: message.lr, losses: message.losses };
    liveBar.hidden = false;
    if (document.activeElement !== liveLr) liveLr.value = String(message.lr);
    byId("live-step").disabled = !message.parameters.length;
    byId("live-step").title = message.parameters.length ? "One gradient-descent step on the " +
      message.parameters.length + " parameters: p ← p − lr·∂" + rootName + "/∂p" :
      "Mark a leaf as a parameter (select it) to take steps";
    page.drawCurve(liveCurve, message.losses, message.losses.length - 1);
    byId("live-steps").textContent = (message.losses.length - 1) + " step" + (message.losses.length === 2 ? "" : "s") +
      ", " + rootName + " = " + fmt(message.losses[message.losses.length - 1]);
  }

  if (inFrame) {
    window.addEventListener("message", function (event) {
      var message = event.data;
      if (event.source !== window.parent || !message || message.chainrule !== 1) return;
      if (message.kind === "numbers") {
        page.setNumbers(typeof message.numbers === "string" ? JSON.parse(message.numbers) : message.numbers);
        if (message.live) liveState(message);
        liveStatus.textContent = message.live ? "" : liveStatus.textContent;
        answered();
        window.parent.postMessage({ chainrule: 1, kind: "shown" }, "*");  // the numbers are on the page
      } else if (message.kind === "refused") {
        liveStatus.textContent = message.message;
        answered();
      }
      showLiveEdit();
    });
  }

  return { liveEdit: liveEdit, inFrame: inFrame, showLiveEdit: showLiveEdit };
};
