"""The distribution as a user meets it: typed markers, public names and the import-name guard."""

import os
import re
import subprocess
import sys
from pathlib import Path

import autograd
import autograd.extend
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


def test_the_engine_imports_neither_graphviz_nor_hypothesis():
    script = "import sys, autograd, nn; print(sorted({'graphviz', 'hypothesis'} & set(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert run.stdout.strip() == "[]"


def test_nn_uses_only_the_public_names_and_the_extension_surface():
    allowed = {"autograd", "autograd.extend", "autograd.examples"}
    for path in (ROOT / "nn").glob("*.py"):
        imported = set(re.findall(r"^(?:from|import) (autograd[\w.]*)", path.read_text(), flags=re.M))
        assert imported <= allowed, (path.name, imported - allowed)
    for name in autograd.extend.__all__:
        assert hasattr(autograd.extend, name), name
