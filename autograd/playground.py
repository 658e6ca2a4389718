"""What the browser playground runs, in Pyodide or in CPython alike: a learner's code, what it printed, and the
explorer's page of the Value its last line gives, kept live.

``Session.run(code)`` runs ``code`` as a notebook cell does: every statement, then the last line, which must be
an expression giving a Value. That Value's backward pass is recorded (``autograd.passes.record``: every node's
data and ∂root/∂node, each step), so the page shows the numbers the engine computed, whatever ``.grad`` held,
and its explorer page is made with ``layout="browser"`` (no ``dot``: the page lays itself out). The graph is
kept live (``autograd.live.Live``): ``Session.set_value(name, x)`` sets a leaf, and ``Session.answer(request)``
answers the page's own requests (a leaf edited in its panel, a step, a parameter marked), each running the
forward pass and the recorded pass again over the same graph (``autograd.passes.rerun``), with no new layout.
Errors never escape: each call answers ``{"ok": false, "error", "line"}``, the error's last line and the line
of the code it was raised on.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import traceback
from typing import Any

from autograd.examples import problem
from autograd.explore import Explorer, explore
from autograd.live import Live
from autograd.teach import exercise
from autograd.value import Value

__all__ = ["FILENAME", "Session"]

FILENAME = "<playground>"
"""The name the learner's code runs under, by which an error's line is found in its traceback."""


class Session:
    """One learner's code and the live page of the graph its last line gave (see the module's docstring)."""

    def __init__(self) -> None:
        self.live: Live | None = None

    def run(self, code: str) -> str:
        """Run ``code`` and answer as JSON: ``ok``, ``error``, ``line``, ``output``, and for a Value the page's
        ``document`` (``Explorer.document`` with the numbers shown), its ``html`` and its live ``state``. Code
        that sets ``tangents`` (``{"a": 1.0}``: leaf names and their tangents) gets the page of forward mode
        along them beside reverse (``explore(..., tangents=...)``), which is not live."""
        output = io.StringIO()
        self.live = None
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                root, namespace = _evaluate(code)
                if isinstance(root, Explorer):  # a page made by the code itself (a training timeline): as it is
                    page, state = root, None
                else:
                    if root.grad == 0.0:  # no backward() yet: the page shows the gradients all the same
                        root.backward()
                    tangents = namespace.get("tangents")
                    if tangents is None:
                        self.live = Live(root, where="playground", layout="browser")
                        page, state = self.live.explorer, self.live.state()
                    else:
                        page, state = explore(root, layout="browser", start="end", tangents=tangents), None
        except Exception as error:  # a learner's error is shown, and the next run works
            return _failed(error, output.getvalue())
        return _answered(page.document, output.getvalue(), html=page.html, state=state)

    def set_value(self, name: str, value: float) -> str:
        """Set the leaf ``name`` of the last graph to ``value``, run both passes again, and answer as ``run``
        (without the page, whose layout stays)."""
        try:
            live = self._live("setValue")
            live.set_value(name, value)
        except Exception as error:
            return _failed(error)
        return _answered(live.document, state=live.state())

    def exercise(self, seed: int) -> str:
        """A Mazur-style exercise drawn from ``seed`` (``autograd.examples.problem``: the same seed, the same
        problem), as ``run`` answers: its page (``autograd.exercise``, laid out in the page), not live."""
        self.live = None
        try:
            network = problem(seed)
            title = f"{'-'.join(map(str, network.sizes))} {network.activation} network, seed {seed}"
            page = exercise(network.forward(), title=title, layout="browser")
        except Exception as error:
            return _failed(error)
        return _answered(page.document, html=page.html, state=None)

    def answer(self, request: str) -> str:
        """The answer to one of the page's requests (JSON; ``Live.answer``), with the state to send it after a
        change: ``{"reply": ..., "state": ...}``."""
        try:
            live = self._live("playground")
            reply = live.answer(json.loads(request))
        except Exception as error:  # the page always gets an answer
            reply = {"kind": "refused", "message": _described(error)["error"]}
            return json.dumps({"reply": reply, "state": None})
        return json.dumps({"reply": reply, "state": live.state() if reply["kind"] == "done" else None})

    def _live(self, where: str) -> Live:
        if self.live is None:
            raise ValueError(f"{where}: run some code whose last line gives a Value first; there is no live graph")
        return self.live


def _evaluate(code: str) -> tuple[Value | Explorer, dict[str, Any]]:
    """Run ``code``'s statements, then its last line, which must give a Value (or a page the code made); that,
    and the names the code defined."""
    tree = ast.parse(code, FILENAME)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(tree, FILENAME, "exec"), namespace)  # the learner's own code, in the learner's own page
    if last is None:
        raise TypeError("the last line must be an expression that gives a Value, such as E (the loss to explore)")
    root = eval(compile(ast.Expression(last.value), FILENAME, "eval"), namespace)
    if not isinstance(root, Value | Explorer):
        error = TypeError(f"the last line gives {root!r:.80} ({type(root).__name__}); it must give a Value to explore")
        error.add_note(f"line {last.lineno}")
        raise error
    return root, namespace


def _answered(document: dict[str, Any], output: str = "", **more: Any) -> str:
    """A call's answer as JSON when it worked: the page's ``document``, what the code printed, and ``more``."""
    return json.dumps({"ok": True, "error": None, "line": None, "output": output, "document": document, **more})


def _failed(error: BaseException, output: str = "") -> str:
    """A call's answer as JSON when it failed: the error's last line and its line in the code (``_described``)."""
    return json.dumps({"ok": False, **_described(error), "output": output, "document": None})


def _described(error: BaseException) -> dict[str, Any]:
    """An error as the page shows it: its last line, and the line of the learner's code it came from."""
    line = error.lineno if isinstance(error, SyntaxError) and error.filename == FILENAME else None
    for note in getattr(error, "__notes__", ()):
        if note.startswith("line "):
            line = int(note[5:])
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == FILENAME:
            line = frame.lineno
    message = error.msg if isinstance(error, SyntaxError) else str(error)
    return {"error": f"{type(error).__name__}: {message}" if message else type(error).__name__, "line": line}
