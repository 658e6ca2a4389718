// chainrule's live explorer (autograd.widgets.LiveExplorer): an anywidget module that shows the explorer page
// in a sandboxed iframe and carries messages between the page and the kernel.
//
// page → here: "ready" once its script runs; "edit", "step" and "mark" requests, passed on to the kernel;
// "shown" once it has written numbers it was sent (not needed here).
// kernel → here: "ready" in answer to "hello" (so a restored widget with no kernel behind it stays static);
// "done" after each request it did, answered with the state; "refused" with a reason, passed on to the page.
// The numbers travel as the widget's state (`_numbers`, `losses`, `_parameters`, `lr`), so that a notebook
// saved with widget state reopens at its last state.

function render({ model, el }) {
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts");
  frame.title = "chainrule live explorer";
  frame.style.width = "100%";
  frame.style.height = model.get("height") + "px";
  frame.style.border = "1px solid #ddd";
  frame.style.borderRadius = "4px";
  const notice = document.createElement("div");
  notice.className = "chainrule-notice";
  notice.style.cssText = "font: 12px/1.4 Helvetica, Arial, sans-serif; color: #8a5a00; background: #fff6e0; " +
    "border: 1px solid #e0c080; border-radius: 4px; padding: 4px 8px; margin-bottom: 4px";
  notice.textContent = "No kernel answers: this is the page of the last state, saved with the notebook. " +
    "Run the cell to change leaves and take steps.";
  notice.hidden = true;

  let pageReady = false;
  let kernelReady = false;
  let queued = false;

  function post(message) {
    if (pageReady) frame.contentWindow.postMessage(Object.assign({ chainrule: 1 }, message), "*");
  }

  // One message for the changes of one update (the numbers and the loss curve change together).
  function sendState() {
    if (queued) return;
    queued = true;
    setTimeout(() => {
      queued = false;
      post({
        kind: "numbers", numbers: model.get("_numbers"), live: kernelReady, losses: model.get("losses"),  // JSON text
        parameters: model.get("_parameters"), lr: model.get("lr"),
      });
    }, 0);
  }

  function onPage(event) {
    if (event.source !== frame.contentWindow) return;
    const message = event.data;
    if (!message || message.chainrule !== 1) return;
    if (message.kind === "ready") {
      pageReady = true;
      sendState();
    } else if (kernelReady && ["edit", "step", "mark"].includes(message.kind)) {
      model.send({ kind: message.kind, node: message.node, value: message.value, lr: message.lr,
                   parameter: message.parameter });
    }
  }

  function onKernel(message) {
    if (message.kind === "ready") {
      kernelReady = true;
      notice.hidden = true;
      sendState();
    } else if (message.kind === "refused") {
      post(message);
    } else if (message.kind === "done") {
      sendState();  // the answer, even to a request that changed no state (a leaf set to the value it holds)
    }
  }

  window.addEventListener("message", onPage);
  model.on("msg:custom", onKernel);
  for (const name of ["_numbers", "losses", "_parameters", "lr"]) model.on("change:" + name, sendState);
  frame.srcdoc = model.get("_page");
  el.append(notice, frame);
  try {
    model.send({ kind: "hello" });
  } catch (error) {
    // a widget restored from the notebook's saved state has no kernel to send to
  }
  const waiting = setTimeout(() => { if (!kernelReady) notice.hidden = false; }, 2000);

  return () => {
    clearTimeout(waiting);
    window.removeEventListener("message", onPage);
    model.off("msg:custom", onKernel);
    for (const name of ["_numbers", "losses", "_parameters", "lr"]) model.off("change:" + name, sendState);
  };
}

export default { render };
