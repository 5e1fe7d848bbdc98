"""The contract every registered layer type keeps, checked on one table with a factory per type.

For each layer:
(a) inside ``nk.eval_mode()`` a layer left in training mode gives exactly the outputs of the
    same layer after ``.eval()``, and its ``training`` flags and buffers (running statistics)
    are untouched — so prediction never changes a model another thread is using;
(b) ``infer(x)`` equals ``forward(x).data`` (the prediction path gives the recorded values);
(c) ``config()`` -> JSON -> ``layer_from_config`` -> ``load_state_dict`` rebuilds a layer with
    the same outputs and the same config;
(d) an input of the wrong shape raises a ShapeError that names the layer;
(e) ``expected_arrays(config)`` states exactly the names, shapes and dtypes of its ``state_dict()``
    (what a model file is checked against before the layer is built), and ``from_arrays`` builds
    the same layer around given arrays, taking them as they are.

``test_every_layer_type_is_in_the_table`` fails when a layer type is registered without a
row here: a new layer gets its factory in TABLE and passes these tests.
"""

from __future__ import annotations

import ast
import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ShapeError
from neuronkit.layers import base, layer_from_config

_rng = np.random.default_rng(99)


def batch(n: int, features: int) -> np.ndarray:
    return _rng.standard_normal((n, features)).astype(np.float32)


def trained_batchnorm() -> nk.BatchNorm:
    """A BatchNorm whose running statistics are not the defaults (so eval and training differ)."""
    layer = nk.BatchNorm(5, momentum=0.5, name="norm")
    layer(batch(16, 5) * 3.0 + 1.0)
    return layer


def images(*shape: int) -> np.ndarray:
    return _rng.standard_normal(shape).astype(np.float32)


def trained_batchnorm2d() -> nk.BatchNorm2d:
    """A BatchNorm2d whose running statistics are not the defaults (so eval and training differ)."""
    layer = nk.BatchNorm2d(3, momentum=0.5, name="norm2d")
    layer(images(6, 3, 4, 4) * 3.0 + 1.0)
    return layer


@dataclass
class Row:
    factory: Callable[[], nk.Module]
    x: np.ndarray
    bad: np.ndarray  # an input of the wrong shape
    named: str  # the layer name a shape error must mention
    mode_dependent: bool  # does training mode compute something else than eval mode?


