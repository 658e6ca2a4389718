"""autograd.widgets.LiveExplorer and the page's new numbers: a leaf set or a step taken runs both passes
again over the same graph (passes.rerun), and every number the page shows is then the engine's for the new
values, in Python and, drawn, in Chromium. The widget in a real JupyterLab: tests/test_jupyterlab.py."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import traitlets
from playwright.sync_api import Browser, Page

import autograd
import nn
from autograd import Value
from autograd.examples import WorkedExample
from autograd.explore import page_numbers
from autograd.graph import Graph
from autograd.passes import Pass, rerun
from autograd.widgets import LiveExplorer


def worked() -> tuple[WorkedExample, Value]:
    example = WorkedExample()
    return example, example.forward()


def fresh_grads(w5: float) -> dict[str, float]:
    """∂E/∂leaf for every leaf, from a new graph with w5 set: the engine's numbers with no widget involved."""
    example = WorkedExample()
    example.values["w5"].data = w5
    total = example.forward()
    total.backward()
    return {name: v.grad for name, v in example.values.items()}


def test_set_value_gives_what_a_fresh_graph_gives() -> None:
    example, total = worked()
    widget = LiveExplorer(total, parameters=example.weights)
    widget.set_value("w5", 0.1)
    assert widget.values["w5"] == 0.1
    expected = fresh_grads(0.1)
    page_grads = {n["name"]: n["grad"] for n in widget.data["nodes"]}
    for name, grad in expected.items():
        assert page_grads[name] == pytest.approx(grad, rel=1e-12, abs=1e-15)
    assert widget.data == autograd.explore(total, start="end").data  # explore's snapshot of the new values
    assert widget.losses == [total.data]  # an edit is not a step: the curve's one point follows it


def test_ten_steps_at_lr_half_are_the_worked_examples_ten_updates() -> None:
    example, total = worked()
    widget = LiveExplorer(total, parameters=example.weights, lr=0.5)
    by_hand = WorkedExample()
    expected = [by_hand.forward().data]
    for _ in range(10):
        widget.step()
        by_hand.step()
        expected.append(by_hand.forward().data)
    assert widget.losses == pytest.approx(expected, rel=1e-13)
    assert widget.losses[1] == pytest.approx(0.2910277737, abs=1e-10)  # the example's E after one update
    for name, value in by_hand.values.items():
        assert widget.values[name] == pytest.approx(value.data, rel=1e-13)


def test_a_value_an_op_cannot_take_is_refused_and_nothing_changes() -> None:
    x = Value(2.0, "x")
    y = (x * 3.0).log()
    y.label = "y"
    widget = LiveExplorer(y, parameters=[x])
    before = widget.data
    with pytest.raises(ValueError, match=r"LiveExplorer: log\(mul_const#1=-3\.0\).*"):
        widget.set_value("x", -1.0)
    assert x.data == 2.0
    assert y.data == math.log(6.0)
    assert widget.data == before
    sent: list[dict[str, Any]] = []
    widget.send = sent.append  # type: ignore[method-assign]
    widget._on_message(widget, {"kind": "edit", "node": 0, "value": -1.0}, [])
    assert sent[0]["kind"] == "refused"
    assert "log" in sent[0]["message"]
    assert widget.data == before


@pytest.mark.parametrize(("call", "message"), [
    (lambda w: w.set_value("w9", 1.0), "no leaf named 'w9'"),
    (lambda w: w.set_value("net_h1", 1.0), "no leaf named 'net_h1'"),
    (lambda w: w.set_value("w5", "a lot"), "w5"),
    (lambda w: w.step(lr=-1), "the learning rate must be a positive number, got -1"),
    (lambda w: w.step(lr=math.nan), "the learning rate must be a positive number, got nan"),
    (lambda w: w.mark("E"), "no leaf named 'E'"),
    (lambda w: w._on_message(w, {"kind": "edit", "node": 99, "value": 1.0}, []) or w.sent[-1]["message"],
     None),
])
def test_bad_requests_say_what_is_wrong(call: Any, message: str | None) -> None:
    example, total = worked()
    widget = LiveExplorer(total, parameters=example.weights)
    widget.sent = []
    widget.send = widget.sent.append
    if message is None:
        assert call(widget) == "LiveExplorer: no node numbered 99"
        return
    with pytest.raises((ValueError, TypeError), match=message):
        call(widget)


