"""Data sets, all offline: generated ones (xor, moons, spiral), the 8x8 digits shipped with chainrule, and
MNIST read from IDX files you already have; plus splitting, one-hot encoding and batching.

Each data set is a pair (X, y) of NumPy arrays: X has one row of features per sample, y the targets (class
indices as integers). Models take the rows as they are; every number that enters a Value becomes a float.
"""

from __future__ import annotations

import gzip
import math
import os
import random
import struct
import zlib
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from autograd.extend import is_array, is_real, is_whole, np, open_regular_file, whole_number, write_atomically

__all__ = [
    "batches", "digits", "digits_as_mnist", "mnist", "moons", "one_hot", "read_idx", "spiral", "train_test_split",
    "write_idx", "xor",
]

T = TypeVar("T")
Dataset = tuple[Any, Any]
"""(X, y): NumPy arrays where NumPy is installed; xor, moons and spiral give lists of floats without it."""


def _arrays(X: list[Any], y: list[Any]) -> Dataset:
    """A generated data set as NumPy arrays, or as the lists themselves where NumPy cannot be imported (the
    scalar engine needs none)."""
    try:
        import numpy
    except ImportError:
        return X, y
    return numpy.array(X), numpy.array(y)


def _noise(value: object, where: str) -> float:
    if not is_real(value) or not 0 <= value < math.inf:
        raise ValueError(f"{where}: noise must be a non-negative number, got {value!r}")
    return float(value)


def xor() -> Dataset:
    """The four points of XOR with targets 0 and 1."""
    return _arrays([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])


def moons(n: int = 100, noise: float = 0.1, seed: int | None = None) -> Dataset:
    """Two interleaving half circles (as scikit-learn's make_moons): ``n`` points, labels 0 and 1, with
    Gaussian noise of standard deviation ``noise``."""
    whole_number(n, "n", "moons", 2)
    sigma = _noise(noise, "moons")
    rng = random.Random(seed)
    outer, inner = n // 2, n - n // 2
    X: list[list[float]] = []
    y: list[Any] = []
    for i in range(outer):
        angle = math.pi * i / max(outer - 1, 1)
        X.append([math.cos(angle), math.sin(angle)])
        y.append(0)
    for i in range(inner):
        angle = math.pi * i / max(inner - 1, 1)
        X.append([1 - math.cos(angle), 0.5 - math.sin(angle)])
        y.append(1)
    X = [[a + rng.gauss(0, sigma), b + rng.gauss(0, sigma)] for a, b in X]
    order = list(range(n))
    rng.shuffle(order)
    return _arrays([X[i] for i in order], [y[i] for i in order])


def spiral(n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int | None = None) -> Dataset:
    """``classes`` interleaved spiral arms (as in CS231n), ``n_per_class`` points each, labels 0..classes−1."""
    whole_number(n_per_class, "n_per_class", "spiral", 2)
    whole_number(classes, "classes", "spiral", 2)
    sigma = _noise(noise, "spiral")
    rng = random.Random(seed)
    X: list[list[float]] = []
    y: list[Any] = []
    for c in range(classes):
        for i in range(n_per_class):
            r = i / (n_per_class - 1)
            t = c * 4 + 4 * r + rng.gauss(0, sigma)
            X.append([r * math.sin(t), r * math.cos(t)])
            y.append(c)
    return _arrays(X, y)


def digits(scale: bool = True) -> Dataset:
    """The 1797 8x8 handwritten digits (UCI, CC BY 4.0; see nn/data/README.md): 64 pixels in 0..16, divided
    by 16 when ``scale``, and the digit 0-9."""
    raw = resources.files("nn").joinpath("data/digits.csv.gz").read_bytes()
    table = np.loadtxt(gzip.decompress(raw).decode("ascii").splitlines(), delimiter=",")
    pixels = table[:, :64]
    return (pixels / 16.0 if scale else pixels), table[:, 64].astype(np.int64)


_IDX_TYPES = {
    0x08: (">u1", 1), 0x09: (">i1", 1), 0x0B: (">i2", 2), 0x0C: (">i4", 4), 0x0D: (">f4", 4), 0x0E: (">f8", 8),
}


GZIP_MOST_RATIO = 1032
"""The most that deflate can expand: a gzipped IDX file that declares more than this many times its own size
cannot hold it, and is refused before anything is decompressed."""


MAX_DIMENSIONS = 64
"""The most dimensions a NumPy array has (NumPy 2's limit): an IDX file that declares more is refused."""


