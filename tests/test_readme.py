"""The README's samples that are not doctests: its plain Python blocks and its `chainrule` command lines."""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from autograd import RULES, Value
from nn.cli import _parser

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


def _command_lines():
    return [
        shlex.split(line.split("#")[0])[1:]
        for block in _blocks("sh")
        for line in block.splitlines()
        if line.startswith("chainrule ")
    ]


def test_every_command_line_parses():
    """Each line is a valid command; test_cli.py runs every subcommand with these options."""
    lines = _command_lines()
    assert {line[0] for line in lines} == {"demo", "train", "graph", "explain", "exercise"}
    for args in lines:
        _parser().parse_args(args)


def test_the_graph_line_draws_the_model_the_train_line_saved(tmp_path):
    """The one thing only the README shows: its train line writes the file its graph line reads."""
    lines = _command_lines()
    train = next(line for line in lines if line[0] == "train" and "run" in line)
    graph = next(line for line in lines if line[0] == "graph")
    command = shutil.which("chainrule", path=str(Path(sys.executable).parent)) or "chainrule"
    for args in (train, graph):
        run = subprocess.run([command, *args], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=600)
        assert run.returncode == 0, f"{args}\n{run.stderr}"
    assert (tmp_path / "graph.svg").read_text().lstrip().startswith("<?xml")


def test_the_api_table_lists_every_value_method_of_the_rule_table():
    methods = next(line for line in README.splitlines() if line.startswith("| methods |"))
    for name, rule in RULES.items():
        if rule.builtin and hasattr(Value, name):
            assert f" {name}" in methods or f"`{name}" in methods, name
