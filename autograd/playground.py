"""What the browser playground runs, in Pyodide or in CPython alike: a learner's code, what it printed, and the
numbers of the Value its last line gives, as one JSON document for the page.

``Session.run(code)`` runs ``code`` as a notebook cell does: every statement, then the last line, which must be
an expression giving a Value. That Value's backward pass is recorded (``autograd.passes.record``: every node's
data and ∂root/∂node, each step), so the page shows the numbers the engine computed, whatever ``.grad`` held.
``Session.set_value(name, x)`` sets a leaf and runs the forward pass and the recorded pass again over the same
graph (``autograd.passes.rerun``). Errors never escape: each call answers ``{"ok": false, "error", "line"}``,
the error's last line and the line of the code it was raised on.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import math
import traceback
from typing import Any

from autograd.explore import json_number
from autograd.graph import Graph
from autograd.passes import Pass, node_formula, record, rerun
from autograd.steps import step_lines
from autograd.value import Value

__all__ = ["FILENAME", "Session", "document"]

FILENAME = "<playground>"
"""The name the learner's code runs under, by which an error's line is found in its traceback."""


def document(recorded: Pass) -> dict[str, Any]:
    """The page's numbers for a recorded pass: each node's name, op, inputs (by number), what it computes, data
    and gradient, and each step of backward as ``backward_steps`` writes it."""
    graph = recorded.graph
    return {
        "root": graph.name(graph.nodes[-1]),
        "nodes": [{"name": graph.name(node), "op": node.op, "parents": list(graph.parents[i]),
                   "formula": None if node.is_leaf else node_formula(graph, node),
                   "data": json_number(recorded.data[i]), "grad": json_number(recorded.grads[i])}
                  for i, node in enumerate(graph.nodes)],
        "steps": step_lines(recorded),
    }


class Session:
    """One learner's code and the graph its last line gave (see the module's docstring)."""

    def __init__(self) -> None:
        self.graph: Graph | None = None

    def run(self, code: str) -> str:
        """Run ``code`` and answer as JSON: ``ok``, ``error``, ``line``, ``output`` and ``document``."""
        output = io.StringIO()
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                root = _evaluate(code)
            if root.grad == 0.0:  # no backward() yet: the page shows the gradients all the same
                root.backward()
            self.graph = Graph.of(root)
            shown = document(record(self.graph, undefined=math.nan, where="playground"))
        except Exception as error:  # a learner's error is shown, and the next run works
            return json.dumps({"ok": False, **_described(error), "output": output.getvalue(), "document": None})
        return json.dumps({"ok": True, "error": None, "line": None, "output": output.getvalue(), "document": shown})

    def set_value(self, name: str, value: float) -> str:
        """Set the leaf ``name`` of the last graph to ``value``, run both passes again, and answer as ``run``."""
        try:
            if self.graph is None:
                raise ValueError("setValue: run some code first; there is no graph yet")
            graph = self.graph
            leaves = [node for node in graph.nodes if node.is_leaf and graph.name(node) == name]
            if not leaves:
                raise ValueError(f"setValue: the graph has no leaf named {name!r}")
            shown = document(rerun(graph, {leaves[0]: value}, undefined=math.nan, where="setValue"))
        except Exception as error:
            return json.dumps({"ok": False, **_described(error), "output": "", "document": None})
        return json.dumps({"ok": True, "error": None, "line": None, "output": "", "document": shown})


def _evaluate(code: str) -> Value:
    """Run ``code``'s statements, then its last line, which must give a Value."""
    tree = ast.parse(code, FILENAME)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(tree, FILENAME, "exec"), namespace)  # the learner's own code, in the learner's own page
    if last is None:
        raise TypeError("the last line must be an expression that gives a Value, such as E (the loss to explore)")
    root = eval(compile(ast.Expression(last.value), FILENAME, "eval"), namespace)
    if not isinstance(root, Value):
        error = TypeError(f"the last line gives {root!r:.80} ({type(root).__name__}); it must give a Value to explore")
        error.add_note(f"line {last.lineno}")
        raise error
    return root


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
