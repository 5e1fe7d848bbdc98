"""Data-parallel training over MPI (issue 17, item 3): training steps per second on 1 and 2 ranks.

scikit-learn's 1,797 digits (pixels / 16), an MLP 64-256-256-10 (ReLU, softmax; ``nk.mlp(..., seed=0)``), Adam
lr 1e-3, a global batch of :data:`BATCH` (7 steps an epoch), :data:`EPOCHS` epochs. Each configuration runs in
fresh processes with one BLAS thread per process (``OPENBLAS_NUM_THREADS=1``):

* **fit**: one process, plain ``nk.fit`` (no MPI);
* **1 rank**: ``mpirun -n 1``, ``nk.fit`` with a :class:`~neuronkit.distributed.DataParallel` (its Allreduce
  over one rank: the callback's own cost);
* **2 ranks**: ``mpirun -n 2 --oversubscribe``, each rank on half of every global batch.

Reported (JSON, ``bench/results/distributed.json``): steps per second of each (the median of ``--repeats``
runs, timed on rank 0 around ``fit``), the speed-up of 2 ranks over 1, the floats and bytes one Allreduce
carries per step, the machine and the load average.

    python bench/bench_distributed.py [--smoke] [--repeats 3] [--json FILE]

``--smoke`` runs 1 epoch once (a check that the script runs).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as C
import numpy as np

RESULTS = C.BENCH_DIR / "results"
SIZES = [64, 256, 256, 10]
BATCH = 256
EPOCHS = 20
CHILD = "--child"


def child(mode: str, epochs: int, out: str) -> None:
    """One timed run (in a process of its own, under mpirun for the MPI modes); rank 0 writes ``out``."""
    import neuronkit as nk

    ds = nk.datasets.load("digits")
    X, y = (ds.X / np.float32(16)).astype(np.float32), ds.y
    callbacks: list[Any] = []
    root = True
    if mode != "fit":
        dp = nk.distributed.DataParallel()
        callbacks, root = [dp], dp.is_root
    net = nk.mlp(SIZES, output="softmax", seed=0)
    if mode != "fit":  # the clock starts when every rank is ready (not while one still imports)
        callbacks[0].comm.Barrier()
    start = time.perf_counter()
    history = nk.fit(net, X, y, epochs=epochs, batch_size=BATCH, lr=1e-3, seed=0, progress=False, metrics=None,
                     callbacks=callbacks)
    seconds = time.perf_counter() - start
    if root:
        steps = epochs * -(-len(X) // BATCH)
        Path(out).write_text(json.dumps({"seconds": seconds, "steps": steps, "loss": history.history["loss"][-1]}))


def measure(mode: str, ranks: int, epochs: int, repeats: int) -> dict[str, Any]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONPATH": str(C.BENCH_DIR.parent / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "result.json")
        command = [sys.executable, __file__, CHILD, mode, str(epochs), out]
        if mode != "fit":
            command = [shutil.which("mpirun") or "mpirun", "--allow-run-as-root", "--oversubscribe", "-n",
                       str(ranks), *command]
        for _ in range(repeats):
            time.sleep(C.SETTLE_SECONDS)
            subprocess.run(command, check=True, env=env, capture_output=True)
            runs.append(json.loads(Path(out).read_text()))
    rates = [r["steps"] / r["seconds"] for r in runs]
    return {"ranks": ranks, "steps_per_second": statistics.median(rates), "runs": rates,
            "final_loss": runs[-1]["loss"]}


def run(argv: list[str] | None = None) -> dict[str, Any]:
    args, repeats, _ = C.start("Data-parallel training over MPI: steps per second on 1 and 2 ranks", argv, 3)
    import neuronkit as nk

    epochs = 1 if args.smoke else EPOCHS
    json_path = args.json or (None if args.smoke else RESULTS / "distributed.json")
    params = sum(p.size for p in nk.mlp(SIZES, output="softmax", seed=0).parameters())
    # every gradient, a "has a gradient" flag per array, the loss, the weight and the Ctrl-C flag
    floats = params + 2 * (len(SIZES) - 1) + 3
    load_before = os.getloadavg()
    C.log(f"digits: MLP {SIZES} ({params} parameters), global batch {BATCH}, {epochs} epochs; one Allreduce of "
          f"{floats} float64 ({floats * 8 / 1024:.0f} KiB) per step")
    results: dict[str, Any] = {"sizes": SIZES, "batch_size": BATCH, "epochs": epochs, "parameters": params,
                               "allreduce_floats": floats, "allreduce_bytes": floats * 8, "smoke": args.smoke,
                               "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    for name, mode, ranks in (("fit", "fit", 1), ("1 rank", "mpi", 1), ("2 ranks", "mpi", 2)):
        results[name] = measure(mode, ranks, epochs, repeats)
        C.log(f"{name:8s} {results[name]['steps_per_second']:8.1f} steps/s  (final loss "
              f"{results[name]['final_loss']:.4f})")
    results["speedup_2_over_1"] = C.ratio(results["2 ranks"]["steps_per_second"],
                                          results["1 rank"]["steps_per_second"])
    C.log_ratios({"2 ranks / 1 rank": results["speedup_2_over_1"]})
    results["load_average"] = {"before": load_before, "after": os.getloadavg()}
    results["machine"] = C.machine_info()
    C.emit(results, json_path)
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == CHILD:
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        run()
