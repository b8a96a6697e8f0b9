"""Score bands: metric → points, in both directions, and the contract cap."""
from __future__ import annotations

import math

from grader.judge.scoring import points_for, score
from grader.tasks.spec import get_task


def test_accuracy_points_follow_the_bands():
    metric = get_task("fashion_mnist").metric  # bands 0.60 0.75 0.82 0.86 0.88
    assert [points_for(metric, v) for v in (0.1, 0.6, 0.8, 0.86, 0.879, 0.88, 0.99)] == [0, 1, 2, 4, 4, 5, 5]


def test_mae_points_reward_smaller_errors():
    metric = get_task("basic_regression").metric  # bands 5 2 1 0.5 0.1
    assert [points_for(metric, v) for v in (9.0, 5.0, 1.5, 0.3, 0.1, 0.0)] == [0, 1, 2, 4, 5, 5]


def test_nan_earns_nothing():
    assert points_for(get_task("basic_regression").metric, math.nan) == 0
    assert points_for(get_task("mnist").metric, math.nan) == 0


def test_a_failed_contract_holds_the_score_below_the_pass_mark():
    metric = get_task("fashion_mnist").metric
    held = score(metric, 0.95, contract_met=False)
    assert (held.points, held.passed, held.capped_by_contract) == (metric.pass_points - 1, False, True)
    low = score(metric, 0.5, contract_met=False)
    assert (low.points, low.capped_by_contract) == (0, False)
    full = score(metric, 0.95)
    assert (full.points, full.band, full.passed) == (5, "excellent", True)


def test_a_metric_is_one_registry_entry(tmp_path, monkeypatch):
    """A toy metric registered with one line: a spec may name it, and it scores and prints."""
    import dataclasses

    import numpy as np

    from grader.judge.metrics import METRICS, Metric
    from grader.tasks.spec import load_task

    def rmse(rows, y, classes, names):
        return float(np.sqrt(np.mean((rows[:, 0] - y) ** 2))), (), ()

    monkeypatch.setitem(METRICS, "rmse", Metric("rmse", "root mean squared error", higher_is_better=False,
                                                classification=False, format=lambda v: f"{v:.3f}",
                                                band_range=(0.0, float("inf")), compute=rmse))
    spec = tmp_path / "toy.toml"
    text = open(get_task("basic_regression").path, encoding="utf-8").read()
    spec.write_text(text.replace('name = "mae"', 'name = "rmse"'), encoding="utf-8")
    task = load_task(spec)
    assert task.metric.label == "root mean squared error" and not task.is_classification
    value, _, _ = METRICS["rmse"].compute(np.array([[1.0], [3.0]]), np.array([0.0, 3.0]), 1, [])
    assert task.metric.format(value) == "0.707"
    assert score(task.metric, value).points == points_for(dataclasses.replace(task.metric, name="mae"), value)


def test_band_thresholds_must_lie_in_the_metrics_range(tmp_path):
    import pytest

    from grader.tasks.spec import TaskSpecError, load_task

    spec = tmp_path / "bad.toml"
    text = open(get_task("iris").path, encoding="utf-8").read()
    bands = next(line for line in text.splitlines() if line.startswith("bands"))
    spec.write_text(text.replace(bands, "bands = [0.5, 0.7, 0.9, 0.95, 1.5]"), encoding="utf-8")
    with pytest.raises(TaskSpecError, match="values of accuracy from 0 to 1"):
        load_task(spec)
