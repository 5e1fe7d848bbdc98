"""Mini-batches: the one function that cuts ``range(n)`` into batches of sample indices.

Training, :func:`batches` and the chunked passes of :mod:`neuronkit.inspect`
all take their indices from :func:`batch_indices`, so an epoch's order is
decided in one place: ``numpy.random.default_rng([seed, epoch]).permutation(n)``
(the same on a resumed run), or ``arange(n)`` without shuffling.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..errors import ParameterTypeError
from ..init import make_rng
from ..validation import check_bool, check_int, must_be


def batch_indices(n: int, batch_size: int, *, shuffle: bool = True, seed: int = 0, epoch: int = 0,
                  rng: np.random.Generator | None = None) -> list[np.ndarray]:
    """The index arrays of one epoch: ``range(n)`` in order (or shuffled), ``batch_size`` at a time.

    With ``shuffle``, the order is ``numpy.random.default_rng([seed, epoch]).permutation(n)``:
    each epoch of a run gets its own order, and the same (seed, epoch) always the same one.
    ``rng`` (a ``numpy.random.Generator``), when given, draws the order instead. The last
    batch may be smaller; n = 0 gives no batches.

    >>> [idx.tolist() for idx in batch_indices(5, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    >>> first = batch_indices(6, 4, seed=1, epoch=0)
    >>> [len(idx) for idx in first], sorted(np.concatenate(first).tolist())
    ([4, 2], [0, 1, 2, 3, 4, 5])
    >>> bool((np.concatenate(first) == np.random.default_rng([1, 0]).permutation(6)).all())
    True
    """
    n = check_int(n, "n", low=0)
    batch_size = check_int(batch_size, "batch_size", low=1)
    if not check_bool(shuffle, "shuffle"):
        order = np.arange(n)
    elif rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise ParameterTypeError(must_be("rng", "a numpy.random.Generator", rng) +
                                     ". Create one with numpy.random.default_rng(seed).")
        order = rng.permutation(n)
    else:
        order = np.random.default_rng([check_int(seed, "seed", low=0), check_int(epoch, "epoch", low=0)]
                                      ).permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def batches(n: int, batch_size: int, *, shuffle: bool = True,
            rng: np.random.Generator | int | None = None) -> Iterator[np.ndarray]:
    """Index arrays covering ``range(n)`` once, ``batch_size`` at a time; the last batch may be smaller.

    ``rng`` is a ``numpy.random.Generator`` (or an int seed) for the shuffle;
    pass the same generator every epoch to get a new order each time. (Training
    uses :func:`batch_indices` with a seed and the epoch number.)

    >>> [idx.tolist() for idx in batches(5, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    if rng is not None and (isinstance(rng, bool) or not isinstance(rng, (int, np.integer, np.random.Generator))):
        raise ParameterTypeError(f"rng must be a numpy.random.Generator or an int seed; got {type(rng).__name__}. "
                                 "Create one with numpy.random.default_rng(seed).")
    generator = make_rng(rng) if check_bool(shuffle, "shuffle") else None
    return iter(batch_indices(n, batch_size, shuffle=shuffle, rng=generator))
