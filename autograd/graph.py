"""Walking the graph: the one traversal that backward, rendering, stepping and explanations share, and
``Graph``, the snapshot of it that gives every node one number and one name in every view."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd.formatting import loosest
from autograd.state import paused_gc

if TYPE_CHECKING:
    from autograd.value import Value

__all__ = ["Graph", "count_nodes", "topological_order"]


_EMIT = object()
"""On ``topological_order``'s stack: the node below is ready to be placed."""


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each once, inputs before the nodes that use them; ``root`` last.

    Iterative depth-first search, so a chain of a million nodes needs no recursion. The order is
    deterministic: a node's leaf inputs come in the order the op lists them, as soon as it is reached.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    # A node is pushed, then _EMIT above it, then its parents: once they are all placed, _EMIT comes off and
    # the node under it is placed. No tuple per node: this loop runs once per node of every graph walked.
    stack: list[Any] = [root]
    push, pop, mark, emit = stack.append, stack.pop, seen.add, order.append
    with paused_gc():
        while stack:
            node = pop()
            if node is _EMIT:
                emit(pop())
                continue
            if node in seen:
                continue
            mark(node)
            push(node)
            push(_EMIT)
            for parent in node.parents:
                if parent not in seen:
                    if parent.parents:
                        push(parent)
                    else:  # a leaf needs nothing before it: place it now
                        mark(parent)
                        emit(parent)
    return order


class Graph:
    """One snapshot of a graph: its nodes in topological order, numbered from 0 (inputs first, the root
    last), each node's parents by their numbers (``parents``), and one name per node, which steps,
    explanations, drawings, pages and error messages all use.

    A node's name is its label; a label that several nodes of the graph share gets the node's number
    (``h#4``), and an unlabelled node is its op and number (``mul#2``, ``leaf#0``). Names are unique: a label
    that equals another node's generated name gets its own number too (``mul#2#7``). Numbers are stable
    within a graph: the same node has the same number in every view of it.
    """

    __slots__ = ("_index", "_names", "_parents", "_spoken", "nodes")

    nodes: Sequence[Value]

    def __init__(self, nodes: Sequence[Value]) -> None:
        self.nodes = nodes
        self._index: dict[Value, int] | None = None
        self._names: list[str] | None = None
        self._parents: tuple[tuple[int, ...], ...] | None = None
        self._spoken: list[tuple[str, str]] | None = None

    @classmethod
    def of(cls, root: Value) -> Graph:
        """The graph of everything ``root`` depends on, ``root`` included."""
        return cls(topological_order(root))

    @classmethod
    def below(cls, inputs: Sequence[Value]) -> Graph:
        """The graph under a node with these ``inputs``, numbered as that node's own graph would be: for a
        node that is still being made, such as one whose forward failed."""
        from autograd.value import Value

        pending = Value(0.0)
        pending.parents = tuple(inputs)
        return cls(topological_order(pending)[:-1])

    def index(self, node: Value) -> int:
        """The number of ``node`` in this graph; KeyError if it is not in it."""
        return self._index_map()[node]

    @property
    def parents(self) -> tuple[tuple[int, ...], ...]:
        """For each node, the numbers of its parents in order, with repeats (``x*x`` gives ``(k, k)``)."""
        if self._parents is None:
            index = self._index_map()
            self._parents = tuple(tuple(index[p] for p in node.parents) for node in self.nodes)
        return self._parents

    def _index_map(self) -> dict[Value, int]:
        if self._index is None:
            self._index = {n: i for i, n in enumerate(self.nodes)}
        return self._index

    def __len__(self) -> int:
        return len(self.nodes)

    def __contains__(self, node: object) -> bool:
        return node in self._index_map()

    def name(self, node: Value) -> str:
        """How every view names ``node``: see the class docstring. A node outside the graph keeps its
        label, or is named by its op."""
        if self._names is None:
            self._names = _names(self.nodes)
        try:
            return self._names[self.index(node)]
        except KeyError:
            return node.label or f"{node.op or 'leaf'} (outside this graph)"

    def expression(self, node: Value) -> str:
        """How a sentence names ``node``: by its name when it is labelled or a leaf, and otherwise by what it
        computes, written in its inputs' expressions (``y − 1``, ``2·x``, ``tanh(a·b)``), or by its name
        when that would be longer than ``LONGEST_EXPRESSION`` characters. Op names (``add_const#12``) stay
        out of the sentences a learner reads; two nodes may share an expression, never a name."""
        return self._expressions(node)[0]

    def operand(self, node: Value) -> str:
        """``expression(node)`` as a part of a longer formula: in parentheses when it is a compound one
        (``(a·b).grad``, ``∂root/∂(y − 1)``)."""
        return self._expressions(node)[1]

    def _expressions(self, node: Value) -> tuple[str, str]:
        if self._spoken is None:
            if self._names is None:
                self._names = _names(self.nodes)
            self._spoken = _spoken(self.nodes, self._names, self.parents)
        try:
            return self._spoken[self.index(node)]
        except KeyError:
            name = self.name(node)
            return name, name


LONGEST_EXPRESSION = 40
"""Characters of an expression that names an unlabelled node in a sentence; past them, its name does."""


def _spoken(nodes: Sequence[Value], names: Sequence[str], parents: Sequence[Sequence[int]]) -> list[tuple[str, str]]:
    spoken: list[tuple[str, str]] = []
    for i, node in enumerate(nodes):
        rule = node.rule
        if node.label or rule is None:
            spoken.append((names[i], names[i]))
            continue
        text = rule.written(len(parents[i]), node.arg, [spoken[p][1] for p in parents[i]],
                            [spoken[p][0] for p in parents[i]])
        if len(text) > LONGEST_EXPRESSION:
            spoken.append((names[i], names[i]))
        else:
            spoken.append((text, text if loosest(text) is None else f"({text})"))
    return spoken


def _names(nodes: Sequence[Value]) -> list[str]:
    """Each node's name, unique in the graph. A name that ends in its node's own number (``mul#2``, ``h#4``)
    is unique by that number; a label kept as it is yields to those (a node labelled ``mul#2`` beside an
    unlabelled ``mul#2`` becomes ``mul#2#7``, by its own number)."""
    shared = Counter(node.label for node in nodes if node.label)
    names = [
        (node.label if shared[node.label] == 1 else f"{node.label}#{i}") if node.label else f"{node.op or 'leaf'}#{i}"
        for i, node in enumerate(nodes)
    ]
    if len(set(names)) == len(names):
        return names
    taken = {name for name, node in zip(names, nodes, strict=True) if name != node.label}
    for i, node in enumerate(nodes):
        name = names[i]
        if name != node.label:
            continue
        while name in taken:
            name = f"{name}#{i}"
        taken.add(name)
        names[i] = name
    return names


def count_nodes(root: Value, stop_after: int | None = None) -> int:
    """How many nodes ``root`` depends on, itself included; with ``stop_after``, the count stops as soon as
    it passes that many, so asking whether a huge graph is small stays cheap."""
    seen: set[Value] = {root}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                if stop_after is not None and len(seen) > stop_after:
                    return len(seen)
                stack.append(parent)
    return len(seen)
