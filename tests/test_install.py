"""The distribution as pip builds and installs it, in scratch virtual environments: the wheel's contents,
the documented install paths, and the two ways the HIPS autograd distribution can break an install."""

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds wheels and virtual environments

ROOT = Path(__file__).resolve().parent.parent


def _run(*args):
    """Run a command from a folder without the checkout in it, so that only what is installed imports."""
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False, timeout=600,
                          cwd=Path(args[0]).parent)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wheel")
    run = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", folder, ROOT)
    assert run.returncode == 0, run.stderr
    (built,) = folder.glob("chainrule-*.whl")
    return built


def _scratch(tmp_path, name):
    folder = tmp_path / name
    venv.create(folder, with_pip=True)
    return folder / "bin" / "python"


def test_the_wheel_holds_the_licence_the_markers_and_the_data(wheel):
    import autograd

    names = set(zipfile.ZipFile(wheel).namelist())
    info = f"chainrule-{autograd.__version__}.dist-info"
    assert {f"{info}/licenses/LICENSE", "autograd/py.typed", "nn/py.typed", "nn/data/digits.csv.gz",
            "nn/data/README.md", "autograd/__init__.py", "nn/cli.py", "autograd/explorer/explorer.js",
            "autograd/explorer/explorer.css", "autograd/explorer/explorer.html",
            "autograd/explorer/svg-pan-zoom.min.js", "autograd/explorer/README.md",
            f"{info}/licenses/autograd/explorer/svg-pan-zoom.LICENSE"} <= names
    assert not any(name.startswith(("tests/", "notebooks/", "benchmarks/")) for name in names)
    metadata = zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode()
    assert "License-Expression: MIT AND BSD-2-Clause" in metadata  # chainrule's, and svg-pan-zoom's
    assert "Classifier: Typing :: Typed" in metadata
    assert "Provides-Extra: testing" in metadata
    assert "Provides-Extra: jupyter" in metadata


def test_no_extras_and_the_testing_extra_install_as_documented(tmp_path, wheel):
    python = _scratch(tmp_path, "plain")
    run = _run(python, "-m", "pip", "install", "--quiet", wheel)
    assert run.returncode == 0, run.stderr
    run = _run(python.parent / "chainrule", "--version")
    assert run.stdout.strip().startswith("chainrule ")
    run = _run(python, "-c", "import autograd.testing")
    assert "autograd.testing needs hypothesis: pip install 'chainrule[testing]'" in run.stderr
    run = _run(python, "-c", "from importlib import resources; "
               "print(resources.files('autograd').joinpath('explorer', 'explorer.js').read_text()[:2])")
    assert run.stdout.strip() == "//", run.stderr  # the explorer's page is built from installed files
    run = _run(python, "-m", "pip", "install", "--quiet", f"chainrule[testing] @ {wheel.as_uri()}")
    assert run.returncode == 0, run.stderr
    run = _run(python, "-c", "from autograd.testing import expressions; import nn; print(nn.__version__)")
    assert run.returncode == 0, run.stderr


def test_both_states_of_the_hips_autograd_collision_say_how_to_repair(tmp_path, wheel):
    python = _scratch(tmp_path, "collision")
    pip = [python, "-m", "pip", "install", "--quiet"]
    assert _run(*pip, wheel).returncode == 0
    assert _run(*pip, "autograd").returncode == 0  # the HIPS distribution, over chainrule's autograd/
    first = _run(python, "-c", "import nn")
    assert "found another package at" in first.stderr
    assert "pip uninstall -y autograd chainrule', then 'pip install chainrule'" in first.stderr
    assert _run(python, "-m", "pip", "uninstall", "-y", "autograd").returncode == 0  # the advice users found
    second = _run(python, "-c", "import nn")
    assert "has lost its __init__.py" in second.stderr
    assert "pip uninstall -y autograd chainrule', then 'pip install chainrule'" in second.stderr
    assert _run(python, "-m", "pip", "uninstall", "-y", "autograd", "chainrule").returncode == 0  # the repair
    assert _run(*pip, wheel).returncode == 0
    repaired = _run(python, "-c", "import nn, autograd; print(autograd.__distribution__)")
    assert repaired.stdout.strip() == "chainrule", repaired.stderr
