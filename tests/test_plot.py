"""nn.plot: each figure rendered to PNG with the Agg backend, and what it draws checked."""

import matplotlib

matplotlib.use("Agg")

import pytest

import nn
import nn.plot
from nn import datasets


def _png(figure, path):
    figure.savefig(path, dpi=60)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 2_000
    return data


@pytest.fixture(scope="module")
def trained():
    X, y = datasets.moons(60, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 2], seed=0)
    h = nn.fit(model, (X, y), loss="cross_entropy", optimizer=nn.optim.Adam(model.parameters(), lr=0.05),
               epochs=5, batch_size=10, seed=0, metrics=["accuracy"], val_data=(X[:20], y[:20]), progress=False)
    return model, X, y, h


def test_history_draws_losses_and_metrics_over_whole_epochs(tmp_path, trained):
    _, _, _, h = trained
    figure = nn.plot.history(h)
    _png(figure, tmp_path / "history.png")
    left, right = figure.axes
    assert [line.get_label() for line in left.get_lines()] == ["loss", "val_loss"]
    assert [line.get_label() for line in right.get_lines()] == ["accuracy", "val_accuracy"]
    assert list(left.get_lines()[0].get_ydata()) == h["loss"]
    ticks = [t for t in left.get_xticks() if 1 <= t <= 5]
    assert ticks
    assert all(float(t).is_integer() for t in ticks)
    with pytest.raises(ValueError, match="at least one epoch"):
        nn.plot.history({"loss": []})


def test_decision_boundary_shades_the_plane_and_draws_every_sample(tmp_path, trained):
    model, X, y, _ = trained
    figure = nn.plot.decision_boundary(model, X, y, resolution=30)
    _png(figure, tmp_path / "boundary.png")
    (axes,) = figure.axes
    (points,) = axes.collections[-1:]
    assert len(points.get_offsets()) == len(X)
    with pytest.raises(ValueError, match="needs 2-D data"):
        nn.plot.decision_boundary(model, [[1.0, 2.0, 3.0]], [0])


def test_confusion_matrix_counts_every_prediction(tmp_path, trained):
    model, X, y, _ = trained
    figure = nn.plot.confusion_matrix(model, (X, y))
    _png(figure, tmp_path / "confusion.png")
    (axes,) = figure.axes
    counts = [int(text.get_text()) for text in axes.texts]
    assert len(counts) == 4
    assert sum(counts) == len(X)
    assert counts[0] + counts[3] == round(nn.accuracy(model, (X, y)) * len(X))


def test_optimizer_paths_draws_each_path_over_the_contours(tmp_path):
    paths = {"a": [(-1.0, 2.0), (0.0, 1.0), (1.0, 1.0)], "b": [(-1.0, 2.0), (-0.5, 0.5)]}
    figure = nn.plot.optimizer_paths(paths, lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
                                     bounds=(-2, 2, -1, 3), minimum=(1, 1))
    _png(figure, tmp_path / "paths.png")
    (axes,) = figure.axes
    assert [line.get_label() for line in axes.get_lines()][:2] == ["a", "b"]
    assert axes.collections  # the contour lines
    assert axes.get_xlim() == (-2, 2)
