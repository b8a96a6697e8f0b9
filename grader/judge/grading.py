"""Grading a saved model file against a task: inspect → check → evaluate → score → Grade."""
from __future__ import annotations

from pathlib import Path

from grader import timings
from grader.judge import checks as contract
from grader.judge.evaluate import EvaluationOutcome, PredictionWorker, evaluate_model
from grader.judge.predictors import CommandPredictor
from grader.judge.scoring import format_metric, next_band, score
from grader.model.inspector import InvalidModelFile, ModelInfo, inspect_model
from grader.results import CheckResult, Grade, Verdict
from grader.tasks.spec import TaskSpec


def grade_model_file(path: str | Path, task: TaskSpec,
                     worker: CommandPredictor | PredictionWorker | None = None,
                     labels: str | None = None) -> Grade:
    """The full grade of one model file; never raises for anything wrong with the file.
    `worker` predicts (the command's `CommandPredictor`; a bare PredictionWorker predicts safe
    models on this machine). `labels` is what the training record showed of the labels
    ("integer", "one-hot"), if any. Raises SandboxUnavailable when the sandbox a model must be
    predicted in cannot be had (the grader's failure)."""
    path = str(path)
    base = dict(task_id=task.id, task_title=task.title, model_path=path)
    try:
        with timings.phase("inspect the model file"):
            info = inspect_model(path)
    except InvalidModelFile as error:
        check = CheckResult(
            name="model_file", title="Readable Keras model file", passed=False,
            found=str(error), expected=f"a whole Keras model saved with model.save('{task.model.file_name}')",
            fix=f"Train again and save the whole model (not save_weights) with model.save('{task.model.file_name}'); "
                "copy the file only after the script has finished writing it.",
        )
        return Grade(**base, verdict=Verdict.INVALID_MODEL, summary=str(error), checks=(check,))

    readable = CheckResult(name="model_file", title="Readable Keras model file", passed=True,
                           found=_describe_file(info), expected="a whole Keras model")
    checks = [readable, *contract.static_checks(info, task)]
    failed = {c.name for c in checks if not c.passed}
    facts = info.to_dict()
    if "safe_to_load" in failed:
        return Grade(**base, verdict=Verdict.UNSAFE_MODEL, checks=tuple(checks), model=facts,
                     summary="Not loaded: " + ", ".join(info.unsafe_objects) + ".")
    if "file_size" in failed:
        return Grade(**base, verdict=Verdict.CONTRACT_FAILED, checks=tuple(checks), model=facts,
                     summary="Not loaded: the model file is larger than the task allows.")

    with timings.phase("evaluate on the hidden set"):
        outcome = _evaluate(info, task, worker)
    how = "inside the sandbox" if contract.runs_code_in_sandbox(info, task) else "safe mode"

    if outcome.failure in (Verdict.MODEL_NOT_LOADABLE, Verdict.EVALUATION_FAILED):
        stage = "load" if outcome.failure is Verdict.MODEL_NOT_LOADABLE else "predict"
        checks.append(CheckResult(
            name="loads", title="Loads and predicts in Keras", passed=False,
            found=f"could not {stage}: {outcome.detail}", expected=f"the model loads ({how}) and predicts",
            fix=f"Save the model with the same TensorFlow you trained it with, using model.save('{task.model.file_name}'), "
                f"and check that tf.keras.models.load_model('{task.model.file_name}') works before submitting.",
        ))
        return Grade(**base, verdict=outcome.failure, checks=tuple(checks), model=facts,
                     notes=outcome.notes, summary=f"The model could not {stage}: {outcome.detail}")

    evaluation = outcome.evaluation
    if evaluation is not None:
        checks.append(CheckResult(name="loads", title="Loads and predicts in Keras", passed=True,
                                  found=f"loaded by {evaluation.backend}", expected=f"loads ({how})"))
        label_check = contract.check_label_encoding(info, task, evaluation, labels)
        if label_check is not None:
            checks.append(label_check)
    checks.extend(outcome.checks)
    contract_met = all(c.passed for c in checks)
    if evaluation is None:
        return Grade(**base, verdict=Verdict.CONTRACT_FAILED, checks=tuple(checks), model=facts,
                     notes=outcome.notes, summary="The model breaks the contract and could not be scored.")

    result = score(task.metric, evaluation.value, contract_met)
    if not contract_met:
        verdict = Verdict.CONTRACT_FAILED
    elif result.passed:
        verdict = Verdict.PASSED
    else:
        verdict = Verdict.BELOW_PASS_MARK
    return Grade(**base, verdict=verdict, checks=tuple(checks), evaluation=evaluation, score=result,
                 model=facts, notes=outcome.notes, summary=_summary(task, evaluation.value, result, checks))


def _evaluate(info: ModelInfo, task: TaskSpec, worker: CommandPredictor | PredictionWorker | None) -> EvaluationOutcome:
    """Predict where the model may run: a model with code only in a sandbox run of its own."""
    runs_code = contract.runs_code_in_sandbox(info, task)
    own = None
    if worker is None or (runs_code and not isinstance(worker, CommandPredictor)):
        own = worker = CommandPredictor(timeout_seconds=task.limits.time_seconds)
    try:
        return evaluate_model(info, task, worker.with_code(task) if runs_code else worker)
    finally:
        if own is not None:
            own.close()


def _describe_file(info: ModelInfo) -> str:
    version = f"Keras {info.keras_version}" if info.keras_version else "an unknown Keras version"
    return f"{info.file_format} file written by {version}"


def _summary(task: TaskSpec, value: float, result, checks: list[CheckResult]) -> str:
    name = task.metric.label
    text = f"{name} {format_metric(task, value)} → {result.points}/{result.max_points} ({result.band})"
    failed = [c.title.lower() for c in checks if not c.passed]
    if failed:
        text += "; contract not met: " + ", ".join(failed)
        if result.capped_by_contract:
            text += f" (score held below the pass mark of {result.pass_points})"
    elif not result.passed:
        target = next_band(task.metric, result.points)
        direction = "at least" if task.metric.higher_is_better else "at most"
        text += f"; the next point needs {name} {direction} {format_metric(task, target)}"
    return text
