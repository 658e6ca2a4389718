"""Teacher mode: exercise pages that check the learner's numbers, and drills that hide one wrong derivative.

``exercise(root, ask=...)`` is the explorer's page of ``root``'s graph with questions in it. The numbers asked
for are hidden (``?``) until the learner types them: a decimal, a fraction or a product of the numbers shown.
Each question has three hints, the rule in words, the rule with the numbers, and the answer. Every answer is a
number of one recorded pass (``autograd.passes.record``), and ``Exercise.key`` prints them as a key in Markdown
or LaTeX. The answers are in the page, which works offline: it is a worksheet that checks itself, not an exam
lock.

``drill(root, seed=...)`` copies the graph with one edge's local partial made wrong (a sign, a factor of 2, or
σ′ written as σ). The page shows the wrong gradients; the learner clicks the edge to blame, then sees how
``gradcheck`` localises the mistake: input by input, node by node, edge by edge.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Unpack

from autograd.explore import (
    ExploreOptions,
    Explorer,
    explore_pass,
    settings_of,
)
from autograd.graph import Graph
from autograd.passes import Pass, record, step_formula
from autograd.rules import Rule
from autograd.value import Value, apply

__all__ = ["ASKED", "GIVEN", "BrokenEdge", "Drill", "Exercise", "Question", "drill", "exercise"]

ASKED = ("forward", "partials", "gradients")
"""What an exercise can ask for, besides named nodes: every op node's value (in forward order), every edge's
local partial, and every node's gradient ∂root/∂node (both in backward order)."""

GIVEN = ("inputs", "forward", "partials", "gradients")
"""What an exercise can show from the start (``reveal``): the leaves' values, the op nodes' values, the local
partials and the gradients."""

_OPTIONS = ("title", "precision", "rankdir", "timeout", "max_nodes", "max_paths", "max_bytes", "layout")
"""The explorer's options an exercise or a drill page takes; the others would show what is asked (colours by
gradient, coarser views that sum gradients) or do not apply."""

DEFINITIONS = {
    "sigmoid": "σ(x) = 1/(1 + e^(−x))",
    "tanh": "tanh(x) = (e^x − e^(−x))/(e^x + e^(−x))",
    "relu": "relu(x) = max(0, x)",
    "softplus": "softplus(x) = log(1 + e^x)",
    "leaky_relu": "leaky_relu(x, c) = x if x > 0 else c·x",
}
"""What the functions of the forward pass compute, for the first hint of a question about a value."""


@dataclass(frozen=True)
class Question:
    """One number the learner computes. ``kind`` is "data" (node ``index``'s value), "partial" (edge
    ``index``'s local partial, numbered as ``Explorer.data["edges"]``) or "grad" (node ``index``'s gradient
    ∂root/∂node). ``answer`` is the engine's number and ``shown`` the page's writing of it; an answer within
    ``tolerance`` of it is right: one unit in its last digit shown, plus what computing it from the numbers
    as shown (each rounded) changes. ``hints`` are the rule in words, the rule with the numbers, and the
    answer. ``needs`` are the numbers it is computed from, as (kind, index), which the page shows when the
    question comes."""

    kind: str
    index: int
    prompt: str
    about: str
    answer: float
    shown: str
    tolerance: float
    hints: tuple[str, str, str]
    needs: tuple[tuple[str, int], ...]

    def accepts(self, number: float) -> bool:
        """Whether ``number`` is a right answer, as the page checks it."""
        return math.isfinite(number) and abs(number - self.answer) <= self.tolerance

    def __str__(self) -> str:
        return f"{self.prompt} = {self.shown}"


