"""Every row of the rule table: first and second derivatives against central differences over
hypothesis-drawn inputs, and against closed forms from a calculus book."""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import autograd
from autograd import RULES, Value, gradcheck, gradgradcheck
from autograd.extend import apply
from autograd.testing import finite_floats

anywhere = finite_floats(-5, 5)
positive = finite_floats(0.2, 5)
away_from_zero = st.one_of(finite_floats(-5, -0.2), finite_floats(0.2, 5))
constant = st.one_of(finite_floats(-3, -0.2), finite_floats(0.2, 3))

# op -> (function of Values applying exactly that op, strategy for its inputs)
CASES = {
    "add": (lambda a, b: a + b, st.tuples(anywhere, anywhere)),
    "sub": (lambda a, b: a - b, st.tuples(anywhere, anywhere)),
    "mul": (lambda a, b: a * b, st.tuples(anywhere, anywhere)),
    "div": (lambda a, b: a / b, st.tuples(anywhere, away_from_zero)),
    "pow": (lambda a, b: a**b, st.tuples(positive, finite_floats(-3, 3))),
    "add_const": (lambda a, c: a + c, st.tuples(anywhere, constant)),
    "rsub_const": (lambda a, c: c - a, st.tuples(anywhere, constant)),
    "mul_const": (lambda a, c: a * c, st.tuples(anywhere, constant)),
    "div_const": (lambda a, c: a / c, st.tuples(anywhere, constant)),
    "rdiv_const": (lambda a, c: c / a, st.tuples(away_from_zero, constant)),
    "pow_const": (lambda a, c: a**c, st.tuples(positive, finite_floats(-3, 3))),
    "rpow_const": (lambda a, c: c**a, st.tuples(anywhere, positive)),
    "neg": (lambda a: -a, st.tuples(anywhere)),
    "abs": (lambda a: abs(a), st.tuples(away_from_zero)),
    "exp": (lambda a: a.exp(), st.tuples(anywhere)),
    "log": (lambda a: a.log(), st.tuples(positive)),
    "sqrt": (lambda a: a.sqrt(), st.tuples(positive)),
    "tanh": (lambda a: a.tanh(), st.tuples(anywhere)),
    "sigmoid": (lambda a: a.sigmoid(), st.tuples(anywhere)),
    "relu": (lambda a: a.relu(), st.tuples(away_from_zero)),
    "leaky_relu": (lambda a, c: a.leaky_relu(c), st.tuples(away_from_zero, finite_floats(0, 1))),
    "softplus": (lambda a: a.softplus(), st.tuples(anywhere)),
    "sin": (lambda a: a.sin(), st.tuples(anywhere)),
    "cos": (lambda a: a.cos(), st.tuples(anywhere)),
    "sum": (lambda a, b, c: autograd.sum([a, b, a, c]), st.tuples(anywhere, anywhere, anywhere)),
    "logsumexp": (lambda a, b, c: autograd.logsumexp([a, b, a, c]), st.tuples(anywhere, anywhere, anywhere)),
    "max": (
        lambda a, b, c: apply(RULES["max"], (a, b, c)),
        st.tuples(anywhere, anywhere, anywhere).filter(lambda xs: min(abs(xs[0] - xs[1]), abs(xs[1] - xs[2]),
                                                                       abs(xs[0] - xs[2])) > 0.05),
    ),
    "dot": (
        lambda w0, w1, x0, x1, b: autograd.dot([w0, w1], [x0, x1], b),
        st.tuples(anywhere, anywhere, anywhere, anywhere, anywhere),
    ),
}
CONST_ARG = {name for name, rule in RULES.items() if rule.takes_constant}
BUILTINS = sorted(name for name, rule in RULES.items() if rule.builtin)


def test_every_builtin_rule_has_a_case():
    assert sorted(CASES) == BUILTINS


def _split(op, args):
    """The Value inputs and, for ops with a constant, a function that closes over it."""
    fn = CASES[op][0]
    if op in CONST_ARG:
        return list(args[:1]), (lambda a: fn(a, args[1]))
    return list(args), fn


def _applies_the_op(op, fn, points):
    out = fn(*[Value(p) for p in points])
    assert out.op == op, f"the case for {op} built a {out.op} node"
    return out


@pytest.mark.parametrize("op", BUILTINS)
def test_first_and_second_derivatives_match_central_differences(op):
    @given(CASES[op][1])
    def check(args):
        points, fn = _split(op, args)
        _applies_the_op(op, fn, points)
        assert gradcheck(fn, points)
        assert gradgradcheck(fn, points, atol=1e-4, rtol=1e-3)

    check()


