"""Small versions of the accuracy benchmarks (bench/bench_accuracy_cnn.py, bench/bench_accuracy_text.py).

Three kinds of check, each on real data:

* neuronkit and PyTorch, started from the same weights (``bench/_torch_mirror.py`` copies them)
  and trained on the same batches with the same Adam settings, give the same epoch losses
  (relative difference <= 1e-4 over 2 epochs) and the same weights afterwards: a CNN on digits
  images and a text model on the topics corpus. This is the strongest check: a wrong
  convolution, pooling, embedding or masked mean, forward or backward, changes the losses at
  the first step.
* A small CNN learns digits as 8x8 images on one split to >= 0.95 test accuracy (measured: 0.958
  after 10 epochs; a linear model on the 64 pixels reaches 0.925 in the same epochs, chance is
  0.10): the threshold is above what the pixels give a linear model, and a convolution that lost its
  input would be at chance. One whose weight gradient alone is wrong would pass (the same CNN with its
  filters frozen at their random start also reaches 0.958 here): that the comparison with PyTorch catches.
* A text model learns the topics corpus on one split to >= 0.85 (measured: 0.876 after 10 epochs,
  the same as TF-IDF + logistic regression on this split; chance 0.25; the same model with PyTorch's
  N(0, 1) embedding init instead of Glorot-uniform: 0.789, see bench/bench_accuracy_text.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import neuronkit as nk

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
try:
    import _torch_mirror as M
    import bench_accuracy_text as T
finally:
    sys.path.remove(str(BENCH))

CNN = "conv(16,3,relu,padding=1),maxpool(2),flatten,dense(out)"
TEXT = "embedding(32,padding_idx=0,init=glorot_uniform),seqmeanpool,dense(32,relu),dense(out)"


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """torch on one thread here: its OpenMP workers spin-wait, and on 2 busy cores (the suite runs beside other
    jobs) two of them made a 20-step run take 40 s instead of 1 s. The results do not depend on it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    ds = nk.datasets.load("digits", images=True)
    train, test = nk.data.split_indices(len(ds.y), 0.2, labels=ds.y, seed=0)
    return ds.X, ds.y, train, test


@pytest.fixture(scope="module")
def topics() -> tuple[np.ndarray, np.ndarray, int, np.ndarray, np.ndarray]:
    ds = nk.datasets.load_text("topics")
    texts = np.array(ds.texts, dtype=object)
    train, test = nk.data.split_indices(len(ds.y), 0.2, labels=ds.y, seed=0)
    X_train, X_test, vocab = T.encode_split(texts, train, test)
    return X_train, ds.y[train], vocab, X_test, ds.y[test]


def same_training(net: nk.Sequential, X: np.ndarray, y: np.ndarray, *, lr: float, epochs: int = 2) -> None:
    """Train ``net`` with nk.fit and its torch mirror on the same batches; losses and weights must agree."""
    torch.manual_seed(0)
    model = M.mirror(net, torch)
    history = nk.fit(net, X, y, optimizer="adam", lr=lr, epochs=epochs, batch_size=32, seed=3, progress=False)
    theirs = M.torch_fit(torch, model, X, y, optimizer="adam", lr=lr, epochs=epochs, batch_size=32, seed=3)
    ours = history.history["loss"]
    assert len(ours) == len(theirs) == epochs
    assert ours[-1] < ours[0]  # it learned something, so equal losses are not two constants
    for mine, other in zip(ours, theirs):
        assert abs(mine - other) <= 1e-4 * abs(other), (ours, theirs)
    torch_weights = [p.detach().numpy() for p in model.parameters()]
    our_weights = [p.data for p in net.parameters()]
    assert [w.shape for w in our_weights] == [w.shape for w in torch_weights]
    for mine, other in zip(our_weights, torch_weights):
        assert rel(mine, other) <= 1e-3


def test_cnn_trains_like_torch_on_the_same_batches(digits):
    X, y, train, _ = digits
    keep = train[:320]  # 10 batches an epoch
    net = nk.build("conv(6,3,relu,padding=1),maxpool(2),conv(8,3,relu),flatten,dense(16,relu),dense(out)",
                   (1, 8, 8), outputs=10, output="softmax", seed=1)
    same_training(net, X[keep], y[keep], lr=3e-3)


def test_text_model_trains_like_torch_on_the_same_batches(topics):
    X_train, y_train, vocab, _, _ = topics
    net = nk.build(TEXT, (X_train.shape[1],), outputs=4, output="softmax", vocab_size=vocab, seed=2)
    same_training(net, X_train[:320], y_train[:320], lr=1e-2)


def test_mirror_gives_the_same_logits_before_training(digits, topics):
    X, _, train, _ = digits
    net = nk.build("cnn", (1, 28, 28), outputs=10, output="softmax", seed=0).eval()
    images = np.random.default_rng(0).random((4, 1, 28, 28), dtype=np.float32)
    model = M.mirror(net, torch).eval()
    with torch.no_grad():
        expected = model(torch.from_numpy(images)).numpy()
    assert rel(net.logits(images).data, expected) <= 1e-5
    X_train, _, vocab, _, _ = topics
    text = nk.build("transformer", (X_train.shape[1],), outputs=4, output="softmax", vocab_size=vocab, seed=0).eval()
    model = M.mirror(text, torch).eval()
    ids = X_train[:6]
    with torch.no_grad():
        expected = model(torch.from_numpy(ids)).numpy()
    assert rel(text.logits(ids).data, expected) <= 1e-5


def test_small_cnn_learns_digit_images(digits):
    X, y, train, test = digits
    net = nk.build(CNN, (1, 8, 8), outputs=10, output="softmax", seed=0)
    nk.fit(net, X[train], y[train], optimizer="adam", lr=3e-3, epochs=10, batch_size=32, seed=0, progress=False)
    accuracy = M.nk_accuracy(net, X[test], y[test])
    assert accuracy >= 0.95, accuracy


def test_text_model_learns_topics(topics):
    X_train, y_train, vocab, X_test, y_test = topics
    net = nk.build(TEXT, (X_train.shape[1],), outputs=4, output="softmax", vocab_size=vocab, seed=0)
    nk.fit(net, X_train, y_train, optimizer="adam", lr=1e-2, epochs=10, batch_size=32, seed=0, progress=False)
    accuracy = M.nk_accuracy(net, X_test, y_test)
    assert accuracy >= 0.85, accuracy
