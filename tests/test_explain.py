"""Stepping through backward and chain-rule explanations, on random graphs and the classic example."""

import pytest
from hypothesis import given

import autograd
from autograd import Value, backward_steps, explain
from autograd.render import step_lines, to_dot
from autograd.testing import expressions
from nn.examples import WorkedExample


def _fresh(expr):
    xs = [Value(p, f"x{i}") for i, p in enumerate(expr.inputs)]
    return xs, expr(*xs)


@given(expressions())
def test_running_all_steps_leaves_the_gradients_of_backward(expr):
    _xs, out = _fresh(expr)
    out.backward()
    want = {id(n): n.grad for n in autograd.topological_order(out)}
    _ys, out2 = _fresh(expr)
    records = list(backward_steps(out2))
    got = [n.grad for n in autograd.topological_order(out2)]
    assert got == [want[id(n)] for n in autograd.topological_order(out)]
    assert [r.index for r in records] == list(range(1, len(records) + 1))
    assert len(records) == sum(1 for n in autograd.topological_order(out2) if not n.is_leaf)


@given(expressions())
def test_step_records_add_up(expr):
    xs, out = _fresh(expr)
    contributions = {id(x): 0.0 for x in xs}
    for record in backward_steps(out):
        assert record.upstream == record.node.grad
        for edge, partial in zip(record.edges, autograd.local_partials(record.node), strict=True):
            assert edge.partial == partial
            assert edge.contribution == partial * record.upstream
            assert edge.grad_after == edge.grad_before + edge.contribution
            if id(edge.parent) in contributions:
                contributions[id(edge.parent)] += edge.contribution
    for x in xs:
        assert x.grad == pytest.approx(contributions[id(x)], rel=1e-12, abs=1e-300)


def test_steps_are_one_readable_line_each():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b
    c.label = "c"
    (line,) = [str(r) for r in backward_steps(c)]
    assert line == "step 1: c = mul(a, b), ∂root/∂c = 1: a.grad += -3 × 1 → -3; b.grad += 2 × 1 → 2"
    assert "\n" not in line


def test_step_lines_and_stepped_drawing_restore_every_grad():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = (a * b).tanh()
    a.grad = 5.0
    assert len(step_lines(c)) == 2
    dot = to_dot(c, step=2)
    assert a.grad == 5.0
    assert c.grad == 0.0
    assert "step 2: mul#2 = mul(a, b)" in dot
    assert ">mul#2<" in dot  # the drawing names the node as the step does
    assert dot.count("#d62728") >= 3  # the node and both of its edges


def test_backward_steps_validates_its_root():
    with pytest.raises(TypeError, match="backward_steps"):
        backward_steps(1.0)


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
    xs, out = _fresh(expr)
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


def test_too_many_paths_suggests_the_remedy():
    x = Value(1.0, "x")
    y = x
    for _ in range(12):
        y = y + y  # 2**12 paths
    with pytest.raises(ValueError, match=r"4096 paths.*max_paths=1000.*pass max_paths=4096"):
        explain(y, x)
    assert explain(y, x, max_paths=4096).total == 4096.0


def test_explain_validates_arguments():
    with pytest.raises(TypeError, match="explain: wrt must be a Value"):
        explain(Value(1.0), 2.0)
