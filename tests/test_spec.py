"""The architecture spec (``nk.build``, ``spec_of``, ARCHITECTURES) and the shape plumbing under it.

The plumbing: ``Module.output_shape`` (per-sample shapes, errors naming the layer and the
shape), the ``name_prefix``/``input_kind``/``takes_mask`` class attributes, and the stable
layer names a Sequential gives (``hidden1``…``output``, ``dropout1``, ``batchnorm1``, …).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError, ParameterTypeError, ShapeError
from neuronkit.layers.base import Module

# ------------------------------------------------------------------ output_shape


def test_default_output_shape_keeps_the_shape():
    assert nk.Dropout(0.3).output_shape((32, 7, 7)) == (32, 7, 7)
    assert nk.Dropout(0.3).output_shape([5]) == (5,)


def test_dense_output_shape():
    assert nk.Dense(6, 4, seed=0).output_shape((6,)) == (4,)


def test_dense_output_shape_says_the_number_it_needs():
    layer = nk.Dense(800, 128, seed=0, name="hidden1")
    with pytest.raises(ShapeError) as error:
        layer.output_shape((32, 7, 7))
    assert str(error.value) == ("layer 'hidden1' takes 800 inputs; the layer before it gives (32, 7, 7) = 1568 "
                                "values: use flatten, then dense(..., in_features=1568), or let the spec infer it")
    with pytest.raises(ShapeError, match=r"layer 'hidden1' takes 800 inputs; the layer before it gives \(1568,\): "
                                         r"use dense\(\.\.\., in_features=1568\)"):
        layer.output_shape((1568,))


def test_dense_output_shape_right_count_wrong_rank_says_flatten():
    with pytest.raises(ShapeError, match=r"layer 'Dense' takes 12 inputs, one vector per sample; the layer before "
                                         r"it gives \(3, 2, 2\) = 12 values: flatten it first"):
        nk.Dense(12, 2, seed=0).output_shape((3, 2, 2))


@pytest.mark.parametrize("make", [lambda: nk.BatchNorm(5, name="n"), lambda: nk.LayerNorm(5, name="n")])
def test_norm_output_shape(make):
    layer = make()
    assert layer.output_shape((5,)) == (5,)
    with pytest.raises(ShapeError, match=r"layer 'n' normalises 5 features; the layer before it gives \(4,\): "
                                         r"use (batch|layer)norm\(num_features=4\)"):
        layer.output_shape((4,))


def test_batchnorm_output_shape_points_images_to_batchnorm2d():
    with pytest.raises(ShapeError, match=r"gives \(8, 5, 5\) = 200 values: for images use BatchNorm2d\(8\)"):
        nk.BatchNorm(8, name="n").output_shape((8, 5, 5))


@pytest.mark.parametrize("bad, kind", [((0, 3), ParameterError), ((2.0, 3), ParameterTypeError),
                                       ("28x28", ParameterTypeError), ((True, 3), ParameterTypeError)])
def test_output_shape_refuses_a_bad_shape(bad, kind):
    with pytest.raises(kind, match=r"layer 'Dropout' in_shape must be a tuple of positive ints"):
        nk.Dropout(0.1).output_shape(bad)


def test_sequential_output_shape_chains_and_names_the_first_layer_that_does_not_fit():
    net = nk.Sequential(nk.Dense(4, 8, seed=0), nk.Dropout(0.2), nk.BatchNorm(8), nk.Dense(8, 3, seed=1))
    assert net.output_shape((4,)) == (3,)
    bad = nk.Sequential(nk.Dropout(0.2), nk.LayerNorm(6), nk.Dense(6, 2, seed=0))
    with pytest.raises(ShapeError, match=r"^layer 'layernorm1' normalises 6 features; the layer before it gives "
                                         r"\(4,\)"):
        bad.output_shape((4,))
    with pytest.raises(ShapeError, match=r"^layer 'hidden1' takes 4 inputs"):
        net.output_shape((5,))


# ------------------------------------------------------- class attributes, names


def test_class_attribute_defaults():
    assert (Module.input_kind, Module.takes_mask) == ("float", False)
    assert [cls.name_prefix for cls in (nk.Dense, nk.Dropout, nk.BatchNorm, nk.LayerNorm, nk.Sequential)] == \
        ["dense", "dropout", "batchnorm", "layernorm", "sequential"]


def test_name_prefix_is_inherited_when_set_and_the_class_name_otherwise():
    class Conv(Module):
        name_prefix = "conv"

    class DepthwiseConv(Conv):
        pass

    class MyLayer(Module):
        pass

    class MyOtherLayer(MyLayer):
        pass

    assert (Conv.name_prefix, DepthwiseConv.name_prefix) == ("conv", "conv")
    assert (MyLayer.name_prefix, MyOtherLayer.name_prefix) == ("mylayer", "myotherlayer")


def test_existing_layer_names_stay_as_model_files_store_them():
    net = nk.Sequential(nk.Dense(4, 8, seed=0), nk.BatchNorm(8), nk.Dropout(0.2), nk.Dense(8, 8, seed=1),
                        nk.LayerNorm(8), nk.Dropout(0.1), nk.Dense(8, 2, seed=2))
    assert list(net.layers) == ["hidden1", "batchnorm1", "dropout1", "hidden2", "layernorm1", "dropout2", "output"]


def test_unnamed_layers_are_named_by_prefix_with_a_counter_per_prefix():
    class Shrink(Module):
        name_prefix = "pool"

        def forward(self, x):
            return x

    class Pool2(Shrink):  # another type with the same prefix shares the counter
        pass

    net = nk.Sequential(Shrink(), nk.Dropout(0.1), Pool2(), ("mine", Shrink()), nk.Dense(3, 2, seed=0))
    assert list(net.layers) == ["pool1", "dropout1", "pool2", "mine", "output"]


# ------------------------------------------------------------------------ parse

ISSUE_LINE = "conv(32,3,relu),maxpool(2),conv(64,3,relu),maxpool(2),flatten,dense(128,relu),dropout(0.3),dense(10)"


def test_parse_the_issues_line():
    assert nk.layers.parse_spec(ISSUE_LINE) == [
        {"layer": "conv", "out_channels": 32, "kernel_size": 3, "activation": "relu"},
        {"layer": "maxpool", "kernel_size": 2},
        {"layer": "conv", "out_channels": 64, "kernel_size": 3, "activation": "relu"},
        {"layer": "maxpool", "kernel_size": 2},
        {"layer": "flatten"},
        {"layer": "dense", "out_features": 128, "activation": "relu"},
        {"layer": "dropout", "p": 0.3},
        {"layer": "dense", "out_features": 10},
    ]


def test_parse_values_keywords_tuples_and_spacing():
    line = """Conv( 16 , (3, 5), stride = 2, padding=same, bias=false, init='he_normal' ),
              max_pool(kernel_size=(2,2)), leaky_relu(negative_slope=0.25), dense(out, activation="softmax"),
              dropout(p=1e-1), batchnorm(eps=1E-3, momentum=none)"""
    assert nk.layers.parse_spec(line) == [
        {"layer": "conv", "out_channels": 16, "kernel_size": (3, 5), "stride": 2, "padding": "same", "bias": False,
         "init": "he_normal"},
        {"layer": "maxpool", "kernel_size": (2, 2)},
        {"layer": "activation", "activation": {"name": "leaky_relu", "negative_slope": 0.25}},
        {"layer": "dense", "out_features": "out", "activation": "softmax"},
        {"layer": "dropout", "p": 0.1},
        {"layer": "batchnorm", "eps": 0.001, "momentum": None},
    ]


def test_token_names_ignore_case_and_separators_and_bare_activations_are_layers():
    assert nk.layers.parse_spec("Seq-Mean-Pool,GAP,TANH,activation(gelu),Logistic") == [
        {"layer": "seqmeanpool"}, {"layer": "globalavgpool"}, {"layer": "activation", "activation": "tanh"},
        {"layer": "activation", "activation": "gelu"}, {"layer": "activation", "activation": "sigmoid"}]


# (spec, error type, the message's start): every error names the position and what is valid
SYNTAX_ERRORS = [
    ("dense(8),dense(8),relu,conv3d(4),dense(2)", nk.errors.UnknownNameError,
     "unknown layer 'conv3d' at token 4 (col 24); valid: dense, dropout, batchnorm, layernorm, activation, conv, "),
    ("dense(8),dense(8),relu,conv3d(4),dense(2)", nk.errors.UnknownNameError, "did you mean 'conv2d'?"),
    ("", ParameterError, "the spec is empty; give layers separated by commas, e.g. 'dense(64,relu),dense(out)'"),
    ("   \n ", ParameterError, "the spec is empty"),
    ("dense(8,relu", ParameterError, "missing ')' for the '(' of 'dense' at token 1 (col 1)"),
    ("dense(8),,dense(2)", ParameterError, "expected a layer name at token 2 (col 10); got ','"),
    ("dense(8) dense(2)", ParameterError, "expected ',' between layers at col 10; got 'dense' after 'dense(8)' "
                                          "(token 1)"),
    ("dense(8),", ParameterError, "a layer must follow the ',' at col 9 of 'dense(8),'"),
    ("dense(8),@", ParameterError, "unexpected character '@' at col 10 of the spec 'dense(8),@'"),
    ("dense(8, relu, 3)", ParameterError, "dense(8, relu, 3) at token 1 (col 1): dense takes at most 2 positional "
                                          "arguments (out_features, activation); got 3"),
    ("flatten(2)", ParameterError, "flatten(2) at token 1 (col 1): flatten takes no positional arguments; got 1"),
    ("dense(activation=relu, 2)", ParameterError, "a positional argument follows a keyword at token 1 (col 24)"),
    ("dropout(0.1), dense(8, activation=relu, activation=tanh)", ParameterError,
     "option 'activation' is given twice at token 2 (col 41)"),
    ("dense(8, out_features=3)", ParameterError,
     "option 'out_features' of dense is given by position and by name at token 1 (col 10)"),
    ("leaky_relu(0.1)", ParameterError, "leaky_relu(0.1) at token 1 (col 1): leaky_relu(...) takes its options by "
                                        "name, e.g. leaky_relu(negative_slope=0.2)"),
    ("dense(8, leaky_relu(0.1))", ParameterError, "leaky_relu(...) at col 10 takes options by name"),
    ("dense(8, relu", ParameterError, "missing ')'"),
    ("dense(8, (3, 4)", ParameterError, "missing ')'"),
    ("dense(=3)", ParameterError, "expected a value at col 7; got '='"),
    ("dense(8,'relu)", ParameterError, "the quote ' at col 9 of the spec \"dense(8,'relu)\" is not closed"),
    ("conv(32,3x3)", ParameterError, "unexpected character '3' at col 9 of the spec 'conv(32,3x3)'"),
]


@pytest.mark.parametrize("spec, kind, start", SYNTAX_ERRORS)
def test_syntax_errors_name_the_position(spec, kind, start):
    with pytest.raises(kind) as error:
        nk.layers.parse_spec(spec)
    assert start in str(error.value)


def test_an_unknown_layer_is_an_unknown_name_error_with_the_valid_names():
    with pytest.raises(nk.errors.UnknownNameError) as error:
        nk.layers.parse_spec("dense(8),desne(2)")
    assert (error.value.name, error.value.suggestion) == ("desne", "dense")
    assert "conv" in error.value.valid and "encoder" in error.value.valid


# ------------------------------------------------------------------------ build


def test_build_infers_sizes_and_names_the_layers():
    net = nk.build("dense(16,tanh),batchnorm,dropout(0.1),dense(8,relu),layernorm,dense(3)", input_shape=(5,),
                   seed=0)
    assert [(name, type(layer).__name__) for name, layer in net.layers.items()] == [
        ("hidden1", "Dense"), ("batchnorm1", "BatchNorm"), ("dropout1", "Dropout"), ("hidden2", "Dense"),
        ("layernorm1", "LayerNorm"), ("output", "Dense")]
    assert [(layer.in_features, layer.out_features, layer.activation.name)
            for layer in (net["hidden1"], net["hidden2"], net["output"])] == [(5, 16, "tanh"), (16, 8, "relu"),
                                                                                (8, 3, "identity")]
    assert (net["batchnorm1"].num_features, net["layernorm1"].num_features, net["dropout1"].p) == (16, 8, 0.1)
    assert net.output_shape((5,)) == (3,)
    assert net(np.ones((2, 5), dtype=np.float32)).shape == (2, 3)


def test_build_draws_the_weights_as_the_same_layers_from_one_generator():
    net = nk.build("dense(6,relu),dropout(0.5),dense(2)", input_shape=4, seed=7)
    g = nk.init.make_rng(7)
    by_hand = nk.Sequential(nk.Dense(4, 6, activation="relu", rng=g), nk.Dropout(0.5, rng=g),
                            nk.Dense(6, 2, activation="identity", rng=g))
    for (name, a), (_, b) in zip(net.state_dict().items(), by_hand.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert net["hidden1"].weight.dtype == np.float32
    assert nk.build("dense(2)", input_shape=(3,), seed=0, dtype=np.float64)["output"].weight.dtype == np.float64


def test_outputs_fill_the_last_dense():
    for spec in ("dense(8,relu),dense(out,softmax)", "dense(8,relu),dense(activation=softmax)"):
        net = nk.build(spec, input_shape=(4,), outputs=5, seed=0)
        assert (net["output"].out_features, net["output"].activation.name) == (5, "softmax")
    net = nk.build("dense(8,relu),dense(out)", input_shape=(4,), outputs=3, output="softmax", seed=0)
    assert (net["output"].out_features, net["output"].activation.name) == (3, "softmax")
    # a width that agrees with outputs is fine; the output activation may be given in both places if they agree
    assert nk.build("dense(3,softmax)", input_shape=(4,), outputs=3, output="softmax", seed=0).output_shape((4,)) \
        == (3,)


BUILD_ERRORS = [
    (dict(spec="dense(8),dense(4,relu),dense"), ParameterError,
     "dense at token 3 (col 24): dense needs a width: dense(128), or dense(out) with build(..., outputs=N)"),
    (dict(spec="dense(8),dropout(0.1),dense,dense(2)"), ParameterError,
     "dense at token 3 (col 23): dense needs a width: dense(128)"),
    (dict(spec="dense(8),dense(out)"), ParameterError,
     "dense(out) at token 2 (col 10): dense(out) takes its width from build(..., outputs=N); give outputs, or a "
     "width: dense(10)"),
    (dict(spec="dense(out),dense(2)", outputs=2), ParameterError,
     "dense(out) at token 1 (col 1): out_features=out stands for build(..., outputs=N), and only as the width of the "
     "last dense: dense(out)"),
    (dict(spec="dense(8),dense(4)", outputs=3), ShapeError,
     "the spec's network gives (4,) per sample, but outputs=3 (its last dense has 4): end it with dense(out)"),
    (dict(spec="dropout(0.5)", outputs=3), ShapeError,
     "the spec's network gives (6,) per sample, but outputs=3 (it has no dense layer)"),
    (dict(spec="dense(4,sigmoid)", output="softmax"), ParameterError,
     "dense(4,sigmoid) at token 1 (col 1): the spec gives the output layer activation 'sigmoid' but build(..., "
     "output='softmax') asks for another"),
    (dict(spec="dropout(0.1)", output="softmax"), ParameterError,
     "build(..., output='softmax') sets the activation of the last dense; the spec has no dense layer"),
    (dict(spec="dense(8),dense(5,in_features=7)"), ShapeError,
     "dense(5,in_features=7) at token 2 (col 10): layer 'output' takes 7 inputs; the layer before it gives (8,): "
     "use dense(..., in_features=8), or let the spec infer it"),
    (dict(spec="dense(8),layernorm(num_features=6)"), ShapeError,
     "layernorm(num_features=6) at token 2 (col 10): layer 'layernorm1' normalises 6 features; the layer before it "
     "gives (8,)"),
    (dict(spec="dense(8),dense(4,strides=2)"), ParameterTypeError,
     "dense(4,strides=2) at token 2 (col 10): dense (Dense) has no option 'strides'; its options are: in_features, "
     "out_features, activation, init, bias, l1, l2, name"),
    (dict(spec="dense(8),dense(4,activtion=relu)"), ParameterTypeError, "did you mean 'activation'?"),
    (dict(spec="dense(8),dense(4,seed=3)"), ParameterTypeError, "has no option 'seed'"),
    (dict(spec="dense(8),dropout(1.5)"), ParameterError,
     "dropout(1.5) at token 2 (col 10): Dropout p must be a finite number in [0, 1); got 1.5"),
    (dict(spec="dense(-8)"), ParameterError, "dense(-8) at token 1 (col 1): Dense out_features must be"),
    (dict(spec="dense(8,relu),dense(4,swoosh)"), nk.errors.UnknownNameError,
     "dense(4,swoosh) at token 2 (col 15): unknown activation 'swoosh'"),
    (dict(spec="dense(8),dense(2,name=hidden1)"), ParameterError, "two layers are named 'hidden1'"),
    (dict(spec="dense(8)", input_shape=(0, 3)), ParameterError, "build in_shape must be a tuple of positive ints"),
    (dict(spec="dense(8)", outputs=0), ParameterError, "build outputs must be an integer >= 1; got 0"),
    (dict(spec="dense(8)", vocab_size=2.5), ParameterTypeError, "build vocab_size must be an int"),
    (dict(spec=3), ParameterTypeError, "build spec must be a one-line spec, JSON or TOML text"),
]


@pytest.mark.parametrize("kwargs, kind, message", BUILD_ERRORS)
def test_build_errors_name_the_token_its_position_and_the_fix(kwargs, kind, message):
    kwargs = {"input_shape": (6,), **kwargs}
    with pytest.raises(kind) as error:
        nk.build(kwargs.pop("spec"), **kwargs)
    assert message in str(error.value)


# ---------------------------------------------------------------- JSON and TOML

LINE = "dense(16,relu),dropout(0.25),dense(out,softmax)"
AS_DICTS = [{"layer": "dense", "out_features": 16, "activation": "relu"}, {"layer": "dropout", "p": 0.25},
            {"layer": "dense", "out_features": "out", "activation": "softmax"}]
AS_TOML = """
# the same network, one table per layer
[[layer]]
layer = "dense"
out_features = 16
activation = "relu"

