"""The benchmarks' driver: chainrule against micrograd 0.1.0, PyTorch scalars (when installed), plain floats
and NumPy by hand (``workloads.py``, with the floors of ``floors.py`` and the browser of ``browser.py``), and
against chainrule as it was at a git revision (``--baseline``). Each workload runs for each engine in a fresh
process, the engines interleaved round by round, and the table shows medians and ratios from the one run;
then the targets, each stated as met or not.

    make bench                                # installs micrograd 0.1.0 into .venv, then runs this
    .venv/bin/python benchmarks/run.py --rounds 5 --markdown --baseline HEAD~3
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from workloads import WORKLOADS

BEFORE = "before"
"""The engine name of chainrule at the baseline revision."""

HERE = Path(__file__).resolve().parent
VENV = Path(sys.executable).parent.parent
"""The environment the benchmarks run in (``make bench``'s .venv)."""


def _available(engine: str) -> bool:
    module = {"micrograd": "micrograd", "torch": "torch", "chainrule_torch": "torch"}.get(engine)
    return module is None or importlib.util.find_spec(module) is not None


def _one(workload: str, engine: str, baseline: Path | None = None) -> list[float]:
    """The samples of ``workload`` on ``engine`` from a fresh process; ``before`` runs chainrule's engine and
    its own benchmark of that workload from the checkout at ``baseline``."""
    if engine == BEFORE:
        assert baseline is not None
        script, env = baseline / "benchmarks" / "run.py", {**os.environ, "PYTHONPATH": str(baseline)}
        engine = "chainrule"
    else:
        script, env = Path(__file__), dict(os.environ)
    run = subprocess.run([sys.executable, str(script), "--one", workload, engine], capture_output=True, text=True,
                         check=False, timeout=1800, env=env, cwd=script.parent.parent)
    if run.returncode != 0:
        raise RuntimeError(f"{workload} on {engine} failed:\n{run.stderr[-2000:]}")
    return list(json.loads(run.stdout))


@contextmanager
def _checkout(revision: str | None) -> Iterator[Path | None]:
    """A temporary git worktree of ``revision`` (none without one), removed afterwards."""
    if revision is None:
        yield None
        return
    place = Path(tempfile.mkdtemp(prefix="chainrule-baseline-")) / "tree"
    subprocess.run(["git", "-C", str(HERE.parent), "worktree", "add", "--detach", str(place), revision], check=True,
                   capture_output=True)
    # The baseline's `make lab` (its live-edit workloads) runs with this environment (VENV=); its freshly checked-out
    # pyproject.toml would look newer than the environment's stamps, and make would install the baseline's tree
    # into it, editable, from a folder removed afterwards. Stamped now, the environment counts as up to date.
    for stamp in (".chainrule-installed", ".chainrule-jupyter"):
        if (VENV / stamp).exists():
            os.utime(VENV / stamp)
    try:
        yield place
    finally:
        subprocess.run(["git", "-C", str(HERE.parent), "worktree", "remove", "--force", str(place)], check=False,
                       capture_output=True)


def _has_workload(baseline: Path, workload: str) -> bool:
    """Whether the benchmarks at ``baseline`` know ``workload`` (by its name in their table)."""
    return any(f'"{workload}"' in path.read_text(encoding="utf-8") for path in (baseline / "benchmarks").glob("*.py"))


Target = tuple[str, Callable[[dict[tuple[str, str], float]], tuple[bool, str] | None]]


def _no_slower(workload: str, margin: float = 1.05) -> Target:
    def check(medians: dict[tuple[str, str], float]) -> tuple[bool, str] | None:
        if (workload, BEFORE) not in medians:
            return None
        now, before = medians[(workload, "chainrule")], medians[(workload, BEFORE)]
        return now <= before * margin, f"{now / before:.2f}x the time before (within {margin:.2f}x)"

    return f"{workload} no slower than before", check


def _faster(workload: str) -> Target:
    def check(medians: dict[tuple[str, str], float]) -> tuple[bool, str] | None:
        if (workload, BEFORE) not in medians:
            return None
        now, before = medians[(workload, "chainrule")], medians[(workload, BEFORE)]
        return now < before, f"{now:.3g} s against {before:.3g} s before"

    return f"{workload} faster than before", check


def _within(workload: str, floor: str, most: float) -> Target:
    def check(medians: dict[tuple[str, str], float]) -> tuple[bool, str] | None:
        if (workload, floor) not in medians:
            return None
        ratio = medians[(workload, "chainrule")] / medians[(workload, floor)]
        return ratio <= most, f"{ratio:.2f}x {floor} (at most {most:g}x)"

    return f"{workload} within {most:g}x of {floor}", check


def _at_most(workload: str, most: float, unit: str) -> Target:
    def check(medians: dict[tuple[str, str], float]) -> tuple[bool, str] | None:
        if (workload, "chainrule") not in medians:
            return None
        value = medians[(workload, "chainrule")]
        return value <= most, f"{value:.3g} {unit} (at most {most:g})"

    return f"{workload} at most {most:g} {unit}", check


TARGETS: list[Target] = [
    _no_slower("mlp_step"),
    _no_slower("deep_chain"),
    _within("mnist_epoch", "numpy", 2.0),
    _within("mnist_epoch", "numpy", 1.5),
    _faster("explorer_build"),
    _at_most("explorer_build", 1.5, "s"),
    _at_most("explorer_size", 3.0, "MB"),
    _at_most("explorer_open", 1.0, "s"),
    _at_most("explorer_click", 50.0, "ms"),
    _at_most("live_edit_worked", 100.0, "ms"),
    _at_most("live_edit_digits", 500.0, "ms"),
    _at_most("timeline_size", 5.0, "MB"),
    _within("forward_chain", "backward", 1.5),
    _at_most("power_chain_drawing", 3.0, "s"),
    _at_most("worst_drawing", 10.0, "s"),
    _within("forward_user_op", "reverse", 3.0),
    _at_most("playground_ready", 10.0, "s"),
    _at_most("playground_run", 1000.0, "ms"),
    _at_most("playground_edit", 200.0, "ms"),
    _at_most("playground_size", 30.0, "MB"),
]
"""What ``make bench`` states as met or not, where the run measured what each needs."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds; each runs every engine once (3)")
    parser.add_argument("--only", nargs="*", choices=sorted(WORKLOADS), help="run only these workloads")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument("--baseline", metavar="REVISION",
                        help="also run chainrule as it was at this git revision, as the engine 'before'")
    parser.add_argument("--one", nargs=2, metavar=("WORKLOAD", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(WORKLOADS[args.one[0]][0](args.one[1])))
        return 0
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    chosen = args.only or list(WORKLOADS)
    samples: dict[tuple[str, str], list[float]] = {}
    with _checkout(args.baseline) as baseline:
        engines = {
            workload: [*WORKLOADS[workload][1], *([BEFORE] if baseline and _has_workload(baseline, workload) else [])]
            for workload in chosen
        }
        for round_ in range(1, args.rounds + 1):
            for workload in chosen:
                for engine in engines[workload]:
                    if _available(engine):
                        samples.setdefault((workload, engine), []).extend(_one(workload, engine, baseline))
            print(f"round {round_}/{args.rounds} done", file=sys.stderr)
    medians = {key: statistics.median(values) for key, values in samples.items()}
    rows = []
    for workload in chosen:
        unit = WORKLOADS[workload][2]
        ours = medians[(workload, "chainrule")]
        for engine in engines[workload]:
            if (workload, engine) not in medians:
                rows.append((workload, engine, "not installed", ""))
                continue
            value = medians[(workload, engine)]
            if math.isnan(value):
                rows.append((workload, engine, "RecursionError", ""))
                continue
            ratio = "" if engine == "chainrule" else f"{value / ours:.2f}"
            name = f"chainrule at {args.baseline}" if engine == BEFORE else engine
            rows.append((workload, name, f"{value:.4g} {unit}", ratio))
    print(f"\n{date.today()}, Python {platform.python_version()}, {platform.machine()}, {args.rounds} rounds")
    _table(("workload", "engine", "median", "engine / chainrule"), rows, args.markdown)
    verdicts = []
    for name, check in TARGETS:
        result = check(medians)
        if result is not None:
            verdicts.append((name, "met" if result[0] else "not met", result[1]))
    if verdicts:
        print()
        _table(("target", "verdict", "measured"), verdicts, args.markdown)
    return 0


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    sys.exit(main())
