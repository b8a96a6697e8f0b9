"""Weight fingerprints of saved models, to flag copied models across a class.

Read with h5py, no model code runs. A fingerprint holds the layout of the weights (their
shapes), a digest of their exact values, and a 256-number count sketch of them: random buckets
and signs, fixed by the layout's size, so the cosine of two sketches approximates the cosine of
the two full weight vectors. Identical digests mean an identical model; sketches at cosine
≥ NEAR_IDENTICAL mean the same weights give or take a little noise. A flag asks for a human
look, it never changes a grade.
"""
from __future__ import annotations

import hashlib
import io
import itertools
import zipfile
from pathlib import Path

import h5py
import numpy as np

SKETCH_SIZE = 256
NEAR_IDENTICAL = 0.999
# Below this many weights every right answer looks alike (y = 2x - 1 has exactly one): not flagged.
MIN_PARAMETERS = 1_000


def weights_fingerprint(path: Path) -> dict | None:
    """{"layout", "exact", "sketch", "parameters"} for a .h5 or .keras file, or None if unreadable."""
    try:
        arrays = _weights(Path(path))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    if not arrays:
        return None
    layout = hashlib.sha256()
    exact = hashlib.sha256()
    for _name, array in arrays:
        layout.update(f"{array.shape}\n".encode())
        exact.update(np.ascontiguousarray(array, dtype="<f4").tobytes())
    vector = np.concatenate([a.astype(np.float64).ravel() for _, a in arrays])
    vector = np.nan_to_num(vector, nan=0.0, posinf=0.0, neginf=0.0)
    return {"layout": layout.hexdigest()[:16], "exact": exact.hexdigest()[:32],
            "parameters": int(vector.size), "sketch": _sketch(vector).round(6).tolist()}


def similar_pairs(fingerprints: dict[str, dict | None]) -> list[dict]:
    """Pairs of students whose models are identical or near-identical, most similar first."""
    pairs = []
    usable = {s: f for s, f in fingerprints.items() if f and f["parameters"] >= MIN_PARAMETERS}
    for (first, a), (second, b) in itertools.combinations(sorted(usable.items()), 2):
        if a["layout"] != b["layout"]:
            continue
        if a["exact"] == b["exact"]:
            pairs.append({"students": [first, second], "kind": "identical", "similarity": 1.0})
            continue
        similarity = _cosine(np.array(a["sketch"]), np.array(b["sketch"]))
        if similarity >= NEAR_IDENTICAL:
            pairs.append({"students": [first, second], "kind": "near-identical",
                          "similarity": round(similarity, 6)})
    return sorted(pairs, key=lambda pair: -pair["similarity"])


def _weights(path: Path) -> list[tuple[str, np.ndarray]]:
    if zipfile.is_zipfile(path):  # .keras: the weights are an .h5 inside the zip
        with zipfile.ZipFile(path) as archive:
            data = archive.read("model.weights.h5")
        with h5py.File(io.BytesIO(data), "r") as weights:
            return _float_datasets(weights)
    with h5py.File(path, "r") as model:
        return _float_datasets(model["model_weights"] if "model_weights" in model else model)


def _float_datasets(group: h5py.Group) -> list[tuple[str, np.ndarray]]:
    found: list[tuple[str, np.ndarray]] = []

    def visit(name: str, item) -> None:
        if isinstance(item, h5py.Dataset) and item.dtype.kind == "f" and item.size:
            found.append((name, np.asarray(item[()])))

    group.visititems(visit)
    # Ordered by shape, then name: layer names differ between files (dense vs dense_2, and
    # .h5 vs .keras name weights differently), shapes do not.
    return sorted(found, key=lambda pair: (pair[1].shape, pair[0]))


def _sketch(vector: np.ndarray) -> np.ndarray:
    generator = np.random.default_rng(vector.size)  # the same buckets for every model of a layout
    buckets = generator.integers(0, SKETCH_SIZE, vector.size)
    signs = generator.choice(np.array([-1.0, 1.0]), vector.size)
    return np.bincount(buckets, weights=signs * vector, minlength=SKETCH_SIZE)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / norm) if norm else 0.0
