"""The array libraries a replay runs on: NumPy (the default), torch, CuPy, JAX, or any array-API namespace.

A ``Backend`` is what ``trace(..., backend=)`` and ``nn.fit(..., backend=)`` need of a library beyond the
array-API functions the rows call (``autograd.arrays.namespace``): arrays of the chosen dtype on the chosen
device, the way back to NumPy, and the writes a compiled replay makes into its tables. Those are where the
libraries differ:

- NumPy, torch and CuPy write in place; JAX's arrays cannot be written, so its writes make new arrays
  (``x.at[i].set(v)``), and the whole compiled pass is handed to ``jax.jit``, which makes them in place.
- An index that repeats needs a scatter-add, each library its own: ``np.add.at``, ``Tensor.index_add_``,
  ``cupyx.scatter_add``, ``x.at[i].add``. The array-API standard has none, so for a namespace given as
  such, the replay writes each run of consecutive positions as a slice, in rounds where a position repeats.

Every backend computes in float64 by default, so that they all give NumPy's numbers (to rounding: 1e-10
relative). ``dtype="float32"`` halves the memory and, on a GPU, is much faster; its numbers then agree
with float64's to about 1e-5 relative (float32 keeps 24 bits, and a layer sums hundreds of products).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd.arrays import np, register_array_type

__all__ = ["BACKENDS", "DTYPES", "Backend", "get_backend", "runs"]

BACKENDS = ("numpy", "torch", "cupy", "jax")
"""The libraries named by a string; any other array-API namespace may be given as the module itself."""

DTYPES = ("float64", "float32")
"""The dtypes a replay computes in: float64 by default, on every backend."""

_INSTALL = {
    "torch": "pip install 'chainrule[torch]' (or: pip install torch array-api-compat)",
    "cupy": "pip install cupy-cuda12x array-api-compat (CuPy for your CUDA version; it needs an NVIDIA GPU)",
    "jax": "pip install 'chainrule[jax]' (or: pip install jax array-api-compat)",
}

Array = Any


class Backend:
    """One array library at one dtype and device, as a replay uses it. Made by ``get_backend``.

    ``xp`` is the library's array-API namespace, ``native`` is True for NumPy (whose compiled replay is
    written with NumPy's own in-place calls), ``mutable`` False where arrays cannot be written (JAX)."""

    name: str = "numpy"
    native = True
    mutable = True
    views = True  # a slice of an array is a view that writes through (so an optimizer may update in place)

    def __init__(self, xp: Any, dtype: str, device: Any = None) -> None:
        self.xp = xp
        self.dtype_name = dtype
        self.dtype = getattr(xp, dtype)
        self.device = device

    def __repr__(self) -> str:
        device = f", device={self.device!r}" if self.device is not None else ""
        return f"Backend({self.name!r}, dtype={self.dtype_name!r}{device})"

    # Arrays in, arrays out ------------------------------------------------------------------------------

    def is_array(self, x: Any) -> bool:
        """Whether ``x`` is an array of this library (on any device)."""
        return isinstance(x, np.ndarray)

    def asarray(self, x: Any) -> Array:
        """``x`` (numbers, a NumPy array, or this library's array) as this backend's dtype, on its device."""
        return self.xp.asarray(x, dtype=self.dtype, device=self.device)

    def to_numpy(self, x: Any) -> Any:
        """An array of this library as a NumPy array (copied to the host from a device)."""
        return np.asarray(x)

    # The array-API standard's own creation functions, which every library's namespace here has.

    def empty(self, shape: tuple[int, ...]) -> Array:
        return self.xp.empty(shape, dtype=self.dtype, device=self.device)

    def zeros(self, shape: tuple[int, ...]) -> Array:
        return self.xp.zeros(shape, dtype=self.dtype, device=self.device)

    def indices(self, index: Any) -> Array:
        """A NumPy index array as one this library indexes with (``take``) on its device."""
        return self.xp.asarray(np.asarray(index, dtype=np.int64), device=self.device)

    def copy(self, x: Array) -> Array:
        return self.xp.asarray(x, copy=True)

    def is_finite(self, x: Array) -> bool:
        """Whether every number of ``x`` is finite, in one pass (the sum of anything non-finite is not; a sum of
        large finite numbers may overflow too, which the caller's search for the culprit then clears)."""
        return math.isfinite(x.sum()) if self.native else math.isfinite(float(self.xp.sum(x)))

    # Writes into a table, as the compiled replay makes them --------------------------------------------

    def put_index(self, index: Any) -> Any:
        """A NumPy index array, prepared for ``put`` and ``put_add``."""
        return self.indices(index)

    def take(self, table: Array, where: Any) -> Array:
        """The rows ``where`` of ``table``: a slice, or an index array made by ``indices``."""
        if isinstance(where, slice):
            return table[(where, ...)] if table.ndim > 1 else table[where]
        return self.xp.take(table, where, axis=0)

    def put(self, table: Array, where: Any, values: Array) -> Array:
        """``table`` with the rows ``where`` (a slice, or a ``put_index`` without repeats) set to ``values``."""
        table[where] = values
        return table

    def put_add(self, table: Array, where: Any, values: Array) -> Array:
        """``table`` with ``values`` added to the rows ``where``, which may repeat (each repeat adds)."""
        if isinstance(where, slice):
            table[where] += values
        else:
            self.scatter_add(table, where, values)
        return table

    def scatter_add(self, table: Array, rows: Array, values: Array) -> None:
        """Add ``values`` to the rows ``rows`` of ``table`` in place, each repeated row once per repeat: the
        library's own scatter-add."""
        np.add.at(table, rows, values)

    def compiled(self, function: Callable[..., Any], static: tuple[int, ...] = ()) -> Callable[..., Any]:
        """A compiled replay's function as this library runs it best (JAX: jit-compiled)."""
        return function