def test_step_needs_a_parameter_and_the_page_can_mark_one() -> None:
    _, total = worked()
    widget = LiveExplorer(total)
    with pytest.raises(ValueError, match="no leaf is marked as a parameter"):
        widget.step()
    w5 = [node["name"] for node in widget.data["nodes"]].index("w5")
    widget._on_message(widget, {"kind": "mark", "node": w5, "parameter": True}, [])
    assert widget.parameters == ["w5"]
    grad = widget.recorded.grads[w5]
    widget.step(0.5)
    assert widget.values["w5"] == pytest.approx(0.40 - 0.5 * grad, rel=1e-15)
    widget.mark("w5", parameter=False)
    assert widget.parameters == []


def test_parameters_must_be_leaves_of_the_graph() -> None:
    _, total = worked()
    with pytest.raises(ValueError, match="each parameter must be a leaf of the graph"):
        LiveExplorer(total, parameters=[Value(1.0, "elsewhere")])
    with pytest.raises(ValueError, match="each parameter must be a leaf of the graph"):
        LiveExplorer(total, parameters=[total])


def test_refresh_follows_a_change_made_outside_the_page() -> None:
    example, total = worked()
    widget = LiveExplorer(total)
    example.values["w1"].data = 0.9
    widget.refresh()
    assert widget.data == autograd.explore(total, start="end").data


def test_rerun_refuses_a_node_that_is_no_leaf_of_the_graph() -> None:
    _, total = worked()
    graph = Graph.of(total)
    with pytest.raises(ValueError, match="rerun: E is not a leaf of this graph"):
        rerun(graph, {total: 1.0})
    with pytest.raises(ValueError, match="is not a leaf of this graph"):
        rerun(graph, {Value(1.0, "stranger"): 1.0})


def test_the_output_carries_the_static_page_of_the_current_state() -> None:
    example, total = worked()
    widget = LiveExplorer(total, parameters=example.weights)
    widget.set_value("w5", 0.1)
    data, _ = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "srcdoc=" in data["text/html"]
    assert widget.snapshot().data["nodes"] == widget.data["nodes"]


# The page, given new numbers, shows what a page made for them shows --------------------------------------


def drawn_texts(page: Page) -> dict[str, list[str]]:
    """Every text of every node, fan, box and edge label drawn, by element id, each view shown in turn (a view
    is written when it is shown)."""
    return page.evaluate("""() => {
      const found = {};
      chainrule.data.levels.forEach((level, v) => chainrule.showView(v));
      document.querySelectorAll('.view[data-view] g.node, .view[data-view] g.edge').forEach(g => {
        if (g.id) found[g.id] = Array.from(g.querySelectorAll('text')).map(t => t.textContent);
      });
      return found;
    }""")


FILLS = """() => Object.fromEntries(Array.from(document.querySelectorAll('.view[data-view] g.node')).map(g =>
  [g.id, g.querySelector("path:not([fill='none']), polygon:not([fill='none'])").getAttribute('fill')]))"""
"""Each node's and box's colour, by element id."""


def open_explorer(browser: Browser, page_html: str, tmp_path: Path, name: str) -> Page:
    path = tmp_path / f"{name}.html"
    path.write_text(page_html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-chainrule=ready]", state="attached")
    assert errors == []
    return page


def explored_before_and_after(case: str, options: dict[str, Any]) -> tuple[autograd.Explorer, Pass, autograd.Explorer]:
    """A page of the worked example (with ``options``) or of a digits MLP (by layer and neuron, coloured), the pass
    after one leaf changes (w5 to 0.1, or a weight to 2.5), and a page made fresh for it."""
    if case == "worked example":
        example, root = worked()
        leaf, value = example.values["w5"], 0.1
    else:
        X, y = nn.datasets.digits()
        model = nn.MLP(64, [32, 10], init="xavier", seed=0)
        root = nn.cross_entropy(model(X[0]), int(y[0]))
        leaf, value, options = model.layers[0].neurons[3].w[5], 2.5, {"levels": (2, 4), "color_by_grad": True}
    before = autograd.explore(root, **options)
    recorded = rerun(Graph.of(root), {leaf: value})
    return before, recorded, autograd.explore(root, **options)


