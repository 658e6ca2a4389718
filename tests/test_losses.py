"""nn losses: closed forms, stability at extreme logits, gradients, and errors."""

import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Value
from autograd.testing import finite_floats


def test_losses_closed_forms():
    o = [Value(0.2), Value(0.7)]
    assert nn.mse(o, [0.0, 1.0]).data == pytest.approx((0.04 + 0.09) / 2)
    assert nn.half_sse(o, [0.0, 1.0]).data == pytest.approx(0.5 * 0.04 + 0.5 * 0.09)
    assert nn.mse(Value(3.0), 1.0).data == 4.0
    bce = nn.binary_cross_entropy(o, [0.0, 1.0]).data
    assert bce == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2)
    assert nn.hinge(Value(0.3), -1.0).data == pytest.approx(1.3)
    assert nn.hinge([Value(2.0), Value(0.5)], [1, 1]).data == pytest.approx(0.25)


@given(st.lists(finite_floats(-50, 50), min_size=2, max_size=6), st.data())
def test_cross_entropy_is_stable_and_its_gradient_is_softmax_minus_onehot(zs, data):
    target = data.draw(st.integers(0, len(zs) - 1))
    logits = [Value(z) for z in zs]
    loss = nn.cross_entropy(logits, target)
    m = max(zs)
    lse = m + math.log(math.fsum(math.exp(z - m) for z in zs))
    assert loss.data == pytest.approx(lse - zs[target], rel=1e-9, abs=1e-9)
    loss.backward()
    probs = [math.exp(z - lse) for z in zs]
    for i, z in enumerate(logits):
        assert z.grad == pytest.approx(probs[i] - (1.0 if i == target else 0.0), abs=1e-9)
    soft = nn.softmax(logits)
    assert math.fsum(p.data for p in soft) == pytest.approx(1.0)


def test_softmax_and_cross_entropy_at_extreme_logits():
    big = [Value(1000.0), Value(-1000.0), Value(0.0)]
    assert [p.data for p in nn.softmax(big)] == [1.0, 0.0, 0.0]
    assert nn.cross_entropy(big, 0).data == 0.0
    assert nn.cross_entropy(big, 1).data == 2000.0
    assert nn.cross_entropy(big, [0.0, 0.0, 1.0]).data == pytest.approx(1000.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.mse([Value(1.0)], [1.0, 2.0]), "output has 1 values but the target has 2"),
        (lambda: nn.cross_entropy([Value(1.0), Value(2.0)], 2), "target class 2 is out of range for 2 classes"),
        (lambda: nn.cross_entropy([Value(1.0), Value(2.0)], [0.5, 0.2]), "probabilities that sum to 1"),
        (lambda: nn.cross_entropy([Value(1.0), Value(2.0)], "a"), "class index or a list"),
        (lambda: nn.binary_cross_entropy(Value(0.5), 2.0), r"target 0 must be in \[0, 1\], got 2.0"),
        (lambda: nn.binary_cross_entropy(Value(1.0), 1.0), "must be a probability in"),
        (lambda: nn.hinge(Value(0.5), 0.0), "target 0 must be -1 or \\+1, got 0.0"),
        (lambda: nn.mse(Value(1.0), "a"), "target 0 must be a number"),
    ],
)
def test_loss_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_softmax_and_log_softmax_name_themselves_when_given_no_logits():
    for fn in (nn.softmax, nn.log_softmax):
        with pytest.raises(ValueError, match=f"^{fn.__name__}: needs at least one logit"):
            fn([])


def test_large_logits_do_not_overflow_through_the_logsumexp_node():
    logits = [Value(1000.0), Value(0.0)]
    probs = nn.softmax(logits)
    assert [p.data for p in probs] == pytest.approx([1.0, 0.0])
    loss = nn.cross_entropy(logits, 1)
    assert loss.data == pytest.approx(1000.0)
    loss.backward()
    assert [z.grad for z in logits] == pytest.approx([1.0, -1.0])


@pytest.mark.parametrize("size", [1e8, 1e16, 1e300])
def test_large_equal_logits_keep_every_digit_on_both_paths(trace, size):
    z = [Value(size), Value(size)]
    assert [p.data for p in nn.softmax(z)] == [0.5, 0.5]
    assert [p.data for p in nn.log_softmax(z)] == [-math.log(2), -math.log(2)]
    loss = nn.cross_entropy(z, 1)
    loss.backward()
    assert loss.data == math.log(2)
    assert [v.grad for v in z] == [0.5, -0.5]
    lse = [Value(size), Value(size)]
    autograd.logsumexp(lse).backward()
    assert [v.grad for v in lse] == [0.5, 0.5]  # the softmax weights, which sum to 1
    traced = trace(lambda z, t: nn.cross_entropy(z, t), (np.zeros(2), np.array([0.0, 1.0])))
    batch = (np.array([[size, size], [size, size - size * 1e-15]]), np.array([[0.0, 1.0], [1.0, 0.0]]))
    losses = traced.forward(batch)
    traced.backward(reduction="sum", accumulate=False)
    scalar = [nn.cross_entropy([Value(a), Value(b)], [t0, t1]).data for (a, b), (t0, t1) in zip(*batch, strict=True)]
    assert losses.tolist() == pytest.approx(scalar, rel=1e-15)
    assert losses[0] == math.log(2)
    assert traced.grad(traced.inputs[0])[0] == pytest.approx(0.5, rel=1e-15)
    assert traced.grad(traced.inputs[1])[0] == pytest.approx(-0.5, rel=1e-15)


