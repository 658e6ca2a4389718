"""Values show themselves as graphs in IPython; the stepping widget wraps draw(step=k)."""

import base64
import subprocess
import sys
import textwrap

import autograd
from autograd import Value
from autograd.widgets import step_through


def test_ipython_shows_a_small_value_as_svg_and_png_and_a_large_one_as_text():
    script = textwrap.dedent(
        """
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        import autograd
        from autograd import Value
        small = Value(2.0, "x") * 3
        big = Value(1.0)
        for _ in range(60):
            big = big + 1
        data, _ = shell.display_formatter.format(small)
        assert data["image/svg+xml"].lstrip().startswith("<?xml"), data.keys()
        assert ">x<" in data["image/svg+xml"]
        assert data["image/png"].startswith(b"\\x89PNG")  # for viewers that show no SVG (untrusted JupyterLab)
        drawing = autograd.draw(small)
        assert set(drawing._repr_mimebundle_()) == {"image/svg+xml", "image/png"}
        data, _ = shell.display_formatter.format(big)
        assert "image/svg+xml" not in data and "image/png" not in data, data
        assert data["text/plain"].startswith("Value(data=61.0"), data
        print("ok")
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


def test_step_widget_has_one_position_per_step():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = (a * b + a).tanh()
    widget = step_through(c)
    slider, output = widget.children
    assert (slider.min, slider.max, slider.value) == (1, 3, 1)
    (shown,) = output.outputs
    assert shown["data"]["image/svg+xml"] == autograd.draw(c, step=1).pipe(format="svg", encoding="utf-8")
    assert base64.b64decode(shown["data"]["image/png"]).startswith(b"\x89PNG")  # a PNG beside the SVG, as stored
    assert repr(widget) == "<step_through: 3 steps of backward>"
    data = widget._repr_mimebundle_()  # in a notebook: the widget, and its drawing for viewers without it
    assert data["image/png"] == shown["data"]["image/png"]
    assert data["image/svg+xml"] == shown["data"]["image/svg+xml"]
    assert "application/vnd.jupyter.widget-view+json" in data
    slider.value = 3
    (shown,) = output.outputs
    assert shown["data"]["image/svg+xml"] == autograd.draw(c, step=3).pipe(format="svg", encoding="utf-8")
    assert c.grad == 0.0
    assert a.grad == 0.0
    a.data = 5.0  # a leaf changed since: the widget says so instead of drawing a mix of two states
    slider.value = 2
    (shown,) = output.outputs
    assert shown["output_type"] == "stream"
    assert "stale" in shown["text"]