@dataclass(frozen=True)
class Exercise(Explorer):
    """An exercise page (``exercise``): the explorer's page with ``questions`` in it. Save it, show it in a
    notebook, or print its answer key with ``key``."""

    questions: tuple[Question, ...] = field(default=(), kw_only=True)
    given: tuple[str, ...] = field(default=(), kw_only=True)
    """What the worksheet starts from: each leaf as ``name = value``, then each op with a constant (a target,
    a factor) as its formula, ``d_o1 = 0.01 − out_o1``."""

    def key(self, format: str = "markdown") -> str:
        """The answer key, for a teacher who prints: every question with its answer, the rule and the rule with
        the numbers, in ``format`` "markdown" or "latex" (a whole document: ``pdflatex key.tex``). Every number is
        the engine's, written as the page writes it."""
        if format == "markdown":
            return self._markdown_key()
        if format == "latex":
            return self._latex_key()
        raise ValueError(f"Exercise.key: format must be 'markdown' or 'latex', got {format!r}")

    def _markdown_key(self) -> str:
        title = markdown_text(self.data["title"])
        lines = [f"# Answer key: {title}", "",
                 f"{len(self.questions)} questions; numbers to {self.data['precision']} significant digits, "
                 "each from chainrule's engine.", "",
                 "Given: " + ", ".join(markdown_text(g) for g in self.given) + ".", "",
                 "| # | question | answer | rule | with the numbers |", "|---|---|---|---|---|"]
        for n, q in enumerate(self.questions, start=1):
            cells = [str(n), q.prompt, q.shown, q.hints[0], q.hints[1]]
            lines.append("| " + " | ".join(markdown_text(c) for c in cells) + " |")
        return "\n".join(lines) + "\n"

    def _latex_key(self) -> str:
        rows = [rf"{n} & {tex_text(q.prompt)} & ${tex_text(q.shown, math_mode=True)}$ & {tex_text(q.hints[0])} \\"
                f"\n  & & & {tex_text(q.hints[1])} \\\\ \\hline"
                for n, q in enumerate(self.questions, start=1)]
        return "\n".join([
            r"\documentclass[a4paper]{article}",
            r"\usepackage[utf8]{inputenc}",
            r"\usepackage[T1]{fontenc}",
            r"\usepackage{amsmath,amssymb,longtable,array}",
            r"\usepackage[margin=2cm]{geometry}",
            r"\begin{document}",
            rf"\section*{{Answer key: {tex_text(self.data['title'])}}}",
            rf"{len(self.questions)} questions; numbers to {self.data['precision']} significant digits, each from "
            r"chainrule's engine.\par",
            r"Given: " + ", ".join(tex_text(g) for g in self.given) + r".\par\medskip",
            r"\begin{longtable}{r>{\raggedright}p{0.2\textwidth}l>{\raggedright\arraybackslash}p{0.5\textwidth}}",
            r"\# & question & answer & rule, then with the numbers \\ \hline\endhead",
            *rows,
            r"\end{longtable}",
            r"\end{document}",
        ]) + "\n"

    def __repr__(self) -> str:
        return (f"<Exercise of {self.data['title']!r}: {len(self.questions)} questions, "
                f"{len(self.data['nodes'])} nodes, {len(self.html):,} bytes>")


def markdown_text(text: str) -> str:
    """``text`` as Markdown shows it, in a paragraph or a table's cell: the characters that would start a tag,
    code, emphasis, a link or a new cell escaped, and the rest (numbers, brackets, minus signs) as written, so
    that the key also reads well as plain text."""
    return "".join("\\" + ch if ch in "\\`*_[]<>|#" else " " if ch in "\r\n" else ch for ch in text)


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}", "#": r"\#",
                "$": r"\$", "%": r"\%", "&": r"\&", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}",
                "\n": " ", "\r": " ", "\t": " "}
_TEX_MATH = {"∂": r"\partial", "Σ": r"\Sigma", "−": "-", "·": r"\cdot", "×": r"\times", "√": r"\surd",
             "≠": r"\neq", "≤": r"\leq", "≥": r"\geq", "′": "'", "ṫ": r"\dot t", "→": r"\to", "←": r"\leftarrow",
             "∞": r"\infty", "≈": r"\approx", "±": r"\pm", "∑": r"\sum", "∏": r"\prod", "ε": r"\varepsilon",
             "ϵ": r"\epsilon", "ς": r"\varsigma", "ο": "o", "Ο": "O"}
_GREEK_LATIN = {"Alpha": "A", "Beta": "B", "Epsilon": "E", "Zeta": "Z", "Eta": "H", "Iota": "I", "Kappa": "K",
                "Mu": "M", "Nu": "N", "Rho": "P", "Tau": "T", "Chi": "X"}
"""The Greek capitals LaTeX has no command for, because they are written as these Latin letters."""
_GREEK_CAPITALS = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}


