"""Grad mode and train/eval mode are per thread: predicting never changes shared state.

Before, ``no_grad`` was one process-wide switch and ``predict`` flipped the shared model
to eval and back, so 8 threads predicting left autograd off for the whole process and
gave a model in training mode wrong outputs.
"""

from __future__ import annotations

import asyncio
import sys
import threading

import numpy as np

import neuronkit as nk
from neuronkit.training import predict


def _data(seed: int = 0, n: int = 256):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 8)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.intp)
    return X, y


def _model_in_training_mode():
    net = nk.mlp([8, 32, 2], output="softmax", dropout=0.5, batch_norm=True, seed=1)
    X, y = _data()
    nk.fit(net, X, y, epochs=2, batch_size=32, seed=0)
    net.train()  # left in training mode: dropout on and batch statistics, unless prediction overrides it
    return net


def test_eight_threads_predict_while_a_ninth_trains_and_fit_works_afterwards():
    net = _model_in_training_mode()
    X, _ = _data(1, 64)
    chunks = [X[i::8] for i in range(8)]
    expected = [predict(net.eval(), chunk) for chunk in chunks]
    net.train()
    running = [b.copy() for _, b in net.named_buffers()]

    results: dict[int, list[np.ndarray]] = {i: [] for i in range(8)}
    errors: list[BaseException] = []
    start = threading.Barrier(9)

    def predictor(i: int) -> None:
        try:
            start.wait()
            for _ in range(40):
                results[i].append(predict(net, chunks[i]))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    other = nk.mlp([8, 16, 2], output="softmax", seed=2)
    Xo, yo = _data(2)

    def trainer() -> None:
        try:
            start.wait()
            nk.fit(other, Xo, yo, epochs=5, batch_size=16, seed=0)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=predictor, args=(i,)) for i in range(8)] + [threading.Thread(target=trainer)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, so calls interleave mid-prediction
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    for i in range(8):
        assert len(results[i]) == 40
        for got in results[i]:
            np.testing.assert_array_equal(got, expected[i])
    assert net.training and all(m.training for m in net.modules())  # the shared model's own mode is untouched
    for before, (_, after) in zip(running, net.named_buffers(), strict=True):
        np.testing.assert_array_equal(before, after)  # prediction never updated batch statistics
    assert nk.engine.is_grad_enabled()
    history = nk.fit(nk.mlp([8, 4, 2], output="softmax", seed=3), Xo, yo, epochs=1, seed=0)
    assert np.isfinite(history.history["loss"][0])


def test_no_grad_in_one_thread_does_not_switch_autograd_off_in_another():
    inside = threading.Event()
    release = threading.Event()

    def hold_no_grad() -> None:
        with nk.no_grad():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=hold_no_grad)
    t.start()
    assert inside.wait(10)
    try:
        assert nk.engine.is_grad_enabled()
        w = nk.Tensor([2.0], requires_grad=True)
        (w * 3.0).sum().backward()
        assert w.grad is not None and w.grad[0] == 3.0
    finally:
        release.set()
        t.join()


def test_no_grad_is_per_asyncio_task():
    async def without_grad(started: asyncio.Event, done: asyncio.Event) -> bool:
        with nk.no_grad():
            started.set()
            await done.wait()
            return nk.engine.is_grad_enabled()

    async def main() -> tuple[bool, bool]:
        started, done = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(without_grad(started, done))
        await started.wait()
        here = nk.engine.is_grad_enabled()  # another task: unaffected
        done.set()
        return here, await task

    assert asyncio.run(main()) == (True, False)


def test_a_decorated_function_can_run_in_several_threads_at_once():
    @nk.no_grad()
    def slow_forward(barrier: threading.Barrier, out: list) -> None:
        barrier.wait()
        out.append(nk.engine.is_grad_enabled())
        barrier.wait()

    barrier = threading.Barrier(4)
    out: list[bool] = []
    threads = [threading.Thread(target=slow_forward, args=(barrier, out)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [False] * 4 and nk.engine.is_grad_enabled()


def test_eval_mode_gives_eval_outputs_without_touching_the_model():
    net = _model_in_training_mode()
    X, _ = _data(3, 16)
    with nk.eval_mode():
        inside = net(X).data
        assert net.training
    reference = net.eval()(X).data
    np.testing.assert_allclose(inside, reference, rtol=1e-6)
    net.train()
    with nk.no_grad():
        a, b = net(X).data, net(X).data
    assert not np.array_equal(a, b)  # outside eval_mode, training mode (dropout) is back


def test_enable_grad_inside_no_grad():
    w = nk.Tensor([2.0], requires_grad=True)
    with nk.no_grad():
        assert (w * 2.0).requires_grad is False
        with nk.enable_grad():
            assert (w * 2.0).requires_grad is True
        assert not nk.engine.is_grad_enabled()
    assert nk.engine.is_grad_enabled()
