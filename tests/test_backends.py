"""The replay on other array libraries (autograd.backends): torch, JAX and a bare array-API namespace give
NumPy's numbers, in float64 to 1e-10 and in float32 to its own tolerance; fit trains to the same weights on
each; and a library that is missing or unknown is refused, saying what to install."""

import math
import os

import array_api_strict
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import TraceError, Value
from autograd.testing import OPS, expressions


def _extra() -> list[tuple[str, str | None]]:
    """The backends ``scripts/gpu-check`` adds (``CHAINRULE_GPU_BACKENDS="torch:cuda,cupy"``)."""
    specs = [spec for spec in os.environ.get("CHAINRULE_GPU_BACKENDS", "").split(",") if spec]
    return [(spec.partition(":")[0], spec.partition(":")[2] or "0") for spec in specs]


OTHERS = [("torch", None), ("jax", None), (array_api_strict, None), *_extra()]
"""Every backend but NumPy, with its device: torch and JAX on the CPU and a bare array-API namespace here;
torch on CUDA and CuPy where ``scripts/gpu-check`` runs these tests on a machine with an NVIDIA GPU."""

SLOW = pytest.mark.slow
"""JAX compiles each trace for about half a second: its cases run in make test, not in make check's fast lane."""

IDS = [f"{getattr(b, '__name__', b)}{'_on_' + d.replace(':', '') if d else ''}" for b, d in OTHERS]
"""Each backend's name in the tests' ids: ``torch_on_cuda`` and ``cupy_on_0`` for the devices of a GPU."""

atan = autograd.define_op(
    "atan_for_backends", lambda x: math.atan(x), lambda x, out: (1 / (1 + x * x),), formula="atan({x})",
    words=("1/(1 + {x}²)",),
)


def _host(x):
    """Any backend's array as a NumPy array of float64 (copied from a device)."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy().astype(float)
    if isinstance(x, array_api_strict._array_object.Array):
        return np.asarray(x._array, dtype=float)
    if type(x).__module__.startswith("cupy"):
        return np.asarray(x.get(), dtype=float)
    return np.asarray(x, dtype=float)


def _close(got, want, rtol=1e-10):
    got, want = _host(got), np.asarray(want, dtype=float)
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


def _mlp_case(activation, loss):
    rng = np.random.default_rng(len(activation) * 7 + len(loss))
    outputs = 1 if loss == "hinge" else 3
    last = "sigmoid" if loss == "binary_cross_entropy" else "linear"
    model = nn.MLP(4, [5, outputs], activation=activation, output_activation=last, seed=3)
    fn_loss = nn.train.LOSSES[loss]
    X = rng.normal(size=(6, 4))
    if loss == "hinge":
        T = rng.choice([-1.0, 1.0], size=6)
    elif loss == "cross_entropy":
        T = rng.dirichlet(np.ones(outputs), size=6)
    else:
        T = rng.uniform(0.05, 0.95, size=(6, outputs))

    def fn(x, t):
        return fn_loss(model(x), t)

    return fn, model, X, T


def _cases():
    """Every activation with every loss on torch and array_api_strict; on JAX, whose jit compiles each trace
    for about half a second, every activation with mse and every loss with tanh."""
    for (backend, device), name in zip(OTHERS, IDS, strict=True):
        for activation in sorted(nn.ACTIVATIONS):
            for loss in sorted(nn.train.LOSSES):
                if name != "jax" or loss == "mse" or activation == "tanh":
                    yield pytest.param(backend, device, activation, loss, id=f"{name}-{activation}-{loss}",
                                       marks=SLOW if name == "jax" else ())


@pytest.mark.parametrize(("backend", "device", "activation", "loss"), list(_cases()))
def test_every_backend_gives_numpys_numbers_for_every_activation_and_loss(backend, device, activation, loss):
    fn, model, X, T = _mlp_case(activation, loss)
    numpy = autograd.trace(fn, (X[0], T[0]), parameters=model.parameters())
    other = autograd.trace(fn, (X[0], T[0]), parameters=model.parameters(), backend=backend, device=device)
    want = numpy.forward((X, T))
    want_grads = numpy.backward(reduction="sum", accumulate=False)
    got = other.forward((X, T))
    assert other.backend.is_array(got)
    _close(got, want)
    _close(other.backward(reduction="sum", accumulate=False), want_grads)
    for leaf in numpy.inputs[:3]:
        _close(other.grad(other.inputs[numpy.inputs.index(leaf)]), numpy.grad(leaf))
    _, want_tangents = numpy.jvp((X, T), (np.ones_like(X), np.zeros_like(T)))
    _, got_tangents = other.jvp((X, T), (np.ones_like(X), np.zeros_like(T)))
    _close(got_tangents, want_tangents)


@settings(max_examples=40)
@given(expressions(ops=(*OPS, "atan_for_backends"), min_inputs=2, max_inputs=4), st.data())
def test_random_graphs_on_a_bare_array_api_namespace_equal_numpy(expr, data):
    """array_api_strict has only what the standard promises (no scatter, no fancy writes, no NumPy
    conveniences), so every group and every repeat of a random graph is written the standard's way."""
    per_example = data.draw(st.integers(1, len(expr.inputs) - 1), label="per-example inputs")
    size = data.draw(st.integers(1, 3), label="batch")
    parameters = [Value(x) for x in expr.inputs[per_example:]]

    def fn(*xs):
        return expr(*xs, *parameters)

    batch = tuple(np.array([x + 1e-7 * j for j in range(size)]) for x in expr.inputs[:per_example])
    batch_arg = batch if per_example > 1 else batch[0]
    example = tuple(expr.inputs[:per_example])
    numpy = autograd.trace(fn, example, parameters=parameters)
    strict = autograd.trace(fn, example, parameters=parameters, backend=array_api_strict)
    _close(strict.forward(batch_arg), numpy.forward(batch_arg))
    _close(strict.backward(reduction="sum", accumulate=False), numpy.backward(reduction="sum", accumulate=False))
    for mine, theirs in zip(strict.inputs, numpy.inputs, strict=True):
        _close(strict.grad(mine), numpy.grad(theirs))


