"""Training: mini-batch gradient descent with the gradient averaged over each batch, as in the classic
``SGD(training_data, epochs, mini_batch_size, eta, test_data)``, plus evaluation."""

from __future__ import annotations

import contextlib
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from tqdm.auto import tqdm

import autograd
from autograd import Value
from autograd.extend import Backend, float_of, get_backend, is_array, is_real, is_whole, np, paused_gc, whole_number
from nn import losses, replay
from nn.module import Module
from nn.optim import SGD, Optimizer, VectorStep
from nn.schedulers import LRScheduler
from nn.timeline import History, Watcher

__all__ = ["LOSSES", "Metric", "accuracy", "correct", "correct_rows", "evaluate", "fit", "threshold"]

Loss = Callable[[Any, Any], Value]
Pairs = Sequence[tuple[Any, Any]]
Array = Any
"""A NumPy array (typed loosely: NumPy's operators return Any to a type checker)."""
Outputs = tuple[Array | list[float] | None, Callable[[], Array], Callable[[], Sequence[Any]]]
"""A batch's results (see ``_Runner.outputs``): each sample's loss, then functions giving the outputs'
numbers and the outputs, which only metrics need."""

LOSSES = losses.LOSSES
"""Losses ``fit`` and ``evaluate`` accept by name (``nn.losses.LOSSES``)."""


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) or is_array(x)


def _pairs(data: Any, where: str) -> Pairs:
    """(x, y) pairs from a data set given as (X, y) (lists or NumPy arrays) or as a list of pairs."""
    pairs: Pairs
    if isinstance(data, tuple) and len(data) == 2 and _is_sequence(data[0]) and _is_sequence(data[1]) and len(
        data[0]
    ) == len(data[1]):
        pairs = _Zipped(data[0], data[1])
    elif isinstance(data, Sequence) and all(isinstance(p, tuple | list) and len(p) == 2 for p in data):
        pairs = [(p[0], p[1]) for p in data]
    else:
        raise ValueError(f"{where}: data must be (X, y) with equal lengths or a list of (x, y) pairs")
    if not pairs:
        raise ValueError(f"{where}: the data set is empty")
    return pairs


class _Zipped(Sequence[tuple[Any, Any]]):
    """The pairs (X[i], y[i]) of a data set given as (X, y), made when asked for: a list of 60,000 of them
    took 22 ms, a third of an MNIST epoch's own work when it is replayed."""

    def __init__(self, xs: Sequence[Any], ys: Sequence[Any]) -> None:
        self.xs, self.ys = xs, ys

    def __len__(self) -> int:
        return len(self.xs)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [(self.xs[i], self.ys[i]) for i in range(*index.indices(len(self.xs)))]
        return (self.xs[index], self.ys[index])


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
    side of ``cut``. The one sample of ``correct_rows``, on floats (it needs no NumPy)."""
    row = [float_of(output)] if isinstance(output, Value) else [float_of(v) for v in output]
    if len(row) == 1:
        truth = target
        while _is_sequence(truth):  # the first number of a target given as a row, as np.ravel(y)[0]
            truth = truth[0]
        truth = float_of(truth)
        return (row[0] > cut) == (truth > cut)
    return max(range(len(row)), key=row.__getitem__) == _class_of(target, len(row))


def correct_rows(outputs: Array, targets: Sequence[Any], cut: float) -> Array:
    """For each example, whether its outputs (a row of ``outputs``, examples × outputs) predict its target:
    the one accuracy of both paths (see ``correct``)."""
    if outputs.shape[1] == 1:
        truth = np.asarray([float_of(np.ravel(y)[0]) if _is_sequence(y) else float_of(y) for y in targets])
        return (outputs[:, 0] > cut) == (truth > cut)
    k = outputs.shape[1]
    classes = (np.asarray(targets, dtype=np.int64) if all(is_whole(y) for y in targets)
               else np.array([_class_of(y, k) for y in targets], dtype=np.int64))
    return np.argmax(outputs, axis=1) == classes


def _class_of(target: Any, k: int) -> int:
    """The class a target of ``k`` outputs names: itself if it is an index, else its row's arg-max."""
    if is_whole(target):
        return int(target)
    if not _is_sequence(target) or len(target) != k:
        raise ValueError(f"correct: with {k} outputs the target must be a class index or a one-hot row of {k}, got "
                         f"{target!r}")
    values = [float_of(t) for t in target]
    return max(range(k), key=values.__getitem__)


