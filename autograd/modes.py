"""The engine's modes: recording on or off (``no_grad``) and anomaly detection.

Modes are context-local, as in PyTorch: each thread and each asyncio task has its own, so one thread inside
``no_grad`` never stops another from recording. A new thread starts with the defaults (recording on,
anomaly detection off); an asyncio task starts with the modes of the code that created it.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from contextlib import ContextDecorator
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any

__all__ = ["allow_stale", "detect_anomaly", "enable_grad", "is_anomaly_enabled", "is_grad_enabled", "no_grad"]


@dataclasses.dataclass(frozen=True, slots=True)
class Modes:
    """The modes in force in one context. ``forward_steps`` counts the ops since ``detect_anomaly`` was
    entered, shared by the blocks nested in it."""

    grad_enabled: bool = True
    anomaly: bool = False
    stale_ok: bool = False
    forward_steps: list[int] = dataclasses.field(default_factory=lambda: [0])


MODES: ContextVar[Modes] = ContextVar("chainrule_modes", default=Modes())  # noqa: B039 - its list is never mutated: only detect_anomaly counts, in a Modes of its own
"""The modes of the running thread or task; every op reads it once."""


COMPARISONS: ContextVar[list[tuple[Any, str, Any, bool]] | None] = ContextVar("chainrule_comparisons", default=None)
"""While ``autograd.trace`` runs a function: the comparisons of Values it made (left, symbol, right, outcome),
which the replay checks for every example; None otherwise."""

COMPARATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
"""Each comparison of Values by its symbol: on their data, and in a replay on arrays of it."""


class _Switch(ContextDecorator):
    """Sets modes on entry and restores the previous ones on exit, in this context only. Re-entrant, and a
    decorator that enters a fresh switch on every call, so it decorates recursive and threaded functions."""

    def __init__(self) -> None:
        self._tokens: list[Token[Modes]] = []

    def _modes(self, current: Modes) -> Modes:
        raise NotImplementedError

    def __enter__(self) -> None:
        self._tokens.append(MODES.set(self._modes(MODES.get())))

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        MODES.reset(self._tokens.pop())

    def _recreate_cm(self) -> _Switch:
        return type(self)()


class no_grad(_Switch):  # noqa: N801 - named as torch.no_grad, which users know
    """Stop recording: ops inside produce leaf Values with no parents. A context manager or a decorator."""

    def _modes(self, current: Modes) -> Modes:
        return dataclasses.replace(current, grad_enabled=False)


class enable_grad(_Switch):  # noqa: N801 - named as torch.enable_grad
    """Record again inside a ``no_grad`` block (used by ``create_graph=True``)."""

    def _modes(self, current: Modes) -> Modes:
        return dataclasses.replace(current, grad_enabled=True)


class detect_anomaly(_Switch):  # noqa: N801 - named as torch.autograd.detect_anomaly
    """Raise ``AnomalyError`` as soon as any op or backward step produces a NaN or an infinity.

    The error names the op, its inputs' labels and values, and the step. Checking costs time, so it is
    off unless asked for.
    """

    def _modes(self, current: Modes) -> Modes:
        return dataclasses.replace(current, anomaly=True, forward_steps=[0])


class allow_stale(_Switch):  # noqa: N801 - a mode, named as no_grad is
    """Let the readers (drawings, steps, explanations, the explorer) and ``backward()`` under
    ``detect_anomaly`` run over a stale graph, one whose leaves changed after the nodes above them were
    computed, instead of raising ``StaleGraphError``. What they show then mixes numbers from two states: ask
    for it only to show such a mix on purpose."""

    def _modes(self, current: Modes) -> Modes:
        return dataclasses.replace(current, stale_ok=True)


def is_grad_enabled() -> bool:
    """Whether ops record their inputs (False inside ``no_grad``) in this thread or task."""
    return MODES.get().grad_enabled


def is_anomaly_enabled() -> bool:
    """Whether ``detect_anomaly`` is active in this thread or task."""
    return MODES.get().anomaly
