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
``csv``            :func:`read_table` (a :class:`Table`: streamed, bounded, regular files only),
                   :func:`load_csv`, :func:`load_features_csv`
``preprocess``     :class:`Recipe` (one-hot categories, imputation; plain JSON in the model file),
                   :func:`check_training_data` (a model's record of its training data)
``datasets``       bundled and generated datasets by name (``nk.datasets``)
``sources``        :func:`load_data`, :func:`prepare_training`, :func:`prepare_evaluation`,
                   :func:`prepare_prediction` (what the command line does with ``DATA``)
``split``          :func:`train_test_split`, :func:`train_val_test_split`, :func:`split_indices`
``scalers``        :class:`StandardScaler`, :class:`MinMaxScaler`, :class:`IdentityScaler`,
                   the :data:`SCALERS` registry, :func:`get_scaler`
``batches``        :func:`batch_indices` (the one batch iterator), :func:`batches`
``text``           :class:`Tokenizer`, :class:`TextDataset`, :func:`load_text_csv`,
                   :func:`read_text_table`, :func:`load_text` (the ``topics`` corpus)
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
from .csv import MAX_AUTO_CLASSES, MAX_CSV_BYTES, MISSING_TOKENS, Table, load_csv, load_features_csv, read_table
from .dataset import TASKS, Dataset, Task
from .preprocess import Recipe, check_training_data
from .scalers import SCALERS, IdentityScaler, MinMaxScaler, Scaler, StandardScaler, get_scaler
from .sources import (
                      EvaluationData,
                      TrainingData,
                      check_features,
                      input_kind,
                      list_images,
                      load_data,
                      load_images,
                      prepare_evaluation,
                      prepare_prediction,
                      prepare_training,
                      targets_for,
)
from .split import split_indices, train_test_split, train_val_test_split
from .text import TEXT_DATASETS, TextDataset, Tokenizer, load_text, load_text_csv, read_text_table

__all__ = [
    "DataError", "Dataset", "EvaluationData", "IdentityScaler", "MAX_AUTO_CLASSES", "MAX_CSV_BYTES", "MISSING_TOKENS",
    "MinMaxScaler", "Recipe", "SCALERS", "Scaler", "StandardScaler", "TASKS", "Table", "Task", "TrainingData",
    "as_arrays", "batch_indices", "batches", "check_features", "check_training_data", "get_scaler", "load_csv",
    "load_data", "load_features_csv", "prepare_evaluation", "prepare_prediction", "prepare_training", "read_table",
    "split_indices", "targets_for", "train_test_split", "train_val_test_split",
    "TEXT_DATASETS", "TextDataset", "Tokenizer", "load_text", "load_text_csv", "read_text_table",
    "input_kind", "list_images", "load_images",
]
