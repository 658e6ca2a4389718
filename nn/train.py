"""Training: mini-batch gradient descent with the gradient averaged over each batch, as in the classic
``SGD(training_data, epochs, mini_batch_size, eta, test_data)``, plus evaluation."""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from tqdm.auto import tqdm

import autograd
from autograd import Value
from autograd.extend import float_of, whole_number
from nn import losses
from nn.datasets import batches
from nn.module import Module
from nn.optim import SGD, Optimizer
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


def _pairs(data: Any, where: str) -> Pairs:
    """(x, y) pairs from a data set given as (X, y) or as a list of pairs."""
    if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], Sequence) and len(data[0]) == len(data[1]):
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
    return 0.0 if any(isinstance(y, int | float) and y == -1 for _, y in pairs) else 0.5


def correct(output: Any, target: Any, cut: float = 0.5) -> bool:
    """Whether one prediction is right: the arg-max class for several outputs (target a class index or a
    one-hot list); for one output, whether output and target fall on the same side of ``cut``."""
    if isinstance(output, Value):
        t = float_of(target)
        return (output.data > cut) == (t > cut)
    scores = [v.data for v in output]
    predicted = max(range(len(scores)), key=scores.__getitem__)
    if isinstance(target, int):
        return predicted == target
    values = [float_of(t) for t in target]
    return predicted == max(range(len(values)), key=values.__getitem__)


def evaluate(model: Callable[[Any], Any], data: Any, loss: str | Loss = "mse") -> float:
    """The mean loss of ``model`` over ``data``, recording no graph."""
    return _scores(model, _pairs(data, "evaluate"), _loss(loss, "evaluate"), {})["loss"]


def accuracy(model: Callable[[Any], Any], data: Any) -> float:
    """The fraction of ``data`` that ``model`` predicts correctly (see ``correct``), recording no graph."""
    pairs = _pairs(data, "accuracy")
    with autograd.no_grad():
        cut = threshold(pairs)
        return sum(correct(model(x), y, cut) for x, y in pairs) / len(pairs)


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
) -> dict[str, list[float]]:
    """Train ``model`` by mini-batch gradient descent and return the history of each epoch.

    Each batch: zero the gradients, average the loss over the batch, ``backward()``, ``optimizer.step()``.
    ``optimizer`` defaults to ``SGD(model.parameters(), lr=0.1)``; ``scheduler`` (if given) steps once per
    epoch. ``metrics`` holds "accuracy" and functions ``metric(output, target) -> number``, each reported
    as its mean over the samples. The history has "loss" (the mean training loss over the epoch) and each
    metric's training value, by its name (a function's ``__name__``); with ``val_data`` also "val_loss"
    and "val_<metric>".

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
    rng = random.Random(seed)
    history: dict[str, list[float]] = {"loss": [], **{name: [] for name in train_metrics}}
    if validation is not None:
        history.update({f"val_{name}": [] for name in ["loss", *val_metrics]})
    n_batches = math.ceil(len(pairs) / batch_size)
    frames = progress and sys.stderr.isatty()
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        totals = dict.fromkeys(["loss", *train_metrics], 0.0)
        bar = tqdm(total=n_batches, desc=f"epoch {epoch}/{epochs}", disable=not frames, leave=False)
        for batch in batches(pairs, batch_size, shuffle=shuffle, seed=rng):
            opt.zero_grad()
            outputs = [model(x) for x, _ in batch]
            sample_losses = [fn(out, y) for out, (_, y) in zip(outputs, batch, strict=True)]
            batch_loss = autograd.sum(sample_losses) / len(batch)
            batch_loss.backward()
            opt.step()
            totals["loss"] += batch_loss.data * len(batch)
            for name, metric in train_metrics.items():
                totals[name] += math.fsum(metric(out, y) for out, (_, y) in zip(outputs, batch, strict=True))
            bar.update(1)
            bar.set_postfix(loss=f"{batch_loss.data:.4f}")
        bar.close()
        for name, total in totals.items():
            history[name].append(total / len(pairs))
        if validation is not None:
            for name, value in _scores(model, validation, fn, val_metrics).items():
                history[f"val_{name}"].append(value)
        if progress:
            tqdm.write(_summary(epoch, epochs, history, opt, time.perf_counter() - started), file=sys.stderr)
        if scheduler is not None:
            scheduler.step()
    return history


def _summary(epoch: int, epochs: int, history: dict[str, list[float]], opt: Optimizer, seconds: float) -> str:
    """One epoch in one line: ``epoch 2/5: loss 0.1234, accuracy 0.95, val_loss 0.2, lr 0.01, 1.3 s``."""
    values = ", ".join(f"{name} {series[-1]:.4g}" for name, series in history.items())
    return f"epoch {epoch}/{epochs}: {values}, lr {opt.param_groups[0]['lr']:.4g}, {seconds:.1f} s"
