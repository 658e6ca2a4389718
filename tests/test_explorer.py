"""autograd.explore: the page, clicked in a real browser (Debian's chromium, driven by Playwright), against
the engine's own numbers; hostile labels; the notebook display and the command line.

    python tests/test_explorer.py    # writes docs/explorer.png, the README's screenshot, as the test takes it
"""

from __future__ import annotations

import base64
import math
import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

import autograd
import nn
from autograd import Value
from autograd.examples import WorkedExample
from autograd.explore import SCRIPTS
from benchmarks.browser import launch
from tests.page_fixtures import rnn_loss


def worked_example() -> tuple[WorkedExample, Value]:
    example = WorkedExample()
    total = example.forward()
    total.backward()
    return example, total


@pytest.fixture(scope="module")
def worked_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worked example's page opened at its end, every step run and every gradient shown, as most tests
    here read it (the default opens before backward: see ``test_the_page_opens_before_backward``)."""
    _, total = worked_example()
    return autograd.explore(total, start="end").save(tmp_path_factory.mktemp("pages") / "worked-example.html")


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
    page.wait_for_selector("html[data-chainrule=ready]", state="attached")  # at once, or once laid out in the page
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
    assert "net_o1 = w5·out_h1 + w6·out_h2 + b2" in page.inner_text("#panel-body .facts")
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


def test_the_page_opens_before_backward_and_the_right_arrow_runs_the_first_step(browser: Browser,
                                                                                  tmp_path: Path) -> None:
    _, total = worked_example()
    records = list(autograd.backward_steps(WorkedExample().forward()))
    page, events = open_page(browser, autograd.explore(total).save(tmp_path / "opens.html"))
    assert page.inner_text("#step-label") == "before backward"
    assert page.evaluate("chainrule.step()") == 0
    assert set(grads_shown(page).values()) == {"·", "1"}  # only the root's gradient, ∂E/∂E
    assert page.locator("g.node.unreached").count() == page.evaluate("chainrule.data.nodes.length") - 1  # all but E
    page.locator("#canvas").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowRight")
    assert page.inner_text("#step-label") == "step 1 of 15"
    assert page.inner_text("#panel-body .step-text") == str(records[0])
    page.keyboard.press("End")
    assert page.inner_text("#step-label") == "step 15 of 15"
    assert "·" not in grads_shown(page).values()
    assert events == []
    page.close()
    end, _ = open_page(browser, autograd.explore(total, start="end").save(tmp_path / "end.html"))
    assert end.inner_text("#step-label") == "step 15 of 15"
    assert "·" not in grads_shown(end).values()
    end.close()
    with pytest.raises(ValueError, match=r"explore: start must be one of \('beginning', 'end'\), got 'middle'"):
        autograd.explore(total, start="middle")


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
    assert page.locator("script").count() == 1 + len(SCRIPTS)  # the document and the page's own: none added
    page.close()


def digits_loss() -> Value:
    X, y = nn.datasets.digits()
    model = nn.MLP(64, [32, 10], init="xavier", seed=0)
    return nn.cross_entropy(model(X[0]), int(y[0]))


@pytest.fixture(scope="module")
def digits_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Value]:
    loss = digits_loss()
    page = autograd.explore(loss, levels=(2, 4), start="end")
    return page.save(tmp_path_factory.mktemp("pages") / "digits.html"), loss


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
    assert len(page.locator("#panel-body tr.edge-row").all()) == 24  # the first, and the rest on request
    page.click("#panel-body button.more")
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


def test_in_a_notebook_it_is_an_iframe_of_the_page_with_a_picture_inside_and_beside(browser: Browser) -> None:
    _, total = worked_example()
    explorer = autograd.explore(total, start="end")
    bundle = explorer._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png"}
    assert bundle["text/html"].startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
    assert 'sandbox="allow-scripts"' in bundle["text/html"]
    picture = base64.b64decode(bundle["image/png"])
    assert picture == explorer.picture
    assert picture.startswith(b"\x89PNG")
    assert bundle["text/html"].endswith(f'<img src="data:image/png;base64,{bundle["image/png"]}" alt="E: chainrule'
                                        "'s explorer, every step of backward run\" style=\"max-width: 100%\"></iframe>")
    assert explorer._picture_source() == explorer.sources[0]  # the numbers it was laid out with
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content(f"<html><body>{bundle['text/html']}</body></html>")
    frame = page.frame_locator("iframe")
    frame.locator("#search").fill("w1")  # in a notebook's cell it opens framed at a readable size: found by name
    frame.locator("#search").press("Enter")
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


def test_a_label_that_starts_with_grad_is_not_taken_for_the_gradient_line(browser: Browser, tmp_path: Path) -> None:
    x = Value(2.0, "grad 7")
    y = (x * 3.0).tanh()
    y.label = "y"
    path = autograd.explore(y, start="end").save(tmp_path / "grad-label.html")
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
    explorer = autograd.explore(y, start="end")
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




# The explorer at the scale of a real network (issue 19) -----------------------------------------------------


def text_heights(page: Page, selector: str) -> list[float]:
    page.wait_for_timeout(150)  # svg-pan-zoom redraws on the next animation frame
    return list(page.evaluate("""selector => [...document.querySelectorAll(selector)]
      .map(t => t.getBoundingClientRect()).filter(r => r.height > 0).map(r => r.height)""", selector))


def zoom_in_fully(page: Page) -> None:
    page.locator("#canvas").click(position={"x": 3, "y": 3})
    for _ in range(40):
        page.keyboard.press("+")


@pytest.mark.parametrize("view", [0, 1, 2])
def test_every_view_zooms_in_until_its_text_reads(browser: Browser, digits_page, view: int) -> None:
    path, _ = digits_page
    page, events = open_page(browser, path)
    page.evaluate(f"chainrule.showView({view})")
    zoom_in_fully(page)
    heights = text_heights(page, f".view[data-view='{view}'] g.node text")
    assert min(heights) >= 10, "a node's text is at least 10 px tall once zoomed in"
    closest = page.evaluate("chainrule.zoom()")
    assert closest >= 3.9  # four times the text's natural size
    page.mouse.move(500, 400)
    for _ in range(12):
        page.mouse.wheel(0, 400)  # and the wheel zooms out again
        page.wait_for_timeout(40)
    page.wait_for_timeout(150)
    assert page.evaluate("chainrule.zoom()") < closest / 4
    assert [e for e in events if not e.startswith("console")] == []
    page.close()


def centre_of(page: Page, selector: str) -> tuple[float, float, float, float]:
    page.wait_for_timeout(300)
    return tuple(page.evaluate("""selector => {
      const r = document.querySelector(selector).getBoundingClientRect();
      const a = document.getElementById('canvas').getBoundingClientRect();
      return [r.left + r.width / 2 - (a.left + a.width / 2), r.top + r.height / 2 - (a.top + a.height / 2),
              r.width, r.height];
    }""", selector))


def test_a_node_found_by_search_opens_readable_centred_and_lit(browser: Browser, digits_page) -> None:
    path, _ = digits_page
    page, _ = open_page(browser, path)
    page.fill("#search", "layers.1.neurons.7.net")
    page.press("#search", "Enter")
    i = node_index(page, "layers.1.neurons.7.net")
    dx, dy, _, _ = centre_of(page, f"#v2-n{i}")
    assert abs(dx) < 40
    assert abs(dy) < 40
    assert min(text_heights(page, f"#v2-n{i} text")) >= 10
    assert page.locator(f"#v2-n{i}.selected.on-path").count() == 1
    assert page.locator("g.edge.on-path").count() >= 1  # its path to the loss
    # a box clicked in the layers view opens the neurons at a readable size too
    page.evaluate("chainrule.showView(0)")
    boxes = page.evaluate("chainrule.data.levels[0].boxes.map(b => b.name)")
    page.click(f"#v0-b{boxes.index('layers.1')}")
    page.wait_for_timeout(300)
    assert min(text_heights(page, ".view[data-view='1'] g.node text")) >= 10
    page.close()


def test_a_neuron_s_weights_and_the_inputs_are_fans_that_list_their_leaves(browser: Browser, digits_page) -> None:
    path, loss = digits_page
    graph = autograd.Graph.of(loss)
    recorded = autograd.record(graph)
    page, events = open_page(browser, path)
    fans = page.evaluate("chainrule.data.levels[2].fans.map(f => [f.name, f.count, f.sum])")
    by_name = {name: (count, total) for name, count, total in fans}
    assert by_name["layers.0.neurons.3.w"][0] == 64
    assert by_name["layers.1.neurons.9.w"][0] == 32
    assert by_name["x"][0] == 64  # the layer's inputs, x0 ... x63
    weights = [i for i, n in enumerate(graph.nodes) if (n.label or "").startswith("layers.0.neurons.3.w.")]
    assert by_name["layers.0.neurons.3.w"][1] == pytest.approx(sum(recorded.grads[i] for i in weights), abs=1e-12)
    assert len(fans) == 42 + 1
    # one neuron fits on a laptop's screen at its natural size
    cluster = page.evaluate("""() => [...document.querySelectorAll('.view[data-view="2"] g.cluster')]
      .filter(g => g.querySelector('text').textContent === 'layers.0.neurons.3').map(g => g.getBBox())
      .map(b => [b.width, b.height])[0]""")
    assert cluster[0] <= 1280
    assert cluster[1] <= 700
    f = [name for name, _, _ in fans].index("layers.0.neurons.3.w")
    page.fill("#search", "layers.0.neurons.3.net")  # the neuron, framed; then its weights' fan, clicked
    page.press("#search", "Enter")
    page.wait_for_timeout(300)
    page.click(f"#v2-f{f}")
    assert page.is_visible("#fan-list")
    items = page.locator("#fan-list li")
    assert items.count() == 64
    assert items.nth(12).locator("span").first.inner_text() == "layers.0.neurons.3.w.12"
    items.nth(12).click()
    assert page.is_hidden("#fan-list")
    assert page.inner_text("#panel-body h2") == "layers.0.neurons.3.w.12"
    w12 = graph.nodes[node_index(page, "layers.0.neurons.3.w.12")]
    assert f"grad\t{recorded.grads[graph.index(w12)]:.6g}" in page.inner_text("#panel-body .facts")
    assert page.locator(f"#v2-f{f}.selected").count() == 1  # the fan stands for its leaf in the drawing
    assert [e for e in events if not e.startswith("console")] == []
    page.close()


def test_a_node_s_neighbourhood_is_drawn_one_or_two_steps_out(browser: Browser, worked_page: Path) -> None:
    total = WorkedExample().forward()
    graph = autograd.Graph.of(total)
    out_h1 = next(n for n in graph.nodes if n.label == "out_h1")
    inputs = {graph.name(p) for p in out_h1.parents}
    users = {graph.name(n) for n in graph.nodes if out_h1 in n.parents}
    page, events = open_page(browser, worked_page)
    click_node(page, "out_h1")
    page.keyboard.press("n")
    assert page.is_visible("#near")
    drawn = page.evaluate("""() => [...document.querySelectorAll('#near g.near-node')]
      .map(g => chainrule.data.nodes[Number(g.id.slice(6))].name)""")
    assert set(drawn) == {"out_h1"} | inputs | users == {"out_h1", "net_h1", "net_o1", "net_o2"}
    page.keyboard.press("n")  # two steps out: their inputs and users too
    drawn = page.evaluate("""() => [...document.querySelectorAll('#near g.near-node')]
      .map(g => chainrule.data.nodes[Number(g.id.slice(6))].name)""")
    assert set(drawn) == {"out_h1", "net_h1", "net_o1", "net_o2", "w1", "w2", "i1", "i2", "b1", "out_o1", "out_o2"}
    columns = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#near g.near-node')]
      .map(g => [chainrule.data.nodes[Number(g.id.slice(6))].name, g.getBoundingClientRect().left]))""")
    assert columns["w1"] < columns["net_h1"] < columns["out_h1"] < columns["net_o1"] < columns["out_o1"]
    assert columns["net_o1"] == columns["net_o2"]
    assert page.locator("#near path.near-edge").count() >= 10
    page.click(f"#near-n{node_index(page, 'net_o1')}")  # walking on: the neighbourhood of net_o1
    assert page.get_attribute("#near", "data-node") == str(node_index(page, "net_o1"))
    assert page.inner_text("#panel-body h2") == "net_o1"
    page.keyboard.press("Escape")
    assert page.is_hidden("#near")
    assert page.locator(f"#v0-n{node_index(page, 'net_o1')}.selected").count() == 1
    assert events == []
    page.close()


