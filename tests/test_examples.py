"""autograd.examples: the classic 2-2-2 worked example reproduces the textbook."""


import pytest


def test_worked_example_matches_the_textbook():
    from autograd.examples import WorkedExample

    example = WorkedExample()
    total = example.forward()
    assert total.data == pytest.approx(0.298371109, abs=1e-9)
    assert example.nodes["out_h1"].data == pytest.approx(0.593269992, abs=1e-9)
    assert example.outputs() == (pytest.approx(0.75136507, abs=1e-8), pytest.approx(0.772928465, abs=1e-9))
    example.step()
    want = [0.149780716, 0.19956143, 0.24975114, 0.29950229, 0.35891648, 0.408666186, 0.511301270, 0.561370121]
    assert [w.data for w in example.weights] == pytest.approx(want, abs=1e-8)
    assert [example.values[b].data for b in ("b1", "b2")] == [0.35, 0.60]
    # Exact arithmetic (checked with a hand-written float computation) gives 0.2910277737; the textbook's
    # 0.291027924 comes from computing w1..w4's gradients with the updated w5..w8 (notebook 01 shows it).
    assert example.forward().data == pytest.approx(0.29102777369359933, rel=1e-12)
    assert example.forward().data == pytest.approx(0.291027924, abs=2e-7)
    for _ in range(9_999):
        example.step()
    total = example.forward()
    assert total.data == pytest.approx(3.510187782978859e-05, rel=1e-9)
    assert example.outputs() == (pytest.approx(0.01591362044355068, rel=1e-9), pytest.approx(0.9840642735146238))
    assert example.outputs() == (pytest.approx(0.015912196, abs=2e-6), pytest.approx(0.984065734, abs=2e-6))
