"""Text shared by the readers that write Markdown and LaTeX."""

from __future__ import annotations

__all__ = ["escape_markdown", "tex_name"]


def escape_markdown(text: str) -> str:
    """``text`` with every character Markdown gives a meaning escaped."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|" else ch for ch in text)


_TEX = {"\\": r"\backslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}", "#": r"\#", "$": r"\$",
        "%": r"\%", "&": r"\&", "~": r"\~{}"}


def tex_name(name: str) -> str:
    """A node's name as upright LaTeX text, its special characters escaped."""
    return r"\mathrm{" + "".join(_TEX.get(ch, ch) for ch in name) + "}"