ALL = [pytest.param("numpy", None, id="numpy"), *(pytest.param(b, d, id=name, marks=SLOW if name == "jax" else ())
                                                    for (b, d), name in zip(OTHERS, IDS, strict=True))]
"""NumPy and every other backend, each with its device."""


@pytest.mark.parametrize(("backend", "device"), ALL)
def test_rows_that_repeat_are_added_by_each_librarys_scatter(backend, device):
    a, b = Value(2.0, "a"), Value(-3.0, "b")

    def fn(x, y):
        # x feeds both products of one group (a repeated operand), and one sum takes x twice and y once
        return autograd.sum([x * a, x * b, autograd.sum([x, x, y])]) * autograd.sum([y, x, y])

    traced = autograd.trace(fn, (1.0, 2.0), parameters=[a, b], backend=backend, device=device)
    xs, ys = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -2.0])
    got = traced.forward((xs, ys))
    grads = traced.backward(reduction="sum", accumulate=False)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        vx, vy = Value(float(x)), Value(float(y))
        out = fn(vx, vy)
        out.backward()
        assert float(_host(got)[i]) == pytest.approx(out.data, rel=1e-12)
        assert float(_host(traced.grad(traced.inputs[0]))[i]) == pytest.approx(vx.grad, rel=1e-12)
        assert float(_host(traced.grad(traced.inputs[1]))[i]) == pytest.approx(vy.grad, rel=1e-12)
    a.grad = b.grad = 0.0
    for x, y in zip(xs, ys, strict=True):
        fn(Value(float(x)), Value(float(y))).backward()
    _close(grads, [a.grad, b.grad], rtol=1e-12)


@pytest.mark.parametrize(("backend", "device"), ALL)
def test_float32_is_float64_to_its_documented_tolerance(backend, device):
    fn, model, X, T = _mlp_case("tanh", "cross_entropy")
    wide = autograd.trace(fn, (X[0], T[0]), parameters=model.parameters())
    narrow = autograd.trace(fn, (X[0], T[0]), parameters=model.parameters(), backend=backend, dtype="float32",
                            device=device)
    got = narrow.forward((X, T))
    assert str(got.dtype).endswith("float32")
    _close(got, wide.forward((X, T)), rtol=1e-5)
    _close(narrow.backward(accumulate=False), wide.backward(accumulate=False), rtol=1e-5)


def test_the_libraries_own_arrays_go_in_and_come_out_and_bad_ones_are_refused():
    traced = autograd.trace(lambda x: (x * 3.0).tanh(), 1.0, backend="torch")
    out = traced.forward(torch.tensor([0.1, -0.2], dtype=torch.float64))
    assert isinstance(out, torch.Tensor)
    assert out.tolist() == pytest.approx([math.tanh(0.3), math.tanh(-0.6)], rel=1e-15)
    assert traced.forward(torch.tensor([1, 2])).dtype == torch.float64  # integers become the backend's floats
    with pytest.raises(TraceError, match=r"argument 0 of the batch: expected real numbers, got an array of "
                                         r"torch.bool"):
        traced.forward(torch.tensor([True, False]))
    with pytest.raises(ValueError, match="argument 0 of the batch: holds a value that is not finite"):
        traced.forward(torch.tensor([1.0, math.nan]))
    with pytest.raises(TraceError, match=r"argument 0 of the batch has shape \(2, 2\)"):
        traced.forward(torch.ones(2, 2))
    jax_traced = autograd.trace(lambda x: (x * 3.0).tanh(), 1.0, backend="jax")
    assert type(jax_traced.forward(np.array([0.1]))).__module__.startswith("jax")


