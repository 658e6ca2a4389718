"""autograd.trace: one traced graph replayed over a batch with NumPy equals the scalar graphs, example by
example, and a batch that does not fit the trace is refused."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import TraceError, Value
from autograd.testing import OPS, expressions

atan = autograd.define_op(
    "atan_for_trace", lambda x: math.atan(x), lambda x, out: (1 / (1 + x * x),), formula="atan({x})",
    words=("1/(1 + {x}²)",),
)
"""A user op whose forward takes only floats (math.atan), so the replay applies it element by element."""

EVERY_OP = (*OPS, "atan_for_trace")


def _close(got, want, rtol=1e-12):
    """Equal to ``rtol`` relative to the size of the numbers involved."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


def _scalar_sums(fn, examples, parameters):
    """Each example's output and input gradients, and the parameters' gradients summed over the examples,
    from ordinary scalar graphs."""
    for p in parameters:
        p.grad = 0.0
    outputs, input_grads = [], []
    for example in examples:
        xs = [Value(float(v)) for v in example]
        out = fn(*xs)
        out.backward()
        outputs.append(out.data)
        input_grads.append([x.grad for x in xs])
    return outputs, input_grads, [p.grad for p in parameters]


@given(expressions(ops=EVERY_OP, min_inputs=2, max_inputs=4), st.data())
def test_replay_equals_the_scalar_graphs_summed_over_the_batch(trace, expr, data):
    """Random graphs with reuse, constants and a user op: the first inputs vary per example, the rest are
    parameters; outputs, each example's input gradients and the summed parameter gradients agree."""
    per_example = data.draw(st.integers(1, len(expr.inputs) - 1), label="per-example inputs")
    size = data.draw(st.integers(1, 4), label="batch")
    parameters = [Value(x) for x in expr.inputs[per_example:]]

    def fn(*xs):
        return expr(*xs, *parameters)

    examples = [[x + 1e-7 * j * (i + 1) for i, x in enumerate(expr.inputs[:per_example])] for j in range(size)]
    traced = trace(fn, tuple(expr.inputs[:per_example]), parameters=parameters)
    batch = tuple(np.array([e[i] for e in examples]) for i in range(per_example))
    got = traced.forward(batch if per_example > 1 else batch[0])
    got_params = traced.backward(reduction="sum", accumulate=False)
    outputs, input_grads, param_grads = _scalar_sums(fn, examples, parameters)
    _close(got, outputs)
    _close(got_params, param_grads)
    for i, leaf in enumerate(traced.inputs):
        _close(traced.grad(leaf), [g[i] for g in input_grads])


def _targets(loss, rng, size, outputs):
    if loss == "hinge":
        return rng.choice([-1.0, 1.0], size=(size, outputs))
    if loss == "cross_entropy":
        return rng.dirichlet(np.ones(outputs), size=size)  # probability rows; class indices: see test_train
    return rng.uniform(0.05, 0.95, size=(size, outputs))


@pytest.mark.parametrize("activation", sorted(nn.ACTIVATIONS))
@pytest.mark.parametrize("loss", sorted(nn.train.LOSSES))
def test_replayed_mlps_equal_the_scalar_graphs_for_every_activation_and_loss(trace, activation, loss):
    rng = np.random.default_rng(len(activation) * 7 + len(loss))
    outputs = 1 if loss == "hinge" else 3
    last = "sigmoid" if loss == "binary_cross_entropy" else "linear"
    model = nn.MLP(4, [5, outputs], activation=activation, output_activation=last, seed=3)
    fn_loss = nn.train.LOSSES[loss]
    X, T = rng.normal(size=(6, 4)), _targets(loss, rng, 6, outputs)
    if outputs == 1:
        T = T[:, 0]

    def fn(x, t):
        return fn_loss(model(x), t)

    traced = trace(fn, (X[0], T[0]), parameters=model.parameters())
    got = traced.forward((X, T))
    got_grads = traced.backward(reduction="sum", accumulate=False)
    model.zero_grad()
    want = []
    for x, t in zip(X, T, strict=True):
        out = fn(list(x), t.tolist() if outputs > 1 else float(t))
        out.backward()
        want.append(out.data)
    _close(got, want)
    _close(got_grads, [p.grad for p in model.parameters()])