[[layer]]
layer = "dropout"
p = 0.25

[[layer]]
layer = "dense"
out_features = "out"
activation = "softmax"
"""


def test_json_and_toml_forms_build_the_same_network(tmp_path):
    (tmp_path / "net.json").write_text(json.dumps(AS_DICTS), encoding="utf-8")
    (tmp_path / "net.toml").write_text(AS_TOML, encoding="utf-8")
    forms = [LINE, AS_DICTS, {"layer": AS_DICTS}, json.dumps(AS_DICTS), json.dumps({"layers": AS_DICTS}), AS_TOML,
             tmp_path / "net.json", tmp_path / "net.toml", str(tmp_path / "net.toml")]
    reference = nk.build(LINE, input_shape=(3,), outputs=4, seed=1)
    for form in forms:
        assert nk.layers.parse_spec(form) == AS_DICTS
        net = nk.build(form, input_shape=(3,), outputs=4, seed=1)
        assert net.config() == reference.config()
        np.testing.assert_array_equal(net["output"].weight.data, reference["output"].weight.data)


def test_json_and_toml_errors_name_the_layer_number(tmp_path):
    with pytest.raises(nk.errors.UnknownNameError, match=r"^unknown layer 'dnse' at token 2; valid: dense"):
        nk.layers.parse_spec([{"layer": "dense", "out_features": 3}, {"layer": "dnse"}])
    with pytest.raises(ParameterError, match=r"token 2 of the spec \(a list\) must be a dict with a 'layer' key"):
        nk.layers.parse_spec([{"layer": "dense", "out_features": 3}, {"kind": "dense"}])
    with pytest.raises(ParameterTypeError, match=r"^dense at token 1: dense \(Dense\) has no option 'units'"):
        nk.build([{"layer": "dense", "units": 3}], input_shape=(2,))
    with pytest.raises(ParameterError, match=r"^the spec is not valid JSON: Expecting ',' delimiter \(line 1, "
                                             r"col 40\)"):
        nk.layers.parse_spec('[{"layer": "dense", "out_features": 3} {"layer": "dropout"}]')
    with pytest.raises(ParameterError, match=r"^the spec is not valid TOML: "):
        nk.layers.parse_spec("[[layer]]\nlayer = dense\n")
    with pytest.raises(ParameterError, match=r"a spec \(JSON\) must be a non-empty list of layers"):
        nk.layers.parse_spec("[]")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[layer]]\nlayer = 'dense'\nout_features = 3\n[[layer]]\nlayer = 'conv9'\n", encoding="utf-8")
    with pytest.raises(nk.errors.UnknownNameError, match=rf"^{re.escape(str(bad))}: unknown layer 'conv9' at token 2"):
        nk.layers.parse_spec(bad)
    with pytest.raises(ParameterError, match=r"cannot read the spec file '.*missing\.json'"):
        nk.layers.parse_spec(tmp_path / "missing.json")


# --------------------------------------------------------------- round trip


@pytest.mark.parametrize("line", [
    "dense(16,relu),dropout(0.25),dense(3,softmax)",
    "dense(8,tanh,bias=false,l2=0.01),batchnorm(momentum=0.5),layernorm(eps=0.001),dense(2,init=zeros)",
    "dense(4,leaky_relu(negative_slope=0.2)),dense(1,sigmoid,name=score)",
])
def test_spec_of_gives_the_line_back(line):
    net = nk.build(line, input_shape=(5,), seed=0)
    assert nk.spec_of(net) == line
    again = nk.build(nk.spec_of(net), input_shape=(5,), seed=0)
    assert again.config() == net.config()


def test_spec_of_a_network_built_by_hand_and_from_a_model_config():
    net = nk.mlp([4, 8, 8, 3], activation="tanh", output="softmax", dropout=0.5, batch_norm=True, seed=0)
    line = nk.spec_of(net)
    assert line == "dense(8,tanh),batchnorm,dropout(0.5),dense(8,tanh),batchnorm,dropout(0.5),dense(3,softmax)"
    rebuilt = nk.layers.layer_from_config(net.config())
    assert nk.spec_of(rebuilt) == line
    assert nk.build(line, input_shape=(4,), seed=0).config() == net.config()


def test_spec_of_refuses_what_a_spec_cannot_describe():
    with pytest.raises(ParameterTypeError, match=r"spec_of net must be a Sequential \(what build gives\); got 'Dense'"):
        nk.spec_of(nk.Dense(2, 2, seed=0))

    class Custom(Module):
        def forward(self, x):
            return x

    with pytest.raises(ParameterError, match=r"^spec_of: layer 'custom1' is a Custom, which a spec cannot describe"):
        nk.spec_of(nk.Sequential(Custom(), nk.Dense(2, 2, seed=0)))


# --------------------------------------------------------------- architectures


def test_architectures_are_specs_that_parse():
    assert {"cnn", "mlp", "transformer"} <= set(nk.ARCHITECTURES.names())
    assert nk.ARCHITECTURES.get("cnn") == ISSUE_LINE.replace("dense(10)", "dense(out)")
    for name in nk.ARCHITECTURES.names():
        assert nk.layers.parse_spec(name) == nk.layers.parse_spec(nk.ARCHITECTURES.get(name))
        last = nk.layers.parse_spec(name)[-1]  # the output layer takes build's outputs= (snn's names its neuron)
        assert {key: last[key] for key in ("layer", "out_features")} == {"layer": "dense", "out_features": "out"}
        assert set(last) <= {"layer", "out_features", "activation"}


# ------------------------------------------------------- X as the model takes it


class _Flat(Module):
    """(N, ...) -> (N, prod): a stand-in first layer for 4-d X (the real Flatten is the pool helper's)."""

    def forward(self, x):
        x = x if isinstance(x, nk.Tensor) else nk.Tensor(np.asarray(x, dtype=np.float32))
        return nk.engine.ops.reshape(x, (x.shape[0], -1))

    def output_shape(self, in_shape):
        return (int(np.prod(in_shape)),)


class _Lookup(Module):
    """A first layer that takes token ids (input_kind "ids") and records what it was given."""

    input_kind = "ids"

    def __init__(self, num_embeddings=5):
        self.num_embeddings = num_embeddings
        self.seen = []

    def forward(self, x):
        self.seen.append(np.asarray(x).dtype)
        return nk.Tensor(np.asarray(x, dtype=np.float32))


def test_fit_takes_4d_x_and_trains_exactly_as_on_the_same_values_flattened():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3, 2, 2)).astype(np.float32)
    y = (X[:, 0, 0, 0] + X[:, 2, 1, 1] > 0).astype(np.int64)
    image_net = nk.Sequential(_Flat(), nk.Dense(12, 2, activation="softmax", seed=3))
    table_net = nk.Sequential(nk.Dense(12, 2, activation="softmax", seed=3))
    h4 = nk.fit(image_net, X, y, epochs=3, batch_size=8, seed=1, progress=False)
    h2 = nk.fit(table_net, X.reshape(40, 12), y, epochs=3, batch_size=8, seed=1, progress=False)
    assert h4["loss"] == h2["loss"] and h4["loss"][-1] < h4["loss"][0]
    np.testing.assert_array_equal(image_net["output"].weight.data, table_net["output"].weight.data)
    assert nk.training.evaluate(image_net, X, y) == nk.training.evaluate(table_net, X.reshape(40, 12), y)
    np.testing.assert_array_equal(nk.training.predict(image_net, X), nk.training.predict(table_net,
                                                                                          X.reshape(40, 12)))


