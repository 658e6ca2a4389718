"""Forward mode: the chain rule run the other way over the same graph and the same rule rows.

Reverse mode (``backprop.chain_rule``) walks the graph from the output down and adds partial × upstream into
each input; one pass gives the derivative of one output with respect to every input. Forward mode walks it from
the inputs up: each node's tangent is the sum over its inputs of partial × the input's tangent, so one pass
gives the derivative of every node along one direction of the inputs. The partials are the rows' own
(``backprop.local_partials_of``), so no derivative is written twice.

- ``tangents(graph, seeds)``: the forward interpreter itself.
- ``jvp(f, primals, tangents)``: f's value and its directional derivative J·v.
- ``jacobian(f, primals, mode)``: the whole matrix, a row per output by reverse mode (one pass per output) or a
  column per input by forward mode (one pass per input).
- ``hessian(f, primals)``: forward over reverse, the tangents of the gradient's own graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from autograd.backprop import grad, step_partials
from autograd.graph import Graph
from autograd.validation import as_float
from autograd.value import Value

__all__ = ["hessian", "jacobian", "jvp", "tangents"]

Function = Callable[..., Any]


def tangents(graph: Graph, seeds: Mapping[Value, float], *, where: str = "tangents") -> list[float]:
    """Every node's tangent along ``seeds`` (a leaf or input → its tangent; every other leaf's is 0): in the
    graph's order, tangent(node) = Σ over its inputs of ∂node/∂input × tangent(input). A node that depends on
    no seeded node is never asked for its partials, so one that does not exist there is no error."""
    index = graph.index
    out = [0.0] * len(graph)
    moving = [False] * len(graph)
    for node, tangent in seeds.items():
        if node in graph:
            out[index(node)] = tangent
            moving[index(node)] = True
    parents_of = graph.parents
    step = 0  # forward step k is the k-th op node in the graph's order
    for i, node in enumerate(graph.nodes):
        if node.rule is None:
            continue
        step += 1
        parents = parents_of[i]
        if moving[i] or not any(moving[p] for p in parents):
            continue
        moving[i] = True
        partials = step_partials(node, step, graph, where)
        out[i] = math.fsum(partial * out[p] for partial, p in zip(partials, parents, strict=True) if moving[p])
    return out


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
    graph = _graph_of(outs)
    moved = tangents(graph, dict(zip(xs, direction, strict=True)), where="jvp")
    values = tuple(o.data for o in outs)
    slopes = tuple(moved[graph.index(o)] if o in graph else 0.0 for o in outs)
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
    graph = _graph_of(outs)
    columns = []
    for j, x in enumerate(xs):
        moved = tangents(graph, {x: 1.0}, where=f"jacobian (forward pass {j + 1})")
        columns.append([moved[graph.index(o)] if o in graph else 0.0 for o in outs])
    return tuple(tuple(column[i] for column in columns) for i in range(len(outs)))


def hessian(f: Function, primals: Sequence[Any]) -> tuple[tuple[float, ...], ...]:
    """∂²f/∂x_i∂x_j at ``primals``, for ``f`` with one output: forward over reverse. Reverse mode with
    ``create_graph=True`` records the gradient as a graph of its own; forward mode along each primal then
    gives a column of the Hessian, one pass per primal."""
    points = _inputs(primals, "hessian")
    xs = [Value(p, f"x{i}") for i, p in enumerate(points)]
    outs, single = _outputs(f, xs, "hessian")
    if not single:
        raise TypeError(f"hessian: f must return one Value, got {len(outs)}; take the Hessian of each output")
    gradient = list(grad(outs[0], xs, create_graph=True))
    graph = _graph_of(gradient)
    columns = []
    for j, x in enumerate(xs):
        moved = tangents(graph, {x: 1.0}, where=f"hessian (forward pass {j + 1})")
        columns.append([moved[graph.index(g)] if g in graph else 0.0 for g in gradient])
    return tuple(tuple(column[i] for column in columns) for i in range(len(xs)))
