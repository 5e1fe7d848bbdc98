"""Text classification on ``topics``: a neuronkit text model, the same model in PyTorch, and TF-IDF.

Issue 12 item 7: the text classifier within 3 points of TF-IDF + logistic regression on the same
splits (mean of 3), and not below the same architecture in PyTorch by more than 0.01. On each of
the 3 stratified 80/20 splits of :func:`bench_text_baseline.splits`:

* a :class:`~neuronkit.data.Tokenizer` is fitted on the training texts (0 pads, 1 is unknown);
* **neuronkit**: ``nk.layers.spec.build(SPEC)`` — by default a bag of embeddings,
  ``embedding(64,padding_idx=0),dropout(0.5),seqmeanpool,dense(out)``: each word's vector
  (dropped out in training), averaged over the real words (the padding mask comes from
  ``padding_idx``), then a linear layer — trained with ``nk.fit`` (Adam, softmax cross-entropy);
* **torch**: the same network (``nn.Embedding(padding_idx=0)``, ``nn.Dropout``, the masked mean,
  ``nn.Linear``) starting from the same weights, trained with the same optimiser, learning rate,
  batch size and epochs (its own shuffling);
* **tfidf**: scikit-learn's ``TfidfVectorizer`` + ``LogisticRegression``
  (:func:`bench_text_baseline.tfidf_baseline`).

Accuracies per split and their means, and the training time per model, are reported.

    python bench/bench_text.py [--smoke] [--spec SPEC] [--epochs N] [--lr LR] [--no-torch] [--json out.json]
"""

from __future__ import annotations

import time
from typing import Any

import _common as C
import numpy as np
from bench_text_baseline import splits, tfidf_baseline

import neuronkit as nk
from neuronkit.data.text import Tokenizer
from neuronkit.layers.spec import build

SPEC = "embedding(64,padding_idx=0),dropout(0.5),seqmeanpool,dense(out)"
EPOCHS, LR, BATCH = 60, 0.03, 32


def encode(tokenizer: Tokenizer, texts: list[str], length: int) -> np.ndarray:
    ids = tokenizer.encode(texts, max_len=length)
    return np.pad(ids, ((0, 0), (0, length - ids.shape[1])))


def torch_bag_of_embeddings(torch: Any, net: nk.Sequential) -> Any:
    """The default SPEC in PyTorch, with ``net``'s initial weights (only that architecture is mirrored)."""
    embedding, dropout, dense = net["embedding1"], net["dropout1"], net["output"]

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = torch.nn.Embedding(embedding.num_embeddings, embedding.embedding_dim, padding_idx=0)
            self.dropout = torch.nn.Dropout(dropout.p)
            self.output = torch.nn.Linear(dense.in_features, dense.out_features)

        def forward(self, ids: Any) -> Any:
            mask = (ids != 0).unsqueeze(-1).float()
            x = self.dropout(self.embedding(ids))
            return self.output((x * mask).sum(1) / mask.sum(1).clamp(min=1))

    model = Model()
    with torch.no_grad():
        model.embedding.weight.copy_(torch.from_numpy(embedding.weight.data))
        model.output.weight.copy_(torch.from_numpy(dense.weight.data))
        model.output.bias.copy_(torch.from_numpy(dense.bias.data))
    return model


def train_torch(torch: Any, model: Any, X: np.ndarray, y: np.ndarray, epochs: int, lr: float, seed: int) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    tX, ty = torch.from_numpy(X), torch.from_numpy(y)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), BATCH):
            batch = order[start:start + BATCH]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(tX[batch]), ty[batch]).backward()
            optimizer.step()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = C.parser(__doc__.splitlines()[0])
    p.add_argument("--spec", default=SPEC, help="the neuronkit model (an architecture spec line)")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--lr", type=float, default=LR)
    p.add_argument("--torch-threads", type=int, default=None,
                   help=f"PyTorch's intra-op threads (default {C.TORCH_THREADS}; 1 on a busy machine)")
    args = p.parse_args(argv)
    torch = C.torch_or_none(args.no_torch or args.spec != SPEC)  # PyTorch mirrors the default spec only
    if torch is not None and args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    epochs = args.epochs or (2 if args.smoke else EPOCHS)
    ds = nk.datasets.load_text("topics")
    texts, y = np.array(ds.texts, dtype=object), np.asarray(ds.y, dtype=np.int64)
    n_splits = 1 if args.smoke else 3
    results: dict[str, Any] = {"spec": args.spec, "epochs": epochs, "lr": args.lr, "batch_size": BATCH,
                               "machine": C.machine_info(), "splits": []}
    for seed, (train, test) in enumerate(splits(y, n_splits)):
        tokenizer = Tokenizer().fit(list(texts[train]))
        length = max(len(tokenizer.tokenize(t)) for t in texts)
        X_train, X_test = encode(tokenizer, list(texts[train]), length), encode(tokenizer, list(texts[test]), length)
        net = build(args.spec, input_shape=(length,), vocab_size=tokenizer.vocab_size, outputs=ds.n_classes,
                    seed=seed)
        row: dict[str, Any] = {"seed": seed, "vocab_size": tokenizer.vocab_size, "length": length}
        reference = torch_bag_of_embeddings(torch, net) if torch is not None else None  # before training: same start
        start = time.perf_counter()
        nk.fit(net, X_train, y[train], loss="cross_entropy", epochs=epochs, batch_size=BATCH, optimizer="adam",
               lr=args.lr, progress=False, seed=seed)
        row["neuronkit"] = {"accuracy": float(np.mean(net.infer(X_test).argmax(axis=1) == y[test])),
                            "seconds": time.perf_counter() - start}
        if reference is not None:
            start = time.perf_counter()
            train_torch(torch, reference, X_train, y[train], epochs, args.lr, seed)
            reference.eval()
            with torch.inference_mode():
                predicted = reference(torch.from_numpy(X_test)).argmax(1).numpy()
            row["torch"] = {"accuracy": float(np.mean(predicted == y[test])), "seconds": time.perf_counter() - start}
        results["splits"].append(row)
        C.log(f"split {seed}: " + ", ".join(f"{name} {row[name]['accuracy']:.3f} ({row[name]['seconds']:.1f} s)"
                                           for name in ("neuronkit", "torch") if name in row))
    tfidf = tfidf_baseline(ds.texts, y, n_splits)
    results["tfidf"] = {"accuracies": tfidf, "mean": float(np.mean(tfidf))}
    for name in ("neuronkit", "torch"):
        scores = [row[name]["accuracy"] for row in results["splits"] if name in row]
        if scores:
            results[name] = {"accuracies": scores, "mean": float(np.mean(scores))}
    C.log("mean accuracy: " + ", ".join(f"{name} {results[name]['mean']:.3f}" for name in ("neuronkit", "torch",
                                                                                           "tfidf")
                                        if name in results))
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    main()
