"""MkDocs hooks for chainrule's site: the pages written from the package itself (the rule table, the command's
help), and a site that loads nothing from elsewhere (MathJax copied in, no script from another address)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

RULE_TABLE = "<!-- the rule table -->"
COMMAND_HELP = "<!-- chainrule --help -->"
EXTERNAL_SCRIPT = re.compile(
    r"""<script\b[^>]*\bsrc=["']https?://[^"']*["'][^>]*>\s*</script>"""  # a script from another address
    r"""|<script\b[^>]*>(?:(?!</script>).)*?\bimport\(\s*["']https?://(?:(?!</script>).)*</script>""",  # or one
    re.S,  # that imports one (nbconvert's mermaid loader)
)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Write the generated parts of a page where its markers are."""
    if RULE_TABLE in markdown:
        markdown = markdown.replace(RULE_TABLE, rule_table())
    if COMMAND_HELP in markdown:
        markdown = markdown.replace(COMMAND_HELP, command_help())
    return markdown


def on_post_page(output: str, page: Any, config: Any) -> str:
    """Drop the scripts a notebook page would load from a CDN (nbconvert's mermaid loader, which the notebooks
    here never need): the site is read offline."""
    return EXTERNAL_SCRIPT.sub("", output)


def on_post_build(config: Any) -> None:
    """Copy MathJax (from the jupyter-server-mathjax package) into the site, for the notebooks' formulas, and
    build the playground into it (scripts/build-playground), which the start page links."""
    root = Path(config["config_file_path"]).parent
    subprocess.run([str(root / "scripts" / "build-playground"), str(Path(config["site_dir"]) / "playground")],
                   check=True, env={**os.environ, "PYTHON": sys.executable}, stdout=subprocess.DEVNULL)
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or spec.origin is None:
        raise RuntimeError("the site needs jupyter-server-mathjax for the notebooks' formulas: pip install "
                           "'chainrule[docs]'")
    source = Path(spec.origin).parent / "static"
    target = Path(config["site_dir"]) / "assets" / "mathjax"
    shutil.copytree(source, target, dirs_exist_ok=True)
    local = target / "config" / "local"
    local.mkdir(parents=True, exist_ok=True)
    (local / "chainrule.js").write_text(MATHJAX_FONTS, encoding="utf-8")


MATHJAX_FONTS = """MathJax.Hub.Config({
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  SVG: {font: "STIX-Web"}
});
MathJax.Ajax.loadComplete("[MathJax]/config/local/chainrule.js");
"""
"""The fonts jupyter-server-mathjax ships (STIX-Web), which MathJax would otherwise look for as TeX fonts that
are not there: the site's MathJax configuration ``local/chainrule``, after ``TeX-AMS-MML_HTMLorMML-full``."""


def _cell(text: str) -> str:
    """Text as a table's cell writes it: a pipe ends a cell and a star starts emphasis (a**b)."""
    return text.replace("|", "\\|").replace("*", "\\*")


def rule_table() -> str:
    """Every built-in row of the rule table: the op, what it computes, each partial in words, and where it is
    defined, written by the rows themselves (``Rule.explain_each``)."""
    from autograd.rules import RULES

    examples = {"sum": (3, None), "dot": (3, 1), "logsumexp": (2, None), "max": (2, None)}  # n inputs, constant
    lines = ["| op | computes | local partials ∂out/∂input | defined for |", "|---|---|---|---|"]
    for name, rule in RULES.items():
        if not rule.builtin:
            continue
        n, arg = examples.get(name, (rule.arity or 1, "c" if rule.takes_constant or "{c}" in rule.formula else None))
        partials = "; ".join(rule.explain_each(n, arg))
        computes = rule.written(n, arg, list(rule.input_names(n, arg)))
        domain = rule.fill(rule.domain, n, arg) if rule.domain else "every real input"
        lines.append(f"| `{name}` | {_cell(computes)} | {_cell(partials)} | {_cell(domain)} |")
    return "\n".join(lines)


def command_help() -> str:
    """``chainrule --help`` and each command's ``--help``, as the command prints them at 100 columns."""
    os.environ["COLUMNS"] = "100"
    from nn.cli import _parser

    parser = _parser()
    commands = next(action for action in parser._actions if action.dest == "command").choices
    blocks = [f"```text\n$ chainrule --help\n{parser.format_help()}```"]
    for name, command in commands.items():
        blocks.append(f"## chainrule {name}\n\n```text\n$ chainrule {name} --help\n{command.format_help()}```")
    return "\n\n".join(blocks)