def test_a_missing_or_unknown_library_is_refused_saying_what_to_install():
    with pytest.raises(ValueError, match=r"trace: backend 'cupy' is not installed; pip install cupy-cuda12x "
                                         r"array-api-compat \(CuPy for your CUDA version; it needs an NVIDIA GPU\)"):
        autograd.trace(lambda x: x * 2.0, 1.0, backend="cupy")
    with pytest.raises(ValueError, match=r"trace: unknown backend 'tensorflow'; give one of \('numpy', 'torch', "
                                         r"'cupy', 'jax'\) or an array-API namespace"):
        autograd.trace(lambda x: x * 2.0, 1.0, backend="tensorflow")
    with pytest.raises(ValueError, match=r"backend must be one of .* or an array-API namespace \(a module with "
                                         r"__array_api_version__\), got <module 'math'"):
        autograd.trace(lambda x: x * 2.0, 1.0, backend=math)
    with pytest.raises(ValueError, match=r"trace: dtype must be one of \('float64', 'float32'\), got 'float16'"):
        autograd.trace(lambda x: x * 2.0, 1.0, dtype="float16")
    with pytest.raises(ValueError, match=r"trace: the numpy backend runs on the CPU only, got device='cuda'"):
        autograd.trace(lambda x: x * 2.0, 1.0, device="cuda")
    with pytest.raises(ValueError, match=r"fit: backend 'cupy' is not installed"):
        nn.fit(nn.MLP(2, [2, 1], seed=0), nn.datasets.xor(), progress=False, backend="cupy")


def test_jax_compiles_the_replay_except_where_a_user_op_computes_on_the_host():
    w = Value(0.5, "w")
    plain = autograd.trace(lambda x: (x * w).sigmoid(), 1.0, backend="jax")
    plain.forward(np.array([1.0, 2.0]))
    forward, backward = plain._schedule(False)
    assert hasattr(forward, "lower"), "jax.jit-compiled"
    assert hasattr(backward, "lower")
    hosted = autograd.trace(lambda x: atan(x * w), 1.0, backend="jax")
    got = hosted.forward(np.array([1.0, 2.0]))
    assert not hasattr(hosted._schedule(False)[0], "lower")
    assert np.asarray(got).tolist() == pytest.approx([math.atan(0.5), math.atan(1.0)], rel=1e-15)
    hosted.backward(accumulate=False)
    assert float(hosted.parameter_grads[0]) == pytest.approx((1 / (1 + 0.25) + 2 / (1 + 1.0)) / 2, rel=1e-14)


# Training: fit, evaluate and accuracy on each backend ---------------------------------------------------


def _fit(backend, optimizer, dtype="float64", device=None, **kwargs):
    X, y = nn.datasets.digits()
    X, y = np.asarray(X)[:400], np.asarray(y)[:400]
    model = nn.MLP(X.shape[1], [12, 10], seed=0)
    opt = optimizer(model.parameters(), lr=0.01)
    history = nn.fit(model, (X[:300], y[:300]), loss="cross_entropy", optimizer=opt, epochs=2, batch_size=32, seed=1,
                     val_data=(X[300:], y[300:]), metrics=["accuracy"], progress=False, backend=backend,
                     dtype=dtype, device=device, **kwargs)
    return model, opt, history