def _tex_math_of(ch: str) -> str | None:
    """The math-mode LaTeX for a character pdflatex cannot take as text: chainrule's symbols, Greek letters,
    and sub- and superscripts (ᵢ, ⱼ, ₀, ², ⁻¹); None for one it can (ASCII, Latin-1 letters)."""
    if ch in _TEX_MATH:
        return _TEX_MATH[ch]
    decomposition = unicodedata.decomposition(ch)
    plain = unicodedata.normalize("NFKC", ch)
    plain = plain.replace("−", "-")
    if decomposition.startswith(("<sub>", "<super>")) and plain.isascii() and plain.isprintable():
        return ("_" if decomposition.startswith("<sub>") else "^") + "{" + plain + "}"
    if ord(ch) < 0x100:
        return None
    name = unicodedata.name(ch, "")
    for case in ("SMALL", "CAPITAL"):
        prefix = f"GREEK {case} LETTER "
        letter = name[len(prefix):].capitalize().replace("Lamda", "Lambda") if name.startswith(prefix) else ""
        if letter.isalpha():
            if case == "SMALL":
                return "\\" + letter.lower()
            return "\\" + letter if letter in _GREEK_CAPITALS else _GREEK_LATIN.get(letter, "?")
    return r"\text{\texttt{[U+" + f"{ord(ch):04X}" + "]}}"


def tex_text(text: str, math_mode: bool = False) -> str:
    """``text`` as LaTeX that pdflatex compiles: its special characters escaped, line breaks as spaces, the
    symbols chainrule writes (∂, σ, −, ·, ×, ², ⱼ, ...) as their math commands, Latin-1 letters as they are,
    and any other character as its code point (``[U+1F600]``). ``math_mode``: the text goes inside ``$...$``
    already."""
    out = []
    for ch in text:
        command = _tex_math_of(ch)
        if command is not None:
            out.append(command + " " if math_mode else f"${command}$")
        elif ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch] if not math_mode else r"\text{" + _TEX_SPECIAL[ch] + "}")
        else:
            out.append(ch)
    return "".join(out)


def exercise(root: Value, ask: str | int | Sequence[str] = "gradients", reveal: str | Sequence[str] | None = None,
             seed: int | None = None, **options: Unpack[ExploreOptions]) -> Exercise:
    """An exercise page for ``root``'s graph: the explorer's page, with the numbers asked for hidden until the
    learner computes them.

    ``ask``: any of "forward" (every op node's value, in forward order), "partials" (every edge's local
    partial) and "gradients" (every gradient ∂root/∂node), or names of nodes whose gradients to ask for, in
    backward order; or a count, that many questions drawn at random with ``seed`` from all of these (the same
    seed, the same questions). ``reveal``: what is shown from the start, of "inputs", "forward", "partials"
    and "gradients" (default: the inputs, and the forward values unless they are asked). Other numbers stay
    hidden until a question needs them. Options: ``title``, ``precision`` (digits shown and checked, default
    4), ``rankdir``, ``timeout``, ``max_nodes``, ``max_paths``, ``max_bytes``, ``layout``, as for ``explore``.

    Raises ValueError for an unknown name or category, a category both asked and revealed, or a graph with a
    number that is not finite.
    """
    settings = _page_settings(root, options, "exercise")
    recorded = record(Graph.of(root), where="exercise")
    _check_finite(recorded, "exercise")
    p = settings["precision"]
    graph = recorded.graph
    page = _Page(recorded, p)
    asked = _asked(page, ask, seed)
    given = _revealed(reveal, asked)
    questions = page.questions(asked)
    if not questions:
        raise ValueError(f"exercise: ask={ask!r} asks for nothing in this graph")
    known = {
        "data": [("inputs" in given) if node.is_leaf else ("forward" in given) for node in graph.nodes],
        "partial": ["partials" in given] * sum(len(node.parents) for node in graph.nodes),
        "grad": [("gradients" in given) or i == len(graph) - 1 for i in range(len(graph))],
    }
    section = {  # the answers are the document's own numbers, which the page shows as known
        "known": known,
        "questions": [{"kind": q.kind, "index": q.index, "prompt": q.prompt, "about": q.about, "answer": q.answer,
                       "shown": q.shown, "tolerance": q.tolerance, "hints": list(q.hints),
                       "needs": [list(n) for n in q.needs]} for q in questions],
    }
    explorer = explore_pass(recorded, settings, {"exercise": section})
    return Exercise(explorer.html, explorer.document, explorer.views, explorer.scenes, questions=tuple(questions),
                    given=_given(graph, p))