def test_big_views_have_a_minimap_and_every_view_refits_when_the_window_narrows(
        browser: Browser, digits_page, worked_page: Path) -> None:
    path, _ = digits_page
    page, _ = open_page(browser, path)
    page.evaluate("chainrule.showView(2)")
    page.wait_for_timeout(150)
    assert page.is_visible(".view[data-view='2'] .minimap")
    transform = "document.querySelector('.view[data-view=\"2\"] .svg-pan-zoom_viewport').getAttribute('transform')"
    before = page.evaluate(transform)
    box = page.locator(".view[data-view='2'] .minimap svg").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.9)  # towards the bottom
    page.wait_for_timeout(150)
    after = page.evaluate(transform)
    assert after != before
    page.close()
    page, _ = open_page(browser, worked_page)
    assert page.is_hidden(".minimap") if page.locator(".minimap").count() else True  # it all fits: none shown
    page.set_viewport_size({"width": 700, "height": 700})
    page.wait_for_timeout(300)
    for name in ("w1", "E"):
        assert in_view(page, f"#v0-n{node_index(page, name)}"), name
        r = page.evaluate(f"""() => {{
          const r = document.getElementById('v0-n{node_index(page, name)}').getBoundingClientRect();
          const a = document.getElementById('canvas').getBoundingClientRect();
          return r.left >= a.left - 1 && r.right <= a.right + 1; }}""")
        assert r, f"{name} is cut off"
    page.close()


