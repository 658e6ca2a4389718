"""Teacher mode (autograd.teach): exercise pages, answer keys, drills and generated problems, checked against
the engine's numbers, and clicked through in Chromium as a learner does."""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from playwright.sync_api import Browser, Page

import autograd
import nn
from autograd import Graph, Value
from autograd.examples import LARGEST, Network, WorkedExample, problem
from autograd.teach import Drill, Exercise, Question, tex_text
from autograd.testing import Expression, expressions
from nn.cli import main

# The engine's numbers, each found independently of the exercise ----------------------------------------------


def engine_numbers(root: Value) -> tuple[Graph, dict[tuple[str, int], float]]:
    """Every number an exercise can ask for, from backward() and local_partials on the graph itself."""
    graph = Graph.of(root)
    for node in graph.nodes:
        node.grad = 0.0
    root.backward()
    numbers: dict[tuple[str, int], float] = {}
    edge = 0
    for i, node in enumerate(graph.nodes):
        numbers[("data", i)] = node.data
        numbers[("grad", i)] = node.grad
        for partial in autograd.local_partials(node):
            numbers[("partial", edge)] = partial
            edge += 1
    return graph, numbers


def key_rows(key: str) -> list[list[str]]:
    """The Markdown key's rows, cells unescaped."""
    rows = [line for line in key.splitlines() if re.match(r"\| \d+ \|", line)]
    return [[re.sub(r"\\(.)", r"\1", cell.strip()) for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


@pytest.mark.parametrize("seed", range(20))
def test_keys_hold_the_engines_numbers_for_20_seeds(seed: int) -> None:
    network = problem(seed)
    root = network.forward()
    page = autograd.exercise(root, ask=("forward", "partials", "gradients"))
    graph, numbers = engine_numbers(root)
    rows = key_rows(page.key("markdown"))
    latex = page.key("latex")
    assert len(rows) == len(page.questions) == len(numbers) - sum(node.is_leaf for node in graph.nodes) - 1
    for n, (q, row) in enumerate(zip(page.questions, rows, strict=True), start=1):
        exact = numbers[(q.kind, q.index)]
        assert q.answer == exact
        assert row[0] == str(n)
        assert row[1] == q.prompt
        assert row[2] == format(exact, ".4g")
        assert f"& ${format(exact, '.4g')}$ &" in latex.replace(r"-", "-")
    assert page.questions[-1].kind == "grad"  # the gradients of the first layer's leaves come last


def test_the_worked_examples_exercise_asks_in_backward_order_with_hints() -> None:
    example = WorkedExample()
    root = example.forward()
    page = autograd.exercise(root)
    prompts = [q.prompt for q in page.questions]
    assert prompts[:6] == ["∂E/∂E_o1", "∂E/∂d_o1²", "∂E/∂d_o1", "∂E/∂out_o1", "∂E/∂net_o1", "∂E/∂w5"]
    assert prompts.index("∂E/∂b2") > prompts.index("∂E/∂net_o2")  # b2 is asked when both its uses are done
    w5 = page.questions[5]
    assert w5.shown == "0.08217"
    assert w5.about == "w5 is used in net_o1 = w5·out_h1 + w6·out_h2 + b2"
    assert w5.hints == ("∂E/∂w5 = ∂net_o1/∂w5 · ∂E/∂net_o1: its one use's local partial × upstream",
                        "∂E/∂w5 = 0.5933 × 0.1385", "∂E/∂w5 = 0.08217")
    out_h1 = next(q for q in page.questions if q.prompt == "∂E/∂out_h1")
    assert out_h1.hints[1] == "∂E/∂out_h1 = 0.5 × (-0.0381) + 0.4 × 0.1385"
    partials = autograd.exercise(root, ask="partials")
    sigma = next(q for q in partials.questions if q.prompt == "∂out_h1/∂net_h1")
    assert sigma.hints == ("∂out_h1/∂net_h1: ∂(σ(net_h1))/∂net_h1 = σ(net_h1)·(1 − σ(net_h1))",
                           "∂out_h1/∂net_h1 = σ(0.3775)·(1 − σ(0.3775)), where σ(0.3775) = out_h1 = 0.5933",
                           "∂out_h1/∂net_h1 = 0.2413")
    forward = autograd.exercise(root, ask="forward")
    assert [q.prompt for q in forward.questions][:2] == ["net_h2", "out_h2"]
    assert forward.questions[1].hints == ("out_h2 = σ(net_h2), where σ(x) = 1/(1 + e^(−x))", "out_h2 = σ(0.3925)",
                                          "out_h2 = 0.5969")
    named = autograd.exercise(root, ask=["w1", "w5"])
    assert [q.prompt for q in named.questions] == ["∂E/∂w5", "∂E/∂w1"]
    assert named.given[:4] == ("b1 = 0.35", "b2 = 0.6", "i1 = 0.05", "i2 = 0.1")
    assert named.given[10:12] == ("w7 = 0.5", "w8 = 0.55")
    assert named.given[-2:] == ("d_o1² = d_o1**2", "E_o1 = 0.5·d_o1²")


def evaluate(formula: str) -> float:
    """A hint's arithmetic (numbers, ×, ·, +, −, brackets), evaluated as a learner's calculator does."""
    text = formula.replace("×", "*").replace("·", "*").replace("−", "-")
    assert re.fullmatch(r"[0-9.e()*+\- ]+", text), formula
    return float(eval(text))  # arithmetic on numbers only, checked above


@pytest.mark.parametrize("seed", range(10))
def test_an_answer_computed_from_the_numbers_shown_is_right_and_a_wrong_digit_is_not(seed: int) -> None:
    root = problem(seed).forward()
    page = autograd.exercise(root, ask=("forward", "gradients"))
    checked = strict = 0
    for q in page.questions:
        assert q.accepts(q.answer)
        assert q.accepts(float(q.shown))
        assert not q.accepts(q.answer + 3 * q.tolerance)
        assert not q.accepts(math.nan)
        if q.tolerance < 0.002 * abs(q.answer):  # unless the numbers shown lose digits (0.78 − 0.7801)
            assert not q.accepts(q.answer * 1.01)  # wrong in the third digit
            strict += 1
        formula = q.hints[1].split(" = ", 1)[1]
        if q.kind == "grad" or q.about.startswith(("net_", "d_")):  # sums and products of the numbers shown
            assert q.accepts(evaluate(formula)), (q.prompt, formula, q.answer, q.tolerance)
            checked += 1
    assert checked >= 10
    assert strict >= 0.8 * len(page.questions)


def inputs_of(expr: Expression) -> list[Value]:
    return [Value(x, f"x{i}") for i, x in enumerate(expr.inputs)]


@settings(max_examples=25)  # each example lays out a page with dot
@given(expressions(max_steps=8))
def test_every_question_of_a_random_graph_is_the_engines_number(expr: Expression) -> None:
    root = expr(*inputs_of(expr))
    page = autograd.exercise(root, ask=("forward", "partials", "gradients"))
    _, numbers = engine_numbers(root)
    for q in page.questions:
        assert q.answer == numbers[(q.kind, q.index)]
        assert q.accepts(float(q.shown))
        if q.kind == "grad":
            assert q.accepts(evaluate(q.hints[1].split(" = ", 1)[1]))


@settings(max_examples=25)
@given(expressions(max_steps=8))
def test_a_drill_of_a_random_graph_is_found_by_gradcheck_at_its_edge(expr: Expression) -> None:
    xs = inputs_of(expr)
    root = expr(*xs)
    try:
        d = autograd.drill(root, seed=0)
        refused = ""
    except ValueError as error:  # every edge's share of a gradient is 0 here: nothing a mistake could change
        refused = str(error)
    if refused:
        assert "no edge of this graph can hold a mistake" in refused
        assume(False)
    with pytest.raises(autograd.GradcheckError):
        autograd.gradcheck(d.function, list(d.inputs), modes=("rev",))
    assert [row[0] for row in d.data["drill"]["edges"] if not row[3]] == [d.answer.edge]


def test_bad_requests_name_the_option_and_the_value() -> None:
    root = WorkedExample().forward()
    with pytest.raises(ValueError, match="'nope' is neither one of forward, partials, gradients nor a node"):
        autograd.exercise(root, ask="nope")
    with pytest.raises(ValueError, match="'forward' is both asked and revealed"):
        autograd.exercise(root, ask="forward", reveal="forward")
    with pytest.raises(ValueError, match="reveal: 'grads' is not one of inputs, forward, partials, gradients"):
        autograd.exercise(root, reveal=["grads"])
    with pytest.raises(ValueError, match="'E' is the root, whose gradient is 1"):
        autograd.exercise(root, ask=["E"])
    with pytest.raises(ValueError, match="ask=500 questions, but this graph has 73"):
        autograd.exercise(root, ask=500)
    with pytest.raises(ValueError, match="seed draws the questions of a count"):
        autograd.exercise(root, ask="gradients", seed=3)
    with pytest.raises(TypeError, match="'color_by_grad' is not an option of a teaching page"):
        autograd.exercise(root, color_by_grad=True)
    with pytest.raises(ValueError, match="format must be 'markdown' or 'latex', got 'pdf'"):
        autograd.exercise(root).key("pdf")
    x = Value(math.inf, "x")
    with pytest.raises(ValueError, match="exercise: x's value is inf; a learner's numbers must be finite"):
        autograd.exercise(x * 2.0)
    with pytest.raises(ValueError, match="drill: mistake must be one of"):
        autograd.drill(root, mistake="typo")
    with pytest.raises(ValueError, match="no edge of this graph can hold a 'σ′ written as σ' mistake"):
        autograd.drill(Value(2.0, "a") * Value(3.0, "b"), mistake="σ′ written as σ")


def test_a_count_draws_that_many_questions_and_a_seed_draws_the_same_ones() -> None:
    root = WorkedExample().forward()
    first = autograd.exercise(root, ask=6, seed=11)
    assert len(first.questions) == 6
    assert first.questions == autograd.exercise(root, ask=6, seed=11).questions
    assert first.questions != autograd.exercise(root, ask=6, seed=12).questions
    assert first.html == autograd.exercise(root, ask=6, seed=11).html


HOSTILE = '<img src=x onerror="window.pwned=1">$\\input{x}_&%#|*'


def hostile_graph() -> Value:
    a = Value(0.5, HOSTILE)
    b = Value(-1.5, "b`</script><script>window.pwned=2</script>")
    c = (a * b).sigmoid()
    c.label = "c[1](x)"
    return c + a


def test_keys_escape_hostile_labels() -> None:
    page = autograd.exercise(hostile_graph(), ask=("forward", "partials", "gradients"))
    markdown = page.key("markdown")
    assert not re.search(r"(?<!\\)[<>`]", markdown)
    assert "\\<img" in markdown
    for row in key_rows(markdown):
        assert len(row) == 5  # no label breaks out of its cell
    latex = page.key("latex")
    assert "\\input{x}" not in latex
    assert "\\textbackslash{}input\\{x\\}" in latex
    assert tex_text("a_b $1 & 50% #2") == r"a\_b \$1 \& 50\% \#2"
    assert tex_text("∂σ/∂x − 1") == r"$\partial$$\sigma$/$\partial$x $-$ 1"


def test_the_static_picture_shows_only_what_the_worksheet_gives() -> None:
    """The drawings are laid out with the numbers the page starts from (its known mask): the inputs, the
    forward values unless they are asked, and the root's gradient; every other number is ``?``, so that a
    picture shown without the page's script gives no answer away."""
    example = WorkedExample()
    for ask, forward_given in (("gradients", True), ("forward", False)):
        page = autograd.exercise(example.forward(), ask=ask)
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", page.svg)
        assert "data 0.15" in texts
        assert ("data 0.5933" in texts) is forward_given
        assert "grad 0.08217" not in texts
        assert "grad 1" in texts  # ∂E/∂E
        assert texts.count("data ?") == (0 if forward_given else 15)
        assert texts.count("grad ?") == 26
        assert texts.count("∂=?") == 32
        assert len([t for t in texts if re.fullmatch(r"\? × [?1] = \?", t)]) == 32  # the root's upstream is 1
        source = page._picture_source()  # the PNG a notebook shows without scripts
        assert (source.count("data ?"), source.count("grad ?"), source.count("∂=?")) == (texts.count("data ?"), 26, 32)
        assert re.search(r"<TD WIDTH=\"\d+\">data 0.15</TD>", source)
        assert ("0.5933" in source) is forward_given
        assert "0.08217" not in source
        assert page.picture.startswith(b"\x89PNG")
        assert page._repr_mimebundle_()["image/png"]


# Generated problems -----------------------------------------------------------------------------------------


def test_a_seed_always_gives_the_same_problem_within_3_4_3() -> None:
    sizes = set()
    for seed in range(40):
        a, b = problem(seed), problem(seed)
        assert {k: v.data for k, v in a.values.items()} == {k: v.data for k, v in b.values.items()}
        assert a.targets == b.targets
        assert a.sizes == b.sizes
        assert all(1 <= n <= most for n, most in zip(a.sizes, LARGEST, strict=True))
        assert all(round(v.data, 2) == v.data and v.data != 0 for v in a.values.values())
        assert all(0 < t < 1 for t in a.targets)
        sizes.add(a.sizes)
    assert len(sizes) > 8


def test_a_network_is_built_as_the_worked_example_names_it() -> None:
    network = Network((2, 2, 2), (0.05, 0.10), (0.01, 0.99), (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55),
                      (0.35, 0.60))
    assert network.forward().data == WorkedExample().forward().data
    three = Network((3, 1), (1.0, 2.0, 3.0), (0.5,), (0.1, 0.2, 0.3), (0.0,), activation="linear", loss="mse")
    root = three.forward()
    assert root.label == "E"
    assert root.data == pytest.approx((0.5 - 1.4) ** 2)
    assert set(three.nodes) >= {"net_o1", "d_o1", "d_o1²", "E"}
    with pytest.raises(ValueError, match=r"Network: \(2, 2\) takes 4 weights, got 3"):
        Network((2, 2), (1.0, 2.0), (0.0, 0.0), (0.1, 0.2, 0.3), (0.0,))
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        problem(1, activation="gelu")


def test_the_command_writes_the_page_and_its_key_the_same_for_the_same_seed(tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["exercise", "--net", "2-2-2", "--activation", "sigmoid", "--loss", "half_sse", "--seed", "7"]
    assert main([*argv, "--out", str(tmp_path / "q.html")]) == 0
    assert main([*argv, "--out", str(tmp_path / "again.html")]) == 0
    out = capsys.readouterr().out
    assert "26 questions on 2-2-2 sigmoid network, seed 7" in out
    assert "q.md" in out
    assert "q.tex" in out
    assert (tmp_path / "q.html").read_text() == (tmp_path / "again.html").read_text()
    assert (tmp_path / "q.md").read_text() == (tmp_path / "again.md").read_text()
    network = problem(7, (2, 2, 2))
    rows = key_rows((tmp_path / "q.md").read_text())
    engine_numbers(network.forward())
    w1 = next(row for row in rows if row[1] == "∂E/∂w1")
    assert w1[2] == format(network.values["w1"].grad, ".4g")
    assert (tmp_path / "q.tex").read_text().startswith(r"\documentclass")


def test_the_command_makes_an_exercise_from_a_trained_model(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    model.save(tmp_path / "model.json")
    assert main(["exercise", "--from-model", str(tmp_path / "model.json"), "--input", "0.5,-1", "--target", "1",
                 "--ask", "forward,gradients", "--out", str(tmp_path / "m.html")]) == 0
    assert "questions on model.json: mse" in capsys.readouterr().out
    root = nn.mse(model([Value(0.5, "x0"), Value(-1.0, "x1")]), [1.0])
    root.backward()
    rows = {row[1]: row[2] for row in key_rows((tmp_path / "m.md").read_text())}
    weight = model.layers[0].neurons[0].w[0]
    assert rows[f"∂mse/∂{weight.label}"] == format(weight.grad, ".4g")


@pytest.mark.parametrize(("argv", "message"), [
    (["--net", "2-2-2-2"], "--net takes 2 or 3 layer sizes from 1 to 9"),
    (["--loss", "hinge"], "a generated network's --loss is one of half_sse, mse, got 'hinge'"),
    (["--input", "1,2"], "--input goes with --from-model"),
    (["--out", "q.pdf"], "--out must end in .html"),
    (["--ask", "forward", "--reveal", "forward"], "'forward' is both asked and revealed"),
])
def test_the_command_refuses_bad_options(argv: list[str], message: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exercise", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule exercise: error:")
    assert message in err


# Drills -------------------------------------------------------------------------------------------------------


def gradcheck_mismatches(d: Drill) -> list[str]:
    """The inputs ``autograd.gradcheck`` names on the drilled function (reverse mode)."""
    try:
        autograd.gradcheck(d.function, list(d.inputs), modes=("rev",))
    except autograd.GradcheckError as error:
        return [str(m["label"]) for m in error.mismatches]
    return []


@pytest.mark.parametrize("seed", range(12))
def test_a_drill_breaks_one_edge_which_gradcheck_and_the_page_localise(seed: int) -> None:
    root = problem(seed).forward() if seed % 2 else WorkedExample().forward()
    graph, numbers = engine_numbers(root)
    before = {("data", i): n.data for i, n in enumerate(graph.nodes)}
    d = autograd.drill(root, seed=seed)
    broken = d.answer
    assert {("data", i): n.data for i, n in enumerate(graph.nodes)} == before  # the graph drilled is a copy
    right = numbers[("partial", broken.edge)]
    assert broken.right == right
    child = Graph.of(d.root).nodes[d.data["edges"][broken.edge]["to"]]
    expected = {"sign": -right, "factor of 2": 2 * right, "σ′ written as σ": child.data}[broken.mistake]
    assert broken.wrong == pytest.approx(expected)
    assert d.data["edges"][broken.edge]["partial"] == pytest.approx(expected)
    # gradcheck fails on the drilled function, at the inputs whose gradients the wrong partial changed
    drilled = dict(zip((n.label for n in d.inputs), autograd.grad(d.function(*d.inputs), list(d.inputs)), strict=True))
    changed = [name for name, g in drilled.items()
               if abs(g - numbers[("grad", graph.index(next(n for n in graph.nodes if n.label == name)))]) > 1e-4]
    assert sorted(gradcheck_mismatches(d)) == sorted(changed)
    assert changed
    with pytest.raises(autograd.GradcheckError):
        autograd.gradcheck(d.function, list(d.inputs))
    found = d.data["drill"]
    assert [row[0] for row in found["edges"] if not row[3]] == [broken.edge]
    assert sorted(d.data["nodes"][row[0]]["name"] for row in found["inputs"] if not row[3]) == sorted(changed)


def test_each_mistake_can_be_asked_for() -> None:
    root = WorkedExample().forward()
    for mistake in ("sign", "factor of 2", "σ′ written as σ"):
        d = autograd.drill(root, seed=0, mistake=mistake)
        assert d.answer.mistake == mistake
        assert str(d.answer).startswith(f"∂{d.answer.child}/∂{d.answer.parent} ({mistake})")


# In Chromium, as a learner clicks ---------------------------------------------------------------------------


def open_page(browser: Browser, html: str, tmp_path: Path, name: str) -> tuple[Page, list[str]]:
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 850})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    page.goto(path.as_uri())
    page.wait_for_function("() => window.chainrule && (window.chainrule.exercise || window.chainrule.drill)")
    return page, errors


def answer(page: Page, text: str) -> str:
    page.fill("#teach-answer", text)
    page.press("#teach-answer", "Enter")
    return page.inner_text("#teach .teach-feedback")


def state(page: Page) -> dict[str, object]:
    return page.evaluate("() => chainrule.exercise.state()")  # type: ignore[no-any-return]


def grad_text(page: Page, i: int) -> str:
    return page.evaluate("i => Array.from(document.getElementById('v0-n' + i).querySelectorAll('text')).pop()"
                         ".textContent", i)  # type: ignore[no-any-return]


def test_a_learner_answers_with_decimals_fractions_and_products(browser: Browser, tmp_path: Path) -> None:
    example = WorkedExample()
    root = example.forward()
    exercise: Exercise = autograd.exercise(root)
    page, errors = open_page(browser, exercise.html, tmp_path, "exercise")
    questions = exercise.questions
    assert page.inner_text("#teach .teach-question") == "What is ∂E/∂E_o1?"
    assert grad_text(page, questions[0].index) == "grad ?"
    assert "Right: ∂E/∂E_o1 = 1" in answer(page, "1")
    assert grad_text(page, questions[0].index) == "grad 1"  # filled in, as the engine computed it
    assert "Right" in answer(page, "1/2")  # a fraction: ∂E/∂d_o1² = 0.5
    feedback = answer(page, "0.74")
    assert feedback.startswith("Not yet: 0.74 is not ∂E/∂d_o1 to the 4 digits shown")
    assert "Cannot read “0.7.4” at “.4”" in answer(page, "0.7.4")
    assert state(page)["wrong"] == 1
    assert state(page)["at"] == 2
    assert "Right" in answer(page, "-1.483 × 0.5")  # a product of the numbers shown, with a unicode times
    assert "Right" in answer(page, "(−1) * (−0.7414)")
    assert "Right" in answer(page, "0.1868 * 0.7414")
    assert page.inner_text("#teach .teach-question") == "What is ∂E/∂w5?"
    page.locator("#teach-answer").press_sequentially("0.5933 * 0.1385")  # typed key by key: no key of the
    page.press("#teach-answer", "Enter")                                 # explorer's (0 fits, − zooms) fires
    assert "Right: ∂E/∂w5 = 0.08217" in page.inner_text("#teach .teach-feedback")
    assert page.evaluate("() => chainrule.current()") == 0
    assert state(page)["score"] == 6
    assert errors == []


def test_an_exercise_in_a_notebook_s_sandboxed_frame_checks_answers(browser: Browser) -> None:
    """A notebook shows the page in an iframe sandboxed to scripts alone, where a form is never submitted: Enter
    and the check button are heard all the same (they were not, before)."""
    exercise = autograd.exercise(WorkedExample().forward())
    page = browser.new_page(viewport={"width": 1400, "height": 850})
    page.set_content(f"<html><body>{exercise.iframe(800)}</body></html>")
    frame = page.frame_locator("iframe")
    frame.locator("#teach .teach-question").wait_for()
    frame.locator("#teach-answer").fill("1")
    frame.locator("#teach-answer").press("Enter")
    assert frame.locator("#teach .teach-feedback").inner_text().startswith("Right")
    frame.locator("#teach-answer").fill("7")
    frame.locator("#teach form button").click()
    assert frame.locator("#teach .teach-feedback").inner_text().startswith("Not yet")
    page.close()


def test_hints_come_in_three_levels_and_cost_points(browser: Browser, tmp_path: Path) -> None:
    exercise = autograd.exercise(WorkedExample().forward(), ask=["out_h1", "w1"])
    page, errors = open_page(browser, exercise.html, tmp_path, "hints")
    first, second = exercise.questions
    for level in (1, 2):
        page.click("#teach-hint")
        assert page.locator("#teach .teach-hints li").all_inner_texts() == list(first.hints[:level])
    assert page.inner_text("#teach-hint") == "hint 3 of 3: the answer"
    assert "Right" in answer(page, "0.5 * -0.0381 + 0.4 * 0.1385")
    assert state(page)["score"] == 0.5
    assert state(page)["hints"] == 2
    for _ in range(3):
        page.click("#teach-hint")
    assert page.inner_text("#teach .teach-feedback") == f"The answer: {second.hints[2]} (no point). The next question:"
    assert grad_text(page, second.index) == f"grad {second.shown}"
    assert page.inner_text("#teach .teach-status").startswith("All 2 answered: score 0.5 of 2 · 5 hints · 0 wrong")
    assert page.is_disabled("#teach-answer")
    page.click("#teach-reset")
    assert state(page) | {"known": None, "results": None} == {
        "at": 0, "total": 2, "score": 0, "hints": 0, "wrong": 0, "known": None, "results": None}
    assert grad_text(page, second.index) == "grad ?"
    assert grad_text(page, first.index) == "grad ?"
    assert page.inner_text("#teach .teach-question") == "What is ∂E/∂out_h1?"
    assert errors == []


def test_the_page_shows_what_each_question_needs_and_hides_what_it_would_give_away(browser: Browser,
                                                                                    tmp_path: Path) -> None:
    exercise = autograd.exercise(WorkedExample().forward(), ask="gradients", reveal="inputs")
    page, errors = open_page(browser, exercise.html, tmp_path, "needs")
    nodes = exercise.data["nodes"]
    out_h1 = next(i for i, n in enumerate(nodes) if n["name"] == "out_h1")
    net_o1 = next(i for i, n in enumerate(nodes) if n["name"] == "net_o1")
    assert page.evaluate("i => chainrule.data.nodes[i].data", out_h1) is None  # not needed yet: hidden
    for q in exercise.questions:
        if q.prompt == "∂E/∂out_h1":
            break
        assert "Right" in answer(page, q.shown)
    assert page.evaluate("i => chainrule.data.nodes[i].data", out_h1) == nodes[out_h1]["data"]
    assert page.evaluate("i => chainrule.data.nodes[i].grad", out_h1) is None
    page.evaluate("i => chainrule.select(i, false)", out_h1)
    assert "Not known yet: it is a question of this exercise." in page.inner_text("#panel-body")
    page.evaluate("i => chainrule.select(i, false)", net_o1)  # its input out_h1's share is hidden too
    row = page.locator("#panel-body tr.edge-row", has_text="out_h1").all_inner_texts()[0]
    assert row.split("\t")[-1] == "?"
    assert errors == []


def test_a_drill_is_solved_by_clicking_the_broken_edge(browser: Browser, tmp_path: Path) -> None:
    d = autograd.drill(WorkedExample().forward(), seed=3)
    page, errors = open_page(browser, d.html, tmp_path, "drill")
    wrong = next(k for k in range(len(d.data["edges"])) if k != d.answer.edge)
    page.locator(f"#v0-e{wrong} text").first.click()
    assert page.inner_text("#teach .teach-feedback").startswith("Not this one:")
    assert page.is_hidden("#teach .teach-localise")
    page.locator(f"#v0-e{d.answer.edge} text").first.click()
    feedback = page.inner_text("#teach .teach-feedback")
    assert feedback == (f"Right, in 2 tries: ∂{d.answer.child}/∂{d.answer.parent} is {format(d.answer.wrong, '.6g')} "
                        f"here, but its rule gives {format(d.answer.right, '.6g')} ({d.answer.mistake}).")
    tables = page.locator("#teach table.teach-check")
    assert tables.count() == 3
    flagged = tables.nth(0).locator("tr.disagrees td:first-child").all_inner_texts()
    assert sorted(flagged) == sorted(gradcheck_mismatches(d))
    assert tables.nth(2).locator("tr.disagrees td:first-child").all_inner_texts() == [
        f"∂{d.answer.child}/∂{d.answer.parent}"]
    assert page.evaluate("() => chainrule.drill.state()") == {"tries": 2, "solved": True}
    assert errors == []


def test_hostile_labels_are_shown_as_text(browser: Browser, tmp_path: Path) -> None:
    exercise = autograd.exercise(hostile_graph(), ask=("partials", "gradients"))
    page, errors = open_page(browser, exercise.html, tmp_path, "hostile")
    for q in exercise.questions[:3]:
        assert page.inner_text("#teach .teach-question") == f"What is {q.prompt}?"
        page.click("#teach-hint")
        assert page.locator("#teach .teach-hints li").all_inner_texts()[-1] == q.hints[0]
        assert "Right" in answer(page, q.shown)
    hostile = next(i for i, node in enumerate(exercise.data["nodes"]) if node["name"] == HOSTILE)
    page.evaluate("i => chainrule.select(i, false)", hostile)
    assert page.inner_text("#panel-body h2") == HOSTILE
    assert page.evaluate("() => window.pwned === undefined")
    assert page.locator("#teach img").count() == 0
    assert errors == []


def test_questions_compare_and_print_as_the_key_writes_them() -> None:
    q = Question("grad", 3, "∂E/∂w", "w, a leaf", 0.25, "0.25", 1e-4, ("a", "b", "c"), ())
    assert str(q) == "∂E/∂w = 0.25"
    assert q.accepts(0.25005)
    assert not q.accepts(0.2502)


def _softmax_classifier() -> Value:
    logits = [Value(0.3, "z1"), Value(-1.2, "z2"), Value(0.8, "z3")]
    loss = nn.losses.cross_entropy(logits, 1)
    loss.label = "L"
    return loss


def _compiles(tex: str, folder: Path) -> None:
    source = folder / "key.tex"
    source.write_text(tex, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name], cwd=folder,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (folder / "key.pdf").stat().st_size > 1000


@pytest.mark.latex
@pytest.mark.parametrize("which", ["worked example", "softmax partials", "exotic labels"])
def test_every_form_of_key_compiles_with_pdflatex(which: str, tmp_path: Path) -> None:
    if which == "worked example":
        sheet = autograd.exercise(WorkedExample().forward(), ask=["forward", "partials", "gradients"])
    elif which == "softmax partials":
        sheet = autograd.exercise(_softmax_classifier(), ask=["forward", "partials", "gradients"])
        assert any("logΣexp" in q.prompt or "exp(" in q.hints[1] for q in sheet.questions)
    else:
        x = Value(0.5, "αβλΛ_Ω\nnew line µ 😀 x₀ⱼ w⁻¹ {}&%$#^~")
        sheet = autograd.exercise((x * 2.0 - 0.25).tanh(), ask=["forward", "partials", "gradients"])
    _compiles(sheet.key("latex"), tmp_path)


def test_unicode_a_key_writes_becomes_latex_pdflatex_knows() -> None:
    assert tex_text("xⱼ") == "x$_{j}$"
    assert tex_text("x₀²") == "x$_{0}$$^{2}$"
    assert tex_text("σ′ Ω Β λΛ") == "$\\sigma$$'$ $\\Omega$ $B$ $\\lambda$$\\Lambda$"
    assert tex_text("😀") == "$\\text{\\texttt{[U+1F600]}}$"
    assert tex_text("a\nb") == "a b"


def test_a_newline_in_a_label_stays_inside_its_row_of_the_markdown_key() -> None:
    x = Value(0.5, "first\nsecond")
    key = autograd.exercise((x * 3.0).tanh()).key()
    table = key[key.index("| # |"):].splitlines()
    assert all(line.startswith("|") and line.endswith("|") for line in table)
    assert all(line.count(" | ") == 4 for line in table[2:])


def test_the_given_line_lists_every_number_the_key_needs() -> None:
    sheet = autograd.exercise(WorkedExample().forward())
    assert "w8 = 0.55" in sheet.given
    assert "d_o1 = 0.01 − out_o1" in sheet.given  # the targets
    assert "E_o1 = 0.5·d_o1²" in sheet.given  # and the factors
    assert "d\\_o1 = 0.01 − out\\_o1" in sheet.key()


def test_a_subtracted_negative_number_is_bracketed_in_the_hint() -> None:
    a, b = Value(-0.1, "a"), Value(-0.7607, "b")
    d = a - b
    d.label = "d"
    sheet = autograd.exercise(d * d, ask="forward")
    assert sheet.questions[0].hints[1] == "d = -0.1 − (-0.7607)"
    y = Value(2.0, "net") - 0.0
    assert Graph.of(y * y).expression(y) == "net − 0"


def test_the_softmax_hint_writes_every_number() -> None:
    sheet = autograd.exercise(_softmax_classifier(), ask="partials")
    hints = [q.hints[1] for q in sheet.questions if "exp(" in q.hints[1]]
    assert hints
    assert all("m" not in hint.split("=")[-1] and "ⱼ" not in hint for hint in hints)
    assert "exp(-0.5)/(exp(-0.5) + exp(-2) + exp(0))" in " ".join(hints)  # logits less their max, 0.8




if __name__ == "__main__":  # remakes docs/exercise.png: the worked example's exercise, part done, a hint open
    # PYTHONPATH=. .venv/bin/python tests/test_teach.py
    import sys
    import tempfile

    from playwright.sync_api import sync_playwright

    from benchmarks.browser import launch

    sheet = autograd.exercise(WorkedExample().forward(), title="The worked example: compute the gradients")
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        saved = sheet.save(Path(folder) / "exercise.html")
        chromium = launch(playwright)
        page = chromium.new_page(viewport={"width": 1400, "height": 760})
        page.goto(saved.as_uri())
        page.wait_for_function("() => window.chainrule && window.chainrule.exercise")
        for q in sheet.questions[:6]:
            answer(page, q.shown)
        answer(page, "0.597 * 0.14")
        page.click("#teach-hint")
        page.click("#teach-hint")
        page.wait_for_timeout(400)
        page.screenshot(path=str(Path(__file__).resolve().parent.parent / "docs" / "exercise.png"))
        chromium.close()
    sys.exit(0)
