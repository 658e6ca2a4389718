"""Training: mini-batch gradient descent with the gradient averaged over each batch, as in the classic
``SGD(training_data, epochs, mini_batch_size, eta, test_data)``, plus evaluation."""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from tqdm.auto import tqdm

import autograd
from autograd import Value
from autograd.extend import float_of, is_real, is_whole, whole_number
from nn import losses, replay
from nn.datasets import batches
from nn.module import Module
from nn.optim import SGD, Optimizer, VectorStep
from nn.schedulers import LRScheduler

__all__ = ["LOSSES", "Metric", "accuracy", "correct", "evaluate", "fit", "threshold"]

Loss = Callable[[Any, Any], Value]
Pairs = list[tuple[Any, Any]]

LOSSES: dict[str, Loss] = {
    "mse": losses.mse,
    "half_sse": losses.half_sse,
    "binary_cross_entropy": losses.binary_cross_entropy,
    "cross_entropy": losses.cross_entropy,
    "hinge": losses.hinge,
}
"""Losses ``fit`` and ``evaluate`` accept by name."""


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence | np.ndarray)


def _pairs(data: Any, where: str) -> Pairs:
    """(x, y) pairs from a data set given as (X, y) (lists or NumPy arrays) or as a list of pairs."""
    if isinstance(data, tuple) and len(data) == 2 and _is_sequence(data[0]) and _is_sequence(data[1]) and len(
        data[0]
    ) == len(data[1]):
        pairs = list(zip(data[0], data[1], strict=True))
    elif isinstance(data, Sequence) and all(isinstance(p, tuple | list) and len(p) == 2 for p in data):
        pairs = [(p[0], p[1]) for p in data]
    else:
        raise ValueError(f"{where}: data must be (X, y) with equal lengths or a list of (x, y) pairs")
    if not pairs:
        raise ValueError(f"{where}: the data set is empty")
    return pairs


def _loss(loss: str | Loss, where: str) -> Loss:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"{where}: unknown loss {loss!r}; choose from {', '.join(sorted(LOSSES))}")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"{where}: loss must be a name or a function (output, target) -> Value, got {loss!r}")
    return loss


def threshold(pairs: Pairs) -> float:
    """Where a single output splits two classes: 0 for ±1 labels (a data set with a −1 target), else 0.5."""
    return 0.0 if any(is_real(y) and y == -1 for _, y in pairs) else 0.5


def correct(output: Any, target: Any, cut: float = 0.5) -> bool:
    """Whether one prediction is right: the arg-max class for several outputs (target a class index or a
    one-hot list); for one output (a Value, or a list of one), whether output and target fall on the same
    side of ``cut``."""
    if not isinstance(output, Value) and len(output) == 1:
        output = output[0]
    if isinstance(output, Value):
        t = float_of(target)
        return (output.data > cut) == (t > cut)
    scores = [v.data for v in output]
    predicted = max(range(len(scores)), key=scores.__getitem__)
    if is_whole(target):
        return bool(predicted == target)
    if not _is_sequence(target) or len(target) != len(scores):
        raise ValueError(f"correct: with {len(scores)} outputs the target must be a class index or a one-hot row of "
                         f"{len(scores)}, got {target!r}")
    values = [float_of(t) for t in target]
    return predicted == max(range(len(values)), key=values.__getitem__)


def evaluate(model: Callable[[Any], Any], data: Any, loss: str | Loss = "mse", batched: bool | None = None) -> float:
    """The mean loss of ``model`` over ``data``, recording no graph. An nn model with a built-in loss is
    traced once and replayed over the data with NumPy (``batched`` as in ``fit``)."""
    pairs, fn = _pairs(data, "evaluate"), _loss(loss, "evaluate")
    found = _replay(model, fn, data, batched, "evaluate")
    if found is not None:
        return _replayed_scores(found, found.trace.parameter_data(), pairs, {})["loss"]
    return _scores(model, pairs, fn, {})["loss"]


def accuracy(model: Callable[[Any], Any], data: Any, batched: bool | None = None) -> float:
    """The fraction of ``data`` that ``model`` predicts correctly (see ``correct``), recording no graph;
    replayed over the data with NumPy for an nn model (``batched`` as in ``fit``)."""
    pairs = _pairs(data, "accuracy")
    cut = threshold(pairs)
    found = _replay(model, _any_loss(model, pairs), data, batched, "accuracy")
    if found is not None:
        scores = _replayed_scores(found, found.trace.parameter_data(), pairs, {"accuracy": _accuracy_metric(cut)})
        return scores["accuracy"]
    with autograd.no_grad():
        return sum(correct(model(x), y, cut) for x, y in pairs) / len(pairs)


