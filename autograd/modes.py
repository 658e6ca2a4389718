"""Global modes of the engine: recording on or off (``no_grad``) and anomaly detection."""

from __future__ import annotations

from contextlib import ContextDecorator
from types import TracebackType

__all__ = ["detect_anomaly", "enable_grad", "is_anomaly_enabled", "is_grad_enabled", "no_grad"]


class _Switch(ContextDecorator):
    """Sets one switch of ``STATE`` on entry and restores it on exit; re-entrant, so it also decorates
    recursive functions."""

    attribute = ""
    value = False

    def __init__(self) -> None:
        self._saved: list[bool] = []

    def __enter__(self) -> None:
        self._saved.append(getattr(STATE, self.attribute))
        setattr(STATE, self.attribute, self.value)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        setattr(STATE, self.attribute, self._saved.pop())


class _State:
    """The switches the engine reads on every op; one instance, ``STATE``."""

    __slots__ = ("anomaly", "forward_steps", "grad_enabled")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.forward_steps = 0


STATE = _State()


class no_grad(_Switch):  # noqa: N801 - named as torch.no_grad, which users know
    """Stop recording: ops inside produce leaf Values with no parents. A context manager or a decorator."""

    attribute = "grad_enabled"
    value = False


class enable_grad(_Switch):  # noqa: N801 - named as torch.enable_grad
    """Record again inside a ``no_grad`` block (used by ``create_graph=True``)."""

    attribute = "grad_enabled"
    value = True


class detect_anomaly(_Switch):  # noqa: N801 - named as torch.autograd.detect_anomaly
    """Raise ``AnomalyError`` as soon as any op or backward step produces a NaN or an infinity.

    The error names the op, its inputs' labels and values, and the step. Checking costs time, so it is
    off unless asked for.
    """

    attribute = "anomaly"
    value = True

    def __enter__(self) -> None:
        super().__enter__()
        STATE.forward_steps = 0


def is_grad_enabled() -> bool:
    """Whether ops record their inputs (False inside ``no_grad``)."""
    return STATE.grad_enabled


def is_anomaly_enabled() -> bool:
    """Whether ``detect_anomaly`` is active."""
    return STATE.anomaly
