"""Authoring a task: `grade tasks new` writes a skeleton that loads as a spec; `grade tasks
check` passes only when the reference passes and each wrong model fails for its own reason."""
from __future__ import annotations

import pytest

from grader import cli
from grader.runs import RunOptions
from grader.tasks import authoring
from grader.tasks.spec import load_task, load_tasks


def test_new_writes_a_commented_skeleton_that_loads_and_never_replaces_a_spec(tmp_path, capsys):
    assert cli.main(["tasks", "new", "leaves", "--tasks-dir", str(tmp_path)]) == 0
    assert load_task(tmp_path / "leaves.toml").id == "leaves"
    text = (tmp_path / "leaves.toml").read_text(encoding="utf-8")
    assert "# a registered dataset: fashion_mnist, mnist, iris, basic_regression, sunspots" in text
    assert cli.main(["tasks", "new", "leaves", "--tasks-dir", str(tmp_path)]) == cli.EXIT_USAGE
    assert "already exists" in capsys.readouterr().err


def test_the_wrong_models_break_the_contract_each_in_its_own_place():
    tasks = load_tasks()
    assert authoring._wrong_activation(tasks["iris"]) == "sigmoid"
    assert authoring._wrong_activation(tasks["sunspots"]) == "sigmoid"
    assert authoring._wrong_loss(tasks["iris"], "softmax") == "binary_crossentropy"
    assert authoring._wrong_loss(tasks["sunspots"], "linear") == "binary_crossentropy"


@pytest.mark.slow
def test_check_fails_when_the_reference_is_missing(tmp_path):
    tasks = load_tasks()
    results = authoring.check_task(tasks["iris"], tasks, RunOptions(backend="local"),
                                   reference=tmp_path / "none.py")
    assert not results[0].ok and "no reference solution" in results[0].found
    assert all(result.ok for result in results[1:]), results  # iris's wrong models fail as meant


# The check passing for every task, each wrong model failing for its reason: test_task_checks.py.
