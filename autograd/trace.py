"""Trace once, replay over a batch: the scalar graph stays the definition, NumPy executes it.

``trace(fn, example)`` runs ``fn`` once on Values and keeps the graph's structure: which leaves are the
example's inputs (one number per example), which are parameters (shared by every example), and the ops in
between with their constants. ``Trace.forward(batch)`` then runs the same ops over a whole batch, each node's
data an array with one entry per example, and ``Trace.backward()`` runs the chain rule over them. Both call
the rows of ``autograd.RULES`` on arrays: no derivative is written twice.

The replay runs op by op in groups, not node by node. Nodes at the same depth with the same op and the same
kinds of inputs form one group, which is one NumPy call on a block of rows (the 30 sigmoids of a layer are
one ``np.exp``). Where a row has a kernel of its own (``Rule.batched``), a group that fits it runs through
it: the ``dot`` nodes of a layer, which share their inputs, are one matrix product, from the ``dot`` row.

A graph that does not fit the trace is refused: a batch of another shape, an example for which a comparison
of Values made during the trace (``x > 0``) comes out differently, or a value that is not finite.
"""

from __future__ import annotations

import inspect
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from autograd.arrays import np
from autograd.errors import AnomalyError
from autograd.graph import Graph, topological_order
from autograd.modes import COMPARATORS, COMPARISONS, MODES, enable_grad
from autograd.rules import Batched, Rule
from autograd.validation import is_whole, real_array
from autograd.value import Value, apply, domain_note, with_context

__all__ = ["Trace", "TraceError", "trace"]

Array = Any
"""A NumPy array of floats (typed loosely: NumPy's operators return Any to a type checker)."""


class TraceError(ValueError):
    """A batch, or an example in it, does not fit the trace it is replayed on."""



@contextmanager
def _recording_comparisons() -> Iterator[list[tuple[Value, str, Any, bool]]]:
    guards: list[tuple[Value, str, Any, bool]] = []
    token = COMPARISONS.set(guards)
    try:
        yield guards
    finally:
        COMPARISONS.reset(token)


_FORWARD = "def forward(rows, params):"
_BACKWARD = "def backward(rows, params, grads, pgrads, skip_inputs):"


class _Source:
    """The Python source of a compiled replay being written: lines, and the objects they refer to (rows'
    functions, index arrays) bound to names. ``compile`` makes the functions."""

    def __init__(self, size: int, rows: int = 0, outputs: Sequence[int] = (), checked: bool = False) -> None:
        self.size = size  # of params and pgrads, the shared vectors
        self.lines: list[str] = []
        self.names: dict[str, Any] = {"np": np}
        # For the backward: which entries of each gradient table ("pgrads", "grads") a line before has set,
        # and which must start at 0 (first added to, or never set). The caller sets the outputs' rows.
        self.written = {"pgrads": np.zeros(size, dtype=bool), "grads": np.zeros(rows, dtype=bool)}
        self.zeroed = {"pgrads": np.zeros(size, dtype=bool), "grads": np.zeros(rows, dtype=bool)}
        self.written["grads"][list(outputs)] = True
        self.checked = checked  # under detect_anomaly the whole table is checked after each group: all zeroed

    def first_write(self, table: str, index: Any, conditional: bool = False) -> bool:
        """Whether the line about to be written is the first to set the entries of ``table`` at ``index``
        (each once, and not only when the inputs' gradients are asked for): it may then assign them, which
        spares the table its zeroing and an add its read (a layer's weight gradients: 8.4 µs added into the
        parameters' strided view, 2.1 µs copied, measured for 30×784). Marks them."""
        written, zeroed = self.written[table], self.zeroed[table]
        positions = np.arange(written.size)[index].ravel()
        first = (not conditional and not (self.checked and table == "grads") and not written[positions].any()
                 and len(np.unique(positions)) == positions.size)
        if not first:
            zeroed[positions[~written[positions]]] = True
        written[positions] = True
        return first

    def zeroing(self) -> list[str]:
        """The lines that zero the entries no line sets first, which belong at the top of the backward."""
        lines = []
        for table in ("pgrads", "grads"):
            zeroed = self.zeroed[table] | ~self.written[table]
            edges = np.flatnonzero(np.diff(np.concatenate([[False], zeroed, [False]]).astype(np.int8)))
            runs = list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))  # [start, stop) of each
            if zeroed.all():
                lines.append(f"{table}[...] = 0.0")
            elif len(runs) <= 4:  # slices: a fancy index is slower to assign through
                lines += [f"{table}[{start}:{stop}] = 0.0" for start, stop in runs]
            else:
                lines.append(f"{table}[{self.bind(np.flatnonzero(zeroed), 'Z')}] = 0.0")
        return lines

    def bind(self, obj: Any, hint: str) -> str:
        """A name for ``obj`` in the compiled code."""
        name = f"{hint}{len(self.names)}"
        self.names[name] = obj
        return name

    def index(self, index: Any) -> str:
        """``index`` as written inside brackets: a slice as ``a:b`` or ``a:b:step``, an array by its bound
        name."""
        if not isinstance(index, slice):
            return self.bind(index, "I")
        return f"{index.start}:{index.stop}" + (f":{index.step}" if index.step else "")

    def add(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)

    def compile(self, header: str, name: str) -> Callable[..., None]:
        code = "\n".join([header, *self.lines, "    return None"])
        namespace = dict(self.names)
        exec(compile(code, f"<chainrule replay: {name}>", "exec"), namespace)  # source the groups wrote
        return namespace[name]  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class _Operand:
    """Where one input of every node of a group comes from: rows of the batch table (one value per
    example) or entries of the parameter vector (one value for all)."""

    shared: bool  # True: parameters; False: rows
    index: Any  # an index array, or a slice when the rows are consecutive
    repeats: bool  # some row or parameter appears twice, so gradients must be added with np.add.at
    inputs_only: bool = False  # every row is an input's: no gradient is needed when the inputs' are not

    def gather(self, src: _Source) -> str:
        """The expression for these inputs' values, a block with one column per example (a column of
        parameters broadcasts)."""
        return f"params[{src.index(self.index)}][:, None]" if self.shared else f"rows[{src.index(self.index)}]"

    def add_grad(self, src: _Source, contribution: str, indent: int = 1, product: tuple[str, str] | None = None,
                 ) -> None:
        """Write the line that adds ``contribution`` (one column per example; ``product``, its two factors
        when it is one) to these inputs' gradients: summed over the batch for parameters, with np.add.at where
        an input repeats. Entries that no line has set yet are set, not added to (``_Source.first_write``)."""
        table = "pgrads" if self.shared else "grads"
        where = src.index(self.index)
        if not self.repeats and src.first_write(table, self.index, conditional=self.inputs_only):
            view = isinstance(self.index, slice)
            if self.shared:
                line = (f"np.sum({contribution}, axis=1, out=pgrads[{where}])" if view
                        else f"pgrads[{where}] = ({contribution}).sum(axis=1)")
            elif view and product is not None:
                line = f"np.multiply({product[0]}, {product[1]}, out=grads[{where}])"
            else:
                line = f"grads[{where}] = {contribution}"
            src.add(line, indent)
            return
        value = f"({contribution}).sum(axis=1)" if self.shared else contribution
        line = f"np.add.at({table}, {where}, {value})" if self.repeats else f"{table}[{where}] += {value}"
        src.add(f"if not skip_inputs: {line}" if self.inputs_only else line, indent)


