"""Drawing a graph: each node with its name, op, data and grad; each edge with its local partial.

A reader of a recorded pass (``autograd.passes``), never imported by the engine. ``to_dot`` writes DOT text
and needs no Graphviz binary; ``draw`` returns a ``graphviz.Digraph`` that renders to SVG, PNG or PDF and
shows inline in Jupyter. The partial on each edge is the pass's, the number the chain rule multiplied by,
and each node is named as every other view of the graph names it (``Graph.name``). ``Canvas`` is the drawing
builder that ``explore`` draws its views with too. The ``graphviz`` package is imported only when a drawing
is made.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import itertools
import math
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from autograd import labels
from autograd.errors import StaleGraphError
from autograd.files import write_atomically
from autograd.graph import Graph, count_nodes
from autograd.labels import fill, slot_value
from autograd.passes import BackwardStep, Pass, record
from autograd.rules import float_of
from autograd.validation import is_real, is_whole
from autograd.value import Value

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "Canvas", "DrawOptions", "GraphvizError", "GraphvizFallbackWarning", "GraphvizNotFoundError", "checked_options",
    "draw", "grad_color", "label_prefix", "save", "to_dot",
]

INSTALL_HINT = (
    "Graphviz's 'dot' program is not installed, so the graph cannot be rendered (to_dot still works). "
    "Install it: 'sudo apt-get install graphviz' on Debian or Ubuntu, 'brew install graphviz' on macOS, "
    "or see https://graphviz.org/download/."
)

Edge = tuple[Value, Value] | tuple[Value, Value, int]
Cluster = Callable[[Value], str | None]


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's ``dot`` program, and it is not on PATH."""


class GraphvizError(RuntimeError):
    """Graphviz's ``dot`` failed; the message carries its own error text."""


class GraphvizFallbackWarning(UserWarning):
    """Graphviz's ``dot`` took longer than the drawing's ``timeout``, so a cheaper layout drew it."""


LAYOUT_SECONDS = 30.0
"""How long Graphviz's ``dot`` may lay out one drawing (the ``timeout`` option) before a cheaper layout is
tried. Its time is not bounded by the size of the graph: a chain ``y = y * x`` of 91 nodes, whose x feeds
every node, takes it over 120 s with edge labels (101 nodes, 816 s), far below ``max_nodes``."""

_FALLBACKS = (
    ("dot with one pass of network simplex", ["-Gnslimit=1", "-Gnslimit1=1", "-Gmclimit=0.1"]),
    ("neato, which draws without ranks", ["-Kneato", "-Goverlap=false"]),
)
"""Cheaper layouts, each with the same time budget. The first lays the 91-node chain out in 1 s; neato lays
out 300 nodes of it in half a second, where dot's cheaper pass takes half a minute (and can crash)."""


LAYOUT_TIERS: tuple[tuple[int, dict[str, str]], ...] = (
    (1_000, {}),
    (5_000, {"nslimit": "1", "nslimit1": "1", "mclimit": "0.1"}),
    (60_000, {"nslimit": "1", "nslimit1": "1", "mclimit": "0.1", "splines": "line"}),
)
"""How a drawing is laid out, by the bends its long edges would take (``layout_bends``): up to the first
number, dot as it is; then one pass of network simplex and a tenth of the crossing reduction; then straight
edges too; past the last, neato, which draws without ranks. dot's time grows with those bends, not with the
nodes: on chains ``y = y * x``, whose x feeds every node, dot alone takes 0.4 s at 1,000 bends (46 nodes), 15 s
at 2,800 (75) and 54 s at 4,100 (91); the second tier lays the 91-node chain out in 0.6 s and the 200-node one
(20,000 bends) in 5.8 s, and straight edges take the 299-node one (44,000) from 18 s to 2.2 s (measured
2026-12-07 with Debian's Graphviz 2.42)."""