def _given(graph: Graph, p: int) -> tuple[str, ...]:
    """Every number a learner needs: each leaf's value, then each op that holds a constant (a target, a
    factor ½, a power), written as its formula: ``d_o1 = 0.01 − out_o1``."""
    leaves = sorted((n for n in graph.nodes if n.is_leaf), key=lambda n: _natural(graph.name(n)))
    constants = [n for n in graph.nodes if n.rule is not None and n.rule.takes_constant]
    return (*(f"{graph.name(n)} = {_fmt(n.data, p)}" for n in leaves), *(step_formula(graph, n) for n in constants))


def _page_settings(root: Value, options: ExploreOptions, where: str) -> dict[str, Any]:
    """The explorer's settings for a teaching page: only the options of ``_OPTIONS``, at most 1000 nodes by
    default, no fans (which sum gradients) and every edge labelled with its partial."""
    for name in options:
        if name not in _OPTIONS:
            raise TypeError(f"{where}: {name!r} is not an option of a teaching page, which takes "
                            f"{', '.join(_OPTIONS)}")
    settings = settings_of(root, {"max_nodes": 1000, **options}, where, start="end")  # its questions ask of every step
    return {**settings, "fan_at": settings["max_nodes"] + 1, "show_partials": True}


def _check_finite(recorded: Pass, where: str) -> None:
    """Refuse a pass with a number a learner could not write: nan or an infinity, named by node."""
    graph = recorded.graph
    for i, node in enumerate(graph.nodes):
        numbers = [("value", recorded.data[i]), ("gradient", recorded.grads[i])]
        numbers += [(f"partial for input {k}", x) for k, x in enumerate(recorded.partials[i])]
        for what, x in numbers:
            if not math.isfinite(x):
                raise ValueError(f"{where}: {graph.name(node)}'s {what} is {x!r}; a learner's numbers must be finite")


