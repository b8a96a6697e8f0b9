"""How much a grade owes to luck: the same hand-in trained several times with different seeds.

`grade SUB --repeat N` runs the script N times; the first run uses the task's seed and gives the
grade, the others use the next seeds. This module turns the N grades into the figures the report
shows (the metric per run, its mean and spread, the bands hit) and the one sentence that tells
the student whether the grade would have come out the same.
"""
from __future__ import annotations

import statistics

from grader.results import Grade, RepeatRun, Repeatability
from grader.tasks.spec import TaskSpec


def repeat_seeds(first: int, times: int) -> list[int]:
    """The seeds of `times` runs: the task's own first, then the ones after it."""
    return [first + index for index in range(times)]


def can_repeat(grade: Grade) -> bool:
    """Only a script that ran has training to repeat; a hand-in refused before its run (a model
    file, a syntax error, an unreadable archive) or the grader's own failure gives nothing new."""
    return bool(grade.run and grade.run.execution is not None)


def summarise(task: TaskSpec, grades: list[Grade], seeds: list[int]) -> Repeatability:
    runs = tuple(_run(grade, seed) for grade, seed in zip(grades, seeds))
    values = [run.value for run in runs if run.value is not None]
    outcomes = list(dict.fromkeys(run.band or run.verdict for run in runs))
    return Repeatability(
        metric=task.metric.name, runs=runs,
        mean=statistics.fmean(values) if values else None,
        spread=max(values) - min(values) if values else None,
        stdev=statistics.stdev(values) if len(values) > 1 else None,
        outcomes=tuple(outcomes), borderline=len(outcomes) > 1,
        explanation=explain(task, runs))


def _run(grade: Grade, seed: int) -> RepeatRun:
    scored = grade.evaluation is not None and grade.score is not None
    return RepeatRun(seed=seed, verdict=grade.verdict.code,
                     value=grade.evaluation.value if scored else None,
                     points=grade.score.points if scored else None,
                     band=grade.score.band if scored else None)


def explain(task: TaskSpec, runs: tuple[RepeatRun, ...]) -> str:
    """One sentence a student understands: what changed between the runs, and what it means."""
    first, count = runs[0], len(runs)
    seeds = f"seeds {runs[0].seed}–{runs[-1].seed}"
    scored = [run for run in runs if run.value is not None]
    unscored = [run for run in runs if run.value is None]
    metric = task.metric
    if not scored:
        verdicts = ", ".join(dict.fromkeys(run.verdict for run in runs))
        return (f"Your script ran {count} times ({seeds}) and no run produced a scored model "
                f"({verdicts}), so the grade does not depend on luck in training.")
    values = [run.value for run in scored]
    low, high = min(values), max(values)
    span = (f"your model's {metric.label} ranged from {metric.format(low)} to {metric.format(high)} "
            f"(mean {metric.format(statistics.fmean(values))})")
    if unscored:
        verdicts = ", ".join(dict.fromkeys(run.verdict for run in unscored))
        return (f"Your script ran {count} times ({seeds}): {len(unscored)} of the runs produced no scored "
                f"model ({verdicts}) and in the others {span}. Your grade is the first run's (seed "
                f"{first.seed}); a script that finishes the same way whatever the seed would be graded "
                "the same every time.")
    bands = list(dict.fromkeys(run.band for run in runs))
    if len(bands) == 1:
        return (f"Your script ran {count} times ({seeds}) and {span}: every run landed in the same band "
                f"(“{bands[0]}”), so your grade does not hang on luck in training.")
    points = sorted({run.points for run in runs})
    edges = ", ".join(metric.format(metric.bands[p - 1]) for p in points[1:])
    return (f"Your script ran {count} times ({seeds}) and {span}, which spans the bands "
            f"{' and '.join(f'“{band}”' for band in bands)}: your model sits on a band edge ({edges}), so luck in training "
            f"decides between them. Your grade is the first run's (seed {first.seed}); a model that "
            "clears the edge by more than this spread would get the same grade every time.")
