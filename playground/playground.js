// chainrule's playground: chainrule itself runs in this page, in Pyodide, with nothing installed and nothing
// loaded from another host. The Python side is autograd.playground (Session.run and Session.set_value), whose
// JSON answers the page shows as text only (textContent, never markup).
//
// window.chainrule.playground: ready (a Promise, resolved once Python and chainrule are loaded),
// run(code) and setValue(name, x), each resolving with {ok, error, line, output, document}.

import { loadPyodide } from "./pyodide/pyodide.mjs";

const EXAMPLES = {
  "The worked example (2-2-2, Mazur)": [
    "from autograd.examples import WorkedExample",
    "",
    "example = WorkedExample()",
    "E = example.forward()   # E = Σ ½(target − out)²",
    "E.backward()",
    "print('∂E/∂w5 =', example.values['w5'].grad)",
    "E",
  ].join("\n"),
  "Your own function": [
    "from autograd import Value",
    "",
    "x = Value(2.0, 'x')",
    "y = Value(-3.0, 'y')",
    "z = (x * y + x.sin()).tanh()",
    "z",
  ].join("\n"),
  "A tanh neuron": [
    "from autograd import Value, dot",
    "",
    "x1, x2 = Value(2.0, 'x1'), Value(0.0, 'x2')",
    "w1, w2 = Value(-3.0, 'w1'), Value(1.0, 'w2')",
    "b = Value(6.8813735870195432, 'b')",
    "o = dot([w1, w2], [x1, x2], b).tanh()",
    "o.label = 'o'",
    "o",
  ].join("\n"),
  "An MLP on XOR, trained": [
    "import autograd, nn",
    "",
    "X, y = nn.datasets.xor()",
    "model = nn.MLP(2, [4, 1], activation='tanh', output_activation='sigmoid', seed=0)",
    "optimizer = nn.optim.Adam(model.parameters(), lr=0.1)",
    "for epoch in range(60):",
    "    optimizer.zero_grad()",
    "    loss = autograd.sum([nn.losses.binary_cross_entropy(model(x), t) for x, t in zip(X, y)]) / 4",
    "    loss.backward()",
    "    optimizer.step()",
    "print('loss after 60 steps:', loss.data)",
    "nn.losses.binary_cross_entropy(model(X[1]), y[1])",
  ].join("\n"),
  "A small RNN, unrolled (backpropagation through time)": [
    "import autograd, nn",
    "",
    "rnn = nn.RNN(1, 2, 1, seed=0)      # one input, two hidden units, one output",
    "ys = rnn([[0.5], [-0.3], [0.8]])   # three time steps: the weights are shared by all three",
    "loss = autograd.sum([(y - 0.2) ** 2 for y in ys])",
    "loss.label = 'loss'",
    "loss",
  ].join("\n"),
  "Forward mode beside reverse": [
    "import autograd",
    "from autograd import Value",
    "",
    "def f(a, b):",
    "    return (a * b).tanh() + a.sin()",
    "",
    "print('reverse, one pass for both inputs:', autograd.grad(f, [0.5, -1.2]))",
    "print('forward, one pass per input:', [autograd.jvp(f, [0.5, -1.2], d)[1] for d in ([1, 0], [0, 1])])",
    "a, b = Value(0.5, 'a'), Value(-1.2, 'b')",
    "f(a, b)",
  ].join("\n"),
};

const $ = (id) => document.getElementById(id);
const status = (text) => { $("status").textContent = text; };

function encode(code) {  // the code in the link: UTF-8, base64url
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

function codeFromLink() {
  const match = /(?:^#|&)code=([^&]*)/.exec(location.hash);
  if (!match) return null;
  try { return decode(match[1]); } catch (error) { return null; }
}

async function start() {
  status("Loading Python…");
  const pyodide = await loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href });
  status("Loading chainrule…");
  const wheels = await (await fetch(new URL("./wheels/wheels.json", import.meta.url))).json();
  for (const name of wheels) {
    pyodide.unpackArchive(await (await fetch(new URL("./wheels/" + name, import.meta.url))).arrayBuffer(), "wheel");
  }
  const session = pyodide.runPython("from autograd.playground import Session\nSession()");
  status("Ready");
  return session;
}

const ready = start();
let session = null;

function show(answer) {
  $("output").textContent = answer.output || "";
  $("error").hidden = answer.ok;
  $("error").textContent = answer.ok ? "" : (answer.line ? "line " + answer.line + ": " : "") + answer.error;
  if (!answer.ok) {
    if (answer.line) markLine(answer.line);
    return;
  }
  const doc = answer.document;
  $("root-name").textContent = doc.root;
  const body = $("nodes").tBodies[0];
  body.replaceChildren();
  doc.nodes.forEach((node) => {
    const row = body.insertRow();
    row.insertCell().textContent = node.name;
    row.insertCell().textContent = node.op === null ? "leaf" : node.formula;
    const data = row.insertCell();
    if (node.op === null) {
      const input = document.createElement("input");
      input.type = "number";
      input.step = "any";
      input.value = String(node.data);
      input.setAttribute("aria-label", "the value of " + node.name);
      input.addEventListener("change", () => setValue(node.name, Number(input.value)));
      data.appendChild(input);
    } else {
      data.textContent = String(node.data);
    }
    row.insertCell().textContent = String(node.grad);
  });
  $("steps").replaceChildren(...doc.steps.map((line) => {
    const item = document.createElement("li");
    item.textContent = line;
    return item;
  }));
}

function markLine(line) {  // select the line of the error in the editor
  const code = $("code");
  const lines = code.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, text) => n + text.length + 1, 0);
  code.focus();
  code.setSelectionRange(start, start + (lines[line - 1] || "").length);
}

async function run(code) {
  session = session || await ready;
  if (code !== undefined) $("code").value = code;
  const text = $("code").value;
  history.replaceState(null, "", "#code=" + encode(text));
  status("Running…");
  const answer = JSON.parse(session.run(text));
  show(answer);
  status(answer.ok ? "Ready" : "Error");
  return answer;
}

async function setValue(name, value) {
  session = session || await ready;
  const answer = JSON.parse(session.set_value(name, value));
  if (answer.ok) show(answer); else { $("error").hidden = false; $("error").textContent = answer.error; }
  return answer;
}

const select = $("examples");
Object.keys(EXAMPLES).forEach((name) => select.add(new Option(name, name)));
select.addEventListener("change", () => run(EXAMPLES[select.value]));
$("code").value = codeFromLink() ?? EXAMPLES[select.value];
$("run").addEventListener("click", () => run());
$("code").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
});

window.chainrule = Object.assign(window.chainrule || {}, { playground: { ready: ready.then(() => true), run, setValue } });
ready.then(() => { $("run").disabled = false; return run(); }, (error) => status("Could not load Python: " + error));
