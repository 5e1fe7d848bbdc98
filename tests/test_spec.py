"""The architecture spec (``nk.build``, ``spec_of``, ARCHITECTURES) and the shape plumbing under it.

The plumbing: ``Module.output_shape`` (per-sample shapes, errors naming the layer and the
shape), the ``name_prefix``/``input_kind``/``takes_mask`` class attributes, and the stable
layer names a Sequential gives (``hidden1``…``output``, ``dropout1``, ``batchnorm1``, …).
"""

from __future__ import annotations

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