def layout_bends(edges: Sequence[tuple[str, str]]) -> int:
    """How many ranks the edges of a drawing cross beyond their own, each rank by the longest path from the
    inputs: the points where dot bends a long edge, which its crossing reduction and spline routing pay for."""
    heads: dict[str, list[str]] = {}
    waiting: dict[str, int] = {}
    for tail, head in edges:
        heads.setdefault(tail, []).append(head)
        waiting[head] = waiting.get(head, 0) + 1
        waiting.setdefault(tail, 0)
    rank = dict.fromkeys(waiting, 0)
    ready = [key for key, count in waiting.items() if count == 0]
    while ready:
        key = ready.pop()
        for head in heads.get(key, ()):
            rank[head] = max(rank[head], rank[key] + 1)
            waiting[head] -= 1
            if waiting[head] == 0:
                ready.append(head)
    return sum(rank[head] - rank[tail] - 1 for tail, head in edges if rank[head] > rank[tail])


def layout_settings(edges: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The graph attributes a drawing with these edges is laid out with, by ``LAYOUT_TIERS``."""
    bends = layout_bends(edges)
    for most, settings in LAYOUT_TIERS:
        if bends <= most:
            return dict(settings)
    return {"layout": "neato", "overlap": "false"}


LONGEST_NAME = 60
"""Characters of a name drawn in a node or on an edge; a longer one is shortened with an ellipsis in the
middle, and the node's tooltip holds it whole (Graphviz cannot read a string over 16,384 characters)."""

LONGEST_TOOLTIP = 4000


class DrawOptions(TypedDict, total=False):
    """The options of ``to_dot``, ``draw`` and ``save``; every one may be left out.

    - ``rankdir``: "LR" (left to right, the default) or "TB" (top to bottom); also "RL", "BT".
    - ``show_partials``: label each edge parent -> child with ∂child/∂parent (default True).
    - ``show_contributions``: also show upstream × local = what the parent's grad received.
    - ``show_rules``: also show the rule in words, with the node's inputs, e.g. ∂(w5·out_h1)/∂w5 = out_h1.
    - ``precision``: significant digits of every number, 1 to 17 (default 4).
    - ``highlight``: Values and edges (parent, child) or (parent, child, position) to draw in red.
    - ``color_by_grad``: fill nodes by log10 |grad|, blue for vanishing, red for exploding gradients.
    - ``cluster``: a function from a node to a group name (or None); each group is drawn boxed.
      ``label_prefix(depth)`` groups nodes by their labels, e.g. ``layers.0.neurons.1``.
    - ``max_nodes``: a larger graph raises ValueError rather than drawing an unreadable picture (default 300).
    - ``step``: show a fresh backward pass (every gradient from zero) as it stands after its step k, with
      that step's node and edges highlighted and the contributions of the edges passed so far. Every
      ``.grad`` is restored afterwards.
    - ``timeout``: the seconds Graphviz's ``dot`` may take to lay the drawing out (default 30); past them,
      cheaper layouts draw it, each within the same time, with a ``GraphvizFallbackWarning``.
    """

    rankdir: str
    show_partials: bool
    show_contributions: bool
    show_rules: bool
    precision: int
    highlight: Iterable[Value | Edge]
    color_by_grad: bool
    cluster: Cluster | None
    max_nodes: int
    step: int | None
    timeout: float


@dataclasses.dataclass(frozen=True)
class _Settings:
    """``DrawOptions`` checked and resolved: what ``_draw`` draws with."""

    rankdir: str = "LR"
    show_partials: bool = True
    show_contributions: bool = False
    show_rules: bool = False
    precision: int = 4
    highlight: frozenset[int] = frozenset()
    highlight_edges: frozenset[tuple[int, int, int | None]] = frozenset()
    color_by_grad: bool = False
    cluster: Cluster | None = None
    reached: frozenset[int] | None = None  # with step=k: the nodes whose edges backward has passed
    timeout: float = LAYOUT_SECONDS


def to_dot(root: Value, **options: Unpack[DrawOptions]) -> str:
    """DOT source for the graph of ``root``, with the options of ``DrawOptions``; needs no Graphviz."""
    return str(_digraph(root, options, "to_dot").source)


def draw(root: Value, *, format: str = "svg", **options: Unpack[DrawOptions]) -> graphviz.Digraph:
    """A ``graphviz.Digraph`` of ``root``'s graph (options as in ``DrawOptions``) that renders through
    Graphviz to ``format`` ("svg", "png" or "pdf") and shows itself inline in Jupyter.

    Raises ``GraphvizNotFoundError``, with how to install it, when Graphviz's ``dot`` is missing.
    """
    return _renderable(root, format, options, "draw")


def save(root: Value, path: str | Path, **options: Unpack[DrawOptions]) -> Path:
    """Render ``root``'s graph to ``path`` (options as in ``DrawOptions``); the format comes from its suffix
    (.svg, .png or .pdf). The file is written atomically."""
    target = Path(path)
    format = target.suffix.lstrip(".").lower()
    if format not in ("svg", "png", "pdf"):
        raise ValueError(f"save: the file name must end in .svg, .png or .pdf, got {str(path)!r}")
    return write_atomically(target, _pipe(_renderable(root, format, options, "save"), format, "save"))


def _pipe(digraph: graphviz.Digraph, format: str, where: str, seconds: float | None = None) -> bytes:
    """``digraph`` rendered by ``dot`` within ``seconds`` (``LAYOUT_SECONDS`` by default), else by the cheaper
    layouts of ``_FALLBACKS``, each within the same time, with a ``GraphvizFallbackWarning``. dot's own error
    raises GraphvizError with its message, and so does a graph that no layout draws in time."""
    budget = getattr(digraph, "layout_seconds", LAYOUT_SECONDS) if seconds is None else seconds
    return pipe_source(str(digraph.source), format, where, budget)


PICTURE_INCHES = "16,12"
"""The largest a notebook's picture of a drawing is (``picture``), in inches at 96 pixels each: a larger
drawing is scaled down to fit, a smaller one is left as it is."""


def picture(source: str, where: str, seconds: float = LAYOUT_SECONDS) -> bytes:
    """The DOT ``source`` as a PNG, at most ``PICTURE_INCHES``: what a notebook shows where it shows no SVG or
    no script (an untrusted notebook in JupyterLab, GitHub's viewer)."""
    return pipe_source(source, "png", where, seconds, [f"-Gsize={PICTURE_INCHES}"])


def pipe_source(source: str, format: str, where: str, seconds: float = LAYOUT_SECONDS,
                extra: Sequence[str] = ()) -> bytes:
    """DOT ``source`` rendered to ``format``, as ``_pipe`` renders a digraph; ``extra`` are more of dot's flags."""
    text = source.encode("utf-8")
    for attempt, (name, flags) in enumerate((("dot", []), *_FALLBACKS)):
        try:
            run = subprocess.run(["dot", *flags, *extra, f"-T{format}"], input=text, capture_output=True,
                                 check=False, timeout=seconds)
        except subprocess.TimeoutExpired:  # run() has killed dot
            continue
        if run.returncode < 0 and attempt < len(_FALLBACKS):  # killed by a signal: dot crashes on some layouts
            continue
        if run.returncode != 0:
            message = run.stderr.decode("utf-8", errors="replace").strip() or f"exit code {run.returncode}"
            raise GraphvizError(f"{where}: Graphviz's dot could not render the graph: {message}")
        if attempt:
            warnings.warn(f"{where}: Graphviz's dot did not lay this graph out within {seconds:g} s, so {name} drew "
                          "it instead (give a larger timeout to wait for dot)", GraphvizFallbackWarning, stacklevel=4)
        return run.stdout
    raise GraphvizError(f"{where}: Graphviz could not lay the graph out within {seconds:g} s, even with "
                        f"{' or '.join(name for name, _ in _FALLBACKS)}; draw a smaller part, or give a larger timeout")


def _drawing(seconds: float, **attributes: Any) -> graphviz.Digraph:
    """A ``graphviz.Digraph`` whose ``pipe`` (what Jupyter calls to show it) runs ``_pipe``, with its time
    budget and cheaper layouts, instead of an unbounded ``dot``."""
    drawing = _drawing_class()(**attributes)
    drawing.layout_seconds = seconds
    return drawing


@functools.cache
def _drawing_class() -> type[graphviz.Digraph]:
    import graphviz

    class Drawing(graphviz.Digraph):  # type: ignore[misc]
        """A Digraph rendered within a time budget (``layout_seconds``), through chainrule's ``_pipe``."""

        layout_seconds: float = LAYOUT_SECONDS

        def pipe(self, format: str | None = None, renderer: str | None = None, formatter: str | None = None,
                 neato_no_op: bool | int | None = None, quiet: bool = False, *, engine: str | None = None,
                 encoding: str | None = None) -> bytes | str:
            if renderer or formatter or neato_no_op or engine not in (None, "dot") or self.engine != "dot":
                return super().pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine,  # type: ignore[no-any-return]
                                    encoding=encoding)
            data = _pipe(self, format or self.format, "draw", self.layout_seconds)
            return data.decode(encoding) if encoding else data

        def _repr_mimebundle_(self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None,
                              **_: Any) -> dict[str, bytes | str]:
            """The SVG, and a PNG beside it for the viewers that show no SVG (an untrusted notebook in
            JupyterLab)."""
            wanted = {"image/svg+xml", "image/png"} if include is None else set(include)
            return super()._repr_mimebundle_(include=wanted, exclude=exclude)  # type: ignore[no-any-return]

    return Drawing


