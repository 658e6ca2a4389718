"""NumPy where there are arrays, and nowhere else: the engine on floats and Values never imports it, so that
``import autograd`` works where NumPy cannot be had (Pyodide from its bare interpreter, a minimal install).

``np`` stands for the numpy module and imports it on first use, in a row's array branch (a replay, a user
op on arrays); each name it hands out is kept, so a second ``np.exp`` costs what a module's does.
``is_array(x)`` tells an ndarray without importing anything: where NumPy was never imported, there is none.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any, TypeGuard

__all__ = ["imported_numpy", "is_array", "np"]


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
