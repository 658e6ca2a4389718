"""The training timeline: ``nn.fit(..., watch=(x, y))`` records, before training and then after each epoch
(or every ``watch_every`` steps), the pass of one chosen example, the model's loss and metrics over the
training data, and, for data of two features, the classes the model gives the plane, as an image.
``history.explore()`` makes one self-contained page with a slider over those points: the graph's numbers,
the loss curve and the decision boundary move together, and every number is the one recorded there.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Unpack

import autograd
from autograd import ExploreOptions, Explorer, Pass, record
from autograd.extend import explore_options, explore_pass, is_whole, json_number, np, page_numbers
from nn import replay
from nn.module import Module

__all__ = ["History", "Watched", "Watcher"]

Array = Any

MAX_TIMELINE_BYTES = 64 * 2**20
"""The largest timeline page ``History.explore`` makes unless ``max_bytes`` says otherwise."""


@dataclass(frozen=True)
class Watched:
    """One point of training: its ``label`` ("before training", "epoch 3", "step 120"), the watched example's
    recorded pass, the model's mean ``loss`` and ``metrics`` over the training data at that point, and, for
    data of two features, the decision boundary as a PNG data URL."""

    label: str
    recorded: Pass
    loss: float
    metrics: dict[str, float]
    boundary: str | None = None


class History(dict[str, list[float]]):
    """What ``nn.fit`` returns: a dict of each epoch's loss and metrics (``history["loss"]``...), and, when
    fit watched an example, its timeline (``watched``, one ``Watched`` per point), which ``explore`` shows."""

    watched: list[Watched]
    plane: dict[str, Any] | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watched = []
        self.plane = None

    def explore(self, **options: Unpack[ExploreOptions]) -> Explorer:
        """One page with a timeline slider over the watched points: scrubbing to a point shows the graph's
        numbers, the loss curve and the decision boundary recorded there. The page is laid out once, for
        the last point, with ``explore``'s options; it works offline, like every explorer page. Each point
        opens at the end of its backward pass (``start="end"``), every gradient shown, so that scrubbing
        compares them; ``start="beginning"`` opens before backward.

        Raises ValueError when fit watched no example, or when the example's graph changed its shape
        between two points (a model whose ops depend on its data)."""
        if not self.watched:
            raise ValueError("History.explore: fit watched no example; pass watch=(x, y) to nn.fit")
        if options.get("tangents") is not None:
            raise ValueError("History.explore: a timeline shows no tangents; explore one point's graph for them")
        last = self.watched[-1].recorded
        for point in self.watched:
            _check_same_graph(point, last)
        settings = explore_options(last.root, options, start="end")  # each point's every gradient
        settings["title"] = settings["title"] or f"{last.graph.name(last.root)} while training"
        explorer = explore_pass(last, settings)
        levels = explorer.document["views"]
        numbers = [page_numbers(p.recorded, levels, settings["color_by_grad"]) for p in self.watched]
        metric_names = list(self.watched[0].metrics)
        timeline = {
            "labels": [p.label for p in self.watched], "loss": [json_number(p.loss) for p in self.watched],
            "metrics": {name: [json_number(p.metrics[name]) for p in self.watched] for name in metric_names},
            "numbers": numbers, "boundary": [p.boundary for p in self.watched if p.boundary is not None],
            **(self.plane or {"points": [], "extent": []}),
        }
        page = explorer.renumbered(numbers[-1], timeline=timeline)
        size = len(page.html.encode("utf-8"))
        most = options.get("max_bytes", MAX_TIMELINE_BYTES)
        if size > most:
            raise ValueError(f"History.explore: the page would hold {size:,} bytes, more than max_bytes={most:,}. "
                             "Watch fewer points (watch_every), explore coarser views, or pass a larger max_bytes")
        return page


def _check_same_graph(point: Watched, last: Pass) -> None:
    graph, other = point.recorded.graph, last.graph
    same = len(graph) == len(other) and graph.parents == other.parents and all(
        a.op == b.op and a.arg == b.arg for a, b in zip(graph.nodes, other.nodes, strict=True))
    if not same:
        raise ValueError(f"History.explore: the watched example's graph at {point.label} ({len(graph)} nodes) is not "
                         f"the one at the end ({len(other)} nodes), so one page cannot show both")


@dataclass
class Watcher:
    """What ``fit`` keeps to record the watched example: the model, the example, the loss, how to score the
    model over the training data, and the plane of two-feature data."""

    model: Module
    example: tuple[Any, Any]
    loss: Callable[[Any, Any], autograd.Value]
    score: Callable[[], dict[str, float]]
    history: History
    pairs: Sequence[tuple[Any, Any]] = ()
    cut: float = 0.5
    _grid: Array | None = None
    _replay: replay.Replay | None = None

    def __post_init__(self) -> None:
        try:
            features = np.array([[float(v) for v in x] for x, _ in self.pairs], dtype=float)
        except (TypeError, ValueError):
            return
        except ImportError:  # no NumPy here (Pyodide from its bare interpreter): the timeline has no plane
            return
        if features.ndim == 2 and features.shape[1] == 2:
            classes = [_class_of(t, self.cut) for _, t in self.pairs]
            self.history.plane = _plane(features, classes, self.example[0])
            low_x, high_x, low_y, high_y = self.history.plane["extent"]
            xs, ys = np.linspace(low_x, high_x, RESOLUTION), np.linspace(high_y, low_y, RESOLUTION)
            self._grid = np.array([[x, y] for y in ys for x in xs])

    def watch(self, label: str) -> None:
        """Record the point ``label``: the example's pass, the scores and the boundary (the model's Values hold
        the current parameters)."""
        x, y = self.example
        root = self.loss(self.model(x), y)
        recorded = record(root, undefined=math.nan, where="fit: watch")
        scores = self.score()
        loss = scores.pop("loss")
        self.history.watched.append(Watched(label, recorded, loss, scores, self._boundary()))

    def _boundary(self) -> str | None:
        if self._grid is None:
            return None
        outputs = self._outputs(self._grid)
        classes = (outputs[:, 0] > self.cut).astype(int) if outputs.shape[1] == 1 else np.argmax(outputs, axis=1)
        return _png_url(classes.reshape(RESOLUTION, RESOLUTION))

    def _outputs(self, grid: Array) -> Array:
        """The model's outputs over the grid: replayed with NumPy for an nn model, else on Values."""
        if self._replay is None:
            try:
                self._replay = replay.Replay.of(self.model, None, (grid, np.zeros(len(grid))), demanded=False)
            except replay.NotReplayableError:
                with autograd.no_grad():
                    rows = [self.model([float(a), float(b)]) for a, b in grid]
                return np.array([[v.data] if isinstance(v, autograd.Value) else [o.data for o in v] for v in rows])
        _, outputs = self._replay.forward(slice(None), self._replay.trace.parameter_data())
        return outputs


