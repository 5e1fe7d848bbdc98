"""The command line with spiking networks: ``train --spiking`` (= --model snn) and spiking --model specs, then
evaluate, predict, summary, explain (a neuron's membrane step by step) and inspect (the spiking report) on the
model file; the refusals (exit code 2, naming the flag).

The training run goes through ``python -m neuronkit`` in a subprocess, as a user runs it; the other commands
run ``neuronkit.cli.main`` in this process (the same code, faster).
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.cli import main
from neuronkit.spiking import record

SRC = Path(__file__).resolve().parents[1] / "src"


def cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "neuronkit", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


def unnamed(fn, X):
    """``fn(X)`` for an estimator the CLI fitted with feature names, on an array without them."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return fn(X)


def run(capsys, *args):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("snn")
    code, out, err = cli("train", "digits", "--spiking", "--steps", 10, "--hidden", 32, "--epochs", 3, "--lr", 0.01,
                         "--out", "snn.nkm", cwd=folder)
    assert code == 0, err
    return folder, out, err


def test_train_spiking_trains_a_rate_coded_lif_network(trained):
    folder, out, err = trained
    assert "model rate(10),dense(32,lif),dense(out,lif) (spiking: 10 time steps, loss rate_cross_entropy)" in err
    assert "epochs run: 3" in out
    accuracy = float(re.search(r"test: accuracy (\d\.\d+)", out).group(1))
    assert accuracy > 0.5  # 10 classes: chance 0.1
    clf = nk.load(folder / "snn.nkm")
    assert [type(layer).__name__ for layer in clf.network_] == ["RateEncoder", "SpikingDense", "SpikingDense"]
    assert clf.network_[0].steps == 10 and clf.get_params()["max_iter"] == 3
    assert clf.get_params()["batch_size"] == 64 and round(clf.training_data_["test_metrics"]["accuracy"], 4) == accuracy


