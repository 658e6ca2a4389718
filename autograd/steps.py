"""Stepping through backward: the recorded pass, one op node at a time, applied to ``.grad``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from autograd.backprop import check_value
from autograd.passes import BackwardStep, Pass, record
from autograd.value import Value

__all__ = ["backward_steps", "step_lines"]


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Run ``backward(root, grad)`` one node at a time, yielding a ``BackwardStep`` for each op node in
    reverse topological order. Exhausting it leaves exactly the gradients ``backward()`` leaves: leaves
    accumulate, every other node starts from 0. Raises ``StaleGraphError``, before any step, when the graph
    no longer agrees with its leaves' data, and the chain rule's error for a partial that does not exist."""
    recorded = record(check_value(root, "backward_steps"), grad, where="backward_steps")
    for node in recorded.graph.nodes:
        if node._rule is not None:
            node.grad = 0.0
    root.grad = root.grad + recorded.seed
    return _applied(recorded)


def _applied(recorded: Pass) -> Iterator[BackwardStep]:
    """The pass's steps, each applied to ``.grad`` as it is yielded, with the gradients it left there."""
    for step in recorded.steps:
        edges = []
        for edge in step.edges:
            before = edge.parent.grad
            edge.parent.grad = after = before + edge.contribution
            edges.append(dataclasses.replace(edge, grad_before=before, grad_after=after))
        yield dataclasses.replace(step, edges=tuple(edges))


def step_lines(recorded: Pass) -> list[str]:
    """One line per step of a recorded pass, as ``str(step)`` writes it."""
    return [str(step) for step in recorded.steps]
