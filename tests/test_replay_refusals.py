"""The replay equals the scalar path or refuses: each case from the hostile review (issue 17, part 2)."""

import math

import numpy as np
import pytest

import autograd
import nn
from autograd import TraceError, Value
from autograd.extend import RULES, apply


class Stop(KeyboardInterrupt):
    """Ctrl-C, raised from inside training."""


class InterruptingScheduler(nn.schedulers.StepLR):
    """Interrupted at the end of the first epoch, once training has changed the weights."""

    def step(self):
        if getattr(self, "started", False):
            raise Stop
        self.started = True
        super().step()


@pytest.mark.parametrize(("batched", "backend"), [(True, "numpy"), (True, "torch"), (False, "numpy")])
def test_fit_keeps_what_it_trained_when_the_scheduler_is_interrupted(batched, backend):
    data = nn.datasets.xor()
    model = nn.MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    opt = nn.optim.SGD(model.parameters(), lr=0.5)
    with pytest.raises(Stop):
        nn.fit(model, data, optimizer=opt, epochs=3, progress=False, batched=batched, backend=backend,
               scheduler=InterruptingScheduler(opt, step_size=1))
    assert model.state_dict() != before


def test_fit_keeps_what_it_trained_when_a_validation_metric_is_interrupted(fit_backend):
    data = nn.datasets.xor()
    validation = (data[0][:3], data[1][:3])
    calls = []

    def interrupting(output, target):
        calls.append(1)
        # the first example of each data set is scored before training, then every training example: past
        # that, the epoch is over and this is validation
        if len(calls) > 2 + len(data[0]):
            raise Stop
        return 0.0

    trained = {}
    for batched in (True, False):
        model = nn.MLP(2, [4, 1], seed=0)
        calls.clear()
        with pytest.raises(Stop):
            nn.fit(model, data, epochs=2, progress=False, batched=batched, val_data=validation,
                   metrics=[interrupting], shuffle=False, backend=fit_backend if batched else "numpy")
        trained[batched] = model.state_dict()
    assert trained[True] != nn.MLP(2, [4, 1], seed=0).state_dict()
    for name, value in trained[False].items():
        assert trained[True][name] == pytest.approx(value, rel=1e-9, abs=1e-12)


def _linear_trace(trace):
    w, b = Value(2.0, "w"), Value(1.0, "b")
    return trace(lambda x: w * x + b, 1.0, parameters=[w, b])


def test_strided_and_reversed_parameter_vectors_are_read_as_numbers(trace):
    traced = _linear_trace(trace)
    x = np.array([3.0, 0.0])
    matrix = np.array([[2.0, 7.0], [0.5, 9.0]])
    column = matrix[:, 0]  # [2.0, 0.5], strided
    assert traced.forward(x, parameters=column).tolist() == [6.5, 2.0 * 0 + 0.5]
    reversed_view = np.array([1.0, 2.0])[::-1]  # [2.0, 1.0]
    assert traced.forward(x, parameters=reversed_view).tolist() == [7.0, 1.0]
    mlp = nn.MLP(3, [4, 2], seed=1)
    traced = trace(lambda x: mlp(x), np.zeros(3), parameters=mlp.parameters())
    vector = np.asarray(traced.parameter_data())
    wide = np.zeros((vector.size, 3))
    wide[:, 1] = vector
    batch = np.random.default_rng(0).normal(size=(4, 3))
    assert np.array_equal(traced.forward(batch, parameters=wide[:, 1]), traced.forward(batch))


def test_a_user_op_cannot_change_the_replay_or_the_callers_arrays(trace):
    def forward(x):
        x -= 1.0  # on a float a new number; on the replay's arrays it must not write
        return x * 7.0 + 7.0

    shifted = autograd.define_op("shifted_affine", forward, lambda x, out: (7.0,))
    w = Value(2.0, "w")

    def fn(x):
        return shifted(w) + shifted(x * w) + x * w  # the op reads the parameter itself, and a row of the table

    traced = trace(fn, 1.0, parameters=[w])
    params = np.array([2.0])
    got = traced.forward(np.array([0.5, 1.5]), parameters=params)
    scalar = [fn(Value(x)).data for x in (0.5, 1.5)]
    assert got.tolist() == scalar == [14.0 + 7.0 + 1.0, 14.0 + 21.0 + 3.0]
    assert params.tolist() == [2.0]
    assert traced.forward(np.array([0.5, 1.5])).tolist() == scalar
    assert w.data == 2.0


def test_a_dot_node_with_two_bias_terms_adds_both(trace):
    w, b1, b2 = Value(1.0, "w"), Value(2.0, "b1"), Value(3.0, "b2")
    traced = trace(lambda x: apply(RULES["dot"], (w, x, b1, b2), 1), 5.0, parameters=[w, b1, b2])
    assert traced.forward(np.array([5.0, 7.0])).tolist() == [10.0, 12.0]
    assert traced.backward(reduction="sum", accumulate=False).tolist() == [12.0, 2.0, 2.0]


