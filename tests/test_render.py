"""Rendering: DOT structure and numbers, real SVG through Graphviz, escaping, options, errors."""

import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import autograd
from autograd import Value, render
from autograd.examples import WorkedExample
from autograd.render import GraphvizNotFoundError, label_prefix, to_dot

SVG = "{http://www.w3.org/2000/svg}"


def _svg(dot_source):
    run = subprocess.run(["dot", "-Tsvg"], input=dot_source, capture_output=True, text=True, check=False, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


def _texts(svg):
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def _edges(dot):
    return re.findall(r"^\s*(n\d+) -> (n\d+)(?: \[(.*)\])?$", dot, flags=re.M)


def test_nodes_and_edges_carry_the_numbers_backward_used():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b
    c.label = "c"
    c.backward()
    dot = to_dot(c)
    assert dot.count("[label=<<TABLE") == 3
    assert "<B>a</B>" in dot
    assert "data 2</TD>" in dot
    assert "grad -3</TD>" in dot
    assert "<I>×</I>" in dot
    edges = _edges(dot)
    assert [(src, dst) for src, dst, _ in edges] == [("n0", "n2"), ("n1", "n2")]
    assert "∂=-3" in edges[0][2]  # ∂c/∂a = b
    assert "∂=2" in edges[1][2]  # ∂c/∂b = a


def test_repeated_input_draws_two_edges_each_with_its_partial():
    x = Value(3.0, "x")
    dot = to_dot(x * x)
    assert [(s, d) for s, d, _ in _edges(dot)] == [("n0", "n1"), ("n0", "n1")]
    assert all("∂=3" in label for _, _, label in _edges(dot))


def test_contributions_rules_and_precision():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b
    c.backward()
    dot = to_dot(c, show_contributions=True, show_rules=True, precision=2)
    assert "-3 × 1 = -3" in dot
    assert "∂(a·b)/∂a = b" in dot
    assert "data 2<" in to_dot(Value(2.0), precision=1)
    assert "data 3.142<" in to_dot(Value(3.14159), precision=4)
    assert "label" not in _edges(to_dot(c, show_partials=False))[0][2]


def test_rankdir_highlight_and_gradient_colours():
    x, y = Value(1.0, "x"), Value(2.0, "y")
    z = x * y
    z.backward()
    dot = to_dot(z, rankdir="TB", highlight=[x, (y, z)], color_by_grad=True)
    assert "rankdir=TB" in dot
    assert 'COLOR="#d62728"' in dot  # the highlighted node
    assert re.search(r"n1 -> n2 \[.*color=\"#d62728\"", dot)
    assert not re.search(r"n0 -> n2 \[.*color=\"#d62728\"", dot)
    tiny, huge = render.grad_color(1e-9), render.grad_color(1e6)
    assert tiny == "#4a7bd0"
    assert huge == "#d62728"
    assert render.grad_color(0.0) == "#d9d9d9"


def test_clusters_group_nodes_by_label_prefix():
    w = Value(0.5, "layer.0.w")
    x = Value(1.0, "x")
    out = w * x
    out.label = "layer.0.out"
    dot = to_dot(out, cluster=label_prefix(2))
    assert "subgraph cluster_0" in dot
    assert "label=<layer.0>" in dot
    cluster_body = dot[dot.index("subgraph cluster_0"):]
    assert "<B>w</B>" in cluster_body  # shown relative to the box
    assert "<B>out</B>" in cluster_body
    with pytest.raises(ValueError, match="depth must be a whole number of at least 1, got 0"):
        label_prefix(0)


def test_an_mlp_draws_one_box_per_neuron():
    import nn

    model = nn.MLP(2, [4, 1], activation="sigmoid", seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    dot = to_dot(loss, cluster=label_prefix(4))
    assert dot.count("subgraph cluster_") == 5
    for i in range(4):
        assert f"label=<layers.0.neurons.{i}>" in dot
    texts = _texts(_svg(dot))
    assert texts.count("w.0") == 5
    assert texts.count("net") == 5


def test_too_large_a_graph_suggests_the_remedy():
    x = Value(1.0)
    y = x
    for _ in range(20):
        y = y + 1
    with pytest.raises(ValueError, match=r"21 nodes, more than max_nodes=10.*pass max_nodes=21"):
        to_dot(y, max_nodes=10)
    assert to_dot(y, max_nodes=21)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"rankdir": "XY"}, "rankdir"), ({"precision": 0}, "precision"), ({"step": 0}, "step must be"),
     ({"step": 9}, "past the last step; backward of this graph has 1 steps"), ({"highlight": [3]}, "highlight")],
)
def test_bad_options_are_named(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        to_dot(Value(1.0) * 2, **kwargs)


def test_renders_to_svg_with_real_dot():
    total = WorkedExample().forward()
    total.backward()
    svg = autograd.draw(total, show_rules=True).pipe(encoding="utf-8")
    texts = _texts(svg)
    assert "net_h1" in texts
    assert "out_o1" in texts
    assert "E" in texts
    assert "grad 0.08217" in texts  # ∂E/∂w5
    assert "∂(w·x + b)/∂w1 = i1" in texts


def test_save_writes_svg_png_and_pdf(tmp_path):
    y = Value(2.0, "x").tanh()
    for suffix, magic in ((".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")):
        path = autograd.save(y, tmp_path / f"sub/graph{suffix}")
        assert path.read_bytes().startswith(magic)
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["graph.pdf", "graph.png", "graph.svg"]
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.pdf"):
        autograd.save(y, tmp_path / "graph.txt")


def test_missing_graphviz_says_how_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    y = Value(2.0) * 3
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        autograd.draw(y)
    assert "digraph" in to_dot(y)
    assert render._notebook_svg(y) is None


def test_notebook_shows_small_graphs_and_text_for_large_ones():
    small = Value(2.0, "x") * 3
    assert render._notebook_svg(small).lstrip().startswith("<?xml")
    big = Value(1.0)
    for _ in range(45):
        big = big * 1.1
    assert render._notebook_svg(big) is None


NASTY = [
    '"]; n0 -> n1; evil [label="',
    '<IMG SRC="/etc/passwd"/>',
    "</TD></TR></TABLE>>]; x [shape=box",
    "{a|b}<c>\\l\\n",
    "tab\there\nnewline\x00nul\x7f",
    "&amp; &lt; ]] ]]> -->",
    "\\N \\G \\\\ \\l \\x1f",
]


@given(st.text(max_size=40))
@example(NASTY[0])
@example(NASTY[1])
@example(NASTY[2])
@example(NASTY[3])
@example(NASTY[4])
@example(NASTY[5])
@example(NASTY[6])
@example("\x1f\\")
@example("]")
def test_any_label_round_trips_through_dot_to_svg(label):
    x = Value(1.5, label or None)
    y = x * 2
    y.label = label[::-1] or None
    svg = _svg(to_dot(y))
    root = ET.fromstring(svg)
    assert not list(root.iter(f"{SVG}image"))  # nothing was loaded from a file
    assert len(list(root.iter(f"{SVG}g"))) >= 4  # the graph, 2 nodes, 1 edge: no injected nodes
    texts = " ".join(" ".join(_texts(svg)).split())
    for text in (label, label[::-1]):
        visible = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)
        assert " ".join(visible.split()) in texts


