"""The training side of the dashboard: a callback that publishes frames to a :class:`~.state.Hub`.

:class:`Publisher` holds the hooks every watched run needs; :class:`~.callback.Dashboard` (the one
users add, ``nk.callbacks.Dashboard``) adds a server, and the page's own runs
(:mod:`~.session`) add their run's description. At each batch boundary the publisher passes
through :meth:`Hub.gate` (pause, step, new learning rate, stop) and, at most ``rate`` times a
second (at every batch while paused or stepping), publishes a copy of the parameters and the
per-layer gradient norms of that batch. Everything else (neuron cards, response maps, health) the
server computes from those copies, on its own thread, so watching costs training little.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..callbacks import Callback
from .state import Hub


def layer_of(param_name: str) -> str:
    """``"hidden1.weight"`` -> ``"hidden1"``: the network's layer a parameter belongs to (the page draws those).

    A learnable activation's parameters and a block's inner layers count for their layer:

    >>> layer_of("hidden1.weight"), layer_of("hidden1.activation.beta"), layer_of("block1.attn.q.bias")
    ('hidden1', 'hidden1', 'block1')
    """
    return param_name.split(".", 1)[0]


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


class Publisher(Callback):
    """Publish a run to ``hub``: frames at batch boundaries, curves, and the controls through the gate.

    ``info`` and ``data`` describe the run for the page (:func:`~.views.run_info`; arrays ``X``,
    ``y``, ``X_val``, ``y_val``, ``X_raw``); by default what ``fit`` trains on. Subclasses override
    :meth:`describe` to say more.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> hub = Hub(rate=1000.0)
    >>> X = np.random.default_rng(0).normal(size=(64, 2)); y = (X[:, 0] > 0).astype(int)
    >>> _ = nk.fit(nk.mlp([2, 4, 2], output="softmax", seed=0), X, y, epochs=2, batch_size=16, progress=False,
    ...            callbacks=[Publisher(hub)])
    >>> hub.status, [row["epoch"] for row in hub.epochs_since(0)], hub.latest().step
    ('finished', [1, 2], 8)
    """

    def __init__(self, hub: Hub | None = None, *, info: Mapping[str, Any] | None = None,
                 data: Mapping[str, Any] | None = None) -> None:
        if hub is not None and not isinstance(hub, Hub):
            raise TypeError(f"hub must be a neuronkit.dashboard.Hub or None; got {type(hub).__name__}")
        self.hub = hub
        self.info = None if info is None else dict(info)
        self.data = None if data is None else dict(data)

    def describe(self, state: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(info, data)`` for the page: as given, else from what ``fit`` trains on."""
        data = self.data if self.data is not None else \
            {"X": state.X, "y": state.y, "X_val": state.X_val, "y_val": state.y_val}
        info = self.info
        if info is None:
            from .views import run_info

            info = run_info(state.model, data)
        return info, data

    def _hub(self) -> Hub:
        if self.hub is None:
            raise RuntimeError("the publisher has no hub")
        return self.hub

    def _publish(self, state: Any, *, epoch: int, loss: float = math.nan) -> None:
        lr = getattr(state.optimizer, "lr", None)
        if isinstance(lr, (int, float)):
            self._hub().lr = float(lr)  # schedules change it too
        self._hub().publish(step=state.step, epoch=epoch, params=state.model.state_dict(), loss=loss,
                            copy_params=False)

    def on_train_begin(self, state: Any) -> None:
        info, data = self.describe(state)
        self._hub().attach(state.model, info=info, data=data, total_steps=state.total_steps)
        self._publish(state, epoch=state.epoch)

    def on_after_backward(self, state: Any) -> None:
        hub = self._hub()
        if hub.due():
            hub.add_grad_norms(state.step + 1, grad_norms(state.model))

    def on_batch_end(self, state: Any, loss: float) -> None:
        hub = self._hub()
        if hub.due() or hub.paused:  # paused (or stepping): the page shows the weights it is held at
            hub.add_batch_loss(state.step, loss)
            self._publish(state, epoch=state.epoch, loss=loss)
        if hub.gate(state.optimizer):
            state.stop_training = True

    def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
        hub = self._hub()
        hub.add_epoch(logs, step=state.step)
        # in turn, like a batch's frame: forcing one at every epoch end would, when epochs are shorter than
        # 1/rate, take every turn from the batches (no batch losses, no gradient norms on the page)
        if hub.due():
            self._publish(state, epoch=state.epoch + 1, loss=logs.get("loss", math.nan))

    def on_train_end(self, state: Any) -> None:
        if state.failed:  # a stopping rule found training failing (divergence, a non-finite loss): fit raises next
            self._publish(state, epoch=state.epoch)
            self._hub().end("failed", f"failed: {state.failed}")

    def on_train_complete(self, state: Any) -> None:
        # after every on_train_end: the last frame holds the weights fit returns (early stopping's restored ones)
        self._publish(state, epoch=state.epoch)
        self._hub().end("stopped" if state.stop_training and state.epoch < state.epochs else "finished")

    def on_train_abort(self, state: Any, exc: BaseException) -> None:
        if self.hub is not None:
            interrupted = isinstance(exc, KeyboardInterrupt)
            self.hub.end("stopped" if interrupted else "failed",
                         "stopped (interrupted)" if interrupted else f"failed: {exc}")
