"""The explorer: one self-contained interactive page for a graph, in a notebook or as a file.

``explore(root)`` records one pass of the chain rule (``autograd.passes.record``: every node's number, name,
data and ∂root/∂node, every edge's local partial, and the steps), writes it out as JSON with each rule in
words, lays it out with Graphviz's ``dot`` at one or more levels (layers, neurons, every scalar) through
``render.Canvas``, and writes one HTML page holding the drawings, the JSON and a small script. The page makes
no network request; its script and styles are files of this package (``autograd/explorer/``), with
svg-pan-zoom vendored beside them, and a Content-Security-Policy allows only those scripts and styles to run.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import html
import json
import math
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypedDict, Unpack

from autograd.files import write_atomically
from autograd.formatting import number_text
from autograd.forward import forward_steps
from autograd.graph import Graph, count_nodes
from autograd.passes import Pass, node_formula, record
from autograd.render import (
    INSTALL_HINT,
    Canvas,
    GraphvizNotFoundError,
    checked_options,
    escape,
    grad_color,
    label_prefix,
    picture,
)
from autograd.validation import as_float, is_whole
from autograd.value import Value

__all__ = ["ExploreOptions", "Explorer", "explore", "page_data", "page_numbers", "with_numbers"]

Cluster = Callable[[Value], str | None]


class ExploreOptions(TypedDict, total=False):
    """The options of ``explore``; every one may be left out.

    - ``levels``: label depths to offer as coarser views, e.g. ``(2, 4)`` for an ``nn.MLP``: one box per
      layer (``layers.0``), one per neuron (``layers.0.neurons.3``), then every scalar node. Default: none.
    - ``cluster``: a function from a node to a group name (``label_prefix(4)``): one more view, a box per
      group, and the scalar view draws the groups boxed.
    - ``color_by_grad``: fill nodes by log10 |∂root/∂node|, with a legend.
    - ``rankdir``: "LR" (the default) or "TB" (also "RL", "BT").
    - ``precision``: significant digits in the drawings, 1 to 17 (default 4); the side panel shows 6.
    - ``show_partials``: label each edge with its local partial (default: True up to 400 nodes).
    - ``max_nodes``: a larger graph raises ValueError (default ``MAX_NODES``, 5,000, where the scalar view is
      drawn; 20,000 with ``scalars=False``).
    - ``fan_at``: in the scalar view, this many leaves or more of one name (``w.0``, ``w.1``...; ``x0``...) in
      one box feeding the same nodes are drawn as one fan node, which lists them when clicked: a neuron's
      weights, a layer's inputs (default 8).
    - ``max_paths``: the most paths the panel lists for one node; it always shows their count and sum
      (default 20).
    - ``title``: the page's title (default: the root's name).
    - ``timeout``: the seconds Graphviz's ``dot`` may take to lay out one view (default 30), as for ``draw``.
    - ``max_bytes``: a page that would be larger raises ValueError (default 64 MiB).
    - ``scalars``: False leaves out the view of every scalar node, for a page of the coarser views only (a
      training timeline of a large network); it needs ``levels`` or ``cluster`` (default True).
    - ``tangents``: leaf names and their tangents (``{"w1": 1.0}``): the page also runs forward mode along
      them, from the same partials: each edge carries partial × tangent beside partial × upstream, the panel
      gives each node's tangent beside its gradient, the step slider can sweep forward or backward, and a
      counter says what the whole gradient costs each way. Default: none.
    - ``wrt``: with ``tangents``, the names of the leaves whose gradient the counter counts, such as a
      network's weights and biases (default: every leaf).
    - ``start``: where the page opens: "beginning" (the default), before backward, with the forward pass's
      numbers and only the root's gradient, so that → runs the chain rule one node at a time; or "end", with
      every step run and every gradient shown.
    """

    levels: Sequence[int]
    cluster: Cluster | None
    color_by_grad: bool
    rankdir: str
    precision: int
    show_partials: bool
    max_nodes: int
    fan_at: int
    max_paths: int
    title: str
    timeout: float
    max_bytes: int
    scalars: bool
    tangents: Mapping[str, float]
    wrt: Sequence[str]
    start: str


MAX_NODES = 5_000
"""The most nodes ``explore`` draws one by one by default (``max_nodes``): every graph up to it is laid out and
drawn in under 10 s on this project's machines, the worst shape known included (a chain whose every node reads
one leaf: 5.2 s at 5,000 nodes, 20 s at 10,000, where Graphviz spends about a millisecond on each HTML label)."""

MAX_COARSE_NODES = 20_000
"""``max_nodes`` by default for a page of coarser views only (``scalars=False``), whose boxes draw fast."""

MAX_PAGE_BYTES = 64 * 2**20
"""The largest page ``explore`` makes by default (``max_bytes``): past it, a browser opens it slowly or not at
all, and building it takes many times its size in memory."""

FAN_AT = 8
"""The fewest leaves drawn as one fan node (``fan_at``): a layer's 64 inputs or a neuron's 64 weights would
make the scalar view one column 190,000 units tall."""

_PARTIAL_LABELS_UP_TO = 400
"""Up to this many nodes, edges carry their partials in the drawing by default; past it dot's layout with
thousands of edge labels is too slow, and the panel shows the partials."""


@dataclass(frozen=True)
class Explorer:
    """An interactive page for one graph. ``html`` is the whole page, self-contained; ``svg`` the scalar
    view as a static picture; ``data`` the snapshot the page reads. In Jupyter it shows itself."""

    html: str
    svg: str
    data: dict[str, Any]
    views: tuple[str, ...] = field(default=(), repr=False)
    """The drawings of the page's views, as laid out, for a page of the same graph with other numbers."""
    sources: tuple[str, ...] = field(default=(), repr=False)
    """The DOT of each view, as laid out: ``picture`` draws the first with the numbers ``data`` holds."""

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (``.html``), atomically; open it in any browser, no server needed."""
        target = Path(path)
        if target.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"Explorer.save: the file name must end in .html, got {str(path)!r}")
        return write_atomically(target, self.html.encode("utf-8"))

    def renumbered(self, numbers: dict[str, Any], **more: Any) -> Explorer:
        """The page of the same graph and drawings with other ``numbers`` (``page_numbers`` of another pass
        over the graph, as a live widget or a timeline holds them), and ``more`` data for the page's script;
        the drawings' texts are rewritten by the page as it opens. No layout is run."""
        data = {**with_numbers(self.data, numbers), **more, "numbers": numbers}
        return Explorer(page_html(data, list(self.views)), self.svg, data, self.views, self.sources)

    @functools.cached_property
    def picture(self) -> bytes:
        """The page's first view as a PNG with every step of backward run (at most ``render.PICTURE_INCHES``),
        laid out anew by dot with the page's numbers: what a notebook shows where it runs no script, and says
        so in its alt text (the page itself opens before backward unless ``start="end"``). Empty for a page
        without its views' DOT."""
        if not self.sources:
            return b""
        return picture(self._picture_source(), "explore")

    def _picture_source(self) -> str:
        return numbered_source(self.sources[0], self.data, 0)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """The page in an iframe (its script and styles cannot touch the notebook's), with the PNG of its
        first view, every gradient shown, inside: a notebook that strips the iframe (JupyterLab's, untrusted)
        keeps the picture.
        The PNG also on its own, for viewers that take no HTML."""
        bundle = {"text/html": self.iframe()}
        if self.picture:
            bundle["image/png"] = base64.b64encode(self.picture).decode("ascii")
        return bundle

    def iframe(self, height: int = 640) -> str:
        """The page in an iframe of ``height`` pixels, as a notebook shows it, with the PNG of its first view
        inside (``picture``), which a browser shows only where the iframe is removed."""
        title = html.escape(self.data["title"], quote=True)
        fallback = (f'<img src="data:image/png;base64,{base64.b64encode(self.picture).decode("ascii")}" '
                    f'alt="{title}: chainrule\'s explorer, every step of backward run" style="max-width: 100%">'
                    if self.picture else "")
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
            f'style="width: 100%; height: {height}px; border: 1px solid #ddd; border-radius: 4px" '
            f'title="{title}">{fallback}</iframe>'
        )

    def __repr__(self) -> str:
        return (f"<Explorer of {self.data['title']!r}: {len(self.data['nodes'])} nodes, "
                f"{len(self.data['steps'])} steps, {len(self.data['levels'])} view(s), {len(self.html):,} bytes>")


