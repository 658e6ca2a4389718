"""Label templates: where each number sits in a drawing's labels, and the one function that writes them.

A drawing's node, edge, box and fan each carry lines of text with numbers in them ("data 0.5933", "∂=0.2413").
A *template* says which lines those are and where their numbers go: ``{"first": -2, "lines": [["data ",
["data"]], ["grad ", ["grad"]]]}`` is a node's last two lines, each a list of strings and *slots*. A slot names
a number of its element (``["data"]``); ``slot_value`` finds it in a page's numbers (the shape
``autograd.explore.page_numbers`` gives, with ``None`` for a number not known), and ``fill`` writes the lines,
``?`` where a number is not known. The page's script does the same with ``autograd/explorer/labels.js``; both are
held to ``tests/data/labels.json``.

Element kinds, as in the page's element ids ``v{view}-{kind}{index}``: ``n`` a node, ``e`` an edge (its partial,
its head's gradient ``upstream``, their product ``contribution``; with forward mode its tail's ``tangent`` and
``term``, partial × tangent), ``b`` a coarse view's box and ``f`` a fan (``maxGrad``, and a fan's ``sum``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from autograd.formatting import number_text

__all__ = ["BOX", "EDGE", "FAN", "FORWARD_EDGE", "NODE", "Template", "fill", "masked", "slot_value", "templates"]

Template = dict[str, Any]
"""``{"first": k, "lines": [[str | [slot name], ...], ...]}``: the element's text lines from line ``k`` (from the
end where negative) on."""

NODE: Template = {"first": -2, "lines": [["data ", ["data"]], ["grad ", ["grad"]]]}
EDGE: Template = {"first": 0, "lines": [["∂=", ["partial"]],
                                        [["partial"], " × ", ["upstream"], " = ", ["contribution"]]]}
FORWARD_EDGE: Template = {"first": 0, "lines": [*EDGE["lines"], [["partial"], " × ", ["tangent"], " = ", ["term"]]]}
BOX: Template = {"first": -1, "lines": [["max |grad| ", ["maxGrad"]]]}
FAN: Template = {"first": -2, "lines": [["max |grad| ", ["maxGrad"]], ["Σ contributions ", ["sum"]]]}

def templates(edge_labels: bool, forward: bool = False) -> dict[str, Template]:
    """A view's templates: edges have one only when they are labelled (``edge_labels``), with forward mode's
    line when the page sweeps forward too."""
    chosen = {"n": NODE, "b": BOX, "f": FAN}
    if edge_labels:
        chosen["e"] = FORWARD_EDGE if forward else EDGE
    return chosen


Number = float | str | None
"""A number as a page's numbers hold it: a float, "nan", "inf" or "-inf" (``json_number``), or None: not known."""


def _float(x: Number) -> float | None:
    return None if x is None else float(x)


def _times(a: Number, b: Number) -> float | None:
    return None if a is None or b is None else float(a) * float(b)


def slot_value(numbers: Mapping[str, Any], edges: Sequence[Mapping[str, Any]], view: int, kind: str, index: int,
               name: str) -> float | None:
    """The number slot ``name`` of element ``kind``/``index`` of view ``view`` stands for, in ``numbers``
    (``page_numbers``' shape, and with forward mode ``tangent`` per node: ``explore.shown_numbers``), or None
    when it is not known. An edge's
    contribution is not known while its tail's gradient is not: it would give that gradient away."""
    if kind == "n":
        return _float(numbers[name][index])
    if kind == "e":
        edge = edges[index]
        partial = numbers["partial"][index]
        if name == "partial":
            return _float(partial)
        if name == "upstream":
            return _float(numbers["grad"][edge["to"]])
        if name == "contribution":
            known = numbers["grad"][edge["from"]] is not None
            return _times(partial, numbers["grad"][edge["to"]]) if known else None
        tangent = numbers["tangent"][edge["from"]]
        return _float(tangent) if name == "tangent" else _times(partial, tangent)
    view_numbers = numbers["levels"][view]
    if kind == "b":
        return _float(view_numbers["boxes"][index])
    fan = view_numbers["fans"][index]
    return _float(fan[0] if name == "maxGrad" else fan[1])


def fill(template: Template, number: Callable[[str], float | None], precision: int) -> list[str]:
    """The template's lines with each slot's number (``number(name)``) written to ``precision`` significant
    digits as Python's ``format(x, ".{p}g")`` writes it, and ``?`` for a number not known (None)."""
    return ["".join(part if isinstance(part, str) else _written(number(part[0]), precision) for part in line)
            for line in template["lines"]]


def _written(x: float | None, precision: int) -> str:
    return "?" if x is None else number_text(x, precision)


def masked(numbers: Mapping[str, Any], known: Mapping[str, Sequence[bool]],
           graph: Mapping[str, Any]) -> dict[str, Any]:
    """``numbers`` as an exercise shows them: each number ``known`` marks False (``{"data": [...], "grad":
    [...], "partial": [...]}``) as None, and so is each step's upstream gradient and each gradient after it
    whose node's gradient is not known (``graph`` is the document's, for its steps and edges)."""
    def keep(kind: str) -> list[Any]:
        return [x if ok else None for x, ok in zip(numbers[kind], known[kind], strict=True)]

    grad_known, edges = known["grad"], graph["edges"]
    steps = [[upstream if grad_known[step["node"]] else None,
              [g if grad_known[edges[k]["from"]] else None for k, g in zip(step["edges"], after, strict=True)]]
             for step, (upstream, after) in zip(graph["steps"], numbers["steps"], strict=True)]
    return {**numbers, "data": keep("data"), "grad": keep("grad"), "partial": keep("partial"), "steps": steps}
