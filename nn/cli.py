"""The ``chainrule`` command: the worked example step by step, training, drawing and explaining.

    chainrule demo                      the built-in default (what `make demo` runs)
    chainrule train --dataset moons     train an MLP; writes the model, its history and a loss curve
    chainrule graph MODEL.json          draw a saved model's graph for one input, grouped by layer
    chainrule explain w1                the chain-rule derivation of ∂E/∂w1 in the worked example
    chainrule exercise --seed 7         an exercise page and its answer key, for a network drawn at random
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import autograd
import nn
from autograd import Value, examples
from autograd.examples import WorkedExample
from autograd.extend import BACKENDS, DTYPES, get_backend, write_atomically

__all__ = ["main"]

Write = Callable[[str], None]


class UsageError(Exception):
    """A bad command line: reported in one line, with exit code 2."""


def _one_line(text: str) -> str:
    """``text`` with its unprintable characters (a newline typed as an argument) written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {_one_line(message)} (see {self.prog} --help)")


def _positive(kind: Callable[[str], Any], what: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{what} must be positive, got {text}")
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{what} must be finite, got {text}")
        return value

    return parse


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden takes sizes like 32,16, got {text!r}") from None
    if any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"--hidden takes positive sizes like 32,16, got {text!r}")
    return sizes


