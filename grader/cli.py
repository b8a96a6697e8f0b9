"""Command line: argument parsing and exit codes only; the work happens in the pipeline modules.

    grade MODEL [--task ID] [--json]     grade a saved model (.h5 / .keras)
    grade tasks [show ID]                list the tasks, or print one's statement and template
    grade data [fetch [NAME ...]]        show where each dataset comes from, or download it
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from grader import report
from grader.tasks import TASKS_DIR, TaskSpec, TaskSpecError, load_tasks

EXIT_PASSED, EXIT_NOT_PASSED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with how grade was called or set up (exit code 2)."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"tasks": _tasks_command, "data": _data_command}
    try:
        if argv and argv[0] in commands:
            return commands[argv[0]](argv[1:])
        return _grade_command(argv)
    except (UsageError, TaskSpecError) as error:
        Console(stderr=True).print(f"[bold red]error:[/] {error}", highlight=False)
        return EXIT_USAGE


def _grade_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="grade", description="Grade a saved Keras model against a task.")
    parser.add_argument("model", type=Path, help="the model file (.h5 or .keras)")
    parser.add_argument("--task", help="task id (see `grade tasks`); guessed from the model when omitted")
    parser.add_argument("--tasks-dir", type=Path, default=TASKS_DIR, help="where the task specs live")
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of the report")
    parser.add_argument("--json-out", type=Path, help="also write the JSON result to this file")
    args = parser.parse_args(argv)

    if not args.model.exists():
        raise UsageError(f"{args.model}: no such file")
    tasks = load_tasks(args.tasks_dir)
    task, guess_note = _choose_task(args.task, args.model, tasks)

    from grader.grading import grade_model_file  # imported late: `grade tasks` stays instant

    grade = grade_model_file(args.model, task)
    if guess_note:
        grade = grade.with_note(guess_note)
    data = grade.to_dict()
    if args.json_out:
        args.json_out.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        report.render_grade(grade, task)
    return grade.verdict.exit_code


def _choose_task(task_id: str | None, model: Path, tasks: dict[str, TaskSpec]) -> tuple[TaskSpec, str]:
    if task_id:
        if task_id not in tasks:
            raise UsageError(f"unknown task {task_id!r}; known tasks: {', '.join(sorted(tasks))}")
        return tasks[task_id], ""
    from grader.inspect import InvalidModelFile, inspect_model

    try:
        info = inspect_model(model)
    except InvalidModelFile:
        info = None
    candidates = [t for t in tasks.values() if info is not None and _fits(info, t)]
    if len(candidates) == 1:
        return candidates[0], f"Task guessed from the model's shape: {candidates[0].id} (pass --task to choose)."
    listing = ", ".join(sorted(tasks))
    if candidates:
        raise UsageError(f"the model fits several tasks ({', '.join(t.id for t in candidates)}); "
                         f"choose one with --task (known tasks: {listing})")
    raise UsageError(f"cannot tell which task {model} is for; choose one with --task ({listing})")


def _fits(info, task: TaskSpec) -> bool:
    shape = tuple(info.input_shape or ())
    return info.output_units == task.model.output_units and shape in {tuple(s) for s in task.model.input_shapes}


def _tasks_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="grade tasks", description="List the tasks or show one.")
    parser.add_argument("action", nargs="?", choices=["show"], help="show one task's statement and template")
    parser.add_argument("task_id", nargs="?")
    parser.add_argument("--tasks-dir", type=Path, default=TASKS_DIR)
    args = parser.parse_args(argv)
    tasks = load_tasks(args.tasks_dir)
    if args.action is None:
        report.render_task_list(tasks)
        return EXIT_PASSED
    if args.task_id not in tasks:
        raise UsageError(f"unknown task {args.task_id!r}; known tasks: {', '.join(sorted(tasks))}")
    report.render_task(tasks[args.task_id])
    return EXIT_PASSED


def _data_command(argv: list[str]) -> int:
    from grader import datasets

    parser = argparse.ArgumentParser(prog="grade data", description="Show or fetch the offline datasets.")
    parser.add_argument("action", nargs="?", choices=["fetch"], help="download the official files (needs a network)")
    parser.add_argument("names", nargs="*", help="datasets to fetch (default: all)")
    args = parser.parse_args(argv)
    if args.action == "fetch":
        fetched = datasets.fetch(args.names or None)
        report.render_data_sources(fetched)
        return EXIT_PASSED if all(s.available and not s.problem for s in fetched) else EXIT_NOT_PASSED
    report.render_data_sources(datasets.sources())
    return EXIT_PASSED


if __name__ == "__main__":
    sys.exit(main())
