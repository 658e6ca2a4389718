"""scripts/gpu-check, the replay's checks and benchmark on a GPU: here, where there is none, it says so and
exits 2; run on the CPU's torch (its dry run), it runs the backend tests and prints the epoch's table."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "gpu-check"


def test_without_a_gpu_it_says_why_and_exits_2():
    run = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 2
    assert "gpu-check: no GPU backend on this machine, so nothing to check:" in run.stderr
    assert "sees no CUDA device (torch.cuda.is_available() is False)" in run.stderr
    assert "CuPy is not installed (pip install cupy-cuda12x)" in run.stderr


@pytest.mark.slow
def test_its_dry_run_on_the_cpu_runs_the_checks_and_the_benchmark():
    run = subprocess.run([sys.executable, str(SCRIPT), "--backends", "torch:cpu", "--quick"], capture_output=True,
                         text=True, check=False, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "tests/test_backends.py -k torch_on_cpu" in run.stdout
    assert " passed, " in run.stdout
    assert " failed" not in run.stdout
    for row in ("| NumPy by hand | ", "| replay on numpy, float64 | ", "| replay on torch:cpu, float64 | ",
                "| replay on torch:cpu, float32 | "):
        assert row in run.stdout
