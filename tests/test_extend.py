"""Adding an op is one definition: every reader of the graph picks it up with no other edit."""

import math

import pytest
from hypothesis import find, given, settings

import autograd
from autograd import Value
from autograd.extend import RULES, apply, define_op
from autograd.testing import expressions

atan = define_op(
    "atan_for_tests",
    math.atan,
    lambda x, out: (1 / (1 + x * x),),
    symbol="atan",
    formula="atan({x})",
    words=("1/(1 + {x}²)",),
)


def test_a_defined_op_reaches_every_reader():
    x = Value(0.5, "x")
    y = atan(x * 2.0)
    assert y.op == "atan_for_tests"
    assert RULES["atan_for_tests"] is y.rule
    y.backward()  # backward
    assert x.grad == pytest.approx(2 / (1 + 1.0))
    (dy,) = autograd.grad(y, [x], create_graph=True)  # create_graph, then a second derivative
    assert isinstance(dy, Value)
    assert autograd.grad(dy, [x])[0] == pytest.approx(-2 * 2 * 1.0 * 2 / (1 + 1.0) ** 2)
    assert autograd.gradcheck(lambda v: atan(v * 2.0), [0.5])  # gradcheck
    assert autograd.gradgradcheck(lambda v: atan(v * 2.0), [0.5])
    text = str(autograd.explain(y, x))  # explain, with the rule's words in the node's own names
    assert "∂(atan(2·x))/∂(2·x) = 1/(1 + (2·x)²)" in text  # named as the steps name it
    x.grad = 0.0
    (first, _) = autograd.backward_steps(y)  # steps
    assert str(first).startswith("step 1: atan(2·x), ∂root/∂atan(2·x) = 1: (2·x).grad += 0.5 × 1 → 0.5")
    dot = autograd.to_dot(y, show_rules=True)  # rendering
    assert ">atan<" in dot
    assert "∂(atan(2·x))/∂(2·x) = 1/(1 + (2·x)²)" in dot  # the drawing names nodes as the steps do


@settings(max_examples=25)
@given(expressions(ops=("atan_for_tests", "mul", "add_const")))
def test_the_strategies_draw_a_defined_op(expr):
    assert {step.op for step in expr.steps} <= {"atan_for_tests", "mul", "add_const", "tanh"}
    assert autograd.gradcheck(expr, list(expr.inputs))


@settings(max_examples=10)
@given(expressions(ops=("atan_for_tests",), min_inputs=1, max_inputs=1, max_steps=3))
def test_the_strategies_do_draw_it(drawn):
    assert {step.op for step in drawn.steps} == {"atan_for_tests"}
    assert "v1 = atan(v0)" in repr(drawn)


@pytest.mark.parametrize(
    ("ops", "message"),
    [((), "ops must name at least one op"), (("logcosh",), r"unknown ops \['logcosh'\].*define_op"),
     (("sum",), "take any number of inputs")],
)
def test_the_strategies_refuse_what_they_cannot_draw(ops, message):
    with pytest.raises(ValueError, match=message):
        find(expressions(ops=ops), lambda _: True)


def test_apply_records_a_node_of_any_row():
    a, b = Value(2.0), Value(3.0)
    node = apply(RULES["mul"], (a, b))
    assert (node.data, node.op, node.parents) == (6.0, "mul", (a, b))


def test_formula_placeholders_are_checked_when_the_op_is_defined():
    with pytest.raises(ValueError, match=r"may name only the inputs \('x',\) in braces"):
        define_op("bad_formula_for_tests", math.sin, lambda x, out: (math.cos(x),), formula="sin({y})")
    with pytest.raises(ValueError, match="one partial per input"):
        define_op("bad_words_for_tests", math.sin, lambda x, out: (math.cos(x),), words=("a", "b"))


def test_by_default_the_strategies_draw_only_built_in_ops():
    from autograd.testing import OPS

    assert "atan_for_tests" not in OPS  # defined above, before this module's first use of OPS
    assert all(rule.builtin and rule.arity is not None for rule in OPS.values())
    assert set(OPS) == {name for name, rule in RULES.items() if rule.builtin and rule.arity is not None}


def test_a_user_op_runs_on_arrays_element_wise_when_its_functions_take_only_floats():
    import numpy as np

    xs = np.array([-1.5, 0.0, 0.25, 2.0])
    rule = RULES["atan_for_tests"]  # forward math.atan: floats only
    out = rule.forward((xs,), None)
    assert list(out) == [math.atan(x) for x in xs]
    (partial,) = rule.partials((xs,), out, None)
    assert list(partial) == [1 / (1 + x * x) for x in xs]
    both = define_op("array_friendly_for_tests", lambda x, y: x * y, lambda x, y, out: (y, x))
    product = both.rule.forward((xs, 2.0), None)
    assert list(product) == [2 * x for x in xs]
    dx, dy = both.rule.partials((xs, 2.0), product, None)
    assert np.shape(dx) == ()  # taken as it came: y, the constant 2.0
    assert list(dy) == list(xs)