def test_x_that_the_first_layer_does_not_take_gets_the_layers_message():
    net = nk.Sequential(nk.Dense(12, 2, activation="softmax", seed=3))
    X = np.zeros((6, 3, 2, 2), dtype=np.float32)
    with pytest.raises(ShapeError, match=r"layer 'output' expects input of shape \(batch, 12\) or \(12,\); got "
                                         r"shape \(1, 3, 2, 2\)"):
        nk.fit(net, X, np.zeros(6, dtype=np.int64), progress=False)
    with pytest.raises(ShapeError, match=r"evaluate: X must be 2-D \(n_samples, n_features\); got shape \(6,\)"):
        nk.training.evaluate(net, np.zeros(6), np.zeros(6, dtype=np.int64))


def test_token_ids_stay_integers_and_whole_floats_are_taken():
    lookup = _Lookup()
    net = nk.Sequential(lookup)
    X = np.array([[1.0], [4.0], [0.0]])
    assert nk.training.evaluate(net, X, [1.0, 4.0, 0.0], metrics=[]) == {"loss": 0.0}
    assert nk.training.evaluate(net, X, [1.0, 4.0, 3.0], metrics=[]) == {"loss": 3.0}  # (3 - 0)² / 3
    np.testing.assert_array_equal(nk.training.predict(net, [[3, 1]]), [[3.0, 1.0]])
    assert lookup.seen and all(kind == np.int64 for kind in lookup.seen)


