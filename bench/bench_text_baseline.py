"""The text baseline the issue's text classifier is held to: TF-IDF + logistic regression on ``topics``.

Mean accuracy over 3 stratified 80/20 splits drawn by ``nk.data.split_indices(n, 0.2, labels=y,
seed=s)`` for s = 0, 1, 2: the splits a neuronkit text model is scored on in its own benchmark
(use :func:`splits`), so the two numbers compare. Nothing is timed. Run on its own::

    python bench/bench_text_baseline.py [--splits 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def splits(y: np.ndarray, n_splits: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) row indices of the stratified 80/20 splits, seeds 0 .. n_splits-1."""
    import neuronkit as nk

    return [nk.data.split_indices(len(y), 0.2, labels=y, seed=seed) for seed in range(n_splits)]


def tfidf_baseline(texts: list[str], y: np.ndarray, n_splits: int = 3) -> list[float]:
    """Test accuracy of TF-IDF (scikit-learn's defaults) + LogisticRegression on each split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    array = np.array(texts, dtype=object)
    accuracies = []
    for train, test in splits(y, n_splits):
        vectorizer = TfidfVectorizer()
        model = LogisticRegression(max_iter=1000).fit(vectorizer.fit_transform(array[train]), y[train])
        accuracies.append(float(np.mean(model.predict(vectorizer.transform(array[test])) == y[test])))
    return accuracies


def main(argv: list[str] | None = None) -> dict:
    import neuronkit as nk

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--splits", type=int, default=3, help="number of stratified 80/20 splits (seeds 0, 1, ...)")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = p.parse_args(argv)
    ds = nk.datasets.load_text("topics")
    accuracies = tfidf_baseline(ds.texts, ds.y, args.splits)
    result = {"dataset": "topics", "n_texts": ds.n_samples, "classes": ds.classes, "splits": args.splits,
              "accuracies": accuracies, "mean_accuracy": float(np.mean(accuracies))}
    print(f"topics ({ds.n_samples} texts, {ds.n_classes} classes): TF-IDF + logistic regression accuracy "
          f"{', '.join(f'{a:.3f}' for a in accuracies)}; mean {result['mean_accuracy']:.3f}")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
