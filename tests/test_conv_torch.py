"""Conv2d and Conv1d equal torch.nn.Conv2d / Conv1d in float32, weights copied across.

40 configurations of each, drawn with a seeded Generator: kernel sizes, stride, padding (ints, pairs,
"same" with odd and even kernels, "valid"), dilation, groups, odd image sizes, bias on and off, one
sample or a batch, and a ReLU activation on some. "Equal" is max|Δ| / max|reference| <= 1e-5 for the
outputs and <= 1e-4 for the gradients of the input, the weight and the bias (the loss is
Σ output · R for a fixed random R, so every output element's gradient is checked).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import neuronkit as nk

torch.set_num_threads(1)


def rel(ours: np.ndarray, ref: torch.Tensor) -> float:
    ref_np = ref.detach().numpy()
    assert ours.shape == ref_np.shape and ours.dtype == ref_np.dtype == np.float32
    return float(np.abs(ours - ref_np).max() / max(np.abs(ref_np).max(), 1e-30))


def configurations(dims: int, count: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        groups = int(rng.choice([1, 1, 1, 2, 3]))
        kernel = tuple(int(k) for k in rng.integers(1, 6, size=dims))
        dilation = tuple(int(d) for d in rng.integers(1, 3, size=dims))
        padding_kind = rng.choice(["int", "tuple", "same", "valid"])
        stride = tuple(int(s) for s in rng.integers(1, 4, size=dims)) if padding_kind != "same" else (1,) * dims
        padding = {"int": int(rng.integers(0, 3)), "tuple": tuple(int(p) for p in rng.integers(0, 3, size=dims)),
                   "same": "same", "valid": "valid"}[padding_kind]
        reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
        size = tuple(int(r + rng.integers(0, 9)) for r in reach)  # odd and even, down to the kernel's reach
        out.append({
            "in_channels": groups * int(rng.integers(1, 4)), "out_channels": groups * int(rng.integers(1, 4)),
            "kernel_size": kernel if dims == 2 or i % 2 else kernel[0], "stride": stride, "padding": padding,
            "dilation": dilation, "groups": groups, "bias": bool(rng.random() < 0.75),
            "activation": "relu" if i % 4 == 3 else "identity", "batch": int(rng.integers(0, 4)), "size": size,
            "seed": int(rng.integers(1 << 30)),
        })
    return out


def check_against_torch(cls, torch_cls, cfg: dict) -> None:
    rng = np.random.default_rng(cfg["seed"])
    options = {k: cfg[k] for k in ("stride", "padding", "dilation", "groups", "bias")}
    layer = cls(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"], **options,
                activation=cfg["activation"], seed=0)
    ref = torch_cls(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"], **options)
    with torch.no_grad():  # torch's own random weights, copied into ours (and a non-zero bias)
        if cfg["bias"]:
            ref.bias.uniform_(-1.0, 1.0)
        layer.weight.data[...] = ref.weight.numpy()
        if cfg["bias"]:
            layer.bias.data[...] = ref.bias.numpy()
    shape = (cfg["in_channels"], *cfg["size"])
    x = rng.standard_normal(((cfg["batch"],) if cfg["batch"] else ()) + shape).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():  # torch warns (once) that it pads a copy for 'same' with an even reach
        warnings.filterwarnings("ignore", message=".*zero-padded copy", category=UserWarning)
        yt = ref(xt)
    if cfg["activation"] == "relu":
        yt = torch.relu(yt)
    xn = nk.Tensor(x, requires_grad=True)
    y = layer(xn)
    assert rel(y.data, yt) <= 1e-5
    assert y.shape == yt.shape
    assert layer.output_shape(shape) == tuple(yt.shape[-len(shape):])
    r = rng.standard_normal(yt.shape).astype(np.float32)
    (yt * torch.tensor(r)).sum().backward()
    (y * r).sum().backward()
    assert rel(xn.grad, xt.grad) <= 1e-4
    assert rel(layer.weight.grad, ref.weight.grad) <= 1e-4
    if cfg["bias"]:
        assert rel(layer.bias.grad, ref.bias.grad) <= 1e-4
    np.testing.assert_array_equal(layer.infer(x), y.data)


def even_same(cfg: dict) -> bool:
    """'same' padding with an even dilated reach: one more zero after than before (asymmetric)."""
    if cfg["padding"] != "same":
        return False
    kernel = cfg["kernel_size"] if isinstance(cfg["kernel_size"], tuple) else (cfg["kernel_size"],)
    return any(d * (k - 1) % 2 for k, d in zip(kernel, cfg["dilation"]))


CONV2D = configurations(2, 40, seed=2026)
CONV1D = configurations(1, 40, seed=1202)


@pytest.mark.parametrize("cfg", CONV2D, ids=[f"conv2d-{i}" for i in range(len(CONV2D))])
def test_conv2d_equals_torch(cfg):
    check_against_torch(nk.Conv2d, torch.nn.Conv2d, cfg)


@pytest.mark.parametrize("cfg", CONV1D, ids=[f"conv1d-{i}" for i in range(len(CONV1D))])
def test_conv1d_equals_torch(cfg):
    cfg = dict(cfg, stride=cfg["stride"][0], dilation=cfg["dilation"][0],
               padding=cfg["padding"][0] if isinstance(cfg["padding"], tuple) else cfg["padding"])
    check_against_torch(nk.Conv1d, torch.nn.Conv1d, cfg)


def test_the_configurations_cover_the_options():
    """The random draws include every option the comparison is meant to exercise."""
    for table in (CONV2D, CONV1D):
        assert {c["padding"] for c in table if isinstance(c["padding"], str)} == {"same", "valid"}
        assert any(c["padding"] == "same" and even_same(c) for c in table)  # an even reach: asymmetric padding
        assert {c["groups"] for c in table} == {1, 2, 3}
        assert any(max(c["stride"]) > 1 for c in table) and any(max(c["dilation"]) > 1 for c in table)
        assert {c["bias"] for c in table} == {True, False} and any(c["batch"] == 0 for c in table)
        assert any(s % 2 for c in table for s in c["size"])


def test_a_small_cnn_trains_like_torch():
    """Two SGD steps through conv -> relu -> conv -> flatten -> dense give torch's weights."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 2, 9, 8)).astype(np.float32)
    y = rng.integers(0, 3, size=4)
    c1 = nk.Conv2d(2, 4, 3, padding=1, activation="relu", seed=0)
    c2 = nk.Conv2d(4, 2, 3, stride=2, seed=0)
    dense = nk.Dense(2 * 4 * 3, 3, activation="identity", seed=0)
    t1, t2 = torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.Conv2d(4, 2, 3, stride=2)
    td = torch.nn.Linear(24, 3)
    for ours, theirs in ((c1, t1), (c2, t2), (dense, td)):
        ours.weight.data[...] = theirs.weight.detach().numpy()
        ours.bias.data[...] = theirs.bias.detach().numpy()
    params = [p for layer in (c1, c2, dense) for p in layer.parameters()]
    tparams = [p for layer in (t1, t2, td) for p in layer.parameters()]
    topt = torch.optim.SGD(tparams, lr=0.1)
    for _ in range(2):
        h = c2(c1(x))
        loss = nk.get_loss("cross_entropy")(dense(nk.engine.ops.reshape(h, (4, -1))), y)
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= 0.1 * p.grad
        topt.zero_grad()
        tl = torch.nn.functional.cross_entropy(td(t2(torch.relu(t1(torch.tensor(x)))).reshape(4, -1)),
                                               torch.tensor(y))
        tl.backward()
        topt.step()
        assert abs(loss.item() - tl.item()) <= 1e-5 * abs(tl.item())
    for p, tp in zip(params, tparams):
        assert rel(p.data, tp) <= 1e-5