@pytest.mark.parametrize("X, kind, message", [
    ([[1.0], [2.5]], nk.errors.DataError, r"evaluate: X holds token ids for layer '_lookup1' \(_Lookup\), which must "
                                        r"be whole numbers; got 2\.5 at index \(1, 0\)\. Turn text into ids"),
    ([[1], [5]], nk.errors.DataError, r"evaluate: X holds token ids for layer '_lookup1' \(_Lookup\), which has ids "
                                    r"0\.\.4 \(num_embeddings=5\); got id 5 at index \(1, 0\)"),
    ([[-1]], nk.errors.DataError, r"got id -1 at index \(0, 0\)"),
    ([1], ShapeError, r"X must be 2-D \(n_samples, sequence_length\) with at least one sample; got shape \(1,\)"),
    ([[np.nan]], nk.errors.DataError, r"evaluate: X has a non-finite value \(nan\)"),
    ([["a"]], nk.errors.DataError, r"evaluate: X must be a numeric array"),
])
def test_bad_token_ids_are_refused_naming_x(X, kind, message):
    net = nk.Sequential(_Lookup())
    with pytest.raises(kind, match=message):
        nk.training.evaluate(net, X, [0.0] * len(X), metrics=[])


# ----------------------------------------------------- images and text (issue 12)


