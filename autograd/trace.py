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
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from autograd.arrays import is_array, np
from autograd.backends import Backend, get_backend, runs
from autograd.errors import AnomalyError
from autograd.graph import Graph, topological_order
from autograd.modes import COMPARATORS, COMPARISONS, MODES, enable_grad
from autograd.rules import Batched, Rule
from autograd.state import paused_gc
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
_RETURNS = {"forward": "rows", "backward": "grads, pgrads"}


class _Source:
    """The Python source of a compiled replay being written: lines, and the objects they refer to (rows'
    functions, index arrays) bound to names. ``compile`` makes the functions.

    On NumPy (``native``) the lines are NumPy's own in-place calls. On another backend they are written with
    the array-API functions (``xp``) and the backend's ``put`` and ``put_add``, which return the table they
    write (a new one on JAX); its tables start at 0, so every gradient is added."""

    def __init__(self, size: int, rows: int = 0, outputs: Sequence[int] = (), checked: bool = False,
                 backend: Backend | None = None, inputs: int = 0) -> None:
        self.size = size  # of params and pgrads, the shared vectors
        self.lines: list[str] = []
        self.backend = backend if backend is not None else get_backend()
        self.native = self.backend.native
        self.names: dict[str, Any] = {"np": np, "xp": self.backend.xp, "put": self.backend.put,
                                      "put_add": self.backend.put_add}
        # For the backward: which entries of each gradient table ("pgrads", "grads") a line before has set,
        # and which must start at 0 (first added to, or never set). The caller sets the outputs' rows.
        self.written = {"pgrads": np.zeros(size, dtype=bool), "grads": np.zeros(rows, dtype=bool)}
        self.zeroed = {"pgrads": np.zeros(size, dtype=bool), "grads": np.zeros(rows, dtype=bool)}
        self.written["grads"][list(outputs)] = True
        self.checked = checked  # under detect_anomaly the whole table is checked after each group: all zeroed
        self.inputs = inputs  # the input rows, which a backward that skips the inputs' gradients leaves alone
        self.always = np.zeros(rows, dtype=bool)  # rows of "grads" that a line writes whatever skip_inputs is
        self.always[list(outputs)] = True

    def first_write(self, table: str, index: Any, conditional: bool = False) -> bool:
        """Whether the line about to be written is the first to set the entries of ``table`` at ``index``
        (each once, and not only when the inputs' gradients are asked for): it may then assign them, which
        spares the table its zeroing and an add its read (a layer's weight gradients: 8.4 µs added into the
        parameters' strided view, 2.1 µs copied, measured for 30×784). Marks them."""
        if not self.native:
            return False  # the tables start at 0
        written, zeroed = self.written[table], self.zeroed[table]
        positions = np.arange(written.size)[index].ravel()
        if table == "grads" and not conditional:
            self.always[positions] = True
        first = (not conditional and not (self.checked and table == "grads") and not written[positions].any()
                 and (isinstance(index, slice) or np.count_nonzero(np.bincount(positions)) == positions.size))
        if not first:
            zeroed[positions[~written[positions]]] = True
        written[positions] = True
        return first

    def zeroing(self) -> list[str]:
        """The lines that zero the entries no line sets first, which belong at the top of the backward."""
        lines: list[str] = []
        if not self.native:
            return lines
        for table in ("pgrads", "grads"):
            zeroed = self.zeroed[table] | ~self.written[table]
            if table == "grads" and not self.checked:
                # input rows that only lines for the inputs' gradients write: zeroed only when those run
                when_asked = zeroed & ~self.always
                when_asked[self.inputs:] = False
                lines += [f"if not skip_inputs: {line}" for line in self._zero(table, when_asked)]
                zeroed &= ~when_asked
            lines += self._zero(table, zeroed)
        return lines

    def _zero(self, table: str, zeroed: Any) -> list[str]:
        """The lines that set the entries of ``table`` where ``zeroed`` holds to 0."""
        if not zeroed.any():
            return []
        edges = np.flatnonzero(np.diff(np.concatenate([[False], zeroed, [False]]).astype(np.int8)))
        runs = list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))  # [start, stop) of each
        if zeroed.all():
            return [f"{table}[...] = 0.0"]
        if len(runs) <= 4:  # slices: a fancy index is slower to assign through
            return [f"{table}[{start}:{stop}] = 0.0" for start, stop in runs]
        return [f"{table}[{self.bind(np.flatnonzero(zeroed), 'Z')}] = 0.0"]

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

    def read(self, table: str, index: Any) -> str:
        """The expression for the rows ``index`` (a slice or an index array) of ``table``."""
        if self.native:
            return f"{table}[{self.index(index)}]"
        if isinstance(index, slice):
            return f"{table}[{self.index(index)}, ...]"
        return f"xp.take({table}, {self.bind(self.backend.indices(np.ravel(index)), 'I')}, axis=0)"

    def write(self, table: str, index: Any, value: str, add: bool) -> str:
        """On a backend other than NumPy, the line that sets (or adds ``value`` to) the rows ``index`` of
        ``table``, a slice or an index array that may repeat."""
        where = self.bind(index if isinstance(index, slice) else self.backend.put_index(np.ravel(index)), "W")
        return f"{table} = {'put_add' if add else 'put'}({table}, {where}, {value})"

    def add(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)

    def compile(self, header: str, name: str) -> Callable[..., Any]:
        code = "\n".join([header, *self.lines, f"    return {_RETURNS[name]}"])
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
        return f"{src.read('params', self.index)}[:, None]" if self.shared else src.read("rows", self.index)

    def add_grad(self, src: _Source, contribution: str, indent: int = 1, product: tuple[str, str] | None = None,
                 negated: bool = False) -> None:
        """Write the line that adds ``contribution`` (one column per example; ``product``, its two factors
        when it is one) to these inputs' gradients, or with ``negated`` subtracts it: summed over the batch for
        parameters, with np.add.at where an input repeats. Entries that no line has set yet are set, not added
        to (``_Source.first_write``)."""
        if negated and (not src.native or self.shared or self.repeats):
            contribution, negated = f"(-{contribution})", False

        table = "pgrads" if self.shared else "grads"
        if not src.native:
            value = f"xp.sum({contribution}, axis=1)" if self.shared else contribution
            line = src.write(table, self.index, value, add=True)
            src.add(f"if not skip_inputs: {line}" if self.inputs_only else line, indent)
            return
        where = src.index(self.index)
        if not self.repeats and src.first_write(table, self.index, conditional=self.inputs_only):
            view = isinstance(self.index, slice)
            if self.shared:
                line = (f"np.add.reduce({contribution}, axis=1, out=pgrads[{where}])" if view
                        else f"pgrads[{where}] = ({contribution}).sum(axis=1)")
            elif view and product is not None:
                line = f"np.multiply({product[0]}, {product[1]}, out=grads[{where}])"
            elif view and negated:
                line = f"np.negative({contribution}, out=grads[{where}])"
            else:
                line = f"grads[{where}] = {'-' if negated else ''}{contribution}"
            src.add(line, indent)
            return
        value = f"({contribution}).sum(axis=1)" if self.shared else contribution
        line = (f"np.add.at({table}, {where}, {value})" if self.repeats else
                f"{table}[{where}] {'-=' if negated else '+='} {value}")
        src.add(f"if not skip_inputs: {line}" if self.inputs_only else line, indent)