class _Torch(Backend):
    name = "torch"
    native = False

    def __init__(self, xp: Any, dtype: str, device: Any = None) -> None:
        import torch

        self.torch = torch
        super().__init__(xp, dtype, torch.device(device if device is not None else "cpu"))
        self.dtype = getattr(torch, dtype)

    def is_array(self, x: Any) -> bool:
        return isinstance(x, self.torch.Tensor)

    def to_numpy(self, x: Any) -> Any:
        return x.detach().cpu().numpy() if isinstance(x, self.torch.Tensor) else np.asarray(x)

    def scatter_add(self, table: Array, rows: Array, values: Array) -> None:
        table.index_add_(0, rows, self.torch.broadcast_to(values, (rows.shape[0], *table.shape[1:])))


class _CuPy(Backend):
    name = "cupy"
    native = False

    def __init__(self, xp: Any, dtype: str, device: Any = None) -> None:
        self.cupy, self.cupyx = importlib.import_module("cupy"), importlib.import_module("cupyx")
        index = int(str(device).rpartition(":")[2]) if device is not None else 0  # 1, "1" or "cuda:1"
        super().__init__(xp, dtype, self.cupy.cuda.Device(index))
        self.dtype = getattr(self.cupy, dtype)

    def is_array(self, x: Any) -> bool:
        return isinstance(x, self.cupy.ndarray)

    def to_numpy(self, x: Any) -> Any:
        return self.cupy.asnumpy(x) if isinstance(x, self.cupy.ndarray) else np.asarray(x)

    def scatter_add(self, table: Array, rows: Array, values: Array) -> None:
        self.cupyx.scatter_add(table, rows, values)


class _Jax(Backend):
    name = "jax"
    native = False
    mutable = False
    views = False

    def __init__(self, xp: Any, dtype: str, device: Any = None) -> None:
        import jax

        if dtype == "float64":
            jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]  # JAX: float32 otherwise
        self.jax = jax
        found = jax.devices(device) if isinstance(device, str) else [device] if device is not None else jax.devices()
        super().__init__(xp, dtype, found[0])

    def is_array(self, x: Any) -> bool:
        return isinstance(x, self.jax.Array)

    def to_numpy(self, x: Any) -> Any:
        return np.asarray(x)

    def copy(self, x: Array) -> Array:
        return x  # immutable

    def put(self, table: Array, where: Any, values: Array) -> Array:
        return table.at[where].set(values)

    def put_add(self, table: Array, where: Any, values: Array) -> Array:
        return table.at[where].add(values)

    def compiled(self, function: Callable[..., Any], static: tuple[int, ...] = ()) -> Callable[..., Any]:
        return self.jax.jit(function, static_argnums=static)


class _Runs:
    """An index array as runs of consecutive positions, for a namespace that can write only slices: each
    round holds positions that do not repeat, as (first position, stop, first entry of the values)."""

    def __init__(self, index: Any) -> None:
        index = np.asarray(index, dtype=np.int64).ravel()
        self.size = index.size
        seen: dict[int, int] = {}
        rounds: list[list[tuple[int, int]]] = []
        for entry, position in enumerate(index.tolist()):
            k = seen.get(position, 0)
            seen[position] = k + 1
            while len(rounds) <= k:
                rounds.append([])
            rounds[k].append((position, entry))
        self.rounds = [runs([position for position, _ in pairs], [entry for _, entry in pairs]) for pairs in rounds]


