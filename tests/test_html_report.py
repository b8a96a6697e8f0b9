"""Decisions behind the HTML reports, on hand-built inputs: which epoch was kept, which students
form a copy group, and what a rendered page holds (the pages themselves are checked in a real
browser on real grades in test_html_pages.py)."""
from __future__ import annotations

import dataclasses
import re

import pytest
from markupsafe import escape

from grader.harness.record import parse_run_record
from grader.judge.epochs import epoch_marks
from grader.judge.feedback import best_epoch
from grader.output import class_pages, exports
from grader.output.html_report import CSP, render_grade_page
from grader.results import (CheckResult, ClassScore, Evaluation, Execution, FitSummary, Grade,
                            RegressionPoint, RunSummary, Score, Verdict)
from grader.tasks.spec import load_tasks

TASKS = load_tasks()
FALLING_THEN_RISING = {"loss": [0.9, 0.5, 0.3, 0.2], "val_loss": [0.8, 0.5, 0.6, 0.7],
                       "accuracy": [0.6, 0.8, 0.9, 0.95], "val_accuracy": [0.7, 0.82, 0.8, 0.79]}


def run_record(history: dict, callbacks=(), load_weights=(), status: str = "completed"):
    fit = {"history": history, "epochs_run": len(next(iter(history.values()))),
           "callbacks": [{"class": c, "settings": s} for c, s in callbacks]}
    return parse_run_record({"status": status, "fits": [fit],
                             "load_weights": [{"path": p, "ok": True} for p in load_weights]})


def marks(record):
    return epoch_marks(record.trained[-1], record, last_fit=True)


def test_a_fit_without_keep_best_callbacks_ends_on_its_last_epoch():
    found = marks(run_record(FALLING_THEN_RISING))
    assert (found.best_epoch, found.best_by) == (2, "val_loss")
    assert (found.kept_epoch, found.kept_by) == (4, "the last epoch (no callback kept another)")


def test_checkpoint_best_only_then_load_weights_keeps_the_best_epoch():
    record = run_record(FALLING_THEN_RISING, [("ModelCheckpoint", {"save_best_only": True, "monitor": "val_loss"})],
                        ["best.ckpt"])
    found = marks(record)
    assert found.kept_epoch == found.best_epoch == 2
    assert found.kept_by == "the best val_loss epoch: ModelCheckpoint(save_best_only=True, monitor='val_loss') then load_weights"


def test_checkpoint_without_load_weights_leaves_the_last_epoch_in_the_model():
    record = run_record(FALLING_THEN_RISING, [("ModelCheckpoint", {"save_best_only": True})])
    assert marks(record).kept_epoch == 4


def test_early_stopping_restoring_weights_keeps_the_best_of_its_monitor():
    record = run_record(FALLING_THEN_RISING,
                        [("EarlyStopping", {"monitor": "val_accuracy", "restore_best_weights": True})])
    found = marks(record)
    assert (found.best_by, found.best_epoch, found.kept_epoch) == ("val_accuracy", 2, 2)


@pytest.mark.parametrize("record", [
    run_record(FALLING_THEN_RISING, status="running"),  # killed at the time limit mid-fit
    run_record(FALLING_THEN_RISING, [("EarlyStopping", {"monitor": "val_auc", "restore_best_weights": True})]),
    run_record(FALLING_THEN_RISING, [("EarlyStopping", {"restore_best_weights": True, "min_delta": 0.1})]),
    run_record(FALLING_THEN_RISING, load_weights=["pretrained.h5"]),  # loaded when, from what?
])
def test_no_kept_epoch_is_claimed_where_the_record_cannot_tell(record):
    assert marks(record).kept_epoch is None


def test_an_earlier_fit_claims_no_kept_epoch():
    record = run_record(FALLING_THEN_RISING)
    assert epoch_marks(record.trained[0], record, last_fit=False).kept_epoch is None


def test_best_epoch_is_the_first_best_and_skips_nan():
    assert best_epoch([0.5, float("nan"), 0.3, 0.3], "val_loss") == 3
    assert best_epoch([0.5, 0.9, 0.9], "val_accuracy") == 2
    assert best_epoch([float("nan")], "loss") is None


def test_three_copies_of_one_model_are_one_group():
    pairs = [{"students": ["a", "b"], "kind": "identical", "similarity": 1.0},
             {"students": ["d", "e"], "kind": "identical", "similarity": 1.0},
             {"students": ["b", "c"], "kind": "near-identical", "similarity": 0.9995},
             {"students": ["e", "a"], "kind": "identical", "similarity": 1.0},
             {"students": ["x", "y"], "kind": "identical", "similarity": 1.0}]
    groups = class_pages.copy_groups(pairs)
    assert [g["students"] for g in groups] == [["a", "b", "c", "d", "e"], ["x", "y"]]
    assert len(groups[0]["pairs"]) == 4


def test_a_class_of_equal_accuracies_is_binned_inside_zero_to_one():
    low, high = class_pages._histogram_range([1.0, 1.0], TASKS["fashion_mnist"])
    assert low < 1.0 and high == 1.0