@pytest.mark.parametrize("case", ["worked example", "digits"])
def test_new_numbers_rewrite_every_number_drawn(browser: Browser, tmp_path: Path, case: str) -> None:
    before, recorded, after = explored_before_and_after(case, {"color_by_grad": True})
    page = open_explorer(browser, before.html, tmp_path, "before")
    page.evaluate("n => chainrule.setNumbers(n)", page_numbers(recorded, before.data["levels"], True))
    assert drawn_texts(page) == drawn_texts(open_explorer(browser, after.html, tmp_path, "after"))
    assert page.evaluate("chainrule.data") == after.data
    if case == "worked example":  # stepping through backward, on the new values, as backward_steps writes it
        written = [str(step) for step in autograd.backward_steps(recorded.root)]
        assert page.evaluate("n => Array.from({length: n}, (_, k) => chainrule.stepText(k))", len(written)) == written
        page.evaluate("chainrule.goTo(4, true)")
        assert page.inner_text("#panel-body .step-text") == written[3]
    assert page.evaluate(FILLS) == open_explorer(browser, after.html, tmp_path, "after").evaluate(FILLS)


@pytest.mark.parametrize("case", ["worked example", "digits"])
def test_a_renumbered_page_pictures_its_own_numbers(case: str) -> None:
    """The PNG a notebook shows without scripts is laid out from the page's DOT with the page's numbers: a
    renumbered page's DOT is the DOT a page made fresh for its numbers has, every view, colours included."""
    before, recorded, after = explored_before_and_after(case, {"color_by_grad": True, "levels": (1,)})
    renumbered = before.renumbered(page_numbers(recorded, before.data["levels"], True))
    assert before.sources[0] != after.sources[0]
    assert renumbered.sources == after.sources
    assert renumbered._picture_source() == after.sources[0]


def test_a_snapshot_opens_at_its_own_numbers(browser: Browser, tmp_path: Path) -> None:
    example, total = worked()
    widget = LiveExplorer(total, parameters=example.weights)
    widget.set_value("w5", 0.1)
    page = open_explorer(browser, widget.snapshot().html, tmp_path, "snapshot")
    fresh = open_explorer(browser, autograd.explore(total, start="end").html, tmp_path, "fresh")
    assert drawn_texts(page) == drawn_texts(fresh)


def test_a_step_refuses_gradients_of_data_changed_since_and_undefined_ones() -> None:
    example, total = worked()
    widget = LiveExplorer(total, parameters=example.weights)
    example.values["w1"].data = 0.9  # changed outside the page: the gradients shown are not of this data
    with pytest.raises(autograd.StaleGraphError, match=r"LiveExplorer\.step: the recorded pass is stale: w1"):
        widget.step()
    widget.refresh()
    widget.step()
    assert widget.losses[-1] < widget.losses[0]
    x = Value(1.0, "x")
    y = x.sqrt() * 1.0  # sqrt has no derivative at 0
    y.label = "y"
    flat = LiveExplorer(y, parameters=[x])
    flat.set_value("x", 0.0)
    with pytest.raises(ValueError, match="the gradient of x is not a number here"):
        flat.step()
    assert flat.values == {"x": 0.0}


def test_every_request_is_answered_even_one_that_changes_nothing() -> None:
    example = WorkedExample()
    widget = LiveExplorer(example.forward(), parameters=example.weights)
    widget.sent = []  # type: ignore[attr-defined]
    widget.send = widget.sent.append  # type: ignore[method-assign]
    w5 = [node["name"] for node in widget.data["nodes"]].index("w5")
    before = widget._numbers
    widget._on_message(widget, {"kind": "edit", "node": w5, "value": example.values["w5"].data}, [])
    assert widget._numbers == before
    widget._on_message(widget, {"kind": "mark", "node": w5, "parameter": True}, [])  # marked already
    widget._on_message(widget, {"kind": "step", "lr": 0.5}, [])
    assert widget.sent == [{"kind": "done"}] * 3


@pytest.mark.parametrize("lr", [math.nan, math.inf, -0.5, 0.0, "fast"])
def test_a_learning_rate_that_is_no_positive_number_is_refused_when_set(lr: Any) -> None:
    example = WorkedExample()
    widget = LiveExplorer(example.forward(), parameters=example.weights)
    with pytest.raises((ValueError, TypeError, traitlets.TraitError), match=r"LiveExplorer\.lr|'lr' trait"):
        widget.lr = lr
    assert widget.lr == 0.5
    widget.step()
    assert all(math.isfinite(w.data) for w in example.weights)
