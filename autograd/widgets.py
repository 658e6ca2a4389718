"""A notebook widget that scrubs through the steps of backward (needs the ``notebook`` extra)."""

from __future__ import annotations

from typing import Any

from autograd.render import _step_lines, draw
from autograd.value import Value

__all__ = ["step_through"]


def step_through(root: Value, **options: Any) -> Any:
    """A slider over the steps of ``backward_steps(root)``; each position shows ``draw(root, step=k)``."""
    try:
        import ipywidgets
        from IPython.display import display
    except ImportError as error:
        raise ImportError("step_through needs ipywidgets: pip install 'chainrule[notebook]'") from error
    lines = _step_lines(root)
    if not lines:
        raise ValueError("step_through: this graph has no op nodes, so backward has no steps")
    slider = ipywidgets.IntSlider(value=1, min=1, max=len(lines), description="step")
    output = ipywidgets.Output()

    def show(change: Any = None) -> None:
        output.clear_output(wait=True)
        with output:
            display(draw(root, step=slider.value, **options))  # type: ignore[no-untyped-call]

    slider.observe(show, names="value")
    show()
    return ipywidgets.VBox([slider, output])