def explore(root: Value, **options: Unpack[ExploreOptions]) -> Explorer:
    """An ``Explorer`` for ``root``'s graph: click a node for its partials, contributions and paths, hover
    for its paths to the root, step through backward, search, pan and zoom, and (with ``levels`` or
    ``cluster``) move between coarser and finer views. Options as in ``ExploreOptions``.

    Raises ``GraphvizNotFoundError`` when Graphviz's ``dot`` is missing.
    """
    settings = settings_of(root, options)
    return explore_pass(record(Graph.of(root), undefined=math.nan, where="explore"), settings)  # nan where a partial is


def explore_pass(recorded: Pass, settings: dict[str, Any]) -> Explorer:
    """The page of a pass already recorded (``explore`` records one), with ``settings`` as ``settings_of`` checks
    them: the page's data, each view laid out by dot, and the page."""
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(INSTALL_HINT)
    graph = recorded.graph
    data = page_data(recorded, title=settings["title"], max_paths=settings["max_paths"],
                     color_by_grad=settings["color_by_grad"], precision=settings["precision"],
                     start=settings.get("start", "beginning"))
    if settings.get("tangents") is not None:
        data["forward"] = _forward_data(recorded, data, settings["tangents"], settings.get("wrt"))
    settings = {**settings, "time_steps": "time" in data}
    _check_size(len(_json_for_script(data).encode("utf-8")), settings["max_bytes"], "its snapshot")
    svgs, sources = [], []
    for index, (name, group_of) in enumerate(_views(graph, settings)):
        svg, drawn, source = _view_svg(recorded, data, settings, index, group_of)
        data["levels"].append({"name": name, **drawn})
        svgs.append(svg)
        sources.append(source)
    page = page_html(data, svgs)
    _check_size(len(page.encode("utf-8")), settings["max_bytes"], "the page")
    return Explorer(page, svgs[-1], data, tuple(svgs), tuple(sources))


