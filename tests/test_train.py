"""nn.fit, evaluate and accuracy: learning, batch averaging, progress and argument errors."""

import sys

import numpy as np
import pytest

import autograd
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


# The replay: fit, evaluate and accuracy over arrays ----------------------------------------------------


def _fit_digits(batched, optimizer=nn.optim.Adam, **kwargs):
    X, y = datasets.digits()
    Xtr, Xte, ytr, yte = datasets.train_test_split(X, y, test_size=0.2, seed=0)
    model = nn.MLP(64, [32, 10], init="xavier", seed=0)
    opt = optimizer(model.parameters(), lr=0.01)
    history = nn.fit(model, (Xtr, ytr), loss="cross_entropy", optimizer=opt, epochs=1, batch_size=16, seed=0,
                     val_data=(Xte, yte), metrics=["accuracy"], progress=False, batched=batched, **kwargs)
    return model, opt, history


@pytest.mark.parametrize("optimizer", [nn.optim.Adam, nn.optim.SGD])
def test_fit_replayed_and_on_values_give_the_same_weights_after_an_epoch_of_digits(fit_backend, optimizer):
    replayed, opt_r, history_r = _fit_digits(None, optimizer, backend=fit_backend)
    scalar, opt_s, history_s = _fit_digits(False, optimizer)
    got, want = replayed.state_dict(), scalar.state_dict()
    assert max(abs(got[k] - want[k]) for k in want) < 1e-9
    for key, series in history_s.items():
        assert history_r[key] == pytest.approx(series, rel=1e-9), key
    for p, q in zip(replayed.parameters(), scalar.parameters(), strict=True):
        assert type(p.data) is float
        assert p.grad == pytest.approx(q.grad, rel=1e-7, abs=1e-12)  # the last batch's gradients
    state_r, state_s = opt_r.state_dict()["state"], opt_s.state_dict()["state"]
    assert state_r.keys() == state_s.keys()
    assert state_r[7] == pytest.approx(state_s[7], rel=1e-7, abs=1e-12)


@pytest.mark.parametrize("optimizer", [
    lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.9),
    lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda ps: nn.optim.RMSprop(ps, lr=0.01, momentum=0.5), lambda ps: nn.optim.Adadelta(ps),
], ids=["momentum", "nesterov", "rmsprop-momentum", "adadelta"])
def test_an_optimizer_with_state_replays_the_values_path_over_epochs(fit_backend, optimizer):
    """The replay writes each batch's gradients into one vector; an optimizer's state that kept a view of it
    (momentum's first buffer is the gradient itself) would change with the next batch."""
    X, y = datasets.digits()
    weights, losses = {}, {}
    for batched in (True, False):
        model = nn.MLP(64, [16, 10], seed=0)
        history = nn.fit(model, (X[:320], y[:320]), loss="cross_entropy", optimizer=optimizer(model.parameters()),
                         epochs=3, batch_size=32, seed=0, progress=False, batched=batched,
                         backend=fit_backend if batched else "numpy")
        weights[batched], losses[batched] = model.state_dict(), history["loss"]
    assert losses[True] == pytest.approx(losses[False], rel=1e-9)
    for name, value in weights[False].items():
        assert weights[True][name] == pytest.approx(value, rel=1e-8, abs=1e-11), name


def test_training_goes_on_from_a_replayed_fit_on_values_and_back(fit_backend):
    model, opt, _ = _fit_digits(True, backend=fit_backend)
    X, y = datasets.digits()
    nn.fit(model, (X[:64], y[:64]), loss="cross_entropy", optimizer=opt, batch_size=16, progress=False,
           batched=False)
    nn.fit(model, (X[:64], y[:64]), loss="cross_entropy", optimizer=opt, batch_size=16, progress=False,
           batched=True, backend=fit_backend)
    assert all(len(opt.state[p]) == 3 and opt.state[p]["step"] == 90 + 4 + 4 for p in model.parameters())


def test_evaluate_and_accuracy_replay_to_the_same_numbers(fit_backend):
    model, _, _ = _fit_digits(True, backend=fit_backend)
    X, y = datasets.digits()
    assert nn.evaluate(model, (X, y), "cross_entropy", backend=fit_backend) == pytest.approx(
        nn.evaluate(model, (X, y), "cross_entropy", batched=False), rel=1e-12)
    assert nn.accuracy(model, (X, y), backend=fit_backend) == nn.accuracy(model, (X, y), batched=False)
    pairs = list(zip(X[:50], y[:50], strict=True))
    assert nn.accuracy(model, pairs, batched=True, backend=fit_backend) == nn.accuracy(model, pairs, batched=False)
    hinge = nn.MLP(2, [3, 1], seed=0)
    moons = datasets.moons(40, seed=0)
    signs = (moons[0], 2.0 * moons[1] - 1)
    assert nn.evaluate(hinge, signs, "hinge", batched=True, backend=fit_backend) == pytest.approx(
        nn.evaluate(hinge, signs, "hinge", batched=False), rel=1e-12)
    assert nn.accuracy(hinge, signs, batched=True, backend=fit_backend) == nn.accuracy(hinge, signs, batched=False)


def test_batched_true_explains_why_a_model_cannot_be_replayed():
    rnn = nn.RNN(1, 2, 1, seed=0)
    sequences = ([[[0.5], [0.2]], [[0.1], [0.3]]], [0.0, 1.0])
    with pytest.raises(ValueError, match="fit: batched=True, but the model cannot be traced and replayed: the inputs "
                                         "must be a table"):
        nn.fit(rnn, sequences, loss=lambda out, t: nn.mse(out[-1], t), progress=False, batched=True)
    with pytest.raises(ValueError, match="evaluate: batched=True, but the model cannot be traced and replayed: the "
                                         "model is a function"):
        nn.evaluate(lambda x: x[0], ([[1.0]], [1.0]), batched=True)
    model = nn.MLP(2, [2, 1], seed=0)
    frozen = nn.optim.SGD([model.parameters()[0], nn.MLP(1, [1]).parameters()[0]], lr=0.1)
    with pytest.raises(ValueError, match=r"optimizer cannot step arrays: .* is not among the ones stepped"):
        nn.fit(model, datasets.xor(), optimizer=frozen, progress=False, batched=True)
    with pytest.raises(ValueError, match="batched must be None, True or False"):
        nn.fit(model, datasets.xor(), progress=False, batched="yes")


def test_a_replayed_custom_loss_equals_the_scalar_path(fit_backend):
    def l1(output, target):
        return abs(output - target)

    X, y = datasets.moons(30, seed=1)
    weights = {}
    for batched in (True, False):
        model = nn.MLP(2, [4, 1], seed=0)
        nn.fit(model, (X, y), loss=l1, epochs=2, batch_size=8, seed=0, progress=False, batched=batched,
               backend=fit_backend if batched else "numpy")
        weights[batched] = model.state_dict()
    assert weights[True] == pytest.approx(weights[False], rel=1e-9, abs=1e-12)


def test_the_replay_checks_every_target_before_training(fit_backend):
    X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    model = nn.MLP(2, [2, 1], output_activation="sigmoid", seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"fit: example 2: binary_cross_entropy: the target must be in \[0, 1\], "
                                         "got 1.5"):
        nn.fit(model, (X, [0.0, 1.0, 1.5]), loss="binary_cross_entropy", progress=False, backend=fit_backend)
    with pytest.raises(ValueError, match="fit: example 1: cross_entropy: target class 4 is out of range for 2 classes"):
        nn.fit(nn.MLP(2, [2]), (X, [0, 4, 1]), loss="cross_entropy", progress=False, backend=fit_backend)
    assert model.state_dict() == before


def test_numbers_from_arrays_enter_values_as_python_floats():
    X, y = datasets.digits()
    model = nn.MLP(64, [3, 2], seed=0)
    out = model(X[0].astype(np.float32))
    assert all(type(v.data) is float for v in out)
    leaves = [n for n in autograd.topological_order(out[0]) if n.is_leaf]
    assert all(type(n.data) is float for n in leaves)
    assert nn.cross_entropy(out, y[0] % 2).data == pytest.approx(nn.cross_entropy(out, int(y[0]) % 2).data)


def test_the_replay_refuses_an_input_that_is_not_a_finite_number(fit_backend):
    X = np.array([[0.0, 1.0], [np.nan, 0.0], [1.0, 1.0]])
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match=r"fit: example 1 has an input that is not a finite number: \[nan, 0.0\]"):
        nn.fit(model, (X, [0.0, 1.0, 1.0]), progress=False, backend=fit_backend)


def test_a_replayed_fit_scores_validation_it_cannot_replay_on_the_weights_it_has_reached(fit_backend):
    X, y = datasets.xor()
    model = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=3)
    as_leaves = [([autograd.Value(float(v)) for v in x], float(t)) for x, t in zip(X, y, strict=True)]  # not replayable
    history = nn.fit(model, (X, y), loss="mse", epochs=20, batch_size=4, val_data=as_leaves, metrics=["accuracy"],
                     progress=False, seed=0, backend=fit_backend)
    assert history["val_loss"][-1] == pytest.approx(nn.evaluate(model, (X, y), "mse"), rel=1e-12)
    assert history["val_loss"][-1] != history["val_loss"][0]
    assert history["val_accuracy"][-1] == nn.accuracy(model, (X, y))


def test_one_accuracy_for_one_sample_and_for_rows():
    assert nn.train.correct(autograd.Value(0.7), 1.0)
    assert not nn.train.correct([autograd.Value(0.2)], [1.0])
    outputs = [autograd.Value(0.1), autograd.Value(0.9), autograd.Value(0.3)]
    assert nn.train.correct(outputs, 1)
    assert nn.train.correct(outputs, [0.0, 1.0, 0.0])
    assert not nn.train.correct(outputs, np.array([1.0, 0.0, 0.0]))
    rows = np.array([[0.1, 0.9, 0.3], [0.8, 0.1, 0.1]])
    assert nn.train.correct_rows(rows, [1, 1], 0.5).tolist() == [True, False]
    with pytest.raises(ValueError, match=r"correct: with 3 outputs the target must be a class index or a one-hot row"):
        nn.train.correct(outputs, [0.0, 1.0])


from hypothesis import given  # noqa: E402  (the tests above need none)
from hypothesis import strategies as st  # noqa: E402


@given(st.integers(1, 4).flatmap(lambda k: st.tuples(
    st.lists(st.floats(-3, 3), min_size=k, max_size=k), st.integers(0, k - 1), st.sampled_from([0.0, 0.5]),
    st.sampled_from(["index", "one-hot", "row"]))))
def test_correct_on_floats_is_correct_rows_of_one_sample(case: tuple[list[float], int, float, str]) -> None:
    """correct (one sample, on floats, no NumPy: the scalar path where NumPy cannot be had) and correct_rows
    (a batch of NumPy rows) are one rule."""
    row, k, cut, form = case
    if len(row) == 1:
        target: object = [float(k)] if form == "row" else float(k)
    else:
        target = k if form == "index" else [1.0 if j == k else 0.0 for j in range(len(row))]
    values = [autograd.Value(x) for x in row]
    by_rows = bool(nn.train.correct_rows(np.array([row]), [target], cut)[0])
    assert nn.train.correct(values if len(row) > 1 else values[0], target, cut) == by_rows
