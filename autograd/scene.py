"""A view of the explorer as it is laid out, with the templates of its numbers instead of the numbers.

``explore`` builds each view as a ``Scene``: every node, fan, box, cluster and edge it draws, each label that
holds numbers given as its element's kind and number, whose template (``autograd.labels``) says where they go.
``Scene.canvas`` draws the view with any numbers through ``render.Canvas``: the page's own (the DOT that dot or
the page's WebAssembly Graphviz lays out), a later state's (a live page's or a timeline's picture) or an
exercise's, ``?`` where a number is not known. The same scene gives the same drawing; only its texts differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from autograd.labels import Template, fill, slot_value
from autograd.render import Canvas, pipe_source

__all__ = ["Scene"]


@dataclass
class Scene:
    """View ``view`` as drawn: ``commands`` in the order they were given, and ``labels``, the template of each
    kind of element (``labels.templates``). Element ids are ``v{view}-{kind}{number}``."""

    view: int
    labels: dict[str, Template]
    rankdir: str = "LR"
    precision: int = 4
    color_by_grad: bool = False
    timeout: float = 30.0
    commands: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"v{self.view}-"

    def node(self, i: int, *, title: str, name: str, op: str | None, labelled: bool) -> None:
        """Node ``i`` under ``title``, its numbers by the ``n`` template."""
        self.commands.append(("node", {"i": i, "title": title, "name": name, "op": op, "labelled": labelled}))

    def group(self, kind: str, k: int, *, title: str, lines: Sequence[str] = ()) -> None:
        """Box (``kind`` "b") or fan ("f") ``k``: ``title``, fixed ``lines``, then its numbers by its template."""
        self.commands.append(("group", {"kind": kind, "k": k, "title": title, "lines": list(lines)}))

    @contextmanager
    def cluster(self, key: str, title: str) -> Iterator[None]:
        """The nodes added inside the ``with`` block, in one dashed box titled ``title``."""
        self.commands.append(("open", {"key": key, "title": title}))
        try:
            yield
        finally:
            self.commands.append(("close", {}))

    def edge(self, tail: str, head: str, k: int | None = None, lines: Sequence[str] = (), **attrs: str) -> None:
        """An edge from ``tail`` to ``head``: edge ``k`` of the graph, labelled by the ``e`` template when the
        view has one, or a link of the view's own (``k`` None) labelled ``lines``."""
        self.commands.append(("edge", {"tail": tail, "head": head, "k": k, "lines": list(lines), "attrs": attrs}))

    def canvas(self, numbers: Mapping[str, Any], edges: Sequence[Mapping[str, Any]],
               room: Mapping[str, Any] | None = None) -> Canvas:
        """The view drawn with ``numbers`` (``page_numbers``' shape, None where not known) of the graph's
        ``edges``: each label filled by ``labels.fill``, and with ``color_by_grad`` each node, box and fan
        filled by its gradient's colour (uncoloured where it is not known). With ``room`` (the numbers an
        exercise hides), a node's number lines are laid out as wide as ``room`` writes them, so that a number
        the page writes once it is known fits its box."""
        canvas = Canvas(rankdir=self.rankdir, color_by_grad=self.color_by_grad,
                        timeout=self.timeout, element_id=f"{self.prefix}graph")

        def number(kind: str, k: int, shown: Mapping[str, Any] = numbers) -> Callable[[str], float | None]:
            return lambda name: slot_value(shown, edges, self.view, kind, k, name)

        def lines(kind: str, k: int, shown: Mapping[str, Any] = numbers) -> list[str]:
            template = self.labels.get(kind)
            return fill(template, number(kind, k, shown), self.precision) if template else []

        clusters: list[Any] = []
        for command, a in self.commands:
            if command == "node":
                canvas.node(f"n{a['i']}", title=a["title"], name=a["name"], op=a["op"], labelled=a["labelled"],
                            lines=lines("n", a["i"]), grad=number("n", a["i"])("grad"),
                            element_id=f"{self.prefix}n{a['i']}", room=lines("n", a["i"], room) if room else ())
            elif command == "group":
                kind, k = a["kind"], a["k"]
                canvas.group(f"{kind}{k}", title=a["title"], lines=a["lines"] + lines(kind, k),
                             grad=number(kind, k)("maxGrad"), element_id=f"{self.prefix}{kind}{k}")
            elif command == "open":
                clusters.append(canvas.cluster(a["key"], a["title"], element_id=f"{self.prefix}c{a['key']}"))
                clusters[-1].__enter__()
            elif command == "close":
                clusters.pop().__exit__(None, None, None)
            else:
                k = a["k"]
                labelled = lines("e", k) if k is not None else a["lines"]
                canvas.edge(a["tail"], a["head"], labelled, **a["attrs"])
        return canvas

    def source(self, numbers: Mapping[str, Any], edges: Sequence[Mapping[str, Any]],
               room: Mapping[str, Any] | None = None) -> str:
        """The view's DOT with ``numbers`` (and ``room``, as for ``canvas``), with the layout settings its
        shape calls for written in."""
        return str(self.canvas(numbers, edges, room).settled().source)

    def svg(self, numbers: Mapping[str, Any], edges: Sequence[Mapping[str, Any]],
            room: Mapping[str, Any] | None = None) -> str:
        """The view laid out by dot with ``numbers`` (and ``room``), as an SVG document."""
        return pipe_source(self.source(numbers, edges, room), "svg", "explore", self.timeout).decode("utf-8")
