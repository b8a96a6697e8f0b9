"""`grade tasks check` for every task in tasks/, on both backends, as an instructor runs it
before a class meets the task: the reference solution trains in the sandbox and reaches full
marks, and each generated wrong model fails for its own reason."""
from __future__ import annotations

import pytest
from docker_ready import docker_not_ready

from grader.runs import RunOptions
from grader.tasks import authoring
from grader.tasks.spec import load_tasks

TASKS = load_tasks()
_NO_DOCKER = docker_not_ready()
BACKENDS = ["local", pytest.param("docker", marks=[pytest.mark.docker, pytest.mark.skipif(
    bool(_NO_DOCKER), reason=f"Docker not ready: {_NO_DOCKER}")])]
# Each wrong model and the one check it must fail (the untrained one fails none: it scores low).
FAILS = {"wrong_units": "output_units", "wrong_activation": "output_activation",
         "wrong_loss": "loss_pairing", "dense_only": "required_layers"}


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("task_id", sorted(TASKS))
def test_the_check_passes_the_reference_and_fails_each_wrong_model_for_its_reason(task_id, backend):
    task = TASKS[task_id]
    results = authoring.check_task(task, TASKS, RunOptions(backend=backend))
    lines = [result.line() for result in results]
    assert all(result.ok for result in results), "\n".join(lines)
    cases = ["reference", "wrong_units", "wrong_activation", "wrong_loss", "untrained"]
    assert [result.case for result in results] == cases + (["dense_only"] if task.model.required_layers else [])

    reference = results[0].grade
    assert reference.run.execution.backend == backend
    assert reference.score.points == reference.score.max_points, reference.summary
    assert reference.run.execution.keras["package"] == "tf_keras"  # the course's Keras 2
    assert reference.run.execution.seeds == {"python": task.run.seed, "numpy": task.run.seed,
                                             "tensorflow": task.run.seed}
    for result in results[1:]:
        assert result.grade.model["input_shape"] == task.model.input_shapes[0]
        failed = {check.name for check in result.grade.checks if not check.passed}
        if result.case == "untrained":
            assert not failed and not result.grade.verdict.passed, result.line()
        else:
            assert FAILS[result.case] in failed <= {FAILS[result.case], "runtime_output"}, result.line()
            assert f"failed: {FAILS[result.case]}" in result.line()
        if "Conv2D" in task.model.required_layers:  # the wrong models are CNNs, but the Dense-only one
            layers = {layer["class_name"] for layer in result.grade.model["layers"]}
            assert ("Conv2D" in layers) == (result.case != "dense_only"), result.case
