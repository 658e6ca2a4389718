"""nn.datasets: generated and shipped data sets, splits, batches and the IDX reader."""

import gzip
import struct

import pytest

from nn import datasets


def test_generated_datasets():
    X, y = datasets.xor()
    assert len(X) == 4
    assert y == [0.0, 1.0, 1.0, 0.0]
    X, y = datasets.moons(50, noise=0.1, seed=0)
    assert len(X) == 50
    assert sorted(set(y)) == [0, 1]
    assert all(len(x) == 2 for x in X)
    assert datasets.moons(50, noise=0.1, seed=0) == (X, y)
    X, y = datasets.spiral(20, classes=3, seed=0)
    assert len(X) == 60
    assert sorted(set(y)) == [0, 1, 2]
    with pytest.raises(ValueError, match="noise must be a non-negative number"):
        datasets.moons(10, noise=-1)


def test_digits_ship_with_the_package():
    X, y = datasets.digits()
    assert (len(X), len(X[0]), len(set(y))) == (1797, 64, 10)
    assert min(min(x) for x in X) == 0.0
    assert max(max(x) for x in X) == 1.0
    raw, _ = datasets.digits(scale=False)
    assert raw[0][:8] == [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]


def test_split_one_hot_and_batches():
    X, y = list(range(10)), [i % 2 for i in range(10)]
    Xtr, Xte, _, yte = datasets.train_test_split(X, y, test_size=0.3, seed=1)
    assert len(Xte) == 3
    assert sorted(Xtr + Xte) == X
    assert all(y[x] == t for x, t in zip(Xte, yte, strict=True))
    assert datasets.one_hot([0, 2], 3) == [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
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
    assert y == [7, 1, 0]
    assert X[0] == [0.0, 1.0, 0.2, 0.4]
    assert datasets.mnist(tmp_path, limit=2)[1] == [7, 1]
    _write_idx(tmp_path / "floats", 0x0D, (2,), [1.5, -2.0], fmt="f")
    assert datasets.read_idx(tmp_path / "floats") == ((2,), [1.5, -2.0])


def test_mnist_rejects_bad_files(tmp_path):
    images = tmp_path / "train-images-idx3-ubyte"
    images.write_bytes(b"\x00\x00\x08\x03" + struct.pack(">3I", 2, 2, 2) + bytes(5))
    with pytest.raises(ValueError, match=r"should hold 8 values .* but has 5 bytes"):
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
