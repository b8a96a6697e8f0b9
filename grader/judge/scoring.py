"""Metric → band → points, by the task's score bands."""
from __future__ import annotations

from grader.results import Score
from grader.tasks.spec import BANDS, MetricSpec, TaskSpec


def points_for(metric: MetricSpec, value: float) -> int:
    """How many bands the value reaches (0..5); NaN reaches none."""
    if value != value:  # NaN
        return 0
    if metric.higher_is_better:
        return sum(value >= threshold for threshold in metric.bands)
    return sum(value <= threshold for threshold in metric.bands)


def score(metric: MetricSpec, value: float, contract_met: bool = True) -> Score:
    """The score for a metric value; a model that breaks the contract cannot reach the pass mark."""
    points = points_for(metric, value)
    capped = not contract_met and points >= metric.pass_points
    if capped:
        points = metric.pass_points - 1
    return Score(points=points, max_points=BANDS, band=metric.band_names[points],
                 pass_points=metric.pass_points, capped_by_contract=capped)


def next_band(metric: MetricSpec, points: int) -> float | None:
    """The metric value that earns the next point, or None at full marks."""
    return None if points >= BANDS else metric.bands[points]


def format_metric(task: TaskSpec, value: float) -> str:
    return task.metric.format(value)
