"""Reverse-mode differentiation: the chain rule, written once.

For each node, from the output back to the inputs, ``grad(parent) += ∂node/∂parent · grad(node)``, with
∂node/∂parent taken from the node's rule. ``chain_rule`` is that loop. It runs over a ``Graph`` and a list of
gradients, one per node, and touches no ``.grad``: ``backward()`` writes its results to ``.grad``, ``grad()``
returns them, and ``autograd.passes.record`` keeps every step of it, through its ``recorder`` hook, for the
readers that show a pass. On floats; on Values when ``create_graph=True``, which records the derivative as a
graph of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from typing import Any

from autograd.errors import AnomalyError
from autograd.graph import Graph, topological_order
from autograd.modes import MODES, enable_grad
from autograd.rules import Rule, UndefinedPartialError, float_of
from autograd.stale import check_fresh, check_fresh_below
from autograd.state import kept_grads, paused_gc
from autograd.validation import as_float
from autograd.value import Value, describe_inputs, input_data, with_context

__all__ = ["Recorder", "backward", "chain_rule", "check_value", "grad", "local_partials", "step_partials",
           "zero_grad"]

Recorder = Callable[[int, int, Any, Sequence[Any], Sequence[tuple[Any, Any]]], None]
"""``recorder(step, node, upstream, partials, grads)``, called by ``chain_rule`` after each op node's step:
the step's number (1 for the root), the node's number, its upstream gradient, its local partials, and for
each edge the parent's gradient (before, after)."""


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
    order = topological_order(check_value(root, "backward"))
    seed = as_float(grad, "backward: grad")
    anomaly = MODES.get().anomaly
    if anomaly:
        check_fresh(order, "backward")
    if not create_graph and not anomaly:
        with kept_grads(order, only_on_error=True):
            for node in order:
                if node._rule is not None:
                    node.grad = 0.0
            order[-1].grad += seed
            _chain_rule_on_floats(order)
        return
    graph = Graph(order)
    grads = [0.0 if node._rule is not None else node.grad for node in order]
    grads[-1] = grads[-1] + seed
    if create_graph and not isinstance(grads[-1], Value):
        grads[-1] = Value(grads[-1])
    chain_rule(graph, grads, create_graph=create_graph)
    for node, g in zip(order, grads, strict=True):
        node.grad = g


def grad(
    output: Value | Callable[..., Any], inputs: Value | Iterable[Value] | Sequence[float], create_graph: bool = False
) -> tuple[Any, ...]:
    """∂output/∂input for each input, as a tuple, leaving every ``.grad`` as it was.

    Floats, or with ``create_graph=True`` Values (for Hessians and Newton steps), every one of them: a
    derivative that is a constant is a leaf, whose own derivative is 0. An input that ``output`` does not
    depend on gets 0. Only the nodes between ``inputs`` and ``output`` are visited, so a partial that does
    not exist elsewhere (∂(a**b)/∂b at a < 0, when only ∂/∂a is asked for) is never needed.

    As ``jacobian`` and ``hessian`` do, ``grad`` also takes a function and the numbers to differentiate it at:
    ``grad(f, [1.0, 2.0])`` is f's gradient there, a float per input.
    """
    if callable(output) and not isinstance(output, Value):
        return _gradient_of_function(output, inputs, create_graph)
    output = check_value(output, "grad")
    wrt = tuple(check_value(x, f"grad: inputs[{i}]")
                for i, x in enumerate((inputs,) if isinstance(inputs, Value) else inputs))
    graph = Graph.of(output)
    if MODES.get().anomaly:
        check_fresh(graph.nodes, "grad")
    between = _depending_on(graph, wrt)
    grads: list[Any] = [0.0] * len(graph)
    grads[-1] = Value(1.0) if create_graph else 1.0
    chain_rule(graph, grads, create_graph=create_graph, needed=between)
    zero = Value(0.0) if create_graph else 0.0
    found = [graph.index(x) if x in between else None for x in wrt]
    return tuple(zero if i is None else grads[i] for i in found)


