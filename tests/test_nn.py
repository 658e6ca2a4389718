"""nn: modules, losses, datasets, training, save and load, and the RNN."""

import gzip
import json
import math
import os
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Value
from autograd.testing import finite_floats
from nn import datasets


def test_mlp_structure_names_and_repr():
    model = nn.MLP(2, [4, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == 4 * 3 + 5 == len(model.parameters())
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert [p.label for p in model.parameters()] == names
    assert repr(model) == "MLP(nin=2, sizes=[4, 1], activation='tanh', output_activation='linear')"
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    assert out.label == "layers.1.neurons.0.net"
    assert out.parents[0].label == "layers.0.neurons.0.w.0" or out.op == "dot"


def test_a_neuron_is_one_dot_node_and_its_activation():
    neuron = nn.Neuron(3, activation="sigmoid", seed=1)
    out = neuron([1.0, 2.0, 3.0])
    assert out.op == "sigmoid"
    (net,) = out.parents
    assert net.op == "dot"
    assert len(net.parents) == 7  # 3 weights, 3 inputs, bias
    assert nn.Neuron(2, activation="linear")([1.0, 1.0]).op == "dot"


@pytest.mark.parametrize("activation", sorted(nn.ACTIVATIONS))
def test_every_activation(activation):
    layer = nn.Layer(2, 3, activation=activation, seed=0)
    outs = layer([0.3, -0.7])
    assert len(outs) == 3
    assert all(math.isfinite(o.data) for o in outs)


def test_seeds_make_models_reproducible_and_inits_differ():
    a, b = nn.MLP(3, [5, 2], seed=7), nn.MLP(3, [5, 2], seed=7)
    assert a.state_dict() == b.state_dict()
    assert nn.MLP(3, [5, 2], seed=8).state_dict() != a.state_dict()
    uniform = nn.MLP(100, [100], init="uniform", seed=0).parameters()
    xavier = nn.MLP(100, [100], init="xavier", seed=0).parameters()
    he = nn.MLP(100, [100], init="he", seed=0).parameters()
    spread = {name: max(abs(p.data) for p in ps) for name, ps in (("u", uniform), ("x", xavier), ("h", he))}
    assert 0.9 < spread["u"] <= 1.0
    assert spread["x"] <= math.sqrt(6 / 200)
    assert 0.3 < spread["h"] < 1.0  # N(0, 2/100): σ ≈ 0.14, max of 10,000 draws ≈ 4σ
    assert all(p.data == 0.0 for name, p in nn.MLP(3, [2], init="he", seed=0).named_parameters() if name.endswith("b"))


def test_weights_can_be_set_exactly():
    neuron = nn.Neuron(2, activation="sigmoid")
    neuron.set_weights([0.15, 0.20], 0.35)
    out = neuron([0.05, 0.10])
    assert out.data == pytest.approx(0.593269992, abs=1e-9)  # out_h1 of the classic worked example
    with pytest.raises(ValueError, match="expected 2 weights"):
        neuron.set_weights([1.0], 0.0)
    with pytest.raises(ValueError, match="b must be a finite number"):
        neuron.set_weights([1.0, 2.0], float("nan"))


def test_zero_grad_and_state_dict():
    model = nn.MLP(2, [3, 1], seed=0)
    out = model([1.0, 2.0])
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    state = model.state_dict()
    other = nn.MLP(2, [3, 1], seed=1)
    other.load_state_dict(state)
    assert other.state_dict() == state


def test_load_state_dict_rejects_mismatches_and_changes_nothing():
    model = nn.MLP(2, [2], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"missing \['layers.0.neurons.1.b'\]"):
        model.load_state_dict({k: v for k, v in before.items() if k != "layers.0.neurons.1.b"})
    with pytest.raises(ValueError, match="unexpected"):
        model.load_state_dict({**before, "extra": 1.0})
    bad = dict(before)
    bad["layers.0.neurons.1.w.1"] = "x"
    with pytest.raises(ValueError, match=r"layers\.0\.neurons\.1\.w\.1 must be a finite number"):
        model.load_state_dict(bad)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.MLP(0, [1]), "nin must be a whole number of at least 1, got 0"),
        (lambda: nn.MLP(2, []), "sizes must be a non-empty list"),
        (lambda: nn.MLP(2, [3, 0]), "each layer size must be"),
        (lambda: nn.MLP(2, [1], activation="swish"), "unknown activation 'swish'"),
        (lambda: nn.MLP(2, [1], init="zeros"), "unknown init 'zeros'"),
        (lambda: nn.MLP(2, [1])([1.0]), "expected 2 inputs, got 1"),
        (lambda: nn.RNN(1, 2, 1)([]), "non-empty sequence"),
    ],
)
def test_bad_arguments_are_named(build, message):
    with pytest.raises(ValueError, match=message):
        build()


