"""The shared fixture of the page's pure modules, ``tests/data/pages.json``: a few pages' documents, and what
Python makes of each (its data, every label filled, the numbers an exercise shows, each step's text, the
gradients after each step, each node's paths). ``tests/test_document.py`` checks that Python still makes all of
it; node's own runner (``tests/js/pages.test.js``) holds the page's scripts to the same answers. Write it again
with ``scripts/make-page-fixtures`` when a document's shape changes on purpose."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import autograd
import nn
from autograd import Value
from autograd.examples import WorkedExample
from autograd.explore import Explorer, data_of, shown_numbers
from autograd.labels import fill, slot_value

PANEL_DIGITS = 6
"""The digits the panel writes (explorer.js's PANEL_DIGITS), which backward_steps' text uses too."""


def _shared() -> Value:
    x, y = Value(2.0, "x"), Value(-3.0, "y")
    z = x * x + x * y
    out = z.tanh() * 0.5 + y
    out.label = "out"
    return out


def _mlp() -> Value:
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    loss = nn.losses.mse(model([0.5, -1.0]), 0.25)
    loss.label = "loss"
    return loss


def rnn_loss() -> Value:
    """A small RNN unrolled over three time steps, its squared errors summed: the time-step view's graph."""
    rnn = nn.RNN(1, 2, 1, seed=0)
    outputs, _ = rnn.unroll([[0.5], [0.1], [0.3]])
    loss = autograd.sum([(y - 1.0) ** 2 for y in outputs])
    loss.label = "loss"
    return loss


def _worked() -> Value:
    return WorkedExample().forward()


PAGES: dict[str, tuple[Callable[[], Value], Callable[[Value], Explorer]]] = {
    "worked example": (_worked, autograd.explore),
    "shared nodes, forward mode": (_shared, lambda root: autograd.explore(root, tangents={"x": 1.0}, start="end")),
    "an MLP's views, coloured": (_mlp, lambda root: autograd.explore(root, levels=(2, 4), color_by_grad=True,
                                                                     fan_at=2)),
    "an unrolled RNN": (rnn_loss, autograd.explore),
    "an exercise": (_worked, lambda root: autograd.exercise(root, ask="forward")),
}
"""Each page of the fixture: how its root is built, and how its page is made of it."""


def labels_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every label of every view, as ``labels.fill`` writes it with the numbers the page opens with: per view,
    per kind, the lines of each element."""
    numbers, edges = shown_numbers(document), document["graph"]["edges"]
    written = []
    for v, view in enumerate(document["views"]):
        counts = {"n": len(document["graph"]["nodes"]), "e": len(edges), "b": len(view.get("boxes", [])),
                  "f": len(view.get("fans", []))}

        def number(kind: str, k: int, v: int = v) -> Callable[[str], float | None]:
            return lambda name: slot_value(numbers, edges, v, kind, k, name)

        written.append({kind: [fill(template, number(kind, k), document["precision"]) for k in range(counts[kind])]
                        for kind, template in view["labels"].items()})
    return written


def _steps(root: Value) -> tuple[list[str], list[list[float | None]]]:
    """Each step's text as ``backward_steps`` writes it, and every node's gradient after k steps (None where
    backward has not reached it), from the engine's own ``.grad``."""
    graph = autograd.Graph.of(root)
    texts: list[str] = []
    after: list[list[float | None]] = []
    reached = {len(graph) - 1}
    steps = autograd.backward_steps(root)
    for k in itertools.count():
        after.append([node.grad if i in reached else None for i, node in enumerate(graph.nodes)])
        step = next(steps, None)
        if step is None:
            break
        texts.append(str(step))
        reached |= {graph.index(edge.parent) for edge in step.edges}
        assert step.index == k + 1
    return texts, after


def _paths(root: Value, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each node's paths to the root as ``explain`` lists them: the nodes along each (by their numbers in the
    page) and its product, with their count."""
    graph = autograd.Graph.of(root)
    found = []
    for node in graph.nodes:
        explanation = autograd.explain(root, node, max_paths=data["maxPaths"])
        found.append({
            "count": explanation.path_count,
            "paths": [[graph.index(node), *(graph.index(link.child) for link in reversed(path.links))]
                      for path in explanation.paths],
            "products": [path.product for path in explanation.paths],
        })
    return found


def fixture() -> dict[str, Any]:
    """The whole fixture, as ``tests/data/pages.json`` holds it."""
    pages = []
    for name, (build, make) in PAGES.items():
        page = make(build())
        document = page.document
        root = build()  # a graph of its own: backward_steps writes its .grad
        texts, grads_after = _steps(root)
        pages.append({
            "name": name, "document": document, "data": data_of(document), "labels": labels_of(document),
            "shown": shown_numbers(document), "stepTexts": texts, "gradsAfter": grads_after,
            "paths": _paths(root, page.data),
        })
    return {"about": __doc__.split("\n\n")[0].replace("\n", " "), "digits": PANEL_DIGITS, "pages": pages}
