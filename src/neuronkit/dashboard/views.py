"""What the page shows, computed from a frame: the run's description, the graph, response maps, neuron cards.

Every function here is pure: it reads a network (the hub's shadow copy, loaded with one frame's
parameters) and arrays, and returns JSON-ready dicts. The server calls them; the tests check their
numbers against the library's own (``nk.inspect``, ``layer.neurons[i].explain``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def _layer_rows(model: Any) -> list[dict[str, Any]]:
    rows = []
    for layer in model:
        act = getattr(layer, "activation", None)
        rows.append({"name": getattr(layer, "name", type(layer).__name__), "kind": type(layer).__name__,
                     "in": getattr(layer, "in_features", None), "units": getattr(layer, "out_features", None),
                     "activation": getattr(act, "name", None)})
    return rows


def run_info(model: Any, data: Mapping[str, Any], *, dataset: str | None = None,
             feature_names: list[str] | None = None, classes: list[Any] | None = None, task: str | None = None,
             config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The run as the page's header and side panel describe it (JSON-ready).

    Keys: ``dataset``, ``task`` ("classification" or "regression"), ``n_train``, ``n_val``,
    ``n_features``, ``feature_names``, ``classes`` (names, or None for regression),
    ``input_shape`` (the shape of one sample, e.g. [1, 8, 8] for images), ``is_2d`` (two
    features: the page draws response maps), ``layers`` (name, kind, in, units, activation)
    and ``config`` (the settings the run was started with).

    >>> import numpy as np, neuronkit as nk
    >>> info = run_info(nk.mlp([2, 3, 2], output="softmax", seed=0), {"X": np.zeros((5, 2)), "y": np.array([0, 1, 0, 1, 1])})
    >>> info["task"], info["classes"], info["is_2d"], [r["name"] for r in info["layers"]]
    ('classification', ['0', '1'], True, ['hidden1', 'output'])
    """
    X = np.asarray(data["X"])
    y = data.get("y")
    shape = [int(s) for s in X.shape[1:]]
    n_features = int(np.prod(shape)) if shape else 1
    if task is None:
        task = "classification" if y is not None and np.asarray(y).dtype.kind in "iub" else "regression"
    if classes is None and task == "classification" and y is not None:
        classes = [str(c) for c in range(int(np.max(np.asarray(y))) + 1)]
    if feature_names is None:
        feature_names = [f"x{i + 1}" for i in range(n_features)]
    X_val = data.get("X_val")
    return {"dataset": dataset or "data", "task": task, "n_train": int(len(X)),
            "n_val": 0 if X_val is None else int(len(X_val)), "n_features": n_features,
            "feature_names": [str(f) for f in feature_names], "classes": None if classes is None else
            [str(c) for c in classes], "input_shape": shape, "is_2d": shape == [2], "layers": _layer_rows(model),
            "config": dict(config or {})}
