"""snnTorch as the reference: ``snntorch.Leaky`` and ``snntorch.Synaptic`` with the same parameters and
reset give the same membranes and spikes step by step, and the same gradients (a Linear layer's weights
copied into a Dense before them), float32: max|Δ|/max|ref| <= 1e-5 for values, <= 1e-4 for gradients."""

from __future__ import annotations

import numpy as np
import pytest
import snntorch as snn
import torch
from snntorch import surrogate as snn_surrogate

import neuronkit as nk
from neuronkit.spiking import LIF, Synaptic, record

T, B, IN, OUT = 12, 3, 5, 4


def close(ours: np.ndarray, ref: np.ndarray, tol: float, what: str) -> None:
    ref = np.asarray(ref)
    err = np.max(np.abs(ours - ref)) / max(np.max(np.abs(ref)), 1e-30)
    assert err <= tol, f"{what}: max|Δ|/max|ref| = {err:.2e} > {tol:.0e}"


def inputs(seed: int) -> tuple[np.ndarray, np.ndarray, torch.nn.Linear]:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=(T, B, IN)).astype(np.float32)
    loss_weights = rng.uniform(0.5, 1.5, size=(T, B, OUT)).astype(np.float32)
    fc = torch.nn.Linear(IN, OUT)
    with torch.no_grad():
        fc.weight.mul_(2.0)  # enough current for regular spiking
        fc.bias.add_(0.3)
    return x, loss_weights, fc


def ours_through(fc: torch.nn.Linear, neuron, x: np.ndarray, loss_weights: np.ndarray):
    dense = nk.Dense(IN, OUT, activation="identity", seed=0)
    dense.weight.data[...] = fc.weight.detach().numpy()
    dense.bias.data[...] = fc.bias.detach().numpy()
    xt = nk.Tensor(x.copy(), requires_grad=True)
    currents = dense(xt.reshape(T * B, IN)).reshape(T, B, OUT)
    with record() as rec:
        spikes = neuron(currents)
    (spikes * loss_weights).sum().backward()
    return spikes.data, rec[neuron.name], dense, xt


def check_spikes(ours: np.ndarray, ref: np.ndarray) -> None:
    np.testing.assert_array_equal(ours, ref)
    assert 0.1 < ref.mean() < 0.9, "the comparison needs both spikes and silences"


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
@pytest.mark.parametrize("learn", [False, True], ids=["fixed", "learn beta and threshold"])
def test_leaky_equals_snntorch(reset, learn):
    x, loss_weights, fc = inputs(1 + ["subtract", "zero", "none"].index(reset))
    beta = [0.5, 0.7, 0.8, 0.95] if learn else 0.8
    threshold = [0.9, 1.0, 1.1, 1.2] if learn else 1.0
    lif = snn.Leaky(beta=torch.tensor(beta), threshold=torch.tensor(threshold), reset_mechanism=reset,
                    spike_grad=snn_surrogate.fast_sigmoid(slope=25), learn_beta=learn, learn_threshold=learn)
    xt = torch.tensor(x, requires_grad=True)
    mem = lif.init_leaky()
    spk_rec, mem_rec = [], []
    for t in range(T):
        spk, mem = lif(fc(xt[t]), mem)
        spk_rec.append(spk)
        mem_rec.append(mem)
    spk_ref = torch.stack(spk_rec)
    (spk_ref * torch.tensor(loss_weights)).sum().backward()

    neuron = LIF(beta=beta, threshold=threshold, reset=reset, learn_beta=learn, learn_threshold=learn,
                 surrogate="fast_sigmoid", name="lif")
    spikes, rec, dense, ours_x = ours_through(fc, neuron, x, loss_weights)
    check_spikes(spikes, spk_ref.detach().numpy())
    close(rec["mem"], torch.stack(mem_rec).detach().numpy(), 1e-5, "membrane")
    close(dense.weight.grad, fc.weight.grad.numpy(), 1e-4, "weight gradient")
    close(dense.bias.grad, fc.bias.grad.numpy(), 1e-4, "bias gradient")
    close(ours_x.grad, xt.grad.numpy(), 1e-4, "input gradient")
    if learn:
        close(neuron.beta.grad, lif.beta.grad.numpy(), 1e-4, "beta gradient")
        close(neuron.threshold.grad, lif.threshold.grad.numpy(), 1e-4, "threshold gradient")


