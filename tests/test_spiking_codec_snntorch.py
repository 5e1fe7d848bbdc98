"""Encoders and spike losses against snnTorch 1.0 (spikegen and functional), the reference.

Equal means: the same spikes exactly (encoders); losses and their gradients within the float32
rule (max|Δ|/max|ref| <= 1e-5 for values, <= 1e-4 for gradients).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import snntorch.functional as SF
import torch
from snntorch import spikegen

import neuronkit as nk
from neuronkit.spiking import DeltaEncoder, LatencyEncoder, RateEncoder


def close(ours: np.ndarray, ref: torch.Tensor, tol: float) -> None:
    ref_array = ref.detach().numpy()
    assert np.shape(ours) == ref_array.shape
    assert np.max(np.abs(ours - ref_array)) <= tol * max(np.max(np.abs(ref_array)), 1e-30)


def unit_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    x = rng.random(shape).astype(np.float32)
    x.flat[:3] = [0.0, 1.0, 0.005]  # the ends of the range and a value below the latency threshold
    return x


@pytest.mark.parametrize("gain", [1.0, 0.6, 1.7])
def test_rate_encoder_rule_equals_snntorch_rate_given_the_same_uniform_draws(gain):
    x = unit_values(np.random.default_rng(0), (6, 5))
    torch.manual_seed(11)
    uniform = torch.rand((9, 6, 5))  # what torch.bernoulli draws from the same seed
    torch.manual_seed(11)
    ref = spikegen.rate(torch.from_numpy(x), num_steps=9, gain=gain)
    assert torch.equal(ref, (uniform < torch.clamp(torch.from_numpy(x) * gain, 0, 1)).float())  # its rule
    ours = RateEncoder(9, gain=gain, seed=0).rule(x, uniform.numpy())
    np.testing.assert_array_equal(ours, ref.numpy())


def test_rate_encoder_equals_snntorch_rate_in_distribution():
    x = np.linspace(0.0, 1.0, 11, dtype=np.float32)[None]
    steps = 20000
    ours = RateEncoder(steps, gain=0.8, seed=3)(x).data.mean(axis=0)[0]
    torch.manual_seed(3)
    ref = spikegen.rate(torch.from_numpy(x), num_steps=steps, gain=0.8).mean(dim=0)[0].numpy()
    p = 0.8 * x[0]
    sigma = np.sqrt(2 * p * (1 - p) / steps)  # of the difference of two independent rates
    assert np.all(np.abs(ours - ref) <= 5 * sigma + 1e-12)
    assert ours[0] == ref[0] == 0.0


@pytest.mark.parametrize(("tau", "threshold", "linear", "normalize"),
                         list(itertools.product([1.0, 5.0], [0.01, 0.2], [False, True], [False, True])))
def test_latency_encoder_equals_snntorch_latency(tau, threshold, linear, normalize):
    x = unit_values(np.random.default_rng(1), (7, 6))
    steps = 12
    # bypass=True: a value whose spike falls beyond the last step does not fire (without it snnTorch refuses)
    ref = spikegen.latency(torch.from_numpy(x), num_steps=steps, tau=tau, threshold=threshold, linear=linear,
                           normalize=normalize, bypass=True)
    ours = LatencyEncoder(steps, tau=tau, threshold=threshold, linear=linear, normalize=normalize)(x).data
    np.testing.assert_array_equal(ours, ref.numpy())
    assert ours.sum() > 0


def test_latency_encoder_equals_snntorch_latency_without_bypass_where_every_value_fits():
    x = np.random.default_rng(2).uniform(0.2, 1.0, (5, 8)).astype(np.float32)
    ref = spikegen.latency(torch.from_numpy(x), num_steps=10, tau=5.0, threshold=0.01)
    np.testing.assert_array_equal(LatencyEncoder(10, tau=5.0, threshold=0.01)(x).data, ref.numpy())
    assert ref.sum() == x.size  # every value fired once


@pytest.mark.parametrize(("threshold", "off_spike", "padding"),
                         list(itertools.product([0.1, 0.5], [False, True], [False, True])))
def test_delta_encoder_equals_snntorch_delta(threshold, off_spike, padding):
    sequences = np.random.default_rng(3).normal(size=(4, 9, 3)).astype(np.float32).cumsum(axis=1) * 0.3
    ref = spikegen.delta(torch.from_numpy(sequences).transpose(0, 1).contiguous(), threshold=threshold,
                         off_spike=off_spike, padding=padding)
    ours = DeltaEncoder(threshold=threshold, off_spike=off_spike, padding=padding)(sequences).data
    np.testing.assert_array_equal(ours, ref.numpy())
    assert np.abs(ours).sum() > 0


def _spike_data(seed: int, steps: int, batch: int, classes: int):
    rng = np.random.default_rng(seed)
    return (rng.random((steps, batch, classes)) < 0.35).astype(np.float32), rng.integers(0, classes, size=batch)


CASES = {
    "rate_cross_entropy": ({}, lambda: SF.ce_rate_loss(), False),
    "count_cross_entropy": ({}, lambda: SF.ce_count_loss(), False),
    "count_mse": ({}, lambda: SF.mse_count_loss(correct_rate=0.8, incorrect_rate=0.2), False),
    "count_mse[1, 0]": ({"correct_rate": 1.0, "incorrect_rate": 0.0}, lambda: SF.mse_count_loss(), False),
    "count_mse[0.75, 0.1]": ({"correct_rate": 0.75, "incorrect_rate": 0.1},
                             lambda: SF.mse_count_loss(correct_rate=0.75, incorrect_rate=0.1), False),
    "membrane_cross_entropy": ({}, lambda: SF.ce_max_membrane_loss(), True),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(("steps", "batch", "classes"), [(25, 16, 10), (3, 1, 2), (7, 5, 4)])
def test_spike_losses_equal_snntorch_values_and_gradients(case, steps, batch, classes):
    options, reference, membranes = CASES[case]
    outputs, y = _spike_data(steps * 100 + batch, steps, batch, classes)
    if membranes:
        outputs = np.random.default_rng(batch).normal(size=outputs.shape).astype(np.float32)
    ours_in = nk.Tensor(outputs, requires_grad=True)
    ours = nk.get_loss(case.split("[")[0], **options)(ours_in, y)
    ours.backward()
    ref_in = torch.tensor(outputs, requires_grad=True)
    ref = reference()(ref_in, torch.from_numpy(y).long()).reshape(())
    ref.backward()
    assert ours.dtype == np.float32
    close(ours.data, ref, 1e-5)
    close(ours_in.grad, ref_in.grad, 1e-4)
