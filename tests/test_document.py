"""The page's document (``Explorer.document``): every kind of page validates against the JSON Schema in the
package, ``data`` is a view of it, and the shared fixture (``tests/data/pages.json``) that node's runner holds
the page's scripts to is what Python makes today."""

import json
import math
from pathlib import Path

import jsonschema
import pytest

import autograd
import nn
from autograd import Value
from autograd.examples import WorkedExample
from autograd.explore import DOCUMENT_VERSION, data_of, schema
from autograd.labels import EDGE, NODE, fill, masked
from tests.page_fixtures import _mlp, _shared, fixture, rnn_loss

ROOT = Path(__file__).resolve().parent.parent
STORED = json.loads((ROOT / "tests" / "data" / "pages.json").read_text("utf-8"))


def _timeline() -> autograd.Explorer:
    X, Y = nn.datasets.moons(20, noise=0.1, seed=0)
    model = nn.MLP(2, [3, 2], seed=0)
    history = nn.fit(model, (X, Y), loss="cross_entropy", optimizer=nn.optim.SGD(model.parameters(), lr=0.1),
                     epochs=2, batch_size=10, seed=0, metrics=["accuracy"], progress=False, watch=(X[0], Y[0]))
    return history.explore()


def _live_snapshot() -> autograd.Explorer:
    from autograd.widgets import LiveExplorer

    example = WorkedExample()
    widget = LiveExplorer(example.forward(), parameters=example.weights)
    widget.set_value("w5", 0.25)
    return widget.snapshot()


PAGES = {
    "worked example": lambda: autograd.explore(WorkedExample().forward()),
    "at the end, browser layout": lambda: autograd.explore(WorkedExample().forward(), start="end", layout="browser"),
    "forward mode": lambda: autograd.explore(_shared(), tangents={"x": 1.0}, wrt=["x"]),
    "coarse views, coloured": lambda: autograd.explore(_mlp(), levels=(2, 4), color_by_grad=True, fan_at=2),
    "a cluster": lambda: autograd.explore(_mlp(), cluster=autograd.label_prefix(2)),
    "unrolled": lambda: autograd.explore(rnn_loss()),
    "an exercise": lambda: autograd.exercise(WorkedExample().forward(), ask=4, seed=3),
    "a drill": lambda: autograd.drill(WorkedExample().forward(), seed=1),
    "a timeline": _timeline,
    "a live page's snapshot": _live_snapshot,
    "hostile labels": lambda: autograd.explore(Value(1.0, "</script><b>\u2028") * Value(math.inf, "\\N{x}]")),
}


@pytest.mark.parametrize("name", PAGES)
def test_every_kind_of_page_is_a_valid_document(name: str) -> None:
    page = PAGES[name]()
    document = page.document
    jsonschema.Draft202012Validator(schema()).validate(document)
    assert document["version"] == DOCUMENT_VERSION
    assert page.data == data_of(document)
    embedded = page.html.split('id="chainrule-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded) == json.loads(json.dumps(document))  # the page holds the document itself


def test_the_schema_refuses_what_is_not_a_document() -> None:
    document = autograd.explore(WorkedExample().forward()).document
    validator = jsonschema.Draft202012Validator(schema())
    validator.check_schema(schema())
    for broken in ({**document, "version": 2}, {**document, "numbers": {**document["numbers"], "data": [None]}},
                   {**document, "views": [{**document["views"][0], "layout": "neato"}]},
                   {k: v for k, v in document.items() if k != "graph"}):
        assert not validator.is_valid(broken)


def test_the_shared_fixture_is_what_python_makes_today() -> None:
    """node's tests (tests/js/pages.test.js) read the stored fixture; this holds Python to the same answers.
    Run scripts/make-page-fixtures after changing a document's shape on purpose."""
    made = json.loads(json.dumps(fixture(), allow_nan=False))
    assert made == STORED


def test_fill_writes_each_slot_and_question_marks_what_is_not_known() -> None:
    numbers = {"data": [0.5, None], "grad": [0.0625, 1.0], "partial": [0.25]}
    node = {"n": lambda name: numbers[name][0]}
    assert fill(NODE, node["n"], 2) == ["data 0.5", "grad 0.062"]  # ties to even, as the page
    assert fill(NODE, lambda name: numbers[name][1], 4) == ["data ?", "grad 1"]
    assert fill(EDGE, lambda name: None, 4) == ["∂=?", "? × ? = ?"]


def test_masked_hides_what_an_exercise_does_not_know_and_the_steps_that_would_tell() -> None:
    page = autograd.exercise(WorkedExample().forward(), ask="gradients")
    document = page.document
    shown = masked(document["numbers"], document["exercise"]["known"], document["graph"])
    root = document["graph"]["root"]
    assert shown["grad"][root] == 1.0
    assert shown["grad"].count(None) == len(shown["grad"]) - 1
    assert shown["steps"][0][0] == 1.0  # the root's upstream is known
    assert all(after is None for _, afters in shown["steps"] for after in afters)
    assert shown["data"] == document["numbers"]["data"]  # the forward values are given
    assert document["numbers"]["grad"].count(None) == 0  # the document keeps the answers; the mask hides them


def test_a_renumbered_page_is_the_same_document_with_other_numbers(tmp_path: Path) -> None:
    example = WorkedExample()
    before = autograd.explore(example.forward(), color_by_grad=True)
    example.weights[0].data = 0.3
    after = autograd.explore(example.forward(), color_by_grad=True)
    renumbered = before.renumbered(after.document["numbers"])
    assert renumbered.document["numbers"] == after.document["numbers"]
    assert renumbered.document["graph"] == before.document["graph"]
    assert [view["written"] for view in renumbered.document["views"]] == [False]
    assert {**renumbered.data, "levels": None} == {**after.data, "levels": None}
    assert [{**level, "written": True} for level in renumbered.data["levels"]] == after.data["levels"]
    assert renumbered.sources == after.sources  # the picture a notebook shows: the new numbers, the same layout
    assert renumbered.views == before.views
