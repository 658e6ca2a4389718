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
from autograd.forward import forward_steps
from autograd.graph import Graph, count_nodes
from autograd.labels import masked, templates
from autograd.passes import Pass, node_formula, record
from autograd.render import INSTALL_HINT, GraphvizNotFoundError, checked_options, grad_color, label_prefix, picture
from autograd.scene import Scene
from autograd.validation import as_float, is_whole
from autograd.value import Value

__all__ = ["DOCUMENT_VERSION", "LAYOUTS", "ExploreOptions", "Explorer", "data_of", "explore", "page_data",
           "page_document", "page_numbers", "schema", "shown_numbers", "with_numbers"]

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
    - ``layout``: where the views are laid out: "dot" (the default), by Graphviz's ``dot`` as the page is
      built; or "browser", by Graphviz compiled to WebAssembly in the page as it opens (the same drawing, no
      ``dot`` needed to build it; the page is about 1.3 MB larger).
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
    layout: str


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


DOCUMENT_VERSION = 1
"""The version of the page's document (``Explorer.document["version"]``), raised when its shape changes."""

LAYOUTS = ("dot", "browser")
"""Where an explorer page's views are laid out (``ExploreOptions.layout``)."""


@dataclass(frozen=True)
class Explorer:
    """An interactive page for one graph. ``document`` is the whole page as one JSON-ready, versioned dict
    (``autograd/explorer/document.schema.json``): the graph, the numbers of the recorded pass, and each view's
    layout with the templates of its labels; ``html`` is the page, self-contained; ``data`` the document as the
    page's script reads it, numbers in place; ``svg`` the scalar view as a static picture. In Jupyter it shows
    itself."""

    html: str
    document: dict[str, Any]
    views: tuple[str, ...] = field(default=(), repr=False)
    """The drawings of the page's views as dot laid them out (empty with ``layout="browser"``)."""
    scenes: tuple[Scene, ...] = field(default=(), repr=False)
    """The views as drawn, with templates for their numbers: the same drawings with any numbers."""

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        """The document with its numbers in place (each node's ``data`` and ``grad``, each edge's ``partial``,
        each step's numbers, each box's and fan's): what the page's script reads (``document.js``'s
        ``dataOf``)."""
        return data_of(self.document)

    @functools.cached_property
    def sources(self) -> tuple[str, ...]:
        """The DOT of each view with the numbers the page shows as it opens (``?`` where an exercise hides one)."""
        numbers, edges = shown_numbers(self.document), self.document["graph"]["edges"]
        return tuple(scene.source(numbers, edges, room_for(self.document)) for scene in self.scenes)

    @functools.cached_property
    def svg(self) -> str:
        """The scalar view (the last) as an SVG document, with the numbers the page shows as it opens: as dot
        laid it out, or laid out anew by dot for a page of other numbers or one laid out in the browser."""
        if self.views and self.document["views"][-1]["written"] and self.views[-1]:
            return self.views[-1]
        document = self.document
        return _inline(self.scenes[-1].svg(shown_numbers(document), document["graph"]["edges"], room_for(document)))

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (``.html``), atomically; open it in any browser, no server needed."""
        target = Path(path)
        if target.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"Explorer.save: the file name must end in .html, got {str(path)!r}")
        return write_atomically(target, self.html.encode("utf-8"))

    def renumbered(self, numbers: dict[str, Any], **more: Any) -> Explorer:
        """The page of the same graph and layout with other ``numbers`` (``page_numbers`` of another pass over
        the graph, as a live widget or a timeline holds them), and ``more`` sections of the document (a
        timeline); the page writes the numbers into its drawings as it opens. No layout is run."""
        document = {**self.document, **more, "numbers": numbers,
                    "views": [{**view, "written": False} for view in self.document["views"]]}
        return Explorer(page_html(document, list(self.views)), document, self.views, self.scenes)

    @functools.cached_property
    def picture(self) -> bytes:
        """The page's first view as a PNG (at most ``render.PICTURE_INCHES``), laid out anew by dot with the
        numbers of the document, every step of backward run (``?`` for what an exercise hides): what a notebook
        shows where it runs no script, and says so in its alt text (the page itself opens before backward
        unless ``start="end"``). Empty for a page without scenes, and where Graphviz's ``dot`` is missing (a page
        laid out in the browser needs none: the notebook then shows the page alone)."""
        if not self.scenes or shutil.which("dot") is None:
            return b""
        return picture(self._picture_source(), "explore")

    def _picture_source(self) -> str:
        return self.sources[0]

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
        title = html.escape(self.document["title"], quote=True)
        fallback = (f'<img src="data:image/png;base64,{base64.b64encode(self.picture).decode("ascii")}" '
                    f'alt="{title}: chainrule\'s explorer, every step of backward run" style="max-width: 100%">'
                    if self.picture else "")
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
            f'style="width: 100%; height: {height}px; border: 1px solid #ddd; border-radius: 4px" '
            f'title="{title}">{fallback}</iframe>'
        )

    def __repr__(self) -> str:
        graph = self.document["graph"]
        return (f"<Explorer of {self.document['title']!r}: {len(graph['nodes'])} nodes, "
                f"{len(graph['steps'])} steps, {len(self.document['views'])} view(s), {len(self.html):,} bytes>")


def explore(root: Value, **options: Unpack[ExploreOptions]) -> Explorer:
    """An ``Explorer`` for ``root``'s graph: click a node for its partials, contributions and paths, hover
    for its paths to the root, step through backward, search, pan and zoom, and (with ``levels`` or
    ``cluster``) move between coarser and finer views. Options as in ``ExploreOptions``.

    Raises ``GraphvizNotFoundError`` when Graphviz's ``dot`` is missing (with the default ``layout="dot"``).
    """
    settings = settings_of(root, options)
    return explore_pass(record(Graph.of(root), undefined=math.nan, where="explore"), settings)  # nan where a partial is


def explore_pass(recorded: Pass, settings: dict[str, Any], sections: Mapping[str, Any] | None = None) -> Explorer:
    """The page of a pass already recorded (``explore`` records one), with ``settings`` as ``settings_of`` checks
    them: its document, each view laid out (by dot, or in the page), and the page. ``sections`` are more parts
    of the document: an exercise's ``exercise``, whose ``known`` mask the drawings are laid out with, or a
    drill's ``drill``."""
    layout = settings.get("layout", "dot")
    if layout == "dot" and shutil.which("dot") is None:
        raise GraphvizNotFoundError(f"{INSTALL_HINT} Or pass layout='browser': the page lays itself out as it "
                                    "opens, with no dot (in a browser tab, Pyodide, that is the way).")
    graph = recorded.graph
    document = page_document(recorded, title=settings["title"], max_paths=settings["max_paths"],
                             color_by_grad=settings["color_by_grad"], precision=settings["precision"],
                             start=settings.get("start", "beginning"))
    if settings.get("tangents") is not None:
        document["forward"] = _forward_data(recorded, document, settings["tangents"], settings.get("wrt"))
    document.update(sections or {})
    settings = {**settings, "time_steps": "time" in document["graph"]}
    _check_size(len(_json_for_script(document).encode("utf-8")), settings["max_bytes"], "its snapshot")
    scenes = []
    for index, (name, group_of) in enumerate(_views(graph, settings)):
        scene, drawn = _view_scene(recorded, document, settings, index, group_of)
        document["views"].append({"name": name, "layout": layout, "written": True, "labels": scene.labels, **drawn})
        scenes.append(scene)
    document["numbers"] = page_numbers(recorded, document["views"], settings["color_by_grad"])
    numbers, edges, room = shown_numbers(document), document["graph"]["edges"], room_for(document)
    svgs = []
    for view, scene in zip(document["views"], scenes, strict=True):
        if layout == "dot":
            svgs.append(_inline(scene.canvas(numbers, edges, room).render("svg", "explore").decode("utf-8")))
        else:
            view["dot"] = scene.source(numbers, edges, room)
            svgs.append("")
    page = page_html(document, svgs)
    _check_size(len(page.encode("utf-8")), settings["max_bytes"], "the page")
    return Explorer(page, document, tuple(svgs), tuple(scenes))