def _any_loss(model: Any, pairs: Pairs) -> Loss:
    """A loss that takes these targets, for a replay that needs only the outputs: cross-entropy for class
    indices and several outputs, the squared error otherwise."""
    several = isinstance(model, Module) and replay.output_count(model) > 1
    return losses.cross_entropy if several and all(is_whole(y) for _, y in pairs) else losses.mse


def _replay(model: Any, fn: Loss, data: Any, batched: bool | None, where: str) -> replay.Replay | None:
    """The replay of ``fn(model(x), y)`` over ``data``, or None to take the scalar path. ``batched=True``
    turns "cannot be replayed" into an error that says why; ``False`` never replays."""
    if batched is False:
        return None
    if batched not in (None, True):
        raise ValueError(f"{where}: batched must be None, True or False, got {batched!r}")
    source = data if isinstance(data, tuple) and len(data) == 2 else _pairs(data, where)
    try:
        return replay.Replay.of(model, fn, source, demanded=batched is True)
    except replay.NotReplayableError as reason:
        if batched:
            raise ValueError(f"{where}: batched=True, but the model cannot be traced and replayed: {reason}") from None
        return None
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _replayed_scores(
    found: replay.Replay, parameters: Any, pairs: Pairs, metrics: dict[str, Metric]
) -> dict[str, float]:
    """What ``_scores`` computes, from the replay: the mean loss and the mean of each metric."""
    losses_seen: list[float] = []
    totals = dict.fromkeys(metrics, 0.0)
    for rows, out in found.chunks(parameters):
        losses_seen.extend(out[:, 0].tolist())
        _add_metrics(totals, metrics, out[:, 1:], [pairs[i][1] for i in rows])
    n = len(pairs)
    return {"loss": math.fsum(losses_seen) / n, **{name: total / n for name, total in totals.items()}}


def _add_metrics(totals: dict[str, float], metrics: dict[str, Metric], outputs: Any, labels: list[Any]) -> None:
    """Add each metric, summed over a batch of replayed outputs, to ``totals``."""
    for name, metric in metrics.items():
        cut = getattr(metric, "cut", None)
        if cut is not None:
            totals[name] += float(np.count_nonzero(replay.correct_rows(outputs, labels, cut)))
        else:
            totals[name] += math.fsum(metric(replay.as_values(row), y) for row, y in zip(outputs, labels, strict=True))


Metric = Callable[[Any, Any], float]
"""A metric on one sample: ``metric(output, target) -> number``; ``fit`` reports its mean over the data."""


def _metrics(metrics: Sequence[str | Metric], pairs: Pairs) -> dict[str, Metric]:
    """Each metric by the name the history gives it: "accuracy", or a function's ``__name__``."""
    if isinstance(metrics, str):
        metrics = [metrics]
    named: dict[str, Metric] = {}
    for metric in metrics:
        if metric == "accuracy":
            named["accuracy"] = _accuracy_metric(threshold(pairs))
        elif callable(metric) and not isinstance(metric, str):
            named[getattr(metric, "__name__", f"metric{len(named)}")] = metric
        else:
            raise ValueError(
                f"fit: unknown metric {metric!r}; give 'accuracy' or a function (output, target) -> number"
            )
    return named


def _accuracy_metric(cut: float) -> Metric:
    def accuracy(output: Any, target: Any) -> float:
        return float(correct(output, target, cut))

    accuracy.cut = cut  # type: ignore[attr-defined]  # a replay counts the correct rows at once
    return accuracy


def _score_first(model: Module, pairs: Pairs, fn: Loss, metrics: dict[str, Metric], where: str) -> None:
    """Score the first example as an epoch will, so that data the loss or a metric cannot take fails now,
    not after a whole epoch."""
    x, y = pairs[0]
    try:
        with autograd.no_grad():
            output = model(x)
            fn(output, y)
            for metric in metrics.values():
                metric(output, y)
    except (TypeError, ValueError, ArithmeticError, IndexError) as error:
        raise ValueError(f"{where}: the first example cannot be scored, so no epoch was run: {error}") from None