def _check_size(size: int, most: int, what: str) -> None:
    if size > most:
        raise ValueError(f"explore: {what} would hold {size:,} bytes, more than max_bytes={most:,}. Explore a "
                         "smaller part, shorten the labels, or pass a larger max_bytes")


START = ("beginning", "end")
"""Where an explorer page opens: before backward, or with every step run (``ExploreOptions.start``)."""


def settings_of(root: Value, options: ExploreOptions, where: str = "explore", start: str = "beginning",
                ) -> dict[str, Any]:
    """``options`` checked and completed with their defaults, as ``explore_pass`` reads them; errors name
    ``where``. ``start`` is the default of the page's ``start`` (a live page and a timeline open at the end)."""
    rankdir, precision, timeout = checked_options(root, options, ExploreOptions.__annotations__, where)
    levels = list(options.get("levels", ()))
    if any(not is_whole(d) or d < 1 for d in levels) or levels != sorted(set(levels)):
        raise ValueError(f"{where}: levels must be increasing whole numbers of at least 1, got {levels!r}")
    cluster = options.get("cluster")
    if cluster is not None and not callable(cluster):
        raise TypeError(f"{where}: cluster must be a function from a node to a group name, got {cluster!r}")
    scalars = options.get("scalars", True)
    if scalars not in (True, False):
        raise TypeError(f"{where}: scalars must be True or False, got {scalars!r}")
    if not scalars and not levels and cluster is None:
        raise ValueError(f"{where}: scalars=False leaves no view; give levels or cluster for the coarser views")
    most_nodes = MAX_NODES if scalars else MAX_COARSE_NODES
    defaults = {"max_nodes": most_nodes, "max_paths": 20, "max_bytes": MAX_PAGE_BYTES, "fan_at": FAN_AT}
    for key, default in defaults.items():
        value = options.get(key, default)
        if not is_whole(value) or value < 1:
            raise ValueError(f"{where}: {key} must be a whole number of at least 1, got {value!r}")
    most = options.get("max_nodes", most_nodes)
    if count_nodes(root, stop_after=most) > most:  # before any pass is recorded or any view laid out
        raise ValueError(f"{where}: the graph has more than max_nodes={most} nodes. Explore a smaller part, or pass "
                         "a larger max_nodes")
    opens = options.get("start", start)
    if opens not in START:
        raise ValueError(f"{where}: start must be one of {START}, got {opens!r}")
    return {
        "start": opens,
        "rankdir": rankdir, "precision": precision, "levels": levels, "cluster": cluster,
        "color_by_grad": bool(options.get("color_by_grad", False)), "show_partials": options.get("show_partials"),
        "max_nodes": most, "max_paths": options.get("max_paths", 20),
        "max_bytes": options.get("max_bytes", MAX_PAGE_BYTES), "fan_at": options.get("fan_at", FAN_AT),
        "title": options.get("title"), "timeout": timeout, "scalars": scalars,
        "tangents": options.get("tangents"), "wrt": options.get("wrt"),
    }


def json_number(x: float) -> float | str:
    """A number as JSON can hold it: NaN and the infinities as strings the page reads back."""
    return x if math.isfinite(x) else repr(x)


class _References:
    """Names a graph's nodes as references to their numbers, so that the page stores each name once: a text
    made with ``name`` (a node as a part of a formula, in parentheses where compound) and ``bare`` (where the
    text brackets it itself) is split by ``parts`` into strings and node numbers, ``i`` for the one and
    ``-1 - i`` for the other, which the page joins with the nodes' names (a long label used by a hundred
    nodes would otherwise be copied some six times each)."""

    _MARK = re.compile("\x00(-?\\d+)\x00")

    def __init__(self, index: dict[int, int]) -> None:
        self._index = index

    def name(self, node: Value) -> str:
        return f"\x00{self._index[id(node)]}\x00"

    def bare(self, node: Value) -> str:
        return f"\x00{-1 - self._index[id(node)]}\x00"

    def parts(self, text: str) -> list[str | int]:
        pieces = self._MARK.split(text)
        return [int(piece) if k % 2 else piece for k, piece in enumerate(pieces) if k % 2 or piece]


