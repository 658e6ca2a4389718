"""Copies: pickle and copy.deepcopy of Values at the end of deep chains, and of every Module."""

import copy
import itertools
import pickle

import numpy as np
import pytest

import autograd
import nn
from autograd import Value

MODULES = {
    "Neuron": lambda: nn.Neuron(3, activation="sigmoid", seed=1),
    "Layer": lambda: nn.Layer(3, 2, activation="relu", seed=2),
    "MLP": lambda: nn.MLP(3, [4, 2], seed=3),
    "RNN": lambda: nn.RNN(3, 2, 1, seed=4),
}
COPIES = {"pickle": lambda x: pickle.loads(pickle.dumps(x)), "deepcopy": copy.deepcopy}


def _loss(model, rng):
    x = rng.normal(size=3).tolist()
    out = model([x, x]) if isinstance(model, nn.RNN) else model(x)
    items = out if isinstance(out, list) else [out]
    flat = [v for item in items for v in (item if isinstance(item, list) else [item])]
    return autograd.sum([v * v for v in flat])


@pytest.mark.parametrize("how", sorted(COPIES))
@pytest.mark.parametrize("kind", sorted(MODULES))
def test_a_copied_module_is_equal_independent_and_trains(kind, how):
    model = MODULES[kind]()
    twin = COPIES[how](model)
    assert type(twin) is type(model)
    assert twin.state_dict() == model.state_dict()
    assert twin.config() == model.config()
    assert all(a is not b for a, b in zip(twin.parameters(), model.parameters(), strict=True))
    assert [p.label for p in twin.parameters()] == [p.label for p in model.parameters()]
    assert _loss(twin, np.random.default_rng(0)).data == _loss(model, np.random.default_rng(0)).data
    before = model.state_dict()
    optimizer = nn.optim.SGD(twin.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        _loss(twin, np.random.default_rng(0)).backward()
        optimizer.step()
    assert twin.state_dict() != before
    assert model.state_dict() == before


@pytest.mark.parametrize("how", sorted(COPIES))
def test_a_value_at_the_end_of_a_long_chain_copies_with_its_graph(how):
    x = Value(1.5, "x")
    y = x
    for _ in range(100_000):
        y = (y * 0.999999).tanh() + 0.5
    y.backward()
    twin = COPIES[how](y)
    order = autograd.topological_order(twin)
    assert len(order) == len(autograd.topological_order(y))
    assert twin.data == y.data
    assert twin.label == y.label
    leaf = order[0]
    assert leaf is not x
    assert (leaf.label, leaf.data, leaf.grad) == ("x", x.data, x.grad)
    leaf.grad = 0.0
    twin.backward()
    assert leaf.grad == x.grad
    assert [n.op for n in order[-4:]] == [n.op for n in autograd.topological_order(y)[-4:]]


def test_copies_keep_shared_nodes_and_the_parameters_they_were_pickled_with():
    model = nn.MLP(2, [2, 1], seed=0)
    loss = model([0.5, -1.0]) * 2.0
    model_copy, loss_copy = pickle.loads(pickle.dumps((model, loss)))
    leaves = {id(n) for n in autograd.topological_order(loss_copy) if n.is_leaf}
    assert all(id(p) in leaves for p in model_copy.parameters())  # the same objects, not copies of copies
    a = Value(2.0, "a")
    shared = a * a
    top = shared + shared
    for how in COPIES.values():
        twin = how(top)
        assert twin.parents[0] is twin.parents[1]
        assert twin.parents[0].parents[0] is twin.parents[0].parents[1]


def test_a_user_op_unpickles_where_it_is_defined_and_says_so_where_it_is_not():
    square = autograd.define_op("square_for_copies", lambda x: x * x, lambda x, out: (2 * x,))
    y = square(Value(3.0, "x"))
    data = pickle.dumps(y)
    assert pickle.loads(data).data == 9.0
    missing = data.replace(b"square_for_copies", b"square_for_copiez")
    with pytest.raises(ValueError, match=r"no op 'square_for_copiez' in autograd\.RULES; define it with define_op"):
        pickle.loads(missing)


def test_an_unpickled_worked_example_backpropagates_through_its_shared_nodes():
    from autograd.examples import WorkedExample

    example = WorkedExample()
    E = example.forward()
    twin_example, twin = pickle.loads(pickle.dumps((example, E)))  # the example's dicts hold nodes of E's graph
    twin.backward()
    assert twin_example.nodes["out_o1"] in autograd.topological_order(twin)
    assert twin_example.nodes["out_o1"].grad == pytest.approx(0.7413650695523157, abs=1e-12)
    assert twin_example.values["w5"].grad == pytest.approx(0.08216704056423078, abs=1e-12)
    E.backward()
    assert [n.grad for n in autograd.topological_order(twin)] == [n.grad for n in autograd.topological_order(E)]


def test_values_pickled_together_share_the_nodes_they_share_and_pickle_in_linear_size():
    x, w = Value(0.5, "x"), Value(0.9, "w")
    hidden, h = [], x
    for _ in range(4000):
        h = (h * w).tanh()
        hidden.append(h)
    data = pickle.dumps(hidden)
    back = pickle.loads(data)
    assert all(later.parents[0].parents[0] is earlier for earlier, later in itertools.pairwise(back))
    assert len({id(n) for h in back for n in autograd.topological_order(h)}) == 2 + 2 * 4000
    assert len(data) < 200 * 4000  # linear: each node is pickled once, whatever else pickled it too
    assert len(pickle.dumps(hidden)) == len(data)  # and again, a new pickling
    assert [h.data for h in back] == [h.data for h in hidden]


@pytest.mark.parametrize("how", sorted(COPIES))
def test_a_graph_after_backward_with_create_graph_copies(how):
    x = Value(1.5, "x")
    y = (x * x).tanh() * x
    y.backward(create_graph=True)
    for original in (y, x):
        twin = COPIES[how](original)
        leaf = twin if twin.is_leaf else next(n for n in autograd.topological_order(twin) if n.is_leaf)
        assert leaf.grad.data == x.grad.data
        assert leaf in autograd.topological_order(leaf.grad)  # the gradient's graph still refers to its leaf
    model = nn.MLP(2, [3, 1], seed=0)
    out = model([0.5, -1.0])
    (out * out).backward(create_graph=True)
    twin = COPIES[how](model)
    assert [p.grad.data for p in twin.parameters()] == [p.grad.data for p in model.parameters()]
    assert twin.state_dict() == model.state_dict()
