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

import pytest
from playwright.sync_api import Browser, Page

from autograd.playground import Session
from benchmarks.lab import LOOPBACK_ONLY

REPOSITORY = Path(__file__).resolve().parent.parent
BROWSER_FLAGS = LOOPBACK_ONLY
WORKED = "from autograd.examples import WorkedExample\nE = WorkedExample().forward()\nE"


def _cpython(code: str) -> dict[str, object]:
    answer: dict[str, object] = json.loads(Session().run(code))
    return answer


def test_the_session_runs_code_and_says_what_went_wrong_and_where() -> None:
    answer = _cpython("from autograd import Value\nx = Value(2.0, 'x')\nprint('hi')\n(x * x).tanh()")
    assert answer["ok"] is True
    assert answer["output"] == "hi\n"
    document = answer["document"]
    assert isinstance(document, dict)
    assert document["nodes"][-1]["grad"] == 1.0  # backward was run on it, as it had not been
    assert document["nodes"][0] == {"name": "x", "op": None, "parents": [], "formula": None, "data": 2.0,
                                    "grad": pytest.approx(4 * (1 - math.tanh(4) ** 2))}
    assert document["steps"][0].startswith("step 1: tanh(x·x)")
    for code, error, line in [("y = 1 +", "SyntaxError: invalid syntax", 1),
                              ("a = 1\nb = a / 0\nb", "ZeroDivisionError: division by zero", 2),
                              ("3", "TypeError: the last line gives 3 (int); it must give a Value to explore", 1),
                              ("x = 1", "TypeError: the last line must be an expression that gives a Value", None)]:
        wrong = _cpython(code)
        assert wrong["ok"] is False
        assert str(wrong["error"]).startswith(error)
        assert wrong["line"] == line
    session = Session()
    assert json.loads(session.set_value("x", 1.0))["error"].startswith("ValueError: setValue: run some code first")
    session.run("from autograd import Value\nx = Value(0.5, 'x')\nx.log()")
    refused = json.loads(session.set_value("x", -1.0))
    assert "log" in refused["error"]
    assert json.loads(session.set_value("x", 2.0))["document"]["nodes"][-1]["data"] == math.log(2.0)


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
    page = browser.new_page(viewport={"width": 1300, "height": 800})
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    page.on("request", lambda request: None if request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else problems.append(f"elsewhere: {request.url}"))
    page.on("response", lambda response: problems.append(f"{response.status}: {response.url}")
            if response.status >= 400 else None)
    page.goto(url)
    page.wait_for_function("() => window.chainrule && window.chainrule.playground", timeout=30_000)
    page.evaluate("chainrule.playground.ready")
    return page


def _same_numbers(page_answer: dict[str, object], cpython: dict[str, object]) -> None:
    got, want = page_answer["document"], cpython["document"]
    assert isinstance(got, dict)
    assert isinstance(want, dict)
    assert [n["name"] for n in got["nodes"]] == [n["name"] for n in want["nodes"]]
    for mine, theirs in zip(got["nodes"], want["nodes"], strict=True):
        for key in ("data", "grad"):
            assert mine[key] == pytest.approx(theirs[key], rel=1e-12, abs=1e-15), (mine["name"], key)
    assert got["steps"] == want["steps"]


def test_the_playground_runs_chainrule_in_the_page_with_cpythons_numbers(browser: Browser, served: str) -> None:
    problems: list[str] = []
    page = _open(browser, served, problems)
    page.wait_for_function("() => document.getElementById('status').textContent === 'Ready'", timeout=30_000)
    assert page.inner_text("#root-name") == "E"  # the first example, run as the page opens
    answer = page.evaluate("code => chainrule.playground.run(code)", WORKED)
    assert answer["ok"] is True
    _same_numbers(answer, _cpython(WORKED))
    w5 = page.locator("#nodes tbody tr", has_text="w5").first
    assert w5.locator("td").nth(3).inner_text() == str(_cpython(WORKED)["document"]["nodes"][19]["grad"])

    changed = page.evaluate("() => chainrule.playground.setValue('w5', 0.1)")
    session = Session()
    session.run(WORKED)
    _same_numbers(changed, json.loads(session.set_value("w5", 0.1)))
    page.fill("#nodes tbody tr:has-text('w1') input", "0.3")  # a learner edits a leaf in the table
    page.press("#nodes tbody tr:has-text('w1') input", "Enter")
    page.wait_for_function("() => [...document.querySelectorAll('#nodes td')].some(td => td.textContent === "
                           f"'{json.loads(session.set_value('w1', 0.3))['document']['nodes'][-1]['data']}')")
    assert problems == []


def test_an_error_shows_its_line_and_the_next_run_works(browser: Browser, served: str) -> None:
    problems: list[str] = []
    page = _open(browser, served, problems)
    wrong = page.evaluate("() => chainrule.playground.run('a = 1\\nb = a / 0\\nb')")
    assert wrong["ok"] is False
    assert page.inner_text("#error") == "line 2: ZeroDivisionError: division by zero"
    assert page.evaluate("() => { const c = document.getElementById('code'); "
                         "return c.value.slice(c.selectionStart, c.selectionEnd); }") == "b = a / 0"
    hostile = page.evaluate("() => chainrule.playground.run('from autograd import Value\\n"
                            "print(\"<script>alert(1)</script><img src=x onerror=alert(2)>\")\\n"
                            "Value(1.0, \"<b>bold</b>\") * 2')")
    assert hostile["ok"] is True
    assert page.inner_text("#error") == ""
    assert page.text_content("#output") == "<script>alert(1)</script><img src=x onerror=alert(2)>\n"
    assert "<b>bold</b>" in page.locator("#nodes td").all_text_contents()  # the label, as text
    assert page.locator("#output script, #output img, #nodes b").count() == 0
    assert problems == []


def test_every_example_runs_and_the_code_lives_in_the_link(browser: Browser, served: str) -> None:
    problems: list[str] = []
    page = _open(browser, served, problems)
    names = page.eval_on_selector_all("#examples option", "options => options.map(o => o.value)")
    assert len(names) >= 6
    for name in names:
        page.select_option("#examples", name)
        page.wait_for_function("() => document.getElementById('status').textContent !== 'Running…'")
        assert page.inner_text("#status") == "Ready", name
        assert page.inner_text("#error") == "", name
    code = "from autograd import Value\nx = Value(3.0, 'x')\nprint('é ∂ ✓')\nx ** 2"
    page.evaluate("code => chainrule.playground.run(code)", code)
    link = page.url
    assert "#code=" in link
    again = _open(browser, link, problems)
    again.wait_for_function("() => document.getElementById('status').textContent === 'Ready'", timeout=30_000)
    assert again.input_value("#code") == code
    assert again.text_content("#output") == "é ∂ ✓\n"
    assert problems == []
