"""The named families of the core (activations, initialisers, losses, metrics) share one registry.

One name normalisation (case, spaces, ``-`` and ``_`` ignored), one message for an unknown
name (the valid names and the closest one), options checked by name. Metrics take anything
``numpy.asarray`` takes (lists, pandas) and give scikit-learn's values.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import neuronkit as nk
from neuronkit import activations, init, losses, metrics
from neuronkit.errors import NeuronkitError, ParameterTypeError, ShapeError, UnknownNameError
from neuronkit.registry import Registry

FAMILIES = [  # (registry, lookup, a canonical name, other spellings of it, a misspelling, its suggestion)
    (activations.ACTIVATIONS, activations.get_activation, "leaky_relu", ["Leaky-ReLU", "LEAKY RELU", "leakyrelu"],
     "leaky_rleu", "leaky_relu"),
    (init.INITIALIZERS, init.get_initializer, "he_normal", ["He-Normal", "HENORMAL", "he normal", "kaiming"],
     "he_normall", "he_normal"),
    (losses.LOSSES, losses.get_loss, "cross_entropy", ["Cross-Entropy", "crossentropy", "CE", "log_loss"],
     "cross_entropyy", "cross_entropy"),
    (metrics.METRICS, metrics.get_metric, "r2", ["R2", "R2-Score", "r2_score"], "accuracyy", "accuracy"),
]
IDS = ["activation", "initializer", "loss", "metric"]


@pytest.mark.parametrize(("registry", "lookup", "name", "spellings", "typo", "suggestion"), FAMILIES, ids=IDS)
def test_every_spelling_finds_the_same_entry(registry, lookup, name, spellings, typo, suggestion):
    assert isinstance(registry, Registry)
    assert all(registry.canonical(s) == name for s in spellings)
    first = lookup(name)
    for spelling in spellings:
        found = lookup(spelling)
        assert found is first or type(found) is type(first)  # functions are shared, classes instantiated anew


@pytest.mark.parametrize(("registry", "lookup", "name", "spellings", "typo", "suggestion"), FAMILIES, ids=IDS)
def test_an_unknown_name_lists_the_valid_names_and_suggests_the_closest(registry, lookup, name, spellings, typo,
                                                                        suggestion):
    with pytest.raises(UnknownNameError) as info:
        lookup(typo)
    text = str(info.value)
    assert text.startswith(f"unknown {registry.kind} {typo!r}; valid names are: ")
    assert all(n in text for n in registry.names())
    assert text.endswith(f"did you mean {suggestion!r}?")
    assert info.value.suggestion == suggestion and info.value.valid == tuple(registry.names())
    assert isinstance(info.value, ValueError) and isinstance(info.value, NeuronkitError)


def test_the_public_names_over_the_registries_still_work():
    assert activations.available() == sorted(activations.ACTIVATIONS.names())
    assert "relu" in activations.ACTIVATIONS and activations.ACTIVATIONS["ReLU"] is activations.ReLU
    assert activations.ALIASES["logistic"] == "sigmoid" and activations.ACTIVATIONS.canonical("logistic") == "sigmoid"
    assert activations.ACTIVATIONS.canonical("swish") == "swish"  # the learnable-β swish (issue 16), not silu
    assert losses.LOSSES["mse"] is losses.MSE and losses.available() == sorted(losses.LOSSES)
    assert dict(init.INITIALIZERS.items())["orthogonal"] is init.orthogonal
    assert metrics.canonical_name("Acc") == "accuracy" and metrics.get_metric("mean-squared-error") is metrics.mse


def test_registering_a_new_activation_and_loss(monkeypatch):
    for module, attribute in ((activations, "ACTIVATIONS"), (losses, "LOSSES")):  # registered for this test only
        monkeypatch.setattr(module, attribute, copy.deepcopy(getattr(module, attribute)))

    class Cube(activations.Activation):
        name, formula = "test_cube", "z^3"

        def forward(self, z):
            return z * z * z

    class Quartic(losses.Loss):
        name = "test_quartic"

        def elementwise(self, prediction, target):
            d = prediction - target
            return d * d * d * d

    activations.register("test_cube", Cube, aliases=("test_cubed",))
    losses.register("test_quartic", Quartic)
    assert nk.get_activation("Test-Cubed")(nk.Tensor([2.0])).item() == 8.0
    assert nk.Dense(1, 1, activation="test_cube", seed=0).activation.name == "test_cube"
    assert nk.get_loss("TEST_QUARTIC")(nk.Tensor([3.0]), [1.0]).item() == 16.0
    with pytest.raises(UnknownNameError, match="'test_cube' is already taken by 'test_cube'"):
        activations.register("test_cube2", Cube, aliases=("test_cube",))
    with pytest.raises(ParameterTypeError, match="must be an Activation subclass"):
        activations.register("test_fn", lambda z: z)  # type: ignore[arg-type]


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda: nk.get_activation("leaky_relu", slope=0.1),
     "activation 'leaky_relu' has no option 'slope'; its options are: negative_slope"),
    (lambda: nk.get_activation("relu", alpha=1.0), "activation 'relu' has no option 'alpha'; it takes no options"),
    (lambda: nk.get_loss("huber", beta=1.0), "loss 'huber' has no option 'beta'; its options are: delta"),
    (lambda: init.get_initializer("normal", sigma=1.0),
     "initializer 'normal' has no option 'sigma'; its options are: mean, std"),
])
def test_an_unknown_option_names_the_options_there_are(call, fragment):
    with pytest.raises(ParameterTypeError) as info:
        call()
    assert fragment in str(info.value)


def test_configs_and_classes_are_accepted_where_names_are():
    elu = nk.get_activation({"name": "ELU", "alpha": 0.5})
    assert elu.alpha == 0.5 and nk.get_activation(elu.config()) == elu
    assert nk.get_activation(activations.ELU, alpha=0.25).alpha == 0.25
    assert nk.get_loss({"name": "Huber", "delta": 2.0}).delta == 2.0
    assert nk.get_loss(losses.Huber, delta=3.0).delta == 3.0
    w = init.get_initializer("Constant", value=0.5)((2, 3), None)
    np.testing.assert_array_equal(w, np.full((2, 3), 0.5, dtype=np.float32))


# ---------------------------------------------------------------- metrics
Y_CLASS = np.array([0, 1, 2, 2, 1, 0, 2, 1])
P_CLASS = np.array([0, 2, 2, 1, 1, 0, 2, 0])
Y_REG = np.array([[1.0, -2.0], [0.5, 0.0], [3.0, 1.5], [-1.0, 2.5]])
P_REG = np.array([[1.5, -1.0], [0.0, 0.5], [2.0, 1.0], [-0.5, 3.5]])
REFERENCE = {  # our metric -> scikit-learn's
    "accuracy": skm.accuracy_score, "balanced_accuracy": skm.balanced_accuracy_score, "r2": skm.r2_score,
    "mse": skm.mean_squared_error, "mae": skm.mean_absolute_error,
    "rmse": lambda y, p: np.sqrt(skm.mean_squared_error(y, p)),
}


def test_every_metric_has_a_reference():
    assert set(REFERENCE) == set(metrics.METRICS)


@pytest.mark.parametrize("name", sorted(REFERENCE))
@pytest.mark.parametrize("form", ["numpy", "list", "pandas"])
def test_metrics_equal_scikit_learn_for_arrays_lists_and_pandas(name, form):
    y, p = (Y_CLASS, P_CLASS) if name.endswith("accuracy") else (Y_REG, P_REG)
    expected = REFERENCE[name](y, p)
    if form == "list":
        y, p = y.tolist(), p.tolist()
    elif form == "pandas":  # a Series (classes) or DataFrame (outputs), with an index that is not 0..n-1
        index = np.arange(len(y))[::-1] + 100
        y = pd.Series(y, index=index) if y.ndim == 1 else pd.DataFrame(y, index=index, columns=["a", "b"])
        p = pd.Series(p, index=index) if p.ndim == 1 else pd.DataFrame(p, index=index, columns=["a", "b"])
    assert metrics.get_metric(name)(y, p) == pytest.approx(expected, rel=1e-12)


def test_metrics_on_one_output_take_a_column_or_a_vector():
    y, p = Y_REG[:, 0], P_REG[:, 0]
    assert metrics.r2(y[:, None], pd.Series(p)) == pytest.approx(skm.r2_score(y, p), rel=1e-12)
    assert metrics.mse(pd.DataFrame({"t": y}), p) == pytest.approx(skm.mean_squared_error(y, p), rel=1e-12)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_metrics_refuse_different_lengths(name):
    y, p = (Y_CLASS, P_CLASS[:-1]) if name.endswith("accuracy") else (Y_REG, P_REG[:-1])
    with pytest.raises(ShapeError, match=f"metric '{name}': y_true has {len(y)} samples but y_pred has {len(p)}"):
        metrics.get_metric(name)(y, p)


def test_a_regression_metric_refuses_predictions_of_another_width():
    with pytest.raises(ShapeError, match=r"y_true has shape \(4, 2\) but y_pred has shape \(4, 3\)"):
        metrics.mse(Y_REG, np.zeros((4, 3)))


def test_labels_may_be_strings_and_a_diverged_model_still_gets_a_score():
    assert metrics.accuracy(["cat", "dog", "cat"], pd.Series(["cat", "cat", "cat"])) == pytest.approx(2 / 3)
    assert np.isnan(metrics.mse([1.0, 2.0], [np.nan, 1.0]))  # NaN predictions score NaN, they do not raise


def test_the_same_name_for_another_entry_is_refused_but_a_reimport_may_register_again():
    from neuronkit.errors import UnknownNameError
    from neuronkit.registry import Registry

    reg = Registry("thing")

    def first():
        return 1

    reg.register("one", first)
    reg.register("one", first)  # the same object again: nothing changes
    with pytest.raises(UnknownNameError, match="'one' is already taken by another entry"):
        reg.register("one", lambda: 2)
    assert reg.get("one") is first

    def again():  # what a module imported a second time defines: the same module and qualified name
        return 1

    again.__qualname__ = first.__qualname__
    reg.register("one", again)
    assert reg.get("one") is again
    reg.register("one", lambda: 3, replace=True)
    assert reg.get("one")() == 3
