"""Advice from training histories, on run records shaped as the harness writes them."""
from __future__ import annotations

import json

import pytest

from grader.harness.record import RECORD_NAME, parse_run_record, read_run_record
from grader.judge import feedback
from grader.output.report import sparkline
from grader.tasks.spec import load_tasks

TASKS = load_tasks()


def record(history: dict, callbacks=(), load_weights=(), x_max=1.0, x_min=0.0, y_shape=None, loss=None):
    """A run record as the harness writes it, read as the grader reads it."""
    fit = {"history": history, "epochs_run": len(next(iter(history.values()))),
           "callbacks": [{"class": c, "settings": s} for c, s in callbacks],
           "x": {"min": x_min, "max": x_max}, "loss": loss}
    if y_shape is not None:
        fit["y"] = {"type": "ndarray", "shape": list(y_shape), "dtype": "int64"}
    return parse_run_record({"fits": [fit], "load_weights": [{"path": p, "ok": True} for p in load_weights]})


PIXELS, IRIS_FEATURES = (0.0, 1.0), (0.1, 7.9)  # what grading feeds each task


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


def test_raw_pixels_in_training_are_pointed_out_with_both_ranges():
    steady = {"loss": [0.5, 0.4], "acc": [0.8, 0.9]}
    advice = feedback.advice(record(steady, x_max=255.0), TASKS["fashion_mnist"], PIXELS)
    assert advice == ["The model was trained on inputs from 0 to 255, but grading feeds it inputs "
                      "from 0 to 1 (pixels / 255). Divide the images by 255 before fit: "
                      "x_train = x_train / 255.0."]
    assert feedback.advice(record(steady, x_min=0.1, x_max=7.9), TASKS["iris"], IRIS_FEATURES) == []


def test_iris_features_divided_by_255_are_told_as_a_range_not_as_a_label_problem():
    """The near-chance iris model of the issue: one-hot labels, categorical_crossentropy, inputs / 255."""
    stuck = {"loss": [1.10, 1.10, 1.09], "accuracy": [0.33, 0.34, 0.33]}
    advice = feedback.advice(record(stuck, x_min=0.0004, x_max=0.031, y_shape=(120, 3),
                                    loss="categorical_crossentropy"), TASKS["iris"], IRIS_FEATURES)
    assert advice[0] == ("The model was trained on inputs from 0.0004 to 0.031, but grading feeds it "
                         "inputs from 0.1 to 7.9. Train on the inputs as the task's data gives them, "
                         "scaled the way grading feeds them.")
    assert advice[1] == "Training accuracy never rose above 34.0% (chance is 33.3%): the model did not learn."
    assert not any("integer" in a for a in advice)


def test_accuracy_stuck_at_chance_without_a_known_cause_lists_what_to_check():
    stuck = {"loss": [2.30, 2.30, 2.30], "accuracy": [0.10, 0.11, 0.10]}
    (advice,) = feedback.advice(record(stuck), TASKS["mnist"], PIXELS)
    assert advice.startswith("Training accuracy never rose above 11.0% (chance is 10.0%)")
    assert "Check that" in advice and "sparse_categorical_crossentropy" in advice


@pytest.mark.parametrize("y_shape, expected", [((600,), "integer"), ((600, 1), "integer"),
                                               ((600, 10), "one-hot"), ((600, 4), None), (None, None)])
def test_labels_are_read_from_the_recorded_fit(y_shape, expected):
    assert feedback.label_encoding(record({"loss": [1.0]}, y_shape=y_shape), 10) == expected


@pytest.mark.parametrize("metric, lower", [("loss", True), ("val_loss", True), ("mse", True), ("mae", True),
                                           ("val_mean_absolute_error", True), ("accuracy", False),
                                           ("val_acc", False), ("sparse_categorical_accuracy", False)])
def test_best_is_the_minimum_for_losses_and_errors_and_the_maximum_for_accuracies(metric, lower):
    assert feedback.lower_is_better(metric) is lower


