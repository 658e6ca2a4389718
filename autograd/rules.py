"""The one table of derivative rules.

Each row names an op and gives its forward and its local partial derivatives ∂out/∂input_i, one per
input. Both are written with plain arithmetic and the generic functions below, so the same row serves
every reader:

- ``backward()`` calls it with floats;
- ``backward(create_graph=True)`` and ``grad(create_graph=True)`` call it with Values, which records a
  graph of the derivative itself (that is how higher-order derivatives come for free);
- it runs element-wise on NumPy arrays, branches included, for a whole batch at once;
- rendering and explanations show the numbers and the words (``Rule.explain``).

A partial never multiplies by the upstream gradient: the chain rule is written once, in backprop.py.
Adding an op is one row here (for users: ``autograd.define_op``).
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from autograd.arrays import any_array, arrays_like, is_array, namespace, np, where
from autograd.formatting import loosest
from autograd.validation import is_real

__all__ = [
    "RULES",
    "Batched",
    "Rule",
    "UndefinedPartialError",
    "cos",
    "everywhere",
    "exp",
    "float_of",
    "log",
    "register",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
]

Forward = Callable[[tuple[Any, ...], Any], Any]
"""``forward(xs, arg) -> float``: the op on its inputs' data (floats, or arrays for a replay) and its constant
argument (or None)."""

Partials = Callable[[tuple[Any, ...], Any, Any], Sequence[Any]]
"""``partials(xs, out, arg) -> (∂out/∂x0, ∂out/∂x1, ...)`` on floats, or on Values for higher order."""


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float)


def _function(name: str, scalar: Callable[[float], float], array: Callable[[Any], Any], doc: str) -> Callable[[Any], Any]:
    """A function of a float, a Value or an array: ``scalar`` (from math) for numbers, ``array`` element-wise
    for a NumPy array or another library's (``autograd.arrays.namespace``), and the Value method ``name`` for
    Values, which records the op. Floats, the engine's hot path, are tried first."""

    def function(x: Any) -> Any:
        if type(x) is float or _is_number(x):
            return scalar(x)
        if any_array(x):
            return array(x)
        return getattr(x, name)()

    function.__name__ = name
    function.__doc__ = doc
    return function


exp = _function("exp", math.exp, lambda x: namespace(x).exp(x), "e**x of a float, a Value or an array.")
log = _function("log", math.log, lambda x: namespace(x).log(x), "The natural logarithm of a float, a Value or an array.")
sqrt = _function("sqrt", math.sqrt, lambda x: namespace(x).sqrt(x), "The square root of a float, a Value or an array.")
sin = _function("sin", math.sin, lambda x: namespace(x).sin(x), "The sine of a float, a Value or an array.")
cos = _function("cos", math.cos, lambda x: namespace(x).cos(x), "The cosine of a float, a Value or an array.")
tanh = _function("tanh", math.tanh, lambda x: namespace(x).tanh(x), "The hyperbolic tangent of a float, a Value or an array.")


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x: Any) -> Any:
    xp = namespace(x)
    if xp is np and x.dtype.char == "d" and x.size and x.min() > -700.0:
        out = np.negative(x)  # 1/(1 + e**-x) in four passes over one new array, where e**-x cannot overflow
        np.exp(out, out=out)
        out += 1.0
        return np.divide(1.0, out, out=out)
    e = xp.exp(-xp.abs(x))  # never overflows; then the branch of each sign, as for a float: 1/(1+e) or e/(1+e)
    return where(x >= 0, 1.0, e) / (1.0 + e)


sigmoid = _function(
    "sigmoid", _sigmoid, _sigmoid_array,
    "The logistic sigmoid 1/(1+e**-x) of a float, a Value or an array, without overflow for any finite x.",
)


def _softplus(x: Any) -> Any:
    if type(x) is not float and any_array(x):
        xp = namespace(x)
        return xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(x, xp.zeros_like(x))
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def _relu(x: Any) -> Any:
    return max(x, 0.0) if type(x) is float or not any_array(x) else namespace(x).maximum(x, namespace(x).zeros_like(x))


