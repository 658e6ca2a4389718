"""LiveExplorer where its users are: a real JupyterLab, started by these tests on a loopback port with a token
and stopped by them, driven by Playwright in Debian's chromium. Every request the browser makes to another
address is refused and fails the test.

The widget is edited in the page and its numbers are checked against a fresh engine computation; "step" is
pressed; the notebook, saved, is exported with nbconvert and its static page read; and a notebook saved with
widget state is opened again, with no kernel behind the widget, at its last state.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from playwright.sync_api import Browser, Frame

from autograd.examples import WorkedExample
from benchmarks.lab import LOOPBACK_ONLY, Lab, notebook, open_notebook, running_lab, widget_frame

pytestmark = pytest.mark.lab

BIN = Path(sys.executable).parent
BROWSER_FLAGS = LOOPBACK_ONLY
"""The browser of these tests resolves no host but 127.0.0.1 (conftest.py's fixture)."""
SCREENSHOTS = Path(os.environ["CHAINRULE_SCREENSHOTS"]) if os.environ.get("CHAINRULE_SCREENSHOTS") else None
"""Where the tests also save the README's screenshots; set by running this file (see the end)."""
REPOSITORY = Path(__file__).resolve().parent.parent

LIVE_CELLS = [
    "from autograd.examples import WorkedExample\nfrom autograd.widgets import LiveExplorer",
    "example = WorkedExample()\nE = example.forward()\nwidget = LiveExplorer(E, parameters=example.weights, lr=0.5)\n"
    "widget",
]


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with running_lab() as started:
        yield started


def node_id(frame: Frame, name: str) -> str:
    index = frame.evaluate("name => chainrule.data.nodes.findIndex(n => n.name === name)", name)
    return f"#v{frame.evaluate('chainrule.data.levels.length') - 1}-n{index}"


def find(frame: Frame, name: str) -> None:
    """Node ``name`` found as a person finds one in a drawing framed at a readable size: by search, which selects
    it and brings it into view."""
    frame.fill("#search", name)
    frame.press("#search", "Enter")
    frame.wait_for_function("name => document.querySelector('#panel-body h2').textContent === name", arg=name)


READABLE_TEXT = """() => {
  const root = document.getElementById('v0-n' + chainrule.data.root);
  const texts = Array.from(root.querySelectorAll('text')).map(t => t.getBoundingClientRect().height);
  const area = document.querySelector('.view:not([hidden])').getBoundingClientRect();
  const r = root.getBoundingClientRect();
  return {text: Math.min(...texts), font: 11 * chainrule.zoom(), drawing: area.width,
          page: document.documentElement.clientWidth,
          inside: r.left >= area.left && r.right <= area.right && r.top >= area.top && r.bottom <= area.bottom};
}"""
"""The live widget's first view: its root's smallest line of text and its font (Graphviz's 11 points at the
view's zoom) in pixels, the drawing's and the frame's widths, and whether the root is in view."""


def grad_shown(frame: Frame, name: str) -> str:
    find(frame, name)
    frame.click(node_id(frame, name))
    frame.wait_for_function("name => document.querySelector('#panel-body h2').textContent === name", arg=name)
    facts = frame.inner_text("#panel-body .facts")
    return next(line for line in facts.splitlines() if line.startswith("grad")).split("\t")[1].split()[0]


def engine_after(w5: float, steps: int = 0) -> WorkedExample:
    example = WorkedExample()
    example.values["w5"].data = w5
    for _ in range(steps):
        example.step()
    total = example.forward()
    for value in example.values.values():
        value.grad = 0.0  # step() left the gradients of the pass before it
    total.backward()
    return example


def test_edit_a_weight_and_take_a_step_in_jupyterlab(browser: Browser, lab: Lab) -> None:
    path = notebook(lab.root / "live.ipynb", LIVE_CELLS)
    refused: list[str] = []
    page = open_notebook(browser, lab, path.name, refused)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{error} {error.stack}"))
    page.click(".jp-Notebook .jp-Cell >> nth=0")
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    frame = widget_frame(page)
    frame.wait_for_function("() => chainrule.live() !== null", timeout=30_000)
    page.wait_for_timeout(300)  # the first view framed, two frames after the page is laid out
    first = frame.evaluate(READABLE_TEXT)  # readable at a notebook cell's width, without zooming
    assert first["font"] >= 10, first
    assert first["text"] >= 10, first
    assert first["inside"], first
    if first["page"] < 900:
        assert first["drawing"] >= 0.8 * first["page"], first  # the panel goes below in a cell this narrow

    find(frame, "w5")
    frame.click(node_id(frame, "w5"))
    frame.wait_for_function("() => document.getElementById('live-name').textContent === 'w5'")
    frame.fill("#live-value", "0.1")
    frame.press("#live-value", "Enter")
    w5 = frame.evaluate("chainrule.data.nodes.findIndex(n => n.name === 'w5')")
    frame.wait_for_function(f"() => chainrule.data.nodes[{w5}].data === 0.1", timeout=30_000)
    fresh = engine_after(0.1)
    assert grad_shown(frame, "w1") == f"{fresh.values['w1'].grad:.6g}"
    assert grad_shown(frame, "w5") == f"{fresh.values['w5'].grad:.6g}"

    frame.click("#live-step")
    frame.wait_for_function("() => chainrule.live().losses.length === 2", timeout=30_000)
    stepped = engine_after(0.1, steps=1)
    assert frame.inner_text("#live-steps") == f"1 step, E = {stepped.forward().data:.6g}"
    assert grad_shown(frame, "w1") == f"{stepped.values['w1'].grad:.6g}"

    # The value it holds, typed again, changes no synced state; it is answered all the same, and the next goes.
    held = frame.evaluate(f"chainrule.data.nodes[{w5}].data")
    find(frame, "w5")
    frame.click(node_id(frame, "w5"))
    frame.wait_for_function("() => document.getElementById('live-name').textContent === 'w5'")
    frame.focus("#live-value")
    assert frame.input_value("#live-value") == repr(held)  # the whole number while editing
    frame.fill("#live-value", repr(held))
    frame.evaluate("document.getElementById('live-value').dispatchEvent(new Event('change'))")
    frame.wait_for_function("() => document.getElementById('live-status').textContent === ''", timeout=30_000)
    frame.fill("#live-value", "0.123456789")
    frame.press("#live-value", "Enter")
    frame.wait_for_function(f"() => chainrule.data.nodes[{w5}].data === 0.123456789", timeout=30_000)
    frame.evaluate("document.getElementById('live-value').blur()")
    precision = frame.evaluate("chainrule.data.precision")
    assert frame.input_value("#live-value") == format(0.123456789, f".{precision}g")  # the page's precision at rest
    frame.focus("#live-value")
    assert frame.input_value("#live-value") == "0.123456789"  # and the whole number to edit
    assert refused == []
    assert errors == []
    if SCREENSHOTS:  # docs/live-explorer.png: the widget in JupyterLab after the edit, two steps and a click
        if page.get_by_role("button", name="No", exact=True).count():
            page.get_by_role("button", name="No", exact=True).click()  # JupyterLab's question about news
        frame.click("#live-step")
        frame.wait_for_function("() => chainrule.live().losses.length === 3", timeout=30_000)
        find(frame, "w5")
        frame.click(node_id(frame, "w5"))
        page.wait_for_timeout(300)
        page.locator(".jp-OutputArea-output:has(iframe)").screenshot(path=str(SCREENSHOTS / "live-explorer.png"))


def test_an_html_export_shows_the_static_page(browser: Browser, lab: Lab, tmp_path: Path) -> None:
    path = notebook(lab.root / "export.ipynb", [*LIVE_CELLS, 'widget.set_value("w5", 0.1)\nwidget'])
    executed = nbformat.read(path, as_version=4)
    NotebookClient(executed, timeout=300, kernel_name="python3", store_widget_state=False,  # as JupyterLab saves
                   resources={"metadata": {"path": str(lab.root)}}).execute()
    nbformat.write(executed, path)
    subprocess.run([str(BIN / "jupyter-nbconvert"), "--to", "html", str(path), "--output-dir", str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    exported = tmp_path / "export.html"
    refused: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.on("request", lambda request: None if request.url.startswith(("file:", "about:", "data:"))
            else refused.append(request.url))
    page.goto(exported.as_uri())
    frames = [element.content_frame() for element in page.query_selector_all("iframe[srcdoc]")]
    assert len(frames) == 2  # the widget as each cell displayed it
    for frame, w5 in zip(frames, (0.4, 0.1), strict=True):
        assert frame is not None
        frame.wait_for_function("() => window.chainrule !== undefined")
        assert frame.evaluate("chainrule.live()") is None  # static: nothing to edit
        fresh = engine_after(w5)
        assert grad_shown(frame, "w1") == f"{fresh.values['w1'].grad:.6g}"
        shown = frame.evaluate("chainrule.data.nodes[chainrule.data.root].data")
        assert shown == pytest.approx(fresh.forward().data, rel=1e-15)
    assert refused  # nbconvert's template asks CDNs for require.js and MathJax: they cannot be reached
    assert all("127.0.0.1" not in url for url in refused)


def test_a_notebook_saved_with_widget_state_reopens_at_its_last_state(browser: Browser, lab: Lab) -> None:
    path = notebook(lab.root / "saved.ipynb", [*LIVE_CELLS, 'widget.set_value("w5", 0.1)\nwidget.step()'])
    executed = nbformat.read(path, as_version=4)
    NotebookClient(executed, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(lab.root)}}).execute()
    nbformat.write(executed, path)
    state = json.dumps(executed.metadata["widgets"])
    assert "_numbers" in state
    # as a notebook the user saved in JupyterLab, it is trusted: its widget is shown, not only its text/html
    subprocess.run([str(BIN / "jupyter-trust"), str(path)], check=True, capture_output=True, env=lab.env, timeout=60)
    refused: list[str] = []
    page = open_notebook(browser, lab, path.name, refused)
    frame = widget_frame(page)
    page.wait_for_selector(".chainrule-notice:not([hidden])", timeout=30_000)
    assert "No kernel answers" in page.inner_text(".chainrule-notice")
    w5 = frame.evaluate("chainrule.data.nodes.findIndex(n => n.name === 'w5')")
    frame.wait_for_function(f"() => chainrule.data.nodes[{w5}].data !== 0.4", timeout=30_000)
    stepped = engine_after(0.1, steps=1)
    assert grad_shown(frame, "w1") == f"{stepped.values['w1'].grad:.6g}"
    assert frame.evaluate("chainrule.live()") is None
    assert refused == []


# The stored notebooks, as a reader meets them ------------------------------------------------------------------

NOTEBOOKS = sorted((REPOSITORY / "notebooks").glob("*.ipynb"))


def drawings(path: Path) -> dict[int, int]:
    """For each code cell with any, how many of its stored outputs are drawings: a graph or a plot (an SVG or a
    PNG), an explorer page or a live explorer (its page in an iframe)."""
    counts: dict[int, int] = {}
    for c, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if {"image/png", "image/svg+xml"} & set(data) or "<iframe srcdoc=" in data.get("text/html", ""):
                counts[c] = counts.get(c, 0) + 1
    return counts


SHOWN = """cell => Array.from(cell.querySelectorAll('.jp-OutputArea-output')).map(output => {
  const images = Array.from(output.querySelectorAll('img')).filter(i => i.complete && i.naturalWidth > 0);
  const pictures = Array.from(output.querySelectorAll('svg')).filter(s => s.getBoundingClientRect().width > 0);
  const pages = Array.from(output.querySelectorAll('iframe')).filter(f => f.getBoundingClientRect().width > 0);
  return images.length + pictures.length + pages.length > 0 ? 1 : 0;
}).reduce((a, b) => a + b, 0)"""
"""How many of a cell's outputs show a picture: a loaded image, a drawn SVG or a page in an iframe."""

def shown(cell: Any, expected: int) -> int:
    """How many of ``cell``'s outputs show a picture, once ``expected`` do or 30 s have passed: a notebook
    renders its outputs, and decodes their images, after it opens."""
    cell.scroll_into_view_if_needed()  # JupyterLab loads an output's image when it comes into view
    deadline = time.monotonic() + 30
    while True:
        count = int(cell.evaluate(SHOWN))
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.2)