def read_idx(path: str | Path) -> Any:
    """The array stored in an IDX file (gzipped or not), of the file's shape and type (uint8 for MNIST).

    The header is checked before the data is read: a wrong magic number, an unknown type, a size the file
    cannot hold, data missing or data past what the header declares raises ValueError naming the file. A
    gzipped file is decompressed only as far as its header declares, plus one byte, so a small file that
    expands to gigabytes is refused after reading what it should hold.
    """
    file = Path(path)
    with open_regular_file(file, "read_idx") as raw:
        stored = os.fstat(raw.fileno()).st_size
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream: BinaryIO = gzip.GzipFile(fileobj=raw) if gzipped else raw  # type: ignore[assignment]
        try:
            shape, fmt, _, data = _read_idx_body(stream, file, stored, gzipped)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(f"read_idx: {file} is a damaged gzip file: {error}") from None
    return np.frombuffer(data, dtype=np.dtype(fmt)).reshape(shape).astype(np.dtype(fmt).newbyteorder("="))


def _read_idx_body(
    stream: BinaryIO, file: Path, stored: int, gzipped: bool
) -> tuple[tuple[int, ...], str, int, bytes]:
    magic = stream.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0:
        raise ValueError(f"read_idx: {file} is not an IDX file (wrong magic number {magic.hex() or 'empty'})")
    kind, ndim = magic[2], magic[3]
    if kind not in _IDX_TYPES:
        raise ValueError(f"read_idx: {file} has an unknown IDX data type 0x{kind:02x}")
    dims = stream.read(4 * ndim)
    if ndim == 0 or len(dims) < 4 * ndim:
        raise ValueError(f"read_idx: {file} is truncated in its header")
    if ndim > MAX_DIMENSIONS:
        raise ValueError(f"read_idx: {file} declares {ndim} dimensions; a NumPy array holds at most {MAX_DIMENSIONS}")
    shape = struct.unpack(f">{ndim}I", dims)
    fmt, size = _IDX_TYPES[kind]
    expected = math.prod(shape) * size
    room = stored * GZIP_MOST_RATIO if gzipped else stored - 4 - 4 * ndim
    if expected > room:
        raise ValueError(
            f"read_idx: {file} declares {math.prod(shape)} values of {size} byte(s) for shape {shape}, "
            f"more than its {stored} bytes can hold (truncated or corrupt)"
        )
    data = stream.read(expected + 1)
    if len(data) != expected:
        past = "more data than" if len(data) > expected else f"only {len(data)} bytes of the"
        raise ValueError(
            f"read_idx: {file} should hold {expected} bytes for shape {shape}, but has {past} "
            f"{'that' if len(data) > expected else 'data'} (truncated or corrupt)"
        )
    return shape, fmt, size, data


def write_idx(path: str | Path, array: Any) -> Path:
    """Write ``array`` as an IDX file (gzipped when ``path`` ends in .gz), atomically: the format ``read_idx``
    and MNIST use. Its type must be one IDX holds: uint8, int8, int16, int32, float32 or float64."""
    data = np.asarray(array)
    codes = {np.dtype(fmt).newbyteorder("="): code for code, (fmt, _) in _IDX_TYPES.items()}
    kind = data.dtype.newbyteorder("=")
    if kind not in codes:
        raise ValueError(f"write_idx: IDX files hold {', '.join(sorted(str(k) for k in codes))}, not {data.dtype}")
    if data.ndim == 0 or data.ndim > 255:
        raise ValueError(f"write_idx: IDX files hold arrays of 1 to 255 dimensions, not {data.ndim}")
    if any(size >= 2**32 for size in data.shape):
        raise ValueError(f"write_idx: IDX files hold dimensions below 2**32 = {2**32}, not shape {data.shape}")
    header = bytes([0, 0, codes[kind], data.ndim]) + struct.pack(f">{data.ndim}I", *data.shape)
    payload = header + data.astype(kind.newbyteorder(">")).tobytes()
    if str(path).endswith(".gz"):
        payload = gzip.compress(payload, mtime=0)
    return write_atomically(path, payload)


def digits_as_mnist(folder: str | Path, test_size: int = 297) -> Path:
    """Write the 1797 8x8 digits, upscaled to 28x28 (each pixel repeated, 0..16 scaled to 0..255), as the four
    MNIST IDX files in ``folder``: the last ``test_size`` digits are the test split. ``mnist(folder)`` then reads
    them as it reads MNIST, so a notebook written for MNIST runs in seconds without it."""
    pixels, labels = digits(scale=False)
    whole_number(test_size, "test_size", "digits_as_mnist")
    if test_size >= len(labels):
        raise ValueError(f"digits_as_mnist: test_size must leave training digits, got {test_size}")
    rows = np.arange(28) * 8 // 28  # the 8x8 pixel each of the 28x28 pixels repeats
    images = pixels.reshape(-1, 8, 8)[:, rows][:, :, rows]
    images = np.round(images * 255.0 / 16.0).astype(np.uint8)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    split = len(labels) - test_size
    for prefix, part in (("train", slice(0, split)), ("t10k", slice(split, None))):
        write_idx(target / f"{prefix}-images-idx3-ubyte", images[part])
        write_idx(target / f"{prefix}-labels-idx1-ubyte", labels[part].astype(np.uint8))
    return target


