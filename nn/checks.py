"""Argument checks shared by nn's constructors and functions, with messages that name the bad value."""

from __future__ import annotations

__all__ = ["whole_number"]


def whole_number(value: object, what: str, where: str, minimum: int = 1) -> int:
    """``value`` if it is an int (not a bool) of at least ``minimum``; otherwise a ValueError that names
    ``where``, ``what`` and the value."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{where}: {what} must be a whole number of at least {minimum}, got {value!r}")
    return value
