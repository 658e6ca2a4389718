"""Modules: Neuron, Layer, MLP and RNN, with PyTorch's module API in miniature.

A neuron is one fused ``autograd.dot`` node (one edge per weight, input and bias) plus its activation.
Every parameter is a leaf Value labelled with its name (``layers.0.neurons.1.w.0``), and each forward pass
labels the nodes it makes (``layers.0.neurons.1.net`` and ``.out``), so drawn graphs read well and can be
grouped by module with ``autograd.label_prefix``. As in PyTorch, a module's computation is its ``forward``,
and calling the module calls it.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import autograd
from autograd import Value
from autograd.extend import (
    RULES,
    apply,
    as_values,
    is_array,
    is_real,
    open_regular_file,
    whole_number,
    write_atomically,
)

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "RNN",
    "Layer",
    "Module",
    "Neuron",
    "gradcheck_parameters",
    "load",
]

Input = Sequence[Value | float]
Output = Value | list[Value]

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "linear": None,
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "softplus": Value.softplus,
}
"""The activations a neuron can apply after its w·x + b; ``linear`` applies none."""


def _uniform(rng: random.Random, nin: int, nout: int) -> float:
    return rng.uniform(-1.0, 1.0)


def _xavier(rng: random.Random, nin: int, nout: int) -> float:
    bound = math.sqrt(6.0 / (nin + nout))
    return rng.uniform(-bound, bound)


def _he(rng: random.Random, nin: int, nout: int) -> float:
    return rng.gauss(0.0, math.sqrt(2.0 / nin))


INITS: dict[str, Callable[[random.Random, int, int], float]] = {
    "uniform": _uniform,
    "xavier": _xavier,
    "glorot": _xavier,
    "he": _he,
}
"""Weight initialisations: ``uniform`` U(-1, 1) as in micrograd; ``xavier`` (or ``glorot``)
U(±√(6/(nin+nout))); ``he`` N(0, 2/nin). Biases start at 0."""


def _check_choice(value: object, choices: Mapping[str, object], name: str, where: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{where}: unknown {name} {value!r}; choose from {', '.join(sorted(choices))}")
    return value


def _rng(seed: int | random.Random | None) -> random.Random:
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def _inputs(x: Input | Value | float, n: int, where: str, name: str | None = "x") -> list[Value]:
    """One sample's inputs as Values (a single number counts as one input), checked against ``n``. A number
    becomes a leaf labelled ``x0``, ``x1``... (``name`` and its position; unlabelled with ``name=None``), so
    that a drawn model names its inputs; a Value is used as it is."""
    items: Sequence[Value | float] = [x] if isinstance(x, Value) or is_real(x) else x  # type: ignore[assignment]
    if len(items) != n:
        raise ValueError(f"{where}: expected {n} inputs, got {len(items)}")
    values = as_values(items, where)
    if name is not None:
        for label, item, value in zip(_input_labels(name, n), items, values, strict=True):
            if value is not item:
                value.label = label
    return values


@functools.cache
def _input_labels(name: str, n: int) -> tuple[str, ...]:
    """``x0``, ``x1``, ...: made once per model width, not once per sample."""
    return tuple(f"{name}{i}" for i in range(n))


_DOT = RULES["dot"]


def _qualified(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


class Module:
    """The base of every model: forward, parameters by name, zero_grad, state_dict, save and load.

    ``prefix`` is the module's place in the model it belongs to (``layers.0.neurons.1``; "" for the model
    itself), which starts the labels of its parameters and of the nodes its forward pass makes.
    ``trained_with`` names the loss ``nn.fit`` last trained it with (None before), which ``save`` records and
    ``load`` restores, so that the ``chainrule`` commands use that loss by default.
    """

    prefix: str = ""
    trained_with: str | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward``."""
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The module's computation on one sample."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs, in a fixed order."""
        return [
            (f"{child_name}.{name}", p)
            for child_name, child in self.named_children()
            for name, p in child.named_parameters()
        ]

    def named_children(self) -> list[tuple[str, Module]]:
        """(name, submodule) pairs."""
        return []

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of ``named_parameters``."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """The parameters' values by name."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set the parameters from ``state``. Every name must match and every value be a finite number;
        otherwise a ValueError says which, and no parameter is changed."""
        named = self.named_parameters()
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping of names to numbers, got {type(state).__name__}")
        missing = [name for name, _ in named if name not in state]
        unexpected = [name for name in state if name not in dict(named)]
        if missing or unexpected:
            raise ValueError(
                f"load_state_dict: the state does not fit this {type(self).__name__}: "
                f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                f"unexpected {unexpected[:5]}{'...' if len(unexpected) > 5 else ''}"
            )
        values = {}
        for name, _ in named:
            value = state[name]
            try:
                number = float(value) if is_real(value) else math.nan
            except OverflowError:  # an integer of hundreds of digits
                raise ValueError(f"load_state_dict: parameter {name} is too large for a float "
                                 f"({len(str(value))} digits)") from None
            if not math.isfinite(number):
                raise ValueError(f"load_state_dict: parameter {name} must be a finite number, got {value!r}")
            values[name] = number
        for name, p in named:
            p.data = values[name]

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module's architecture (saved by ``save``)."""
        raise NotImplementedError(f"{type(self).__name__} does not define config(), so it cannot be saved")

    def save(self, path: str | Path) -> Path:
        """Write the architecture and the weights to ``path`` as JSON, atomically: a crash leaves either
        the old file or the new one, never half of one."""
        state = self.state_dict()
        bad = [name for name, value in state.items() if not math.isfinite(value)]
        if bad:
            raise ValueError(f"save: parameters {bad[:5]} are not finite numbers; JSON cannot hold them")
        payload = {"format": "chainrule.nn", "version": 1, "class": type(self).__name__, "config": self.config(),
                   "state": state, **({"loss": self.trained_with} if self.trained_with is not None else {})}
        return write_atomically(path, json.dumps(payload, indent=1, allow_nan=False).encode("utf-8"))

    def load(self, path: str | Path) -> None:
        """Load weights saved by ``save`` into this module. A corrupt, truncated or mismatched file raises
        ValueError and leaves the module untouched."""
        payload = _read(path)
        if payload["class"] != type(self).__name__ or payload["config"] != self.config():
            raise ValueError(
                f"load: {path} holds a {payload['class']} with config {payload['config']}, "
                f"not this {type(self).__name__} with config {self.config()}"
            )
        try:
            self.load_state_dict(payload["state"])
        except (TypeError, ValueError) as error:
            raise ValueError(f"load: {path}: {error}") from None

    def _swap_parameters(self, values: Iterator[Value]) -> None:
        """Put the next Values of ``values`` in place of this module's parameter objects, in order."""
        for _, child in self.named_children():
            child._swap_parameters(values)

    def _relabel(self, prefix: str = "") -> None:
        self.prefix = prefix
        for child_name, child in self.named_children():
            child._relabel(_qualified(prefix, child_name))
        for name, p in self.named_parameters():
            p.label = _qualified(prefix, name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.config().items())})"


