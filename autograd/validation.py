"""Argument checks shared by the engine and the libraries on it, with messages that name the bad value."""

from __future__ import annotations

import numbers
from typing import TypeGuard

import numpy as np

__all__ = ["as_float", "is_real", "is_whole", "whole_number"]


def is_real(x: object) -> TypeGuard[float]:
    """Whether ``x`` is a real number and not a bool: an int, a float, any ``numbers.Real`` (NumPy's
    scalars, Fraction) or another type with ``__float__`` (Decimal), but not a complex number. For a type
    checker, a number that converts to and compares as a float."""
    if isinstance(x, bool | str | bytes):
        return False
    if isinstance(x, np.ndarray):  # it has __float__, but only a 0-d array is one number
        return x.ndim == 0
    if isinstance(x, numbers.Real):
        return True
    return hasattr(type(x), "__float__") and not isinstance(x, numbers.Complex)


def is_whole(x: object) -> TypeGuard[int]:
    """Whether ``x`` is an integer and not a bool: an int or a NumPy integer (a label read from an array)."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool | np.bool_)


def as_float(x: object, where: str) -> float:
    """``x`` as a Python float if it is a real number (see ``is_real``): what every number entering the
    engine goes through, so that NumPy scalars never reach ``.data``. Otherwise a TypeError that names
    ``where``."""
    kind = type(x)
    if kind is float:
        return x  # type: ignore[return-value]
    if not is_real(x):
        raise TypeError(f"{where}: expected a real number (int or float), got {kind.__name__} {x!r}")
    try:
        return float(x)
    except OverflowError:
        raise OverflowError(f"{where}: the number {x} is too large for a float") from None


def whole_number(value: object, what: str, where: str, minimum: int = 1) -> int:
    """``value`` if it is an int (not a bool) of at least ``minimum``; otherwise a ValueError that names
    ``where``, ``what`` and the value."""
    if not is_whole(value) or value < minimum:
        raise ValueError(f"{where}: {what} must be a whole number of at least {minimum}, got {value!r}")
    return value
