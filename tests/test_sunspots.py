"""The sunspot series (exam category 5): split by time, its download URLs served in the exam's
CSV format inside real sandboxed runs (other URLs refused), graded on windows against a naive
forecast, and the reference solution passing."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from grader import cli, datasets
from grader.datasets import sunspots
from grader.judge.evaluate import graded_split
from grader.judge.metrics import mean_absolute_error
from grader.tasks.spec import TASKS_DIR, load_task

ROOT = Path(__file__).resolve().parents[1]
TASK = load_task(TASKS_DIR / "sunspots.toml")
SERVED = sunspots.MONTHS - sunspots.HIDDEN_MONTHS


def served_csv() -> str:
    return sunspots.csv_text(lambda: datasets.student_split("sunspots"))


def test_the_hidden_months_are_the_series_last_stretch_and_never_served():
    train, test = datasets.student_split("sunspots")
    evaluation = datasets.evaluation_split("sunspots")
    assert (len(train), len(test), len(evaluation)) == (SERVED, 0, sunspots.HIDDEN_MONTHS)
    assert train.x.tolist() == list(range(SERVED))  # months 0..3035, in order: nothing later
    path = sunspots._monthly_file()
    series = sunspots.read_monthly(datasets.sources.file_version(path))
    assert np.array_equal(train.y, series[:SERVED])
    # Each graded target is a hidden month; its window ends with the month before it.
    np.testing.assert_allclose(evaluation.y * train.y.max(), series[SERVED:], rtol=1e-5)
    np.testing.assert_allclose(evaluation.x[1:, -1], evaluation.y[:-1])
    assert path in sunspots.DATASET.hidden_copies()


def test_the_served_csv_has_the_exam_files_format():
    rows = list(csv.reader(io.StringIO(served_csv())))
    assert rows[0] == ["", "Date", "Monthly Mean Total Sunspot Number"]
    assert rows[1] == ["0", "1749-01-31", "58.0"] and rows[2][1] == "1749-02-28"
    assert len(rows) == SERVED + 1 and rows[-1][:2] == [str(SERVED - 1), "2001-12-31"]


def test_graded_windows_take_the_task_window_and_the_naive_forecast_sets_the_bands():
    examples = graded_split(TASK)
    assert examples.x.shape == (sunspots.HIDDEN_MONTHS, 30)
    naive = mean_absolute_error(sunspots.naive_forecast(examples), examples.y, 1, [])[0]
    assert naive == pytest.approx(0.0316, abs=5e-5)
    # The spec's comment: thresholds are 3, 2, 1.5, 1.1 and 0.95 times the naive MAE.
    np.testing.assert_allclose(np.array(TASK.metric.bands) / naive, [3, 2, 1.5, 1.1, 0.95], atol=0.01)


def test_a_sequence_models_forecast_is_its_last_step():
    outputs = np.arange(12, dtype=np.float32).reshape(2, 3, 2)[..., :1]
    assert sunspots.last_step(outputs).tolist() == [[4.0], [10.0]]
    assert sunspots.last_step(np.ones((2, 1))).shape == (2, 1)


# --- real sandboxed runs ----------------------------------------------------------------------

def grade(path: Path, tmp_path: Path) -> tuple[int, dict]:
    out = tmp_path / "result.json"
    code = cli.main([str(path), "--task", "sunspots", "--backend", "local", "--json-out", str(out)])
    return code, json.loads(out.read_text())


POOR_MODEL = '''
import csv, urllib.request
import tensorflow as tf

path, _ = urllib.request.urlretrieve("{url}", "sunspots.csv")
cached = tf.keras.utils.get_file("sunspots.csv", "{url}")
with open(path) as f, open(cached) as g:
    assert f.read() == g.read()
with open("sunspots.csv") as csvfile:
    rows = list(csv.reader(csvfile))
print("served", rows[0], len(rows) - 1)
# Deliberately poor: never trained.
model = tf.keras.models.Sequential([tf.keras.layers.Dense(1, input_shape=[30])])
model.compile(loss="mae", optimizer="adam")
model.save("mymodel.h5")
'''


@pytest.mark.slow
def test_the_exam_url_is_served_and_an_untrained_model_scores_below_the_naive_band(tmp_path):
    script = tmp_path / "poor.py"
    script.write_text(POOR_MODEL.format(url=sunspots.URLS[0]), encoding="utf-8")
    code, result = grade(script, tmp_path)
    assert result["verdict"] == "below_pass_mark", result
    assert result["score"]["points"] < TASK.metric.pass_points
    assert any("naive forecast" in note and "0.0316" in note for note in result["notes"])


@pytest.mark.slow
def test_an_unknown_url_still_fails_with_the_no_network_message(tmp_path):
    script = tmp_path / "elsewhere.py"
    script.write_text('import urllib.request\n'
                      'urllib.request.urlretrieve("https://example.com/Sunspots.csv", "s.csv")\n',
                      encoding="utf-8")
    code, result = grade(script, tmp_path)
    assert result["verdict"] == "crashed"
    assert "There is no network during grading" in result["summary"], result["summary"]


@pytest.mark.slow
def test_the_exam_template_downloads_offline_unchanged(tmp_path):
    script = tmp_path / "template.py"
    script.write_text(TASK.template, encoding="utf-8")
    code, result = grade(script, tmp_path)
    # The template's download and CSV reading run; it ends on its unfinished model, not the network.
    assert "There is no network" not in result["summary"] and "URLError" not in result["summary"]
    assert "sunspots.csv" not in result["summary"], result["summary"]  # the file was there to read


# The reference solution passing: tests/test_task_checks.py (`grade tasks check sunspots`).
