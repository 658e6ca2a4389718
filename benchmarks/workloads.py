"""The workloads of ``make bench``: each a function of an engine's name that runs the same job on that engine
(chainrule, and the reference engines: micrograd 0.1.0, PyTorch scalars, plain floats, NumPy by hand) in
this process and returns its samples."""

from __future__ import annotations

import gc
import itertools
import math
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from browser import digits_page_in_chromium
from floors import numpy_mnist_epoch, object_floor


def _moons() -> tuple[list[list[float]], list[float]]:
    import nn

    X, y = nn.datasets.moons(100, noise=0.1, seed=0)
    return X.tolist(), [1.0 if t == 1 else -1.0 for t in y]  # Python floats, as every engine takes them


def mlp_step(engine: str) -> list[float]:
    """micrograd's demo: MLP(2, [16, 16, 1]) with ReLU on 100 points, max-margin loss + 1e-4 L2, backward, SGD."""
    X, y = _moons()
    step = {"chainrule": _mlp_chainrule, "micrograd": _mlp_micrograd, "floats": _mlp_floats,
            "torch": _mlp_torch, "replay": _mlp_replay}[engine](X, y)
    step()  # warm up
    times = []
    for _ in range(5 if engine in ("chainrule", "floats", "replay") else 3):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) / (10 if engine == "replay" else 1))
    return times


def _mlp_chainrule(X: list[list[float]], y: list[float]) -> Callable[[], None]:
    import autograd
    import nn

    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)
    params = model.parameters()
    opt = nn.optim.SGD(params, lr=0.05)

    def step() -> None:
        scores = [model(x) for x in X]
        data_loss = autograd.sum([(1 - yi * s).relu() for yi, s in zip(y, scores, strict=True)]) / len(X)
        loss = data_loss + 1e-4 * autograd.dot(params, params)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def _mlp_replay(X: list[list[float]], y: list[float]) -> Callable[[], None]:
    """The same step through ``nn.fit``'s replay: the L2 term, the same for every example, is added to each
    example's loss, so the batch's mean loss is micrograd's. Ten steps a call, timed per step below."""
    import autograd
    import nn

    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)
    params = model.parameters()
    opt = nn.optim.SGD(params, lr=0.05)

    def loss(score: Any, target: Any) -> Any:
        return (1 - target * score).relu() + 1e-4 * autograd.dot(params, params)

    def step() -> None:
        nn.fit(model, (X, y), loss=loss, optimizer=opt, epochs=10, batch_size=len(X), shuffle=False,
               progress=False, batched=True)

    return step


def _mlp_micrograd(X: list[list[float]], y: list[float]) -> Callable[[], None]:
    import random

    from micrograd.engine import Value
    from micrograd.nn import MLP

    random.seed(0)
    model = MLP(2, [16, 16, 1])

    def step() -> None:
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= 0.05 * p.grad

    return step


