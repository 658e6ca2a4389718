"""The playground: chainrule in a browser tab, in Pyodide, built by ``make playground`` (scripts/build-playground)
and served by a plain static server on a loopback port, read in Chromium, which resolves no host but 127.0.0.1.
Its numbers are compared with ``autograd.playground`` run here in CPython; the Python side is tested here too."""

from __future__ import annotations

import functools
import http.server
import json
import math
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Frame, Page

import autograd
from autograd.examples import WorkedExample
from autograd.playground import Session
from benchmarks.lab import LOOPBACK_ONLY

REPOSITORY = Path(__file__).resolve().parent.parent
BROWSER_FLAGS = LOOPBACK_ONLY
WORKED = "from autograd.examples import WorkedExample\nE = WorkedExample().forward()\nE"


def _cpython(code: str) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(Session().run(code))
    return answer


def test_the_session_runs_code_and_says_what_went_wrong_and_where() -> None:
    answer = _cpython("from autograd import Value\nx = Value(2.0, 'x')\nprint('hi')\n(x * x).tanh()")
    assert answer["ok"] is True
    assert answer["output"] == "hi\n"
    document = answer["document"]
    assert document["graph"]["nodes"][0]["name"] == "x"
    assert document["numbers"]["grad"][-1] == 1.0  # backward was run on it, as it had not been
    assert document["numbers"]["grad"][0] == pytest.approx(4 * (1 - math.tanh(4) ** 2))
    assert [view["layout"] for view in document["views"]] == ["browser"]  # no dot in a browser tab
    assert answer["html"].startswith("<!DOCTYPE html>")
    assert answer["state"]["kind"] == "numbers"
    for code, error, line in [("y = 1 +", "SyntaxError: invalid syntax", 1),
                              ("a = 1\nb = a / 0\nb", "ZeroDivisionError: division by zero", 2),
                              ("3", "TypeError: the last line gives 3 (int); it must give a Value to explore", 1),
                              ("x = 1", "TypeError: the last line must be an expression that gives a Value", None)]:
        wrong = _cpython(code)
        assert wrong["ok"] is False
        assert str(wrong["error"]).startswith(error)
        assert wrong["line"] == line
    session = Session()
    assert json.loads(session.set_value("x", 1.0))["error"].startswith("ValueError: setValue: run some code")
    session.run("from autograd import Value\nx = Value(0.5, 'x')\nx.log()")
    refused = json.loads(session.set_value("x", -1.0))
    assert "log" in refused["error"]
    assert json.loads(session.set_value("x", 2.0))["document"]["numbers"]["data"][-1] == math.log(2.0)


def test_the_session_answers_the_page_as_a_kernel_answers_a_live_widget() -> None:
    session = Session()
    session.run(WORKED)
    w5 = [node["name"] for node in json.loads(session.run(WORKED))["document"]["graph"]["nodes"]].index("w5")
    done = json.loads(session.answer(json.dumps({"kind": "edit", "node": w5, "value": 0.1})))
    assert done["reply"] == {"kind": "done"}
    assert json.loads(done["state"]["numbers"]) == json.loads(session.set_value("w5", 0.1))["document"]["numbers"]
    refused = json.loads(session.answer(json.dumps({"kind": "step", "lr": 0.5})))
    assert refused == {"reply": {"kind": "refused", "message": "playground.step: no leaf is marked as a parameter; "
                                 "pass parameters= or mark(name)"}, "state": None}
    assert json.loads(session.answer("{not json"))["reply"]["kind"] == "refused"
    timeline = json.loads(Session().run("import nn\nX, y = nn.datasets.xor()\nm = nn.MLP(2, [3, 1], seed=0)\n"
                                        "h = nn.fit(m, (X, y), epochs=2, progress=False, watch=(X[0], y[0]))\n"
                                        "h.explore(layout='browser')"))
    assert timeline["ok"] is True
    assert len(timeline["document"]["timeline"]["numbers"]) == 3  # a page the code made, shown as it is
    forward = json.loads(Session().run("from autograd import Value\na = Value(0.5, 'a')\ntangents = {'a': 1.0}\n"
                                       "(a * a).sin()"))
    assert forward["document"]["forward"]["seeds"] == {"a": 1.0}
    assert forward["state"] is None  # forward mode is not live
    problem = json.loads(Session().exercise(7))
    assert problem["document"]["title"].endswith("network, seed 7")
    assert problem["document"]["exercise"]["questions"]