def d(fn, *points):
    """Analytic first derivatives of fn at points, through backward()."""
    xs = [Value(p) for p in points]
    fn(*xs).backward()
    return [x.grad for x in xs]


@given(anywhere, anywhere)
def test_closed_forms_binary(a, b):
    assert d(lambda x, y: x * y, a, b) == [b, a]
    assert d(lambda x, y: x + y, a, b) == [1.0, 1.0]
    assert d(lambda x, y: x - y, a, b) == [1.0, -1.0]
    if abs(b) > 1e-3:
        da, db = d(lambda x, y: x / y, a, b)
        assert da == pytest.approx(1 / b, rel=1e-12)
        assert db == pytest.approx(-a / b**2, rel=1e-12, abs=1e-300)


@given(finite_floats(-20, 20))
@example(0.0)
def test_closed_forms_unary(x):
    s = 1 / (1 + math.exp(-x))
    assert d(lambda v: v.exp(), x) == [pytest.approx(math.exp(x), rel=1e-15)]
    assert d(lambda v: v.tanh(), x) == [pytest.approx(1 - math.tanh(x) ** 2, rel=1e-12, abs=1e-300)]
    assert d(lambda v: v.sigmoid(), x) == [pytest.approx(s * (1 - s), rel=1e-9, abs=1e-300)]
    assert d(lambda v: v.softplus(), x) == [pytest.approx(s, rel=1e-12)]
    assert d(lambda v: v.sin(), x) == [pytest.approx(math.cos(x), abs=1e-15)]
    assert d(lambda v: v.cos(), x) == [pytest.approx(-math.sin(x), abs=1e-15)]
    assert d(lambda v: v.relu(), x) == [1.0 if x > 0 else 0.0]
    assert d(lambda v: abs(v), x) == [math.copysign(1.0, x) if x != 0 else 0.0]
    assert d(lambda v: v.leaky_relu(0.1), x) == [1.0 if x > 0 else pytest.approx(0.1)]
    assert d(lambda v: v**3, x) == [pytest.approx(3 * x * x, rel=1e-12)]
    assert d(lambda v: 2**v, x) == [pytest.approx(2**x * math.log(2), rel=1e-12)]
    if x > 0:
        assert d(lambda v: v.log(), x) == [pytest.approx(1 / x, rel=1e-15)]
        assert d(lambda v: v.sqrt(), x) == [pytest.approx(0.5 / math.sqrt(x), rel=1e-15)]
        assert d(lambda v: v**0.5, x) == [pytest.approx(0.5 / math.sqrt(x), rel=1e-12)]


def test_second_derivatives_closed_forms():
    x = Value(0.7)
    (g,) = autograd.grad(x.tanh(), [x], create_graph=True)
    (h,) = autograd.grad(g, [x])
    t = math.tanh(0.7)
    assert h == pytest.approx(-2 * t * (1 - t * t), rel=1e-12)
    (g,) = autograd.grad(x.sin(), [x], create_graph=True)
    assert autograd.grad(g, [x]) == (pytest.approx(-math.sin(0.7)),)


def test_kinks_and_edges_of_domains():
    assert d(lambda v: v**2, 0.0) == [0.0]
    assert d(lambda v: v**1, 0.0) == [1.0]
    assert d(lambda v: v**0, 0.0) == [0.0]
    assert d(lambda x, y: x**y, 0.0, 2.0) == [0.0, 0.0]
    assert d(lambda v: 0**v, 2.0) == [0.0]
    assert ((-2.0) ** Value(2.0)).data == 4.0  # the power exists for an integer exponent...
    with pytest.raises(ValueError, match=r"rpow_const\(leaf#0=2.0, c=-2.0\).*log\(c\) is undefined for c < 0"):
        d(lambda v: (-2.0) ** v, 2.0)  # ...its derivative not
    with pytest.raises(ValueError, match=r"pow\(leaf#0=-2.0, leaf#1=2.0\).*∂\(a\*\*b\)/∂b .* undefined for a < 0"):
        d(lambda x, y: x**y, -2.0, 2.0)


