"""Hypothesis strategies for property-testing derivatives: numbers, Values and random expression graphs.

Needs hypothesis (``pip install 'chainrule[testing]'``).

>>> from hypothesis import given
>>> from autograd import gradcheck
>>> from autograd.testing import expressions
>>> @given(expressions())
... def test_backward_matches_central_differences(expr):
...     assert gradcheck(expr, expr.inputs)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - exercised only without the dev extra
    raise ImportError(
        "autograd.testing needs hypothesis: pip install 'chainrule[testing]' (or pip install hypothesis)"
    ) from error

from autograd.rules import RULES, Rule
from autograd.value import Value, apply

__all__ = ["CONSTANTS", "OPS", "Expression", "Step", "expressions", "finite_floats", "values"]


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


def _bounded(x: float) -> bool:
    return abs(x) < 1e3


OPS: Mapping[str, Rule] = MappingProxyType(
    {name: rule for name, rule in RULES.items() if rule.builtin and rule.arity is not None}
)
"""The built-in ops ``expressions()`` draws from by default: every row of the rule table with a fixed number
of inputs. Each row's ``smooth`` says where central differences can check it."""

CONSTANTS = (-2.0, -0.5, 0.5, 1.5, 2.0, 3.0)
"""The constants drawn for ops that take one (``x + c``, leaky_relu's slope)."""


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
        results: list[Value] = [x if isinstance(x, Value) else Value(x) for x in xs]
        for step in self.steps:
            results.append(_run(step, [results[i] for i in step.operands]))
        out = results[-1]
        assert isinstance(out, Value)
        return out

    def __repr__(self) -> str:
        lines = [f"v{i} = {x!r}" for i, x in enumerate(self.inputs)]
        for k, step in enumerate(self.steps, start=len(self.inputs)):
            rule = RULES[step.op]
            names = {param: f"v{i}" for param, i in zip(rule.inputs, step.operands, strict=True)}
            lines.append(f"v{k} = {rule.formula.format(**names, c=step.constant)}")
        return "Expression(\n  " + "\n  ".join(lines) + "\n)"


def _run(step: Step, operands: list[Value]) -> Value:
    return apply(RULES[step.op], tuple(operands), step.constant)


def _float_result(step: Step, operands: list[float]) -> float:
    return _run(step, [Value(x) for x in operands]).data


def _rules(ops: tuple[str, ...] | None) -> list[Rule]:
    if ops is None:
        return list(OPS.values())
    if isinstance(ops, str) or not ops:
        raise ValueError(f"expressions: ops must name at least one op, got {ops!r}")
    unknown = [name for name in ops if name not in RULES]
    if unknown:
        raise ValueError(
            f"expressions: unknown ops {unknown}; choose from {sorted(RULES)} (define your own with define_op first)"
        )
    nary = [name for name in ops if RULES[name].arity is None]
    if nary:
        raise ValueError(f"expressions: {nary} take any number of inputs; name ops with a fixed number of inputs")
    return [RULES[name] for name in ops]


@st.composite
def expressions(
    draw: st.DrawFn,
    min_inputs: int = 1,
    max_inputs: int = 3,
    max_steps: int = 12,
    ops: tuple[str, ...] | None = None,
) -> Expression:
    """Random expression graphs over 1 to 3 inputs, with reused nodes, that stay where each op is smooth
    (its row's ``smooth``: away from the poles of log, division, sqrt and pow and the kinks of abs and relu).
    Any drawn op that would leave that region at the drawn point is replaced by tanh, which is smooth
    everywhere.

    ``ops`` names the ops to draw from: by default every built-in op with a fixed number of inputs (``OPS``);
    name ops made with ``define_op`` to test them."""
    chosen = _rules(ops)
    n_inputs = draw(st.integers(min_inputs, max_inputs))
    inputs = tuple(draw(st.lists(finite_floats(-3.0, 3.0), min_size=n_inputs, max_size=n_inputs)))
    data: list[float] = list(inputs)
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        rule = draw(st.sampled_from(chosen))
        # Favour recent results, so that graphs grow deep as well as wide; repeats give reuse.
        recent = st.integers(max(0, len(data) - 4), len(data) - 1)
        anywhere = st.integers(0, len(data) - 1)
        assert rule.arity is not None
        operands = tuple(draw(st.one_of(recent, anywhere)) for _ in range(rule.arity))
        constant = draw(st.sampled_from(CONSTANTS)) if rule.takes_constant else None
        smooth = rule.smooth(tuple(data[i] for i in operands), constant)
        step = Step(rule.name, operands, constant) if smooth else Step("tanh", operands[:1])
        result = _float_result(step, [data[i] for i in step.operands])
        if not _bounded(result):
            step = Step("tanh", operands[:1])
            result = _float_result(step, [data[i] for i in step.operands])
        steps.append(step)
        data.append(result)
    return Expression(inputs, tuple(steps))
