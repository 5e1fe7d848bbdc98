"""Workload 0: where the time of a workload-1 step goes — the kernels under every contender.

Side by side, NumPy (what neuronkit and the hand-written version call) against PyTorch, on the
exact operands of one training step of the MLP 784-256-128-10 at batch 128, and of the
batch-1024 prediction:

* ``products``  — the matrix products of one training step (3 forward, 3 weight gradients,
  2 input gradients) in the orientation neuronkit's ``linear`` uses (``(W xᵀ)ᵀ``, feature-major
  activations), and the same products in torch (``F.linear`` orientation); both 2 threads;
* ``optimizer`` — one optimiser step over the network's 235,146 parameters: ``nk.SGD`` /
  ``nk.Adam`` against ``torch.optim.SGD`` / ``torch.optim.Adam`` (foreach, 2 threads) and the
  hand-written NumPy update of workload 4;
* ``predict1024`` — the first layer's product at batch 1024 (most of workload 2's batch-1024 time);
* ``batchnorm``  — one BatchNorm layer over 256 features at batch 128 in training mode, forward
  and backward (``nk.BatchNorm`` against ``nn.BatchNorm1d``): not in the workloads, but what a
  ``batch_norm=True`` network adds to each step.

These are not targets; they explain the workload-1 and workload-2 ratios. A matrix product is
bound by the BLAS library (NumPy wheels: OpenBLAS; torch: MKL); an optimiser step over a large
parameter is bound by memory traffic (NumPy runs it on one core, torch on two).

    python bench/bench_kernels.py [--smoke] [--repeats N] [--json out.json]
"""

from __future__ import annotations

from typing import Any

import _common as C
import numpy as np

SIZES = [784, 256, 128, 10]
BATCH = 128
SEED = 0


def product_operands(batch: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    a: dict[str, np.ndarray] = {"x": rng.standard_normal((batch, SIZES[0]), dtype=np.float32)}
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        a[f"W{i}"] = rng.standard_normal((n_out, n_in), dtype=np.float32)
        # activations and their gradients are feature-major in neuronkit: (batch, n) arrays in Fortran order
        a[f"h{i}"] = np.asfortranarray(rng.standard_normal((batch, n_out), dtype=np.float32))
        a[f"g{i}"] = np.asfortranarray(rng.standard_normal((batch, n_out), dtype=np.float32))
    return a


def numpy_products(a: dict[str, np.ndarray]):
    """The 8 products of one step, as neuronkit's ``linear`` forms them."""
    x, W1, W2, W3 = a["x"], a["W1"], a["W2"], a["W3"]
    h1, h2, g1, g2, g3 = a["h1"], a["h2"], a["g1"], a["g2"], a["g3"]

    def step() -> tuple[np.ndarray, ...]:
        return ((W1 @ x.T).T, (W2 @ h1.T).T, (W3 @ h2.T).T,  # forward
                g3.T @ h2, g2.T @ h1, g1.T @ x,  # weight gradients
                (W3.T @ g3.T).T, (W2.T @ g2.T).T)  # input gradients (not for the data)

    return step


def torch_products(torch, a: dict[str, np.ndarray]):
    t = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in a.items()}
    x, W1, W2, W3, h1, h2, g1, g2, g3 = (t[k] for k in ("x", "W1", "W2", "W3", "h1", "h2", "g1", "g2", "g3"))
    F = torch.nn.functional

    def step() -> tuple[Any, ...]:
        with torch.no_grad():
            return (F.linear(x, W1), F.linear(h1, W2), F.linear(h2, W3),
                    g3.t().mm(h2), g2.t().mm(h1), g1.t().mm(x),
                    g3.mm(W3), g2.mm(W2))

    return step


