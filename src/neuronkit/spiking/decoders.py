"""Decoders: from a spiking network's time-major output (T, batch, classes) to one score per class.

==================  ==================================================  =================================
name                score of class c for one sample                     the prediction (argmax) is
==================  ==================================================  =================================
``rate``            mean over t of s_t[c] (the firing rate)             the class that fired most often
``count``           sum over t of s_t[c] (the spike count)              the same
``first_spike``     -(the first step at which c fired); -T if never     the class that fired first
``max_membrane``    max over t of v_t[c] (for an ``LI`` readout)        the highest membrane reached
==================  ==================================================  =================================

Each decoder is a function on arrays (``decoder(outputs)``, the prediction path) with a Tensor form
(``decoder.tensor(outputs)``) that the spike losses build on. They reduce the first axis (time) of
an array of at least three dimensions (T, batch, ...); an array without that axis is refused.
Names are looked up in :data:`DECODERS`, a :class:`~neuronkit.registry.Registry`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Tensor, ops
from ..errors import ParameterTypeError, ShapeError
from ..registry import Registry
from ..validation import check_array, must_be

__all__ = ["DECODERS", "Count", "Decoder", "FirstSpike", "MaxMembrane", "Rate", "get_decoder"]


def _check_time_major(outputs: Any, name: str) -> Any:
    """Outputs with a time axis first: (T, batch, ...) with T >= 1 (an array or a Tensor)."""
    if not isinstance(outputs, Tensor):
        outputs = check_array(outputs, "outputs", ndim=None, dtype=None, finite=False, min_samples=0,
                              owner=f"decoder {name!r}")
    if outputs.ndim < 3 or outputs.shape[0] == 0:
        raise ShapeError(f"decoder {name!r} takes time-major outputs (T, batch, classes) with T >= 1; got shape "
                         f"{outputs.shape}. A spiking network's output has a time axis first (an encoder puts it "
                         "there); an output without one comes from a network that does not spike")
    return outputs


class Decoder:
    """Base class: ``decoder(outputs (T, batch, ...)) -> (batch, ...)`` on arrays; ``tensor`` on Tensors.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.decoders import Decoder
    >>> class Last(Decoder):
    ...     name = "last"
    ...     def tensor(self, outputs):
    ...         return outputs[-1]
    >>> Last()(np.arange(6.0).reshape(3, 1, 2))
    array([[4., 5.]])
    """

    name = "decoder"

    def __call__(self, outputs: Any) -> np.ndarray:
        outputs = _check_time_major(outputs, self.name)
        return self.array(outputs.data if isinstance(outputs, Tensor) else outputs)

    def array(self, outputs: np.ndarray) -> np.ndarray:
        """The array form on checked outputs (default: the Tensor form's values)."""
        return self.tensor(Tensor(outputs)).data

    def tensor(self, outputs: Tensor) -> Tensor:
        """The Tensor form (differentiable where the decoder is), for losses."""
        raise NotImplementedError(f"decoder {self.name!r} defines no tensor(outputs)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Rate(Decoder):
    r"""The firing rate: the mean over time, :math:`r_c = \frac{1}{T}\sum_t s_t[c]`.

    >>> import numpy as np
    >>> from neuronkit.spiking.decoders import Rate
    >>> Rate()(np.array([[[1.0, 0.0]], [[1.0, 1.0]], [[0.0, 0.0]], [[1.0, 0.0]]]))
    array([[0.75, 0.25]])
    """

    name = "rate"

    def array(self, outputs: np.ndarray) -> np.ndarray:
        return outputs.mean(axis=0)

    def tensor(self, outputs: Tensor) -> Tensor:
        return outputs.mean(axis=0)


class Count(Decoder):
    r"""The spike count: the sum over time, :math:`n_c = \sum_t s_t[c]`.

    >>> import numpy as np
    >>> from neuronkit.spiking.decoders import Count
    >>> Count()(np.array([[[1.0, 0.0]], [[1.0, 1.0]], [[0.0, 0.0]], [[1.0, 0.0]]]))
    array([[3., 1.]])
    """

    name = "count"

    def array(self, outputs: np.ndarray) -> np.ndarray:
        return outputs.sum(axis=0)

    def tensor(self, outputs: Tensor) -> Tensor:
        return outputs.sum(axis=0)


class FirstSpike(Decoder):
    r"""Time to first spike, negated so that the earliest class scores highest: -(first t with s_t[c] > 0).

    A class that never fires scores -T, below every class that did. The score is piecewise constant
    in the spikes, so its Tensor form carries no gradient (train with a rate or count loss and
    decode by first spike, or use a loss on spike times of your own).

    >>> import numpy as np
    >>> from neuronkit.spiking.decoders import FirstSpike
    >>> FirstSpike()(np.array([[[0.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]], [[1.0, 1.0, 0.0]]]))
    array([[-2., -1., -3.]])
    """

    name = "first_spike"

    def array(self, outputs: np.ndarray) -> np.ndarray:
        fired = outputs > 0
        first = np.argmax(fired, axis=0)
        dtype = outputs.dtype if outputs.dtype.kind == "f" else np.float32
        return np.where(fired.any(axis=0), -first, -outputs.shape[0]).astype(dtype)

    def tensor(self, outputs: Tensor) -> Tensor:
        return Tensor(self.array(outputs.data))


class MaxMembrane(Decoder):
    r"""The highest membrane potential over time, :math:`m_c = \max_t v_t[c]` (for a leaky-integrator readout).

    The gradient goes to the step where the maximum is reached.

    >>> import numpy as np
    >>> from neuronkit.spiking.decoders import MaxMembrane
    >>> MaxMembrane()(np.array([[[0.1, -0.5]], [[0.7, -0.2]], [[0.3, -0.4]]]))
    array([[ 0.7, -0.2]])
    """

    name = "max_membrane"

    def array(self, outputs: np.ndarray) -> np.ndarray:
        return outputs.max(axis=0)

    def tensor(self, outputs: Tensor) -> Tensor:
        return ops.max_(outputs, axis=0)


#: every spike decoder by name (a :class:`~neuronkit.registry.Registry` of Decoder instances)
DECODERS: Registry[Decoder] = Registry("spike decoder")
for _decoder in (Rate(), Count(), FirstSpike(), MaxMembrane()):
    DECODERS.register(_decoder.name, _decoder)


def get_decoder(spec: str | Decoder) -> Decoder:
    """A decoder by name (``"rate"``, ``"count"``, ``"first_spike"``, ``"max_membrane"``) or the instance given.

    >>> import numpy as np
    >>> from neuronkit.spiking.decoders import get_decoder
    >>> get_decoder("Count")(np.ones((4, 2, 3))).tolist()
    [[4.0, 4.0, 4.0], [4.0, 4.0, 4.0]]
    """
    if isinstance(spec, Decoder):
        return spec
    if not isinstance(spec, str):
        raise ParameterTypeError(must_be("decoder", f"a name ({', '.join(DECODERS.names())}) or a Decoder", spec))
    return DECODERS.get(spec)
