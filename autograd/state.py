"""Guarding the engine's mutable state around a pass: putting ``.grad`` back, and pausing the garbage
collector while millions of nodes are walked."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autograd.value import Value

__all__ = ["kept_grads", "paused_gc"]


@contextmanager
def kept_grads(order: Sequence[Value], only_on_error: bool = False) -> Iterator[None]:
    """Run a block that may change the ``.grad`` of the nodes in ``order``, then put every one back; with
    ``only_on_error``, only if the block raises."""
    saved = [node.grad for node in order]
    try:
        yield
    except BaseException:
        _put_back(order, saved)
        raise
    if not only_on_error:
        _put_back(order, saved)


def _put_back(order: Sequence[Value], saved: list[Any]) -> None:
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
