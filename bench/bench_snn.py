"""Workload S1 (issue 13 item 7): one training epoch of a rate-coded spiking MLP on digits, neuronkit vs snnTorch.

The workload, the same in both libraries: scikit-learn's 1,797 digits, pixels / 16 in [0, 1], a
stratified 75/25 split (``nk.data.split_indices(n, 0.25, labels=y, seed=s)``); the network 64-128-10,
a fully connected layer and a leaky integrate-and-fire population twice (β = 0.9, threshold 1,
subtract reset, snnTorch's reset timing, fast-sigmoid surrogate of slope 25); Poisson rate coding
with T = 25 steps, done inside the training loop (each batch is encoded afresh); batch 64; Adam at
lr 2e-3; the rate cross-entropy loss (the cross-entropy of the output spikes at every step,
averaged over the steps). Side by side, in one process, interleaved run by run:

* ``neuronkit``  — ``nk.Sequential(RateEncoder(25), SpikingDense(64, 128, neuron=LIF(beta=0.9)),
  SpikingDense(128, 10, neuron=LIF(beta=0.9)))``, the ``"rate_cross_entropy"`` loss, ``nk.Adam``, a plain
  loop over shuffled batches (forward, loss, ``backward``, ``opt.step``);
* ``snntorch``   — snnTorch 1.0 as its tutorials write it: ``spikegen.rate(x, num_steps=25)``, then a
  loop over the 25 steps calling ``nn.Linear`` and ``snntorch.Leaky(beta=0.9,
  spike_grad=surrogate.fast_sigmoid(slope=25))`` per step, ``snntorch.functional.ce_rate_loss()``,
  ``torch.optim.Adam``; torch eager with 2 threads;
* ``snntorch.layerwise`` — the same snnTorch network run layer by layer: each ``nn.Linear`` once on
  all T·batch rows (as neuronkit's ``SpikingDense`` does), the ``Leaky`` loop over steps in between.
  Not the target's reference (the issue names the tutorial form): a stronger torch baseline, reported
  so the ratio is not read as coming from the batching alone.

All start from the same initial weights (torch's ``nn.Linear`` initialisation, copied) and see the same
batches; the Poisson draws differ (each library its own generator), so the epoch losses are close, not
equal. That the two compute the same thing is checked on one batch with the *same* input spikes: the
loss and every weight gradient agree (``same_spikes_check``; ``tests/test_bench_snn_smoke.py``).

Also measured: the test accuracy after :data:`EPOCHS` epochs of each (the mean of 3 seeds: the seed
draws the split, the initial weights, the batches and the spikes), the peak memory of one training
epoch (a subprocess per library: the RSS high-water mark above the baseline; for neuronkit also
``tracemalloc``'s peak), and the split of a neuronkit epoch under cProfile (the neurons' fused time
loops forward and backward, the weight products, the encoder, the loss, the optimiser, the rest).

    python bench/bench_snn.py [--smoke] [--repeats N] [--json out.json] [--threads N] [--no-memory]
                              [--accuracy-seeds N] [--epochs N]

The process CPU time of each epoch (all threads) is reported next to the wall time: on a busy machine
it is the steadier of the two.
"""

from __future__ import annotations

import cProfile
import inspect
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

import _common as C
import numpy as np

STEPS = 25
SIZES = (64, 128, 10)
BETA = 0.9
SLOPE = 25.0
BATCH = 64
LR = 2e-3
TEST_SIZE = 0.25
EPOCHS = 10  # epochs of the accuracy comparison
SEEDS = 3  # seeds of the accuracy comparison
SEED = 0  # the split, weights and batches of the timed epochs
TARGET_RATIO = 0.33  # an epoch: neuronkit's time at most a third of snnTorch's
MAX_GAP = 0.01  # neuronkit's mean test accuracy at most 1 point below snnTorch's