def page_data(recorded: Pass, *, title: str | None = None, max_paths: int = 20, color_by_grad: bool = False,
              precision: int = 4, start: str = "beginning") -> dict[str, Any]:
    """A recorded pass as the explorer's page reads it (``Explorer.data``, before ``explore`` adds its
    views): nodes with their data and gradients, edges with their partials, and the pass's steps, each with
    its node's upstream gradient and each edge's gradient after it. Texts that name nodes (formulas, rules
    in words) are lists of strings and node numbers, each name stored once, in its node; a node that
    sentences name by what it computes (``Graph.expression``) carries that as ``say``, and in parentheses
    as ``operand`` where it needs them. For an unrolled network (labels ``t0.…``, ``t1.…``), ``time`` holds
    the time steps' names and each node's step. ``start`` is where the page opens (``ExploreOptions.start``)."""
    graph = recorded.graph
    nodes = graph.nodes
    index = {id(node): i for i, node in enumerate(nodes)}
    root = nodes[-1]
    refs = _References(index)
    grads = recorded.grads
    edges: list[dict[str, Any]] = []
    edge_of: dict[tuple[int, int], int] = {}
    for child_index, child in enumerate(nodes):
        if child.rule is None:
            continue
        partials = recorded.partials[child_index]
        words = child.rule.explain_each(len(child.parents), child.arg, [refs.name(p) for p in child.parents],
                                        bare=[refs.bare(p) for p in child.parents])
        for position, parent in enumerate(child.parents):
            edge_of[(child_index, position)] = len(edges)
            edges.append({
                "from": index[id(parent)], "to": child_index, "position": position,
                "partial": json_number(partials[position]), "words": refs.parts(words[position]),
            })
    node_data = []
    for i, node in enumerate(nodes):
        rule = node.rule
        name = graph.name(node)
        entry: dict[str, Any] = {
            "name": name, "op": rule.name if rule else None, "symbol": rule.describe_op(node.arg) if rule else None,
            "formula": refs.parts(node_formula(graph, node, refs.name, refs.bare)) if rule else None,
            "data": json_number(recorded.data[i]), "grad": json_number(grads[i]),
        }
        said, operand = graph.expression(node), graph.operand(node)
        if said != name:
            entry["say"] = said
        if operand != said:
            entry["operand"] = operand
        node_data.append(entry)
    steps = [{
        "node": index[id(record.node)], "upstream": json_number(record.upstream), "formula": record.formula(),
        "edges": [[edge_of[(index[id(record.node)], e.position)], json_number(e.grad_after)] for e in record.edges],
    } for record in recorded.steps]
    page = {
        "title": title or graph.name(root), "root": len(nodes) - 1, "nodes": node_data,
        "edges": edges, "steps": steps, "levels": [], "maxPaths": max_paths,
        "colorByGrad": color_by_grad, "precision": precision, "start": start,
    }
    steps_of = [time_step(node) for node in nodes]
    step_names = sorted({name for name in steps_of if name is not None}, key=lambda name: int(name[1:]))
    if len(step_names) >= 2:  # an unrolled network: each node's time step by its number in names (-1: none)
        number = {name: k for k, name in enumerate(step_names)}
        page["time"] = {"names": step_names, "of": [-1 if name is None else number[name] for name in steps_of]}
    return page


def page_numbers(recorded: Pass, levels: Sequence[dict[str, Any]], color_by_grad: bool = False) -> dict[str, Any]:
    """Every number of a page that the leaves' data decide, for the pass ``recorded`` of the page's graph:
    what a live page (``autograd.widgets.LiveExplorer``) or a timeline receives when the numbers change and
    the layout stays. ``levels`` are the page's views (``Explorer.data["levels"]``), whose fans and boxes
    sum their members. ``with_numbers`` writes them into a page's data; the page's script does the same.

    ``data``, ``grad`` per node, ``partial`` per edge, ``steps`` as ``[upstream, [grad after, ...]]``, and per
    view its fans' ``[largest |grad|, Σ contributions]`` or its boxes' largest |grad|; with ``color_by_grad``,
    ``fill`` gives each node's colour, and ``fills`` each view's boxes' or fans' colours."""
    grads = recorded.grads
    views: list[dict[str, Any]] = []
    for level in levels:
        if "boxes" in level:
            largest = [_box_number(grads, box["members"]) for box in level["boxes"]]
            view: dict[str, Any] = {"boxes": [json_number(x) for x in largest]}
        else:
            fans = [_fan_numbers(grads, fan["members"]) for fan in level.get("fans", [])]
            largest = [biggest for biggest, _ in fans]
            view = {"fans": [[json_number(biggest), json_number(total)] for biggest, total in fans]}
        if color_by_grad:
            view["fills"] = [grad_color(x) for x in largest]
        views.append(view)
    numbers: dict[str, Any] = {
        "data": [json_number(x) for x in recorded.data], "grad": [json_number(x) for x in grads],
        "partial": [json_number(p) for partials in recorded.partials for p in partials],
        "steps": [[json_number(step.upstream), [json_number(e.grad_after) for e in step.edges]]
                  for step in recorded.steps],
        "levels": views,
    }
    if color_by_grad:
        numbers["fill"] = [grad_color(g) for g in grads]
    return numbers


def with_numbers(data: dict[str, Any], numbers: dict[str, Any]) -> dict[str, Any]:
    """A copy of a page's ``data`` with ``numbers`` (``page_numbers``) written in: the page's data for the
    pass the numbers came from."""
    page = copy.deepcopy(data)
    for node, x, g in zip(page["nodes"], numbers["data"], numbers["grad"], strict=True):
        node["data"], node["grad"] = x, g
    for edge, p in zip(page["edges"], numbers["partial"], strict=True):
        edge["partial"] = p
    for step, (upstream, after) in zip(page["steps"], numbers["steps"], strict=True):
        step["upstream"] = upstream
        for edge, g in zip(step["edges"], after, strict=True):
            edge[1] = g
    for level, view in zip(page["levels"], numbers["levels"], strict=True):
        for box, biggest in zip(level.get("boxes", []), view.get("boxes", []), strict=True):
            box["maxGrad"] = biggest
        for fan, (biggest, total) in zip(level.get("fans", []), view.get("fans", []), strict=True):
            fan["maxGrad"], fan["sum"] = biggest, total
    return page