def test_library_log_lines_are_left_out_of_what_the_script_printed():
    stderr = "\n".join([
        "2026-11-30 12:00:00.123456: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on.",
        "I0000 00:00:1796043505.133002    5567 cudart_stub.cc:31] Could not find cuda drivers on your machine.",
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "/usr/lib/python3/dist-packages/tf_keras/src/engine/training.py:3098: UserWarning: You are saving "
        "your model as an HDF5 file via `model.save()`.",
        "  saving_api.save_model(",
        "WARNING:tensorflow:Layer lstm will not use cuDNN kernels",
        "/work/solution.py:4: UserWarning: my own warning",
        "  warnings.warn('my own warning')",
        "Epoch 1/2",
        "Traceback (most recent call last):",
        '  File "solution.py", line 5, in <module>',
        "IndexError: list index out of range"])
    assert feedback.script_output(stderr).splitlines() == [
        "/work/solution.py:4: UserWarning: my own warning", "  warnings.warn('my own warning')",
        "Epoch 1/2", "Traceback (most recent call last):", '  File "solution.py", line 5, in <module>',
        "IndexError: list index out of range"]


def test_healthy_training_gets_no_advice():
    healthy = {"loss": [0.6, 0.4, 0.3], "val_loss": [0.5, 0.4, 0.35], "acc": [0.8, 0.86, 0.9]}
    assert feedback.advice(record(healthy), TASKS["fashion_mnist"]) == []


@pytest.mark.parametrize("junk", ["[]", "{\"fits\": 3}", "{\"fits\": [{\"history\": {\"loss\": \"x\"}}]}",
                                  "{\"fits\": [7, {\"history\": {\"loss\": [1, null]}}]}", "not json",
                                  "{\"fits\": [{\"history\": {\"loss\": [true]}, \"x\": {\"min\": \"0\"}}]}"])
def test_a_malformed_record_written_by_the_submission_is_ignored(tmp_path, junk):
    path = tmp_path / RECORD_NAME
    path.write_text(junk)
    parsed = read_run_record(path)
    assert feedback.advice(parsed, TASKS["fashion_mnist"], PIXELS) == []
    assert parsed is None or parsed.trained == ()


def test_a_record_is_read_into_typed_fields_and_wrong_types_are_dropped():
    parsed = parse_run_record({
        "status": "error", "workdir": "/work", "cwd_at_exit": 3, "seeds": {"numpy": 42, "python": "42"},
        "fits": [{"history": {"loss": [1.0, 0.5], "acc": "high"}, "epochs_run": 2, "loss": "mse",
                  "callbacks": [{"class": "EarlyStopping", "settings": {"patience": 3, "bad": [1]}}],
                  "x": {"shape": [6, 1], "min": -1, "max": 4}, "y": {"shape": ["6"]}}],
        "saves": [{"path": "mymodel.h5", "ok": True}, {"path": 7}, {"path": "w.h5", "what": "weights"}],
        "load_weights": [{"path": "ckpt", "ok": True}, {"path": "other", "ok": "yes"}],
        "error": {"stage": "script", "type": "IndexError", "message": "list index", "line": "5"}})
    assert (parsed.status, parsed.workdir, parsed.cwd_at_exit, parsed.seeds) == ("error", "/work", None, {"numpy": 42})
    (fit,) = parsed.trained
    assert fit.history == {"loss": [1.0, 0.5]} and fit.loss == "mse" and fit.epochs_run == 2
    assert fit.callbacks[0].name == "EarlyStopping" and fit.callbacks[0].settings == {"patience": 3}
    assert (fit.x.shape, fit.x.low, fit.x.high, fit.y.shape) == ((6, 1), -1.0, 4.0, None)
    assert [(s.path, s.ok, s.what) for s in parsed.saves] == [("mymodel.h5", True, "model"), ("w.h5", False, "weights")]
    assert parsed.loaded_weights == ("ckpt",)
    assert (parsed.error.type, parsed.error.line) == ("IndexError", None)


def test_an_oversized_record_is_not_read(tmp_path, monkeypatch):
    from grader.harness import record as run_record

    path = tmp_path / RECORD_NAME
    path.write_text(json.dumps({"fits": [{"history": RISING}]}))
    assert read_run_record(path) is not None
    monkeypatch.setattr(run_record, "MAX_RECORD_BYTES", 10)
    assert read_run_record(path) is None


def test_sparkline_spans_low_to_high_and_samples_long_histories():
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert sparkline([3, 3, 3]) == "▁▁▁"
    assert sparkline([1.0, float("nan"), 0.0]) == "█?▁"
    assert len(sparkline(range(500))) == 40
