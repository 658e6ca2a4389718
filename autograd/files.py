"""Files the engine and the libraries on it write and read: written atomically with the mode the user
expects, read only when they are regular files."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO

__all__ = ["open_regular_file", "write_atomically"]


def write_atomically(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: afterwards the file holds either its old content or all of
    ``data``, never part of it.

    A new file gets the mode a plain ``open()`` gives it (0o666 less the umask, which is never changed); a
    file that exists keeps its mode. A symbolic link is written through: its target gets the data and the
    link stays. The temporary file beside the target has a short name of its own, so any name the file
    system takes works. Returns ``path``.
    """
    given = Path(path)
    target = Path(os.path.realpath(given))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    tmp, fd = _create_temporary(target.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return given


def _create_temporary(folder: Path) -> tuple[Path, int]:
    """A new, empty file in ``folder`` created with mode 0o666, which the kernel narrows by the umask."""
    while True:
        tmp = folder / f".chainrule-{secrets.token_hex(8)}.tmp"
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # pragma: no cover - 64 random bits
            continue


def open_regular_file(path: str | Path, where: str) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file. A directory, a FIFO, a device or a
    socket is refused at once (opening a FIFO would wait for a writer) with a ValueError that names
    ``where``, the file and what it is; so is a file that cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise ValueError(f"{where}: cannot read {path}: {error.strerror or error}") from None
    try:
        kind = os.fstat(fd).st_mode
        if not stat.S_ISREG(kind):
            raise ValueError(f"{where}: {path} is {_kind(kind)}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"  # pragma: no cover - every other kind is one of the above
