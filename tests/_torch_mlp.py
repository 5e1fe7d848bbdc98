"""A neuronkit MLP's weights in torch (float64, logits out): the reference network of the attribution tests."""

from __future__ import annotations

import numpy as np
import torch

import neuronkit as nk


def torch_mlp(net: nk.Sequential, activation: str = "relu") -> torch.nn.Sequential:
    """The same weights in torch, one ``activation`` module (relu or tanh) after every layer but the last."""
    mods: list[torch.nn.Module] = []
    layers = list(net)
    for i, layer in enumerate(layers):
        lin = torch.nn.Linear(layer.in_features, layer.out_features).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.weight.data.astype(np.float64)))
            lin.bias.copy_(torch.from_numpy(layer.bias.data.astype(np.float64)))
        mods.append(lin)
        if i < len(layers) - 1:
            mods.append({"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[activation]())
    return torch.nn.Sequential(*mods).eval()
