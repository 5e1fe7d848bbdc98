"""The dashboard callback: publish a run (:class:`~.publisher.Publisher`) and serve the page.

``nk.fit(net, X, y, callbacks=[nk.callbacks.Dashboard()])`` starts the server (in a background
thread, 127.0.0.1, a per-run token in the printed URL) when training begins and keeps it open
after ``fit`` returns, until :meth:`Dashboard.close` or the end of the process.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ..validation import check_bool, check_int, check_number
from .publisher import Publisher
from .state import Hub


class Dashboard(Publisher):
    """Watch training live in the browser (``pip install "neuronkit[dashboard]"``).

    Parameters
    ----------
    hub : Hub or None
        Publish to this hub (a server already serving it); by default the callback makes one and
        starts a server for it when training begins.
    host, port : str, int
        Where the server listens (127.0.0.1 by default: only this machine can connect).
    open_browser : bool
        Open the page in the default browser when the server starts.
    rate : float
        Frames published per second at most (the page's update rate).
    record : path or None
        Write a replay file (``.nkreplay``) here when training ends.
    info : dict or None
        What the page shows about the run (dataset, feature names, classes, input shape, …);
        :func:`neuronkit.dashboard.views.run_info` builds one from the data by default.
    data : dict or None
        Arrays for neuron cards and response maps: ``X``, ``y`` as the network sees them,
        optionally ``X_val``, ``y_val`` and ``X_raw`` (unscaled); by default what ``fit`` trains on.
    quiet : bool
        Do not print the URL.

    Examples
    --------
    Publishing to a hub with no server (as the tests do):

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> from neuronkit.dashboard import Hub
    >>> hub = Hub(rate=1000.0)
    >>> X = np.random.default_rng(0).normal(size=(64, 2)); y = (X[:, 0] > 0).astype(int)
    >>> net = nk.mlp([2, 4, 2], output="softmax", seed=0)
    >>> _ = nk.fit(net, X, y, epochs=2, batch_size=16, progress=False, callbacks=[Dashboard(hub)])
    >>> hub.status, len(hub.epochs_since(0)), hub.latest().step
    ('finished', 2, 8)
    """

    def __init__(self, hub: Hub | None = None, *, host: str = "127.0.0.1", port: int = 8765,
                 open_browser: bool = True, rate: float = 20.0, record: str | os.PathLike[str] | None = None,
                 info: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
                 quiet: bool = False) -> None:
        super().__init__(hub, info=info, data=data)
        self.host = host
        self.port = check_int(port, "port", low=0, high=65535)
        self.open_browser = check_bool(open_browser, "open_browser")
        self.rate = check_number(rate, "rate", low=0.1, high=1e6)
        self.record = record
        self.quiet = check_bool(quiet, "quiet")
        self.server: Any = None  # the running server (neuronkit.dashboard.server.BackgroundServer)
        self._owns_hub = hub is None

    @property
    def url(self) -> str | None:
        """The page's address with its token (None until the server runs)."""
        return None if self.server is None else self.server.url

    def _start(self) -> None:
        if self.hub is None:
            self.hub = Hub(rate=self.rate, record=self.record)
        if self.server is None and self._owns_hub:
            from .server import BackgroundServer

            self.server = BackgroundServer(self.hub, host=self.host, port=self.port)
            self.server.start()
            if not self.quiet:
                print(f"dashboard: {self.server.url}", file=sys.stderr)
            if self.open_browser:
                self.server.open_browser()

    def close(self) -> None:
        """Stop the server this callback started (nothing if it did not start one)."""
        if self.server is not None:
            self.server.stop()
            self.server = None

    def on_train_begin(self, state: Any) -> None:
        self._start()
        super().on_train_begin(state)