def fashion_grade() -> Grade:
    names = TASKS["fashion_mnist"].dataset.class_names
    matrix = tuple(tuple(90 if i == j else (10 if j == (i + 1) % 10 else 0) for j in range(10)) for i in range(10))
    fit = FitSummary(epochs_run=4, epochs_requested=4, history=FALLING_THEN_RISING, callbacks=("ModelCheckpoint",),
                     best_epoch=2, best_by="val_loss", kept_epoch=2,
                     kept_by="the best val_loss epoch: ModelCheckpoint(save_best_only=True) then load_weights")
    execution = Execution(backend="local", isolation=("no network",), exit_code=0, signal=None, timed_out=False,
                          out_of_memory=False, process_limit_hit=False, wall_seconds=12.3, peak_memory_mb=900,
                          limits={"time_seconds": 600, "memory_mb": 4096, "processes": 512, "file_mb": 1024},
                          leftover_processes=0, keras={"package": "tf_keras", "version": "2.21.0", "requested": "2"},
                          seeds={"python": 42}, devices={}, fits=(fit,), stdout="", stderr="", output_dropped_bytes=0)
    return Grade(
        task_id="fashion_mnist", task_title="Fashion", model_path="student <b>.py", verdict=Verdict.BELOW_PASS_MARK,
        summary="accuracy 90.00% → 4/5",
        checks=(CheckResult("units", "Output units", False, "8", "10", "Use Dense(10, activation='softmax')"),
                CheckResult("shape", "Input shape", True, "(28, 28)", "(28, 28)")),
        evaluation=Evaluation(metric="accuracy", value=0.9, samples=1000, dataset_source="Debian",
                              per_class=tuple(ClassScore(i, n, 100, 0.9) for i, n in enumerate(names)),
                              confusion_matrix=matrix, backend="Keras 3"),
        score=Score(points=3, max_points=5, band="good", pass_points=4, capped_by_contract=True),
        notes=("A note with <script>alert(1)</script> in it",),
        run=RunSummary(kind="script", entry="s.py", notes=("Task from the line.",),
                       feedback=("Over-fitting: val_loss was lowest at epoch 2.",), execution=execution))


def test_a_page_says_what_the_terminal_report_says_and_escapes_student_text():
    grade = fashion_grade()
    page = render_grade_page(grade.to_dict(), TASKS["fashion_mnist"])
    for text in ("BELOW PASS MARK", "accuracy 90.00% → 4/5", grade.verdict.message, "Output units",
                 "Use Dense(10, activation=&#39;softmax&#39;)", "held below the pass mark because a contract check failed",
                 "Over-fitting: val_loss was lowest at epoch 2.", "Task from the line.", "local backend, 12.3 s",
                 "Weights at the end of training: epoch 2", "Best val_loss: epoch 2.", "student &lt;b&gt;.py",
                 "A note with &lt;script&gt;alert(1)&lt;/script&gt; in it", "Trouser"):
        assert text in page, text
    assert "<script>alert" not in page


def test_a_page_loads_nothing_and_labels_every_plot():
    page = render_grade_page(fashion_grade().to_dict(), TASKS["fashion_mnist"])
    assert f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">' in page
    assert not re.search(r'(src|href)\s*=\s*["\']?\s*(https?:)?//', page)
    assert "<script" not in page  # a student's page needs no script
    figures = re.findall(r'<figure data-plot="([^"]+)">\s*<svg role="img" aria-label="([^"]+)"', page)
    assert {name for name, _ in figures} == {"plot-bands", "plot-per-class", "plot-confusion",
                                             "plot-fit-1-1", "plot-fit-1-2"}
    assert all(len(alt) > 30 for _, alt in figures)
    assert page.count('<div class="numbers">') == len(figures)


def test_a_regression_page_plots_the_hidden_answers_with_the_pass_mark_band():
    grade = dataclasses.replace(
        fashion_grade(), task_id="basic_regression", checks=(), run=None,
        evaluation=Evaluation(metric="mae", value=0.2, samples=3, dataset_source="generated",
                              predictions=tuple(RegressionPoint(x, 2 * x - 1, 2 * x - 0.8) for x in (5.0, 6.0, 7.0))),
        score=Score(points=4, max_points=5, band="very good", pass_points=4))
    page = render_grade_page(grade.to_dict(), TASKS["basic_regression"])
    assert 'data-plot="plot-regression"' in page and "3 answer(s) lie within ± 0.5 of the true value" in page
    assert page.count("<tr><td class=\"num\">") >= 3


def test_a_hand_in_that_never_chose_a_task_still_gets_a_page():
    grade = Grade(task_id="", task_title="", model_path="x.zip", verdict=Verdict.INVALID_SUBMISSION,
                  summary="The archive holds a path outside its folder.")
    page = render_grade_page(grade.to_dict(), None)
    assert "task not chosen" in page and "INVALID SUBMISSION" in page and "<figure" not in page


def test_gradescope_tests_carry_escaped_html_output():
    record = {"student": "s", "seconds": 3.2, "grade": fashion_grade().to_dict()}
    result = exports.gradescope_result(record)
    assert all(test["output_format"] == "html" for test in result["tests"])
    units = next(t for t in result["tests"] if t["name"] == "Output units")
    assert "<dt>how to fix</dt><dd>Use Dense(10, activation=&#39;softmax&#39;)</dd>" in units["output"]
    assert "&lt;script&gt;" in result["tests"][0]["output"]
