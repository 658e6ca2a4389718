"""nn.fit, evaluate and accuracy: learning, batch averaging, progress and argument errors."""

import sys

import pytest

import nn
from nn import datasets


def test_xor_is_learned():
    X, y = datasets.xor()
    model = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=3)
    opt = nn.optim.Adam(model.parameters(), lr=0.1)
    history = nn.fit(model, (X, y), loss="binary_cross_entropy", optimizer=opt, epochs=300, batch_size=4,
                     metrics=["accuracy"], progress=False, seed=0)
    assert history["loss"][-1] < 0.05 < history["loss"][0]
    assert history["accuracy"][-1] == 1.0
    assert [round(model(x).data) for x in X] == [0, 1, 1, 0]


def test_fit_reports_metric_functions_by_name():
    X, y = datasets.xor()

    def squared_error(output, target):
        return (output.data - target) ** 2

    model = nn.MLP(2, [3, 1], output_activation="sigmoid", seed=1)
    history = nn.fit(model, (X, y), loss="mse", epochs=2, batch_size=4, shuffle=False, progress=False,
                     metrics=["accuracy", squared_error], val_data=(X, y))
    assert set(history) == {"loss", "accuracy", "squared_error", "val_loss", "val_accuracy", "val_squared_error"}
    assert history["squared_error"] == pytest.approx(history["loss"])  # one output: the same mean
    assert history["val_squared_error"][-1] == pytest.approx(nn.evaluate(model, (X, y), "mse"))
    assert history["val_accuracy"][-1] == nn.accuracy(model, (X, y))


def test_fit_averages_the_gradient_over_the_batch():
    model = nn.MLP(1, [1], seed=0)
    w, b = model.parameters()
    data = ([[1.0], [3.0]], [0.0, 0.0])
    w0, b0 = w.data, b.data
    nn.fit(model, data, loss="mse", optimizer=nn.optim.SGD(model.parameters(), lr=0.1), batch_size=2,
           shuffle=False, progress=False)
    # loss = mean over the batch of (w·x + b)²; its gradient is the mean of 2(w·x + b)·(x, 1)
    gw = ((w0 + b0) * 2 * 1 + (3 * w0 + b0) * 2 * 3) / 2
    gb = ((w0 + b0) * 2 + (3 * w0 + b0) * 2) / 2
    assert (w.data, b.data) == (pytest.approx(w0 - 0.1 * gw), pytest.approx(b0 - 0.1 * gb))


def test_digits_to_95_percent():
    X, y = datasets.digits()
    Xtr, Xte, ytr, yte = datasets.train_test_split(X, y, test_size=0.2, seed=0)
    model = nn.MLP(64, [32, 10], init="xavier", seed=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    sched = nn.schedulers.ExponentialLR(opt, gamma=0.8)
    history = nn.fit(model, (Xtr, ytr), loss="cross_entropy", optimizer=opt, scheduler=sched, epochs=4,
                     batch_size=16, seed=0, val_data=(Xte, yte), metrics=["accuracy"], progress=False)
    assert history["val_accuracy"][-1] >= 0.95
    assert history["val_accuracy"][-1] == nn.accuracy(model, (Xte, yte))
    assert history["val_loss"][-1] == pytest.approx(nn.evaluate(model, (Xte, yte), "cross_entropy"))
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_fit_writes_one_summary_line_per_epoch_and_no_frames_off_a_terminal(capsys):
    X, y = datasets.xor()
    model = nn.MLP(2, [2, 1], seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=0.05)
    scheduler = nn.schedulers.StepLR(opt, step_size=1, gamma=0.5)
    history = nn.fit(model, (X, y), optimizer=opt, scheduler=scheduler, epochs=3, batch_size=2, progress=True,
                     metrics=["accuracy"], val_data=(X, y))
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3  # stderr is not a terminal here: no bar frames, only the summaries
    assert lines[0].startswith(f"epoch 1/3: loss {history['loss'][0]:.4g}, accuracy ")
    assert f"val_loss {history['val_loss'][0]:.4g}, val_accuracy" in lines[0]
    assert [line.split(", lr ")[1].split(",")[0] for line in lines] == ["0.05", "0.025", "0.0125"]
    assert all(line.endswith(" s") for line in lines)
    nn.fit(nn.MLP(2, [2, 1], seed=0), (X, y), epochs=2, batch_size=2, progress=False)
    assert capsys.readouterr().err == ""


def test_fit_shows_a_moving_bar_on_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    X, y = datasets.xor()
    nn.fit(nn.MLP(2, [2, 1], seed=0), (X, y), epochs=1, batch_size=1, progress=True)
    err = capsys.readouterr().err
    assert "\r" in err  # the bar's frames
    assert "epoch 1/1: loss" in err


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"epochs": 0}, "epochs must be"), ({"batch_size": 0}, "batch_size must be"),
     ({"loss": "l1"}, "unknown loss 'l1'"), ({"metrics": ["f1"]}, "unknown metric .f1.")],
)
def test_fit_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.fit(nn.MLP(2, [1]), datasets.xor(), progress=False, **kwargs)
    with pytest.raises(ValueError, match="data set is empty"):
        nn.fit(nn.MLP(2, [1]), ([], []), progress=False)


def test_fit_scores_the_first_example_of_each_data_set_before_training():
    X, y = datasets.xor()
    model = nn.MLP(2, [3, 2], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="fit: val_data: the first example cannot be scored, so no epoch was run: "
                                         "half_sse: the output has 2 values but the target has 1"):
        nn.fit(model, (X, [[1.0, 0.0]] * 4), loss="half_sse", val_data=(X, [int(t) for t in y]), progress=False)
    with pytest.raises(ValueError, match="fit: the first example cannot be scored"):
        nn.fit(model, (X, y), loss="cross_entropy", metrics=[lambda out, t: 1 / 0], progress=False)
    assert model.state_dict() == before
