"""Which task a hand-in is for: the one asked for, else a script's `# task:` line or the dataset
it loads, else the one task a model file's shape fits."""
from __future__ import annotations

from grader.model.inspector import InvalidModelFile, inspect_model
from grader.submission.handin import Submission, SubmissionError, task_from_source
from grader.tasks.spec import TaskSpec


class TaskChoiceError(ValueError):
    """Which task a submission is for cannot be told; the message lists the tasks."""


def choose_task(task_id: str | None, submission: Submission, tasks: dict[str, TaskSpec]) -> tuple[TaskSpec, str]:
    """The task asked for; else a script's `# task:` line or the dataset it loads; else the one
    task a model file's shape fits."""
    listing = ", ".join(sorted(tasks))
    if task_id:
        if task_id not in tasks:
            raise TaskChoiceError(f"unknown task {task_id!r}; known tasks: {listing}")
        return tasks[task_id], ""
    if submission.kind != "model":
        try:
            return task_from_source(submission.source, tasks)
        except SubmissionError as error:
            raise TaskChoiceError(str(error)) from None
    try:
        info = inspect_model(submission.workspace / submission.entry)
    except InvalidModelFile:
        info = None
    candidates = [t for t in tasks.values() if info is not None and _fits(info, t)]
    if len(candidates) == 1:
        return candidates[0], f"Task guessed from the model's shape: {candidates[0].id} (pass --task to choose)."
    if candidates:
        raise TaskChoiceError(f"the model fits several tasks ({', '.join(t.id for t in candidates)}); "
                              f"choose one with --task (known tasks: {listing})")
    raise TaskChoiceError(f"cannot tell which task {submission.entry} is for; choose one with --task ({listing})")


def _fits(info, task: TaskSpec) -> bool:
    shape = tuple(info.input_shape or ())
    return info.output_units == task.model.output_units and shape in {tuple(s) for s in task.model.input_shapes}
