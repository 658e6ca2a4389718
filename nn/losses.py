"""Loss functions on one sample: a model's output against its target, as one Value to call backward on.

``LOSSES`` names the built-in ones. Each loss's rule for its targets (``TARGETS``) is written once, here: the
loss applies it to each sample, and ``batch_targets`` to a whole data set before a replay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Value
from autograd.extend import RULES, apply, as_values, float_of, is_array, is_real, is_whole, np, real_array

__all__ = [
    "LOSSES", "TARGETS", "batch_targets", "binary_cross_entropy", "cross_entropy", "half_sse", "hinge", "log_softmax",
    "mse", "softmax",
]

Prediction = Value | Sequence[Value]
Target = float | Value | Sequence[float | Value]
Array = Any
"""A NumPy array (typed loosely: NumPy's operators return Any to a type checker)."""


def _in_unit_interval(t: Any) -> Any:
    return (t >= 0) & (t <= 1)


def _a_sign(t: Any) -> Any:
    return (t == -1) | (t == 1)


TARGETS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "binary_cross_entropy": (_in_unit_interval, "must be in [0, 1]"),
    "hinge": (_a_sign, "must be -1 or +1"),
}
"""Each loss's rule for a target number that it does not take any real number for: a test that runs on a
float or element-wise on an array, and the rule in words. ``cross_entropy``'s targets are class indices or
probabilities that sum to 1 (``_distribution_rows``)."""


def _check_target(where: str, i: int, value: float) -> None:
    """Raise ValueError if target ``i`` of one sample breaks the rule of the loss ``where``."""
    test, words = TARGETS[where]
    if not test(value):
        raise ValueError(f"{where}: target {i} {words}, got {value!r}")


def _pairs(output: Prediction, target: Target, where: str) -> tuple[list[Value], list[float | Value]]:
    outs = [output] if isinstance(output, Value) else list(output)
    targets = [target] if isinstance(target, Value) or is_real(target) else list(target)  # type: ignore[arg-type]
    if len(outs) != len(targets):
        raise ValueError(f"{where}: the output has {len(outs)} values but the target has {len(targets)}")
    if not outs:
        raise ValueError(f"{where}: empty output and target")
    for i, o in enumerate(outs):
        if not isinstance(o, Value):
            raise TypeError(f"{where}: output {i} must be a Value, got {type(o).__name__} {o!r}")
    for i, t in enumerate(targets):
        if not isinstance(t, Value) and not is_real(t):
            raise ValueError(f"{where}: target {i} must be a number, got {t!r}")
    return outs, targets


def _named(loss: Value, name: str) -> Value:
    """``loss`` (or a part of it) labelled, so that a drawn graph, its paths and its pages name it in words a
    learner reads (``shifted1``, not ``sub#2549``)."""
    loss.label = name
    return loss


def mse(output: Prediction, target: Target) -> Value:
    """Mean squared error: (1/n) Σ (oᵢ − tᵢ)²."""
    outs, targets = _pairs(output, target, "mse")
    return _named(autograd.sum([(o - t) ** 2 for o, t in zip(outs, targets, strict=True)]) / len(outs), "mse")


def half_sse(output: Prediction, target: Target) -> Value:
    """The textbook error E = Σ ½(tᵢ − oᵢ)², whose derivative is simply oᵢ − tᵢ."""
    outs, targets = _pairs(output, target, "half_sse")
    return _named(autograd.sum([0.5 * (t - o) ** 2 for o, t in zip(outs, targets, strict=True)]), "half_sse")


def binary_cross_entropy(output: Prediction, target: Target) -> Value:
    """−(1/n) Σ [tᵢ log oᵢ + (1 − tᵢ) log(1 − oᵢ)] for probabilities oᵢ in (0, 1) and targets in [0, 1]."""
    outs, targets = _pairs(output, target, "binary_cross_entropy")
    terms = []
    for i, (o, t) in enumerate(zip(outs, targets, strict=True)):
        _check_target("binary_cross_entropy", i, float_of(t))
        if not 0.0 < o.data < 1.0:
            raise ValueError(
                f"binary_cross_entropy: output {i} must be a probability in (0, 1), got {o.data!r}; "
                "use a sigmoid output layer"
            )
        terms.append(t * o.log() + (1 - t) * (1 - o).log())
    return _named(-autograd.sum(terms) / len(outs), "binary_cross_entropy")


def _log_softmax(zs: list[Value], where: str) -> tuple[list[Value], Value]:
    """(z − m) for each logit and log Σ exp(z − m), with m = max z one node of the graph (labelled max_logit,
    shifted1.. and logsumexp): the parts of
    log softmax(z) = (z − m) − log Σ exp(z − m), which keep every digit at any size of the logits (z −
    log Σ exp(z) would lose log 2 at 1e16). The graph does not depend on which logit is largest."""
    if not zs:
        raise ValueError(f"{where}: needs at least one logit")
    logits = as_values(zs, where)
    m = _named(apply(RULES["max"], tuple(logits)), "max_logit")
    shifted = [_named(z - m, f"shifted{i}") for i, z in enumerate(logits, start=1)]
    return shifted, _named(autograd.logsumexp(shifted), "logsumexp")


def log_softmax(logits: Sequence[Value]) -> list[Value]:
    """log softmax(z)ᵢ = (zᵢ − m) − log Σ exp(zⱼ − m) with m = max z, which no logit's size overflows or
    rounds away."""
    shifted, log_sum = _log_softmax(list(logits), "log_softmax")
    return [_named(s - log_sum, f"log_p{i}") for i, s in enumerate(shifted, start=1)]


