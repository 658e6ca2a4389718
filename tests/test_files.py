"""Atomic writes, shared by saved models and saved drawings."""

import os
import re
from pathlib import Path

import pytest

from autograd.files import open_regular_file, write_atomically


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


def test_the_umask_is_never_touched_and_an_existing_mode_is_kept(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "umask", lambda mask: calls.append(mask) or 0o022)
    target = write_atomically(tmp_path / "private.json", b"one")
    assert calls == []
    os.chmod(target, 0o600)
    write_atomically(target, b"two")
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_bytes() == b"two"


def test_new_files_get_the_mode_the_umask_gives(tmp_path):
    old = os.umask(0o077)
    try:
        target = write_atomically(tmp_path / "new.bin", b"x")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_symlink_is_written_through(tmp_path):
    real = write_atomically(tmp_path / "real.json", b"old")
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    write_atomically(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


def test_a_name_near_the_file_system_limit_works(tmp_path):
    target = write_atomically(tmp_path / ("m" * 244 + ".json"), b"{}")
    assert target.read_bytes() == b"{}"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_reading_refuses_directories_fifos_and_devices(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path, kind in ((tmp_path, "a directory"), (fifo, "a FIFO"), (Path("/dev/null"), "a character device")):
        with pytest.raises(ValueError, match=f"load: {re.escape(str(path))} is {kind}"):
            open_regular_file(path, "load")
    with pytest.raises(ValueError, match=r"load: cannot read .*missing: No such file"):
        open_regular_file(tmp_path / "missing", "load")