TABLE: dict[str, Row] = {
    "Dense": Row(lambda: nk.Dense(5, 3, activation="prelu", seed=1, name="dense"), batch(4, 5), batch(4, 6),
                 "dense", False),
    "Dropout": Row(lambda: nk.Dropout(0.5, seed=2, name="drop"), batch(6, 5), np.float32(1.0), "drop", True),
    "BatchNorm": Row(trained_batchnorm, batch(4, 5), batch(4, 4), "norm", True),
    "LayerNorm": Row(lambda: nk.LayerNorm(5, name="ln"), batch(4, 5), batch(4, 3, ), "ln", False),
    "Sequential": Row(lambda: nk.mlp([5, 7, 3], activation="tanh", output="softmax", dropout=0.3, batch_norm=True,
                                     seed=3), batch(4, 5), batch(4, 2), "hidden1", True),
    "Conv2d": Row(lambda: nk.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=1, activation="prelu", seed=4, name="conv"),
                  _rng.standard_normal((2, 3, 7, 6)).astype(np.float32),
                  _rng.standard_normal((2, 2, 7, 6)).astype(np.float32), "conv", False),
    "Conv1d": Row(lambda: nk.Conv1d(2, 4, 3, padding="same", groups=2, activation="tanh", seed=5, name="conv"),
                  _rng.standard_normal((3, 2, 9)).astype(np.float32),
                  _rng.standard_normal((3, 9, 2)).astype(np.float32), "conv", False),
    "MaxPool2d": Row(lambda: nk.MaxPool2d(3, stride=2, padding=1, name="pool"), images(3, 2, 7, 6),
                     images(3, 7), "pool", False),
    "AvgPool2d": Row(lambda: nk.AvgPool2d((2, 3), stride=(2, 1), name="avg"), images(3, 2, 5, 6),
                     images(3, 2, 5, 2), "avg", False),
    "MaxPool1d": Row(lambda: nk.MaxPool1d(2, name="pool1d"), images(3, 2, 7), images(3, 2, 7, 1), "pool1d", False),
    "AvgPool1d": Row(lambda: nk.AvgPool1d(3, stride=1, padding=1, name="avg1d"), images(3, 2, 7), images(3),
                     "avg1d", False),
    "GlobalAvgPool2d": Row(lambda: nk.GlobalAvgPool2d(name="gap"), images(3, 2, 5, 4), images(3, 2), "gap", False),
    "Flatten": Row(lambda: nk.Flatten(name="flat"), images(3, 2, 4, 5), images(5), "flat", False),
    "Transpose": Row(lambda: nk.Transpose(1, 2, name="swap"), images(3, 5, 4), images(5), "swap", False),
    "Activation": Row(lambda: nk.Activation("prelu", name="act"), images(3, 2, 4), np.float32(1.0), "act", False),
    "BatchNorm2d": Row(trained_batchnorm2d, images(4, 3, 5, 4), images(4, 2, 5, 4), "norm2d", True),
    "Embedding": Row(lambda: nk.Embedding(11, 4, padding_idx=0, seed=4, name="emb"),
                     _rng.integers(0, 11, size=(4, 6)), _rng.integers(0, 11, size=(2, 3, 4)), "emb", False),
    "PositionalEmbedding": Row(lambda: nk.PositionalEmbedding(7, 4, seed=5, name="pos"),
                               _rng.standard_normal((4, 6, 4)).astype(np.float32), batch(6, 5)[None], "pos", False),
    "SequenceMeanPool": Row(lambda: nk.SequenceMeanPool(name="mean"),
                            _rng.standard_normal((4, 6, 3)).astype(np.float32), batch(1, 3)[0], "mean", False),
    "SequenceMaxPool": Row(lambda: nk.SequenceMaxPool(name="max"),
                           _rng.standard_normal((4, 6, 3)).astype(np.float32), batch(1, 3)[0], "max", False),
    "MultiHeadSelfAttention": Row(lambda: nk.MultiHeadSelfAttention(4, 2, dropout=0.2, seed=6, name="mhsa"),
                                  _rng.standard_normal((3, 5, 4)).astype(np.float32), batch(5, 6)[None], "mhsa",
                                  True),
    "TransformerEncoderBlock": Row(lambda: nk.TransformerEncoderBlock(4, 2, 8, 0.1, "gelu", norm_first=True, seed=7,
                                                                      name="block"),
                                   _rng.standard_normal((3, 5, 4)).astype(np.float32), batch(5, 3)[None], "block",
                                   True),
    # spiking neurons (nk.spiking: evaluated here, so the lazy import registers them): (T, batch, features)
    "LIF": Row(partial(nk.spiking.LIF, beta=[0.5, 0.6, 0.7, 0.8], threshold=0.5, learn_beta=True,
                       learn_threshold=True, refractory=1.0, name="lif"),
               _rng.standard_normal((6, 3, 4)).astype(np.float32), batch(1, 4)[0], "lif", False),
    "LI": Row(partial(nk.spiking.LI, tau=4.0, learn_beta=True, name="readout"),
              _rng.standard_normal((6, 3, 4)).astype(np.float32), np.float32(1.0), "readout", False),
    "Synaptic": Row(partial(nk.spiking.Synaptic, alpha=0.6, tau_mem=[2.0, 3.0, 4.0, 5.0], threshold=0.5,
                            reset="zero", learn_alpha=True, learn_beta=True, name="syn"),
                    _rng.standard_normal((6, 3, 4)).astype(np.float32), batch(1, 4)[0], "syn", False),
    "ALIF": Row(partial(nk.spiking.ALIF, beta=0.8, threshold=[0.4, 0.5, 0.6, 0.7], learn_threshold=True,
                        surrogate="atan", name="alif"),
                _rng.standard_normal((6, 3, 4)).astype(np.float32), batch(1, 4)[0], "alif", False),
    # (partial, not lambda: nk.spiking loads on first use, and its layer types register when it does)
    "RateEncoder": Row(partial(nk.spiking.RateEncoder, 6, gain=0.8, seed=3, name="rate"),
                       _rng.random((4, 5)).astype(np.float32), np.float32(0.5), "rate", True),
    "LatencyEncoder": Row(partial(nk.spiking.LatencyEncoder, 8, tau=3.0, name="latency"),
                          _rng.random((4, 5)).astype(np.float32), np.float32(0.5), "latency", False),
    "DeltaEncoder": Row(partial(nk.spiking.DeltaEncoder, threshold=0.3, off_spike=True, name="delta"),
                        _rng.standard_normal((4, 6, 3)).astype(np.float32), batch(1, 3)[0], "delta", False),
    "CurrentEncoder": Row(partial(nk.spiking.CurrentEncoder, 4, name="current"), batch(3, 5), np.float32(1.0),
                          "current", False),
    # the default argument loads nk.spiking (lazy) as the table is built, so the type is registered: currents (T, B, N)
    "Izhikevich": Row(lambda izh=nk.spiking.Izhikevich: izh.preset("chattering", dt=0.25, name="izh"),
                      (_rng.random((40, 3, 4)) * 30.0).astype(np.float32), batch(1, 5)[0], "izh", False),
    # spiking layers (time-major: x is (T, batch, ...); x[0] is one sample over time). partial, not lambda, so that
    # nk.spiking (which loads on first use) is imported and its layer types registered when the table is made
    "SpikingDense": Row(partial(nk.spiking.SpikingDense, 6, 4, neuron={"name": "lif", "beta": 0.8, "learn_beta": True},
                                seed=8, name="spiking"), (_rng.random((5, 3, 6)) < 0.6).astype(np.float32),
                        batch(4, 7), "spiking", False),
    "SpikingConv2d": Row(partial(nk.spiking.SpikingConv2d, 2, 3, 3, padding=1, neuron="lif", seed=9, name="sconv"),
                         (_rng.random((4, 2, 2, 5, 5)) < 0.6).astype(np.float32), images(4, 2, 3, 5, 5), "sconv",
                         False),
    "Temporal": Row(partial(nk.spiking.Temporal, nk.MaxPool2d(2), name="tpool"), images(3, 2, 2, 4, 4), images(3, 2, 6),
                    "tpool", False),
    "SpikeMaxPool2d": Row(partial(nk.spiking.SpikeMaxPool2d, 2, stride=(2, 1), name="spool"),
                          (_rng.random((5, 3, 2, 4, 6)) < 0.4).astype(np.float32), images(3, 2, 7), "spool", False),
    # noisy gating and capacity in training only: mode dependent
    "MoE": Row(lambda: nk.layers.MoE(5, 3, experts=3, k=2, expert=(4,), activation="prelu", capacity_factor=0.5,
                                     seed=10, name="moe"), batch(6, 5), batch(6, 4), "moe", True),
}