def test_the_page_draws_in_the_textbook_s_order(browser: Browser, worked_page: Path, digits_page) -> None:
    page, _ = open_page(browser, worked_page)
    top = {name: page.locator(f"#v0-n{node_index(page, name)}").bounding_box()["y"]  # type: ignore[index]
           for name in ("i1", "i2", "w1", "w2", "net_h1", "net_h2", "out_h1", "out_h2", "out_o1", "out_o2")}
    for first, second in (("i1", "i2"), ("w1", "w2"), ("net_h1", "net_h2"), ("out_h1", "out_h2"),
                          ("out_o1", "out_o2")):
        assert top[first] < top[second], f"{first} is drawn above {second}"
    page.close()
    path, _ = digits_page
    page, _ = open_page(browser, path)
    page.evaluate("chainrule.showView(1)")
    page.wait_for_timeout(200)
    tops = page.evaluate("""() => chainrule.data.levels[1].boxes.map((b, k) =>
      [b.name, document.getElementById('v1-b' + k).getBoundingClientRect().top])""")
    for layer, width in ((0, 32), (1, 10)):
        y = dict(tops)
        column = [y[f"layers.{layer}.neurons.{k}"] for k in range(width)]
        assert column == sorted(column), f"layer {layer}'s neurons are drawn in index order"
    page.close()


