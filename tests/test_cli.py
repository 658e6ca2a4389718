"""The chainrule command: demo, train, graph and explain, and their one-line errors."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import autograd
import nn
import nn.cli

ROOT = Path(__file__).resolve().parent.parent


def _chainrule(*args, cwd=None, env=None):
    command = shutil.which("chainrule", path=str(Path(sys.executable).parent)) or "chainrule"
    environment = None if env is None else {**os.environ, **env}
    return subprocess.run([command, *args], capture_output=True, text=True, check=False, timeout=300, cwd=cwd,
                          env=environment)


def test_demo_shows_the_worked_example_and_trains_on_digits(tmp_path):
    run = _chainrule("demo", "--epochs", "1", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "E_total = 0.298371109" in out
    assert "step 1: E = E_o1 + E_o2" in out
    assert "step 13: net_h1 = w1·i1 + w2·i2 + b1" in out
    assert "∂E/∂w5 = +0.082167041   w5: 0.400000000 → 0.358916480" in out
    assert "After one update E_total = 0.291027774" in out
    assert "test accuracy" in out
    assert "epoch 1/1" in run.stderr  # the progress bar
    assert (tmp_path / "chainrule-out/worked-example.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "chainrule-out/worked-example.png").read_bytes().startswith(b"\x89PNG")


def test_train_writes_model_history_and_curve_then_graph_draws_it(tmp_path):
    run = _chainrule("train", "--dataset", "moons", "--hidden", "8", "--epochs", "3", "--optimizer", "nesterov",
                     "--out", str(tmp_path / "run"), "--seed", "1")
    assert run.returncode == 0, run.stderr
    assert "final: loss" in run.stdout
    assert "val_accuracy" in run.stdout
    model = nn.load(tmp_path / "run/model.json")
    assert model.config()["sizes"] == [8, 2]
    rows = (tmp_path / "run/history.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss,accuracy,val_loss,val_accuracy"
    assert len(rows) == 4
    assert (tmp_path / "run/loss.png").read_bytes().startswith(b"\x89PNG")
    run = _chainrule("graph", str(tmp_path / "run/model.json"), "--out", str(tmp_path / "g.svg"), "--input", "0.5,-1")
    assert run.returncode == 0, run.stderr
    svg = (tmp_path / "g.svg").read_text()
    assert ">layers.0<" in svg
    assert ">layers.1<" in svg
    assert "Σ outputs" in svg


def test_explain_prints_the_derivation():
    run = _chainrule("explain", "w1")
    assert run.returncode == 0, run.stderr
    assert "∂E/∂w1 = 0.0004385677" in run.stdout
    assert "the sum over 2 paths" in run.stdout
    latex = _chainrule("explain", "w5", "--format", "latex").stdout
    assert latex.startswith(r"$$\frac{\partial\,\mathrm{E}}{\partial\,\mathrm{w5}}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["no-such-command"], "invalid choice: 'no-such-command'"),
        (["train", "--dataset", "cifar"], "invalid choice: 'cifar'"),
        (["train", "--lr", "-1"], "--lr must be positive, got -1"),
        (["train", "--hidden", "a,b"], "--hidden takes sizes like 32,16"),
        (["train", "--epochs", "0"], "--epochs must be positive, got 0"),
        (["graph", "/no/such/model.json"], "cannot read /no/such/model.json"),
        (["graph", "README.md"], "README.md is not valid JSON"),
        (["explain", "w9"], "no node 'w9' in the worked example"),
        (["graph", "tests/data/digits-model.json"], "more than --max-nodes 1000; pass --max-nodes"),
        (["graph", "tests/data/digits-model.json", "--input", "1,2,3"], "--input has 3 numbers but the model takes 64"),
        (["train", "--unknown"], "unrecognized arguments: --unknown"),
        (["explain", "w1", "--input", "1"], "--input goes with --model"),
        (["graph", "tests/data/digits-model.json", "--loss", "mse"], "--loss needs --target"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args, message):
    run = _chainrule(*args, cwd=ROOT)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    command = args[0] if args and args[0] in ("demo", "train", "graph", "explain") else None
    assert lines[0].startswith(f"chainrule {command}: error: " if command else "chainrule: error: ")
    assert message in lines[0]


@pytest.mark.parametrize("command", [[], ["demo"], ["train"], ["graph"], ["explain"]])
def test_help_everywhere(command):
    run = _chainrule(*command, "--help")
    assert run.returncode == 0
    assert "usage: chainrule" in run.stdout


def test_explain_of_the_output_itself_shows_its_trivial_path():
    run = _chainrule("explain", "E")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "∂E/∂E = 1: E is the output itself, reached by the empty path, whose product is 1."
    run = _chainrule("explain", "E", "--format", "latex")
    assert run.stdout.strip() == r"$$\frac{\partial\,\mathrm{E}}{\partial\,\mathrm{E}} = 1 = (1) = 1$$"


def test_graph_reports_a_hostile_model_file_in_one_line(tmp_path):
    path = tmp_path / "model.json"
    path.write_text('{"format":"chainrule.nn","version":1,"class":"Neuron","config":{"nin":1000000000000},"state":{}}')
    run = _chainrule("graph", str(path), "--out", str(tmp_path / "g.svg"), "--input", "1")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert "1000000000001 parameters but a state with 0" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "inf"], "--lr must be finite, got inf"),
        (["--lr", "nan"], "--lr must be positive, got nan"),
        (["--hidden", "32,,16"], "--hidden takes sizes like 32,16, got '32,,16'"),
        (["--out", "FILE/sub"], "is a file, not a folder"),
        (["--backend", "cupy"], "train: backend 'cupy' is not installed; pip install cupy-cuda12x"),
        (["--device", "cuda"], "train: the numpy backend runs on the CPU only, got device='cuda'"),
    ],
)
def test_train_checks_its_arguments_before_training(tmp_path, args, message):
    (tmp_path / "FILE").write_text("not a folder")
    run = _chainrule("train", "--epochs", "50", *args, cwd=tmp_path)
    assert run.returncode == 2
    assert message in run.stderr
    assert run.stderr.startswith("chainrule train: error:")
    assert "Training" not in run.stdout


def test_graph_refuses_a_non_finite_input(tmp_path):
    run = _chainrule("graph", "model.json", "--input", "1,inf", cwd=tmp_path)
    assert run.returncode == 2
    assert "--input takes finite numbers" in run.stderr


def _small_model(tmp_path):
    return nn.MLP(2, [3, 2], seed=0).save(tmp_path / "model.json")


def test_graph_takes_a_target_and_a_loss_for_its_root(tmp_path):
    model = _small_model(tmp_path)
    run = _chainrule("graph", str(model), "--input", "0.5,-1", "--target", "1", "--loss", "cross_entropy",
                     "--out", str(tmp_path / "g.dot"))
    assert run.returncode == 0, run.stderr
    dot = (tmp_path / "g.dot").read_text()
    assert dot.startswith("digraph chainrule")
    assert ">cross_entropy<" in dot  # the root is the loss
    assert "Σ outputs" not in dot
    assert "the loss against --target" in _chainrule("graph", "--help").stdout


def test_graph_writes_dot_text_without_graphviz(tmp_path):
    model = _small_model(tmp_path)
    run = _chainrule("graph", str(model), "--format", "dot", "--out", str(tmp_path / "g.txt"),
                     env={"PATH": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "g.txt").read_text().startswith("digraph chainrule")


def test_explain_works_on_a_saved_model(tmp_path):
    model = _small_model(tmp_path)
    loaded = nn.load(model)
    x = [autograd.Value(0.5, "x0"), autograd.Value(-1.0, "x1")]
    loss = nn.mse(loaded(x), [1.0, 0.0])
    loss.backward()
    weight = loaded.parameters()[0]
    run = _chainrule("explain", "layers.0.neurons.0.w.0", "--model", str(model), "--input", "0.5,-1",
                     "--target", "1,0", "--loss", "mse")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"∂mse/∂layers.0.neurons.0.w.0 = {weight.grad:.10g}, the sum over 2 paths")
    run = _chainrule("explain", "nope", "--model", str(model))
    assert run.returncode == 2
    assert "no node 'nope' in the model's graph; choose from " in run.stderr
    assert "(27 in all)" in run.stderr


def test_demo_without_graphviz_costs_only_the_pictures(tmp_path):
    run = _chainrule("demo", "--epochs", "1", "--out", str(tmp_path / "out"), env={"PATH": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    assert "Backward pass" in run.stdout
    assert "After one update E_total = 0.291027774" in run.stdout
    assert "test accuracy" in run.stdout
    hint = [line for line in run.stdout.splitlines() if "apt-get install graphviz" in line]
    assert len(hint) == 1
    assert (tmp_path / "out" / "worked-example.dot").read_text().startswith("digraph chainrule")
    assert not (tmp_path / "out" / "worked-example.svg").exists()


README_ACCURACY = {"xor": 1.0, "moons": 0.95, "spiral": 0.9, "digits": 0.95}
"""The test accuracy the documentation states for each data set with `chainrule train`'s defaults."""