TABLE.update({  # sparse neurons (layers/sparse.py)
    "KWinners": Row(lambda: nk.layers.KWinners(3, name="kwta"), batch(4, 7), batch(4, 2), "kwta", False),
    "ActivityL1": Row(lambda: nk.layers.ActivityL1(0.01, name="sparse"), batch(4, 5), np.float32(1.0), "sparse",
                      False),
})


def missing_from_table() -> set[str]:
    return set(base.LAYERS.names()) - set(TABLE)


def test_every_layer_type_is_in_the_table():
    assert missing_from_table() == set(), "layer types without a row in the contract table"
    assert set(TABLE) <= set(base.LAYERS.names())  # and the table names nothing that does not exist


def test_the_table_check_would_catch_a_new_layer_type(monkeypatch):
    monkeypatch.setattr(base, "LAYERS", copy.deepcopy(base.LAYERS))

    @nk.layers.register_layer
    class BrandNewLayer(nk.Module):
        def forward(self, x):
            return x

    assert missing_from_table() == {"BrandNewLayer"}


def ids() -> list[str]:
    return list(TABLE)


@pytest.mark.parametrize("kind", ids())
def test_eval_mode_gives_eval_outputs_without_touching_the_layer(kind):
    row = TABLE[kind]
    layer = row.factory().train()
    state = layer.state_dict()
    flags = [m.training for m in layer.modules()]
    with nk.eval_mode():
        recorded = layer(row.x)
        predicted = layer.infer(row.x)
        with nk.no_grad():
            untracked = layer(row.x).data
        assert not layer.in_training
    assert [m.training for m in layer.modules()] == flags == [True] * len(flags)
    for name, value in layer.state_dict().items():
        np.testing.assert_array_equal(value, state[name], err_msg=f"{kind}: {name} changed in eval_mode")
    assert layer.in_training
    if row.mode_dependent:  # training mode computes something else, so the comparison below can fail
        assert not np.allclose(layer(row.x).data, recorded.data)
        layer.load_state_dict(state)
    layer.eval()
    expected = layer(row.x).data
    for got in (recorded.data, predicted, untracked):
        np.testing.assert_array_equal(got, expected)
    assert recorded.requires_grad == (layer.num_parameters() > 0)  # eval_mode is not no_grad


