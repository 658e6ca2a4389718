"""Reverse-mode differentiation: the chain rule, written once.

For each node, from the output back to the inputs, ``grad(parent) += ∂node/∂parent · grad(node)``, with
∂node/∂parent taken from the node's rule. On floats for ``backward()``; on Values when
``create_graph=True``, which records the derivative as a graph of its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.errors import AnomalyError
from autograd.graph import kept_grads, paused_gc, topological_order
from autograd.modes import STATE, enable_grad
from autograd.rules import float_of
from autograd.value import Value, as_float, data_of, describe_inputs, with_context

__all__ = [
    "BackwardStep",
    "EdgeStep",
    "backward",
    "backward_steps",
    "grad",
    "local_partials",
    "node_name",
    "zero_grad",
]


def backward(root: Value, grad: float = 1.0, create_graph: bool = False) -> None:
    """Set every node's ``.grad`` to ∂root/∂node, scaled by ``grad``.

    Leaves accumulate across calls, as in PyTorch (call ``zero_grad`` between steps); every other node
    holds this pass's value afterwards, so a graph can be shown with its gradients. With
    ``create_graph=True`` the gradients are Values that can be differentiated again.
    """
    propagate(_seed(root, grad, "backward"), create_graph)


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
    with kept_grads(order):
        for node in order:
            node.grad = 0.0
        output.grad = 1.0
        propagate(order, create_graph)
        members = {id(node) for node in order}
        return tuple(x.grad if id(x) in members else 0.0 for x in wrt)


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
    return tuple(float(p) for p in rule.partials(tuple(map(data_of, node.parents)), node.data, node._arg))


def propagate(order: Sequence[Value], create_graph: bool) -> None:
    """Push each node's ``.grad`` to its parents, in reverse ``order``: the chain rule."""
    if create_graph:
        with enable_grad(), paused_gc():
            for _ in _propagate(order, True, False):
                pass
    else:
        with paused_gc():
            for _ in _propagate(order, False, False):
                pass


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
    """One node's turn in the backward pass: its upstream gradient ∂root/∂node and what each edge got."""

    index: int
    node: Value
    upstream: float
    edges: tuple[EdgeStep, ...]

    def __str__(self) -> str:
        node = self.node
        name = node_name(node)
        inputs = ", ".join(node_name(parent) for parent in node.parents)
        updates = "; ".join(
            f"{node_name(e.parent)}.grad += {e.partial:.6g} × {self.upstream:.6g} → {e.grad_after:.6g}"
            for e in self.edges
        )
        return f"step {self.index}: {name} = {node.op}({inputs}), ∂root/∂{name} = {self.upstream:.6g}: {updates}"


def node_name(node: Value) -> str:
    """A node's label, or its op's name when it has none (``<mul>``)."""
    return node.label if node.label else f"<{node.op or 'leaf'}>"


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Run ``backward(root, grad)`` one node at a time, yielding a ``BackwardStep`` for each op node in
    reverse topological order. Exhausting it leaves exactly the gradients ``backward()`` leaves."""
    return _propagate(_seed(root, grad, "backward_steps"), False, True)


def _propagate(order: Sequence[Value], create_graph: bool, record: bool) -> Iterator[BackwardStep]:
    """The chain rule. A generator so that ``backward_steps`` can watch it; unless ``record`` is set it
    yields nothing, and runs to the end at the first ``next()``."""
    check = STATE.anomaly
    step = 0
    for node in reversed(order):
        rule = node._rule
        if rule is None:
            continue
        step += 1
        g = node.grad
        parents = node.parents
        if create_graph:
            xs: tuple[Any, ...] = parents
            out: Any = node
        elif g == 0.0 and not record:
            continue
        else:
            count = len(parents)
            if count == 1:
                xs = (parents[0].data,)
            elif count == 2:
                xs = (parents[0].data, parents[1].data)
            else:
                xs = tuple(map(data_of, parents))
            out = node.data
        try:
            partials = rule.partials(xs, out, node._arg)
        except (ArithmeticError, ValueError) as error:
            where = describe_inputs(rule, parents, node._arg)
            message = f"backward step {step}, the partials of {where}: {error}"
            raise with_context(error, message, rule) from (None if rule.builtin else error)
        if not rule.builtin and len(partials) != len(parents):
            raise ValueError(
                f"{rule.name}: partials returned {len(partials)} value(s) for {len(parents)} input(s)"
            )
        if record:
            edges = []
            for position, (parent, partial) in enumerate(zip(parents, partials, strict=True)):
                before = parent.grad
                parent.grad = before + partial * g
                edges.append(EdgeStep(parent, position, partial, partial * g, before, parent.grad))
            yield BackwardStep(step, node, g, tuple(edges))
        else:
            for parent, partial in zip(parents, partials, strict=False):
                parent.grad += partial * g
        if check:
            _check_finite(node, partials, step)


def _check_finite(node: Value, partials: Sequence[Any], step: int) -> None:
    rule = node._rule
    assert rule is not None
    for parent, partial in zip(node.parents, partials, strict=False):
        numbers = [float_of(partial), float_of(parent.grad), float_of(node.grad)]
        if all(math.isfinite(n) for n in numbers):
            continue
        inputs = [(p.label or f"input {i}", p.data) for i, p in enumerate(node.parents)]
        raise AnomalyError(
            f"backward step {step}: {describe_inputs(rule, node.parents, node._arg)} with upstream gradient "
            f"{float_of(node.grad)!r} gave partial {float_of(partial)!r} and gradient {float_of(parent.grad)!r}",
            op=rule.name, inputs=inputs, phase="backward", step=step,
        )


def _check_value(x: object, where: str) -> None:
    if not isinstance(x, Value):
        raise TypeError(f"{where}: expected a Value, got {type(x).__name__} {x!r}")
