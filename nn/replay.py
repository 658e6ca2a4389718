"""A model, with or without its loss, traced once and replayed over whole batches: how ``fit``, ``evaluate``
and ``accuracy`` run at NumPy's speed with the scalar graph as the definition.

``Replay.of(model, loss, data)`` traces ``[loss(model(x), t), *model(x)]`` on the first example (only
``model(x)`` without a loss), with the data as arrays, or says why it cannot (``NotReplayableError``). The
targets are checked once, by the loss's own rule (``nn.losses.batch_targets``); class-index targets of
``cross_entropy`` enter the trace as one-hot rows, so that every example builds the same graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import autograd
from autograd import Value
from autograd.extend import Backend, get_backend, is_array, np, real_array
from nn import losses
from nn.module import MLP, Layer, Module, Neuron

Array = Any
"""A NumPy array (typed loosely: NumPy's operators return Any to a type checker)."""

__all__ = ["CHUNK", "NotReplayableError", "Replay", "as_values", "output_count"]

CHUNK = 2048
"""How many examples ``evaluate`` and ``accuracy`` replay at once (``nn.train``'s scoring)."""


class NotReplayableError(ValueError):
    """The model, the loss or the data cannot be traced and replayed; the message says why."""


def _features(data: Any) -> Array:
    """The inputs of a data set as one array of floats (n, features), without copying an array of float32 or
    float64 given as X."""
    xs = data[0] if isinstance(data, tuple) and len(data) == 2 else [x for x, _ in data]
    if is_array(xs) and xs.dtype in (np.float32, np.float64):
        array = xs  # as it is: each batch becomes float64 as it enters the table (MNIST's 188 MB of float32 would
        # take 0.8 s and 376 MB more as one float64 copy)
    else:
        try:
            array = real_array(xs, "the inputs")
        except TypeError as error:
            raise NotReplayableError(str(error)) from None
    if array.ndim != 2:
        raise NotReplayableError(f"the inputs must be a table of shape (samples, features), got shape {array.shape}")
    if not math.isfinite(array.sum()) and not np.isfinite(array).all():  # one cheap pass first (a sum in float32
        # may overflow where float64's would not: then the second pass clears it)
        row = int(np.flatnonzero(~np.isfinite(array).all(axis=1))[0])
        raise ValueError(f"example {row} has an input that is not a finite number: {array[row].tolist()[:8]}")
    return array


def _labels(data: Any) -> Any:
    """The targets of a data set: an array given as y as it is, else a list."""
    if isinstance(data, tuple) and len(data) == 2:
        return data[1] if is_array(data[1]) else list(data[1])
    return [y for _, y in data]


def output_count(model: Module) -> int:
    """How many outputs a built-in model gives for one sample (1 for any other module)."""
    if isinstance(model, MLP):
        return model.sizes[-1]
    if isinstance(model, Layer):
        return model.nout
    return 1


@dataclass
class Replay:
    """A model, with a loss or without, traced once: ``forward`` gives each example's loss (without a loss,
    none) and outputs for a batch of rows of ``features`` and ``targets``; ``backward`` the parameters'
    gradients of the batch's mean loss."""

    trace: autograd.Trace
    features: Array
    targets: Array | None
    outputs: int
    _seeds: dict[int, Array] = field(default_factory=dict)  # the backend's arrays
    _grads: Array | None = None  # the parameters' gradients of the last batch, rewritten by each
    _size: int = 0  # the last batch's

    @classmethod
    def of(cls, model: Any, loss: Callable[..., Any] | None, data: Any, demanded: bool,
           backend: Backend | None = None) -> Replay:
        """The replay of ``loss(model(x), t)`` (of ``model(x)`` when ``loss`` is None) over ``data``, on
        ``backend`` (NumPy by default); NotReplayableError says why there is none. Without ``demanded``, only
        the built-in modules with one sample of numbers in (Neuron, Layer, MLP) and the built-in losses
        qualify; with it, any Module and loss function is tried."""
        if not isinstance(model, Module):
            raise NotReplayableError(f"the model is a {type(model).__name__}, not an nn Module")
        if not demanded and not isinstance(model, MLP | Layer | Neuron):
            raise NotReplayableError(f"{type(model).__name__} is replayed only when asked for (batched=True)")
        if not demanded and loss is not None and loss not in losses.LOSSES.values():
            raise NotReplayableError("only the built-in losses are replayed unless asked for (batched=True)")
        features = _features(data)
        nin = getattr(model, "nin", features.shape[1])
        if features.shape[1] != nin:
            raise NotReplayableError(f"the samples have {features.shape[1]} inputs, the model takes {nin}")
        outputs = output_count(model)
        example: tuple[Any, ...]
        if loss is None:
            targets, example = None, (features[0],)

            def traced(x: list[Value]) -> list[Value]:
                out = model(x)
                return [out] if isinstance(out, Value) else list(out)
        else:
            try:
                targets = losses.batch_targets(loss, _labels(data), outputs)
            except TypeError as error:
                raise NotReplayableError(str(error)) from None
            example = (features[0], targets[0])

            def traced(x: list[Value], t: Any) -> list[Value]:  # type: ignore[misc]
                out = model(x)
                return [loss(out, t), *([out] if isinstance(out, Value) else out)]

        try:
            chosen = backend if backend is not None else get_backend()
            trace = autograd.trace(traced, example, parameters=model.parameters(), backend=chosen,
                                   dtype=chosen.dtype_name, device=chosen.device)
        except (TypeError, ValueError, IndexError, ArithmeticError) as error:
            raise NotReplayableError(f"tracing the first example failed: {error}") from None
        if len(trace.outputs) != (loss is not None) + outputs:
            raise NotReplayableError(f"the model gave {len(trace.outputs) - (loss is not None)} outputs, expected "
                                     f"{outputs}")
        return cls(trace, features, targets, outputs)

    def forward(self, rows: Any, parameters: Array) -> tuple[Array | None, Array]:
        """Each example's loss (None without a loss) and its outputs (batch, outputs), for these rows, as
        NumPy arrays (``parameters`` is the backend's vector). The data were checked once, in ``of``, so the
        batches go in as blocks of the trace's input rows."""
        blocks = [self.features[rows].T]
        if self.targets is not None:
            targets = self.targets[rows]
            blocks.append(targets.reshape(targets.shape[0], -1).T)
        out = self.trace.backend.to_numpy(self.trace.forward_inputs(blocks, parameters))
        out = out.reshape(out.shape[0], -1)
        self._size = out.shape[0]
        return (None, out) if self.targets is None else (out[:, 0], out[:, 1:])

    def backward(self) -> Array:
        """The parameters' gradients of the last batch's mean loss: one vector of the backend's, written anew by
        each batch (keep a copy to hold one batch's)."""
        size = self._size
        seed = self._seeds.get(size)
        if seed is None:  # the same for every batch of this size
            seed = np.zeros((size, 1 + self.outputs))
            seed[:, 0] = 1.0 / size
            backend = self.trace.backend
            seed = self._seeds[size] = seed if backend.native and backend.dtype_name == "float64" else (
                backend.asarray(seed))
        backend = self.trace.backend
        if self._grads is None and backend.mutable:  # written anew by each batch: allocated once
            self._grads = backend.zeros((len(self.trace.parameters),))
        return self.trace.backward(grad_outputs=seed, accumulate=False, input_grads=False, out=self._grads)


def as_values(row: Array) -> Value | list[Value]:
    """One example's outputs as leaf Values, as the model would return them (for metric functions)."""
    values = [Value(float(v)) for v in row]
    return values[0] if len(values) == 1 else values
