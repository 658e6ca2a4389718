"""Stepping through backward: the recorded pass, one op node at a time, applied to ``.grad``."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator

from autograd.backprop import check_value
from autograd.passes import BackwardStep, Pass, record
from autograd.value import Value

__all__ = ["backward_steps", "step_lines"]


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Run ``backward(root, grad)`` one node at a time, yielding a ``BackwardStep`` for each op node in
    reverse topological order. Exhausting it leaves exactly the gradients ``backward()`` leaves: leaves
    accumulate, every other node starts from 0; when leaves hold gradients already (a ``backward()`` before),
    a warning names them and the first step that adds to each says so. Raises ``StaleGraphError``, before any
    step, when the graph no longer agrees with its leaves' data, and the chain rule's error for a partial that
    does not exist."""
    recorded = record(check_value(root, "backward_steps"), grad, where="backward_steps")
    graph = recorded.graph
    held = {node: node.grad for node in graph.nodes if node._rule is None and node.grad != 0.0}
    if held:
        named = ", ".join(f"{graph.name(node)}.grad = {g:.6g}" for node, g in list(held.items())[:6])
        more = f" and {len(held) - 6} more" if len(held) > 6 else ""
        warnings.warn(f"backward_steps: leaves hold gradients from before ({named}{more}); leaves accumulate, "
                      "so these steps add to them. Call zero_grad(root) first to see this pass alone.",
                      stacklevel=2)
    for node in graph.nodes:
        if node._rule is not None:
            node.grad = 0.0
    root.grad = root.grad + recorded.seed
    return _applied(recorded, held)


def _applied(recorded: Pass, held: dict[Value, float]) -> Iterator[BackwardStep]:
    """The pass's steps, each applied to ``.grad`` as it is yielded, with the gradients it left there; the
    first edge into a leaf that ``held`` a gradient from before says so."""
    untouched = dict(held)
    for step in recorded.steps:
        edges = []
        for edge in step.edges:
            before = edge.parent.grad
            edge.parent.grad = after = before + edge.contribution
            edges.append(dataclasses.replace(edge, grad_before=before, grad_after=after,
                                             held=untouched.pop(edge.parent, 0.0)))
        yield dataclasses.replace(step, edges=tuple(edges))


def step_lines(recorded: Pass) -> list[str]:
    """One line per step of a recorded pass, as ``str(step)`` writes it."""
    return [str(step) for step in recorded.steps]