def test_log_softmax_is_shifted_by_its_largest_logit_in_the_graph():
    z = [Value(3.0, "z0"), Value(1.0, "z1"), Value(2.0, "z2")]
    shown = nn.log_softmax(z)
    ops = [n.op for n in autograd.topological_order(shown[0])]
    assert ops.count("max") == 1
    assert ops.count("logsumexp") == 1
    assert shown[0].data == pytest.approx(-math.log(1 + math.exp(-2) + math.exp(-1)), rel=1e-15)
    assert autograd.gradcheck(lambda a, b, c: nn.log_softmax([a, b, c])[1], [0.3, -1.2, 2.5])
    assert autograd.gradgradcheck(lambda a, b, c: nn.cross_entropy([a, b, c], 2), [0.3, -1.2, 2.5])


TARGET_TYPES = [np.int64(1), np.float32(1.0), Fraction(1), Decimal(1), np.int64(0), Fraction(0)]


@pytest.mark.parametrize("target", TARGET_TYPES, ids=lambda t: f"{type(t).__name__}({t})")
def test_targets_of_every_real_type_users_pass(target):
    want = float(target)
    assert nn.binary_cross_entropy(Value(0.7), target).data == nn.binary_cross_entropy(Value(0.7), want).data
    hinge_target = 1 if want == 1 else -1
    assert nn.hinge(Value(0.7), type(target)(hinge_target)).data == nn.hinge(Value(0.7), float(hinge_target)).data
    assert nn.train.correct(Value(0.7), target) is (want == 1)
    if isinstance(target, np.integer):
        assert nn.train.correct([Value(0.1), Value(0.9)], target) is (want == 1)
    else:
        with pytest.raises(ValueError, match="with 2 outputs the target must be a class index or a one-hot row"):
            nn.train.correct([Value(0.1), Value(0.9)], target)


def test_fit_trains_moons_with_binary_cross_entropy_on_numpy_labels():
    data = nn.datasets.moons(seed=0)
    assert isinstance(data[1][0], np.integer)
    for batched in (True, False):
        model = nn.MLP(2, [8, 1], output_activation="sigmoid", seed=0)
        history = nn.fit(model, data, loss="binary_cross_entropy", epochs=2, progress=False, batched=batched,
                         seed=0, metrics=["accuracy"])
        assert history["loss"][1] < history["loss"][0]


def test_cross_entropy_takes_a_numpy_row_and_fit_takes_one_hot_targets():
    assert nn.cross_entropy([Value(1.0), Value(2.0)], np.array([0.0, 1.0])).data == pytest.approx(
        nn.cross_entropy([Value(1.0), Value(2.0)], 1).data, rel=1e-15)
    x, y = nn.datasets.moons(seed=0)
    targets = nn.datasets.one_hot(y)
    histories = []
    for batched in (True, False):
        model = nn.MLP(2, [8, 2], seed=0)
        histories.append(nn.fit(model, (x, targets), loss="cross_entropy", epochs=1, progress=False, seed=0,
                                batched=batched, metrics=["accuracy"]))
        assert nn.accuracy(model, (x, targets), batched=batched) == nn.accuracy(model, (x, y), batched=batched)
    assert histories[0]["loss"] == pytest.approx(histories[1]["loss"], rel=1e-12)
    assert histories[0]["accuracy"] == histories[1]["accuracy"]


def test_accuracy_of_a_model_with_one_output_in_a_list_is_the_same_on_both_paths():
    x, y = nn.datasets.moons(seed=1)
    layer = nn.Layer(2, 1, activation="sigmoid", seed=3)
    assert isinstance(layer([0.0, 0.0]), list)
    scalar = nn.accuracy(layer, (x, y), batched=False)
    assert scalar == nn.accuracy(layer, (x, y), batched=True)
    assert 0.0 < scalar < 1.0


@pytest.mark.parametrize(("loss", "bad", "words"), [
    ("binary_cross_entropy", 1.5, "must be in [0, 1]"),
    ("hinge", 0.5, "must be -1 or +1"),
])
def test_each_loss_states_its_target_rule_once_for_one_sample_and_for_a_data_set(loss, bad, words):
    fn = nn.losses.LOSSES[loss]
    with pytest.raises(ValueError, match=re.escape(f"{loss}: target 0 {words}, got {bad!r}")):
        fn(Value(0.5), bad)
    with pytest.raises(ValueError, match=re.escape(f"example 1: {loss}: the target {words}, got {bad!r}")):
        nn.losses.batch_targets(fn, [1.0, bad], 1)
    assert nn.losses.TARGETS[loss][1] == words
    with pytest.raises(ValueError, match=r"example 0: cross_entropy: the target must hold probabilities that sum to 1"):
        nn.losses.batch_targets(nn.losses.cross_entropy, [[0.5, 0.6]], 2)
    with pytest.raises(ValueError, match=r"cross_entropy: a target list must hold probabilities that sum to 1"):
        nn.losses.cross_entropy([Value(0.0), Value(1.0)], [0.5, 0.6])
