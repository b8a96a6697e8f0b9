"""The class summary's figures: a mean metric per task, since an MAE and an accuracy do not average."""
from __future__ import annotations

from rich.console import Console

from grader.output import exports, report


def record(student: str, task: str, metric: str, value: float, points: int) -> dict:
    grade = {"task_id": task, "verdict": "passed" if points >= 4 else "below_pass_mark", "passed": points >= 4,
             "evaluation": {"metric": metric, "value": value}, "score": {"points": points}}
    return {"student": student, "seconds": 5.0, "grade": grade}


def test_a_class_of_two_tasks_gets_a_mean_per_task_and_no_mean_across_them():
    records = [record("a", "fashion_mnist", "accuracy", 0.90, 5), record("b", "fashion_mnist", "accuracy", 0.80, 3),
               record("c", "basic_regression", "mae", 0.02, 5)]
    summary = exports.summarize(records)
    assert summary["mean_metric"] is None
    assert summary["mean_metric_by_task"] == {"basic_regression": {"metric": "mae", "mean": 0.02},
                                              "fashion_mnist": {"metric": "accuracy", "mean": 0.85}}
    console = Console(record=True, width=200)
    report.render_batch_summary(summary, {}, console)
    assert "mean: basic_regression mae 0.0200; fashion_mnist accuracy 0.8500" in console.export_text()


def test_a_class_of_one_task_has_one_mean():
    summary = exports.summarize([record("a", "iris", "accuracy", 1.0, 5), record("b", "iris", "accuracy", 0.5, 1)])
    assert summary["mean_metric"] == 0.75
    console = Console(record=True, width=200)
    report.render_batch_summary(summary, {}, console)
    assert "mean: accuracy 0.7500" in console.export_text()
