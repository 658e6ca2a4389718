"""The recorded pass: one run of the chain rule over a graph, kept whole for every view to read.

``record(root)`` takes the graph's snapshot (``Graph``), checks that it still agrees with its leaves (the
stale check), and runs ``backprop.chain_rule`` once, from zero, with a recorder. The ``Pass`` it returns
holds, for each node, its data and its upstream gradient ∂root/∂node; for each edge, its local partial; and
each step of the pass, as ``backward_steps`` yields them. No ``.grad`` is touched.

The readers are functions of the pass: drawing (``render``), stepping (``steps``), ``explain``, the
explorer's data (``explore``) and the notebook widgets. None of them evaluates a partial or walks the graph
again, so every number they show is one the chain rule computed, and every name the one ``Graph`` gave.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.backprop import chain_rule, check_value
from autograd.errors import StaleGraphError
from autograd.formatting import escape_markdown
from autograd.graph import Graph
from autograd.stale import check_fresh
from autograd.validation import as_float
from autograd.value import Value, describe_inputs, domain_note, input_data, with_context

__all__ = ["BackwardStep", "EdgeStep", "Pass", "record", "rerun"]


@dataclass(frozen=True, slots=True, repr=False)
class EdgeStep:
    """What one step of backward did along one edge: parent.grad += partial × upstream. ``name`` is the
    parent's name in the graph being differentiated."""

    parent: Value
    position: int
    partial: float
    contribution: float
    grad_before: float
    grad_after: float
    name: str = field(default="", compare=False)
    held: float = field(default=0.0, compare=False)
    """What a leaf's ``.grad`` held from before the pass, on the first edge that adds to it (leaves accumulate)."""

    def __repr__(self) -> str:
        return (f"EdgeStep({self.name or self.parent.label or 'input ' + str(self.position)}.grad += "
                f"{self.partial:.6g} × upstream = {self.contribution:.6g}: {self.grad_before:.6g} → "
                f"{self.grad_after:.6g})")


@dataclass(frozen=True, slots=True, repr=False)
class BackwardStep:
    """One node's turn in the backward pass: its upstream gradient ∂root/∂node and what each edge got.
    ``graph`` is the graph being differentiated, which names its nodes."""

    index: int
    node: Value
    upstream: float
    edges: tuple[EdgeStep, ...]
    graph: Graph = field(repr=False, compare=False)

    def __str__(self) -> str:
        head = f"step {self.index}: {self.formula()}"
        return f"{head}, ∂root/∂{self.graph.operand(self.node)} = {self.upstream:.6g}: {'; '.join(self.updates())}"

    def formula(self) -> str:
        """The step's node in plain mathematics: ``E = E_o1 + E_o2``, or for an unlabelled node what it
        computes (``y − 1``); an op of very many inputs as its formula and their count."""
        return step_formula(self.graph, self.node)

    def updates(self) -> list[str]:
        """What the step did along each edge, in words: ``w5.grad += 0.59327 × 0.138499 → 0.082167``."""
        operand = self.graph.operand
        return [f"{operand(e.parent)}.grad += {e.partial:.6g} × {self.upstream:.6g} → {e.grad_after:.6g}"
                + (f" (added to the {e.held:.6g} it held before this pass)" if e.held else "") for e in self.edges]

    def __repr__(self) -> str:
        name = self.graph.name(self.node)
        count = len(self.edges)
        return (f"<BackwardStep {self.index}: {name} = {self.node.op}(...), ∂root/∂{name} = {self.upstream:.6g}, "
                f"{count} edge{'s' if count != 1 else ''}>")

    def _repr_markdown_(self) -> str:
        rows = [
            f"| {escape_markdown(e.name)} | {e.partial:.6g} | {self.upstream:.6g} | {e.contribution:.6g} | "
            f"{e.grad_before:.6g} → {e.grad_after:.6g} |"
            for e in self.edges
        ]
        return "\n".join([
            f"**Step {self.index}**: `{self.formula()}`, ∂root/∂{escape_markdown(self.graph.operand(self.node))} = "
            f"{self.upstream:.6g}",
            "",
            "| input | local partial | × upstream | = contribution | its grad |",
            "|---|---|---|---|---|",
            *rows,
        ]) + "\n"


LONGEST_FORMULA = 120
"""Characters of a step's formula written out in its inputs; past them (a layer's w·x + b over 64 inputs),
the op's formula and the count of its inputs."""


def step_formula(graph: Graph, node: Value) -> str:
    """``node`` as a step writes it: ``name = formula`` in its inputs' expressions, or only the formula for
    an unlabelled node (whose expression it is)."""
    if node.rule is None:
        return graph.expression(node)
    written = node_formula(graph, node)
    said = graph.expression(node)
    return written if said == written else f"{said} = {written}"


def node_formula(graph: Graph, node: Value, operand: Callable[[Value], str] | None = None,
                 expression: Callable[[Value], str] | None = None) -> str:
    """What op node ``node`` computes, in its inputs' expressions (``Graph.operand`` and ``Graph.expression``,
    or the functions given, which name them otherwise), or its op's formula and the count of its inputs
    when that would be longer than ``LONGEST_FORMULA`` characters."""
    rule = node.rule
    assert rule is not None
    n = len(node.parents)
    written = rule.written(n, node.arg, [graph.operand(p) for p in node.parents],
                           [graph.expression(p) for p in node.parents])
    if len(written) > LONGEST_FORMULA:
        return f"{rule.fill(rule.formula, n, node.arg)} over {n} inputs"
    if operand is None or expression is None:
        return written
    return rule.written(n, node.arg, [operand(p) for p in node.parents], [expression(p) for p in node.parents])