def test_colour_by_grad_colours_the_layer_and_neuron_boxes(browser: Browser, tmp_path: Path) -> None:
    explorer = autograd.explore(digits_loss(), levels=(2, 4), color_by_grad=True)
    page, _ = open_page(browser, explorer.save(tmp_path / "coloured-digits.html"))
    fills = page.evaluate("""() => [...document.querySelectorAll('.view[data-view="0"] g.node path')]
      .map(p => p.getAttribute('fill')).filter(f => f && f !== 'none' && f !== 'transparent')""")
    assert fills
    assert "#eef3fb" not in fills
    assert len(set(fills)) >= 2  # the layers' largest |grad| differ, and so do their colours
    page.close()


def test_no_step_label_overlaps_a_node_at_any_step(browser: Browser, worked_page: Path) -> None:
    page, _ = open_page(browser, worked_page)
    for k in range(1, 16):
        page.evaluate(f"chainrule.goTo({k}, true)")
        overlaps = page.evaluate("""() => {
          const labels = [...document.querySelectorAll('g.edge.active text.contribution')]
            .map(t => t.getBoundingClientRect());
          const boxes = [...document.querySelectorAll('.view[data-view="0"] g.node')]
            .map(g => g.getBoundingClientRect());
          const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 &&
            b.top < a.bottom - 1;  // by more than a pixel: a glyph's box may touch a node dot put it beside
          return [labels.length, labels.filter(l => boxes.some(b => hit(l, b))).length];
        }""")
        shown, overlapping = overlaps
        assert shown == len(page.evaluate(f"chainrule.data.steps[{k - 1}].edges"))
        assert overlapping == 0, f"step {k}"
    assert page.locator("g.edge:not(.active) text.contribution").evaluate_all(
        "ts => ts.every(t => getComputedStyle(t).visibility === 'hidden')")
    page.close()


def test_an_unreached_gradient_is_a_dot_in_the_panel_as_on_the_drawing(browser: Browser, worked_page: Path) -> None:
    page, _ = open_page(browser, worked_page)
    page.evaluate("chainrule.goTo(6, true)")
    click_node(page, "w1")
    assert grads_shown(page)["w1"] == "·"
    assert "grad\t· (∂E/∂w1, not reached at step 6 of 15)" in page.inner_text("#panel-body .facts")
    click_node(page, "net_o1")  # reached at step 6: its inputs' contributions are shown
    assert "0.138499" in page.inner_text("#panel-body .facts")
    page.evaluate("chainrule.goTo(15, true)")
    click_node(page, "w1")
    assert "grad\t0.000438568 (∂E/∂w1)" in page.inner_text("#panel-body .facts")
    page.close()


def test_paths_are_listed_in_explain_s_order(browser: Browser, tmp_path: Path) -> None:
    _, total = worked_example()
    graph = autograd.Graph.of(total)
    path = autograd.explore(total, max_paths=3, start="end").save(tmp_path / "paths.html")  # the whole drawing
    page, _ = open_page(browser, path)
    for name in ("w1", "i1", "out_h2", "b1"):
        click_node(page, name)
        shown = [line.split(": ")[1] for line in page.locator("#panel-body .path").all_inner_texts()]
        wrt = next(n for n in graph.nodes if graph.name(n) == name)
        expected = [" → ".join([name, *(graph.name(link.child) for link in reversed(p.links))])
                    for p in autograd.explain(total, wrt, max_paths=3).paths]
        assert shown == expected, name
    page.close()


