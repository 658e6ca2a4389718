"""Reverse-mode differentiation: the chain rule, written once.

For each node, from the output back to the inputs, ``grad(parent) += ∂node/∂parent · grad(node)``, with
∂node/∂parent taken from the node's rule. On floats for ``backward()``; on Values when
``create_graph=True``, which records the derivative as a graph of its own. ``backward_steps`` runs the same
pass one node at a time and records what each step did.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from autograd.errors import AnomalyError
from autograd.graph import Graph, _kept_grads, _paused_gc, topological_order
from autograd.modes import MODES, enable_grad
from autograd.rules import Rule, UndefinedPartialError, float_of
from autograd.stale import check_fresh, check_fresh_below
from autograd.validation import as_float
from autograd.value import Value, _describe_inputs, _input_data, _with_context

__all__ = ["BackwardStep", "EdgeStep", "backward", "backward_steps", "grad", "local_partials", "zero_grad"]


def backward(root: Value, grad: float = 1.0, create_graph: bool = False) -> None:
    """Set every node's ``.grad`` to ∂root/∂node, scaled by ``grad``.

    Plain ``backward()`` reads the data as it is now; under ``detect_anomaly()`` it first checks that the
    graph still agrees with its leaves' data, and raises ``StaleGraphError`` if a leaf changed after the
    nodes above it were computed.

    Leaves accumulate across calls, as in PyTorch (call ``zero_grad`` between steps); every other node
    holds this pass's value afterwards, so a graph can be shown with its gradients. If the pass fails
    (a partial that does not exist, an anomaly), every ``.grad`` is left as it was before the call.

    With ``create_graph=True`` the gradients are Values that can be differentiated again. As in PyTorch,
    that makes reference cycles (a leaf's ``.grad`` is a graph that refers to the leaf), which Python's
    cyclic garbage collector frees; ``grad(create_graph=True)`` makes none.
    """
    order = topological_order(_check_value(root, "backward"))
    if MODES.get().anomaly:
        check_fresh(order, "backward")
    with _kept_grads(order, only_on_error=True):
        _seed(order, grad, create_graph, "backward")
        _chain_rule(order, create_graph)


def _seed(order: list[Value], grad: float, create_graph: bool, where: str) -> None:
    """The start of a backward pass over ``order``: interior gradients to 0, ``grad`` added to the root's (a
    Value with ``create_graph``, so that every gradient passed on is one)."""
    seed = as_float(grad, f"{where}: grad")
    for node in order:
        if node._rule is not None:
            node.grad = 0.0
    root = order[-1]
    root.grad = root.grad + seed
    if create_graph and not isinstance(root.grad, Value):
        root.grad = Value(root.grad)


def grad(
    output: Value, inputs: Value | Iterable[Value], create_graph: bool = False
) -> tuple[Any, ...]:
    """∂output/∂input for each input, as a tuple, leaving every ``.grad`` as it was.

    Floats, or with ``create_graph=True`` Values (for Hessians and Newton steps), every one of them: a
    derivative that is a constant is a leaf, whose own derivative is 0. An input that ``output`` does not
    depend on gets 0. Only the nodes between ``inputs`` and ``output`` are visited, so a partial that does
    not exist elsewhere (∂(a**b)/∂b at a < 0, when only ∂/∂a is asked for) is never needed.
    """
    _check_value(output, "grad")
    wrt = (inputs,) if isinstance(inputs, Value) else tuple(inputs)
    for i, x in enumerate(wrt):
        _check_value(x, f"grad: inputs[{i}]")
    order = topological_order(output)
    if MODES.get().anomaly:
        check_fresh(order, "grad")
    between = _depending_on(order, wrt)
    with _kept_grads(order):
        for node in order:
            node.grad = 0.0
        _seed(order, 1.0, create_graph, "grad")
        _chain_rule(order, create_graph, needed=between)
        zero = Value(0.0) if create_graph else 0.0
        return tuple(x.grad if x in between else zero for x in wrt)


def _depending_on(order: list[Value], wrt: Sequence[Value]) -> set[Value]:
    """The nodes of ``order`` that are among ``wrt`` or depend on one of them."""
    reached = set(wrt)
    for node in order:
        if any(parent in reached for parent in node.parents):
            reached.add(node)
    return reached & set(order)


def zero_grad(root: Value) -> None:
    """Set ``.grad`` to 0.0 on ``root`` and every node it depends on."""
    _check_value(root, "zero_grad")
    for node in topological_order(root):
        node.grad = 0.0


def local_partials(node: Value, undefined: float | None = None) -> tuple[float, ...]:
    """∂node/∂parent for each of ``node``'s parents, in order, at the current data: the numbers the
    backward pass multiplies by. A leaf has none. A partial that does not exist here raises
    ``UndefinedPartialError``, or with ``undefined`` (say ``math.nan``) is given as that number.

    Raises ``StaleGraphError`` when the graph below ``node`` no longer agrees with its leaves' data."""
    check_fresh_below(_check_value(node, "local_partials"), "local_partials")
    return _local_partials(node, undefined)


