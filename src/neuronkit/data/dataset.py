"""The :class:`Dataset` record: features, targets and the names that explain them."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..errors import DataError, ParameterTypeError, ShapeError
from ..validation import check_array, check_choice, check_class_indices, column_names, must_be
from .arrays import as_arrays

#: the type of a task name: ``"classification"`` or ``"regression"``
Task = Literal["classification", "regression"]
#: the task names a :class:`Table` may have, as a tuple (for checks and messages)
TASKS = ("classification", "regression")
_CHANNEL_NAMES = {1: ("pixel",), 3: ("red", "green", "blue"), 4: ("red", "green", "blue", "alpha")}


def value_names(shape: tuple[int, ...]) -> list[str]:
    """Default feature names for samples of ``shape`` (one sample, no batch axis), in C (row-major) order.

    A vector (n,): ``x1 … xn``. An image (C, H, W): ``pixel_{row}_{col}`` for one
    channel (scikit-learn's names for the digits), ``red_/green_/blue_{row}_{col}``
    for three, ``…, alpha_{row}_{col}`` for four, ``ch{k}_{row}_{col}`` otherwise
    (counted from 0). Any other shape: ``x_{i}_{j}…`` (counted from 0).

    >>> value_names((1, 2, 2))
    ['pixel_0_0', 'pixel_0_1', 'pixel_1_0', 'pixel_1_1']
    >>> value_names((3, 1, 1))
    ['red_0_0', 'green_0_0', 'blue_0_0']
    """
    if len(shape) == 1:
        return [f"x{i + 1}" for i in range(shape[0])]
    if len(shape) == 3:
        channels = _CHANNEL_NAMES.get(shape[0], tuple(f"ch{k}" for k in range(shape[0])))
        return [f"{c}_{r}_{k}" for c in channels for r in range(shape[1]) for k in range(shape[2])]
    return ["x_" + "_".join(map(str, index)) for index in np.ndindex(*shape)]


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A table of examples: features ``X`` and targets ``y``, with names to explain them.

    Attributes
    ----------
    name : str
        Short name (``"iris"``, or the CSV file's stem).
    X : ndarray, float32, shape (n_samples, n_features) or (n_samples, ``*input_shape``)
        Given as any array-like, a pandas DataFrame included. Images are (n_samples, C, H, W)
        (:attr:`input_shape` is (C, H, W)); :meth:`flat` gives the (n_samples, n_features) view.
    y : ndarray, shape (n_samples,)
        int64 class indices into ``classes`` for classification; float32 for regression
        (a pandas Series is welcome).
    task : ``"classification"`` or ``"regression"``
    feature_names : list of str, length n_features
        One per value of a sample, in C order. Default: the DataFrame's column names,
        else ``x1, x2, …`` (images: ``pixel_3_5``, see ``neuronkit.data.dataset.value_names``).
        Names given for a DataFrame must be its column names.
    classes : list or None
        The original class labels (``classes[y[i]]`` is sample i's label); None for regression.
    target_name : str
        What ``y`` is called (the CSV target column, ``"species"``, ...).
    description : str
        One line saying where the data comes from.
    notes : tuple of str
        What the loader decided that a user should hear (a CSV's first line read as data, a
        numeric target taken as classes).

    >>> import numpy as np
    >>> ds = Dataset("tiny", np.zeros((4, 2), np.float32), np.array([0, 1, 1, 0]), "classification",
    ...              ["a", "b"], classes=["no", "yes"])
    >>> ds
    Dataset('tiny', classification: 4 samples x 2 features, 2 classes)
    >>> ds.labels().tolist()
    ['no', 'yes', 'yes', 'no']
    >>> images = Dataset("pics", np.zeros((3, 1, 2, 2)), [0, 1, 0], "classification", classes=[0, 1])
    >>> images
    Dataset('pics', classification: 3 samples of shape (1, 2, 2), 2 classes)
    >>> images.input_shape, images.n_features, images.feature_names[:2], images.flat().X.shape
    ((1, 2, 2), 4, ['pixel_0_0', 'pixel_0_1'], (3, 4))
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    task: Task
    feature_names: list[str] | None = None
    classes: list[Any] | None = None
    target_name: str = "target"
    description: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        owner = f"dataset {self.name!r}"
        check_choice(self.task, "task", TASKS, owner=owner)
        if self.y is None:
            raise DataError(f"{owner}: y is required (the targets, one per sample)")
        for name in ("feature_names", "classes"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, (list, tuple, np.ndarray)):
                raise ParameterTypeError(must_be(name, "a list (or None)", value, owner=owner))
        columns = column_names(self.X)
        try:
            shape = None if columns is not None else np.shape(self.X)
        except ValueError:  # ragged nested lists: as_arrays says what is wrong
            shape = None
        if shape is not None and len(shape) > 2:  # images and other samples with a shape: checked flat
            values = check_array(self.X, "X", ndim=None, owner=owner)
            X, y = as_arrays(values.reshape(shape[0], math.prod(shape[1:])), self.y)
            X = X.reshape(shape)
        else:
            X, y = as_arrays(self.X, self.y)
        assert y is not None  # given, so as_arrays returns it
        if y.ndim != 1:
            raise ShapeError(f"{owner}: y must be 1-D (n_samples,); got shape {y.shape}")
        names = self._names(columns, X.shape[1:], owner)
        if self.task == "classification":
            if self.classes is None:
                raise DataError(f"{owner}: classification needs the list of classes (classes[y[i]] is sample i's "
                                "label); got classes=None")
            n_classes = len(self.classes)
            y = check_class_indices(y, n_classes, owner=owner, where=f"there are {n_classes} classes").astype(np.int64)
        else:
            y = y.astype(np.float32)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_names", names)
        if self.classes is not None:
            object.__setattr__(self, "classes", list(self.classes))

    def _names(self, columns: list[str] | None, input_shape: tuple[int, ...], owner: str) -> list[str]:
        if self.feature_names is None:
            return columns if columns is not None else value_names(input_shape)
        names = [str(f) for f in self.feature_names]
        n_features = math.prod(input_shape)
        if len(names) != n_features:
            what = "feature columns" if len(input_shape) == 1 else f"values in a sample of shape {input_shape}"
            raise DataError(f"{owner}: {len(names)} feature names for {n_features} {what}")
        if columns is not None and names != columns:
            raise DataError(f"{owner}: feature_names {names} differ from the DataFrame's columns {columns}; "
                            "leave feature_names out to use the column names")
        return names

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of values in one sample (``prod(input_shape)``)."""
        return math.prod(self.X.shape[1:])

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one sample: ``(n_features,)``, or ``(C, H, W)`` for images."""
        return tuple(int(n) for n in self.X.shape[1:])

    def flat(self) -> Dataset:
        """This dataset with ``X`` as (n_samples, n_features) (C order; the same feature names); itself if 2-D.

        >>> import numpy as np
        >>> ds = Dataset("d", np.arange(8.0).reshape(2, 1, 2, 2), [0, 1], "classification", classes=["a", "b"])
        >>> ds.flat().X.tolist()
        [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]
        """
        if self.X.ndim == 2:
            return self
        return dataclasses.replace(self, X=self.X.reshape(self.n_samples, self.n_features))

    @property
    def n_classes(self) -> int | None:
        """Number of classes, or None for regression."""
        return None if self.classes is None else len(self.classes)

    def labels(self) -> np.ndarray:
        """The original class label of every sample, shape (n_samples,) (classification only)."""
        if self.classes is None:
            raise DataError(f"dataset {self.name!r} is a regression dataset; it has no class labels")
        return np.asarray(self.classes, dtype=object)[self.y]

    def targets(self) -> np.ndarray:
        """What a model learns: the class labels for classification, the target values for regression.

        Labels come as a plain NumPy array of the classes' common type (strings, integers), which an
        estimator stores as its ``classes_``.

        >>> import numpy as np
        >>> Dataset("d", np.zeros((2, 1)), [1, 0], "classification", classes=["cat", "dog"]).targets().tolist()
        ['dog', 'cat']
        """
        return np.asarray(self.classes)[self.y] if self.classes is not None else self.y

    def __repr__(self) -> str:
        kind = f"{len(self.classes)} classes" if self.classes is not None else f"target {self.target_name!r}"
        size = f"x {self.n_features} features" if self.X.ndim == 2 else f"of shape {self.input_shape}"
        return f"Dataset({self.name!r}, {self.task}: {self.n_samples} samples {size}, {kind})"
