// chainrule's playground: chainrule itself runs in this page, in Pyodide, with nothing installed and nothing
// loaded from another host. The Python side is autograd.playground.Session: it runs the code, makes the
// explorer's page of the Value its last line gives (laid out in the page, layout="browser"), and keeps the
// graph live. The page sits in a sandboxed iframe and talks to this script as a live widget's page talks to its
// kernel (autograd/explorer/widget.js): it asks for a leaf's new value, a step or a parameter marked, and this
// script answers with the numbers Session computed.
//
// window.chainrule.playground: ready (a Promise, resolved once Python and chainrule are loaded); run(code),
// setValue(name, x) and exercise(seed), each resolving once drawn with {ok, error, line, output, document}, where
// document is the page's document (Explorer.document) with the numbers shown.

import { loadPyodide } from "./pyodide/pyodide.mjs";
import { makeEditor } from "./editor.bundle.js";

const EXAMPLES = {
  "The worked example (2-2-2, Mazur)": `from autograd.examples import WorkedExample

example = WorkedExample()
E = example.forward()   # E = Σ ½(target − out)²
E.backward()
print('∂E/∂w5 =', example.values['w5'].grad)
E`,
  "The 2-4-1 network's 17 gradients": `import nn

model = nn.MLP(2, [4, 1], activation='sigmoid', output_activation='sigmoid', seed=1)
x, t = [0.35, 0.9], 0.5
E = 0.5 * (t - model(x)) ** 2
E.label = 'E'
E.backward()
for name, p in model.named_parameters():
    print(f'∂E/∂{name:<22} = {p.grad:+.8f}')
E`,
  "Your own function": `from autograd import Value

x = Value(2.0, 'x')
y = Value(-3.0, 'y')
z = (x * y + x.sin()).tanh()
z`,
  "A tanh neuron": `from autograd import Value, dot

x1, x2 = Value(2.0, 'x1'), Value(0.0, 'x2')
w1, w2 = Value(-3.0, 'w1'), Value(1.0, 'w2')
b = Value(6.8813735870195432, 'b')
o = dot([w1, w2], [x1, x2], b).tanh()
o.label = 'o'
o`,
  "An MLP on XOR, with its training timeline": `import nn

X, y = nn.datasets.xor()
model = nn.MLP(2, [4, 1], activation='tanh', output_activation='sigmoid', seed=0)
history = nn.fit(model, (X, y), loss='binary_cross_entropy',
                 optimizer=nn.optim.Adam(model.parameters(), lr=0.1), epochs=40, batch_size=4,
                 metrics=['accuracy'], progress=False, watch=(X[1], y[1]), watch_every=10)
print('loss', round(history['loss'][-1], 4), 'accuracy', history['accuracy'][-1])
history.explore(layout='browser')   # the timeline: scrub through training`,
  "A small RNN, unrolled (backpropagation through time)": `import autograd, nn

rnn = nn.RNN(1, 2, 1, seed=0)      # one input, two hidden units, one output
ys, _ = rnn.unroll([[0.5], [-0.3], [0.8]])   # three time steps share the weights
loss = autograd.sum([(y - 0.2) ** 2 for y in ys])
loss.label = 'loss'
loss`,
  "Forward mode beside reverse": `import autograd
from autograd import Value

def f(a, b):
    return (a * b).tanh() + a.sin()

print('reverse, one pass for both inputs:', autograd.grad(f, [0.5, -1.2]))
print('forward, one pass per input:', [autograd.jvp(f, [0.5, -1.2], d)[1] for d in ([1, 0], [0, 1])])
tangents = {'a': 1.0}   # the page sweeps forward along a beside backward
a, b = Value(0.5, 'a'), Value(-1.2, 'b')
f(a, b)`,
};

const $ = (id) => document.getElementById(id);
const status = (text) => { $("status").textContent = text; };
function progress(step) {
  $("progress").value = step;
  $("progress").hidden = step >= 3;
}

// The link: the code, UTF-8 and base64url, after #code=; an exercise's seed after #exercise=.
function encode(code) {
  const bytes = new TextEncoder().encode(code);
  let text = "";
  bytes.forEach((b) => { text += String.fromCharCode(b); });
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decode(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(padded + "===".slice((padded.length + 3) % 4));
  return new TextDecoder().decode(Uint8Array.from(raw, (c) => c.charCodeAt(0)));
}

function fromLink(name) {
  const match = new RegExp("(?:^#|&)" + name + "=([^&]*)").exec(location.hash);
  return match ? match[1] : null;
}

function codeFromLink() {
  const text = fromLink("code");
  if (text === null) return null;
  try { return decode(text); } catch (error) { return null; }
}

async function start() {
  status("Loading Python…");
  progress(0);
  const pyodide = await loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href });
  status("Loading chainrule…");
  progress(1);
  const wheels = await (await fetch(new URL("./wheels/wheels.json", import.meta.url))).json();
  for (const name of wheels) {
    pyodide.unpackArchive(await (await fetch(new URL("./wheels/" + name, import.meta.url))).arrayBuffer(), "wheel");
  }
  const made = pyodide.runPython("from autograd.playground import Session\nSession()");
  progress(2);
  return made;
}

