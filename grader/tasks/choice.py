"""Which task a hand-in is for: the one asked for, else a script's `# task:` line or the dataset
it loads, else the one task a model file's shape fits."""
from __future__ import annotations

import re

from grader.datasets.registry import DATASETS
from grader.model.inspector import InvalidModelFile, inspect_model
from grader.submission.handin import Submission, SubmissionError, strip_comments
from grader.tasks.spec import TaskSpec

_TASK_MARKER = re.compile(r"^[ \t]*#[ \t]*task[ \t]*:[ \t]*([\w-]+)", re.IGNORECASE | re.MULTILINE)


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
    candidates = [t for t in tasks.values() if t.guessed and info is not None and _fits(info, t)]
    if len(candidates) == 1:
        return candidates[0], f"Task guessed from the model's shape: {candidates[0].id} (pass --task to choose)."
    if candidates:
        raise TaskChoiceError(f"the model fits several tasks ({', '.join(t.id for t in candidates)}); "
                              f"choose one with --task (known tasks: {listing})")
    raise TaskChoiceError(f"cannot tell which task {submission.entry} is for; choose one with --task ({listing})")


def _fits(info, task: TaskSpec) -> bool:
    shape = tuple(info.input_shape or ())
    return info.output_units == task.model.output_units and shape in {tuple(s) for s in task.model.input_shapes}


def task_from_source(source: str, tasks: dict[str, TaskSpec]) -> tuple[TaskSpec, str]:
    """The task a script is for, and a note saying how it was found."""
    known = ", ".join(sorted(tasks))
    marker = _TASK_MARKER.search(source)
    if marker:
        by_id = {task_id.lower(): task for task_id, task in tasks.items()}
        task = tasks.get(marker.group(1)) or by_id.get(marker.group(1).lower())
        if task is None:
            raise SubmissionError(f"The line `# task: {marker.group(1)}` names no known task. "
                                  f"Known tasks: {known}.")
        return task, f"Task from the `# task: {task.id}` line."
    datasets = datasets_in(source)
    matches = [task for task in tasks.values() if task.guessed and task.dataset.name in datasets]
    if len(matches) == 1:
        why = DATASETS[matches[0].dataset.name].found_because or f"it uses {matches[0].dataset.name}"
        return matches[0], f"Task guessed from the code ({why}): {matches[0].id}. Pass --task to choose."
    found = (f"it uses {' and '.join(sorted(datasets))}, which fits "
             f"{', '.join(task.id for task in matches) or 'no task'}" if datasets
             else "it loads none of the known datasets")
    raise SubmissionError(f"Cannot tell which task this code is for: {found}. Known tasks: "
                          f"{known}. Pass --task ID, or add a line `# task: ID` at the top of "
                          f"the script.")


def datasets_in(source: str) -> set[str]:
    """The registered datasets that the code appears to load (each dataset says how it looks)."""
    code = strip_comments(source)
    found = {d.name for d in DATASETS.values() if not d.guess_last and d.used_in(code)}
    return found or {d.name for d in DATASETS.values() if d.guess_last and d.used_in(code)}