def _output_numbers(outputs: Sequence[Any]) -> Array:
    """Models' outputs (a Value, or a list of Values, per sample) as numbers, samples × outputs."""
    return np.array([[float_of(o)] if isinstance(o, Value) else [float_of(v) for v in o] for o in outputs], dtype=float)


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

    accuracy.cut = cut  # type: ignore[attr-defined]  # both paths count the correct rows at once
    return accuracy


def _add_metrics(totals: dict[str, float], metrics: dict[str, Metric], numbers: Callable[[], Array],
                 outputs: Callable[[], Sequence[Any]], targets: list[Any]) -> None:
    """Add each metric, summed over a batch, to ``totals``: accuracy from the outputs' ``numbers()`` by
    ``correct_rows``, a function on each sample's ``outputs()`` (the model's Values, or leaves holding a
    replay's numbers)."""
    given: Sequence[Any] | None = None
    for name, metric in metrics.items():
        cut = getattr(metric, "cut", None)
        if cut is not None:
            try:
                totals[name] += float(np.count_nonzero(correct_rows(numbers(), targets, cut)))
            except ImportError:  # no NumPy here (Pyodide from its bare interpreter): sample by sample
                given = outputs() if given is None else given
                totals[name] += sum(correct(out, y, cut) for out, y in zip(given, targets, strict=True))
            continue
        given = outputs() if given is None else given
        totals[name] += math.fsum(metric(out, y) for out, y in zip(given, targets, strict=True))


class _Runner:
    """How a batch runs: the scalar graph of each sample (``_OnValues``) or the replay (``_Replayed``). The
    training loop, ``evaluate`` and ``accuracy`` are written once over this; scoring takes ``chunk`` samples
    at a time (all at once when None)."""

    chunk: int | None = None

    def positions(self, order: list[int]) -> Sequence[int]:
        """An epoch's order of the samples, as ``outputs`` reads batches of it best (slices of it)."""
        return order

    def outputs(self, rows: Sequence[int] | slice, train: bool) -> Outputs:
        """For the samples ``rows``: each one's loss (None without a loss), then a function giving the outputs'
        numbers (samples × outputs) and one giving the outputs as the model returns them; with ``train``,
        after one optimizer step on the batch's mean loss."""
        raise NotImplementedError

    def finish(self) -> None:
        """Leave the model holding what training gave it."""


class _OnValues(_Runner):
    """Every sample on Values, one graph each; a training step is zero_grad, backward of the batch's mean
    loss, then the optimizer's step."""

    def __init__(self, model: Callable[[Any], Any], pairs: Pairs, fn: Loss | None, opt: Optimizer | None) -> None:
        self.model, self.pairs, self.fn, self.opt = model, pairs, fn, opt

    def outputs(self, rows: Sequence[int] | slice, train: bool) -> Outputs:
        batch = self.pairs[rows] if isinstance(rows, slice) else [self.pairs[i] for i in rows]
        with contextlib.nullcontext() if train else autograd.no_grad():
            outputs = [self.model(x) for x, _ in batch]
            fn = self.fn
            sample_losses = None if fn is None else [fn(out, y) for out, (_, y) in zip(outputs, batch, strict=True)]
        if train:
            assert self.opt is not None
            assert sample_losses is not None
            self.opt.zero_grad()
            (autograd.sum(sample_losses) / len(batch)).backward()
            self.opt.step()
        loss_numbers = None if sample_losses is None else [v.data for v in sample_losses]  # no NumPy needed
        return loss_numbers, lambda: _output_numbers(outputs), lambda: outputs


