"""Every public name is documented, and every public callable has an example that runs.

The API reference is built from docstrings, so this test walks the public API and lists each name
that lacks what the reference needs. The public API is:

- every public module of the package (no ``_``-prefixed part in its dotted name; the CLI modules
  ``neuronkit.cli`` and ``neuronkit.inspect.cli`` are documented by ``--help`` instead), and in it
- the names in its ``__all__``; a module without ``__all__`` offers the functions and classes it
  defines and the data it assigns at top level, not starting with ``_`` (what Sphinx's automodule
  shows for it). A name re-exported elsewhere is checked once, where it is first met.

The rules:

- a module needs its own docstring;
- a class or routine re-exported from another project under its own name, with its own docstring
  (scikit-learn's ``ConvergenceWarning``), is documented there;
- a function needs a docstring with a runnable example (``>>>`` lines, which
  ``pytest --doctest-modules`` on ``src`` executes, so an example that is wrong fails the suite);
- a class needs its own docstring (not one inherited, nor the ``Name(field, ...)`` line that
  dataclasses and named tuples generate); if it has public methods it also needs an example, in the
  class docstring or its ``__init__``'s. Error and warning classes need a docstring, not an example;
- a module-level object that is neither module, class nor routine (a registry instance, a table, a
  constant), or is another project's class or routine under a name of ours
  (``DEFAULT_DTYPE = np.float32``), or a bound method (``ALIASES = ATTRIBUTIONS.aliases``),
  carries no docstring of its own (``obj.__doc__`` is its type's), so it needs an attribute
  docstring where it is assigned: a string literal right after the assignment, or a ``#:`` comment
  right before it. Both are what Sphinx's autodoc shows for module data.

``TODO`` lists the names still missing something; it must only shrink: a name documented since is
an error until it is removed from the list, and a new undocumented name is an error at once.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
import typing
from types import ModuleType

import numpy as np

import neuronkit

CLI_MODULES = {"neuronkit.cli", "neuronkit.inspect.cli"}

# Names that still lack a docstring or an example ("where: what is missing"). Only ever remove lines.
TODO = [
    "neuronkit.data.Scaler: example",
    "neuronkit.data.Table: example",
    "neuronkit.data.check_features: example",
    "neuronkit.data.check_training_data: example",
    "neuronkit.data.prepare_evaluation: example",
    "neuronkit.data.prepare_prediction: example",
    "neuronkit.data.prepare_training: example",
    "neuronkit.data.targets_for: example",
    "neuronkit.data.arrays.is_label_array: example",
    "neuronkit.data.arrays.float_dtype: example",
    "neuronkit.data.arrays.take: example",
    "neuronkit.data.csv.column_index: example",
    "neuronkit.data.csv.check_no_missing: example",
    "neuronkit.data.csv.text_features_error: example",
    "neuronkit.data.csv.as_float32: example",
    "neuronkit.data.csv.check_float32_range: example",
    "neuronkit.data.csv.numeric_features: example",
    "neuronkit.data.csv.is_continuous: example",
    "neuronkit.data.csv.encode_target: example",
    "neuronkit.data.csv.choose_features: example",
    "neuronkit.data.scalers.scaler_from_model_file: example",
    "neuronkit.data.sources.dataset_checksum: example",
    "neuronkit.data.sources.table_from_dataset: example",
    "neuronkit.data.sources.load_table: example",
    "neuronkit.inspect.attribution.Objective: example",
    "neuronkit.io.read_estimator_file: example",
]
TODO_COUNT = 26


def public_modules() -> list[ModuleType]:
    modules = [neuronkit]
    for info in pkgutil.walk_packages(neuronkit.__path__, "neuronkit."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]) or info.name in CLI_MODULES:
            continue
        modules.append(importlib.import_module(info.name))
    return modules


def _top_level(module: ModuleType) -> tuple[dict[str, int], list[ast.stmt], list[str]]:
    """Top-level assignments of a module: name -> index of its statement; the statements; the lines."""
    source = inspect.getsource(module)
    body = ast.parse(source).body
    assigned = {}
    for i, statement in enumerate(body):
        if isinstance(statement, ast.Assign):
            targets = [t.id for t in statement.targets if isinstance(t, ast.Name)]
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            targets = [statement.target.id]
        else:
            targets = []
        for target in targets:
            assigned[target] = i
    return assigned, body, source.splitlines()


def public_names(module: ModuleType) -> list[str]:
    if hasattr(module, "__all__"):
        return list(module.__all__)
    assigned = _top_level(module)[0]
    names = []
    for name, obj in vars(module).items():
        if name.startswith("_"):
            continue
        if inspect.isclass(obj) or inspect.isfunction(obj):
            if obj.__module__ == module.__name__:
                names.append(name)
        elif name in assigned and not isinstance(obj, typing.TypeVar) and not inspect.ismodule(obj):
            names.append(name)
    return names


def own_doc(obj: object) -> str | None:
    if inspect.isclass(obj):
        doc = obj.__dict__.get("__doc__")
        if doc and doc.startswith(obj.__name__ + "("):  # generated by dataclass / NamedTuple
            return None
        return doc
    return getattr(obj, "__doc__", None)


def public_methods(cls: type) -> list[str]:
    found = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(cls, name)
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if inspect.isfunction(attr) and attr.__module__.startswith("neuronkit"):
            found.append(name)
    return found


def has_attribute_docstring(name: str, obj: object) -> bool:
    for module in list(sys.modules.values()):
        module_name = getattr(module, "__name__", None) or ""
        if not (module_name == "neuronkit" or module_name.startswith("neuronkit.")):
            continue
        if getattr(module, name, None) is not obj:
            continue
        assigned, body, lines = _top_level(module)
        if name not in assigned:
            continue
        i = assigned[name]
        after = body[i + 1] if i + 1 < len(body) else None
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str):
            return True
        if body[i].lineno >= 2 and lines[body[i].lineno - 2].lstrip().startswith("#:"):
            return True
    return False


def missing(where: str, obj: object, name: str) -> list[str]:
    """What the public name ``where`` (bound to ``obj``) lacks, as ``"where: what"`` lines."""
    if inspect.ismodule(obj):
        return [] if obj.__doc__ else [f"{where}: docstring"]
    foreign = not str(getattr(obj, "__module__", None) or "").startswith("neuronkit")
    named = (inspect.isclass(obj) or inspect.isroutine(obj)) and getattr(obj, "__name__", None) == name
    if foreign and named and own_doc(obj):  # scikit-learn's ConvergenceWarning, re-exported: documented at home
        return []
    if foreign or inspect.ismethod(obj):  # ``DEFAULT_DTYPE = np.float32``, ``ALIASES = ATTRIBUTIONS.aliases``: data
        return [] if has_attribute_docstring(name, obj) else [f"{where}: attribute docstring"]
    if inspect.isclass(obj):
        doc = own_doc(obj)
        found = [] if doc else [f"{where}: docstring"]
        if issubclass(obj, (BaseException, Warning)) or not public_methods(obj):
            return found
        init = obj.__dict__.get("__init__")
        if ">>>" not in (doc or "") + (getattr(init, "__doc__", None) or ""):
            found.append(f"{where}: example")
        return found
    if inspect.isroutine(obj):
        doc = own_doc(obj)
        if not doc:
            return [f"{where}: docstring"]
        return [] if ">>>" in doc else [f"{where}: example"]
    return [] if has_attribute_docstring(name, obj) else [f"{where}: attribute docstring"]


def all_missing() -> tuple[list[str], int]:
    """Every public name's gaps, and how many public names there are."""
    seen: set[object] = set()
    found = []
    for module in public_modules():
        if not module.__doc__:
            found.append(f"{module.__name__}: module docstring")
        for name in public_names(module):
            obj = getattr(module, name)
            named = inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj)
            key = id(obj) if named else (name, id(obj))
            if key in seen:
                continue
            seen.add(key)
            found += missing(f"{module.__name__}.{name}", obj, name)
    return found, len(seen)