def _renderable(root: Value, format: str, options: DrawOptions, where: str) -> graphviz.Digraph:
    if format not in ("svg", "png", "pdf"):
        raise ValueError(f"{where}: format must be 'svg', 'png' or 'pdf', got {format!r}")
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(INSTALL_HINT)
    digraph = _digraph(root, options, where)
    digraph.format = format
    return digraph


def label_prefix(depth: int) -> Cluster:
    """Group nodes by the first ``depth`` dot-separated parts of their labels: with depth 4,
    ``layers.0.neurons.1.w.0`` and ``layers.0.neurons.1.out`` share the group ``layers.0.neurons.1``.
    Nodes whose labels are shorter than that, or unlabelled, belong to no group."""
    if not is_whole(depth) or depth < 1:
        raise ValueError(f"label_prefix: depth must be a whole number of at least 1, got {depth!r}")

    def group(node: Value) -> str | None:
        parts = (node.label or "").split(".")
        return ".".join(parts[:depth]) if len(parts) > depth else None

    return group


def _notebook_drawing(value: Value, format: str, max_nodes: int = 40) -> bytes | None:
    """A Value's graph as a notebook shows it, in ``format``, when it has at most ``max_nodes`` nodes, Graphviz
    is installed and the graph is not stale; otherwise None, and the notebook shows the Value's text."""
    if shutil.which("dot") is None or count_nodes(value, stop_after=max_nodes) > max_nodes:
        return None
    try:
        digraph = draw(value, max_nodes=max_nodes)
    except StaleGraphError:
        return None
    return _pipe(digraph, format, "draw")


