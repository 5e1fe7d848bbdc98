"""The intersphinx inventories the docs build links NumPy and scikit-learn names with (issue 11).

The build may not reach the network, so ``docs/_inventories/{numpy,sklearn}.inv`` are kept in the
repository, written by ``docs/_inventories/make.py``. These tests read them the way Sphinx does and
check that they are what make.py writes today, that every name is a real object of the installed
NumPy or scikit-learn, and that every address has the form of those sites' API pages. That the
references in the built pages become links is checked on the built site, in test_docs_build.py.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import pytest
from sphinx.util.inventory import InventoryFile

INVENTORIES = Path(__file__).resolve().parents[1] / "docs" / "_inventories"
SITES = {"numpy.inv": "https://numpy.org/doc/stable/", "sklearn.inv": "https://scikit-learn.org/stable/"}


def _make():
    spec = importlib.util.spec_from_file_location("_nk_inventories", INVENTORIES / "make.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _entries(filename: str) -> dict[str, tuple[str, str]]:
    """name -> (domain:type, address), read by Sphinx's own inventory reader."""
    inventory = InventoryFile.loads((INVENTORIES / filename).read_bytes(), uri=SITES[filename])
    return {name: (kind, item.uri) for kind, items in inventory.data.items() for name, item in items.items()}


def _object(name: str):
    module_name, attribute = name, []
    while True:
        try:
            obj = importlib.import_module(module_name)
            break
        except ImportError:
            module_name, _, last = module_name.rpartition(".")
            attribute.insert(0, last)
    for part in attribute:
        obj = getattr(obj, part)
    return obj


def test_the_committed_inventories_are_what_make_py_writes():
    make = _make()
    for filename, (project, objects) in make.INVENTORIES.items():
        assert (INVENTORIES / filename).read_bytes() == make.inventory(project, objects), (
            f"docs/_inventories/{filename} is out of date: run python docs/_inventories/make.py")


@pytest.mark.parametrize("filename", sorted(SITES))
def test_each_entry_is_a_real_object_at_its_page_on_the_projects_site(filename):
    entries = _entries(filename)
    assert len(entries) >= 10
    project = filename.split(".")[0]
    for name, (kind, uri) in entries.items():
        assert name.split(".")[0] == project, name
        obj = _object(name)  # the installed NumPy / scikit-learn has it, under this name
        expected = {"py:class": inspect.isclass, "py:function": inspect.isroutine}.get(kind)
        assert expected is None or expected(obj), f"{name} is listed as {kind}"
        assert uri.startswith(SITES[filename]) and uri.endswith("#" + name), uri
        page = uri[len(SITES[filename]):].split("#")[0]
        if project == "sklearn":  # every scikit-learn API entry has a page of its own
            assert page == f"modules/generated/{name}.html", uri
        else:  # NumPy: a page of its own, or the section page that documents it with others
            assert re.fullmatch(r"reference/(generated/numpy\.[\w.]+|arrays\.scalars|random/generator|typing)\.html",
                                page), uri
            if page.startswith("reference/generated/"):
                assert page == f"reference/generated/{name}.html", uri


def test_the_names_the_api_pages_refer_to_are_listed():
    """The NumPy and scikit-learn names neuronkit's signatures and base classes refer to (found by a build
    with the ignore patterns off): a link each, not plain text."""
    numpy, sklearn = _entries("numpy.inv"), _entries("sklearn.inv")
    assert numpy["numpy.ndarray"][0] == numpy["numpy.dtype"][0] == "py:class"
    assert sklearn["sklearn.base.ClassifierMixin"][0] == sklearn["sklearn.base.RegressorMixin"][0] == "py:class"
    assert numpy["numpy.random.Generator"][1] == (
        "https://numpy.org/doc/stable/reference/random/generator.html#numpy.random.Generator")
    assert sklearn["sklearn.model_selection.train_test_split"] == (
        "py:function", "https://scikit-learn.org/stable/modules/generated/sklearn.model_selection.train_test_split.html"
                       "#sklearn.model_selection.train_test_split")
