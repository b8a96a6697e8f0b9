"""Advice from training histories, on run records shaped as the harness writes them."""
from __future__ import annotations

import json

import pytest

from grader import feedback
from grader.report import sparkline
from grader.tasks import load_tasks

TASKS = load_tasks()


def record(history: dict, callbacks=(), load_weights=(), x_max=1.0) -> dict:
    return {"fits": [{"history": history, "epochs_run": len(next(iter(history.values()))),
                      "callbacks": [{"class": c, "settings": s} for c, s in callbacks],
                      "x": {"min": 0.0, "max": x_max}}],
            "load_weights": [{"path": p, "ok": True} for p in load_weights]}


RISING = {"loss": [0.9, 0.5, 0.3, 0.2, 0.1], "val_loss": [0.8, 0.5, 0.45, 0.6, 0.8],
          "acc": [0.6, 0.8, 0.9, 0.93, 0.97]}


def test_over_fitting_and_last_epoch_saved_are_both_explained():
    advice = feedback.advice(record(RISING), TASKS["fashion_mnist"])
    assert advice[0].startswith("Over-fitting: val_loss was lowest at epoch 3 (0.4500) and rose "
                                "to 0.8000 by epoch 5")
    assert "not the best epoch's (3, val_loss 0.4500)" in advice[1]
    assert "ModelCheckpoint(filepath, save_best_only=True, monitor='val_loss')" in advice[1]


@pytest.mark.parametrize("callbacks, loads", [
    ([("ModelCheckpoint", {"save_best_only": True, "monitor": "val_loss"})], ["my_checkpoint.ckpt"]),
    ([("EarlyStopping", {"restore_best_weights": True})], []),
])
def test_keeping_the_best_epoch_silences_the_last_epoch_advice(callbacks, loads):
    advice = feedback.advice(record(RISING, callbacks, loads), TASKS["fashion_mnist"])
    assert len(advice) == 1 and advice[0].startswith("Over-fitting")


def test_checkpoint_without_load_weights_still_saves_the_last_epoch():
    callbacks = [("ModelCheckpoint", {"save_best_only": True})]
    advice = feedback.advice(record(RISING, callbacks), TASKS["fashion_mnist"])
    assert any("not the best epoch's" in a for a in advice)


def test_raw_pixels_in_training_are_pointed_out_for_a_scaled_task_only():
    steady = {"loss": [0.5, 0.4], "acc": [0.8, 0.9]}
    advice = feedback.advice(record(steady, x_max=255.0), TASKS["fashion_mnist"])
    assert advice == ["The model was trained on pixel values up to 255, but the grader feeds "
                      "pixels / 255 (0 to 1). Divide the images by 255 before fit: "
                      "x_train = x_train / 255.0."]
    assert feedback.advice(record(steady, x_max=7.9), TASKS["iris"]) == []


def test_accuracy_stuck_at_chance_points_at_the_loss_and_labels():
    stuck = {"loss": [2.30, 2.30, 2.30], "accuracy": [0.10, 0.11, 0.10]}
    (advice,) = feedback.advice(record(stuck), TASKS["mnist"])
    assert advice.startswith("Training accuracy never rose above 11.0% (chance is 10.0%)")
    assert "sparse_categorical_crossentropy" in advice


def test_healthy_training_gets_no_advice():
    healthy = {"loss": [0.6, 0.4, 0.3], "val_loss": [0.5, 0.4, 0.35], "acc": [0.8, 0.86, 0.9]}
    assert feedback.advice(record(healthy), TASKS["fashion_mnist"]) == []


@pytest.mark.parametrize("junk", ["[]", "{\"fits\": 3}", "{\"fits\": [{\"history\": {\"loss\": \"x\"}}]}",
                                  "{\"fits\": [7, {\"history\": {\"loss\": [1, null]}}]}", "not json"])
def test_a_malformed_record_written_by_the_submission_is_ignored(tmp_path, junk):
    path = tmp_path / ".grader_run.json"
    path.write_text(junk)
    parsed = feedback.read_record(path)
    assert feedback.advice(parsed, TASKS["fashion_mnist"]) == []
    assert feedback.curves(parsed) == []


def test_an_oversized_record_is_not_read(tmp_path, monkeypatch):
    path = tmp_path / ".grader_run.json"
    path.write_text(json.dumps(record(RISING)))
    assert feedback.read_record(path) is not None
    monkeypatch.setattr(feedback, "MAX_RECORD_BYTES", 10)
    assert feedback.read_record(path) is None


def test_sparkline_spans_low_to_high_and_samples_long_histories():
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert sparkline([3, 3, 3]) == "▁▁▁"
    assert sparkline([1.0, float("nan"), 0.0]) == "█?▁"
    assert len(sparkline(range(500))) == 40
