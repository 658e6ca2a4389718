"""The recorded pass: computed once by the one chain-rule loop, read by every view, touching no ``.grad``."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given

import autograd
from autograd import RULES, StaleGraphError, Value, backward_steps, record
from autograd.examples import WorkedExample
from autograd.explore import page_data
from autograd.testing import expressions


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts, while a test runs, each call of a rule's partials (by op) and each walk of a graph."""
    calls: Counter[str] = Counter()
    originals = {name: rule.partials for name, rule in RULES.items()}

    def counting(name: str, partials: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            calls[name] += 1
            return partials(*args)

        return wrapper

    for name, rule in RULES.items():
        object.__setattr__(rule, "partials", counting(name, rule.partials))  # the rows are frozen
    walk = autograd.graph.topological_order

    def counting_walk(root: Value) -> list[Value]:
        calls["walks"] += 1
        return walk(root)

    monkeypatch.setattr(autograd.graph, "topological_order", counting_walk)
    try:
        yield calls
    finally:
        for name, partials in originals.items():
            object.__setattr__(RULES[name], "partials", partials)


def worked() -> Value:
    total = WorkedExample().forward()
    total.backward()
    return total


def partial_evaluations(calls: Counter[str]) -> int:
    return sum(n for name, n in calls.items() if name != "walks")


def test_explore_walks_the_worked_example_once_and_evaluates_each_edge_s_partial_once(counted):
    total = worked()
    counted.clear()
    autograd.explore(total)
    assert counted["walks"] == 1
    assert partial_evaluations(counted) == 15  # one call per op node, giving each of its edges' partials
    assert counted["dot"] == 4
    assert counted["sigmoid"] == 4


def _steps_of_fresh_leaves(total):
    with pytest.warns(UserWarning, match="leaves accumulate"):  # worked() ran backward() already
        return list(backward_steps(total))


@pytest.mark.parametrize("reader", [
    lambda total: autograd.to_dot(total, step=5),
    lambda total: autograd.to_dot(total),
    lambda total: autograd.explain(total, total.parents[0].parents[0].parents[0]),
    lambda total: list(_steps_of_fresh_leaves(total)),
], ids=["to_dot(step=5)", "to_dot", "explain", "backward_steps"])
def test_every_reader_walks_once_and_evaluates_each_partial_once(counted, reader):
    total = worked()
    counted.clear()
    reader(total)
    assert counted["walks"] == 1
    assert partial_evaluations(counted) == 15


def test_a_pass_touches_no_grad_and_holds_what_backward_computes():
    example = WorkedExample()
    total = example.forward()
    recorded = record(total)
    nodes = recorded.graph.nodes
    assert all(node.grad == 0.0 for node in nodes)
    total.backward()
    assert recorded.grads == tuple(node.grad for node in nodes)
    assert recorded.data == tuple(node.data for node in nodes)
    assert recorded.grads[recorded.graph.index(example.values["w5"])] == pytest.approx(0.08216704056423078, abs=1e-15)
    w5 = recorded.graph.index(example.values["w5"])
    (partial,) = [p for step in recorded.steps for e in step.edges if e.parent is example.values["w5"]
                  for p in (e.partial,)]
    assert partial == autograd.local_partials(example.nodes["net_o1"])[0]
    assert recorded.partials[recorded.graph.index(example.nodes["net_o1"])][0] == partial
    assert recorded.grads_at(len(recorded.steps))[w5] == recorded.grads[w5]


def test_grads_at_each_step_are_the_grads_backward_steps_leaves():
    total = WorkedExample().forward()
    recorded = record(total)
    for node in recorded.graph.nodes:
        node.grad = 0.0
    assert recorded.grads_at(0) == (0.0,) * (len(recorded.graph) - 1) + (1.0,)
    for k, step in enumerate(backward_steps(total), start=1):
        assert recorded.grads_at(k) == tuple(node.grad for node in recorded.graph.nodes)
        assert step.upstream == recorded.steps[k - 1].upstream


def test_a_pass_seeded_with_grad_scales_every_gradient():
    x = Value(3.0, "x")
    y = x * x
    recorded = record(y, 2.0)
    assert recorded.grads == (12.0, 2.0)
    assert recorded.seed == 2.0


def test_check_current_refuses_a_pass_whose_leaf_changed_since():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    recorded = record(a * b)
    recorded.check_current("the live explorer")
    a.data = 5.0
    with pytest.raises(StaleGraphError, match=r"the live explorer: the recorded pass is stale: a was 2 when the pass "
                                               r"was recorded and is 5 now") as caught:
        recorded.check_current("the live explorer")
    assert caught.value.node is a
    assert (caught.value.recorded, caught.value.current) == (2.0, 5.0)


def test_recording_a_stale_graph_or_a_missing_partial_is_refused():
    a = Value(2.0, "a")
    y = a * a
    a.data = 3.0
    with pytest.raises(StaleGraphError, match="record: the graph is stale"):
        record(y)
    z = Value(0.0, "z").sqrt()
    with pytest.raises(ValueError, match=r"backward step 1, the partials of sqrt\(z=0.0\)"):
        record(z)
    (partial,) = record(z, undefined=math.nan).partials[1]
    assert math.isnan(partial)
    with pytest.raises(TypeError, match=r"record: expected a Value, got float 1\.0"):
        record(1.0)  # type: ignore[arg-type]


@given(expressions())
def test_a_pass_over_any_graph_gives_grad_s_numbers(expression):
    xs = [Value(x) for x in expression.inputs]
    out = expression(*xs)
    recorded = record(out)
    wanted = autograd.grad(out, xs)
    got = tuple(recorded.grads[recorded.graph.index(x)] if x in recorded.graph.nodes else 0.0 for x in xs)
    assert got == wanted
    assert [len(p) for p in recorded.partials] == [len(n.parents) for n in recorded.graph.nodes]


def test_the_explorer_s_data_is_the_pass_written_out():
    total = worked()
    page = autograd.explore(total)
    data = page_data(record(total))
    assert {k: v for k, v in page.data.items() if k != "levels"} == {k: v for k, v in data.items() if k != "levels"}
    recorded = record(total)
    assert [n["grad"] for n in data["nodes"]] == list(recorded.grads)
    assert [e["partial"] for e in data["edges"]] == [p for ps in recorded.partials for p in ps]
