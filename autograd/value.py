"""``Value``: a scalar that records the op that made it, so the chain rule can run backwards over it.

Every op goes through ``apply``, which looks up the op's row in the rule table, runs its forward and
records the node. A node keeps only its inputs (``parents``), its rule and its constant: no closures, so
a graph holds no reference cycles and frees as soon as the last reference to its output goes.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any

from autograd import rules
from autograd.errors import AnomalyError
from autograd.graph import Graph
from autograd.modes import COMPARATORS, COMPARISONS, MODES
from autograd.rules import Rule
from autograd.validation import as_float

__all__ = ["Value", "apply", "as_values", "dot", "logsumexp", "sum"]


def _unary(rule: Rule) -> Callable[[Value], Value]:
    """The Value method that applies the one-input op ``rule``: ``Value.exp`` is ``_unary(rules.EXP)``."""

    def method(self: Value) -> Value:
        return apply(rule, (self,))

    method.__name__ = rule.name
    formula, domain = (rule.fill(text, 1, None, ["self"]) for text in (rule.formula, rule.domain))
    method.__doc__ = f"{formula}: the op {rule.name!r} of ``autograd.RULES``" + (
        f", defined for {domain}." if domain else "."
    )
    return method


class Value:
    """A real number in a computation graph, with the gradient the last backward pass gave it.

    ``data`` is the number (always a float), ``grad`` is ∂output/∂self (0.0 until a backward pass),
    ``label`` is an optional name for displays, ``op`` the name of the op that made it (None for a leaf)
    and ``parents`` its inputs in order, with repeats (``x*x`` has two edges to ``x``).
    """

    __slots__ = ("_arg", "_pickled", "_rule", "data", "grad", "label", "parents")
    __array_ufunc__ = None  # NumPy defers to Value's own operators: np.float64(2) * v is v.__rmul__(2.0)

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)
    label: str | None
    parents: tuple[Value, ...]
    _rule: Rule | None
    _arg: Any
    _pickled: object  # the mark of the last pickling that listed or saved the node: see _Pickling

    def __init__(self, data: float, label: str | None = None) -> None:
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Value: label must be a str or None, got {type(label).__name__} {label!r}")
        _fill(self, data if type(data) is float else as_float(data, "Value"), label, (), None, None)

    @property
    def op(self) -> str | None:
        """The name of the op that made this node (a key of ``autograd.RULES``), or None for a leaf."""
        rule = self._rule
        return None if rule is None else rule.name

    @property
    def rule(self) -> Rule | None:
        """The rule-table row of the op that made this node, or None for a leaf."""
        return self._rule

    @property
    def arg(self) -> Any:
        """The op's constant: ``c`` in ``x + c`` or ``x ** c``, the slope of leaky_relu, n for dot."""
        return self._arg

    @property
    def is_leaf(self) -> bool:
        """True for a node no op made: an input, a parameter, a constant or a detached value."""
        return self._rule is None

    def __repr__(self) -> str:
        parts = [f"data={self.data!r}", f"grad={self.grad!r}"]
        if self._rule is not None:
            parts.append(f"op={self._rule.name!r}")
        if self.label is not None:
            parts.append(f"label={self.label!r}")
        return f"Value({', '.join(parts)})"

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    # Arithmetic. A number on either side becomes the op's constant, not a node of its own.
    def __add__(self, other: Value | float) -> Value:
        if type(other) is float:  # the common case first: no check to make
            return apply(rules.ADD_CONST, (self,), other)
        if isinstance(other, Value):
            return apply(rules.ADD, (self, other))
        return apply(rules.ADD_CONST, (self,), _constant(other, "+"))

    def __radd__(self, other: float) -> Value:
        return apply(rules.ADD_CONST, (self,), _constant(other, "+"))

    def __sub__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return apply(rules.SUB, (self, other))
        return apply(rules.ADD_CONST, (self,), -_constant(other, "-"))

    def __rsub__(self, other: float) -> Value:
        return apply(rules.RSUB_CONST, (self,), _constant(other, "-"))

    def __mul__(self, other: Value | float) -> Value:
        if type(other) is float:
            return apply(rules.MUL_CONST, (self,), other)
        if isinstance(other, Value):
            return apply(rules.MUL, (self, other))
        return apply(rules.MUL_CONST, (self,), _constant(other, "*"))

    def __rmul__(self, other: float) -> Value:
        return apply(rules.MUL_CONST, (self,), _constant(other, "*"))

    def __truediv__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return apply(rules.DIV, (self, other))
        return apply(rules.DIV_CONST, (self,), _constant(other, "/"))

    def __rtruediv__(self, other: float) -> Value:
        return apply(rules.RDIV_CONST, (self,), _constant(other, "/"))

    def __pow__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return apply(rules.POW, (self, other))
        return apply(rules.POW_CONST, (self,), _constant(other, "**"))

    def __rpow__(self, other: float) -> Value:
        return apply(rules.RPOW_CONST, (self,), _constant(other, "**"))

    # Comparisons compare data and give a bool, as for a one-element torch tensor. Inside autograd.trace,
    # each is recorded, and the replay refuses an example for which it comes out otherwise.
    def __lt__(self, other: Value | float) -> bool:
        return _compare(self, "<", other)

    def __le__(self, other: Value | float) -> bool:
        return _compare(self, "<=", other)

    def __gt__(self, other: Value | float) -> bool:
        return _compare(self, ">", other)

    def __ge__(self, other: Value | float) -> bool:
        return _compare(self, ">=", other)

    __neg__ = _unary(rules.NEG)

    def __pos__(self) -> Value:
        return self

    __abs__ = _unary(rules.ABS)

    # Functions: each applies its row of the rule table.
    exp = _unary(rules.EXP)
    log = _unary(rules.LOG)
    sqrt = _unary(rules.SQRT)
    tanh = _unary(rules.TANH)
    sigmoid = _unary(rules.SIGMOID)
    relu = _unary(rules.RELU)
    softplus = _unary(rules.SOFTPLUS)
    sin = _unary(rules.SIN)
    cos = _unary(rules.COS)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """self if self > 0 else slope*self."""
        return apply(rules.LEAKY_RELU, (self,), as_float(slope, "leaky_relu: slope"))

    # Gradients.
    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Run the chain rule from this node: see ``autograd.backward``."""
        from autograd.backprop import backward

        backward(self, grad, create_graph=create_graph)

    # Copies. A graph is copied and pickled node by node in topological order, never by recursion, so a chain
    # of any depth can be; leaves stay objects of their own, so that a model's parameters keep their identity,
    # and a node two pickled Values share comes back as one node (see _Pickling).
    def __reduce__(self) -> tuple[Any, ...]:
        return _PICKLING.reduce(self)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        data, grad, label, parents, rule, arg = state
        _fill(self, data, label, parents, rule, arg)
        self.grad = grad

    def __copy__(self) -> Value:
        twin = _fill(_new(Value), self.data, self.label, self.parents, self._rule, self._arg)
        twin.grad = self.grad
        return twin

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        from autograd.graph import topological_order

        made = []
        for node in topological_order(self):
            if id(node) not in memo:
                twin = _fill(_new(Value), node.data, node.label, tuple(memo[id(p)] for p in node.parents),
                             node._rule, node._arg)
                memo[id(node)] = twin
                made.append((node, twin))
        # Gradients last: after backward(create_graph=True) a leaf's grad is a graph that refers to the leaf.
        for node, twin in made:
            twin.grad = node.grad if type(node.grad) is float else copy.deepcopy(node.grad, memo)
        copied: Value = memo[id(self)]
        return copied

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this node's graph."""
        return Value(self.data, self.label)