def _mlp_torch(X: list[list[float]], y: list[float]) -> Callable[[], None]:
    import random

    import torch

    rng = random.Random(0)
    sizes = [2, 16, 16, 1]
    layers = [[([torch.tensor(rng.uniform(-1, 1), dtype=torch.float64, requires_grad=True) for _ in range(nin)],
                torch.tensor(0.0, dtype=torch.float64, requires_grad=True)) for _ in range(nout)]
              for nin, nout in itertools.pairwise(sizes)]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]

    def forward(x: list[Any]) -> Any:
        for k, layer in enumerate(layers):
            outs = []
            for ws, b in layer:
                act = b
                for w, xi in zip(ws, x, strict=True):
                    act = act + w * xi
                outs.append(act.relu() if k < len(layers) - 1 else act)
            x = outs
        return x[0]

    def step() -> None:
        scores = [forward(row) for row in X]
        data_loss = sum((1 - yi * s).relu() for yi, s in zip(y, scores, strict=True)) / len(X)
        loss = data_loss + 1e-4 * sum(p * p for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.05 * p.grad

    return step


def _mlp_floats(X: list[list[float]], y: list[float]) -> Callable[[], None]:
    """The same forward, backward and update hand-written on floats: the floor for pure Python."""
    import random

    rng = random.Random(0)
    sizes = [2, 16, 16, 1]
    W = [[[rng.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)] for nin, nout in itertools.pairwise(sizes)]
    B = [[0.0] * nout for nout in sizes[1:]]
    last = len(W) - 1

    def step() -> None:
        gW = [[[0.0] * len(row) for row in layer] for layer in W]
        gB = [[0.0] * len(layer) for layer in B]
        n = len(X)
        for x, t in zip(X, y, strict=True):
            acts = [x]
            for k, (layer, bias) in enumerate(zip(W, B, strict=True)):
                a = acts[-1]
                z = [sum(w * v for w, v in zip(row, a, strict=True)) + b for row, b in zip(layer, bias, strict=True)]
                acts.append(z if k == last else [v if v > 0 else 0.0 for v in z])
            score = acts[-1][0]
            if 1 - t * score <= 0:
                continue
            delta = [-t / n]
            for k in range(last, -1, -1):
                a = acts[k]
                layer, gl, gb = W[k], gW[k], gB[k]
                for j, d in enumerate(delta):
                    gb[j] += d
                    row = gl[j]
                    for i, v in enumerate(a):
                        row[i] += d * v
                if k:
                    back = [sum(layer[j][i] * delta[j] for j in range(len(delta))) for i in range(len(a))]
                    delta = [b if v > 0 else 0.0 for b, v in zip(back, a, strict=True)]
        for layer, gl in zip(W, gW, strict=True):
            for row, grow in zip(layer, gl, strict=True):
                for i in range(len(row)):
                    row[i] -= 0.05 * (grow[i] + 2e-4 * row[i])
        for bias, gb in zip(B, gB, strict=True):
            for j in range(len(bias)):
                bias[j] -= 0.05 * (gb[j] + 2e-4 * bias[j])

    return step


def digits_batches(engine: str) -> list[float]:
    """Mini-batch SGD (batch 32) of MLP(64, [32, 10]) with squared error on one-hot targets; the time per
    batch (an epoch over 1797 samples is 57 batches)."""
    import nn

    X_array, labels = nn.datasets.digits()
    X, T = X_array.tolist(), nn.datasets.one_hot(labels, 10).tolist()  # Python floats, as every engine takes them
    batches = [list(range(k * 32, k * 32 + 32)) for k in range(4)]
    if engine == "chainrule":
        import autograd

        model = nn.MLP(64, [32, 10], seed=0)
        opt = nn.optim.SGD(model.parameters(), lr=0.1)

        def run(batch: list[int]) -> None:
            loss = autograd.sum([nn.mse(model(X[i]), T[i]) for i in batch]) / len(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
    elif engine == "micrograd":
        import random

        from micrograd.nn import MLP

        random.seed(0)
        mmodel = MLP(64, [32, 10])

        def run(batch: list[int]) -> None:
            losses = []
            for i in batch:
                out = mmodel(X[i])
                losses.append(sum((o - t) ** 2 for o, t in zip(out, T[i], strict=True)) * (1.0 / 10))
            loss = sum(losses) * (1.0 / len(batch))
            mmodel.zero_grad()
            loss.backward()
            for p in mmodel.parameters():
                p.data -= 0.1 * p.grad
    else:
        raise ValueError(engine)
    run(batches[0])
    times = []
    for batch in batches[1:]:
        start = time.perf_counter()
        run(batch)
        times.append(time.perf_counter() - start)
    return times


def _synthetic_mnist(n: int) -> tuple[Any, Any]:
    """n random 784-pixel images (float32 in [0, 1), as nn.datasets.mnist gives) and one-hot targets."""
    import numpy as np

    rng = np.random.default_rng(0)
    images = rng.random((n, 784), dtype=np.float32)
    return images, np.eye(10)[rng.integers(0, 10, n)]


def mnist_epoch(engine: str, n: int = 60_000) -> list[float]:
    """One epoch of Nielsen's Network([784, 30, 10]): sigmoid, quadratic cost, SGD with batch 10 and η = 3.0,
    over n synthetic samples. chainrule is ``nn.fit`` (which replays the traced graph with NumPy); numpy the
    same network with matrix backprop written by hand, the floor; scalar is ``fit(batched=False)``, one graph
    per sample, timed on 300 samples and scaled to the epoch; chainrule_torch is ``fit(backend="torch")``, the
    replay on torch's CPU tensors in float64."""

    import nn

    images, targets = _synthetic_mnist(n)
    if engine in ("chainrule", "scalar", "chainrule_torch"):
        model = nn.MLP(784, [30, 10], activation="sigmoid", output_activation="sigmoid", init="xavier", seed=0)
        opt = nn.optim.SGD(model.parameters(), lr=3.0)
        size = 300 if engine == "scalar" else n
        start = time.perf_counter()
        nn.fit(model, (images[:size], targets[:size]), loss="half_sse", optimizer=opt, batch_size=10, seed=0,
               progress=False, batched=engine != "scalar", backend="torch" if engine == "chainrule_torch" else "numpy")
        return [(time.perf_counter() - start) * n / size]
    if engine != "numpy":
        raise ValueError(engine)
    return [numpy_mnist_epoch(images, targets)]


def mnist_memory(engine: str, n: int = 60_000) -> list[float]:
    """The peak memory (MiB, the process's maximum resident set) of a full-size epoch: chainrule's replayed
    ``fit`` or the hand-written NumPy network, each with the 188 MB of float32 images."""
    import resource

    mnist_epoch("chainrule" if engine == "chainrule" else "numpy", n)
    return [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]


def _digits_page(layout: str = "dot") -> tuple[Any, float]:
    """The explorer's page of one digits sample through MLP(64, [32, 10]) with cross-entropy, with its layer
    and neuron views, laid out by dot as it is built or (``layout="browser"``) in the page as it opens, and the
    seconds it took to make."""
    import autograd
    import nn

    X, y = nn.datasets.digits()
    model = nn.MLP(64, [32, 10], init="xavier", seed=0)
    loss = nn.cross_entropy(model(X[0]), int(y[0]))
    start = time.perf_counter()
    page = autograd.explore(loss, levels=(2, 4), layout=layout)
    return page, time.perf_counter() - start


def explorer_build(engine: str) -> list[float]:
    """Seconds to make the digits page (target: at most 1.5 s)."""
    return [_digits_page()[1]]


def explorer_size(engine: str) -> list[float]:
    """The digits page's size in MB (target: at most 3), laid out by dot (engine "chainrule") or in the page
    ("browser": its views' DOT and Graphviz in WebAssembly instead of their SVG)."""
    return [len(_digits_page(_layout(engine))[0].html.encode("utf-8")) / 1e6]


def _layout(engine: str) -> str:
    return "browser" if engine == "browser" else "dot"


def _in_chromium(measure: str, layout: str = "dot") -> list[float]:
    return digits_page_in_chromium(_digits_page(layout)[0].save(Path(tempfile.mkdtemp()) / "digits.html"), measure)


def explorer_open(engine: str) -> list[float]:
    """Seconds to open the digits page in Chromium (target: at most 1 s), until its script has run: with
    "browser", after the page has laid its views out with Graphviz in WebAssembly."""
    return _in_chromium("open", _layout(engine))


def explorer_click(engine: str) -> list[float]:
    """Milliseconds for the page to answer a click on a node or a fan, the slowest of four (target: at most
    50 ms)."""
    return _in_chromium("click")


_EDIT = """async ([i, values]) => {
  const times = [];
  const input = document.getElementById('live-value');
  for (const v of values) {
    const start = performance.now();
    input.value = String(v);
    input.dispatchEvent(new Event('change'));
    await new Promise(done => {
      const check = () => chainrule.data.nodes[i].data === v ? done() : requestAnimationFrame(check);
      check();
    });
    times.push(performance.now() - start);
  }
  return times;
}"""
"""In the live page: set leaf i to each value in turn as the value box does, and time each until the page shows
the kernel's answer (the numbers written in)."""


def _live_edits(cells: list[str], leaf: str, values: list[float]) -> list[float]:
    """Milliseconds from an edit in a LiveExplorer to the page showing its answer, kernel round trip included:
    a real JupyterLab (``make lab``), the widget made by ``cells``, leaf ``leaf`` set to each of ``values``."""
    from browser import launch  # run.py runs this file from benchmarks/, as a script
    from lab import LOOPBACK_ONLY, notebook, open_notebook, running_lab, widget_frame
    from playwright.sync_api import sync_playwright

    with running_lab() as lab, sync_playwright() as playwright:
        browser = launch(playwright, LOOPBACK_ONLY)
        notebook(lab.root / "live.ipynb", ["\n".join(cells)])
        page = open_notebook(browser, lab, "live.ipynb")
        page.click(".jp-Notebook .jp-Cell >> nth=0")
        page.keyboard.press("Shift+Enter")
        frame = widget_frame(page)
        frame.wait_for_function("() => chainrule.live() !== null", timeout=60_000)
        i = frame.evaluate("name => chainrule.data.nodes.findIndex(n => n.name === name)", leaf)
        frame.evaluate("i => chainrule.select(i, false)", i)
        times = frame.evaluate(_EDIT, [i, values])
        browser.close()
    return [max(times[1:])]  # the slowest, past the first (which also loads the page's code paths)


def live_edit_worked(engine: str) -> list[float]:
    """Milliseconds for an edit of w5 in a LiveExplorer of the worked example to be answered in the page, in
    JupyterLab, kernel included; the slowest of five (target: at most 100)."""
    return _live_edits(["from autograd.examples import WorkedExample", "from autograd.widgets import LiveExplorer",
                        "example = WorkedExample()", "LiveExplorer(example.forward(), parameters=example.weights)"],
                       "w5", [0.1, 0.2, 0.3, 0.25, 0.15, 0.05])


def live_edit_digits(engine: str) -> list[float]:
    """The same for one weight of a digits sample through MLP(64, [32, 10]), its page with the layer and neuron
    views (target: at most 500)."""
    return _live_edits(["import nn", "from autograd.widgets import LiveExplorer", "X, y = nn.datasets.digits()",
                        "model = nn.MLP(64, [32, 10], init='xavier', seed=0)",
                        "LiveExplorer(nn.cross_entropy(model(X[0]), int(y[0])), levels=(2, 4))"],
                       "layers.0.neurons.3.w.5", [0.1, 0.2, 0.3, 0.25, 0.15, 0.05])


def timeline_size(engine: str) -> list[float]:
    """The size in MB of a 30-epoch timeline page of MLP(2, [8, 2]) on two moons, as notebook 03 makes it
    (target: at most 5)."""
    import nn

    X, y = nn.datasets.moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 2], seed=0)
    history = nn.fit(model, (X, y), loss="cross_entropy", optimizer=nn.optim.Adam(model.parameters(), lr=0.05),
                     epochs=30, batch_size=20, seed=0, metrics=["accuracy"], progress=False, watch=(X[0], y[0]))
    return [len(history.explore().html.encode("utf-8")) / 1e6]