class Neuron(Module):
    """One neuron: activation(w·x + b) as one fused dot node and its activation node."""

    def __init__(
        self,
        nin: int,
        activation: str = "tanh",
        init: str = "uniform",
        seed: int | random.Random | None = None,
        nout_hint: int = 1,
    ) -> None:
        self.nin = whole_number(nin, "nin", "Neuron")
        whole_number(nout_hint, "nout_hint", "Neuron")
        self.activation = _check_choice(activation, ACTIVATIONS, "activation", "Neuron")
        self.init = _check_choice(init, INITS, "init", "Neuron")
        rng, draw = _rng(seed), INITS[init]
        self.w = [Value(draw(rng, nin, nout_hint)) for _ in range(nin)]
        self.b = Value(0.0)
        self._act = ACTIVATIONS[activation]
        self._relabel()

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [*((f"w.{i}", w) for i, w in enumerate(self.w)), ("b", self.b)]

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]  # without making the names: an MNIST model has 23,860

    def __getstate__(self) -> dict[str, Any]:
        """For pickle: everything but the activation function, which ``activation`` names."""
        return {k: v for k, v in self.__dict__.items() if k != "_act"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._act = ACTIVATIONS[self.activation]

    def _swap_parameters(self, values: Iterator[Value]) -> None:
        self.w = [next(values) for _ in self.w]
        self.b = next(values)

    def set_weights(self, weights: Sequence[float], bias: float) -> None:
        """Set the weights and the bias exactly, e.g. to reproduce a worked example; checked as by
        ``load_state_dict``, so a bad value changes nothing."""
        if len(weights) != self.nin:
            raise ValueError(f"Neuron.set_weights: expected {self.nin} weights, got {len(weights)}")
        self.load_state_dict({**{f"w.{i}": w for i, w in enumerate(weights)}, "b": bias})

    def forward(self, x: Input) -> Value:
        """activation(w·x + b) for one sample of ``nin`` numbers or Values."""
        return self.forward_values(_inputs(x, self.nin, "Neuron"))

    def forward_values(self, xs: list[Value]) -> Value:
        """``forward`` without its checks, for inputs that are already a list of ``nin`` Values: the path
        the layers above take, which have checked the sample once."""
        net = apply(_DOT, (*self.w, *xs, self.b), self.nin)
        net.label = _qualified(self.prefix, "net")
        act = self._act
        if act is None:
            return net
        out = act(net)
        out.label = _qualified(self.prefix, "out")
        return out

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}