def _operand(shared: bool, positions: Sequence[int], inputs: int) -> _Operand:
    """The operand at ``positions``: a slice (a view, no copy) when they are evenly spaced upwards, as a
    group's rows and a layer's biases (one after each neuron's weights) are; else an index array."""
    index = np.asarray(positions, dtype=np.intp)
    repeats = len(set(positions)) < len(positions)
    inputs_only = not shared and max(positions) < inputs
    steps = set(np.diff(index).tolist())
    if not repeats and len(steps) <= 1 and (not steps or min(steps) > 0):
        step = steps.pop() if steps else 1
        return _Operand(shared, slice(positions[0], positions[-1] + 1, step if step > 1 else None), False, inputs_only)
    return _Operand(shared, index, repeats, inputs_only)


@dataclass(slots=True)
class _Group:
    """Nodes of one op at one depth, with inputs of the same kinds: rows ``start:stop`` of the table, run by
    the row's forward and partials on arrays."""

    rule: Rule
    start: int
    stop: int
    operands: list[_Operand]
    arg: Any  # the constant: one number for the group, or a column of them (k×1)

    def forward(self, src: _Source) -> None:
        xs = ", ".join(op.gather(src) for op in self.operands)
        forward, arg = src.bind(self.rule.forward, "forward"), src.bind(self.arg, "arg")
        src.add(f"rows[{self.start}:{self.stop}] = {forward}(({xs},), {arg})")

    def backward(self, src: _Source) -> None:
        xs = ", ".join(op.gather(src) for op in self.operands)
        partials, arg = src.bind(self.rule.partials, "partials"), src.bind(self.arg, "arg")
        src.add(f"up = grads[{self.start}:{self.stop}]")
        src.add(f"p = {partials}(({xs},), rows[{self.start}:{self.stop}], {arg})")
        for k, operand in enumerate(self.operands):
            operand.add_grad(src, f"p[{k}] * up", product=(f"p[{k}]", "up"))


@dataclass(slots=True)
class _RowsGroup:
    """Nodes of a row with a "rows" kernel (``sum``) over rows of the table: one gather of a k×n block of
    rows and one call of the kernel each way."""

    kernel: Batched
    start: int
    stop: int
    index: Any  # (k, n) rows
    repeats: bool
    inputs_only: bool
    block: tuple[int, int, int] | None = None  # (first, k, n) when the rows are first, first + 1, ...: a view

    def __post_init__(self) -> None:
        k, n = self.index.shape
        first = int(self.index[0, 0])
        if np.array_equal(self.index, first + np.arange(k * n).reshape(k, n)):
            self.block = (first, k, n)

    def _gather(self, src: _Source, table: str) -> str:
        if self.block is None:
            return f"{table}[{src.bind(self.index, 'I')}]"
        first, k, n = self.block
        return f"{table}[{first}:{first + k * n}].reshape({k}, {n}, -1)"

    def forward(self, src: _Source) -> None:
        kernel = src.bind(self.kernel.forward, "kernel")
        src.add(f"rows[{self.start}:{self.stop}] = {kernel}({self._gather(src, 'rows')})")

    def backward(self, src: _Source) -> None:
        vjp = src.bind(self.kernel.vjp, "vjp")
        share = f"{vjp}(grads[{self.start}:{self.stop}], (True,), {self._gather(src, 'rows')})[0]"
        first = not self.repeats and src.first_write("grads", self.index, conditional=self.inputs_only)
        if self.block is not None and first:
            line = f"{self._gather(src, 'grads')}[...] = {share}"
        elif self.block is not None:
            line = f"{self._gather(src, 'grads')}[...] += {share}"
        elif self.repeats:
            index = src.bind(self.index, "I")
            line = f"np.add.at(grads, {index}, np.broadcast_to({share}, (*{index}.shape, grads.shape[1])))"
        else:
            line = f"grads[{src.bind(self.index, 'I')}] {'=' if first else '+='} {share}"
        src.add(f"if not skip_inputs: {line}" if self.inputs_only else line)


