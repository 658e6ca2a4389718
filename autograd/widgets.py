"""Notebook widgets (the ``notebook`` extra): ``LiveExplorer``, the explorer page with the kernel behind it,
and ``step_through``, a plain ipywidgets slider over the steps of backward.

``LiveExplorer`` is an anywidget: one ES module (``autograd/explorer/live.js``) that JupyterLab, Jupyter
Notebook, VS Code and Colab all load. The module shows the explorer page in a sandboxed iframe and carries
messages between the page and the kernel: the page asks for a leaf to change or for a step, the kernel runs
the forward pass and the recorded pass again over the same graph (``autograd.passes.rerun``) and sends
the new numbers (``autograd.explore.page_numbers``), which the page writes into its drawings.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable
from importlib import resources
from typing import Any, Unpack

from autograd.errors import StaleGraphError
from autograd.explore import ExploreOptions, Explorer, explore_pass, page_numbers, settings_of, with_numbers
from autograd.graph import Graph
from autograd.passes import Pass, record, rerun
from autograd.render import draw
from autograd.steps import step_lines
from autograd.validation import as_float
from autograd.value import Value

try:
    import anywidget
    import ipywidgets
    import traitlets
except ImportError as error:  # pragma: no cover - the notebook extra is part of every test install
    raise ImportError("autograd.widgets needs anywidget and ipywidgets: pip install 'chainrule[notebook]'") from error

__all__ = ["LiveExplorer", "step_through"]


class LiveExplorer(anywidget.AnyWidget):
    """The explorer page of ``root``'s graph, live: change a leaf (select it, then type or drag its value)
    or take a gradient-descent step, and the kernel computes the forward and backward passes again over
    the same graph, through the same rule table; every number on the page changes in place, with no new
    layout and no user function run again.

    ``parameters`` are the leaves that "step" updates (``p ← p − lr·∂root/∂p``); the page can mark others.
    ``lr`` is the step's learning rate (the page can change it); ``height`` the page's height in pixels.
    The other options are ``explore``'s. The graph's own Values change, as an optimizer step changes them.
    The page opens at the end of backward (``start="end"``), every gradient shown: an edit's effect on
    them is what it is for; ``start="beginning"`` opens it before backward, as ``explore`` does.

    In Python, ``set_value(name, value)``, ``step()`` and ``mark(name)`` do what the page does; ``values``
    maps each leaf's name to its data, ``data`` is the page's snapshot for the current values (what
    ``explore(root, start="end").data`` gives), and ``losses`` holds the root's value before and after each step. Saved
    in a notebook, the output carries the static page (``snapshot()``) for viewers without a kernel.
    """

    _esm = resources.files("autograd").joinpath("explorer", "live.js").read_text(encoding="utf-8")
    _page = traitlets.Unicode("").tag(sync=True)
    _numbers = traitlets.Unicode("{}").tag(sync=True)
    """``page_numbers`` as JSON text: one ``json.dumps``, where a dict would be walked value by value by the
    kernel's message cleaning, and one parse in the page."""
    _parameters = traitlets.List(traitlets.Int()).tag(sync=True)
    lr = traitlets.Float(0.5).tag(sync=True)
    losses = traitlets.List(traitlets.Float()).tag(sync=True)
    height = traitlets.Int(640).tag(sync=True)

    @traitlets.validate("lr")
    def _valid_lr(self, proposal: dict[str, Any]) -> float:
        return _learning_rate(proposal["value"], "LiveExplorer.lr")

    def __init__(self, root: Value, *, parameters: Iterable[Value] = (), lr: float = 0.5, height: int = 640,
                 **options: Unpack[ExploreOptions]) -> None:
        if options.get("tangents") is not None:
            raise ValueError("LiveExplorer: tangents (forward mode) are not live; use autograd.explore(root, "
                             "tangents=...)")
        settings = settings_of(root, options, start="end")  # an edit's new gradients, all shown
        graph = Graph.of(root)
        recorded = record(graph, undefined=math.nan, where="LiveExplorer")
        explorer = explore_pass(recorded, settings)
        marked = []
        for p in parameters:
            if not isinstance(p, Value) or p not in graph or not p.is_leaf:
                raise ValueError(f"LiveExplorer: each parameter must be a leaf of the graph, got {p!r}")
            marked.append(graph.index(p))
        self._graph, self._pass, self._explorer = graph, recorded, explorer
        self._color = bool(settings["color_by_grad"])
        super().__init__(_page=explorer.html, _numbers=self._numbers_of(recorded),
                         _parameters=sorted(set(marked)), lr=_learning_rate(lr, "LiveExplorer"),
                         losses=[recorded.data[-1]], height=height)
        self.on_msg(self._on_message)

    @property
    def root(self) -> Value:
        """The node the page differentiates."""
        return self._graph.nodes[-1]

    @property
    def data(self) -> dict[str, Any]:
        """The page's snapshot for the current values: what ``autograd.explore(root, start="end").data`` gives."""
        return with_numbers(self._explorer.document, json.loads(self._numbers))

    @property
    def values(self) -> dict[str, float]:
        """Each leaf's data, by its name in the graph."""
        return {self._graph.name(node): node.data for node in self._graph.nodes if node.is_leaf}

    @property
    def parameters(self) -> list[str]:
        """The names of the leaves that ``step`` updates."""
        return [self._graph.name(self._graph.nodes[i]) for i in self._parameters]

    @property
    def recorded(self) -> Pass:
        """The pass the page shows."""
        return self._pass

    def set_value(self, name: str, value: float) -> None:
        """Set leaf ``name`` to ``value`` and compute both passes again, as editing it in the page does.
        Raises ValueError (and changes nothing) when an op cannot be computed at the new value."""
        self._rerun({self._leaf(name, "set_value"): as_float(value, f"LiveExplorer.set_value: {name}")})

    def step(self, lr: float | None = None) -> None:
        """One gradient-descent step on the parameters, from the gradients the page shows:
        p ← p − lr·∂root/∂p (``lr`` defaults to the page's), then both passes again."""
        rate = self.lr if lr is None else _learning_rate(lr, "LiveExplorer.step")
        if not self._parameters:
            raise ValueError("LiveExplorer.step: no leaf is marked as a parameter; pass parameters= or mark(name)")
        self._pass.check_current("LiveExplorer.step")  # the gradients shown are of the data still held
        nodes, grads = self._graph.nodes, self._pass.grads
        bad = [self._graph.name(nodes[i]) for i in self._parameters if not math.isfinite(grads[i])]
        if bad:
            raise ValueError(f"LiveExplorer.step: the gradient of {', '.join(bad)} is not a number here (a partial is "
                             "undefined at these values), so a step would make it nan; change a leaf first")
        self._rerun({nodes[i]: nodes[i].data - rate * grads[i] for i in self._parameters}, stepped=True)
        self.lr = rate

    def mark(self, name: str, parameter: bool = True) -> None:
        """Mark leaf ``name`` as a parameter that ``step`` updates (or, with ``parameter=False``, not)."""
        i = self._graph.index(self._leaf(name, "mark"))
        marked = set(self._parameters) - {i}
        self._parameters = sorted(marked | {i} if parameter else marked)

    def refresh(self) -> None:
        """Compute both passes again from the leaves' current data: after code outside the page changed
        them (``w.data = 0.3``), so that the page shows the graph's numbers again."""
        self._rerun({})

    def snapshot(self) -> Explorer:
        """The static page of the current state: ``Explorer.save`` it, or show it where no kernel runs."""
        return self._explorer.renumbered(json.loads(self._numbers))

    def _numbers_of(self, recorded: Pass) -> str:
        numbers = page_numbers(recorded, self._explorer.document["views"], self._color)
        return json.dumps(numbers, allow_nan=False, separators=(",", ":"))

    def _leaf(self, name: str, where: str) -> Value:
        for node in self._graph.nodes:
            if node.is_leaf and self._graph.name(node) == name:
                return node
        leaves = [self._graph.name(n) for n in self._graph.nodes if n.is_leaf]
        shown = ", ".join(leaves[:12]) + (", ..." if len(leaves) > 12 else "")
        raise ValueError(f"LiveExplorer.{where}: the graph has no leaf named {name!r}; its leaves are {shown}")

    def _rerun(self, leaves: dict[Value, float], stepped: bool = False) -> None:
        recorded = rerun(self._graph, leaves, undefined=math.nan, where="LiveExplorer")
        self._pass = recorded
        with self.hold_sync():
            self._numbers = self._numbers_of(recorded)
            self.losses = [*self.losses, recorded.data[-1]] if stepped else [*self.losses[:-1], recorded.data[-1]]

    def _on_message(self, widget: Any, content: dict[str, Any], buffers: Any) -> None:
        """A request from the page: ``hello`` (answered with ``ready``), ``edit`` (a leaf's new value),
        ``step`` (with the page's learning rate) or ``mark``. Each is answered: with ``done`` once its numbers
        are synced (none change when a leaf is set to the value it holds), or with ``refused`` and the reason,
        and the page keeps the numbers it had."""
        kind = content.get("kind")
        try:
            if kind == "hello":
                self.send({"kind": "ready"})
                return
            if kind == "edit":
                self.set_value(self._name_of(content.get("node")), content.get("value"))  # type: ignore[arg-type]
            elif kind == "step":
                self.step(content.get("lr"))
            elif kind == "mark":
                self.mark(self._name_of(content.get("node")), bool(content.get("parameter")))
            else:
                raise ValueError(f"LiveExplorer: unknown request {kind!r}")
            self.send({"kind": "done"})  # after the state it changed, if any: an edit to the same value changes none
        except (ValueError, TypeError, ArithmeticError) as error:
            self.send({"kind": "refused", "message": str(error)})
        except Exception as error:  # a request is always answered, so that the page never waits in vain
            self.send({"kind": "refused", "message": f"LiveExplorer: {type(error).__name__}: {error}"})
            raise

    def _name_of(self, index: Any) -> str:
        if not isinstance(index, int) or not 0 <= index < len(self._graph):
            raise ValueError(f"LiveExplorer: no node numbered {index!r}")
        return self._graph.name(self._graph.nodes[index])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget, and the static page of the current state for viewers that cannot run it (an HTML
        export of a notebook saved without widget state)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        assert bundle is not None  # anywidget's is (data, metadata) for every widget with a view
        data, metadata = bundle
        return {**data, "text/html": self.snapshot().iframe(self.height)}, metadata

    def __repr__(self) -> str:
        return (f"<LiveExplorer of {self._explorer.data['title']!r}: {len(self._graph)} nodes, "
                f"{len(self._parameters)} parameters, {len(self.losses) - 1} steps>")