def test_mean_reduction_divides_by_the_batch_and_accumulates_into_grad_as_backward_does(trace):
    w = Value(2.0, "w")
    traced = trace(lambda x: w * x * x, 1.0)
    traced.forward(np.array([1.0, 2.0, 3.0]))
    w.grad = 10.0
    grads = traced.backward()
    assert grads.tolist() == [pytest.approx((1 + 4 + 9) / 3)]
    assert w.grad == pytest.approx(10 + 14 / 3)
    assert traced.grad(traced.inputs[0]).tolist() == pytest.approx([4 / 3, 8 / 3, 12 / 3])


def test_example_i_is_a_scalar_graph_equal_to_a_fresh_forward_data_and_grads(trace):
    model = nn.MLP(3, [4, 2], activation="tanh", seed=1)
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(5, 3)), rng.dirichlet(np.ones(2), size=5)

    def fn(x, t):
        return nn.cross_entropy(model(x), t)

    traced = trace(fn, (X[0], T[0]))
    batched = traced.forward((X, T))
    rebuilt = traced.example(3)
    assert isinstance(rebuilt, Value)
    assert rebuilt.data == pytest.approx(float(batched[3]), rel=1e-14)
    fresh = fn([Value(float(v)) for v in X[3]], [Value(float(v)) for v in T[3]])  # targets are leaves too
    assert rebuilt.data == pytest.approx(fresh.data, rel=1e-14)
    rebuilt_nodes = autograd.topological_order(rebuilt)
    fresh_nodes = autograd.topological_order(fresh)
    assert [n.op for n in rebuilt_nodes] == [n.op for n in fresh_nodes]
    assert [n.label for n in rebuilt_nodes] == [n.label for n in fresh_nodes]
    model.zero_grad()
    fresh.backward()
    want = [p.grad for p in model.parameters()]
    model.zero_grad()
    rebuilt.backward()
    assert [p.grad for p in model.parameters()] == pytest.approx(want, rel=1e-12, abs=1e-15)
    autograd.zero_grad(rebuilt)
    steps = list(autograd.backward_steps(rebuilt))
    assert len(steps) == sum(1 for n in rebuilt_nodes if n.parents)


def test_a_layer_is_one_matrix_product_and_the_groups_do_not_grow_with_width():
    from autograd.trace import _MatrixGroup

    def groups(width):
        model = nn.MLP(8, [width, 3], activation="sigmoid", seed=0)
        traced = autograd.trace(lambda x, t: nn.mse(model(x), t), (np.zeros(8), np.zeros(3)))
        return traced.groups

    narrow, wide = groups(4), groups(64)
    assert len(narrow) == len(wide)
    dots = [g for g in wide if isinstance(g, _MatrixGroup)]
    assert [g.stop - g.start for g in dots] == [64, 3]
    assert all(g.kernel is autograd.RULES["dot"].batched for g in dots), "the kernel is the dot row's own"
    assert all(g.view is not None for g in dots), "a layer's weights are a view of the parameter vector"


def test_the_replay_s_delta_vectors_are_the_scalar_graphs_gradients_at_the_pre_activations(trace):
    model = nn.MLP(3, [4, 2], activation="sigmoid", output_activation="sigmoid", seed=2)
    rng = np.random.default_rng(1)
    X, T = rng.normal(size=(4, 3)), rng.uniform(size=(4, 2))
    traced = trace(lambda x, t: nn.half_sse(model(x), t), (X[0], T[0]))
    traced.forward((X, T))
    traced.backward(reduction="sum", accumulate=False)
    out = model([Value(float(v)) for v in X[2]])
    loss = nn.half_sse(out, T[2].tolist())
    loss.backward()
    nets = {n.label: n for n in autograd.topological_order(loss) if n.label and n.label.endswith(".net")}
    assert len(nets) == 6
    for name, node in nets.items():
        assert traced.grad(name)[2] == pytest.approx(node.grad, rel=1e-12)
        assert traced.data(name)[2] == pytest.approx(node.data, rel=1e-14)