# Losses ------------------------------------------------------------------------------------------


def test_losses_closed_forms():
    o = [Value(0.2), Value(0.7)]
    assert nn.mse(o, [0.0, 1.0]).data == pytest.approx((0.04 + 0.09) / 2)
    assert nn.half_sse(o, [0.0, 1.0]).data == pytest.approx(0.5 * 0.04 + 0.5 * 0.09)
    assert nn.mse(Value(3.0), 1.0).data == 4.0
    bce = nn.binary_cross_entropy(o, [0.0, 1.0]).data
    assert bce == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2)
    assert nn.hinge(Value(0.3), -1.0).data == pytest.approx(1.3)
    assert nn.hinge([Value(2.0), Value(0.5)], [1, 1]).data == pytest.approx(0.25)


@given(st.lists(finite_floats(-50, 50), min_size=2, max_size=6), st.data())
def test_cross_entropy_is_stable_and_its_gradient_is_softmax_minus_onehot(zs, data):
    target = data.draw(st.integers(0, len(zs) - 1))
    logits = [Value(z) for z in zs]
    loss = nn.cross_entropy(logits, target)
    m = max(zs)
    lse = m + math.log(math.fsum(math.exp(z - m) for z in zs))
    assert loss.data == pytest.approx(lse - zs[target], rel=1e-9, abs=1e-9)
    loss.backward()
    probs = [math.exp(z - lse) for z in zs]
    for i, z in enumerate(logits):
        assert z.grad == pytest.approx(probs[i] - (1.0 if i == target else 0.0), abs=1e-9)
    soft = nn.softmax(logits)
    assert math.fsum(p.data for p in soft) == pytest.approx(1.0)


def test_softmax_and_cross_entropy_at_extreme_logits():
    big = [Value(1000.0), Value(-1000.0), Value(0.0)]
    assert [p.data for p in nn.softmax(big)] == [1.0, 0.0, 0.0]
    assert nn.cross_entropy(big, 0).data == 0.0
    assert nn.cross_entropy(big, 1).data == 2000.0
    assert nn.cross_entropy(big, [0.0, 0.0, 1.0]).data == pytest.approx(1000.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.mse([Value(1.0)], [1.0, 2.0]), "output has 1 values but the target has 2"),
        (lambda: nn.cross_entropy([Value(1.0), Value(2.0)], 2), "target class 2 is out of range for 2 classes"),
        (lambda: nn.cross_entropy([Value(1.0), Value(2.0)], [0.5, 0.2]), "probabilities that sum to 1"),
        (lambda: nn.cross_entropy([Value(1.0), Value(2.0)], "a"), "class index or a list"),
        (lambda: nn.binary_cross_entropy(Value(0.5), 2.0), r"target 0 must be in \[0, 1\], got 2.0"),
        (lambda: nn.binary_cross_entropy(Value(1.0), 1.0), "must be a probability in"),
        (lambda: nn.hinge(Value(0.5), 0.0), "target 0 must be -1 or \\+1, got 0.0"),
        (lambda: nn.mse(Value(1.0), "a"), "target 0 must be a number"),
    ],
)
def test_loss_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# Datasets ----------------------------------------------------------------------------------------