# ----------------------------------------------------------------------------- data
def digits(seed: int = SEED, n: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test): digits / 16 as float32 in [0, 1], a stratified 75/25 split.

    ``n`` keeps a stratified subset of that many rows first (smoke runs).
    """
    from sklearn.datasets import load_digits

    import neuronkit as nk

    data = load_digits()
    X = (data.data / 16.0).astype(np.float32)
    y = data.target.astype(np.int64)
    if n is not None:
        _, keep = nk.data.split_indices(len(y), n, labels=y, seed=0)
        X, y = X[keep], y[keep]
    train, test = nk.data.split_indices(len(y), TEST_SIZE, labels=y, seed=seed)
    return X[train], y[train], X[test], y[test]


def _batches(n: int, seed: int, epoch: int = 0) -> list[np.ndarray]:
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return [order[i:i + BATCH] for i in range(0, n, BATCH)]


# ----------------------------------------------------------------------------- the networks
def neuronkit_net(seed: int = SEED, sizes: tuple[int, ...] = SIZES, steps: int = STEPS):
    """RateEncoder(steps), then SpikingDense(a, b, neuron=LIF(beta=0.9)) for each pair of ``sizes``."""
    import neuronkit as nk
    from neuronkit import spiking

    layers = [spiking.SpikingDense(a, b, neuron=spiking.LIF(beta=BETA), seed=seed) for a, b in zip(sizes, sizes[1:])]
    return nk.Sequential(spiking.RateEncoder(steps, seed=seed), *layers)


def neuronkit_weights(net) -> list[Any]:
    """The net's weight and bias Parameters in torch's order (fc1.weight, fc1.bias, fc2.weight, fc2.bias)."""
    return [p for layer in list(net)[1:] for p in (layer.synapse.weight, layer.synapse.bias)]


def torch_net(torch, seed: int = SEED, *, sizes: tuple[int, ...] = SIZES, layerwise: bool = False):
    """snnTorch's network: nn.Linear + snn.Leaky twice (sizes a-b-c); its forward takes spikes (T, B, a)."""
    import snntorch as snn
    from snntorch import surrogate
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            grad = surrogate.fast_sigmoid(slope=SLOPE)
            self.fc1 = nn.Linear(sizes[0], sizes[1])
            self.lif1 = snn.Leaky(beta=BETA, spike_grad=grad)
            self.fc2 = nn.Linear(sizes[1], sizes[2])
            self.lif2 = snn.Leaky(beta=BETA, spike_grad=grad)

        def forward(self, x):  # the tutorials' loop: both layers at each step
            mem1, mem2 = self.lif1.init_leaky(), self.lif2.init_leaky()
            out = []
            for step in range(x.size(0)):
                spk1, mem1 = self.lif1(self.fc1(x[step]), mem1)
                spk2, mem2 = self.lif2(self.fc2(spk1), mem2)
                out.append(spk2)
            return torch.stack(out)

    class LayerwiseNet(Net):
        def forward(self, x):  # each Linear once on the T·B rows; each Leaky loops over the steps
            def leaky(lif, currents):
                mem, out = lif.init_leaky(), []
                for step in range(currents.size(0)):
                    spk, mem = lif(currents[step], mem)
                    out.append(spk)
                return torch.stack(out)

            return leaky(self.lif2, self.fc2(leaky(self.lif1, self.fc1(x))))

    torch.manual_seed(seed)
    return (LayerwiseNet if layerwise else Net)()


def initial_weights(torch, seed: int = SEED) -> list[np.ndarray]:
    """fc1.weight, fc1.bias, fc2.weight, fc2.bias: torch's nn.Linear initialisation (or neuronkit's without torch)."""
    if torch is None:
        return [p.data.copy() for p in neuronkit_weights(neuronkit_net(seed))]
    return [p.detach().numpy().copy() for p in torch_net(torch, seed).parameters()]