def _forward_data(recorded: Pass, data: dict[str, Any], tangents: Any, wrt: Any) -> dict[str, Any]:
    """The forward sweep along ``tangents`` (leaf name → tangent), from the pass's own partials: each node's
    tangent, each step's node, its terms (an edge and partial × the input's tangent) and its tangent, and
    what the gradient with respect to ``wrt`` (leaf names; every leaf when None) costs: one forward pass per
    leaf, one reverse pass."""
    graph = recorded.graph
    if not isinstance(tangents, Mapping) or not tangents:
        raise TypeError(f"explore: tangents must map leaf names to numbers, such as {{'x1': 1.0}}, got {tangents!r}")
    leaves = {graph.name(n): n for n in graph.nodes if n.is_leaf}
    seeds = {}
    for name, tangent in tangents.items():
        if name not in leaves:
            shown = ", ".join(list(leaves)[:12]) + (", ..." if len(leaves) > 12 else "")
            raise ValueError(f"explore: tangents: the graph has no leaf named {name!r}; its leaves are {shown}")
        number = as_float(tangent, f"explore: tangents[{name!r}]")
        if not math.isfinite(number):
            raise ValueError(f"explore: tangents[{name!r}] must be a finite number, got {tangent!r}")
        seeds[leaves[name]] = number
    wanted = list(leaves) if wrt is None else list(wrt)
    if isinstance(wrt, str) or not wanted or any(name not in leaves for name in wanted):
        raise ValueError(f"explore: wrt must name leaves of the graph, got {wrt!r}")
    moved, steps = forward_steps(recorded, seeds)
    edge_of = {(e["to"], e["position"]): k for k, e in enumerate(data["edges"])}
    index = graph.index
    return {
        "seeds": {graph.name(n): t for n, t in seeds.items()},
        "tangent": [json_number(t) for t in moved],
        "steps": [{"node": index(step.node), "tangent": json_number(step.tangent), "text": str(step),
                   "terms": [[edge_of[(index(step.node), k)], json_number(c)] for k, _, _, _, c in step.terms]}
                  for step in steps],
        "passes": len(wanted), "wrt": "leaf" if wrt is None else "parameter",
    }


_ELEMENT = re.compile(r'id="v\d+-([nbfe])(\d+)"')
_FILL = re.compile(r'BGCOLOR="#[0-9a-f]{6}"')
_EDGE_LABEL = re.compile(r"label=<∂=[^<]*<BR/>[^<>]*(?=<BR/>|>)")


