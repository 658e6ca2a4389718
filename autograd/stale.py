"""The stale check: whether a graph's recorded numbers are still the numbers of its leaves.

A node's ``data`` is computed once, when the op runs. If a leaf's data changes afterwards (an optimizer
step, ``w.data -= lr * w.grad``), the nodes above it keep their old data, and a reader that showed them
beside the new leaf, or took a partial from the new leaf, would mix two states. PyTorch refuses this case
("a variable needed for gradient computation has been modified"); so does every chainrule reader.

The check needs no state of its own: each op node's forward is run again on its inputs' current data and
must give its recorded data exactly (the rows are deterministic). It costs one forward pass, which readers
pay when they start; plain ``backward()`` does not pay it (``detect_anomaly`` turns it on there too), and
``allow_stale()`` turns it off for a reader that is to show a mix on purpose.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd.errors import StaleGraphError
from autograd.graph import Graph, topological_order
from autograd.modes import MODES
from autograd.rules import UndefinedPartialError
from autograd.value import Value, input_data

__all__ = ["check_fresh", "check_fresh_below"]


def _recomputed(node: Value) -> float | None:
    """What ``node``'s op gives on its inputs' current data, or None where it now fails on them."""
    rule = node._rule
    assert rule is not None
    try:
        return float(rule.forward(input_data(node.parents), node._arg))
    except (ArithmeticError, ValueError, TypeError):
        return None


def _agrees(node: Value, now: float | None = None) -> bool:
    """Whether ``node``'s recorded data is what its op gives now (``now``, computed here when not given)."""
    if now is None:
        now = _recomputed(node)
    recorded = node.data
    return now is not None and (now == recorded or (now != now and recorded != recorded))  # nan agrees with nan


def check_fresh(nodes: Sequence[Value], where: str) -> None:
    """Raise ``StaleGraphError`` naming ``where`` if any op node of ``nodes`` (a topological order) no longer
    agrees with its inputs' data; nothing inside ``allow_stale()``."""
    if MODES.get().stale_ok:
        return
    for node in nodes:
        rule = node._rule
        if rule is not None and rule.deterministic:
            now = _recomputed(node)
            if not _agrees(node, now):
                raise _stale(nodes, node, where, now)


def check_fresh_below(root: Value, where: str) -> None:
    """``check_fresh`` over the graph of ``root``."""
    if not MODES.get().stale_ok:
        check_fresh(topological_order(root), where)


def _stale(nodes: Sequence[Value], node: Value, where: str, current: float | None) -> StaleGraphError:
    """The error for the first node that no longer agrees (its op gives ``current`` now): it names the leaf
    input that changed, or the leaf inputs one of which did when the graph cannot tell which; for a user's op,
    which may draw at random, it blames no leaf for certain, and one that gives another result when run
    again is named as random."""
    graph = Graph(nodes)
    name = graph.name
    leaves = _suspects(nodes, node)
    again = _recomputed(node)
    digits = ".6g" if current is None or f"{current:.6g}" != f"{node.data:.6g}" else ".17g"
    inputs = ", ".join(f"{name(p)} = {p.data:{digits}}" for p in node.parents)
    now = f"gives {current:{digits}}" if current is not None else "cannot be computed"
    rule = node._rule
    assert rule is not None
    if current is not None and again is not None and current != again and not (math.isnan(current) and
                                                                                 math.isnan(again)):
        message = (f"{where}: {name(node)}'s op {rule.name!r} gives another result each time on the same inputs "
                   f"({current!r}, then {again!r}), so the stale check cannot tell whether a leaf changed. Define a "
                   f"random op with define_op(..., deterministic=False), which readers do not run again.")
        return StaleGraphError(message, node=node, leaves=(), recorded=node.data, current=current)
    if not rule.builtin:  # a user's op may draw at random without saying so: blame no leaf for certain
        changed = (f"a leaf input changed after {name(node)} was computed, or its op {rule.name!r} is not "
                   "deterministic (then define it with deterministic=False)")
        leaves = []
    elif len(leaves) == 1:
        changed = f"{name(leaves[0])} changed after {name(node)} was computed"
    elif leaves:
        changed = f"one of its leaf inputs ({', '.join(name(leaf) for leaf in leaves)}) changed after it was computed"
    else:
        changed = "its data was set after it was computed, or its op gives another result on the same inputs"
    message = (
        f"{where}: the graph is stale: {changed}. {name(node)} holds {node.data:{digits}} from the forward pass, but "
        f"{node.op}({inputs}) {now} now, so what this would show mixes numbers from two states. Run the forward "
        "pass again for a graph of the current data (or, to show the mix on purpose, use autograd.allow_stale())."
    )
    return StaleGraphError(message, node=node, leaves=tuple(leaves), recorded=node.data, current=current)


def _suspects(nodes: Sequence[Value], node: Value) -> list[Value]:
    """The leaf inputs of ``node`` that may have changed: all of them, less those that another node reads
    and still agrees with while depending on them (a nonzero partial), which would have changed too."""
    leaves = list(dict.fromkeys(p for p in node.parents if p._rule is None))
    cleared: set[Value] = set()
    for other in nodes:
        if other is node or other._rule is None or not any(p in leaves for p in other.parents):
            continue
        if not _agrees(other):
            continue
        try:
            partials = other._rule.partials(input_data(other.parents), other.data, other._arg)
        except UndefinedPartialError as missing:  # the others still tell
            partials = tuple(0.0 if p is None else p for p in missing.partials)
        except (ArithmeticError, ValueError, TypeError):
            continue
        cleared.update(p for p, d in zip(other.parents, partials, strict=True) if p in leaves and d != 0)
    return [leaf for leaf in leaves if leaf not in cleared] or leaves