def _forward_or_backward(engine: str, root: Any, inputs: list[Any], direction: list[float]) -> list[float]:
    """Seconds for one derivative pass over ``root``'s graph, the walk included: ``backward()`` (engine
    "backward") or forward mode along ``direction`` of ``inputs`` (engine "chainrule"); three times each."""
    from autograd.forward import _tangents_by_node
    from autograd.graph import Graph, topological_order

    times = []
    for _ in range(3):
        for x in inputs:
            x.grad = 0.0
        start = time.perf_counter()
        if engine == "backward":
            root.backward()
        elif engine == "chainrule":
            _tangents_by_node(Graph(topological_order(root)), dict(zip(inputs, direction, strict=True)), "bench")
        else:
            raise ValueError(engine)
        times.append(time.perf_counter() - start)
    return times


def forward_chain(engine: str, n: int = 300_000) -> list[float]:
    """One forward-mode pass (jvp's loop) against ``backward()`` on the deep chain's shape, y = y*1.0000001 +
    1e-9, n times: one input and one output, so each mode needs one pass (target: forward at most 1.5x)."""
    from autograd import Value

    x = Value(1.0)
    v = x
    for _ in range(n):
        v = v * 1.0000001 + 1e-9
    return _forward_or_backward(engine, v, [x], [1.0])


