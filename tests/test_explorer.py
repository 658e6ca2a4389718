"""autograd.explore: the page, clicked in a real browser (Debian's chromium, driven by Playwright), against
the engine's own numbers; hostile labels; the notebook display and the command line.

    python tests/test_explorer.py    # writes docs/explorer.png, the README's screenshot, as the test takes it
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

import autograd
import nn
from autograd import Value
from autograd.examples import WorkedExample
from benchmarks.browser import launch


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()


def worked_example() -> tuple[WorkedExample, Value]:
    example = WorkedExample()
    total = example.forward()
    total.backward()
    return example, total


@pytest.fixture(scope="module")
def worked_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _, total = worked_example()
    return autograd.explore(total).save(tmp_path_factory.mktemp("pages") / "worked-example.html")


def open_page(browser: Browser, path: Path, width: int = 1400, height: int = 800) -> tuple[Page, list[str]]:
    """The page at ``path``, with a list that collects every console message, page error, request other than
    the page itself, and dialog (which is dismissed)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    events: list[str] = []
    page.on("console", lambda message: events.append(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: events.append(f"error: {error}"))
    page.on("request", lambda request: events.append(f"request: {request.url}")
            if request.url != path.as_uri() else None)
    page.on("dialog", lambda dialog: (events.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_function("window.chainrule !== undefined")
    return page, events


def node_index(page: Page, name: str) -> int:
    return int(page.evaluate("name => chainrule.data.nodes.findIndex(n => n.name === name)", name))


def click_node(page: Page, name: str) -> None:
    page.click(f"#v{page.evaluate('chainrule.data.levels.length') - 1}-n{node_index(page, name)}")


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?", text)]


def test_the_page_is_one_file_that_makes_no_request_and_forbids_any(browser: Browser, worked_page: Path) -> None:
    page, events = open_page(browser, worked_page)
    assert events == []
    text = worked_page.read_text("utf-8")
    policy = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert policy is not None
    assert "default-src 'none'" in policy
    assert "connect-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert re.findall(r"<(?:script|link|img|iframe)[^>]*\b(?:src|href)=", text) == []
    assert "svg-pan-zoom v3.6.2" in text
    page.close()


def test_clicking_w5_shows_its_gradient_and_its_one_path(browser: Browser, worked_page: Path) -> None:
    example, _ = worked_example()
    w5 = example.nodes["w5"]
    page, events = open_page(browser, worked_page)
    click_node(page, "w5")
    assert page.inner_text("#panel-body h2") == "w5"
    assert f"grad\t{w5.grad:.6g}" in page.inner_text("#panel-body .facts")
    paths = page.locator("#panel-body .path").all_inner_texts()
    assert len(paths) == 1
    assert paths[0].startswith("path 1: w5 → net_o1 → out_o1 → d_o1 → d_o1² → E_o1 → E: ")
    explanation = autograd.explain(example.forward(), example.nodes["w5"])
    want = [link.partial for link in reversed(explanation.paths[0].links)]
    assert numbers(paths[0].split(": ", 2)[2]) == pytest.approx([*want, explanation.paths[0].product], rel=1e-5)
    assert page.inner_text("#panel-body .total") == f"∂E/∂w5 = {w5.grad:.6g}, the sum over 1 path"
    assert events == []
    page.close()


def test_clicking_w1_shows_two_paths_whose_sum_is_0_000438568(browser: Browser, worked_page: Path) -> None:
    example, _ = worked_example()
    page, _ = open_page(browser, worked_page)
    click_node(page, "w1")
    total = page.inner_text("#panel-body .total")
    assert total == "∂E/∂w1 = 0.000438568, the sum over 2 paths"
    shown = page.locator("#panel-body .path").evaluate_all("els => els.map(e => e.dataset.product)")
    products = [float(p) for p in shown]
    explanation = autograd.explain(example.forward(), example.nodes["w1"])
    assert sorted(products) == pytest.approx(sorted(p.product for p in explanation.paths), rel=1e-12)
    assert sum(products) == pytest.approx(example.nodes["w1"].grad, rel=1e-12)
    page.close()


def test_an_op_node_lists_each_input_s_partial_and_contribution(browser: Browser, worked_page: Path) -> None:
    example, _ = worked_example()
    net_o1 = example.nodes["net_o1"]
    page, _ = open_page(browser, worked_page)
    click_node(page, "net_o1")
    rows = page.locator("#panel-body tr.edge-row").all_inner_texts()
    partials = autograd.local_partials(net_o1)
    graph = autograd.Graph.of(example.forward())
    assert len(rows) == len(net_o1.parents)
    for row, parent, partial in zip(rows, net_o1.parents, partials, strict=True):
        cells = row.split("\t")
        assert cells[0] == graph.name(parent)
        assert [float(c) for c in cells[1:]] == pytest.approx([partial, net_o1.grad, partial * net_o1.grad], rel=1e-5)
    words = page.locator("#panel-body tr.words").all_inner_texts()
    assert "∂(w·x + b)/∂w5 = out_h1" in words
    assert "net_o1 = w·x + b" in page.inner_text("#panel-body .facts")
    page.close()


def grads_shown(page: Page) -> dict[str, str]:
    """Each node's grad as the drawing shows it now."""
    return page.evaluate("""() => {
      const shown = {};
      chainrule.data.nodes.forEach((node, i) => {
        const el = document.getElementById('v0-n' + i);
        const texts = el.querySelectorAll('text');
        shown[node.name] = texts[texts.length - 1].textContent.slice(5);  // the grad row is the last
      });
      return shown;
    }""")


@pytest.mark.parametrize("k", [1, 5, 15])
def test_step_k_in_the_page_is_backward_steps_k(browser: Browser, worked_page: Path, k: int) -> None:
    total = WorkedExample().forward()
    records = list(autograd.backward_steps(total))  # on a fresh graph: the page's pass starts from zero
    assert len(records) == 15
    record = records[k - 1]
    page, events = open_page(browser, worked_page)
    page.locator("#canvas").click(position={"x": 5, "y": 5})
    for _ in range(15 - k):
        page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    if k == 15:
        page.keyboard.press("ArrowRight")
    assert page.inner_text("#step-label") == f"step {k} of 15"
    assert page.inner_text("#panel-body .step-text") == str(record)
    graph = autograd.Graph.of(total)
    lines = page.locator("#panel-body .step-line").all_inner_texts()
    assert lines == [f"{graph.name(e.parent)}.grad += {e.partial:.6g} × {record.upstream:.6g} → {e.grad_after:.6g}"
                     for e in record.edges]
    # the drawing: the nodes reached so far show their gradients, the others a dot
    reached = {graph.name(total): 1.0}
    for r in records[:k]:
        for e in r.edges:
            reached[graph.name(e.parent)] = e.grad_after
    shown = grads_shown(page)
    for name, value in shown.items():
        assert value == (f"{reached[name]:.4g}" if name in reached else "·"), name
    active = page.locator("g.edge.active").count()
    assert active == len(record.edges)
    assert page.locator("g.edge.active text.contribution").count() == len(record.edges)
    assert events == []
    page.close()


def test_play_runs_the_steps_and_the_slider_goes_back_to_the_start(browser: Browser, worked_page: Path) -> None:
    page, _ = open_page(browser, worked_page)
    page.click("#play")
    for _ in range(50):  # polled from here: the page's policy forbids the eval that wait_for_function needs
        if page.evaluate("chainrule.step()") >= 2:
            break
        page.wait_for_timeout(100)
    page.click("#play")
    paused = page.evaluate("chainrule.step()")
    page.wait_for_timeout(900)
    assert page.evaluate("chainrule.step()") == paused
    page.fill("#step", "0")
    page.dispatch_event("#step", "input")
    assert page.inner_text("#step-label") == "before backward"
    assert set(grads_shown(page).values()) == {"·", "1"}
    page.close()


def test_hovering_a_node_lights_every_path_from_it_to_the_root(browser: Browser, worked_page: Path) -> None:
    page, _ = open_page(browser, worked_page)
    page.hover(f"#v0-n{node_index(page, 'w1')}")
    lit = page.evaluate("""() => [...document.querySelectorAll('g.node.on-path')].map(e =>
        chainrule.data.nodes[Number(e.id.split('-n')[1])].name)""")
    assert set(lit) == {"w1", "net_h1", "out_h1", "net_o1", "net_o2", "out_o1", "out_o2", "d_o1", "d_o2", "d_o1²",
                        "d_o2²", "E_o1", "E_o2", "E"}
    assert page.locator("g.edge.on-path").count() == 14
    page.mouse.move(1300, 790)
    assert page.locator("g.on-path").count() == 0
    page.close()


def test_search_finds_a_node_and_keys_pan_and_zoom(browser: Browser, worked_page: Path) -> None:
    page, _ = open_page(browser, worked_page)
    page.fill("#search", "out_h")
    assert page.locator("#results li").all_inner_texts() == ["out_h1", "out_h2"]
    page.fill("#search", "out_h2")
    page.press("#search", "Enter")
    assert page.inner_text("#panel-body h2") == "out_h2"
    assert page.locator(f"#v0-n{node_index(page, 'out_h2')}.selected").count() == 1
    page.locator("#canvas").click(position={"x": 5, "y": 5})
    before = page.evaluate("document.querySelector('.svg-pan-zoom_viewport').getAttribute('transform')")
    page.keyboard.press("+")
    page.wait_for_timeout(100)  # svg-pan-zoom redraws on the next animation frame
    zoomed = page.evaluate("document.querySelector('.svg-pan-zoom_viewport').getAttribute('transform')")
    assert zoomed != before
    page.keyboard.press("Shift+ArrowLeft")
    page.wait_for_timeout(100)
    panned = page.evaluate("document.querySelector('.svg-pan-zoom_viewport').getAttribute('transform')")
    assert panned != zoomed
    page.keyboard.press("0")
    page.wait_for_timeout(100)
    assert page.evaluate("document.querySelector('.svg-pan-zoom_viewport').getAttribute('transform')") != panned
    page.close()


HOSTILE = [
    "<script>window.pwned = 1; alert(1)</script>",
    "</script><script>window.pwned = 2; alert(2)</script>",
    '" onmouseover="window.pwned = 3; alert(3)',
    "javascript:alert(4)",
    "]]>",
    "<!--",
    "&lt;",
    "<img src=x onerror=\"window.pwned = 5; alert(5)\">",
]


def test_hostile_labels_are_shown_as_text_and_run_nothing(browser: Browser, tmp_path: Path) -> None:
    leaves = [Value(float(i + 1), label) for i, label in enumerate(HOSTILE)]
    root = autograd.sum(leaves)
    root.label = "</title></svg><script>window.pwned = 6; alert(6)</script>"
    page_path = autograd.explore(root, title="<script>alert(7)</script>").save(tmp_path / "hostile.html")
    page, events = open_page(browser, page_path)
    for label in HOSTILE:
        element = f"#v0-n{node_index(page, label)}"
        assert page.locator(f"{element} text").first.text_content() == label
        page.hover(element)
        page.click(element)
        assert page.inner_text("#panel-body h2") == label
    page.fill("#search", "<script>")
    assert "<script>window.pwned = 1; alert(1)</script>" in page.locator("#results li").all_inner_texts()
    assert page.inner_text("#title") == "<script>alert(7)</script>"
    assert page.title() == "<script>alert(7)</script> · chainrule explorer"
    assert page.evaluate("window.pwned === undefined")
    assert [e for e in events if e.startswith(("dialog", "error", "request"))] == []
    assert page.locator("script").count() == 3  # the data, svg-pan-zoom and the explorer: none added
    page.close()


def digits_loss() -> Value:
    X, y = nn.datasets.digits()
    model = nn.MLP(64, [32, 10], init="xavier", seed=0)
    return nn.cross_entropy(model(X[0]), int(y[0]))


@pytest.fixture(scope="module")
def digits_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Value]:
    loss = digits_loss()
    return autograd.explore(loss, levels=(2, 4)).save(tmp_path_factory.mktemp("pages") / "digits.html"), loss


def in_view(page: Page, selector: str) -> bool:
    page.wait_for_timeout(100)  # svg-pan-zoom redraws on the next animation frame
    return bool(page.evaluate("""selector => {
      const r = document.querySelector(selector).getBoundingClientRect();
      const area = document.getElementById('canvas').getBoundingClientRect();
      return r.width > 0 && r.right > area.left && r.left < area.right && r.bottom > area.top && r.top < area.bottom;
    }""", selector))


def test_a_digits_mlp_opens_at_its_layers_and_goes_down_to_neurons_and_scalars(browser: Browser, digits_page) -> None:
    path, loss = digits_page
    graph = autograd.Graph.of(loss)
    page, events = open_page(browser, path)
    assert page.locator("#views button").all_inner_texts() == ["layers", "neurons", "scalars"]
    boxes = page.evaluate("chainrule.data.levels[0].boxes.map(b => [b.name, b.count, b.maxGrad])")
    by_name = {name: (count, biggest) for name, count, biggest in boxes}
    assert by_name["layers.0"][0] == sum(1 for n in graph.nodes if (n.label or "").startswith("layers.0."))
    assert by_name["inputs"][0] == 64
    layer0 = boxes.index(next(b for b in boxes if b[0] == "layers.0"))
    assert "2,144 nodes" in (page.text_content(f"#v0-b{layer0}") or "")
    page.click(f"#v0-b{layer0}")
    assert page.evaluate("chainrule.current()") == 1
    neurons = page.evaluate("chainrule.data.levels[1].boxes.map(b => b.name)")
    first = neurons.index("layers.0.neurons.0")
    assert sum(1 for name in neurons if name.startswith("layers.0.neurons.")) == 32
    assert in_view(page, f"#v1-b{neurons.index('layers.0.neurons.5')}")
    page.click(f"#v1-b{first}")
    assert page.evaluate("chainrule.current()") == 2
    net = node_index(page, "layers.0.neurons.0.net")
    assert in_view(page, f"#v2-n{net}")
    page.click(f"#v2-n{net}")
    assert page.inner_text("#panel-body h2") == "layers.0.neurons.0.net"
    assert len(page.locator("#panel-body tr.edge-row").all()) == 64 * 2 + 1
    assert [e for e in events if not e.startswith("console")] == []
    page.close()


def test_the_colour_legend_shows_with_colour_by_grad(browser: Browser, tmp_path: Path) -> None:
    _, total = worked_example()
    coloured = autograd.explore(total, color_by_grad=True).save(tmp_path / "coloured.html")
    page, _ = open_page(browser, coloured)
    assert page.is_visible("#legend")
    assert "|grad|" in page.inner_text("#legend")
    page.close()
    plain, _ = open_page(browser, tmp_path / "coloured.html")
    plain.close()
    page, _ = open_page(browser, autograd.explore(total).save(tmp_path / "plain.html"))
    assert not page.is_visible("#legend")
    page.close()


def test_in_a_notebook_it_is_an_iframe_of_the_page_with_the_svg_beside(browser: Browser) -> None:
    _, total = worked_example()
    explorer = autograd.explore(total)
    bundle = explorer._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/svg+xml"}
    assert bundle["text/html"].startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
    assert 'sandbox="allow-scripts"' in bundle["text/html"]
    assert bundle["image/svg+xml"].startswith("<svg")
    assert "w5" in bundle["image/svg+xml"]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content(f"<html><body>{bundle['text/html']}</body></html>")
    frame = page.frame_locator("iframe")
    frame.locator(f"#v0-n{[n['name'] for n in explorer.data['nodes']].index('w1')}").click()
    assert frame.locator("#panel-body .total").inner_text() == "∂E/∂w1 = 0.000438568, the sum over 2 paths"
    assert errors == []
    page.close()


def test_save_and_errors(tmp_path: Path) -> None:
    _, total = worked_example()
    explorer = autograd.explore(total)
    assert explorer.save(tmp_path / "page.html").read_text("utf-8") == explorer.html
    with pytest.raises(ValueError, match=r"must end in \.html"):
        explorer.save(tmp_path / "page.svg")
    with pytest.raises(TypeError, match="unknown options"):
        autograd.explore(total, colour=True)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="levels must be increasing whole numbers"):
        autograd.explore(total, levels=(4, 2))
    with pytest.raises(ValueError, match="more than max_nodes=10"):
        autograd.explore(total, max_nodes=10)
    assert repr(explorer).startswith("<Explorer of 'E': 27 nodes, 15 steps, 1 view(s), ")
    assert math.isclose(explorer.data["nodes"][-1]["grad"], 1.0)


def test_the_command_line_writes_the_page(tmp_path: Path) -> None:
    from nn.cli import main

    model = nn.MLP(2, [3, 2], seed=0)
    saved = model.save(tmp_path / "model.json")
    assert main(["graph", str(saved), "--html", str(tmp_path / "model.html"), "--target", "1",
                 "--loss", "cross_entropy"]) == 0
    page = (tmp_path / "model.html").read_text("utf-8")
    assert '"name":"layers"' in page
    assert '"name":"neurons"' in page
    assert not (tmp_path / "graph.svg").exists()
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--epochs", "1"]) == 0
    assert (out / "worked-example.html").read_text("utf-8").startswith("<!DOCTYPE html>")


def screenshot(browser: Browser, page_path: Path, target: Path) -> Path:
    """The README's picture: the worked example with w1 clicked and its paths lit, at step 5 of backward."""
    page, _ = open_page(browser, page_path, width=1500, height=760)
    page.locator("#canvas").click(position={"x": 5, "y": 5})
    for _ in range(10):
        page.keyboard.press("ArrowLeft")
    click_node(page, "w1")
    page.hover(f"#v0-n{node_index(page, 'w1')}")
    page.screenshot(path=str(target))
    page.close()
    return target


def test_the_readme_screenshot_is_what_the_page_shows(browser: Browser, worked_page: Path, tmp_path: Path) -> None:
    shot = screenshot(browser, worked_page, tmp_path / "explorer.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stored = Path(__file__).resolve().parent.parent / "docs" / "explorer.png"
    assert stored.read_bytes()[16:24] == shot.read_bytes()[16:24]  # the same width and height
    assert "docs/explorer.png" in (stored.parent.parent / "README.md").read_text("utf-8")


if __name__ == "__main__":  # remakes docs/explorer.png: PYTHONPATH=. .venv/bin/python tests/test_explorer.py
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        _, root = worked_example()
        here = Path(__file__).resolve().parent.parent
        saved = autograd.explore(root).save(here / "docs" / "explorer-page.html")
        print(screenshot(chromium, saved, here / "docs" / "explorer.png"))
        saved.unlink()
        chromium.close()
    sys.exit(0)


def test_a_label_that_starts_with_grad_is_not_taken_for_the_gradient_line(browser: Browser, tmp_path: Path) -> None:
    x = Value(2.0, "grad 7")
    y = (x * 3.0).tanh()
    y.label = "y"
    path = autograd.explore(y).save(tmp_path / "grad-label.html")
    page, events = open_page(browser, path)
    i = node_index(page, "grad 7")
    title = f"document.querySelector('#v0-n{i} text').textContent"
    assert page.evaluate(title) == "grad 7"
    page.locator("#canvas").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowLeft")  # step 1 of 2: x is not reached yet
    assert page.evaluate(title) == "grad 7"
    assert grads_shown(page)["grad 7"] == "·"
    page.keyboard.press("ArrowRight")
    y.backward()
    assert grads_shown(page)["grad 7"] == f"{x.grad:.4g}"
    assert page.evaluate(title) == "grad 7"
    assert events == []
    page.close()


def test_each_name_is_stored_once_and_a_page_has_a_size_cap(browser: Browser, tmp_path: Path) -> None:
    long = "w" * 100_000
    x = Value(0.5, long)
    y = x
    for _ in range(100):
        y = y * x
    explorer = autograd.explore(y, show_partials=False)
    assert explorer.html.count(long) == 1  # in the snapshot, once, in its node; the drawing shortens it
    assert len(explorer.html) < 2_000_000
    path = explorer.save(tmp_path / "long.html")
    page, events = open_page(browser, path)
    click_node(page, page.evaluate("chainrule.data.nodes[chainrule.data.nodes.length - 1].name"))
    words = page.locator("#panel-body tr.words").all_inner_texts()
    assert any(long in w for w in words)  # the page puts the name back where the text refers to it
    assert events == []
    page.close()
    with pytest.raises(ValueError, match=r"explore: its snapshot would hold [\d,]+ bytes, more than max_bytes=1,000"):
        autograd.explore(y, max_bytes=1_000)


def test_an_undefined_partial_is_shown_as_nan_as_draw_shows_it(browser: Browser, tmp_path: Path) -> None:
    x = Value(0.0, "x")
    y = x.sqrt() + x
    y.label = "y"
    assert "∂=nan" in autograd.to_dot(y)
    explorer = autograd.explore(y)
    sqrt_edge = next(e for e in explorer.data["edges"] if explorer.data["nodes"][e["to"]]["op"] == "sqrt")
    assert sqrt_edge["partial"] == "nan"
    assert explorer.data["nodes"][node_of(explorer, "x")]["grad"] == "nan"
    page, events = open_page(browser, explorer.save(tmp_path / "nan.html"))
    click_node(page, "x")
    assert "grad\tnan" in page.inner_text("#panel-body .facts")
    assert events == []
    page.close()


def node_of(explorer: autograd.Explorer, name: str) -> int:
    return [n["name"] for n in explorer.data["nodes"]].index(name)
