"""The documentation site builds with warnings as errors, its lessons executed (issue 11).

``sphinx-build -W --keep-going -n`` runs in a subprocess, so Sphinx's, Jupyter's and the lessons'
own warnings stay out of this (warnings-as-errors) pytest process: any of them fails the build, and
the build's output is shown. It builds a copy of ``docs/`` (and the README it includes) in a
temporary folder, so nothing is written into the checkout.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LESSONS = sorted(p for p in (DOCS / "lessons").glob("*.md") if p.name != "index.md")
PUBLIC_MODULES = [
    "neuronkit", "neuronkit.engine", "neuronkit.layers", "neuronkit.activations", "neuronkit.init",
    "neuronkit.losses", "neuronkit.metrics", "neuronkit.optim", "neuronkit.training", "neuronkit.callbacks",
    "neuronkit.history", "neuronkit.data", "neuronkit.io", "neuronkit.estimators", "neuronkit.inspect",
    "neuronkit.neuron", "neuronkit.errors", "neuronkit.validation", "neuronkit.registry", "neuronkit.cli",
    "neuronkit.spiking.plasticity", "neuronkit.spiking.simulation", "neuronkit.spiking.nir",
    "neuronkit.spiking.unsupervised", "neuronkit.spiking.learning",
]


def _text(page: Path) -> str:
    """A page's visible text (code is highlighted token by token)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


def _build(tmp_path: Path) -> tuple[Path, float]:
    source = tmp_path / "docs"
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns("_build", "generated", "jupyter_execute"))
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")  # the landing and command-line pages include it
    out = tmp_path / "html"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-j", "1", "-q", "-b", "html",
         str(source), str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )
    seconds = time.perf_counter() - start
    log = f"{result.stdout[-5000:]}\n{result.stderr[-10000:]}"
    assert result.returncode == 0, f"sphinx-build failed ({result.returncode}):\n{log}"
    return out, seconds


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built once for this module's tests (the build takes most of a minute)."""
    out, seconds = _build(tmp_path_factory.mktemp("docs"))
    print(f"docs build: {seconds:.1f} s for {len(LESSONS)} lessons")
    return out


def test_docs_site_builds_strictly_with_every_lesson_executed_and_the_api_reference(site):
    out = site

    for page in ["index.html", "cli.html", "worked-examples.html", "lessons/index.html", "api/index.html"]:
        assert (out / page).is_file(), page
    # the landing page says what neuronkit is and gives the two commands; the CLI page has the guarantees
    landing = _text(out / "index.html")
    assert "neuron at a time" in landing and "neuronkit train digits" in landing and "python -m pytest" in landing
    cli = _text(out / "cli.html")
    assert "neuronkit evaluate" in cli and "What neuronkit guarantees" in cli

    api = (out / "api" / "index.html").read_text()
    for module in PUBLIC_MODULES:
        page = out / "api" / "generated" / f"{module}.html"
        assert page.is_file(), module
        assert f'href="generated/{module}.html"' in api, module
    assert 'id="neuronkit.engine.Tensor"' in (out / "api" / "generated" / "neuronkit.engine.html").read_text()

    lessons_index = (out / "lessons" / "index.html").read_text()
    for lesson in LESSONS:
        page = out / "lessons" / f"{lesson.stem}.html"
        assert page.is_file(), lesson.name
        assert f'href="{lesson.stem}.html"' in lessons_index, lesson.name
        text = page.read_text()
        assert 'class="cell_output' in text, f"{lesson.name}: no executed output"
        if re.search(r"\b(plt|matplotlib)\b|\.plot\(", lesson.read_text()):
            images = [html.unescape(src) for src in re.findall(r'<img[^>]+src="([^"]+\.png)"', text)]
            assert images, f"{lesson.name} draws a figure but its page shows none"
            for src in images:
                assert (page.parent / src).resolve().is_file(), f"{lesson.name}: {src} missing"


def _links(page: Path) -> dict[str, str]:
    """External links of a page: address -> the text linked."""
    found = re.findall(r'<a class="reference external" href="([^"]+)"[^>]*>(.*?)</a>', page.read_text(), re.S)
    return {href: html.unescape(re.sub(r"<[^>]+>", "", text)) for href, text in found}


def test_numpy_and_scikit_learn_references_link_to_their_sites(site):
    """Intersphinx, offline: the inventories in docs/_inventories turn references into links (issue 11)."""
    generated = site / "api" / "generated"
    # a signature's ``np.ndarray`` annotation links to NumPy's page for ndarray, and its
    # ``np.random.Generator`` (defined in numpy.random._generator) to the public name's entry
    data = _links(generated / "neuronkit.data.html")
    ndarray = "https://numpy.org/doc/stable/reference/generated/numpy.ndarray.html#numpy.ndarray"
    assert data.get(ndarray) == "ndarray", sorted(data)
    generator = "https://numpy.org/doc/stable/reference/random/generator.html#numpy.random.Generator"
    assert data.get(generator) == "Generator", sorted(data)
    # a docstring's :func:`sklearn.model_selection.train_test_split` (prepare_training's) links to its page
    split = ("https://scikit-learn.org/stable/modules/generated/sklearn.model_selection.train_test_split.html"
             "#sklearn.model_selection.train_test_split")
    assert data.get(split) == "sklearn.model_selection.train_test_split()", sorted(data)
    # NeuralClassifier's base class links to scikit-learn's page for ClassifierMixin
    estimators = _links(generated / "neuronkit.estimators.html")
    mixin = "https://scikit-learn.org/stable/modules/generated/sklearn.base.ClassifierMixin.html#sklearn.base.ClassifierMixin"
    assert estimators.get(mixin) == "ClassifierMixin", sorted(estimators)
    regressor = mixin.replace("ClassifierMixin", "RegressorMixin")
    assert estimators.get(regressor) == "RegressorMixin", sorted(estimators)
