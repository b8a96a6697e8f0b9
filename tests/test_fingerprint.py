"""Copied-model detection on real saved Keras models."""
from __future__ import annotations

import numpy as np
import pytest

from grader.output.fingerprint import similar_pairs, weights_fingerprint


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    import keras

    folder = tmp_path_factory.mktemp("fingerprints")

    def classifier(seed: int):
        keras.utils.set_random_seed(seed)
        return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                                 keras.layers.Dense(32, activation="relu"),
                                 keras.layers.Dense(10, activation="softmax")])

    original = classifier(1)
    original.save(folder / "original.h5")
    original.save(folder / "copy.keras")  # the same weights in the other format
    noisy = classifier(1)
    noisy.set_weights([w + np.random.default_rng(0).normal(0, 1e-5, w.shape) for w in original.get_weights()])
    noisy.save(folder / "noisy.h5")
    classifier(2).save(folder / "independent.h5")
    tiny = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    tiny.save(folder / "tiny_a.h5")
    tiny.save(folder / "tiny_b.h5")
    return {path.stem: weights_fingerprint(path) for path in folder.iterdir()}


def test_identical_and_near_identical_weights_are_flagged_and_independent_ones_are_not(models):
    pairs = similar_pairs(models)
    found = {tuple(pair["students"]): pair["kind"] for pair in pairs}
    assert found == {("copy", "original"): "identical", ("copy", "noisy"): "near-identical",
                     ("noisy", "original"): "near-identical"}


def test_tiny_models_whose_right_answer_is_unique_are_never_flagged(models):
    assert models["tiny_a"]["exact"] == models["tiny_b"]["exact"]
    assert similar_pairs({"a": models["tiny_a"], "b": models["tiny_b"]}) == []


def test_an_unreadable_file_has_no_fingerprint(tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_text("not a model")
    assert weights_fingerprint(junk) is None
