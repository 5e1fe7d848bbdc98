"""The same network in PyTorch: a neuronkit ``Sequential`` turned into torch modules with its weights copied.

Used by the accuracy benchmarks (``bench_accuracy_cnn.py``, ``bench_accuracy_text.py``) and by
``tests/test_accuracy_small.py``: both frameworks start from identical weights and then train
on the same batches (``nk.data.batch_indices``, the order ``nk.fit`` uses) with the same
optimiser settings, so any gap in accuracy comes from the frameworks, not from the setup.

The output layer's softmax is left out of the torch model (``F.cross_entropy`` takes logits,
as neuronkit's cross-entropy does through ``net.logits``). Token-id models get the padding
mask ``ids != padding_idx`` exactly as ``Sequential`` builds it.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

ACTIVATIONS = {"identity": None, "softmax": None, "relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid",
               "gelu": "GELU", "elu": "ELU", "silu": "SiLU"}


def _activation(torch: Any, layer: Any, last: bool) -> Any:
    name = layer.activation.name
    if name == "softmax" and not last:
        raise ValueError("a softmax inside the network is not mirrored")
    if name not in ACTIVATIONS:
        raise ValueError(f"activation {name!r} has no mirror here; add it to ACTIVATIONS")
    return None if ACTIVATIONS[name] is None else getattr(torch.nn, ACTIVATIONS[name])()


def _copy(param: Any, value: np.ndarray) -> None:
    import torch

    with torch.no_grad():
        param.copy_(torch.from_numpy(np.ascontiguousarray(value)))


def mirror(net: Any, torch: Any) -> Any:
    """A torch ``nn.Module`` computing ``net``'s logits, with ``net``'s current weights copied in.

    Its ``forward(x)`` takes a float tensor (images) or an int64 tensor of token ids.
    """
    import neuronkit as nk

    nn = torch.nn
    layers = list(net.layers.values())
    mods: list[tuple[str, Any]] = []  # (kind, module): kind "plain", "mask" (takes the mask) or "encoder"
    padding_idx = None
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        kind = "plain"
        if isinstance(layer, nk.Conv2d):
            pad = layer.padding if isinstance(layer.padding, str) else tuple(layer.padding)
            m = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, pad,
                          layer.dilation, layer.groups, layer.bias is not None)
            _copy(m.weight, layer.weight.data)
            if layer.bias is not None:
                _copy(m.bias, layer.bias.data)
            act = _activation(torch, layer, last)
            m = m if act is None else nn.Sequential(m, act)
        elif isinstance(layer, nk.MaxPool2d):
            m = nn.MaxPool2d(layer.kernel_size, layer.stride, layer.padding)
        elif isinstance(layer, nk.AvgPool2d):
            m = nn.AvgPool2d(layer.kernel_size, layer.stride, layer.padding, count_include_pad=True)
        elif isinstance(layer, nk.GlobalAvgPool2d):
            m = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        elif isinstance(layer, nk.Flatten):
            m = nn.Flatten()
        elif isinstance(layer, nk.Dense):
            m = nn.Linear(layer.in_features, layer.out_features)
            _copy(m.weight, layer.weight.data)
            _copy(m.bias, layer.bias.data)
            act = _activation(torch, layer, last)
            m = m if act is None else nn.Sequential(m, act)
        elif isinstance(layer, nk.Dropout):
            m = nn.Dropout(layer.p)
        elif isinstance(layer, nk.Embedding):
            m = nn.Embedding(layer.num_embeddings, layer.embedding_dim, padding_idx=layer.padding_idx)
            _copy(m.weight, layer.weight.data)
            padding_idx = layer.padding_idx
        elif isinstance(layer, nk.PositionalEmbedding):
            m = _Position(torch, layer.weight.data)
        elif isinstance(layer, nk.SequenceMeanPool):
            m, kind = _MeanPool(torch), "mask"
        elif isinstance(layer, nk.SequenceMaxPool):
            m, kind = _MaxPool(torch), "mask"
        elif isinstance(layer, nk.TransformerEncoderBlock):
            m = nn.TransformerEncoderLayer(layer.d_model, layer.num_heads, layer.dim_feedforward,
                                           dropout=layer.dropout.p, activation=layer.linear1.activation.name,
                                           batch_first=True, norm_first=layer.norm_first,
                                           layer_norm_eps=layer.layer_norm_eps)
            names = {"norm1.gamma": "norm1.weight", "norm1.beta": "norm1.bias", "norm2.gamma": "norm2.weight",
                     "norm2.beta": "norm2.bias"}
            params = dict(m.named_parameters())
            for name, value in layer.state_dict().items():
                _copy(params[names.get(name, name)], value)
            kind = "encoder"
        else:
            raise ValueError(f"no torch mirror for {type(layer).__name__} ({layer.name}); add one here")
        mods.append((kind, m))
    return _Mirror(torch, mods, padding_idx)


def _Position(torch: Any, weight: np.ndarray) -> Any:
    class Position(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(torch.from_numpy(weight.copy()))

        def forward(self, x: Any) -> Any:
            return x + self.weight[: x.shape[1]]

    return Position()


def _MeanPool(torch: Any) -> Any:
    class MeanPool(torch.nn.Module):
        def forward(self, x: Any, mask: Any) -> Any:
            if mask is None:
                return x.mean(dim=1)
            m = mask.to(x.dtype).unsqueeze(-1)
            return (x * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)

    return MeanPool()


def _MaxPool(torch: Any) -> Any:
    class MaxPool(torch.nn.Module):
        def forward(self, x: Any, mask: Any) -> Any:
            if mask is None:
                return x.max(dim=1).values
            return x.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(dim=1).values

    return MaxPool()


def _Mirror(torch: Any, mods: list[tuple[str, Any]], padding_idx: int | None) -> Any:
    class Mirror(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.kinds = [kind for kind, _ in mods]
            self.layers = torch.nn.ModuleList([m for _, m in mods])

        def forward(self, x: Any) -> Any:
            mask = None if padding_idx is None else x != padding_idx
            for kind, m in zip(self.kinds, self.layers):
                if kind == "mask":
                    x = m(x, mask)
                elif kind == "encoder":
                    x = m(x, src_key_padding_mask=None if mask is None else ~mask)
                else:
                    x = m(x)
            return x

    return Mirror()


# ----------------------------------------------------------------------------- training
def make_optimizer(torch: Any, model: Any, name: str, lr: float) -> Any:
    """``torch.optim`` with neuronkit's defaults for ``name`` (Adam: betas (0.9, 0.999), eps 1e-8)."""
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr)
    raise ValueError(f"optimizer {name!r} is not mirrored")