TEXT_ONLY = re.compile(r"<(graphviz\.graphs\.Digraph|Explorer of|Exercise of|Drill of|LiveExplorer)")


def test_every_stored_drawing_shows_as_an_image_in_jupyterlab_untrusted(browser: Browser, lab: Lab) -> None:
    settings = Path(lab.env["JUPYTERLAB_SETTINGS_DIR"]) / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)  # every cell rendered, not only those scrolled into view
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    refused: list[str] = []
    for path in [path for path in NOTEBOOKS if drawings(path)]:
        shutil.copy(path, lab.root / path.name)  # never trusted in this lab's own home: as a reader opens it
        page = open_notebook(browser, lab, path.name, refused, kernel=False)  # its outputs as stored
        selector = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"  # not the tabs it restores
        page.wait_for_function("([selector, n]) => document.querySelectorAll(selector).length === n",
                               arg=[selector, len(nbformat.read(path, as_version=4).cells)], timeout=60_000)
        cells = page.locator(selector)
        for c, expected in drawings(path).items():
            count = shown(cells.nth(c), expected)
            assert count >= expected, f"{path.name}, cell {c}: {count} of {expected} drawings show as pictures"
            assert not TEXT_ONLY.search(cells.nth(c).inner_text()), f"{path.name}, cell {c} shows a drawing as text"
        page.close()
    assert refused == []


