"""The engine and nn's scalar path without NumPy (Pyodide from its bare interpreter, a minimal install): the
same script runs in a process where ``import numpy`` fails and in one where it works, and prints the same
numbers. NumPy is imported only where there are arrays (``autograd.arrays``)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import json, sys
    if sys.argv[1] == "blocked":
        sys.modules["numpy"] = None  # import numpy raises ImportError from here on
    import autograd
    import nn
    from autograd import Value
    from autograd.examples import WorkedExample

    out = {}
    example = WorkedExample()
    E = example.forward()
    E.backward()
    out["worked"] = [example.values[name].grad for name in sorted(example.values)]
    out["explain"] = autograd.explain(E, example.values["w5"]).to_text()
    out["steps"] = [str(step) for step in autograd.backward_steps(WorkedExample().forward())]
    out["page"] = len(autograd.explore(E).data["nodes"])
    out["key"] = autograd.exercise(E).key()
    out["dot"] = autograd.to_dot(E).count("->")
    cube = autograd.define_op("cube", lambda x: x ** 3, lambda x, o: (3 * x ** 2,))
    out["jvp"] = autograd.jvp(lambda a, b: cube(a) * b.tanh() + a.relu() / b.sigmoid(), [0.5, -1.2], [1.0, 0.3])
    out["hessian"] = autograd.hessian(lambda a, b: (a * b).exp() + b.log(), [0.3, 2.0])
    out["checks"] = [autograd.gradcheck(lambda a: a.softplus() * a.sin(), [0.7]),
                     autograd.gradgradcheck(lambda a: a.sqrt() * a.cos(), [1.3])]

    data = {name: getattr(nn.datasets, name)(**kw) for name, kw in
            [("xor", {}), ("moons", {"n": 12, "seed": 1}), ("spiral", {"n_per_class": 4, "seed": 2})]}
    out["data"] = {name: [[list(map(float, x)) for x in X], [float(t) for t in y]] for name, (X, y) in data.items()}
    X, y = data["xor"]
    for name in sorted(nn.train.LOSSES):
        for kind in ("SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam"):
            model = nn.MLP(2, [3, 2 if name == "cross_entropy" else 1], seed=0,
                           output_activation="sigmoid" if name == "binary_cross_entropy" else "linear")
            optimizer = getattr(nn.optim, kind)(model.parameters(), lr=0.05)
            scheduler = nn.schedulers.StepLR(optimizer, 2, gamma=0.5)
            for _ in range(3):
                optimizer.zero_grad()
                targets = [int(t) if name == "cross_entropy" else (2 * t - 1 if name == "hinge" else t) for t in y]
                loss = autograd.sum([nn.losses.LOSSES[name](model([float(v) for v in x]), t)
                                     for x, t in zip(X, targets)]) / len(X)
                loss.backward()
                optimizer.step()
                scheduler.step()
            out[f"{name} {kind}"] = [p.data for p in model.parameters()]
    rnn = nn.RNN(1, 3, 1, seed=0)
    ys = rnn([[0.5], [-0.2], [0.1]])
    total = autograd.sum(ys)
    total.backward()
    out["rnn"] = [p.grad for p in rnn.parameters()]
    out["softmax"] = [v.data for v in nn.losses.softmax([Value(1.0), Value(2.0), Value(-3.0)])]
    model = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)  # fit: every sample on Values
    history = nn.fit(model, (X, y), loss="binary_cross_entropy", optimizer=nn.optim.Adam(model.parameters(), lr=0.1),
                     epochs=3, batch_size=2, seed=0, metrics=["accuracy"], progress=False, watch=(X[1], y[1]),
                     **({} if sys.argv[1] == "blocked" else {"batched": False}))  # the default, where NumPy is not
    out["fit"] = [history["loss"], history["accuracy"], [p.data for p in model.parameters()]]
    timeline = history.explore(layout="browser").data["timeline"]  # no dot, no NumPy: the page lays itself out
    out["timeline"] = [timeline["labels"], timeline["loss"], timeline["numbers"][-1]["grad"]]
    out["numpy"] = "numpy" in sys.modules and sys.modules["numpy"] is not None
    print(json.dumps(out))
''')


def _run(mode: str) -> dict[str, object]:
    run = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=300,
                         check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    result: dict[str, object] = json.loads(run.stdout)
    return result


def test_the_engine_and_nn_on_values_give_the_same_numbers_without_numpy() -> None:
    without, with_numpy = _run("blocked"), _run("free")
    assert without.pop("numpy") is False
    assert with_numpy.pop("numpy") is True  # the data sets are NumPy arrays where NumPy is installed
    assert without == with_numpy
    assert len(without) > 40
