"""A model and a loss traced once and replayed over whole batches: how ``fit``, ``evaluate`` and ``accuracy``
run at NumPy's speed with the scalar graph as the definition.

``Replay.of(model, loss, data)`` traces ``[loss(model(x), t), *model(x)]`` on the first example, with the
data as arrays, or says why it cannot (``NotReplayableError``). Class-index targets of ``cross_entropy`` enter the
trace as one-hot rows, so that every example builds the same graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd
from autograd import Value
from autograd.extend import is_real, is_whole, real_array
from nn import losses
from nn.module import MLP, Layer, Module, Neuron

Array = Any
"""A NumPy array (typed loosely: NumPy's operators return Any to a type checker)."""

__all__ = ["CHUNK", "NotReplayableError", "Replay", "as_values", "correct_rows", "output_count"]

CHUNK = 2048
"""How many examples ``evaluate`` and ``accuracy`` replay at once."""

BUILTIN_LOSSES = (losses.mse, losses.half_sse, losses.binary_cross_entropy, losses.cross_entropy, losses.hinge)


class NotReplayableError(ValueError):
    """The model, the loss or the data cannot be traced and replayed; the message says why."""


def _features(data: Any) -> Array:
    """The inputs of a data set as one float array (n, features), without copying an array given as X."""
    xs = data[0] if isinstance(data, tuple) and len(data) == 2 else [x for x, _ in data]
    try:
        array = real_array(xs, "the inputs")
    except TypeError as error:
        raise NotReplayableError(str(error)) from None
    if array.ndim != 2:
        raise NotReplayableError(f"the inputs must be a table of shape (samples, features), got shape {array.shape}")
    if not math.isfinite(array.sum(dtype=np.float64)) and not np.isfinite(array).all():  # one cheap pass first
        row = int(np.flatnonzero(~np.isfinite(array).all(axis=1))[0])
        raise ValueError(f"example {row} has an input that is not a finite number: {array[row].tolist()[:8]}")
    return array


def _labels(data: Any) -> list[Any]:
    return list(data[1]) if isinstance(data, tuple) and len(data) == 2 else [y for _, y in data]


def _targets(loss: Callable[..., Any], labels: list[Any], outputs: int) -> Array:
    """The targets as the float array the trace takes, checked as the loss checks them one by one."""
    name = getattr(loss, "__name__", "loss")
    if loss is losses.cross_entropy and labels and all(is_whole(y) for y in labels):
        classes = np.asarray(labels, dtype=np.int64)
        bad = np.flatnonzero((classes < 0) | (classes >= outputs))
        if bad.size:
            raise ValueError(f"example {int(bad[0])}: cross_entropy: target class {classes[bad[0]]} is out of range "
                             f"for {outputs} classes")
        return np.eye(outputs)[classes]
    try:
        array = real_array(labels, "the targets")
    except TypeError as error:
        raise NotReplayableError(f"{error} (as numbers of one shape)") from None
    want = (len(labels),) if outputs == 1 else (len(labels), outputs)
    if outputs == 1 and array.shape == (len(labels), 1):
        array = array[:, 0]
    if array.shape != want:
        raise NotReplayableError(f"the targets have shape {array.shape}, not {want} for {outputs} output(s)")
    rows = array.reshape(len(labels), -1)
    checks = {
        "binary_cross_entropy": ((rows < 0) | (rows > 1), "must be in [0, 1]"),
        "hinge": ((rows != -1) & (rows != 1), "must be -1 or +1"),
        "cross_entropy": ((rows < 0) | ~np.isclose(rows.sum(axis=1, keepdims=True), 1.0, rtol=0, atol=1e-9),
                          "must hold probabilities that sum to 1"),
    }
    bad_mask, rule = checks.get(name, (~np.isfinite(rows), "must be a finite number"))
    bad = np.flatnonzero(bad_mask.any(axis=1) | ~np.isfinite(rows).all(axis=1))
    if bad.size:
        raise ValueError(f"example {int(bad[0])}: {name}: the target {rule}, got {labels[int(bad[0])]!r}")
    return array


def output_count(model: Module) -> int:
    """How many outputs a built-in model gives for one sample (1 for any other module)."""
    if isinstance(model, MLP):
        return model.sizes[-1]
    if isinstance(model, Layer):
        return model.nout
    return 1


@dataclass
class Replay:
    """A model with a loss, traced once: ``forward`` gives each example's loss and outputs for a batch of
    rows of ``features`` and ``targets``; ``backward`` the parameters' gradients of the batch's mean loss."""

    trace: autograd.Trace
    features: Array
    targets: Array
    outputs: int

    @classmethod
    def of(cls, model: Any, loss: Callable[..., Any], data: Any, demanded: bool) -> Replay:
        """The replay of ``loss(model(x), t)`` over ``data``; NotReplayableError says why there is none. Without
        ``demanded``, only the built-in modules with one sample of numbers in (Neuron, Layer, MLP) and the
        built-in losses qualify; with it, any Module and loss function is tried."""
        if not isinstance(model, Module):
            raise NotReplayableError(f"the model is a {type(model).__name__}, not an nn Module")
        if not demanded and not isinstance(model, MLP | Layer | Neuron):
            raise NotReplayableError(f"{type(model).__name__} is replayed only when asked for (batched=True)")
        if not demanded and loss not in BUILTIN_LOSSES:
            raise NotReplayableError("only the built-in losses are replayed unless asked for (batched=True)")
        features = _features(data)
        nin = getattr(model, "nin", features.shape[1])
        if features.shape[1] != nin:
            raise NotReplayableError(f"the samples have {features.shape[1]} inputs, the model takes {nin}")
        outputs = output_count(model)
        targets = _targets(loss, _labels(data), outputs)

        def loss_and_outputs(x: list[Value], t: Any) -> list[Value]:
            out = model(x)
            return [loss(out, t), *([out] if isinstance(out, Value) else out)]

        try:
            trace = autograd.trace(loss_and_outputs, (features[0], targets[0]), parameters=model.parameters())
        except (TypeError, ValueError, IndexError, ArithmeticError) as error:
            raise NotReplayableError(f"tracing the first example failed: {error}") from None
        if len(trace.outputs) != 1 + outputs:
            raise NotReplayableError(f"the model gave {len(trace.outputs) - 1} outputs, expected {outputs}")
        return cls(trace, features, targets, outputs)

    def forward(self, rows: Any, parameters: Array) -> Array:
        """(batch, 1 + outputs): each example's loss, then its outputs."""
        return self.trace.forward((self.features[rows], self.targets[rows]), parameters)

    def backward(self) -> Array:
        """The parameters' gradients of the last batch's mean loss."""
        size = self.trace.data(self.trace.outputs[0]).shape[0]
        seed = np.zeros((size, 1 + self.outputs))
        seed[:, 0] = 1.0 / size
        return self.trace.backward(grad_outputs=seed, accumulate=False, input_grads=False)

    def chunks(self, parameters: Array) -> Iterator[tuple[range, Array]]:
        """The whole data set's losses and outputs, ``CHUNK`` examples at a time."""
        n = len(self.features)
        for start in range(0, n, CHUNK):
            rows = range(start, min(start + CHUNK, n))
            yield rows, self.forward(slice(rows.start, rows.stop), parameters)


def correct_rows(outputs: Array, labels: Sequence[Any], cut: float) -> Array:
    """For each example, whether its outputs predict its label, as ``nn.train.correct`` decides for one."""
    if outputs.shape[1] == 1:
        truth = np.asarray([float(y) if is_real(y) else float(np.ravel(y)[0]) for y in labels])
        return (outputs[:, 0] > cut) == (truth > cut)
    predicted = np.argmax(outputs, axis=1)
    if all(is_whole(y) for y in labels):
        return predicted == np.asarray(labels, dtype=np.int64)
    return predicted == np.argmax(np.asarray(labels, dtype=float), axis=1)


def as_values(row: Array) -> Value | list[Value]:
    """One example's outputs as leaf Values, as the model would return them (for metric functions)."""
    values = [Value(float(v)) for v in row]
    return values[0] if len(values) == 1 else values