def _where_positive(x: Any, yes: Any, no: Any) -> Any:
    """``yes`` where x > 0 and ``no`` elsewhere: for a float, for a Value (by its data: a branch is a
    constant, not part of the graph) or element-wise for an array."""
    if type(x) is not float and any_array(x):
        return where(x > 0, yes, no, like=x)
    return yes if float_of(x) > 0 else no


def float_of(x: Any) -> float:
    """The number behind a real number or a Value (for branches such as relu's, which are constants): a
    float, int, NumPy scalar, Fraction or Decimal as itself (a NumPy scalar's ``.data`` is its buffer)."""
    if type(x) is float:
        return x
    if _is_number(x) or is_real(x):
        return float(x)
    return float(x.data)


def _arrays(*xs: Any) -> bool:
    return any(type(x) is not float and any_array(x) for x in xs)


Smooth = Callable[[tuple[float, ...], Any], bool]
"""``smooth(xs, arg) -> bool``: whether the op is smooth at ``xs`` and far from its poles and kinks, so that
central differences there agree with its partials (what ``autograd.testing`` draws from)."""

Signature = Callable[[int, Any], tuple[tuple[str, ...], tuple[str, ...]]]
"""For an n-ary op: ``signature(n_inputs, arg) -> (input names, the word of each partial)`` of one node."""


def everywhere(xs: tuple[float, ...], arg: Any) -> bool:
    """The ``smooth`` of an op that is smooth at every point of its domain."""
    return True


@dataclass(frozen=True, slots=True)
class Batched:
    """A row's kernel for a group of its nodes at once in a replay, beside its scalar partials, and the same
    derivative: ``tests/test_rules.py`` checks each against the row's partials.

    ``layout`` says how the replay hands the group's inputs over as blocks, each with one column per example:

    - "matrix", for k nodes w·x + b over the same n inputs x: W (k×n, the parameters), X (n×batch) and B
      (k×batch, or None without bias);
    - "rows", for k nodes over n rows each: X (k×n×batch).

    ``forward(*blocks)`` gives the k×batch outputs. ``vjp(upstream, wanted, *blocks)`` gives each block's
    share of the k×batch ``upstream`` gradient, in a shape that broadcasts to its block's (W's summed over
    the batch), or None where ``wanted`` (one bool per block) says it is not needed: the chain rule's
    partial × upstream for the whole group. A "matrix" kernel's ``vjp`` also takes ``into=``, a NumPy array
    to write W's share into.
    """

    layout: str
    forward: Callable[..., Any]
    vjp: Callable[..., tuple[Any, ...]]


def _dot_vjp(upstream: Any, wanted: Sequence[bool], w: Any, x: Any, b: Any, into: Any = None) -> tuple[Any, ...]:
    """∂(w·x + b)/∂w = x, ∂/∂x = w and ∂/∂b = 1, times upstream, for a layer: ``upstream`` @ Xᵀ, Wᵀ @
    ``upstream`` and ``upstream``. ``into``, a NumPy array of W's shape, receives W's share (the replay's
    view of the parameters' gradients), which is then returned."""
    d_w = None
    if wanted[0]:
        d_w = upstream @ x.T if into is None else np.matmul(upstream, x.T, out=into)
    return (d_w, w.T @ upstream if wanted[1] else None, upstream if b is not None and wanted[2] else None)


def _sum_vjp(upstream: Any, wanted: Sequence[bool], x: Any) -> tuple[Any, ...]:
    """∂(Σ xᵢ)/∂xᵢ = 1, times upstream: ``upstream`` for every input (k×1×batch, which broadcasts)."""
    return (upstream[:, None, :] if wanted[0] else None,)


def _written_sum(names: Sequence[str], arg: Any) -> str:
    return " + ".join(names)


def _written_dot(names: Sequence[str], n: Any) -> str:
    """w·x + b written out: ``w1·i1 + w2·i2 + b1``."""
    products = (f"{w}·{x}" for w, x in zip(names[:n], names[n:2 * n], strict=True))
    return " + ".join([*products, *names[2 * n:]])


DOT_LAYER = Batched("matrix", lambda w, x, b: w @ x if b is None else w @ x + b, _dot_vjp)
SUM_ROWS = Batched("rows", lambda x: x.sum(axis=1) if is_array(x) else namespace(x).sum(x, axis=1), _sum_vjp)