def test_leaky_default_surrogate_atan_and_scalar_learnt_beta():
    x, loss_weights, fc = inputs(7)
    lif = snn.Leaky(beta=0.9, learn_beta=True)  # snnTorch's default surrogate is atan(alpha=2)
    xt = torch.tensor(x, requires_grad=True)
    mem = lif.init_leaky()
    spk_rec = []
    for t in range(T):
        spk, mem = lif(fc(xt[t]), mem)
        spk_rec.append(spk)
    (torch.stack(spk_rec) * torch.tensor(loss_weights)).sum().backward()
    neuron = LIF(beta=0.9, learn_beta=True, surrogate="atan", name="lif")
    spikes, _, dense, _ = ours_through(fc, neuron, x, loss_weights)
    check_spikes(spikes, torch.stack(spk_rec).detach().numpy())
    assert neuron.beta.shape == ()
    close(neuron.beta.grad, lif.beta.grad.numpy(), 1e-4, "beta gradient")
    close(dense.weight.grad, fc.weight.grad.numpy(), 1e-4, "weight gradient")


def test_leaky_without_reset_delay_gives_snntorch_values():
    """reset_delay=False: the same spikes and (after-reset) membranes while no membrane is left above the
    threshold after its reset (snnTorch then resets once more; the gradients differ by design: snnTorch
    keeps the same-step reset in the graph, ours is detached like every reset)."""
    x, _, fc = inputs(11)
    with torch.no_grad():
        fc.weight.mul_(0.4)
    lif = snn.Leaky(beta=0.8, reset_mechanism="subtract", reset_delay=False,
                    spike_grad=snn_surrogate.fast_sigmoid(slope=25))
    with torch.no_grad():
        mem = lif.init_leaky()
        spk_rec, mem_rec = [], []
        for t in range(T):
            spk, mem = lif(fc(torch.tensor(x[t])), mem)
            spk_rec.append(spk.numpy())
            mem_rec.append(mem.numpy())
    assert np.max(mem_rec) <= 1.0
    neuron = LIF(beta=0.8, reset_delay=False, name="lif")
    spikes, rec, _, _ = ours_through(fc, neuron, x, np.ones((T, B, OUT), dtype=np.float32))
    check_spikes(spikes, np.stack(spk_rec))
    close(rec["mem"], np.stack(mem_rec), 1e-5, "membrane")


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_synaptic_equals_snntorch(reset):
    x, loss_weights, fc = inputs(21 + ["subtract", "zero", "none"].index(reset))
    with torch.no_grad():
        fc.weight.mul_(0.5)
    alpha, beta, threshold = [0.5, 0.6, 0.7, 0.9], [0.6, 0.7, 0.8, 0.9], 1.2
    syn_layer = snn.Synaptic(alpha=torch.tensor(alpha), beta=torch.tensor(beta), threshold=threshold,
                             reset_mechanism=reset, spike_grad=snn_surrogate.fast_sigmoid(slope=25),
                             learn_alpha=True, learn_beta=True, learn_threshold=True)
    xt = torch.tensor(x, requires_grad=True)
    syn, mem = syn_layer.init_synaptic()
    spk_rec, syn_rec, mem_rec = [], [], []
    for t in range(T):
        spk, syn, mem = syn_layer(fc(xt[t]), syn, mem)
        spk_rec.append(spk)
        syn_rec.append(syn)
        mem_rec.append(mem)
    spk_ref = torch.stack(spk_rec)
    (spk_ref * torch.tensor(loss_weights)).sum().backward()

    neuron = Synaptic(alpha=alpha, beta=beta, threshold=threshold, reset=reset, learn_alpha=True, learn_beta=True,
                      learn_threshold=True, name="syn")
    spikes, rec, dense, ours_x = ours_through(fc, neuron, x, loss_weights)
    check_spikes(spikes, spk_ref.detach().numpy())
    close(rec["syn"], torch.stack(syn_rec).detach().numpy(), 1e-5, "synaptic current")
    close(rec["mem"], torch.stack(mem_rec).detach().numpy(), 1e-5, "membrane")
    close(dense.weight.grad, fc.weight.grad.numpy(), 1e-4, "weight gradient")
    close(ours_x.grad, xt.grad.numpy(), 1e-4, "input gradient")
    for name in ("alpha", "beta", "threshold"):
        close(getattr(neuron, name).grad, getattr(syn_layer, name).grad.numpy(), 1e-4, f"{name} gradient")