def runs(positions: Sequence[int], entries: Sequence[int] | None = None) -> list[tuple[int, int, int]]:
    """``positions`` as runs of consecutive positions whose ``entries`` (by default their own places in the
    list) go up with them: (first position, stop, first entry) of each. A run is one slice to write."""
    found: list[tuple[int, int, int]] = []
    for k, position in enumerate(positions):
        entry = k if entries is None else entries[k]
        if found and found[-1][1] == position and found[-1][2] + (position - found[-1][0]) == entry:
            found[-1] = (found[-1][0], position + 1, found[-1][2])
        else:
            found.append((position, position + 1, entry))
    return found


class _Namespace(Backend):
    """Any array-API namespace (array_api_strict, dask.array...): only what the standard promises."""

    native = False
    views = False

    def __init__(self, xp: Any, dtype: str, device: Any = None) -> None:
        super().__init__(xp, dtype, device)
        self.name = getattr(xp, "__name__", type(xp).__name__)
        self.array_type = type(xp.asarray(0.0))

    def is_array(self, x: Any) -> bool:
        return isinstance(x, self.array_type)

    def to_numpy(self, x: Any) -> Any:
        if not isinstance(x, self.array_type):
            return np.asarray(x)
        try:
            return np.from_dlpack(x)
        except (TypeError, AttributeError, RuntimeError, BufferError):
            return np.asarray(x)

    def put_index(self, index: Any) -> Any:
        return _Runs(index)

    def put(self, table: Array, where: Any, values: Array) -> Array:
        return self._write(table, where, values, add=False)

    def put_add(self, table: Array, where: Any, values: Array) -> Array:
        return self._write(table, where, values, add=True)

    def _write(self, table: Array, where: Any, values: Array, add: bool) -> Array:
        rest = (...,) if table.ndim > 1 else ()
        if isinstance(where, slice):
            key = (where, *rest)
            table[key] = table[key] + values if add else values
            return table
        values = self.xp.broadcast_to(self.xp.asarray(values, dtype=table.dtype), (where.size, *table.shape[1:]))
        for runs in where.rounds:
            for start, stop, entry in runs:
                key = (slice(start, stop), *rest)
                part = values[(slice(entry, entry + stop - start), *rest)]
                table[key] = table[key] + part if add else part
        return table


def _import(name: str, where: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ValueError(f"{where}: backend {name!r} is not installed; {_INSTALL[name]}") from None


def _compat(library: str, where: str) -> Any:
    _import(library, where)
    try:
        return importlib.import_module(f"array_api_compat.{library}")
    except ImportError:
        raise ValueError(f"{where}: backend {library!r} needs array-api-compat; {_INSTALL[library]}") from None


_MADE: dict[tuple[Any, ...], Backend] = {}


def get_backend(backend: Any = "numpy", dtype: str = "float64", device: Any = None, where: str = "trace") -> Backend:
    """The ``Backend`` for ``backend`` ("numpy", "torch", "cupy", "jax", an array-API namespace such as
    ``array_api_strict``, or a Backend as it is) at ``dtype`` ("float64" or "float32") on ``device`` (the
    library's own name for it: "cpu", "cuda", "cuda:1"; by default its first). An unknown library, or one
    that is not installed, is refused, saying what to install; ``where`` names the caller in the error."""
    if isinstance(backend, Backend):
        if dtype != backend.dtype_name or (device is not None and str(device) != str(backend.device)):
            raise ValueError(f"{where}: {backend!r} is made for its own dtype and device; to change them, give the "
                             f"library by name with dtype={dtype!r}, device={device!r}")
        return backend
    if dtype not in DTYPES:
        raise ValueError(f"{where}: dtype must be one of {DTYPES}, got {dtype!r}")
    key = (backend if isinstance(backend, str) else id(backend), dtype, str(device))
    made = _MADE.get(key)
    if made is not None:
        return made
    if backend == "numpy":
        if device not in (None, "cpu"):
            raise ValueError(f"{where}: the numpy backend runs on the CPU only, got device={device!r}")
        made = Backend(np, dtype)
    elif backend == "torch":
        made = _Torch(_compat("torch", where), dtype, device)
        register_array_type(made.torch.Tensor, made.xp)
    elif backend == "cupy":
        made = _CuPy(_compat("cupy", where), dtype, device)
        register_array_type(made.cupy.ndarray, made.xp)
    elif backend == "jax":
        _import("jax", where)
        jnp = importlib.import_module("jax.numpy")
        made = _Jax(jnp, dtype, device)
        register_array_type(made.jax.Array, jnp)
    elif isinstance(backend, str):
        raise ValueError(f"{where}: unknown backend {backend!r}; give one of {BACKENDS} or an array-API namespace")
    elif hasattr(backend, "asarray") and hasattr(backend, "__array_api_version__"):
        made = _Namespace(backend, dtype, device)
        register_array_type(made.array_type, backend)
    else:
        raise ValueError(f"{where}: backend must be one of {BACKENDS} or an array-API namespace (a module with "
                         f"__array_api_version__), got {backend!r}")
    _MADE[key] = made
    return made