@dataclass(frozen=True, slots=True)
class Rule:
    """One op: its forward on floats, its local partials, and how to show them.

    ``arity`` is the number of Value inputs, or None for the n-ary ops (sum, dot), whose ``signature``
    names the inputs of a node with n of them. ``formula`` is the op written with its inputs as
    placeholders (``{a}·{b}``, ``{x} + {c}`` for a constant c); ``inputs`` names the placeholders and
    ``words`` writes each partial with them (``{b}``, ``{a}``), so an explanation can show a node's actual
    inputs. ``takes_constant`` says that the op's constant ``c`` is a number the user chose (``x + 2``,
    leaky_relu's slope). ``domain`` says where the op is defined, for error messages, with the same
    placeholders; ``smooth`` where it is smooth enough to check numerically. ``builtin`` is False for
    user-defined ops, whose results and partials the engine checks before trusting them. ``batched`` is the
    row's kernel for a whole group of its nodes in a replay, where one NumPy call does better than the
    partials element by element (a layer's dots as one matrix product). ``written_as`` writes a node of an
    op of many inputs in its inputs' names (``w1·i1 + w2·i2 + b1``), where ``formula`` names them all at once.
    ``deterministic`` is False for an op whose forward draws at random (dropout): the stale check cannot run it
    again to compare, and skips its nodes. ``linear`` says that the partials are constants, read neither from
    the inputs nor from the output (add, sub, neg, and ``+``, ``−``, ``×`` or ``/`` by a constant): a replay
    asks for them once, not at every batch.
    """

    name: str
    symbol: str
    arity: int | None
    forward: Forward
    partials: Partials
    formula: str
    inputs: tuple[str, ...]
    words: tuple[str, ...]
    domain: str = ""
    builtin: bool = True
    takes_constant: bool = False
    smooth: Smooth = everywhere
    signature: Signature | None = None
    batched: Batched | None = None
    written_as: Callable[[Sequence[str], Any], str] | None = None
    deterministic: bool = True
    linear: bool = False

    def input_names(self, n_inputs: int, arg: Any = None) -> tuple[str, ...]:
        """The names the formula gives a node's inputs (``a``, ``b``; ``x0``...; ``w0``...)."""
        return self.inputs if self.signature is None else self.signature(n_inputs, arg)[0]

    def explain(self, position: int, n_inputs: int, arg: Any = None, names: Sequence[str] | None = None) -> str:
        """The partial for one input in words, e.g. ``∂(a·b)/∂a = b``; with ``names`` (the node's actual
        inputs, e.g. their labels) written with them: ``∂(w5·out_h1)/∂w5 = out_h1``."""
        return self.explain_each(n_inputs, arg, names, (position,))[0]

    def explain_each(self, n_inputs: int, arg: Any = None, names: Sequence[str] | None = None,
                     positions: Sequence[int] | None = None, bare: Sequence[str] | None = None) -> list[str]:
        """``explain`` for each input (or each of ``positions``), with the node's signature and formula
        written once: a layer's ``dot`` node has hundreds of inputs. ``bare``: as for ``fill``."""
        params, words = (self.inputs, self.words) if self.signature is None else self.signature(n_inputs, arg)
        shown = params if names is None else names
        lookup = _lookup(params, shown, bare)
        formula = _substitute(self.formula, lookup, arg)
        return [f"∂({formula})/∂{shown[i]} = {_substitute(words[i], lookup, arg)}"
                for i in (range(n_inputs) if positions is None else positions)]

    def fill(self, template: str, n_inputs: int, arg: Any = None, names: Sequence[str] | None = None,
             bare: Sequence[str] | None = None) -> str:
        """``template`` (the formula, a partial's words, the domain) with its input placeholders replaced by
        ``names``, or by the inputs' own names, and ``{c}`` by the constant. ``bare`` are the names without
        the parentheses that ``names`` put around a compound input, for the places where the template
        brackets the input itself: ``tanh(a·b)``, not ``tanh((a·b))``."""
        params = self.input_names(n_inputs, arg)
        return _substitute(template, _lookup(params, params if names is None else names, bare), arg)

    def written(self, n_inputs: int, arg: Any, names: Sequence[str], bare: Sequence[str] | None = None) -> str:
        """A node of this op as a formula in its inputs' ``names`` (``bare`` as for ``fill``), as a textbook
        writes it: ``y − 1``, ``2·x``, ``w1·i1 + w2·i2 + b1``, and an op of many inputs with no such form as a
        function of them (``max(a, b)``)."""
        if self.signature is None:
            return self.fill(self.formula, n_inputs, arg, names, bare)
        if self.written_as is not None:
            return self.written_as(names, arg)
        return f"{self.symbol}({', '.join(names if bare is None else bare)})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by name: a row holds functions, and unpickling finds the row of that name in ``RULES``."""
        return (rule_named, (self.name,))

    def describe_op(self, arg: Any = None) -> str:
        """A short label for a node of this op, with its constant if it has one (``+ 2``, ``tanh``)."""
        return _plain(self.symbol.replace("{c}", _format_constant(arg)))


