"""`--repeat N`: the same script trained with N seeds; the grade is the first run's, the report
says how far the runs spread and flags BORDERLINE when they fall in different bands.

The decision logic is tested on hand-made grades (fast); the real thing trains a weak
basic-regression script several times in the local sandbox and grades it for real (slow)."""
from __future__ import annotations

import csv
import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader import cli
from grader.judge import repeats
from grader.judge.scoring import score
from grader.results import Evaluation, Execution, Grade, RunSummary, Verdict
from grader.tasks.spec import load_tasks

TASKS = load_tasks()
REGRESSION = TASKS["basic_regression"]

# Too few SGD steps to reach y = 2x - 1: where it ends depends on the initial weights, so on the seed.
WEAK_REGRESSION = """\
# task: basic_regression
import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)
model = tf.keras.models.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss='mean_squared_error')
model.fit(xs, ys, epochs=25, verbose=0)
model.save('mymodel.h5')
"""


def _graded(value: float | None, verdict: Verdict = Verdict.PASSED) -> Grade:
    """A grade as a run would leave it: scored when `value` is given."""
    execution = Execution(backend="local", isolation=(), exit_code=0, signal=None, timed_out=False,
                          out_of_memory=False, process_limit_hit=False, wall_seconds=1.0, peak_memory_mb=1.0,
                          limits={}, leftover_processes=0, keras={}, seeds={}, devices={}, fits=(),
                          stdout="", stderr="", output_dropped_bytes=0)
    run = RunSummary(kind="script", entry="s.py", execution=execution)
    if value is None:
        return Grade(task_id=REGRESSION.id, task_title="", model_path="s.py", verdict=verdict, summary="", run=run)
    evaluation = Evaluation(metric="mae", value=value, samples=10, dataset_source="")
    return Grade(task_id=REGRESSION.id, task_title="", model_path="s.py", verdict=verdict, summary="",
                 evaluation=evaluation, score=score(REGRESSION.metric, value), run=run)


def test_runs_in_one_band_are_stable_and_say_so():
    edges = REGRESSION.metric.bands
    inside = [edges[-1] * 0.5, edges[-1] * 0.4, edges[-1] * 0.6]  # all better than the top edge
    summary = repeats.summarise(REGRESSION, [_graded(v) for v in inside], [42, 43, 44])
    assert not summary.borderline and len(summary.outcomes) == 1
    assert summary.spread == pytest.approx(max(inside) - min(inside))
    assert summary.mean == pytest.approx(sum(inside) / 3)
    assert "every run landed in the same band" in summary.explanation and "seeds 42–44" in summary.explanation


def test_runs_either_side_of_an_edge_are_borderline_and_name_the_edge():
    edge = REGRESSION.metric.bands[2]
    values = [edge * 0.99, edge * 1.01]  # MAE: lower is better, so the first earns one more point
    summary = repeats.summarise(REGRESSION, [_graded(v) for v in values], [42, 43])
    assert summary.borderline
    assert [run.points for run in summary.runs] == [3, 2]
    assert REGRESSION.metric.format(edge) in summary.explanation
    assert "Your grade is the first run's (seed 42)" in summary.explanation


def test_a_run_that_ends_without_a_model_makes_the_grade_borderline():
    summary = repeats.summarise(REGRESSION, [_graded(0.01), _graded(None, Verdict.CRASHED)], [7, 8])
    assert summary.borderline and summary.outcomes[1] == "crashed"
    assert "1 of the runs produced no scored model (crashed)" in summary.explanation


def test_only_a_script_that_ran_is_repeated():
    assert repeats.can_repeat(_graded(0.1))
    assert not repeats.can_repeat(dataclasses.replace(_graded(0.1), run=RunSummary(kind="model", entry="m.h5")))
    assert repeats.repeat_seeds(42, 3) == [42, 43, 44]


def test_repeat_is_bounded_on_the_command_line(tmp_path, capsys):
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")
    with pytest.raises(SystemExit):
        cli.main([str(script), "--repeat", "0"])
    assert "between 1 and" in capsys.readouterr().err