@dataclass(slots=True)
class _MatrixGroup:
    """Nodes of a row with a "matrix" kernel (``dot``): k neurons over the same n inputs, w·x + b for each,
    handed to the kernel as W (k×n, parameters), X (n×batch, rows) and b."""

    kernel: Batched
    start: int
    stop: int
    weights: Any  # (k, n) parameter positions, or a view builder: see _weight_view
    inputs: _Operand
    bias: _Operand | None
    view: tuple[int, int, int, int] | None  # (first, k, n, stride): W is params[first:].reshape(...)[:, :n]

    def matrix(self, params: Array) -> Array:
        """W, k×n, where ``_matrix`` cannot write it as a slice: a strided view that runs past the vector's
        last row (the layer's last bias is elsewhere), or gathered by the weights' positions."""
        if self.view is not None:
            first, k, n, stride = self.view
            size = params.itemsize
            return np.lib.stride_tricks.as_strided(params[first:], shape=(k, n), strides=(stride * size, size))
        return params[self.weights]

    def _matrix(self, src: _Source, vector: str) -> str:
        """The expression for W in ``vector`` (the parameters or their gradients): the view written out where
        the weights lie in it as a strided block, else through ``matrix``."""
        if self.view is not None:
            first, k, n, stride = self.view
            if first + k * stride <= src.size:
                return f"{vector}[{first}:{first + k * stride}].reshape({k}, {stride})[:, :{n}]"
        return f"{src.bind(self.matrix, 'matrix')}({vector})"

    def _blocks(self, src: _Source) -> str:
        bias = self.bias.gather(src) if self.bias is not None else "None"
        return f"{self._matrix(src, 'params')}, {self.inputs.gather(src)}, {bias}"

    def forward(self, src: _Source) -> None:
        kernel = src.bind(self.kernel.forward, "kernel")
        src.add(f"rows[{self.start}:{self.stop}] = {kernel}({self._blocks(src)})")

    def backward(self, src: _Source) -> None:
        vjp = src.bind(self.kernel.vjp, "vjp")
        wanted = "(True, True, True)" if not self.inputs.inputs_only else "(True, not skip_inputs, True)"
        src.add(f"d_w, d_x, d_b = {vjp}(grads[{self.start}:{self.stop}], {wanted}, {self._blocks(src)})")
        first = src.first_write("pgrads", self.weights)
        if self.view is not None:
            src.add(f"np.copyto({self._matrix(src, 'pgrads')}, d_w)" if first else
                    f"{self._matrix(src, 'pgrads')}[...] += d_w")
        elif first:
            src.add(f"pgrads[{src.bind(self.weights, 'I')}] = d_w")
        else:
            src.add(f"np.add.at(pgrads, {src.bind(self.weights, 'I')}, d_w)")
        src.add("if d_x is not None:")
        self.inputs.add_grad(src, "d_x", indent=2)
        if self.bias is not None:
            self.bias.add_grad(src, "d_b")


def _weight_view(positions: list[list[int]]) -> tuple[int, int, int, int] | None:
    """(first, k, n, stride) when the weight positions are the rows of a strided block of the parameter
    vector (each neuron's weights together, the neurons evenly spaced), so that W is a view, not a copy."""
    k, n = len(positions), len(positions[0])
    first = positions[0][0]
    stride = positions[1][0] - first if k > 1 else n
    if stride < n:
        return None
    expected = first + stride * np.arange(k)[:, None] + np.arange(n)[None, :]
    return (first, k, n, stride) if np.array_equal(expected, np.asarray(positions)) else None