def mnist(path: str | Path, split: str = "train", limit: int | None = None) -> Dataset:
    """MNIST from the IDX files in the folder ``path`` (``train-images-idx3-ubyte`` and
    ``train-labels-idx1-ubyte``, or ``t10k-…`` for ``split="test"``, each optionally ``.gz``): pixels divided
    by 255 and the digit. ``limit`` keeps the first samples only."""
    prefix = {"train": "train", "test": "t10k"}.get(split)
    if prefix is None:
        raise ValueError(f"mnist: split must be 'train' or 'test', got {split!r}")
    folder = Path(path)

    def find(name: str) -> Path:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
        raise ValueError(f"mnist: {folder} has no {name} or {name}.gz")

    images = read_idx(find(f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find(f"{prefix}-labels-idx1-ubyte"))
    image_shape, label_shape = images.shape, labels.shape
    if len(image_shape) != 3 or len(label_shape) != 1:
        raise ValueError(f"mnist: expected images of shape (n, rows, cols) and labels (n,), got {image_shape} "
                         f"and {label_shape}")
    if image_shape[0] != label_shape[0]:
        raise ValueError(f"mnist: {image_shape[0]} images but {label_shape[0]} labels")
    n = image_shape[0] if limit is None else min(whole_number(limit, "limit", "mnist"), image_shape[0])
    wanted = labels[:n]
    bad = wanted[~((wanted == np.floor(wanted)) & (wanted >= 0) & (wanted < 2**31))]
    if bad.size:
        raise ValueError(f"mnist: labels must be whole numbers from 0, got {bad[0].item()!r}")
    X = images[:n].reshape(n, -1).astype(np.float32)
    X /= np.float32(255.0)
    return X, wanted.astype(np.int64)


def train_test_split(
    X: Any, y: Any, test_size: float = 0.2, seed: int | None = None, shuffle: bool = True
) -> tuple[Any, Any, Any, Any]:
    """(X_train, X_test, y_train, y_test), with a ``test_size`` fraction (or count) held out: arrays for
    arrays, lists for lists."""
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} samples but y has {len(y)}")
    n = len(X)
    if isinstance(test_size, float) and 0 < test_size < 1:
        n_test = math.ceil(n * test_size)
    elif is_whole(test_size) and 0 < test_size < n:
        n_test = test_size
    else:
        raise ValueError(f"train_test_split: test_size must be a fraction in (0, 1) or a count below {n}, "
                         f"got {test_size!r}")
    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    if not train:
        raise ValueError(f"train_test_split: test_size={test_size!r} leaves no training samples")
    return _take(X, train), _take(X, test), _take(y, train), _take(y, test)


def _take(items: Any, positions: list[int]) -> Any:
    """The items at ``positions``: an array for an array, a list otherwise."""
    if is_array(items):
        return items[positions]
    return [items[i] for i in positions]


def one_hot(labels: Sequence[int], num_classes: int | None = None) -> Any:
    """Each class index as a row with 1.0 at that index and 0.0 elsewhere: an array (n, num_classes)."""
    items = list(labels)
    for label in items:
        if not is_whole(label) or label < 0:
            raise ValueError(f"one_hot: labels must be class indices 0, 1, ..., got {label!r}")
    k = num_classes if num_classes is not None else (max(items) + 1 if items else 0)
    whole_number(k, "num_classes", "one_hot")
    for label in items:
        if label >= k:
            raise ValueError(f"one_hot: label {label} is out of range for {k} classes")
    return np.eye(k)[np.asarray(items, dtype=np.intp)] if items else np.zeros((0, k))


def batches(
    data: Sequence[T], batch_size: int, shuffle: bool = False, seed: int | random.Random | None = None
) -> Iterator[list[T]]:
    """Consecutive batches of ``batch_size`` items (the last may be smaller), optionally shuffled."""
    whole_number(batch_size, "batch_size", "batches")
    order = list(range(len(data)))
    if shuffle:
        (seed if isinstance(seed, random.Random) else random.Random(seed)).shuffle(order)
    for start in range(0, len(order), batch_size):
        yield [data[i] for i in order[start:start + batch_size]]
