"""Chain-rule explanations: ∂output/∂wrt as a sum over paths of products of local partials.

``explain(E, w1)`` lists every path from ``w1`` to ``E``. Each path is the chain of local partials along it,
each with its rule in words and its number; its product is that path's share of the gradient, and the sum of
the shares is ``w1.grad``. The partials and the total are those of one recorded pass. Shown as text, Markdown
or LaTeX.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from autograd.backprop import grad
from autograd.formatting import escape_markdown, tex_name
from autograd.graph import Graph
from autograd.passes import Pass, record
from autograd.validation import is_whole
from autograd.value import Value

__all__ = ["Explanation", "Link", "Path", "explain"]


@dataclass(frozen=True)
class Link:
    """One edge of a path: ∂child/∂parent, its rule in words and its number."""

    parent: Value
    child: Value
    position: int
    partial: float
    rule: str


@dataclass(frozen=True)
class Path:
    """One path from ``wrt`` to the output, as its links from the output down to ``wrt``."""

    links: tuple[Link, ...]

    @property
    def product(self) -> float:
        """The product of the local partials along the path: its share of ∂output/∂wrt."""
        return math.prod(link.partial for link in self.links)


@dataclass(frozen=True)
class Explanation:
    """∂output/∂wrt as a sum over paths of their products.

    ``paths`` lists the first paths (at most ``max_paths`` of ``explain``); ``path_count`` counts them all;
    ``total`` is ∂output/∂wrt from the chain rule, which equals the sum over every path.
    """

    output: Value
    wrt: Value
    paths: tuple[Path, ...]
    path_count: int
    total: float
    graph: Graph = field(repr=False, compare=False)

    @property
    def complete(self) -> bool:
        """Whether ``paths`` lists every path."""
        return len(self.paths) == self.path_count

    def name(self, node: Value) -> str:
        """How the explanation names a node: as the steps and the page do (``Graph.operand``), by its label, or
        by what it computes (``tanh(x·y)``), in parentheses where it is compound, or by ``Graph.name`` when
        that would be too long."""
        return self.graph.operand(node)

    def _symbol(self, link: Link, latex: bool = False) -> str:
        child, parent = self.name(link.child), self.name(link.parent)
        if latex:
            return rf"\frac{{\partial\,{tex_name(child)}}}{{\partial\,{tex_name(parent)}}}"
        return f"∂{child}/∂{parent}"

    def _count(self) -> str:
        many = f"{self.path_count} path{'s' if self.path_count != 1 else ''}"
        return many if self.complete else f"{many}, the first {len(self.paths)} shown"

    def to_text(self) -> str:
        """The derivation as plain text, one block per path."""
        out, wrt = self.name(self.output), self.name(self.wrt)
        head = f"∂{out}/∂{wrt} = {self.total:.10g}"
        if not self.path_count:
            return f"{head}: {out} does not depend on {wrt}."
        if self.wrt is self.output:
            return f"{head}: {out} is the output itself, reached by the empty path, whose product is 1."
        lines = [f"{head}, the sum over {self._count()}:"]
        for k, path in enumerate(self.paths, start=1):
            chain = " · ".join(self._symbol(link) for link in path.links)
            numbers = " × ".join(f"{link.partial:.6g}" for link in path.links)
            lines.append(f"  path {k}: {chain}")
            lines.append(f"        = {numbers} = {path.product:.10g}")
            for link in path.links:
                lines.append(f"          {self._symbol(link)}: {link.rule} = {link.partial:.6g}")
        if len(self.paths) > 1:
            shares = " + ".join(f"{path.product:.6g}" for path in self.paths)
            rest = "" if self.complete else f" + (the other {self.path_count - len(self.paths)} paths)"
            lines.append(f"  total: {shares}{rest} = {self.total:.10g}")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The derivation as Markdown: a table of the links of each path."""
        out, wrt = self.name(self.output), self.name(self.wrt)
        lines = [f"**∂{escape_markdown(out)}/∂{escape_markdown(wrt)} = {self.total:.10g}**, over {self._count()}", ""]
        if self.wrt is self.output:
            lines.append(f"{escape_markdown(out)} is the output itself: the empty path, whose product is 1.")
        for k, path in enumerate(self.paths if self.wrt is not self.output else (), start=1):
            lines += [f"Path {k}: product = {path.product:.10g}", "", "| local partial | rule | value |",
                      "|---|---|---|"]
            lines += [
                f"| {escape_markdown(self._symbol(link))} | {escape_markdown(link.rule)} | {link.partial:.6g} |"
                for link in path.links
            ]
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def to_latex(self) -> str:
        """The derivation as a LaTeX equation: the sum over paths of products of partial fractions."""
        out, wrt = tex_name(self.name(self.output)), tex_name(self.name(self.wrt))
        terms = [" ".join(self._symbol(link, latex=True) for link in path.links) or "1" for path in self.paths]
        numbers = [r" \cdot ".join(f"{link.partial:.4g}" for link in path.links) or "1" for path in self.paths]
        if not self.complete:
            terms.append(r"\cdots")
            numbers.append(r"\cdots")
        symbolic = " + ".join(terms) if terms else "0"
        numeric = " + ".join(f"({n})" for n in numbers) if numbers else "0"
        return (
            rf"$$\frac{{\partial\,{out}}}{{\partial\,{wrt}}} = {symbolic} = {numeric} = {self.total:.6g}$$"
        )

    def __str__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()


