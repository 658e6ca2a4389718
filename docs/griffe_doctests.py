"""A griffe extension for chainrule's reference pages: the docstrings' doctests (``>>>`` and their output, up to a
blank line) are fenced as Python console code, which Markdown would otherwise show as nested quotes."""

from __future__ import annotations

import re
from typing import Any

import griffe

_DOCTEST = re.compile(r"(?m)^(?P<indent>[ \t]*)>>> .*(?:\n(?P=indent)(?!\s*$).*)*")


def fenced(text: str) -> str:
    """``text`` with each doctest block wrapped in a ```` ```pycon ```` fence at its own indentation."""
    def fence(match: re.Match[str]) -> str:
        indent = match.group("indent")
        return f"{indent}```pycon\n{match.group(0)}\n{indent}```"

    return _DOCTEST.sub(fence, text)


class DoctestFences(griffe.Extension):
    """Fence every doctest of every docstring griffe loads."""

    def on_instance(self, *, node: Any, obj: griffe.Object, agent: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fenced(obj.docstring.value)