def _natural(name: str) -> list[Any]:
    """A name's sort key with its numbers as numbers: w2 before w10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _fmt(x: float, p: int) -> str:
    """``x`` as the page writes it: Python's ``format(x, ".{p}g")``, which the page's ``fmt`` copies."""
    return format(x, f".{p}g")


def _rounded(x: float, p: int) -> float:
    return float(_fmt(x, p))


def _tolerance(exact: float, from_shown: float, p: int) -> float:
    """How far a right answer may be from ``exact``: one unit in its ``p``-th significant digit, plus how far
    the same computation on the numbers as shown (``from_shown``) lands."""
    unit = 10.0 ** (math.floor(math.log10(abs(exact))) - p + 1) if exact else 10.0 ** -(p + 2)
    drift = abs(from_shown - exact) if math.isfinite(from_shown) else 0.0
    return unit + drift


class _Page:
    """The questions a recorded pass can ask, with their hints, written as the page writes numbers."""

    def __init__(self, recorded: Pass, precision: int) -> None:
        self.recorded = recorded
        self.graph = recorded.graph
        self.p = precision
        self.edges: list[tuple[int, int, int]] = []  # (child, position, parent), numbered as the page's edges
        for child, parents in enumerate(self.graph.parents):
            for position, parent in enumerate(parents):
                self.edges.append((child, position, parent))
        self.edge_of = {(c, k): e for e, (c, k, _) in enumerate(self.edges)}
        self.uses: list[list[int]] = [[] for _ in self.graph.nodes]
        for e, (_, _, parent) in enumerate(self.edges):
            self.uses[parent].append(e)

    def shown(self, x: float) -> str:
        return _fmt(x, self.p)

    def term(self, x: float) -> str:
        """A number as a factor of a formula: in parentheses when negative."""
        text = self.shown(x)
        return f"({text})" if text.startswith("-") else text

    def candidates(self) -> dict[str, list[tuple[str, int]]]:
        """Every question the pass can ask, in the order the page asks them: "forward", the op nodes' values
        in forward order; "backward", in backward order, at each step its node's gradient, then its edges'
        partials, then the gradients of the leaves it used last; and "partials" and "gradients" apart."""
        graph, recorded = self.graph, self.recorded
        root = len(graph) - 1
        index = graph.index
        last_use: dict[int, int] = {}
        for s, step in enumerate(recorded.steps):
            for edge in step.edges:
                last_use[index(edge.parent)] = s
        leaves_after: dict[int, list[int]] = {}
        for i, node in enumerate(graph.nodes):
            if node.is_leaf and i in last_use:
                leaves_after.setdefault(last_use[i], []).append(i)
        backward: list[tuple[str, int]] = []
        for s, step in enumerate(recorded.steps):
            child = index(step.node)
            if child != root:
                backward.append(("grad", child))
            backward += [("partial", self.edge_of[(child, k)]) for k in range(len(step.edges))]
            backward += [("grad", leaf) for leaf in leaves_after.get(s, [])]
        return {"forward": [("data", i) for i, node in enumerate(graph.nodes) if node.rule is not None],
                "backward": backward,
                "partials": [q for q in backward if q[0] == "partial"],
                "gradients": [q for q in backward if q[0] == "grad"]}

    def questions(self, asked: set[tuple[str, int]]) -> list[Question]:
        """The ``asked`` questions, the forward values first, then the rest in backward order."""
        order = self.candidates()
        return [self.question(kind, i) for kind, i in order["forward"] + order["backward"] if (kind, i) in asked]

    def question(self, kind: str, i: int) -> Question:
        return {"data": self._value, "partial": self._partial, "grad": self._gradient}[kind](i)

    def _names(self, i: int) -> tuple[list[str], list[str]]:
        parents = self.graph.nodes[i].parents
        return [self.graph.operand(p) for p in parents], [self.graph.expression(p) for p in parents]

    def _numbers(self, i: int) -> tuple[list[str], list[str]]:
        xs = [self.recorded.data[j] for j in self.graph.parents[i]]
        return [self.term(x) for x in xs], [self.shown(x) for x in xs]

    def _value(self, i: int) -> Question:
        graph, recorded = self.graph, self.recorded
        node = graph.nodes[i]
        rule = node.rule
        assert rule is not None
        n = len(node.parents)
        name = graph.expression(node)
        exact = recorded.data[i]
        shown_inputs = [_rounded(recorded.data[j], self.p) for j in graph.parents[i]]
        from_shown = _attempt(lambda: rule.forward(tuple(shown_inputs), node.arg))
        formula = step_formula(graph, node)
        definition = DEFINITIONS.get(rule.name)
        words = formula + (f", where {definition}" if definition else "")
        numbers = f"{name} = {rule.written(n, node.arg, *self._numbers(i))}"
        return Question("data", i, name, formula, exact, self.shown(exact), _tolerance(exact, from_shown, self.p),
                        (words, numbers, f"{name} = {self.shown(exact)}"),
                        tuple(("data", j) for j in dict.fromkeys(graph.parents[i])))

    def _partial(self, e: int) -> Question:
        graph, recorded = self.graph, self.recorded
        child, position, parent = self.edges[e]
        node = graph.nodes[child]
        rule = node.rule
        assert rule is not None
        n = len(node.parents)
        symbol = f"∂{graph.operand(node)}/∂{graph.operand(graph.nodes[parent])}"
        if graph.parents[child].count(parent) > 1:
            symbol += f" (input {position + 1} of {n})"
        exact = recorded.partials[child][position]
        shown_inputs = tuple(_rounded(recorded.data[j], self.p) for j in graph.parents[child])
        shown_out = _rounded(recorded.data[child], self.p)
        from_shown = _attempt(lambda: float(rule.partials(shown_inputs, shown_out, node.arg)[position]))
        names, bare = self._names(child)
        words = rule.explain_each(n, node.arg, names, [position], bare)[0]
        template = _words(rule, n, node.arg)[position]
        with_numbers = rule.fill(template, n, node.arg, *self._numbers(child))
        if rule.symbol in template and rule.symbol:
            written = rule.written(n, node.arg, *self._numbers(child))
            with_numbers += f", where {written} = {graph.expression(node)} = {self.shown(recorded.data[child])}"
        return Question("partial", e, symbol, step_formula(graph, node), exact, self.shown(exact),
                        _tolerance(exact, from_shown, self.p),
                        (f"{symbol}: {words}", f"{symbol} = {with_numbers}", f"{symbol} = {self.shown(exact)}"),
                        tuple(("data", j) for j in dict.fromkeys([*graph.parents[child], child])))

    def _gradient(self, i: int) -> Question:
        graph, recorded = self.graph, self.recorded
        root = graph.nodes[-1]
        wrt = graph.operand(graph.nodes[i])
        symbol = f"∂{graph.operand(root)}/∂{wrt}"
        uses = self.uses[i]
        exact = recorded.grads[i]
        terms, numbers, from_shown = [], [], 0.0
        needs: dict[tuple[str, int], None] = {}
        for e in uses:
            child, position, _ = self.edges[e]
            partial, upstream = recorded.partials[child][position], recorded.grads[child]
            use = graph.operand(graph.nodes[child])
            up = "1" if child == len(graph) - 1 else f"∂{graph.operand(root)}/∂{use}"
            terms.append(f"∂{use}/∂{wrt} · {up}")
            numbers.append(f"{self.term(partial)} × {self.term(upstream)}")
            from_shown += _rounded(partial, self.p) * _rounded(upstream, self.p)
            needs.update({("grad", child): None, ("data", child): None})
            needs.update({("data", j): None for j in graph.parents[child]})
        sum_of = "the sum over its uses of local partial × upstream" if len(uses) > 1 else \
            "its one use's local partial × upstream"
        hints = (f"{symbol} = {' + '.join(terms)}: {sum_of}", f"{symbol} = {' + '.join(numbers)}",
                 f"{symbol} = {self.shown(exact)}")
        users = dict.fromkeys(self.edges[e][0] for e in uses)
        about = f"{graph.expression(graph.nodes[i])} is used in " + "; ".join(
            step_formula(graph, graph.nodes[c]) for c in users)
        return Question("grad", i, symbol, about, exact, self.shown(exact), _tolerance(exact, from_shown, self.p),
                        hints, tuple(needs))


def _words(rule: Rule, n: int, arg: Any) -> tuple[str, ...]:
    return rule.words if rule.signature is None else rule.signature(n, arg)[1]


def _attempt(compute: Callable[[], Any]) -> float:
    """A computation on rounded numbers, or nan where it has no value there (a partial at a kink)."""
    try:
        return float(compute())
    except (ArithmeticError, ValueError, TypeError):
        return math.nan


def _asked(page: _Page, ask: str | int | Sequence[str], seed: int | None) -> set[tuple[str, int]]:
    order = page.candidates()
    graph = page.graph
    if isinstance(ask, bool):
        raise TypeError(f"exercise: ask must be a category, node names or a count, got {ask!r}")
    if isinstance(ask, int):
        every = order["forward"] + order["backward"]
        if not 1 <= ask <= len(every):
            raise ValueError(f"exercise: ask={ask} questions, but this graph has {len(every)} to draw from")
        return set(random.Random(seed).sample(every, ask))
    if seed is not None:
        raise ValueError(f"exercise: seed draws the questions of a count (ask=8), but ask={ask!r} names them")
    items = [ask] if isinstance(ask, str) else list(ask)
    if not items or not all(isinstance(item, str) for item in items):
        raise TypeError(f"exercise: ask must be a category, node names or a count, got {ask!r}")
    names = {graph.name(node): i for i, node in enumerate(graph.nodes)}
    asked: set[tuple[str, int]] = set()
    for item in items:
        if item in ASKED:
            asked.update(order[item])
        elif item in names:
            if names[item] == len(graph) - 1:
                raise ValueError(f"exercise: {item!r} is the root, whose gradient is 1 by definition; ask for another "
                                 "node")
            asked.add(("grad", names[item]))
        else:
            shown = ", ".join(list(names)[:12]) + (", ..." if len(names) > 12 else "")
            raise ValueError(f"exercise: ask: {item!r} is neither one of {', '.join(ASKED)} nor a node of the graph "
                             f"({shown})")
    return asked


def _revealed(reveal: str | Sequence[str] | None, asked: set[tuple[str, int]]) -> set[str]:
    kinds = {"data": "forward", "partial": "partials", "grad": "gradients"}
    asked_kinds = {kinds[kind] for kind, _ in asked}
    if reveal is None:
        return {"inputs"} | ({"forward"} - asked_kinds)
    items = [reveal] if isinstance(reveal, str) else list(reveal)
    for item in items:
        if item not in GIVEN:
            raise ValueError(f"exercise: reveal: {item!r} is not one of {', '.join(GIVEN)}")
        if item in asked_kinds:
            raise ValueError(f"exercise: {item!r} is both asked and revealed")
    return set(items)


# Drills -------------------------------------------------------------------------------------------------------

MISTAKES = ("sign", "factor of 2", "σ′ written as σ")
"""The mistakes a drill makes in one local partial: its sign flipped, doubled, or σ(x) written for σ′(x)."""


@dataclass(frozen=True)
class BrokenEdge:
    """The edge a drill broke: ∂child/∂parent (the parent being the child's input ``position``), numbered
    ``edge`` as ``Explorer.data["edges"]``, with the mistake and the partial it should have and has."""

    child: str
    parent: str
    position: int
    edge: int
    mistake: str
    right: float
    wrong: float

    def __str__(self) -> str:
        return (f"∂{self.child}/∂{self.parent} ({self.mistake}): {self.wrong:.6g} where the rule gives "
                f"{self.right:.6g}")


@dataclass(frozen=True)
class Drill(Explorer):
    """A drill page (``drill``): the graph with one wrong local partial. ``answer`` names it; ``function``
    computes the drilled graph's root from new values of its leaves ``inputs`` (for ``gradcheck``, which
    fails on it); ``root`` is the drilled graph's root."""

    answer: BrokenEdge = field(kw_only=True)
    root: Value = field(kw_only=True, repr=False)
    inputs: tuple[Value, ...] = field(kw_only=True, repr=False)
    function: Callable[..., Value] = field(kw_only=True, repr=False)

    def __repr__(self) -> str:
        return f"<Drill of {self.data['title']!r}: one wrong partial among {len(self.data['edges'])} edges>"


