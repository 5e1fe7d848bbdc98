"""Write the small intersphinx inventories of NumPy and scikit-learn that the docs build links against.

The build may not reach the network, and no package ships these projects' ``objects.inv``, so
``docs/conf.py`` reads these two files instead. Each lists the objects neuronkit's documentation
refers to (signatures, base classes) or names in its text, with the address of the object's entry on
numpy.org/doc/stable or scikit-learn.org/stable (NumPy: reference/generated/numpy.NAME.html, or the
section page that documents it with others; scikit-learn: modules/generated/sklearn.X.Y.html), and
its object type as those sites document it: NumPy documents its sized scalar aliases
(``numpy.float32``) as attributes, so a ``:class:`` reference to one does not resolve, here as
against NumPy's own inventory.

Add an object here when a docstring starts referring to it, then run (from the repository root)::

    python docs/_inventories/make.py

The format is Sphinx's inventory version 2: four header lines, then zlib-compressed lines of
``name domain:type priority uri display-name`` (``-``: the display name is the name).
"""

from __future__ import annotations

import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> (domain:type, page under the site's root; the anchor is the name)
NUMPY = {
    "numpy.ndarray": ("py:class", "reference/generated/numpy.ndarray.html"),
    "numpy.dtype": ("py:class", "reference/generated/numpy.dtype.html"),
    "numpy.generic": ("py:class", "reference/arrays.scalars.html"),
    "numpy.single": ("py:class", "reference/arrays.scalars.html"),
    "numpy.double": ("py:class", "reference/arrays.scalars.html"),
    "numpy.float32": ("py:attribute", "reference/arrays.scalars.html"),
    "numpy.float64": ("py:attribute", "reference/arrays.scalars.html"),
    "numpy.int64": ("py:attribute", "reference/arrays.scalars.html"),
    "numpy.errstate": ("py:class", "reference/generated/numpy.errstate.html"),
    "numpy.finfo": ("py:class", "reference/generated/numpy.finfo.html"),
    "numpy.random.Generator": ("py:class", "reference/random/generator.html"),
    "numpy.random.default_rng": ("py:function", "reference/random/generator.html"),
    "numpy.typing.ArrayLike": ("py:data", "reference/typing.html"),
    "numpy.typing.DTypeLike": ("py:data", "reference/typing.html"),
    "numpy.typing.NDArray": ("py:data", "reference/typing.html"),
}

SKLEARN = {
    name: (kind, f"modules/generated/{name}.html")
    for name, kind in {
        "sklearn.base.BaseEstimator": "py:class",
        "sklearn.base.ClassifierMixin": "py:class",
        "sklearn.base.RegressorMixin": "py:class",
        "sklearn.base.TransformerMixin": "py:class",
        "sklearn.exceptions.ConvergenceWarning": "py:class",
        "sklearn.impute.SimpleImputer": "py:class",
        "sklearn.model_selection.train_test_split": "py:function",
        "sklearn.neural_network.MLPClassifier": "py:class",
        "sklearn.neural_network.MLPRegressor": "py:class",
        "sklearn.pipeline.Pipeline": "py:class",
        "sklearn.preprocessing.MinMaxScaler": "py:class",
        "sklearn.preprocessing.OneHotEncoder": "py:class",
        "sklearn.preprocessing.StandardScaler": "py:class",
        "sklearn.utils.estimator_checks.check_estimator": "py:function",
    }.items()
}

INVENTORIES = {"numpy.inv": ("NumPy", NUMPY), "sklearn.inv": ("scikit-learn", SKLEARN)}


def inventory(project: str, objects: dict[str, tuple[str, str]]) -> bytes:
    """The bytes of an ``objects.inv`` listing ``objects`` (name -> (domain:type, page))."""
    header = ("# Sphinx inventory version 2\n"
              f"# Project: {project}\n"
              "# Version: stable\n"
              "# The remainder of this file is compressed using zlib.\n")
    lines = "".join(f"{name} {kind} 1 {page}#$ -\n" for name, (kind, page) in sorted(objects.items()))
    return header.encode() + zlib.compress(lines.encode(), 9)


def main() -> None:
    for filename, (project, objects) in INVENTORIES.items():
        (HERE / filename).write_bytes(inventory(project, objects))
        print(f"wrote {HERE / filename}: {len(objects)} objects of {project}")


if __name__ == "__main__":
    main()