def _local_partials(node: Value, undefined: float | None = None) -> tuple[float, ...]:
    """``local_partials`` without the stale check, for readers that have checked the whole graph once."""
    rule = node._rule
    if rule is None:
        return ()
    try:
        partials = rule.partials(_input_data(node.parents), node.data, node._arg)
    except UndefinedPartialError as error:
        if undefined is None:
            raise
        partials = tuple(undefined if p is None else p for p in error.partials)
    return tuple(float(p) for p in partials)


def _chain_rule(order: Sequence[Value], create_graph: bool, needed: set[Value] | None = None) -> None:
    """Push each node's ``.grad`` to its parents, in reverse ``order``: the chain rule. ``needed`` holds
    the nodes whose gradients are wanted (all when None): the others are not visited."""
    check = MODES.get().anomaly
    if not create_graph and needed is None and not check:
        _chain_rule_on_floats(order)
        return
    step = 0
    with _paused_gc(), enable_grad() if create_graph else nullcontext():
        for node in reversed(order):
            rule = node._rule
            if rule is None:
                continue
            step += 1
            if needed is not None and node not in needed:
                continue
            g = node.grad
            if g == 0.0 and not create_graph:  # nothing to pass on
                continue
            partials = _partials(node, rule, create_graph, step, order, needed)
            # strict=False: _partials has checked the count, and zip's strict check costs on every node
            for parent, partial in zip(node.parents, partials, strict=False):
                parent.grad += partial * g
            if check:
                _check_finite(node, partials, step, order)


def _chain_rule_on_floats(order: Sequence[Value]) -> None:
    """``_chain_rule`` for the common case, ``backward()`` on floats: the same step, with the per-node work
    of the general loop (step count, ``needed``, anomaly checks) left out. A step that fails is taken
    again by ``_partials``, which raises the error the general loop would."""
    with _paused_gc():
        for node in reversed(order):
            rule = node._rule
            if rule is None:
                continue
            g = node.grad
            if g == 0.0:  # nothing to pass on
                continue
            parents = node.parents
            try:
                if rule.builtin and len(parents) == 1:
                    parent = parents[0]
                    (partial,) = rule.partials((parent.data,), node.data, node._arg)
                    parent.grad += partial * g
                    continue
                partials = (rule.partials(_input_data(parents), node.data, node._arg) if rule.builtin else
                            _partials(node, rule, False, 0, order))
            except (ArithmeticError, ValueError):
                step = 1 + sum(1 for n in reversed(order[order.index(node) + 1:]) if n._rule is not None)
                partials = _partials(node, rule, False, step, order)
            # strict=False: the rule gives one partial per input, and zip's strict check costs on every node
            for parent, partial in zip(parents, partials, strict=False):
                parent.grad += partial * g


def _partials(
    node: Value, rule: Rule, create_graph: bool, step: int, order: Sequence[Value], needed: set[Value] | None = None,
    undefined: float | None = None,
) -> Sequence[Any]:
    """One step's local partials ∂node/∂parent: floats, or Values with ``create_graph`` (the rule applied
    to the parent Values records their graph). A partial that does not exist here is an error only for a
    parent in ``needed`` (every parent when None); an error says which step, op and inputs."""
    parents = node.parents
    try:
        try:
            if create_graph:
                partials = rule.partials(parents, node, node._arg)
            else:
                partials = rule.partials(_input_data(parents), node.data, node._arg)
        except UndefinedPartialError as missing:
            if undefined is not None:
                partials = tuple(undefined if p is None else p for p in missing.partials)
            elif needed is None or any(p is None and parent in needed
                                       for parent, p in zip(parents, missing.partials, strict=True)):
                raise
            else:
                partials = tuple(0.0 if p is None else p for p in missing.partials)
    except (ArithmeticError, ValueError) as error:
        where = _describe_inputs(rule, parents, node._arg, Graph(order))
        message = f"backward step {step}, the partials of {where}: {error}"
        raise _with_context(error, message) from (None if rule.builtin else error)
    if not rule.builtin:
        partials = _checked(rule, partials, len(parents), create_graph)
    return partials


def _checked(rule: Rule, partials: Any, count: int, create_graph: bool) -> tuple[Any, ...]:
    """A user op's partials as the engine trusts them: one real number per input (a Value or a real number
    under ``create_graph``), each a Python float where it is a number."""
    try:
        items = tuple(partials)
    except TypeError:
        raise TypeError(f"{rule.name}: partials must return one number per input, got {partials!r}") from None
    if len(items) != count:
        raise ValueError(f"{rule.name}: partials returned {len(items)} value(s) for {count} input(s)")
    return tuple(
        p if create_graph and isinstance(p, Value) else as_float(p, f"{rule.name}: the partial for input {i}")
        for i, p in enumerate(items)
    )


@dataclass(frozen=True, slots=True, repr=False)
class EdgeStep:
    """What one step of backward did along one edge: parent.grad += partial × upstream. ``name`` is the
    parent's name in the graph being differentiated."""

    parent: Value
    position: int
    partial: float
    contribution: float
    grad_before: float
    grad_after: float
    name: str = field(default="", compare=False)

    def __repr__(self) -> str:
        return (f"EdgeStep({self.name or self.parent.label or 'input ' + str(self.position)}.grad += "
                f"{self.partial:.6g} × upstream = {self.contribution:.6g}: {self.grad_before:.6g} → "
                f"{self.grad_after:.6g})")