def drill(root: Value, seed: int | None = None, mistake: str | None = None,
          **options: Unpack[ExploreOptions]) -> Drill:
    """A drill page for ``root``'s graph: a copy in which one edge's local partial is wrong (a sign, a factor
    of 2, or σ′ written as σ; drawn with ``seed``, or ``mistake`` as chosen), with the wrong gradients it
    gives. The learner clicks the edge to blame; the page then shows how ``gradcheck`` localises it: the
    inputs whose gradients disagree with central differences, the nodes, and the one edge. The edge is
    always one whose mistake changes an input's gradient beyond ``gradcheck``'s tolerance. Options as for
    ``exercise``. ``root``'s graph is not changed."""
    settings = _page_settings(root, options, "drill")
    if mistake is not None and mistake not in MISTAKES:
        raise ValueError(f"drill: mistake must be one of {', '.join(map(repr, MISTAKES))}, got {mistake!r}")
    true_pass = record(Graph.of(root), where="drill")
    _check_finite(true_pass, "drill")
    graph = true_pass.graph
    leaves = [i for i, node in enumerate(graph.nodes) if node.is_leaf]
    rng = random.Random(seed)
    choices = [(e, kind) for e, kind in _mistakes(true_pass) if mistake is None or kind == mistake]
    rng.shuffle(choices)
    for e, kind in choices:
        copy = _Copy(graph, e, kind)
        drilled = record(copy.build([graph.nodes[i].data for i in leaves]), where="drill")
        if _shows(true_pass, drilled, leaves):
            break
    else:
        wanted = f"a {mistake!r} mistake" if mistake else "a mistake"
        raise ValueError(f"drill: no edge of this graph can hold {wanted} that changes an input's gradient")
    child, position = copy.child, copy.position
    right = true_pass.partials[child][position]
    parent = graph.nodes[graph.parents[child][position]]
    answer = BrokenEdge(graph.name(graph.nodes[child]), graph.name(parent), position, e, kind, right,
                        drilled.partials[child][position])
    section = {"edge": e, "mistake": kind, "right": right, "wrong": answer.wrong, **_localise(copy, drilled)}
    explorer = explore_pass(drilled, settings, {"drill": section})
    built = drilled.graph
    inputs = tuple(built.nodes[i] for i in leaves)
    return Drill(explorer.html, explorer.document, explorer.views, explorer.scenes, answer=answer,
                 root=built.nodes[-1], inputs=inputs, function=copy.function)