def test_the_issues_cnn_shapes_worked_by_hand():
    net = nk.build(ISSUE_LINE, input_shape=(1, 28, 28), seed=0)
    # 28 -conv 3x3-> 26 -pool 2-> 13 -conv 3x3-> 11 -pool 2-> 5 (floor) ; flatten 64·5·5 = 1600
    assert list(net.layers) == ["conv1", "pool1", "conv2", "pool2", "flatten1", "hidden1", "dropout1", "output"]
    shapes, shape = [], (1, 28, 28)
    for layer in net:
        shape = layer.output_shape(shape)
        shapes.append(shape)
    assert shapes == [(32, 26, 26), (32, 13, 13), (64, 11, 11), (64, 5, 5), (1600,), (128,), (128,), (10,)]
    assert (net["conv1"].in_channels, net["conv2"].in_channels, net["hidden1"].in_features) == (1, 32, 1600)
    assert [type(layer).__name__ for layer in net] == ["Conv2d", "MaxPool2d", "Conv2d", "MaxPool2d", "Flatten",
                                                       "Dense", "Dropout", "Dense"]
    assert net["conv1"].activation.name == "relu" and net["output"].activation.name == "identity"
    assert net.infer(np.zeros((2, 1, 28, 28), dtype=np.float32)).shape == (2, 10)
    assert nk.spec_of(net) == ISSUE_LINE