def _notebook_svg(value: Value) -> str | None:
    """The SVG a notebook shows for a small Value (``_notebook_drawing``)."""
    drawn = _notebook_drawing(value, "svg")
    return None if drawn is None else drawn.decode("utf-8")


def _notebook_png(value: Value) -> bytes | None:
    """The PNG a notebook shows beside the SVG, where SVG is not shown (JupyterLab, untrusted)."""
    return _notebook_drawing(value, "png")


def register_notebook_display() -> None:
    """Show Values as graphs in a running IPython, through ``_notebook_svg`` and ``_notebook_png``."""
    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/svg+xml"].for_type(Value, _notebook_svg)
        shell.display_formatter.formatters["image/png"].for_type(Value, _notebook_png)


def checked_options(
    root: Value, options: Mapping[str, Any], known: Iterable[str], where: str
) -> tuple[str, int, float]:
    """The checks every drawing makes of its root and options (names in ``known``), and its rankdir,
    precision and timeout; errors name ``where``. ``explore`` checks its own options with it too."""
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise TypeError(f"{where}: unknown options {unknown}; the options are {sorted(known)}")
    if not isinstance(root, Value):
        raise TypeError(f"{where}: expected a Value, got {type(root).__name__} {root!r}")
    rankdir = options.get("rankdir", "LR")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"{where}: rankdir must be 'LR' or 'TB' (or 'RL', 'BT'), got {rankdir!r}")
    precision = options.get("precision", 4)
    if not is_whole(precision) or not 1 <= precision <= 17:
        raise ValueError(f"{where}: precision must be a whole number from 1 to 17, got {precision!r}")
    timeout = options.get("timeout", LAYOUT_SECONDS)
    if not is_real(timeout) or not 0 < timeout < math.inf:
        raise ValueError(f"{where}: timeout must be a positive number of seconds, got {timeout!r}")
    return rankdir, precision, float(timeout)