class _Pickling:
    """How a Value pickles: as an empty node, then its state (data, grad, label, parents, rule, constant), so
    that pickle's memo gives a node that several pickled objects share one copy, and a cycle (a leaf whose
    grad, after ``backward(create_graph=True)``, is a graph of the leaf) is no recursion.

    Pickle saves a node's parents before the node itself, by recursion: a chain of 10⁵ nodes would overflow
    the stack. So the first node of a graph that is pickled lists, ahead of its own state, every node below
    it that this pickling has not saved yet, in topological order: each of those then finds its parents
    saved already. Each node is marked with the pickling that listed or saved it, so a second Value of the
    same graph (the hidden states of an unrolled RNN, in a list) lists only what is new, and pickling the
    list takes time linear in its graph. A pickling is not told when it ends; a node asked again after it
    was saved shows that a new one has begun (pickle asks each object once). The marks only choose the
    order: whatever they say, every node pickles as its whole state."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _marks(self) -> tuple[object, object]:
        marks: tuple[object, object] | None = getattr(self._local, "marks", None)
        if marks is None:
            marks = self._local.marks = (object(), object())
        return marks

    def reduce(self, node: Value) -> tuple[Any, ...]:
        listed, saved = self._marks()
        mark = getattr(node, "_pickled", None)
        if mark is saved:  # asked again: this is a new pickling
            self._local.marks = None
            listed, saved = self._marks()
        state = (node.data, node.grad, node.label, node.parents, node._rule, node._arg)
        ahead = () if mark is listed or not node.parents else self._unsaved_below(node, listed, saved)
        node._pickled = saved
        return (_empty, (ahead,) if ahead else (), state)

    @staticmethod
    def _unsaved_below(root: Value, listed: object, saved: object) -> list[Value]:
        """The nodes ``root`` depends on that this pickling has not saved, in topological order (marked as
        listed), without walking below a saved node."""
        order: list[Value] = []
        seen: set[Value] = {root}
        stack: list[tuple[Value, bool]] = [(p, False) for p in reversed(root.parents)]
        while stack:
            node, ready = stack.pop()
            if ready:
                node._pickled = listed
                order.append(node)
                continue
            if node in seen or getattr(node, "_pickled", None) is saved:
                continue
            seen.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if p not in seen)
        return order


_PICKLING = _Pickling()


def _empty(ahead: Sequence[Value] = ()) -> Value:
    """A node to be filled by ``Value.__setstate__``; ``ahead`` are the nodes pickled before it (see
    ``_Pickling``)."""
    node: Value = _new(Value)
    return node


def _leaf(data: float, grad: Any, label: str | None) -> Value:
    """A leaf as chainrule 0.1.0 pickled it, so that those pickles still load."""
    node = _fill(_new(Value), data, label, (), None, None)
    node.grad = grad
    return node


def _rebuild(leaves: list[Value], records: list[tuple[Any, ...]]) -> Value:
    """A graph as chainrule 0.1.0 pickled it (leaves, then one record per op node in topological order), so
    that those pickles still load."""
    made: list[Value] = []
    for rule, arg, data, grad, label, parents in records:
        inputs = tuple(leaves[~k] if k < 0 else made[k] for k in parents)
        node = _fill(_new(Value), data, label, inputs, rule, arg)
        node.grad = grad
        made.append(node)
    return made[-1]


def _compare(left: Value, symbol: str, other: Value | float) -> bool:
    right = other.data if isinstance(other, Value) else _constant(other, symbol)
    outcome: bool = COMPARATORS[symbol](left.data, right)
    recorded = COMPARISONS.get()
    if recorded is not None:
        recorded.append((left, symbol, other if isinstance(other, Value) else right, outcome))
    return outcome


def _constant(other: object, symbol: str) -> float:
    if type(other) is float:
        return other
    return as_float(other, f"Value {symbol} {other!r}: the other operand")


def describe_inputs(rule: Rule, parents: Sequence[Value], arg: Any, graph: Graph) -> str:
    """An op and its inputs as error messages show them, each input by its name in ``graph``:
    ``log(p=-1.0)``, ``mul(mul#2=3.0, b=-1.0)``."""
    shown = [f"{graph.name(p)}={p.data!r}" for p in parents]
    if rule.takes_constant:
        shown.append(f"c={arg!r}")
    return f"{rule.name}({', '.join(shown)})"


def input_data(parents: tuple[Value, ...]) -> tuple[float, ...]:
    """The data of a node's inputs, for its forward or its partials. Nodes with one or two inputs, most of
    any graph, skip ``map``'s set-up: 60 against 150 ns."""
    count = len(parents)
    if count == 1:
        return (parents[0].data,)
    if count == 2:
        return (parents[0].data, parents[1].data)
    return tuple(map(_data_of, parents))


def apply(rule: Rule, parents: tuple[Value, ...], arg: Any = None) -> Value:
    """Run ``rule``'s forward on the parents' data and record the node (a leaf under ``no_grad``).

    A domain error (log of 0, division by 0, overflow) is raised again with the op and its inputs.
    """
    try:
        # input_data written out for one input, the most common case: this runs once per node made
        data = rule.forward((parents[0].data,) if len(parents) == 1 else input_data(parents), arg)
    except (ArithmeticError, ValueError) as error:
        graph = Graph.below(parents)
        where = describe_inputs(rule, parents, arg, graph)
        message = f"{where}: {error}{domain_note(rule, parents, arg, graph)}"
        raise with_context(error, message) from (None if rule.builtin else error)
    if not rule.builtin:
        data = as_float(data, f"{rule.name}: the forward function's result")
    modes = MODES.get()
    if modes.anomaly:
        modes.forward_steps[0] += 1
        if not math.isfinite(data):
            graph = Graph.below(parents)
            step = modes.forward_steps[0]
            raise AnomalyError(
                f"forward step {step}: {describe_inputs(rule, parents, arg, graph)} gave {data!r}",
                op=rule.name, inputs=[(graph.name(p), p.data) for p in parents], phase="forward", step=step,
            )
    if modes.grad_enabled:
        return _fill(_new(Value), data, None, parents, rule, arg)
    return _fill(_new(Value), data, None, (), None, None)


def _fill(node: Value, data: float, label: str | None, parents: tuple[Value, ...], rule: Rule | None,
          arg: Any) -> Value:
    """Set every slot of a new node: the one place that lists them, for ``Value()`` and ``apply``. ``apply``
    makes its nodes with ``object.__new__`` and this, not with ``Value()``, which checks its arguments:
    160 against 180 ns a node."""
    node.data = data
    node.grad = 0.0
    node.label = label
    node.parents = parents
    node._rule = rule
    node._arg = arg
    return node


_new = object.__new__
_data_of = attrgetter("data")
"""``_data_of(v)`` is ``v.data``, callable from C (``map(_data_of, values)``)."""


def with_context(error: Exception, message: str) -> Exception:
    """``error`` again, of the same type where that type takes a message, saying which op and inputs."""
    try:
        return type(error)(message)
    except Exception:  # an exception type whose constructor wants more than a message
        return (ArithmeticError if isinstance(error, ArithmeticError) else ValueError)(message)


def domain_note(rule: Rule, parents: Sequence[Value], arg: Any, graph: Graph) -> str:
    if not rule.domain:
        return ""
    names = [graph.name(p) for p in parents]
    return f" ({rule.name} is defined for {rule.fill(rule.domain, len(parents), arg, names)})"


def as_values(items: Iterable[Value | float], where: str) -> list[Value]:
    """``items`` as Values: Values as they are, numbers as new leaves; anything else a TypeError naming
    ``where`` and the element."""
    return [x if isinstance(x, Value) else Value(as_float(x, f"{where}: element {i}")) for i, x in enumerate(items)]


def sum(values: Iterable[Value | float]) -> Value:
    """One node that adds all ``values``, with one edge (partial 1) per input; numbers become leaves."""
    parents = tuple(as_values(values, "sum"))
    if not parents:
        raise ValueError("sum: needs at least one value, got an empty sequence")
    return apply(rules.SUM, parents)


def logsumexp(values: Iterable[Value | float]) -> Value:
    """One node for log Σ exp(xᵢ), computed without overflow (as m + log Σ exp(xᵢ − m), m = max xᵢ), with
    one edge per input: ∂/∂xᵢ = exp(xᵢ)/Σ exp(xⱼ), the softmax. Numbers become leaves."""
    parents = tuple(as_values(values, "logsumexp"))
    if not parents:
        raise ValueError("logsumexp: needs at least one value, got an empty sequence")
    return apply(rules.LOGSUMEXP, parents)


def dot(ws: Sequence[Value | float], xs: Sequence[Value | float], bias: Value | float | None = None) -> Value:
    """One node for w·x + b (a neuron's pre-activation), with one edge per weight, input and bias.

    ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ and ∂/∂b = 1. Numbers among the inputs become leaves.
    """
    w, x = as_values(ws, "dot: ws"), as_values(xs, "dot: xs")
    if len(w) != len(x):
        raise ValueError(f"dot: ws and xs must have the same length, got {len(w)} and {len(x)}")
    if not w:
        raise ValueError("dot: needs at least one weight, got empty ws and xs")
    tail = [] if bias is None else as_values([bias], "dot: bias")
    return apply(rules.DOT, (*w, *x, *tail), len(w))