# ----------------------------------------------------------------------------- the contenders
def neuronkit_case(X, y, weights, seed: int = SEED) -> dict[str, Any]:
    import neuronkit as nk

    net = neuronkit_net(seed)
    params = neuronkit_weights(net)
    loss_fn = nk.get_loss("rate_cross_entropy")
    batches = _batches(len(X), seed)
    box: dict[str, Any] = {"net": net}

    def setup() -> None:
        for p, w in zip(params, weights):
            p.data[...] = w
        box["opt"] = nk.Adam(net.parameters(), lr=LR)

    def fn() -> None:
        opt, total, cpu = box["opt"], 0.0, time.process_time()
        net.train()
        for idx in batches:
            loss = loss_fn(net(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        box["loss"] = total / len(X)
        box.setdefault("cpu", []).append(time.process_time() - cpu)

    return {"fn": fn, "setup": setup, "box": box}


def torch_case(torch, X, y, weights, seed: int = SEED, *, layerwise: bool = False) -> dict[str, Any]:
    import snntorch.functional as SF
    from snntorch import spikegen

    model = torch_net(torch, seed, layerwise=layerwise)
    loss_fn = SF.ce_rate_loss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    batches = [torch.from_numpy(idx) for idx in _batches(len(X), seed)]
    box: dict[str, Any] = {"net": model}

    def setup() -> None:
        with torch.no_grad():
            for p, w in zip(model.parameters(), weights):
                p.copy_(torch.from_numpy(w))
        box["opt"] = torch.optim.Adam(model.parameters(), lr=LR)

    def fn() -> None:
        opt, total, cpu = box["opt"], 0.0, time.process_time()
        model.train()
        for idx in batches:
            spikes = spikegen.rate(Xt[idx], num_steps=STEPS)
            loss = loss_fn(model(spikes), yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        box["loss"] = total / len(X)
        box.setdefault("cpu", []).append(time.process_time() - cpu)

    return {"fn": fn, "setup": setup, "box": box}


def epochs(torch, X, y, weights, repeats: int, layerwise: bool = True) -> dict[str, Any]:
    """One training epoch of each contender, interleaved; medians of wall and CPU time, the ratios."""
    cases = {"neuronkit": neuronkit_case(X, y, weights)}
    if torch is not None:
        torch.manual_seed(SEED)
        cases["snntorch"] = torch_case(torch, X, y, weights)
        if layerwise:
            cases["snntorch.layerwise"] = torch_case(torch, X, y, weights, layerwise=True)
    timed = C.round_robin(cases, repeats=repeats, warmup=1)
    entry: dict[str, Any] = {name: {**t, "epoch_loss": float(cases[name]["box"]["loss"]),
                                    "cpu_median": statistics.median(cases[name]["box"]["cpu"][1:])}
                             for name, t in timed.items()}
    entry["ratios"] = {}
    for other in [name for name in entry if name.startswith("snntorch")]:
        entry["ratios"][f"neuronkit/{other}"] = C.ratio(entry["neuronkit"]["median"], entry[other]["median"])
        entry["ratios"][f"neuronkit/{other} cpu"] = C.ratio(entry["neuronkit"]["cpu_median"],
                                                            entry[other]["cpu_median"])
    return entry


# ----------------------------------------------------------------------------- the same spikes, the same numbers
def same_spikes_check(torch, X, y, weights, seed: int = SEED) -> dict[str, float]:
    """One batch through both networks with the same input spikes: the loss and the weight gradients compared.

    The spikes are drawn once (NumPy) and given to both networks after the encoder; each gradient's
    difference is max|Δ| / max|snnTorch's|. A threshold crossing decided differently by a rounding
    difference would show up here as a large difference.
    """
    import snntorch.functional as SF

    import neuronkit as nk

    net = neuronkit_net(seed)
    params = neuronkit_weights(net)
    for p, w in zip(params, weights):
        p.data[...] = w
    idx = _batches(len(X), seed)[0]
    spikes = (np.random.default_rng(seed).random((STEPS, len(idx), X.shape[1]), dtype=np.float32)
              < X[idx]).astype(np.float32)
    hidden = nk.Sequential(*list(net)[1:])  # the spiking layers, without the encoder
    loss = nk.get_loss("rate_cross_entropy")(hidden(spikes), y[idx])
    loss.backward()
    model = torch_net(torch, seed)
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(torch.from_numpy(w))
    reference = SF.ce_rate_loss()(model(torch.from_numpy(spikes)), torch.from_numpy(y[idx]))
    reference.backward()
    out = {"loss": loss.item(), "loss_snntorch": float(reference.item()),
           "loss_difference": abs(loss.item() - float(reference.item())) / abs(float(reference.item()))}
    names = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")
    for name, p, q in zip(names, params, model.parameters()):
        ref = q.grad.numpy()
        out[f"grad {name}"] = float(np.abs(p.grad - ref).max() / max(np.abs(ref).max(), 1e-30))
    return out


# ----------------------------------------------------------------------------- test accuracy after training
def neuronkit_accuracy(seed: int, epochs: int, n: int | None = None, torch=None) -> dict[str, Any]:
    """Train ``epochs`` epochs (the timed loop's form) from torch's initial weights; the test accuracy."""
    import neuronkit as nk

    X, y, Xte, yte = digits(seed, n)
    weights = initial_weights(torch, seed)
    net = neuronkit_net(seed)
    for p, w in zip(neuronkit_weights(net), weights):
        p.data[...] = w
    opt, loss_fn = nk.Adam(net.parameters(), lr=LR), nk.get_loss("rate_cross_entropy")
    start, losses = time.perf_counter(), []
    for epoch in range(epochs):
        net.train()
        total = 0.0
        for idx in _batches(len(X), seed, epoch):
            loss = loss_fn(net(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(X))
    seconds = time.perf_counter() - start
    with nk.eval_mode(), nk.no_grad():
        scores = loss_fn.decode(net(Xte).data)
    return {"accuracy": float((scores.argmax(axis=1) == yte).mean()), "losses": losses, "seconds": seconds}


def snntorch_accuracy(torch, seed: int, epochs: int, n: int | None = None) -> dict[str, Any]:
    import snntorch.functional as SF
    from snntorch import spikegen

    X, y, Xte, yte = digits(seed, n)
    model = torch_net(torch, seed)  # seeded: the weights initial_weights(torch, seed) gives neuronkit
    torch.manual_seed(seed)  # the spikes
    opt, loss_fn = torch.optim.Adam(model.parameters(), lr=LR), SF.ce_rate_loss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    start, losses = time.perf_counter(), []
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for idx in _batches(len(X), seed, epoch):
            i = torch.from_numpy(idx)
            loss = loss_fn(model(spikegen.rate(Xt[i], num_steps=STEPS)), yt[i])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(X))
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        counts = model(spikegen.rate(torch.from_numpy(Xte), num_steps=STEPS)).sum(0)
    return {"accuracy": float((counts.argmax(1).numpy() == yte).mean()), "losses": losses, "seconds": seconds}


def accuracy(torch, seeds: int, epochs: int, n: int | None = None) -> dict[str, Any]:
    runs = []
    for seed in range(seeds):
        r = {"neuronkit": neuronkit_accuracy(seed, epochs, n, torch)}
        if torch is not None:
            r["snntorch"] = snntorch_accuracy(torch, seed, epochs, n)
        runs.append(r)
        C.log(f"  seed {seed}: " + ", ".join(f"{who} {v['accuracy']:.4f} (last epoch loss {v['losses'][-1]:.4f}, "
                                             f"{v['seconds']:.1f} s)" for who, v in r.items()))
    out: dict[str, Any] = {"epochs": epochs, "seeds": seeds, "runs": runs}
    for who in runs[0]:
        out[who] = {"mean_accuracy": float(np.mean([r[who]["accuracy"] for r in runs])),
                    "accuracies": [r[who]["accuracy"] for r in runs]}
    if "snntorch" in out:
        out["difference"] = out["neuronkit"]["mean_accuracy"] - out["snntorch"]["mean_accuracy"]
        out["gap_ok"] = bool(out["difference"] >= -MAX_GAP)
    return out


# ----------------------------------------------------------------------------- the split of an epoch
def _lines(fn: Any) -> tuple[str, int, int]:
    """(file ending, first line, last line) of a function's source: nested closures (its VJP) fall inside."""
    lines, first = inspect.getsourcelines(inspect.unwrap(fn))
    path = inspect.getsourcefile(fn) or ""
    return "/".join(path.replace(os.sep, "/").split("/")[-2:]), first, first + len(lines) - 1


def _split_rules() -> list[tuple[str, str, Any]]:
    """(category, file ending, function names | (first, last) line range | None for the whole file)."""
    from neuronkit.engine import ops

    linear, sce = _lines(ops.linear), _lines(ops.softmax_cross_entropy)
    return [
        ("neuron loops backward", "engine/spiking.py", ("vjp", "_reverse", "_gradients", "_clip_mask")),
        ("neuron loops backward", "spiking/surrogates.py", None),  # the surrogate derivative, in the VJP
        ("neuron loops forward", "engine/spiking.py", None),
        ("neuron loops forward", "spiking/neurons.py", None),
        ("weight products", linear[0], (linear[1], linear[2])),
        ("weight products", "engine/tensor.py", ("linear_array",)),
        ("encoder", "spiking/encoders.py", None),
        ("loss", sce[0], (sce[1], sce[2])),
        ("loss", "spiking/losses.py", None),
        ("loss", "neuronkit/losses.py", None),
        ("optimizer", "/optim/", None),
        ("autodiff graph", "engine/tensor.py", ("backward", "_topological_order", "make")),
    ]


def _category(rules, filename: str, line: int, function: str) -> str | None:
    path = filename.replace(os.sep, "/")
    for name, where, which in rules:
        inside = path.endswith(where) or (where.startswith("/") and where in path)
        if not inside:
            continue
        if which is None or (isinstance(which, tuple) and which and isinstance(which[0], str) and function in which):
            return name
        if isinstance(which, tuple) and which and isinstance(which[0], int) and which[0] <= line <= which[1]:
            return name
    return None


def _pass_through(filename: str) -> bool:
    """Is this a built-in or NumPy's own Python code, whose time belongs to whoever called it?"""
    return filename == "~" or "/numpy/" in filename.replace(os.sep, "/")


def profile_split(X, y, weights, *, cpu_time: bool = False) -> dict[str, Any]:
    """One neuronkit epoch under cProfile; each function's own time (tottime) by category.

    ``cpu_time``: the profiler's clock is the process's CPU time instead of the wall clock (steadier on a
    busy machine; with one BLAS thread it is the time of the work itself).

    A built-in's time (a NumPy method such as ``ndarray.sum``, listed by cProfile on its own) and that of
    NumPy's Python-level functions (``np.copyto``, ``np.clip``: wrappers) is given to the categories of
    their callers, in proportion to the time each caller spent in them.
    """
    case = neuronkit_case(X, y, weights)
    case["setup"]()
    case["fn"]()  # warm
    case["setup"]()
    profiler = cProfile.Profile(time.process_time) if cpu_time else cProfile.Profile()
    profiler.enable()
    case["fn"]()
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rules = _split_rules()
    names = list(dict.fromkeys(name for name, _, _ in rules))
    split = {name: 0.0 for name in names + ["rest"]}

    def category(key: tuple[str, int, str], depth: int = 0) -> dict[str, float]:
        """Shares of categories for one function's own time (built-ins: through their callers)."""
        filename, line, function = key
        if not _pass_through(filename) or depth > 4:
            return {_category(rules, filename, line, function) or "rest": 1.0}
        callers = stats[key][4]
        total = sum(edge[2] for edge in callers.values())
        if not callers or total <= 0:
            return {"rest": 1.0}
        shares: dict[str, float] = {}
        for caller, edge in callers.items():
            for name, share in category(caller, depth + 1).items():
                shares[name] = shares.get(name, 0.0) + share * edge[2] / total
        return shares

    total = 0.0
    for key, entry in stats.items():
        total += entry[2]
        for name, share in category(key).items():
            split[name] += entry[2] * share
    return {"total": total, "seconds": split, "share": {k: v / total for k, v in split.items()},
            "clock": "process CPU time" if cpu_time else "wall"}


# ----------------------------------------------------------------------------- memory, one subprocess each
def child(framework: str, use_tracemalloc: bool, n: int | None) -> dict[str, Any]:
    """Runs in the subprocess: one training epoch, returns the memory figures in bytes."""
    from bench_cnn import _reset_peak, _status_kb

    torch = C.torch_or_none() if framework == "snntorch" else None
    X, y, _, _ = digits(SEED, n)
    weights = initial_weights(torch)  # the neuronkit child does not import torch: its memory is not counted
    case = neuronkit_case(X, y, weights) if framework == "neuronkit" else torch_case(torch, X, y, weights)
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


def run_child(framework: str, n: int | None, use_tracemalloc: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", framework]
    cmd += ["--n", str(n)] if n is not None else []
    cmd += ["--tracemalloc"] if use_tracemalloc else []
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"memory child {framework} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- main
def run(argv: list[str] | None = None) -> dict[str, Any]:
    p = C.parser(__doc__.splitlines()[0])
    p.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    p.add_argument("--no-accuracy", action="store_true", help="skip the accuracy comparison")
    p.add_argument("--epochs", type=int, default=None, help=f"epochs of the accuracy comparison (default {EPOCHS})")
    p.add_argument("--accuracy-seeds", type=int, default=None, help=f"seeds of the accuracy comparison ({SEEDS})")
    p.add_argument("--threads", type=int, default=None,
                   help=f"threads for PyTorch and for NumPy's BLAS (default {C.TORCH_THREADS}; 1 in a smoke run)")
    p.add_argument("--child", choices=("neuronkit", "snntorch"), help=__import__("argparse").SUPPRESS)
    p.add_argument("--n", type=int, default=None, help=__import__("argparse").SUPPRESS)
    p.add_argument("--tracemalloc", action="store_true", help=__import__("argparse").SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.tracemalloc, args.n)))
        return {}
    if args.smoke:
        C.SETTLE_SECONDS = 0.0
    repeats = args.repeats or (1 if args.smoke else 7)
    args.threads = args.threads or (1 if args.smoke else C.TORCH_THREADS)
    torch = C.torch_or_none(args.no_torch)
    if args.threads != C.TORCH_THREADS:
        if torch is not None:
            torch.set_num_threads(args.threads)
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads, user_api="blas")
    n = 400 if args.smoke else None
    X, y, _, _ = digits(SEED, n)
    weights = initial_weights(torch)
    results: dict[str, Any] = {"workload": "snn", "n_train": len(X), "steps": STEPS, "sizes": list(SIZES),
                               "batch_size": BATCH, "lr": LR, "repeats": repeats, "threads": args.threads,
                               "target_ratio": TARGET_RATIO}
    entry = epochs(torch, X, y, weights, repeats)
    results["epoch"] = entry
    C.log(f"[snn] one training epoch, digits ({len(X)} training samples), {'-'.join(map(str, SIZES))} LIF, T = "
          f"{STEPS}, batch {BATCH}, Adam {LR:g}, median of {repeats}:")
    for name in [k for k in entry if k != "ratios"]:
        C.log(f"  {name:19s} {C.fmt_time(entry[name]['median']):>10s}   (epoch loss {entry[name]['epoch_loss']:.4f}; "
              f"CPU time {C.fmt_time(entry[name]['cpu_median'])})")
    C.log_ratios(entry["ratios"])
    if torch is not None:
        results["same_spikes"] = same_spikes_check(torch, X, y, weights)
        C.log("[snn check] one batch, the same input spikes: relative differences " + ", ".join(
            f"{k} {v:.1e}" for k, v in results["same_spikes"].items() if k.startswith(("grad", "loss_d"))))
    if not args.no_accuracy:
        ep = args.epochs or (1 if args.smoke else EPOCHS)
        seeds = args.accuracy_seeds or (1 if args.smoke else SEEDS)
        C.log(f"[snn accuracy] test accuracy after {ep} epochs, {seeds} seeds:")
        acc = accuracy(torch, seeds, ep, n)
        results["accuracy"] = acc
        C.log(f"  mean: neuronkit {acc['neuronkit']['mean_accuracy']:.4f}" + (
            f", snntorch {acc['snntorch']['mean_accuracy']:.4f}, difference {acc['difference']:+.4f} "
            f"({'within' if acc['gap_ok'] else 'NOT within'} {MAX_GAP:g})" if "snntorch" in acc else ""))
    results["split"] = profile_split(X, y, weights, cpu_time=args.threads == 1)
    C.log(f"[snn split] one neuronkit epoch under cProfile ({C.fmt_time(results['split']['total'])} of "
          f"{results['split']['clock']} with the profiler's overhead):")
    for name, seconds in results["split"]["seconds"].items():
        C.log(f"  {name:22s} {C.fmt_time(seconds):>10s}  {results['split']['share'][name]:6.1%}")
    if not args.no_memory:
        mem: dict[str, Any] = {}
        for framework in ("neuronkit", "snntorch") if torch is not None and not args.smoke else ("neuronkit",):
            mem[framework] = run_child(framework, n)
        mem["neuronkit"].update(run_child("neuronkit", n, use_tracemalloc=True))
        mem["ratios"] = {"neuronkit/snntorch": C.ratio(mem["neuronkit"]["training_peak"],
                                                       mem["snntorch"]["training_peak"]) if "snntorch" in mem else None}
        results["memory"] = mem
        C.log("[snn memory] one training epoch, peak RSS above the baseline (library + data + model), MiB:")
        for framework in ("neuronkit", "snntorch"):
            if framework in mem:
                r = mem[framework]
                tm = f"   tracemalloc peak {r['tracemalloc_peak'] / 2**20:6.2f}" if "tracemalloc_peak" in r else ""
                C.log(f"  {framework:10s} {r['training_peak'] / 2**20:7.2f}{tm}")
        C.log_ratios(mem["ratios"])
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    run()