def _gradient_of_function(f: Callable[..., Any], primals: Any, create_graph: bool) -> tuple[Any, ...]:
    """``grad(f, primals)``: f's gradient at ``primals``, f taking one Value per number and giving one Value."""
    if isinstance(primals, Value | str | bytes) or not isinstance(primals, Sequence) or not primals:
        raise TypeError(f"grad: with a function, give the numbers to differentiate it at, as grad(f, [1.0, 2.0]); "
                        f"got {primals!r}")
    xs = [Value(as_float(p.data if isinstance(p, Value) else p, f"grad: primals[{i}]"), f"x{i}")
          for i, p in enumerate(primals)]
    out = f(*xs)
    if not isinstance(out, Value):
        raise TypeError(f"grad: f must return one Value, got {type(out).__name__} {out!r}; for several outputs, "
                        "use autograd.jacobian")
    return grad(out, xs, create_graph=create_graph)


def _depending_on(graph: Graph, wrt: Sequence[Value]) -> set[Value]:
    """The nodes of ``graph`` that are among ``wrt`` or depend on one of them."""
    reached = set(wrt)
    for node in graph.nodes:
        if any(parent in reached for parent in node.parents):
            reached.add(node)
    return reached & set(graph.nodes)


def zero_grad(root: Value) -> None:
    """Set ``.grad`` to 0.0 on ``root`` and every node it depends on."""
    check_value(root, "zero_grad")
    for node in topological_order(root):
        node.grad = 0.0


def local_partials(node: Value, undefined: float | None = None) -> tuple[float, ...]:
    """∂node/∂parent for each of ``node``'s parents, in order, at the current data: the numbers the
    backward pass multiplies by. A leaf has none. A partial that does not exist here raises
    ``UndefinedPartialError``, or with ``undefined`` (say ``math.nan``) is given as that number.

    Raises ``StaleGraphError`` when the graph below ``node`` no longer agrees with its leaves' data."""
    check_fresh_below(check_value(node, "local_partials"), "local_partials")
    if node._rule is None:
        return ()
    try:
        partials = node._rule.partials(input_data(node.parents), node.data, node._arg)
    except UndefinedPartialError as error:
        if undefined is None:
            raise
        partials = tuple(undefined if p is None else p for p in error.partials)
    return tuple(float(p) for p in partials)


def chain_rule(
    graph: Graph, grads: list[Any], *, create_graph: bool = False, needed: set[Value] | None = None,
    undefined: float | None = None, recorder: Recorder | None = None,
) -> None:
    """The chain rule over ``graph``: in reverse topological order, each op node's gradient ``grads[i]`` is
    passed to its parents, ``grads[parent] += partial × grads[i]``. ``grads`` holds one gradient per node,
    seeded by the caller (the root's, and the leaves' when they accumulate).

    ``needed`` holds the nodes whose gradients are wanted (all when None); the others are not visited, and
    a partial that does not exist matters only for a needed parent. With ``undefined`` (nan, for a drawing),
    such a partial, or a user op's that fails, is that number instead of an error. ``recorder`` is called
    after each step with what it did (see ``Recorder``); under ``detect_anomaly`` each step is checked."""
    nodes = graph.nodes
    parents_of = graph.parents
    check = MODES.get().anomaly
    step = 0
    with paused_gc(), enable_grad() if create_graph else nullcontext():
        for i in range(len(nodes) - 1, -1, -1):
            node = nodes[i]
            rule = node._rule
            if rule is None:
                continue
            step += 1
            if needed is not None and node not in needed:
                continue
            g = grads[i]
            if g == 0.0 and recorder is None and not create_graph:  # nothing to pass on
                continue
            partials = _partials(node, rule, create_graph, step, graph, needed, undefined)
            parents = parents_of[i]
            if recorder is None:
                # strict=False: _partials has checked the count, and zip's strict check costs on every node
                for j, partial in zip(parents, partials, strict=False):
                    grads[j] = grads[j] + partial * g
            else:
                changes = []
                for j, partial in zip(parents, partials, strict=False):
                    before = grads[j]
                    grads[j] = before + partial * g
                    changes.append((before, grads[j]))
                recorder(step, i, g, partials, changes)
            if check:
                _check_finite(node, partials, step, graph, grads, i)


