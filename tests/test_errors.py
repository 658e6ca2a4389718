"""Domain errors name the op and its operands; anomaly mode stops at the first NaN or infinity."""

import math

import pytest

import autograd
from autograd import AnomalyError, Value, detect_anomaly


@pytest.mark.parametrize(
    ("build", "kind", "message"),
    [
        (lambda: Value(0.0, "a").log(), ValueError, r"log\(a=0.0\).*defined for a > 0"),
        (lambda: Value(-1.0, "a").log(), ValueError, r"log\(a=-1.0\)"),
        (lambda: Value(-1.0, "a").sqrt(), ValueError, r"sqrt\(a=-1.0\).*a ≥ 0"),
        (lambda: Value(1.0, "a") / 0, ZeroDivisionError, r"div_const\(a=1.0, c=0.0\)"),
        (lambda: Value(1.0, "a") / Value(0.0, "b"), ZeroDivisionError, r"div\(a=1.0, b=0.0\).*defined for b ≠ 0"),
        (lambda: 1 / Value(0.0, "b"), ZeroDivisionError, r"rdiv_const\(b=0.0, c=1.0\)"),
        (lambda: Value(0.0, "a") ** -1, ZeroDivisionError, r"pow_const\(a=0.0, c=-1.0\)"),
        (lambda: Value(0.0, "a") ** Value(-1.0), ZeroDivisionError, r"pow\(a=0.0, leaf#1=-1.0\)"),
        (lambda: Value(-8.0, "a") ** 0.5, ValueError, r"pow_const\(a=-8.0, c=0.5\).*non-integer"),
        (lambda: Value(-8.0) ** Value(1 / 3), ValueError, r"pow\(leaf#0=-8.0.*non-integer exponent"),
        (lambda: (-8.0) ** Value(0.5), ValueError, r"rpow_const\(leaf#0=0.5, c=-8.0\)"),
        (lambda: Value(1000.0, "a").exp(), OverflowError, r"exp\(a=1000.0\).*a ≤ 709.78"),
        (lambda: Value(10.0) ** 400, OverflowError, r"pow_const\(leaf#0=10.0, c=400.0\)"),
    ],
)
def test_domain_errors_name_the_op_and_operands(build, kind, message):
    with pytest.raises(kind, match=message):
        build()


def test_negative_base_with_integer_exponent_is_fine():
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** Value(2.0)).data == 4.0


@pytest.mark.parametrize(
    ("build", "kind", "message"),
    [
        (lambda x: x.sqrt(), ValueError, r"backward step 1, the partials of sqrt\(leaf#0=0.0.*infinite at x = 0"),
        (lambda x: x**0.5, ValueError,
         r"backward step 1, the partials of pow_const\(leaf#0=0.0, c=0.5\).*infinite at x = 0 when c < 1"),
        (lambda x: (x * 1.0).sqrt() * 2.0, ValueError,
         r"backward step 2, the partials of sqrt\(mul_const#1=0.0"),
    ],
)
def test_backward_domain_errors_have_context(build, kind, message):
    y = build(Value(0.0))  # the forward is fine at 0; the partial is not
    with pytest.raises(kind, match=message):
        y.backward()


def test_anomaly_in_forward_names_op_inputs_and_step():
    a, b = Value(1e300, "a"), Value(1e300, "b")
    with detect_anomaly():
        c = a * 2
        with pytest.raises(AnomalyError) as info:
            c * b
    error = info.value
    assert error.op == "mul"
    assert error.phase == "forward"
    assert error.step == 2
    assert error.inputs == [("mul_const#2", 2e300), ("b", 1e300)]  # numbered in c * b's graph: b, a, c
    assert "forward step 2" in str(error)
    assert "inf" in str(error)


def test_anomaly_names_a_node_as_every_view_of_its_graph_does():
    a = Value(1e300)
    b = a * 10.0
    with detect_anomaly(), pytest.raises(AnomalyError) as forward:
        b * a
    graph = autograd.Graph.of(b * a)  # the graph the failed node would have had
    assert forward.value.inputs == [(graph.name(b), 1e301), (graph.name(a), 1e300)] == [
        ("mul_const#1", 1e301), ("leaf#0", 1e300)]
    c = (a * 1e-300) * 10.0
    root = c * a
    with detect_anomaly(), pytest.raises(AnomalyError) as backward:
        root.backward(grad=1e300)
    assert backward.value.inputs == [("mul_const#2", 10.0), ("leaf#0", 1e300)]
    first = str(next(autograd.backward_steps(root)))
    assert first.startswith("step 1: (10·(1e-300·leaf#0))·leaf#0, ∂root/∂((10·(1e-300·leaf#0))·leaf#0) = 1: "
                            "(10·(1e-300·leaf#0)).grad += 1e+300 × 1")  # what mul_const#2 computes, in words


def test_anomaly_in_forward_catches_nan():
    x = Value(float("inf"), "x")
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"sub\(x=inf, x=inf"):
        x - x


def test_anomaly_in_backward_names_the_step():
    x = Value(1.0, "x")
    y = (x * 1e300).tanh() + x * 1e300  # finite forward; the gradient overflows
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        y.backward(grad=1e300)
    assert info.value.phase == "backward"
    assert info.value.op == "mul_const"
    assert info.value.inputs == [("x", 1.0)]
    assert info.value.step == 4  # root, tanh, its mul_const, then the overflowing mul_const
    assert "backward step 4" in str(info.value)


def test_without_anomaly_mode_nan_propagates_as_in_ieee_floats():
    x = Value(float("inf"))
    assert math.isnan((x - x).data)
    assert not autograd.is_anomaly_enabled()


def test_anomaly_mode_is_a_decorator_and_restores_itself():
    @detect_anomaly()
    def f():
        assert autograd.is_anomaly_enabled()
        return Value(1e308) * 10

    with pytest.raises(AnomalyError):
        f()
    assert not autograd.is_anomaly_enabled()
