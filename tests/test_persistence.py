"""Saving and loading models: round trips, corrupt files, atomic writes."""

import json
import os

import pytest

import nn


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


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"class":"Neuron","config":{"nin":1000000000000},"state":{}}', "not a model saved by chainrule"),
        ('{"format":"chainrule.nn","version":1,"class":"Neuron","config":{"nin":1000000000000},"state":{}}',
         "config with 1000000000001 parameters but a state with 0"),
        ('{"format":"chainrule.nn","version":1,"class":"MLP","config":{"nin":1e400,"sizes":[1]},"state":{}}',
         "cannot build: MLP: nin must be a whole number"),
        ('{"format":"chainrule.nn","version":1,"class":"Neuron","config":{"nin":1},"state":{"w.0":1e400,"b":0}}',
         "parameter w.0 must be a finite number, got inf"),
        ('{"format":"chainrule.nn","version":1,"class":"Neuron","config":{"nin":1},"state":{"w.0":"1","b":0}}',
         "parameter w.0 must be a finite number, got '1'"),
        ('{"format":"chainrule.nn","version":1,"class":"Neuron","config":{"nin":"1"},"state":{"w.0":1,"b":0}}',
         "cannot build: Neuron: nin must be a whole number"),
        ('{"format":"chainrule.nn","version":1,"class":"MLP","config":{"nin":2},"state":{}}', "cannot build: 'sizes'"),
        ('{"format":"chainrule.nn","version":1,"class":"Neuron","config":{"nin":1,"extra":2},"state":{"w.0":1,"b":0}}',
         "cannot build: .*unexpected keyword argument 'extra'"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"format":"chainrule.nn","version":' + "9" * 5000 + "}", "not valid JSON"),
    ],
)
def test_every_load_failure_is_a_value_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "hostile.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=f"load: {path}.*{message}"):
        nn.load(path)


def test_load_refuses_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="is a FIFO"):  # at once: opening it to read would wait for a writer
        nn.load(fifo)
    with pytest.raises(ValueError, match="is a directory"):
        nn.load(tmp_path)


def _payload(tmp_path, **changes):
    model = nn.MLP(2, [2, 1], seed=0)
    payload = json.loads(model.save(tmp_path / "m.json").read_text())
    for key, value in changes.items():
        payload[key] = value(payload[key]) if callable(value) else value
    (tmp_path / "bad.json").write_text(json.dumps(payload))
    return tmp_path / "bad.json"


def test_load_reports_arithmetic_failures_as_the_documented_value_error(tmp_path):
    huge = 10**400
    state = _payload(tmp_path, state=lambda s: {**s, next(iter(s)): huge})
    with pytest.raises(ValueError, match=r"is too large for a float \(401 digits\)"):
        nn.load(state)
    config = _payload(tmp_path, config=lambda c: {**c, "nin": huge})
    with pytest.raises(ValueError, match="config with a 401-digit number of parameters"):
        nn.load(config)
    neuron = tmp_path / "neuron.json"
    neuron.write_text(json.dumps({"format": "chainrule.nn", "version": 1, "class": "Neuron",
                                  "config": {"nin": 2, "init": "xavier", "nout_hint": -2},
                                  "state": {"w.0": 0.0, "w.1": 0.0, "b": 0.0}}))
    with pytest.raises(ValueError, match="nout_hint must be a whole number of at least 1, got -2"):
        nn.load(neuron)
    with pytest.raises(ValueError, match="nout_hint"):
        nn.Neuron(2, init="xavier", nout_hint=-2)