def test_cluster_names_are_escaped_too():
    w = Value(0.5, '\\G"]; evil [x=".w')
    svg = _svg(to_dot(w * 2, cluster=lambda node: node.label and node.label.split(".")[0]))
    assert '\\G"]; evil [x="' in _texts(svg)


def test_injection_attempts_stay_text():
    dot = to_dot(Value(1.0, NASTY[0]) * 2)
    assert "&quot;&#93;; n0 -&gt; n1; evil [label=&quot;" in dot
    assert "&lt;IMG SRC=&quot;/etc/passwd&quot;/&gt;" in to_dot(Value(1.0, NASTY[1]) * 2)
    nodes = re.findall(r"^\s*n\d+ \[", to_dot(Value(1.0, NASTY[0]) * 2), flags=re.M)
    assert len(nodes) == 2


def test_errors_name_the_function_that_was_called(tmp_path):
    x = Value(1.0, "x")
    y = x * 2.0
    with pytest.raises(ValueError, match=r"^to_dot: precision"):
        to_dot(y, precision=0)
    with pytest.raises(ValueError, match=r"^draw: rankdir"):
        autograd.draw(y, rankdir="XY")
    with pytest.raises(ValueError, match=r"^save: step 5 is past the last step"):
        autograd.save(y, tmp_path / "g.svg", step=5)
    with pytest.raises(TypeError, match=r"^draw: unknown options \['colour'\]"):
        autograd.draw(y, colour=True)
    assert not (tmp_path / "g.svg").exists()


def test_very_long_labels_are_shortened_in_the_drawing_and_whole_in_the_tooltip(tmp_path):
    long = "w" * 9_000 + "-middle-" + "z" * 9_000
    x = Value(1.0, long)
    y = (x * 2.0).tanh()
    y.label = "q" * 200_000
    path = autograd.save(y, tmp_path / "long.svg", show_rules=True)
    svg = path.read_text()
    assert "w" * 29 + "…" + "z" * 29 in svg
    assert "middle" not in svg.split("<title>")[0]
    assert 'xlink:title="' + "w" * 3_000 in svg  # the tooltip holds the name
    assert "more characters)" in svg  # ...up to a limit Graphviz can read
    dot = autograd.to_dot(y)
    assert "q" * 29 + "…" + "q" * 29 in dot
    assert "q" * 4_001 not in dot


