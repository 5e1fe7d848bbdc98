"""``neuronkit inspect MODEL DATA``: the health report, the PNG pictures and the self-contained HTML report."""

import base64
import io
import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import neuronkit as nk
from neuronkit import inspect as ni
from neuronkit.cli import main


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    ds = nk.datasets.load("digits")
    with pytest.warns(ConvergenceWarning):  # 10 epochs on purpose: small and quick, not converged
        clf = nk.NeuralClassifier(hidden_layer_sizes=(24,), max_iter=10, random_state=0).fit(ds.X, ds.y)
    path = tmp_path_factory.mktemp("models") / "digits-small.nkm"
    nk.save(clf, path)
    return path


def png_size(data):
    from matplotlib.image import imread

    return imread(io.BytesIO(data), format="png").shape[:2]


def test_inspect_writes_html_and_pngs_and_prints_the_health_report(model_file, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["inspect", str(model_file), "digits", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "neuron health on 1797 samples" in printed and "gradient norm ratio" in printed
    assert str(out / "report.html") in printed

    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == ["activations.png", "attribution_methods.png", "attributions.png", "contributions.png",
                    "cost.png", "gradients.png", "learning_curves.png", "polysemanticity.png", "probes.png",
                    "top_activating.png", "weights.png"]
    for name in pngs:
        height, width = png_size((out / name).read_bytes())
        assert height >= 150 and width >= 200, name

    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "hidden1[0]" in html and "hidden1[23]" in html and "output[9]" in html
    embedded = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(embedded) == len(pngs)          # every picture is inside the file itself
    for data in embedded:
        assert png_size(base64.b64decode(data))[0] >= 150
    assert "http://" not in html and "https://" not in html   # nothing to fetch: self-contained
    assert "Remedy" in html or "No dead, saturated" in html
    assert "Completeness" in html


def test_inspect_through_the_real_command_line(tmp_path):
    """Train with ``neuronkit train`` and inspect into the default folder, as a user would."""
    run = [sys.executable, "-m", "neuronkit.cli"]
    train = subprocess.run(run + ["train", "digits", "--epochs", "20", "--hidden", "16", "--out", "m.nkm"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert train.returncode == 0, train.stderr
    result = subprocess.run(run + ["inspect", "m.nkm", "digits"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "inspect-m"
    assert (folder / "report.html").is_file()
    assert sorted(p.stem for p in folder.glob("*.png")) == [
        "activations", "attribution_methods", "attributions", "contributions", "cost", "gradients", "learning_curves",
        "polysemanticity", "probes", "top_activating", "weights"]
    assert "inspect-m" in result.stdout and "hidden1" in result.stdout


def test_inspect_a_saved_network_on_a_csv(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    net = nk.mlp([3, 5, 2], output="softmax", seed=0)
    nk.fit(net, X, y, epochs=5, seed=0, progress=False)
    nk.save(net, tmp_path / "net.nkm")
    csv = tmp_path / "data.csv"
    csv.write_text("a,b,c,label\n" + "\n".join(f"{r[0]},{r[1]},{r[2]},{t}" for r, t in zip(X, y)) + "\n")
    assert main(["inspect", str(tmp_path / "net.nkm"), str(csv), "--target", "label",
                 "--out", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "hidden1[4]" in html
    assert not (tmp_path / "out" / "top_activating.png").exists()   # 3 features are not an image


def test_inspect_reports_bad_input_in_one_line(model_file, tmp_path, capsys):
    assert main(["inspect", str(model_file), "iris", "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert "iris has 4 features but the model" in err and "Traceback" not in err
    assert main(["inspect", str(tmp_path / "missing.nkm"), "digits"]) == 1
    assert "missing.nkm" in capsys.readouterr().err


def test_write_report_returns_what_it_wrote(model_file, tmp_path):
    est = nk.load(model_file)
    ds = nk.datasets.load("digits")
    files = ni.write_report(est, ds.X[:300], ds.y[:300], out_dir=tmp_path / "r", attribution_samples=4)
    assert files.html.is_file() and set(files.images) >= {"weights", "attributions", "top_activating"}
    assert files.health.n_samples == 300
