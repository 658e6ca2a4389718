"""The ``chainrule`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import autograd
from autograd import Value

__all__ = ["main"]


def _neuron() -> tuple[Value, list[Value]]:
    """The single tanh neuron of the classic micrograd lecture, o = tanh(x1·w1 + x2·w2 + b)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = autograd.dot([w1, w2], [x1, x2], b)
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [x1, x2, w1, w2, b]


def _name(node: Value) -> str:
    return node.label or f"<{node.op}>"


def demo(out: Callable[[str], None] = print) -> int:
    """Print one neuron's forward pass, every chain-rule step of its backward pass and a gradcheck, and
    write its graph to chainrule-out/ as SVG and PNG."""
    o, leaves = _neuron()
    order = autograd.topological_order(o)
    out("chainrule demo: one neuron, o = tanh(x1·w1 + x2·w2 + b)\n")
    out("forward, inputs before the nodes that use them:")
    for node in order:
        op = "input" if node.is_leaf else node.op
        out(f"  {_name(node):>3} = {node.data:+.6f}   ({op})")
    o.backward()
    out("\nbackward: o.backward(), one node at a time from the output (grad = upstream × local partial):")
    for node in reversed(order):
        if node.is_leaf:
            continue
        rule = node.rule
        assert rule is not None
        out(f"  at {_name(node)}: upstream ∂o/∂{_name(node)} = {node.grad:+.6f}")
        partials = autograd.local_partials(node)
        for position, (parent, partial) in enumerate(zip(node.parents, partials, strict=True)):
            words = rule.explain(position, len(node.parents), node.arg)
            out(
                f"    ∂{_name(node)}/∂{_name(parent):<2}  {words:<22} = {partial:+.6f}"
                f"   ∂o/∂{_name(parent):<2} += {partial:+.6f} × {node.grad:+.6f}"
            )
    out("\ngradients:")
    for leaf in leaves:
        out(f"  ∂o/∂{_name(leaf):<2} = {leaf.grad:+.6f}")

    def neuron(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
        return autograd.dot([w1, w2], [x1, x2], b).tanh()

    autograd.gradcheck(neuron, leaves)
    out(f"\ngradcheck: all {len(leaves)} gradients agree with central differences.")
    out_dir = Path("chainrule-out")
    for suffix in ("svg", "png"):
        path = autograd.save(o, out_dir / f"neuron.{suffix}", show_contributions=True, show_rules=True)
        out(f"wrote {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``chainrule`` command; returns the exit code (2 for bad arguments)."""
    parser = argparse.ArgumentParser(
        prog="chainrule", description="See backpropagation: every value, every local partial derivative."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("demo", help="run the built-in example: forward, each chain-rule step, a gradcheck")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo()
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover - argparse rejects it first
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
