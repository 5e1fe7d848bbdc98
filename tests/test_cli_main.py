"""``python -m neuronkit`` is the ``neuronkit`` command; commands that need no scikit-learn do not import it;
the CLI tells user errors (exit 1), usage errors (exit 2) and bugs (one line, exit 1) apart."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import neuronkit as nk
from neuronkit import cli, errors
from neuronkit.cli import SavedEstimator, main

pytest.importorskip("sklearn")  # the estimator model files are written with scikit-learn installed


def command() -> list[str]:
    """How the installed ``neuronkit`` script runs (its wrapper, or what the wrapper does)."""
    script = Path(sys.executable).parent / "neuronkit"
    if script.is_file() and script.read_text(errors="ignore").startswith("#!"):
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from neuronkit.cli import main; sys.exit(main())"]


def run(argv, *args):
    proc = subprocess.run([*argv, *map(str, args)], capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    iris = nk.datasets.load("iris")
    net = nk.mlp([4, 6, 3], output="softmax", seed=0)
    nk.save(net, folder / "net.nkm")
    with pytest.warns(ConvergenceWarning):  # 20 epochs on purpose: the commands, not the accuracy, are tested
        clf = nk.NeuralClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(iris.X, iris.targets())
    nk.save(clf, folder / "clf.nkm")
    return folder


@pytest.mark.parametrize("args, expected", [
    (["--version"], 0),
    (["frobnicate"], 2),
    (["train"], 2),
    (["neuron", "--weights", "0.8,0.6", "--bias", "0.2", "--activation", "relu", "--input", "0.5,0.3"], 0),
    (["neuron", "--weights", "0.8,x", "--input", "1,2"], 2),
    (["summary", "no-such-model.nkm"], 1),
], ids=["version", "unknown-command", "missing-argument", "neuron", "neuron-usage-error", "missing-model"])
def test_python_dash_m_neuronkit_is_the_neuronkit_command(args, expected):
    as_module = run([sys.executable, "-m", "neuronkit"], *args)
    as_script = run(command(), *args)
    assert as_module == as_script
    code, out, err = as_module
    assert code == expected, err
    assert "Traceback" not in err
    if args == ["--version"]:
        assert out.strip() == f"neuronkit {nk.__version__}"
    if args[0] == "neuron" and code == 0:
        assert out.strip().endswith("output       0.78")


PROBE = """
import sys
from neuronkit.cli import main
try:
    code = main(sys.argv[1:])
finally:
    print("SKLEARN_IMPORTED=" + str("sklearn" in sys.modules), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize("model", ["net.nkm", "clf.nkm"])
@pytest.mark.parametrize("args", [["summary", "{model}"],
                                  ["explain", "{model}", "--input", "5.1,3.5,1.4,0.2"],
                                  ["explain", "{model}", "--input", "5.1,3.5,1.4,0.2", "--neuron", "hidden1:2"],
                                  ["neuron", "--weights", "0.8,0.6", "--input", "0.5,0.3"]],
                         ids=["summary", "explain", "explain-neuron", "neuron"])
def test_commands_that_need_no_scikit_learn_do_not_import_it(models, model, args):
    argv = [a.format(model=models / model) for a in args]
    code, out, err = run([sys.executable, "-c", PROBE], *argv)
    assert code == 0, err
    assert "SKLEARN_IMPORTED=False" in err
    if args[0] == "summary":
        assert ("NeuralClassifier from" if model == "clf.nkm" else "Sequential from") in out
        assert "hidden1" in out and "total parameters" in out


def test_the_same_commands_print_what_the_estimator_itself_gives(models, capsys):
    path = models / "clf.nkm"
    est = nk.load(path)
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "classes: setosa, versicolor, virginica" in out and str(est.network_.summary()) in out
    assert f"trained for {len(est.history_)} epochs" in out
    x = np.array([[6.7, 3.0, 5.2, 2.3]])
    assert main(["explain", str(path), "--input", "6.7,3.0,5.2,2.3", "--neuron", "hidden1:2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"prediction: {est.predict(x)[0]}\n")
    exp = est.network_["hidden1"].neurons[2].explain(est.transform_inputs(x)[0])
    assert str(exp.annotated(raw=x[0])) in out  # the scaled x, with the raw input beside it


def fitted(kind, n_classes=3, two_outputs=False):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, 1.0]
    if kind == "classifier":
        y = np.array(["ant", "bee", "cat"][:n_classes])[np.arange(60) % n_classes]
        with pytest.warns(ConvergenceWarning):  # 5 epochs on purpose: only the file layout matters here
            return nk.NeuralClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y), X
    y = X @ [1.0, 0.2, -3.0]
    y = np.stack([y, -y], axis=1) if two_outputs else y
    with pytest.warns(ConvergenceWarning):
        return nk.NeuralRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y), X


@pytest.mark.parametrize("kind, options", [("classifier", {"n_classes": 3}), ("classifier", {"n_classes": 2}),
                                           ("regressor", {}), ("regressor", {"two_outputs": True})],
                         ids=["3-class", "binary", "regression", "2-output-regression"])