def test_layers_are_chosen_by_the_input_shape():
    net = nk.build("conv(4,3,padding=same),batchnorm,relu,avgpool(2),conv(6,(3,1),stride=(1,2)),globalavgpool,"
                   "batchnorm,dense(out)", input_shape=(3, 8, 10), outputs=2, seed=0)
    assert [(name, type(layer).__name__) for name, layer in net.layers.items()] == [
        ("conv1", "Conv2d"), ("batchnorm1", "BatchNorm2d"), ("activation1", "Activation"), ("pool1", "AvgPool2d"),
        ("conv2", "Conv2d"), ("pool2", "GlobalAvgPool2d"), ("batchnorm2", "BatchNorm"), ("output", "Dense")]
    # (3, 8, 10) -same-> (4, 8, 10) -avg 2-> (4, 4, 5) -(3,1) stride (1,2)-> (6, 2, 3) -global-> (6,)
    assert net["conv2"].output_shape((4, 4, 5)) == (6, 2, 3)
    assert (net["batchnorm1"].num_features, net["batchnorm2"].num_features, net["output"].in_features) == (4, 6, 6)
    seq = nk.build("conv(5,3,relu),maxpool(2),conv1d(4,2),avgpool(3,stride=1),flatten,dense(out)", input_shape=(2, 21),
                   outputs=3, seed=0)
    # 21 -3-> 19 -pool 2-> 9 -2-> 8 -avg 3 stride 1-> 6; 4·6 = 24
    assert [type(layer).__name__ for layer in seq] == ["Conv1d", "MaxPool1d", "Conv1d", "AvgPool1d", "Flatten",
                                                       "Dense"]
    assert seq["output"].in_features == 24