def test_dot_failures_carry_dots_own_message():
    import graphviz

    from autograd.render import GraphvizError, _pipe

    broken = graphviz.Digraph(body=["a -> {"])
    with pytest.raises(GraphvizError, match=r"save: Graphviz's dot could not render the graph: .*syntax error"):
        _pipe(broken, "svg", "save")


def _power_chain(nodes):
    """y = y * x until the graph has ``nodes`` nodes: x feeds every node, which dot lays out very slowly."""
    x = Value(1.01, "x")
    y = x
    while len(autograd.topological_order(y)) < nodes:
        y = y * x
    y.backward()
    return y


@pytest.mark.parametrize(("nodes", "settings"), [
    (46, {}),
    (91, {"nslimit": "1", "nslimit1": "1", "mclimit": "0.1"}),
    (299, {"nslimit": "1", "nslimit1": "1", "mclimit": "0.1", "splines": "line"}),
])
def test_a_drawing_is_laid_out_as_its_shape_calls_for(tmp_path, nodes, settings):
    root = _power_chain(nodes)
    bends = (nodes - 1) * (nodes - 2) // 2  # x's edge into the k-th product crosses k − 1 ranks
    graph = autograd.Graph.of(root)
    edges = [(f"n{i}", f"n{j}") for j, parents in enumerate(graph.parents) for i in parents]
    assert render.layout_bends(edges) == bends
    assert render.layout_settings(edges) == settings
    source = autograd.to_dot(root)
    assert all(f"{key}={value}" in source for key, value in settings.items())
    path = autograd.save(root, tmp_path / "chain.svg")  # no fallback: a warning would fail the test
    assert path.read_text().count('class="node"') == nodes
    page = autograd.explore(root, max_nodes=1000)
    assert all(f"{key}={value}" in page.sources[0] for key, value in settings.items())


def test_a_drawing_too_hard_for_dot_is_drawn_by_neato_and_an_easy_one_as_dot_likes():
    assert render.layout_settings([("x", f"p{k}") for k in range(1, 400)] + [
        (f"p{k}", f"p{k + 1}") for k in range(1, 399)]) == {"layout": "neato", "overlap": "false"}
    assert "nslimit" not in autograd.to_dot(WorkedExample().forward())


@pytest.mark.slow
def test_a_drawing_dot_cannot_lay_out_in_time_falls_back_and_says_so(tmp_path):
    root = _power_chain(299)  # 2.2 s in dot even with its tier's settings, 0.2 s in neato
    with pytest.warns(autograd.GraphvizFallbackWarning, match="did not lay this graph out within 1 s") as caught:
        path = autograd.save(root, tmp_path / "chain.svg", timeout=1)
    assert "neato" in str(caught[0].message)
    svg = path.read_text()
    assert svg.lstrip().startswith("<?xml")
    assert svg.count('class="node"') == 299


@pytest.mark.slow
def test_draw_keeps_its_time_budget_when_jupyter_renders_it():
    drawing = autograd.draw(_power_chain(299), timeout=1)
    with pytest.warns(autograd.GraphvizFallbackWarning):
        svg = drawing._repr_image_svg_xml()
    assert "<svg" in svg


def test_no_layout_in_time_is_a_clear_error_and_a_bad_timeout_is_refused(tmp_path):
    root = _power_chain(5)
    with pytest.raises(autograd.GraphvizError, match="could not lay the graph out within 1e-06 s, even with"):
        autograd.save(root, tmp_path / "never.svg", timeout=1e-6)
    assert not (tmp_path / "never.svg").exists()
    for bad in (0, -1, math.inf, "3", True):
        with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
            autograd.to_dot(root, timeout=bad)


def test_the_worked_example_is_drawn_in_the_textbook_s_order():
    """i1 above i2, w1 above w2, h1 above h2 and o1 above o2, as the derivation draws them."""
    example = WorkedExample()
    total = example.forward()
    total.backward()
    drawn = subprocess.run(["dot", "-Tsvg"], input=to_dot(total).encode(), capture_output=True, check=True)
    svg = drawn.stdout.decode()
    graph = autograd.Graph.of(total)
    height = {}
    for found in re.finditer(r'<title>n(\d+)</title>.*?<text[^>]*? y="([\d.-]+)"', svg, flags=re.S):
        height[graph.name(graph.nodes[int(found.group(1))])] = float(found.group(2))
    for first, second in [("i1", "i2"), ("w1", "w2"), ("net_h1", "net_h2"), ("out_h1", "out_h2"), ("out_o1", "out_o2")]:
        assert height[first] < height[second], f"{first} is drawn below {second}"
