"""Forward mode (autograd.forward): jvp, jacobian, hessian and the checks in both modes, against reverse mode,
central differences and closed forms, over random graphs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import GradcheckError, Value, define_op, gradcheck, gradgradcheck, hessian, jacobian, jvp
from autograd.testing import Expression, expressions, finite_floats

wrong_square = define_op("wrong_square_for_forward_tests", lambda x: x * x, lambda x, out: (x,))


def two_outputs(x: Value, y: Value) -> tuple[Value, Value]:
    return x * y + x.sin(), (x * x).exp() / y


def test_jvp_is_the_directional_derivative_in_closed_form() -> None:
    value, slope = jvp(lambda x, y: x * y + x.sin(), [1.0, 2.0], [1.0, 0.5])
    assert value == 2.0 + math.sin(1.0)
    assert slope == pytest.approx((2.0 + math.cos(1.0)) * 1.0 + 1.0 * 0.5, rel=1e-15)
    values, slopes = jvp(two_outputs, [1.0, 2.0], [0.0, 1.0])
    assert values == pytest.approx((2.0 + math.sin(1.0), math.e / 2))
    assert slopes == pytest.approx((1.0, -math.e / 4), rel=1e-15)


def test_jacobian_both_ways_in_closed_form() -> None:
    expected = ((2.0 + math.cos(1.0), 1.0), (2 * math.e / 2, -math.e / 4))
    for mode in ("rev", "fwd"):
        got = jacobian(two_outputs, [1.0, 2.0], mode=mode)
        assert len(got) == 2
        for row, want in zip(got, expected, strict=True):
            assert row == pytest.approx(want, rel=1e-15)


def test_hessian_in_closed_form() -> None:
    h = hessian(lambda x, y: x * x * y + y.tanh(), [1.0, 2.0])
    sech2 = 1 / math.cosh(2.0) ** 2
    assert h[0] == pytest.approx((4.0, 2.0), rel=1e-15)
    assert h[1] == pytest.approx((2.0, -2 * math.tanh(2.0) * sech2), rel=1e-12)


def test_an_input_the_output_ignores_has_zero_derivative_both_ways() -> None:
    def first(x: Value, y: Value) -> Value:
        return x * 3.0

    assert jacobian(first, [1.0, 2.0], "fwd") == jacobian(first, [1.0, 2.0], "rev") == ((3.0, 0.0),)
    assert jvp(first, [1.0, 2.0], [0.0, 1.0]) == (3.0, 0.0)
    assert hessian(first, [1.0, 2.0]) == ((0.0, 0.0), (0.0, 0.0))


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: jvp(lambda x: x, [1.0, 2.0], [1.0]), ValueError, "2 primals but 1 tangents"),
    (lambda: jvp(lambda x: x, [1.0], [math.inf]), ValueError, r"tangents\[0\] must be a finite number, got inf"),
    (lambda: jvp(lambda x: x, [1.0], [math.nan]), ValueError, r"tangents\[0\] must be a finite number"),
    (lambda: jvp(lambda x: 3.0, [1.0], [1.0]), TypeError, "jvp: f must return a Value or a non-empty sequence"),
    (lambda: jvp(lambda x: [], [1.0], [1.0]), TypeError, "f must return a Value or a non-empty sequence"),
    (lambda: jvp(lambda x: x, [], []), TypeError, "primals must be a non-empty sequence"),
    (lambda: jvp(lambda x: x, [1.0], "1"), TypeError, "tangents must be a sequence of numbers"),
    (lambda: jvp(lambda x: x, ["a"], [1.0]), TypeError, r"jvp: primals\[0\]"),
    (lambda: jacobian(lambda x: x, [1.0], mode="sideways"), ValueError, "mode must be 'rev' or 'fwd', got 'sideways'"),
    (lambda: hessian(two_outputs, [1.0, 2.0]), TypeError, "hessian: f must return one Value, got 2"),
    (lambda: gradcheck(lambda x: x, [1.0], modes=("up",)), ValueError, "modes must be 'rev', 'fwd' or both"),
    (lambda: gradgradcheck(lambda x: x, [1.0], modes=()), ValueError, "modes must be 'rev', 'fwd' or both"),
    (lambda: jvp(lambda x: x.log(), [-1.0], [1.0]), ValueError, r"log\(x0=-1\.0\)"),
    (lambda: jvp(lambda x: x.sqrt(), [0.0], [1.0]), ValueError, "jvp: forward step 1, the partials of sqrt"),
])
def test_bad_input_says_what_is_wrong(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_a_wrong_user_partial_is_caught_in_either_mode(mode: str) -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_square, [Value(3.0, "x")], modes=(mode,))
    assert info.value.mismatches[0]["analytic"] == 3.0
    assert info.value.mismatches[0]["numeric"] == pytest.approx(6.0, rel=1e-6)
    with pytest.raises(GradcheckError, match=r"gradcheck \(forward mode\)"):
        gradcheck(wrong_square, [3.0], modes=("fwd", "rev"))


@given(expressions(max_inputs=3), st.data())
def test_u_dot_jv_equals_ujt_dot_v(expr: Expression, data: st.DataObject) -> None:
    """⟨u, J v⟩ from forward mode equals ⟨uᵀJ, v⟩ from reverse mode (one output, so u is a number)."""
    n = len(expr.inputs)
    v = data.draw(st.lists(finite_floats(-2.0, 2.0), min_size=n, max_size=n))
    u = data.draw(finite_floats(-2.0, 2.0))
    _, jv = jvp(expr, expr.inputs, v)
    xs = [Value(p) for p in expr.inputs]
    ujt = [u * g for g in autograd.grad(expr(*xs), xs)]
    assert u * jv == pytest.approx(math.fsum(a * b for a, b in zip(ujt, v, strict=True)), rel=1e-9, abs=1e-9)


@given(expressions(max_inputs=3))
def test_jacobian_both_ways_equals_central_differences(expr: Expression) -> None:
    forward = jacobian(expr, expr.inputs, mode="fwd")
    reverse = jacobian(expr, expr.inputs, mode="rev")
    assert forward[0] == pytest.approx(reverse[0], rel=1e-9, abs=1e-12)
    eps = 1e-6
    for j in range(len(expr.inputs)):
        up, down = list(expr.inputs), list(expr.inputs)
        up[j] += eps
        down[j] -= eps
        with autograd.no_grad():
            numeric = (expr(*up).data - expr(*down).data) / (2 * eps)
        assert forward[0][j] == pytest.approx(numeric, rel=1e-4, abs=1e-5)
    assert gradcheck(expr, expr.inputs, modes=("fwd",))


@settings(max_examples=40)
@given(expressions(max_inputs=3))
def test_hessian_is_symmetric_and_agrees_with_reverse_over_reverse(expr: Expression) -> None:
    h = hessian(expr, expr.inputs)
    n = len(expr.inputs)
    xs = [Value(p) for p in expr.inputs]
    first = autograd.grad(expr(*xs), xs, create_graph=True)
    reverse = [[float(d) for d in autograd.grad(g, xs)] if isinstance(g, Value) else [0.0] * n for g in first]
    for i in range(n):
        for j in range(n):
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-7, abs=1e-9)
            assert h[i][j] == pytest.approx(reverse[i][j], rel=1e-9, abs=1e-9)
    assert gradgradcheck(expr, expr.inputs, atol=1e-4, rtol=1e-3, modes=("fwd",))


def test_trace_jvp_is_forward_mode_over_each_example(trace) -> None:
    import numpy as np

    import nn
    from autograd.graph import Graph

    model = nn.MLP(3, [4, 2], seed=0)
    traced = trace(lambda x: list(model(x)), np.zeros(3), parameters=model.parameters())
    rng = np.random.default_rng(0)
    batch, directions = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    shared = rng.normal(size=len(model.parameters()))
    outputs, slopes = traced.jvp(batch, directions, parameter_tangents=shared)
    assert slopes.shape == (5, 2)
    for i in range(5):
        xs = [Value(float(v)) for v in batch[i]]
        outs = list(model(xs))
        seeds = dict(zip(xs, directions[i].tolist(), strict=True))
        seeds.update(zip(model.parameters(), shared.tolist(), strict=True))
        graph = Graph.below(outs)
        moved = autograd.forward.tangents(graph, seeds)
        expected = [moved[graph.index(o)] for o in outs]
        assert slopes[i] == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert outputs[i] == pytest.approx([o.data for o in outs], rel=1e-15)
    _, along_inputs = traced.jvp(batch, directions)  # no parameter tangents: the inputs' direction only
    assert along_inputs[0] == pytest.approx(jvp(lambda a, b, c: list(model([a, b, c])), batch[0].tolist(),
                                                directions[0].tolist())[1], rel=1e-12)
    with pytest.raises(autograd.TraceError, match="the tangents must be finite"):
        traced.jvp(batch, np.full((5, 3), np.inf))
    with pytest.raises(autograd.TraceError, match="parameter_tangents must be 26 finite numbers"):
        traced.jvp(batch, directions, parameter_tangents=np.ones(3))


def test_the_explorer_sweeps_forward_and_backward(browser, tmp_path) -> None:
    from autograd.examples import WorkedExample
    from autograd.forward import forward_steps

    example = WorkedExample()
    total = example.forward()
    page_file = autograd.explore(total, tangents={"w1": 1.0}).save(tmp_path / "both.html")
    recorded = autograd.record(total)
    _, sweep = forward_steps(recorded, {example.values["w1"]: 1.0})
    backward = [str(step) for step in autograd.backward_steps(total)]
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.as_uri())
    page.wait_for_function("() => window.chainrule !== undefined")
    assert page.inner_text("#cost") == "the whole gradient: 12 forward passes (one per leaf) or 1 backward pass"
    page.click("#sweep")
    assert page.evaluate("chainrule.sweep()") == "forward"
    assert page.get_attribute("#step", "max") == str(len(sweep)) == "13"
    page.click("#step")
    page.keyboard.press("Home")
    assert page.inner_text("#step-label") == "before the forward sweep"
    for k, step in enumerate(sweep, start=1):
        page.click("#next")
        assert page.inner_text("#step-label") == f"forward step {k} of 13"
        assert page.inner_text("#panel-body .step-text") == str(step)
        lit = page.evaluate("Array.from(document.querySelectorAll('g.edge.forward-active')).length")
        assert lit == len(step.terms)
    assert sweep[-1].tangent == pytest.approx(autograd.grad(total, [example.values["w1"]])[0], rel=1e-12)
    names = [n["name"] for n in page.evaluate("chainrule.data.nodes")]
    page.evaluate("i => chainrule.select(i, false)", names.index("out_h1"))
    assert f"tangent\t{sweep[1].tangent:.6g}" in page.inner_text("#panel-body .facts")
    page.click("#sweep")
    assert page.evaluate("chainrule.sweep()") == "backward"
    assert page.evaluate("document.querySelectorAll('g.edge.forward-active').length") == 0
    assert page.get_attribute("#step", "max") == str(len(backward))
    page.click("#step")
    page.keyboard.press("Home")
    for k, text in enumerate(backward, start=1):
        page.click("#next")
        assert page.inner_text("#panel-body .step-text") == text, k
    assert errors == []


def test_tangents_must_name_leaves_with_finite_numbers() -> None:
    from autograd.examples import WorkedExample
    from autograd.widgets import LiveExplorer

    total = WorkedExample().forward()
    with pytest.raises(ValueError, match="tangents: the graph has no leaf named 'E'"):
        autograd.explore(total, tangents={"E": 1.0})
    with pytest.raises(ValueError, match=r"tangents\['w1'\] must be a finite number"):
        autograd.explore(total, tangents={"w1": math.inf})
    with pytest.raises(ValueError, match="wrt must name leaves of the graph, got"):
        autograd.explore(total, tangents={"w1": 1.0}, wrt=["w1", "E"])
    weights = [f"w{k}" for k in range(1, 9)]
    page = autograd.explore(total, tangents={"w1": 1.0}, wrt=[*weights, "b1", "b2"])
    assert (page.data["forward"]["passes"], page.data["forward"]["wrt"]) == (10, "parameter")
    with pytest.raises(TypeError, match="tangents must map leaf names to numbers"):
        autograd.explore(total, tangents=[1.0])  # type: ignore[typeddict-item]
    with pytest.raises(ValueError, match=r"tangents \(forward mode\) are not live"):
        LiveExplorer(total, tangents={"w1": 1.0})


@pytest.mark.parametrize(("f", "at", "slope"), [
    (lambda x: x ** Value(2.0), -3.0, -6.0),  # ∂/∂b needs log(x): undefined, and b does not move
    (lambda b: Value(0.0) ** b, 2.0, 0.0),
    (lambda b: Value(-2.0) ** Value(3.0) * b, 1.5, -8.0),
])
def test_forward_mode_never_asks_for_a_partial_no_tangent_reaches(f, at, slope) -> None:
    assert jvp(f, [at], [1.0]) == (pytest.approx(f(Value(at)).data), slope)
    assert jacobian(f, [at], mode="fwd") == jacobian(f, [at], mode="rev") == ((slope,),)
    assert gradcheck(f, [at])
    assert len(hessian(f, [at])) == 1


def test_forward_mode_still_refuses_a_partial_a_tangent_needs() -> None:
    expected = r"jvp: forward step 1, the partials of pow\(a=-3\.0, x0=2\.0\).*log of a negative"
    with pytest.raises(ValueError, match=expected):
        jvp(lambda b: Value(-3.0, "a") ** b, [2.0], [1.0])


def test_a_failing_user_op_names_its_forward_step_in_a_long_chain() -> None:
    broken = define_op("fails_past_one_for_forward_tests", lambda x: x,
                       lambda x, out: (1.0 if x < 1 else math.log(-x),))

    def chain(x: Value) -> Value:
        for _ in range(20_000):
            x = broken(x * 1.0)
        return broken(x + 1.0)

    with pytest.raises(ValueError, match=r"jvp: forward step 40002, the partials of fails_past_one_for_forward_tests"):
        jvp(chain, [0.5], [1.0])