def test_text_models_infer_the_widths_and_take_the_vocabulary():
    net = nk.build("embedding(16,padding_idx=0),position,attention(4,causal=true),encoder(2,32,dropout=0.0),"
                   "seqmaxpool,dense(out)", input_shape=(10,), vocab_size=50, outputs=3, seed=0)
    assert list(net.layers) == ["embedding1", "position1", "attention1", "encoder1", "pool1", "output"]
    assert (net["embedding1"].num_embeddings, net["embedding1"].embedding_dim, net["embedding1"].padding_idx) == \
        (50, 16, 0)
    assert (net["position1"].max_len, net["position1"].embedding_dim) == (10, 16)
    assert (net["attention1"].embed_dim, net["attention1"].num_heads, net["attention1"].causal) == (16, 4, True)
    assert (net["encoder1"].d_model, net["encoder1"].num_heads) == (16, 2)
    assert net["output"].in_features == 16
    ids = np.array([[3, 4, 5, 0, 0, 0, 0, 0, 0, 0]] * 2)
    assert net.infer(ids).shape == (2, 3)
    line = "embedding(16,padding_idx=0),position(10),attention(4,causal=true),encoder(2,32,dropout=0.0),seqmaxpool," \
           "dense(3)"
    assert nk.spec_of(net) == line
    assert nk.build(line, input_shape=(10,), vocab_size=50, seed=0).config() == net.config()


@pytest.mark.parametrize("line, shape", [
    ("conv(8,3,relu,stride=2,padding=1,dilation=2,groups=2,bias=false),maxpool(3,stride=2,padding=1),flatten,"
     "dense(4)", (2, 9, 9)),
    ("conv(6,(3,5)),avgpool((2,1)),globalavgpool,dense(2,softmax)", (1, 7, 9)),
    ("conv(4,3,tanh),maxpool(2),flatten,dense(2,name=head)", (3, 12)),
    ("conv(4,3),batchnorm(momentum=0.2),gelu,leaky_relu(negative_slope=0.3),flatten,layernorm,dense(2)", (1, 5, 5)),
])
def test_round_trip_of_image_specs(line, shape):
    net = nk.build(line, input_shape=shape, seed=0)
    assert nk.spec_of(net) == line
    assert nk.build(nk.spec_of(net), input_shape=shape, seed=0).config() == net.config()


@pytest.mark.parametrize("name, shape, extra", [
    ("cnn", (1, 28, 28), {}), ("smallcnn", (1, 12, 12), {}), ("mlp", (1, 8, 8), {}), ("mlp", (13,), {}),
    ("textmean", (20,), {"vocab_size": 100}), ("transformer", (20,), {"vocab_size": 100}),
])
def test_every_named_architecture_builds(name, shape, extra):
    net = nk.build(name, input_shape=shape, outputs=4, seed=0, **extra)
    assert net.output_shape(shape) == (4,)
    X = np.ones((2, *shape), dtype=np.int64 if extra else np.float32)
    assert net.infer(X).shape == (2, 4)


IMAGE_AND_TEXT_ERRORS = [
    (dict(spec="conv(8,3)", input_shape=(784,)), ShapeError,
     "conv(8,3) at token 1 (col 1): conv takes images (C, H, W) or sequences (C, L); it gets (784,) per sample here"),
    (dict(spec="conv(8,3),dense(4)", input_shape=(1, 6, 6)), ShapeError,
     "dense(4) at token 2 (col 11): layer 'output' takes 128 inputs, one vector per sample; the layer before it gives "
     "(8, 4, 4) = 128 values: flatten it first"),
    (dict(spec="conv(8,3),flatten,dense(4,in_features=100)", input_shape=(1, 6, 6)), ShapeError,
     "layer 'output' takes 100 inputs; the layer before it gives (128,): use dense(..., in_features=128)"),
    (dict(spec="conv(8,5),conv(8,5)", input_shape=(1, 6, 6)), ShapeError, "conv(8,5) at token 2 (col 11): layer "
                                                                          "'conv2'"),
    (dict(spec="conv(8,3,in_channels=3)", input_shape=(1, 6, 6)), ShapeError,
     "conv(8,3,in_channels=3) at token 1 (col 1): layer 'conv1' needs"),
    (dict(spec="conv(8)", input_shape=(1, 6, 6)), ParameterError,
     "conv(8) at token 1 (col 1): conv needs kernel_size: conv(out_channels,kernel_size,activation)"),
    (dict(spec="dropout(0.1),activation", input_shape=(6,)), ParameterError,
     "activation at token 2 (col 14): activation needs activation: activation(activation)"),
    (dict(spec="conv2d(8,3)", input_shape=(1, 6)), ShapeError, "conv2d takes images (C, H, W); it gets (1, 6)"),
    (dict(spec="flatten,maxpool(2)", input_shape=(1, 6, 6)), ShapeError,
     "maxpool(2) at token 2 (col 9): maxpool takes images (C, H, W) or sequences (C, L); it gets (36,)"),
    (dict(spec="embedding(8),conv(4,3)", input_shape=(10,), vocab_size=20), ShapeError,
     "conv(4,3) at token 2 (col 14): conv takes channels first (C, L) or (C, H, W); it gets token vectors (L=10, D=8) "
     "from the layers before it"),
    (dict(spec="conv(4,3),seqmeanpool", input_shape=(2, 9)), ShapeError,
     "seqmeanpool at token 2 (col 11): seqmeanpool works on a sequence of token vectors (L, D), as embedding gives; it "
     "gets (4, 7) here"),
    (dict(spec="dense(4),embedding(8)", input_shape=(10,), vocab_size=20), ParameterError,
     "embedding(8) at token 2 (col 10): "),
    (dict(spec="embedding(8),dense(2)", input_shape=(10,)), ParameterError,
     "embedding(8) at token 1 (col 1): embedding needs the vocabulary size: build(..., vocab_size=N), or "
     "embedding(64, num_embeddings=N)"),
    (dict(spec="embedding(8),position(5)", input_shape=(10,), vocab_size=20), ShapeError,
     "position(5) at token 2 (col 14): layer 'position1'"),
    (dict(spec="embedding(8),attention(3)", input_shape=(10,), vocab_size=20), ParameterError,
     "attention(3) at token 2 (col 14): "),
    (dict(spec="position", input_shape=(10, 4)), ShapeError,
     "position at token 1 (col 1): position works on a sequence of token vectors (L, D)"),
    (dict(spec="embedding(8),flatten,layernorm(num_features=8)", input_shape=(4,), vocab_size=9), ShapeError,
     "layer 'layernorm1' normalises 8 features; the layer before it gives (32,): use layernorm(num_features=32)"),
]