def test_power_with_a_value_exponent_computes_every_partial_that_exists():
    a, b = Value(-2.0, "a"), Value(2.0, "b")
    assert autograd.grad(a**b, [a]) == (-4.0,)  # ∂/∂b needs log(-2), but only ∂/∂a is asked for
    (da,) = autograd.grad(a**b, [a], create_graph=True)
    assert autograd.grad(da, [a]) == (2.0,)
    zero, zero_exponent = Value(0.0), Value(0.0)
    assert autograd.grad(zero**zero_exponent, [zero]) == (0.0,)  # as for Value(0.0) ** 0.0
    assert d(lambda v: v**0.0, 0.0) == [0.0]
    with pytest.raises(ValueError, match=r"∂\(a\*\*b\)/∂b = a\*\*b·log\(a\) is undefined for a = 0 with b ≤ 0"):
        (zero**zero_exponent).backward()
    assert (zero.grad, zero_exponent.grad) == (0.0, 0.0)  # a failed backward changes no gradient
    with pytest.raises(ValueError, match=r"∂\(a\*\*b\)/∂a = b·a\*\*\(b−1\) is infinite at a = 0 when b < 1"):
        d(lambda x, y: x**y, 0.0, 0.5)
    assert d(lambda x, y: x**y, 0.0, 1.0) == [1.0, 0.0]


def test_rule_words_explain_each_partial():
    assert RULES["mul"].explain(0, 2) == "∂(a·b)/∂a = b"
    assert RULES["mul"].explain(1, 2) == "∂(a·b)/∂b = a"
    assert RULES["tanh"].explain(0, 1) == "∂(tanh(x))/∂x = 1 − tanh²(x)"
    assert RULES["pow_const"].explain(0, 1, 2.0) == "∂(x**2)/∂x = 2·x**(2−1)"
    assert RULES["dot"].explain(1, 5, 2) == "∂(w·x + b)/∂w1 = x1"
    assert RULES["dot"].explain(2, 5, 2) == "∂(w·x + b)/∂x0 = w0"
    assert RULES["dot"].explain(4, 5, 2) == "∂(w·x + b)/∂b = 1"
    assert RULES["sum"].explain(3, 4) == "∂(Σ xᵢ)/∂x3 = 1"
    assert RULES["add_const"].describe_op(2.5) == "+ 2.5"


def test_rule_words_show_the_actual_inputs():
    assert RULES["mul"].explain(1, 2, names=["w5", "out_h1"]) == "∂(w5·out_h1)/∂out_h1 = w5"
    assert RULES["add"].explain(1, 2, names=["mul#2", "a"]) == "∂(mul#2 + a)/∂a = 1"
    assert RULES["div"].explain(1, 2, names=["p", "q"]) == "∂(p/q)/∂q = −p/q²"
    assert RULES["rpow_const"].explain(0, 1, 2.0, names=["t"]) == "∂(2**t)/∂t = 2**t·log(2)"
    assert RULES["dot"].explain(1, 5, 2, names=["u", "v", "i", "j", "k"]) == "∂(w·x + b)/∂v = j"
    assert RULES["dot"].explain(3, 5, 2, names=["u", "v", "i", "j", "k"]) == "∂(w·x + b)/∂j = v"
    assert RULES["sum"].explain(0, 2, names=["{x1}", "y"]) == "∂(Σ xᵢ)/∂{x1} = 1"  # braces in a label stay text


def test_which_rows_take_a_constant():
    assert {"add_const", "rsub_const", "mul_const", "div_const", "rdiv_const", "pow_const",
                         "rpow_const", "leaky_relu"} == CONST_ARG
    for name, rule in RULES.items():
        assert rule.takes_constant == ("{c}" in rule.formula), name


# The rows on arrays ------------------------------------------------------------------------------------


def _row_inputs(op, args):
    """The row's inputs and constant for one drawn case, as apply() would pass them."""
    if op in CONST_ARG:
        return tuple(args[:1]), float(args[1])
    if op == "dot":
        return tuple(args), 2
    if op in ("sum", "logsumexp"):
        return (args[0], args[1], args[0], args[2]), None
    return tuple(args), None


@pytest.mark.parametrize("op", BUILTINS)
def test_every_row_runs_element_wise_on_arrays(op):
    """The same row serves floats and NumPy arrays: forward and partials on arrays equal, element by
    element, those on each point's floats, branches (relu's, abs's) included."""
    rule = RULES[op]
    # 1 − tanh², σ(1 − σ): NumPy's tanh and exp may differ from math's by an ulp, which the subtraction
    # magnifies near saturation (tanh at 4.9115... gave partials 2e-16 apart)
    cancels = 1e-15 if op in ("tanh", "sigmoid") else 1e-300

    def body(cases):
        if op in CONST_ARG:  # a node's constant is one number for the whole batch
            cases = [(*case[:1], cases[0][1]) for case in cases]
        points = [_row_inputs(op, case) for case in cases]
        arg = points[0][1]
        columns = tuple(np.array(column) for column in zip(*(p[0] for p in points), strict=True))
        out = rule.forward(columns, arg)
        partials = rule.partials(columns, out, arg)
        for i, (xs, _) in enumerate(points):
            want = rule.forward(xs, arg)
            assert out[i] == pytest.approx(want, rel=1e-14, abs=1e-300)
            want_partials = rule.partials(xs, want, arg)
            got = [np.broadcast_to(p, out.shape)[i] for p in partials]
            assert got == pytest.approx(list(want_partials), rel=1e-12, abs=cancels)

    check = given(st.lists(CASES[op][1], min_size=1, max_size=8))(body)
    if op == "tanh":
        check = example([(4.911533949149726,)])(check)
    check()


