"""``define_op``: a user's op as a row of the rule table, from its forward and its local partials.

The row's functions take floats, and on a replay NumPy arrays: a user function that takes only floats is
applied element by element there (``_on_arrays``), and never gets an array it could write to.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from autograd import rules
from autograd.arrays import is_array, np
from autograd.rules import Rule
from autograd.value import Value, apply, as_values

__all__ = ["define_op"]


def define_op(
    name: str,
    forward: Any,
    partials: Any,
    *,
    symbol: str | None = None,
    formula: str | None = None,
    words: Sequence[str] | None = None,
    domain: str = "",
    smooth: Callable[..., bool] | None = None,
    deterministic: bool = True,
) -> Any:
    """Define a new op from its forward and its local partials, and return a function that applies it.

    ``forward(*xs)`` gets the inputs' data as floats and returns a float. ``partials(*xs, out)`` returns one
    ∂out/∂xᵢ per input; write it with arithmetic and ``autograd.exp``, ``autograd.log``... so that it works
    on Values too, and higher-order derivatives come for free. The new op is a row of the rule table like
    any built-in: backward, grad, gradcheck, rendering, explanations and ``autograd.testing.expressions``
    all use it.

    The inputs are named as ``forward``'s parameters. ``formula`` and ``words`` (one per input) write the op
    and its partials with those names in braces, ``"{x}/(1 + |{x}|)"``, so that explanations show a node's
    actual inputs in their place. ``domain`` says in words where the op is defined, for error messages;
    ``smooth(*xs)`` says where it is smooth enough for central differences (``expressions`` stays there).
    ``deterministic=False`` says that ``forward`` draws at random (dropout): readers then do not run it again
    to check that the graph is still that of its leaves (``StaleGraphError``), which its next draw would fail.

    Like every row, the op also runs on NumPy arrays, a whole batch at once: ``forward`` and ``partials``
    are called with arrays where they take them, and otherwise element by element, which is much slower;
    write them with ``autograd.exp``, ``autograd.log``... (or NumPy) to keep the fast path.

    >>> cube = define_op("cube", lambda x: x**3, lambda x, out: (3 * x**2,), formula="{x}³", words=("3{x}²",))
    >>> y = cube(Value(2.0, "t"))
    >>> y.backward(); y.parents[0].grad
    12.0
    >>> y.rule.explain(0, 1, names=["t"])
    '∂(t³)/∂t = 3t²'
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"define_op: name must be an identifier, got {name!r}")
    if not callable(forward) or not callable(partials) or (smooth is not None and not callable(smooth)):
        raise TypeError(f"define_op {name!r}: forward, partials and smooth must be callable")
    inputs = _input_names(forward, name)
    placeholders = ", ".join(f"{{{i}}}" for i in inputs)
    rule = Rule(
        name=name,
        symbol=symbol or name,
        arity=len(inputs),
        forward=lambda xs, c: _on_arrays(forward, xs, None),
        partials=lambda xs, out, c: _on_arrays(partials, (*xs, out), len(inputs)),
        formula=formula if formula is not None else f"{name}({placeholders})",
        inputs=inputs,
        words=tuple(words) if words is not None else tuple(f"∂{name}/∂{{{i}}}" for i in inputs),
        domain=domain,
        builtin=False,
        smooth=(lambda xs, c: bool(smooth(*xs))) if smooth is not None else rules.everywhere,
        deterministic=bool(deterministic),
    )
    if len(rule.words) != len(inputs):
        raise ValueError(f"define_op {name!r}: words must write one partial per input {inputs}, got {words!r}")
    for position in range(len(inputs)):
        try:
            rule.explain(position, len(inputs))
            rule.fill(rule.domain, len(inputs))
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"define_op {name!r}: formula, words and domain may name only the inputs {inputs} in braces, "
                f"as '{{{inputs[0]}}}'; {error!r} in {rule.formula!r}, {rule.words!r} or {rule.domain!r}"
            ) from None
    rules.register(rule)

    def op(*xs: Value | float) -> Value:
        if len(xs) != len(inputs):
            raise TypeError(f"{name}: takes {len(inputs)} input(s), got {len(xs)}")
        return apply(rule, tuple(as_values(xs, name)))

    op.__name__ = name
    op.__doc__ = f"Apply the user-defined op {name!r}."
    op.rule = rule  # type: ignore[attr-defined]
    return op


def _on_arrays(function: Callable[..., Any], args: tuple[Any, ...], results: int | None) -> Any:
    """``function(*args)`` for a user op. On NumPy arrays, the function itself where it takes arrays; where
    it takes only floats (``math.sin``), it is applied element by element, which is slower. ``results`` is
    None for a forward (one number) and n for partials (a sequence of n numbers)."""
    if not any(is_array(a) for a in args):
        return function(*args)
    args = tuple(_read_only(a) for a in args)  # a user function must not change the replay's table
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    try:
        with np.errstate(all="ignore"):
            result = function(*args)
        parts = [result] if results is None else list(result)
        if len(parts) == (results or 1) and all(np.shape(p) in (shape, ()) for p in parts):
            return result
    except (TypeError, ValueError, ArithmeticError):
        pass
    columns = [np.broadcast_to(a, shape).ravel() for a in args]
    rows = [function(*(float(column[i]) for column in columns)) for i in range(columns[0].size)]
    if results is None:
        return np.array(rows, dtype=float).reshape(shape)
    return tuple(np.array([row[k] for row in rows], dtype=float).reshape(shape) for k in range(results))


def _read_only(a: Any) -> Any:
    """An array as a view that cannot be written (``x -= 1`` then makes a new array); other values as they are."""
    if not is_array(a):
        return a
    view = a.view()
    view.flags.writeable = False
    return view


def _input_names(forward: Any, name: str) -> tuple[str, ...]:
    """The names of ``forward``'s required parameters: the op's inputs."""
    try:
        params = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(f"define_op {name!r}: cannot read the forward function's parameters") from None
    kinds = {p.kind for p in params}
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        raise TypeError(f"define_op {name!r}: forward must take a fixed number of inputs, not *args")
    names = tuple(p.name for p in params if p.default is inspect.Parameter.empty)
    if not names:
        raise TypeError(f"define_op {name!r}: forward must take at least one input")
    return names
