"""Modes are per thread and per asyncio task: one context's no_grad or detect_anomaly never reaches another."""

import asyncio
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import autograd
import nn
from autograd import Value, detect_anomaly, no_grad


def test_threads_overlapping_inside_no_grad_leave_recording_on():
    entered, release = threading.Barrier(2), threading.Event()

    def worker(first):
        with no_grad():
            entered.wait(timeout=10)
            if first:
                release.set()  # leave first, while the other thread is still inside
            else:
                release.wait(timeout=10)

    threads = [threading.Thread(target=worker, args=(first,)) for first in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    x = Value(3.0)
    (x * x).backward()
    assert autograd.is_grad_enabled()
    assert x.grad == 6.0


def test_a_thread_records_while_another_sits_in_no_grad():
    inside, done = threading.Event(), threading.Event()
    leaves = []

    def sitter():
        with no_grad():
            inside.set()
            done.wait(timeout=10)
            leaves.append((Value(1.0) * 2.0).is_leaf)

    thread = threading.Thread(target=sitter)
    thread.start()
    inside.wait(timeout=10)
    x = Value(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0 + 0.0
    done.set()
    thread.join()
    assert leaves == [True]  # the sitter did not record
    assert not y.is_leaf
    assert len(autograd.topological_order(y)) == 20_001  # every op here was recorded
    y.backward()
    assert x.grad == 1.0


def test_the_decorator_is_a_fresh_switch_in_every_thread():
    @no_grad()
    def leaf_in_no_grad(barrier):
        barrier.wait(timeout=10)
        return (Value(2.0) * 3.0).is_leaf

    barrier = threading.Barrier(4)
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(leaf_in_no_grad, [barrier] * 4)) == [True] * 4
    assert not (Value(2.0) * 3.0).is_leaf


def test_asyncio_tasks_have_their_own_modes():
    async def quiet(started, finish):
        with no_grad():
            started.set()
            await finish.wait()
            return (Value(1.0) + 1.0).is_leaf

    async def loud(started, finish):
        await started.wait()
        recorded = not (Value(1.0) + 1.0).is_leaf
        with detect_anomaly(), pytest.raises(autograd.AnomalyError):
            Value(1e308) * 10.0
        finish.set()
        return recorded, autograd.is_anomaly_enabled()

    async def main():
        started, finish = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(quiet(started, finish), loud(started, finish))

    quiet_leaf, (loud_recorded, anomaly_after) = asyncio.run(main())
    assert quiet_leaf is True
    assert loud_recorded is True
    assert anomaly_after is False
    assert autograd.is_grad_enabled()


def _train(seed):
    X, y = nn.datasets.moons(40, noise=0.1, seed=seed)
    model = nn.MLP(2, [6, 1], seed=seed)
    history = nn.fit(model, (X, y), loss="mse", epochs=3, batch_size=8, seed=seed, progress=False,
                     val_data=(X[:10], y[:10]))
    return history["loss"], history["val_loss"], model.state_dict()


def test_fit_in_four_threads_gives_what_it_gives_in_sequence():
    seeds = [0, 1, 2, 3]
    sequential = [_train(seed) for seed in seeds]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so that one's validation (no_grad) overlaps another's training
    try:
        with ThreadPoolExecutor(4) as pool:
            threaded = list(pool.map(_train, seeds))
    finally:
        sys.setswitchinterval(interval)
    assert threaded == sequential
