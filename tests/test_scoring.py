"""Score bands: metric → points, in both directions, and the contract cap."""
from __future__ import annotations

import math

from grader.scoring import points_for, score
from grader.tasks import get_task


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