def torch_fit(torch: Any, model: Any, X: np.ndarray, y: np.ndarray, *, optimizer: str = "adam", lr: float = 1e-3,
              epochs: int, batch_size: int, seed: int) -> list[float]:
    """Train ``model`` as ``nk.fit(..., seed=seed, shuffle=True)`` does: the same batches, in the same order.

    Returns the epoch losses (the batch losses weighted by batch size, as nk.fit's ``history["loss"]``).
    """
    import neuronkit as nk

    F = torch.nn.functional
    opt = make_optimizer(torch, model, optimizer, lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    model.train()
    losses = []
    for epoch in range(epochs):
        total = 0.0
        for idx in nk.data.batch_indices(len(X), batch_size, shuffle=True, seed=seed, epoch=epoch):
            it = torch.from_numpy(idx)
            opt.zero_grad()
            loss = F.cross_entropy(model(Xt[it]), yt[it])
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / len(X))
    model.eval()
    return losses


def warm_up(torch: Any) -> None:
    """One Adam step on a throwaway model: torch's first optimiser step imports torch._dynamo (about 2 s on
    an idle machine, 20 s on a loaded one), a one-time cost that must not count as training time."""
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.Adam(model.parameters())
    model(torch.zeros(1, 2)).sum().backward()
    opt.step()


def set_threads(threads: int, torch: Any) -> None:
    """The same number of threads for both frameworks: NumPy's BLAS (threadpoolctl) and torch's intra-op pool."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    if torch is not None:
        torch.set_num_threads(threads)


def torch_accuracy(torch: Any, model: Any, X: np.ndarray, y: np.ndarray, batch_size: int = 1024) -> float:
    model.eval()
    preds = []
    with torch.inference_mode():
        for start in range(0, len(X), batch_size):
            preds.append(model(torch.from_numpy(X[start:start + batch_size])).argmax(1).numpy())
    return float(np.mean(np.concatenate(preds) == y))


def nk_accuracy(net: Any, X: np.ndarray, y: np.ndarray) -> float:
    import neuronkit as nk

    return float(np.mean(nk.training.outputs(net, X, batch_size=1024).argmax(axis=1) == y))


def compare_run(torch: Any, make_net: Any, X: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, *,
                optimizer: str, lr: float, epochs: int, batch_size: int, seed: int) -> dict[str, Any]:
    """One split: neuronkit trained with nk.fit, and (if torch) its mirror trained from the same start weights."""
    import neuronkit as nk

    net = make_net()
    model = mirror(net, torch) if torch is not None else None  # copied before training: both start equal
    t0 = time.perf_counter()
    history = nk.fit(net, X[train], y[train], optimizer=optimizer, lr=lr, epochs=epochs, batch_size=batch_size,
                     seed=seed, progress=False)
    result: dict[str, Any] = {"neuronkit": {"seconds": time.perf_counter() - t0,
                                            "accuracy": nk_accuracy(net, X[test], y[test]),
                                            "losses": [float(v) for v in history.history["loss"]]}}
    if model is not None:
        t0 = time.perf_counter()
        losses = torch_fit(torch, model, X[train], y[train], optimizer=optimizer, lr=lr, epochs=epochs,
                           batch_size=batch_size, seed=seed)
        result["torch"] = {"seconds": time.perf_counter() - t0,
                           "accuracy": torch_accuracy(torch, model, X[test], y[test]), "losses": losses}
    return result