def optimizer_cases(torch, name: str, hyper: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from bench_train import NumpyMLP

    import neuronkit as nk

    weights = C.initial_weights(SIZES, SEED)
    rng = np.random.default_rng(SEED + 1)
    grads = [rng.standard_normal(a.shape).astype(np.float32) * 1e-2 for pair in weights for a in pair]
    cases: dict[str, dict[str, Any]] = {}

    net = nk.mlp(SIZES, output="softmax", seed=SEED)
    params = net.parameters()
    for p, g in zip(params, grads):
        p.grad = g
    opt = nk.SGD(params, **hyper) if name == "sgd" else nk.Adam(params, **hyper)
    cases["neuronkit"] = {"fn": opt.step}

    hand = NumpyMLP(weights, name, hyper)
    cases["numpy"] = {"fn": lambda: hand.update(grads)}

    if torch is not None:
        tparams = [torch.nn.Parameter(torch.from_numpy(a.copy())) for pair in weights for a in pair]
        for p, g in zip(tparams, grads):
            p.grad = torch.from_numpy(g.copy())
        topt = torch.optim.SGD(tparams, **hyper) if name == "sgd" else torch.optim.Adam(tparams, **hyper)
        cases["torch"] = {"fn": topt.step}
    return cases


def batchnorm_cases(torch) -> dict[str, dict[str, Any]]:
    import neuronkit as nk

    rng = np.random.default_rng(SEED)
    x = np.asfortranarray(rng.standard_normal((BATCH, 256), dtype=np.float32))  # as a Dense layer hands it on
    g = np.asfortranarray(rng.standard_normal((BATCH, 256), dtype=np.float32))
    layer = nk.BatchNorm(256)

    def ours() -> None:
        layer.gamma.grad = layer.beta.grad = None
        layer(nk.Tensor(x, requires_grad=True)).backward(g)

    cases: dict[str, dict[str, Any]] = {"neuronkit": {"fn": ours}}
    if torch is not None:
        module, tg = torch.nn.BatchNorm1d(256), torch.from_numpy(np.ascontiguousarray(g))
        tx = torch.from_numpy(np.ascontiguousarray(x))

        def theirs() -> None:
            module.zero_grad()
            module(tx.requires_grad_()).backward(tg)

        cases["torch"] = {"fn": theirs}
    return cases


def timed_pair(cases: dict[str, dict[str, Any]], repeats: int, target: float) -> dict[str, dict[str, Any]]:
    for case in cases.values():
        case["number"] = C.calls_per_run(case["fn"], target)
    return C.round_robin(cases, repeats=repeats, warmup=1)


def run(argv: list[str] | None = None) -> dict[str, Any]:
    args, repeats, torch = C.start(__doc__.splitlines()[0], argv, default_repeats=7)
    target = 0.005 if args.smoke else 0.1
    from bench_train import OPTIMIZERS

    results: dict[str, Any] = {"workload": "kernels", "repeats": repeats, "results": {}, "ratios": {}}

    def record(key: str, timed: dict[str, dict[str, Any]], label: str) -> None:
        results["results"][key] = timed
        r = {name: t["median"] for name, t in timed.items()}
        ratios = {f"{a}/torch": C.ratio(r[a], r.get("torch")) for a in r if a != "torch" and "torch" in r}
        results["ratios"][key] = ratios
        C.log(f"[kernels] {label}, median of {repeats} (per call):")
        for name, t in r.items():
            C.log(f"  {name:10s} {C.fmt_time(t):>10s}")
        if ratios:
            C.log_ratios(ratios)

    a = product_operands(BATCH, SEED)
    cases = {"numpy": {"fn": numpy_products(a)}}
    if torch is not None:
        cases["torch"] = {"fn": torch_products(torch, a)}
    record("products", timed_pair(cases, repeats, target), f"the 8 matrix products of one batch-{BATCH} step")

    for name, hyper in OPTIMIZERS.items():
        record(f"optimizer_{name}", timed_pair(optimizer_cases(torch, name, hyper), repeats, target),
               f"one {name} step over the network's parameters")

    rng = np.random.default_rng(SEED)
    x, W = rng.standard_normal((1024, SIZES[0]), dtype=np.float32), a["W1"]
    cases = {"numpy": {"fn": lambda: (W @ x.T).T}}
    if torch is not None:
        tx, tW = torch.from_numpy(x), torch.from_numpy(W)
        cases["torch"] = {"fn": lambda: torch.nn.functional.linear(tx, tW)}
    record("predict1024", timed_pair(cases, repeats, target), "the first layer's product at batch 1024")
    record("batchnorm", timed_pair(batchnorm_cases(torch), repeats, target),
           f"a BatchNorm layer (256 features, batch {BATCH}, training): forward and backward")
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    run()