class Layer(Module):
    """``nout`` neurons over the same ``nin`` inputs."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "tanh",
        init: str = "uniform",
        seed: int | random.Random | None = None,
    ) -> None:
        self.nin = whole_number(nin, "nin", "Layer")
        self.nout = whole_number(nout, "nout", "Layer")
        self.activation = _check_choice(activation, ACTIVATIONS, "activation", "Layer")
        rng = _rng(seed)
        self.neurons = [Neuron(nin, activation, init, rng, nout) for _ in range(nout)]
        self._relabel()

    def named_children(self) -> list[tuple[str, Module]]:
        return [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def forward(self, x: Input) -> list[Value]:
        """Each neuron on the same sample of ``nin`` numbers or Values."""
        return self.forward_values(_inputs(x, self.nin, "Layer"))

    def forward_values(self, xs: list[Value]) -> list[Value]:
        """``forward`` without its checks, for inputs that are already a list of ``nin`` Values."""
        return [n.forward_values(xs) for n in self.neurons]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])`` maps 2 inputs through two hidden layers to 1 output.

    Hidden layers use ``activation``, the last layer ``output_activation``. Called on one sample, it
    returns a Value when the last layer has one neuron and a list of Values otherwise.
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str = "tanh",
        output_activation: str = "linear",
        init: str = "uniform",
        seed: int | None = None,
    ) -> None:
        self.nin = whole_number(nin, "nin", "MLP")
        if isinstance(sizes, int) or not sizes:
            raise ValueError(f"MLP: sizes must be a non-empty list of layer sizes, got {sizes!r}")
        self.sizes = [whole_number(s, "each layer size", "MLP") for s in sizes]
        self.activation = _check_choice(activation, ACTIVATIONS, "activation", "MLP")
        self.output_activation = _check_choice(output_activation, ACTIVATIONS, "output_activation", "MLP")
        self.init = _check_choice(init, INITS, "init", "MLP")
        rng = _rng(seed)
        dims = [nin, *self.sizes]
        last = len(self.sizes) - 1
        self.layers = [
            Layer(dims[i], dims[i + 1], output_activation if i == last else activation, init, rng)
            for i in range(len(self.sizes))
        ]
        self._relabel()

    def named_children(self) -> list[tuple[str, Module]]:
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def forward(self, x: Input) -> Output:
        """The last layer's output for one sample of ``nin`` numbers or Values."""
        xs = _inputs(x, self.nin, "MLP")
        for layer in self.layers:
            xs = layer.forward_values(xs)
        return xs[0] if len(xs) == 1 else xs

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin, "sizes": list(self.sizes), "activation": self.activation,
            "output_activation": self.output_activation,
        }


