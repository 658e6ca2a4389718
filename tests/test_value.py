"""Value: construction, the recorded graph, operators with numbers on either side, modes."""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, no_grad
from autograd.testing import finite_floats


def test_data_is_stored_as_float():
    assert Value(3).data == 3.0
    assert type(Value(3).data) is float
    assert type(Value(Fraction(1, 4)).data) is float


@pytest.mark.parametrize("bad", ["1.0", None, 1j, [1.0], True, False, {1: 2}])
def test_rejects_anything_but_real_numbers(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_rejects_non_string_label():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_huge_int_is_a_clear_overflow():
    with pytest.raises(OverflowError, match="too large"):
        Value(10**400)


def test_leaf_attributes():
    x = Value(2.0, "x")
    assert (x.data, x.grad, x.label, x.op, x.parents, x.is_leaf) == (2.0, 0.0, "x", None, (), True)


def test_parents_keep_order_and_duplicates():
    a, b = Value(1.0), Value(2.0)
    assert (a - b).parents == (a, b)
    assert (b - a).parents == (b, a)
    square = a * a
    assert square.parents == (a, a)
    assert square.op == "mul"


def test_repr_is_readable():
    x = Value(2.0, "x")
    assert repr(x) == "Value(data=2.0, grad=0.0, label='x')"
    assert repr(x * 3) == "Value(data=6.0, grad=0.0, op='mul_const')"
    assert f"{x:.3f}" == "2.000"


@given(finite_floats(-100, 100), finite_floats(-100, 100))
def test_operators_match_float_arithmetic_on_both_sides(a, b):
    x, y = Value(a), Value(b)
    assert (x + y).data == a + b
    assert (x + b).data == (b + x).data == a + b
    assert (x - y).data == a - b
    assert (x - b).data == a - b
    assert (b - x).data == b - a
    assert (x * y).data == (x * b).data == (b * x).data == a * b
    assert (-x).data == -a
    assert abs(x).data == abs(a)
    assert (+x) is x
    if b != 0:
        assert (x / y).data == (x / b).data == a / b
    if a != 0:
        assert (b / x).data == b / a


def test_constants_are_not_nodes():
    x = Value(2.0)
    y = 3 * x + 1
    assert len(y.parents) == 1
    assert y.arg == 1.0
    assert y.parents[0].arg == 3.0
    assert y.parents[0].parents == (x,)


def test_power_with_values_on_both_sides():
    x, y = Value(2.0), Value(3.0)
    assert (x**y).data == 8.0
    assert (x**y).parents == (x, y)
    assert (x**2).data == 4.0
    assert (2**y).data == 8.0


@pytest.mark.parametrize("bad", ["a", None, [1], 1j, True])
@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_bad_operands_name_the_operation_and_the_value(op, bad):
    x = Value(1.0)
    with pytest.raises(TypeError) as info:
        eval(f"x {op} bad", {"x": x, "bad": bad})
    assert repr(bad) in str(info.value) or type(bad).__name__ in str(info.value)
    with pytest.raises(TypeError):
        eval(f"bad {op} x", {"x": x, "bad": bad})


def test_functions():
    x = Value(0.5)
    assert x.exp().data == math.exp(0.5)
    assert x.log().data == math.log(0.5)
    assert x.sqrt().data == math.sqrt(0.5)
    assert x.tanh().data == math.tanh(0.5)
    assert x.sigmoid().data == pytest.approx(1 / (1 + math.exp(-0.5)), rel=1e-15)
    assert x.relu().data == 0.5
    assert Value(-2.0).relu().data == 0.0
    assert Value(-2.0).leaky_relu().data == pytest.approx(-0.02)
    assert Value(-2.0).leaky_relu(0.2).data == pytest.approx(-0.4)
    assert x.softplus().data == pytest.approx(math.log1p(math.exp(0.5)), rel=1e-15)
    assert x.sin().data == math.sin(0.5)
    assert x.cos().data == math.cos(0.5)


def test_leaky_relu_slope_must_be_a_number():
    with pytest.raises(TypeError, match="slope"):
        Value(1.0).leaky_relu("0.1")  # type: ignore[arg-type]


@pytest.mark.parametrize("x", [-1000.0, -50.0, 0.0, 50.0, 1000.0])
def test_saturating_functions_are_stable_at_large_inputs(x):
    v = Value(x)
    for out in (v.sigmoid(), v.tanh(), v.softplus()):
        out.backward()
        assert math.isfinite(out.data)
        assert math.isfinite(v.grad)
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(-1000.0).softplus().data == 0.0


def test_fused_sum_is_one_node_with_an_edge_per_input():
    xs = [Value(float(i)) for i in range(5)]
    total = autograd.sum([*xs, xs[0], 2.5])
    assert total.op == "sum"
    assert len(total.parents) == 7
    assert total.parents[:6] == (*xs, xs[0])
    assert total.data == 12.5
    total.backward()
    assert [x.grad for x in xs] == [2.0, 1.0, 1.0, 1.0, 1.0]


def test_fused_dot_is_one_node_with_an_edge_per_weight_input_and_bias():
    ws = [Value(0.5), Value(-1.0)]
    xs = [Value(2.0), Value(3.0)]
    b = Value(0.25)
    out = autograd.dot(ws, xs, b)
    assert out.op == "dot"
    assert out.parents == (*ws, *xs, b)
    assert out.data == 0.5 * 2 - 3 + 0.25
    out.backward()
    assert [w.grad for w in ws] == [2.0, 3.0]
    assert [x.grad for x in xs] == [0.5, -1.0]
    assert b.grad == 1.0
    assert autograd.dot(ws, [1.0, 2.0]).data == -1.5


@given(st.lists(finite_floats(-10, 10), min_size=1, max_size=8))
def test_fused_nodes_agree_with_unfused_graph(ws):
    xs = [0.5 * i - 1 for i in range(len(ws))]
    wv, xv, b = [Value(w) for w in ws], [Value(x) for x in xs], Value(0.3)
    fused = autograd.dot(wv, xv, b).tanh()
    fused.backward()
    fused_grads = [v.grad for v in (*wv, *xv, b)]
    for v in (*wv, *xv, b):
        v.grad = 0.0
    unfused = b
    for w, x in zip(wv, xv, strict=True):
        unfused = unfused + w * x
    unfused = unfused.tanh()
    unfused.backward()
    assert fused.data == pytest.approx(unfused.data, abs=1e-12)
    for got, want in zip(fused_grads, [v.grad for v in (*wv, *xv, b)], strict=True):
        assert got == pytest.approx(want, abs=1e-12)


def test_fused_node_errors():
    with pytest.raises(ValueError, match="same length, got 2 and 1"):
        autograd.dot([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        autograd.dot([], [])
    with pytest.raises(ValueError, match="sum: needs at least one"):
        autograd.sum([])
    with pytest.raises(TypeError, match="sum: element 1"):
        autograd.sum([Value(1.0), "x"])  # type: ignore[list-item]


def test_no_grad_records_nothing_as_context_and_decorator():
    x = Value(2.0)
    with no_grad():
        y = x * x
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()
    assert y.is_leaf
    assert y.data == 4.0

    @no_grad()
    def square(v):
        return v * v

    assert square(x).is_leaf
    assert not (x * x).is_leaf


def test_no_grad_decorator_is_reentrant():
    @no_grad()
    def depth(n):
        return Value(1.0) if n == 0 else depth(n - 1) * 2

    assert depth(3).is_leaf
    assert autograd.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = Value(2.0, "x")
    y = (x * 3).detach()
    assert y.is_leaf
    assert y.data == 6.0
    (y * x).backward()
    assert x.grad == 6.0


def test_numpy_scalars_and_other_reals_become_python_floats():
    import decimal
    import fractions

    import numpy as np

    with pytest.raises(ZeroDivisionError, match=r"div_const\(leaf#0=1.0, c=0.0\)"):
        Value(1.0) / np.float64(0)
    v = Value(np.float32(1.5), "v")
    products = [np.float64(2) * v, v * np.float64(2), v + np.int64(1), np.float32(1) - v, v ** np.float64(2),
                np.float64(3) / v, v.leaky_relu(np.float64(0.1)), v * fractions.Fraction(1, 2), v + decimal.Decimal(1)]
    for node in [v, *products]:
        assert type(node.data) is float, node
        assert node.arg is None or type(node.arg) in (float, int), node
    square = autograd.define_op("numpy_square_for_tests", lambda x: np.float64(x) ** 2, lambda x, out: (2 * x,))
    y = square(v) * np.float64(1.0)
    assert type(y.parents[0].data) is float
    y.backward(grad=np.float64(2.0))
    assert type(v.grad) is float
    assert v.grad == 6.0
    with pytest.raises(TypeError, match="expected a real number"):
        Value(np.complex128(1 + 2j))
    with pytest.raises(TypeError, match="expected a real number"):
        Value(1.0) + "2"


def test_comparisons_compare_data_and_refuse_what_is_not_a_number():
    a, b = Value(1.0), Value(2.0)
    assert a < b
    assert b >= a
    assert a <= 1
    assert not a > 1.5
    assert 3 > b  # noqa: SIM300 - the reflected comparison, b < 3, is what this checks
    assert max([a, b]) is b
    with pytest.raises(TypeError, match="Value < 'x': the other operand"):
        _ = a < "x"