def test_every_stored_drawing_shows_in_an_html_export(browser: Browser, tmp_path: Path) -> None:
    subprocess.run([str(BIN / "jupyter-nbconvert"), "--to", "html", *map(str, NOTEBOOKS), "--output-dir",
                    str(tmp_path)], check=True, capture_output=True, timeout=600)
    for path in NOTEBOOKS:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto((tmp_path / f"{path.stem}.html").as_uri())
        for c, expected in drawings(path).items():
            cell = page.locator(".jp-Notebook .jp-Cell").nth(c)
            count = shown(cell, expected)
            assert count >= expected, f"{path.name}, cell {c}: {count} of {expected} drawings show in the export"
            assert not TEXT_ONLY.search(cell.inner_text()), f"{path.name}, cell {c} shows a drawing as text"
        for element in page.query_selector_all("iframe[srcdoc]"):  # each explorer page runs in the export
            frame = element.content_frame()
            assert frame is not None
            frame.wait_for_function("() => window.chainrule !== undefined", timeout=30_000)
        page.close()


if __name__ == "__main__":  # remakes docs/live-explorer.png: PYTHONPATH=. .venv/bin/python tests/test_jupyterlab.py
    os.environ["CHAINRULE_SCREENSHOTS"] = str(REPOSITORY / "docs")
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider", "-k", "edit"]))