def test_evaluate_and_predict_decode_the_output_spikes(trained, capsys, tmp_path):
    folder, out, _ = trained
    model = folder / "snn.nkm"
    code, text, _ = run(capsys, "evaluate", model, "digits")
    assert code == 0 and float(re.search(r"digits: accuracy (\d\.\d+)", text).group(1)) > 0.5
    data = nk.datasets.load("digits")
    with open(tmp_path / "x.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(data.feature_names)
        writer.writerows(data.X[:12].tolist())
    code, text, _ = run(capsys, "predict", model, tmp_path / "x.csv")
    assert code == 0
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == ["prediction", *(f"p({c})" for c in range(10))]
    clf = nk.load(model)
    proba = unnamed(clf.predict_proba, data.X[:12])  # the output rates normalised per row
    assert [int(r[0]) for r in rows[1:]] == unnamed(clf.predict, data.X[:12]).tolist()
    np.testing.assert_allclose(np.array([[float(v) for v in r[1:]] for r in rows[1:]]), proba, atol=1e-6)


def test_summary_shows_the_time_steps_and_the_loss(trained, capsys):
    folder, _, _ = trained
    code, text, _ = run(capsys, "summary", folder / "snn.nkm")
    assert code == 0
    assert "spiking: T = 10 time steps (RateEncoder), neurons LIF; loss rate_cross_entropy, predictions decoded " \
           "by 'rate'" in text
    assert re.search(r"spiking1\s+SpikingDense\s+32\s+LIF\s+10 × 32", text)


def test_explain_writes_out_a_spiking_neurons_membrane_step_by_step(trained, capsys):
    folder, _, _ = trained
    code, text, _ = run(capsys, "explain", folder / "snn.nkm", "--data", "digits", "--input-index", 4,
                        "--neuron", "spiking1[3]")
    assert code == 0
    assert "spiking1[3] (LIF: reset = subtract, β = 0.9, θ = 1) over 10 time steps" in text
    assert text.count("input current  I = w·x + b") == 10 and "leak           β·mem = 0.9 × 0 = 0" in text
    clf = nk.load(folder / "snn.nkm")
    data = nk.datasets.load("digits")
    with nk.engine.eval_mode(), record("spiking1") as rec:
        clf.network_(unnamed(clf.transform_inputs, data.X[4:5]))
    spikes = rec["spiking1"]["spikes"][:, 0, 3]  # what the network itself did
    expected = " ".join(str(int(s)) for s in spikes)
    assert f"  spikes  {expected}   ({int(spikes.sum())} spike" in text
    assert f"prediction: {unnamed(clf.predict, data.X[4:5])[0]}" in text


def test_inspect_writes_the_spiking_report(trained, capsys, tmp_path):
    folder, _, _ = trained
    code, text, _ = run(capsys, "inspect", folder / "snn.nkm", "digits", "--out", tmp_path / "report", "--dt", 2)
    assert code == 0
    assert "synaptic operations per sample" in text and "spiking layers: rates in spikes per step (Hz at 2 ms" in text
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert 'alt="raster" src="data:image/png;base64,' in html and 'alt="membrane"' in html
    assert "a spiking network over T = 10 time steps" in html


def test_a_spiking_model_spec_on_digits_reads_its_features(capsys, tmp_path):
    spec = "rate(4),dense(8,lif),dense(out,lif)"
    code, out, err = run(capsys, "train", "digits", "--model", spec, "--epochs", 1, "--out", tmp_path / "m.nkm")
    assert code == 0, err
    assert "1438 samples, 64 features" in err  # a table, as the MLP reads it (a conv spec reads 8x8 images)
    assert nk.load(tmp_path / "m.nkm").input_shape_ == (64,)


def test_a_spiking_convolution_trains_on_digit_images(capsys, tmp_path):
    spec = "rate(3),conv(4,3,lif),flatten,dense(out,lif)"
    code, out, err = run(capsys, "train", "digits", "--model", spec, "--epochs", 1, "--out", tmp_path / "c.nkm")
    assert code == 0, err
    assert "1437 images of 8x8" in err or "images of 8x8" in err
    clf = nk.load(tmp_path / "c.nkm")
    assert clf.input_shape_ == (1, 8, 8) and type(clf.network_["spiking1"]).__name__ == "SpikingConv2d"


def test_spiking_on_an_image_folder_flattens_the_images(capsys, tmp_path):
    image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    for label in ("dark", "light"):
        (tmp_path / "images" / label).mkdir(parents=True)
        for i in range(8):
            pixels = rng.integers(0, 80, (6, 6)) + (150 if label == "light" else 0)
            image.fromarray(pixels.astype(np.uint8), mode="L").save(tmp_path / "images" / label / f"{i}.png")
    code, out, err = run(capsys, "train", tmp_path / "images", "--spiking", "--steps", 4, "--hidden", 8,
                         "--epochs", 1, "--out", tmp_path / "i.nkm")
    assert code == 0, err
    assert "model rate(4),flatten,dense(8,lif),dense(out,lif)" in err


@pytest.mark.parametrize("args, message", [
    (["--spiking", "--steps", "0"], "--steps must be an integer >= 1; got 0"),
    (["--steps", "10"], "--steps is the number of time steps T of --spiking's network; give --spiking"),
    (["--spiking", "--model", "cnn"], "--spiking builds the rate-coded spiking network"),
    (["--spiking", "--activation", "tanh"], "--activation is for the perceptron's hidden layers"),
    (["--spiking", "--task", "regression"], "spiking networks here are classifiers"),
])
def test_bad_spiking_options_exit_with_2_naming_the_flag(capsys, tmp_path, args, message):
    code, out, err = run(capsys, "train", "digits", *args, "--out", tmp_path / "x.nkm")
    assert code == 2 and message in err and not (tmp_path / "x.nkm").exists()


@pytest.mark.parametrize("args", [["--spiking"], ["--model", "rate(5),dense(8,lif),dense(out,lif)"]])
def test_spiking_on_texts_is_refused(capsys, tmp_path, args):
    code, out, err = run(capsys, "train", "topics", *args, "--out", tmp_path / "x.nkm")
    assert code == 2 and "holds texts" in err


@pytest.mark.parametrize("dt, message", [("0", "--dt is the milliseconds of one time step of a spiking model: a "
                                                "number > 0, e.g. 1; got 0"),
                                         ("1", "this model has no time steps: leave --dt out")])
def test_inspect_dt_needs_a_positive_step_and_a_spiking_model(trained, capsys, tmp_path, dt, message):
    folder, _, _ = trained
    model = folder / "snn.nkm"
    if dt == "1":  # an MLP
        model = tmp_path / "mlp.nkm"
        assert run(capsys, "train", "iris", "--epochs", 2, "--out", model)[0] == 0
    code, _, err = run(capsys, "inspect", model, "digits" if dt == "0" else "iris", "--out", tmp_path / "r", "--dt",
                       dt)
    assert code == 2 and message in err