@pytest.mark.parametrize(("fn", "x", "error", "message"), [
    (lambda x: x.exp().tanh(), 1000.0, OverflowError, r"example 1: exp#1 = exp\(leaf#0=1000.0\): math range error"),
    (lambda x: x.log().relu(), 0.0, ValueError, r"example 1: log#1 = log\(leaf#0=0.0\): math domain error"),
])
def test_a_non_finite_value_hidden_by_a_later_op_is_refused_as_the_scalar_path_refuses(trace, fn, x, error, message):
    with pytest.raises(error):
        fn(Value(x))
    traced = trace(fn, 1.0)
    with pytest.raises(error, match=message):
        traced.forward(np.array([1.0, x]))


def test_an_infinite_partial_is_refused_in_backward_as_the_scalar_path_refuses(trace):
    root = Value(0.0)
    with pytest.raises(ValueError, match=r"the partials of sqrt\(leaf#0=0.0\): ∂√x/∂x = 1/\(2√x\) is infinite"):
        root.sqrt().backward()
    traced = trace(lambda x: x.sqrt(), 1.0)
    traced.forward(np.array([4.0, 0.0]))
    with pytest.raises(ValueError, match=r"Trace.backward: example 1: the partials of sqrt\(leaf#0=0.0\): ∂√x/∂x = "
                                         r"1/\(2√x\) is infinite"):
        traced.backward()


@pytest.mark.parametrize("batch", [
    np.array([1 + 5j, 2]), ["1.5", "2"], np.array(["1", "2"]), [True, 2.0], np.array([True, False]), [1, "x"],
])
def test_strings_bools_and_complex_numbers_are_refused(trace, batch):
    traced = trace(lambda x: x * 2.0, 1.0)
    with pytest.raises(TraceError, match="argument 0 of the batch"):
        traced.forward(batch)
    with pytest.raises(TraceError, match="parameters"):
        _linear_trace(trace).forward(np.array([1.0]), parameters=["2", "1"])


def test_accuracy_refuses_strings_as_the_scalar_path_does():
    model = nn.MLP(2, [3, 1], seed=0)
    data = ([["0", "1"], ["1", "0"]], [0, 1])
    with pytest.raises(TypeError, match="expected a real number"):
        nn.accuracy(model, data, batched=False)
    with pytest.raises(TypeError, match="expected a real number"):
        nn.accuracy(model, data)
    with pytest.raises(ValueError, match=r"cannot be traced.*expected real numbers, got str"):
        nn.accuracy(model, data, batched=True)


def test_example_reads_the_parameters_forward_was_given(trace):
    mlp = nn.MLP(2, [3, 1], seed=0)
    traced = trace(lambda x: mlp(x), np.zeros(2), parameters=mlp.parameters())
    vector = traced.parameter_data() * -2.5
    got = traced.forward(np.array([[0.3, -0.7]]), parameters=vector)
    assert traced.example(0).data == pytest.approx(float(got[0]), rel=1e-12)
    assert traced.example(np.int64(0)).data == pytest.approx(float(got[0]), rel=1e-12)
    traced.forward(np.array([[0.3, -0.7]]))
    example = traced.example(0)
    example.backward()  # with the model's own parameters, whose .grad it fills
    assert any(p.grad != 0.0 for p in mlp.parameters())


def test_a_refused_batch_changes_nothing(trace):
    w = Value(1.0, "w")

    def fn(x):
        return (x * w).relu() if x > 0 else x * w

    traced = trace(fn, 1.0, parameters=[w])
    traced.forward(np.array([1.0, 2.0]))
    good = traced.data(traced.outputs[0]).tolist()
    with pytest.raises(TraceError, match="does not fit the trace"):
        traced.forward(np.array([3.0, -4.0]))
    assert traced.data(traced.outputs[0]).tolist() == good
    assert traced.example(1).data == 2.0
    w.grad = 0.0
    traced.backward(reduction="sum")
    assert w.grad == 3.0  # the gradient of the accepted batch, x = 1 and 2
    with pytest.raises(ValueError, match="example 1: log"):
        trace(lambda x: x.log(), 1.0).forward(np.array([1.0, -1.0]))


def test_a_refused_backward_changes_nothing(trace):
    w = Value(0.0, "w")
    traced = trace(lambda x: (x * w).sqrt(), 1.0, parameters=[w])
    traced.forward(np.array([1.0]))
    with pytest.raises(ValueError, match="partials of sqrt"):
        traced.backward()
    assert w.grad == 0.0
    with pytest.raises(TraceError, match="call backward"):
        traced.grad(traced.outputs[0])


def test_messages_for_an_empty_batch_a_parameter_output_and_a_numpy_index(trace):
    traced = trace(lambda x: [v * 2.0 for v in x], [1.0, 2.0])
    with pytest.raises(TraceError, match="the batch is empty"):
        traced.forward(np.zeros((0, 2)))
    with pytest.raises(TraceError, match="the batch is empty"):
        traced.forward([])
    w = Value(3.0, "w")
    with pytest.raises(TraceError, match="fn returned w, a parameter that is the same for every example"):
        trace(lambda x: [x * w, w], 1.0)
    traced = trace(lambda x: x * 2.0, 1.0)
    traced.forward(np.arange(5.0))
    assert traced.example(np.int64(3)).data == 6.0
    with pytest.raises(IndexError, match="out of range"):
        traced.example(np.int64(5))
    with pytest.raises(TypeError, match="whole number"):
        traced.example(1.0)
    assert math.isfinite(traced.example(-1).data)