def _floats(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--input takes numbers like 0.5,-1, got {text!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"--input takes finite numbers, got {text!r}")
    return values


def _steps(text: str) -> list[list[float]]:
    """``0.5,-1`` (one input) or, for an RNN, ``0.5,-1;0.2,0.3`` (one input per time step)."""
    return [_floats(step) for step in text.split(";")]


def _output_folder(text: str) -> Path:
    """--out as a folder that exists or can be made, and can be written to, checked before any work."""
    folder = Path(text)
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    if existing.exists() and not existing.is_dir():
        raise argparse.ArgumentTypeError(f"--out {text!r}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"--out {text!r}: {existing} cannot be written to")
    return folder


# demo ----------------------------------------------------------------------------------------------


def demo(out_dir: Path, epochs: int, write: Write = print) -> int:
    """The worked example: forward pass, every chain-rule step, the update, the rendered graph; then a small
    MLP trained on the handwritten digits."""
    example = WorkedExample()
    total = example.forward()
    write("The worked example: a 2-2-2 sigmoid network, E = Σ ½(target − out)², learning rate 0.5\n")
    write("Forward pass:")
    for name in ("net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2", "E_o1", "E_o2"):
        write(f"  {name:<7} = {example.nodes[name].data:.9f}")
    write(f"  E_total = {total.data:.9f}\n")
    write("Backward pass, one chain-rule step per node (grad += local partial × upstream):")
    for record in autograd.backward_steps(total):
        write(f"  {record}")
    paths = autograd.explain(total, example.values["w1"])
    write(f"\n∂E/∂w1 has {len(paths.paths)} paths (through out_o1 and out_o2); `chainrule explain w1` shows them.")
    try:
        for suffix in ("svg", "png"):
            path = autograd.save(total, out_dir / f"worked-example.{suffix}", show_contributions=True)
            write(f"wrote {path}")
        path = autograd.explore(total, title="The worked example: E").save(out_dir / "worked-example.html")
        write(f"wrote {path}: open it in a browser to click the nodes, see every path and step through backward")
    except autograd.GraphvizNotFoundError as missing:
        path = write_atomically(out_dir / "worked-example.dot",
                                autograd.to_dot(total, show_contributions=True).encode("utf-8"))
        write(f"wrote {path}, the graph as DOT text. {missing}")
    gradients = {w.label: w.grad for w in example.weights}
    before = {w.label: w.data for w in example.weights}
    example.step()
    write(f"\nGradients and the update w ← w − {example.lr}·∂E/∂w:")
    for w in example.weights:
        write(f"  ∂E/∂{w.label} = {gradients[w.label]:+.9f}   {w.label}: {before[w.label]:.9f} → {w.data:.9f}")
    write(f"\nAfter one update E_total = {example.forward().data:.9f} (was {total.data:.9f}).\n")

    write(f"Training MLP(64, [32, 10]) on the 8x8 handwritten digits for {epochs} epoch(s):")
    X, y = nn.datasets.digits()
    x_train, x_test, y_train, y_test = nn.datasets.train_test_split(X, y, test_size=0.2, seed=0)
    model = nn.MLP(64, [32, 10], init="xavier", seed=0)
    optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
    history = nn.fit(model, (x_train, y_train), loss="cross_entropy", optimizer=optimizer, epochs=epochs,
                     batch_size=16, seed=0, metrics=["accuracy"])
    write(f"  training loss {history['loss'][-1]:.4f}, "
          f"test accuracy {nn.accuracy(model, (x_test, y_test)):.1%} on {len(x_test)} held-out digits")
    return 0


# train ---------------------------------------------------------------------------------------------

OPTIMIZERS: dict[str, tuple[Callable[..., nn.optim.Optimizer], dict[str, Any], float]] = {
    "sgd": (nn.optim.SGD, {}, 0.1),
    "momentum": (nn.optim.SGD, {"momentum": 0.9}, 0.05),
    "nesterov": (nn.optim.SGD, {"momentum": 0.9, "nesterov": True}, 0.05),
    "adagrad": (nn.optim.Adagrad, {}, 0.05),
    "rmsprop": (nn.optim.RMSprop, {}, 0.01),
    "adadelta": (nn.optim.Adadelta, {}, 1.0),
    "adam": (nn.optim.Adam, {}, 0.01),
    "amsgrad": (nn.optim.Adam, {"amsgrad": True}, 0.01),
    "adamw": (nn.optim.AdamW, {}, 0.01),
    "adamax": (nn.optim.Adamax, {}, 0.02),
    "nadam": (nn.optim.NAdam, {}, 0.01),
}
"""Optimizer name -> (class, extra arguments, default learning rate)."""

EPOCHS = {"xor": 300, "moons": 60, "spiral": 200, "digits": 20}
"""Each data set's default epochs for ``chainrule train``, enough for the test accuracy the README states."""

DATASETS: dict[str, Callable[[int], nn.datasets.Dataset]] = {
    "xor": lambda seed: _class_labels(nn.datasets.xor()),
    "moons": lambda seed: nn.datasets.moons(200, noise=0.1, seed=seed),
    "spiral": lambda seed: nn.datasets.spiral(100, classes=3, seed=seed),
    "digits": lambda seed: nn.datasets.digits(),
}


def _class_labels(data: nn.datasets.Dataset) -> nn.datasets.Dataset:
    return data[0], data[1].astype(int)


def train(args: argparse.Namespace, write: Write = print) -> int:
    """Train an MLP classifier with cross-entropy; write model.json, history.csv and loss.png to --out."""
    get_backend(args.backend, args.dtype, args.device, "train")  # a library that is missing fails before training
    X, y = DATASETS[args.dataset](args.seed)
    classes = int(max(y)) + 1
    if args.dataset == "xor":
        x_train, x_test, y_train, y_test = X, X, y, y
    else:
        x_train, x_test, y_train, y_test = nn.datasets.train_test_split(X, y, test_size=0.2, seed=args.seed)
    model = nn.MLP(len(X[0]), [*args.hidden, classes], activation=args.activation, init="xavier", seed=args.seed)
    kind, extra, default_lr = OPTIMIZERS[args.optimizer]
    optimizer = kind(model.parameters(), lr=args.lr if args.lr is not None else default_lr, **extra)
    write(f"Training {model!r} on {args.dataset} ({len(x_train)} samples, {classes} classes) with {optimizer!r}")
    history = nn.fit(model, (x_train, y_train), loss="cross_entropy", optimizer=optimizer,
                     epochs=args.epochs if args.epochs is not None else EPOCHS[args.dataset],
                     batch_size=args.batch_size, seed=args.seed, val_data=(x_test, y_test),
                     metrics=["accuracy"], progress=not args.quiet, backend=args.backend, device=args.device,
                     dtype=args.dtype)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model_path = model.save(out / "model.json")
    history_path = out / "history.csv"
    with history_path.open("w", newline="") as handle:
        table = csv.writer(handle)
        table.writerow(["epoch", *history])
        for epoch, row in enumerate(zip(*history.values(), strict=True), start=1):
            table.writerow([epoch, *(f"{v:.6g}" for v in row)])
    write(f"wrote {model_path}\nwrote {history_path}")
    curve = _loss_curve(history, out / "loss.png")
    write(f"wrote {curve}" if curve else "matplotlib is not installed, so no loss.png (pip install 'chainrule[plot]')")
    write(f"final: loss {history['loss'][-1]:.4f}, accuracy {history['accuracy'][-1]:.1%}, "
          f"val_loss {history['val_loss'][-1]:.4f}, val_accuracy {history['val_accuracy'][-1]:.1%}")
    return 0


def _loss_curve(history: dict[str, list[float]], path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figure, axes = plt.subplots(figsize=(6, 4))
    epochs = range(1, len(history["loss"]) + 1)
    axes.plot(epochs, history["loss"], label="training loss")
    axes.plot(epochs, history["val_loss"], label="validation loss")
    axes.set_xlabel("epoch")
    axes.set_ylabel("cross-entropy")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


# graph and explain ---------------------------------------------------------------------------------


def _usage(command: str, message: str) -> UsageError:
    return UsageError(f"chainrule {command}: error: {message}")


def _model_root(args: argparse.Namespace) -> tuple[Value, nn.Module]:
    """The graph that graph and explain show for a saved model: the model on --input (zeros by default),
    with the loss against --target under --loss as its root, or without a target the sum of the outputs.
    Its gradients are filled in. Returns the root and the model."""
    model = nn.load(args.model)
    nin = model.config()["nin"]
    steps = args.input if args.input is not None else [[0.0] * nin]
    recurrent = isinstance(model, nn.RNN)
    if len(steps) > 1 and not recurrent:
        raise _usage(args.command, f"--input has {len(steps)} steps separated by ';', but a {type(model).__name__} "
                                   "takes one input")
    for t, point in enumerate(steps):
        if len(point) != nin:
            where = f"step {t} of --input" if recurrent else "--input"
            raise _usage(args.command, f"{where} has {len(point)} numbers but the model takes {nin}")
    if recurrent:  # the sequence unrolled: the outputs of every step, the last step's against --target
        sequence = [[Value(v, f"t{t}.x.{i}" if nin > 1 else f"t{t}.x") for i, v in enumerate(point)]
                    for t, point in enumerate(steps)]
        outputs = model(sequence)
        output = outputs[-1] if args.target is not None else [
            v for step in outputs for v in ([step] if isinstance(step, Value) else step)]
    else:
        output = model([Value(v, f"x{i}") for i, v in enumerate(steps[0])])
    if args.target is None:
        if args.loss is not None:
            raise _usage(args.command, "--loss needs --target, the output the loss compares with")
        root = output if isinstance(output, Value) else autograd.sum(output)
        root.label = root.label if isinstance(output, Value) else "Σ outputs"
    else:
        loss = args.loss or model.trained_with or "mse"  # the loss the model was trained with, when it was saved
        if loss not in nn.train.LOSSES:
            raise _usage(args.command, f"the model was trained with the loss {loss!r}, which this chainrule does not "
                                       f"know; pass --loss, one of {', '.join(sorted(nn.train.LOSSES))}")
        target: Any = args.target
        if loss == "cross_entropy" and len(target) == 1:
            if not float(target[0]).is_integer():
                raise _usage(args.command, f"--target for cross_entropy is a class index, got {target[0]}")
            target = int(target[0])
        try:
            root = nn.train.LOSSES[loss](output, target)
        except ValueError as error:
            raise _usage(args.command, f"--target does not fit the model's output: {error}") from None
        root.label = loss
    size = len(autograd.topological_order(root))
    if size > args.max_nodes:
        raise _usage(
            args.command,
            f"this model's graph has {size} nodes, more than --max-nodes {args.max_nodes}; pass --max-nodes {size} "
            "to show it anyway (Graphviz may take a while), or use a smaller model",
        )
    root.backward()
    return root, model


_LEVELS = {"MLP": (2, 4), "Layer": (2,), "RNN": (1, 3), "Neuron": ()}
"""The explorer's coarser views of each model's graph, as label depths: an MLP's layers and its neurons."""


def graph(args: argparse.Namespace, write: Write = print) -> int:
    """Draw a saved model's graph for one input, grouped by layer, with every gradient of its root; with
    --html, write the explorer's page too (or only it, when --out is not given)."""
    root, model = _model_root(args)
    size = len(autograd.topological_order(root))
    if args.html is not None:
        if Path(args.html).suffix.lower() not in (".html", ".htm"):
            raise _usage("graph", f"--html must end in .html, got {args.html!r}")
        levels = _LEVELS.get(type(model).__name__, ())
        page = autograd.explore(root, levels=levels, title=f"{Path(args.model).name}: {root.label}")
        write(f"wrote {page.save(args.html)}: open it in a browser to explore the graph")
        if args.out is None:
            return 0
    args.out = args.out or "graph.svg"
    form = args.format or Path(args.out).suffix.lstrip(".").lower()
    options: autograd.DrawOptions = {"cluster": autograd.label_prefix(2), "max_nodes": size, "rankdir": "LR"}
    if form == "dot":
        path = write_atomically(args.out, autograd.to_dot(root, **options).encode("utf-8"))
    elif form in ("svg", "png", "pdf"):
        target = Path(args.out).with_suffix(f".{form}")
        path = autograd.save(root, target, **options)
    else:
        raise _usage("graph", f"--out must end in .svg, .png, .pdf or .dot (or give --format), got {args.out!r}")
    write(f"wrote {path}")
    return 0


def explain(args: argparse.Namespace, write: Write = print) -> int:
    """Print the chain-rule derivation of ∂root/∂NAME: in the worked example, or with --model in a saved
    model's graph."""
    if args.model is None:
        for option in ("input", "target", "loss"):
            if getattr(args, option) is not None:
                raise _usage("explain", f"--{option} goes with --model")
        example = WorkedExample()
        root = example.forward()
        nodes = dict(example.nodes)
        root.backward()
    else:
        root, _ = _model_root(args)
        graph = autograd.Graph.of(root)
        nodes = {graph.name(node): node for node in graph.nodes}
    if args.name not in nodes:
        names = [n for n in nodes if nodes[n] is not root]
        shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
        where = "the worked example" if args.model is None else "the model's graph"
        raise _usage("explain", f"no node {args.name!r} in {where}; choose from {shown}")
    explanation = autograd.explain(root, nodes[args.name])
    text = {"text": explanation.to_text, "markdown": explanation.to_markdown, "latex": explanation.to_latex}
    write(text[args.format]())
    return 0


# exercise -----------------------------------------------------------------------------------------


def _net(text: str) -> tuple[int, ...]:
    """``2-2-2``: the layer sizes of a generated network, inputs first."""
    try:
        sizes = tuple(int(part) for part in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--net takes layer sizes like 2-2-2, got {text!r}") from None
    if not 2 <= len(sizes) <= 3 or any(not 1 <= n <= 9 for n in sizes):
        raise argparse.ArgumentTypeError(f"--net takes 2 or 3 layer sizes from 1 to 9 (inputs-hidden-outputs), "
                                         f"got {text!r}")
    return sizes


def _ask(text: str) -> str | int | list[str]:
    """--ask: a count, or a comma-separated list of categories and node names."""
    if text.strip().isdigit():
        return int(text)
    return [part.strip() for part in text.split(",") if part.strip()]


def exercise(args: argparse.Namespace, write: Write = print) -> int:
    """Write an exercise page and its answer key (Markdown and LaTeX, beside the page): for a network drawn
    at random from --seed, or with --from-model for a saved model's graph on --input and --target."""
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise _usage("exercise", f"--out must end in .html, got {args.out!r}")
    if args.model is None:
        for option in ("input", "target"):
            if getattr(args, option) is not None:
                raise _usage("exercise", f"--{option} goes with --from-model")
        loss = args.loss or "half_sse"
        if loss not in examples.LOSSES:
            raise _usage("exercise", f"a generated network's --loss is one of {', '.join(examples.LOSSES)}, "
                                     f"got {loss!r}")
        if args.seed is None:  # a new problem each time, and the seed said, to set the same one again
            args.seed = random.SystemRandom().randrange(1_000_000)
            write(f"seed {args.seed} (pass --seed {args.seed} for this problem again)")
        network = examples.problem(args.seed, args.net, args.activation, loss)
        root = network.forward()
        title = f"{'-'.join(map(str, network.sizes))} {network.activation} network, seed {args.seed}"
    else:
        if args.net is not None:
            raise _usage("exercise", "--net makes a network; --from-model uses a saved one: give one of them")
        root, _ = _model_root(args)
        title = f"{Path(args.model).name}: {root.label}"
    try:
        seed = (args.seed or 0) if isinstance(args.ask, int) else None
        page = autograd.exercise(root, ask=args.ask, reveal=args.reveal, seed=seed, precision=args.precision,
                                 title=title, max_nodes=args.max_nodes)
    except (TypeError, ValueError) as error:
        raise _usage("exercise", str(error).removeprefix("exercise: ")) from None
    written = [page.save(out)]
    for suffix, form in ((".md", "markdown"), (".tex", "latex")):
        written.append(write_atomically(out.with_suffix(suffix), page.key(form).encode("utf-8")))
    write(f"wrote {written[0]}: {len(page.questions)} questions on {title}")
    write(f"wrote the answer key: {written[1]} and {written[2]}")
    return 0


def _add_model_options(p: argparse.ArgumentParser,
                       loss: str = "the loss with --target (the one the model was saved with, else mse)") -> None:
    p.add_argument("--input", type=_steps, default=None,
                   help="the input, e.g. 0.5,-1 (zeros); for an RNN one per time step, e.g. '0.5,-1;0.2,0.3' (the "
                        "target is then the last step's)")
    p.add_argument("--target", type=_floats, default=None,
                   help="the target output (a class index for cross_entropy); makes the loss the root")
    p.add_argument("--loss", choices=sorted(nn.train.LOSSES), default=None, help=loss)
    p.add_argument("--max-nodes", type=_positive(int, "--max-nodes"), default=1000, help="refuse larger graphs")


def _parser() -> _Parser:
    parser = _Parser(prog="chainrule", description="See backpropagation: every value, every local partial.")
    parser.add_argument("--version", action="version", version=f"chainrule {autograd.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    p = commands.add_parser("demo", help="the worked example step by step, then a small MLP on digits")
    p.add_argument("--out", type=_output_folder, default="chainrule-out",
                   help="folder for the rendered graph (default chainrule-out)")
    p.add_argument("--epochs", type=_positive(int, "--epochs"), default=3, help="digits training epochs (3)")

    p = commands.add_parser("train", help="train an MLP classifier and write the model, history and loss curve")
    p.add_argument("--dataset", choices=sorted(DATASETS), default="moons", help="the data set (moons)")
    p.add_argument("--hidden", type=_sizes, default=[16, 16], help="hidden layer sizes, e.g. 32,16 (16,16)")
    p.add_argument("--activation", choices=sorted(a for a in nn.ACTIVATIONS if a != "linear"), default="tanh",
                   help="hidden activation (tanh)")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam", help="the optimizer (adam)")
    p.add_argument("--lr", type=_positive(float, "--lr"), default=None, help="learning rate (per optimizer)")
    p.add_argument("--epochs", type=_positive(int, "--epochs"), default=None,
                   help="epochs (per data set: " + ", ".join(f"{k} {v}" for k, v in EPOCHS.items()) + ")")
    p.add_argument("--batch-size", type=_positive(int, "--batch-size"), default=32, help="mini-batch size (32)")
    p.add_argument("--backend", choices=BACKENDS, default="numpy",
                   help="the array library the replay trains with (numpy); torch, cupy and jax when installed")
    p.add_argument("--device", default=None, help="its device: cpu, cuda, cuda:1 (the library's first)")
    p.add_argument("--dtype", choices=DTYPES, default="float64", help="float64 (the default) or float32")
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument("--out", type=_output_folder, default="chainrule-out/train",
                   help="output folder (chainrule-out/train)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    root_help = ("The root, whose gradient every node shows, is the loss against --target when one is given, "
                 "else the sum of the model's outputs.")
    p = commands.add_parser("graph", help="draw a saved model's graph for one input, grouped by layer",
                            description="Draw a saved model's graph for one input, grouped by layer, with every "
                                        "node's value and gradient and every edge's local partial. " + root_help)
    p.add_argument("model", help="a model saved by `chainrule train` or Module.save")
    p.add_argument("--out", default=None, help="the picture: .svg, .png, .pdf, or .dot for the DOT text "
                                                "(needs no Graphviz) (graph.svg, unless only --html is given)")
    p.add_argument("--html", default=None, metavar="PATH",
                   help="also write the explorer: one interactive page (.html) to click, step through and search")
    p.add_argument("--format", choices=["svg", "png", "pdf", "dot"], default=None,
                   help="the format, when --out does not say it")
    _add_model_options(p)

    p = commands.add_parser("explain", help="the chain-rule derivation of ∂root/∂NAME",
                            description="The chain-rule derivation of ∂root/∂NAME: in the worked example (root E), "
                                        "or with --model in a saved model's graph. " + root_help)
    p.add_argument("name", help="a node: w1..w8, b1, b2, out_h1, net_o2, ... in the worked example; with --model a "
                                "parameter or node label, e.g. layers.0.neurons.0.w.0")
    p.add_argument("--format", choices=["text", "markdown", "latex"], default="text", help="output format")
    p.add_argument("--model", default=None, help="a model saved by `chainrule train` or Module.save")
    _add_model_options(p)

    p = commands.add_parser(
        "exercise", help="an exercise page that checks the learner's numbers, and its answer key",
        description="Write an exercise page (.html) that asks for the numbers of backpropagation and checks them, "
                    "with hints, and its answer key beside it (.md and .tex). The network is drawn at random from "
                    "--seed, Mazur-style (weights and inputs rounded to two digits), or with --from-model it is "
                    "a saved model's graph for --input and --target. The same seed gives the same problem; without "
                    "--seed, each run draws a new one and prints its seed.")
    p.add_argument("--net", type=_net, default=None,
                   help="layer sizes inputs-hidden-outputs, e.g. 2-2-2 or 3-1 (drawn at random up to 3-4-3)")
    p.add_argument("--activation", choices=examples.ACTIVATIONS, default="sigmoid",
                   help="the neurons' activation (sigmoid)")
    p.add_argument("--seed", type=int, default=None,
                   help="the problem's random seed; without it, a new problem each time, its seed printed")
    p.add_argument("--ask", type=_ask, default="gradients",
                   help="what the learner computes: forward, partials, gradients or node names, comma-separated, or "
                        "a count of questions drawn at random (gradients)")
    p.add_argument("--reveal", type=lambda text: [part.strip() for part in text.split(",")], default=None,
                   help="what is shown from the start, of inputs, forward, partials, gradients (inputs, and forward "
                        "unless it is asked)")
    p.add_argument("--precision", type=_positive(int, "--precision"), default=4,
                   help="significant digits shown and checked (4)")
    p.add_argument("--out", default="exercise.html", help="the page; the key is written beside it (exercise.html)")
    p.add_argument("--from-model", dest="model", default=None, metavar="MODEL",
                   help="a model saved by `chainrule train` or Module.save, instead of a generated network")
    _add_model_options(p, loss="the loss: half_sse or mse for a generated network (half_sse); with --from-model "
                               "any, against --target (the one the model was saved with, else mse)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``chainrule`` command and return its exit code: 0, or 2 with a one-line error."""
    try:
        parser = _parser()
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            extra = _one_line(" ".join(unknown))
            raise _usage(args.command, f"unrecognized arguments: {extra} (see chainrule {args.command} --help)")
        if args.command == "demo":
            return demo(Path(args.out), args.epochs)
        if args.command == "train":
            return train(args)
        if args.command == "graph":
            return graph(args)
        if args.command == "exercise":
            return exercise(args)
        return explain(args)
    except UsageError as error:
        print(error, file=sys.stderr)
    except (ValueError, OSError, autograd.GraphvizNotFoundError, autograd.GraphvizError) as error:
        print(f"chainrule {args.command}: error: {error}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
