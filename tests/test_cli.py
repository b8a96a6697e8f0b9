"""The `grade` command as a user runs it: reports, JSON, exit codes, task listing and data sources."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REAL_MODELS = Path(__file__).resolve().parents[2] / "shared" / "real-models"


def grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True,
                          timeout=600, env={**__import__("os").environ, "COLUMNS": "120"})


def test_tasks_lists_every_task():
    result = grade("tasks")
    assert result.returncode == 0
    for task_id in ("basic_regression", "fashion_mnist", "iris", "mnist"):
        assert task_id in result.stdout


def test_tasks_show_prints_statement_and_template():
    result = grade("tasks", "show", "mnist")
    assert result.returncode == 0
    assert "Flatten(input_shape=(28, 28))" in result.stdout and "def solution_model" in result.stdout


def test_unknown_task_is_a_usage_error():
    result = grade(str(REAL_MODELS / "annisa_A1.h5"), "--task", "cifar")
    assert result.returncode == 2 and "known tasks" in result.stderr


def test_missing_model_file_is_a_usage_error(tmp_path):
    result = grade(str(tmp_path / "nothing.h5"), "--task", "mnist")
    assert result.returncode == 2 and "no such file" in result.stderr


def test_data_shows_each_source():
    result = grade("data")
    assert result.returncode == 0
    assert "fashion_mnist" in result.stdout and "iris" in result.stdout


def test_data_says_when_mnist_is_the_subset_repeated_and_why_a_better_source_was_skipped(tmp_path):
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    (cache / "mnist.npz").write_bytes(b"not the official file")
    result = subprocess.run([sys.executable, "-m", "grader.cli", "data"], capture_output=True,
                            text=True, timeout=600, env={**__import__("os").environ,
                                                          "COLUMNS": "400", "KERAS_HOME": str(tmp_path / "keras")})
    assert result.returncode == 0, result.stderr
    shown = " ".join(result.stdout.split())  # the note column wraps
    assert "subset: 5,000 real MNIST digits" in shown and "repeats the other 4,000 15 times" in shown
    assert "test images; skipped Keras cache" in shown and "mnist.npz failed verification" in shown


@pytest.mark.slow
def test_json_result_and_exit_code_for_a_model_that_fails_the_contract(tmp_path):
    out = tmp_path / "result.json"
    result = grade(str(REAL_MODELS / "jeongkyu_c2.h5"), "--task", "fashion_mnist", "--json", "--json-out", str(out))
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data == json.loads(out.read_text(encoding="utf-8"))
    assert data["verdict"] == "contract_failed" and data["passed"] is False
    failed = {c["name"] for c in data["checks"] if not c["passed"]}
    assert "output_units" in failed
    assert data["evaluation"]["samples"] == 10_000


@pytest.mark.slow
def test_task_is_guessed_from_the_model_shape_and_the_report_says_so():
    result = grade(str(REAL_MODELS / "annisa_A1.h5"))
    assert result.returncode in (0, 1), result.stderr
    assert "Task guessed from the model's shape: basic_regression" in " ".join(result.stdout.split())
    assert "Checks" in result.stdout and "Score" in result.stdout


def test_ambiguous_model_asks_for_a_task_as_a_verdict_on_the_hand_in():
    result = grade(str(REAL_MODELS / "hyunmin_c2.h5"), "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 1 and data["verdict"] == "invalid_submission"
    assert "fashion_mnist" in data["summary"] and "--task" in data["summary"]


def test_a_corrupt_notebook_alone_gets_the_verdict_it_gets_in_a_batch():
    notebook = Path(__file__).parent / "hostile" / "not_json.ipynb"
    result = grade(str(notebook), "--task", "basic_regression", "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 1 and data["verdict"] == "invalid_submission", result.stderr
    assert "not a valid Jupyter notebook" in data["summary"]
    shown = grade(str(notebook), "--task", "basic_regression")
    assert "INVALID SUBMISSION" in shown.stdout and "error:" not in shown.stderr


def test_help_lists_every_command():
    result = grade("--help")
    assert result.returncode == 0
    for command in ("grade batch", "grade tasks", "grade data", "grade image"):
        assert command in result.stdout


@pytest.mark.slow
def test_a_broken_file_gets_a_verdict_not_a_crash(tmp_path):
    broken = tmp_path / "mymodel.h5"
    broken.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    result = grade(str(broken), "--task", "fashion_mnist", "--json")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["verdict"] == "invalid_model"
