"""weight_change_map and weight_trajectories draw the weight changes that learn() made."""

from __future__ import annotations

import numpy as np
import pytest

from neuronkit.errors import NameNotFoundError, ParameterError, ParameterTypeError, ShapeError
from neuronkit.spiking import LIF, SpikingDense
from neuronkit.spiking.learning import learn
from neuronkit.spiking.plasticity import Hebbian
from neuronkit.spiking.plots import weight_change_map, weight_trajectories


def _history():
    layer = SpikingDense(4, 2, neuron=LIF(beta=0.8, dtype=np.float64), bias=False, dtype=np.float64, seed=0,
                         name="exc")
    layer.synapse.weight.data[:] = [[0.9, 0.9, 0.9, 0.9], [0.0, 0.0, 0.0, 0.0]]
    spikes = np.zeros((12, 1, 4))
    spikes[:, 0, :2] = 1.0                                    # inputs 0 and 1 fire at every step
    return learn(layer, spikes, Hebbian(lr=0.01), record_every=3), layer


def test_the_map_draws_each_weight_change_on_a_colour_scale_centred_at_zero():
    history, layer = _history()
    change = history.weight_change("exc")
    assert change[0, 0] > 0 and np.all(change[:, 2:] == 0) and np.all(change[1] == 0)
    fig = weight_change_map(history)
    image = fig.axes[0].images[0]
    np.testing.assert_array_equal(image.get_array(), change)
    low, high = image.get_clim()
    assert high == pytest.approx(np.abs(change).max()) and low == -high
    assert image.get_cmap().name == "RdBu_r"
    assert fig.axes[0].get_title().startswith("Δw: 2 of 8 weights changed")
    same = weight_change_map(history.before["exc"], layer.synapse.weight)   # the arrays, or the Parameter
    np.testing.assert_array_equal(same.axes[0].images[0].get_array(), change)


def test_the_map_as_images_one_per_postsynaptic_neuron():
    rng = np.random.default_rng(0)
    before, after = rng.normal(size=(5, 12)), rng.normal(size=(5, 12))
    fig = weight_change_map(before, after, shape=(3, 4))
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 5
    for i, image in enumerate(images):
        np.testing.assert_allclose(image.get_array(), (after - before)[i].reshape(3, 4))
        assert image.get_clim() == pytest.approx((-np.abs(after - before).max(), np.abs(after - before).max()))
    two = weight_change_map(before, after, shape=(3, 4), neurons=[4, 1])
    np.testing.assert_allclose(two.axes[0].images[0].get_array(), (after - before)[4].reshape(3, 4))
    assert two.axes[0].get_title() == "neuron 4"


def test_the_map_draws_a_blank_change_without_failing(tmp_path):
    fig = weight_change_map(np.ones((2, 2)), np.ones((2, 2)), path=tmp_path / "map.png")
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)
    assert (tmp_path / "map.png").stat().st_size > 0


def test_the_map_refuses_mismatched_input():
    with pytest.raises(ShapeError, match=r"before has shape \(2, 3\) but after has \(3, 2\)"):
        weight_change_map(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ShapeError, match=r"shape \(2, 2\) holds 4 values but each neuron has 3 inputs"):
        weight_change_map(np.zeros((2, 3)), np.ones((2, 3)), shape=(2, 2))
    with pytest.raises(ParameterTypeError, match="shape must be an image shape"):
        weight_change_map(np.zeros((2, 4)), np.ones((2, 4)), shape=4)
    with pytest.raises(ParameterError, match="needs the weights after learning"):
        weight_change_map(np.zeros((2, 3)))
    history, _ = _history()
    with pytest.raises(ParameterError, match="give a learn\\(\\) history alone"):
        weight_change_map(history, np.zeros((2, 4)))
    with pytest.raises(NameNotFoundError, match="no learning layer named 'inh'"):
        weight_change_map(history, layer="inh")


def test_trajectories_follow_the_snapshots():
    history, _ = _history()
    assert history.snapshot_steps == [0, 3, 6, 9, 12]
    fig = weight_trajectories(history, count=2)
    lines = fig.axes[0].lines
    assert [line.get_label() for line in lines] == ["w[0, 0]", "w[0, 1]"]   # the two that moved
    np.testing.assert_allclose(lines[0].get_xdata(), [0.0, 3.0, 6.0, 9.0, 12.0])
    np.testing.assert_allclose(lines[0].get_ydata(), [w[0, 0] for w in history.snapshots["exc"]])
    chosen = weight_trajectories(history, synapses=[(1, 3)])
    np.testing.assert_allclose(chosen.axes[0].lines[0].get_ydata(), np.zeros(5))
    with pytest.raises(ValueError, match=r"weight_trajectories \(4 inputs\) pre must be an integer in \[0, 3\]"):
        weight_trajectories(history, synapses=[(0, 4)])
    with pytest.raises(ParameterTypeError, match="history must be the LearnHistory"):
        weight_trajectories(np.zeros((2, 2)))