def test_saved_estimator_view_matches_the_loaded_estimator(tmp_path, kind, options):
    est, X = fitted(kind, **options)
    nk.save(est, tmp_path / "m.nkm")
    view, loaded = SavedEstimator.read(tmp_path / "m.nkm"), nk.load(tmp_path / "m.nkm")
    assert isinstance(view, SavedEstimator) and view.estimator == type(loaded).__name__
    assert view.n_features_in_ == loaded.n_features_in_ == 3
    np.testing.assert_allclose(view.transform_inputs(X), loaded.transform_inputs(X), rtol=1e-6, atol=1e-6)
    if kind == "classifier":
        np.testing.assert_array_equal(view.predict(X), loaded.predict(X))
        np.testing.assert_array_equal(view.predict(X), est.predict(X))
    else:
        np.testing.assert_allclose(view.predict(X), loaded.predict(X), rtol=1e-5, atol=1e-5)
        assert view.predict(X).shape == est.predict(X).shape
    assert view.history_.history == loaded.history_.history
    if kind == "classifier":
        np.testing.assert_array_equal(view.classes_, loaded.classes_)


def test_a_layout_the_view_does_not_know_falls_back_to_the_estimator(tmp_path):
    from neuronkit.io import read_model_file, write_model_file

    est, X = fitted("classifier")
    nk.save(est, tmp_path / "m.nkm")
    meta, arrays = read_model_file(tmp_path / "m.nkm")
    del meta["extra"]["classes"]  # not what the view expects
    meta["extra"]["labels"] = ["ant", "bee", "cat"]
    write_model_file(tmp_path / "odd.nkm", meta, arrays)
    with pytest.raises(errors.ModelFileError, match="missing entry 'classes'"):
        SavedEstimator.read(tmp_path / "odd.nkm")  # the estimator's own loader reports it, naming the file
    assert isinstance(SavedEstimator.read(tmp_path / "m.nkm"), SavedEstimator)
    assert isinstance(SavedEstimator.read(_network_file(tmp_path)), nk.Sequential)


def _network_file(folder):
    nk.save(nk.mlp([3, 2], seed=0), folder / "n.nkm")
    return folder / "n.nkm"


# ----------------------------------------------------------------------------- errors and bugs


def raising(exc):
    def command(args):
        raise exc

    return command


@pytest.mark.parametrize("exc, code, fragment", [
    (errors.DataError("the data is odd"), 1, "neuronkit neuron: error: the data is odd"),
    (errors.ModelFileNotFoundError("cannot load m.nkm: no such file"), 1, "error: cannot load m.nkm: no such file"),
    (PermissionError(13, "Permission denied", "out.csv"), 1, "error: [Errno 13] Permission denied: 'out.csv'"),
    (errors.UsageError("--input has 1 values"), 2, "neuronkit neuron: error: --input has 1 values"),
    (errors.NameNotFoundError("no layer named 'x'"), 1, "error: no layer named 'x'"),
    (RuntimeError("boom"), 1, "neuronkit hit a bug: RuntimeError: boom; rerun with --debug to see the traceback "
                              "and report it"),
    (KeyError("weight"), 1, "neuronkit hit a bug: KeyError: 'weight'; rerun with --debug"),
    (ValueError("plain"), 1, "neuronkit hit a bug: ValueError: plain;"),
])
def test_user_errors_usage_errors_and_bugs(monkeypatch, capsys, exc, code, fragment):
    monkeypatch.setattr(cli, "cmd_neuron", raising(exc))
    assert main(["neuron", "--weights", "1", "--input", "1"]) == code
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err
    with pytest.raises(type(exc)):
        main(["--debug", "neuron", "--weights", "1", "--input", "1"])


def test_ctrl_c_exits_130(monkeypatch, capsys):
    monkeypatch.setattr(cli, "cmd_neuron", raising(KeyboardInterrupt()))
    assert main(["neuron", "--weights", "1", "--input", "1"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_bad_option_values_are_usage_errors(capsys):
    for args, fragment in [(["train", "iris", "--lr", "0"], "--lr must be a finite number > 0; got 0.0"),
                           (["train", "iris", "--epochs", "0"], "--epochs must be an integer >= 1; got 0"),
                           (["train", "iris", "--dropout", "1"], "--dropout must be a finite number in [0, 1); got 1"),
                           (["train", "iris", "--test-size", "1.5"], "--test-size must be a finite number in (0, 1)"),
                           (["train", "iris", "--seed", "-3"], "--seed must be an integer >= 0; got -3"),
                           (["neuron", "--weights", "1", "--input", "1", "--bias", "inf"],
                            "--bias must be a finite number; got inf")]:
        assert main(args) == 2, args
        assert fragment in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:  # argparse's own usage errors
        main(["train", "iris", "--activation", "rleu"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --activation: unknown activation 'rleu'" in err and "relu" in err


def test_the_data_helpers_live_in_data_and_inspect_cli_does_not_import_cli():
    import ast

    import neuronkit.inspect.cli as inspect_cli

    tree = ast.parse(Path(inspect_cli.__file__).read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "data" in modules and not {m for m in modules if m.rsplit(".", 1)[-1] == "cli"}
    assert not hasattr(cli, "load_data") and not hasattr(cli, "targets_for")
    assert nk.data.load_data("moons").name == "moons"
    json.dumps(nk.data.get_scaler("standard").to_dict())


def test_the_cli_module_runs_as_a_script():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "neuronkit.cli", "export", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and "usage: neuronkit export" in proc.stdout, proc.stderr