const ready = start();
let session = null;
let frame = null;        // the explorer's page, in a sandboxed iframe
let drawn = null;        // resolves when the page in `frame` says it is ready (laid out, its script run)
let liveState = null;    // the numbers and live bar to send the page, as Session gives them (null: not live)
let shown = [];          // resolvers waiting for the page to say it has written the numbers it was sent

function post(message) {
  if (frame && frame.contentWindow) frame.contentWindow.postMessage(Object.assign({ chainrule: 1 }, message), "*");
}

// The page `html` drawn in a new frame; resolves once it is laid out and its script has run.
function draw(html, state) {
  liveState = state;
  const next = document.createElement("iframe");
  next.setAttribute("sandbox", "allow-scripts");
  next.title = "chainrule explorer";
  let done;
  drawn = new Promise((resolve) => { done = resolve; });
  drawn.resolve = done;
  $("page").replaceChildren(next);
  frame = next;
  next.srcdoc = html;
  status("Laying out…");
  return drawn;
}

// The page's messages: "ready" once it has laid itself out; a live page's "edit", "step" and "mark", answered
// with the numbers Session computed (or "refused" and why), as a kernel answers a live widget.
window.addEventListener("message", (event) => {
  if (!frame || event.source !== frame.contentWindow) return;
  const message = event.data;
  if (!message || message.chainrule !== 1) return;
  if (message.kind === "ready") {
    if (liveState) post(liveState);
    progress(3);
    if (drawn) drawn.resolve();
  } else if (message.kind === "shown") {
    const waiting = shown;
    shown = [];
    waiting.forEach((resolve) => resolve());
  } else if (["edit", "step", "mark"].includes(message.kind) && session) {
    const answer = JSON.parse(session.answer(JSON.stringify(message)));
    if (answer.state) { liveState = answer.state; post(answer.state); } else post(answer.reply);
  }
});

function show(answer) {
  $("output").textContent = answer.output || "";
  $("error").hidden = answer.ok;
  $("error").textContent = answer.ok ? "" : (answer.line ? "line " + answer.line + ": " : "") + answer.error;
  editor.markLine(answer.ok ? null : answer.line);
}

function result(answer) {
  return { ok: answer.ok, error: answer.error, line: answer.line, output: answer.output, document: answer.document };
}

async function run(code) {
  session = session || await ready;
  if (code !== undefined) editor.code = code;
  const text = editor.code;
  history.replaceState(null, "", "#code=" + encode(text));
  status("Running…");
  const answer = JSON.parse(session.run(text));
  show(answer);
  if (answer.ok) await draw(answer.html, answer.state);
  status(answer.ok ? "Ready" : "Error");
  return result(answer);
}

async function setValue(name, value) {
  session = session || await ready;
  const answer = JSON.parse(session.set_value(name, value));
  if (answer.ok) {
    liveState = answer.state;
    const written = new Promise((resolve) => shown.push(resolve));
    post(answer.state);
    await written;  // the new numbers are on the page
  } else {
    $("error").hidden = false;
    $("error").textContent = answer.error;
  }
  return result(answer);
}

async function exercise(seed) {
  session = session || await ready;
  const chosen = seed === undefined ? Math.floor(Math.random() * 1000000) : seed;
  history.replaceState(null, "", "#exercise=" + chosen);
  status("Drawing problem " + chosen + "…");
  const answer = JSON.parse(session.exercise(chosen));
  show(answer);
  if (answer.ok) await draw(answer.html, null);
  status(answer.ok ? "Exercise, seed " + chosen : "Error");
  return Object.assign(result(answer), { seed: chosen });
}

const select = $("examples");
Object.keys(EXAMPLES).forEach((name) => select.add(new Option(name, name)));
select.addEventListener("change", () => run(EXAMPLES[select.value]));
const editor = makeEditor($("editor"), codeFromLink() ?? EXAMPLES[select.value], () => run());
$("run").addEventListener("click", () => run());
$("new-problem").addEventListener("click", () => exercise());

window.chainrule = Object.assign(window.chainrule || {}, {
  playground: { ready: ready.then(() => true), run, setValue, exercise, code: () => editor.code },
});
ready.then(() => {
  $("run").disabled = false;
  $("new-problem").disabled = false;
  const seed = fromLink("exercise");
  return seed !== null && /^\d+$/.test(seed) ? exercise(Number(seed)) : run();
}, (error) => status("Could not load Python: " + error));
