"""Data-parallel training and federated averaging over MPI (issue 17 item 3): 2 ranks under mpirun, --oversubscribe.

Each MPI test runs a small script under ``mpirun -n 2`` (one BLAS thread per rank) that writes what each rank saw
to a JSON file; the test compares it with a one-process run made here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.cli import main
from neuronkit.distributed import shard_bounds
from neuronkit.federated import fedavg

from ._blocker import BLOCKER

SRC = str(Path(nk.__file__).resolve().parents[1])
# the Open MPI wheel puts mpirun beside this Python (a pyenv shim may not exist yet on a fresh machine)
_BESIDE = Path(sys.executable).with_name("mpirun")
MPIRUN = [str(_BESIDE) if _BESIDE.exists() else "mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2"]

DATA = """
import json, sys
import numpy as np
import neuronkit as nk
from neuronkit.distributed import DataParallel
rng = np.random.default_rng(0)
X = rng.normal(size=(203, 5)).astype(np.float32)
y = (X[:, 0] + X[:, 1] > 0).astype(int)
w = rng.uniform(0.5, 2.0, size=203)
dp = DataParallel()
"""


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def mpirun(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    if shutil.which(MPIRUN[0]) is None:
        raise RuntimeError("mpirun is not on PATH: install neuronkit[mpi] (mpi4py and the Open MPI wheel)")
    path = tmp_path / "script.py"
    path.write_text(DATA + textwrap.dedent(script))
    proc = subprocess.run([*MPIRUN, sys.executable, str(path), *args], capture_output=True, text=True, env=env(),
                          cwd=tmp_path, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(203, 5)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y, rng.uniform(0.5, 2.0, size=203)


def weights(net: nk.Module) -> list[np.ndarray]:
    return [p.data for p in net.parameters()]


# ----------------------------------------------------------------------------- without MPI
def test_shard_bounds_cut_a_batch_into_near_equal_consecutive_slices():
    assert [shard_bounds(10, rank=r, size=3) for r in range(3)] == [(0, 4), (4, 7), (7, 10)]
    assert [shard_bounds(2, rank=r, size=4) for r in range(4)] == [(0, 1), (1, 2), (2, 2), (2, 2)]
    for n, size in [(203, 2), (32, 5), (7, 7)]:
        bounds = [shard_bounds(n, rank=r, size=size) for r in range(size)]
        assert bounds[0][0] == 0 and bounds[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
        assert max(b - a for a, b in bounds) - min(b - a for a, b in bounds) <= 1


@pytest.mark.parametrize("kwargs, fragment", [
    ({"n": 4, "rank": 2, "size": 2}, "shard_bounds rank must be"),
    ({"n": 4, "rank": 0, "size": 0}, "shard_bounds size must be"),
    ({"n": -1, "rank": 0, "size": 1}, "shard_bounds n must be"),
])
def test_shard_bounds_refuses_bad_arguments(kwargs, fragment):
    n = kwargs.pop("n")
    with pytest.raises(nk.errors.ParameterError, match=fragment):
        shard_bounds(n, **kwargs)


def test_cli_distributed_without_mpi4py_names_the_extra(tmp_path):
    proc = subprocess.run([sys.executable, "-c", BLOCKER, "mpi4py", "train", "iris", "--distributed"],
                          capture_output=True, text=True, env=env(), cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "pip install 'neuronkit[mpi]'" in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_distributed_without_mpirun_says_how_to_start_it(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "neuronkit", "train", "iris", "--distributed"],
                          capture_output=True, text=True, env=env(), cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "only one (started without mpirun)" in proc.stderr
    assert "start it as: mpirun -n 2 neuronkit train iris --distributed" in proc.stderr
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- two ranks
def test_two_ranks_train_the_weights_of_one_process_with_the_same_global_batch(tmp_path):
    mpirun(tmp_path, """
        net = nk.mlp([5, 16, 2], output="softmax", seed=dp.rank)  # rank 0's weights are broadcast
        h = nk.fit(net, X, y, epochs=3, batch_size=32, seed=0, lr=0.01, validation_split=0.2, sample_weight=w,
                   callbacks=[dp], progress=dp.is_root)
        if dp.is_root:
            nk.save(net, "dp.nkm")
        json.dump({"history": h.history, "rank": dp.rank, "size": dp.size}, open(f"rank{dp.rank}.json", "w"))
    """)
    X, y, w = data()
    ref = nk.mlp([5, 16, 2], output="softmax", seed=0)
    h = nk.fit(ref, X, y, epochs=3, batch_size=32, seed=0, lr=0.01, validation_split=0.2, sample_weight=w,
               progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dp.nkm", "rank0.json", "rank1.json", "script.py"]
    for a, b in zip(weights(nk.load(tmp_path / "dp.nkm")), weights(ref), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    assert np.abs(weights(ref)[0] - weights(nk.mlp([5, 16, 2], output="softmax", seed=0))[0]).max() > 1e-3  # trained
    for rank in (0, 1):
        seen = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert (seen["rank"], seen["size"]) == (rank, 2)
        for key in ("loss", "val_loss"):  # the global batch's loss, the whole validation set: on every rank
            np.testing.assert_allclose(seen["history"][key], h.history[key], rtol=1e-5)
        assert seen["history"]["accuracy"] == h.history["accuracy"]  # outputs gathered in the global order
        assert seen["history"]["val_accuracy"] == h.history["val_accuracy"]


def test_resume_from_a_rank_0_checkpoint_continues_the_run(tmp_path):
    mpirun(tmp_path, """
        class Crash(nk.callbacks.Callback):  # the run dies (on every rank) after 2 of its 4 epochs
            def on_epoch_begin(self, state):
                if state.epoch == 2:
                    raise RuntimeError("killed")
        net = nk.mlp([5, 16, 2], output="softmax", seed=0)
        try:
            nk.fit(net, X, y, epochs=4, batch_size=32, seed=0, lr=0.01, callbacks=[dp, Crash()], progress=False,
                   checkpoint="run.ckpt" if dp.is_root else None)
        except RuntimeError:
            pass
        again = nk.mlp([5, 16, 2], output="softmax", seed=5)  # the checkpoint, not this, gives the weights
        h = nk.fit(again, X, y, epochs=4, batch_size=32, seed=0, lr=0.01, callbacks=[dp], progress=False,
                   resume="run.ckpt")
        if dp.is_root:
            nk.save(again, "resumed.nkm")
        json.dump(h.history, open(f"rank{dp.rank}.json", "w"))
    """)
    X, y, _ = data()
    ref = nk.mlp([5, 16, 2], output="softmax", seed=0)
    h = nk.fit(ref, X, y, epochs=4, batch_size=32, seed=0, lr=0.01, progress=False)
    for a, b in zip(weights(nk.load(tmp_path / "resumed.nkm")), weights(ref), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    for rank in (0, 1):
        seen = json.loads((tmp_path / f"rank{rank}.json").read_text())
        np.testing.assert_allclose(seen["loss"], h.history["loss"], rtol=1e-5)
        assert len(seen["loss"]) == 4
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "rank0.json", "rank1.json", "resumed.nkm", "run.ckpt", "script.py"]


def test_ranks_that_disagree_are_refused_on_every_rank_with_both_values(tmp_path):
    mpirun(tmp_path, """
        def attempt(**kwargs):
            args = dict(X=X, y=y, epochs=1, batch_size=32, seed=0, callbacks=[dp], progress=False)
            args.update(kwargs)
            try:
                nk.fit(nk.mlp([5, 4, 2], output="softmax", seed=0), args.pop("X"), args.pop("y"), **args)
            except nk.errors.NeuronkitError as error:
                return f"{type(error).__name__}: {error}"
            return "accepted"
        other = X.copy(); other[0, 0] += 1.0
        found = {
            "shape": attempt(X=X[:-1] if dp.rank else X, y=y[:-1] if dp.rank else y),
            "values": attempt(X=other if dp.rank else X),
            "seed": attempt(seed=dp.rank),
            "writer": attempt(checkpoint=None if dp.is_root else "rank1.ckpt"),
            "last batch": attempt(X=X[:33], y=y[:33]),
        }
        try:
            DataParallel(comm="world")
        except nk.errors.ParameterTypeError as error:
            found["comm"] = str(error)
        json.dump(found, open(f"rank{dp.rank}.json", "w"))
    """)
    seen = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert seen[0] == seen[1]  # refused alike on both ranks: neither waits for the other
    found = seen[0]
    assert found["shape"].startswith("ShapeError: DataParallel: the ranks disagree on the data: rank 1 has X of "
                                     "shape (202, 5), rank 0 of shape (203, 5)")
    assert found["values"].startswith("DataError: DataParallel: the ranks disagree on the data: rank 1's X has the "
                                      "shape of rank 0's (203, 5) but other values")
    assert found["seed"].startswith("ParameterError: DataParallel: rank 1 trains with seed=1, rank 0 with 0")
    assert "rank 1 was given a checkpoint or history file to write; only rank 0 writes" in found["writer"]
    assert "with 33 training samples and batch_size=32 the last batch of an epoch has 1" in found["last batch"]
    assert found["comm"].startswith("comm must be an mpi4py communicator")
    assert not (tmp_path / "rank1.ckpt").exists()


def test_fedavg_mpi_with_ranks_as_clients_equals_fedavg_in_one_process(tmp_path):
    mpirun(tmp_path, """
        from neuronkit.distributed import fedavg_mpi
        from neuronkit.federated import split_clients
        clients = split_clients(X, y, 2, how="iid", seed=0)
        mine = clients[dp.rank]
        model, history = fedavg_mpi(nk.mlp([5, 8, 2], output="softmax", seed=0), mine.X, mine.y, rounds=3,
                                    lr=0.1, batch_size=16, seed=4, validation_data=(X[:50], y[:50]))
        if dp.is_root:
            nk.save(model, "fed.nkm")
        json.dump(history.to_dict(), open(f"rank{dp.rank}.json", "w"))
    """)
    X, y, _ = data()
    clients = nk.federated.split_clients(X, y, 2, how="iid", seed=0)
    model, history = fedavg(nk.mlp([5, 8, 2], output="softmax", seed=0), clients, rounds=3, lr=0.1, batch_size=16,
                            seed=4, validation_data=(X[:50], y[:50]))
    for a, b in zip(weights(nk.load(tmp_path / "fed.nkm")), weights(model), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    for rank in (0, 1):
        rounds = json.loads((tmp_path / f"rank{rank}.json").read_text())["rounds"]
        for got, want in zip(rounds, history.to_dict()["rounds"], strict=True):
            assert (got["clients"], got["sizes"], got["seeds"]) == (want["clients"], want["sizes"], want["seeds"])
            for key in ("client_loss", "divergence", "loss", "accuracy", "val_loss", "val_accuracy"):
                assert got[key] == pytest.approx(want[key], rel=1e-5, abs=1e-7), key


def test_cli_train_distributed_matches_one_process_and_rank_0_alone_writes(tmp_path):
    out = tmp_path / "mpi"
    out.mkdir()
    proc = subprocess.run([*MPIRUN, sys.executable, "-m", "neuronkit", "train", "iris", "--distributed", "--epochs",
                           "5", "--out", "iris.nkm", "--checkpoint", "run.ckpt"], capture_output=True, text=True,
                          env=env(), cwd=out, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("model saved to iris.nkm") == 1  # rank 0 alone prints
    assert proc.stderr.count("training on iris") == 1
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["iris.nkm", "run.ckpt"]
    one = tmp_path / "one.nkm"
    assert main(["train", "iris", "--epochs", "5", "--out", str(one)]) == 0
    both = nk.load(out / "iris.nkm"), nk.load(one)
    for a, b in zip(weights(both[0].network_), weights(both[1].network_), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    assert both[0].loss_curve_ == pytest.approx(both[1].loss_curve_, rel=1e-5)
