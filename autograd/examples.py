"""The classic worked example of backpropagation: a 2-2-2 sigmoid network updated by hand.

Inputs 0.05 and 0.10, targets 0.01 and 0.99, weights w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50,
0.55, a bias of 0.35 shared by both hidden neurons and 0.60 shared by both outputs (not updated), learning
rate 0.5 and E = Σ ½(target − out)². Every node carries the name the derivation gives it (net_h1, out_o1,
E_o1, E), so graphs, steps and explanations read like the textbook. (The textbook's error after one update,
0.291027924, is not a rounding of the true 0.2910277737: it is what comes out when the hidden layer's
gradients are computed with the already updated w5..w8, which is not the gradient of E. Notebook 01 shows
both.)

>>> example = WorkedExample()
>>> round(example.forward().data, 9)
0.298371109
>>> example.step()
>>> round(example.values["w5"].data, 8), round(example.forward().data, 10)
(0.35891648, 0.2910277737)
"""

from __future__ import annotations

import autograd
from autograd import Value

__all__ = ["WorkedExample"]

WEIGHTS = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)


class WorkedExample:
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
        self.targets = targets
        self.lr = lr
        self.values: dict[str, Value] = {"i1": Value(inputs[0], "i1"), "i2": Value(inputs[1], "i2")}
        self.values.update({f"w{k}": Value(w, f"w{k}") for k, w in enumerate(weights, start=1)})
        self.values.update(b1=Value(biases[0], "b1"), b2=Value(biases[1], "b2"))
        self.nodes: dict[str, Value] = {}

    @property
    def weights(self) -> list[Value]:
        """w1..w8, the parameters the example updates."""
        return [self.values[f"w{k}"] for k in range(1, 9)]

    def forward(self) -> Value:
        """Build the graph and return E; every named node is also in ``nodes`` (net_h1, out_h1, ..., E)."""
        v = self.values
        self.nodes = dict(v)
        h1 = self._neuron("h1", [v["w1"], v["w2"]], [v["i1"], v["i2"]], v["b1"])
        h2 = self._neuron("h2", [v["w3"], v["w4"]], [v["i1"], v["i2"]], v["b1"])
        o1 = self._neuron("o1", [v["w5"], v["w6"]], [h1, h2], v["b2"])
        o2 = self._neuron("o2", [v["w7"], v["w8"]], [h1, h2], v["b2"])
        errors = []
        for name, out, target in (("o1", o1, self.targets[0]), ("o2", o2, self.targets[1])):
            difference = target - out
            difference.label = f"d_{name}"
            square = difference**2
            square.label = f"d_{name}²"
            error = 0.5 * square
            name = f"E_{name}"
            error.label = name
            self.nodes[difference.label], self.nodes[square.label] = difference, square
            self.nodes[name] = error
            errors.append(error)
        total = errors[0] + errors[1]
        total.label = "E"
        self.nodes["E"] = total
        return total

    def _neuron(self, name: str, ws: list[Value], xs: list[Value], bias: Value) -> Value:
        net = autograd.dot(ws, xs, bias)
        net.label = f"net_{name}"
        out = net.sigmoid()
        out.label = f"out_{name}"
        self.nodes[net.label], self.nodes[out.label] = net, out
        return out

    def step(self) -> None:
        """One update of the worked example: forward, backward, then wᵢ ← wᵢ − lr·∂E/∂wᵢ for w1..w8, all
        computed from the gradients of the same pass (the biases stay)."""
        total = self.forward()
        for value in self.values.values():
            value.grad = 0.0
        total.backward()
        for w in self.weights:
            w.data -= self.lr * w.grad

    def outputs(self) -> tuple[float, float]:
        """out_o1 and out_o2 of the last forward pass."""
        return self.nodes["out_o1"].data, self.nodes["out_o2"].data
