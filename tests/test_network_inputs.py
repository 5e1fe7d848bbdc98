"""What a network says it takes: ``in_features`` is a width only for networks that take vectors.

Before, ``Sequential.in_features`` returned the first width it met anywhere in the network: for a
CNN the width of its first Dense layer (the flattened feature maps), which the CLI's summary showed
as the number of inputs, and which an estimator file's check compared with ``n_features_in``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import safetensors.numpy as stn

import neuronkit as nk
from neuronkit import io as nkio
from neuronkit.errors import ModelFileError
from neuronkit.estimators import ConvergenceWarning


@pytest.mark.parametrize(("net", "expected"), [
    (lambda: nk.mlp([5, 8, 2], seed=0), 5),
    (lambda: nk.mlp([5, 8, 2], dropout=0.2, seed=0), 5),
    (lambda: nk.Sequential(nk.Dropout(0.1), nk.Activation("tanh"), nk.Dense(6, 2, seed=0)), 6),
    (lambda: nk.Sequential(nk.BatchNorm(7), nk.Dense(7, 2, seed=0)), 7),
    (lambda: nk.build("conv(4,3,relu),maxpool(2),flatten,dense(16,relu),dense(out)", input_shape=(1, 8, 8),
                      outputs=3, seed=0), None),
    (lambda: nk.build("batchnorm,conv(4,3),flatten,dense(out)", input_shape=(2, 6, 6), outputs=3, seed=0), None),
    (lambda: nk.build("flatten,dense(8,relu),dense(out)", input_shape=(1, 4, 4), outputs=3, seed=0), None),
    (lambda: nk.build("embedding(8),seqmeanpool,dense(out)", input_shape=(5,), outputs=3, vocab_size=20, seed=0),
     None),
])
def test_in_features_is_the_width_of_a_vector_input_only(net, expected):
    network = net()
    assert network.in_features == expected
    assert network.out_features in (2, 3)


def test_an_image_estimator_file_without_its_input_shape_is_refused(tmp_path):
    digits = nk.datasets.load("digits", images=True)
    X, y = digits.X[:200], digits.y[:200]
    clf = nk.NeuralClassifier(architecture="conv(4,3,relu),flatten,dense(out)", max_iter=2, tol=0.0, random_state=0)
    with pytest.warns(ConvergenceWarning):  # two epochs: not converged, as it says
        clf.fit(X, y)
    path = tmp_path / "cnn.nkm"
    nk.save(clf, path)
    np.testing.assert_array_equal(nk.load(path).predict(X), clf.predict(X))  # the file as written loads
    meta, arrays = nkio.read_model_file(path)
    meta["params"]["architecture"] = None  # architecture and input shape removed together
    meta["params"]["input_shape"] = None
    meta["extra"].pop("input_shape", None)
    model_json = json.dumps(meta)
    stn.save_file(arrays, str(tmp_path / "edited.nkm"), metadata={
        "format": "neuronkit", "format_version": "1", "neuronkit_version": nk.__version__, "model": model_json,
        "checksum": nkio._checksum(model_json, arrays)})
    with pytest.raises(ModelFileError, match="takes images or token ids .* records no input shape"):
        nk.load(tmp_path / "edited.nkm")


@pytest.mark.parametrize(("spec", "shape", "kwargs"), [
    ("conv(4,3,relu),maxpool(2),flatten,dense(out,softmax)", (1, 8, 8), {}),
    ("batchnorm,conv(3,3,relu),globalavgpool,dense(out)", (2, 6, 6), {}),
    ("conv(4,3,relu),maxpool(2),flatten,dense(out)", (3, 9), {}),
    ("embedding(8,padding_idx=0),seqmeanpool,dense(out)", (5,), {"vocab_size": 20}),
])
def test_one_sample_gives_the_output_of_its_row_in_a_batch(spec, shape, kwargs):
    """One image (C, H, W), sequence (C, L) or text (L,) runs as a batch of one, as one vector does in an MLP.

    Before, Flatten took the channels of a single image for its batch axis and the Dense after it
    refused the result with a message about its own input.
    """
    net = nk.build(spec, input_shape=shape, outputs=3, seed=0, **kwargs).eval()
    rng = np.random.default_rng(1)
    X = rng.integers(1, 20, (2, *shape)) if "vocab_size" in kwargs else rng.random((2, *shape)).astype(np.float32)
    X[..., -1] = 0 if "vocab_size" in kwargs else X[..., -1]  # a padded position
    batch = net.infer(X)
    np.testing.assert_allclose(net.infer(X[1]), batch[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net(X[1]).data, net(X).data[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.logits(X[1]).data, net.logits(X).data[1], rtol=1e-5, atol=1e-6)
    assert net.infer(X[1]).shape == (3,)


def test_one_image_as_a_tensor_keeps_its_gradient():
    net = nk.build("conv(2,3,tanh),flatten,dense(out)", input_shape=(1, 5, 5), outputs=2, seed=0)
    x = nk.Tensor(np.random.default_rng(2).random((1, 5, 5)), dtype=np.float32, requires_grad=True)
    net(x).sum().backward()
    xb = nk.Tensor(x.data[None], requires_grad=True)
    net(xb).sum().backward()
    assert x.grad.shape == (1, 5, 5)
    np.testing.assert_allclose(x.grad, xb.grad[0], rtol=1e-5, atol=1e-7)