def _scores(
    model: Callable[[Any], Any], pairs: Pairs, fn: Loss, metrics: dict[str, Metric]
) -> dict[str, float]:
    """The mean loss and the mean of each metric of ``model`` over ``pairs``, recording no graph."""
    losses: list[float] = []
    totals = dict.fromkeys(metrics, 0.0)
    with autograd.no_grad():
        for x, y in pairs:
            output = model(x)
            losses.append(fn(output, y).data)
            for name, metric in metrics.items():
                totals[name] += metric(output, y)
    return {"loss": math.fsum(losses) / len(pairs), **{name: total / len(pairs) for name, total in totals.items()}}


def fit(
    model: Module,
    train_data: Any,
    loss: str | Loss = "mse",
    optimizer: Optimizer | None = None,
    epochs: int = 1,
    batch_size: int = 32,
    shuffle: bool = True,
    seed: int | None = None,
    val_data: Any = None,
    metrics: Sequence[str | Metric] = (),
    progress: bool = True,
    scheduler: LRScheduler | None = None,
    batched: bool | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` by mini-batch gradient descent and return the history of each epoch.

    Each batch: zero the gradients, average the loss over the batch, ``backward()``, ``optimizer.step()``.
    ``optimizer`` defaults to ``SGD(model.parameters(), lr=0.1)``; ``scheduler`` (if given) steps once per
    epoch. ``metrics`` holds "accuracy" and functions ``metric(output, target) -> number``, each reported
    as its mean over the samples. The history has "loss" (the mean training loss over the epoch) and each
    metric's training value, by its name (a function's ``__name__``); with ``val_data`` also "val_loss"
    and "val_<metric>".

    ``batched`` chooses how each batch runs. With None (the default), a Neuron, Layer or MLP with a built-in
    loss is traced once (``autograd.trace``) and every batch is replayed with NumPy, the parameters and the
    optimizer's state held in arrays until the end; other models run on Values, one graph per sample.
    ``True`` demands the replay, and raises ValueError saying why a model cannot have it; ``False`` forces
    the scalar path. Both paths give the same weights, to rounding.

    With ``progress`` (the default), each epoch ends with one line on stderr: its loss, metrics, validation,
    learning rate and time; a progress bar moves during the epoch when stderr is a terminal (no frames are
    written to a file or a notebook). ``progress=False`` writes nothing.
    """
    pairs, fn = _pairs(train_data, "fit"), _loss(loss, "fit")
    validation = _pairs(val_data, "fit: val_data") if val_data is not None else None
    whole_number(epochs, "epochs", "fit")
    whole_number(batch_size, "batch_size", "fit")
    train_metrics = _metrics(metrics, pairs)
    val_metrics = _metrics(metrics, validation) if validation is not None else {}
    _score_first(model, pairs, fn, train_metrics, "fit")
    if validation is not None:
        _score_first(model, validation, fn, val_metrics, "fit: val_data")
    opt = optimizer if optimizer is not None else SGD(model.parameters(), lr=0.1)
    found = _replay(model, fn, train_data, batched, "fit")
    val_found = _replay(model, fn, val_data, batched, "fit: val_data") if found and validation is not None else None
    stepper = _vector_step(opt, found, batched)
    history: dict[str, list[float]] = {"loss": [], **{name: [] for name in train_metrics}}
    if validation is not None:
        history.update({f"val_{name}": [] for name in ["loss", *val_metrics]})
    run = _Run(model, pairs, fn, opt, batch_size, shuffle, random.Random(seed), train_metrics)
    if found is not None and stepper is not None:
        run.replayed(found, stepper)
    try:
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            totals = run.epoch(f"epoch {epoch}/{epochs}", progress and sys.stderr.isatty())
            for name, total in totals.items():
                history[name].append(total / len(pairs))
            if validation is not None:
                if val_found is not None and run.parameters is not None:
                    scores = _replayed_scores(val_found, run.parameters, validation, val_metrics)
                else:
                    scores = _scores(model, validation, fn, val_metrics)
                for name, value in scores.items():
                    history[f"val_{name}"].append(value)
            if progress:
                tqdm.write(_summary(epoch, epochs, history, opt, time.perf_counter() - started), file=sys.stderr)
            if scheduler is not None:
                scheduler.step()
    finally:  # whatever stops training (an error, Ctrl-C), the model keeps what it has learnt, as on Values
        run.finish()
    return history


def _vector_step(opt: Optimizer, found: replay.Replay | None, batched: bool | None) -> VectorStep | None:
    if found is None:
        return None
    try:
        return opt.vector_step(found.trace.parameters)
    except ValueError as reason:
        if batched:
            raise ValueError(f"fit: batched=True, but the optimizer cannot step arrays: {reason}") from None
        return None


class _Run:
    """One training run's epochs: on Values, or replayed over arrays once ``replayed`` is called."""

    def __init__(self, model: Module, pairs: Pairs, fn: Loss, opt: Optimizer, batch_size: int, shuffle: bool,
                 rng: random.Random, metrics: dict[str, Metric]) -> None:
        self.model, self.pairs, self.fn, self.opt = model, pairs, fn, opt
        self.batch_size, self.shuffle, self.rng, self.metrics = batch_size, shuffle, rng, metrics
        self.found: replay.Replay | None = None
        self.stepper: VectorStep | None = None
        self.parameters: Any = None
        self.grads: Any = None

    def replayed(self, found: replay.Replay, stepper: VectorStep) -> None:
        """Run every batch through ``found``, with the parameters in an array until ``finish``."""
        self.found, self.stepper = found, stepper
        self.parameters = found.trace.parameter_data()

    def epoch(self, title: str, frames: bool) -> dict[str, float]:
        """One pass over the data; the sums of the loss and of each metric over the samples."""
        totals = dict.fromkeys(["loss", *self.metrics], 0.0)
        bar = tqdm(total=math.ceil(len(self.pairs) / self.batch_size), desc=title, disable=not frames, leave=False)
        # Batches of positions, drawn from the same generator in the same way on both paths, so that the
        # two see the same samples in the same order.
        for rows in batches(range(len(self.pairs)), self.batch_size, shuffle=self.shuffle, seed=self.rng):
            batch_loss = self._replayed_batch(rows, totals) if self.found else self._batch(rows, totals)
            if frames:
                bar.update(1)
                bar.set_postfix(loss=f"{batch_loss:.4f}")
        bar.close()
        return totals

    def _batch(self, rows: list[int], totals: dict[str, float]) -> float:
        batch = [self.pairs[i] for i in rows]
        self.opt.zero_grad()
        outputs = [self.model(x) for x, _ in batch]
        sample_losses = [self.fn(out, y) for out, (_, y) in zip(outputs, batch, strict=True)]
        batch_loss = autograd.sum(sample_losses) / len(batch)
        batch_loss.backward()
        self.opt.step()
        totals["loss"] += batch_loss.data * len(batch)
        for name, metric in self.metrics.items():
            totals[name] += math.fsum(metric(out, y) for out, (_, y) in zip(outputs, batch, strict=True))
        return batch_loss.data

    def _replayed_batch(self, rows: list[int], totals: dict[str, float]) -> float:
        assert self.found is not None
        assert self.stepper is not None
        out = self.found.forward(rows, self.parameters)
        self.grads = self.found.backward()
        self.stepper.step(self.parameters, self.grads)
        total = math.fsum(out[:, 0].tolist())
        totals["loss"] += total
        if self.metrics:
            _add_metrics(totals, self.metrics, out[:, 1:], [self.pairs[i][1] for i in rows])
        return total / len(rows)

    def finish(self) -> None:
        """Write the replay's parameters, last gradients and optimizer state back to the model's Values."""
        if self.found is None or self.stepper is None:
            return
        grads = self.grads.tolist() if self.grads is not None else None
        for i, (p, value) in enumerate(zip(self.found.trace.parameters, self.parameters.tolist(), strict=True)):
            p.data = value
            if grads is not None:
                p.grad = grads[i]
        self.stepper.close()
        self.found = None


def _summary(epoch: int, epochs: int, history: dict[str, list[float]], opt: Optimizer, seconds: float) -> str:
    """One epoch in one line: ``epoch 2/5: loss 0.1234, accuracy 0.95, val_loss 0.2, lr 0.01, 1.3 s``."""
    values = ", ".join(f"{name} {series[-1]:.4g}" for name, series in history.items())
    return f"epoch {epoch}/{epochs}: {values}, lr {opt.param_groups[0]['lr']:.4g}, {seconds:.1f} s"
