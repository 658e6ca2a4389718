"""Forward mode: the chain rule run the other way over the same graph and the same rule rows.

Reverse mode (``backprop.chain_rule``) walks the graph from the output down and adds partial × upstream into
each input; one pass gives the derivative of one output with respect to every input. Forward mode walks it from
the inputs up: each node's tangent is the sum over its inputs of partial × the input's tangent, so one pass
gives the derivative of every node along one direction of the inputs. The partials are the rows' own
(``backprop.step_partials``), so no derivative is written twice; ``forward_steps`` reads a recorded
pass's partials instead, for the explorer.

- ``tangents(graph, seeds)``: the forward interpreter itself.
- ``jvp(f, primals, tangents)``: f's value and its directional derivative J·v.
- ``jacobian(f, primals, mode)``: the whole matrix, a row per output by reverse mode (one pass per output) or a
  column per input by forward mode (one pass per input).
- ``hessian(f, primals)``: forward over reverse, the tangents of the gradient's own graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.backprop import grad, step_partials
from autograd.graph import Graph
from autograd.passes import Pass, step_formula
from autograd.state import paused_gc
from autograd.validation import as_float
from autograd.value import Value, input_data

__all__ = ["ForwardStep", "forward_jacobian", "forward_steps", "hessian", "jacobian", "jvp", "tangents"]

Function = Callable[..., Any]


def tangents(graph: Graph, seeds: Mapping[Value, float], *, where: str = "tangents") -> list[float]:
    """Every node's tangent along ``seeds`` (a leaf or input → its tangent; every other leaf's is 0): in the
    graph's order, tangent(node) = Σ over its inputs of ∂node/∂input × tangent(input), added in the order of
    the inputs. A node that depends on no seeded node is never asked for its partials, so one that does not
    exist there is no error; one that does not exist where it is needed raises the backward step's error,
    naming ``where`` and the forward step (the k-th op node in the graph's order)."""
    moved = _tangents_by_node(graph, {node: as_float(t, f"{where}: a seed") for node, t in seeds.items()}, where)
    return [moved.get(node, 0.0) for node in graph.nodes]


def _tangents_by_node(graph: Graph, seeds: dict[Value, float], where: str) -> dict[Value, float]:
    """The forward loop, on floats, keyed by node: written for speed as ``backprop._chain_rule_on_floats`` is
    (a node of one input, most of any graph, in a few lines). On a chain of 600,000 nodes it takes 1.2 times
    as long as ``backward()``, where the general loop over ``Graph.parents`` with ``step_partials`` for every
    node took 8 times as long (measured 2026-12-03). A step that fails is taken again by ``step_partials``,
    which raises the error a backward step would; a partial that does not exist is an error only for an
    input that carries a tangent (∂(x**b)/∂b at x < 0 is never needed when b does not move)."""
    nodes = graph.nodes
    moved = dict(seeds)
    get = moved.get
    seeded_ops = any(node._rule is not None for node in seeds)  # an op node seeded keeps its seed
    step = 0  # the forward step of the op node at hand, for errors: its place among the op nodes
    with paused_gc():
        for node in nodes:
            rule = node._rule
            if rule is None:
                continue
            step += 1
            if seeded_ops and node in moved:
                continue
            parents = node.parents
            try:
                if rule.builtin and len(parents) == 1:
                    t = get(parents[0])
                    if t is None:
                        continue
                    (partial,) = rule.partials((parents[0].data,), node.data, node._arg)
                    moved[node] = partial * t
                    continue
                inputs = [get(p) for p in parents]
                if all(t is None for t in inputs):
                    continue
                partials = (rule.partials(input_data(parents), node.data, node._arg) if rule.builtin else
                            step_partials(node, step, graph, where))  # a user op's, checked
            except (ArithmeticError, ValueError):
                inputs = [get(p) for p in parents]
                needed = {p for p, t in zip(parents, inputs, strict=True) if t is not None}
                partials = step_partials(node, step, graph, where, needed)
            total = 0.0
            for partial, t in zip(partials, inputs, strict=False):  # the rule gives one partial per input
                if t is not None:
                    total += partial * t
            moved[node] = total
    return moved


def _inputs(primals: Sequence[Any], where: str) -> list[float]:
    if isinstance(primals, Value | str | bytes) or not isinstance(primals, Sequence) or not primals:
        raise TypeError(f"{where}: primals must be a non-empty sequence of numbers, got {primals!r}")
    return [as_float(p.data if isinstance(p, Value) else p, f"{where}: primals[{i}]") for i, p in enumerate(primals)]


def _direction(tangent: Sequence[Any], count: int, where: str) -> list[float]:
    if isinstance(tangent, str | bytes) or not isinstance(tangent, Sequence):
        raise TypeError(f"{where}: tangents must be a sequence of numbers, got {tangent!r}")
    if len(tangent) != count:
        raise ValueError(f"{where}: {count} primals but {len(tangent)} tangents; give one tangent per primal")
    numbers = [as_float(t, f"{where}: tangents[{i}]") for i, t in enumerate(tangent)]
    for i, t in enumerate(numbers):
        if not math.isfinite(t):
            raise ValueError(f"{where}: tangents[{i}] must be a finite number, got {t!r}")
    return numbers


def _outputs(f: Function, xs: list[Value], where: str) -> tuple[list[Value], bool]:
    """f's outputs as a list, and whether it returned one Value (not a sequence)."""
    out = f(*xs)
    if isinstance(out, Value):
        return [out], True
    if isinstance(out, Sequence) and out and all(isinstance(v, Value) for v in out):
        return list(out), False
    raise TypeError(f"{where}: f must return a Value or a non-empty sequence of Values, got "
                    f"{type(out).__name__} {out!r}")


def _graph_of(outputs: Sequence[Value]) -> Graph:
    """One graph holding every output and what they depend on, numbered as ``Graph`` numbers any graph."""
    return Graph.below(outputs)


def jvp(f: Function, primals: Sequence[Any], tangents_in: Sequence[Any]) -> tuple[Any, Any]:
    """f at ``primals`` and its directional derivative along ``tangents_in``, J·v, by one forward pass.

    ``f`` takes one Value per primal, as ``gradcheck``'s functions do, and returns a Value, giving
    ``(float, float)``, or a sequence of Values, giving ``(tuple, tuple)``."""
    points = _inputs(primals, "jvp")
    direction = _direction(tangents_in, len(points), "jvp")
    xs = [Value(p, f"x{i}") for i, p in enumerate(points)]
    outs, single = _outputs(f, xs, "jvp")
    moved = _tangents_by_node(_graph_of(outs), dict(zip(xs, direction, strict=True)), "jvp")
    values = tuple(o.data for o in outs)
    slopes = tuple(moved.get(o, 0.0) for o in outs)
    return (values[0], slopes[0]) if single else (values, slopes)


MODES = ("rev", "fwd")
"""The two ways to run the chain rule: reverse (one pass per output) and forward (one pass per input)."""


def jacobian(f: Function, primals: Sequence[Any], mode: str = "rev") -> tuple[tuple[float, ...], ...]:
    """∂f_i/∂x_j at ``primals``: a row per output of ``f`` and a column per primal. ``mode="rev"`` runs reverse
    mode once per output (a row each); ``"fwd"`` runs forward mode once per primal (a column each). Both give
    the same matrix, from the same rule rows."""
    if mode not in MODES:
        raise ValueError(f"jacobian: mode must be 'rev' or 'fwd', got {mode!r}")
    points = _inputs(primals, "jacobian")
    xs = [Value(p, f"x{i}") for i, p in enumerate(points)]
    outs, _ = _outputs(f, xs, "jacobian")
    if mode == "rev":
        return tuple(tuple(float(g) for g in grad(out, xs)) for out in outs)
    return forward_jacobian(outs, xs, "jacobian")


def hessian(f: Function, primals: Sequence[Any]) -> tuple[tuple[float, ...], ...]:
    """∂²f/∂x_i∂x_j at ``primals``, for ``f`` with one output: forward over reverse. Reverse mode with
    ``create_graph=True`` records the gradient as a graph of its own; forward mode along each primal then
    gives a column of the Hessian, one pass per primal."""
    points = _inputs(primals, "hessian")
    xs = [Value(p, f"x{i}") for i, p in enumerate(points)]
    outs, single = _outputs(f, xs, "hessian")
    if not single:
        raise TypeError(f"hessian: f must return one Value, got {len(outs)}; take the Hessian of each output")
    return forward_jacobian(list(grad(outs[0], xs, create_graph=True)), xs, "hessian")


def forward_jacobian(outs: Sequence[Value], xs: Sequence[Value], where: str) -> tuple[tuple[float, ...], ...]:
    """∂out_i/∂x_j of Values already made, by forward mode: one pass per x (a column each), a row per out.
    ``jacobian``, ``hessian`` and the checks' forward mode are this loop."""
    graph = _graph_of(outs)
    columns = []
    for j, x in enumerate(xs):
        moved = _tangents_by_node(graph, {x: 1.0}, f"{where} (forward pass {j + 1})")
        columns.append([moved.get(o, 0.0) for o in outs])
    return tuple(tuple(column[i] for column in columns) for i in range(len(outs)))


@dataclass(frozen=True, repr=False)
class ForwardStep:
    """One op node's turn in a forward sweep: its tangent ṫ(node) = Σ ∂node/∂input × ṫ(input), each term
    ``(position, input, partial, its tangent, partial × its tangent)`` for the inputs that move."""

    index: int
    node: Value
    tangent: float
    terms: tuple[tuple[int, Value, float, float, float], ...]
    graph: Graph

    def __str__(self) -> str:
        operand = self.graph.operand
        named = " + ".join(f"{partial:.6g} × ṫ({operand(p)})" for _, p, partial, _, _ in self.terms)
        numbers = " + ".join(f"{partial:.6g} × {t:.6g}" for _, _, partial, t, _ in self.terms)
        return (f"forward step {self.index}: {step_formula(self.graph, self.node)}, "
                f"ṫ({operand(self.node)}) = {named} = {numbers} = {self.tangent:.6g}")


def forward_steps(recorded: Pass, seeds: Mapping[Value, float]) -> tuple[list[float], list[ForwardStep]]:
    """The forward sweep over a recorded pass, from its partials (no partial is evaluated again): every node's
    tangent along ``seeds``, and the steps of the op nodes that move, in the graph's order."""
    graph = recorded.graph
    index = graph.index
    moved = [0.0] * len(graph)
    moving = [False] * len(graph)
    for node, tangent in seeds.items():
        moved[index(node)] = tangent
        moving[index(node)] = True
    steps: list[ForwardStep] = []
    for i, node in enumerate(graph.nodes):
        parents = graph.parents[i]
        if node.rule is None or moving[i] or not any(moving[p] for p in parents):
            continue
        terms = tuple((k, graph.nodes[p], partial, moved[p], partial * moved[p])
                      for k, (p, partial) in enumerate(zip(parents, recorded.partials[i], strict=True)) if moving[p])
        total = 0.0
        for term in terms:
            total += term[4]
        moved[i], moving[i] = total, True
        steps.append(ForwardStep(len(steps) + 1, node, total, terms, graph))
    return moved, steps
