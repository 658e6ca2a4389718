"""Plots for training and for optimizers, with matplotlib (the ``plot`` extra): ``import nn.plot``.

Each function draws on ``ax`` when given one, and otherwise on a new figure, and returns the figure, which
shows itself in a notebook and saves with ``figure.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import autograd
from autograd.extend import is_whole
from nn.train import threshold

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["confusion_matrix", "decision_boundary", "history", "optimizer_paths"]


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("nn.plot needs matplotlib: pip install 'chainrule[plot]'") from error
    figure, axes = plt.subplots(figsize=size)
    plt.close(figure)  # shown by returning it, not by pyplot, so that a notebook shows it once
    return figure, axes


def history(h: Mapping[str, Sequence[float]], ax: Axes | None = None, log: bool = False) -> Figure:
    """The curves of a history from ``nn.fit``: each loss (``loss``, ``val_loss``) against the epoch, with
    whole-number epochs on the axis; the metrics (accuracy...) on a second axis at the right. ``log`` puts
    the losses on a log scale."""
    from matplotlib.ticker import MaxNLocator

    if not h or not all(len(series) for series in h.values()):
        raise ValueError("history: expected a history from nn.fit, with at least one epoch")
    figure, axes = _axes(ax, (7, 4))
    epochs = range(1, len(next(iter(h.values()))) + 1)
    losses = [name for name in h if name.endswith("loss")]
    metrics = [name for name in h if name not in losses]
    for name in losses:
        axes.plot(epochs, h[name], marker="o", markersize=3, label=name)
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss")
    if log:
        axes.set_yscale("log")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = axes.get_legend_handles_labels()
    if metrics:
        right = axes.twinx()
        for name in metrics:
            right.plot(epochs, h[name], linestyle="--", label=name)
        right.set_ylabel(", ".join(sorted({name.removeprefix("val_") for name in metrics})))
        more_handles, more_labels = right.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    axes.legend(handles, labels, fontsize=8)
    return figure


def _predict(model: Callable[[Any], Any], x: Any, cut: float) -> int:
    """The class ``model`` predicts for one sample: the arg-max of several outputs, or for one output the
    side of ``cut`` it falls on."""
    output = model(x)
    if isinstance(output, autograd.Value):
        return int(output.data > cut)
    scores = [v.data for v in output]
    return max(range(len(scores)), key=scores.__getitem__)


def _label(y: Any, cut: float) -> int:
    if is_whole(y):
        return int(y)
    if isinstance(y, Sequence) or getattr(y, "ndim", 0) == 1:
        return max(range(len(y)), key=lambda i: y[i])
    return int(float(y) > cut)


def decision_boundary(
    model: Callable[[Any], Any], X: Sequence[Sequence[float]], y: Sequence[Any], ax: Axes | None = None,
    resolution: int = 80,
) -> Figure:
    """The classes ``model`` predicts over the plane of 2-D data (moons, XOR, spiral), with the samples
    ``X`` coloured by their classes ``y`` on top. The model runs on a ``resolution``² grid, recording no
    graph."""
    if len(X) == 0 or any(len(x) != 2 for x in X):
        raise ValueError("decision_boundary: needs 2-D data, one (x1, x2) pair per sample")
    figure, axes = _axes(ax, (5, 5))
    pairs = list(zip(X, y, strict=True))
    cut = threshold(pairs)
    xs, ys = [x[0] for x in X], [x[1] for x in X]
    pad = 0.1 * max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    grid_x = [min(xs) - pad + (max(xs) - min(xs) + 2 * pad) * i / (resolution - 1) for i in range(resolution)]
    grid_y = [min(ys) - pad + (max(ys) - min(ys) + 2 * pad) * j / (resolution - 1) for j in range(resolution)]
    with autograd.no_grad():
        classes = [[_predict(model, [gx, gy], cut) for gx in grid_x] for gy in grid_y]
    labels = [_label(t, cut) for t in y]
    count = max(max(max(row) for row in classes), max(labels)) + 1
    axes.contourf(grid_x, grid_y, classes, levels=[c - 0.5 for c in range(count + 1)], cmap="coolwarm", alpha=0.3)
    axes.scatter(xs, ys, c=labels, cmap="coolwarm", vmin=0, vmax=max(count - 1, 1), edgecolors="k", s=18)
    axes.set_xlabel("x₁")
    axes.set_ylabel("x₂")
    return figure


def confusion_matrix(model: Callable[[Any], Any], data: Any, ax: Axes | None = None) -> Figure:
    """How often each true class (rows) is predicted as each class (columns), for ``data`` given as
    (X, y) or as (x, y) pairs, with the count in each cell. The diagonal holds the correct predictions."""
    pairs = list(zip(data[0], data[1], strict=True)) if isinstance(data, tuple) else [tuple(p) for p in data]
    if not pairs:
        raise ValueError("confusion_matrix: the data set is empty")
    cut = threshold(pairs)
    with autograd.no_grad():
        found = [(_label(t, cut), _predict(model, x, cut)) for x, t in pairs]
    count = max(max(a, b) for a, b in found) + 1
    matrix = [[0] * count for _ in range(count)]
    for truth, guess in found:
        matrix[truth][guess] += 1
    figure, axes = _axes(ax, (5, 5))
    axes.imshow(matrix, cmap="Blues")
    for i in range(count):
        for j in range(count):
            axes.text(j, i, str(matrix[i][j]), ha="center", va="center", fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_xticks(range(count))
    axes.set_yticks(range(count))
    return figure


def optimizer_paths(
    paths: Mapping[str, Sequence[Sequence[float]]],
    f: Callable[[float, float], float] | None = None,
    ax: Axes | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    levels: Sequence[float] = (0.5, 2, 5, 10, 30, 100, 300, 1000),
    minimum: Sequence[float] | None = None,
) -> Figure:
    """The paths of several optimizers through a plane, each a list of (x, y) points by the optimizer's
    name, over the contours of ``f(x, y)`` at ``levels`` when ``f`` is given. ``bounds`` is (x_min, x_max,
    y_min, y_max), by default the paths' own; ``minimum`` marks a point with a star."""
    if not paths:
        raise ValueError("optimizer_paths: expected at least one path")
    figure, axes = _axes(ax, (8, 6))
    points = [p for path in paths.values() for p in path]
    x0, x1, y0, y1 = bounds or (min(p[0] for p in points), max(p[0] for p in points),
                                min(p[1] for p in points), max(p[1] for p in points))
    if f is not None:
        xs = [x0 + (x1 - x0) * i / 199 for i in range(200)]
        ys = [y0 + (y1 - y0) * j / 199 for j in range(200)]
        axes.contour(xs, ys, [[f(a, b) for a in xs] for b in ys], levels=list(levels), cmap="Greys_r",
                     linewidths=0.8)
    for name, path in paths.items():
        axes.plot([p[0] for p in path], [p[1] for p in path], label=name, linewidth=1.2)
    if minimum is not None:
        axes.plot([minimum[0]], [minimum[1]], "k*", markersize=12)
    axes.set_xlim(x0, x1)
    axes.set_ylim(y0, y1)
    axes.legend(fontsize=8)
    return figure