def test_every_public_name_has_a_docstring_and_every_callable_an_example():
    found, total = all_missing()
    new = sorted(set(found) - set(TODO))
    assert not new, "public names without a docstring or example:\n" + "\n".join(new)
    done = sorted(set(TODO) - set(found))
    assert not done, "documented now, remove from TODO in tests/test_api_docs.py:\n" + "\n".join(done)
    assert len(TODO) == len(set(TODO)) == TODO_COUNT, "TODO only shrinks: lower TODO_COUNT with it"
    assert total > 300  # the walk found the API (377 names when this test was written)


def test_the_walk_covers_modules_without_all_and_skips_private_ones():
    names = {m.__name__ for m in public_modules()}
    assert {"neuronkit.activations", "neuronkit.engine.tensor", "neuronkit.inspect.health"} <= names
    assert not any(part.startswith("_") for n in names for part in n.split(".")[1:])
    assert "relu" in public_names(importlib.import_module("neuronkit.engine.tensor"))


def _undocumented(x):
    return x


def _documented(x):
    """Twice ``x``.

    >>> _documented(2)
    4
    """
    return 2 * x


class _Record(typing.NamedTuple):
    a: int


class _Error(ValueError):
    """A documented error needs no example."""


def _ours(obj):
    """``obj`` as if a neuronkit module defined it (the rules treat other projects' names apart)."""
    obj.__module__ = "neuronkit._example"
    return obj


def test_the_rules_flag_what_they_should():
    assert missing("f", _ours(_undocumented), "f") == ["f: docstring"]
    assert missing("g", _ours(lambda: 0), "g") == ["g: docstring"]
    assert missing("d", _ours(_documented), "d") == []
    assert missing("R", _ours(_Record), "R") == ["R: docstring"]  # the generated "_Record(a,)" does not count
    assert missing("E", _ours(_Error), "E") == []
    assert missing("Tensor", neuronkit.Tensor, "Tensor") == []
    registry = neuronkit.activations.ACTIVATIONS
    assert missing("ACTIVATIONS", registry, "ACTIVATIONS") == []
    assert missing("x", {"undocumented": 1}, "x") == ["x: attribute docstring"]
    assert missing("dtype", np.float64, "dtype") == ["dtype: attribute docstring"]
