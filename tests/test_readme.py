"""The README's and the site's samples that are not doctests (those run as doctests of the .md files): their
plain Python blocks and their `chainrule` command lines."""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import RULES, Value
from nn.cli import _parser

REPOSITORY = Path(__file__).resolve().parent.parent
PAGES = [REPOSITORY / "README.md", *sorted(path for path in (REPOSITORY / "docs").rglob("*.md")
                                           if "tutorials" not in path.relative_to(REPOSITORY / "docs").parts)]
"""The README and the site's own pages (the tutorials are the notebooks, run by test_notebooks.py)."""


def _blocks(language, pages=PAGES):
    return [block for page in pages for block in re.findall(rf"```{language}\n(.*?)```", page.read_text(), flags=re.S)]


WITH_PLAIN_PYTHON = [p for p in PAGES if any(not b.lstrip().startswith(">>>") for b in _blocks("python", [p]))]


@pytest.mark.parametrize("page", WITH_PLAIN_PYTHON, ids=lambda p: p.relative_to(REPOSITORY).as_posix())
def test_plain_python_blocks_run(page):
    plain = [block for block in _blocks("python", [page]) if not block.lstrip().startswith(">>>")]
    for block in plain:
        namespace = {}
        exec(compile(block, str(page.relative_to(REPOSITORY)), "exec"), namespace)
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
    """The one thing only the pages show: their train line writes the file their graph line reads."""
    lines = _command_lines()
    train = next(line for line in lines if line[0] == "train" and "run" in line)
    graph = next(line for line in lines if line[0] == "graph")
    command = shutil.which("chainrule", path=str(Path(sys.executable).parent)) or "chainrule"
    for args in (train, graph):
        run = subprocess.run([command, *args], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=600)
        assert run.returncode == 0, f"{args}\n{run.stderr}"
    assert (tmp_path / "graph.svg").read_text().lstrip().startswith("<?xml")


def test_the_api_table_lists_every_value_method_of_the_rule_table():
    table = (REPOSITORY / "docs" / "reference" / "index.md").read_text()
    methods = next(line for line in table.splitlines() if line.startswith("| methods |"))
    for name, rule in RULES.items():
        if rule.builtin and hasattr(Value, name):
            assert f" {name}" in methods or f"`{name}" in methods, name


def test_every_relative_link_of_the_readme_reaches_a_file_on_a_checkout():
    readme = (REPOSITORY / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    assert len(links) > 15
    for link in links:
        assert not link.startswith(("http:", "https:")), link  # the front door works offline
        assert (REPOSITORY / link).is_file(), link


def test_every_picture_of_the_readme_and_the_docs_is_remade_by_the_tests() -> None:
    """`make screenshots` (scripts/remake-screenshots) takes each picture again as the tests take it: every
    picture the README or a page of the docs shows is one it names, made by the test file it names."""
    root = Path(__file__).resolve().parent.parent
    script = (root / "scripts" / "remake-screenshots").read_text("utf-8")
    pages = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    shown = {Path(target).name for page in pages
             for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+\.(?:png|svg))\)", page.read_text("utf-8"))}
    assert {"explorer.png", "exercise.png", "live-explorer.png", "timeline.png", "worked-example.svg"} <= shown
    for name in sorted(shown):
        line = next((line for line in script.splitlines() if f"docs/{name}" in line), None)
        assert line is not None, f"{name} is shown but not remade by scripts/remake-screenshots"
        makers = re.findall(r"tests/\w+\.py", line)
        assert all(name in (root / maker).read_text("utf-8") for maker in makers), (name, makers)
