"""A page's graph kept live: change a leaf or take a gradient-descent step, and the forward pass and the recorded
pass run again over the same graph (``autograd.passes.rerun``), through the same rule table, with no new layout
and no user function run again.

``Live`` is the state behind a live page wherever it runs: ``autograd.widgets.LiveExplorer`` (a notebook's kernel)
and the browser playground (``autograd.playground``, in Pyodide). Both carry the page's requests to ``answer``
(the messages of ``autograd/explorer/widget.js``: ``hello``, ``edit``, ``step``, ``mark``) and send it back
``state()``, the new numbers, which the page writes into its drawings. It needs no widget library.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any, Unpack

from autograd.explore import ExploreOptions, Explorer, explore_pass, page_numbers, settings_of, with_numbers
from autograd.graph import Graph
from autograd.passes import Pass, record, rerun
from autograd.validation import as_float
from autograd.value import Value

__all__ = ["Live", "learning_rate"]


def learning_rate(lr: Any, where: str) -> float:
    """``lr`` checked as a learning rate: a finite number above 0."""
    rate = as_float(lr, f"{where}: lr")
    if not rate > 0 or not math.isfinite(rate):
        raise ValueError(f"{where}: the learning rate must be a positive number, got {lr!r}")
    return rate


class Live:
    """``root``'s graph and its page, kept live (see the module's docstring). ``parameters`` are the leaves
    that ``step`` updates (``p ← p − lr·∂root/∂p``); ``lr`` is the step's learning rate; the other options are
    ``explore``'s (the page opens at the end of backward unless ``start="beginning"``). Errors name ``where``.
    The graph's own Values change, as an optimizer step changes them."""

    def __init__(self, root: Value, *, parameters: Iterable[Value] = (), lr: float = 0.5, where: str = "Live",
                 **options: Unpack[ExploreOptions]) -> None:
        if options.get("tangents") is not None:
            raise ValueError(f"{where}: tangents (forward mode) are not live; use autograd.explore(root, "
                             "tangents=...)")
        self.where = where
        settings = settings_of(root, options, where, start="end")  # an edit's new gradients, all shown
        self.graph = Graph.of(root)
        self.recorded: Pass = record(self.graph, undefined=math.nan, where=where)
        """The pass the page shows."""
        self.explorer: Explorer = explore_pass(self.recorded, settings)
        marked = []
        for p in parameters:
            if not isinstance(p, Value) or p not in self.graph or not p.is_leaf:
                raise ValueError(f"{where}: each parameter must be a leaf of the graph, got {p!r}")
            marked.append(self.graph.index(p))
        self.marked: list[int] = sorted(set(marked))
        """The numbers of the leaves that ``step`` updates."""
        self.lr = learning_rate(lr, where)
        self.losses: list[float] = [self.recorded.data[-1]]
        """The root's value before and after each step."""
        self._color = bool(settings["color_by_grad"])
        self.numbers: dict[str, Any] = self._numbers_of(self.recorded)
        """The page's numbers for the current values (``page_numbers``)."""

    @property
    def root(self) -> Value:
        """The node the page differentiates."""
        return self.graph.nodes[-1]

    @property
    def data(self) -> dict[str, Any]:
        """The page's data for the current values: what ``autograd.explore(root, start="end").data`` gives."""
        return with_numbers(self.explorer.document, self.numbers)

    @property
    def document(self) -> dict[str, Any]:
        """The page's document for the current values: the page's own, with the current numbers."""
        return {**self.explorer.document, "numbers": self.numbers}

    @property
    def values(self) -> dict[str, float]:
        """Each leaf's data, by its name in the graph."""
        return {self.graph.name(node): node.data for node in self.graph.nodes if node.is_leaf}

    @property
    def parameters(self) -> list[str]:
        """The names of the leaves that ``step`` updates."""
        return [self.graph.name(self.graph.nodes[i]) for i in self.marked]

    def set_value(self, name: str, value: float) -> None:
        """Set leaf ``name`` to ``value`` and compute both passes again, as editing it in the page does.
        Raises ValueError (and changes nothing) when an op cannot be computed at the new value."""
        self._rerun({self._leaf(name, "set_value"): as_float(value, f"{self.where}.set_value: {name}")})

    def step(self, lr: float | None = None) -> None:
        """One gradient-descent step on the parameters, from the gradients the page shows:
        p ← p − lr·∂root/∂p (``lr`` defaults to the page's), then both passes again."""
        rate = self.lr if lr is None else learning_rate(lr, f"{self.where}.step")
        if not self.marked:
            raise ValueError(f"{self.where}.step: no leaf is marked as a parameter; pass parameters= or mark(name)")
        self.recorded.check_current(f"{self.where}.step")  # the gradients shown are of the data still held
        nodes, grads = self.graph.nodes, self.recorded.grads
        bad = [self.graph.name(nodes[i]) for i in self.marked if not math.isfinite(grads[i])]
        if bad:
            raise ValueError(f"{self.where}.step: the gradient of {', '.join(bad)} is not a number here (a partial "
                             "is undefined at these values), so a step would make it nan; change a leaf first")
        self._rerun({nodes[i]: nodes[i].data - rate * grads[i] for i in self.marked}, stepped=True)
        self.lr = rate

    def mark(self, name: str, parameter: bool = True) -> None:
        """Mark leaf ``name`` as a parameter that ``step`` updates (or, with ``parameter=False``, not)."""
        i = self.graph.index(self._leaf(name, "mark"))
        marked = set(self.marked) - {i}
        self.marked = sorted(marked | {i} if parameter else marked)

    def refresh(self) -> None:
        """Compute both passes again from the leaves' current data: after code outside the page changed
        them (``w.data = 0.3``), so that the page shows the graph's numbers again."""
        self._rerun({})

    def snapshot(self) -> Explorer:
        """The static page of the current state: ``Explorer.save`` it, or show it where nothing answers."""
        return self.explorer.renumbered(self.numbers)

    def state(self) -> dict[str, Any]:
        """What the page is sent after each change: ``numbers`` (as JSON text: one parse in the page), and
        ``losses``, ``parameters`` (node numbers) and ``lr`` for its live bar."""
        return {"kind": "numbers", "numbers": json.dumps(self.numbers, allow_nan=False, separators=(",", ":")),
                "live": True, "losses": list(self.losses), "parameters": list(self.marked), "lr": self.lr}

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """The answer to one of the page's requests: ``hello`` is answered ``ready``; ``edit`` (a leaf's new
        value), ``step`` (with the page's learning rate) and ``mark`` are answered ``done`` once done (none
        changes anything when a leaf is set to the value it holds), or ``refused`` with the reason, and the
        page keeps the numbers it had."""
        kind = request.get("kind")
        try:
            if kind == "hello":
                return {"kind": "ready"}
            if kind == "edit":
                self.set_value(self._name_of(request.get("node")), request.get("value"))  # type: ignore[arg-type]
            elif kind == "step":
                self.step(request.get("lr"))
            elif kind == "mark":
                self.mark(self._name_of(request.get("node")), bool(request.get("parameter")))
            else:
                raise ValueError(f"{self.where}: unknown request {kind!r}")
        except (ValueError, TypeError, ArithmeticError) as error:
            return {"kind": "refused", "message": str(error)}
        return {"kind": "done"}

    def _numbers_of(self, recorded: Pass) -> dict[str, Any]:
        return page_numbers(recorded, self.explorer.document["views"], self._color)

    def _name_of(self, index: Any) -> str:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(self.graph):
            raise ValueError(f"{self.where}: no node numbered {index!r}")
        return self.graph.name(self.graph.nodes[index])

    def _leaf(self, name: str, where: str) -> Value:
        for node in self.graph.nodes:
            if node.is_leaf and self.graph.name(node) == name:
                return node
        leaves = [self.graph.name(n) for n in self.graph.nodes if n.is_leaf]
        shown = ", ".join(leaves[:12]) + (", ..." if len(leaves) > 12 else "")
        raise ValueError(f"{self.where}.{where}: the graph has no leaf named {name!r}; its leaves are {shown}")

    def _rerun(self, leaves: dict[Value, float], stepped: bool = False) -> None:
        recorded = rerun(self.graph, leaves, undefined=math.nan, where=self.where)
        self.recorded = recorded
        self.numbers = self._numbers_of(recorded)
        self.losses = [*self.losses, recorded.data[-1]] if stepped else [*self.losses[:-1], recorded.data[-1]]