@pytest.mark.parametrize("dataset", sorted(README_ACCURACY))
def test_train_reaches_the_readme_accuracy_with_its_defaults(tmp_path, dataset):
    run = _chainrule("train", "--dataset", dataset, "--quiet", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    history = (tmp_path / "history.csv").read_text().splitlines()
    header, last = history[0].split(","), history[-1].split(",")
    assert int(last[0]) == nn.cli.EPOCHS[dataset]
    assert float(last[header.index("val_accuracy")]) >= README_ACCURACY[dataset]
    page = (ROOT / "docs" / "how-to" / "save-load-cli.md").read_text()
    assert f"| {dataset} | {nn.cli.EPOCHS[dataset]} | {README_ACCURACY[dataset]:.0%} |" in page


@pytest.mark.parametrize(("nin", "nout"), [(2, 1), (1, 2), (2, 3)])
def test_graph_and_explain_unroll_a_saved_rnn_over_the_steps_of_input(tmp_path, nin, nout):
    path = nn.RNN(nin, 2, nout, seed=0).save(tmp_path / "rnn.json")
    steps = ";".join(",".join(f"{0.5 * (t + i):g}" for i in range(nin)) for t in range(3))
    run = _chainrule("graph", str(path), "--out", str(tmp_path / "r.dot"), "--input", steps)
    assert run.returncode == 0, run.stderr
    dot = (tmp_path / "r.dot").read_text()
    assert "t2.y" in dot
    assert "Σ outputs" in dot
    target = ",".join(["1"] * nout)
    run = _chainrule("explain", "t0.h.0", "--model", str(path), "--input", steps, "--target", target)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("∂mse/∂t0.h.0 = ")
    run = _chainrule("graph", str(path), "--out", str(tmp_path / "r.dot"))  # zeros, one step
    assert run.returncode == 0, run.stderr


def test_graph_refuses_input_that_does_not_fit_an_rnn_in_one_line(tmp_path):
    path = nn.RNN(2, 2, 1, seed=0).save(tmp_path / "rnn.json")
    run = _chainrule("graph", str(path), "--input", "0.5;0.2,0.3", "--out", str(tmp_path / "r.dot"))
    assert run.returncode == 2
    assert run.stderr.strip() == "chainrule graph: error: step 0 of --input has 1 numbers but the model takes 2"
    mlp = nn.MLP(2, [2], seed=0).save(tmp_path / "mlp.json")
    run = _chainrule("graph", str(mlp), "--input", "0.5,1;0.2,0.3", "--out", str(tmp_path / "m.dot"))
    assert run.returncode == 2
    assert "--input has 2 steps separated by ';', but a MLP takes one input" in run.stderr


def test_a_saved_model_records_its_loss_and_the_commands_use_it(tmp_path):
    run = _chainrule("train", "--dataset", "xor", "--out", str(tmp_path / "d"), "--quiet")
    assert run.returncode == 0, run.stderr
    model = nn.load(tmp_path / "d/model.json")
    assert model.trained_with == "cross_entropy"
    run = _chainrule("graph", str(tmp_path / "d/model.json"), "--input", "1,0", "--target", "1",
                     "--out", str(tmp_path / "g.svg"))
    assert run.returncode == 0, run.stderr
    assert ">cross_entropy<" in (tmp_path / "g.svg").read_text()
    run = _chainrule("graph", str(tmp_path / "d/model.json"), "--input", "1,0", "--target", "1,0", "--loss", "mse",
                     "--out", str(tmp_path / "m.svg"))
    assert run.returncode == 0, run.stderr
    untrained = nn.MLP(2, [2], seed=0)
    assert untrained.trained_with is None
    assert "loss" not in untrained.save(tmp_path / "u.json").read_text()
    text = (tmp_path / "d/model.json").read_text().replace('"loss": "cross_entropy"', '"loss": 7')
    (tmp_path / "bad.json").write_text(text)
    with pytest.raises(ValueError, match=r"bad\.json has a 'loss' entry that is no loss's name: 7"):
        nn.load(tmp_path / "bad.json")


def test_exercise_without_a_seed_draws_a_new_problem_and_prints_its_seed(tmp_path):
    seeds, pages = [], []
    for k in range(2):
        run = _chainrule("exercise", "--out", str(tmp_path / f"q{k}.html"))
        assert run.returncode == 0, run.stderr
        first = run.stdout.splitlines()[0]
        assert first.startswith("seed ")
        assert first.endswith(")")
        seeds.append(int(first.split()[1]))
        pages.append((tmp_path / f"q{k}.md").read_text())
    assert seeds[0] != seeds[1]
    run = _chainrule("exercise", "--seed", str(seeds[0]), "--out", str(tmp_path / "again.html"))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "again.md").read_text() == pages[0]


@pytest.mark.slow
def test_train_on_torch_saves_the_weights_numpy_gives(tmp_path):
    for backend in ("numpy", "torch"):
        run = _chainrule("train", "--dataset", "xor", "--epochs", "30", "--quiet", "--backend", backend, "--out",
                         str(tmp_path / backend))
        assert run.returncode == 0, run.stderr
    numpy_model, torch_model = (nn.load(tmp_path / backend / "model.json") for backend in ("numpy", "torch"))
    want, got = numpy_model.state_dict(), torch_model.state_dict()
    assert want.keys() == got.keys()
    for name, value in want.items():
        assert got[name] == pytest.approx(value, rel=1e-10, abs=1e-12)
