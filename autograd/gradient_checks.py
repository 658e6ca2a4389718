"""Checking derivatives against central differences: ``gradcheck`` and ``gradgradcheck``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd.backprop import grad
from autograd.errors import GradcheckError
from autograd.forward import MODES, forward_jacobian
from autograd.modes import no_grad
from autograd.rules import float_of
from autograd.validation import as_float
from autograd.value import Value

__all__ = ["gradcheck", "gradgradcheck"]

Function = Callable[..., Value]


def gradcheck(
    fn: Function,
    inputs: Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    modes: Sequence[str] = ("rev", "fwd"),
) -> bool:
    """Check ∂fn/∂inputs against central differences (f(x+eps) − f(x−eps)) / 2eps, in each of ``modes``:
    "rev" from ``grad`` (reverse mode, one pass), "fwd" from forward mode (``autograd.forward``, one pass per
    input). Both read the same rule rows, so a wrong partial fails both.

    ``fn`` takes one Value per input and returns a Value. Returns True, or raises ``GradcheckError``
    listing each input whose analytic and numeric derivatives differ by more than atol + rtol·|numeric|.
    """
    points, labels = _points(inputs, "gradcheck")
    _check_tolerances(eps, atol, rtol, "gradcheck")
    chosen = _modes(modes, "gradcheck")
    numeric = [
        (_evaluate(fn, _shift(points, i, eps)) - _evaluate(fn, _shift(points, i, -eps))) / (2 * eps)
        for i in range(len(points))
    ]
    entries = [(i, labels[i], f"input {i} ({labels[i]})") for i in range(len(points))]
    for mode in chosen:
        xs = [Value(p, label) for p, label in zip(points, labels, strict=True)]
        out = _call(fn, xs, "gradcheck")
        analytic = ([float_of(g) for g in grad(out, xs)] if mode == "rev" else
                    list(forward_jacobian([out], xs, "gradcheck")[0]))
        _compare(_named("gradcheck", mode, chosen), "derivatives", points, entries, analytic, numeric, atol, rtol)
    return True


def _modes(modes: Sequence[str], where: str) -> tuple[str, ...]:
    chosen = (modes,) if isinstance(modes, str) else tuple(modes)
    if not chosen or any(m not in MODES for m in chosen):
        raise ValueError(f"{where}: modes must be 'rev', 'fwd' or both, got {modes!r}")
    return chosen


def _named(where: str, mode: str, chosen: Sequence[str]) -> str:
    """The check's name in its error: with the mode when both run, so that a message says which failed."""
    return f"{where} ({'reverse' if mode == 'rev' else 'forward'} mode)" if len(chosen) > 1 else where


def gradgradcheck(
    fn: Function,
    inputs: Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    modes: Sequence[str] = ("rev", "fwd"),
) -> bool:
    """Check the second derivatives ∂²fn/∂xᵢ∂xⱼ against central differences of the first derivatives, in
    each of ``modes``: "rev" differentiates ``grad(create_graph=True)``'s gradient by reverse mode again,
    "fwd" by forward mode (forward over reverse, as ``autograd.hessian``). Returns True or raises
    ``GradcheckError`` listing each (i, j)."""
    points, labels = _points(inputs, "gradgradcheck")
    _check_tolerances(eps, atol, rtol, "gradgradcheck")
    chosen = _modes(modes, "gradgradcheck")
    n = len(points)
    columns = [
        [(a - b) / (2 * eps) for a, b in zip(_gradient(fn, _shift(points, j, eps)),
                                             _gradient(fn, _shift(points, j, -eps)), strict=True)]
        for j in range(n)
    ]
    pairs = [(i, j) for i in range(n) for j in range(n)]
    entries = [((i, j), (labels[i], labels[j]), f"∂²/∂{labels[i]}∂{labels[j]} {(i, j)}") for i, j in pairs]
    numeric = [columns[j][i] for i, j in pairs]
    for mode in chosen:
        xs = [Value(p, label) for p, label in zip(points, labels, strict=True)]
        first = list(grad(_call(fn, xs, "gradgradcheck"), xs, create_graph=True))
        second = ([[float(h) for h in grad(g, xs)] if isinstance(g, Value) else [0.0] * n for g in first]
                  if mode == "rev" else forward_jacobian(first, xs, "gradgradcheck"))
        analytic = [second[i][j] for i, j in pairs]
        _compare(_named("gradgradcheck", mode, chosen), "second derivatives", points, entries, analytic, numeric,
                 atol, rtol)
    return True


def _compare(
    where: str,
    what: str,
    points: list[float],
    entries: Sequence[tuple[object, object, str]],
    analytic: Sequence[float],
    numeric: Sequence[float],
    atol: float,
    rtol: float,
) -> None:
    """Raise ``GradcheckError`` listing every entry (its index, label and how to show it) whose analytic
    and numeric values differ by more than atol + rtol·|numeric|."""
    mismatches = [
        ({"input": index, "label": label, "analytic": a, "numeric": num}, shown)
        for (index, label, shown), a, num in zip(entries, analytic, numeric, strict=True)
        if not abs(a - num) <= atol + rtol * abs(num)
    ]
    if mismatches:
        lines = [f"  {shown}: analytic {m['analytic']!r}, numeric {m['numeric']!r}" for m, shown in mismatches]
        raise GradcheckError(
            f"{where}: {len(mismatches)} of {len(entries)} {what} disagree at {points}:\n" + "\n".join(lines),
            [m for m, _ in mismatches],
        )


def _points(inputs: Sequence[Value | float], where: str) -> tuple[list[float], list[str]]:
    if isinstance(inputs, Value) or not isinstance(inputs, Sequence) or not inputs:
        raise TypeError(f"{where}: inputs must be a non-empty list of Values or numbers, got {inputs!r}")
    points = [x.data if isinstance(x, Value) else as_float(x, f"{where}: inputs[{i}]") for i, x in enumerate(inputs)]
    labels = [x.label if isinstance(x, Value) and x.label else f"x{i}" for i, x in enumerate(inputs)]
    return points, labels


def _check_tolerances(eps: float, atol: float, rtol: float, where: str) -> None:
    for name, value in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        number = as_float(value, f"{where}: {name}")
        if not number >= 0 or (name == "eps" and number == 0):
            wanted = "positive" if name == "eps" else "non-negative"
            raise ValueError(f"{where}: {name} must be {wanted}, got {value!r}")


def _call(fn: Function, xs: Sequence[Value], where: str) -> Value:
    out = fn(*xs)
    if not isinstance(out, Value):
        raise TypeError(f"{where}: fn must return a Value, got {type(out).__name__} {out!r}")
    return out


def _shift(points: list[float], i: int, delta: float) -> list[float]:
    moved = list(points)
    moved[i] += delta
    return moved


def _evaluate(fn: Function, points: list[float]) -> float:
    with no_grad():
        return _call(fn, [Value(p) for p in points], "gradcheck").data


def _gradient(fn: Function, points: list[float]) -> list[float]:
    xs = [Value(p) for p in points]
    return [float(g) for g in grad(_call(fn, xs, "gradgradcheck"), xs)]