def test_generated_datasets():
    X, y = datasets.xor()
    assert len(X) == 4
    assert y == [0.0, 1.0, 1.0, 0.0]
    X, y = datasets.moons(50, noise=0.1, seed=0)
    assert len(X) == 50
    assert sorted(set(y)) == [0, 1]
    assert all(len(x) == 2 for x in X)
    assert datasets.moons(50, noise=0.1, seed=0) == (X, y)
    X, y = datasets.spiral(20, classes=3, seed=0)
    assert len(X) == 60
    assert sorted(set(y)) == [0, 1, 2]
    with pytest.raises(ValueError, match="noise must be a non-negative number"):
        datasets.moons(10, noise=-1)


def test_digits_ship_with_the_package():
    X, y = datasets.digits()
    assert (len(X), len(X[0]), len(set(y))) == (1797, 64, 10)
    assert min(min(x) for x in X) == 0.0
    assert max(max(x) for x in X) == 1.0
    raw, _ = datasets.digits(scale=False)
    assert raw[0][:8] == [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]


def test_split_one_hot_and_batches():
    X, y = list(range(10)), [i % 2 for i in range(10)]
    Xtr, Xte, _, yte = datasets.train_test_split(X, y, test_size=0.3, seed=1)
    assert len(Xte) == 3
    assert sorted(Xtr + Xte) == X
    assert all(y[x] == t for x, t in zip(Xte, yte, strict=True))
    assert datasets.one_hot([0, 2], 3) == [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    assert [len(b) for b in datasets.batches(X, 4)] == [4, 4, 2]
    assert sorted(x for batch in datasets.batches(X, 3, shuffle=True, seed=0) for x in batch) == X
    with pytest.raises(ValueError, match="label 3 is out of range for 3 classes"):
        datasets.one_hot([3], 3)
    with pytest.raises(ValueError, match="X has 10 samples but y has 9"):
        datasets.train_test_split(X, y[:-1])


def _write_idx(path, type_code, shape, values, fmt="B"):
    header = bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
    path.write_bytes(header + (bytes(values) if fmt == "B" else struct.pack(f">{len(values)}{fmt}", *values)))


def test_mnist_reads_idx_files(tmp_path):
    _write_idx(tmp_path / "train-images-idx3-ubyte", 0x08, (3, 2, 2), [0, 255, 51, 102] * 3)
    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    _write_idx(tmp_path / "labels.tmp", 0x08, (3,), [7, 1, 0])
    labels.write_bytes(gzip.compress((tmp_path / "labels.tmp").read_bytes()))
    X, y = datasets.mnist(tmp_path)
    assert y == [7, 1, 0]
    assert X[0] == [0.0, 1.0, 0.2, 0.4]
    assert datasets.mnist(tmp_path, limit=2)[1] == [7, 1]
    _write_idx(tmp_path / "floats", 0x0D, (2,), [1.5, -2.0], fmt="f")
    assert datasets.read_idx(tmp_path / "floats") == ((2,), [1.5, -2.0])


def test_mnist_rejects_bad_files(tmp_path):
    images = tmp_path / "train-images-idx3-ubyte"
    images.write_bytes(b"\x00\x00\x08\x03" + struct.pack(">3I", 2, 2, 2) + bytes(5))
    with pytest.raises(ValueError, match=r"should hold 8 values .* but has 5 bytes"):
        datasets.read_idx(images)
    images.write_bytes(b"PK\x03\x04junk")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(images)
    images.write_bytes(b"\x00\x00\x42\x01" + struct.pack(">I", 1) + bytes(1))
    with pytest.raises(ValueError, match="unknown IDX data type 0x42"):
        datasets.read_idx(images)
    images.write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(ValueError, match="damaged gzip"):
        datasets.read_idx(images)
    with pytest.raises(ValueError, match="has no t10k-images-idx3-ubyte"):
        datasets.mnist(tmp_path, split="test")
    _write_idx(images, 0x08, (2, 1, 1), [1, 2])
    _write_idx(tmp_path / "train-labels-idx1-ubyte", 0x08, (3,), [1, 2, 3])
    with pytest.raises(ValueError, match="2 images but 3 labels"):
        datasets.mnist(tmp_path)
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        datasets.mnist(tmp_path, split="validation")


# Training ----------------------------------------------------------------------------------------


def test_xor_is_learned():
    X, y = datasets.xor()
    model = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=3)
    opt = nn.optim.Adam(model.parameters(), lr=0.1)
    history = nn.fit(model, (X, y), loss="binary_cross_entropy", optimizer=opt, epochs=300, batch_size=4,
                     metrics=["accuracy"], progress=False, seed=0)
    assert history["loss"][-1] < 0.05 < history["loss"][0]
    assert history["accuracy"][-1] == 1.0
    assert [round(model(x).data) for x in X] == [0, 1, 1, 0]


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