class Canvas:
    """One drawing being built, in chainrule's style: each node a small table of its name, op and the lines of
    its numbers as ``labels.fill`` writes them (``node``), boxes around groups (``cluster``), a box standing for
    a whole group (``group``), and edges with lines of text. ``render`` lays it out with Graphviz within
    ``timeout`` seconds, falling back to cheaper layouts. ``draw`` and ``explore`` (through ``scene.Scene``)
    both draw through it; ``digraph`` is the ``graphviz.Digraph``.
    """

    def __init__(self, *, rankdir: str = "LR", color_by_grad: bool = False,
                 timeout: float = LAYOUT_SECONDS, element_id: str | None = None, title: str | None = None) -> None:
        self.color_by_grad = color_by_grad
        # ordering="in": each node's inputs in the order the op lists them, so that the textbook's order holds
        # (i1 above i2, h1 above h2, w1 above w2; dot's own heuristic drew every pair of the worked example reversed)
        graph_attr = {"rankdir": rankdir, "fontname": "Helvetica", "nodesep": "0.3", "ranksep": "0.5", "ordering": "in"}
        if element_id is not None:
            graph_attr["id"] = element_id
        self.digraph = _drawing(
            timeout,
            name="chainrule",
            graph_attr=graph_attr,
            node_attr={"shape": "plain", "fontname": "Helvetica", "fontsize": "11"},
            edge_attr={"fontname": "Helvetica", "fontsize": "10", "color": "#555555", "arrowsize": "0.7"},
        )
        if title is not None:
            self.digraph.attr(label=_html(shorten(title, 20 * LONGEST_NAME)), labelloc="t", fontsize="11")
        self._target: Any = self.digraph
        self._edges: list[tuple[str, str]] = []
        self._settled = False

    def node(self, key: str, *, title: str, name: str, op: str | None, lines: Sequence[str], grad: float | None,
             labelled: bool, highlighted: bool = False, element_id: str | None = None,
             room: Sequence[str] = ()) -> None:
        """A node drawn under ``title`` (shortened when too long to draw, with ``name``, its unique name, in
        the tooltip where the two differ): its op's symbol when it has one, then ``lines``, its numbers as
        ``labels.fill`` writes them ("data 0.5", "grad 1"). ``labelled`` draws the title in bold; a node the
        graph names itself (``a·b``, ``mul#2``) is grey. With ``color_by_grad`` it is filled by ``grad`` (None:
        not known, left uncoloured). ``room``: lines the number lines must have room for (an exercise's "grad ?"
        is laid out as wide as the number the page writes there once it is found)."""
        short = shorten(title)
        attrs = {} if short == title == name and element_id is None else {"tooltip": _tooltip(name)}
        if element_id is not None:
            attrs["id"] = element_id
        head = f"<B>{escape(short)}</B>" if labelled else f'<FONT COLOR="#777777">{escape(short)}</FONT>'
        rows = [f"<TR><TD>{head}</TD></TR>"]
        if op is not None:
            rows.append(f"<TR><TD><I>{escape(op)}</I></TD></TR>")
        rows += [f"<TR><TD{_room(wide, CELL_PADDING)}>{escape(line)}</TD></TR>"
                 for line, wide in itertools.zip_longest(lines, room[:len(lines)], fillvalue="")]
        plain = "#ffffff" if op is not None else "#f2f2f2"
        fill = grad_color(grad) if self.color_by_grad and grad is not None else plain
        border, width = ("#d62728", "3") if highlighted else ("#555555", "1")
        table = (
            f'<TABLE BORDER="{width}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="{CELL_PADDING}" STYLE="ROUNDED" '
            f'COLOR="{border}" BGCOLOR="{fill}">{"".join(rows)}</TABLE>'
        )
        self._target.node(key, label=f"<{table}>", **attrs)

    def group(self, key: str, *, title: str, lines: Sequence[str], grad: float | None = None,
              element_id: str | None = None) -> None:
        """One box standing for a whole group of nodes, titled ``title``, with ``lines`` of text under it;
        with ``color_by_grad``, filled by ``grad`` (the group's largest |grad|) as a node is."""
        rows = "".join(f"<TR><TD>{escape(line)}</TD></TR>" for line in lines)
        fill = grad_color(grad) if self.color_by_grad and grad is not None else "#eef3fb"
        label = (f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" STYLE="ROUNDED" '
                 f'BGCOLOR="{fill}" COLOR="#4a7bd0"><TR><TD><B>{escape(shorten(title))}</B></TD></TR>{rows}</TABLE>>')
        attrs = {"tooltip": _tooltip(title)}
        if element_id is not None:
            attrs["id"] = element_id
        self._target.node(key, label=label, **attrs)

    @contextmanager
    def cluster(self, key: str, title: str, element_id: str | None = None) -> Iterator[None]:
        """Draw the nodes added inside the ``with`` block in one dashed box titled ``title``."""
        outer = self._target
        with outer.subgraph(name=f"cluster_{key}") as box:
            attrs = {"label": _html(shorten(title)), "style": "rounded,dashed", "color": "#888888", "fontsize": "10"}
            if element_id is not None:
                attrs["id"] = element_id
            box.attr(**attrs)
            self._target = box
            try:
                yield
            finally:
                self._target = outer

    def edge(self, tail: str, head: str, lines: Sequence[str] = (), highlighted: bool = False, **attrs: str) -> None:
        """An edge from ``tail`` to ``head``, labelled with ``lines``."""
        if lines:
            attrs["label"] = "<" + "<BR/>".join(escape(line) for line in lines) + ">"
        if highlighted:
            attrs.update(color="#d62728", penwidth="2.2", fontcolor="#d62728")
        self.digraph.edge(tail, head, **attrs)
        self._edges.append((tail, head))

    def settled(self) -> graphviz.Digraph:
        """The digraph, with the layout settings its shape calls for (``layout_settings``) written into it
        once, so that every reader of its DOT (a drawing, a page, a notebook's picture) lays it out alike."""
        if not self._settled:
            self._settled = True
            settings = layout_settings(self._edges)
            if settings:
                self.digraph.attr(**settings)
        return self.digraph

    def render(self, format: str, where: str) -> bytes:
        """The drawing laid out and rendered to ``format`` ("svg", "png" or "pdf"); see ``_pipe``."""
        return _pipe(self.settled(), format, where)


