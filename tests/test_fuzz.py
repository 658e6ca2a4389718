"""Fuzzing what reads untrusted input: random bytes and mutations of valid files, and random command lines.
Each gives its documented error (ValueError for files, a one-line usage error for the command), never
another exception, a hang or a large allocation."""

import gzip
import struct
import tracemalloc

from hypothesis import assume, example, given
from hypothesis import strategies as st

import nn
from nn import datasets
from nn.cli import UsageError, _parser

MODEL = nn.MLP(2, [3, 1], seed=0)


def _valid_model_bytes(tmp_path):
    return MODEL.save(tmp_path / "valid.json").read_bytes()


def _idx_bytes():
    return b"\x00\x00\x08\x02" + struct.pack(">2I", 3, 4) + bytes(range(12))


@st.composite
def mutations(draw, original):
    """``original`` with a few bytes replaced, deleted or inserted, or cut short."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["replace", "delete", "insert", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "replace" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "delete" and data:
            del data[at]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at:]
    return bytes(data)


def _bounded(call):
    """Run ``call``; only its documented ValueError may escape, and it may not allocate much."""
    tracemalloc.start()
    try:
        call()
    except ValueError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 64 << 20


@given(st.binary(max_size=600))
def test_load_random_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "model.json"
    path.write_bytes(data)
    _bounded(lambda: nn.load(path))


@given(st.data())
def test_load_mutated_models(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "model.json"
    path.write_bytes(data.draw(mutations(_valid_model_bytes(folder))))
    _bounded(lambda: nn.load(path))


@given(st.binary(max_size=300), st.booleans())
def test_read_idx_random_bytes(tmp_path_factory, data, zipped):
    path = tmp_path_factory.mktemp("fuzz") / "data-idx"
    path.write_bytes(gzip.compress(data) if zipped else data)
    _bounded(lambda: datasets.read_idx(path))


@given(st.data(), st.booleans())
def test_read_idx_mutated_files(tmp_path_factory, data, zipped):
    original = gzip.compress(_idx_bytes()) if zipped else _idx_bytes()
    path = tmp_path_factory.mktemp("fuzz") / "data-idx"
    path.write_bytes(data.draw(mutations(original)))
    _bounded(lambda: datasets.read_idx(path))


WORDS = ["demo", "train", "graph", "explain", "--dataset", "moons", "digits", "--hidden", "32,16", "32,,16", "0",
         "-1", "--lr", "inf", "nan", "1e400", "--epochs", "3", "--batch-size", "--out", "", ".", "--input", "1,2",
         "1,inf", "--format", "latex", "w1", "--optimizer", "adam", "--seed", "x", "--max-nodes", "--quiet",
         "--unknown", "model.json"]


@example(["demo", "\n"])  # found by hypothesis: an argument with a newline made a two-line error
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), max_size=8))
def test_command_lines_parse_or_give_a_usage_error(args):
    assume(not any(a.startswith(("-h", "--h")) for a in args))  # help prints and exits 0, as it should
    try:
        _parser().parse_args(args)
    except UsageError as error:
        message = str(error)
        assert message.startswith("chainrule")
        assert ": error: " in message
        assert "\n" not in message