def test_fit_shows_a_progress_bar_unless_told_not_to(capsys):
    X, y = datasets.xor()
    nn.fit(nn.MLP(2, [2, 1], seed=0), (X, y), epochs=2, batch_size=2, progress=True)
    assert "epoch 2/2" in capsys.readouterr().err
    nn.fit(nn.MLP(2, [2, 1], seed=0), (X, y), epochs=2, batch_size=2, progress=False)
    assert capsys.readouterr().err == ""


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


# Save and load -----------------------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path):
    model = nn.MLP(3, [4, 2], activation="relu", output_activation="sigmoid", seed=5)
    path = model.save(tmp_path / "model.json")
    loaded = nn.load(path)
    assert isinstance(loaded, nn.MLP)
    assert loaded.config() == model.config()
    assert loaded.state_dict() == model.state_dict()
    assert [v.data for v in loaded([0.1, 0.2, 0.3])] == [v.data for v in model([0.1, 0.2, 0.3])]
    assert json.loads(path.read_text())["format"] == "chainrule.nn"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left behind
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
    rnn = nn.RNN(2, 3, 1, seed=0)
    assert nn.load(rnn.save(tmp_path / "rnn.json")).state_dict() == rnn.state_dict()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not valid JSON"),
        ('{"format": "chainrule.nn", "version": 1, "class": "MLP", "conf', "not valid JSON"),
        ("[1, 2]", "not a model saved by chainrule"),
        ('{"format": "chainrule.nn", "version": 9}', "format version 9"),
        ('{"format": "chainrule.nn", "version": 1, "class": "CNN", "config": {}, "state": {}}', "unknown model class"),
        ('{"format": "chainrule.nn", "version": 1, "class": "MLP", "config": {"nin": -1, "sizes": [1]}, "state": {}}',
         "cannot build"),
    ],
)
def test_corrupt_files_are_rejected(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        nn.load(path)


def test_a_bad_file_leaves_the_model_untouched(tmp_path):
    model = nn.MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    good = nn.MLP(2, [2, 1], seed=1).save(tmp_path / "good.json")
    text = good.read_text()
    (tmp_path / "truncated.json").write_text(text[: len(text) // 2])
    payload = json.loads(text)
    payload["state"].pop("layers.1.neurons.0.b")
    (tmp_path / "missing.json").write_text(json.dumps(payload))
    wrong = nn.MLP(2, [3, 1], seed=1).save(tmp_path / "wrong.json")
    for name, message in (("truncated.json", "not valid JSON"), ("missing.json", "missing"),
                          ("wrong.json", "not this MLP"), ("absent.json", "cannot read")):
        with pytest.raises(ValueError, match=message):
            model.load(tmp_path / name)
        assert model.state_dict() == before
    assert wrong.exists()
    model.load(good)
    assert model.state_dict() == nn.MLP(2, [2, 1], seed=1).state_dict()


def test_a_failed_save_keeps_the_old_file(tmp_path):
    path = nn.MLP(2, [1], seed=0).save(tmp_path / "m.json")
    old = path.read_text()
    broken = nn.MLP(2, [1], seed=1)
    broken.parameters()[0].data = float("nan")
    with pytest.raises(ValueError, match="not finite"):
        broken.save(path)
    assert path.read_text() == old
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


# RNN ---------------------------------------------------------------------------------------------


def test_rnn_shares_weights_over_time_and_passes_gradcheck():
    rnn = nn.RNN(1, 2, 1, seed=0)
    sequence = [[0.5], [-0.3], [0.8]]
    before = rnn.parameters()

    def loss(model):
        return autograd.sum([(y - 0.1) ** 2 for y in model(sequence)])

    assert nn.gradcheck_parameters(rnn, loss)
    assert rnn.parameters() == before  # the same objects are back in place


def test_module_gradcheck_names_a_wrong_parameter_gradient():
    model = nn.MLP(2, [2, 1], seed=0)
    half_square = autograd.define_op("half_wrong_square_for_tests", lambda x: x * x, lambda x, out: (x,))
    with pytest.raises(autograd.GradcheckError, match=r"input 0 \(layers.0.neurons.0.w.0\): analytic"):
        nn.gradcheck_parameters(model, lambda m: half_square(m([0.3, -0.2])))
    assert nn.gradcheck_parameters(model, lambda m: m([0.3, -0.2]) ** 2)


def test_rnn_gradient_is_the_sum_over_time_steps():
    rnn = nn.RNN(1, 1, 1, seed=2)
    w_h = rnn.cell.neurons[0].w[1]  # the recurrent weight
    outputs = rnn([[1.0], [0.5], [-0.5]])
    loss = outputs[-1]
    loss.backward()
    total = w_h.grad
    # ∂loss/∂w_h is the sum over the three uses of w_h (one per step) of upstream × h_(t-1).
    uses = [node for node in autograd.topological_order(loss) if node.op == "dot" and w_h in node.parents]
    assert len(uses) == 3
    per_step = [node.grad * node.parents[node.parents.index(w_h) + 2].data for node in uses]
    assert total == pytest.approx(math.fsum(per_step), rel=1e-12)
    assert per_step[0] == 0.0  # h_(-1) = 0


# The worked example ------------------------------------------------------------------------------


def test_worked_example_matches_the_textbook():
    from nn.examples import WorkedExample

    example = WorkedExample()
    total = example.forward()
    assert total.data == pytest.approx(0.298371109, abs=1e-9)
    assert example.nodes["out_h1"].data == pytest.approx(0.593269992, abs=1e-9)
    assert example.outputs() == (pytest.approx(0.75136507, abs=1e-8), pytest.approx(0.772928465, abs=1e-9))
    example.step()
    want = [0.149780716, 0.19956143, 0.24975114, 0.29950229, 0.35891648, 0.408666186, 0.511301270, 0.561370121]
    assert [w.data for w in example.weights] == pytest.approx(want, abs=1e-8)
    assert [example.values[b].data for b in ("b1", "b2")] == [0.35, 0.60]
    # Exact arithmetic (checked with a hand-written float computation) gives 0.2910277737; the textbook's
    # 0.291027924 and its figures after 10,000 steps come from rounded intermediate values.
    assert example.forward().data == pytest.approx(0.29102777369359933, rel=1e-12)
    assert example.forward().data == pytest.approx(0.291027924, abs=2e-7)
    for _ in range(9_999):
        example.step()
    total = example.forward()
    assert total.data == pytest.approx(3.510187782978859e-05, rel=1e-9)
    assert example.outputs() == (pytest.approx(0.01591362044355068, rel=1e-9), pytest.approx(0.9840642735146238))
    assert example.outputs() == (pytest.approx(0.015912196, abs=2e-6), pytest.approx(0.984065734, abs=2e-6))
