"""nn.datasets: generated and shipped data sets, splits, batches and the IDX reader."""

import gzip
import os
import struct
import tracemalloc

import numpy as np
import pytest

from nn import datasets


def test_generated_datasets():
    X, y = datasets.xor()
    assert X.shape == (4, 2)
    assert y.tolist() == [0.0, 1.0, 1.0, 0.0]
    X, y = datasets.moons(50, noise=0.1, seed=0)
    assert (X.shape, X.dtype, y.dtype) == ((50, 2), np.float64, np.int64)
    assert sorted(set(y.tolist())) == [0, 1]
    again = datasets.moons(50, noise=0.1, seed=0)
    assert np.array_equal(again[0], X)
    assert np.array_equal(again[1], y)
    X, y = datasets.spiral(20, classes=3, seed=0)
    assert X.shape == (60, 2)
    assert sorted(set(y.tolist())) == [0, 1, 2]
    with pytest.raises(ValueError, match="noise must be a non-negative number"):
        datasets.moons(10, noise=-1)


def test_digits_ship_with_the_package():
    X, y = datasets.digits()
    assert (X.shape, X.dtype, len(set(y.tolist()))) == ((1797, 64), np.float64, 10)
    assert (X.min(), X.max()) == (0.0, 1.0)
    raw, _ = datasets.digits(scale=False)
    assert raw[0][:8].tolist() == [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]


def test_split_one_hot_and_batches():
    X, y = list(range(10)), [i % 2 for i in range(10)]
    Xtr, Xte, _, yte = datasets.train_test_split(X, y, test_size=0.3, seed=1)
    assert len(Xte) == 3
    assert sorted(Xtr + Xte) == X
    assert all(y[x] == t for x, t in zip(Xte, yte, strict=True))
    assert datasets.one_hot([0, 2], 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    assert datasets.one_hot(np.array([1]), 2).tolist() == [[0.0, 1.0]]
    Xa, ya = np.arange(20.0).reshape(10, 2), np.arange(10)
    Xtr, Xte, ytr, yte = datasets.train_test_split(Xa, ya, test_size=0.3, seed=1)
    assert (Xtr.shape, Xte.shape, ytr.shape, yte.shape) == ((7, 2), (3, 2), (7,), (3,))
    assert np.array_equal(Xte[:, 0] / 2, yte)
    assert [len(b) for b in datasets.batches(X, 4)] == [4, 4, 2]
    assert sorted(x for batch in datasets.batches(X, 3, shuffle=True, seed=0) for x in batch) == X
    with pytest.raises(ValueError, match="label 3 is out of range for 3 classes"):
        datasets.one_hot([3], 3)
    with pytest.raises(ValueError, match="X has 10 samples but y has 9"):
        datasets.train_test_split(X, y[:-1])


def _write_idx(path, type_code, shape, values, fmt="B"):
    header = bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
    path.write_bytes(header + (bytes(values) if fmt == "B" else struct.pack(f">{len(values)}{fmt}", *values)))


def test_mnist_reads_idx_files(tmp_path):
    _write_idx(tmp_path / "train-images-idx3-ubyte", 0x08, (3, 2, 2), [0, 255, 51, 102] * 3)
    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    _write_idx(tmp_path / "labels.tmp", 0x08, (3,), [7, 1, 0])
    labels.write_bytes(gzip.compress((tmp_path / "labels.tmp").read_bytes()))
    X, y = datasets.mnist(tmp_path)
    assert (X.dtype, X.shape, y.tolist()) == (np.float32, (3, 4), [7, 1, 0])
    assert X[0].tolist() == pytest.approx([0.0, 1.0, 0.2, 0.4])
    assert datasets.mnist(tmp_path, limit=2)[1].tolist() == [7, 1]
    _write_idx(tmp_path / "floats", 0x0D, (2,), [1.5, -2.0], fmt="f")
    floats = datasets.read_idx(tmp_path / "floats")
    assert (floats.shape, floats.tolist()) == ((2,), [1.5, -2.0])
    assert datasets.read_idx(tmp_path / "train-images-idx3-ubyte").dtype == np.uint8


def test_mnist_rejects_bad_files(tmp_path):
    images = tmp_path / "train-images-idx3-ubyte"
    images.write_bytes(b"\x00\x00\x08\x03" + struct.pack(">3I", 2, 2, 2) + bytes(5))
    with pytest.raises(ValueError, match=r"declares 8 values of 1 byte\(s\) .* more than its 21 bytes can hold"):
        datasets.read_idx(images)
    images.write_bytes(b"PK\x03\x04junk")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(images)
    images.write_bytes(b"\x00\x00\x42\x01" + struct.pack(">I", 1) + bytes(1))
    with pytest.raises(ValueError, match="unknown IDX data type 0x42"):
        datasets.read_idx(images)
    images.write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(ValueError, match="damaged gzip"):
        datasets.read_idx(images)
    with pytest.raises(ValueError, match="has no t10k-images-idx3-ubyte"):
        datasets.mnist(tmp_path, split="test")
    _write_idx(images, 0x08, (2, 1, 1), [1, 2])
    _write_idx(tmp_path / "train-labels-idx1-ubyte", 0x08, (3,), [1, 2, 3])
    with pytest.raises(ValueError, match="2 images but 3 labels"):
        datasets.mnist(tmp_path)
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        datasets.mnist(tmp_path, split="validation")


def test_a_gzip_bomb_is_refused_after_what_its_header_declares(tmp_path):
    import zlib

    header = b"\x00\x00\x08\x01" + struct.pack(">I", 1000)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    bomb = compressor.compress(header + bytes(1000))
    chunk = bytes(1 << 20)
    for _ in range(256):  # 256 MiB of zeros past the declared 1000 bytes
        bomb += compressor.compress(chunk)
    bomb += compressor.flush()
    path = tmp_path / "bomb-idx1-ubyte.gz"
    path.write_bytes(bomb)
    assert len(bomb) < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="should hold 1000 bytes for shape \\(1000,\\), but has more data"):
            datasets.read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20


