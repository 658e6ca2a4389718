"""Reverse-mode differentiation: the chain rule, written once.

For each node, from the output back to the inputs, ``grad(parent) += ∂node/∂parent · grad(node)``, with
∂node/∂parent taken from the node's rule. On floats for ``backward()``; on Values when
``create_graph=True``, which records the derivative as a graph of its own. ``backward_steps`` runs the same
pass one node at a time and records what each step did.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from autograd.errors import AnomalyError
from autograd.graph import Graph, _kept_grads, _paused_gc, topological_order
from autograd.modes import MODES, enable_grad
from autograd.rules import Rule, float_of
from autograd.validation import as_float
from autograd.value import Value, _describe_inputs, _input_data, _with_context

__all__ = ["BackwardStep", "EdgeStep", "backward", "backward_steps", "grad", "local_partials", "zero_grad"]


def backward(root: Value, grad: float = 1.0, create_graph: bool = False) -> None:
    """Set every node's ``.grad`` to ∂root/∂node, scaled by ``grad``.

    Leaves accumulate across calls, as in PyTorch (call ``zero_grad`` between steps); every other node
    holds this pass's value afterwards, so a graph can be shown with its gradients. With
    ``create_graph=True`` the gradients are Values that can be differentiated again.
    """
    _chain_rule(_seed(root, grad, "backward"), create_graph)


def _seed(root: Value, grad: float, where: str) -> list[Value]:
    """The start of a backward pass: interior gradients to 0, ``grad`` added to the root's; the order."""
    _check_value(root, where)
    seed = as_float(grad, f"{where}: grad")
    order = topological_order(root)
    for node in order:
        if node._rule is not None:
            node.grad = 0.0
    root.grad = root.grad + seed
    return order


def grad(
    output: Value, inputs: Value | Iterable[Value], create_graph: bool = False
) -> tuple[Any, ...]:
    """∂output/∂input for each input, as a tuple, leaving every ``.grad`` as it was.

    Floats, or Values with ``create_graph=True`` (for Hessians and Newton steps). An input that
    ``output`` does not depend on gets 0.0.
    """
    _check_value(output, "grad")
    wrt = (inputs,) if isinstance(inputs, Value) else tuple(inputs)
    for i, x in enumerate(wrt):
        _check_value(x, f"grad: inputs[{i}]")
    order = topological_order(output)
    with _kept_grads(order):
        for node in order:
            node.grad = 0.0
        output.grad = 1.0
        _chain_rule(order, create_graph)
        members = set(order)
        return tuple(x.grad if x in members else 0.0 for x in wrt)


def zero_grad(root: Value) -> None:
    """Set ``.grad`` to 0.0 on ``root`` and every node it depends on."""
    _check_value(root, "zero_grad")
    for node in topological_order(root):
        node.grad = 0.0


def local_partials(node: Value) -> tuple[float, ...]:
    """∂node/∂parent for each of ``node``'s parents, in order, at the current data: the numbers the
    backward pass multiplies by. A leaf has none."""
    _check_value(node, "local_partials")
    rule = node._rule
    if rule is None:
        return ()
    return tuple(float(p) for p in rule.partials(_input_data(node.parents), node.data, node._arg))


def _chain_rule(order: Sequence[Value], create_graph: bool) -> None:
    """Push each node's ``.grad`` to its parents, in reverse ``order``: the chain rule."""
    check = MODES.get().anomaly
    step = 0
    with _paused_gc(), enable_grad() if create_graph else nullcontext():
        for node in reversed(order):
            rule = node._rule
            if rule is None:
                continue
            step += 1
            g = node.grad
            if g == 0.0 and not create_graph:  # nothing to pass on
                continue
            partials = _partials(node, rule, create_graph, step, order)
            # strict=False: _partials has checked the count, and zip's strict check costs on every node
            for parent, partial in zip(node.parents, partials, strict=False):
                parent.grad += partial * g
            if check:
                _check_finite(node, partials, step, order)


