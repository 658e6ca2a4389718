"""nn.fit(watch=...) and History.explore: each point of the timeline holds the engine's numbers for the model
as it was at that point of training, and the page, scrubbed to a point, shows the numbers recorded there."""

from __future__ import annotations

import base64
import dataclasses
import math
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, sync_playwright

import autograd
import nn
from benchmarks.browser import launch
from nn.timeline import RESOLUTION, History

X, Y = nn.datasets.moons(60, noise=0.1, seed=0)


def trained(epochs: int, **options: object) -> tuple[nn.MLP, History]:
    model = nn.MLP(2, [6, 2], seed=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    history = nn.fit(model, (X, Y), loss="cross_entropy", optimizer=opt, epochs=epochs, batch_size=20, seed=0,
                     metrics=["accuracy"], progress=False, watch=(X[0], Y[0]), **options)
    return model, history


def test_each_point_is_the_model_as_it_was_then() -> None:
    _, history = trained(3)
    assert [p.label for p in history.watched] == ["before training", "epoch 1", "epoch 2", "epoch 3"]
    assert history["loss"]
    assert len(history["loss"]) == 3
    for epochs in (1, 2, 3):  # the same seed trains the same weights: the k-epoch run ends where point k is
        model, alone = trained(epochs)
        point = history.watched[epochs]
        root = nn.cross_entropy(model(X[0]), int(Y[0]))
        model.zero_grad()  # fit leaves the last batch's gradients
        root.backward()
        assert point.recorded.data[-1] == pytest.approx(root.data, rel=1e-12)
        weights = {id(p): p.grad for p in model.parameters()}
        graph = alone.watched[-1].recorded.graph
        for node, grad in zip(point.recorded.graph.nodes, point.recorded.grads, strict=True):
            twin = graph.nodes[point.recorded.graph.index(node)]
            if id(twin) in weights:
                assert grad == pytest.approx(weights[id(twin)], rel=1e-9, abs=1e-15)
        assert point.loss == pytest.approx(nn.evaluate(model, (X, Y), loss="cross_entropy"), rel=1e-12)
        assert point.metrics["accuracy"] == pytest.approx(nn.accuracy(model, (X, Y)))


def test_before_training_is_the_untrained_model() -> None:
    _, history = trained(1)
    fresh = nn.MLP(2, [6, 2], seed=0)
    assert history.watched[0].loss == pytest.approx(nn.evaluate(fresh, (X, Y), loss="cross_entropy"), rel=1e-12)


def decode(url: str) -> np.ndarray:
    """A data URL of an 8-bit RGB PNG without interlacing (as the timeline writes) as rows × columns × 3."""
    png = base64.b64decode(url.removeprefix("data:image/png;base64,"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    start = png.index(b"IDAT") + 4
    length = struct.unpack(">I", png[start - 8:start - 4])[0]
    raw = zlib.decompress(png[start:start + length])
    rows = [raw[r * (1 + 3 * width) + 1:(r + 1) * (1 + 3 * width)] for r in range(height)]
    return np.array([list(row) for row in rows], dtype=int).reshape(height, width, 3)


def test_the_boundary_is_the_models_classes_over_the_plane() -> None:
    model, history = trained(2)
    image = decode(history.watched[-1].boundary or "")
    assert image.shape == (RESOLUTION, RESOLUTION, 3)
    assert history.plane is not None
    low_x, high_x, low_y, high_y = history.plane["extent"]
    colours = {}
    for row, column in [(0, 0), (5, 50), (32, 32), (40, 10), (63, 63), (20, 44)]:
        x = low_x + (high_x - low_x) * column / (RESOLUTION - 1)
        y = high_y - (high_y - low_y) * row / (RESOLUTION - 1)  # the top row is the top of the plane
        scores = [v.data for v in model([x, y])]
        colours.setdefault(scores.index(max(scores)), set()).add(tuple(image[row, column]))
    assert all(len(seen) == 1 for seen in colours.values())  # one colour per class
    assert len({next(iter(seen)) for seen in colours.values()}) == len(colours)
    points = history.plane["points"]
    assert len(points) == len(X)
    assert [p[3] for p in points].count(1) == 1  # the watched example is marked


def test_watch_every_records_every_kth_step() -> None:
    _, history = trained(2, watch_every=2)  # 60 samples in batches of 20: 3 steps an epoch
    assert [p.label for p in history.watched] == ["before training", "step 2", "step 4", "step 6"]


@pytest.mark.parametrize(("options", "message"), [
    ({"watch_every": 2}, "watch_every needs watch"),
    ({"watch": X[0]}, "watch must be one example"),
    ({"watch": (X[0], 7)}, "fit: watch"),
    ({"watch": (X[0], Y[0]), "watch_every": 0}, "watch_every"),
])
def test_bad_watch_options_say_what_is_wrong(options: dict[str, object], message: str) -> None:
    model = nn.MLP(2, [3, 2], seed=0)
    with pytest.raises(ValueError, match=message):
        nn.fit(model, (X, Y), loss="cross_entropy", epochs=1, progress=False, **options)  # type: ignore[arg-type]


def test_explore_needs_a_watched_example_and_one_graph() -> None:
    model = nn.MLP(2, [3, 2], seed=0)
    history = nn.fit(model, (X, Y), loss="cross_entropy", epochs=1, progress=False)
    with pytest.raises(ValueError, match="fit watched no example"):
        history.explore()
    _, watched = trained(1)
    other = autograd.record(nn.cross_entropy(nn.MLP(2, [4, 2], seed=0)(X[0]), int(Y[0])))
    watched.watched[0] = type(watched.watched[0])("odd", other, 1.0, {"accuracy": 0.5})
    with pytest.raises(ValueError, match=r"graph at odd .* is not the one at the end"):
        watched.explore()


def test_a_thirty_epoch_moons_timeline_fits_its_budget() -> None:
    X100, Y100 = nn.datasets.moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 2], seed=0)
    history = nn.fit(model, (X100, Y100), loss="cross_entropy", optimizer=nn.optim.Adam(model.parameters(), lr=0.05),
                     epochs=30, batch_size=20, seed=0, metrics=["accuracy"], progress=False, watch=(X100[0], Y100[0]))
    page = history.explore()
    assert len(page.html.encode("utf-8")) <= 5e6
    with pytest.raises(ValueError, match="more than max_bytes=1,000"):
        history.explore(max_bytes=1000)


def test_scrubbing_to_a_point_shows_what_was_recorded_there(browser: Browser, tmp_path: Path) -> None:
    _, history = trained(4)
    path = history.explore().save(tmp_path / "timeline.html")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_function("() => window.chainrule !== undefined")
    assert page.evaluate("chainrule.epoch()") == 4  # it opens at the end
    names = [n["name"] for n in page.evaluate("chainrule.data.nodes")]
    w = names.index("layers.0.neurons.2.w.1")
    page.focus("#epoch")
    page.keyboard.press("Home")
    for k in range(len(history.watched)):
        if k:
            page.keyboard.press("ArrowRight")
        point = history.watched[k]
        assert page.evaluate("chainrule.epoch()") == k
        assert page.inner_text("#epoch-label") == (f"{point.label}, loss {point.loss:.6g}, "
                                                   f"accuracy {point.metrics['accuracy']:.6g}")
        page.evaluate("i => chainrule.select(i, false)", w)
        facts = page.inner_text("#panel-body .facts")
        assert f"grad\t{point.recorded.grads[w]:.6g}" in facts
        assert f"data\t{point.recorded.data[w]:.6g}" in facts
        drawn = page.text_content(f"#v0-n{len(names) - 1}") or ""
        assert f"data {point.recorded.data[-1]:.4g}" in drawn
        assert page.get_attribute("#boundary-image", "src") == point.boundary
    assert errors == []
    assert not math.isnan(history.watched[-1].loss)


def test_a_loss_or_metric_that_is_no_finite_number_is_written_as_the_page_writes_one(browser: Browser,
                                                                                      tmp_path: Path) -> None:
    _, history = trained(2)
    first, second = history.watched[:2]
    history.watched[0] = dataclasses.replace(first, loss=math.inf, metrics={"accuracy": math.nan})
    history.watched[1] = dataclasses.replace(second, loss=math.nan)
    page_data = history.explore().data["timeline"]
    assert page_data["loss"][:2] == ["inf", "nan"]
    assert page_data["metrics"]["accuracy"][0] == "nan"
    path = history.explore().save(tmp_path / "timeline.html")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_function("() => window.chainrule !== undefined")
    page.evaluate("chainrule.showEpoch(0)")
    assert page.inner_text("#epoch-label").startswith(f"{first.label}, loss inf, accuracy ")
    assert errors == []


if __name__ == "__main__":  # remakes docs/timeline.png, notebook 03's timeline at epoch 5:
    # PYTHONPATH=. .venv/bin/python tests/test_timeline.py
    import sys

    X100, Y100 = nn.datasets.moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 2], seed=0)
    history = nn.fit(model, (X100, Y100), loss="cross_entropy", optimizer=nn.optim.Adam(model.parameters(), lr=0.05),
                     epochs=30, batch_size=20, seed=0, metrics=["accuracy"], progress=False, watch=(X100[0], Y100[0]))
    docs = Path(__file__).resolve().parent.parent / "docs"
    saved = history.explore(title="Adam on two moons: one example's graph").save(docs / "timeline-page.html")
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        page = chromium.new_page(viewport={"width": 1500, "height": 900})
        page.goto(saved.as_uri())
        page.wait_for_function("() => window.chainrule !== undefined")
        page.focus("#epoch")
        page.keyboard.press("Home")
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        names = [n["name"] for n in page.evaluate("chainrule.data.nodes")]
        page.evaluate("i => chainrule.select(i, true)", names.index("layers.0.neurons.2.w.1"))
        page.wait_for_timeout(400)
        page.screenshot(path=str(docs / "timeline.png"))
        chromium.close()
    saved.unlink()
    sys.exit(0)
