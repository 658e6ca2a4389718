"""Side-by-side timings: each workload for each engine in its own process, interleaved, medians of runs.

    make bench            # or: .venv/bin/python benchmarks/run.py --repeats 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

WORKLOADS = ("deep_chain", "wide_sum", "neuron_layer")
ENGINES = ("chainrule", "floats")


def deep_chain(engine: str, n: int = 1_000_000) -> float:
    """y = y*1.0000001 + 1e-9, n times, then the derivative of y with respect to the start."""
    start = time.perf_counter()
    if engine == "chainrule":
        from autograd import Value

        x = Value(1.0)
        y = x
        for _ in range(n):
            y = y * 1.0000001 + 1e-9
        y.backward()
        result = x.grad
    else:
        y, factors = 1.0, []
        for _ in range(n):
            factors.append(1.0000001)
            y = y * 1.0000001 + 1e-9
        g = 1.0
        for f in reversed(factors):
            g *= f
        result = g
    assert abs(result - 1.0000001**n) < 1e-6 * result
    return time.perf_counter() - start


def wide_sum(engine: str, n: int = 100_000) -> float:
    """The sum of n products a_i*b_i, then its gradient with respect to every a_i and b_i."""
    a, b = [0.001 * i for i in range(n)], [1.0 - 0.001 * i for i in range(n)]
    start = time.perf_counter()
    if engine == "chainrule":
        import autograd
        from autograd import Value

        av, bv = [Value(x) for x in a], [Value(x) for x in b]
        total = autograd.sum([x * y for x, y in zip(av, bv, strict=True)])
        total.backward()
        grads = [x.grad for x in av]
    else:
        sum(x * y for x, y in zip(a, b, strict=True))
        grads = list(b)
    assert grads[1] == b[1]
    return time.perf_counter() - start


def neuron_layer(engine: str, nin: int = 64, nout: int = 32, samples: int = 32) -> float:
    """A tanh layer of fused neurons over a batch, squared outputs summed, then backward."""
    import math

    xs = [[((i * 7 + j * 3) % 11) / 11 for j in range(nin)] for i in range(samples)]
    ws = [[((k * 5 + j) % 13 - 6) / 30 for j in range(nin)] for k in range(nout)]
    start = time.perf_counter()
    if engine == "chainrule":
        import autograd
        from autograd import Value

        wv = [[Value(w) for w in row] for row in ws]
        terms = []
        for x in xs:
            xv = [Value(v) for v in x]
            for row in wv:
                h = autograd.dot(row, xv).tanh()
                terms.append(h * h)
        autograd.sum(terms).backward()
    else:
        grads = [[0.0] * nin for _ in range(nout)]
        for x in xs:
            for k, row in enumerate(ws):
                h = math.tanh(sum(w * v for w, v in zip(row, x, strict=True)))
                g = 2 * h * (1 - h * h)
                gk = grads[k]
                for j in range(nin):
                    gk[j] += g * x[j]
    return time.perf_counter() - start


FUNCTIONS: dict[str, Callable[[str], float]] = {
    "deep_chain": deep_chain, "wide_sum": wide_sum, "neuron_layer": neuron_layer,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each workload per engine (default 3)")
    parser.add_argument("--one", nargs=2, metavar=("WORKLOAD", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(FUNCTIONS[args.one[0]](args.one[1])))
        return 0
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeats):
        for workload in WORKLOADS:
            for engine in ENGINES:
                run = subprocess.run(
                    [sys.executable, __file__, "--one", workload, engine], capture_output=True, text=True, check=True
                )
                times.setdefault((workload, engine), []).append(json.loads(run.stdout))
    print(f"{'workload':<14}{'chainrule s':>14}{'floats s':>12}{'ratio':>8}")
    for workload in WORKLOADS:
        ours = statistics.median(times[(workload, "chainrule")])
        floor = statistics.median(times[(workload, "floats")])
        print(f"{workload:<14}{ours:>14.4f}{floor:>12.4f}{ours / floor:>7.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