@pytest.mark.parametrize("kind", ids())
def test_infer_equals_forward(kind):
    row = TABLE[kind]
    layer = row.factory().eval()
    forward = layer.forward(row.x).data
    np.testing.assert_array_equal(layer.infer(row.x), forward)
    np.testing.assert_array_equal(layer.infer(row.x[0]), layer.forward(row.x[0]).data)  # one sample
    assert layer.infer(row.x).dtype == forward.dtype == np.float32


@pytest.mark.parametrize("kind", ids())
def test_config_round_trip(kind):
    row = TABLE[kind]
    layer = row.factory().eval()
    config = json.loads(json.dumps(layer.config()))  # what a model file holds
    assert config["type"] == kind
    clone = layer_from_config(config)
    assert type(clone) is type(layer) and clone.config() == layer.config()
    clone.load_state_dict(layer.state_dict())
    clone.eval()
    np.testing.assert_array_equal(clone(row.x).data, layer(row.x).data)


@pytest.mark.parametrize("kind", ids())
def test_expected_arrays_are_the_state_dicts_and_from_arrays_takes_them(kind):
    row = TABLE[kind]
    layer = row.factory().eval()
    config = json.loads(json.dumps(layer.config()))
    state = layer.state_dict()
    expected = base.layer_expected_arrays(config)
    assert expected == {name: (value.shape, value.dtype) for name, value in state.items()}
    clone = layer_from_config(config, state)
    assert type(clone) is type(layer) and clone.config() == layer.config()
    for name, value in clone.state_dict().items():
        np.testing.assert_array_equal(value, state[name])
    clone_arrays = dict(clone.named_parameters())
    assert all(clone_arrays[name].data is state[name] for name in clone_arrays)  # taken, not copied
    clone.eval()
    np.testing.assert_array_equal(clone(row.x).data, layer(row.x).data)


def test_expected_arrays_need_no_layer_of_the_declared_size():
    """A declared 10^12-weight Dense or 10^12-feature BatchNorm is described without allocating it."""
    huge = nk.Dense(2, 3, seed=0).config() | {"in_features": 10**6, "out_features": 10**6}
    assert base.layer_expected_arrays(huge)["weight"] == ((10**6, 10**6), np.dtype("float32"))
    norm = {"type": "BatchNorm", "num_features": 10**12, "momentum": 0.1, "eps": 1e-5, "name": None,
            "dtype": "float64"}
    assert base.layer_expected_arrays(norm)["running_var"] == ((10**12,), np.dtype("float64"))


@pytest.mark.parametrize("kind", ids())
def test_a_bad_input_shape_names_the_layer(kind):
    row = TABLE[kind]
    layer = row.factory()
    for call in (layer, layer.infer):
        with pytest.raises(ShapeError, match=f"layer '{row.named}'") as info:
            call(row.bad)
        assert str(np.shape(row.bad)) in str(info.value)


def test_layers_read_the_mode_through_in_training():
    """Only ``Module.in_training`` reads ``self.training``; every layer reads ``self.in_training``."""
    readers = []
    for path in sorted(Path(base.__file__).parent.glob("*.py")):
        for function in ast.walk(ast.parse(path.read_text())):
            if isinstance(function, ast.FunctionDef):
                readers += [f"{path.name}:{function.name}" for node in ast.walk(function)
                            if isinstance(node, ast.Attribute) and node.attr == "training"
                            and isinstance(node.value, ast.Name) and node.value.id == "self"]
    assert readers == ["base.py:in_training"]


def test_the_modules_below_the_layers_do_not_import_them():
    """activations, init, losses, metrics and neuron sit below the layers: importing them back would be a cycle."""
    package = Path(base.__file__).parents[1]
    for name in ("activations", "init", "losses", "metrics", "neuron", "validation"):
        tree = ast.parse((package / f"{name}.py").read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not any(module and "layers" in module for module in imported), (name, imported)


@pytest.mark.parametrize("kind", ids())
def test_output_shape_is_the_shape_of_the_output(kind):
    """``output_shape`` (what ``nk.build`` infers sizes from) agrees with the layer's real output, per sample,
    and refuses the table's bad input (when it has a batch axis) with a ShapeError naming the layer."""
    row = TABLE[kind]
    layer = row.factory().eval()
    first = 2 if getattr(layer, "makes_time_axis", False) else 1  # an encoder's output is (T, batch, ...)
    assert layer.output_shape(row.x.shape[1:]) == layer.infer(row.x).shape[first:]
    if np.ndim(row.bad) >= 2:
        with pytest.raises(ShapeError, match=f"layer '{row.named}'"):
            layer.output_shape(np.shape(row.bad)[1:])
