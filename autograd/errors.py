"""The engine's own exception types."""

from __future__ import annotations

from typing import Any

__all__ = ["AnomalyError", "GradcheckError", "StaleGraphError"]


class AnomalyError(RuntimeError):
    """A NaN or an infinity appeared while ``detect_anomaly()`` was active.

    ``op`` is the op that produced it, ``inputs`` its inputs as (name, value) pairs, ``phase`` is
    ``"forward"`` or ``"backward"`` and ``step`` counts the ops (forward) or nodes (backward) so far.
    """

    def __init__(self, message: str, *, op: str, inputs: list[tuple[str, float]], phase: str, step: int) -> None:
        super().__init__(message)
        self.op = op
        self.inputs = inputs
        self.phase = phase
        self.step = step


class GradcheckError(AssertionError):
    """Analytic and numeric derivatives disagree; ``mismatches`` lists each disagreeing entry."""

    def __init__(self, message: str, mismatches: list[dict[str, object]]) -> None:
        super().__init__(message)
        self.mismatches = mismatches


class StaleGraphError(ValueError):
    """A graph's recorded numbers no longer agree with its leaves: a leaf's data changed after the nodes
    above it were computed, so a reader would show numbers from two states.

    ``node`` is the first node, in topological order, whose data its inputs no longer give; ``leaves`` are
    its leaf inputs, one of which changed (all of them when it cannot be told which); ``recorded`` is the
    node's data and ``current`` what its inputs give now (None where the op now fails on them).
    """

    def __init__(self, message: str, *, node: Any, leaves: tuple[Any, ...], recorded: float,
                 current: float | None) -> None:
        super().__init__(message)
        self.node = node
        self.leaves = leaves
        self.recorded = recorded
        self.current = current