def _partials(node: Value, rule: Rule, create_graph: bool, step: int, order: Sequence[Value]) -> Sequence[Any]:
    """One step's local partials ∂node/∂parent: floats, or Values with ``create_graph`` (the rule applied
    to the parent Values records their graph). An error says which step, op and inputs."""
    parents = node.parents
    try:
        if create_graph:
            partials = rule.partials(parents, node, node._arg)
        else:
            partials = rule.partials(_input_data(parents), node.data, node._arg)
    except (ArithmeticError, ValueError) as error:
        where = _describe_inputs(rule, parents, node._arg, Graph(order))
        message = f"backward step {step}, the partials of {where}: {error}"
        raise _with_context(error, message) from (None if rule.builtin else error)
    if not rule.builtin and len(partials) != len(parents):
        raise ValueError(f"{rule.name}: partials returned {len(partials)} value(s) for {len(parents)} input(s)")
    return partials


@dataclass(frozen=True, slots=True)
class EdgeStep:
    """What one step of backward did along one edge: parent.grad += partial × upstream."""

    parent: Value
    position: int
    partial: float
    contribution: float
    grad_before: float
    grad_after: float


@dataclass(frozen=True, slots=True)
class BackwardStep:
    """One node's turn in the backward pass: its upstream gradient ∂root/∂node and what each edge got.
    ``graph`` is the graph being differentiated, which names its nodes."""

    index: int
    node: Value
    upstream: float
    edges: tuple[EdgeStep, ...]
    graph: Graph = field(repr=False, compare=False)

    def __str__(self) -> str:
        name = self.graph.name
        node = self.node
        inputs = ", ".join(name(parent) for parent in node.parents)
        updates = "; ".join(
            f"{name(e.parent)}.grad += {e.partial:.6g} × {self.upstream:.6g} → {e.grad_after:.6g}" for e in self.edges
        )
        head = f"step {self.index}: {name(node)} = {node.op}({inputs})"
        return f"{head}, ∂root/∂{name(node)} = {self.upstream:.6g}: {updates}"


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Run ``backward(root, grad)`` one node at a time, yielding a ``BackwardStep`` for each op node in
    reverse topological order. Exhausting it leaves exactly the gradients ``backward()`` leaves."""
    order = _seed(root, grad, "backward_steps")
    return _steps(order, Graph(order))


def _steps(order: list[Value], graph: Graph) -> Iterator[BackwardStep]:
    """The chain rule of ``_chain_rule``, one op node per ``next()``, recording each edge."""
    check = MODES.get().anomaly
    step = 0
    for node in reversed(order):
        rule = node._rule
        if rule is None:
            continue
        step += 1
        g = node.grad
        partials = _partials(node, rule, False, step, order)
        edges = []
        for position, (parent, partial) in enumerate(zip(node.parents, partials, strict=True)):
            before = parent.grad
            parent.grad = before + partial * g
            edges.append(EdgeStep(parent, position, partial, partial * g, before, parent.grad))
        if check:
            _check_finite(node, partials, step, order)
        yield BackwardStep(step, node, g, tuple(edges), graph)


def _check_finite(node: Value, partials: Sequence[Any], step: int, order: Sequence[Value]) -> None:
    rule = node._rule
    assert rule is not None
    for parent, partial in zip(node.parents, partials, strict=True):
        numbers = [float_of(partial), float_of(parent.grad), float_of(node.grad)]
        if all(math.isfinite(n) for n in numbers):
            continue
        graph = Graph(order)
        raise AnomalyError(
            f"backward step {step}: {_describe_inputs(rule, node.parents, node._arg, graph)} with upstream gradient "
            f"{float_of(node.grad)!r} gave partial {float_of(partial)!r} and gradient {float_of(parent.grad)!r}",
            op=rule.name, inputs=[(graph.name(p), p.data) for p in node.parents], phase="backward", step=step,
        )


def _check_value(x: object, where: str) -> None:
    if not isinstance(x, Value):
        raise TypeError(f"{where}: expected a Value, got {type(x).__name__} {x!r}")
