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
from collections.abc import Iterable
from importlib import resources
from typing import Any, Unpack

from autograd.errors import StaleGraphError
from autograd.explore import ExploreOptions, Explorer
from autograd.live import Live, learning_rate
from autograd.passes import Pass, record
from autograd.render import draw
from autograd.steps import step_lines
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
        return learning_rate(proposal["value"], "LiveExplorer.lr")

    @traitlets.observe("lr")
    def _lr_changed(self, change: dict[str, Any]) -> None:
        self._live.lr = change["new"]

    def __init__(self, root: Value, *, parameters: Iterable[Value] = (), lr: float = 0.5, height: int = 640,
                 **options: Unpack[ExploreOptions]) -> None:
        live = Live(root, parameters=parameters, lr=lr, where="LiveExplorer", **options)
        self._live = live
        super().__init__(_page=live.explorer.html, _numbers=live.state()["numbers"], _parameters=live.marked,
                         lr=live.lr, losses=live.losses, height=height)
        self.on_msg(self._on_message)

    @property
    def root(self) -> Value:
        """The node the page differentiates."""
        return self._live.root

    @property
    def data(self) -> dict[str, Any]:
        """The page's snapshot for the current values: what ``autograd.explore(root, start="end").data`` gives."""
        return self._live.data

    @property
    def values(self) -> dict[str, float]:
        """Each leaf's data, by its name in the graph."""
        return self._live.values

    @property
    def parameters(self) -> list[str]:
        """The names of the leaves that ``step`` updates."""
        return self._live.parameters

    @property
    def recorded(self) -> Pass:
        """The pass the page shows."""
        return self._live.recorded

    def set_value(self, name: str, value: float) -> None:
        """Set leaf ``name`` to ``value`` and compute both passes again, as editing it in the page does.
        Raises ValueError (and changes nothing) when an op cannot be computed at the new value."""
        self._live.set_value(name, value)
        self._sync()

    def step(self, lr: float | None = None) -> None:
        """One gradient-descent step on the parameters, from the gradients the page shows:
        p ← p − lr·∂root/∂p (``lr`` defaults to the page's), then both passes again."""
        self._live.step(lr)
        self._sync()

    def mark(self, name: str, parameter: bool = True) -> None:
        """Mark leaf ``name`` as a parameter that ``step`` updates (or, with ``parameter=False``, not)."""
        self._live.mark(name, parameter)
        self._sync()

    def refresh(self) -> None:
        """Compute both passes again from the leaves' current data: after code outside the page changed
        them (``w.data = 0.3``), so that the page shows the graph's numbers again."""
        self._live.refresh()
        self._sync()

    def snapshot(self) -> Explorer:
        """The static page of the current state: ``Explorer.save`` it, or show it where no kernel runs."""
        return self._live.snapshot()

    def _sync(self) -> None:
        """The widget's state from the live graph's, in one message."""
        state = self._live.state()
        with self.hold_sync():
            self._numbers = state["numbers"]
            self.losses = state["losses"]
            self._parameters = state["parameters"]
            self.lr = state["lr"]

    def _on_message(self, widget: Any, content: dict[str, Any], buffers: Any) -> None:
        """A request from the page, answered by ``Live.answer``: with ``ready``, with ``done`` once its numbers
        are synced (none change when a leaf is set to the value it holds), or with ``refused`` and the reason,
        and the page keeps the numbers it had."""
        try:
            reply = self._live.answer(content)
        except Exception as error:  # a request is always answered, so that the page never waits in vain
            self.send({"kind": "refused", "message": f"LiveExplorer: {type(error).__name__}: {error}"})
            raise
        if reply["kind"] == "done":
            self._sync()  # before the answer: the state it changed, if any
        self.send(reply)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget, and the static page of the current state for viewers that cannot run it (an HTML
        export of a notebook saved without widget state)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        assert bundle is not None  # anywidget's is (data, metadata) for every widget with a view
        data, metadata = bundle
        return {**data, "text/html": self.snapshot().iframe(self.height)}, metadata

    def __repr__(self) -> str:
        live = self._live
        return (f"<LiveExplorer of {live.explorer.data['title']!r}: {len(live.graph)} nodes, "
                f"{len(live.marked)} parameters, {len(live.losses) - 1} steps>")


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
