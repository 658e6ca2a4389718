"""A notebook widget that scrubs through the steps of backward (needs the ``notebook`` extra)."""

from __future__ import annotations

from typing import Any

from autograd.errors import StaleGraphError
from autograd.passes import record
from autograd.render import draw
from autograd.steps import step_lines
from autograd.value import Value

__all__ = ["step_through"]


def step_through(root: Value, **options: Any) -> Any:
    """A slider over the steps of ``backward_steps(root)``; each position shows ``draw(root, step=k)``.

    Raises ``StaleGraphError`` when the graph is stale already; if a leaf changes later (a cell that trains
    runs after this one), moving the slider shows that error in place of the drawing."""
    try:
        import ipywidgets
        from IPython.display import display
    except ImportError as error:
        raise ImportError("step_through needs ipywidgets: pip install 'chainrule[notebook]'") from error
    lines = step_lines(record(root, where="step_through"))
    if not lines:
        raise ValueError("step_through: this graph has no op nodes, so backward has no steps")
    slider = ipywidgets.IntSlider(value=1, min=1, max=len(lines), description="step")
    output = ipywidgets.Output()

    def show(change: Any = None) -> None:
        output.clear_output(wait=True)
        with output:
            try:
                picture = draw(root, step=slider.value, **options)
            except StaleGraphError as error:  # a leaf changed since: say so instead of drawing a mix
                output.append_stdout(f"{error}\n")
                return
            display(picture)  # type: ignore[no-untyped-call]

    slider.observe(show, names="value")
    show()
    return ipywidgets.VBox([slider, output])