class RNN(Module):
    """A recurrent network of scalar Values, unrolled over a sequence (backpropagation through time).

    h_t = tanh(W_x·x_t + W_h·h_(t−1) + b) with ``nhidden`` units, and y_t = W_y·h_t + b_y. The same weights
    serve every time step, so ``backward()`` sums their gradients over the steps by itself. The unrolled
    graph reads as the derivation does: each step's inputs, hidden units and outputs are labelled ``t0.x``,
    ``t0.h``, ``t0.y`` (``t0.h.1`` with several units), and each unit's w·x + b ``t0.cell.neurons.0.net``.
    """

    def __init__(
        self, nin: int, nhidden: int, nout: int, init: str = "xavier", seed: int | None = None
    ) -> None:
        self.nin = whole_number(nin, "nin", "RNN")
        self.nhidden = whole_number(nhidden, "nhidden", "RNN")
        self.nout = whole_number(nout, "nout", "RNN")
        self.init = _check_choice(init, INITS, "init", "RNN")
        rng = _rng(seed)
        self.cell = Layer(nin + nhidden, nhidden, "tanh", init, rng)
        self.readout = Layer(nhidden, nout, "linear", init, rng)
        self._relabel()

    def named_children(self) -> list[tuple[str, Module]]:
        return [("cell", self.cell), ("readout", self.readout)]

    def forward(self, sequence: Sequence[Input], h0: Sequence[Value | float] | None = None) -> list[Output]:
        """The output at each step of ``sequence`` (a list of inputs of ``nin`` numbers each)."""
        return self.unroll(sequence, h0)[0]

    def unroll(
        self, sequence: Sequence[Input], h0: Sequence[Value | float] | None = None
    ) -> tuple[list[Output], list[Value]]:
        """Unroll the network over ``sequence``: the outputs at each step and the last hidden state."""
        if isinstance(sequence, str) or not (isinstance(sequence, Sequence) or is_array(sequence)) or not len(sequence):
            raise ValueError(f"RNN: expected a non-empty sequence of inputs, got {sequence!r}")
        h = _inputs(h0 if h0 is not None else [0.0] * self.nhidden, self.nhidden, "RNN: h0", name=None)
        outputs: list[Output] = []
        for t, x in enumerate(sequence):
            xs = _inputs(x, self.nin, f"RNN: step {t}", name=None)
            _label_step(xs, f"t{t}.x", keep=True)
            h = self.cell.forward_values(xs + h)
            for v in h:  # each unit's w·x + b, named for its time step (no parents under no_grad)
                if v.parents:
                    v.parents[0].label = f"t{t}.{v.parents[0].label}"
            _label_step(h, f"t{t}.h")
            y = self.readout.forward_values(h)
            _label_step(y, f"t{t}.y")
            outputs.append(y[0] if len(y) == 1 else y)
        return outputs, h

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nhidden": self.nhidden, "nout": self.nout}


def _label_step(values: list[Value], name: str, keep: bool = False) -> None:
    """Label one time step's values ``name`` (one value) or ``name.0``, ``name.1``...; with ``keep``, values
    that have a label already keep it."""
    for i, v in enumerate(values):
        if not (keep and v.label):
            v.label = name if len(values) == 1 else f"{name}.{i}"


_CLASSES: dict[str, Callable[..., Module]] = {"Neuron": Neuron, "Layer": Layer, "MLP": MLP, "RNN": RNN}


