"""Chain-rule explanations: sums over paths of products of local partials, on random graphs and the classic
example."""

import pytest
from hypothesis import given

import autograd
from autograd import Value, explain
from autograd.examples import WorkedExample
from autograd.testing import expressions


def test_classic_example_one_path_to_w5_two_to_w1():
    example = WorkedExample()
    total, n = example.forward(), example.nodes
    total.backward()
    assert total.data == pytest.approx(0.298371109, abs=1e-9)
    e5 = explain(total, n["w5"])
    assert len(e5.paths) == 1
    assert e5.total == pytest.approx(0.082167041, abs=1e-9)
    assert e5.total == pytest.approx(n["w5"].grad, rel=1e-14)
    e1 = explain(total, n["w1"])
    assert len(e1.paths) == 2
    assert e1.total == pytest.approx(0.000438568, abs=1e-9)
    assert e1.total == pytest.approx(n["w1"].grad, rel=1e-12)
    through = [{link.child.label for link in path.links} for path in e1.paths]
    assert {"out_o1", "net_o1"} <= through[0]
    assert {"out_o2", "net_o2"} <= through[1]
    text = e1.to_text()
    assert "∂E/∂w1 = 0.0004385677" in text
    assert "the sum over 2 paths" in text
    assert "∂net_h1/∂w1: ∂(w·x + b)/∂w1 = i1 = 0.05" in text
    assert r"\frac{\partial\,\mathrm{E}}{\partial\,\mathrm{w1}}" in e1.to_latex()
    assert "| ∂net\\_h1/∂w1 |" in e1.to_markdown()


@given(expressions())
def test_explain_totals_equal_grad_on_random_graphs(expr):
    xs = [Value(p, f"x{i}") for i, p in enumerate(expr.inputs)]
    out = expr(*xs)
    grads = autograd.grad(out, xs)
    for x, g in zip(xs, grads, strict=True):
        explanation = explain(out, x)
        assert explanation.total == pytest.approx(g, rel=1e-9, abs=1e-12)


def test_repeated_edges_are_separate_paths():
    x = Value(3.0, "x")
    e = explain(x * x, x)
    assert [p.product for p in e.paths] == [3.0, 3.0]
    assert e.total == 6.0


def test_unrelated_and_identical_nodes():
    x, y = Value(1.0, "x"), Value(2.0, "y")
    e = explain(y * 2, x)
    assert e.paths == ()
    assert e.total == 0
    assert "does not depend on x" in str(e)
    assert explain(x, x).total == 1.0


def test_many_paths_are_counted_and_the_first_ones_listed():
    x = Value(1.0, "x")
    y = x
    for _ in range(12):
        y = y + y  # 2**12 paths
    explanation = explain(y, x, max_paths=5)
    assert explanation.path_count == 4096
    assert len(explanation.paths) == 5
    assert not explanation.complete
    assert explanation.total == 4096.0
    assert "the sum over 4096 paths, the first 5 shown" in explanation.to_text()
    assert "+ (the other 4091 paths) = 4096" in explanation.to_text()
    assert r"\cdots" in explanation.to_latex()
    assert explain(y, x).path_count == 4096
    with pytest.raises(ValueError, match="max_paths must be a whole number of at least 1, got 0"):
        explain(y, x, max_paths=0)


@pytest.mark.slow
def test_explain_is_linear_in_depth():
    x = Value(1.0, "x")
    y = x
    for _ in range(200_000):  # quadratic path building took minutes here
        y = y * 1.0
    explanation = explain(y, x)
    assert explanation.path_count == 1
    assert len(explanation.paths[0].links) == 200_000
    assert explanation.paths[0].links[0].child is y
    assert explanation.paths[0].links[-1].parent is x
    assert explanation.total == 1.0


def test_the_output_itself_has_one_trivial_path():
    e = Value(2.0, "E")
    explanation = explain(e * 3.0, e)
    assert explanation.total == 3.0
    itself = explain(e, e)
    assert (itself.path_count, itself.total) == (1, 1.0)
    assert itself.to_text() == "∂E/∂E = 1: E is the output itself, reached by the empty path, whose product is 1."
    assert itself.to_latex() == r"$$\frac{\partial\,\mathrm{E}}{\partial\,\mathrm{E}} = 1 = (1) = 1$$"
    assert "the output itself" in itself.to_markdown()


def test_explain_validates_arguments():
    with pytest.raises(TypeError, match="explain: wrt must be a Value"):
        explain(Value(1.0), 2.0)


def test_a_partial_that_does_not_exist_off_the_path_does_not_stop_the_explanation():
    a, b = Value(-2.0, "a"), Value(2.0, "b")
    y = a**b  # ∂y/∂b needs log(-2); ∂y/∂a = b·a = -4 exists
    explanation = explain(y, a)
    assert explanation.total == -4.0
    assert [link.partial for link in explanation.paths[0].links] == [-4.0]
    dot = autograd.to_dot(y)
    assert "∂=-4" in dot
    assert "∂=nan" in dot
