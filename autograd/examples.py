"""The classic worked example of backpropagation, a 2-2-2 sigmoid network updated by hand, and problems like it.

Inputs 0.05 and 0.10, targets 0.01 and 0.99, weights w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50,
0.55, a bias of 0.35 shared by both hidden neurons and 0.60 shared by both outputs (not updated), learning
rate 0.5 and E = Σ ½(target − out)². Every node carries the name the derivation gives it (net_h1, out_o1,
E_o1, E), so graphs, steps and explanations read like the textbook. (The textbook's error after one update,
0.291027924, is not a rounding of the true 0.2910277737: it is what comes out when the hidden layer's
gradients are computed with the already updated w5..w8, which is not the gradient of E. Notebook 01 shows
both.)

``Network`` builds the same kind of network of any size, with the same names (i1.., w1.., h1.., o1..), and
``problem(seed)`` draws one at random, as a teacher sets one: Mazur-style exercises without end.

>>> example = WorkedExample()
>>> round(example.forward().data, 9)
0.298371109
>>> example.step()
>>> round(example.values["w5"].data, 8), round(example.forward().data, 10)
(0.35891648, 0.2910277737)
"""

from __future__ import annotations

import itertools
import random

import autograd
from autograd import Value

__all__ = ["ACTIVATIONS", "LOSSES", "Network", "WorkedExample", "problem"]

WEIGHTS = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
"""The activations a ``Network``'s neurons may apply after their w·x + b (``linear``: none)."""

LOSSES = ("half_sse", "mse")
"""A ``Network``'s errors: ``half_sse`` E = Σ ½(target − out)², as the worked example; ``mse`` E = Σ (target −
out)² / n."""

LARGEST = (3, 4, 3)
"""The largest layers ``problem`` draws: inputs, hidden neurons, outputs."""