def _digraph(root: Value, options: DrawOptions, where: str) -> graphviz.Digraph:
    """Check ``options``, record the pass and draw it; errors name ``where`` (to_dot, draw or save)."""
    rankdir, precision, timeout = checked_options(root, options, DrawOptions.__annotations__, where)
    graph = Graph.of(root)
    max_nodes = options.get("max_nodes", 300)
    if len(graph) > max_nodes:
        raise ValueError(
            f"{where}: the graph has {len(graph)} nodes, more than max_nodes={max_nodes}. Draw a smaller part "
            f"(an output nearer the inputs, one neuron or one sample), or pass max_nodes={len(graph)} to draw all."
        )
    nodes, edges = _highlights(options.get("highlight", ()), where)
    step = options.get("step")
    if step is not None and (not is_whole(step) or step < 1):
        raise ValueError(f"{where}: step must be a whole number from 1, got {step!r}")
    recorded = record(graph, undefined=math.nan, where=where)
    settings = _Settings(
        rankdir=rankdir,
        show_partials=options.get("show_partials", True),
        show_contributions=options.get("show_contributions", False),
        show_rules=options.get("show_rules", False),
        precision=precision,
        highlight=frozenset(nodes),
        highlight_edges=frozenset(edges),
        color_by_grad=options.get("color_by_grad", False),
        cluster=options.get("cluster"),
        timeout=timeout,
    )
    if step is None:  # the gradients as they stand, from the backward passes the user ran
        return _draw(recorded, settings, tuple(float_of(node.grad) for node in graph.nodes), None)
    if step > len(recorded.steps):
        raise ValueError(f"{where}: step {step} is past the last step; backward of this graph has "
                         f"{len(recorded.steps)} steps")
    shown = recorded.steps[step - 1]
    stepped = dataclasses.replace(
        settings,
        show_contributions=True,
        highlight=settings.highlight | {id(shown.node)},
        highlight_edges=settings.highlight_edges | {(id(e.parent), id(shown.node), e.position) for e in shown.edges},
        reached=frozenset(id(r.node) for r in recorded.steps[:step]),
    )
    return _draw(recorded, stepped, recorded.grads_at(step), shown)


