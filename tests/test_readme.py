"""The README's samples that are not doctests: its plain Python blocks and its `chainrule` command lines."""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_plain_python_blocks_run():
    plain = [block for block in _blocks("python") if not block.lstrip().startswith(">>>")]
    assert plain, "the README has no plain Python block; is this test still needed?"
    for block in plain:
        namespace = {}
        exec(compile(block, "README.md", "exec"), namespace)
        tests = [fn for name, fn in namespace.items() if name.startswith("test_") and callable(fn)]
        for test in tests:
            test()


def test_command_lines_run(tmp_path):
    lines = [
        line.split("#")[0].strip()
        for block in _blocks("sh")
        for line in block.splitlines()
        if line.startswith("chainrule ")
    ]
    assert len(lines) >= 4
    command = shutil.which("chainrule", path=str(Path(sys.executable).parent)) or "chainrule"
    for line in lines:
        run = subprocess.run([command, *shlex.split(line)[1:]], cwd=tmp_path, capture_output=True, text=True,
                             check=False, timeout=600)
        assert run.returncode == 0, f"{line}\n{run.stderr}"
    assert (tmp_path / "run/model.json").is_file()
    assert (tmp_path / "graph.svg").is_file()
