"""The distribution as a user meets it: typed markers, public names and the import-name guard."""

import os
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
