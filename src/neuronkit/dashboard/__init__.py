"""Watch neurons learn: a live dashboard in the browser.

``neuronkit dashboard`` on the command line; ``pip install "neuronkit[dashboard]"``.

==================  ==========================================================================
:mod:`.state`       the hub the training thread publishes frames to and the server reads
:mod:`.callback`    :class:`Dashboard`, the callback (also ``nk.callbacks.Dashboard``)
:mod:`.views`       what the page shows, computed from a frame (graph, maps, neuron cards)
:mod:`.session`     runs started from the page: dataset, hidden sizes, activation, controls
:mod:`.server`      the Starlette app (token, Host/Origin checks, websocket) and uvicorn
==================  ==========================================================================
"""

from __future__ import annotations

from .callback import Dashboard
from .session import RunConfig, Session, UploadLimits  # the server (starlette, uvicorn) stays a lazy import
from .state import REPLAY_SUFFIX, Frame, Hub, Recorder, Replay, read_replay

__all__ = ["Dashboard", "Frame", "Hub", "REPLAY_SUFFIX", "Recorder", "Replay", "read_replay", "RunConfig", "Session",
           "UploadLimits"]