def schema() -> dict[str, Any]:
    """The JSON Schema of ``Explorer.document`` (``autograd/explorer/document.schema.json``)."""
    return json.loads(_asset("document.schema.json"))  # type: ignore[no-any-return]


def room_for(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """The numbers a page's drawings make room for where it shows fewer (an exercise's, which it writes in as
    the learner finds them), or None."""
    return document["numbers"] if "exercise" in document else None


def shown_numbers(document: Mapping[str, Any]) -> dict[str, Any]:
    """The numbers a page shows as it opens: the document's, with each one an exercise does not yet give
    as None (``labels.masked``), and with forward mode each node's ``tangent`` (its ``forward`` section's).
    ``labels.js``'s ``shown`` is the same."""
    exercise, numbers = document.get("exercise"), document["numbers"]
    shown = masked(numbers, exercise["known"], document["graph"]) if exercise else dict(numbers)
    if "forward" in document:
        shown["tangent"] = document["forward"]["tangent"]
    return shown


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
    layout = options.get("layout", "dot")
    if layout not in LAYOUTS:
        raise ValueError(f"{where}: layout must be one of {LAYOUTS}, got {layout!r}")
    return {
        "start": opens, "layout": layout,
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


def page_document(recorded: Pass, *, title: str | None = None, max_paths: int = 20, color_by_grad: bool = False,
                  precision: int = 4, start: str = "beginning") -> dict[str, Any]:
    """A recorded pass as the page's document, before ``explore`` adds its views: the graph (nodes with their
    names, ops and formulas, edges with their rules in words, the steps, each with its node and edges) and
    its ``numbers`` (``page_numbers``). Texts that name nodes (formulas, rules in words) are lists of strings
    and node numbers, each name stored once, in its node; a node that sentences name by what it computes
    (``Graph.expression``) carries that as ``say``, and in parentheses as ``operand`` where it needs them. For
    an unrolled network (labels ``t0.…``, ``t1.…``), ``graph.time`` holds the time steps' names and each
    node's step. ``start`` is where the page opens (``ExploreOptions.start``)."""
    graph = recorded.graph
    nodes = graph.nodes
    index = {id(node): i for i, node in enumerate(nodes)}
    root = nodes[-1]
    refs = _References(index)
    edges: list[dict[str, Any]] = []
    edge_of: dict[tuple[int, int], int] = {}
    for child_index, child in enumerate(nodes):
        if child.rule is None:
            continue
        words = child.rule.explain_each(len(child.parents), child.arg, [refs.name(p) for p in child.parents],
                                        bare=[refs.bare(p) for p in child.parents])
        for position, parent in enumerate(child.parents):
            edge_of[(child_index, position)] = len(edges)
            edges.append({"from": index[id(parent)], "to": child_index, "position": position,
                          "words": refs.parts(words[position])})
    node_data = []
    for node in nodes:
        rule = node.rule
        name = graph.name(node)
        entry: dict[str, Any] = {
            "name": name, "op": rule.name if rule else None, "symbol": rule.describe_op(node.arg) if rule else None,
            "formula": refs.parts(node_formula(graph, node, refs.name, refs.bare)) if rule else None,
        }
        said, operand = graph.expression(node), graph.operand(node)
        if said != name:
            entry["say"] = said
        if operand != said:
            entry["operand"] = operand
        node_data.append(entry)
    steps = [{"node": index[id(record.node)], "formula": record.formula(),
              "edges": [edge_of[(index[id(record.node)], e.position)] for e in record.edges]}
             for record in recorded.steps]
    document: dict[str, Any] = {
        "version": DOCUMENT_VERSION, "title": title or graph.name(root), "precision": precision, "start": start,
        "maxPaths": max_paths, "colorByGrad": color_by_grad,
        "graph": {"root": len(nodes) - 1, "nodes": node_data, "edges": edges, "steps": steps},
        "numbers": page_numbers(recorded, [], color_by_grad), "views": [],
    }
    steps_of = [time_step(node) for node in nodes]
    step_names = sorted({name for name in steps_of if name is not None}, key=lambda name: int(name[1:]))
    if len(step_names) >= 2:  # an unrolled network: each node's time step by its number in names (-1: none)
        number = {name: k for k, name in enumerate(step_names)}
        document["graph"]["time"] = {"names": step_names,
                                     "of": [-1 if name is None else number[name] for name in steps_of]}
    return document


def data_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document as the page's script reads it (``Explorer.data``; ``dataOf`` in ``document.js`` is the
    same): the graph's nodes, edges and steps with their numbers in place (``data`` and ``grad``, ``partial``,
    a step's ``upstream`` and ``[edge, grad after]``), each view's boxes and fans with theirs (``maxGrad``,
    ``sum``), and the other sections as they are."""
    graph, numbers = document["graph"], document["numbers"]
    data = {key: value for key, value in document.items() if key not in ("graph", "numbers", "views", "version")}
    data["root"] = graph["root"]
    data["nodes"] = [{**node, "data": x, "grad": g}
                     for node, x, g in zip(graph["nodes"], numbers["data"], numbers["grad"], strict=True)]
    data["edges"] = [{**edge, "partial": p} for edge, p in zip(graph["edges"], numbers["partial"], strict=True)]
    data["steps"] = [{"node": step["node"], "upstream": upstream, "formula": step["formula"],
                      "edges": [[k, g] for k, g in zip(step["edges"], after, strict=True)]}
                     for step, (upstream, after) in zip(graph["steps"], numbers["steps"], strict=True)]
    levels = []
    for view, shown in zip(document["views"], numbers["levels"], strict=True):
        level = dict(view)
        if "boxes" in view:
            level["boxes"] = [{**box, "maxGrad": g} for box, g in zip(view["boxes"], shown["boxes"], strict=True)]
        if "fans" in view:
            level["fans"] = [{**fan, "maxGrad": g, "sum": total}
                             for fan, (g, total) in zip(view["fans"], shown["fans"], strict=True)]
        levels.append(level)
    data["levels"] = levels
    if "time" in graph:
        data["time"] = graph["time"]
    return data


def page_data(recorded: Pass, *, title: str | None = None, max_paths: int = 20, color_by_grad: bool = False,
              precision: int = 4, start: str = "beginning") -> dict[str, Any]:
    """A recorded pass as the explorer's page reads it, before ``explore`` adds its views: ``data_of`` its
    ``page_document``."""
    return data_of(page_document(recorded, title=title, max_paths=max_paths, color_by_grad=color_by_grad,
                                 precision=precision, start=start))


def page_numbers(recorded: Pass, levels: Sequence[dict[str, Any]], color_by_grad: bool = False) -> dict[str, Any]:
    """Every number of a page that the leaves' data decide, for the pass ``recorded`` of the page's graph:
    what a live page (``autograd.widgets.LiveExplorer``) or a timeline receives when the numbers change and
    the layout stays. ``levels`` are the page's views (``Explorer.document["views"]``), whose fans and boxes
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


def with_numbers(document: Mapping[str, Any], numbers: dict[str, Any]) -> dict[str, Any]:
    """The page's data (``data_of``) of ``document`` with ``numbers`` (``page_numbers``) in place of its own:
    the page's data for the pass the numbers came from."""
    return data_of({**document, "numbers": numbers})


def _forward_data(recorded: Pass, document: dict[str, Any], tangents: Any, wrt: Any) -> dict[str, Any]:
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
    edge_of = {(e["to"], e["position"]): k for k, e in enumerate(document["graph"]["edges"])}
    index = graph.index
    return {
        "seeds": {graph.name(n): t for n, t in seeds.items()},
        "tangent": [json_number(t) for t in moved],
        "steps": [{"node": index(step.node), "tangent": json_number(step.tangent), "text": str(step),
                   "terms": [[edge_of[(index(step.node), k)], json_number(c)] for k, _, _, _, c in step.terms]}
                  for step in steps],
        "passes": len(wanted), "wrt": "leaf" if wrt is None else "parameter",
    }


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


def _view_scene(recorded: Pass, document: dict[str, Any], settings: dict[str, Any], view: int,
                group_of: Cluster | None) -> tuple[Scene, dict[str, Any]]:
    """One view as a ``Scene`` (element ids ``v{view}-n{i}`` for nodes, ``v{view}-e{k}`` for edges, ``v{view}-b{k}``
    for boxes, ``v{view}-f{k}`` for fans and ``v{view}-f{k}-{i}`` for a fan's edge into node i) and what the page
    needs to know of it: its boxes, each with its members and node count, and its fans."""
    graph = recorded.graph
    nodes = document["graph"]["nodes"]
    scalar = group_of is None
    groups: dict[str, list[int]] = {}
    boxed = _boxed_in_scalars(settings)
    for i, node in enumerate(graph.nodes):
        if scalar:
            name = boxed(node) if boxed is not None else None
        else:  # a coarse view: the leaves outside every group (the inputs, x0, x1...) together in one box too
            assert group_of is not None
            name = group_of(node) or ("inputs" if node.is_leaf else None)
        if name is not None:
            groups.setdefault(name, []).append(i)
    fans = [] if not scalar else _fans(graph, {i: name for name, members in groups.items() for i in members},
                                       settings["fan_at"])
    show_partials = settings["show_partials"]
    if show_partials is None:
        show_partials = len(nodes) - sum(fan["count"] for fan in fans) + len(fans) <= _PARTIAL_LABELS_UP_TO
    scene = Scene(view, templates(scalar and show_partials, "forward" in document), rankdir=settings["rankdir"],
                  precision=settings["precision"], color_by_grad=settings["color_by_grad"], timeout=settings["timeout"])

    def add(i: int, title: str) -> None:
        node = nodes[i]
        scene.node(i, title=title, name=node["name"], op=node["symbol"], labelled=bool(graph.nodes[i].label))

    if not scalar:
        return scene, _coarse_view(scene, groups, document, add)
    fan_of = {i: f for f, fan in enumerate(fans) for i in fan["members"]}

    def add_fan(f: int, group_name: str | None) -> None:
        fan = fans[f]
        title = fan["name"] if group_name is None else fan["name"].removeprefix(group_name + ".")
        scene.group("f", f, title=f"{title} ×{fan['count']}")

    fans_in: dict[str | None, list[int]] = {}
    for f, fan in enumerate(fans):
        fans_in.setdefault(fan["group"], []).append(f)
    for k, (group_name, members) in enumerate(groups.items()):
        with scene.cluster(str(k), group_name):
            for f in fans_in.get(group_name, ()):
                add_fan(f, group_name)
            for i in members:
                if i not in fan_of:
                    add(i, nodes[i]["name"].removeprefix(group_name + "."))
    for f in fans_in.get(None, ()):
        add_fan(f, None)
    grouped = {i for members in groups.values() for i in members}
    for i in range(len(nodes)):
        if i not in grouped and i not in fan_of:
            add(i, nodes[i].get("say", nodes[i]["name"]))  # as the steps name it: x·y, not mul#2
    fan_edges: dict[tuple[int, int], int] = {}
    for k, edge in enumerate(document["graph"]["edges"]):
        if edge["from"] in fan_of:
            key = (fan_of[edge["from"]], edge["to"])
            fan_edges[key] = fan_edges.get(key, 0) + 1
            continue
        # the partial, and the step's partial × upstream = contribution, which the page shows at the step (and
        # the forward sweep's partial × tangent): laid out by dot, so that it is never drawn over a node
        scene.edge(f"n{edge['from']}", f"n{edge['to']}", k, id=f"{scene.prefix}e{k}")
    for (f, head), count in fan_edges.items():
        scene.edge(f"f{f}", f"n{head}", lines=[f"{count} edges"] if show_partials and count > 1 else [],
                   id=f"{scene.prefix}f{f}-{head}", penwidth=f"{1 + math.log10(count):.2f}")
    return scene, {"fans": fans, "stepLabels": show_partials, "near": _neighbourhoods(graph, fan_of, len(fans))}


def _coarse_view(scene: Scene, groups: dict[str, list[int]], document: dict[str, Any],
                 add: Callable[[int, str], None]) -> dict[str, Any]:
    """A view of one box per group, each edge between two boxes drawn once, as thick as it has edges."""
    box_of: dict[int, int] = {}
    boxes: list[dict[str, Any]] = []
    for group_name, members in groups.items():
        box_id = len(boxes)
        boxes.append({"name": group_name, "members": members, "count": len(members)})
        for i in members:
            box_of[i] = box_id
        scene.group("b", box_id, title=group_name, lines=[f"{len(members):,} nodes"])
    nodes = document["graph"]["nodes"]
    for i in range(len(nodes)):
        if i not in box_of:
            add(i, nodes[i].get("say", nodes[i]["name"]))
    drawn: dict[tuple[str, str], int] = {}
    for edge in document["graph"]["edges"]:
        tail = f"b{box_of[edge['from']]}" if edge["from"] in box_of else f"n{edge['from']}"
        head = f"b{box_of[edge['to']]}" if edge["to"] in box_of else f"n{edge['to']}"
        if tail != head:
            drawn[(tail, head)] = drawn.get((tail, head), 0) + 1
    links: list[list[str]] = []
    for (tail, head), count in drawn.items():  # no label: dot would make room for thousands of them
        scene.edge(tail, head, color="#7f93b8", penwidth=f"{1 + math.log10(count):.2f}",
                   id=f"{scene.prefix}l{len(links)}", tooltip=f"{count:,} edge{'s' if count > 1 else ''}")
        links.append([tail, head])
    return {"boxes": boxes, "links": links}


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


def _fans(graph: Graph, group_of: dict[int, str], fan_at: int) -> list[dict[str, Any]]:
    """The scalar view's fans: ``fan_at`` or more leaves with one stem (``w`` of ``w.0``, ``w.1``...; ``x`` of
    ``x0``...), in the same box, feeding the same nodes (a neuron's weights, a layer's inputs), each drawn as
    one node: its members and the nodes they feed."""
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


SCRIPTS = (
    "svg-pan-zoom.min.js",  # vendored
    "numbers.js", "labels.js", "document.js", "steps.js", "paths.js",  # pure: node --test holds them to Python
    "layout.js",  # the views laid out in the page (layout="browser")
    "drawing.js", "views.js", "panel.js", "select.js", "near.js", "stepping.js", "forward.js", "search.js", "keys.js",
    "widget.js", "timeline.js",  # the page's parts, each installed on the one page object by:
    "explorer.js",
)
"""The page's scripts in the order it runs them, from ``autograd/explorer/`` (``README.md`` there maps them)."""

_PAN_ZOOM_STYLE = "overflow: hidden; "
"""The one style attribute svg-pan-zoom sets (on each drawing), allowed by its hash and by nothing wider."""


def page_html(document: dict[str, Any], svgs: list[str]) -> str:
    """The page: the views' SVGs (empty for a view laid out in the page), the document as JSON, the styles and
    scripts of ``autograd/explorer`` (``SCRIPTS``; ``teach.js`` for an exercise or a drill, ``autograd.teach``;
    Graphviz in WebAssembly where a view is laid out in the page), and a Content-Security-Policy that lets only
    those scripts and styles run and forbids every request."""
    style = _asset("explorer.css")
    names = list(SCRIPTS)
    if any(view.get("layout") == "browser" for view in document["views"]):
        names.insert(0, "viz-global.js")
    if "exercise" in document or "drill" in document:
        names.append("teach.js")
    scripts = [_asset(name) for name in names]
    wasm = " 'wasm-unsafe-eval'" if "viz-global.js" in names else ""  # WebAssembly.instantiate, no eval
    policy = (f"default-src 'none'; script-src {' '.join(_hash(s) for s in scripts)}{wasm}; "
              f"style-src {_hash(style)} 'unsafe-hashes' {_hash(_PAN_ZOOM_STYLE)}; "
              "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")
    views = "\n".join(
        f'<div class="view" data-view="{i}" hidden>{svg}</div>' for i, svg in enumerate(svgs)
    )
    title = html.escape(f"{document['title']} · chainrule explorer")
    body = _asset("explorer.html").format(views=views)
    script_tags = "".join(f"<script>{s}</script>" for s in scripts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
        f"<style>{style}</style></head><body>{body}"
        f'<script type="application/json" id="chainrule-data">{_json_for_script(document)}</script>'
        f"{script_tags}</body></html>\n"
    )