def test_the_panel_wraps_at_word_boundaries_never_inside_a_number(browser: Browser, digits_page) -> None:
    path, _ = digits_page
    page, _ = open_page(browser, path)
    page.evaluate(f"chainrule.select({node_index(page, 'layers.1.neurons.3.net')}, false)")
    split = page.evaluate("""() => {
      const broken = [];
      const walker = document.createTreeWalker(document.getElementById('panel-body'), NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const m of node.data.matchAll(/-?\\d+(?:\\.\\d+)?(?:e[-+]\\d+)?|[A-Za-z]+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
          if (lines.size > 1) broken.push(m[0]);
        }
      }
      return broken;
    }""")
    assert split == []
    widths = page.evaluate("""() => [...document.querySelectorAll('#panel-body table')].map(t =>
      t.getBoundingClientRect().right <= document.getElementById('panel').getBoundingClientRect().right + 1)""")
    assert all(widths)
    page.close()


def test_the_guides_step_line_is_the_page_s(browser: Browser, worked_page: Path) -> None:
    guide = Path(__file__).resolve().parent.parent / "docs" / "how-to" / "explore-a-model.md"
    quoted = re.search(r"`(w5\.grad \+= [^`]+)`", guide.read_text("utf-8"))
    assert quoted is not None
    page, _ = open_page(browser, worked_page)
    lines = []
    for k in range(1, 16):
        page.evaluate(f"chainrule.goTo({k}, true)")
        lines += page.locator("#panel-body .step-line").all_inner_texts()
    assert quoted.group(1) in lines
    page.close()


def test_an_rnn_is_seen_by_time_step_and_a_shared_weight_s_gradient_as_a_sum_over_them(
        browser: Browser, tmp_path: Path) -> None:
    loss = rnn_loss()
    graph = autograd.Graph.of(loss)
    recorded = autograd.record(graph)
    explorer = autograd.explore(loss)
    assert [level["name"] for level in explorer.data["levels"]] == ["time steps", "scalars"]
    page, events = open_page(browser, explorer.save(tmp_path / "rnn.html"))
    boxes = page.evaluate("chainrule.data.levels[0].boxes.map(b => b.name)")
    assert {"t0", "t1", "t2", "cell", "readout"} <= set(boxes)
    w = node_index(page, "cell.neurons.0.w.2")  # the weight on the hidden state: used at every step
    weight = graph.nodes[w]
    terms = {}
    for child_index, child in enumerate(graph.nodes):
        for position, parent in enumerate(child.parents):
            if parent is weight:
                step = (child.label or "").split(".")[0]
                use = recorded.partials[child_index][position] * recorded.grads[child_index]
                terms[step] = terms.get(step, 0.0) + use
    assert sorted(terms) == ["t0", "t1", "t2"]
    page.evaluate(f"chainrule.select({w}, false)")
    rows = page.locator("#panel-body .time-sum tr.time-term").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == ["t0", "t1", "t2"]
    assert [float(r.split("\t")[1]) for r in rows] == pytest.approx([terms[t] for t in ("t0", "t1", "t2")], rel=1e-5)
    total = float(page.get_attribute("#panel-body .total[data-sum]", "data-sum"))
    assert total == pytest.approx(recorded.grads[w], rel=1e-12)
    page.hover(f"#v1-n{w}")  # its uses at every step light up
    used = page.evaluate("""() => [...document.querySelectorAll('.view[data-view="1"] g.node.use')]
      .map(g => chainrule.data.nodes[Number(g.id.split('-n')[1])].name)""")
    assert sorted(used) == ["t0.cell.neurons.0.net", "t1.cell.neurons.0.net", "t2.cell.neurons.0.net"]
    page.evaluate("chainrule.showView(0)")
    page.hover(f"#v0-b{boxes.index('cell')}")  # and in the time view, its module's lines into every step
    lit = page.evaluate("""() => [...document.querySelectorAll('.view[data-view="0"] g.node.use')]
      .map(g => chainrule.data.levels[0].boxes[Number(g.id.split('-b')[1])].name)""")
    assert {"t0", "t1", "t2"} <= set(lit)
    assert events == []
    page.close()