def _same_numbers(got: dict[str, Any], want: dict[str, Any]) -> None:
    """Two pages' documents with the same graph and numbers: names, each node's data and grad to 1e-12."""
    assert [n["name"] for n in got["graph"]["nodes"]] == [n["name"] for n in want["graph"]["nodes"]]
    for key in ("data", "grad", "partial"):
        assert got["numbers"][key] == pytest.approx(want["numbers"][key], rel=1e-12, abs=1e-15), key


def _frame(page: Page) -> Frame:
    """The explorer's page in the playground, once it is laid out and its script has run."""
    element = page.wait_for_selector("#page iframe")
    assert element is not None
    frame = element.content_frame()
    assert frame is not None
    frame.wait_for_selector("html[data-chainrule=ready]", state="attached")
    return frame


def test_the_playground_runs_chainrule_in_the_page_with_cpythons_numbers(browser: Browser, served: str) -> None:
    problems: list[str] = []
    page = _open(browser, served, problems)
    assert _frame(page).inner_text("#title") == "E"  # the first example, run as the page opens
    answer = page.evaluate("code => chainrule.playground.run(code)", WORKED)
    assert answer["ok"] is True
    _same_numbers(answer["document"], _cpython(WORKED)["document"])
    here = autograd.explore(WorkedExample().forward()).document  # the page document CPython makes, with dot
    _same_numbers(answer["document"], here)
    assert answer["document"]["graph"] == here["graph"]

    changed = page.evaluate("() => chainrule.playground.setValue('w5', 0.1)")
    session = Session()
    session.run(WORKED)
    _same_numbers(changed["document"], json.loads(session.set_value("w5", 0.1))["document"])
    frame = _frame(page)
    w5 = changed["document"]["graph"]["nodes"].index(next(n for n in changed["document"]["graph"]["nodes"]
                                                          if n["name"] == "w5"))
    assert frame.locator(f"#v0-n{w5} text").nth(1).text_content() == "data 0.1"  # written into the drawing

    # a learner selects w1 in the drawing and types a value: the page asks, chainrule answers in this page
    frame.fill("#search", "w1")
    frame.press("#search", "Enter")
    frame.wait_for_selector("#live-edit:not([hidden])")
    frame.fill("#live-value", "0.3")
    frame.press("#live-value", "Enter")
    want = json.loads(session.set_value("w1", 0.3))["document"]["numbers"]
    frame.wait_for_function("v => chainrule.data.nodes[chainrule.data.root].data === v", arg=want["data"][-1])
    assert frame.evaluate("chainrule.data.nodes.map(n => n.grad)") == pytest.approx(want["grad"], rel=1e-12)
    assert problems == []


def test_an_error_shows_its_line_and_the_next_run_works(browser: Browser, served: str) -> None:
    problems: list[str] = []
    page = _open(browser, served, problems)
    wrong = page.evaluate("() => chainrule.playground.run('a = 1\\nb = a / 0\\nb')")
    assert wrong["ok"] is False
    assert page.inner_text("#error") == "line 2: ZeroDivisionError: division by zero"
    assert page.locator(".cm-error-line").inner_text() == "b = a / 0"  # its line marked in the editor
    assert page.evaluate("() => document.getSelection().toString()") == "b = a / 0"
    hostile = page.evaluate("() => chainrule.playground.run('from autograd import Value\\n"
                            "print(\"<script>alert(1)</script><img src=x onerror=alert(2)>\")\\n"
                            "Value(1.0, \"<b>bold</b>\") * 2')")
    assert hostile["ok"] is True
    assert page.inner_text("#error") == ""
    assert page.locator(".cm-error-line").count() == 0
    assert page.text_content("#output") == "<script>alert(1)</script><img src=x onerror=alert(2)>\n"
    frame = _frame(page)
    assert "<b>bold</b>" in frame.locator("#v0-n0 text").all_text_contents()  # the label, as text
    assert page.locator("#output script, #output img").count() == 0
    assert frame.locator("b").count() == 0
    assert problems == []


