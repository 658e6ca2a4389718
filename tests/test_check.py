"""gradcheck and gradgradcheck catch wrong derivatives; user-defined ops behave like built-ins."""

import math

import pytest
from hypothesis import given

import autograd
from autograd import GradcheckError, Value, define_op, gradcheck, gradgradcheck
from autograd.testing import finite_floats

cube = define_op("cube_for_tests", lambda x: x**3, lambda x, out: (3 * x**2,), formula="x³", words=("3x²",))
wrong_square = define_op("wrong_square_for_tests", lambda x: x * x, lambda x, out: (x,))
hypot = define_op(
    "hypot_for_tests",
    lambda a, b: math.hypot(a, b),
    lambda a, b, out: (a / out, b / out),
    domain="(a, b) ≠ (0, 0)",
)
# Right first derivative, written with floats only, so its second derivative is lost.
float_only_sin = define_op(
    "float_sin_for_tests", math.sin, lambda x, out: (math.cos(x.data if isinstance(x, Value) else x),)
)


@given(finite_floats(-10, 10))
def test_user_op_is_checked_like_a_builtin(x):
    assert gradcheck(cube, [x])
    assert gradgradcheck(cube, [x])


def test_user_op_is_a_row_of_the_table():
    y = cube(Value(2.0))
    assert y.op == "cube_for_tests"
    assert autograd.RULES["cube_for_tests"] is y.rule
    assert y.rule.explain(0, 1) == "∂(x³)/∂x = 3x²"
    y.backward()
    assert y.parents[0].grad == 12.0


def test_user_op_with_two_inputs():
    a, b = Value(3.0), Value(4.0)
    h = hypot(a, b)
    assert h.data == 5.0
    h.backward()
    assert (a.grad, b.grad) == (0.6, 0.8)
    assert gradgradcheck(hypot, [3.0, 4.0])
    with pytest.raises(ZeroDivisionError, match=r"hypot_for_tests\(leaf#0=0.0, leaf#1=0.0\)"):
        hypot(0.0, 0.0).backward()


def test_redefining_a_user_op_replaces_it_for_new_nodes():
    first = define_op("redefined_for_tests", lambda x: 2 * x, lambda x, out: (2.0,))
    old = first(Value(1.0))
    second = define_op("redefined_for_tests", lambda x: 3 * x, lambda x, out: (3.0,))
    new = second(Value(1.0))
    assert (old.data, new.data) == (2.0, 3.0)
    assert autograd.RULES["redefined_for_tests"] is new.rule is not old.rule
    assert autograd.local_partials(old) == (2.0,)


def test_wrong_derivative_is_caught_with_the_numbers():
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_square, [Value(3.0, "x")])
    assert info.value.mismatches == [
        {"input": 0, "label": "x", "analytic": 3.0, "numeric": pytest.approx(6.0, rel=1e-6)}
    ]
    assert "input 0 (x): analytic 3.0, numeric 6.0" in str(info.value)


def test_wrong_second_derivative_is_caught():
    assert gradcheck(float_only_sin, [0.5])
    with pytest.raises(GradcheckError, match="second derivatives disagree") as info:
        gradgradcheck(float_only_sin, [0.5])
    assert info.value.mismatches[0]["analytic"] == 0.0
    assert info.value.mismatches[0]["numeric"] == pytest.approx(-math.sin(0.5), rel=1e-5)


def test_gradcheck_on_a_composite():
    assert gradcheck(lambda x, y: (x * y).tanh() + x.log() * y**2, [1.0, 2.0])
    assert gradgradcheck(lambda x, y: (x * y).tanh() + x.log() * y**2, [1.0, 2.0])


def test_gradcheck_argument_errors():
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda x: 3.0, [1.0])
    with pytest.raises(TypeError, match="non-empty list"):
        gradcheck(cube, [])
    with pytest.raises(TypeError, match="non-empty list"):
        gradcheck(cube, Value(1.0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="eps must be positive, got 0"):
        gradcheck(cube, [1.0], eps=0)
    with pytest.raises(ValueError, match="atol must be non-negative, got -1"):
        gradcheck(cube, [1.0], atol=-1)
    with pytest.raises(TypeError, match=r"inputs\[0\]"):
        gradcheck(cube, ["1"])


def test_define_op_errors():
    with pytest.raises(ValueError, match="'mul' is a built-in op"):
        define_op("mul", lambda a, b: a * b, lambda a, b, out: (b, a))
    with pytest.raises(ValueError, match="identifier"):
        define_op("not a name", lambda x: x, lambda x, out: (1.0,))
    with pytest.raises(TypeError, match="callable"):
        define_op("not_callable_op", 3, lambda x, out: (1.0,))
    with pytest.raises(TypeError, match=r"\*args"):
        define_op("varargs_op", lambda *xs: 0.0, lambda *xs: ())
    with pytest.raises(TypeError, match="takes 1 input"):
        cube(1.0, 2.0)
    bad_count = define_op("bad_count_for_tests", lambda x: x, lambda x, out: (1.0, 2.0))
    with pytest.raises(ValueError, match="returned 2 value"):
        bad_count(Value(1.0)).backward()
    bad_forward = define_op("bad_forward_for_tests", lambda x: "oops", lambda x, out: (1.0,))
    with pytest.raises(TypeError, match="bad_forward_for_tests: the forward function's result"):
        bad_forward(1.0)


def test_user_op_errors_keep_their_cause_even_with_odd_exception_types():
    import json

    def forward(x):
        raise json.JSONDecodeError("bad", "doc", 0)  # a ValueError whose constructor wants three arguments

    odd = define_op("odd_error_for_tests", forward, lambda x, out: (1.0,))
    with pytest.raises(ValueError, match=r"odd_error_for_tests\(leaf#0=1.0\): bad") as info:
        odd(1.0)
    assert isinstance(info.value.__cause__, json.JSONDecodeError)


def test_generic_functions_work_on_floats_and_values():
    for fn, ref in [
        (autograd.exp, math.exp), (autograd.log, math.log), (autograd.sqrt, math.sqrt),
        (autograd.sin, math.sin), (autograd.cos, math.cos), (autograd.tanh, math.tanh),
    ]:
        assert fn(0.5) == ref(0.5)
        assert fn(Value(0.5)).data == ref(0.5)
    assert autograd.sigmoid(-800.0) == pytest.approx(0.0)
    assert autograd.sigmoid(Value(0.0)).data == 0.5