def _on(backend: Backend, rule: Rule, which: str) -> Callable[..., Any]:
    """The row's ``forward`` or ``partials`` as the replay calls it on ``backend``'s arrays. A user op
    (``define_op``) computes on floats or NumPy arrays, so on another backend its inputs go to NumPy and its
    results come back."""
    function: Callable[..., Any] = getattr(rule, which)
    if backend.native or rule.builtin:
        return function
    to_numpy, back = backend.to_numpy, backend.asarray

    def host(xs: tuple[Any, ...], *rest: Any) -> Any:
        arrays = tuple(to_numpy(x) if backend.is_array(x) else x for x in xs)
        rest = tuple(to_numpy(x) if backend.is_array(x) else x for x in rest)
        result = function(arrays, *rest)
        if which == "forward":
            return back(result)
        return tuple(back(r) if is_array(r) else r for r in result)

    return host


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
        forward, arg = src.bind(_on(src.backend, self.rule, "forward"), "forward"), src.bind(self._arg(src), "arg")
        made = f"{forward}(({xs},), {arg})"
        src.add(f"rows[{self.start}:{self.stop}] = {made}" if src.native else
                src.write("rows", slice(self.start, self.stop), made, add=False))

    def _arg(self, src: _Source) -> Any:
        """The constant, a column of them on the backend's device where the nodes' constants differ."""
        return self.arg if src.native or not is_array(self.arg) else src.backend.asarray(self.arg)

    def backward(self, src: _Source) -> None:
        rows = slice(self.start, self.stop)
        if src.native and self.rule.linear:
            self._linear_backward(src)
            return
        xs = ", ".join(op.gather(src) for op in self.operands)
        partials, arg = src.bind(_on(src.backend, self.rule, "partials"), "partials"), src.bind(self._arg(src), "arg")
        src.add(f"up = {src.read('grads', rows)}")
        src.add(f"p = {partials}(({xs},), {src.read('rows', rows)}, {arg})")
        for k, operand in enumerate(self.operands):
            operand.add_grad(src, f"p[{k}] * up", product=(f"p[{k}]", "up"))

    def _linear_backward(self, src: _Source) -> None:
        """The backward of a row whose partials are constants (``Rule.linear``), asked for once here: each
        input's gradient is the upstream gradient itself, its negative, or a multiple of it."""
        size = self.stop - self.start
        zeros = np.zeros((size, 1))
        constants = self.rule.partials(tuple(zeros for _ in self.operands), zeros, self.arg)
        src.add(f"up = grads[{self.start}:{self.stop}]")
        for operand, constant in zip(self.operands, constants, strict=True):
            if not is_array(constant) and constant in (1.0, -1.0):
                operand.add_grad(src, "up", negated=constant == -1.0)
                continue
            name = src.bind(constant, "c")
            operand.add_grad(src, f"{name} * up", product=(name, "up"))


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
        k, n = self.index.shape
        if not src.native:
            where = slice(self.block[0], self.block[0] + k * n) if self.block is not None else self.index
            return f"xp.reshape({src.read(table, where)}, ({k}, {n}, -1))"
        if self.block is None:
            return f"{table}[{src.bind(self.index, 'I')}]"
        first, k, n = self.block
        return f"{table}[{first}:{first + k * n}].reshape({k}, {n}, -1)"

    def forward(self, src: _Source) -> None:
        kernel = src.bind(self.kernel.forward, "kernel")
        made = f"{kernel}({self._gather(src, 'rows')})"
        src.add(f"rows[{self.start}:{self.stop}] = {made}" if src.native else
                src.write("rows", slice(self.start, self.stop), made, add=False))

    def backward(self, src: _Source) -> None:
        vjp = src.bind(self.kernel.vjp, "vjp")
        share = f"{vjp}({src.read('grads', slice(self.start, self.stop))}, (True,), {self._gather(src, 'rows')})[0]"
        if not src.native:
            k, n = self.index.shape
            spread = f"xp.reshape(xp.broadcast_to({share}, ({k}, {n}, grads.shape[1])), ({k * n}, -1))"
            where = slice(self.block[0], self.block[0] + k * n) if self.block is not None else self.index
            line = src.write("grads", where, spread, add=True)
            src.add(f"if not skip_inputs: {line}" if self.inputs_only else line)
            return
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
        if not src.native:
            k, n = self.weights.shape
            if self.view is not None and self.view[0] + k * self.view[3] <= src.size:
                first, k, n, stride = self.view
                return f"xp.reshape({vector}[{first}:{first + k * stride}], ({k}, {stride}))[:, :{n}]"
            return f"xp.reshape({src.read(vector, self.weights)}, ({k}, {n}))"
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
        made = f"{kernel}({self._blocks(src)})"
        src.add(f"rows[{self.start}:{self.stop}] = {made}" if src.native else
                src.write("rows", slice(self.start, self.stop), made, add=False))

    def backward(self, src: _Source) -> None:
        vjp = src.bind(self.kernel.vjp, "vjp")
        wanted = "(True, True, True)" if not self.inputs.inputs_only else "(True, not skip_inputs, True)"
        upstream = src.read("grads", slice(self.start, self.stop))
        first = src.first_write("pgrads", self.weights)
        blocks = self._blocks(src)
        if not src.native:
            src.add(f"d_w, d_x, d_b = {vjp}({upstream}, {wanted}, {blocks})")
            src.add(src.write("pgrads", self.weights, "xp.reshape(d_w, (-1,))", add=True))
        elif first and self.view is not None and self.view[0] + self.view[1] * self.view[3] <= src.size:
            # W's share written by the kernel straight into its view of the parameters' gradients
            src.add(f"d_w, d_x, d_b = {vjp}({upstream}, {wanted}, {blocks}, into={self._matrix(src, 'pgrads')})")
        else:
            src.add(f"d_w, d_x, d_b = {vjp}({upstream}, {wanted}, {blocks})")
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
        backend: Backend | None = None,
    ) -> None:
        self.backend = backend if backend is not None else get_backend()
        """The array library the replay runs on (``autograd.backends``), with its dtype and device."""
        self.shapes = shapes
        self.inputs = inputs
        self.outputs = outputs
        self._single = single
        pending = Value(0.0)
        pending.parents = tuple(outputs)
        self.graph = Graph(topological_order(pending)[:-1])
        self.parameters: list[Value] = []
        self._compiled: dict[bool, tuple[Callable[..., Any], Callable[..., Any]]] = {}
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
        self._output_runs = runs(self._output_rows)
        """The output rows as (first row, stop, first output) of each run of consecutive rows."""
        self._rows: Array | None = None
        self._row_grads: Array | None = None
        self._inputs_skipped = False
        self._pool: dict[tuple[str, tuple[int, ...]], list[Array]] = {}
        self._params: Array | None = None
        self.parameter_grads: Array = self.backend.zeros((len(self.parameters),))

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
        backend = self.backend
        for k, (part, shape) in enumerate(zip(parts, self.shapes, strict=True)):
            array = self._array(part, f"Trace.forward: argument {k} of the batch")
            if array.ndim >= 1 and array.shape[0] == 0:
                raise TraceError("Trace.forward: the batch is empty")
            if tuple(array.shape[1:]) != shape or array.ndim == 0:
                expected = ", ".join(["batch", *map(str, shape)])
                raise TraceError(
                    f"Trace.forward: argument {k} of the batch has shape {tuple(array.shape)}; the trace expects "
                    f"({expected}): its example's shape {shape}, one per example"
                )
            if size is not None and array.shape[0] != size:
                raise TraceError(f"Trace.forward: argument {k} has {array.shape[0]} examples, argument 0 {size}")
            size = array.shape[0]
            columns.append(backend.xp.reshape(array, (size, -1)).T)
        if not size:
            raise TraceError("Trace.forward: the batch is empty")
        return backend.xp.concat(columns, axis=0) if len(columns) > 1 else columns[0]

    def _array(self, values: Any, where: str) -> Array:
        """``values`` as an array of the backend's dtype and device: numbers, NumPy arrays and nested sequences
        checked as ``real_array`` checks them; the backend's own arrays must hold real numbers, all finite."""
        backend = self.backend
        if backend.native:
            array = _numbers(values, where)
            return array if backend.dtype_name == "float64" else array.astype(backend.dtype)
        if not backend.is_array(values):
            return backend.asarray(_numbers(values, where))
        xp = backend.xp
        if not xp.isdtype(values.dtype, ("real floating", "integral")):
            raise TraceError(f"{where}: expected real numbers, got an array of {values.dtype}")
        array = backend.asarray(values)
        if not backend.is_finite(array):
            raise ValueError(f"{where}: holds a value that is not finite")
        return array

    def parameter_data(self) -> Array:
        """The parameters' current ``.data`` as one vector of the backend, in the order of ``parameters``."""
        vector = np.fromiter((p.data for p in self.parameters), dtype=float, count=len(self.parameters))
        return vector if self.backend.native and self.backend.dtype_name == "float64" else self.backend.asarray(vector)

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
        vector = self.parameter_data() if parameters is None else self._array(parameters, "Trace.forward: parameters")
        if tuple(vector.shape) != (len(self.parameters),):
            raise TraceError(f"Trace.forward: parameters must be a vector of {len(self.parameters)} numbers, got shape "
                             f"{tuple(vector.shape)}")
        return self._with_constants(vector)

    def _with_constants(self, vector: Array) -> Array:
        """The parameters' vector followed by the constants' data: the replay's shared vector."""
        if not self.constants:
            return vector  # contiguous float64: read from the parameters, or by real_array
        constants = self.backend.asarray(np.array([c.data for c in self.constants]))
        return self.backend.xp.concat([vector, constants])

    def forward(self, batch: Any, parameters: Array | None = None) -> Array:
        """The outputs for every example of ``batch``: an array (batch,) for a scalar output, else (batch,
        n_outputs). ``batch`` holds one array per argument of ``fn``, each (batch, *shape of the example's
        argument). ``parameters`` (a vector in the order of ``self.parameters``) replaces the parameters'
        own ``.data``, which is read otherwise."""
        x = self._batch(batch)
        return self._outputs_of(self._run([x], self._shared(parameters)))

    def forward_inputs(self, inputs: Sequence[Array], parameters: Array) -> Array:
        """``forward`` for a batch laid out as the replay holds it, for a caller that has checked its whole
        data set once (as ``nn.fit`` has) and skips ``forward``'s checks of each batch. ``inputs`` are blocks of
        float64 or float32 (NumPy's or the backend's), one row per input leaf (in the order of ``self.inputs``,
        the blocks one after another) and one column per example; ``parameters`` is a vector of the backend's
        array type and dtype in the order of ``self.parameters``. The results are checked as ``forward``'s are."""
        backend = self.backend
        if backend.native and type(parameters) is np.ndarray and parameters.dtype == backend.dtype and (
                parameters.shape == (len(self.parameters),)) and self._blocks_fit(inputs):
            return self._outputs_of(self._run(inputs, self._with_constants(parameters), checked_inputs=True))
        if not backend.is_array(parameters) or parameters.dtype != backend.dtype or tuple(parameters.shape) != (
            len(self.parameters),
        ):
            raise TraceError(f"Trace.forward_inputs: parameters must be a {backend.dtype_name} vector of "
                             f"{len(self.parameters)} on {backend!r}")
        shapes = [tuple(block.shape) if backend.is_array(block) or is_array(block) else () for block in inputs]
        fits = bool(inputs) and all(
            len(shape) == 2 and str(block.dtype).endswith(("float32", "float64"))
            for shape, block in zip(shapes, inputs, strict=True)
        ) and sum(shape[0] for shape in shapes) == len(self.inputs) and len({shape[1] for shape in shapes}) == 1
        if not fits or not shapes[0][1]:
            raise TraceError(f"Trace.forward_inputs: inputs must be float64 or float32 blocks of {len(self.inputs)} "
                             f"rows in all, each with one column per example, got shapes {shapes}")
        return self._outputs_of(self._run(inputs, self._with_constants(parameters), checked_inputs=True))

    def _blocks_fit(self, inputs: Sequence[Array]) -> bool:
        """Whether ``inputs`` are NumPy blocks of float32 or float64 that ``forward_inputs`` takes as they are."""
        rows = columns = 0
        for block in inputs:
            if type(block) is not np.ndarray or block.ndim != 2 or block.dtype.char not in "fd":
                return False
            rows += block.shape[0]
            if columns and block.shape[1] != columns:
                return False
            columns = block.shape[1]
        return rows == len(self.inputs) and columns > 0

    def _table(self, kind: str, shape: tuple[int, ...]) -> Array:
        """A table to fill for this batch ("rows" or "grads"). On NumPy, one of two kept for each kind and shape,
        whichever the last accepted pass does not hold, so that a refused batch still changes nothing and no
        batch allocates; elsewhere a new one (of zeros for gradients, which the compiled backward adds to)."""
        backend = self.backend
        if not backend.native:
            return backend.empty(shape) if kind == "rows" else backend.zeros(shape)
        pool = self._pool.get((kind, shape))
        if pool is None:
            if len(self._pool) >= 8:  # batch sizes come and go (the last batch, scoring's chunks): keep a few
                self._pool.clear()
            pool = self._pool[(kind, shape)] = []
        held = self._rows if kind == "rows" else self._row_grads
        for table in pool:
            if table is not held:
                return table
        table = np.empty(shape, dtype=backend.dtype)
        pool.append(table)
        return table

    def _run(self, inputs: Sequence[Array], params: Array, checked_inputs: bool = False) -> Array:
        """The forward pass of the table whose input rows are the blocks of ``inputs``, in order; the table.
        With ``checked_inputs`` the caller has checked that the inputs are finite, and only the ops' rows are."""
        backend = self.backend
        rows = self._table("rows", (self.n_rows, inputs[0].shape[1]))
        start = 0
        for block in inputs:
            if backend.native:
                rows[start:start + block.shape[0]] = block
            else:
                rows = backend.put(rows, slice(start, start + block.shape[0]), backend.asarray(block))
            start += block.shape[0]
        forward, _ = self._schedule(MODES.get().anomaly)
        with _quiet(backend):
            rows = forward(rows, params)
        first = len(self.inputs) if checked_inputs else 0
        if not backend.is_finite(rows[first:, ...]):  # one pass: a NaN or an infinity anywhere makes the sum one
            self._check_rows_of(rows, 0, self.n_rows, "forward", rows, params)
        if self._guards:
            self._check_guards(rows, params)
        # a refused batch changes nothing: the table is kept only once every check has passed
        self._rows, self._params, self._row_grads = rows, params, None
        return rows

    def _outputs_of(self, rows: Array) -> Array:
        """The outputs' rows of the table, as ``forward`` returns them: a new array, not a view of the table."""
        backend = self.backend
        if backend.native:
            out = rows[self._outputs]
            if isinstance(self._outputs, slice):
                out = out.copy()
        elif isinstance(self._outputs, slice):
            out = backend.copy(rows[self._outputs, ...])
        else:
            out = backend.xp.take(rows, backend.indices(np.asarray(self._outputs)), axis=0)
        return out[0, ...] if self._single else out.T

    def backward(
        self, reduction: str = "mean", grad_outputs: Array | None = None, accumulate: bool = True,
        input_grads: bool = True, out: Array | None = None,
    ) -> Array:
        """The chain rule over the last batch: each example's gradients (see ``grad``) and the parameters'
        gradients, summed over the batch with ``reduction="sum"`` or averaged with "mean" (the default, as
        a batch's loss is its mean), or weighted by ``grad_outputs`` (batch,) or (batch, n_outputs).

        Returns the parameters' gradients and, with ``accumulate`` (the default), adds them to each
        parameter's ``.grad``, as ``backward()`` does. ``input_grads=False`` skips the gradients of the
        inputs (which training does not need; ``grad`` of an input is then 0). ``out``, a vector of the
        backend's dtype with one entry per parameter, receives the gradients instead of a new array, as
        NumPy's ``out=`` does (on NumPy, where training reuses one)."""
        if self._rows is None or self._params is None:
            raise TraceError("Trace.backward: call forward(batch) first")
        rows, params = self._rows, self._params
        backend = self.backend
        size = rows.shape[1]
        # the compiled backward sets every row but the outputs', set here (on NumPy; elsewhere it adds to 0)
        row_grads = self._table("grads", tuple(rows.shape))
        out_rows = self._output_rows
        if grad_outputs is not None:
            seed = (backend.asarray(grad_outputs) if backend.is_array(grad_outputs) else
                    backend.asarray(np.asarray(grad_outputs, dtype=float)))
            want = (size,) if self._single else (size, len(out_rows))
            if tuple(seed.shape) != want:
                raise TraceError(f"Trace.backward: grad_outputs must have shape {want}, got {tuple(seed.shape)}")
            if backend.native:
                columns = seed[None, :] if self._single else seed.T
                for first, stop, column in self._output_runs:  # slices: a fancy index is slower to assign through
                    row_grads[first:stop] = columns[column:column + stop - first]
            else:
                row_grads = backend.put(row_grads, backend.put_index(np.asarray(out_rows)),
                                        seed[None, :] if self._single else seed.T)
        elif len(out_rows) != 1:
            raise TraceError(f"Trace.backward: fn returned {len(out_rows)} outputs; give grad_outputs for them, or "
                             "return one loss")
        elif reduction in ("mean", "sum"):
            seeded = 1.0 / size if reduction == "mean" else 1.0
            if backend.native:
                row_grads[out_rows[0]] = seeded
            else:
                row_grads = backend.put(row_grads, slice(out_rows[0], out_rows[0] + 1), seeded)
        else:
            raise ValueError(f"Trace.backward: reduction must be 'mean' or 'sum', got {reduction!r}")
        # on NumPy the compiled backward sets every entry
        count = params.shape[0]
        if out is not None and (not backend.is_array(out) or tuple(out.shape) != (len(self.parameters),) or (
                out.dtype != backend.dtype) or not backend.mutable):
            raise TraceError(f"Trace.backward: out must be a {backend.dtype_name} vector of {len(self.parameters)} on "
                             f"{backend!r}, a library whose arrays can be written")
        if out is not None and backend.native and count == len(self.parameters):
            param_grads = out
        else:
            param_grads = np.empty(count, dtype=params.dtype) if backend.native else backend.zeros((count,))
        _, backward = self._schedule(MODES.get().anomaly)
        with _quiet(backend):
            row_grads, param_grads = backward(rows, params, row_grads, param_grads, not input_grads)
        param_grads = param_grads[: len(self.parameters)]
        first = 0 if input_grads else len(self.inputs)  # the inputs' rows are zeros, or were not written
        if not (backend.is_finite(row_grads[first:, ...]) and backend.is_finite(param_grads)):  # one pass each
            self._check_rows_of(row_grads, first, self.n_rows, "backward", rows, params)
            host = backend.to_numpy(param_grads)
            bad = int(np.flatnonzero(~np.isfinite(host))[0])
            raise ValueError(f"Trace.backward: the gradient of parameter {_name(self.graph, self.parameters[bad])} "
                             f"is {float(host[bad])!r}")
        self._row_grads, self._inputs_skipped = row_grads, not input_grads
        if out is not None and param_grads is not out:
            out[...] = param_grads
            param_grads = out
        self.parameter_grads = param_grads
        if accumulate:
            for p, g in zip(self.parameters, backend.to_numpy(param_grads).tolist(), strict=True):
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
        backend = self.backend
        try:
            moved = backend.put(backend.zeros(tuple(rows.shape)), slice(0, len(self.inputs)), self._batch(tangents))
        except ValueError:
            raise TraceError("Trace.jvp: the tangents must be finite numbers") from None
        if not backend.is_finite(moved):
            raise TraceError("Trace.jvp: the tangents must be finite numbers")
        shared = backend.zeros((params.shape[0],))
        if parameter_tangents is not None:
            try:
                vector = self._array(parameter_tangents, "Trace.jvp: parameter_tangents")
            except ValueError:
                vector = None
            if vector is None or tuple(vector.shape) != (len(self.parameters),):
                got = f"shape {tuple(vector.shape)}" if vector is not None else "a value that is not finite"
                raise TraceError(f"Trace.jvp: parameter_tangents must be {len(self.parameters)} finite numbers, got "
                                 f"{got}")
            shared = backend.put(shared, slice(0, len(self.parameters)), vector)
        row_of, param_of = self._row_of, self._param_of

        def value(node: Value) -> Any:
            return rows[row_of[id(node)], ...] if id(node) in row_of else params[param_of[id(node)]]

        def tangent(node: Value) -> Any:
            return moved[row_of[id(node)], ...] if id(node) in row_of else shared[param_of[id(node)]]

        with _quiet(backend):
            for node in self.graph.nodes:
                rule = node._rule
                if rule is None:
                    continue
                parents = node.parents
                row = row_of[id(node)]
                partials = _on(backend, rule, "partials")(tuple(value(p) for p in parents), rows[row, ...], node._arg)
                total = backend.zeros((rows.shape[1],))
                for partial, parent in zip(partials, parents, strict=True):
                    total = total + partial * tangent(parent)
                moved = backend.put(moved, slice(row, row + 1), total[None, :])
        host = backend.to_numpy(moved)
        out = host[self._output_rows]
        if not math.isfinite(float(out.sum())):
            bad = next(n for n in self.graph.nodes if id(n) in row_of and not np.isfinite(host[row_of[id(n)]]).all())
            raise ValueError(f"Trace.jvp: the tangent of {_name(self.graph, bad)} is not finite in this batch (a "
                             "partial that does not exist at some example's data)")
        out = moved[self._output_rows[0]:self._output_rows[0] + 1, ...] if self._single else backend.xp.take(
            moved, backend.indices(np.asarray(self._output_rows)), axis=0)
        return outputs, (out[0, ...] if self._single else out.T)

    def _check_guards(self, rows: Array, params: Array) -> None:
        for left, symbol, right, outcome, text in self._guards:
            got = COMPARATORS[symbol](_look_up(left, rows, params), _look_up(right, rows, params))
            if not self.backend.native and self.backend.is_array(got):
                got = self.backend.to_numpy(got)
            wrong = np.flatnonzero(np.broadcast_to(got, (rows.shape[1],)) != outcome)
            if wrong.size:
                raise TraceError(
                    f"Trace.forward: example {int(wrong[0])} of the batch does not fit the trace: the comparison "
                    f"{text} was {outcome} when fn was traced and is {not outcome} for it, so fn would have taken "
                    "another path (data-dependent control flow). Run that example on Values, or trace it anew"
                )

    def _schedule(self, checked: bool) -> tuple[Callable[..., Any], Callable[..., Any]]:
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
            if not checked and all(node._rule is None or node._rule.builtin for node in self.graph.nodes):
                # not where a check or a user op reads numbers in the middle of the pass: JAX compiles the rest
                compiled = (self.backend.compiled(compiled[0]), self.backend.compiled(compiled[1], static=(4,)))
            self._compiled[checked] = compiled
        return compiled

    def _write(self, checked: bool) -> tuple[_Source, _Source]:
        """The source of the compiled forward and backward (see ``_schedule``)."""
        size = len(self.parameters) + len(self.constants)
        forward = _Source(size, backend=self.backend)
        backward = _Source(size, self.n_rows, self._output_rows, checked, self.backend, len(self.inputs))
        for group in self.groups:
            group.forward(forward)
            if checked:
                check = forward.bind(self._check_rows_of, "check")
                forward.add(f"{check}(rows, {group.start}, {group.stop}, 'forward', rows, params)")
        for group in reversed(self.groups):
            group.backward(backward)
            if checked:
                check = backward.bind(self._check_rows_of, "check")
                backward.add(f"{check}(grads, 0, {self.n_rows}, 'backward', rows, params)")
        backward.lines[:0] = ["    " + line for line in backward.zeroing()]
        return forward, backward

    def source(self) -> str:
        """The compiled replay's Python source, forward then backward: what ``forward`` and ``backward`` run,
        each row's function and index array by the name it is bound to."""
        forward, backward = self._write(False)
        return f"{_FORWARD}\n" + "\n".join(forward.lines) + f"\n\n{_BACKWARD}\n" + "\n".join(backward.lines) + "\n"

    def _check_rows_of(self, table: Array, start: int, stop: int, phase: str, rows: Array, params: Array) -> None:
        """``_check_rows`` on the backend's arrays, read on the host."""
        if self.backend.native:
            self._check_rows(table, start, stop, phase, rows, params)
            return
        to_numpy = self.backend.to_numpy
        self._check_rows(to_numpy(table), start, stop, phase, to_numpy(rows), to_numpy(params))

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
        return self.backend.copy(self._rows[self._row(node), ...])

    def grad(self, node: Value | str) -> Array:
        """∂output/∂node for every example of the last batch, scaled as ``backward`` seeded it."""
        if self._row_grads is None:
            raise TraceError("Trace.grad: call backward() first")
        row = self._row(node)
        if row < len(self.inputs) and self._inputs_skipped:
            return self.backend.zeros((self._row_grads.shape[1],))
        return self.backend.copy(self._row_grads[row, ...])

    def example(self, i: int) -> Value | list[Value]:
        """Ordinary scalar Values for example ``i`` of the last batch: the traced ops run again on floats,
        with new input leaves holding the example's numbers and the parameters themselves, so the result can
        be drawn, stepped through and explained as any graph, and ``backward()`` on it fills the parameters'
        ``.grad``. Its data equals the replay's: where ``forward`` was given ``parameters=`` that differ from a
        parameter's ``.data``, the example reads a new leaf with the given number (and the same label)."""
        if self._rows is None:
            raise TraceError("Trace.example: call forward(batch) first")
        size = int(self._rows.shape[1])
        if not is_whole(i):
            raise TypeError(f"Trace.example: the example's index must be a whole number, got {i!r}")
        if not -size <= i < size:
            raise IndexError(f"Trace.example: example {i!r} is out of range for a batch of {size}")
        i = int(i)
        copies: dict[int, Value] = {}
        column = self.backend.to_numpy(self._rows[: len(self.inputs), i]).tolist()
        for k, leaf in enumerate(self.inputs):
            copies[id(leaf)] = Value(float(column[k]), leaf.label)
        assert self._params is not None
        for p, value in zip((*self.parameters, *self.constants), self.backend.to_numpy(self._params).tolist(),
                            strict=True):
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