def test_every_example_draws_and_the_code_lives_in_the_link(browser: Browser, served: str) -> None:
    problems: list[str] = []
    page = _open(browser, served, problems)
    names = page.eval_on_selector_all("#examples option", "options => options.map(o => o.value)")
    assert len(names) == 7
    for name in names:
        page.select_option("#examples", name)
        page.wait_for_function("() => !/…$/.test(document.getElementById('status').textContent)", timeout=60_000)
        assert page.inner_text("#status") == "Ready", name
        assert page.inner_text("#error") == "", name
        frame = _frame(page)
        assert frame.locator(".view svg g.node").count() >= 3, name
        if "timeline" in name:
            assert frame.locator("#timeline:not([hidden])").count() == 1
        if "RNN" in name:
            assert frame.evaluate("chainrule.data.levels.map(l => l.name)") == ["time steps", "scalars"]
        if "Forward" in name:
            assert frame.evaluate("chainrule.sweep()") == "backward"
            assert frame.locator("#sweep:not([hidden])").count() == 1
    code = "from autograd import Value\nx = Value(3.0, 'x')\nprint('é ∂ ✓')\nx ** 2"
    page.evaluate("code => chainrule.playground.run(code)", code)
    link = page.url
    assert "#code=" in link
    again = _open(browser, link, problems)
    assert again.evaluate("chainrule.playground.code()") == code
    assert again.text_content("#output") == "é ∂ ✓\n"
    assert problems == []


def test_a_new_problem_is_an_exercise_whose_seed_is_in_the_link(browser: Browser, served: str) -> None:
    problems: list[str] = []
    page = _open(browser, served, problems)
    page.click("#new-problem")
    page.wait_for_function("() => /^Exercise, seed \\d+$/.test(document.getElementById('status').textContent)")
    seed = int(page.inner_text("#status").split()[-1])
    assert page.url.endswith(f"#exercise={seed}")
    frame = _frame(page)
    frame.wait_for_selector("#teach .teach-question")
    expected = json.loads(Session().exercise(seed))["document"]["exercise"]["questions"]
    assert frame.inner_text("#teach .teach-question") == f"What is {expected[0]['prompt']}?"
    frame.fill("#teach-answer", "12345")
    frame.press("#teach-answer", "Enter")
    assert frame.inner_text("#teach .teach-feedback").startswith("Not yet")
    frame.fill("#teach-answer", expected[0]["shown"])
    frame.press("#teach-answer", "Enter")
    assert frame.inner_text("#teach .teach-feedback").startswith("Right")
    again = _open(browser, page.url, problems)  # the link gives the same problem
    assert _frame(again).inner_text("#title") == frame.inner_text("#title")
    assert problems == []


def test_the_readme_screenshot_is_what_the_playground_shows(browser: Browser, served: str, tmp_path: Path) -> None:
    """docs/playground.png: the worked example run in the playground, w5 selected in its explorer. Taken again
    into docs/ by ``make screenshots`` (CHAINRULE_SCREENSHOTS), else into a folder of the test's own."""
    problems: list[str] = []
    page = _open(browser, served, problems)
    frame = _frame(page)
    frame.fill("#search", "w5")
    frame.press("#search", "Enter")
    frame.wait_for_selector("#live-edit:not([hidden])")
    page.wait_for_timeout(300)
    folder = Path(os.environ["CHAINRULE_SCREENSHOTS"]) if os.environ.get("CHAINRULE_SCREENSHOTS") else tmp_path
    shot = folder / "playground.png"
    page.screenshot(path=str(shot))
    stored = REPOSITORY / "docs" / "playground.png"
    assert shot.read_bytes()[16:24] == stored.read_bytes()[16:24]  # the same width and height
    assert "docs/playground.png" in (REPOSITORY / "README.md").read_text("utf-8")
    assert problems == []


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The playground as `make playground` builds it, served as any static server would."""
    folder = tmp_path_factory.mktemp("playground")
    run = subprocess.run([str(REPOSITORY / "scripts" / "build-playground"), str(folder)], capture_output=True,
                         text=True, timeout=600, check=False, env={**os.environ, "PYTHON": sys.executable})
    assert run.returncode == 0, run.stderr[-3000:]
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _open(browser: Browser, url: str, problems: list[str]) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    page.on("request", lambda request: None if request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else problems.append(f"elsewhere: {request.url}"))
    page.on("response", lambda response: problems.append(f"{response.status}: {response.url}")
            if response.status >= 400 else None)
    page.goto(url)
    page.wait_for_function("() => window.chainrule && window.chainrule.playground", timeout=30_000)
    page.evaluate("chainrule.playground.ready")
    page.wait_for_function("() => /^(Ready|Error|Exercise)/.test(document.getElementById('status').textContent)",
                           timeout=60_000)
    return page


if __name__ == "__main__":  # remakes docs/playground.png: PYTHONPATH=. .venv/bin/python tests/test_playground.py
    os.environ["CHAINRULE_SCREENSHOTS"] = str(REPOSITORY / "docs")
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider", "-k", "screenshot"]))