@dataclass(frozen=True, slots=True, repr=False)
class BackwardStep:
    """One node's turn in the backward pass: its upstream gradient ∂root/∂node and what each edge got.
    ``graph`` is the graph being differentiated, which names its nodes."""

    index: int
    node: Value
    upstream: float
    edges: tuple[EdgeStep, ...]
    graph: Graph = field(repr=False, compare=False)

    def __str__(self) -> str:
        name = self.graph.name
        node = self.node
        inputs = ", ".join(name(parent) for parent in node.parents)
        head = f"step {self.index}: {name(node)} = {node.op}({inputs})"
        return f"{head}, ∂root/∂{name(node)} = {self.upstream:.6g}: {'; '.join(self.updates())}"

    def updates(self) -> list[str]:
        """What the step did along each edge, in words: ``w5.grad += 0.59327 × 0.138499 → 0.082167``."""
        name = self.graph.name
        return [f"{name(e.parent)}.grad += {e.partial:.6g} × {self.upstream:.6g} → {e.grad_after:.6g}"
                for e in self.edges]

    def __repr__(self) -> str:
        name = self.graph.name(self.node)
        count = len(self.edges)
        return (f"<BackwardStep {self.index}: {name} = {self.node.op}(...), ∂root/∂{name} = {self.upstream:.6g}, "
                f"{count} edge{'s' if count != 1 else ''}>")

    def _repr_markdown_(self) -> str:
        name = self.graph.name
        node = self.node
        inputs = ", ".join(name(parent) for parent in node.parents)
        rows = [
            f"| {escape_markdown(e.name)} | {e.partial:.6g} | {self.upstream:.6g} | {e.contribution:.6g} | "
            f"{e.grad_before:.6g} → {e.grad_after:.6g} |"
            for e in self.edges
        ]
        return "\n".join([
            f"**Step {self.index}**: `{name(node)} = {node.op}({inputs})`, ∂root/∂{escape_markdown(name(node))} = "
            f"{self.upstream:.6g}",
            "",
            "| input | local partial | × upstream | = contribution | its grad |",
            "|---|---|---|---|---|",
            *rows,
        ]) + "\n"


def escape_markdown(text: str) -> str:
    """``text`` with every character Markdown gives a meaning escaped."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|" else ch for ch in text)


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Run ``backward(root, grad)`` one node at a time, yielding a ``BackwardStep`` for each op node in
    reverse topological order. Exhausting it leaves exactly the gradients ``backward()`` leaves. Raises
    ``StaleGraphError``, before any step, when the graph no longer agrees with its leaves' data."""
    order = topological_order(_check_value(root, "backward_steps"))
    check_fresh(order, "backward_steps")
    return _backward_steps(order, grad)


def _backward_steps(order: list[Value], grad: float = 1.0, undefined: float | None = None) -> Iterator[BackwardStep]:
    """``backward_steps`` over a topological order whose staleness the caller has checked; with ``undefined``
    (nan, for a drawing), a partial that does not exist is that number instead of an error."""
    _seed(order, grad, False, "backward_steps")
    return _steps(order, Graph(order), undefined)


def _steps(order: list[Value], graph: Graph, undefined: float | None = None) -> Iterator[BackwardStep]:
    """The chain rule of ``_chain_rule``, one op node per ``next()``, recording each edge."""
    check = MODES.get().anomaly
    step = 0
    for node in reversed(order):
        rule = node._rule
        if rule is None:
            continue
        step += 1
        g = node.grad
        partials = _partials(node, rule, False, step, order, undefined=undefined)
        edges = []
        for position, (parent, partial) in enumerate(zip(node.parents, partials, strict=True)):
            before = parent.grad
            parent.grad = before + partial * g
            edges.append(EdgeStep(parent, position, partial, partial * g, before, parent.grad, graph.name(parent)))
        if check:
            _check_finite(node, partials, step, order)
        yield BackwardStep(step, node, g, tuple(edges), graph)


def _check_finite(node: Value, partials: Sequence[Any], step: int, order: Sequence[Value]) -> None:
    rule = node._rule
    assert rule is not None
    for parent, partial in zip(node.parents, partials, strict=True):
        numbers = [float_of(partial), float_of(parent.grad), float_of(node.grad)]
        if all(math.isfinite(n) for n in numbers):
            continue
        graph = Graph(order)
        raise AnomalyError(
            f"backward step {step}: {_describe_inputs(rule, node.parents, node._arg, graph)} with upstream gradient "
            f"{float_of(node.grad)!r} gave partial {float_of(partial)!r} and gradient {float_of(parent.grad)!r}",
            op=rule.name, inputs=[(graph.name(p), p.data) for p in node.parents], phase="backward", step=step,
        )


def _check_value(x: object, where: str) -> Value:
    if not isinstance(x, Value):
        raise TypeError(f"{where}: expected a Value, got {type(x).__name__} {x!r}")
    return x