def _learning_rate(lr: Any, where: str) -> float:
    rate = as_float(lr, f"{where}: lr")
    if not rate > 0 or not math.isfinite(rate):
        raise ValueError(f"{where}: the learning rate must be a positive number, got {lr!r}")
    return rate


def step_through(root: Value, **options: Any) -> Any:
    """A slider over the steps of ``backward_steps(root)``; each position shows ``draw(root, step=k)``: plain
    ipywidgets and Graphviz pictures, for front ends without anywidget (``LiveExplorer`` steps too).

    Raises ``StaleGraphError`` when the graph is stale already; if a leaf changes later (a cell that trains
    runs after this one), moving the slider shows that error in place of the drawing."""
    from IPython.core.interactiveshell import InteractiveShell

    lines = step_lines(record(root, where="step_through"))
    if not lines:
        raise ValueError("step_through: this graph has no op nodes, so backward has no steps")
    slider = ipywidgets.IntSlider(value=1, min=1, max=len(lines), description="step")
    output = ipywidgets.Output()

    # The drawing is set as the widget's outputs, not captured by `with output:`, whose messages nbclient
    # sometimes waited on until its cell timeout (30 s of 7 runs in 12 of notebook 01, measured).
    def show(change: Any = None) -> None:
        try:
            picture = draw(root, step=slider.value, **options)
        except StaleGraphError as error:  # a leaf changed since: say so instead of drawing a mix
            output.outputs = ({"output_type": "stream", "name": "stdout", "text": f"{error}\n"},)
            return
        formatter = InteractiveShell.instance().display_formatter
        assert formatter is not None  # an IPython shell always has one
        data, metadata = formatter.format(picture)  # type: ignore[no-untyped-call]
        data = {kind: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
                for kind, value in data.items()}  # a PNG as a notebook stores it
        output.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)

    slider.observe(show, names="value")
    show()
    return _Stepper([slider, output], steps=len(lines))


class _Stepper(ipywidgets.VBox):  # type: ignore[misc]
    """``step_through``'s widget, which names itself by its steps, not by the drawing it holds."""

    def __init__(self, children: list[Any], steps: int) -> None:
        super().__init__(children)
        self._steps = steps

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget, and the drawing it shows as an SVG and a PNG, for viewers that cannot run it (an export,
        a notebook not trusted yet)."""
        data = super()._repr_mimebundle_(**kwargs)  # ipywidgets' is the data alone
        shown = self.children[1].outputs
        pictures = shown[0]["data"] if shown and shown[0]["output_type"] == "display_data" else {}
        return {**{kind: pictures[kind] for kind in ("image/png", "image/svg+xml") if kind in pictures}, **data}

    def __repr__(self) -> str:
        return f"<step_through: {self._steps} steps of backward>"