class Network:
    """A small fully connected network written out node by node, as a derivation by hand names it: inputs
    i1.., weights w1.. numbered neuron by neuron, one bias per layer (b1, b2...) shared by its neurons, hidden
    neurons h1.. and outputs o1.. (net_h1 = w1·i1 + w2·i2 + b1, out_h1 = σ(net_h1)), and the error E against
    the targets. ``sizes`` are the layers' widths, inputs first: (2, 2, 2), or (3, 1) for no hidden layer.
    ``values`` holds the leaves by name and ``nodes`` (after ``forward``) every named node."""

    def __init__(
        self,
        sizes: tuple[int, ...],
        inputs: tuple[float, ...],
        targets: tuple[float, ...],
        weights: tuple[float, ...],
        biases: tuple[float, ...],
        activation: str = "sigmoid",
        loss: str = "half_sse",
        lr: float = 0.5,
    ) -> None:
        sizes = tuple(sizes)
        if not 2 <= len(sizes) <= 3 or any(not isinstance(n, int) or n < 1 for n in sizes):
            raise ValueError(f"Network: sizes must be 2 or 3 layer widths of at least 1 (inputs, hidden, outputs), "
                             f"got {sizes!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"Network: unknown activation {activation!r}; choose from {', '.join(ACTIVATIONS)}")
        if loss not in LOSSES:
            raise ValueError(f"Network: unknown loss {loss!r}; choose from {', '.join(LOSSES)}")
        wanted = sum(a * b for a, b in itertools.pairwise(sizes))
        for name, given, count in (("inputs", inputs, sizes[0]), ("targets", targets, sizes[-1]),
                                   ("weights", weights, wanted), ("biases", biases, len(sizes) - 1)):
            if len(given) != count:
                raise ValueError(f"Network: {sizes} takes {count} {name}, got {len(given)}: {tuple(given)!r}")
        self.sizes = sizes
        self.targets = tuple(targets)
        self.activation = activation
        self.loss = loss
        self.lr = lr
        self.values: dict[str, Value] = {f"i{k}": Value(x, f"i{k}") for k, x in enumerate(inputs, start=1)}
        self.values.update({f"w{k}": Value(w, f"w{k}") for k, w in enumerate(weights, start=1)})
        self.values.update({f"b{k}": Value(b, f"b{k}") for k, b in enumerate(biases, start=1)})
        self.nodes: dict[str, Value] = {}

    @property
    def weights(self) -> list[Value]:
        """w1, w2..., the parameters ``step`` updates."""
        return [value for name, value in self.values.items() if name.startswith("w")]

    def forward(self) -> Value:
        """Build the graph and return E; every named node is also in ``nodes`` (net_h1, out_h1, ..., E)."""
        v = self.values
        self.nodes = dict(v)
        layer = [v[f"i{k}"] for k in range(1, self.sizes[0] + 1)]
        numbered = 0
        for depth, width in enumerate(self.sizes[1:], start=1):
            letter = "o" if depth == len(self.sizes) - 1 else "h"
            neurons = []
            for k in range(1, width + 1):
                ws = [v[f"w{numbered + j}"] for j in range(1, len(layer) + 1)]
                numbered += len(layer)
                neurons.append(self._neuron(f"{letter}{k}", ws, layer, v[f"b{depth}"]))
            layer = neurons
        errors = []
        for k, (out, target) in enumerate(zip(layer, self.targets, strict=True), start=1):
            name = f"o{k}"
            difference = target - out
            difference.label = f"d_{name}"
            square = difference**2
            square.label = f"d_{name}²"
            error = 0.5 * square if self.loss == "half_sse" else square
            if error is not square:
                error.label = f"E_{name}"
                self.nodes[error.label] = error
            self.nodes[difference.label], self.nodes[square.label] = difference, square
            errors.append(error)
        total = errors[0] + errors[1] if len(errors) == 2 else autograd.sum(errors) if len(errors) > 2 else errors[0]
        if self.loss == "mse" and len(errors) > 1:
            total = total / len(errors)
        total.label = "E"
        self.nodes["E"] = total
        return total

    def _neuron(self, name: str, ws: list[Value], xs: list[Value], bias: Value) -> Value:
        net = autograd.dot(ws, xs, bias)
        net.label = f"net_{name}"
        self.nodes[net.label] = net
        if self.activation == "linear":
            return net
        out: Value = getattr(net, self.activation)()
        out.label = f"out_{name}"
        self.nodes[out.label] = out
        return out

    def step(self) -> None:
        """One update: forward, backward, then wᵢ ← wᵢ − lr·∂E/∂wᵢ for every weight, all computed from the
        gradients of the same pass (the biases stay)."""
        total = self.forward()
        for value in self.values.values():
            value.grad = 0.0
        total.backward()
        for w in self.weights:
            w.data -= self.lr * w.grad

    def outputs(self) -> tuple[float, ...]:
        """The outputs of the last forward pass (out_o1.., or net_o1.. without an activation)."""
        prefix = "net" if self.activation == "linear" else "out"
        return tuple(self.nodes[f"{prefix}_o{k}"].data for k in range(1, self.sizes[-1] + 1))

    def __repr__(self) -> str:
        return f"<Network {'-'.join(map(str, self.sizes))} {self.activation}, {self.loss}>"


class WorkedExample(Network):
    """The 2-2-2 network of the worked example; ``values`` holds i1, i2, w1..w8, b1 and b2 by name."""

    def __init__(
        self,
        inputs: tuple[float, float] = (0.05, 0.10),
        targets: tuple[float, float] = (0.01, 0.99),
        weights: tuple[float, ...] = WEIGHTS,
        biases: tuple[float, float] = (0.35, 0.60),
        lr: float = 0.5,
    ) -> None:
        if len(weights) != 8:
            raise ValueError(f"WorkedExample: expected 8 weights w1..w8, got {len(weights)}")
        super().__init__((2, 2, 2), inputs, targets, weights, biases, lr=lr)

    def outputs(self) -> tuple[float, float]:
        """out_o1 and out_o2 of the last forward pass."""
        return self.nodes["out_o1"].data, self.nodes["out_o2"].data


def problem(seed: int, sizes: tuple[int, ...] | None = None, activation: str = "sigmoid",
            loss: str = "half_sse") -> Network:
    """A network to work through by hand, drawn at random from ``seed`` (the same seed, the same problem): layer
    sizes up to 3-4-3 unless ``sizes`` are given, weights and biases between −1 and 1 and inputs between 0 and
    1, each rounded to two digits, and targets the activation can reach (between 0 and 1 for sigmoid).

    >>> problem(7, (2, 2, 2)).values["w1"]
    Value(data=..., grad=0.0, label='w1')
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"problem: seed must be a whole number, got {seed!r}")
    rng = random.Random(seed)
    if sizes is None:
        sizes = (rng.randint(2, LARGEST[0]), rng.randint(2, LARGEST[1]), rng.randint(1, LARGEST[2]))
    sizes = tuple(sizes)
    if not 2 <= len(sizes) <= 3 or any(not isinstance(n, int) or not 1 <= n <= 9 for n in sizes):
        raise ValueError(f"problem: sizes must be 2 or 3 layer widths from 1 to 9, got {sizes!r}")

    def two_digits(low: float, high: float) -> float:
        return round(rng.uniform(low, high), 2) or 0.01

    count = sum(a * b for a, b in itertools.pairwise(sizes))
    low = 0.01 if activation in ("sigmoid", "relu") else -0.99
    return Network(
        sizes,
        inputs=tuple(two_digits(0.01, 0.99) for _ in range(sizes[0])),
        targets=tuple(two_digits(low, 0.99) for _ in range(sizes[-1])),
        weights=tuple(two_digits(-0.99, 0.99) for _ in range(count)),
        biases=tuple(two_digits(-0.99, 0.99) for _ in range(len(sizes) - 1)),
        activation=activation,
        loss=loss,
    )
