"""Seeded fuzzing of model files: every mutation loads to a working model or raises a neuronkit error.

Valid files of three kinds (a network with every kind of saved state, a classifier, a regressor) are
mutated: bytes flipped, cut or appended; the safetensors header edited (shapes, dtypes, offsets, its
length); and the model description or the arrays edited and the checksum signed again, so that the
structure checks behind the checksum are exercised (changed shapes, sizes, dtypes, entry types,
huge declared dimensions, deep nesting, NaN scaler values, wrong class counts, …). Each mutated file
must either load into a model whose predictions on valid input are finite and of the right shape, or
raise a :class:`~neuronkit.errors.NeuronkitError` — never another exception. The CLI's view
(``SavedEstimator``) must accept and refuse the same estimator files as ``nk.load``.

The fuzzing runs in a subprocess under ``RLIMIT_AS`` (2 GB) with a hard timeout: a safety bound
against a file that would exhaust memory or hang, not a speed measurement. A few hundred mutations
run in CI; ``NEURONKIT_FUZZ_N`` asks for more (``NEURONKIT_FUZZ_SEED`` picks another seed).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

SRC = str(Path(__file__).resolve().parents[1] / "src")
N_MUTATIONS = int(os.environ.get("NEURONKIT_FUZZ_N", "300"))
SEED = int(os.environ.get("NEURONKIT_FUZZ_SEED", "10"))
MEMORY_BYTES = 2 * 1024**3

# values a mutation puts where a JSON value was
ODD_VALUES: list[Any] = [None, True, False, 0, -1, 1, 2, 3, 0.5, -0.5, 1e9, 10**12, 2**63, 2**64 + 1, float("nan"),
                         float("inf"), float("-inf"), "", "x", "float16", "int8", "Dense", "BatchNorm", "<U1", [],
                         {}, [1, 2], ["a", "b", "c", "d", "e"], {"a": 1}, {"type": "Dense"}, "A" * 5000]
DEEP = "__deep__"  # replaced in the JSON text by a nesting of a random depth (json.dumps could not write it)


# ------------------------------------------------------------------ the base files

def base_files(folder: Path) -> dict[str, Path]:
    import neuronkit as nk

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    net = nk.Sequential(
        ("encoder", nk.Dense(4, 6, activation="prelu", seed=0)),
        nk.BatchNorm(6),
        nk.Dropout(0.3, seed=1),
        nk.Dense(6, 5, activation="tanh", seed=2, name="middle"),
        nk.LayerNorm(5),
        nk.Dense(5, 3, activation="softmax", seed=3),
    )
    net(X.astype(np.float32))  # running statistics away from their defaults
    nk.save(net.eval(), folder / "network.nkm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 epochs on purpose (ConvergenceWarning): only the file matters
        clf = nk.NeuralClassifier(hidden_layer_sizes=(5,), batch_norm=True, max_iter=3, random_state=0)
        clf.fit(X, np.array(["ant", "bee", "cat"])[np.arange(40) % 3])
        reg = nk.NeuralRegressor(hidden_layer_sizes=(5,), scaler="minmax", max_iter=3, random_state=0)
        reg.fit(X, np.stack([X @ [1.0, 2.0, 3.0, 4.0], X[:, 0]], axis=1))
    clf.save(folder / "classifier.nkm")
    reg.save(folder / "regressor.nkm")
    return {"network": folder / "network.nkm", "classifier": folder / "classifier.nkm",
            "regressor": folder / "regressor.nkm"}


# ------------------------------------------------------------------ mutations

def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside a JSON document (the root excluded)."""
    out = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        out.append(prefix + (key,))
        out.extend(_paths(child, prefix + (key,)))
    return out


