"""Text shared by the readers: a number as every view writes it, Markdown and LaTeX escapes, and how loosely a
formula binds."""

from __future__ import annotations

__all__ = ["escape_markdown", "loosest", "number_text", "tex_name"]


def number_text(x: float, precision: int) -> str:
    """``x`` to ``precision`` significant digits, as Python's ``format(x, ".{precision}g")`` writes it ("nan",
    "inf", "-0", "1e-05"): how the drawings write their numbers. The page's script writes them with
    ``autograd/explorer/numbers.js``; both are checked against ``tests/data/numbers.json``."""
    return format(x, f".{precision}g")


def escape_markdown(text: str) -> str:
    """``text`` with every character Markdown gives a meaning escaped."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|" else ch for ch in text)


_TEX = {"\\": r"\backslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}", "#": r"\#", "$": r"\$",
        "%": r"\%", "&": r"\&", "~": r"\~{}"}


def tex_name(name: str) -> str:
    """A node's name as upright LaTeX text, its special characters escaped."""
    return r"\mathrm{" + "".join(_TEX.get(ch, ch) for ch in name) + "}"


def loosest(formula: str) -> str | None:
    """The loosest operation of ``formula`` outside every bracket: "sum" (``a + b``, ``a − b``), "product"
    (``a·b``, ``a/b``, a leading ``−`` or ``√``, ``a**b``), or None for a name or a function of its
    arguments (``tanh(a·b)``), which never needs brackets around it."""
    depth, product = 0, formula[:1] in ("−", "√", "-")
    for ch in formula:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and ch == " ":
            return "sum"
        elif depth == 0 and ch in "·/*":
            product = True
    return "product" if product else None
