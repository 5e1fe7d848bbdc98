"""Text kernels: the embedding gradient, fused against composed attention, and a Transformer block's step.

Three measurements (float32; PyTorch eager with 2 threads where it has the same operation):

* ``embedding_grad`` — the weight gradient of an embedding lookup (a scatter-add of a
  (batch·length, D) gradient into a (vocab, D) table): neuronkit's sort + ``np.add.reduceat``
  against ``np.add.at`` and ``np.bincount`` per column, for a small and a large vocabulary;
* ``attention`` — forward and backward of scaled dot-product attention with a padding mask,
  (N, H, L, d) = (32, 4, 64, 16): the fused primitive ``engine.attention.scaled_dot_product_attention``
  against the same thing composed from primitives (``matmul`` → ``where`` → ``softmax`` →
  ``matmul``; the composite gives NaN for a query with no key, the fused one zeros) and
  ``torch.nn.functional.scaled_dot_product_attention``;
* ``encoder_step`` — forward and backward of ``TransformerEncoderBlock(64, 4, 128)`` on
  (32, 64, 64) tokens with a padding mask, against ``nn.TransformerEncoderLayer`` (dropout 0).

    python bench/bench_attention.py [--smoke] [--repeats N] [--json out.json]
"""

from __future__ import annotations

import math
from typing import Any

import _common as C
import numpy as np

import neuronkit as nk
from neuronkit.engine import Tensor, ops
from neuronkit.engine import attention as attn


def embedding_cases(vocab: int, dim: int, tokens: int, seed: int = 0) -> dict[str, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocab, size=tokens)
    grad = rng.standard_normal((tokens, dim), dtype=np.float32)

    def add_at() -> np.ndarray:
        out = np.zeros((vocab, dim), np.float32)
        np.add.at(out, ids, grad)
        return out

    def bincount() -> np.ndarray:
        out = np.empty((vocab, dim), np.float32)
        for j in range(dim):
            out[:, j] = np.bincount(ids, weights=grad[:, j], minlength=vocab)
        return out

    expected = add_at()
    for fn in (bincount, lambda: attn.embedding_gradient(grad, ids, vocab)):
        np.testing.assert_allclose(fn(), expected, rtol=1e-4, atol=1e-4)
    return {"neuronkit (sort + reduceat)": {"fn": lambda: attn.embedding_gradient(grad, ids, vocab)},
            "np.add.at": {"fn": add_at}, "np.bincount per column": {"fn": bincount}}


def composite_attention(q: Tensor, k: Tensor, v: Tensor, mask: np.ndarray) -> Tensor:
    scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) * (1.0 / math.sqrt(q.shape[-1]))
    scores = ops.where(mask[:, None, None, :], scores, -1e30)  # -inf would give NaN rows; -1e30 is what users write
    return ops.matmul(ops.softmax(scores, axis=-1), v)


def attention_cases(shape: tuple[int, int, int, int], torch: Any) -> dict[str, dict[str, Any]]:
    rng = np.random.default_rng(1)
    n, _, length, _ = shape
    arrays = [rng.standard_normal(shape, dtype=np.float32) for _ in range(3)]
    G = rng.standard_normal(shape, dtype=np.float32)
    mask = np.arange(length)[None, :] < rng.integers(1, length + 1, size=n)[:, None]

    def step(fn):
        def run() -> np.ndarray:
            q, k, v = (Tensor(a, requires_grad=True) for a in arrays)
            (fn(q, k, v, mask) * Tensor(G)).sum().backward()
            return q.grad
        return run

    fused = step(lambda q, k, v, m: attn.scaled_dot_product_attention(q, k, v, m))
    composed = step(composite_attention)
    np.testing.assert_allclose(fused(), composed(), rtol=1e-3, atol=1e-4)
    cases = {"neuronkit fused": {"fn": fused}, "neuronkit composed": {"fn": composed}}
    if torch is not None:
        tq, tk, tv = (torch.from_numpy(a) for a in arrays)
        tG, tmask = torch.from_numpy(G), torch.from_numpy(mask)[:, None, None, :]

        def torch_step() -> Any:
            q, k, v = (t.clone().requires_grad_(True) for t in (tq, tk, tv))
            out = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=tmask)
            (out * tG).sum().backward()
            return q.grad

        cases["torch"] = {"fn": torch_step}
    return cases


def encoder_cases(n: int, length: int, d: int, heads: int, ff: int, torch: Any) -> dict[str, dict[str, Any]]:
    rng = np.random.default_rng(2)
    X = rng.standard_normal((n, length, d), dtype=np.float32)
    G = rng.standard_normal((n, length, d), dtype=np.float32)
    mask = np.arange(length)[None, :] < rng.integers(1, length + 1, size=n)[:, None]
    block = nk.TransformerEncoderBlock(d, heads, ff, 0.0, seed=0)

    def ours() -> None:
        block.zero_grad()
        (block(Tensor(X), mask) * Tensor(G)).sum().backward()

    cases = {"neuronkit": {"fn": ours}}
    if torch is not None:
        ref = torch.nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True)
        tX, tG, tmask = torch.from_numpy(X), torch.from_numpy(G), torch.from_numpy(~mask)

        def theirs() -> None:
            ref.zero_grad()
            (ref(tX, src_key_padding_mask=tmask) * tG).sum().backward()

        cases["torch"] = {"fn": theirs}
    return cases


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args, repeats, torch = C.start(__doc__.splitlines()[0], argv, default_repeats=7)
    small = args.smoke
    results: dict[str, Any] = {"embedding_grad": {}, "machine": C.machine_info()}
    for label, (vocab, dim, tokens) in {"vocab 1,000": (1000, 64, 2048 if small else 32 * 128),
                                        "vocab 30,000": (30000, 64, 2048 if small else 32 * 128)}.items():
        cases = embedding_cases(vocab, dim, tokens)
        for case in cases.values():
            case["number"] = 1 if small else C.calls_per_run(case["fn"])
        results["embedding_grad"][label] = C.round_robin(cases, repeats=repeats)
    shape = (4, 2, 16, 8) if small else (32, 4, 64, 16)
    results["attention"] = C.round_robin(attention_cases(shape, torch), repeats=repeats)
    sizes = (4, 16, 16, 2, 32) if small else (32, 64, 64, 4, 128)
    results["encoder_step"] = C.round_robin(encoder_cases(*sizes, torch), repeats=repeats)
    for section in ("attention", "encoder_step"):
        C.log(section, {name: C.fmt_time(t["median"]) for name, t in results[section].items()})
    for label, timing in results["embedding_grad"].items():
        C.log("embedding_grad", label, {name: C.fmt_time(t["median"]) for name, t in timing.items()})
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    main()