def _highlights(items: Iterable[Value | Edge], where: str) -> tuple[set[int], set[tuple[int, int, int | None]]]:
    nodes: set[int] = set()
    edges: set[tuple[int, int, int | None]] = set()
    for item in items:
        if isinstance(item, Value):
            nodes.add(id(item))
        elif isinstance(item, tuple) and len(item) in (2, 3) and all(isinstance(v, Value) for v in item[:2]):
            edges.add((id(item[0]), id(item[1]), item[2] if len(item) == 3 else None))
        else:
            raise TypeError(f"{where}: highlight takes Values and (parent, child[, position]) edges, got {item!r}")
    return nodes, edges


def _draw(recorded: Pass, options: _Settings, grads: Sequence[float], shown: BackwardStep | None) -> graphviz.Digraph:
    """The drawing of a recorded pass, each node with the gradient ``grads`` gives it; ``shown`` is the step
    being shown (its edges passed on the grads of ``grads``), if any."""
    graph = recorded.graph
    canvas = Canvas(rankdir=options.rankdir, color_by_grad=options.color_by_grad,
                    timeout=options.timeout, title=None if shown is None else str(shown))
    groups: dict[str, list[int]] = {}
    loose: list[int] = []
    for i, node in enumerate(graph.nodes):
        group = options.cluster(node) if options.cluster else None
        (groups.setdefault(group, []) if group is not None else loose).append(i)

    numbers = {"data": recorded.data, "grad": grads, "partial": [p for ps in recorded.partials for p in ps]}
    edges = [{"from": p, "to": c} for c, parents in enumerate(graph.parents) for p in parents]

    def number(kind: str, index: int) -> Callable[[str], float | None]:
        return lambda name: slot_value(numbers, edges, 0, kind, index, name)

    def add(i: int, title: str) -> None:
        node = graph.nodes[i]
        op = node.rule.describe_op(node.arg) if node.rule else None
        canvas.node(f"n{i}", title=title, name=graph.name(node), op=op, grad=grads[i],
                    lines=fill(labels.NODE, number("n", i), options.precision),
                    labelled=bool(node.label), highlighted=id(node) in options.highlight)

    for i in loose:
        add(i, graph.expression(graph.nodes[i]))  # as the steps and explanations name it: x·y, not mul#2
    for index, (group_name, members) in enumerate(groups.items()):
        with canvas.cluster(str(index), group_name):
            for i in members:
                add(i, graph.name(graph.nodes[i]).removeprefix(group_name + "."))  # the box says the rest
    edge_numbers = itertools.count()  # as ``edges`` numbers them: by child, each child's inputs in order
    for c, child in enumerate(graph.nodes):
        rule = child.rule
        if rule is None:
            continue
        names = [shorten(graph.operand(parent)) for parent in child.parents] if options.show_rules else None
        bare = [shorten(graph.expression(parent)) for parent in child.parents] if options.show_rules else None
        words = rule.explain_each(len(child.parents), child.arg, names, bare=bare) if names is not None else None
        for position, (parent, p) in enumerate(zip(child.parents, graph.parents[c], strict=True)):
            k = next(edge_numbers)
            lines: list[str] = []
            if options.show_partials:
                partial, contribution = fill(labels.EDGE, number("e", k), options.precision)
                lines.append(partial)
                passed = options.reached is None or id(child) in options.reached
                if options.show_contributions and passed and math.isfinite(recorded.partials[c][position]):
                    lines.append(contribution)
            if words is not None:
                lines.append(words[position])
            key = (id(parent), id(child))
            lit = (*key, position) in options.highlight_edges or (*key, None) in options.highlight_edges
            canvas.edge(f"n{p}", f"n{c}", lines, highlighted=lit)
    return canvas.settled()