def test_on_arrays_a_missing_partial_is_nan_or_inf_where_it_is_missing():
    base, exponent = np.array([-2.0, 0.0, 4.0]), np.array([2.0, 0.5, 0.5])
    with np.errstate(all="ignore"):
        out = RULES["pow"].forward((base, exponent), None)
        d_base, d_exponent = RULES["pow"].partials((base, exponent), out, None)
    assert list(d_base[[0, 2]]) == [-4.0, 0.25]
    assert np.isinf(d_base[1])
    assert np.isnan(d_exponent[0])
    assert d_exponent[1] == 0.0
    assert d_exponent[2] == pytest.approx(2.0 * math.log(4.0))


@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 3), st.booleans(), st.integers(0, 2**32 - 1))
def test_a_row_s_batched_kernel_is_its_scalar_partials_times_upstream(k, n, batch, bias, seed):
    """No derivative is written twice: the kernels of the dot and sum rows give, for a whole group, what
    the rows' own forward and partials give node by node and example by example."""
    rng = np.random.default_rng(seed)
    w, x, upstream = rng.normal(size=(k, n)), rng.normal(size=(n, batch)), rng.normal(size=(k, batch))
    b = rng.normal(size=(k, batch)) if bias else None
    dot = RULES["dot"]
    out = dot.batched.forward(w, x, b)
    d_w, d_x, d_b = dot.batched.vjp(upstream, (True, True, True), w, x, b)
    want_w, want_x, want_b = np.zeros((k, n)), np.zeros((n, batch)), np.zeros((k, batch))
    for i in range(k):
        for e in range(batch):
            xs = (*w[i], *x[:, e], *([b[i, e]] if bias else []))
            assert out[i, e] == pytest.approx(dot.forward(xs, n), rel=1e-12, abs=1e-12)
            partials = dot.partials(xs, out[i, e], n)
            want_w[i] += np.asarray(partials[:n]) * upstream[i, e]
            want_x[:, e] += np.asarray(partials[n:2 * n]) * upstream[i, e]
            if bias:
                want_b[i, e] = partials[2 * n] * upstream[i, e]
    np.testing.assert_allclose(d_w, want_w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(d_x, want_x, rtol=1e-12, atol=1e-12)
    assert (d_b is None) == (not bias)
    if bias:
        np.testing.assert_allclose(d_b, want_b, rtol=1e-12, atol=1e-12)
    assert dot.batched.vjp(upstream, (True, False, True), w, x, b)[1] is None  # an input's share, not wanted
    total = RULES["sum"]
    block = rng.normal(size=(k, n, batch))
    sums = total.batched.forward(block)
    d_block = np.broadcast_to(total.batched.vjp(upstream, (True,), block)[0], block.shape)
    for i in range(k):
        for e in range(batch):
            xs = tuple(block[i, :, e])
            assert sums[i, e] == pytest.approx(total.forward(xs, None), rel=1e-12, abs=1e-12)
            partials = np.asarray(total.partials(xs, sums[i, e], None))
            np.testing.assert_array_equal(d_block[i, :, e], partials * upstream[i, e])


def test_only_the_rows_with_a_kernel_of_their_own_have_one():
    assert {name for name, rule in RULES.items() if rule.batched is not None} == {"dot", "sum"}


@pytest.mark.parametrize("op", BUILTINS)
def test_explain_each_is_explain_for_every_input(op):
    rule = RULES[op]
    n = rule.arity or 5
    arg = 2 if op == "dot" else (0.5 if rule.takes_constant else None)
    names = [f"v{i}" for i in range(n)]
    for shown in (None, names):
        assert rule.explain_each(n, arg, shown) == [rule.explain(i, n, arg, shown) for i in range(n)]
    assert rule.explain_each(n, arg, names, [n - 1]) == [rule.explain(n - 1, n, arg, names)]
