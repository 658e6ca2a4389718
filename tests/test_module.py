"""nn modules: Neuron, Layer, MLP and RNN; parameters by name, forward, state dicts, gradcheck_parameters."""

import math

import pytest

import autograd
import nn
from autograd import Value


def test_mlp_structure_names_and_repr():
    model = nn.MLP(2, [4, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == 4 * 3 + 5 == len(model.parameters())
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert [p.label for p in model.parameters()] == names
    assert repr(model) == "MLP(nin=2, sizes=[4, 1], activation='tanh', output_activation='linear')"
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    assert out.label == "layers.1.neurons.0.net"
    assert out.op == "dot"  # the linear output neuron: w (4), its inputs (the hidden outputs), then b
    assert [p.label for p in out.parents[:5]] == ["layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1",
                                                  "layers.1.neurons.0.w.2", "layers.1.neurons.0.w.3",
                                                  "layers.0.neurons.0.out"]
    assert out.parents[-1].label == "layers.1.neurons.0.b"
    assert model.layers[1].prefix == "layers.1"
    assert model.layers[1].neurons[0].prefix == "layers.1.neurons.0"
    assert model.prefix == ""


def test_calling_a_module_runs_its_forward():
    class Doubled(nn.MLP):
        def forward(self, x):
            return super().forward(x) * 2.0

    plain, doubled = nn.MLP(2, [3, 1], seed=4), Doubled(2, [3, 1], seed=4)
    assert doubled([0.5, 0.25]).data == 2 * plain([0.5, 0.25]).data
    layer = nn.Layer(2, 2, seed=0)
    assert [v.data for v in layer([1.0, 2.0])] == [v.data for v in layer.forward([1.0, 2.0])]
    assert [v.data for v in layer.forward_values([Value(1.0), Value(2.0)])] == [v.data for v in layer([1.0, 2.0])]
    with pytest.raises(NotImplementedError, match="Module does not define forward"):
        nn.Module()([1.0])


def test_a_neuron_is_one_dot_node_and_its_activation():
    neuron = nn.Neuron(3, activation="sigmoid", seed=1)
    out = neuron([1.0, 2.0, 3.0])
    assert out.op == "sigmoid"
    (net,) = out.parents
    assert net.op == "dot"
    assert len(net.parents) == 7  # 3 weights, 3 inputs, bias
    assert nn.Neuron(2, activation="linear")([1.0, 1.0]).op == "dot"


@pytest.mark.parametrize("activation", sorted(nn.ACTIVATIONS))
def test_every_activation(activation):
    layer = nn.Layer(2, 3, activation=activation, seed=0)
    outs = layer([0.3, -0.7])
    assert len(outs) == 3
    assert all(math.isfinite(o.data) for o in outs)


def test_seeds_make_models_reproducible_and_inits_differ():
    a, b = nn.MLP(3, [5, 2], seed=7), nn.MLP(3, [5, 2], seed=7)
    assert a.state_dict() == b.state_dict()
    assert nn.MLP(3, [5, 2], seed=8).state_dict() != a.state_dict()
    uniform = nn.MLP(100, [100], init="uniform", seed=0).parameters()
    xavier = nn.MLP(100, [100], init="xavier", seed=0).parameters()
    he = nn.MLP(100, [100], init="he", seed=0).parameters()
    spread = {name: max(abs(p.data) for p in ps) for name, ps in (("u", uniform), ("x", xavier), ("h", he))}
    assert 0.9 < spread["u"] <= 1.0
    assert spread["x"] <= math.sqrt(6 / 200)
    assert 0.3 < spread["h"] < 1.0  # N(0, 2/100): σ ≈ 0.14, max of 10,000 draws ≈ 4σ
    assert all(p.data == 0.0 for name, p in nn.MLP(3, [2], init="he", seed=0).named_parameters() if name.endswith("b"))


def test_weights_can_be_set_exactly():
    neuron = nn.Neuron(2, activation="sigmoid")
    neuron.set_weights([0.15, 0.20], 0.35)
    out = neuron([0.05, 0.10])
    assert out.data == pytest.approx(0.593269992, abs=1e-9)  # out_h1 of the classic worked example
    with pytest.raises(ValueError, match="expected 2 weights"):
        neuron.set_weights([1.0], 0.0)
    with pytest.raises(ValueError, match="b must be a finite number"):
        neuron.set_weights([1.0, 2.0], float("nan"))


def test_zero_grad_and_state_dict():
    model = nn.MLP(2, [3, 1], seed=0)
    out = model([1.0, 2.0])
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    state = model.state_dict()
    other = nn.MLP(2, [3, 1], seed=1)
    other.load_state_dict(state)
    assert other.state_dict() == state


def test_load_state_dict_rejects_mismatches_and_changes_nothing():
    model = nn.MLP(2, [2], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"missing \['layers.0.neurons.1.b'\]"):
        model.load_state_dict({k: v for k, v in before.items() if k != "layers.0.neurons.1.b"})
    with pytest.raises(ValueError, match="unexpected"):
        model.load_state_dict({**before, "extra": 1.0})
    bad = dict(before)
    bad["layers.0.neurons.1.w.1"] = "x"
    with pytest.raises(ValueError, match=r"layers\.0\.neurons\.1\.w\.1 must be a finite number"):
        model.load_state_dict(bad)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.MLP(0, [1]), "nin must be a whole number of at least 1, got 0"),
        (lambda: nn.MLP(2, []), "sizes must be a non-empty list"),
        (lambda: nn.MLP(2, [3, 0]), "each layer size must be"),
        (lambda: nn.MLP(2, [1], activation="swish"), "unknown activation 'swish'"),
        (lambda: nn.MLP(2, [1], init="zeros"), "unknown init 'zeros'"),
        (lambda: nn.MLP(2, [1])([1.0]), "expected 2 inputs, got 1"),
        (lambda: nn.RNN(1, 2, 1)([]), "non-empty sequence"),
    ],
)
def test_bad_arguments_are_named(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_rnn_shares_weights_over_time_and_passes_gradcheck():
    rnn = nn.RNN(1, 2, 1, seed=0)
    sequence = [[0.5], [-0.3], [0.8]]
    before = rnn.parameters()

    def loss(model):
        return autograd.sum([(y - 0.1) ** 2 for y in model(sequence)])

    assert nn.gradcheck_parameters(rnn, loss)
    assert rnn.parameters() == before  # the same objects are back in place


def test_module_gradcheck_names_a_wrong_parameter_gradient():
    model = nn.MLP(2, [2, 1], seed=0)
    half_square = autograd.define_op("half_wrong_square_for_tests", lambda x: x * x, lambda x, out: (x,))
    with pytest.raises(autograd.GradcheckError, match=r"input 0 \(layers.0.neurons.0.w.0\): analytic"):
        nn.gradcheck_parameters(model, lambda m: half_square(m([0.3, -0.2])))
    assert nn.gradcheck_parameters(model, lambda m: m([0.3, -0.2]) ** 2)


def test_rnn_gradient_is_the_sum_over_time_steps():
    rnn = nn.RNN(1, 1, 1, seed=2)
    w_h = rnn.cell.neurons[0].w[1]  # the recurrent weight
    outputs = rnn([[1.0], [0.5], [-0.5]])
    loss = outputs[-1]
    loss.backward()
    total = w_h.grad
    # ∂loss/∂w_h is the sum over the three uses of w_h (one per step) of upstream × h_(t-1).
    uses = [node for node in autograd.topological_order(loss) if node.op == "dot" and w_h in node.parents]
    assert len(uses) == 3
    per_step = [node.grad * node.parents[node.parents.index(w_h) + 2].data for node in uses]
    assert total == pytest.approx(math.fsum(per_step), rel=1e-12)
    assert per_step[0] == 0.0  # h_(-1) = 0


def test_rnn_unroll_returns_the_outputs_and_the_last_hidden_state():
    rnn = nn.RNN(1, 2, 1, seed=3)
    sequence = [[0.5], [-0.3]]
    outputs, h = rnn.unroll(sequence)
    assert [y.data for y in outputs] == [y.data for y in rnn(sequence)]
    assert [v.label for v in h] == ["t1.h.0", "t1.h.1"]
    assert [y.label for y in outputs] == ["t0.y", "t1.y"]
    assert h[0].parents[0].label == "t1.cell.neurons.0.net"
    x = outputs[0].parents[2].parents[0].parents  # t0.y's input t0.h.0, its net, the net's inputs
    assert "t0.x" in [v.label for v in x]
    _, h_first = rnn.unroll(sequence[:1])
    again, _ = rnn.unroll(sequence[1:], h0=h_first)
    assert again[0].data == outputs[1].data  # carrying the state on is the same as one longer run


def test_an_rnn_takes_a_sequence_as_an_array():
    import numpy as np

    rnn = nn.RNN(2, 3, 1, seed=0)
    sequence = np.array([[0.5, -0.2], [0.1, 0.3]])
    as_array = [y.data for y in rnn(sequence)]
    assert as_array == [y.data for y in rnn(sequence.tolist())]


def test_parameters_are_named_parameters_in_order_for_every_built_in_module():
    for model in (nn.Neuron(3), nn.Layer(3, 2), nn.MLP(3, [4, 2]), nn.RNN(2, 3, 1)):
        assert all(a is b for a, b in zip(model.parameters(), [p for _, p in model.named_parameters()], strict=True))


def test_a_model_names_the_inputs_it_makes_and_each_loss_names_its_output():
    model = nn.MLP(3, [2, 1], seed=0)
    loss = nn.mse(model([0.5, -1.0, 2.0]), 1.0)
    graph = autograd.Graph.of(loss)
    names = [graph.name(n) for n in graph.nodes]
    assert {"x0", "x1", "x2", "mse"} <= set(names)
    assert not any(name.startswith("leaf#") for name in names)
    given = autograd.Value(0.5, "pixel")
    assert "pixel" in [n.label for n in autograd.Graph.of(model([given, 0.0, 0.0])).nodes]  # a Value keeps its own
    for name, target in [("half_sse", 1.0), ("binary_cross_entropy", 1.0), ("hinge", 1.0)]:
        out = nn.Neuron(3, activation="sigmoid", seed=0)([0.1, 0.2, 0.3])
        assert nn.losses.LOSSES[name](out, target).label == name
    assert nn.cross_entropy(nn.MLP(2, [3], seed=0)([1.0, 2.0]), 1).label == "cross_entropy"
    assert nn.cross_entropy(nn.MLP(2, [3], seed=0)([1.0, 2.0]), [0.0, 1.0, 0.0]).label == "cross_entropy"
    rnn = nn.RNN(1, 2, 1, seed=0)
    assert "t0.x" in [n.label for n in autograd.Graph.of(rnn([[1.0]])[0]).nodes]  # the steps name their own