def test_every_action_has_a_key_listed_by_question_mark_and_focus_is_visible(
        browser: Browser, worked_page: Path) -> None:
    page, events = open_page(browser, worked_page)
    assert page.is_hidden("#help")
    page.keyboard.press("?")
    assert page.is_visible("#help")
    keys = page.locator("#help-keys kbd").all_inner_texts()
    for key in ("?", "Enter", "← →", "space", "+ −", "0", "/", "n", "Escape", "Tab, shift+Tab"):
        assert key in keys
    page.keyboard.press("Escape")
    assert page.is_hidden("#help")
    page.locator("#canvas").click(position={"x": 3, "y": 3})
    page.keyboard.press("Tab")  # from the drawing, Tab reaches its nodes
    for _ in range(30):
        focused = page.evaluate("document.activeElement.id")
        if focused.startswith("v0-n"):
            break
        page.keyboard.press("Tab")
    assert focused.startswith("v0-n")
    assert page.evaluate("document.activeElement.matches(':focus-visible')")
    stroke = page.evaluate("getComputedStyle(document.activeElement.querySelector('path, polygon')).strokeDasharray")
    assert stroke not in ("none", "")  # the focused node is drawn dashed
    page.keyboard.press("Enter")
    i = int(focused.split("-n")[1])
    name = page.evaluate(f"chainrule.data.nodes[{i}].name")
    assert page.inner_text("#panel-body h2") == name
    assert page.get_attribute("#panel-body", "aria-live") == "polite"  # a screen reader reads what was selected
    spoken = page.inner_text("#panel")
    assert f"data\t{page.evaluate(f'chainrule.fmt(chainrule.data.nodes[{i}].data)')}" in spoken
    page.keyboard.press("End")
    page.keyboard.press("Home")
    assert page.inner_text("#step-label") == "before backward"
    page.keyboard.press("1")
    assert page.evaluate("chainrule.current()") == 0
    assert events == []
    page.close()


def test_the_digits_page_is_small_enough(digits_page) -> None:
    path, _ = digits_page
    assert path.stat().st_size <= 3_000_000  # the target of make bench, which also times it


def digits_screenshot(browser: Browser, page_path: Path, target: Path) -> Path:
    """docs/explorer-digits.png: one digits neuron read at the scalar level, found by search, its weights'
    fan opened in place."""
    page, _ = open_page(browser, page_path, width=1500, height=860)
    page.fill("#search", "layers.0.neurons.3.net")
    page.press("#search", "Enter")
    page.wait_for_timeout(300)
    fan = page.evaluate("chainrule.data.levels[2].fans.findIndex(f => f.name === 'layers.0.neurons.3.w')")
    page.click(f"#v2-f{fan}")
    page.wait_for_timeout(200)
    page.screenshot(path=str(target))
    page.close()
    return target


def test_the_default_max_nodes_is_what_draws_in_seconds_and_coarse_pages_take_more() -> None:
    from autograd.explore import MAX_COARSE_NODES, MAX_NODES

    x = Value(0.5, "x")
    y = x
    for _ in range(MAX_NODES):
        y = y * 0.999
    with pytest.raises(ValueError, match=f"more than max_nodes={MAX_NODES} nodes.*pass a larger max_nodes"):
        autograd.explore(y)
    page = autograd.explore(y, scalars=False, cluster=lambda node: "all")  # boxes only: 20,000 by default
    assert len(page.data["nodes"]) == MAX_NODES + 1 < MAX_COARSE_NODES


if __name__ == "__main__":  # remakes docs/explorer.png and docs/explorer-digits.png:
    # PYTHONPATH=. .venv/bin/python tests/test_explorer.py
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        _, root = worked_example()
        here = Path(__file__).resolve().parent.parent
        saved = autograd.explore(root, start="end").save(here / "docs" / "explorer-page.html")  # as worked_page
        print(screenshot(chromium, saved, here / "docs" / "explorer.png"))
        saved = autograd.explore(digits_loss(), levels=(2, 4)).save(here / "docs" / "explorer-page.html")
        print(digits_screenshot(chromium, saved, here / "docs" / "explorer-digits.png"))
        saved.unlink()
        chromium.close()
    sys.exit(0)