class _Replayed(_Runner):
    """The samples through a replay, the parameters (and the optimizer's state) in arrays of the replay's
    backend, on its device, until ``finish`` writes them back to the model's Values. A scorer of validation
    data reads the parameters of the runner that trains (``source``), as they are after its last step."""

    chunk = replay.CHUNK

    def __init__(self, found: replay.Replay, stepper: VectorStep | None, source: _Replayed | None = None) -> None:
        self.found, self.stepper, self.source = found, stepper, source
        self._parameters = found.trace.parameter_data() if source is None else None
        self.grads: Array | None = None
        self.stepped = False  # since the Values were last written

    def positions(self, order: list[int]) -> Sequence[int]:
        positions: Sequence[int] = np.array(order, dtype=np.intp)  # its slices index the data as they are
        return positions

    @property
    def parameters(self) -> Array:
        """The parameters' vector as training has left it."""
        return self.source.parameters if self.source is not None else self._parameters

    def outputs(self, rows: Sequence[int] | slice, train: bool) -> Outputs:
        sample_losses, numbers = self.found.forward(rows, self.parameters)
        if train:
            assert self.stepper is not None
            self.grads = self.found.backward()
            self._parameters = self.stepper.step(self._parameters, self.grads)
            self.stepped = True
        return sample_losses, lambda: numbers, lambda: [replay.as_values(row) for row in numbers]

    def write_back(self) -> None:
        """Write the replay's parameters and last gradients to the model's Values (where a step has changed
        them since they were last written)."""
        if not self.stepped:
            return
        self.stepped = False
        to_numpy = self.found.trace.backend.to_numpy
        grads = to_numpy(self.grads).tolist() if self.grads is not None else None
        values = to_numpy(self.parameters).tolist()
        with paused_gc():
            self._write(values, grads)

    def _write(self, values: list[float], grads: list[float] | None) -> None:
        for i, (p, value) in enumerate(zip(self.found.trace.parameters, values, strict=True)):
            p.data = value
            if grads is not None:
                p.grad = grads[i]

    def finish(self) -> None:
        """Write the replay's parameters, last gradients and optimizer state back to the model's Values."""
        if self.stepper is None:
            return
        self.write_back()
        self.stepper.close()
        self.stepper = None


def _chosen(backend: Any, dtype: str, device: Any, where: str) -> Backend | None:
    """The backend asked for (``autograd.backends.get_backend``), or None for the default, NumPy's, where NumPy
    cannot be imported (Pyodide from its bare interpreter): then every sample runs on Values."""
    if isinstance(backend, str) and backend == "numpy" and dtype == "float64" and device is None:
        try:
            import numpy  # noqa: F401  (only whether it can be imported)
        except ImportError:
            return None
    return get_backend(backend, dtype, device, where)


def _runner(model: Any, fn: Loss | None, data: Any, pairs: Pairs, batched: bool | None, where: str,
            opt: Optimizer | None = None, backend: Backend | None = None, source: _Replayed | None = None) -> _Runner:
    """The replay of ``fn(model(x), y)`` (of ``model(x)`` when ``fn`` is None) over ``data`` on ``backend``,
    or the scalar path. ``batched=True`` turns "cannot be replayed" into an error that says why; ``False``
    never replays. A backend other than NumPy's float64 demands the replay, except of validation data, which is
    scored on the model's Values where it cannot be replayed (as with NumPy). With ``opt`` (training), the
    optimizer must step arrays too; ``source``, the runner that trains, gives a scorer its parameters."""
    if batched not in (None, True, False):
        raise ValueError(f"{where}: batched must be None, True or False, got {batched!r}")
    if backend is None:  # NumPy cannot be imported here (``_chosen``)
        if batched:
            raise ValueError(f"{where}: batched=True replays the model with NumPy, which cannot be imported here")
        return _OnValues(model, pairs, fn, opt)
    chosen = (not backend.native or backend.dtype_name != "float64") and source is None  # validation may fall back
    if chosen and batched is False:
        raise ValueError(f"{where}: backend {backend.name!r} ({backend.dtype_name}) runs the replay, but batched=False "
                         "asks for the scalar path; leave batched as None or True")
    batched = True if chosen else batched
    on_values = _OnValues(model, pairs, fn, opt)
    if batched is False:
        return on_values
    data_source = data if isinstance(data, tuple) and len(data) == 2 else pairs
    try:
        found = replay.Replay.of(model, fn, data_source, demanded=batched is True, backend=backend)
    except replay.NotReplayableError as reason:
        if batched:
            raise ValueError(f"{where}: batched=True, but the model cannot be traced and replayed: {reason}") from None
        return on_values
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    if opt is None:
        return _Replayed(found, None, source)
    try:
        stepper = opt.vector_step(found.trace.parameters, backend)
    except ValueError as reason:
        if batched:
            raise ValueError(f"{where}: batched=True, but the optimizer cannot step arrays: {reason}") from None
        return on_values
    return _Replayed(found, stepper)


def _floats(numbers: Array | list[float]) -> list[float]:
    """A batch's losses as floats: a replay's array, or the scalar path's list."""
    return numbers if isinstance(numbers, list) else numbers.tolist()


def _scores(runner: _Runner, pairs: Pairs, metrics: dict[str, Metric]) -> dict[str, float]:
    """The mean loss (when the runner has a loss) and the mean of each metric over ``pairs``."""
    chunk = runner.chunk or len(pairs)
    losses_seen: list[float] = []
    totals = dict.fromkeys(metrics, 0.0)
    for start in range(0, len(pairs), chunk):
        rows = slice(start, min(start + chunk, len(pairs)))
        sample_losses, numbers, outputs = runner.outputs(rows, train=False)
        if sample_losses is not None:
            losses_seen.extend(_floats(sample_losses))
        _add_metrics(totals, metrics, numbers, outputs, [y for _, y in pairs[rows]])
    n = len(pairs)
    scores = {name: total / n for name, total in totals.items()}
    return {"loss": math.fsum(losses_seen) / n, **scores} if losses_seen else scores