def _get(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _odd(rng: np.random.Generator) -> Any:
    return copy.deepcopy(ODD_VALUES[rng.integers(len(ODD_VALUES))])


def _edit_json(doc: dict, rng: np.random.Generator) -> str:
    """One random edit of a JSON document: a value replaced, deleted, wrapped, or a number pushed to extremes."""
    paths = _paths(doc)
    path = paths[rng.integers(len(paths))]
    parent, key = _get(doc, path[:-1]), path[-1]
    value = parent[key]
    action = rng.choice(["replace", "delete", "wrap", "deep", "number", "number"])
    if action == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        parent[key] = rng.choice([0, -1, 2 * value + 1, value * 1000, -value, 10**9, float("nan"), float("inf")])
        return f"number {path} {value!r} -> {parent[key]!r}"
    if action == "delete" and isinstance(parent, dict):
        del parent[key]
        return f"delete {path}"
    if action == "wrap":
        parent[key] = [value]
        return f"wrap {path}"
    if action == "deep":
        parent[key] = DEEP
        return f"deep {path}"
    parent[key] = _odd(rng)
    return f"replace {path} -> {str(parent[key])[:40]!r}"


def _targeted(meta: dict, arrays: dict, rng: np.random.Generator) -> str:
    """An edit aimed at what the checks behind the checksum guard."""
    layers = meta["network"]["layers"]
    layer = layers[rng.integers(len(layers))]
    choice = rng.integers(9)
    if choice == 0 and "in_features" in layer:
        key = rng.choice(["in_features", "out_features"])
        layer[key] = int(rng.choice([1, 2, 7, 8000, 30000, 10**9, 10**12, 2**62]))
        return f"layer {layer.get('name')} {key} = {layer[key]}"
    if choice == 1 and "num_features" in layer:
        layer["num_features"] = int(rng.choice([1, 3, 10**9, 10**15]))
        return f"layer {layer.get('name')} num_features = {layer['num_features']}"
    if choice == 2:
        layer["dtype"] = str(rng.choice(["float64", "float16", "int8", "bool", "complex64", "object"]))
        return f"layer {layer.get('name')} dtype = {layer['dtype']}"
    if choice == 3:
        layer["type"] = str(rng.choice(["Dense", "BatchNorm", "LayerNorm", "Dropout", "Sequential", "Conv2d"]))
        return f"layer {layer.get('name')} type = {layer['type']}"
    if choice == 4 and arrays:  # an array of another dtype or shape
        name = sorted(arrays)[rng.integers(len(arrays))]
        array = arrays[name]
        how = rng.integers(4)
        arrays[name] = (array.astype(np.float64) if how == 0 else array.astype(np.float16) if how == 1
                        else array.reshape(-1) if how == 2 else np.zeros((0, 10**9), np.float32))
        return f"array {name} -> {arrays[name].dtype} {arrays[name].shape}"
    if choice == 5 and arrays:  # an array dropped, added or renamed
        name = sorted(arrays)[rng.integers(len(arrays))]
        how = rng.integers(3)
        if how == 0:
            del arrays[name]
        elif how == 1:
            arrays[name + "_extra"] = arrays[name].copy()
        else:
            arrays["renamed." + name] = arrays.pop(name)
        return f"array {name} {['dropped', 'duplicated', 'renamed'][how]}"
    if choice == 6 and "scaler" in meta:
        scaler = meta["scaler"]
        stats = [k for k in scaler if isinstance(scaler[k], list) and k != "feature_range"]
        if stats:
            key = stats[rng.integers(len(stats))]
            values = list(scaler[key])
            how = rng.integers(3)
            if how == 0:
                values[rng.integers(len(values))] = float(rng.choice([np.nan, np.inf, -np.inf, 0.0, -1.0]))
            elif how == 1:
                values.append(1.0)
            else:
                values = values[:-1]
            scaler[key] = values
            return f"scaler {key} -> {values}"
    if choice == 7 and "extra" in meta:
        extra = meta["extra"]
        if "classes" in extra:
            how = rng.integers(4)
            if how == 0:
                extra["classes"] = extra["classes"] + ["dog", "eel"]
            elif how == 1:
                extra["classes"] = extra["classes"][:2]
            elif how == 2:
                extra["classes_dtype"] = str(rng.choice(["<U1", "<U2", "<i8", "<f8", "|b1", "|S3", "|O", "<M8[s]",
                                                         "x", "<U100000"]))
            else:
                extra["classes"] = [1.5, 2.5, 3.5]
            return f"classes {extra['classes']} {extra.get('classes_dtype')}"
        if "y_mean" in extra:
            key = str(rng.choice(["y_mean", "y_scale"]))
            extra[key] = [float(rng.choice([np.nan, np.inf, 0.0, -1.0, 1.0]))] * int(rng.integers(1, 4))
            return f"{key} -> {extra[key]}"
    if choice == 8 and "n_features_in" in meta:
        meta["n_features_in"] = int(rng.choice([0, 1, 3, 5, 10**9]))
        if rng.random() < 0.5 and meta.get("feature_names") is None:
            meta["feature_names"] = [f"f{i}" for i in range(int(rng.integers(0, 6)))]
        return f"n_features_in {meta['n_features_in']}, feature_names {meta.get('feature_names')}"
    return _edit_json(meta, rng)


def _resigned(meta: dict, arrays: dict, rng: np.random.Generator) -> bytes:
    import safetensors.numpy

    from neuronkit import io as nkio

    model = json.dumps(meta)
    if f'"{DEEP}"' in model:
        depth = int(rng.choice([63, 64, 65, 100, 10_000, 100_000]))
        model = model.replace(f'"{DEEP}"', "[" * depth + "]" * depth, 1)
    arrays = {name: np.ascontiguousarray(value) for name, value in arrays.items()}
    header = {"format": "neuronkit", "format_version": "1", "neuronkit_version": "0.1.0", "model": model,
              "checksum": nkio._checksum(model, arrays)}
    return safetensors.numpy.save(arrays, metadata=header)


def _header_edit(data: bytes, rng: np.random.Generator) -> tuple[bytes, str]:
    """An edit of the safetensors header itself (shapes, dtypes, offsets, its length), not signed again."""
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    names = [k for k in header if k != "__metadata__"]
    name = names[rng.integers(len(names))]
    entry = header[name]
    how = rng.integers(6)
    if how == 0:
        entry["shape"] = [int(v) for v in rng.choice([10**9, 10**12, 2**40, 0, 3], size=rng.integers(0, 4))]
        what = f"shape {entry['shape']}"
    elif how == 1:
        entry["dtype"] = str(rng.choice(["F64", "F16", "I8", "BOOL", "C64", "x", ""]))
        what = f"dtype {entry['dtype']}"
    elif how == 2:
        entry["data_offsets"] = [int(v) for v in rng.choice([0, 4, 8, 2**40, 2**63], size=2)]
        what = f"offsets {entry['data_offsets']}"
    elif how == 3:
        header[name] = _odd(rng)
        what = f"entry -> {str(header[name])[:30]!r}"
    elif how == 4:
        length = int(rng.choice([0, 1, n - 1, n + 1, 2**40, 2**63]))
        return length.to_bytes(8, "little") + data[8:], f"header length {n} -> {length}"
    else:
        depth = int(rng.choice([65, 1000, 100_000]))
        text = json.dumps(header).replace('"__metadata__"', '"deep": ' + "[" * depth + "]" * depth + ', "__metadata__"')
        body = text.encode()
        return len(body).to_bytes(8, "little") + body + data[8 + n:], f"header nested {depth} deep"
    body = json.dumps(header).encode()
    return len(body).to_bytes(8, "little") + body + data[8 + n:], f"header {name} {what}"


def mutate(data: bytes, rng: np.random.Generator) -> tuple[bytes, str]:
    """One seeded mutation of a model file's bytes, and what it was."""
    family = rng.choice(["flip", "truncate", "append", "header", "resign", "resign", "resign", "targeted",
                         "targeted", "targeted"])
    if family == "flip":
        out = bytearray(data)
        for _ in range(int(rng.integers(1, 4))):
            out[rng.integers(len(out))] ^= 1 << int(rng.integers(8))
        return bytes(out), "bit flips"
    if family == "truncate":
        cut = int(rng.integers(0, len(data)))
        return data[:cut], f"truncated to {cut} bytes"
    if family == "append":
        return data + rng.bytes(int(rng.integers(1, 64))), "bytes appended"
    if family == "header":
        return _header_edit(data, rng)
    meta, arrays = _meta_and_arrays(data)
    what = _edit_json(meta, rng) if family == "resign" else _targeted(meta, arrays, rng)
    return _resigned(meta, arrays, rng), f"{family}: {what}"


def _meta_and_arrays(data: bytes) -> tuple[dict, dict]:
    import safetensors.numpy

    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    return json.loads(header["__metadata__"]["model"]), dict(safetensors.numpy.load(data))


# ------------------------------------------------------------------ what a mutated file must do

def check(path: Path, kind: str, X: np.ndarray) -> tuple[str | None, bool]:
    """(None if ``path`` loads to a working model or is refused with a neuronkit error, else what went wrong;
    whether it loaded)."""
    import neuronkit as nk
    from neuronkit.errors import NeuronkitError

    try:
        model = nk.load(path)
    except NeuronkitError:
        model = None
    except Exception as exc:  # noqa: BLE001 - what the fuzzing looks for
        return f"nk.load raised {type(exc).__name__}: {str(exc)[:300]}", False
    problem = _problem(model, path, kind, X)
    return problem, model is not None


def _problem(model: Any, path: Path, kind: str, X: np.ndarray) -> str | None:
    import neuronkit as nk
    from neuronkit.cli import SavedEstimator
    from neuronkit.errors import NeuronkitError

    if kind != "network":
        try:
            view = SavedEstimator.read(path)
        except NeuronkitError:
            view = None
        except Exception as exc:  # noqa: BLE001
            return f"SavedEstimator.read raised {type(exc).__name__}: {str(exc)[:300]}"
        if (view is None) != (model is None):
            return f"nk.load {'refused' if model is None else 'loaded'} it but SavedEstimator.read did not"
    if model is None:
        return None
    try:
        if kind == "network":
            x = np.asarray(X[:, :model.in_features], dtype=model.parameters()[0].dtype)
            with nk.eval_mode():
                out = model(x).data
            expected_shape = (len(X), model.out_features)
        elif kind == "classifier":
            out = model.predict_proba(X)
            labels = model.predict(X)
            expected_shape = (len(X), len(model.classes_))
            if not np.isin(labels, model.classes_).all():
                return f"predicted labels {labels[:5]} outside the classes {model.classes_}"
        else:
            out = model.predict(X)
            expected_shape = (len(X), len(model.y_mean_)) if out.ndim == 2 else (len(X),)
    except Exception as exc:  # noqa: BLE001
        return f"loaded, but predicting on valid input raised {type(exc).__name__}: {str(exc)[:300]}"
    if out.shape != expected_shape:
        return f"loaded, but predicted shape {out.shape}, expected {expected_shape}"
    if not np.isfinite(out).all():
        return "loaded, but predicted non-finite values"
    return None


def fuzz(files: dict[str, Path], n: int, seed: int, folder: Path) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    X = np.random.default_rng(1).normal(size=(7, 4))
    kinds = sorted(files)
    originals = {kind: files[kind].read_bytes() for kind in kinds}
    failures, loaded = [], 0
    for i in range(n):
        kind = kinds[i % len(kinds)]
        data, what = mutate(originals[kind], rng)
        path = folder / f"mutant-{kind}.nkm"
        path.write_bytes(data)
        problem, ok = check(path, kind, X)
        if problem is not None:
            failures.append(f"#{i} {kind} ({what}): {problem}")
        loaded += ok
    return {"n": n, "failures": failures, "loaded": loaded}


def main() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    warnings.simplefilter("ignore")  # predictions of odd but valid models may overflow; only errors count here
    folder, n, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    files = {kind: folder / f"{kind}.nkm" for kind in ("network", "classifier", "regressor")}
    print(json.dumps(fuzz(files, n, seed, folder)))


# ------------------------------------------------------------------ the test

def test_mutated_model_files_load_or_raise_neuronkit_errors(tmp_path):
    base_files(tmp_path)
    timeout = max(300.0, N_MUTATIONS * 1.0)  # a safety bound: the CI run takes seconds
    result = subprocess.run([sys.executable, __file__, str(tmp_path), str(N_MUTATIONS), str(SEED)],
                            capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, "PYTHONPATH": SRC})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["n"] == N_MUTATIONS
    assert report["failures"] == [], "\n".join(report["failures"][:30])
    # the mutations reach the checks behind the checksum: some still load (harmless edits), most are refused
    assert 0 < report["loaded"] < N_MUTATIONS / 2, report["loaded"]


if __name__ == "__main__":
    main()
