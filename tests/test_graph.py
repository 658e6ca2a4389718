"""The one traversal, and the fast paths that must agree with the general ones."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value
from autograd.extend import RULES, apply
from autograd.testing import expressions, finite_floats


def _reachable(root):
    seen, stack = {id(root): root}, [root]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    return seen


@given(expressions(max_steps=20))
def test_topological_order_is_valid_on_random_graphs(expr):
    out = expr(*[Value(p) for p in expr.inputs])
    order = autograd.topological_order(out)
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert order[-1] is out
    assert set(position) == set(_reachable(out))  # every node the output depends on
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]


def test_topological_order_is_deterministic_and_keeps_leaf_order():
    a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")
    out = autograd.dot([a, b], [c, a])
    assert autograd.topological_order(out) == [a, b, c, out]

    def build():
        x, y = Value(1.0, "x"), Value(2.0, "y")
        return ((x * y).tanh() + x * 3.0) * (y - x).exp()

    first, second = autograd.topological_order(build()), autograd.topological_order(build())
    assert [(n.label, n.op, n.data) for n in first] == [(n.label, n.op, n.data) for n in second]
    assert [n.op for n in first] == [None, None, "sub", "exp", "mul_const", "mul", "tanh", "add", "mul"]


@given(st.lists(st.tuples(finite_floats(-10, 10), finite_floats(-10, 10)), min_size=1, max_size=10),
       finite_floats(-10, 10))
def test_applying_the_dot_row_directly_makes_the_same_node_as_dot(pairs, bias):
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    b = Value(bias)
    checked, fast = autograd.dot(ws, xs, b), apply(RULES["dot"], (*ws, *xs, b), len(ws))
    assert fast.data == checked.data
    assert fast.parents == checked.parents
    assert (fast.op, fast.arg) == (checked.op, checked.arg)
    assert autograd.local_partials(fast) == autograd.local_partials(checked)


@given(st.lists(finite_floats(-10, 10), min_size=1, max_size=12))
def test_fused_sum_agrees_with_a_chain_of_adds(values):
    xs = [Value(v) for v in values]
    fused = autograd.sum(xs).tanh()
    chained = xs[0]
    for x in xs[1:]:
        chained = chained + x
    chained = chained.tanh()
    assert fused.data == pytest.approx(chained.data, abs=1e-12)
    assert autograd.grad(fused, xs) == pytest.approx(autograd.grad(chained, xs), abs=1e-12)


def test_count_nodes_stops_early_on_large_graphs():
    x = Value(1.0)
    y = x
    for _ in range(1000):
        y = y + 1
    assert autograd.graph.count_nodes(y) == 1001
    assert autograd.graph.count_nodes(y, stop_after=40) == 41
    assert autograd.graph.count_nodes(x * x) == 2


def test_graph_numbers_and_names_every_node_once():
    x = Value(2.0, "x")
    h1, h2 = (x * 3.0).tanh(), (x * 4.0).tanh()
    h1.label = h2.label = "h"  # a label two nodes share
    out = h1 + h2
    graph = autograd.Graph.of(out)
    assert list(graph.nodes) == autograd.topological_order(out)
    assert [graph.index(node) for node in graph.nodes] == list(range(len(graph)))
    names = [graph.name(node) for node in graph.nodes]
    assert names == ["x", "mul_const#1", "h#2", "mul_const#3", "h#4", "add#5"]
    assert len(set(names)) == len(names)
    assert graph.name(Value(1.0, "elsewhere")) == "elsewhere"
    assert graph.name(Value(1.0)) == "leaf (outside this graph)"


def test_a_label_equal_to_a_generated_name_gets_a_name_of_its_own():
    a = Value(1.0)
    b = Value(3.0, "mul#2")
    c = a * b  # unlabelled: mul#2 by its number
    top = c * c
    graph = autograd.Graph.of(top)
    names = [graph.name(n) for n in graph.nodes]
    assert len(set(names)) == len(names)
    assert graph.name(c) == "mul#2"
    assert graph.name(b) == "mul#2#1"
    text = autograd.explain(top, b).to_text()
    assert text.startswith("∂((leaf#0·mul#2#1)·(leaf#0·mul#2#1))/∂mul#2#1 = 6")  # the label, and not c's name
    traced = autograd.trace(lambda x: (x * b) * 2.0, 1.0)
    traced.forward(np.array([1.0, 2.0]))
    for node in traced.graph.nodes:
        if node._rule is not None or traced.role(node) == "input":
            assert traced.data(traced.graph.name(node)).tolist() == traced.data(node).tolist()


def test_names_stay_unique_when_labels_imitate_numbered_names():
    leaves = [Value(1.0, "h"), Value(2.0, "h"), Value(3.0, "h#1"), Value(4.0, "leaf#0"), Value(5.0)]
    top = autograd.sum(leaves)
    top.label = "h#0"
    graph = autograd.Graph.of(top)
    names = [graph.name(n) for n in graph.nodes]
    assert len(set(names)) == len(names), names