def _mistakes(recorded: Pass) -> list[tuple[int, str]]:
    """Every (edge, mistake) a drill may make: a sign or a factor of 2 on a partial that is not 0, and σ′
    written as σ on a sigmoid's edge; only edges whose contribution is not 0 (else no gradient changes)."""
    graph = recorded.graph
    found = []
    e = 0
    for child, node in enumerate(graph.nodes):
        for position in range(len(node.parents)):
            partial = recorded.partials[child][position]
            if partial != 0 and recorded.grads[child] != 0:
                found += [(e, "sign"), (e, "factor of 2")]
                if node.op == "sigmoid":
                    found.append((e, "σ′ written as σ"))
            e += 1
    return found


def _broken(rule: Rule, position: int, mistake: str) -> Rule:
    """``rule`` with its partial for input ``position`` wrong by ``mistake``; its name, formula and words are
    the right ones, as a mistake in code looks."""
    right = rule.partials

    def partials(xs: Any, out: Any, arg: Any) -> Sequence[Any]:
        ps = list(right(xs, out, arg))
        p = ps[position]
        ps[position] = -p if mistake == "sign" else 2 * p if mistake == "factor of 2" else out
        return ps

    return dataclasses.replace(rule, partials=partials)


class _Copy:
    """A copy of a graph with edge ``edge``'s partial broken by ``mistake``, made again from any leaf values
    by the same rows (the broken one for its node)."""

    def __init__(self, graph: Graph, edge: int, mistake: str) -> None:
        self.graph = graph
        e = 0
        for child, node in enumerate(graph.nodes):
            if e + len(node.parents) > edge:
                self.child, self.position = child, edge - e
                break
            e += len(node.parents)
        rule = graph.nodes[self.child].rule
        assert rule is not None
        self.rules = [node.rule for node in graph.nodes]
        self.rules[self.child] = _broken(rule, self.position, mistake)
        self.leaves = [i for i, node in enumerate(graph.nodes) if node.is_leaf]

    def build(self, values: Sequence[float | Value], override: dict[int, float] | None = None) -> Value:
        """The drilled graph for these leaf values (Values are used as given); ``override`` fixes nodes'
        values, as a check of one node's gradient by central differences moves it."""
        made: list[Value] = []
        given = dict(zip(self.leaves, values, strict=True))
        for i, node in enumerate(self.graph.nodes):
            rule = self.rules[i]
            if rule is None:
                value = given[i]
                made.append(value if isinstance(value, Value) else Value(value, node.label))
            else:
                made.append(apply(rule, tuple(made[j] for j in self.graph.parents[i]), node.arg))
                made[-1].label = node.label
            if override and i in override:
                made[-1] = Value(override[i], node.label)
        return made[-1]

    def function(self, *values: Value) -> Value:
        """The drilled graph's root, from one value per leaf (in the graph's order)."""
        return self.build(values)


