"""The dashboard's views: the numbers the page shows, checked against the library's own functions, a hand
computation, finite differences and the network's own forward pass."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.dashboard.views import (
    conv_view,
    encode_u8,
    graph,
    grid_points,
    layer_health,
    neuron_card,
    points,
    raster,
    response_maps,
    round_sig,
    run_info,
)
from neuronkit.errors import ParameterError


def decode(text: str, vmin: float, vmax: float) -> np.ndarray:
    q = np.frombuffer(base64.b64decode(text), dtype=np.uint8).astype(np.float64)
    return vmin + q / 255.0 * (vmax - vmin)


def json_ready(value) -> None:
    json.dumps(value, allow_nan=False)  # raises on NaN and on NumPy scalars


def moons(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (np.arange(n) % 3).astype(np.int64)
    X[:, 0] += y  # three loosely separated clusters
    return X, y


# ------------------------------------------------------------------------------ helpers
def test_round_sig_keeps_four_significant_digits_and_turns_non_finite_into_none():
    assert round_sig(3.14159) == 3.142
    assert round_sig(-0.000123456) == -0.0001235
    assert round_sig(123456.0) == 123500.0
    assert round_sig(0.0) == 0.0
    assert round_sig(2.5e-12, 2) == 2.5e-12
    assert round_sig(float("inf")) is None
    values = np.array([[1.23456, -9.87654e5], [np.nan, 0.1]])
    out = round_sig(values)
    assert out == [[1.235, -987700.0], [None, 0.1]]
    assert json.dumps(round_sig(np.float32(0.1))) == "0.1"  # the float32 value printed short
    with pytest.raises(ParameterError):
        round_sig(1.0, 0)


def test_encode_u8_round_trips_within_half_a_step():
    rng = np.random.default_rng(1)
    values = rng.uniform(-3.0, 5.0, size=1000)
    back = decode(encode_u8(values, -3.0, 5.0), -3.0, 5.0)
    assert np.max(np.abs(back - values)) <= 8.0 / 510 + 1e-12
    assert list(base64.b64decode(encode_u8([-10.0, 10.0, np.nan], 0.0, 1.0))) == [0, 255, 0]
    assert list(base64.b64decode(encode_u8([1.0, 2.0], 1.0, 1.0))) == [0, 0]  # no range: all zeros


def test_grid_points_run_row_by_row_from_the_top():
    pts = grid_points([-1.0, 1.0, 0.0, 4.0], 3)
    assert pts[0].tolist() == [-1.0, 4.0] and pts[2].tolist() == [1.0, 4.0]
    assert pts[3].tolist() == [-1.0, 2.0] and pts[-1].tolist() == [1.0, 0.0]


# ------------------------------------------------------------------------------ the neuron card
def hand_net():
    """2 -> 2 relu -> 2 softmax with round weights (float64), so the arithmetic can be done by hand."""
    net = nk.mlp([2, 2, 2], output="softmax", seed=0, dtype=np.float64)
    net["hidden1"].weight.data[:] = [[0.8, 0.6], [-1.0, 2.0]]
    net["hidden1"].bias.data[:] = [0.2, -0.5]
    net["output"].weight.data[:] = [[1.0, -1.0], [0.5, 0.25]]
    net["output"].bias.data[:] = [0.0, 0.1]
    return net


def test_card_explanation_is_the_neurons_own_and_matches_a_hand_computation():
    net = hand_net()
    X = np.array([[0.5, 0.3], [1.0, -1.0], [2.0, 1.0]])
    y = np.array([0, 1, 0])
    info = run_info(net, {"X": X, "y": y})
    card = neuron_card(net, info, {"X": X, "y": y}, "hidden1", 0, sample=0, step=7)
    json_ready(card)
    e = card["explanation"]
    # by hand: z = 0.8·0.5 + 0.6·0.3 + 0.2 = 0.78, relu -> 0.78
    assert e["products"] == pytest.approx([0.4, 0.18])
    assert e["weighted_sum"] == pytest.approx(0.58)
    assert e["z"] == pytest.approx(0.78) and e["output"] == pytest.approx(0.78)
    own = net["hidden1"].neurons[0].explain(X[0])
    assert (e["inputs"], e["weights"], e["products"]) == (list(own.inputs), list(own.weights), list(own.products))
    assert (e["weighted_sum"], e["bias"], e["z"], e["output"]) == (own.weighted_sum, own.bias, own.z, own.output)
    assert e["text"] == str(own) and e["formula"] == own.formula
    assert card["name"] == "hidden1[0]" and card["bias"] == 0.2 and card["weights"] == [0.8, 0.6]
    assert card["step"] == 7 and card["sample"] == {"index": 0, "label": "0", "raw": [0.5, 0.3], "input": [0.5, 0.3]}
    # the output neuron sees the hidden layer's outputs: relu([0.78, -0.9]) = [0.78, 0]
    card = neuron_card(net, info, {"X": X, "y": y}, "output", 1, sample=0)
    assert card["explanation"]["inputs"] == pytest.approx([0.78, 0.0])
    assert card["explanation"]["z"] == pytest.approx(0.5 * 0.78 + 0.1)
    own = net["output"].neurons[1].explain(np.array([0.78, 0.0]))
    assert card["explanation"]["output"] == pytest.approx(own.output)


def test_card_statistics_agree_with_the_library():
    X, y = moons(200)
    net = nk.mlp([2, 6, 3], output="softmax", seed=3)
    info = run_info(net, {"X": X, "y": y})
    card = neuron_card(net, info, {"X": X, "y": y, "X_raw": X * 10.0}, "hidden1", 4, sample=17)
    json_ready(card)
    out = np.maximum(X @ net["hidden1"].weight.data[4].astype(np.float64) + net["hidden1"].bias.data[4], 0)
    assert card["firing_rate"] == pytest.approx(np.mean(out > 0), abs=1e-6)
    report = nk.inspect.health(net, X)
    assert card["health"]["active_fraction"] == pytest.approx(report.layers["hidden1"].firing_rate[4])
    assert card["health"]["mean"] == pytest.approx(report.layers["hidden1"].mean_activation[4], rel=1e-3)
    top = nk.inspect.top_activating(net, X, "hidden1[4]", k=8)
    assert [t["index"] for t in card["top"]] == top.indices.tolist()
    assert [t["value"] for t in card["top"]] == pytest.approx(top.values, rel=1e-3)
    assert card["top"][0]["label"] == str(y[top.indices[0]]) and card["top"][0]["image"] is None
    assert card["sample"]["raw"] == pytest.approx(X[17] * 10.0, rel=1e-3)
    attribution = nk.inspect.attribute(net, X[17:18], "grad_x_input", neuron="hidden1[4]", output="activation")
    assert card["attributions"]["values"] == pytest.approx(attribution[0], rel=1e-3, abs=1e-9)
    assert card["attributions"]["names"] == ["x1", "x2"]
    # the neuron's response map at grid 64 is its output over the plane
    m = card["map"]
    assert m["grid"] == 64 and m["index"] == 4
    pts = grid_points(m["extent"], 64)
    truth = np.maximum(pts @ net["hidden1"].weight.data[4].astype(np.float64) + net["hidden1"].bias.data[4], 0)
    step = (m["max"] - m["min"]) / 510
    assert np.max(np.abs(decode(m["data"], m["min"], m["max"]) - truth)) <= step + 1e-3 * abs(m["max"])


def test_a_dead_neuron_is_flagged_in_the_graph_and_on_its_card():
    X, y = moons(60)
    net = nk.mlp([2, 4, 3], output="softmax", seed=0)
    net["hidden1"].bias.data[1] = -100.0
    info = run_info(net, {"X": X, "y": y})
    g = graph(net, info, X_sample=X)
    hidden = g["layers"][1]
    assert hidden["flags"][1] == ["dead"] and hidden["flags"][0] == []
    assert hidden["mean_act"][1] == 0.0
    card = neuron_card(net, info, {"X": X, "y": y}, "hidden1", 1)
    assert card["health"]["flags"] == ["dead"] and card["firing_rate"] == 0.0
    assert layer_health(net, X)["hidden1"] == {"dead": 0.25, "saturated": 0.0}


def test_saturated_tanh_neurons_are_counted():
    X = np.full((30, 2), 50.0)
    net = nk.mlp([2, 3, 2], activation="tanh", output="softmax", seed=0)
    net["hidden1"].weight.data[:] = [[1.0, 1.0], [0.0, 0.0], [-1.0, 0.0]]
    health = layer_health(net, X)
    assert health["hidden1"]["saturated"] == pytest.approx(2 / 3)
    info = run_info(net, {"X": X, "y": np.zeros(30, dtype=int)})
    assert [f for f in graph(net, info, X_sample=X)["layers"][1]["flags"]] == [["saturated"], [], ["saturated"]]


@pytest.mark.parametrize(("layer", "index", "sample"), [("nope", 0, 0), ("hidden1", 4, 0), ("hidden1", -1, 0),
                                                       ("hidden1", 0, 60), ("hidden1", True, 0)])
def test_bad_layer_index_or_sample_is_refused_naming_the_valid_range(layer, index, sample):
    X, y = moons(60)
    net = nk.mlp([2, 4, 3], output="softmax", seed=0)
    info = run_info(net, {"X": X, "y": y})
    with pytest.raises(ParameterError) as caught:
        neuron_card(net, info, {"X": X, "y": y}, layer, index, sample=sample)
    message = str(caught.value)
    if layer == "nope":
        assert "hidden1, output" in message
    elif sample == 60:
        assert "0..59" in message
    else:
        assert "0..3" in message


# ------------------------------------------------------------------------------ the graph
def test_graph_pages_a_wide_layer_and_its_weights_follow():
    net = nk.mlp([2, 40, 40, 3], output="softmax", seed=0)
    X, y = moons(50)
    info = run_info(net, {"X": X, "y": y})
    g = graph(net, info, pages={"hidden1": 2, "hidden2": 1}, X_sample=X)
    json_ready(g)
    names = [lay["name"] for lay in g["layers"]]
    assert names == ["input", "hidden1", "hidden2", "output"]
    h1, h2, out = g["layers"][1], g["layers"][2], g["layers"][3]
    assert (h1["units"], h1["page"], h1["pages"], h1["shown"]) == (40, 2, 3, list(range(32, 40)))
    assert h2["shown"] == list(range(16, 32))
    W1, W2 = net["hidden1"].weight.data, net["hidden2"].weight.data
    assert np.shape(h1["w"]) == (8, 2) and h1["w"] == round_sig(W1[32:40])
    assert np.shape(h2["w"]) == (16, 8) and h2["w"] == round_sig(W2[16:32, 32:40])
    assert np.shape(out["w"]) == (3, 16) and out["w"] == round_sig(net["output"].weight.data[:, 16:32])
    assert h2["w_absmax"] == round_sig(np.abs(W2).max())
    hidden = np.maximum(X @ W1.T.astype(np.float64) + net["hidden1"].bias.data, 0)
    assert h1["mean_act"] == pytest.approx(hidden.mean(axis=0)[32:40], rel=1e-3, abs=1e-6)
    assert g["layers"][0]["labels"] == ["x1", "x2"] and g["layers"][0]["w"] is None
    # a page past the end shows the last page
    assert graph(net, info, pages={"hidden1": 9})["layers"][1]["shown"] == list(range(32, 40))


# ------------------------------------------------------------------------------ response maps
def test_response_maps_decode_to_the_networks_own_forward_pass():
    X, y = moons(150)
    net = nk.mlp([2, 8, 8, 3], activation="tanh", output="softmax", seed=2)
    info = run_info(net, {"X": X, "y": y})
    maps = response_maps(net, info, X, shown={"hidden1": [5], "hidden2": [0, 7]}, grid=30)
    json_ready(maps)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (hi - lo)
    assert maps["extent"] == pytest.approx([lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1]],
                                           rel=1e-5)
    pts = grid_points(maps["extent"], 30)
    h1 = np.tanh(pts @ net["hidden1"].weight.data.T.astype(np.float64) + net["hidden1"].bias.data)
    h2 = np.tanh(h1 @ net["hidden2"].weight.data.T.astype(np.float64) + net["hidden2"].bias.data)
    for layer, values in (("hidden1", h1), ("hidden2", h2)):
        for m in maps["neurons"][layer]:
            truth = values[:, m["index"]]
            assert m["min"] == pytest.approx(truth.min(), rel=1e-3, abs=1e-6)
            step = (m["max"] - m["min"]) / 510
            assert np.max(np.abs(decode(m["data"], m["min"], m["max"]) - truth)) <= step + 1e-4
    assert [m["index"] for m in maps["neurons"]["hidden2"]] == [0, 7]
    probs = net.infer(pts)
    out = maps["output"]
    assert out["kind"] == "classes" and out["classes"] == 3
    argmax = np.frombuffer(base64.b64decode(out["argmax"]), dtype=np.uint8)
    assert set(np.unique(argmax)) <= {0, 1, 2} and len(np.unique(argmax)) > 1
    assert np.array_equal(argmax, np.argmax(probs, axis=1))
    confidence = decode(out["confidence"], 0.0, 1.0)
    assert np.max(np.abs(confidence - probs.max(axis=1))) <= 1 / 510 + 1e-6


def test_response_map_of_a_regression_and_refusal_without_two_features():
    X = np.random.default_rng(0).uniform(-1, 1, size=(40, 2))
    y = X[:, 0] - X[:, 1]
    net = nk.mlp([2, 4, 1], seed=0)
    info = run_info(net, {"X": X, "y": y})
    assert info["task"] == "regression"
    out = response_maps(net, info, X, grid=10)["output"]
    truth = net.infer(grid_points(response_maps(net, info, X, grid=10)["extent"], 10))[:, 0]
    assert out["kind"] == "value"
    assert np.max(np.abs(decode(out["data"], out["min"], out["max"]) - truth)) <= (out["max"] - out["min"]) / 510 + 1e-4
    net3 = nk.mlp([3, 4, 1], seed=0)
    with pytest.raises(ParameterError, match="2 input features"):
        response_maps(net3, run_info(net3, {"X": np.zeros((5, 3)), "y": np.zeros(5)}), np.zeros((5, 3)))


def test_points_for_the_maps():
    X, y = moons(500)
    info = {"is_2d": True, "task": "classification"}
    p = points(info, X, y, n=400)
    assert len(p["x"]) == len(p["y"]) == len(p["label"]) == 400
    rows = [int(np.flatnonzero(np.isclose(X[:, 0], x, rtol=1e-3))[0]) for x in p["x"][:5]]
    assert [int(y[r]) for r in rows] == p["label"][:5]
    assert points({"is_2d": False}, X, y) is None


# ------------------------------------------------------------------------------ convolutions
def conv_net():
    return nk.build("conv(3,3,relu,padding=1),maxpool(2),flatten,dense(out,softmax)", input_shape=(1, 6, 6),
                    outputs=2, seed=0)


def test_conv_net_graph_card_and_filters():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 1, 6, 6))
    y = np.arange(20) % 2
    net = conv_net()
    info = run_info(net, {"X": X, "y": y})
    g = graph(net, info, X_sample=X)
    json_ready(g)
    kinds = [(lay["kind"], lay["units"]) for lay in g["layers"]]
    assert kinds == [("Input", 36), ("Conv2d", 3), ("MaxPool2d", 3), ("Flatten", 27), ("Dense", 2)]
    assert g["layers"][1]["w"] is None and np.shape(g["layers"][4]["w"]) == (2, 16)
    assert g["layers"][1]["w_absmax"] == round_sig(np.abs(net["conv1"].weight.data).max())
    assert g["layers"][2]["w_absmax"] is None and g["layers"][2]["flags"] is None
    fmap_mean = net["conv1"].neurons[1].feature_map(X.astype(np.float32)).mean()
    assert g["layers"][1]["mean_act"][1] == pytest.approx(fmap_mean, rel=1e-3)

    card = neuron_card(net, info, {"X": X, "y": y}, "conv1", 1, sample=4)
    json_ready(card)
    own = net["conv1"].neurons[1].explain(X[4].astype(np.float32), at=(3, 3))
    e = card["explanation"]
    assert (e["z"], e["output"], e["weighted_sum"]) == (own.z, own.output, own.weighted_sum)
    assert e["position"] == [3, 3] and e["text"] == str(own)
    assert card["weights_image"] == {"shape": [3, 3]} and len(card["weights"]) == 9
    fmap = net["conv1"].neurons[1].feature_map(X[4].astype(np.float32))
    assert card["feature_map"]["shape"] == [6, 6] and card["feature_map"]["data"] == round_sig(fmap.ravel())
    assert card["map"] is None and len(card["top"][0]["image"]) == 36
    # gradient × input of the filter's output at the centre, against central finite differences (float64)
    values = np.array(card["attributions"]["values"])
    x = X[4].astype(np.float64)
    grad = np.zeros(x.size)
    for i in range(x.size):
        d = np.zeros(x.size)
        d[i] = 1e-3
        plus = net["conv1"].neurons[1].feature_map((x.ravel() + d).reshape(x.shape).astype(np.float32))[3, 3]
        minus = net["conv1"].neurons[1].feature_map((x.ravel() - d).reshape(x.shape).astype(np.float32))[3, 3]
        grad[i] = (plus - minus) / 2e-3
    assert values == pytest.approx(grad * x.ravel(), abs=2e-3)
    assert values.shape == (36,) and np.count_nonzero(np.abs(values) > 1e-9) <= 9  # its 3x3 receptive field

    view = conv_view(net, info, X[4], shown={"conv1": [2, 0]})
    json_ready(view)
    filters, maps = view["conv1"]["filters"], view["conv1"]["maps"]
    assert [f["index"] for f in filters] == [2, 0] and filters[0]["shape"] == [3, 3]
    assert filters[0]["data"] == round_sig(net["conv1"].weight.data[2].mean(axis=0).ravel())
    assert maps[1]["shape"] == [6, 6]
    assert maps[1]["data"] == round_sig(net["conv1"].neurons[0].feature_map(X[4].astype(np.float32)).ravel())
    assert raster(net, info, X[4]) is None and conv_view(nk.mlp([2, 3], seed=0), {}, np.zeros(2)) is None
    # the first Dense of a flat image network shows its weights as the image
    flat = nk.build("flatten,dense(5,relu),dense(out,softmax)", input_shape=(1, 6, 6), outputs=2, seed=0)
    card = neuron_card(flat, run_info(flat, {"X": X, "y": y}), {"X": X, "y": y}, "hidden1", 0)
    assert card["weights_image"] == {"shape": [6, 6]} and len(card["weights"]) == 36


# ------------------------------------------------------------------------------ spiking networks
def hand_spiking_net():
    """rate(4), 2 -> 3 LIF (β 0.9, θ 1) -> 2 LIF: inputs 0 or 1 fire exactly x at every step (see
    tests/test_inspect_spiking.py). On [1, 0]: spiking1[0] gets 2 and fires at every step, spiking1[1] gets -1
    and never fires, spiking1[2] gets 0.5: membranes 0.5, 0.95, 1.355 (spike at t=2), 0.7195; spiking2[0] gets
    1 from spiking1[0]: 1 (no spike), 1.9, 1.71, 1.539 (spikes at t=1, 2, 3); spiking2[1] is silent."""
    net = nk.build("rate(4),dense(3,lif),dense(out,lif)", (2,), outputs=2, seed=0)
    net["spiking1"].synapse.weight.data[:] = [[2.0, 2.0], [0.0, 0.0], [0.5, 0.0]]
    net["spiking1"].synapse.bias.data[:] = [0.0, -1.0, 0.0]
    net["spiking2"].synapse.weight.data[:] = [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    net["spiking2"].synapse.bias.data[:] = 0.0
    return net


def test_spiking_raster_graph_and_card_worked_by_hand():
    net = hand_spiking_net()
    X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    y = np.array([0, 1, 0])
    info = run_info(net, {"X": X, "y": y})
    r = raster(net, info, X[0])
    json_ready(r)
    assert r["spiking1"] == {"steps": 4, "spikes": [[0, 0], [1, 0], [2, 0], [2, 2], [3, 0]]}
    assert r["spiking2"] == {"steps": 4, "spikes": [[1, 0], [2, 0], [3, 0]]}

    g = graph(net, info, X_sample=X)
    json_ready(g)
    assert [(lay["kind"], lay["units"]) for lay in g["layers"]] == [("Input", 2), ("RateEncoder", 2),
                                                                     ("SpikingDense", 3), ("SpikingDense", 2)]
    s1 = g["layers"][2]
    assert s1["w"] == [[2.0, 2.0], [0.0, 0.0], [0.5, 0.0]] and s1["b"] == [0.0, -1.0, 0.0]
    assert s1["flags"] == [[], ["silent"], []]  # spiking1[0] stays quiet on [0, 0]: not always firing
    assert graph(net, info, X_sample=X[:2])["layers"][2]["flags"] == [["always_firing"], ["silent"], []]
    report = nk.inspect.health(net, X)
    assert s1["mean_act"] == pytest.approx(report.layers["spiking1"].firing_rate, abs=1e-4)
    assert layer_health(net, X[:2])["spiking1"] == pytest.approx({"dead": 1 / 3, "saturated": 1 / 3})

    card = neuron_card(net, info, {"X": X, "y": y}, "spiking1", 2, sample=0)
    json_ready(card)
    e = card["explanation"]
    own = net["spiking1"].neurons[2].explain(np.array([[1.0, 0.0]] * 4, dtype=np.float32))
    assert e["spikes"] == [0, 0, 1, 0] and e["text"] == str(own)
    assert e["membrane"] == pytest.approx([0.5, 0.95, 1.355, 0.7195], abs=1e-3)  # reset at the next step
    assert e["output"] == 0.25 and e["z"] == pytest.approx(0.5)
    assert card["firing_rate"] == pytest.approx(report.layers["spiking1"].firing_rate[2])
    assert card["attributions"]["values"] is None and card["map"]["grid"] == 64


def test_spiking_network_response_maps_stay_in_the_encoders_range():
    net = nk.build("rate(6),dense(8,lif),dense(out,lif)", (2,), outputs=3, seed=1)
    X = np.random.default_rng(0).uniform(size=(30, 2))
    info = run_info(net, {"X": X, "y": np.arange(30) % 3})
    maps = response_maps(net, info, X, grid=8)
    assert 0.0 <= maps["extent"][0] and maps["extent"][1] <= 1.0
    assert len(maps["neurons"]["spiking1"]) == 8 and maps["output"]["classes"] == 3
    argmax = np.frombuffer(base64.b64decode(maps["output"]["argmax"]), dtype=np.uint8)
    with nk.engine.eval_mode():  # the encoder's evaluation draws (the views never draw training spikes)
        rates = net.infer(grid_points(maps["extent"], 8)).mean(axis=0)
    assert np.array_equal(argmax, np.argmax(rates, axis=1))


def test_maps_quantised_together_equal_one_by_one():
    from neuronkit.dashboard.views import _u8_map, _u8_maps

    values = np.random.default_rng(0).normal(size=(400, 12))
    values[:, 3] = 1.0  # a constant map: all zeros
    values[5, 7] = np.nan
    indices = [0, 3, 7, 11]
    assert _u8_maps(values, indices) == [{"index": i, **_u8_map(values[:, i])} for i in indices]
    assert _u8_maps(values, []) == []


def test_flat_pixels_named_as_an_image_give_weight_images_on_the_first_layer_only():
    from neuronkit.dashboard.views import neuron_card, run_info

    X = np.random.default_rng(0).uniform(size=(20, 64)).astype(np.float32)
    y = np.arange(20) % 3
    net = nk.mlp([64, 5, 3], output="softmax", seed=0)
    data = {"X": X, "y": y}
    plain = run_info(net, data)
    assert plain["image_shape"] is None and neuron_card(net, plain, data, "hidden1", 0)["weights_image"] is None
    info = run_info(net, data, image_shape=(1, 8, 8))
    card = neuron_card(net, info, data, "hidden1", 2, sample=4)
    assert card["weights_image"] == {"shape": [8, 8]} and len(card["weights"]) == 64
    assert card["top"][0]["image"] == pytest.approx(X[card["top"][0]["index"]].tolist(), abs=1e-3)
    assert neuron_card(net, info, data, "output", 0)["weights_image"] is None  # 5 inputs: not the image


def test_the_card_says_what_the_neuron_costs_per_prediction():
    from neuronkit.dashboard.views import neuron_card, run_info

    X = np.random.default_rng(0).normal(size=(10, 4))
    y = np.arange(10) % 3
    net = nk.mlp([4, 8, 3], output="softmax", seed=0)
    card = neuron_card(net, run_info(net, {"X": X, "y": y}), {"X": X, "y": y}, "hidden1", 2)
    # 4 multiply-adds and 5 parameters (4 weights, a bias) read from SRAM: 4·(3.7 + 0.9) + 2·0.9 + 5·5 pJ
    assert card["cost"] == {"macs": 4, "ops": 2, "parameters": 5, "bytes": 20,
                            "energy_pj": pytest.approx(4 * 4.6 + 2 * 0.9 + 5 * 5.0)}