def forward_mlp(engine: str) -> list[float]:
    """One forward-mode pass along a random direction of the parameters, against ``backward()``, on the loss
    graph of micrograd's demo step (7,342 nodes, 337 parameters): one pass each, where the whole gradient
    would take forward mode 337 passes and reverse mode one."""
    import random

    import autograd
    import nn

    X, y = _moons()
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)
    params = model.parameters()
    scores = [model(x) for x in X]
    data_loss = autograd.sum([(1 - yi * s).relu() for yi, s in zip(y, scores, strict=True)]) / len(X)
    loss = data_loss + 1e-4 * autograd.dot(params, params)
    rng = random.Random(0)
    return _forward_or_backward(engine, loss, params, [rng.uniform(-1, 1) for _ in params])


_WORKED_CODE = "from autograd.examples import WorkedExample\nE = WorkedExample().forward()\nE"


def _playground(measure: str) -> list[float]:
    """The playground built afresh (scripts/build-playground) and opened cold in Chromium from a loopback
    server: seconds until Python and chainrule are ready, milliseconds to run and show the worked example,
    milliseconds for a leaf edit shown, or the folder's size in MB."""
    import functools
    import http.server
    import os
    import subprocess
    import sys
    import threading

    from browser import launch
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp()) / "playground"
    root = Path(__file__).resolve().parent.parent
    subprocess.run([str(root / "scripts" / "build-playground"), str(folder)], check=True, capture_output=True,
                   env={**os.environ, "PYTHON": sys.executable})
    if measure == "size":
        return [sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6]

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            chromium = launch(playwright, ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"])
            page = chromium.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
            page.wait_for_function("() => window.chainrule && window.chainrule.playground", timeout=60_000)
            page.evaluate("chainrule.playground.ready")
            if measure == "ready":
                result = [page.evaluate("performance.now()") / 1000]
            elif measure == "run":
                result = [page.evaluate("""async code => { const start = performance.now();
                    await chainrule.playground.run(code); await new Promise(requestAnimationFrame);
                    return performance.now() - start; }""", _WORKED_CODE) for _ in range(3)]
            else:
                page.evaluate("code => chainrule.playground.run(code)", _WORKED_CODE)
                result = [page.evaluate("""async v => { const start = performance.now();
                    await chainrule.playground.setValue('w5', v); await new Promise(requestAnimationFrame);
                    return performance.now() - start; }""", 0.1 * k) for k in range(1, 4)]
            chromium.close()
    finally:
        server.shutdown()
    return result


def playground_ready(engine: str) -> list[float]:
    """Seconds from opening the playground cold to Python and chainrule loaded (target: at most 10 s)."""
    return _playground("ready")


def playground_run(engine: str) -> list[float]:
    """Milliseconds to run the worked example in the playground and show its numbers (target: at most 1,000)."""
    return _playground("run")


def playground_edit(engine: str) -> list[float]:
    """Milliseconds for a leaf edit in the playground to be recomputed and shown (target: at most 200)."""
    return _playground("edit")


def playground_size(engine: str) -> list[float]:
    """The playground folder's size in MB (target: at most 30)."""
    return _playground("size")


def _power_chain(nodes: int) -> Any:
    """y = y * x until the graph has ``nodes`` nodes: x feeds every node, the shape dot lays out most slowly."""
    from autograd import Value

    x = Value(1.01, "x")
    y = x
    for _ in range(nodes - 1):
        y = y * x
    y.backward()
    return y


def power_chain_drawing(engine: str, nodes: int = 91) -> list[float]:
    """Seconds to save the drawing of the 91-node power chain as SVG (31 s before its layout was chosen from
    its shape: target 3 s); engine "explore" makes its explorer page instead."""
    import tempfile
    from pathlib import Path

    import autograd

    root = _power_chain(nodes)
    start = time.perf_counter()
    if engine == "chainrule":
        with tempfile.TemporaryDirectory() as folder:
            autograd.save(root, Path(folder) / "chain.svg")
    elif engine == "explore":
        autograd.explore(root)
    else:
        raise ValueError(engine)
    return [time.perf_counter() - start]


def worst_drawing(engine: str) -> list[float]:
    """Seconds to make the explorer page of the 5,000-node power chain, the worst shape known at explore's
    ``max_nodes`` (12.5 million bends: neato's tier), and of a 300-step recurrence whose weight feeds every step
    (1,202 nodes): target 10 s each."""
    import autograd
    from autograd import Value

    if engine == "chainrule":
        root = _power_chain(5000)
    elif engine == "recurrence":
        w, h = Value(0.5, "w"), Value(0.1, "h0")
        for t in range(300):
            h = (h * w + Value(0.01 * t, f"x{t}")).tanh()
        root = h
    else:
        raise ValueError(engine)
    start = time.perf_counter()
    autograd.explore(root)
    return [time.perf_counter() - start]


def forward_user_op(engine: str, n: int = 40_000) -> list[float]:
    """A forward-mode pass (jvp) over a chain of n nodes of a user-defined op, against reverse mode's jacobian
    of the same function: 163 s against 0.4 s while each user-op node searched for its own step number."""
    import autograd

    cube = autograd.define_op("cube_for_bench", lambda x: x * x * x, lambda x, out: (3 * x * x,))

    def chain(x: Any) -> Any:
        for _ in range(n):
            x = cube(x) * 0.5 + 0.25
        return x

    start = time.perf_counter()
    if engine == "chainrule":
        autograd.jvp(chain, [0.5], [1.0])
    elif engine == "reverse":
        autograd.jacobian(chain, [0.5])
    else:
        raise ValueError(engine)
    return [time.perf_counter() - start]


def deep_chain(engine: str, n: int = 1_000_000) -> list[float]:
    """y = y*1.0000001 + 1e-9, a million times, then the derivative of y with respect to its start."""
    start = time.perf_counter()
    if engine == "chainrule":
        from autograd import Value

        x = Value(1.0)
        v = x
        for _ in range(n):
            v = v * 1.0000001 + 1e-9
        v.backward()
        result = x.grad
    elif engine == "floats":
        v, local = 1.0, []
        for _ in range(n):
            local.append(1.0000001)
            v = v * 1.0000001 + 1e-9
        g = 1.0
        for d in reversed(local):
            g = g * d
        result = g
    elif engine == "micrograd":
        from micrograd.engine import Value as MValue

        x = MValue(1.0)
        v = x
        for _ in range(n):
            v = v * 1.0000001 + 1e-9
        try:
            v.backward()
        except RecursionError:
            return [math.nan]
        result = x.grad
    elif engine == "torch":
        import torch

        x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        v = x
        for _ in range(n):
            v = v * 1.0000001 + 1e-9
        v.backward()
        result = float(x.grad)
    elif engine in ("objects", "objects_inline"):
        result = object_floor(n, inline=engine == "objects_inline")
    else:
        raise ValueError(engine)
    elapsed = time.perf_counter() - start
    assert abs(result - 1.0000001**n) < 1e-6 * result
    return [elapsed]


def wide_sum(engine: str, n: int = 100_000) -> list[float]:
    """The sum of n products aᵢ·bᵢ, then its gradient with respect to every aᵢ and bᵢ."""
    a = [0.001 * i for i in range(n)]
    b = [1.0 - 0.001 * i for i in range(n)]
    start = time.perf_counter()
    if engine == "chainrule":
        import autograd
        from autograd import Value

        av, bv = [Value(v) for v in a], [Value(v) for v in b]
        autograd.sum([x * w for x, w in zip(av, bv, strict=True)]).backward()
        grads = [v.grad for v in av]
    elif engine == "floats":
        sum(x * w for x, w in zip(a, b, strict=True))
        grads = list(b)
    elif engine == "micrograd":
        from micrograd.engine import Value as MValue

        av, bv = [MValue(v) for v in a], [MValue(v) for v in b]
        total = sum(x * w for x, w in zip(av, bv, strict=True))
        try:
            total.backward()
        except RecursionError:
            return [math.nan]
        grads = [v.grad for v in av]
    else:
        raise ValueError(engine)
    elapsed = time.perf_counter() - start
    assert grads[1] == b[1]
    return [elapsed]


def memory(engine: str, nodes: int = 100_000) -> list[float]:
    """Bytes per graph node of a chain of 10^5 nodes (tracemalloc, after the forward pass; the engine is
    imported first, so that its modules are not counted)."""
    if engine == "chainrule":
        from autograd import Value, topological_order
    elif engine == "micrograd":
        from micrograd.engine import Value as MValue
    gc.collect()
    tracemalloc.start()
    if engine == "chainrule":
        v = Value(1.0)
        for _ in range(nodes - 1):
            v = v * 1.0000001
        used, _ = tracemalloc.get_traced_memory()
        count = len(topological_order(v))
    elif engine == "micrograd":
        v = MValue(1.0)
        for _ in range(nodes - 1):
            v = v * 1.0000001
        used, _ = tracemalloc.get_traced_memory()
        seen, stack = set(), [v]
        while stack:
            node = stack.pop()
            if id(node) not in seen:
                seen.add(id(node))
                stack.extend(node._prev)
        count = len(seen)
    else:
        raise ValueError(engine)
    tracemalloc.stop()
    return [used / count]


def backward_loop(engine: str, n: int = 1_000_000) -> list[float]:
    """The backward pass alone (its walk included) over the 2·10⁶-node chain of deep_chain: "chainrule" is
    ``backward()``, with its float loop; "chain_rule" the same pass through the one general loop, which
    records passes, writing ``.grad`` afterwards as ``backward(create_graph=True)`` does. Why backward() keeps
    a loop of its own."""
    import autograd
    from autograd import Value
    from autograd.backprop import chain_rule

    v = x = Value(1.0)
    for _ in range(n):
        v = v * 1.0000001 + 1e-9
    times = []
    for _ in range(3):
        start = time.perf_counter()
        if engine == "chainrule":
            autograd.backward(v)
        elif engine == "chain_rule":
            graph = autograd.Graph.of(v)
            grads: list[Any] = [0.0] * len(graph)
            grads[-1] = 1.0
            chain_rule(graph, grads)
            for node, g in zip(graph.nodes, grads, strict=True):
                node.grad = g
        else:
            raise ValueError(engine)
        times.append(time.perf_counter() - start)
        result = x.grad
        x.grad = 0.0
    assert abs(result - 1.0000001**n) < 1e-6 * result
    return times


WORKLOADS: dict[str, tuple[Callable[[str], list[float]], tuple[str, ...], str]] = {
    "mlp_step": (mlp_step, ("chainrule", "replay", "micrograd", "torch", "floats"), "s/step"),
    "mnist_epoch": (mnist_epoch, ("chainrule", "numpy", "scalar", "chainrule_torch"), "s/epoch"),
    "mnist_memory": (mnist_memory, ("chainrule", "numpy"), "MiB peak"),
    "digits_batch": (digits_batches, ("chainrule", "micrograd"), "s/batch"),
    "deep_chain": (deep_chain, ("chainrule", "micrograd", "torch", "floats", "objects", "objects_inline"), "s"),
    "wide_sum": (wide_sum, ("chainrule", "micrograd", "floats"), "s"),
    "memory": (memory, ("chainrule", "micrograd"), "bytes/node"),
    "backward_loop": (backward_loop, ("chainrule", "chain_rule"), "s"),
    "explorer_build": (explorer_build, ("chainrule",), "s"),
    "explorer_size": (explorer_size, ("chainrule", "browser"), "MB"),
    "explorer_open": (explorer_open, ("chainrule", "browser"), "s"),
    "explorer_click": (explorer_click, ("chainrule",), "ms"),
    "live_edit_worked": (live_edit_worked, ("chainrule",), "ms"),
    "live_edit_digits": (live_edit_digits, ("chainrule",), "ms"),
    "timeline_size": (timeline_size, ("chainrule",), "MB"),
    "forward_chain": (forward_chain, ("chainrule", "backward"), "s"),
    "forward_mlp": (forward_mlp, ("chainrule", "backward"), "s"),
    "power_chain_drawing": (power_chain_drawing, ("chainrule", "explore"), "s"),
    "worst_drawing": (worst_drawing, ("chainrule", "recurrence"), "s"),
    "forward_user_op": (forward_user_op, ("chainrule", "reverse"), "s"),
    "playground_ready": (playground_ready, ("chainrule",), "s"),
    "playground_run": (playground_run, ("chainrule",), "ms"),
    "playground_edit": (playground_edit, ("chainrule",), "ms"),
    "playground_size": (playground_size, ("chainrule",), "MB"),
}