def shorten(text: str, limit: int = LONGEST_NAME) -> str:
    """``text``, or its start and end with an ellipsis between when it is longer than ``limit``."""
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return f"{text[:half]}…{text[-half:]}"


def _tooltip(text: str) -> str:
    """``text`` as a Graphviz quoted string can hold it: at most ``LONGEST_TOOLTIP`` characters, control
    characters as escapes, backslashes doubled (Graphviz reads ``\\N`` and the like as escapes)."""
    visible = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    if len(visible) > LONGEST_TOOLTIP:
        visible = f"{visible[:LONGEST_TOOLTIP]}… ({len(visible) - LONGEST_TOOLTIP} more characters)"
    from graphviz import nohtml  # quoted even when it looks like <html>: graphviz passes <...> through as a label

    return nohtml(visible.replace("\\", "\\\\"))  # type: ignore[no-any-return]


CELL_PADDING = 3
"""Points around the text of a node's table cell."""

_HELVETICA = dict.fromkeys("0123456789$_#", 0.556) | dict.fromkeys(" .,:;!|/\\[]()'", 0.278) | {
    "-": 0.333, "+": 0.584, "=": 0.584, "×": 0.584, "−": 0.584, "?": 0.556, "·": 0.278, "e": 0.556, "a": 0.556,
    "d": 0.556, "g": 0.556, "r": 0.333, "t": 0.278, "n": 0.556, "i": 0.222, "f": 0.278, "m": 0.833, "x": 0.5}
"""Helvetica's advance widths in ems (its AFM metrics), for the characters of a label's numbers."""


def _room(text: str, padding: int) -> str:
    """A table cell's WIDTH attribute that leaves room for ``text`` in 11-point Helvetica, or nothing."""
    if not text:
        return ""
    return f' WIDTH="{math.ceil(sum(_HELVETICA.get(ch, 0.6) for ch in text) * 11 + 2 * padding + 2)}"'


def escape(text: str) -> str:
    """Text safe inside a Graphviz HTML-like label. Markup characters become entities; control characters
    (which Graphviz cannot read) are shown as escapes; each backslash is doubled, since Graphviz reads
    ``\\N``, ``\\G`` and ``\\\\`` as escapes even there, and a doubled one shows as one; and ``]`` is
    written as an entity, since Graphviz's lexer rejects one at the start of a text."""
    visible = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    return html.escape(visible, quote=True).replace("\\", "\\\\").replace("]", "&#93;")


def _html(text: str) -> str:
    """A whole HTML-like label holding ``text``."""
    return f"<{escape(text)}>"


def grad_color(grad: float) -> str:
    """White-blue for vanishing gradients through yellow to red for exploding ones (by log10 |grad|)."""
    if grad == 0 or not math.isfinite(grad):
        return "#d9d9d9" if grad == 0 else "#ff00ff"
    t = min(max((math.log10(abs(grad)) + 6) / 9, 0.0), 1.0)  # 1e-6 -> 0, 1e3 -> 1
    stops = [(0.0, (0x4a, 0x7b, 0xd0)), (0.5, (0xff, 0xf2, 0xb3)), (1.0, (0xd6, 0x27, 0x28))]
    for (t0, c0), (t1, c1) in itertools.pairwise(stops):
        if t <= t1:
            u = (t - t0) / (t1 - t0)
            r, g, b = (round(a + (z - a) * u) for a, z in zip(c0, c1, strict=True))
            return f"#{r:02x}{g:02x}{b:02x}"
    return "#d62728"  # pragma: no cover - t is at most 1
