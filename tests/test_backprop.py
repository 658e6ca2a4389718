"""backward() and grad(): reuse, accumulation, interior gradients, depth, higher order."""

import gc
import math

import pytest
from hypothesis import given

import autograd
from autograd import Value, grad
from autograd.testing import expressions, finite_floats


def test_reused_interior_nodes():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert b.grad == 2.0


def test_same_input_twice_in_one_op():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0


def test_micrograd_readme_example():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert g.data == pytest.approx(24.70408163265306, rel=1e-14)
    assert a.grad == pytest.approx(138.83381924198252, rel=1e-14)
    assert b.grad == pytest.approx(645.5772594752186, rel=1e-14)


def test_leaf_gradients_accumulate_interior_ones_are_this_pass():
    x = Value(2.0)
    y = x * 3
    z = y * y
    z.backward()
    assert (x.grad, y.grad, z.grad) == (36.0, 12.0, 1.0)
    z.backward()
    assert x.grad == 72.0
    assert (y.grad, z.grad) == (12.0, 1.0)


def test_backward_with_a_seed_gradient():
    x = Value(2.0)
    (x * 5).backward(grad=0.5)
    assert x.grad == 2.5


def test_backward_on_a_leaf_accumulates_its_seed():
    x = Value(1.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_two_outputs_sharing_a_graph():
    x = Value(1.5)
    h = x.tanh()
    a, b = h * 2, h * h
    a.backward()
    b.backward()
    t = math.tanh(1.5)
    assert x.grad == pytest.approx((2 + 2 * t) * (1 - t * t), rel=1e-14)
    assert h.grad == pytest.approx(2 * t, rel=1e-14)  # the last pass's ∂b/∂h


def test_zero_grad_clears_the_whole_graph():
    x = Value(2.0)
    y = (x * x).tanh()
    y.backward()
    autograd.zero_grad(y)
    assert x.grad == 0.0
    assert y.grad == 0.0
    assert y.parents[0].grad == 0.0


@pytest.mark.slow
def test_a_million_deep_chain():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0000001 + 1e-9
    y.backward()
    assert x.grad == pytest.approx(1.0000001**1_000_000, rel=1e-9)
    assert len(autograd.topological_order(y)) == 2_000_001
    del y
    gc.collect()  # freeing a deep chain must not crash either


def test_graphs_hold_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        y = autograd.dot([x, x], [Value(1.0), Value(2.0)]).tanh() * x
        y.backward()
        del x, y
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_grad_touches_no_grad_attribute():
    x, w = Value(2.0), Value(-1.0)
    x.grad, w.grad = 7.0, 8.0
    y = (x * w).sigmoid()
    y.backward()
    before = [n.grad for n in autograd.topological_order(y)]
    gx, gw = grad(y, [x, w])
    assert [n.grad for n in autograd.topological_order(y)] == before
    s = 1 / (1 + math.exp(2.0))
    assert gx == pytest.approx(s * (1 - s) * -1.0, rel=1e-14)
    assert gw == pytest.approx(s * (1 - s) * 2.0, rel=1e-14)


def test_grad_of_unused_input_is_zero_and_single_input_allowed():
    x, unused = Value(2.0), Value(5.0)
    assert grad(x * x, [x, unused]) == (4.0, 0.0)
    assert grad(x * x, x) == (4.0,)


def test_grad_with_respect_to_an_interior_node():
    x = Value(2.0)
    h = x * 3
    assert grad(h * h, [h, x]) == (12.0, 36.0)


@given(finite_floats(-2, 2), finite_floats(-2, 2))
def test_hessian_vector_product(a, b):
    def f(x, y):
        return x * x * y + (x * y).sin()

    x, y = Value(a), Value(b)
    gx, gy = grad(f(x, y), [x, y], create_graph=True)
    v = (0.3, -0.7)
    hv = grad(gx * v[0] + gy * v[1], [x, y])
    c = math.cos(a * b)
    s = math.sin(a * b)
    hxx, hxy, hyy = 2 * b - b * b * s, 2 * a + c - a * b * s, -a * a * s
    assert hv[0] == pytest.approx(hxx * v[0] + hxy * v[1], abs=1e-12)
    assert hv[1] == pytest.approx(hxy * v[0] + hyy * v[1], abs=1e-12)


def test_newton_step_finds_the_minimum_of_a_quartic():
    # f(x) = (x - 3)^4 + (x - 3)^2: minimum at 3; Newton uses f'(x) / f''(x).
    x = 0.0
    for _ in range(40):
        v = Value(x)
        (g,) = grad((v - 3) ** 4 + (v - 3) ** 2, [v], create_graph=True)
        (h,) = grad(g, [v])
        x -= g.data / h
    assert x == pytest.approx(3.0, abs=1e-9)


def test_backward_create_graph_gives_differentiable_gradients():
    x = Value(2.0)
    y = x**3
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert x.grad.data == 12.0
    (second,) = grad(x.grad, [x])
    assert second == 12.0


def test_third_derivative():
    x = Value(0.5)
    (g1,) = grad(x.exp() * x, [x], create_graph=True)
    (g2,) = grad(g1, [x], create_graph=True)
    (g3,) = grad(g2, [x])
    assert g3 == pytest.approx(math.exp(0.5) * 3.5, rel=1e-14)


def test_create_graph_works_inside_no_grad():
    x = Value(2.0)
    y = x**3
    with autograd.no_grad():
        (g,) = grad(y, [x], create_graph=True)
    assert isinstance(g, Value)
    assert not g.is_leaf


@given(expressions())
def test_random_graphs_match_central_differences(expr):
    assert autograd.gradcheck(expr, expr.inputs)


@given(expressions(max_steps=8))
def test_random_graphs_second_derivatives(expr):
    assert autograd.gradgradcheck(expr, expr.inputs, atol=1e-4, rtol=1e-3)


@given(expressions())
def test_backward_and_grad_agree(expr):
    xs = [Value(p) for p in expr.inputs]
    out = expr(*xs)
    expected = grad(out, xs)
    out.backward()
    assert tuple(x.grad for x in xs) == expected


@pytest.mark.parametrize("bad", [1.0, None, "y"])
def test_functions_reject_non_values(bad):
    with pytest.raises(TypeError, match="expected a Value"):
        autograd.backward(bad)
    with pytest.raises(TypeError, match="expected a Value"):
        grad(bad, [])
    with pytest.raises(TypeError, match=r"inputs\[0\]"):
        grad(Value(1.0), [bad])


@pytest.mark.parametrize("bad", [None, "1", True, [1.0]])
def test_backward_rejects_a_bad_seed(bad):
    with pytest.raises(TypeError, match="backward: grad"):
        Value(1.0).backward(grad=bad)


def test_with_create_graph_every_derivative_is_a_value():
    x, unused = Value(0.7, "x"), Value(1.0, "unused")
    (dy, du) = autograd.grad(0.5 * x + 1.0, [x, unused], create_graph=True)
    assert isinstance(dy, Value)
    assert isinstance(du, Value)
    assert (dy.data, du.data) == (0.5, 0.0)
    assert autograd.grad(dy, [x]) == (0.0,)  # a constant derivative is a leaf; its own derivative is 0
    (d2,) = autograd.grad(x * x + x, [x], create_graph=True)
    assert isinstance(d2, Value)
    assert autograd.grad(d2, [x]) == (2.0,)


def test_backward_with_create_graph_makes_cycles_that_the_collector_frees():
    import gc

    def alive():
        # type(), not isinstance(): a lazy module of torch answers isinstance with a deprecation warning
        return sum(1 for o in gc.get_objects() if type(o) is Value and o.label == "x in a cycle")

    gc.disable()  # an automatic collection between del and the count would free the cycle early
    try:
        x = Value(0.5, "x in a cycle")
        (x * x * x).backward(create_graph=True)
        assert isinstance(x.grad, Value)
        assert x.grad.data == 0.75
        del x
        assert alive() == 1  # kept by the cycle x -> x.grad -> ... -> x
    finally:
        gc.enable()
    gc.collect()
    assert alive() == 0


def test_a_failed_backward_leaves_every_grad_as_it_was():
    a = Value(1.0, "a")
    a.grad = 5.0
    root = a + (a * 0.0).sqrt()  # the root's step gives a its share, then the sqrt step fails
    inner = root.parents[1]
    inner.grad = 7.0
    with pytest.raises(ValueError, match="infinite at x = 0"):
        root.backward()
    assert (a.grad, inner.grad, root.grad) == (5.0, 7.0, 0.0)
    with autograd.detect_anomaly(), pytest.raises(autograd.AnomalyError):
        (a * 1e308 + a * 1e308).backward(grad=10.0)
    assert a.grad == 5.0


def test_user_op_partials_are_checked_like_results():
    import numpy as np

    complex_partial = autograd.define_op("complex_partial_for_tests", lambda x: x, lambda x, out: (1j,))
    text_partial = autograd.define_op("text_partial_for_tests", lambda x: x, lambda x, out: ("abc",))
    numpy_partial = autograd.define_op("numpy_partial_for_tests", lambda x: x, lambda x, out: (np.float64(2.0),))
    not_a_sequence = autograd.define_op("scalar_partial_for_tests", lambda x: x, lambda x, out: 3.0)
    for op, message in ((complex_partial, "complex_partial_for_tests: the partial for input 0"),
                        (text_partial, "text_partial_for_tests: the partial for input 0"),
                        (not_a_sequence, "scalar_partial_for_tests: partials must return one number per input")):
        x = Value(1.0)
        with pytest.raises(TypeError, match=message):
            op(x).backward()
        assert x.grad == 0.0
    x = Value(1.0)
    numpy_partial(x).backward()
    assert type(x.grad) is float
    assert x.grad == 2.0
