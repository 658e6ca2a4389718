"""The distribution as a user meets it: markers, the import-name guard, the command's entry point."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import autograd
import nn

ROOT = Path(__file__).resolve().parent.parent


def test_typed_markers_ship_with_both_packages():
    assert (Path(autograd.__file__).parent / "py.typed").is_file()
    assert (Path(nn.__file__).parent / "py.typed").is_file()


def test_public_names_exist():
    for name in autograd.__all__:
        assert hasattr(autograd, name), name


def test_nn_refuses_a_foreign_autograd(tmp_path):
    fake = tmp_path / "autograd"
    fake.mkdir()
    (fake / "__init__.py").write_text("def grad(f):\n    return f\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    run = subprocess.run(
        [sys.executable, "-c", "import nn"], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )
    assert run.returncode == 1
    assert "ImportError: nn needs chainrule's autograd engine" in run.stderr
    assert str(fake) in run.stderr
    assert "fresh virtual environment" in run.stderr


def _chainrule(*args, cwd=None):
    command = shutil.which("chainrule", path=str(Path(sys.executable).parent)) or "chainrule"
    return subprocess.run([command, *args], capture_output=True, text=True, check=False, timeout=120, cwd=cwd)


def test_demo_command_prints_forward_backward_and_a_passing_gradcheck(tmp_path):
    run = _chainrule("demo", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "o = +0.707107   (tanh)" in out
    assert "∂o/∂n   ∂(tanh(x))/∂x = 1 − tanh²(x) = +0.500000" in out
    assert "∂o/∂w1 = +1.000000" in out
    assert "∂o/∂x1 = -1.500000" in out
    assert "gradcheck: all 5 gradients agree with central differences." in out
    assert (tmp_path / "chainrule-out/neuron.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "chainrule-out/neuron.png").read_bytes().startswith(b"\x89PNG")


def test_command_errors_are_one_line_and_exit_2():
    for args in ([], ["no-such-command"]):
        run = _chainrule(*args)
        assert run.returncode == 2
        assert "Traceback" not in run.stderr
        assert "chainrule: error:" in run.stderr
    assert _chainrule("--help").returncode == 0