class Trace:
    """The structure of one traced example, replayable over a batch with NumPy. Made by ``trace``.

    ``inputs`` are the example's leaves (flattened in argument order), ``parameters`` the shared leaves,
    ``outputs`` what ``fn`` returned and ``graph`` the traced example's graph. After ``forward(batch)``,
    ``data(node)`` is a node's data over the batch; after ``backward()``, ``grad(node)`` is each example's
    ∂output/∂node and ``parameter_grads`` the parameters' gradients summed (or averaged) over the batch.
    """

    def __init__(
        self,
        shapes: list[tuple[int, ...]],
        inputs: list[Value],
        parameters: list[Value] | None,
        outputs: list[Value],
        single: bool,
        guards: list[tuple[Value, str, Any, bool]],
    ) -> None:
        self.shapes = shapes
        self.inputs = inputs
        self.outputs = outputs
        self._single = single
        pending = Value(0.0)
        pending.parents = tuple(outputs)
        self.graph = Graph(topological_order(pending)[:-1])
        self.parameters: list[Value] = []
        self._compiled: dict[bool, tuple[Callable[..., None], Callable[..., None]]] = {}
        self._compile(parameters)
        self._guards = [self._guard(*guard) for guard in guards]
        for output in outputs:
            if id(output) not in self._row_of:
                raise TraceError(
                    f"trace: fn returned {self.graph.name(output)}, a {self.role(output)} that is the same for every "
                    "example, so the replay has no row for it; return values computed from the example's inputs"
                )
        self._output_rows = [self._row_of[id(o)] for o in outputs]
        first = self._output_rows[0]
        consecutive = self._output_rows == list(range(first, first + len(self._output_rows)))
        self._outputs: slice | list[int] = slice(first, first + len(outputs)) if consecutive else self._output_rows
        """The output rows as an index into the table: a slice (a view) where they follow each other."""
        self._rows: Array | None = None
        self._row_grads: Array | None = None
        self._params: Array | None = None
        self.parameter_grads: Array = np.zeros(len(self.parameters))

    # Compiling the graph into groups ----------------------------------------------------------------

    def _compile(self, parameters: list[Value] | None) -> None:
        nodes = self.graph.nodes
        input_ids = {id(v): i for i, v in enumerate(self.inputs)}
        shared = {id(n) for n in nodes if n._rule is None and id(n) not in input_ids}
        if parameters is not None:
            shared |= {id(p) for p in parameters}
        depth: dict[int, int] = {}
        buckets: dict[tuple[Any, ...], list[Value]] = {}
        zeros = itertools.repeat(0)
        for node in nodes:
            if node._rule is None:
                continue
            ids = list(map(id, node.parents))  # map over C functions: a layer's dot has 2n + 1 parents
            level = 1 + max(map(depth.get, ids, zeros), default=0)
            depth[id(node)] = level
            rule = node._rule
            kinds = tuple(map(shared.__contains__, ids))
            arg = None if rule.takes_constant else node._arg
            key = (level, id(rule), len(node.parents), kinds, arg if isinstance(arg, int | float | None) else id(arg))
            buckets.setdefault(key, []).append(node)
        if parameters is None:  # in the order the groups first use them: each neuron's weights together
            found = {id(n): n for n in nodes if id(n) in shared}
            order = [p for key in sorted(buckets, key=lambda k: k[0]) for node in buckets[key] for p in node.parents
                     if id(p) in shared]
            parameters = list({id(p): p for p in [*order, *found.values()]}.values())
        given = {id(p) for p in parameters}
        self.parameters = parameters
        self.constants = [n for n in nodes if id(n) in shared and id(n) not in given]
        param_ids = {id(v): i for i, v in enumerate([*parameters, *self.constants])}
        self._row_of: dict[int, int] = dict(input_ids)
        self.groups: list[_Group | _MatrixGroup | _RowsGroup] = []
        # the table's rows: the inputs, then each group's nodes together, groups in order of depth
        row = len(self.inputs)
        for key in sorted(buckets, key=lambda k: k[0]):
            # in the order of their first input, so that a group's inputs are often a block of rows (a slice,
            # not a copy) and a layer's weights a strided view of the parameter vector
            members = sorted(buckets[key], key=lambda node: self._place(node.parents[0], param_ids))
            for i, node in enumerate(members):
                self._row_of[id(node)] = row + i
            self.groups.append(self._group(members, row, param_ids))
            row += len(members)
        self._param_of = param_ids
        self.n_rows = row

    def _place(self, node: Value, param_ids: dict[int, int]) -> tuple[bool, int]:
        return (True, param_ids[id(node)]) if id(node) in param_ids else (False, self._row_of[id(node)])

    def _positions(self, members: list[Value], position: int, param_ids: dict[int, int]) -> _Operand:
        parents = [node.parents[position] for node in members]
        shared = id(parents[0]) in param_ids
        table = param_ids if shared else self._row_of
        return _operand(shared, [table[id(p)] for p in parents], len(self.inputs))

    def _group(self, members: list[Value], start: int, param_ids: dict[int, int]) -> _Group | _MatrixGroup | _RowsGroup:
        """The group of ``members`` (one op, one depth): the row's own kernel where it has one and the group
        fits its layout, otherwise the row's forward and partials on arrays."""
        first = members[0]
        rule = first._rule
        assert rule is not None
        stop = start + len(members)
        kernel = rule.batched
        if kernel is not None and kernel.layout == "matrix":
            n = first._arg
            kinds = [id(p) in param_ids for p in first.parents]
            same_inputs = all(node.parents[n:2 * n] == first.parents[n:2 * n] for node in members)
            if all(kinds[:n]) and not any(kinds[n:2 * n]) and same_inputs and len(first.parents) <= 2 * n + 1:
                weights = [[param_ids[id(w)] for w in node.parents[:n]] for node in members]
                inputs = _operand(False, [self._row_of[id(x)] for x in first.parents[n:2 * n]], len(self.inputs))
                bias = self._positions(members, 2 * n, param_ids) if len(first.parents) > 2 * n else None
                view = _weight_view(weights)
                return _MatrixGroup(kernel, start, stop, np.asarray(weights, dtype=np.intp), inputs, bias, view)
        same_size = all(len(node.parents) == len(first.parents) for node in members)
        if kernel is not None and kernel.layout == "rows" and same_size and not any(
            id(p) in param_ids for node in members for p in node.parents
        ):
            index = [[self._row_of[id(p)] for p in node.parents] for node in members]
            flat = [row for line in index for row in line]
            return _RowsGroup(kernel, start, stop, np.asarray(index, dtype=np.intp), len(set(flat)) < len(flat),
                              max(flat) < len(self.inputs))
        operands = [self._positions(members, i, param_ids) for i in range(len(first.parents))]
        arg = first._arg
        if rule.takes_constant and any(node._arg != arg for node in members):
            arg = np.array([[node._arg] for node in members])  # a column: one constant per node
        return _Group(rule, start, stop, operands, arg)

    def _guard(self, left: Value, symbol: str, right: Any, outcome: bool) -> tuple[Any, ...]:
        def where(v: Any) -> Any:
            if not isinstance(v, Value):
                return float(v)
            if id(v) in self._param_of:
                return ("param", self._param_of[id(v)])
            if id(v) in self._row_of:
                return ("row", self._row_of[id(v)])
            raise TraceError(
                f"trace: fn compares {v.label or 'a Value'} ({v.data!r}), which the outputs do not depend on; "
                "the replay cannot check that comparison"
            )

        text = f"{_name(self.graph, left)} {symbol} {_name(self.graph, right)}"
        return (where(left), symbol, where(right), outcome, text)

    # Replaying ------------------------------------------------------------------------------------------

    def _batch(self, batch: Any) -> Array:
        """The batch as the input rows of the table (one row per input leaf, one column per example)."""
        parts = batch if len(self.shapes) > 1 else (batch,)
        if not isinstance(parts, tuple | list) or len(parts) != len(self.shapes):
            raise TraceError(f"Trace.forward: expected a batch of {len(self.shapes)} arrays (one per argument of "
                             f"the traced function), got {type(batch).__name__}")
        columns = []
        size = None
        for k, (part, shape) in enumerate(zip(parts, self.shapes, strict=True)):
            array = _numbers(part, f"Trace.forward: argument {k} of the batch")
            if array.ndim >= 1 and array.shape[0] == 0:
                raise TraceError("Trace.forward: the batch is empty")
            if array.shape[1:] != shape or array.ndim == 0:
                expected = ", ".join(["batch", *map(str, shape)])
                raise TraceError(
                    f"Trace.forward: argument {k} of the batch has shape {array.shape}; the trace expects "
                    f"({expected}): its example's shape {shape}, one per example"
                )
            if size is not None and array.shape[0] != size:
                raise TraceError(f"Trace.forward: argument {k} has {array.shape[0]} examples, argument 0 {size}")
            size = array.shape[0]
            columns.append(array.reshape(size, -1).T)
        if not size:
            raise TraceError("Trace.forward: the batch is empty")
        return np.concatenate(columns, axis=0) if len(columns) > 1 else columns[0]

    def parameter_data(self) -> Array:
        """The parameters' current ``.data`` as one vector, in the order of ``parameters``."""
        return np.fromiter((p.data for p in self.parameters), dtype=float, count=len(self.parameters))

    def role(self, node: Value) -> str:
        """What a node of the traced graph is: "input" (a number of each example), "parameter" (shared, with a
        gradient), "constant" (shared, a leaf not among the parameters given to ``trace``) or "op"."""
        if node._rule is not None:
            return "op"
        if id(node) in self._row_of:
            return "input"
        if id(node) in self._param_of:
            return "parameter" if self._param_of[id(node)] < len(self.parameters) else "constant"
        raise KeyError(f"Trace.role: {node!r} is not in the traced graph")

    def _shared(self, parameters: Array | None) -> Array:
        """The parameters' vector (given, or read from them) followed by the constants' data."""
        vector = self.parameter_data() if parameters is None else _numbers(parameters, "Trace.forward: parameters")
        if vector.shape != (len(self.parameters),):
            raise TraceError(f"Trace.forward: parameters must be a vector of {len(self.parameters)} numbers, got shape "
                             f"{vector.shape}")
        return self._with_constants(vector)

    def _with_constants(self, vector: Array) -> Array:
        """The parameters' vector followed by the constants' data: the replay's shared vector."""
        if not self.constants:
            return vector  # contiguous float64: read from the parameters, or by real_array
        return np.concatenate([vector, [c.data for c in self.constants]])

    def forward(self, batch: Any, parameters: Array | None = None) -> Array:
        """The outputs for every example of ``batch``: an array (batch,) for a scalar output, else (batch,
        n_outputs). ``batch`` holds one array per argument of ``fn``, each (batch, *shape of the example's
        argument). ``parameters`` (a vector in the order of ``self.parameters``) replaces the parameters'
        own ``.data``, which is read otherwise."""
        x = self._batch(batch)
        return self._run([x], self._shared(parameters))

    def forward_inputs(self, inputs: Sequence[Array], parameters: Array) -> Array:
        """``forward`` for a batch laid out as the replay holds it, for a caller that has checked its whole
        data set once (as ``nn.fit`` has) and skips ``forward``'s checks of each batch. ``inputs`` are blocks of
        float64 or float32, one row per input leaf (in the order of ``self.inputs``, the blocks one after
        another) and one column per example; ``parameters`` is a float64 vector in the order of
        ``self.parameters``. The results are checked as ``forward``'s are."""
        if not isinstance(parameters, np.ndarray) or parameters.dtype != np.float64 or parameters.shape != (
            len(self.parameters),
        ):
            raise TraceError(f"Trace.forward_inputs: parameters must be a float64 vector of {len(self.parameters)}")
        shapes = [np.shape(block) for block in inputs]
        fits = bool(inputs) and all(
            isinstance(block, np.ndarray) and block.dtype in (np.float32, np.float64) and block.ndim == 2
            for block in inputs
        ) and sum(shape[0] for shape in shapes) == len(self.inputs) and len({shape[1] for shape in shapes}) == 1
        if not fits or not shapes[0][1]:
            raise TraceError(f"Trace.forward_inputs: inputs must be float64 or float32 blocks of {len(self.inputs)} "
                             f"rows in all, each with one column per example, got shapes {shapes}")
        return self._run(inputs, self._with_constants(parameters))

    def _run(self, inputs: Sequence[Array], params: Array) -> Array:
        """The forward pass of the table whose input rows are the blocks of ``inputs``, in order."""
        rows = np.empty((self.n_rows, inputs[0].shape[1]))
        start = 0
        for block in inputs:
            rows[start:start + block.shape[0]] = block
            start += block.shape[0]
        forward, _ = self._schedule(MODES.get().anomaly)
        with np.errstate(all="ignore"):
            forward(rows, params)
        if not math.isfinite(rows.sum()):  # one pass: a NaN or an infinity anywhere makes the sum one
            self._check_rows(rows, 0, self.n_rows, "forward", rows, params)
        self._check_guards(rows, params)
        # a refused batch changes nothing: the table is kept only once every check has passed
        self._rows, self._params, self._row_grads = rows, params, None
        out = rows[self._outputs]
        return out[0] if self._single else out.T

    def backward(
        self, reduction: str = "mean", grad_outputs: Array | None = None, accumulate: bool = True,
        input_grads: bool = True,
    ) -> Array:
        """The chain rule over the last batch: each example's gradients (see ``grad``) and the parameters'
        gradients, summed over the batch with ``reduction="sum"`` or averaged with "mean" (the default, as
        a batch's loss is its mean), or weighted by ``grad_outputs`` (batch,) or (batch, n_outputs).

        Returns the parameters' gradients and, with ``accumulate`` (the default), adds them to each
        parameter's ``.grad``, as ``backward()`` does. ``input_grads=False`` skips the gradients of the
        inputs (which training does not need; ``grad`` of an input is then 0)."""
        if self._rows is None or self._params is None:
            raise TraceError("Trace.backward: call forward(batch) first")
        rows, params = self._rows, self._params
        size = rows.shape[1]
        row_grads = np.empty_like(rows)  # the compiled backward sets every row but the outputs', set here
        out_rows = self._output_rows
        if grad_outputs is not None:
            seed = np.asarray(grad_outputs, dtype=float)
            want = (size,) if self._single else (size, len(out_rows))
            if seed.shape != want:
                raise TraceError(f"Trace.backward: grad_outputs must have shape {want}, got {seed.shape}")
            row_grads[out_rows] = seed if self._single else seed.T
        elif len(out_rows) != 1:
            raise TraceError(f"Trace.backward: fn returned {len(out_rows)} outputs; give grad_outputs for them, or "
                             "return one loss")
        elif reduction in ("mean", "sum"):
            row_grads[out_rows[0]] = 1.0 / size if reduction == "mean" else 1.0
        else:
            raise ValueError(f"Trace.backward: reduction must be 'mean' or 'sum', got {reduction!r}")
        param_grads = np.empty(len(params))  # the compiled backward sets every entry
        _, backward = self._schedule(MODES.get().anomaly)
        with np.errstate(all="ignore"):
            backward(rows, params, row_grads, param_grads, not input_grads)
        param_grads = param_grads[: len(self.parameters)]
        if not math.isfinite(row_grads.sum() + param_grads.sum()):  # one pass each, as in forward
            self._check_rows(row_grads, 0, self.n_rows, "backward", rows, params)
            bad = int(np.flatnonzero(~np.isfinite(param_grads))[0])
            raise ValueError(f"Trace.backward: the gradient of parameter {_name(self.graph, self.parameters[bad])} "
                             f"is {param_grads[bad]!r}")
        self._row_grads = row_grads
        self.parameter_grads = param_grads
        if accumulate:
            for p, g in zip(self.parameters, param_grads.tolist(), strict=True):
                p.grad = p.grad + g
        return param_grads

    def jvp(self, batch: Any, tangents: Any, parameters: Array | None = None,
            parameter_tangents: Array | None = None) -> tuple[Array, Array]:
        """Forward mode over a batch: the outputs (as ``forward`` gives them) and their tangents along
        ``tangents`` (shaped as ``batch``: one direction per example) and ``parameter_tangents`` (a vector in
        the order of ``parameters``, shared by every example; none by default). Each op's tangent is the sum of
        its rule row's partials × its inputs' tangents, in the graph's order, on whole rows of the batch: the
        same rows as the replay's backward, read the other way (one pass per direction)."""
        outputs = self.forward(batch, parameters)
        assert self._rows is not None
        assert self._params is not None
        rows, params = self._rows, self._params
        moved = np.zeros_like(rows)
        moved[: len(self.inputs)] = self._batch(tangents)
        if not math.isfinite(float(moved.sum())):
            raise TraceError("Trace.jvp: the tangents must be finite numbers")
        shared = np.zeros(len(params))
        if parameter_tangents is not None:
            vector = _numbers(parameter_tangents, "Trace.jvp: parameter_tangents")
            if vector.shape != (len(self.parameters),) or not np.isfinite(vector).all():
                raise TraceError(f"Trace.jvp: parameter_tangents must be {len(self.parameters)} finite numbers, got "
                                 f"shape {vector.shape}")
            shared[: len(self.parameters)] = vector
        row_of, param_of = self._row_of, self._param_of

        def value(node: Value) -> Any:
            return rows[row_of[id(node)]] if id(node) in row_of else params[param_of[id(node)]]

        def tangent(node: Value) -> Any:
            return moved[row_of[id(node)]] if id(node) in row_of else shared[param_of[id(node)]]

        with np.errstate(all="ignore"):
            for node in self.graph.nodes:
                rule = node._rule
                if rule is None:
                    continue
                parents = node.parents
                partials = rule.partials(tuple(value(p) for p in parents), rows[row_of[id(node)]], node._arg)
                total = np.zeros(rows.shape[1])
                for partial, parent in zip(partials, parents, strict=True):
                    total = total + np.asarray(partial, dtype=float) * tangent(parent)
                moved[row_of[id(node)]] = total
        out = moved[self._output_rows]
        if not math.isfinite(float(out.sum())):
            bad = next(n for n in self.graph.nodes if id(n) in row_of and not np.isfinite(moved[row_of[id(n)]]).all())
            raise ValueError(f"Trace.jvp: the tangent of {_name(self.graph, bad)} is not finite in this batch (a "
                             "partial that does not exist at some example's data)")
        return outputs, (out[0] if self._single else out.T)

    def _check_guards(self, rows: Array, params: Array) -> None:
        for left, symbol, right, outcome, text in self._guards:
            got = COMPARATORS[symbol](_look_up(left, rows, params), _look_up(right, rows, params))
            wrong = np.flatnonzero(np.broadcast_to(got, (rows.shape[1],)) != outcome)
            if wrong.size:
                raise TraceError(
                    f"Trace.forward: example {int(wrong[0])} of the batch does not fit the trace: the comparison "
                    f"{text} was {outcome} when fn was traced and is {not outcome} for it, so fn would have taken "
                    "another path (data-dependent control flow). Run that example on Values, or trace it anew"
                )

    def _schedule(self, checked: bool) -> tuple[Callable[..., None], Callable[..., None]]:
        """The replay compiled into two straight-line functions over NumPy, ``forward(rows, params)`` and
        ``backward(rows, params, grads, pgrads, skip_inputs)``: each group's lines in order (in reverse for
        backward), with every index and every row's function bound once, as ``jax.jit`` compiles a jaxpr.
        With ``checked`` (under ``detect_anomaly``), each group's results are checked as they are made.
        Compiled on first use. The Python work per group and batch was most of an MNIST epoch's time: a
        784-30-10 epoch took 3.7 s replayed group by group, against 1.0 s for NumPy by hand."""
        compiled = self._compiled.get(checked)
        if compiled is None:
            forward, backward = self._write(checked)
            compiled = (forward.compile(_FORWARD, "forward"), backward.compile(_BACKWARD, "backward"))
            self._compiled[checked] = compiled
        return compiled

    def _write(self, checked: bool) -> tuple[_Source, _Source]:
        """The source of the compiled forward and backward (see ``_schedule``)."""
        size = len(self.parameters) + len(self.constants)
        forward, backward = _Source(size), _Source(size, self.n_rows, self._output_rows, checked)
        for group in self.groups:
            group.forward(forward)
            if checked:
                check = forward.bind(self._check_rows, "check")
                forward.add(f"{check}(rows, {group.start}, {group.stop}, 'forward', rows, params)")
        for group in reversed(self.groups):
            group.backward(backward)
            if checked:
                check = backward.bind(self._check_rows, "check")
                backward.add(f"{check}(grads, 0, {self.n_rows}, 'backward', rows, params)")
        backward.lines[:0] = ["    " + line for line in backward.zeroing()]
        return forward, backward

    def source(self) -> str:
        """The compiled replay's Python source, forward then backward: what ``forward`` and ``backward`` run,
        each row's function and index array by the name it is bound to."""
        forward, backward = self._write(False)
        return f"{_FORWARD}\n" + "\n".join(forward.lines) + f"\n\n{_BACKWARD}\n" + "\n".join(backward.lines) + "\n"

    def _check_rows(self, table: Array, start: int, stop: int, phase: str, rows: Array, params: Array) -> None:
        """Raise, naming the example, the node, its op and inputs, if any row in start:stop of ``table`` (the
        data, or for ``phase="backward"`` the gradients) holds a NaN or an infinity. Where the scalar path
        would have raised for that example (exp overflowing, log of 0, ∂√x/∂x at 0), the error is the one it
        raises, of the same type; under ``detect_anomaly``, an ``AnomalyError``."""
        bad = ~np.isfinite(table[start:stop])
        if not bad.any():
            return
        order = {row: node for node in self.graph.nodes if (row := self._row_of.get(id(node))) is not None}
        candidates = [(start + r, e) for r, e in zip(*np.nonzero(bad), strict=True)]
        # forward: the first row in execution order; backward runs from the outputs down
        row, example = min(candidates) if phase == "forward" else max(candidates)
        example = int(example)
        node = order[row]
        value = float(table[row, example])
        name = _name(self.graph, node)
        culprit = node if phase == "forward" else self._consumer_with_bad_partial(node, example, rows, params)
        if MODES.get().anomaly:
            shown_node = culprit or node
            op = shown_node._rule.name if shown_node._rule is not None else "leaf"
            what = f"{name} = {op}({self._inputs_shown(node, example, rows, params)}) gave {value!r}" if (
                phase == "forward") else f"∂/∂{name} is {value!r}"
            raise AnomalyError(f"Trace.{phase}: example {example}: {what}", op=op, inputs=[
                (_name(self.graph, p), self._value_of(p, example, rows, params)) for p in shown_node.parents
            ], phase=phase, step=int(row))
        if culprit is not None and culprit._rule is not None:
            error = self._scalar_error(culprit, example, rows, params, phase)
            if error is not None:
                raise error
        if phase == "forward":
            op = node._rule.name if node._rule is not None else "leaf"
            raise ValueError(f"Trace.forward: example {example}: {name} = "
                             f"{op}({self._inputs_shown(node, example, rows, params)}) gave {value!r}")
        raise ValueError(f"Trace.backward: example {example}: ∂/∂{name} is {value!r}")

    def _consumer_with_bad_partial(self, node: Value, example: int, rows: Array, params: Array) -> Value | None:
        """In a backward pass, the node that passed ``node`` a non-finite gradient through a non-finite
        local partial: the op to blame, as the scalar path blames it."""
        for child in self.graph.nodes:
            rule = child._rule
            if rule is None or not any(p is node for p in child.parents):
                continue
            xs = tuple(self._value_of(p, example, rows, params) for p in child.parents)
            try:
                partials = rule.partials(xs, self._value_of(child, example, rows, params), child._arg)
            except (ArithmeticError, ValueError):
                return child
            if any(p is node and not math.isfinite(float(d)) for p, d in zip(child.parents, partials, strict=True)):
                return child
        return None

    def _scalar_error(self, node: Value, example: int, rows: Array, params: Array, phase: str) -> Exception | None:
        """The error the scalar path raises for ``node`` at ``example`` (its forward, or its partials in
        backward), with the replay's context; None where the scalar path raises nothing."""
        rule = node._rule
        assert rule is not None
        xs = tuple(self._value_of(p, example, rows, params) for p in node.parents)
        try:
            if phase == "forward":
                rule.forward(xs, node._arg)
            else:
                rule.partials(xs, self._value_of(node, example, rows, params), node._arg)
        except (ArithmeticError, ValueError) as error:
            where = f"{rule.name}({self._inputs_shown(node, example, rows, params)})"
            what = f"{_name(self.graph, node)} = {where}" if phase == "forward" else f"the partials of {where}"
            domain = domain_note(rule, node.parents, node._arg, self.graph) if phase == "forward" else ""
            return with_context(error, f"Trace.{phase}: example {example}: {what}: {error}{domain}")
        return None

    def _inputs_shown(self, node: Value, example: int, rows: Array, params: Array) -> str:
        shown = ", ".join(f"{_name(self.graph, p)}={self._value_of(p, example, rows, params)!r}" for p in node.parents)
        if node._rule is not None and node._rule.takes_constant:
            shown += f", c={node._arg!r}"
        return shown

    def _value_of(self, node: Value, example: int, rows: Array, params: Array) -> float:
        if id(node) in self._param_of:
            return float(params[self._param_of[id(node)]])
        return float(rows[self._row_of[id(node)], example])

    # Reading the replay --------------------------------------------------------------------------------

    def _row(self, node: Value | str) -> int:
        if isinstance(node, str):
            found = [n for n in self.graph.nodes if self.graph.name(n) == node]
            if not found:
                raise KeyError(f"Trace: no node named {node!r} in the traced graph")
            node = found[0]
        if id(node) not in self._row_of:
            raise KeyError(f"Trace: {_name(self.graph, node)} is a parameter or not in the traced graph; its data "
                           "is the same for every example")
        return self._row_of[id(node)]

    def data(self, node: Value | str) -> Array:
        """A node's data for every example of the last batch (by the node of the traced graph or its name)."""
        if self._rows is None:
            raise TraceError("Trace.data: call forward(batch) first")
        return self._rows[self._row(node)].copy()

    def grad(self, node: Value | str) -> Array:
        """∂output/∂node for every example of the last batch, scaled as ``backward`` seeded it."""
        if self._row_grads is None:
            raise TraceError("Trace.grad: call backward() first")
        return self._row_grads[self._row(node)].copy()

    def example(self, i: int) -> Value | list[Value]:
        """Ordinary scalar Values for example ``i`` of the last batch: the traced ops run again on floats,
        with new input leaves holding the example's numbers and the parameters themselves, so the result can
        be drawn, stepped through and explained as any graph, and ``backward()`` on it fills the parameters'
        ``.grad``. Its data equals the replay's: where ``forward`` was given ``parameters=`` that differ from a
        parameter's ``.data``, the example reads a new leaf with the given number (and the same label)."""
        if self._rows is None:
            raise TraceError("Trace.example: call forward(batch) first")
        size = self._rows.shape[1]
        if not is_whole(i):
            raise TypeError(f"Trace.example: the example's index must be a whole number, got {i!r}")
        if not -size <= i < size:
            raise IndexError(f"Trace.example: example {i!r} is out of range for a batch of {size}")
        i = int(i)
        copies: dict[int, Value] = {}
        for k, leaf in enumerate(self.inputs):
            copies[id(leaf)] = Value(float(self._rows[k, i]), leaf.label)
        assert self._params is not None
        for p, value in zip((*self.parameters, *self.constants), self._params.tolist(), strict=True):
            # the parameters themselves, unless the replay read other numbers for them (forward was given
            # parameters=): then new leaves holding those numbers, so that the example equals the replay
            copies[id(p)] = p if value == p.data else Value(value, p.label)
        with enable_grad():
            for node in self.graph.nodes:
                if node._rule is None:
                    continue
                made = apply(node._rule, tuple(copies[id(p)] for p in node.parents), node._arg)
                made.label = node.label
                copies[id(node)] = made
        outs = [copies[id(o)] for o in self.outputs]
        return outs[0] if self._single else outs

    def __repr__(self) -> str:
        ops = sum(1 for n in self.graph.nodes if n._rule is not None)
        return (f"Trace({len(self.inputs)} inputs, {len(self.parameters)} parameters, {ops} ops in "
                f"{len(self.groups)} groups, {len(self.outputs)} output(s))")


