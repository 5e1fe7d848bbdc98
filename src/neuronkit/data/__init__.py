"""Data handling: the Dataset record, CSV loading, validation, splits, scaling, mini-batches.

Everything here is NumPy (and the standard library's ``csv``). Shapes follow
scikit-learn: ``X`` is (n_samples, n_features) float32 and ``y`` is
(n_samples,), int64 class indices for classification or float32 targets for
regression. pandas DataFrames and Series are accepted wherever arrays are
(column names become feature names); pandas itself is never imported.

>>> import numpy as np
>>> X = np.arange(20, dtype=np.float32).reshape(10, 2)
>>> y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
>>> X_train.shape, X_test.shape, sorted(y_test.tolist())
((8, 2), (2, 2), [0, 1])
>>> scaler = StandardScaler().fit(X_train)
>>> [len(idx) for idx in batch_indices(8, 3, seed=0)]
[3, 3, 2]

=================  ==============================================================
module             holds
=================  ==============================================================
``dataset``        :class:`Dataset`
``arrays``         :func:`as_arrays` (X and y checked through :mod:`neuronkit.validation`)
``csv``            :func:`load_csv`, :func:`load_features_csv`
``datasets``       bundled and generated datasets by name (``nk.datasets``)
``sources``        :func:`load_data`, :func:`targets_for`, :func:`check_features`
                   (what the command line does with ``DATA``)
``split``          :func:`train_test_split`, :func:`train_val_test_split`
``scalers``        :class:`StandardScaler`, :class:`MinMaxScaler`, :class:`IdentityScaler`,
                   the :data:`SCALERS` registry, :func:`get_scaler`
``batches``        :func:`batch_indices` (the one batch iterator), :func:`batches`
=================  ==============================================================

A new data format goes in a module of its own here (images, text, …),
returning a :class:`Dataset`; a new scaler is a :class:`Scaler` subclass and
one ``SCALERS.register`` call.
"""

from __future__ import annotations

from ..errors import DataError
from ..validation import all_finite as _all_finite  # noqa: F401  (training imports it from here, for now)
from .arrays import as_arrays
from .batches import batch_indices, batches
from .csv import MAX_AUTO_CLASSES, MISSING_TOKENS, load_csv, load_features_csv
from .dataset import TASKS, Dataset, Task
from .scalers import SCALERS, IdentityScaler, MinMaxScaler, Scaler, StandardScaler, get_scaler
from .sources import check_features, load_data, targets_for
from .split import train_test_split, train_val_test_split

__all__ = [
    "DataError", "Dataset", "IdentityScaler", "MAX_AUTO_CLASSES", "MISSING_TOKENS", "MinMaxScaler", "SCALERS",
    "Scaler", "StandardScaler", "TASKS", "Task", "as_arrays", "batch_indices", "batches", "check_features",
    "get_scaler", "load_csv", "load_data", "load_features_csv", "targets_for", "train_test_split",
    "train_val_test_split",
]
