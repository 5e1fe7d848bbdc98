"""NumPy's BLAS on one thread, for code whose products are small and many (threadpoolctl; else no change).

A second OpenBLAS thread only helps large products. Between small ones it spins, and on a busy
machine it takes a core from whatever else runs: the dashboard's page in the browser, or the
training thread the dashboard's views run beside. Measured on 2 cores (Intel Xeon): with the
dashboard's views on one BLAS thread, a watched moons fit runs at 0.84x the unwatched speed
(bench/bench_dashboard.py) against 0.63x with the default threads; ``train mnist5k --unsupervised-stdp`` on 2 busy cores
took 31 s of learning with one thread against 472 s with the default.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any


def one_blas_thread() -> Any:
    """A context in which NumPy's BLAS runs on one thread (all threads of the process, while it lasts).

    The BLAS libraries are looked up once per process (threadpoolctl's controller): looking them up on every
    call cost the dashboard about 17 ms of CPU per update.

    >>> import numpy as np
    >>> with one_blas_thread():
    ...     float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3))
    9.0
    """
    controller = _controller()
    return contextlib.nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")


@functools.cache
def _controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return ThreadpoolController()