def _format_constant(arg: Any) -> str:
    """An op's constant as the formulas write it: ``2``, ``−1`` (with a minus sign, not a hyphen)."""
    if isinstance(arg, float):
        text = f"{arg:g}"  # −0 too, which x − 0 records: written x − 0, not x + -0
        return "−" + text[1:] if text.startswith("-") else text
    return "" if arg is None else str(arg)


def _lookup(params: Sequence[str], names: Sequence[str], bare: Sequence[str] | None) -> dict[str, tuple[str, str]]:
    return dict(zip(params, zip(names, names if bare is None else bare, strict=True), strict=True))


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _substitute(template: str, names: dict[str, tuple[str, str]], arg: Any) -> str:
    """``template`` with each placeholder replaced by its input's name, and ``{c}`` by the constant, as one
    writes it by hand. ``names`` maps each placeholder to its input's (name, bare name): the bare one is
    used where the template brackets every use of it (``tanh(a·b)``), or where every use is a term of a sum
    and the input is no sum itself (``a·b + c``). Only the placeholders the template holds are looked at: a
    layer's ``dot`` has hundreds, and its partials' words one each."""

    def name(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "c":
            return _format_constant(arg)
        shown, bare = names[key]
        return bare if shown != bare and _bare_in(template, key, bare) else shown

    return _plain(_PLACEHOLDER.sub(name, template))


def _bare_in(template: str, key: str, bare: str) -> bool:
    mark = f"{{{key}}}"
    uses = [m.start() for m in re.finditer(re.escape(mark), template)]
    end = len(mark)
    bracketed = all(u > 0 and u + end < len(template) and template[u - 1] in "(|" and template[u + end] in ")|"
                    for u in uses)
    signed = bare.startswith(("-", "−"))  # a negative number is bare only as the first term: a − (−1)
    termwise = loosest(bare) != "sum" and all(
        template[max(0, u - 2):u] in (("",) if signed else ("", "+ ", "− "))
        and template[u + end:u + end + 2] in ("", " +", " −")
        for u in uses)
    return bracketed or termwise


def _plain(text: str) -> str:
    """A formula as one writes it by hand: ``y − 1`` rather than ``y + −1``."""
    return text.replace("+ −", "− ")


RULES: dict[str, Rule] = {}
"""Every op the engine knows, by name: the built-ins below and those added with ``define_op``."""


def rule_named(name: str) -> Rule:
    """The row of the op ``name``, for unpickling a graph: a user op must be defined (``define_op``) in the
    process that unpickles it, as a class must be importable."""
    try:
        return RULES[name]
    except KeyError:
        raise ValueError(f"unpickling a graph: no op {name!r} in autograd.RULES; define it with define_op in this "
                         "process before loading the graph") from None


def register(rule: Rule) -> Rule:
    """Add a rule to the table. A user-defined op may be defined again (re-running a notebook cell);
    nodes made before keep the rule they were made with. Built-in ops cannot be replaced."""
    existing = RULES.get(rule.name)
    if existing is not None and (existing.builtin or rule.builtin):
        raise ValueError(f"define_op: {rule.name!r} is a built-in op; choose another name")
    RULES[rule.name] = rule
    return rule


def _row(
    name: str,
    symbol: str,
    arity: int | None,
    forward: Forward,
    partials: Partials,
    formula: str,
    words: tuple[str, ...],
    domain: str = "",
    smooth: Smooth = everywhere,
    signature: Signature | None = None,
    batched: Batched | None = None,
    written_as: Callable[[Sequence[str], Any], str] | None = None,
    linear: bool = False,
) -> Rule:
    inputs = {1: ("x",), 2: ("a", "b")}.get(arity or 0, ())
    takes_constant = "{c}" in formula
    return register(
        Rule(name, symbol, arity, forward, partials, formula, inputs, words, domain, True, takes_constant, smooth,
             signature, batched, written_as, linear=linear)
    )


def _sum_signature(n_inputs: int, arg: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(f"x{i}" for i in range(n_inputs)), ("1",) * n_inputs


def _dot_signature(n_inputs: int, n: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """dot's inputs are w0..w(n-1), x0..x(n-1) and, when there is a bias, b; each weight's partial is its
    input and each input's its weight."""
    w = tuple(f"w{i}" for i in range(n))
    x = tuple(f"x{i}" for i in range(n))
    bias = ("b",) * (n_inputs - 2 * n)
    return w + x + bias, tuple(f"{{{name}}}" for name in x + w) + ("1",) * len(bias)


def _logsumexp_signature(n_inputs: int, arg: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """logsumexp's inputs are x0..x(n-1); each one's partial is its softmax weight, written out with every
    input, so that a hint can write it with the numbers: exp(x0)/(exp(x0) + exp(x1)). (The row computes it
    with the largest input taken out, which is the same number without overflow.)"""
    names = tuple(f"x{i}" for i in range(n_inputs))
    total = " + ".join(f"exp({{{name}}})" for name in names)
    return names, tuple(f"exp({{{name}}})/({total})" for name in names)


def _logsumexp(xs: Sequence[Any]) -> Any:
    """log Σ exp(xᵢ), computed as m + log Σ exp(xᵢ − m) with m = max xᵢ so that no exp overflows;
    element-wise over arrays."""
    if _arrays(*xs):
        xp = namespace(*xs)
        shift = _shift(xs)
        return shift + xp.log(sum(xp.exp(x - shift) for x in xs))
    m = max(xs)
    if math.isinf(m):
        return float(m)
    return m + math.log(sum(math.exp(x - m) for x in xs))


def _softmax_weights(xs: Sequence[Any]) -> tuple[Any, ...]:
    """exp(xᵢ − m)/Σ exp(xⱼ − m) with m = max xᵢ: logsumexp's partials, which sum to 1 and lose nothing to
    large inputs (exp(xᵢ − logsumexp) would, once logsumexp rounds away log Σ). m is a constant, so on Values
    the weights are a graph whose own derivatives are those of softmax."""
    shift: Any
    if _arrays(*xs):
        shift = _shift(xs)
    else:
        largest = max(float_of(x) for x in xs)
        shift = 0.0 if math.isinf(largest) else largest
    terms = [exp(x - shift) for x in xs]
    total = sum(terms)
    return tuple(t / total for t in terms)


def _largest(xs: Sequence[Any]) -> Any:
    """The element-wise maximum of arrays (and numbers) of one shape or broadcasting to it."""
    xp = namespace(*xs)
    if xp is np:
        return np.maximum.reduce(np.broadcast_arrays(*xs))
    return xp.max(xp.stack(xp.broadcast_arrays(*_as_arrays(xs))), axis=0)


def _as_arrays(xs: Sequence[Any]) -> list[Any]:
    """``xs`` with each number made an array like the first array among them."""
    return arrays_like(xs, next(x for x in xs if any_array(x)))


def _shift(xs: Sequence[Any]) -> Any:
    """The largest of ``xs`` where it is finite, else 0: what logsumexp subtracts so that no exp overflows."""
    m = _largest(xs)
    return where(namespace(m).isfinite(m), m, 0.0)


def _max(xs: Sequence[Any]) -> Any:
    if _arrays(*xs):
        return _largest(xs)
    return max(xs)


def _max_partials(xs: Sequence[Any]) -> tuple[Any, ...]:
    """1 for the largest input (the first of equals, as torch.max picks) and 0 for the others; element-wise
    on arrays. A branch, so a constant, as relu's."""
    if _arrays(*xs):
        xp = namespace(*xs)
        first = xp.argmax(xp.stack(xp.broadcast_arrays(*_as_arrays(xs))), axis=0)
        like = next(x for x in xs if any_array(x))
        return tuple(where(first == i, 1.0, 0.0, like=like) for i in range(len(xs)))
    data = [float_of(x) for x in xs]
    first = data.index(max(data))
    return tuple(1.0 if i == first else 0.0 for i in range(len(xs)))


def _max_signature(n_inputs: int, arg: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names = tuple(f"x{i}" for i in range(n_inputs))
    return names, tuple(f"1 if {{{name}}} is the largest (the first of equals) else 0" for name in names)


def _bounded_away(limit: float) -> Smooth:
    """Smooth where every input is at least ``limit`` away from 0 (a kink or a pole there)."""
    return lambda xs, c: all(abs(x) > limit for x in xs)


def _check_pow(base: Any, exponent: Any) -> Any:
    if _arrays(base, exponent):
        return namespace(base, exponent).pow(base, exponent)  # nan where a negative base meets a non-integer exponent
    if base < 0 and not float(exponent).is_integer():
        raise ValueError("a negative base with a non-integer exponent has no real power")
    return float(base**exponent)


class UndefinedPartialError(ValueError):
    """A row's partial for one of its inputs does not exist at this point (log of a negative base, an
    infinite slope). ``partials`` holds the others, with None for the missing one, so that a pass that does
    not need that input (``grad`` of the other inputs) can go on; one that needs it raises this error."""

    def __init__(self, message: str, partials: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.partials = partials


class _Missing(NamedTuple):
    message: str


def _defined(*partials: Any) -> tuple[Any, ...]:
    """``partials``, or UndefinedPartialError naming the first that is missing."""
    missing = [p for p in partials if isinstance(p, _Missing)]
    if missing:
        raise UndefinedPartialError(missing[0].message, tuple(None if isinstance(p, _Missing) else p for p in partials))
    return partials


def _power_partial(x: Any, c: Any, names: tuple[str, str]) -> Any:
    """∂(x**c)/∂x = c·x**(c−1), for a constant or a Value exponent; ``names`` are x's and c's names. On
    arrays, element-wise, with inf or nan where the partial does not exist."""
    if _arrays(x, c):
        xp = namespace(x, c)
        if not any_array(c) and c != 0:  # one constant exponent: no x**0 to mend
            return c * x if c == 2 else c * xp.pow(x, c - 1.0)  # x**1.0 is x exactly
        return where((x == 0) & (c == 0), 0.0, c * xp.pow(x, c - 1.0))
    fx, fc = float_of(x), float_of(c)
    if fx == 0 and fc == 0:
        return 0.0  # the slope of x**0 = 1
    if fx == 0 and fc < 1:
        x_name, c_name = names
        return _Missing(
            f"∂({x_name}**{c_name})/∂{x_name} = {c_name}·{x_name}**({c_name}−1) is infinite at {x_name} = 0 "
            f"when {c_name} < 1 (here {c_name} = {fc!r})"
        )
    return c * x ** (c - 1.0)


def _exponent_partial(base: Any, exponent: Any, out: Any, names: tuple[str, str]) -> Any:
    """∂(a**b)/∂b = a**b·log(a), for a constant or a Value base; ``names`` are a's and b's names. On
    arrays, element-wise, with nan where the partial does not exist."""
    if _arrays(base, exponent, out):
        if not any_array(base):  # a constant base: one case for every element
            fa = float(base)
            return out * math.log(fa) if fa > 0 else where(exponent > 0, 0.0, math.nan, like=exponent) if fa == 0 else out * math.nan
        positive = base > 0
        slope = out * namespace(base).log(where(positive, base, 1.0))
        return where(positive, slope, where((base == 0) & (exponent > 0), 0.0, math.nan))
    fa, fb = float_of(base), float_of(exponent)
    a_name, b_name = names
    if fa > 0:
        return out * log(base)
    if fa == 0 and fb > 0:
        return 0.0  # the limit of a**b·log(a) as a -> 0+
    why = f"{a_name} < 0 (log of a negative number)" if fa < 0 else f"{a_name} = 0 with {b_name} ≤ 0"
    return _Missing(f"∂({a_name}**{b_name})/∂{b_name} = {a_name}**{b_name}·log({a_name}) is undefined for {why}")


def _sqrt_partial(out: Any) -> Any:
    if type(out) is not float and any_array(out):
        return 0.5 / out  # inf where out = 0
    if float_of(out) == 0:
        return _Missing("∂√x/∂x = 1/(2√x) is infinite at x = 0")
    return 0.5 / out


def _sign(x: Any) -> Any:
    if type(x) is not float and any_array(x):
        return namespace(x).sign(x)
    d = float_of(x)
    return 1.0 if d > 0 else -1.0 if d < 0 else 0.0


# fmt: off
# name           symbol      arity forward                                  partials ∂out/∂input_i (xs, out, c)
ADD       = _row("add",       "+",       2, lambda x, c: x[0] + x[1],         lambda x, o, c: (1.0, 1.0),
                 "{a} + {b}", ("1", "1"), linear=True)
SUB       = _row("sub",       "−",       2, lambda x, c: x[0] - x[1],         lambda x, o, c: (1.0, -1.0),
                 "{a} − {b}", ("1", "−1"), linear=True)
MUL       = _row("mul",       "×",       2, lambda x, c: x[0] * x[1],         lambda x, o, c: (x[1], x[0]),
                 "{a}·{b}", ("{b}", "{a}"))
DIV       = _row("div",       "/",       2, lambda x, c: x[0] / x[1],         lambda x, o, c: (1.0 / x[1], -o / x[1]),
                 "{a}/{b}", ("1/{b}", "−{a}/{b}²"), "{b} ≠ 0", lambda x, c: abs(x[1]) > 0.2)
POW       = _row("pow",       "**",      2, lambda x, c: _check_pow(x[0], x[1]),
                 lambda x, o, c: _defined(_power_partial(x[0], x[1], ("a", "b")), _exponent_partial(x[0], x[1], o, ("a", "b"))),
                 "{a}**{b}", ("{b}·{a}**({b}−1)", "{a}**{b}·log({a})"), "{a} > 0, or {a} = 0 with {b} ≥ 0, or an integer {b}",
                 lambda x, c: 0.2 < x[0] < 10 and abs(x[1]) < 3)
ADD_CONST = _row("add_const", "+ {c}",   1, lambda x, c: x[0] + c,            lambda x, o, c: (1.0,),
                 "{x} + {c}", ("1",), linear=True)
RSUB_CONST = _row("rsub_const", "{c} −", 1, lambda x, c: c - x[0],            lambda x, o, c: (-1.0,),
                 "{c} − {x}", ("−1",), linear=True)
MUL_CONST = _row("mul_const", "× {c}",   1, lambda x, c: x[0] * c,            lambda x, o, c: (c,),
                 "{c}·{x}", ("{c}",), linear=True)
DIV_CONST = _row("div_const", "/ {c}",   1, lambda x, c: x[0] / c,            lambda x, o, c: (1.0 / c,),
                 "{x}/{c}", ("1/{c}",), "c ≠ 0", lambda x, c: abs(c) > 0.2, linear=True)
RDIV_CONST = _row("rdiv_const", "{c} /", 1, lambda x, c: c / x[0],            lambda x, o, c: (-o / x[0],),
                 "{c}/{x}", ("−{c}/{x}²",), "{x} ≠ 0", _bounded_away(0.2))
POW_CONST = _row("pow_const", "** {c}",  1, lambda x, c: _check_pow(x[0], c), lambda x, o, c: _defined(_power_partial(x[0], c, ("x", "c"))),
                 "{x}**{c}", ("{c}·{x}**({c}−1)",), "{x} > 0, or {x} = 0 with c ≥ 0, or an integer c",
                 lambda x, c: 0.2 < x[0] < 10 and abs(c) < 3)
RPOW_CONST = _row("rpow_const", "{c} **", 1, lambda x, c: _check_pow(c, x[0]), lambda x, o, c: _defined(_exponent_partial(c, x[0], o, ("c", "x"))),
                 "{c}**{x}", ("{c}**{x}·log({c})",), "c > 0, or c = 0 with {x} ≥ 0, or an integer {x}",
                 lambda x, c: c > 0.2 and abs(x[0]) < 5)
NEG       = _row("neg",       "−",       1, lambda x, c: -x[0],               lambda x, o, c: (-1.0,),
                 "−{x}", ("−1",), linear=True)
ABS       = _row("abs",       "abs",     1, lambda x, c: abs(x[0]),           lambda x, o, c: (_sign(x[0]),),
                 "|{x}|", ("sign({x})",), "", _bounded_away(0.05))
EXP       = _row("exp",       "exp",     1, lambda x, c: exp(x[0]),           lambda x, o, c: (o,),
                 "exp({x})", ("exp({x})",), "{x} ≤ 709.78; above that e**{x} overflows a float", lambda x, c: x[0] < 5)
LOG       = _row("log",       "log",     1, lambda x, c: log(x[0]),           lambda x, o, c: (1.0 / x[0],),
                 "log({x})", ("1/{x}",), "{x} > 0", lambda x, c: x[0] > 0.2)
SQRT      = _row("sqrt",      "√",       1, lambda x, c: sqrt(x[0]),          lambda x, o, c: _defined(_sqrt_partial(o)),
                 "√{x}", ("1/(2√{x})",), "{x} ≥ 0", lambda x, c: x[0] > 0.2)
TANH      = _row("tanh",      "tanh",    1, lambda x, c: tanh(x[0]),          lambda x, o, c: (1.0 - o * o,),
                 "tanh({x})", ("1 − tanh²({x})",))
SIGMOID   = _row("sigmoid",   "σ",       1, lambda x, c: sigmoid(x[0]),       lambda x, o, c: (o * (1.0 - o),),
                 "σ({x})", ("σ({x})·(1 − σ({x}))",))
RELU      = _row("relu",      "relu",    1, lambda x, c: _relu(x[0]),
                 lambda x, o, c: (_where_positive(x[0], 1.0, 0.0),),
                 "relu({x})", ("1 if {x} > 0 else 0",), "", _bounded_away(0.05))
LEAKY_RELU = _row("leaky_relu", "leaky_relu", 1, lambda x, c: _where_positive(x[0], x[0], c * x[0]),
                 lambda x, o, c: (_where_positive(x[0], 1.0, c),),
                 "leaky_relu({x}, {c})", ("1 if {x} > 0 else {c}",), "", _bounded_away(0.05))
SOFTPLUS  = _row("softplus",  "softplus", 1, lambda x, c: _softplus(x[0]),    lambda x, o, c: (sigmoid(x[0]),),
                 "softplus({x})", ("σ({x})",))
SIN       = _row("sin",       "sin",     1, lambda x, c: sin(x[0]),           lambda x, o, c: (cos(x[0]),),
                 "sin({x})", ("cos({x})",))
COS       = _row("cos",       "cos",     1, lambda x, c: cos(x[0]),           lambda x, o, c: (-sin(x[0]),),
                 "cos({x})", ("−sin({x})",))
SUM       = _row("sum",       "Σ",       None, lambda x, c: sum(x),     lambda x, o, c: (1.0,) * len(x),
                 "Σ xᵢ", (), signature=_sum_signature, batched=SUM_ROWS, written_as=_written_sum)
DOT       = _row("dot",       "w·x + b", None, lambda x, c: sum(map(operator.mul, x[:c], x[c:2 * c]), sum(x[2 * c:])),
                 lambda x, o, c: x[c:2 * c] + x[:c] + (1.0,) * (len(x) - 2 * c),
                 "w·x + b", (), signature=_dot_signature, batched=DOT_LAYER, written_as=_written_dot)
LOGSUMEXP = _row("logsumexp", "logΣexp", None, lambda x, c: _logsumexp(x),
                 lambda x, o, c: _softmax_weights(x),
                 "log Σ exp(xᵢ)", (), signature=_logsumexp_signature)
MAX       = _row("max",       "max",     None, lambda x, c: _max(x),     lambda x, o, c: _max_partials(x),
                 "max xᵢ", (), "", lambda x, c: all(abs(a - b) > 0.05 for a, b in itertools.combinations(x, 2)),
                 signature=_max_signature)
# fmt: on