@pytest.mark.slow
def test_a_weak_model_trained_three_times_then_a_band_edge_between_its_runs_flags_it(tmp_path):
    """Run 1: three seeds give three different errors, the grade is the first seed's, and training
    again with the same seeds gives the same errors (run 2 reproduces them exactly). Run 2 is a
    class graded against a copy of the task whose band edge sits between the runs: the student is
    borderline in the JSON, the gradebook, the summary and the JUnit export."""
    script = tmp_path / "weak.py"
    script.write_text(WEAK_REGRESSION)
    result = tmp_path / "result.json"
    cli.main([str(script), "--backend", "local", "--repeat", "3", "--json-out", str(result)])
    grade = json.loads(result.read_text())
    runs = grade["repeats"]["runs"]
    assert [run["seed"] for run in runs] == [42, 43, 44]
    values = [run["value"] for run in runs]
    assert grade["evaluation"]["value"] == values[0]  # the grade is the task's seed's
    assert len(set(values)) == 3, values  # the seed changed what was learned
    assert grade["repeats"]["spread"] == pytest.approx(max(values) - min(values))

    # A copy of the task with one band edge halfway between the best and the worst run.
    tasks_dir = tmp_path / "tasks"
    tasks_dir.mkdir()
    edge = (min(values) + max(values)) / 2
    spec = Path(REGRESSION.path).read_text(encoding="utf-8")
    bands_line = next(line for line in spec.splitlines() if line.startswith("bands"))
    bands = sorted([*REGRESSION.metric.bands[:2], edge, *REGRESSION.metric.bands[3:]], reverse=True)
    if not all(a > b for a, b in zip(bands, bands[1:])):
        pytest.fail(f"the measured errors {values} fall outside the task's bands; choose another weak model")
    (tasks_dir / "basic_regression.toml").write_text(spec.replace(bands_line, f"bands = {bands}"), encoding="utf-8")
    (class_dir := tmp_path / "class").mkdir()
    (class_dir / "ana.py").write_text(WEAK_REGRESSION)
    out = tmp_path / "grades"
    assert cli.main(["batch", str(class_dir), "--tasks-dir", str(tasks_dir), "--backend", "local",
                     "--repeat", "3", "--out", str(out)]) == 0

    exported = json.loads((out / "results.json").read_text())
    again = exported["grades"]["ana"]["repeats"]
    assert [run["value"] for run in again["runs"]] == values  # same seeds, same training, same errors
    assert again["borderline"] and exported["summary"]["borderline"] == ["ana"]
    assert "sits on a band edge" in again["explanation"]
    row = next(csv.DictReader(open(out / "gradebook.csv", encoding="utf-8")))
    assert row["borderline"] == "True" and row["repeats"] == "3"
    assert row["repeat_values"].split() == [str(v) for v in values]
    system_out = ET.parse(out / "junit.xml").find(".//testcase/system-out").text
    assert "BORDERLINE" in system_out


REAL_MODELS = Path(__file__).resolve().parents[2] / "shared" / "real-models"


@pytest.mark.slow
@pytest.mark.parametrize("name, task_id", [("sswwd_c2", "fashion_mnist"), ("youngri_c1", "basic_regression")])
def test_rescoring_a_model_file_is_bit_identical_across_fresh_workers(name, task_id):
    """Prediction is deterministic: inference mode (no dropout), float32 on the CPU, the same rows
    in the same fixed-size chunks. Five grades of the same learner's file, two in fresh worker
    processes and three in one warm worker, agree to the last bit, the confusion matrix included."""
    from grader.judge.evaluate import PredictionWorker
    from grader.judge.grading import grade_model_file

    path = REAL_MODELS / f"{name}.h5"
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared/real-models)")
    def outcome(worker):
        grade = grade_model_file(path, TASKS[task_id], worker)
        assert grade.evaluation is not None, grade.summary
        return (grade.evaluation.value.hex(), grade.evaluation.confusion_matrix,
                tuple(p.predicted for p in grade.evaluation.predictions), grade.score.points)

    outcomes = []
    for _ in range(2):
        with PredictionWorker(timeout_seconds=300) as fresh:
            outcomes.append(outcome(fresh))
    with PredictionWorker(timeout_seconds=300) as warm:
        outcomes.extend(outcome(warm) for _ in range(3))
    assert len(outcomes) == 5 and len(set(outcomes)) == 1, [o[0] for o in outcomes]
