"""Hypothesis strategies for property-testing derivatives: numbers, Values and random expression graphs.

Needs hypothesis (``pip install 'chainrule[dev]'``).

>>> from hypothesis import given
>>> from autograd import gradcheck
>>> from autograd.testing import expressions
>>> @given(expressions())
... def test_backward_matches_central_differences(expr):
...     assert gradcheck(expr, expr.inputs)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - exercised only without the dev extra
    raise ImportError(
        "autograd.testing needs hypothesis: pip install 'chainrule[dev]' (or pip install hypothesis)"
    ) from error

from autograd.value import Value

__all__ = ["OPS", "Expression", "Step", "expressions", "finite_floats", "values"]


def finite_floats(min_value: float = -1e6, max_value: float = 1e6) -> st.SearchStrategy[float]:
    """Floats in [min_value, max_value]: never NaN or infinite."""
    return st.floats(min_value=min_value, max_value=max_value, allow_nan=False, allow_infinity=False)


def values(
    min_value: float = -1e6, max_value: float = 1e6, labels: bool = False
) -> st.SearchStrategy[Value]:
    """Leaf Values with finite data in [min_value, max_value], optionally with short labels."""
    label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=3) if labels else st.none()
    return st.builds(Value, finite_floats(min_value, max_value), label)


@dataclass(frozen=True)
class Step:
    """One line of an expression: ``op`` applied to earlier results (by index), with a constant."""

    op: str
    operands: tuple[int, ...]
    constant: float | None = None


@dataclass(frozen=True)
class _Op:
    arity: int
    apply: Callable[..., Any]
    safe: Callable[..., bool]
    text: str


def _bounded(x: float) -> bool:
    return abs(x) < 1e3


def _away_from_kink(x: float) -> bool:
    return abs(x) > 0.05


OPS: dict[str, _Op] = {
    "add": _Op(2, lambda a, b: a + b, lambda a, b: True, "{0} + {1}"),
    "sub": _Op(2, lambda a, b: a - b, lambda a, b: True, "{0} - {1}"),
    "mul": _Op(2, lambda a, b: a * b, lambda a, b: _bounded(a * b), "{0} * {1}"),
    "div": _Op(2, lambda a, b: a / b, lambda a, b: abs(b) > 0.2 and _bounded(a / b), "{0} / {1}"),
    "pow": _Op(2, lambda a, b: a**b, lambda a, b: 0.2 < a < 10 and abs(b) < 3, "{0} ** {1}"),
    "add_const": _Op(1, lambda a, c: a + c, lambda a, c: True, "{0} + {c}"),
    "mul_const": _Op(1, lambda a, c: a * c, lambda a, c: _bounded(a * c), "{0} * {c}"),
    "rsub_const": _Op(1, lambda a, c: c - a, lambda a, c: True, "{c} - {0}"),
    "div_const": _Op(1, lambda a, c: a / c, lambda a, c: abs(c) > 0.2 and _bounded(a / c), "{0} / {c}"),
    "rdiv_const": _Op(1, lambda a, c: c / a, lambda a, c: abs(a) > 0.2 and _bounded(c / a), "{c} / {0}"),
    "pow_const": _Op(1, lambda a, c: a**c, lambda a, c: 0.2 < a < 10 and abs(c) < 3, "{0} ** {c}"),
    "rpow_const": _Op(1, lambda a, c: c**a, lambda a, c: c > 0.2 and abs(a) < 5, "{c} ** {0}"),
    "neg": _Op(1, lambda a: -a, lambda a: True, "-{0}"),
    "abs": _Op(1, lambda a: abs(a), _away_from_kink, "abs({0})"),
    "exp": _Op(1, lambda a: a.exp(), lambda a: a < 5, "exp({0})"),
    "log": _Op(1, lambda a: a.log(), lambda a: a > 0.2, "log({0})"),
    "sqrt": _Op(1, lambda a: a.sqrt(), lambda a: a > 0.2, "sqrt({0})"),
    "tanh": _Op(1, lambda a: a.tanh(), lambda a: True, "tanh({0})"),
    "sigmoid": _Op(1, lambda a: a.sigmoid(), lambda a: True, "sigmoid({0})"),
    "relu": _Op(1, lambda a: a.relu(), _away_from_kink, "relu({0})"),
    "leaky_relu": _Op(1, lambda a: a.leaky_relu(0.1), _away_from_kink, "leaky_relu({0}, 0.1)"),
    "softplus": _Op(1, lambda a: a.softplus(), lambda a: True, "softplus({0})"),
    "sin": _Op(1, lambda a: a.sin(), lambda a: True, "sin({0})"),
    "cos": _Op(1, lambda a: a.cos(), lambda a: True, "cos({0})"),
}
"""The ops ``expressions()`` draws from, each with the condition (on its inputs' data) under which it is
smooth and far from a pole, so that central differences agree with the analytic derivative."""

_CONST_OPS = {"add_const", "mul_const", "rsub_const", "div_const", "rdiv_const", "pow_const", "rpow_const"}


@dataclass(frozen=True)
class Expression:
    """A random expression graph: a callable from ``len(inputs)`` Values to a Value.

    ``inputs`` is a point where every op is well away from its poles and kinks. Results may be reused by
    later steps, so the graph has shared nodes and repeated edges (``v1 * v1``). Its repr is the program.
    """

    inputs: tuple[float, ...]
    steps: tuple[Step, ...]

    def __call__(self, *xs: Value | float) -> Value:
        if len(xs) != len(self.inputs):
            raise TypeError(f"Expression: takes {len(self.inputs)} inputs, got {len(xs)}")
        results: list[Any] = [x if isinstance(x, Value) else Value(x) for x in xs]
        for step in self.steps:
            results.append(_run(step, [results[i] for i in step.operands]))
        out = results[-1]
        assert isinstance(out, Value)
        return out

    def __repr__(self) -> str:
        lines = [f"v{i} = {x!r}" for i, x in enumerate(self.inputs)]
        for k, step in enumerate(self.steps, start=len(self.inputs)):
            names = [f"v{i}" for i in step.operands]
            text = OPS[step.op].text.format(*names, c=step.constant)
            lines.append(f"v{k} = {text}")
        return "Expression(\n  " + "\n  ".join(lines) + "\n)"


def _run(step: Step, operands: list[Any]) -> Any:
    op = OPS[step.op]
    if step.op in _CONST_OPS:
        return op.apply(operands[0], step.constant)
    return op.apply(*operands)


def _float_result(step: Step, operands: list[float]) -> float:
    return _run(step, [Value(x) for x in operands]).data  # type: ignore[no-any-return]


@st.composite
def expressions(
    draw: st.DrawFn,
    min_inputs: int = 1,
    max_inputs: int = 3,
    max_steps: int = 12,
    ops: tuple[str, ...] | None = None,
) -> Expression:
    """Random expression graphs over 1 to 3 inputs, with reused nodes, that avoid the poles of log,
    division, sqrt and pow and the kinks of abs and relu. Any drawn op that would leave its safe domain at
    the drawn point is replaced by tanh, which is smooth everywhere."""
    names = tuple(OPS) if ops is None else ops
    unknown = [name for name in names if name not in OPS]
    if unknown:
        raise ValueError(f"expressions: unknown ops {unknown}; choose from {sorted(OPS)}")
    n_inputs = draw(st.integers(min_inputs, max_inputs))
    inputs = tuple(draw(st.lists(finite_floats(-3.0, 3.0), min_size=n_inputs, max_size=n_inputs)))
    data: list[float] = list(inputs)
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(names))
        op = OPS[name]
        # Favour recent results, so that graphs grow deep as well as wide; repeats give reuse.
        recent = st.integers(max(0, len(data) - 4), len(data) - 1)
        anywhere = st.integers(0, len(data) - 1)
        arity = 1 if name in _CONST_OPS else op.arity
        operands = tuple(draw(st.one_of(recent, anywhere)) for _ in range(arity))
        constant = draw(st.sampled_from([-2.0, -0.5, 0.5, 1.5, 2.0, 3.0])) if name in _CONST_OPS else None
        args = [data[i] for i in operands] + ([constant] if constant is not None else [])
        step = Step(name, operands, constant) if op.safe(*args) else Step("tanh", operands[:1])
        result = _float_result(step, [data[i] for i in step.operands])
        if not _bounded(result):
            step = Step("tanh", operands[:1])
            result = _float_result(step, [data[i] for i in step.operands])
        steps.append(step)
        data.append(result)
    return Expression(inputs, tuple(steps))
