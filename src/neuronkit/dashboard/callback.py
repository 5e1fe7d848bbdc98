"""The training side of the dashboard: a callback that publishes frames to a :class:`~.state.Hub`.

``nk.fit(net, X, y, callbacks=[nk.callbacks.Dashboard()])`` starts the server (in a background
thread, 127.0.0.1, a per-run token in the printed URL) when training begins and keeps it open
after ``fit`` returns, until :meth:`Dashboard.close` or the end of the process. At each batch
boundary the callback passes through :meth:`Hub.gate` (pause, step, new learning rate, stop) and,
at most ``rate`` times a second, publishes a copy of the parameters and the per-layer gradient
norms of that batch. Everything else (neuron cards, response maps, health) the server computes
from those copies, on its own thread, so watching costs training little.
"""

from __future__ import annotations

import math
import os
import sys
from typing import Any

import numpy as np

from ..callbacks import Callback
from ..validation import check_bool, check_int, check_number
from .state import Hub


def layer_of(param_name: str) -> str:
    """``"hidden1.weight"`` -> ``"hidden1"`` (the layer a parameter belongs to).

    >>> layer_of("hidden1.weight"), layer_of("block1.attn.q.bias")
    ('hidden1', 'block1.attn.q')
    """
    return param_name.rsplit(".", 1)[0] if "." in param_name else param_name


def grad_norms(model: Any) -> dict[str, float]:
    """The L2 norm of each layer's gradient (all its parameters together), for layers that have one.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([2, 1], seed=0)
    >>> (net(nk.Tensor(np.array([[3.0, 4.0]]))).sum()).backward()   # dz/dw = x, dz/db = 1
    >>> round(grad_norms(net)["output"], 6)                          # sqrt(3² + 4² + 1²)
    5.09902
    """
    sums: dict[str, float] = {}
    for name, p in model.named_parameters():
        g = getattr(p, "grad", None)
        if g is None:
            continue
        g = np.asarray(g)
        sums[layer_of(name)] = sums.get(layer_of(name), 0.0) + float(np.vdot(g, g))
    return {k: math.sqrt(v) for k, v in sums.items()}


class Dashboard(Callback):
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
        if hub is not None and not isinstance(hub, Hub):
            raise TypeError(f"hub must be a neuronkit.dashboard.Hub or None; got {type(hub).__name__}")
        self.host = host
        self.port = check_int(port, "port", low=0, high=65535)
        self.open_browser = check_bool(open_browser, "open_browser")
        self.rate = check_number(rate, "rate", low=0.1, high=1e6)
        self.record = record
        self.info = info
        self.data = data
        self.quiet = check_bool(quiet, "quiet")
        self.hub = hub
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

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, state: Any) -> None:
        self._start()
        hub = self.hub
        assert hub is not None
        data = self.data if self.data is not None else \
            {"X": state.X, "y": state.y, "X_val": state.X_val, "y_val": state.y_val}
        info = self.info
        if info is None:
            from .views import run_info

            info = run_info(state.model, data)
        hub.attach(state.model, info=info, data=data, total_steps=state.total_steps)
        hub.publish(step=state.step, epoch=state.epoch, params=state.model.state_dict(), copy_params=False)

    def on_after_backward(self, state: Any) -> None:
        hub = self.hub
        if hub is not None and hub.due():
            hub.add_grad_norms(state.step + 1, grad_norms(state.model))

    def on_batch_end(self, state: Any, loss: float) -> None:
        hub = self.hub
        assert hub is not None
        if hub.due() or hub.paused:  # paused (or stepping): the page shows the weights it is held at
            hub.add_batch_loss(state.step, loss)
            hub.publish(step=state.step, epoch=state.epoch, params=state.model.state_dict(), loss=loss,
                        copy_params=False)
        if hub.gate(state.optimizer):
            state.stop_training = True

    def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
        hub = self.hub
        assert hub is not None
        hub.add_epoch(logs, step=state.step)
        hub.publish(step=state.step, epoch=state.epoch + 1, params=state.model.state_dict(),
                    loss=logs.get("loss", math.nan), copy_params=False)

    def on_train_end(self, state: Any) -> None:
        hub = self.hub
        assert hub is not None
        hub.publish(step=state.step, epoch=state.epoch, params=state.model.state_dict(), copy_params=False)
        stopped = state.stop_training and state.epoch < state.epochs
        hub.end("stopped" if stopped else "finished")

    def on_train_abort(self, state: Any, exc: BaseException) -> None:
        if self.hub is not None:
            reason = "stopped (interrupted)" if isinstance(exc, KeyboardInterrupt) else f"failed: {exc}"
            self.hub.end("stopped" if isinstance(exc, KeyboardInterrupt) else "failed", reason)