def _numbers(values: Any, where: str) -> Array:
    """``real_array``, refusing with a ``TraceError``."""
    try:
        return real_array(values, where)
    except TypeError as error:
        raise TraceError(str(error)) from None


def _look_up(where: Any, rows: Array, params: Array) -> Any:
    if isinstance(where, float):
        return where
    kind, index = where
    return params[index] if kind == "param" else rows[index]


def _name(graph: Graph, v: Any) -> str:
    return graph.name(v) if isinstance(v, Value) else repr(v)


def _leaves(arg: Any, where: str) -> tuple[Any, list[Value], tuple[int, ...]]:
    """One argument of the example as Values of the same shape: a Value for a number, nested lists for a
    sequence or an array; with the leaves in order and the shape."""
    if isinstance(arg, Value):
        raise TypeError(f"{where}: give the example as numbers, not Values; the trace makes its own input leaves")
    try:
        array = np.asarray(arg, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where}: the example must be numbers or (nested) sequences of numbers: {error}") from None
    if not np.isfinite(array).all():
        raise ValueError(f"{where}: the example holds a value that is not finite")
    leaves = [Value(float(v)) for v in array.ravel().tolist()]
    if array.ndim == 0:
        return leaves[0], leaves, ()
    nested: Any = np.array(leaves, dtype=object).reshape(array.shape).tolist()
    return nested, leaves, array.shape