@dataclass(frozen=True, eq=False)
class Pass:
    """One backward pass of ``graph``'s root, from zero, seeded with ``seed``, as ``record`` kept it.

    Indexed by the graph's node numbers: ``data[i]`` is node i's data as the pass read it, ``grads[i]`` its
    upstream gradient ∂root/∂node × seed, and ``partials[i]`` its local partials, one per parent (none for a
    leaf). ``steps`` are the op nodes' steps, root first, each edge with the gradient it left. A partial that
    does not exist at the data is ``undefined`` (nan) in a pass recorded for a drawing.
    """

    graph: Graph
    seed: float
    data: tuple[float, ...]
    grads: tuple[float, ...]
    partials: tuple[tuple[float, ...], ...]
    steps: tuple[BackwardStep, ...]

    @property
    def root(self) -> Value:
        """The node the pass differentiates."""
        return self.graph.nodes[-1]

    def grads_at(self, step: int) -> tuple[float, ...]:
        """Every node's gradient as the pass left it after its first ``step`` steps (0: only the root's)."""
        grads = [0.0] * len(self.graph)
        grads[-1] = self.seed
        index = self.graph.index
        for record in self.steps[:step]:
            for edge in record.edges:
                grads[index(edge.parent)] = edge.grad_after
        return tuple(grads)

    def check_current(self, where: str) -> None:
        """Raise ``StaleGraphError`` naming ``where`` if a node's data is no longer what the pass read (a leaf
        set since, as an optimizer step sets it), so that no reader shows the pass beside other numbers."""
        for node, recorded in zip(self.graph.nodes, self.data, strict=True):
            if node.data != recorded and not (math.isnan(node.data) and math.isnan(recorded)):
                name = self.graph.name(node)
                raise StaleGraphError(
                    f"{where}: the recorded pass is stale: {name} was {recorded:.6g} when the pass was recorded and "
                    f"is {node.data:.6g} now. Record the pass again for the current data.",
                    node=node, leaves=(node,) if node.is_leaf else (), recorded=recorded, current=node.data,
                )


def record(root: Value | Graph, seed: float = 1.0, *, undefined: float | None = None, where: str = "record") -> Pass:
    """Run the chain rule once over the graph of ``root`` (a Value, or a ``Graph`` already taken), from zero
    and seeded with ``seed``, and keep all of it as a ``Pass``; every ``.grad`` is left as it was.

    Raises ``StaleGraphError`` (naming ``where``) when the graph no longer agrees with its leaves' data, and
    the chain rule's own error for a partial that does not exist, unless ``undefined`` (nan, for a drawing)
    stands for it."""
    graph = root if isinstance(root, Graph) else Graph.of(check_value(root, where))
    nodes = graph.nodes
    check_fresh(nodes, where)
    start = as_float(seed, f"{where}: grad")
    grads: list[Any] = [0.0] * len(nodes)
    grads[-1] = start
    partials: list[tuple[float, ...]] = [()] * len(nodes)
    steps: list[BackwardStep] = []
    name = graph.name

    def recorder(step: int, i: int, upstream: Any, local: Sequence[Any], changes: Sequence[tuple[Any, Any]]) -> None:
        node = nodes[i]
        numbers = tuple(float(p) for p in local)
        partials[i] = numbers
        edges = tuple(
            EdgeStep(parent, k, partial, partial * upstream, before, after, name(parent))
            for k, (parent, partial, (before, after)) in enumerate(zip(node.parents, numbers, changes, strict=True))
        )
        steps.append(BackwardStep(step, node, upstream, edges, graph))

    chain_rule(graph, grads, undefined=undefined, recorder=recorder)
    return Pass(graph, start, tuple(n.data for n in nodes), tuple(grads), tuple(partials), tuple(steps))


def rerun(graph: Graph, leaves: Mapping[Value, float], *, undefined: float | None = None,
          where: str = "rerun") -> Pass:
    """Set ``leaves`` (leaf → new data) and run the forward pass and the recorded pass again over the same
    graph, through the same rows: each op node's ``data`` is recomputed in order from its inputs', then
    ``record``. No node is made and no user function runs, so every view of the graph keeps its layout.

    The graph's own Values change, as an optimizer step changes them. When an op cannot be computed at the
    new data (``log`` of a negative number), every node is put back as it was and the op's error is raised,
    naming ``where``, the op and its inputs."""
    nodes = graph.nodes
    for leaf in leaves:
        if leaf not in graph or leaf.rule is not None:
            raise ValueError(f"{where}: {graph.name(leaf)} is not a leaf of this graph, so it cannot be set")
    before = [node.data for node in nodes]
    try:
        for leaf, value in leaves.items():
            leaf.data = as_float(value, f"{where}: {graph.name(leaf)}")
        for node in nodes:
            rule = node.rule
            if rule is None:
                continue
            try:
                data = rule.forward(input_data(node.parents), node.arg)
            except (ArithmeticError, ValueError) as error:
                message = (f"{where}: {describe_inputs(rule, node.parents, node.arg, graph)}: {error}"
                           f"{domain_note(rule, node.parents, node.arg, graph)}")
                raise with_context(error, message) from None
            node.data = data if rule.builtin else as_float(data, f"{where}: {rule.name}'s forward result")
        return record(graph, undefined=undefined, where=where)
    except BaseException:
        for node, data in zip(nodes, before, strict=True):
            node.data = data
        raise