def softmax(logits: Sequence[Value]) -> list[Value]:
    """softmax(z)ᵢ = exp(log softmax(z)ᵢ), which no logit's size overflows or rounds away."""
    shifted, log_sum = _log_softmax(list(logits), "softmax")
    return [_named((s - log_sum).exp(), f"p{i}") for i, s in enumerate(shifted, start=1)]


def cross_entropy(logits: Prediction, target: int | Sequence[float | Value] | Any) -> Value:
    """−log softmax(z)[target] = log Σ exp(zⱼ) − z_target for a class index; −Σ tᵢ log softmax(z)ᵢ for a
    one-hot or probability target (numbers, or Values, as a trace passes them)."""
    zs = [logits] if isinstance(logits, Value) else list(logits)
    if len(zs) < 2:
        raise ValueError(f"cross_entropy: needs at least 2 logits (one per class), got {len(zs)}")
    if is_whole(target):
        if not 0 <= target < len(zs):
            raise ValueError(f"cross_entropy: target class {target} is out of range for {len(zs)} classes")
        shifted, log_sum = _log_softmax(zs, "cross_entropy")
        return _named(log_sum - shifted[target], "cross_entropy")
    if is_array(target) and target.ndim == 1:  # a row of a one-hot table
        target = target.tolist()
    if isinstance(target, bool | float | str | Value) or not isinstance(target, Sequence):
        raise ValueError(f"cross_entropy: target must be a class index or a list of probabilities, got {target!r}")
    if len(target) != len(zs):
        raise ValueError(f"cross_entropy: {len(zs)} logits but a target of length {len(target)}")
    if any(not isinstance(t, Value) and not is_real(t) for t in target) or not _distribution_rows(
        np.array([[float_of(t) for t in target]])
    )[0]:
        raise ValueError(f"cross_entropy: a target list must hold probabilities that sum to 1, got {list(target)}")
    logp = log_softmax(zs)
    terms = [t * lp for t, lp in zip(target, logp, strict=True) if isinstance(t, Value) or t != 0]
    return _named(-autograd.sum(terms), "cross_entropy")


def hinge(score: Value | Sequence[Value], target: float | Sequence[float]) -> Value:
    """The max-margin loss of the micrograd demo: mean of relu(1 − yᵢ·scoreᵢ) for labels yᵢ in {−1, +1}."""
    outs, targets = _pairs(score, target, "hinge")
    for i, t in enumerate(targets):
        _check_target("hinge", i, float_of(t))
    return _named(autograd.sum([(1 - t * o).relu() for o, t in zip(outs, targets, strict=True)]) / len(outs), "hinge")


def _distribution_rows(rows: Array) -> Array:
    """For each row, whether it holds probabilities that sum to 1 (to 1e-9): a target of ``cross_entropy``."""
    return (rows >= 0).all(axis=1) & np.isclose(rows.sum(axis=1), 1.0, rtol=0, atol=1e-9)


LOSSES: dict[str, Callable[[Any, Any], Value]] = {
    "mse": mse,
    "half_sse": half_sse,
    "binary_cross_entropy": binary_cross_entropy,
    "cross_entropy": cross_entropy,
    "hinge": hinge,
}
"""The built-in losses by name: what ``fit`` and ``evaluate`` accept as ``loss="..."``, and what a replay
takes without being asked for."""


def batch_targets(loss: Callable[..., Any], labels: Sequence[Any] | Array, outputs: int) -> Array:
    """A whole data set's targets as one float array, (n,) for one output or (n, outputs), checked by the
    rule of ``loss`` as the loss checks each sample's (``TARGETS``): the targets a replay is given. Class
    indices of ``cross_entropy`` become one-hot rows. A target of the wrong type or shape raises TypeError,
    one that breaks the loss's rule ValueError naming the example."""
    name = getattr(loss, "__name__", "loss")
    if is_array(labels):  # read as a whole: class indices are an array of whole numbers
        indices = labels.ndim == 1 and labels.dtype.kind in "iu"
    else:
        indices = bool(labels) and all(is_whole(y) for y in labels)
    if loss is cross_entropy and indices:
        classes = np.asarray(labels, dtype=np.int64)
        bad = np.flatnonzero((classes < 0) | (classes >= outputs))
        if bad.size:
            raise ValueError(f"example {int(bad[0])}: cross_entropy: target class {classes[bad[0]]} is out of range "
                             f"for {outputs} classes")
        return np.eye(outputs)[classes]
    try:
        array = real_array(labels, "the targets")
    except TypeError as error:
        raise TypeError(f"{error} (as numbers of one shape)") from None
    want = (len(labels),) if outputs == 1 else (len(labels), outputs)
    if outputs == 1 and array.shape == (len(labels), 1):
        array = array[:, 0]
    if array.shape != want:
        raise TypeError(f"the targets have shape {array.shape}, not {want} for {outputs} output(s)")
    rows = array.reshape(len(labels), -1)
    finite = np.isfinite(rows).all(axis=1)
    with np.errstate(invalid="ignore"):
        if loss is cross_entropy:
            good, words = _distribution_rows(rows), "must hold probabilities that sum to 1"
        elif loss in (binary_cross_entropy, hinge):
            test, words = TARGETS[name]
            good = test(rows).all(axis=1)
        else:
            good, words = finite, "must be a finite number"
    bad = np.flatnonzero(~(good & finite))
    if bad.size:
        raise ValueError(f"example {int(bad[0])}: {name}: the target {words}, got {labels[int(bad[0])]!r}")
    return array