def explain(output: Value, wrt: Value, max_paths: int = 1000) -> Explanation:
    """Every path from ``wrt`` to ``output``, with the local partial of each edge and the product of each
    path; their sum is ∂output/∂wrt. Repeated edges (``x*x``) are separate paths.

    Linear in the size of the graph and of the paths it lists: the paths are counted without being listed,
    at most ``max_paths`` of them are listed, and the partials and ``total`` are those of one recorded pass
    of the chain rule (``autograd.passes.record``).
    """
    for name, value in (("output", output), ("wrt", wrt)):
        if not isinstance(value, Value):
            raise TypeError(f"explain: {name} must be a Value, got {type(value).__name__} {value!r}")
    if not is_whole(max_paths) or max_paths < 1:
        raise ValueError(f"explain: max_paths must be a whole number of at least 1, got {max_paths!r}")
    recorded = record(output, undefined=math.nan, where="explain")  # nan off the paths; on them, see below
    graph = recorded.graph
    # counts[node]: the number of paths from wrt up to node, for the nodes that have any.
    counts: dict[Value, int] = {wrt: 1}
    for node in graph.nodes:
        if node is not wrt and node.parents:
            n = sum(counts.get(parent, 0) for parent in node.parents)
            if n:
                counts[node] = n
    path_count = counts.get(output, 0)
    _check_defined(recorded, output, wrt, counts)
    total = recorded.grads[graph.index(wrt)] if path_count else 0.0
    paths = _first_paths(output, wrt, counts, recorded, max_paths)
    return Explanation(output, wrt, paths, path_count, total, graph)


def _check_defined(recorded: Pass, output: Value, wrt: Value, counts: dict[Value, int]) -> None:
    """Where a partial on a path from ``wrt`` does not exist at this data (the pass shows it as nan), the
    derivative does not exist either: raise the chain rule's error for it, as ``grad`` raises it."""
    if any(math.isnan(e.partial) and e.parent in counts for step in recorded.steps for e in step.edges):
        grad(output, [wrt])


class _Down(NamedTuple):
    """One step down a path being listed: the node reached, the step before, and the link taken."""

    node: Value
    came_from: _Down | None
    link: Link | None


def _first_paths(output: Value, wrt: Value, counts: dict[Value, int], recorded: Pass, limit: int) -> tuple[Path, ...]:
    """The first ``limit`` paths from ``output`` down to ``wrt``, depth first. Each step down is kept as
    (node, the step it came from, its link), so a path costs its length, not its length squared; every
    branch followed leads to ``wrt``, since only nodes with paths from it are followed."""
    if output not in counts:
        return ()
    graph = recorded.graph
    words: dict[Value, dict[int, str]] = {}  # each node's rule in words, for its inputs on paths, written once
    paths: list[Path] = []
    stack = [_Down(output, None, None)]
    while stack and len(paths) < limit:
        entry = stack.pop()
        node = entry.node
        if node is wrt:
            links: list[Link] = []
            step: _Down | None = entry
            while step is not None and step.link is not None:
                links.append(step.link)
                step = step.came_from
            paths.append(Path(tuple(reversed(links))))
            continue
        rule = node.rule
        assert rule is not None
        partials = recorded.partials[graph.index(node)]
        on_paths = [k for k in reversed(range(len(node.parents))) if node.parents[k] in counts]
        if node not in words:
            names = [graph.operand(p) for p in node.parents]
            bare = [graph.expression(p) for p in node.parents]
            words[node] = dict(zip(on_paths, rule.explain_each(len(node.parents), node.arg, names, on_paths, bare),
                                   strict=True))
        for position in on_paths:
            link = Link(node.parents[position], node, position, partials[position], words[node][position])
            stack.append(_Down(node.parents[position], entry, link))
    return tuple(paths)