def _shows(true_pass: Pass, drilled: Pass, leaves: list[int]) -> bool:
    """Whether the broken partial changes some input's gradient past ``gradcheck``'s tolerance, tenfold."""
    return any(abs(drilled.grads[i] - true_pass.grads[i]) > 10 * (1e-5 + 1e-4 * abs(true_pass.grads[i]))
               for i in leaves)


EPS = 1e-6
"""The step of the drill page's central differences, as ``gradcheck``'s."""


def _agrees(analytic: float, numeric: float) -> bool:
    """``gradcheck``'s test: |analytic − numeric| ≤ atol + rtol·|numeric|, with its default tolerances."""
    return abs(analytic - numeric) <= 1e-5 + 1e-4 * abs(numeric)


def _localise(copy: _Copy, drilled: Pass) -> dict[str, Any]:
    """How gradcheck finds the broken edge, in three tables of [number, backward's, central difference]:
    each input (as ``gradcheck`` reports it), each node (moving its value, and recomputing only what depends
    on it) and each edge (its local partial against a central difference of its op alone)."""
    graph = drilled.graph
    values = [graph.nodes[i].data for i in copy.leaves]

    def root_at(i: int, x: float) -> float:
        return copy.build(values, {i: x}).data

    nodes: list[tuple[int, float, float]] = []
    for i in range(len(graph)):
        x = drilled.data[i]
        numeric = (root_at(i, x + EPS) - root_at(i, x - EPS)) / (2 * EPS)
        nodes.append((i, drilled.grads[i], numeric))
    edges: list[tuple[int, float, float]] = []
    e = 0
    for child, node in enumerate(graph.nodes):
        rule = copy.graph.nodes[child].rule
        for position in range(len(node.parents)):
            assert rule is not None
            xs = [drilled.data[j] for j in graph.parents[child]]
            ups, downs = list(xs), list(xs)
            ups[position] += EPS
            downs[position] -= EPS
            numeric = (rule.forward(tuple(ups), node.arg) - rule.forward(tuple(downs), node.arg)) / (2 * EPS)
            edges.append((e, drilled.partials[child][position], numeric))
            e += 1
    inputs = [row for row in nodes if graph.nodes[row[0]].is_leaf]
    return {"inputs": [[*row, _agrees(row[1], row[2])] for row in inputs],
            "nodes": [[*row, _agrees(row[1], row[2])] for row in nodes],
            "edges": [[*row, _agrees(row[1], row[2])] for row in edges]}