def _quiet(backend: Backend) -> AbstractContextManager[Any]:
    """NumPy's warnings of overflow and invalid values off: the replay checks its results itself."""
    return np.errstate(all="ignore") if backend.native else nullcontext()


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


def trace(fn: Callable[..., Any], example: Any, parameters: Sequence[Value] | None = None, backend: Any = "numpy",
          dtype: str = "float64", device: Any = None) -> Trace:
    """Run ``fn`` once on Values made from ``example`` and keep the structure of the graph it builds.

    ``example`` is ``fn``'s argument (a number, a sequence or an array) or a tuple of its arguments; every
    number in it becomes an input leaf, and ``fn`` gets Values (nested lists of them for sequences). ``fn``
    returns a Value (a loss, say) or a sequence of Values. The other leaves of the graph are the
    ``parameters`` (shared by every example, with gradients): those given, or by default every leaf that is
    not an input. With ``parameters`` given, the other leaves are constants (``Trace.role``).

    The trace checks what it can see: comparisons of Values (``x > 0``) are replayed for every example, and
    an example that compares otherwise is refused. Python code that reads ``.data`` to decide what to build
    is invisible to it, as ``.item()`` is to ``torch.jit.trace``: compare Values instead.

    ``backend`` is the array library the replay runs on: "numpy" (the default), "torch", "cupy", "jax", or an
    array-API namespace (``autograd.backends``). ``forward`` then takes and returns that library's arrays
    (NumPy arrays and lists are converted), on ``device`` ("cpu", "cuda"...). ``dtype`` is "float64" (the
    default, on every backend, so that all give NumPy's numbers) or "float32" (numbers agree with float64's to
    about 1e-5 relative). A library that is not installed is refused, naming what to install.
    """
    chosen = get_backend(backend, dtype, device)
    with paused_gc():  # the example's graph and the tables of its compiling: many objects, all living on
        return _traced(fn, example, parameters, chosen)


def _traced(fn: Callable[..., Any], example: Any, parameters: Sequence[Value] | None, chosen: Backend) -> Trace:
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
    return Trace(shapes, inputs, params, outputs, single, guards, chosen)


def _argument_names(fn: Callable[..., Any], count: int) -> list[str]:
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"arg{i}" for i in range(count)]