def test_data_dependent_control_flow_is_refused_for_the_example_that_branches_otherwise(trace):
    def fn(x):
        return x * 2.0 if x > 0 else x * 3.0

    traced = trace(fn, 1.0)
    assert traced.forward(np.array([1.0, 5.0])).tolist() == [2.0, 10.0]
    with pytest.raises(TraceError, match=r"example 2 of the batch does not fit the trace: the comparison leaf#0 > "
                                         r"0.0 was True when fn was traced and is False"):
        traced.forward(np.array([1.0, 5.0, -1.0]))


def test_a_batch_of_another_shape_is_refused(trace):
    traced = trace(lambda xs: autograd.sum(xs), [1.0, 2.0, 3.0])
    assert traced.forward(np.ones((2, 3))).tolist() == [3.0, 3.0]
    with pytest.raises(TraceError, match=r"argument 0 of the batch has shape \(2, 4\); the trace expects "
                                         r"\(batch, 3\)"):
        traced.forward(np.ones((2, 4)))
    two = trace(lambda x, t: x * t, (1.0, 2.0))
    with pytest.raises(TraceError, match="expected a batch of 2 arrays"):
        two.forward(np.ones(2))
    with pytest.raises(TraceError, match="argument 1 has 3 examples, argument 0 2"):
        two.forward((np.ones(2), np.ones(3)))


def test_a_value_that_is_not_finite_names_the_op_the_node_and_the_example(trace):
    traced = trace(lambda x: (x * 2.0).log(), 1.0)
    with pytest.raises(ValueError, match=r"Trace.forward: example 1: log#2 = log\(mul_const#1=-2.0\): math domain "
                       r"error \(log is defined for mul_const#1 > 0\)"):
        traced.forward(np.array([1.0, -1.0]))
    with autograd.detect_anomaly(), pytest.raises(autograd.AnomalyError, match="example 1") as caught:
        traced.forward(np.array([1.0, -1.0]))
    assert caught.value.phase == "forward"
    assert caught.value.op == "log"
    root = trace(lambda x: x.sqrt(), 1.0)
    root.forward(np.array([4.0, 0.0]))
    with autograd.detect_anomaly(), pytest.raises(autograd.AnomalyError, match=r"example 1: ∂/∂leaf#0 is inf"):
        root.backward()


def test_misuse_gets_clear_errors(trace):
    traced = trace(lambda x: [x * 2.0, x * 3.0], 1.0)
    with pytest.raises(TraceError, match="call forward"):
        traced.backward()
    traced.forward(np.ones(2))
    with pytest.raises(TraceError, match="fn returned 2 outputs; give grad_outputs"):
        traced.backward()
    assert np.asarray(traced.backward(grad_outputs=np.ones((2, 2)), accumulate=False)).size == 0
    assert traced.grad(traced.inputs[0]).tolist() == [5.0, 5.0]
    with pytest.raises(TypeError, match="must return a Value or a non-empty sequence of Values"):
        trace(lambda x: 3.0, 1.0)
    with pytest.raises(TypeError, match="give the example as numbers, not Values"):
        trace(lambda x: x, Value(1.0))
    unused = Value(0.5)
    with pytest.raises(TraceError, match="which the outputs do not depend on"):
        trace(lambda x: x * 2.0 if unused > 0 else x, 1.0)
    with pytest.raises(IndexError, match="out of range for a batch of 2"):
        traced.example(2)


