"""A number as chainrule writes it: ``autograd.formatting.number_text`` (the drawings) against the cases of
``tests/data/numbers.json``, which node's tests hold the page's script to (``tests/js/numbers.test.js``), so
that the page and the drawings write every number alike; and those node tests themselves."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from autograd.formatting import number_text

ROOT = Path(__file__).resolve().parent.parent
CASES = json.loads((ROOT / "tests" / "data" / "numbers.json").read_text("utf-8"))["cases"]


def test_number_text_writes_every_case_of_the_shared_fixture():
    assert len(CASES) > 500
    for value, digits, expected in CASES:
        number = float(value)  # the page's JSON writes NaN and the infinities as "nan", "inf", "-inf"
        assert number_text(number, digits) == expected, (value, digits)


def test_the_fixture_holds_ties_that_round_to_even():
    assert [0.0625, 2, "0.062"] in CASES
    assert [8.5, 1, "8"] in CASES


def test_the_page_s_script_writes_them_alike_under_node():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: make test installs Debian's nodejs (scripts/ensure-node)")
    run = subprocess.run([node, "--test", str(ROOT / "tests" / "js")], capture_output=True, text=True, check=False,
                         timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout
