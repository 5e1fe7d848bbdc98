"""Issue 10, the small core API: right answers or clear refusals.

A second backward() through a freed graph, metrics given labels of different lengths or
shapes, Tensor(None) and complex numbers, a Neuron given non-finite inputs, and the
``top``/``raw``/``names`` options of Neuron.explain.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import metrics
from neuronkit.errors import DataError, GraphError, ParameterError, ParameterTypeError, ShapeError


# ------------------------------------------------------------------ backward twice
def test_second_backward_through_a_freed_graph_raises_like_pytorch():
    x = nk.Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(GraphError, match="backward through the graph a second time.*retain_graph=True"):
        loss.backward()
    assert x.grad.tolist() == [2.0, 4.0]  # the refused call changed nothing


def test_backward_through_a_result_whose_graph_was_freed_raises_before_touching_any_gradient():
    x = nk.Tensor([1.0, 2.0], requires_grad=True)
    w = nk.Tensor([3.0, 4.0], requires_grad=True)
    h = x * 2.0
    (h * h).sum().backward()
    w.grad = None
    with pytest.raises(GraphError, match="second time"):
        (h * w).sum().backward()
    assert w.grad is None


def test_retain_graph_keeps_the_graph_and_gradients_accumulate():
    x = nk.Tensor([3.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward(retain_graph=True)
    loss.backward()
    assert x.grad.tolist() == [18.0]  # 3 × 2x at x = 3
    with pytest.raises(GraphError):
        loss.backward()
    with pytest.raises(ParameterTypeError, match="retain_graph must be True or False; got 'yes'"):
        (x * 1.0).sum().backward(retain_graph="yes")


def test_training_still_works_after_the_change():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    history = nk.fit(nk.mlp([2, 4, 2], output="softmax", seed=0), X, y, epochs=3, seed=0, progress=False)
    assert len(history.history["loss"]) == 3


# ------------------------------------------------------------------ metrics
@pytest.mark.parametrize("name", ["accuracy", "balanced_accuracy", "r2", "mse", "rmse", "mae"])
@pytest.mark.parametrize("y_true, y_pred", [([1, 2, 3, 4], [1]), ([1, 2, 3, 4], [[1, 2, 3, 4]]),
                                            ([[1, 2], [3, 4]], [1, 2, 3, 4]), ([1, 2, 3, 4], [1, 2, 3])])
def test_every_metric_refuses_labels_of_different_length_or_shape(name, y_true, y_pred):
    with pytest.raises(ShapeError, match=f"metric '{name}'"):
        metrics.get_metric(name)(y_true, y_pred)


def test_label_metrics_refuse_a_row_that_flattening_would_accept():  # was 1.0: (1, 4) flattened to 4 labels
    with pytest.raises(ShapeError, match=r"y_pred must hold one label per sample.*got shape \(1, 4\)"):
        metrics.accuracy([1, 2, 3, 4], [[1, 2, 3, 4]])
    with pytest.raises(ShapeError, match=r"y_true .*got shape \(2, 2\).*argmax"):
        metrics.balanced_accuracy([[1, 0], [0, 1]], [0, 1, 1, 0])


def test_label_metrics_keep_columns_and_multilabel_tables():
    assert metrics.accuracy([0, 1, 1], [[0], [1], [0]]) == pytest.approx(2 / 3)
    assert metrics.accuracy([[1, 0], [0, 1]], [[1, 0], [1, 1]]) == 0.75  # 2 labels per sample, 3 of 4 right


@pytest.mark.parametrize("name", ["accuracy", "balanced_accuracy", "r2", "mse", "rmse", "mae"])
def test_every_metric_refuses_complex_values(name):
    with pytest.raises(DataError, match="complex"):
        metrics.get_metric(name)([1, 2], [1 + 1j, 2])


def test_label_metrics_refuse_text_against_numbers():  # was 0.0: nothing could ever match
    with pytest.raises(DataError, match="y_true holds text labels but y_pred holds numbers"):
        metrics.accuracy(["cat", "dog"], [0, 1])


# ------------------------------------------------------------------ Tensor
@pytest.mark.parametrize("value", [None, [1.0, None], np.array([2.0, None], dtype=object)])
def test_tensor_refuses_none(value):  # was Tensor(nan)
    with pytest.raises(ParameterTypeError, match="None.*NaN"):
        nk.Tensor(value)


@pytest.mark.parametrize("value", [np.array([1 + 2j]), 1 + 2j, np.complex64(1), [np.array(1j)],
                                   np.array([1j], dtype=np.complex64)])
def test_tensor_refuses_complex_numbers(value):  # was: imaginary part dropped with NumPy's ComplexWarning
    with pytest.raises(ParameterTypeError, match="complex values.*imaginary"):
        nk.Tensor(value)
    with pytest.raises(ParameterTypeError, match="complex values"):
        nk.Tensor(value, dtype=np.float64)


def test_tensor_operations_refuse_complex_operands():
    t = nk.Tensor([1.0, 2.0], requires_grad=True)
    for other in (1j, np.array([1j, 2.0]), np.complex128(1)):
        with pytest.raises(ParameterTypeError, match="complex values"):
            t * other
    with pytest.raises(ParameterTypeError, match="complex values"):
        np.array([1j, 1.0]) + t


@pytest.mark.parametrize("X", [np.array([[1 + 1j, 2.0]]), [[1j, 2.0]]])
def test_public_entry_points_refuse_complex_inputs(X):
    net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    with pytest.raises((ParameterTypeError, DataError), match="complex"):
        nk.fit(net, X, [0], epochs=1, progress=False)
    with pytest.raises((ParameterTypeError, DataError), match="complex"):
        net(X)
    with pytest.raises((ParameterTypeError, DataError), match="complex"):
        nk.Neuron([1.0, 2.0])(X[0])


def test_tensor_keeps_its_ordinary_inputs():
    assert nk.Tensor(np.array([1.0, 2.0])).dtype == np.float64
    assert nk.Tensor([1, 2]).dtype == np.float32
    assert nk.Tensor(np.array([True, False])).data.tolist() == [1.0, 0.0]
    assert nk.Tensor(np.array([1.5, 2], dtype=object)).data.tolist() == [1.5, 2.0]
    assert nk.Tensor(np.float64(2.5), dtype=np.float64).item() == 2.5
    with pytest.raises(ParameterTypeError, match="cannot turn into numbers"):
        nk.Tensor(["a"])


# ------------------------------------------------------------------ Neuron
@pytest.mark.parametrize("x, where", [([np.nan, 1.0], "x1 = nan"), ([1.0, np.inf], "x2 = inf"),
                                      ([-np.inf, np.nan], "x1 = -inf, x2 = nan")])
def test_neuron_refuses_non_finite_inputs(x, where):  # was: printed nan
    n = nk.Neuron([0.8, 0.6], bias=0.2, activation="relu")
    for call in (n, n.explain):
        with pytest.raises(ParameterError, match=f"Neuron: the input must hold finite numbers; got {where}"):
            call(x)


def test_a_layers_neuron_refuses_non_finite_inputs_too():
    net = nk.mlp([2, 3, 1], seed=0)
    with pytest.raises(ParameterError, match=r"hidden1\[1\]: the input must hold finite numbers; got x2 = nan"):
        net["hidden1"].neurons[1].explain([0.0, np.nan])


def _lines(text):
    return str(text).splitlines()


def test_explain_top_lists_the_largest_products_and_how_many_more():
    w = [0.1, -2.0, 0.5, 0.01, 1.0]
    e = nk.Neuron(w, bias=0.25, activation="identity").explain([1.0, 1.0, 1.0, 1.0, 1.0], top=2)
    assert _lines(e) == [
        "neuron (identity) on input x (5 values; the 2 largest products |wi·xi| shown)",
        "  1. products     w2·x2 = -2 × 1 = -2",
        "                  w5·x5 = 1 × 1 = 1",
        "                  … 3 more, together 0.61",
        "  2. sum          Σ wi·xi = -0.39",
        "  3. add bias     z = -0.39 + 0.25 = -0.14   (the activation potential)",
        "  4. activation   identity(z) = z = -0.14",
        "  5. output       -0.14",
    ]
    assert e.output == pytest.approx(-0.14) and len(e.products) == 5  # the data stays complete
    assert "more" not in str(nk.Neuron(w).explain([1.0] * 5, top=5))


def test_explain_default_output_is_unchanged():
    text = str(nk.Neuron(weights=[0.8, 0.6], bias=0.2, activation="relu").explain([0.5, 0.3]))
    assert text.splitlines()[:3] == ["neuron (relu) on input x = [0.5, 0.3]",
                                     "  1. products     w1·x1 = 0.8 × 0.5 = 0.4",
                                     "                  w2·x2 = 0.6 × 0.3 = 0.18"]


def test_explain_shows_raw_values_and_names_next_to_the_scaled_input():
    n = nk.Neuron(weights=[0.8, 0.6], bias=0.2, activation="relu")
    lines = _lines(n.explain([0.5, 0.3], raw=[5.1, 1.4], names=["sepal length", "petal width"]))
    assert lines[0] == ("neuron (relu) on input x = [0.5, 0.3]; x is the scaled input, raw = the value before "
                        "scaling")
    assert lines[1] == "  1. products     w1·x1 = 0.8 × 0.5 = 0.4   (x1: sepal length, raw 5.1)"
    assert lines[2] == "                  w2·x2 = 0.6 × 0.3 = 0.18   (x2: petal width, raw 1.4)"
    data = n.explain([0.5, 0.3], raw=[5.1, 1.4], names=["a", "b"]).to_dict()
    assert data["raw_inputs"] == [5.1, 1.4] and data["input_names"] == ["a", "b"] and data["inputs"] == [0.5, 0.3]


def test_explanation_annotated_works_on_a_layers_neuron():
    net = nk.mlp([3, 2, 1], seed=0)
    e = net["hidden1"].neurons[0].explain([1.0, 2.0, 3.0]).annotated(top=1, names=["a", "b", "c"])
    assert "… 2 more" in str(e) and "(x" in _lines(e)[1]


@pytest.mark.parametrize("kwargs, match", [({"top": 0}, "top must be an integer >= 1; got 0"),
                                           ({"top": 1.5}, "top must be an integer"),
                                           ({"raw": [1.0]}, r"raw must hold the 2 unscaled input values"),
                                           ({"names": ["a"]}, "names must be a list of 2 input names"),
                                           ({"names": "ab"}, "names must be a list of 2 input names")])
def test_explain_refuses_bad_display_options(kwargs, match):
    with pytest.raises((ParameterError, ParameterTypeError), match=match):
        nk.Neuron([0.8, 0.6]).explain([0.5, 0.3], **kwargs)


def test_backward_refuses_a_complex_or_none_gradient():  # was NumPy's ComplexWarning, or a NaN gradient
    x = nk.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ParameterTypeError, match="complex values"):
        (x * 2.0).backward(np.array([1j, 1.0]))
    with pytest.raises(ParameterTypeError, match="None"):
        (x * 2.0).backward([None, 1.0])
    assert x.grad is None
    (x * 2.0).backward(nk.Tensor([1.0, 0.5]))
    assert x.grad.tolist() == [2.0, 1.0]