def numbered_source(source: str, data: dict[str, Any], view: int, hidden: bool = False) -> str:
    """View ``view``'s DOT (``Explorer.sources``) with the numbers its page's ``data`` holds, which a page
    renumbered for a later state (``Explorer.renumbered``) no longer shares with its DOT: each node's data and
    grad, each box's and fan's numbers, each edge's partial and contribution, and with ``colorByGrad`` the
    fills, as the page's script writes them. ``hidden`` writes ``?`` for every number but the inputs' data
    instead, as an exercise's drawing shows them (``autograd.teach``)."""
    p = data["precision"]
    nodes, edges, level = data["nodes"], data["edges"], data["levels"][view]
    colours = data.get("colorByGrad") and not hidden

    def shown(x: Any) -> str:
        return escape(number_text(float(x), p))

    def number(x: Any) -> str:
        return "?" if hidden else shown(x)

    def row(line: str, head: str, text: str) -> str:
        return re.sub(f"<TD>{re.escape(escape(head))} [^<]*</TD>", lambda _: f"<TD>{escape(head)} {text}</TD>", line)

    def fill(line: str, grad: Any) -> str:
        return _FILL.sub(f'BGCOLOR="{grad_color(float(grad))}"', line) if colours else line

    lines = []
    for line in source.splitlines():
        match = _ELEMENT.search(line)
        if match is not None:
            kind, k = match.group(1), int(match.group(2))
            if kind == "n":
                node = nodes[k]
                data_text = shown(node["data"]) if node["op"] is None else number(node["data"])
                line = fill(row(row(line, "data", data_text), "grad", number(node["grad"])), node["grad"])
            elif kind == "b":
                box = level["boxes"][k]
                line = fill(row(line, "max |grad|", number(box["maxGrad"])), box["maxGrad"])
            elif kind == "f":
                fan = level["fans"][k]
                line = row(row(line, "max |grad|", number(fan["maxGrad"])), "Σ contributions", number(fan["sum"]))
                line = fill(line, fan["maxGrad"])
            else:
                edge = edges[k]
                partial, upstream = float(edge["partial"]), float(nodes[edge["to"]]["grad"])
                label = (f"label=<∂={number(partial)}<BR/>{number(partial)} × {number(upstream)} = "
                         f"{number(partial * upstream)}")
                line = _EDGE_LABEL.sub(label.replace("\\", "\\\\"), line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _views(graph: Graph, settings: dict[str, Any]) -> list[tuple[str, Cluster | None]]:
    """The page's views, coarsest first: one per label depth of ``levels``, one for ``cluster``, one by time
    step for an unrolled network (labels ``t0.…``, ``t1.…`` as ``nn.RNN.unroll`` gives them), and the scalar
    view last (None: every node)."""
    views: list[tuple[str, Cluster | None]] = []
    for depth in settings["levels"]:
        group = label_prefix(depth)
        sample = next((g for node in graph.nodes if (g := group(node)) is not None), None)
        views.append((_level_name(sample, depth), group))
    if settings["cluster"] is not None:
        views.append(("groups", settings["cluster"]))
    if settings["time_steps"]:
        views.append(("time steps", _time_view))
    if settings["scalars"]:
        views.append(("scalars", None))
    return views


_TIME = re.compile(r"t(\d+)(?:\.|$)")


def time_step(node: Value) -> str | None:
    """The time step an unrolled network's node belongs to, from its label (``t3.h.0`` → ``t3``), or None."""
    match = _TIME.match(node.label or "")
    return f"t{match.group(1)}" if match else None


def _time_view(node: Value) -> str | None:
    """The time-step view's boxes: one per time step, and the shared parameters boxed by module (``cell``,
    ``readout``), so that each parameter's uses at every step are the edges from its box."""
    step = time_step(node)
    if step is not None or not node.is_leaf or not node.label:
        return step
    return node.label.split(".")[0]


def _boxed_in_scalars(settings: dict[str, Any]) -> Cluster | None:
    """How the scalar view boxes its nodes: by ``cluster``, or by the finest of ``levels`` (each neuron
    boxed), which also spares dot most of its work on a layer's crossing edges, or by time step."""
    if settings["cluster"] is not None:
        return settings["cluster"]  # type: ignore[no-any-return]
    if settings["levels"]:
        return label_prefix(settings["levels"][-1])
    return time_step if settings["time_steps"] else None


def _level_name(sample: str | None, depth: int) -> str:
    """A view's name from the last part of a group name at that depth: ``layers.0.neurons.3`` gives
    "neurons"; numbers are skipped."""
    if sample is None:
        return f"depth {depth}"
    parts = [p for p in sample.split(".") if not p.isdigit()]
    return parts[-1] if parts else f"depth {depth}"


def _view_svg(
    recorded: Pass, data: dict[str, Any], settings: dict[str, Any], view: int, group_of: Cluster | None
) -> tuple[str, dict[str, Any], str]:
    """One view laid out by dot: its SVG (element ids ``v{view}-n{i}`` for nodes, ``v{view}-e{k}`` for edges,
    ``v{view}-b{k}`` for boxes, ``v{view}-f{k}`` for fans and ``v{view}-f{k}-{i}`` for a fan's edge into node
    i) and what the page needs to know of it: its boxes, each with its members, node count and largest
    |grad|, and its fans."""
    graph = recorded.graph
    nodes = graph.nodes
    prefix = f"v{view}-"
    scalar = group_of is None
    canvas = Canvas(rankdir=settings["rankdir"], precision=settings["precision"],
                    color_by_grad=settings["color_by_grad"], timeout=settings["timeout"], element_id=f"{prefix}graph")

    def add(i: int, title: str) -> None:
        _draw_node(canvas, recorded, data, i, title, prefix)

    groups: dict[str, list[int]] = {}
    boxed = _boxed_in_scalars(settings)
    for i, node in enumerate(nodes):
        if scalar:
            name = boxed(node) if boxed is not None else None
        else:  # a coarse view: the leaves outside every group (the inputs, x0, x1...) together in one box too
            assert group_of is not None
            name = group_of(node) or ("inputs" if node.is_leaf else None)
        if name is not None:
            groups.setdefault(name, []).append(i)
    if not scalar:
        return _coarse_view(recorded, canvas, groups, data, prefix)
    fans = _fans(recorded, {i: name for name, members in groups.items() for i in members}, settings["fan_at"])
    fan_of = {i: f for f, fan in enumerate(fans) for i in fan["members"]}

    def add_fan(f: int, group_name: str | None) -> None:
        fan = fans[f]
        title = fan["name"] if group_name is None else fan["name"].removeprefix(group_name + ".")
        canvas.group(f"f{f}", title=f"{title} ×{fan['count']}", element_id=f"{prefix}f{f}", grad=fan["maxGrad"],
                     lines=[f"max |grad| {canvas.number(fan['maxGrad'])}",
                            f"Σ contributions {canvas.number(fan['sum'])}"])

    fans_in: dict[str | None, list[int]] = {}
    for f, fan in enumerate(fans):
        fans_in.setdefault(fan["group"], []).append(f)
    for k, (group_name, members) in enumerate(groups.items()):
        with canvas.cluster(str(k), group_name, element_id=f"{prefix}c{k}"):
            for f in fans_in.get(group_name, ()):
                add_fan(f, group_name)
            for i in members:
                if i not in fan_of:
                    add(i, data["nodes"][i]["name"].removeprefix(group_name + "."))
    for f in fans_in.get(None, ()):
        add_fan(f, None)
    grouped = {i for members in groups.values() for i in members}
    for i in range(len(nodes)):
        if i not in grouped and i not in fan_of:
            add(i, data["nodes"][i].get("say", data["nodes"][i]["name"]))  # as the steps name it: x·y, not mul#2
    show_partials = settings["show_partials"]
    if show_partials is None:
        show_partials = len(nodes) - len(fan_of) + len(fans) <= _PARTIAL_LABELS_UP_TO
    fan_edges: dict[tuple[int, int], int] = {}
    forward_terms = {term[0]: term[1] for step in data.get("forward", {}).get("steps", []) for term in step["terms"]}
    for k, edge in enumerate(data["edges"]):
        if edge["from"] in fan_of:
            key = (fan_of[edge["from"]], edge["to"])
            fan_edges[key] = fan_edges.get(key, 0) + 1
            continue
        lines = []
        if show_partials:  # the partial, and the step's partial × upstream = contribution, which the page shows
            # at the step: laid out by dot, so that it is never drawn over a node
            partial = recorded.partials[edge["to"]][edge["position"]]
            upstream = recorded.grads[edge["to"]]
            lines = [f"∂={canvas.number(partial)}",
                     f"{canvas.number(partial)} × {canvas.number(upstream)} = {canvas.number(partial * upstream)}"]
            if k in forward_terms:  # the forward sweep's partial × tangent, shown at its forward step
                tangent = data["forward"]["tangent"][edge["from"]]
                lines.append(f"{canvas.number(partial)} × {canvas.number(tangent)} = "
                             f"{canvas.number(forward_terms[k])}")
        canvas.edge(f"n{edge['from']}", f"n{edge['to']}", lines, id=f"{prefix}e{k}")
    for (f, head), count in fan_edges.items():
        canvas.edge(f"f{f}", f"n{head}", [f"{count} edges"] if show_partials and count > 1 else [],
                    id=f"{prefix}f{f}-{head}", penwidth=f"{1 + math.log10(count):.2f}")
    drawn = {"fans": fans, "stepLabels": show_partials, "near": _neighbourhoods(graph, fan_of, len(fans))}
    return _inline(canvas.render("svg", "explore").decode("utf-8")), drawn, str(canvas.settled().source)


def _draw_node(canvas: Canvas, recorded: Pass, data: dict[str, Any], i: int, title: str, prefix: str) -> None:
    """Node i in a view, drawn under ``title`` with its element id ``{prefix}n{i}``."""
    canvas.node(f"n{i}", title=title, name=data["nodes"][i]["name"], op=data["nodes"][i]["symbol"],
                data=recorded.data[i], grad=recorded.grads[i], labelled=bool(recorded.graph.nodes[i].label),
                element_id=f"{prefix}n{i}")


def _coarse_view(recorded: Pass, canvas: Canvas, groups: dict[str, list[int]], data: dict[str, Any],
                 prefix: str) -> tuple[str, dict[str, Any], str]:
    """A view of one box per group, each edge between two boxes drawn once, as thick as it has edges."""
    box_of: dict[int, int] = {}
    boxes: list[dict[str, Any]] = []
    for group_name, members in groups.items():
        biggest = _box_number(recorded.grads, members)
        box_id = len(boxes)
        boxes.append({"name": group_name, "members": members, "count": len(members), "maxGrad": biggest})
        for i in members:
            box_of[i] = box_id
        canvas.group(f"b{box_id}", title=group_name, element_id=f"{prefix}b{box_id}", grad=biggest,
                     lines=[f"{len(members):,} nodes", f"max |grad| {canvas.number(biggest)}"])
    for i in range(len(data["nodes"])):
        if i not in box_of:
            _draw_node(canvas, recorded, data, i, data["nodes"][i].get("say", data["nodes"][i]["name"]), prefix)
    drawn: dict[tuple[str, str], int] = {}
    for edge in data["edges"]:
        tail = f"b{box_of[edge['from']]}" if edge["from"] in box_of else f"n{edge['from']}"
        head = f"b{box_of[edge['to']]}" if edge["to"] in box_of else f"n{edge['to']}"
        if tail != head:
            drawn[(tail, head)] = drawn.get((tail, head), 0) + 1
    links: list[list[str]] = []
    for (tail, head), count in drawn.items():  # no label: dot would make room for thousands of them
        canvas.edge(tail, head, color="#7f93b8", penwidth=f"{1 + math.log10(count):.2f}", id=f"{prefix}l{len(links)}",
                    tooltip=f"{count:,} edge{'s' if count > 1 else ''}")
        links.append([tail, head])
    return (_inline(canvas.render("svg", "explore").decode("utf-8")), {"boxes": boxes, "links": links},
            str(canvas.settled().source))


NEAR = (1, 2)
"""How many steps out a node's neighbourhood drawings reach: its inputs and users, then theirs."""


def _neighbourhoods(graph: Graph, fan_of: dict[int, int], fans: int) -> list[list[list[list[int]]]]:
    """Each drawn node's neighbourhood in the scalar view, one and two steps out, laid out for the page to
    draw: the node in the middle column, its inputs one column to the left per step back and its users one
    to the right per step on, each column in the graph's order. A unit is a node's number, or -1 - f for
    fan f (whose members are one unit). For unit u (nodes first, then fans; a fanned leaf has none),
    ``near[u][d - 1]`` lists ``[unit, column, row]`` for the drawing d steps out, its columns -d to d."""
    n = len(graph)

    def unit(i: int) -> int:
        return n + fan_of[i] if i in fan_of else i

    inputs: list[list[int]] = [[] for _ in range(n + fans)]
    users: list[list[int]] = [[] for _ in range(n + fans)]
    for child, parents in enumerate(graph.parents):
        for p in dict.fromkeys(unit(p) for p in parents):
            inputs[child].append(p)
            users[p].append(child)
    shown = [u for u in range(n) if u not in fan_of] + list(range(n, n + fans))
    near: list[list[list[list[int]]]] = [[] for _ in range(n + fans)]
    for centre in shown:
        for depth in NEAR:
            column = {centre: 0}
            for links, sign in ((inputs, -1), (users, 1)):
                frontier = [centre]
                for distance in range(1, depth + 1):
                    frontier = [v for u in frontier for v in links[u] if v not in column]
                    for v in frontier:
                        column.setdefault(v, sign * distance)
            rows: dict[int, int] = {}
            placed = []
            for u in sorted(column, key=lambda u: (u >= n, u)):
                rows[column[u]] = rows.get(column[u], -1) + 1
                placed.append([u if u < n else -1 - (u - n), column[u], rows[column[u]]])
            near[centre].append(placed)
    return near


_STEM = re.compile(r"[._#]?\d+$")


def _fans(recorded: Pass, group_of: dict[int, str], fan_at: int) -> list[dict[str, Any]]:
    """The scalar view's fans: ``fan_at`` or more leaves with one stem (``w`` of ``w.0``, ``w.1``...; ``x`` of
    ``x0``...), in the same box, feeding the same nodes (a neuron's weights, a layer's inputs), each drawn as
    one node: its members, the nodes they feed, its largest |grad| and the sum of its contributions (each
    member's every edge is into the fan's nodes, so the sum is of the members' gradients)."""
    graph = recorded.graph
    nodes = graph.nodes
    users: list[list[int]] = [[] for _ in nodes]
    for child, parents in enumerate(graph.parents):
        for p in parents:
            if not users[p] or users[p][-1] != child:
                users[p].append(child)
    candidates: dict[tuple[str, str | None, tuple[int, ...]], list[int]] = {}
    for i, node in enumerate(nodes):
        if node.is_leaf and users[i]:
            stem = _STEM.sub("", graph.name(node)) or graph.name(node)
            candidates.setdefault((stem, group_of.get(i), tuple(users[i])), []).append(i)
    fans: list[dict[str, Any]] = [
        {"name": stem, "group": group, "members": members, "count": len(members), "consumers": list(consumers)}
        for (stem, group, consumers), members in candidates.items() if len(members) >= fan_at]
    for fan in fans:
        fan["maxGrad"], fan["sum"] = _fan_numbers(recorded.grads, fan["members"])
    return fans


def _fan_numbers(grads: Sequence[float], members: Sequence[int]) -> tuple[float, float]:
    """A fan's largest |grad| and the sum of its contributions (its members' gradients)."""
    return max(abs(grads[i]) for i in members), math.fsum(grads[i] for i in members)


def _box_number(grads: Sequence[float], members: Sequence[int]) -> float:
    """A box's largest |grad|."""
    return max((abs(grads[i]) for i in members), default=0.0)


_PROLOGUE = re.compile(r"\A.*?(?=<svg)", flags=re.S)


def _inline(svg: str) -> str:
    """dot's SVG as an element of the page: without its XML declaration and doctype, and with no size of its
    own (the page sizes it)."""
    svg = _PROLOGUE.sub("", svg, count=1)
    return re.sub(r'<svg width="[^"]*" height="[^"]*"', "<svg", svg, count=1)


def _asset(name: str) -> str:
    return resources.files("autograd").joinpath("explorer", name).read_text(encoding="utf-8")


def _json_for_script(data: dict[str, Any]) -> str:
    """JSON that cannot end the script element holding it: ``<``, ``>`` and ``&`` as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


_PAN_ZOOM_STYLE = "overflow: hidden; "
"""The one style attribute svg-pan-zoom sets (on each drawing), allowed by its hash and by nothing wider."""


def page_html(data: dict[str, Any], svgs: list[str]) -> str:
    """The page: the views' SVGs, the snapshot as JSON, the styles and scripts of ``autograd/explorer`` (and
    ``teach.js`` for an exercise or a drill, ``autograd.teach``), and a Content-Security-Policy that lets only
    those scripts and styles run and forbids every request."""
    style = _asset("explorer.css")
    scripts = [_asset("svg-pan-zoom.min.js"), _asset("numbers.js"), _asset("explorer.js")]
    if "exercise" in data or "drill" in data:
        scripts.append(_asset("teach.js"))
    policy = (f"default-src 'none'; script-src {' '.join(_hash(s) for s in scripts)}; "
              f"style-src {_hash(style)} 'unsafe-hashes' {_hash(_PAN_ZOOM_STYLE)}; "
              "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")
    views = "\n".join(
        f'<div class="view" data-view="{i}" hidden>{svg}</div>' for i, svg in enumerate(svgs)
    )
    title = html.escape(f"{data['title']} · chainrule explorer")
    body = _asset("explorer.html").format(views=views)
    script_tags = "".join(f"<script>{s}</script>" for s in scripts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
        f"<style>{style}</style></head><body>{body}"
        f'<script type="application/json" id="chainrule-data">{_json_for_script(data)}</script>'
        f"{script_tags}</body></html>\n"
    )

