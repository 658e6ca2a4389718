"""Walking the graph: the one traversal that backward, rendering, stepping and explanations share."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd.value import Value

__all__ = ["count_nodes", "edges", "kept_grads", "paused_gc", "topological_order"]


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each once, inputs before the nodes that use them; ``root`` last.

    Iterative depth-first search, so a chain of a million nodes needs no recursion. The order is
    deterministic: a node's leaf inputs come in the order the op lists them, as soon as it is reached.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]  # (node, its parents are already in order)
    push, pop, mark, emit = stack.append, stack.pop, seen.add, order.append
    with paused_gc():
        while stack:
            node, expanded = pop()
            if expanded:
                emit(node)
                continue
            if node in seen:
                continue
            mark(node)
            push((node, True))
            for parent in node.parents:
                if parent not in seen:
                    if parent.parents:
                        push((parent, False))
                    else:  # a leaf needs nothing before it: place it now
                        mark(parent)
                        emit(parent)
    return order


def count_nodes(root: Value, stop_after: int | None = None) -> int:
    """How many nodes ``root`` depends on, itself included; with ``stop_after``, the count stops as soon as
    it passes that many, so asking whether a huge graph is small stays cheap."""
    seen: set[Value] = {root}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                if stop_after is not None and len(seen) > stop_after:
                    return len(seen)
                stack.append(parent)
    return len(seen)


@contextmanager
def kept_grads(order: list[Value]) -> Iterator[None]:
    """Run a block that may change the ``.grad`` of the nodes in ``order``, then put every one back."""
    saved = [node.grad for node in order]
    try:
        yield
    finally:
        for node, old in zip(order, saved, strict=True):
            node.grad = old


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector. The engine's graphs hold no reference cycles, so it finds
    nothing in them, yet its passes over millions of live nodes would dominate the time of a traversal."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def edges(order: list[Value]) -> Iterator[tuple[Value, Value, int]]:
    """Each edge of the graph as (parent, child, position of parent among child's inputs), in ``order``."""
    for child in order:
        for position, parent in enumerate(child.parents):
            yield parent, child, position