def trace(fn: Callable[..., Any], example: Any, parameters: Sequence[Value] | None = None) -> Trace:
    """Run ``fn`` once on Values made from ``example`` and keep the structure of the graph it builds.

    ``example`` is ``fn``'s argument (a number, a sequence or an array) or a tuple of its arguments; every
    number in it becomes an input leaf, and ``fn`` gets Values (nested lists of them for sequences). ``fn``
    returns a Value (a loss, say) or a sequence of Values. The other leaves of the graph are the
    ``parameters`` (shared by every example, with gradients): those given, or by default every leaf that is
    not an input. With ``parameters`` given, the other leaves are constants (``Trace.role``).

    The trace checks what it can see: comparisons of Values (``x > 0``) are replayed for every example, and
    an example that compares otherwise is refused. Python code that reads ``.data`` to decide what to build
    is invisible to it, as ``.item()`` is to ``torch.jit.trace``: compare Values instead.
    """
    if not callable(fn):
        raise TypeError(f"trace: fn must be callable, got {fn!r}")
    args = example if isinstance(example, tuple) else (example,)
    names = _argument_names(fn, len(args))
    built, inputs, shapes = [], [], []
    for name, arg in zip(names, args, strict=True):
        value, leaves, shape = _leaves(arg, f"trace: argument {name!r}")
        built.append(value)
        inputs.extend(leaves)
        shapes.append(shape)
    with enable_grad(), _recording_comparisons() as guards:
        result = fn(*built)
    single = isinstance(result, Value)
    outputs = [result] if single else list(result) if isinstance(result, Sequence) else None
    if not outputs or not all(isinstance(o, Value) for o in outputs):
        raise TypeError(f"trace: fn must return a Value or a non-empty sequence of Values, got {result!r}")
    params = None if parameters is None else list(parameters)
    for p in params or ():
        if not isinstance(p, Value) or not p.is_leaf:
            raise TypeError(f"trace: parameters must be leaf Values, got {p!r}")
    return Trace(shapes, inputs, params, outputs, single, guards)


def _argument_names(fn: Callable[..., Any], count: int) -> list[str]:
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"arg{i}" for i in range(count)]

