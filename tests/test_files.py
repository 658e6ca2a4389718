"""Atomic writes, shared by saved models and saved drawings."""

import os

import pytest

from autograd.files import write_atomically


def test_write_atomically_replaces_and_leaves_nothing_behind(tmp_path):
    target = write_atomically(tmp_path / "sub" / "out.bin", b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = write_atomically(tmp_path / "out.bin", b"old")
    with pytest.raises(TypeError):
        write_atomically(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
