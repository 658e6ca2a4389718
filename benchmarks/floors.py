"""Floors: what the same work costs with nothing of an engine around it, for the benchmarks' ratios.

- ``numpy_mnist_epoch``: Nielsen's Network([784, 30, 10]) with matrix backprop written by hand in NumPy, the
  floor of the replay;
- ``object_floor``: one slotted Python object per op, the floor of any engine that records one per op.
"""

from __future__ import annotations

import time
from typing import Any

__all__ = ["InlineNode", "Node", "numpy_mnist_epoch", "object_floor"]


def numpy_mnist_epoch(images: Any, targets: Any) -> float:
    """Seconds for one epoch of Network([784, 30, 10]) (sigmoid, quadratic cost, SGD with batch 10 and
    η = 3.0) over ``images`` and one-hot ``targets``, written by hand with NumPy's matrices."""
    import numpy as np

    n = len(images)
    rng = np.random.default_rng(0)
    weights = [rng.normal(0, 0.08, (30, 784)), rng.normal(0, 0.3, (10, 30))]
    biases = [np.zeros((30, 1)), np.zeros((10, 1))]
    start = time.perf_counter()
    order = rng.permutation(n)
    eta = 3.0
    for k in range(0, n, 10):
        rows = order[k:k + 10]
        x, y = images[rows].T.astype(float), targets[rows].T
        z1 = weights[0] @ x + biases[0]
        a1 = 1 / (1 + np.exp(-z1))
        z2 = weights[1] @ a1 + biases[1]
        a2 = 1 / (1 + np.exp(-z2))
        d2 = (a2 - y) * a2 * (1 - a2)
        d1 = (weights[1].T @ d2) * a1 * (1 - a1)
        m = len(rows)
        weights[1] -= eta / m * (d2 @ a1.T)
        biases[1] -= eta / m * d2.sum(axis=1, keepdims=True)
        weights[0] -= eta / m * (d1 @ x.T)
        biases[0] -= eta / m * d1.sum(axis=1, keepdims=True)
    return time.perf_counter() - start


class Node:
    """The least a recorded node can be: its number and a tuple of its one parent."""

    __slots__ = ("data", "parents")

    def __init__(self, data: float, parents: tuple[Any, ...]) -> None:
        self.data = data
        self.parents = parents


class InlineNode:
    """The same node holding its one parent inline, without a tuple: half the objects for the collector."""

    __slots__ = ("data", "parent")

    def __init__(self, data: float, parent: Any) -> None:
        self.data = data
        self.parent = parent


def object_floor(n: int, inline: bool) -> float:
    """The floor of any design that makes one Python object per op: two million slotted objects, built with
    the cyclic collector on, as an engine's users run, each holding its parent (in a tuple, or inline); the
    derivative is multiplied up as the chain grows."""
    v: Any = InlineNode(1.0, None) if inline else Node(1.0, ())
    g = 1.0
    for _ in range(n):
        if inline:
            v = InlineNode(v.data * 1.0000001, v)
            v = InlineNode(v.data + 1e-9, v)
        else:
            v = Node(v.data * 1.0000001, (v,))
            v = Node(v.data + 1e-9, (v,))
        g *= 1.0000001
    return g
