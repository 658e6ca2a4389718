"""The notebooks: each runs top to bottom in a fresh kernel, the kernel it names is installed, and its stored
outputs are portable and true (equal to the fresh run's)."""

import copy
import re
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

pytestmark = pytest.mark.notebooks

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
TEXT = ("text/plain", "text/markdown", "text/latex", "text/html")
ADDRESS = re.compile(r" at 0x[0-9a-f]+")
ELAPSED = re.compile(r", \d+\.\d s$", flags=re.M)  # the time in fit's epoch lines
SIZE = re.compile(r"\b\d[\d,]* bytes\b")  # a page's size varies with the numpy and matplotlib that wrote it


def _shown(notebook):
    """Every cell's outputs as text: each stream joined over the cell (where a stream is cut, and how stdout
    and stderr interleave, depend on timing) and the text forms of results; for pictures, only their kind."""
    shown = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        streams: dict[str, str] = {}
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                streams[output.name] = streams.get(output.name, "") + output.text
        shown += sorted(streams.items())
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                continue
            if output.output_type in ("execute_result", "display_data"):
                data = output.get("data", {})
                shown.append(tuple(sorted(data)))
                shown += [(kind, ADDRESS.sub(" at 0x…", data[kind])) for kind in TEXT if kind in data]
            elif output.output_type == "error":
                shown.append(("error", output.ename, output.evalue))
    return [tuple(SIZE.sub("… bytes", ELAPSED.sub(", … s", part)) for part in item) for item in shown]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_kernel_each_notebook_names_is_installed_here(path):
    name = nbformat.read(path, as_version=4).metadata.kernelspec.name
    specs = KernelSpecManager().find_kernel_specs()
    assert name in specs
    assert Path(specs[name]).resolve().is_relative_to(Path(sys.prefix).resolve())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_are_portable_and_equal_a_fresh_run(path):
    stored = nbformat.read(path, as_version=4)
    text = path.read_text()
    for machine_path in ("/work/", "/tmp/", "/root/", "/home/", str(Path(sys.prefix))):
        assert machine_path not in text, f"{path.name} stores the machine path {machine_path}"
    fresh = copy.deepcopy(stored)
    NotebookClient(fresh, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                   ).execute()
    assert _shown(fresh) == _shown(stored), f"{path.name}'s stored outputs differ from a fresh run; re-run it"