def test_leaves_are_inputs_parameters_or_constants(trace):
    w, c = Value(2.0, "w"), Value(3.0, "c")
    traced = trace(lambda x: w * x + c, 1.0, parameters=[w])
    roles = {traced.graph.name(n): traced.role(n) for n in traced.graph.nodes}
    assert roles == {"w": "parameter", "leaf#2": "input", "mul#3": "op", "c": "constant", "add#4": "op"}
    assert traced.forward(np.array([1.0, 2.0])).tolist() == [5.0, 7.0]
    assert traced.backward(accumulate=False).tolist() == [1.5]  # the mean of x: c has no gradient to give
    c.data = 10.0  # constants are read at each forward, as parameters are
    assert traced.forward(np.array([1.0]), parameters=np.array([1.0])).tolist() == [11.0]
    assert traced.example(0).data == 11.0  # as the replay: a new leaf holds the w given to forward
    with pytest.raises(TraceError, match=r"parameters must be a vector of 1 numbers, got shape \(2,\)"):
        traced.forward(np.array([1.0]), parameters=np.ones(2))


def test_training_can_skip_the_inputs_gradients_and_get_the_same_parameter_gradients(trace):
    model = nn.MLP(3, [4, 2], seed=0)
    traced = trace(lambda x, t: nn.mse(model(x), t), (np.zeros(3), np.zeros(2)))
    rng = np.random.default_rng(2)
    batch = (rng.normal(size=(5, 3)), rng.normal(size=(5, 2)))
    traced.forward(batch)
    full = traced.backward(accumulate=False)
    assert all(traced.grad(x).any() for x in traced.inputs)
    lean = traced.backward(accumulate=False, input_grads=False)
    assert lean.tolist() == full.tolist()
    assert not any(traced.grad(x).any() for x in traced.inputs)


def test_forward_inputs_is_forward_for_a_batch_laid_out_as_the_table_and_refuses_anything_else(trace):
    model = nn.MLP(3, [4, 2], activation="sigmoid", seed=0)
    traced = trace(lambda x, t: nn.half_sse(model(x), t), (np.zeros(3), np.zeros(2)))
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    want = traced.forward((X, T))
    params = traced.parameter_data()
    np.testing.assert_array_equal(traced.forward_inputs([X.T, T.T], params), want)
    np.testing.assert_array_equal(traced.forward_inputs([X.astype(np.float32).T, T.T], params),
                                  traced.forward((X.astype(np.float32), T)))
    refusal = r"Trace.forward_inputs: inputs must be float64 or float32 blocks of 5 rows in all, each with one column "
    for blocks, shown in [([X.T], r"\[\(3, 5\)\]"), ([X.T, T.T[:, :4]], r"\(2, 4\)"), ([X.T.astype(int), T.T], "")]:
        with pytest.raises(autograd.TraceError, match=refusal + r"per example, got shapes.*" + shown):
            traced.forward_inputs(blocks, params)
    with pytest.raises(autograd.TraceError, match="parameters must be a float64 vector of 26"):
        traced.forward_inputs([X.T, T.T], params[:-1])


def test_the_replay_is_compiled_into_straight_line_code_that_shows_each_group():
    model = nn.MLP(3, [4, 2], activation="sigmoid", seed=0)
    traced = autograd.trace(lambda x, t: nn.half_sse(model(x), t), (np.zeros(3), np.zeros(2)))
    source = traced.source()
    forward, backward = source.split("\n\n")
    assert forward.startswith("def forward(rows, params):")
    assert backward.startswith("def backward(rows, params, grads, pgrads, skip_inputs):")
    assert len(forward.splitlines()) == 1 + len(traced.groups)  # one line per group
    assert "params[0:16].reshape(4, 4)[:, :3]" in forward  # the first layer's W, a view of the parameters
    assert "params[3:16:4][:, None]" in forward  # its biases, one after each neuron's weights: a strided slice
    X, T = np.ones((2, 3)), np.zeros((2, 2))
    plain = traced.forward((X, T))
    with autograd.detect_anomaly():  # the checked variant gives the same numbers
        np.testing.assert_array_equal(traced.forward((X, T)), plain)