def evaluate(model: Callable[[Any], Any], data: Any, loss: str | Loss = "mse", batched: bool | None = None,
             backend: Any = "numpy", device: Any = None, dtype: str = "float64") -> float:
    """The mean loss of ``model`` over ``data``, recording no graph. An nn model with a built-in loss is
    traced once and replayed over the data with NumPy (``batched``, ``backend``, ``device`` and ``dtype`` as
    in ``fit``)."""
    pairs, fn = _pairs(data, "evaluate"), _loss(loss, "evaluate")
    chosen = _chosen(backend, dtype, device, "evaluate")
    return _scores(_runner(model, fn, data, pairs, batched, "evaluate", backend=chosen), pairs, {})["loss"]


def accuracy(model: Callable[[Any], Any], data: Any, batched: bool | None = None, backend: Any = "numpy",
             device: Any = None, dtype: str = "float64") -> float:
    """The fraction of ``data`` that ``model`` predicts correctly (see ``correct``), recording no graph;
    for an nn model, its outputs are replayed over the data with NumPy (``batched``, ``backend``, ``device``
    and ``dtype`` as in ``fit``)."""
    pairs = _pairs(data, "accuracy")
    chosen = _chosen(backend, dtype, device, "accuracy")
    runner = _runner(model, None, data, pairs, batched, "accuracy", backend=chosen)
    return _scores(runner, pairs, {"accuracy": _accuracy_metric(threshold(pairs))})["accuracy"]


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
    watch: tuple[Any, Any] | None = None,
    watch_every: int | None = None,
    backend: Any = "numpy",
    device: Any = None,
    dtype: str = "float64",
) -> History:
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

    ``backend`` is the array library the replay runs on (``autograd.trace``): "numpy" (the default), "torch",
    "cupy", "jax" or an array-API namespace, on ``device`` ("cpu", "cuda", "cuda:1"; the library's first by
    default), in ``dtype`` "float64" (the default: every backend gives NumPy's weights, to rounding) or
    "float32". Any other than NumPy in float64 demands the replay. The parameters and the optimizer's state
    stay on the device between batches; they are written back to the Values after each epoch (and whenever
    validation on Values, ``watch`` or an error needs them), and at the end.

    With ``progress`` (the default), each epoch ends with one line on stderr: its loss, metrics, validation,
    learning rate and time; a progress bar moves during the epoch when stderr is a terminal (no frames are
    written to a file or a notebook). ``progress=False`` writes nothing.

    ``watch=(x, y)`` records the training timeline (``nn.timeline``): before training and after each epoch
    (or every ``watch_every`` steps), the pass of ``loss(model(x), y)``, the model's mean loss and metrics
    over the training data, and for data of two features the classes it gives the plane.
    ``history.explore()`` shows them on one page with a slider.
    """
    pairs, fn = _pairs(train_data, "fit"), _loss(loss, "fit")
    model.trained_with = loss if isinstance(loss, str) else None
    validation = _pairs(val_data, "fit: val_data") if val_data is not None else None
    whole_number(epochs, "epochs", "fit")
    whole_number(batch_size, "batch_size", "fit")
    train_metrics = _metrics(metrics, pairs)
    val_metrics = _metrics(metrics, validation) if validation is not None else {}
    _score_first(model, pairs, fn, train_metrics, "fit")
    if validation is not None:
        _score_first(model, validation, fn, val_metrics, "fit: val_data")
    if watch_every is not None:
        whole_number(watch_every, "watch_every", "fit")
        if watch is None:
            raise ValueError("fit: watch_every needs watch=(x, y), the example to watch")
    if watch is not None:
        if not isinstance(watch, tuple | list) or len(watch) != 2:
            raise ValueError(f"fit: watch must be one example (x, y), got {watch!r}")
        _score_first(model, [(watch[0], watch[1])], fn, {}, "fit: watch")
    opt = optimizer if optimizer is not None else SGD(model.parameters(), lr=0.1)
    chosen = _chosen(backend, dtype, device, "fit")
    runner = _runner(model, fn, train_data, pairs, batched, "fit", opt=opt, backend=chosen)
    history = History({"loss": [], **{name: [] for name in train_metrics}})
    if validation is not None:
        history.update({f"val_{name}": [] for name in ["loss", *val_metrics]})
    scorer: _Runner | None = None
    if validation is not None:  # the replay reads the training replay's parameters, updated in place
        scorer = (_runner(model, fn, val_data, validation, batched, "fit: val_data", backend=chosen, source=runner)
                  if isinstance(runner, _Replayed) else _OnValues(model, validation, fn, None))
    rng = random.Random(seed)
    watcher, after_step = _watcher(model, runner, pairs, fn, train_metrics, history, watch, watch_every)
    try:
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            totals = _epoch(runner, pairs, train_metrics, batch_size, shuffle, rng, f"epoch {epoch}/{epochs}",
                            progress and sys.stderr.isatty(), after_step)
            for name, total in totals.items():
                history[name].append(total / len(pairs))
            if isinstance(runner, _Replayed):
                runner.write_back()  # each epoch ends with the model's Values current (and validation on them)
            if scorer is not None and validation is not None:
                for name, value in _scores(scorer, validation, val_metrics).items():
                    history[f"val_{name}"].append(value)
            if watcher is not None and watch_every is None:
                watcher(f"epoch {epoch}")
            if progress:
                tqdm.write(_summary(epoch, epochs, history, opt, time.perf_counter() - started), file=sys.stderr)
            if scheduler is not None:
                scheduler.step()
    finally:  # whatever stops training (an error, Ctrl-C), the model keeps what it has learnt, as on Values
        runner.finish()
    return history


def _watcher(model: Module, runner: _Runner, pairs: Pairs, fn: Loss, metrics: dict[str, Metric], history: History,
             watch: tuple[Any, Any] | None, every: int | None) -> tuple[Callable[[str], None] | None,
                                                                       Callable[[], None] | None]:
    """With ``watch``, a function that records a point of the timeline under a label (the model's Values made
    current first, when the runner holds the parameters in arrays), having recorded "before training";
    with ``every``, also the function to call after each step, which records every ``every``-th."""
    if watch is None:
        return None, None

    def score() -> dict[str, float]:
        return _scores(runner, pairs, metrics)

    watching = Watcher(model, (watch[0], watch[1]), fn, score, history, pairs, threshold(pairs))

    def record_point(label: str) -> None:
        if isinstance(runner, _Replayed):
            runner.write_back()
        watching.watch(label)

    record_point("before training")
    if every is None:
        return record_point, None
    steps = 0

    def after_step() -> None:
        nonlocal steps
        steps += 1
        if steps % every == 0:
            record_point(f"step {steps}")

    return record_point, after_step


def _epoch(runner: _Runner, pairs: Pairs, metrics: dict[str, Metric], batch_size: int, shuffle: bool,
           rng: random.Random, title: str, frames: bool, after_step: Callable[[], None] | None = None,
           ) -> dict[str, float]:
    """One pass over the data, a training step per batch; the sums of the loss and of each metric over the
    samples. The batches are positions drawn from ``rng`` the same way on both backends, so that the two
    see the same samples in the same order. ``after_step`` runs after each step."""
    totals = dict.fromkeys(["loss", *metrics], 0.0)
    bar = tqdm(total=math.ceil(len(pairs) / batch_size), desc=title, disable=not frames, leave=False)
    order = list(range(len(pairs)))  # as nn.datasets.batches draws them
    if shuffle:
        rng.shuffle(order)
    positions = runner.positions(order)
    for start in range(0, len(order), batch_size):
        rows = positions[start:start + batch_size]
        sample_losses, numbers, outputs = runner.outputs(rows, train=True)
        assert sample_losses is not None
        total = math.fsum(_floats(sample_losses))
        totals["loss"] += total
        if metrics:
            _add_metrics(totals, metrics, numbers, outputs, [pairs[i][1] for i in rows])
        if after_step is not None:
            after_step()
        if frames:
            bar.update(1)
            bar.set_postfix(loss=f"{total / len(rows):.4f}")
    bar.close()
    return totals


def _summary(epoch: int, epochs: int, history: dict[str, list[float]], opt: Optimizer, seconds: float) -> str:
    """One epoch in one line: ``epoch 2/5: loss 0.1234, accuracy 0.95, val_loss 0.2, lr 0.01, 1.3 s``."""
    values = ", ".join(f"{name} {series[-1]:.4g}" for name, series in history.items())
    return f"epoch {epoch}/{epochs}: {values}, lr {opt.param_groups[0]['lr']:.4g}, {seconds:.1f} s"
