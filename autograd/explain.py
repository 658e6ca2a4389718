"""Chain-rule explanations: ∂output/∂wrt as a sum over paths of products of local partials.

``explain(E, w1)`` lists every path from ``w1`` to ``E``. Each path is the chain of local partials along it,
each with its rule in words and its number; its product is that path's share of the gradient, and the sum of
the shares is ``w1.grad``. Shown as text, Markdown or LaTeX.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from autograd.backprop import local_partials
from autograd.graph import Graph
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
    """∂output/∂wrt as the sum over ``paths`` of their products; ``total`` is that sum."""

    output: Value
    wrt: Value
    paths: tuple[Path, ...]
    graph: Graph = field(repr=False, compare=False)

    @property
    def total(self) -> float:
        """The sum over paths: ∂output/∂wrt, which ``backward()`` leaves in ``wrt.grad``."""
        return math.fsum(path.product for path in self.paths)

    def name(self, node: Value) -> str:
        """How the explanation names a node: as every view of ``output``'s graph does (``Graph.name``)."""
        return self.graph.name(node)

    def _symbol(self, link: Link, latex: bool = False) -> str:
        child, parent = self.name(link.child), self.name(link.parent)
        if latex:
            return rf"\frac{{\partial\,{_tex(child)}}}{{\partial\,{_tex(parent)}}}"
        return f"∂{child}/∂{parent}"

    def to_text(self) -> str:
        """The derivation as plain text, one block per path."""
        out, wrt = self.name(self.output), self.name(self.wrt)
        head = f"∂{out}/∂{wrt} = {self.total:.10g}"
        if not self.paths:
            return f"{head}: {out} does not depend on {wrt}."
        lines = [f"{head}, the sum over {len(self.paths)} path{'s' if len(self.paths) > 1 else ''}:"]
        for k, path in enumerate(self.paths, start=1):
            chain = " · ".join(self._symbol(link) for link in path.links)
            numbers = " × ".join(f"{link.partial:.6g}" for link in path.links)
            lines.append(f"  path {k}: {chain}")
            lines.append(f"        = {numbers} = {path.product:.10g}")
            for link in path.links:
                lines.append(f"          {self._symbol(link)}: {link.rule} = {link.partial:.6g}")
        if len(self.paths) > 1:
            shares = " + ".join(f"{path.product:.6g}" for path in self.paths)
            lines.append(f"  total: {shares} = {self.total:.10g}")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The derivation as Markdown: a table of the links of each path."""
        out, wrt = self.name(self.output), self.name(self.wrt)
        lines = [f"**∂{_md(out)}/∂{_md(wrt)} = {self.total:.10g}**, over {len(self.paths)} path(s)", ""]
        for k, path in enumerate(self.paths, start=1):
            lines += [f"Path {k}: product = {path.product:.10g}", "", "| local partial | rule | value |",
                      "|---|---|---|"]
            lines += [f"| {_md(self._symbol(link))} | {_md(link.rule)} | {link.partial:.6g} |" for link in path.links]
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def to_latex(self) -> str:
        """The derivation as a LaTeX equation: the sum over paths of products of partial fractions."""
        out, wrt = _tex(self.name(self.output)), _tex(self.name(self.wrt))
        terms = [" ".join(self._symbol(link, latex=True) for link in path.links) for path in self.paths]
        numbers = [r" \cdot ".join(f"{link.partial:.4g}" for link in path.links) for path in self.paths]
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

    A graph with more than ``max_paths`` paths raises ValueError rather than listing them all.
    """
    for name, value in (("output", output), ("wrt", wrt)):
        if not isinstance(value, Value):
            raise TypeError(f"explain: {name} must be a Value, got {type(value).__name__} {value!r}")
    graph = Graph.of(output)
    order = graph.nodes
    # counts[id(node)]: the number of paths from wrt up to node, for the nodes that have any.
    counts: dict[int, int] = {id(wrt): 1}
    for node in order:
        if node is not wrt and node.parents:
            n = sum(counts.get(id(parent), 0) for parent in node.parents)
            if n:
                counts[id(node)] = n
    total_paths = counts.get(id(output), 0)
    if total_paths > max_paths:
        raise ValueError(
            f"explain: there are {total_paths} paths from {graph.name(wrt)} to "
            f"{graph.name(output)}, more than max_paths={max_paths}. Explain a nearer output, or pass "
            f"max_paths={total_paths}."
        )
    paths: list[Path] = []
    if total_paths:
        partials = {id(node): local_partials(node) for node in order if id(node) in counts and node.parents}
        stack: list[tuple[Value, tuple[Link, ...]]] = [(output, ())]
        while stack:
            node, links = stack.pop()
            if node is wrt:
                paths.append(Path(links))
                continue
            rule = node.rule
            assert rule is not None
            for position in reversed(range(len(node.parents))):
                parent = node.parents[position]
                if id(parent) in counts:
                    names = [graph.name(p) for p in node.parents]
                    words = rule.explain(position, len(node.parents), node.arg, names)
                    link = Link(parent, node, position, partials[id(node)][position], words)
                    stack.append((parent, (*links, link)))
    return Explanation(output, wrt, tuple(paths), graph)


def _tex(name: str) -> str:
    special = {"\\": r"\backslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}", "#": r"\#", "$": r"\$",
               "%": r"\%", "&": r"\&", "~": r"\~{}"}
    return r"\mathrm{" + "".join(special.get(ch, ch) for ch in name) + "}"


def _md(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|" else ch for ch in text)