def _read(path: str | Path) -> dict[str, Any]:
    """The payload of a saved model, checked as far as it can be without building anything: every failure
    is a ValueError that names the file and the problem."""
    with open_regular_file(path, "load") as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"load: {path} is not a text file saved by chainrule") from None
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as error:  # ValueError: bad JSON, or an integer of too many digits
        reason = "it is nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise ValueError(f"load: {path} is not valid JSON (corrupt or truncated?): {reason}") from None
    if not isinstance(payload, dict) or payload.get("format") != "chainrule.nn":
        raise ValueError(f"load: {path} is not a model saved by chainrule (no 'format': 'chainrule.nn')")
    if payload.get("version") != 1:
        raise ValueError(f"load: {path} has format version {payload.get('version')!r}; this chainrule reads 1")
    for key, kind in (("class", str), ("config", dict), ("state", dict)):
        if not isinstance(payload.get(key), kind):
            raise ValueError(f"load: {path} has no valid {key!r} entry")
    if not isinstance(payload.get("loss", ""), str):
        raise ValueError(f"load: {path} has a 'loss' entry that is no loss's name: {_short(payload['loss'])}")
    if payload["class"] not in _CLASSES:
        raise ValueError(f"load: {path} holds an unknown model class {payload['class']!r}")
    try:
        expected = _parameter_count(payload["class"], payload["config"])
    except (TypeError, ValueError, KeyError, ArithmeticError) as error:
        raise ValueError(f"load: {path} has a config this chainrule cannot build: {_short(error)}") from None
    if expected != len(payload["state"]):
        count = f"{expected}" if expected < 10**30 else f"a {len(str(expected))}-digit number of"
        raise ValueError(
            f"load: {path} has a {payload['class']} config with {count} parameters but a state with "
            f"{len(payload['state'])}; the file is corrupt or was edited"
        )
    return payload


def _short(error: object, limit: int = 300) -> str:
    """An error's message, cut to ``limit`` characters (a config can hold a number of hundreds of digits)."""
    text = str(error)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


def _parameter_count(name: str, config: dict[str, Any]) -> int:
    """How many parameters the model ``name`` built from ``config`` has, without building it."""

    def size(key: str) -> int:
        return whole_number(config[key], key, name)

    def layer(nin: int, nout: int) -> int:
        return nout * (nin + 1)

    if name == "Neuron":
        return layer(size("nin"), 1)
    if name == "Layer":
        return layer(size("nin"), size("nout"))
    if name == "MLP":
        sizes = config["sizes"]
        if not isinstance(sizes, list) or not sizes:
            raise ValueError(f"MLP: sizes must be a non-empty list of layer sizes, got {sizes!r}")
        dims = [size("nin"), *(whole_number(s, "each layer size", name) for s in sizes)]
        return sum(layer(a, b) for a, b in itertools.pairwise(dims))
    nin, nhidden, nout = size("nin"), size("nhidden"), size("nout")  # RNN
    return layer(nin + nhidden, nhidden) + layer(nhidden, nout)


def gradcheck_parameters(
    model: Module, loss: Callable[[Module], Value], eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4
) -> bool:
    """Check ∂loss/∂parameter for every parameter of ``model`` against central differences: what
    ``autograd.gradcheck(fn, inputs)`` does for a function's inputs, done for a model's parameters.

    ``loss(model)`` runs the model and returns a Value. Returns True or raises ``autograd.GradcheckError``
    naming each disagreeing parameter by its label. The model's parameters are left as they were.
    """
    originals = model.parameters()

    def with_parameters(*values: Value) -> Value:
        model._swap_parameters(iter(values))
        try:
            return loss(model)
        finally:
            model._swap_parameters(iter(originals))

    return autograd.gradcheck(with_parameters, originals, eps=eps, atol=atol, rtol=rtol)


def load(path: str | Path) -> Module:
    """A model rebuilt from a file written by ``Module.save``: architecture, then weights.

    Every failure (a file that is missing, not a regular file, not JSON, nested too deeply, inconsistent,
    or with values of the wrong type) is a ValueError that names the file and the problem; the config is
    checked against the state before anything is built."""
    payload = _read(path)
    try:
        model = _CLASSES[payload["class"]](**payload["config"])
    except (TypeError, ValueError, ArithmeticError) as error:
        raise ValueError(f"load: {path} has a config this chainrule cannot build: {_short(error)}") from None
    try:
        model.load_state_dict(payload["state"])
    except (TypeError, ValueError) as error:
        raise ValueError(f"load: {path}: {error}") from None
    model.trained_with = payload.get("loss")
    return model