def _chain_rule_on_floats(order: Sequence[Value]) -> None:
    """``chain_rule`` for ``backward()`` on floats, on ``.grad`` itself: the same step, without the list of
    gradients, the parents' numbers or the per-node work of the general loop (step count, ``needed``,
    recording, anomaly checks). A step that fails is taken again by ``_partials``, which raises the general
    loop's error.

    Kept because it is measured to be worth it: ``make bench``'s ``backward_loop`` (backward of a chain of
    2·10⁶ nodes, the walk included) takes 1.3 s here and 5.2 s through ``chain_rule``, whose ``Graph.parents``
    alone costs a third of that (3.4 to 4.1 times, two runs on 2026-12-03); on the 7,342 nodes of micrograd's
    demo step, 6.3 ms against 19.7 ms."""
    with paused_gc():
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
                partials = (rule.partials(input_data(parents), node.data, node._arg) if rule.builtin else
                            _partials(node, rule, False, 0, order))
            except (ArithmeticError, ValueError):
                step = 1 + sum(1 for n in reversed(order[order.index(node) + 1:]) if n._rule is not None)
                partials = _partials(node, rule, False, step, order)
            # strict=False: the rule gives one partial per input, and zip's strict check costs on every node
            for parent, partial in zip(parents, partials, strict=False):
                parent.grad += partial * g


def step_partials(node: Value, step: int, graph: Graph, where: str, needed: set[Value] | None = None
                  ) -> Sequence[float]:
    """Op node ``node``'s local partials as forward mode reads them (``autograd.forward``): the same rows
    and checks as a backward step, an error naming ``where`` and the forward step. A partial that does not
    exist is an error only for a parent in ``needed`` (every parent when None), and 0 for the others."""
    assert node._rule is not None
    return _partials(node, node._rule, False, step, graph, needed, phase=f"{where}: forward step")


def _partials(
    node: Value, rule: Rule, create_graph: bool, step: int, graph: Graph | Sequence[Value],
    needed: set[Value] | None = None, undefined: float | None = None, phase: str = "backward step",
) -> Sequence[Any]:
    """One step's local partials ∂node/∂parent: floats, or Values with ``create_graph`` (the rule applied
    to the parent Values records their graph). A partial that does not exist here is an error only for a
    parent in ``needed`` (every parent when None), and with ``undefined`` is that number; an error says
    which step, op and inputs."""
    parents = node.parents
    try:
        try:
            if create_graph:
                partials = rule.partials(parents, node, node._arg)
            else:
                partials = rule.partials(input_data(parents), node.data, node._arg)
        except UndefinedPartialError as missing:
            if undefined is not None:
                partials = tuple(undefined if p is None else p for p in missing.partials)
            elif needed is None or any(p is None and parent in needed
                                       for parent, p in zip(parents, missing.partials, strict=True)):
                raise
            else:
                partials = tuple(0.0 if p is None else p for p in missing.partials)
        if not rule.builtin:
            partials = _checked(rule, partials, len(parents), create_graph)
    except (ArithmeticError, ValueError, TypeError) as error:
        if undefined is not None:  # a drawing shows what it cannot compute as nan
            return (undefined,) * len(parents)
        if isinstance(error, TypeError):
            raise
        named = graph if isinstance(graph, Graph) else Graph(graph)
        where = describe_inputs(rule, parents, node._arg, named)
        message = f"{phase} {step}, the partials of {where}: {error}"
        raise with_context(error, message) from (None if rule.builtin else error)
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


def _check_finite(node: Value, partials: Sequence[Any], step: int, graph: Graph, grads: list[Any], i: int) -> None:
    rule = node._rule
    assert rule is not None
    for j, partial in zip(graph.parents[i], partials, strict=True):
        numbers = [float_of(partial), float_of(grads[j]), float_of(grads[i])]
        if all(math.isfinite(n) for n in numbers):
            continue
        raise AnomalyError(
            f"backward step {step}: {describe_inputs(rule, node.parents, node._arg, graph)} with upstream gradient "
            f"{float_of(grads[i])!r} gave partial {float_of(partial)!r} and gradient {float_of(grads[j])!r}",
            op=rule.name, inputs=[(graph.name(p), p.data) for p in node.parents], phase="backward", step=step,
        )


def check_value(x: object, where: str) -> Value:
    """``x`` if it is a Value; otherwise a TypeError naming ``where``."""
    if not isinstance(x, Value):
        raise TypeError(f"{where}: expected a Value, got {type(x).__name__} {x!r}")
    return x
