"""``neuronkit explain MODEL … --method M`` and ``neuronkit inspect MODEL DATA --features sae`` (issue 18).

Every number the command prints is compared with the library function it stands for, called on the
same model and input (``nk.inspect.neuron_conductance``, ``contributions``, ``attribute``, ``lrp``,
``kernel_shap``, ``gradient_shap``); each refusal has its exit code and message. Commands run in
this process (``neuronkit.cli.main``), as a user sees them.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import inspect as ni
from neuronkit.cli import main
from neuronkit.data import prepare_evaluation

pytest.importorskip("sklearn")

X_RAW = [5.9, 3.0, 5.1, 1.8]
INPUT = ["--input", ",".join(map(str, X_RAW))]
#: a row of a ranked table: rank, position (may hold spaces), what it holds, value
ROW = re.compile(r"^\s+(\d+)\s+(.*\S)\s+(\S+)\s+(\S+)$")


def run(capsys, *args):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def table(out: str) -> list[tuple[str, str, float]]:
    """The ranked rows printed: (position, what it holds, value), in the order printed."""
    rows = []
    for line in out.splitlines():
        match = ROW.match(line)
        if match and match.group(1) != "rank":
            rows.append((match.group(2), match.group(3), float(match.group(4))))
    return rows


def line_with(out: str, start: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(start))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """An iris classifier, a CNN with a hidden Dense layer on digits, a text model and a spiking model, trained by
    the command line (so each records its training data), and two bare networks."""
    folder = tmp_path_factory.mktemp("understanding")
    for args in (["iris", "--epochs", "60", "--hidden", "8", "--out", folder / "iris.nkm"],
                 ["digits", "--model", "conv(4,3,relu),maxpool(2),flatten,dense(8,relu),dense(out)", "--epochs", "1",
                  "--lr", "0.01", "--out", folder / "cnn.nkm"],
                 ["topics", "--epochs", "1", "--lr", "0.01", "--out", folder / "text.nkm"],
                 ["iris", "--spiking", "--epochs", "1", "--out", folder / "snn.nkm"]):
        assert main(["train", *map(str, args)]) == 0
    net = nk.mlp([4, 5, 3], output="softmax", seed=0)
    for layer in (net["hidden1"], net["output"]):
        layer.bias.data[:] = 0.0  # bias-free: LRP conserves relevance exactly
    nk.save(net, folder / "nobias.nkm")
    nk.save(nk.mlp([3, 4, 2], output="identity", seed=0), folder / "two-outputs.nkm")
    nk.save(nk.mlp([4, 3], output="softmax", seed=0), folder / "no-hidden.nkm")
    return folder


@pytest.fixture(scope="module")
def iris(models):
    est = nk.load(models / "iris.nkm")
    return models / "iris.nkm", est, np.array([X_RAW])


def test_conductance_of_one_neuron_is_the_librarys(iris, capsys):
    path, est, x = iris
    code, out, err = run(capsys, "explain", path, *INPUT, "--method", "conductance", "--neuron", "hidden1[3]",
                         "--target", "versicolor")
    assert code == 0, err
    expected = ni.neuron_conductance(est, x, "hidden1[3]", target=1, steps=50)
    names = list(est.feature_names_in_)
    rows = table(out)
    assert [name for name, _, _ in rows] == [names[i] for i in np.argsort(-np.abs(expected[0]), kind="stable")]
    for name, raw, value in rows:  # each feature by name, its raw value beside it
        i = names.index(name)
        assert float(raw) == X_RAW[i]
        assert value == pytest.approx(expected[0, i], rel=1e-5, abs=1e-9)
    layer = ni.layer_conductance(est, x, layer="hidden1", target=1, steps=50)
    total = line_with(out, "total through hidden1[3]: ")
    assert float(total.split()[3].rstrip(";")) == pytest.approx(expected[0].sum(), rel=1e-5, abs=1e-9)
    assert float(total.split("its layer conductance: ")[1].split()[0]) == pytest.approx(layer[0, 3], rel=1e-5,
                                                                                           abs=1e-9)
    check = line_with(out, "check (completeness): Σ = ")
    assert f"Σ = {layer[0].sum():.6g}; F(x) - F(x') = " in check
    assert f" = {expected.values[0] - expected.baseline_values[0]:.6g}, carried by the 8 neurons of hidden1 (" in check
    assert ("within" if layer.completeness_ok else "beyond") in check
    assert "conductance of hidden1[3] for the logit of class versicolor (output[1])" in out
    # a class label and its output index are the same target
    assert run(capsys, "explain", path, *INPUT, "--method", "conductance", "--neuron", "hidden1:3", "--target",
               "1")[1] == out


def test_the_contributions_table_lists_the_librarys_neurons(iris, capsys):
    path, est, x = iris
    code, out, err = run(capsys, "explain", path, *INPUT, "--method", "conductance")
    assert code == 0, err
    expected = ni.contributions(est, x, layer="hidden1", steps=50)  # the predicted class, as the command's default
    label = est.classes_[expected.target]
    assert out.startswith(f"prediction: {label}\n")  # the command's default target is the predicted class
    printed = [line.split()[0] for line in out.splitlines() if re.match(r"^hidden1\[\d+\]\s", line)]
    assert printed == expected.names
    for line in out.splitlines():
        if re.match(r"^hidden1\[\d+\]\s", line):
            name, value = line.split()[:2]
            assert float(value) == pytest.approx(expected.conductance[expected.names.index(name)], rel=1e-3,
                                                 abs=1e-6)
    carried = expected.carried(0.8)
    assert f"{len(carried)} of 8 neurons carried 80% of the evidence for output {expected.target}" in out
    assert line_with(out, "the ").endswith(f"carried 80% of the evidence for the logit of class {label} "
                                           f"(output[{expected.target}]): {', '.join(carried)}")
    assert "check (completeness): Σ = " in out and "within the 5% tolerance" in out


def test_internal_influence_of_each_neuron(iris, capsys):
    path, est, x = iris
    code, out, err = run(capsys, "explain", path, *INPUT, "--method", "internal_influence", "--target", "2",
                         "--steps", "20")
    assert code == 0, err
    expected = ni.internal_influence(est, x, layer="hidden1", target=2, steps=20)[0]
    rows = re.findall(r"^\s+\d+\s+hidden1\[(\d)\]\s+(\S+)$", out, re.M)
    assert sorted(int(j) for j, _ in rows) == list(range(8))
    assert [float(v) for _, v in rows] == pytest.approx([expected[int(j)] for j, _ in rows], rel=1e-5, abs=1e-9)
    assert [abs(float(v)) for _, v in rows] == sorted((abs(float(v)) for _, v in rows), reverse=True)
    assert "check: none: internal influence is a sensitivity" in out


@pytest.mark.parametrize("method, library, check", [
    ("integrated_gradients", "integrated_gradients", "check (completeness): Σ = "),
    ("deeplift", "deeplift", "check (summation to delta): Σ = "),
    ("saliency", "saliency", "check: none: saliency is a sensitivity"),
    ("gradient_x_input", "grad_x_input", "check: none: gradient × input"),
    ("occlusion", "occlusion", "check: none: occlusion"),
])
def test_attribution_methods_print_the_librarys_values(iris, capsys, method, library, check):
    path, est, x = iris
    code, out, err = run(capsys, "explain", path, *INPUT, "--method", method, "--target", "virginica")
    assert code == 0, err
    expected = ni.attribute(est, x, method=library, target=2)
    names = list(est.feature_names_in_)
    rows = table(out)
    assert [abs(v) for _, _, v in rows] == sorted((abs(v) for _, _, v in rows), reverse=True)
    assert {name: value for name, _, value in rows} == pytest.approx(
        {name: expected[0, i] for i, name in enumerate(names)}, rel=1e-5, abs=1e-9)
    assert check in out
    if expected.delta is not None:  # the check states the sum and F(x) - F(x') the library reports
        assert f"Σ = {expected[0].sum():.6g}; F(x) - F(x') = {expected.values[0]:.6g}" in out
        assert ("within" if expected.completeness_ok else "beyond") in line_with(out, "check")


def test_a_hidden_neuron_is_explained_instead_of_an_output(iris, capsys):
    path, est, x = iris
    code, out, err = run(capsys, "explain", path, *INPUT, "--method", "integrated_gradients", "--neuron", "hidden1[2]")
    assert code == 0, err
    expected = ni.attribute(est, x, method="integrated_gradients", neuron="hidden1[2]")
    assert "integrated gradients of the potential z of hidden1[2]" in out
    names = list(est.feature_names_in_)
    for name, _, value in table(out):
        assert value == pytest.approx(expected[0, names.index(name)], rel=1e-5, abs=1e-9)


def test_lrp_reports_conservation(iris, models, capsys):
    path, est, x = iris
    code, out, err = run(capsys, "explain", path, *INPUT, "--method", "lrp")
    assert code == 0, err
    expected = ni.lrp(est, x)
    check = line_with(out, "check (conservation): ")
    assert f"Σ = {expected[0].sum():.6g}; F(x) = {expected.values[0]:.6g}" in check
    assert ("within" if expected.completeness_ok else "beyond") in check
    # without biases the epsilon rule conserves: Σ R = F(x), the logit of the predicted class, by hand
    net = nk.load(models / "nobias.nkm")
    x4 = np.array([1.0, 2.0, 0.5, 3.0])
    logits = net.logits(x4[None, :]).data[0]
    for rule in ("epsilon", "zplus"):  # the inputs are >= 0, so z+ conserves too
        code, out, err = run(capsys, "explain", models / "nobias.nkm", "--input", "1,2,0.5,3", "--method", "lrp",
                             "--rule", rule)
        assert code == 0, err
        check = line_with(out, "check (conservation): ")
        total = sum(value for _, _, value in table(out))
        assert total == pytest.approx(logits.max(), rel=1e-5)
        assert f"F(x) = {logits.max():.6g}" in check and "within" in check
        assert "note: z+" not in out
    assert "LRP (z+ rule) relevance of the logit of output[" in out


def test_shap_takes_the_training_data_as_background_by_default(iris, capsys):
    path, est, x = iris
    code, out, err = run(capsys, "explain", path, *INPUT, "--method", "kernel_shap", "--target", "setosa")
    assert code == 0, err
    rows = prepare_evaluation(est, "iris", training_data=est.training_data_, all_rows=True).X
    background = rows[np.sort(np.random.default_rng(0).choice(150, size=20, replace=False))]
    expected = ni.kernel_shap(est, x, background, target=0)
    assert "background: 20 of its 150 rows drawn with seed 0, from iris (the data the model was trained on); every " \
           "coalition enumerated: exact Shapley values" in out
    assert line_with(out, "E[F(background)] = ") == f"E[F(background)] = {expected.expected_value[0]:.6g}"
    names = list(est.feature_names_in_)
    assert {n: v for n, _, v in table(out)} == pytest.approx({n: expected[0, i] for i, n in enumerate(names)},
                                                             rel=1e-5, abs=1e-9)
    assert "check (efficiency): " in out and "within" in line_with(out, "check")
    # GradientSHAP with a given background, its size and seed
    code, out, err = run(capsys, "explain", path, *INPUT, "--method", "gradient_shap", "--background", "iris",
                         "--background-size", "10", "--seed", "3")
    assert code == 0, err
    background = rows[np.sort(np.random.default_rng(3).choice(150, size=10, replace=False))]
    expected = ni.gradient_shap(est, x, background, seed=3)
    assert "background: 10 of its 150 rows drawn with seed 3, from iris; 200 gradient draws: an estimate" in out
    assert {n: v for n, _, v in table(out)} == pytest.approx({n: expected[0, i] for i, n in enumerate(names)},
                                                             rel=1e-5, abs=1e-9)


def test_images_and_texts_list_their_most_important_positions(models, capsys):
    path = models / "cnn.nkm"
    est = nk.load(path)
    code, out, err = run(capsys, "explain", path, "--data", "digits", "--input-index", "3", "--method",
                         "integrated_gradients")
    assert code == 0, err
    image = prepare_evaluation(est, "digits", training_data=est.training_data_, all_rows=True).X[3:4]
    values = ni.attribute(est, image, method="integrated_gradients")[0, 0]
    order = np.argsort(-np.abs(values).reshape(-1), kind="stable")[:10]
    rows = table(out)
    assert [label for label, _, _ in rows] == [f"pixel ({i // 8}, {i % 8})" for i in order]
    assert [v for _, _, v in rows] == pytest.approx(values.reshape(-1)[order], rel=1e-5, abs=1e-9)
    assert [float(raw) for _, raw, _ in rows] == pytest.approx(image.reshape(-1)[order])
    assert "(the 10 largest of 64 pixels; --full lists them all)" in out
    # conductance through the CNN's hidden Dense neuron: its split over the pixels sums to its layer conductance
    code, out, err = run(capsys, "explain", path, "--data", "digits", "--input-index", "3", "--method",
                         "conductance", "--neuron", "hidden1[2]", "--full")
    assert code == 0, err
    split = ni.neuron_conductance(est, image, "hidden1[2]", steps=50)[0, 0]
    assert len(table(out)) == 64 and sum(v for _, _, v in table(out)) == pytest.approx(split.sum(), rel=1e-4)

    path = models / "text.nkm"
    est = nk.load(path)
    code, out, err = run(capsys, "explain", path, "--data", "topics", "--input-index", "3", "--method",
                         "integrated_gradients", "--full")
    assert code == 0, err
    text = prepare_evaluation(est, "topics", training_data=est.training_data_, all_rows=True).X[3]
    scores = ni.attribute(est, [text], method="integrated_gradients")[0]
    ids = est.transform_inputs([text])[0]
    words = est.tokenizer_.vocabulary
    printed = {label: (word, value) for label, word, value in table(out)}
    assert len(printed) == int(np.sum(ids != 0))  # every token of the text, no padding
    for t in np.flatnonzero(ids):
        word, value = printed[f"position {t}"]
        assert word == repr(words[ids[t]]) and value == pytest.approx(scores[t], rel=1e-5, abs=1e-9)
    assert "from the baseline x' = the padding embedding at every position" in out


def test_method_arithmetic_is_the_default_view(iris, capsys):
    path, _, _ = iris
    plain = run(capsys, "explain", path, *INPUT, "--neuron", "hidden1[1]")
    assert plain[0] == 0 and "hidden1[1] (relu) on input x" in plain[1]
    assert run(capsys, "explain", path, *INPUT, "--neuron", "hidden1[1]", "--method", "arithmetic") == plain


@pytest.mark.parametrize("args, code, message", [
    (["iris.nkm", *INPUT, "--method", "saliency", "--rule", "zplus"], 2,
     "--rule (the LRP rule) goes with --method lrp, not saliency. Leave out --rule zplus"),
    (["iris.nkm", *INPUT, "--method", "lrp", "--background", "iris"], 2,
     "--background (the background data of SHAP) goes with --method gradient_shap, kernel_shap, not lrp"),
    (["iris.nkm", *INPUT, "--method", "saliency", "--steps", "10"], 2,
     "--steps (the intervals along the path from the baseline) goes with --method conductance, internal_influence, "
     "integrated_gradients, not saliency"),
    (["iris.nkm", *INPUT, "--target", "1"], 2, "not arithmetic. Leave out --target 1 (the arithmetic of an output "
                                               "neuron: --neuron output[1])"),
    (["iris.nkm", *INPUT, "--method", "lrp", "--neuron", "hidden1[0]"], 2, "--neuron (a neuron to explain) goes with"),
    (["iris.nkm", *INPUT, "--method", "saliency", "--neuron", "hidden1[0]", "--target", "1"], 2,
     "--method saliency explains one value: an output (--target 1) or a hidden neuron (--neuron hidden1[0]); give "
     "one of them"),
    (["iris.nkm", *INPUT, "--method", "conductance", "--neuron", "hidden1[0]", "--layer", "hidden1"], 2,
     "--neuron hidden1[0] names its layer"),
    (["iris.nkm", *INPUT, "--method", "integrated_gradients", "--steps", "0"], 2,
     "--steps must be an integer >= 1; got 0"),
    (["iris.nkm", *INPUT, "--method", "kernel_shap", "--background-size", "0"], 2,
     "--background-size must be an integer >= 1; got 0"),
    (["iris.nkm", *INPUT, "--method", "gradient_shap", "--seed", "-1"], 2, "--seed must be an integer >= 0; got -1"),
    (["iris.nkm", "--input", "1,2", "--method", "saliency"], 2,
     "--input has 2 values but the model takes 4 features (sepal length (cm), sepal width (cm), petal length (cm), "
     "petal width (cm)); give one value per feature, in order"),
    (["no-hidden.nkm", "--input", "1,2,3,4", "--method", "conductance"], 2,
     "--method conductance reads a hidden Dense layer, and the model has none (its layers: output); use --method "
     "integrated_gradients"),
    (["iris.nkm", *INPUT, "--method", "kernel_shap", "--background", "irsi"], 2,
     "--background 'irsi' is neither a dataset name"),
    (["iris.nkm", *INPUT, "--method", "conductance", "--target", "daisy"], 2,
     "--target daisy: {f}/iris.nkm has no such output; give its classes setosa, versicolor, virginica (or output "
     "indices 0 to 2)"),
    (["iris.nkm", *INPUT, "--method", "saliency", "--target", "3"], 2, "--target 3: {f}/iris.nkm has no such output"),
    (["iris.nkm", *INPUT, "--method", "conductance", "--neuron", "output[1]"], 2,
     "--neuron output[1]: --method conductance explains a hidden Dense layer's neuron (the output is --target); "
     "layer 'output' is a Dense (the output layer). Layers it takes: hidden1"),
    (["iris.nkm", *INPUT, "--method", "deeplift", "--neuron", "hiden1[0]"], 2,
     "--neuron hiden1[0]: --method deeplift explains a Dense layer's neuron; the model has no layer 'hiden1'. "
     "Layers it takes: hidden1, output"),
    (["iris.nkm", *INPUT, "--method", "conductance", "--neuron", "hidden1[8]"], 2,
     "--neuron hidden1[8]: layer 'hidden1' has 8 neurons (hidden1[0] to hidden1[7]); got index 8"),
    (["iris.nkm", *INPUT, "--method", "internal_influence", "--layer", "hidden2"], 2,
     "--layer hidden2: --method internal_influence reads a hidden Dense layer, and the model has no layer 'hidden2'; "
     "its hidden Dense layers: hidden1 (all its layers: hidden1, output)"),
    (["iris.nkm", *INPUT, "--method", "conductance", "--layer", "output"], 2,
     "layer 'output' is the output layer; its hidden Dense layers: hidden1"),
    (["two-outputs.nkm", "--input", "1,2,3", "--method", "saliency"], 2,
     "--target is needed: {f}/two-outputs.nkm has 2 outputs and is not a classifier; give the output index to "
     "explain (0 to 1)"),
    (["nobias.nkm", "--input", "1,2,3,4", "--method", "kernel_shap"], 2,
     "--method kernel_shap needs background data standing in for absent features, and {f}/nobias.nkm records no "
     "bundled dataset it was trained on: give --background DATA"),
    (["snn.nkm", *INPUT, "--method", "saliency"], 2,
     "--method saliency follows values through Dense and convolution neurons; {f}/snn.nkm is a spiking network"),
    (["cnn.nkm", "--data", "digits", "--method", "deeplift"], 2,
     "--method deeplift takes table features; {f}/cnn.nkm takes images. Methods for it: conductance, "
     "internal_influence, integrated_gradients, gradient_shap, kernel_shap, saliency, gradient_x_input, occlusion"),
    (["text.nkm", "--data", "topics", "--method", "kernel_shap"], 2,
     "--method kernel_shap takes images and table features; {f}/text.nkm takes texts. Methods for it: "
     "integrated_gradients, saliency, gradient_x_input, occlusion"),
    (["cnn.nkm", "--input", "1,2", "--method", "saliency"], 2, "--input gives the features of a table model"),
])
def test_explain_refusals(models, capsys, args, code, message):
    argv = [str(models / args[0]), *args[1:]]
    result, out, err = run(capsys, "explain", *argv)
    assert result == code, err
    assert message.format(f=models) in err and "Traceback" not in err
    assert out == ""  # refused before anything is printed


def test_an_unknown_method_is_argparses_choice_error(models, capsys):
    with pytest.raises(SystemExit) as info:
        main(["explain", str(models / "iris.nkm"), *INPUT, "--method", "shapley"])
    assert info.value.code == 2
    assert "argument --method: invalid choice: 'shapley' (choose from 'arithmetic', 'conductance'" in \
        capsys.readouterr().err


# ----------------------------------------------------------------------------- explain --baseline
#: the path methods: --method -> the library's values for baseline= (est, x, target, baseline) -> array (1, …)
PATH_METHODS = {
    "integrated_gradients": lambda est, x, t, b: ni.attribute(est, x, method="integrated_gradients", target=t,
                                                                baseline=b),
    "deeplift": lambda est, x, t, b: ni.deeplift(est, x, target=t, baseline=b),
    "occlusion": lambda est, x, t, b: ni.attribute(est, x, method="occlusion", target=t, baseline=b),
    "internal_influence": lambda est, x, t, b: ni.internal_influence(est, x, layer="hidden1", target=t, baseline=b),
    "conductance": lambda est, x, t, b: ni.neuron_conductance(est, x, "hidden1[3]", target=t, baseline=b),
}

#: how each path method's heading starts
METHOD_HEADS = {"integrated_gradients": "integrated gradients of", "deeplift": "DeepLIFT (rescale) of",
                "occlusion": "occlusion of", "internal_influence": "internal influence of",
                "conductance": "conductance of hidden1[3]"}


def printed_values(out: str, names: list[str]) -> np.ndarray:
    """The values of a ranked table, put back in the order of ``names`` (features, or hidden1[j])."""
    rows = {label: value for label, _, value in table(out)} or \
        {m[0]: float(m[1]) for m in re.findall(r"^\s+\d+\s+(hidden1\[\d+\])\s+(\S+)$", out, re.M)}
    assert sorted(rows) == sorted(names)
    return np.array([rows[name] for name in names])


@pytest.mark.parametrize("method", list(PATH_METHODS))
def test_baseline_mean_starts_every_path_method_from_the_training_mean(iris, capsys, method):
    path, est, x = iris
    extra = ["--neuron", "hidden1[3]"] if method == "conductance" else []
    code, out, err = run(capsys, "explain", path, *INPUT, "--method", method, "--target", "versicolor", *extra,
                         "--baseline", "mean")
    assert code == 0, err
    mean = np.asarray(est.scaler_.mean, dtype=np.float64)
    expected = PATH_METHODS[method](est, x, 1, mean[None, :])
    names = list(est.feature_names_in_) if method != "internal_influence" else [f"hidden1[{j}]" for j in range(8)]
    assert printed_values(out, names) == pytest.approx(expected[0], rel=1e-5, abs=1e-9)
    if method == "internal_influence":  # the logit is linear in hidden1: ∂F/∂h is its weights on any path
        assert expected[0] == pytest.approx(est.network_["output"].weight.data[1], rel=1e-5)
    else:  # the zero flower gives other values: the baseline reached the library
        assert not np.allclose(PATH_METHODS[method](est, x, 1, None)[0], expected[0], rtol=0.05)
    assert line_with(out, "baseline:      ") == (f"baseline:      x' = the training mean = "
                                                f"[{', '.join(f'{v:.6g}' for v in mean)}]   (scaled: [0, 0, 0, 0])")
    assert "baseline x' = the training mean" in line_with(out, METHOD_HEADS[method]) and "x' = 0" not in out


def test_baseline_mean_is_the_networks_zero_input_and_completeness_holds(iris, capsys):
    """F(x') by hand: the mean scales to x = 0, so hidden1 = relu(b1) and the logit is W2·relu(b1) + b2."""
    path, est, x = iris
    net = est.network_
    hidden = np.maximum(net["hidden1"].bias.data.astype(np.float64), 0.0)
    logit = float(net["output"].weight.data.astype(np.float64)[1] @ hidden) + float(net["output"].bias.data[1])
    f_x = float(ni.attribute(est, x, method="integrated_gradients", target=1).values[0])
    for method in ("conductance", "integrated_gradients", "deeplift"):
        code, out, err = run(capsys, "explain", path, *INPUT, "--method", method, "--target", "versicolor",
                             "--baseline", "mean")
        assert code == 0, err
        check = line_with(out, "check (")
        sides = re.search(r"Σ = (\S+); F\(x\) - F\(x'\) = (\S+) - \(?(\S+?)\)? = (\S+?)[, ]", check)
        total, fx, fb, change = (float(v) for v in sides.groups())
        assert fb == pytest.approx(logit, rel=1e-5, abs=1e-6) and fx == pytest.approx(f_x, rel=1e-5)
        assert change == pytest.approx(fx - fb, rel=1e-4, abs=1e-6)
        assert total == pytest.approx(change, rel=0.05, abs=1e-3) and "within the 5% tolerance" in check
        if method == "conductance":  # each neuron's conductance (4 digits), as the library's; they add up
            printed = {name: float(v) for name, v in re.findall(r"^(hidden1\[\d\])\s+(\S+)\s+\S+%$", out, re.M)}
            expected = ni.contributions(est, x, target=1, layer="hidden1", baseline=est.scaler_.mean, steps=50)
            assert [printed[name] for name in expected.names] == pytest.approx(expected.conductance, rel=1e-3)
            assert sum(printed.values()) == pytest.approx(change, abs=5e-3)
        else:
            assert sum(v for _, _, v in table(out)) == pytest.approx(total, abs=1e-5)


def test_baseline_values_and_zeros(iris, capsys):
    path, est, x = iris
    values = [5.0, 3.4, 1.5, 0.2]  # a setosa flower
    code, out, err = run(capsys, "explain", path, *INPUT, "--method", "integrated_gradients", "--target", "2",
                         "--baseline", "5,3.4,1.5,0.2")
    assert code == 0, err
    expected = ni.attribute(est, x, method="integrated_gradients", target=2, baseline=[values])
    assert printed_values(out, list(est.feature_names_in_)) == pytest.approx(expected[0], rel=1e-5, abs=1e-9)
    scaled = (np.array(values) - est.scaler_.mean) / est.scaler_.scale
    shown = line_with(out, "baseline:      x' = the --baseline values = [5, 3.4, 1.5, 0.2]   (scaled: [")
    assert [float(v) for v in shown.split("(scaled: [")[1].rstrip("])").split(", ")] == pytest.approx(scaled, rel=1e-5)
    assert "from the baseline x' = the --baseline values, 50 steps:" in out
    # zeros is the default, and prints exactly what no --baseline prints
    for method in PATH_METHODS:
        plain = run(capsys, "explain", path, *INPUT, "--method", method)
        assert plain[0] == 0 and "baseline:" not in plain[1]
        assert run(capsys, "explain", path, *INPUT, "--method", method, "--baseline", "zeros") == plain


def test_baseline_values_reach_internal_influence_below_a_second_layer(models, capsys):
    """With two hidden layers ∂F/∂hidden1 changes along the path, so the baseline matters."""
    path = models / "deep.nkm"
    net = nk.mlp([4, 6, 5, 3], output="softmax", seed=1)
    nk.save(net, path)
    code, out, err = run(capsys, "explain", path, "--input", "1,-2,0.5,3", "--method", "internal_influence",
                         "--layer", "hidden1", "--target", "0", "--baseline", "-1,1,2,-0.5")
    assert code == 0, err
    x = np.array([[1.0, -2.0, 0.5, 3.0]])
    expected = ni.internal_influence(net, x, layer="hidden1", target=0, baseline=[[-1.0, 1.0, 2.0, -0.5]])
    assert printed_values(out, [f"hidden1[{j}]" for j in range(6)]) == pytest.approx(expected[0], rel=1e-5,
                                                                                       abs=1e-9)
    assert not np.allclose(ni.internal_influence(net, x, layer="hidden1", target=0)[0], expected[0], rtol=0.05)
    assert line_with(out, "baseline:      ") == "baseline:      x' = the --baseline values = [-1, 1, 2, -0.5]"


@pytest.fixture(scope="module")
def rescaled(models):
    """The iris classifier saved again with a min-max scaler (fitted on all of iris) and with none."""
    from sklearn.datasets import load_iris

    from neuronkit.data.scalers import IdentityScaler, MinMaxScaler

    est = nk.load(models / "iris.nkm")
    est.scaler_ = MinMaxScaler().fit(load_iris().data)  # min 4.3, 2, 1, 0.1; max 7.9, 4.4, 6.9, 2.5
    nk.save(est, models / "minmax.nkm")
    est.scaler_ = IdentityScaler()
    nk.save(est, models / "unscaled.nkm")
    return models


@pytest.mark.parametrize("args, message", [
    (["iris.nkm", "--method", "saliency", "--baseline", "mean"],
     "--baseline (the input x' the path starts from) goes with --method conductance, internal_influence, "
     "integrated_gradients, deeplift, occlusion, not saliency. Leave out --baseline mean"),
    (["iris.nkm", "--method", "lrp", "--baseline", "zeros"], "not lrp. Leave out --baseline zeros"),
    (["iris.nkm", "--method", "gradient_x_input", "--baseline", "1,2,3,4"], "not gradient_x_input. Leave out "
                                                                            "--baseline 1,2,3,4"),
    (["iris.nkm", "--method", "kernel_shap", "--baseline", "mean"], "not kernel_shap. Leave out --baseline mean "
                                                                    "(SHAP's background data plays the baseline's "
                                                                    "part: --background DATA)"),
    (["iris.nkm", "--baseline", "mean"], "not arithmetic. Leave out --baseline mean"),
    (["iris.nkm", "--method", "deeplift", "--baseline", "5,3,4"],
     "--baseline has 3 values but the model takes 4 features (sepal length (cm), sepal width (cm), petal length "
     "(cm), petal width (cm)); give one raw value per feature, in order (or --baseline zeros or mean)"),
    (["nobias.nkm", "--method", "occlusion", "--baseline", "1"],
     "--baseline has 1 value but the model takes 4 features; give one raw value per feature"),
    (["iris.nkm", "--method", "deeplift", "--baseline", "median"],
     "--baseline must be zeros, mean or one raw value per feature separated by commas (e.g. 5.8,3,4.4,1.3); got "
     "'median'"),
    (["iris.nkm", "--method", "deeplift", "--baseline", "5,inf,4,1"], "--baseline value 2 is inf; give finite numbers"),
    (["minmax.nkm", "--method", "integrated_gradients", "--baseline", "mean"],
     "--baseline mean: {f}/minmax.nkm records no training mean: its minmax scaler keeps each feature's training min "
     "and max, not the mean. Give the baseline as 4 raw values instead, --baseline V,V,... (one per feature, in "
     "order; e.g. the middle of each training range, 6.1,3.2,3.95,1.3), or --baseline zeros"),
    (["unscaled.nkm", "--method", "conductance", "--baseline", "mean"],
     "--baseline mean: {f}/unscaled.nkm records no training mean: its scaler is 'none', which keeps no statistics. "
     "Give the baseline as 4 raw values instead"),
    (["nobias.nkm", "--method", "deeplift", "--baseline", "mean"],
     "--baseline mean: {f}/nobias.nkm records no training mean: a network file holds no scaler, so no statistics of "
     "its training data. Give the baseline as 4 raw values instead"),
    (["cnn.nkm", "--data", "digits", "--method", "integrated_gradients", "--baseline", "zeros"],
     "--baseline zeros sets the input x' a table model's path starts from (with --input); the path of an image or "
     "text model (--data) starts from a black image or the padding embedding. Leave out --baseline"),
])
def test_baseline_refusals(rescaled, capsys, args, message):
    argv = [str(rescaled / args[0]), *([] if "--data" in args else ["--input", "5.9,3,5.1,1.8"]), *args[1:]]
    result, out, err = run(capsys, "explain", *argv)
    assert result == 2, err
    assert message.format(f=rescaled) in err and "Traceback" not in err
    assert out == ""


# ----------------------------------------------------------------------------- inspect --features sae
def test_inspect_prints_the_sae_features_after_the_health_report(iris, tmp_path, capsys):
    """Needs write_report(features="sae", ...) and ReportFiles.sae (the `report` helper's part of issue 18)."""
    path, _, _ = iris
    code, out, err = run(capsys, "inspect", path, "iris", "--features", "sae", "--sae-width", "12", "--sae-l1",
                         "0.002", "--seed", "1", "--out", tmp_path / "report")
    assert code == 0, err
    health = out.index("neuron health on 30 samples")
    sae = out.index("sparse autoencoder on hidden1: 12 features")
    assert health < sae < out.index("wrote ")
    assert "most selective features: sae[" in out
    assert re.search(r"^  neurons\s+\d", out, re.M) and re.search(r"^  features\s+\d", out, re.M)


def test_inspect_passes_the_sae_flags_to_write_report_and_prints_its_features(iris, tmp_path, capsys, monkeypatch):
    """The flags reach write_report as the contract's keywords, and str(files.sae) is printed after the health
    report, whatever the report does with them (a stand-in for write_report trains the autoencoder with the
    library's train_sae and sae_features, and writes nothing)."""
    from neuronkit.inspect import report

    path, est, _ = iris
    seen: list[dict] = []

    def write_report(model, X, y, *, out_dir, **options):
        seen.append(options)
        files = report.ReportFiles(folder=out_dir, html=out_dir / "report.html", health="neuron health (stand-in)")
        if options.get("features") == "sae":
            sae = ni.train_sae(model, X, layer=options["layer"], n_features=options["sae_width"],
                               l1=options["sae_l1"], epochs=3, seed=options["seed"])
            files.sae = ni.sae_features(model, X, y, sae, layer=options["layer"], k=5)
        return files

    monkeypatch.setattr(report, "write_report", write_report)
    code, out, err = run(capsys, "inspect", path, "iris", "--features", "sae", "--layer", "hidden1", "--sae-width",
                         "6", "--sae-l1", "0.01", "--seed", "2", "--out", tmp_path / "report")
    assert code == 0, err
    assert {k: seen[0][k] for k in ("features", "layer", "sae_width", "sae_l1", "seed")} == {
        "features": "sae", "layer": "hidden1", "sae_width": 6, "sae_l1": 0.01, "seed": 2}
    data = prepare_evaluation(est, "iris", training_data=est.training_data_)  # the 30 held-out rows inspect reads
    assert "inspecting on the 30 held-out test rows of iris" in out
    sae = ni.train_sae(est, data.X, layer="hidden1", n_features=6, l1=0.01, epochs=3, seed=2)
    expected = str(ni.sae_features(est, data.X, data.y, sae, layer="hidden1", k=5))
    assert expected.startswith("sparse autoencoder on hidden1: 6 features")
    assert out.index("neuron health (stand-in)") < out.index(expected) < out.index("wrote ")
    # without --features sae no keyword of the autoencoder is passed: the report's own defaults stand
    assert run(capsys, "inspect", path, "iris", "--out", tmp_path / "plain")[0] == 0
    assert not {"features", "layer", "sae_width", "sae_l1", "seed"} & set(seen[1])
    assert "sparse autoencoder" not in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--features", "sae", "--sae-width", "0"], "--sae-width is the number of the autoencoder's features: an integer "
                                                ">= 1, e.g. 32 (default 4 x the layer's neurons); got 0"),
    (["--features", "sae", "--sae-width", "-3"], "got -3"),
    (["--sae-width", "8"], "--sae-width 8 sets the sparse autoencoder of --features sae; add --features sae, or leave "
                           "out --sae-width 8"),
    (["--sae-width", "8", "--sae-l1", "0.01"], "--sae-width 8 and --sae-l1 0.01 set the sparse autoencoder"),
    (["--features", "sae", "--sae-l1", "-1"], "--sae-l1 is the weight of the autoencoder's L1 penalty: a finite number "
                                              ">= 0, e.g. 0.001; got -1"),
    (["--features", "sae", "--seed", "-1"], "--seed must be an integer >= 0; got -1"),
    (["--features", "sae", "--layer", "hidden7"],
     "--layer hidden7: the autoencoder and the contributions read a hidden Dense layer, and the model has no layer "
     "'hidden7'; its hidden Dense layers: hidden1 (all its layers: hidden1, output)"),
    (["--layer", "output"], "layer 'output' is the output layer; its hidden Dense layers: hidden1"),
    (["--features", "sae", "MODEL=no-hidden.nkm"], "the autoencoder and the contributions read a hidden Dense layer, "
                                                   "and the model has none (its layers: output); leave out --features "
                                                   "sae"),
])
def test_inspect_feature_refusals(iris, models, tmp_path, capsys, args, message):
    path = iris[0]
    if args[-1].startswith("MODEL="):
        path, args = models / args[-1][6:], args[:-1]
    code, out, err = run(capsys, "inspect", path, "iris", *args, "--out", tmp_path / "report")
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "report").exists()


def test_inspect_features_takes_only_sae(iris, capsys):
    path, _, _ = iris
    with pytest.raises(SystemExit) as info:
        main(["inspect", str(path), "iris", "--features", "pca"])
    assert info.value.code == 2
    assert "argument --features: invalid choice: 'pca' (choose from 'sae')" in capsys.readouterr().err
