"""The classic 2-2-2 sigmoid network worked by hand (inputs 0.05, 0.10; targets 0.01, 0.99), shared by tests."""

import autograd
from autograd import Value


def network():
    """E and the named Values of the worked example, labelled as the textbook names them."""
    i1, i2 = Value(0.05, "i1"), Value(0.10, "i2")
    w = {f"w{k}": Value(v, f"w{k}") for k, v in enumerate([0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], 1)}
    b1, b2 = Value(0.35, "b1"), Value(0.60, "b2")
    nodes = {"i1": i1, "i2": i2, "b1": b1, "b2": b2, **w}

    def neuron(name, ws, xs, b):
        net = autograd.dot(ws, xs, b)
        net.label = f"net_{name}"
        out = net.sigmoid()
        out.label = f"out_{name}"
        nodes[net.label], nodes[out.label] = net, out
        return out

    h1 = neuron("h1", [w["w1"], w["w2"]], [i1, i2], b1)
    h2 = neuron("h2", [w["w3"], w["w4"]], [i1, i2], b1)
    o1 = neuron("o1", [w["w5"], w["w6"]], [h1, h2], b2)
    o2 = neuron("o2", [w["w7"], w["w8"]], [h1, h2], b2)
    e1 = 0.5 * (0.01 - o1) ** 2
    e1.label = "E_o1"
    e2 = 0.5 * (0.99 - o2) ** 2
    e2.label = "E_o2"
    total = e1 + e2
    total.label = "E"
    nodes.update(E_o1=e1, E_o2=e2, E=total)
    return total, nodes
