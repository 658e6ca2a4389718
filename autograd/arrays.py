"""NumPy where there are arrays, and nowhere else: the engine on floats and Values never imports it, so that
``import autograd`` works where NumPy cannot be had (Pyodide from its bare interpreter, a minimal install).

``np`` stands for the numpy module and imports it on first use, in a row's array branch (a replay, a user
op on arrays); each name it hands out is kept, so a second ``np.exp`` costs what a module's does.
``is_array(x)`` tells an ndarray without importing anything: where NumPy was never imported, there is none.

A replay may also run on another array library (``autograd.backends``: torch, CuPy, JAX or any array-API
namespace). A backend registers its array type here, so that the rows' array branches take its arrays too:
``any_array(x)`` tells an array of NumPy or of a registered library, and ``namespace(x)`` gives the
functions to compute on it (``numpy`` itself for an ndarray; for the others an array-API namespace, whose
names NumPy 2 shares: ``exp``, ``where``, ``pow``, ``maximum``, ``sum(x, axis=)``...).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any, TypeGuard

__all__ = [
    "any_array", "arrays_like", "imported_numpy", "is_array", "namespace", "np", "on_device", "register_array_type",
    "where",
]


class _NumPy:
    """The numpy module, imported when a name of it is first asked for."""

    def __getattr__(self, name: str) -> Any:
        import numpy

        value = getattr(numpy, name)
        setattr(self, name, value)
        return value


np: Any = _NumPy()


def imported_numpy() -> ModuleType | None:
    """The numpy module if something has imported it, else None: no NumPy object can exist then."""
    return sys.modules.get("numpy")


def is_array(x: object) -> TypeGuard[Any]:
    """Whether ``x`` is a NumPy array, without importing NumPy (an array exists only once it is imported)."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(x, numpy.ndarray)


_NAMESPACES: dict[type, Any] = {}
"""The array types of the libraries a backend has registered, each with its array-API namespace."""
_REGISTERED: tuple[type, ...] = ()


def register_array_type(array_type: type, xp: Any) -> None:
    """Let the rows compute on arrays of ``array_type`` with the functions of namespace ``xp``."""
    global _REGISTERED
    _NAMESPACES[array_type] = xp
    _REGISTERED = tuple(_NAMESPACES)


def any_array(x: object) -> bool:
    """Whether ``x`` is an array of NumPy or of a library a backend registered (a torch tensor, a JAX array,
    also while JAX traces it)."""
    return is_array(x) or (bool(_REGISTERED) and isinstance(x, _REGISTERED))


def namespace(*xs: Any) -> Any:
    """The functions for computing on the arrays among ``xs``: the numpy module, or the namespace registered
    for the first registered array type found."""
    for x in xs:
        if _REGISTERED and isinstance(x, _REGISTERED):
            for array_type, xp in _NAMESPACES.items():
                if isinstance(x, array_type):
                    return xp
    return np


def where(condition: Any, yes: Any, no: Any, like: Any = None) -> Any:
    """``yes`` where ``condition`` holds, else ``no``, element-wise. A number among ``yes`` and ``no`` takes the
    dtype of the array beside it, or of ``like`` (torch would make 0.01 a float32 otherwise)."""
    xp = namespace(condition, yes, no)
    if xp is np:
        return np.where(condition, yes, no)
    if not any_array(condition):  # a number compared: one branch for every element
        return yes if condition else no
    like = next((v for v in (yes, no, like) if any_array(v)), None)
    if like is None:  # two numbers: float64 arrays
        like = xp.asarray(0.0, dtype=xp.float64, **on_device(condition))
    yes, no = arrays_like((yes, no), like)
    return xp.where(condition, yes, no)


def arrays_like(values: Sequence[Any], like: Any) -> list[Any]:
    """``values`` with each number made an array of ``like``'s dtype, on its device: torch would make 0.01
    a float32, and refuses a number where it wants a tensor."""
    xp = namespace(like)
    return [v if any_array(v) else xp.asarray(v, dtype=like.dtype, **on_device(like)) for v in values]


def on_device(x: Any) -> dict[str, Any]:
    """``device=`` of ``x``'s device, where the array tells it (not a JAX array being traced)."""
    try:
        device = x.device
    except AttributeError:
        return {}
    return {"device": device() if callable(device) else device}
