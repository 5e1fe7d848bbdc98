"""The command line gives the right answer or a clear refusal, in the words (flags) the user typed.

Issue 10, the CLI's part: flags in messages, exit code 2 for usage errors (the table in
test_bad_input_table.py), negative numbers in ``--input``/``--weights``, ``hidden1[3]`` as a
neuron name, a quiet exit 0 on a closed pipe, ``explain`` showing raw and scaled inputs and the
largest products, output paths checked before training, the extra to install for a missing
dependency, ``summary`` showing what the model was trained on, and Ctrl-C saying how to resume.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import cli, errors
from neuronkit.cli import main

from ._blocker import BLOCKER

pytest.importorskip("sklearn")

SRC = str(Path(nk.__file__).parent.parent)  # this checkout's sources, for the subprocesses


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("refuse-cli") / "iris.nkm"
    assert main(["train", "iris", "--epochs", "5", "--hidden", "8", "--out", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("refuse-cli") / "digits.nkm"
    assert main(["train", "digits", "--epochs", "2", "--hidden", "4", "--out", str(path)]) == 0
    return path


def raising(exc):
    def command(args):
        raise exc

    return command


# ----------------------------------------------------------------------------- 1. flags in messages
@pytest.mark.parametrize("exc, said, not_said", [
    (errors.DataError("d.csv: feature column 'label' is not numeric. Drop the column, or pass target= if it is "
                      "the label column."), "or pass --target if it is the label column", "target="),
    (errors.ParameterError("NeuralClassifier learning_rate_init must be a finite number > 0; got -1"),
     "error: --lr must be a finite number > 0; got -1", "learning_rate_init"),
    (errors.ParameterError("NeuralClassifier max_iter must be an integer >= 1; got 0"),
     "error: --epochs must be an integer >= 1; got 0", "max_iter"),
    (errors.TrainingError("loss became inf at epoch 1, step 3. Try a lower learning rate, gradient clipping "
                          "(clip_norm=1.0), or scaled inputs."), "gradient clipping (--clip-norm 1.0)", "clip_norm"),
    (errors.DataError("d.csv: no column named 'target'; the columns are: 'a', 'clip_norm'"),
     "no column named 'target'; the columns are: 'a', 'clip_norm'", "--"),  # names in quotes are data
    (errors.TrainingError("run.ckpt was written with other settings (random_state=1, not 0); pass force=True to "
                          "resume anyway"), "(--seed 1, not 0); pass --force to resume anyway", "force="),
], ids=["target", "lr", "epochs", "clip-norm", "quoted-names-kept", "force"])
def test_messages_name_the_flags_not_python_parameters(monkeypatch, capsys, exc, said, not_said):
    monkeypatch.setattr(cli, "cmd_neuron", raising(exc))
    assert main(["neuron", "--weights", "1", "--input", "1"]) == 1
    err = capsys.readouterr().err
    assert said in err and not_said not in err.split("error:", 1)[1], err


def test_an_interrupted_run_says_how_to_resume_in_flags(monkeypatch, capsys):
    monkeypatch.setattr(cli, "cmd_neuron", raising(errors.TrainingInterrupted(2, 40, "run.ckpt")))
    assert main(["neuron", "--weights", "1", "--input", "1"]) == 130
    err = capsys.readouterr().err
    assert "training interrupted at epoch 3, step 40; checkpoint saved to run.ckpt" in err
    assert "run the same command with --resume run.ckpt" in err and "resume=" not in err


def test_clip_norm_is_a_flag_that_reaches_the_estimator(tmp_path):
    assert main(["train", "iris", "--epochs", "2", "--clip-norm", "0.5", "--out", str(tmp_path / "m.nkm")]) == 0
    assert nk.load(tmp_path / "m.nkm").clip_norm == 0.5


def test_a_diverging_run_advises_the_clip_norm_flag(tmp_path, capsys):
    out = tmp_path / "d.nkm"
    assert main(["train", "diabetes", "--optimizer", "sgd", "--lr", "1e6", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "gradient clipping (--clip-norm=1.0)" in err and "clip_norm" not in err
    assert not out.exists()


# ----------------------------------------------------------------------------- 3, 4. negative numbers, hidden1[3]
def test_negative_numbers_are_values_not_options(iris_model, capsys):
    assert main(["neuron", "--weights", "-1,2", "--input", "1,-2", "--bias", "-1e-3"]) == 0
    out = capsys.readouterr().out
    assert "w1·x1 = -1 × 1 = -1" in out and out.strip().endswith("output       -5.001")
    assert main(["explain", str(iris_model), "--input", "-0.0019,3.5,1.4,0.2"]) == 0
    assert "raw input:     [-0.0019, 3.5, 1.4, 0.2]" in capsys.readouterr().out


def test_neuron_names_as_the_reports_print_them(iris_model, capsys):
    args = ["explain", str(iris_model), "--input", "5.1,3.5,1.4,0.2", "--neuron"]
    assert main([*args, "hidden1[3]"]) == 0
    bracket = capsys.readouterr().out
    assert main([*args, "hidden1:3"]) == 0
    assert capsys.readouterr().out == bracket
    assert "hidden1[3] (relu) on input x" in bracket


# ----------------------------------------------------------------------------- 5. a closed pipe
def test_a_closed_pipe_ends_quietly_with_exit_0(iris_model, tmp_path):
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(20000, 4)) + [5.8, 3.0, 3.8, 1.2]  # ~600 KB of output: far more than a pipe holds
    csv = tmp_path / "many.csv"
    csv.write_text("sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n"
                   + "\n".join(",".join(f"{v:.3f}" for v in r) for r in rows) + "\n")
    with subprocess.Popen([sys.executable, "-m", "neuronkit", "predict", str(iris_model), str(csv)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env()) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        header = proc.stdout.readline()  # like `| head -1`: read a line, then close the pipe
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0, err
    assert header.startswith(b"prediction,p(setosa)")
    assert err == ""


# ----------------------------------------------------------------------------- 6. explain
def test_explain_shows_the_raw_and_the_scaled_input(iris_model, capsys):
    assert main(["explain", str(iris_model), "--input", "6.7,3.0,5.2,2.3", "--neuron", "hidden1[0]"]) == 0
    out = capsys.readouterr().out
    assert "raw input:     [6.7, 3, 5.2, 2.3]" in out
    line = next(line for line in out.splitlines() if line.startswith("scaled input:"))
    assert "x = (raw - mean) / scale = [" in line
    shown = [float(v) for v in line.split("[")[1].rstrip("]").split(",")]
    est = nk.load(iris_model)
    with pytest.warns(UserWarning, match="feature names"):  # an array, where the model knows its names
        expected = est.transform_inputs(np.array([[6.7, 3.0, 5.2, 2.3]]))[0]
    np.testing.assert_allclose(shown, expected, rtol=1e-5)
    assert "mean and standard deviation of the training data; the network sees x" in out


def test_explain_lists_the_10_largest_products_and_full_lists_all(digits_model, capsys):
    ds = nk.datasets.load("digits")
    x = ds.X[5].astype(np.float64)
    args = ["explain", str(digits_model), "--input", ",".join(f"{v:g}" for v in x), "--neuron", "hidden1[1]"]
    assert main(args) == 0
    out = capsys.readouterr().out
    products = re.findall(r"w(\d+)·x\d+ = \S+ × \S+ = (\S+)   \(x\d+: (\w+), raw (\S+)\)", out)
    assert len(products) == 10
    est = nk.load(digits_model)
    with pytest.warns(UserWarning, match="feature names"):
        xs = est.transform_inputs(x[None, :])[0]
    wx = est.network_["hidden1"].weight.data[1].astype(np.float64) * xs  # weight rows: (out, in)
    order = [int(i) - 1 for i, *_ in products]
    assert order == list(np.argsort(-np.abs(wx), kind="stable")[:10])
    assert [name for _, _, name, _ in products] == [ds.feature_names[i] for i in order]  # named features
    assert [float(raw) for *_, raw in products] == [x[i] for i in order]  # and their raw values
    assert "(64 values; the 10 largest products |wi·xi| shown)" in out and "… 54 more, together" in out
    assert "(--full lists all 64 products)" in out
    rest = float(re.search(r"… 54 more, together (\S+)", out).group(1))
    total = float(re.search(r"Σ wi·xi = (\S+)", out).group(1))
    assert sum(float(p) for _, p, *_ in products) + rest == pytest.approx(total, rel=1e-4, abs=1e-5)
    assert main([*args, "--full"]) == 0
    assert len(re.findall(r"w\d+·x\d+ = ", capsys.readouterr().out)) == 64


# ----------------------------------------------------------------------------- 7. output paths
def _read_only_folder(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    for candidate in ("/sys", "/proc"):  # root writes anywhere permissions allow: these refuse even root
        try:
            with tempfile.NamedTemporaryFile(dir=candidate):
                pass
        except OSError:
            return Path(candidate)
    raise AssertionError("this test needs a folder that refuses writing (/sys or /proc on Linux, or a non-root user)")


@pytest.mark.parametrize("flag", ["--out", "--checkpoint"])
def test_output_paths_are_refused_before_training(tmp_path, monkeypatch, capsys, flag):
    monkeypatch.chdir(tmp_path)
    target = _read_only_folder(tmp_path) / "x.nkm"
    assert main(["train", "iris", "--epochs", "1", flag, str(target)]) == 2
    err = capsys.readouterr().err
    assert f"{flag} '{target}' cannot be written: no permission to write in" in err
    assert "training on" not in err and "Errno" not in err and ".tmp" not in err
    assert main(["train", "iris", "--epochs", "1", flag, str(tmp_path)]) == 2
    assert "training on" not in capsys.readouterr().err


def test_inspect_leaves_no_folder_behind_when_it_fails(iris_model, tmp_path, monkeypatch, capsys):
    import neuronkit.inspect.report as report

    def half_written(model, X, y, *, out_dir, **options):
        Path(out_dir).mkdir(parents=True)
        (Path(out_dir) / "weights.png").write_bytes(b"partial")
        raise errors.DataError("the report could not be drawn")

    monkeypatch.setattr(report, "write_report", half_written)
    out = tmp_path / "new" / "report"
    assert main(["inspect", str(iris_model), "iris", "--out", str(out)]) == 1
    assert "the report could not be drawn" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "mine"
    kept.mkdir()
    (kept / "notes.txt").write_text("the user's")
    assert main(["inspect", str(iris_model), "iris", "--out", str(kept)]) == 1
    assert (kept / "notes.txt").read_text() == "the user's"  # a folder that was there stays


def test_inspect_passes_feature_names_when_the_report_takes_them(iris_model, tmp_path, monkeypatch):
    import neuronkit.inspect.report as report

    seen = {}

    def write_report(model, X, y=None, *, out_dir, feature_names=None, **options):
        seen["names"] = feature_names
        raise errors.DataError("stop here")

    monkeypatch.setattr(report, "write_report", write_report)
    assert main(["inspect", str(iris_model), "iris", "--out", str(tmp_path / "r")]) == 1
    assert seen["names"] == ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


# ----------------------------------------------------------------------------- 8. missing extras


@pytest.mark.parametrize("blocked, args, fragment", [
    ("safetensors,sklearn,scipy,tqdm,matplotlib", ["summary", "{model}"],
     'neuronkit summary needs safetensors, which is not installed; install it with: pip install "neuronkit[train]"'),
    ("safetensors,sklearn,scipy,tqdm,matplotlib", ["explain", "{model}", "--input", "1,2,3,4"],
     'pip install "neuronkit[train]"'),
    ("sklearn", ["evaluate", "{model}", "iris"],
     'neuronkit evaluate needs scikit-learn, which is not installed; install it with: pip install "neuronkit[train]"'),
    ("matplotlib", ["inspect", "{model}", "iris"],
     'neuronkit inspect needs matplotlib, which is not installed; install it with: pip install "neuronkit[plot]"'),
], ids=["summary", "explain", "evaluate", "inspect"])
def test_a_missing_extra_is_named(iris_model, tmp_path, blocked, args, fragment):
    argv = [a.format(model=iris_model) for a in args]
    proc = subprocess.run([sys.executable, "-c", BLOCKER, blocked, *argv], capture_output=True, text=True,
                          env=env(), cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert fragment in proc.stderr and "corrupted" not in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_module_missing_deep_inside_a_command_names_its_extra(monkeypatch, capsys):
    monkeypatch.setattr(cli, "cmd_neuron", raising(ModuleNotFoundError("No module named 'matplotlib'",
                                                                       name="matplotlib")))
    assert main(["neuron", "--weights", "1", "--input", "1"]) == 1
    err = capsys.readouterr().err
    assert 'neuronkit neuron needs matplotlib, which is not installed; install it with: pip install ' \
           '"neuronkit[plot]"' in err and "bug" not in err


# ----------------------------------------------------------------------------- 9. summary
def test_summary_shows_features_target_training_data_and_test_metrics(iris_model, capsys):
    assert main(["summary", str(iris_model)]) == 0
    out = capsys.readouterr().out
    record = nk.load(iris_model).training_data_
    assert "task: classification" in out
    assert "features (4): sepal length (cm), sepal width (cm), petal length (cm), petal width (cm)" in out
    assert "target: species" in out
    assert "trained on: iris (120 rows for training, 30 held out for testing)" in out
    metrics = record["test_metrics"]
    assert (f"test metrics at training: accuracy {metrics['accuracy']:.4g}, balanced accuracy "
            f"{metrics['balanced_accuracy']:.4g} (30 samples)") in out


def test_summary_of_a_model_without_names_says_so(tmp_path, capsys):
    ds = nk.datasets.load("iris")
    with pytest.warns(Warning):  # 3 epochs: not converged, on purpose
        est = nk.NeuralClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(ds.X, ds.targets())
    nk.save(est, tmp_path / "arrays.nkm")
    assert main(["summary", str(tmp_path / "arrays.nkm")]) == 0
    assert "features: 4 (unnamed: trained on an array without column names)" in capsys.readouterr().out


# ----------------------------------------------------------------------------- 10. Ctrl-C
def _interrupt(tmp_path: Path, *extra: str) -> tuple[int, str]:
    with subprocess.Popen([sys.executable, "-m", "neuronkit", "train", "iris", "--epochs", "1000000", *extra],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), cwd=tmp_path) as proc:
        assert proc.stderr is not None
        assert proc.stderr.readline().startswith("training on iris")
        assert proc.stderr.readline().startswith("epoch 25/")  # the progress log: inside fit
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        return proc.returncode, err


def test_ctrl_c_without_checkpoint_says_to_pass_one(tmp_path):
    code, err = _interrupt(tmp_path)
    assert code == 130 and "Traceback" not in err
    assert re.search(r"training interrupted at epoch \d+, step \d+; progress was not saved; pass --checkpoint PATH "
                     r"to be able to resume", err), err


def test_ctrl_c_with_checkpoint_says_how_to_resume(tmp_path):
    code, err = _interrupt(tmp_path, "--checkpoint", "run.ckpt")
    assert code == 130 and "Traceback" not in err
    assert "checkpoint saved to run.ckpt. To go on from there, run the same command with --resume run.ckpt" in err
    assert (tmp_path / "run.ckpt").is_file()