@pytest.mark.parametrize("kwargs, kind, message", IMAGE_AND_TEXT_ERRORS)
def test_image_and_text_spec_errors(kwargs, kind, message):
    with pytest.raises(kind) as error:
        nk.build(kwargs.pop("spec"), **kwargs, seed=0)
    assert message in str(error.value)


def test_fit_a_tiny_cnn_built_from_a_spec_on_4d_images():
    rng = np.random.default_rng(0)
    n = 160
    y = rng.integers(0, 2, n)
    X = rng.normal(0.0, 0.3, (n, 1, 8, 8)).astype(np.float32)
    X[y == 0, 0, 2:6, 1:3] += 2.0  # a bright bar on the left ...
    X[y == 1, 0, 2:6, 5:7] += 2.0  # ... or on the right
    net = nk.build("conv(4,3,relu),maxpool(2),flatten,dense(out,softmax)", input_shape=(1, 8, 8), outputs=2, seed=0)
    history = nk.fit(net, X[:120], y[:120], epochs=15, batch_size=16, lr=0.01, seed=0, progress=False)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert nk.training.evaluate(net, X[120:], y[120:])["accuracy"] >= 0.95
    assert nk.training.predict(net, X[120:]).shape == (40, 2)
    with pytest.raises(ShapeError, match=r"layer 'conv1' needs input \(N, C=1, H, W\)"):
        nk.fit(net, X[:, :, :, :].repeat(3, axis=1), y, progress=False)


def test_fit_a_text_model_on_float_ids_exactly_as_on_integer_ids():
    rng = np.random.default_rng(1)
    ids = rng.integers(1, 12, (48, 6))
    y = (ids == 3).any(axis=1).astype(np.int64)
    spec = "embedding(8,padding_idx=0),seqmeanpool,dense(out,softmax)"
    a = nk.build(spec, input_shape=(6,), vocab_size=12, outputs=2, seed=0)
    b = nk.build(spec, input_shape=(6,), vocab_size=12, outputs=2, seed=0)
    ha = nk.fit(a, ids, y, epochs=3, batch_size=8, seed=0, progress=False)
    hb = nk.fit(b, ids.astype(np.float64), y, epochs=3, batch_size=8, seed=0, progress=False)
    assert ha["loss"] == hb["loss"]
    np.testing.assert_array_equal(a["embedding1"].weight.data, b["embedding1"].weight.data)
    with pytest.raises(nk.errors.DataError, match=r"fit: X holds token ids for layer 'embedding1' \(Embedding\), "
                                                  r"which has ids 0\.\.11 \(num_embeddings=12\); got id 12"):
        nk.fit(a, ids + 1, y, progress=False)


def test_an_unknown_single_word_lists_the_architectures():
    with pytest.raises(nk.errors.UnknownNameError) as error:
        nk.build("cnnn", input_shape=(1, 28, 28), outputs=10)
    assert str(error.value).startswith("unknown architecture or layer 'cnnn'; the architectures are: cnn, smallcnn, "
                                       "mlp, textmean, textcnn, transformer, snn; the layers: dense, dropout")
    assert str(error.value).endswith("did you mean 'cnn'?")


def test_output_agrees_with_an_activation_layer_ending_the_spec():
    net = nk.build("dense(out),softmax", input_shape=(2,), outputs=3, output="Softmax", seed=0)
    assert [type(layer).__name__ for layer in net] == ["Dense", "Activation"]
    assert net["output"].activation.name == "identity"  # not a second softmax
    with pytest.raises(ParameterError, match=r"^softmax at token 2 \(col 12\): the spec ends in the activation "
                                             r"'softmax' but build\(\.\.\., output='sigmoid'\) asks for another"):
        nk.build("dense(out),softmax", input_shape=(2,), outputs=3, output="sigmoid")


def test_spec_of_a_saved_and_loaded_model(tmp_path):
    net = nk.build("smallcnn", input_shape=(1, 10, 10), outputs=3, seed=0)
    nk.save(net, tmp_path / "cnn.nkm")
    loaded = nk.load(tmp_path / "cnn.nkm")
    assert nk.spec_of(loaded) == "conv(16,3,relu),maxpool(2),conv(32,3,relu),maxpool(2),flatten,dense(3)"
