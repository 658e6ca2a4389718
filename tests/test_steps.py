"""backward_steps: stepping through the chain rule one node at a time, as records and as drawings."""

import math
import warnings

import pytest
from hypothesis import given

import autograd
from autograd import Value, backward_steps, passes
from autograd.render import to_dot
from autograd.steps import step_lines
from autograd.testing import expressions


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
    assert line == "step 1: c = a·b, ∂root/∂c = 1: a.grad += -3 × 1 → -3; b.grad += 2 × 1 → 2"
    assert "\n" not in line


def test_step_lines_and_stepped_drawing_restore_every_grad():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = (a * b).tanh()
    a.grad = 5.0
    assert len(step_lines(passes.record(c))) == 2
    dot = to_dot(c, step=2)
    assert a.grad == 5.0
    assert c.grad == 0.0
    assert "step 2: a·b, ∂root/∂(a·b) = " in dot
    assert ">a·b<" in dot  # the drawing names the node as the step does, by what it computes
    assert 'tooltip="mul#2"' in dot  # its unique name in the tooltip
    assert dot.count("#d62728") >= 3  # the node and both of its edges


def test_backward_steps_validates_its_root():
    with pytest.raises(TypeError, match="backward_steps"):
        backward_steps(1.0)


def test_steps_show_themselves_readably_in_a_notebook():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b + a
    c.label = "c"
    first, second = list(backward_steps(c))
    assert repr(first) == "<BackwardStep 1: c = add(...), ∂root/∂c = 1, 2 edges>"
    assert repr(first.edges[0]) == "EdgeStep(mul#2.grad += 1 × upstream = 1: 0 → 1)"
    markdown = second._repr_markdown_()
    assert markdown.startswith("**Step 2**: `a·b`, ∂root/∂\\(a·b\\) = 1")
    assert "| a | -3 | 1 | -3 | 1 → -2 |" in markdown
    assert "| b | 2 | 1 | 2 | 0 → 2 |" in markdown
    assert len(repr(second)) < 80


def test_steps_after_a_backward_say_that_the_leaves_accumulate() -> None:
    x = autograd.Value(2.0, "x")
    y = (x * x).tanh() * x
    y.backward()
    held = x.grad
    with pytest.warns(UserWarning, match=r"backward_steps: leaves hold gradients from before \(x\.grad = 1\.01006\); "
                                         r"leaves accumulate.*zero_grad\(root\)"):
        steps = list(autograd.backward_steps(y))
    first = steps[0].updates()[1]
    assert first.endswith(f"(added to the {held:.6g} it held before this pass)")
    assert x.grad == pytest.approx(2 * held)
    assert all("held before" not in line for step in steps[1:] for line in step.updates())
    autograd.zero_grad(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all("held before" not in str(step) for step in autograd.backward_steps(y))


def test_grad_takes_a_function_as_jacobian_does() -> None:
    assert autograd.grad(lambda a, b: a * b + a.sin(), [1.0, 2.0]) == (2.0 + math.cos(1.0), 1.0)
    with pytest.raises(TypeError, match=r"grad: f must return one Value.*autograd\.jacobian"):
        autograd.grad(lambda a: [a, a], [1.0])
    with pytest.raises(TypeError, match=r"grad: with a function, give the numbers.*got 1\.0"):
        autograd.grad(lambda a: a, 1.0)