@pytest.mark.parametrize(("backend", "device", "optimizer"), [
    pytest.param(backend, device, optimizer, id=f"{name}-{optimizer.__name__}", marks=SLOW if name == "jax" else ())
    for (backend, device), name in zip(OTHERS, IDS, strict=True)
    for optimizer in ([nn.optim.Adam] if name == "jax" else [nn.optim.SGD, nn.optim.Adam, nn.optim.Adamax,
                                                             nn.optim.RMSprop])
])
def test_fit_trains_to_numpys_weights_on_every_backend(backend, device, optimizer):
    want, want_opt, want_history = _fit("numpy", optimizer)
    got, got_opt, got_history = _fit(backend, optimizer, device=device)
    for p, q in zip(got.parameters(), want.parameters(), strict=True):
        assert p.data == pytest.approx(q.data, rel=1e-10, abs=1e-12)
        assert isinstance(p.data, float)
        assert isinstance(p.grad, float)
    for key in want_history:
        assert got_history[key] == pytest.approx(want_history[key], rel=1e-10)
    saved, theirs = got_opt.state_dict()["state"], want_opt.state_dict()["state"]
    assert saved.keys() == theirs.keys()
    for k in theirs:
        assert saved[k] == pytest.approx(theirs[k], rel=1e-9, abs=1e-15)
    X, y = nn.datasets.digits()
    data = (np.asarray(X)[300:400], np.asarray(y)[300:400])
    assert nn.evaluate(got, data, "cross_entropy", backend=backend, device=device) == pytest.approx(
        nn.evaluate(got, data, "cross_entropy"), rel=1e-12)
    assert nn.accuracy(got, data, backend=backend, device=device) == nn.accuracy(got, data)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_fit_in_float32_trains_close_to_float64(backend):
    want, _, want_history = _fit("numpy", nn.optim.Adam)
    got, _, history = _fit(backend, nn.optim.Adam, dtype="float32")
    diffs = [abs(p.data - q.data) for p, q in zip(got.parameters(), want.parameters(), strict=True)]
    assert 0 < max(diffs) < 1e-4  # 20 Adam steps of at most 0.01, each rounded to float32's 24 bits
    assert history["loss"] == pytest.approx(want_history["loss"], rel=1e-5)


class Stop(KeyboardInterrupt):
    pass


def test_fit_on_torch_writes_the_weights_back_after_each_epoch_and_when_interrupted():
    model = nn.MLP(2, [4, 1], seed=0)
    seen = []

    def metric(output, target):
        seen.append([p.data for p in model.parameters()])  # validation runs on the replay: the Values are current
        return 0.0

    data = nn.datasets.xor()
    before = [p.data for p in model.parameters()]
    history = nn.fit(model, data, epochs=2, progress=False, backend="torch", val_data=data, metrics=[metric])
    assert len(history["loss"]) == 2
    assert seen
    assert seen[-1] == [p.data for p in model.parameters()] != before

    class Interrupting(nn.schedulers.StepLR):
        def step(self):  # the constructor steps once; the end of the first epoch is the second
            if getattr(self, "started", False):
                raise Stop
            self.started = True
            super().step()

    opt = nn.optim.SGD(model.parameters(), lr=0.5)
    before = [p.data for p in model.parameters()]
    with pytest.raises(Stop):
        nn.fit(model, data, optimizer=opt, epochs=3, progress=False, backend="torch",
               scheduler=Interrupting(opt, step_size=1))
    assert [p.data for p in model.parameters()] != before


def test_a_backend_demands_the_replay():
    with pytest.raises(ValueError, match=r"fit: backend 'torch' \(float64\) runs the replay, but batched=False asks "
                                         r"for the scalar path"):
        nn.fit(nn.MLP(2, [2, 1], seed=0), nn.datasets.xor(), progress=False, backend="torch", batched=False)
    rnn = nn.RNN(1, 2, 1, seed=0)
    sequences = [([[0.5], [0.25]], [1.0])]
    with pytest.raises(ValueError, match="fit: batched=True, but the model cannot be traced and replayed"):
        nn.fit(rnn, sequences, loss=lambda out, t: nn.mse(out[-1], t), progress=False, backend="torch")


def test_watch_scheduler_and_metrics_on_torch_record_numpys_timeline():
    def run(backend):
        data = nn.datasets.moons(40, seed=0)
        model = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=1)
        opt = nn.optim.Adam(model.parameters(), lr=0.05)
        history = nn.fit(model, data, loss="binary_cross_entropy", optimizer=opt, epochs=3, batch_size=8, seed=0,
                         metrics=["accuracy"], val_data=data, progress=False, backend=backend,
                         scheduler=nn.schedulers.StepLR(opt, step_size=1, gamma=0.5), watch=(data[0][0], data[1][0]),
                         watch_every=4)
        return history, opt

    want, want_opt = run("numpy")
    got, got_opt = run("torch")
    assert [w.label for w in got.watched] == [w.label for w in want.watched] == [
        "before training", "step 4", "step 8", "step 12"]
    for mine, theirs in zip(got.watched, want.watched, strict=True):
        assert mine.loss == pytest.approx(theirs.loss, rel=1e-10)
        assert mine.metrics == pytest.approx(theirs.metrics, rel=1e-10)
        assert mine.recorded.data == pytest.approx(theirs.recorded.data, rel=1e-10, abs=1e-14)
    for key in want:
        assert got[key] == pytest.approx(want[key], rel=1e-10)
    assert got_opt.param_groups[0]["lr"] == want_opt.param_groups[0]["lr"] == 0.05 * 0.5 ** 3