def test_a_header_the_gzip_file_cannot_hold_is_refused_before_decompressing(tmp_path):
    path = tmp_path / "huge-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x03" + struct.pack(">3I", 60000, 28, 28)))
    with pytest.raises(ValueError, match=r"declares 47040000 values .* more than its .* bytes can hold"):
        datasets.read_idx(path)


@pytest.mark.parametrize(("label", "ok"), [(3.0, True), (3.7, False), (-1.0, False), (float("inf"), False),
                                           (float("nan"), False)])
def test_float_labels_must_be_whole_numbers_from_zero(tmp_path, label, ok):
    _write_idx(tmp_path / "train-images-idx3-ubyte", 0x08, (1, 1, 1), [7])
    _write_idx(tmp_path / "train-labels-idx1-ubyte", 0x0D, (1,), [label], fmt="f")
    if ok:
        X, y = datasets.mnist(tmp_path)
        assert (X.tolist(), y.tolist()) == ([[pytest.approx(7 / 255)]], [3])
    else:
        with pytest.raises(ValueError, match="labels must be whole numbers from 0"):
            datasets.mnist(tmp_path)


def test_read_idx_refuses_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"read_idx: .*fifo is a FIFO \(named pipe\), not a regular file"):
        datasets.read_idx(fifo)
    with pytest.raises(ValueError, match="is a directory"):
        datasets.read_idx(tmp_path)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["array-idx", "array-idx.gz"])
def test_write_idx_round_trips_through_read_idx(tmp_path, dtype, name):
    array = (np.arange(24).reshape(2, 3, 4) - (0 if dtype == np.uint8 else 5)).astype(dtype)
    datasets.write_idx(tmp_path / name, array)
    back = datasets.read_idx(tmp_path / name)
    assert (back.dtype, back.shape, back.tolist()) == (np.dtype(dtype), (2, 3, 4), array.tolist())
    with pytest.raises(ValueError, match=r"IDX files hold .* not int64"):
        datasets.write_idx(tmp_path / name, np.arange(3))


def test_the_digits_as_mnist_files_read_back_as_mnist(tmp_path):
    datasets.digits_as_mnist(tmp_path)
    X, y = datasets.mnist(tmp_path)
    X_test, y_test = datasets.mnist(tmp_path, split="test")
    assert (X.shape, X_test.shape, y.shape, y_test.shape) == ((1500, 784), (297, 784), (1500,), (297,))
    pixels, labels = datasets.digits(scale=False)
    assert y.tolist() + y_test.tolist() == labels.tolist()
    image = X[0].reshape(28, 28)
    assert image[0, 0] == pixels[0][0] / 16  # each 8x8 pixel becomes a block of 3 or 4 pixels
    assert image[27, 27] == pytest.approx(pixels[0][63] / 16, abs=1 / 255)
    assert image[10, 14] == pytest.approx(pixels[0][2 * 8 + 4] / 16, abs=1 / 255)


def test_read_idx_names_the_file_for_more_dimensions_than_numpy_holds(tmp_path):
    path = tmp_path / "deep.idx"
    path.write_bytes(bytes([0, 0, 0x08, 65]) + struct.pack(">65I", *([1] * 65)) + b"\x07")
    with pytest.raises(ValueError, match=r"read_idx: .*deep.idx declares 65 dimensions; a NumPy array holds at most"):
        datasets.read_idx(path)


def test_write_idx_refuses_a_dimension_of_two_to_the_32(tmp_path):
    empty = np.zeros((2**32, 0), dtype=np.uint8)  # no data, so it costs nothing to make
    with pytest.raises(ValueError, match=r"write_idx: IDX files hold dimensions below 2\*\*32"):
        datasets.write_idx(tmp_path / "wide.idx", empty)
    assert not (tmp_path / "wide.idx").exists()
