"""The documentation site: built here with ``mkdocs build --strict`` (a broken link, a missing reference or a
notebook that fails to convert is an error), served on a loopback port, and read in Chromium, which resolves no
host but 127.0.0.1, so that any request the site makes elsewhere fails the test."""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

import autograd
from benchmarks.lab import LOOPBACK_ONLY

pytestmark = pytest.mark.docs

REPOSITORY = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BROWSER_FLAGS = LOOPBACK_ONLY
"""The browser of these tests resolves no host but 127.0.0.1 (conftest.py's fixture)."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built strict, as `make docs` builds it."""
    folder = tmp_path_factory.mktemp("site")
    run = subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(folder)], cwd=REPOSITORY,
                         capture_output=True, text=True, timeout=600, check=False,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert run.returncode == 0, run.stderr[-4000:]
    assert "WARNING" not in run.stderr, run.stderr
    return folder


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The site served on a free loopback port, as a reader's own `python -m http.server` would."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def open_page(browser: Browser, url: str, elsewhere: list[str]) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("request", lambda request: None if request.url.startswith(("http://127.0.0.1", "data:", "about:",
                                                                        "blob:")) else elsewhere.append(request.url))
    page.goto(url)
    return page


EXTERNAL = re.compile(r"""<(?:script|img|iframe|link)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//"""
                      r"""|\bimport\(\s*["'](?:https?:)?//""", re.I)
"""A tag that would load a script, a picture, a page or a style sheet from another address, or a script that
would import one."""


def test_every_page_loads_nothing_from_elsewhere(browser: Browser, site: Path, served: str) -> None:
    pages = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html")
                   if "assets" not in path.relative_to(site).parts)
    assert {"index.html", "tutorials/01-worked-example.html", "reference/autograd.html", "reference/cli.html",
            "explanation/benchmarks.html", "how-to/make-a-worksheet.html"} <= set(pages)
    for name in pages:  # every page, as written
        found = EXTERNAL.search((site / name).read_text(encoding="utf-8"))
        assert found is None, f"{name}: {found.group(0) if found else ''}"
    for css in site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import\s+['\"]?(url\()?\s*['\"]?(https?:)?//",
                             css.read_text(encoding="utf-8")), css
    elsewhere: list[str] = []
    missing: list[str] = []
    tutorials = sorted(name for name in pages if name.startswith("tutorials/") and name[10:12].isdigit())
    assert len(tutorials) == 12
    for name in ("index.html", *tutorials, "reference/autograd.html", "explanation/rules.html"):
        page = open_page(browser, f"{served}/{name}", elsewhere)  # and these, read in Chromium: what they fetch
        page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # MathJax loads its configuration after the page
        page.close()
    assert elsewhere == []
    assert missing == []


def test_the_start_page_links_the_playground_which_runs_from_the_site(browser: Browser, served: str) -> None:
    elsewhere: list[str] = []
    page = open_page(browser, f"{served}/index.html", elsewhere)
    page.click("a[href='playground/index.html']")
    page.wait_for_function("() => window.chainrule && window.chainrule.playground", timeout=30_000)
    page.evaluate("chainrule.playground.ready")
    page.wait_for_function("() => document.getElementById('status').textContent === 'Ready'", timeout=30_000)
    frame = page.frame_locator("#page iframe")
    assert frame.locator("#title").inner_text() == "E"  # the first example's explorer, laid out in the page
    guide = open_page(browser, f"{served}/playground.html", elsewhere)  # the Playground page of the nav
    assert "Playground" in guide.locator("nav").first.inner_text()
    guide.click("a[href='playground/index.html']")
    guide.wait_for_function("() => window.chainrule && window.chainrule.playground", timeout=30_000)
    assert elsewhere == []


def test_the_tutorials_are_listed_in_their_order(site: Path) -> None:
    text = (site / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'href="tutorials/(\d\d)-[^"]+\.html"', text)
    assert listed == sorted(set(listed), key=listed.index)  # each once
    assert listed == [f"{k:02d}" for k in range(12)]


def test_the_rule_tables_op_names_never_wrap(browser: Browser, served: str) -> None:
    elsewhere: list[str] = []
    page = open_page(browser, f"{served}/explanation/rules.html", elsewhere)
    page.set_viewport_size({"width": 900, "height": 900})
    lines = page.evaluate("""() => [...document.querySelectorAll('.md-typeset table td:first-child code')]
        .map(code => [code.textContent, code.getClientRects().length])""")
    assert len(lines) >= 20
    assert [name for name, count in lines if count != 1] == []
    assert elsewhere == []


def test_the_search_finds_a_page(browser: Browser, served: str) -> None:
    elsewhere: list[str] = []
    page = open_page(browser, f"{served}/index.html", elsewhere)
    page.click("input.md-search__input")
    page.keyboard.type("gradcheck")
    page.wait_for_selector(".md-search-result__item", timeout=30_000)
    results = page.locator(".md-search-result__item").all_inner_texts()
    assert any("gradcheck" in text.lower() for text in results)
    titles = page.locator(".md-search-result__item h1").all_inner_texts()
    assert "Property-test a derivative" in titles
    assert elsewhere == []


def test_an_embedded_explorer_answers_a_click(browser: Browser, served: str) -> None:
    elsewhere: list[str] = []
    page = open_page(browser, f"{served}/tutorials/01-worked-example.html", elsewhere)
    element = page.wait_for_selector("iframe[srcdoc]", timeout=30_000)
    element.scroll_into_view_if_needed()
    frame = element.content_frame()
    assert frame is not None
    frame.wait_for_function("() => window.chainrule !== undefined", timeout=30_000)
    root = frame.evaluate("() => chainrule.data.root")  # the page opens on the root, where backward starts
    view = frame.evaluate("() => chainrule.data.levels.length - 1")
    frame.click(f"#v{view}-n{root}")
    assert frame.inner_text("#panel-body h2") == "E"
    assert "grad\t1" in frame.inner_text("#panel-body .facts")
    assert "data\t0.298371" in frame.inner_text("#panel-body .facts")
    assert elsewhere == []


def test_the_api_page_of_value_backward_shows_its_docstring(browser: Browser, served: str) -> None:
    elsewhere: list[str] = []
    page = open_page(browser, f"{served}/reference/autograd.html", elsewhere)
    heading = page.locator("[id='autograd.Value.backward']")
    assert heading.count() == 1
    section = heading.locator("xpath=..")
    first = " ".join((autograd.Value.backward.__doc__ or "").split()[:8]).replace("``", "")
    assert first in " ".join(section.inner_text().split())
    assert elsewhere == []


def test_the_command_page_holds_every_commands_help(site: Path) -> None:
    text = (site / "reference" / "cli.html").read_text()
    for command in ("demo", "train", "graph", "explain", "exercise"):
        assert f"$ chainrule {command} --help" in text
    assert "--from-model MODEL" in text
