"""Argument checks shared by the engine and the libraries on it, with messages that name the bad value."""

from __future__ import annotations

import numbers
from typing import Any, TypeGuard

from autograd.arrays import imported_numpy, is_array, np

__all__ = ["as_float", "is_real", "is_whole", "real_array", "whole_number"]


def is_real(x: object) -> TypeGuard[float]:
    """Whether ``x`` is a real number and not a bool: an int, a float, any ``numbers.Real`` (NumPy's
    scalars, Fraction) or another type with ``__float__`` (Decimal), but not a complex number. For a type
    checker, a number that converts to and compares as a float."""
    if isinstance(x, bool | str | bytes):
        return False
    if is_array(x):  # it has __float__, but only a 0-d array is one number
        return bool(x.ndim == 0)
    if isinstance(x, numbers.Real):
        return True
    return hasattr(type(x), "__float__") and not isinstance(x, numbers.Complex)


def is_whole(x: object) -> TypeGuard[int]:
    """Whether ``x`` is an integer and not a bool: an int or a NumPy integer (a label read from an array)."""
    if not isinstance(x, numbers.Integral) or isinstance(x, bool):
        return False
    numpy = imported_numpy()
    return numpy is None or not isinstance(x, numpy.bool_)


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


def real_array(values: Any, where: str) -> Any:
    """``values`` (an array or nested sequences) as a contiguous float64 array, refusing with a TypeError that
    names ``where`` what ``as_float`` refuses: strings, bools and complex numbers, which NumPy would parse,
    count or truncate."""
    # Python numbers are read one by one, so that a bool among ints is not taken for 1; an array, or a list of
    # arrays (the rows of a data set), has a dtype that says what it holds
    rows = is_array(values) or (
        isinstance(values, list | tuple) and bool(values) and all(is_array(v) for v in values))
    try:
        array = np.asarray(values) if rows else np.array(values, dtype=object)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where} is not an array of numbers: {error}") from None
    if array.dtype.kind == "O":
        flat = array.ravel().tolist()
        bad = next((x for x in flat if not is_real(x)), None)
        if bad is not None:
            raise TypeError(f"{where}: expected real numbers, got {type(bad).__name__} {bad!r}")
        try:
            return np.array([float(x) for x in flat], dtype=np.float64).reshape(array.shape)
        except (TypeError, ValueError, OverflowError) as error:
            raise TypeError(f"{where} is not an array of numbers: {error}") from None
    if array.dtype.kind not in "iuf":
        kinds = {"b": "bools", "c": "complex numbers", "U": "strings", "S": "bytes", "M": "dates", "m": "durations"}
        first = array.ravel()[0] if array.size else None
        raise TypeError(f"{where}: expected real numbers, got {kinds.get(array.dtype.kind, str(array.dtype))} "
                         f"({first!r})")
    return np.ascontiguousarray(array, dtype=np.float64)