RESOLUTION = 64
"""The decision boundary's grid: RESOLUTION² points of the plane, one pixel each (the page scales it)."""

_CLASS_COLOURS = [(0xc6, 0xd6, 0xf2), (0xf4, 0xc4, 0xc4), (0xc9, 0xe8, 0xc9), (0xfd, 0xdc, 0xb8), (0xe2, 0xd2, 0xf0),
                  (0xf0, 0xe0, 0xa8), (0xd0, 0xe8, 0xf0), (0xe8, 0xd0, 0xc0), (0xd8, 0xd8, 0xd8), (0xf0, 0xc8, 0xe0)]
"""Light colours for the classes, in the page's order for the points (class 0 blue, 1 red, 2 green...)."""


def _plane(features: Array, classes: Sequence[int], watched: Sequence[Any]) -> dict[str, Any]:
    """The part of the plane the boundary covers (the data with a margin of a tenth) and the points the page
    draws on it, each as [x, y, class, 1 for the watched example]."""
    xs, ys = features[:, 0], features[:, 1]
    pad = 0.1 * max(float(np.ptp(xs)), float(np.ptp(ys)), 1e-9)
    extent = [float(xs.min()) - pad, float(xs.max()) + pad, float(ys.min()) - pad, float(ys.max()) + pad]
    at = (float(watched[0]), float(watched[1]))
    points = [[a, b, c, int((a, b) == at)] for (a, b), c in zip(features.tolist(), classes, strict=True)]
    return {"extent": extent, "points": points}


def _class_of(target: Any, cut: float) -> int:
    """A target's class: itself if it is a class index, the arg-max of a one-hot row, or the side of ``cut``
    a single number falls on."""
    if isinstance(target, int) or is_whole(target):
        return int(target)
    values = np.ravel(np.asarray(target, dtype=float))
    return int(np.argmax(values)) if len(values) > 1 else int(values[0] > cut)


def _png_url(classes: Array) -> str:
    """A PNG (8-bit RGB, one pixel per grid point, rows from the top of the plane down) as a data URL."""
    height, width = classes.shape
    rows = b"".join(b"\x00" + bytes(c for k in row for c in _CLASS_COLOURS[int(k) % len(_CLASS_COLOURS)])
                    for row in classes.tolist())

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
