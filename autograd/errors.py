"""The engine's own exception types."""

from __future__ import annotations

__all__ = ["AnomalyError", "GradcheckError"]


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