def _centre(page: Page, selector: str) -> tuple[float, float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["width"]


def test_plus_and_minus_zoom_about_the_selected_node(browser: Browser, worked_page: Path) -> None:
    page, events = open_page(browser, worked_page)
    click_node(page, "w1")
    selector = f"#v0-n{node_index(page, 'w1')}"
    x, y, width = _centre(page, selector)
    page.keyboard.press("+")
    page.wait_for_timeout(100)  # svg-pan-zoom draws on the next frame
    x2, y2, width2 = _centre(page, selector)
    assert (abs(x2 - x), abs(y2 - y)) < (1.5, 1.5)  # w1 stayed where it was on the screen
    assert width2 == pytest.approx(width * 1.25, rel=0.02)
    page.keyboard.press("-")
    page.wait_for_timeout(100)
    x3, y3, width3 = _centre(page, selector)
    assert (abs(x3 - x), abs(y3 - y)) < (1.5, 1.5)
    assert width3 == pytest.approx(width, rel=0.02)
    assert events == []
    page.close()


def test_the_minimap_keeps_clear_of_the_selected_node_and_m_hides_it(browser: Browser, worked_page: Path) -> None:
    page, events = open_page(browser, worked_page)
    click_node(page, "w1")
    for _ in range(4):
        page.keyboard.press("+")
    page.wait_for_timeout(100)
    minimap = page.locator(".minimap")
    assert minimap.is_visible()
    selector = f"#v0-n{node_index(page, 'w1')}"
    box = minimap.bounding_box()
    assert box is not None
    x, y, _ = _centre(page, selector)
    page.evaluate(f"chainrule.panBy({box['x'] + box['width'] / 2 - x}, {box['y'] + box['height'] / 2 - y})")
    page.wait_for_timeout(100)  # w1 is now where the minimap was: the minimap has moved away
    node, moved = page.locator(selector).bounding_box(), minimap.bounding_box()
    assert node is not None
    assert moved is not None
    apart = (moved["x"] >= node["x"] + node["width"] or node["x"] >= moved["x"] + moved["width"]
             or moved["y"] >= node["y"] + node["height"] or node["y"] >= moved["y"] + moved["height"])
    assert apart, (node, moved)
    assert "left" in (minimap.get_attribute("class") or "")
    page.locator("#canvas").click(position={"x": 5, "y": 5})  # the keys go to the page, not the panel
    click_node(page, "w1")
    page.keyboard.press("m")
    assert not minimap.is_visible()
    page.keyboard.press("m")
    assert minimap.is_visible()
    assert events == []
    page.close()


def test_a_narrow_page_puts_the_panel_below_the_drawing(browser: Browser, worked_page: Path) -> None:
    page, events = open_page(browser, worked_page, width=700, height=800)
    canvas, panel = page.locator("#canvas").bounding_box(), page.locator("#panel").bounding_box()
    assert canvas is not None
    assert panel is not None
    assert canvas["width"] >= 0.8 * 700  # the drawing has the page's width (beside a 380 px panel: 46%)
    assert panel["y"] >= canvas["y"] + canvas["height"] - 1
    click_node(page, "w1")
    assert "w1" in page.inner_text("#panel-body h2")
    wide, _ = open_page(browser, worked_page, width=1280, height=800)
    beside = wide.locator("#panel").bounding_box()
    assert beside is not None
    assert beside["x"] > 1280 - 400  # a wide page keeps the panel beside the drawing
    assert events == []
    wide.close()
    page.close()


def _inside(page: Page, selector: str) -> bool:
    box, area = page.locator(selector).bounding_box(), page.locator("#canvas").bounding_box()
    assert box is not None
    assert area is not None
    return (box["x"] >= area["x"] and box["y"] >= area["y"] and box["x"] + box["width"] <= area["x"] + area["width"]
            and box["y"] + box["height"] <= area["y"] + area["height"])


def test_the_first_view_reads_at_1280_by_800_and_follows_the_steps(browser: Browser, tmp_path: Path) -> None:
    _, total = worked_example()
    page, events = open_page(browser, autograd.explore(total).save(tmp_path / "first.html"), width=1280, height=800)
    page.wait_for_timeout(200)  # the opening view is framed two frames after the page lays out
    root = f"#v0-n{page.evaluate('chainrule.data.root')}"
    heights = page.evaluate("""() => [...document.querySelectorAll('g.node text')].map(t =>
        t.getBoundingClientRect().height)""")
    assert min(heights) >= 10  # it was 6 px, the whole drawing fitted to 900 px
    assert _inside(page, root)  # where backward starts: E, and the nodes it reads
    assert page.locator(".minimap").is_visible()  # which shows where that is in the whole drawing
    page.locator("#canvas").click(position={"x": 5, "y": 5})
    page.keyboard.press("End")  # the last step's node is far to the left: the view follows it
    page.wait_for_timeout(200)
    last = page.evaluate("chainrule.data.steps[chainrule.data.steps.length - 1].node")
    assert _inside(page, f"#v0-n{last}")
    page.keyboard.press("0")  # the whole drawing, as before
    page.wait_for_timeout(200)
    assert page.evaluate("chainrule.zoom()") < 0.6
    assert not page.locator(".minimap").is_visible()
    assert events == []
    page.close()
    for rankdir, side in (("LR", "right"), ("TB", "bottom")):  # the root at the side its graph flows to
        drawn, _ = open_page(browser, autograd.explore(total, rankdir=rankdir).save(tmp_path / f"{rankdir}.html"),
                             width=1280, height=800)
        drawn.wait_for_timeout(200)
        box = drawn.locator(f"#v0-n{drawn.evaluate('chainrule.data.root')}").bounding_box()
        area = drawn.locator("#canvas").bounding_box()
        assert box is not None
        assert area is not None
        gap = (area["x"] + area["width"] - box["x"] - box["width"] if side == "right"
               else area["y"] + area["height"] - box["y"] - box["height"])
        assert 0 <= gap <= 40, (rankdir, gap)
        drawn.close()


# Laid out in the page (layout="browser") ------------------------------------------------------------------

DRAWN_TEXTS = """() => Object.fromEntries(Array.from(document.querySelectorAll('.view g[id]'))
  .filter(g => /^v\\d+-/.test(g.id))
  .map(g => [g.id, Array.from(g.querySelectorAll('text')).map(t => t.textContent)]))"""


def test_a_page_laid_out_in_the_browser_draws_what_dot_draws(browser: Browser, tmp_path: Path) -> None:
    """The same document, laid out by dot as the page is built or by Graphviz in WebAssembly as it opens: the
    same elements with the same texts, offline, and every number then written by the same template."""
    example = WorkedExample()
    root = example.forward()
    drawn = {}
    for layout in ("dot", "browser"):
        page_path = autograd.explore(root, start="end", layout=layout).save(tmp_path / f"{layout}.html")
        page, events = open_page(browser, page_path)
        assert events == []  # no request (the WebAssembly is in the page), no error
        drawn[layout] = page.evaluate(DRAWN_TEXTS)
        if layout == "browser":
            click_node(page, "w5")
            assert page.inner_text("#panel-body h2") == "w5"
            page.evaluate("chainrule.goTo(3, true)")
            assert page.inner_text("#step-label") == "step 3 of 15"
            assert page.locator("#layout-status").is_hidden()
        page.close()
    assert len(drawn["dot"]) == 27 + 32 + 1  # the nodes, the edges and the graph
    assert drawn["browser"] == drawn["dot"]


def test_only_a_page_laid_out_in_the_browser_carries_graphviz_and_may_compile_webassembly() -> None:
    root = WorkedExample().forward()
    in_page = autograd.explore(root, layout="browser")
    built = autograd.explore(root)
    assert "Viz.js 3.31.0" in in_page.html
    assert "Viz.js" not in built.html
    assert "'wasm-unsafe-eval'" in in_page.html
    assert "wasm-unsafe-eval" not in built.html
    assert "'unsafe-eval'" not in in_page.html
    assert '<div class="view" data-view="0" hidden></div>' in in_page.html  # nothing laid out at build time
    assert in_page.document["views"][0]["dot"] == built.sources[0]  # the same DOT dot laid out
    assert in_page.views == ("",)
    assert in_page.data == built.data | {"levels": in_page.data["levels"]}
    with pytest.raises(ValueError, match=r"explore: layout must be one of \('dot', 'browser'\), got 'neato'"):
        autograd.explore(root, layout="neato")


def test_a_page_laid_out_in_the_browser_is_built_without_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere
    root = WorkedExample().forward()
    with pytest.raises(autograd.GraphvizNotFoundError, match="Or pass layout='browser'"):
        autograd.explore(root)
    page = autograd.explore(root, layout="browser", levels=(1,))
    assert [view["layout"] for view in page.document["views"]] == ["browser", "browser"]  # by layer, then scalars
    assert "digraph chainrule" in page.document["views"][0]["dot"]
    assert set(page._repr_mimebundle_()) == {"text/html"}  # a notebook shows the page, with no picture beside it
    assert "<img" not in page.iframe()


def test_an_exercise_laid_out_in_the_browser_asks_as_one_laid_out_by_dot(browser: Browser, tmp_path: Path) -> None:
    exercise = autograd.exercise(WorkedExample().forward(), layout="browser")
    page_path = tmp_path / "exercise.html"
    page_path.write_text(exercise.html, encoding="utf-8")
    page, events = open_page(browser, page_path)
    page.wait_for_selector("#teach .teach-question")
    assert page.inner_text("#teach .teach-question") == "What is ∂E/∂E_o1?"
    first = exercise.questions[0].index
    grad = page.locator(f"#v0-n{first} text").last
    assert grad.text_content() == "grad ?"
    page.fill("#teach-answer", "1")
    page.press("#teach-answer", "Enter")
    assert "Right" in page.inner_text("#teach .teach-feedback")
    assert grad.text_content() == "grad 1"
    assert events == []
    page.close()
