"""Command line: argument parsing and exit codes only; the work happens in the pipeline modules.

    grade SUBMISSION [--task ID] [--json] [--html FILE]  grade a script, notebook, folder, .zip or model
    grade tasks [show ID]                list the tasks, or print one's statement and template
    grade tasks new ID | check ID        write a spec skeleton; grade its reference and wrong models
    grade data [fetch [NAME ...]]        show where each dataset comes from, or download it
    grade image [build] [--offline-base] the Docker backend's image: status, or build it
    grade batch DIR [--task ID] [--jobs N]  a whole class, in parallel, resumable, with exports
    grade batch DIR --cluster ADDRESS       the same on a Ray cluster (auto, HOST:PORT or local)
    grade gradescope TASK -o autograder.zip  a Gradescope autograder bundle for a task
    grade prairielearn TASK -o DIR       a PrairieLearn externally graded question for a task
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from grader import timings
from grader.output import report
from grader.output.atomic import OutputUnwritable, write_atomically
from grader.sandbox.registry import backend_choices
from grader.tasks.spec import TASKS_DIR, TaskSpecError, load_tasks

EXIT_PASSED, EXIT_NOT_PASSED, EXIT_USAGE = 0, 1, 2


COMMANDS_HELP = """other commands (each has its own --help):
  grade batch DIR [--task ID] [--jobs N]   grade a whole class: resumable, with exports and HTML pages
  grade tasks [show ID]                    list the tasks, or show one's statement and template
  grade tasks new ID | check ID            write a spec skeleton; grade its reference and wrong models
  grade data [fetch [NAME ...]]            where each dataset comes from; download the official files
  grade image [status|build]               the Docker backend's runtime image: status, or build it
  grade gradescope TASK -o autograder.zip  a Gradescope autograder bundle (setup.sh, run_autograder)
  grade prairielearn TASK -o DIR           a PrairieLearn question graded by an external grader"""


class UsageError(Exception):
    """A problem with how grade was called or set up (exit code 2)."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"tasks": _tasks_command, "data": _data_command, "image": _image_command,
                "batch": _batch_command, "gradescope": _gradescope_command,
                "prairielearn": _prairielearn_command}
    try:
        if argv and argv[0] in commands:
            return commands[argv[0]](argv[1:])
        return _grade_command(argv)
    except (UsageError, TaskSpecError) as error:
        Console(stderr=True).print(f"[bold red]error:[/] {error}", highlight=False)
        return EXIT_USAGE
    except OutputUnwritable as error:  # the grader's own disk: one message, not a traceback
        Console(stderr=True).print(f"[bold red]error:[/] {error.strerror}", highlight=False)
        return EXIT_USAGE


REPEAT_HELP = ("train the script N times, with the task's seed and the N-1 after it: the grade is the first "
               "run's; the report shows every run and flags BORDERLINE when they fall in different bands")
MAX_REPEAT = 20


def _repeat_count(text: str) -> int:
    count = int(text)
    if not 1 <= count <= MAX_REPEAT:
        raise argparse.ArgumentTypeError(f"between 1 and {MAX_REPEAT}")
    return count


def _grade_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="grade", description="Grade a submission against a task.", epilog=COMMANDS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submission", type=Path,
                        help="a script (.py), a notebook (.ipynb), a folder or .zip of them, or a saved model (.h5/.keras)")
    parser.add_argument("--task", help="task id (see `grade tasks`); else the `# task: ID` line, or guessed")
    parser.add_argument("--tasks-dir", type=Path, default=TASKS_DIR, help="where the task specs live")
    parser.add_argument("--backend", choices=backend_choices(), default="auto",
                        help="where student code runs: docker (a locked-down container), local (a sandboxed "
                             "process here), auto (docker when the engine and image are there; the default)")
    parser.add_argument("--gpus", choices=["auto", "all", "none"], default="auto",
                        help="docker backend: give the container the host's GPUs (auto: when the engine offers them)")
    parser.add_argument("--time-limit", type=float, help="seconds the script may run (default: the task's)")
    parser.add_argument("--memory-limit", type=int, help="megabytes the script may use (default: the task's)")
    parser.add_argument("--keep", type=Path, help="keep the run's folder (workspace, data, logs) under this folder")
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of the report")
    parser.add_argument("--json-out", type=Path, help="also write the JSON result to this file")
    parser.add_argument("--html", type=Path, help="also write a self-contained HTML report (with plots) to this file")
    parser.add_argument("--html-dir", type=Path,
                        help="also write a run folder DIR/<submission>/ with report.html and result.json")
    parser.add_argument("--repeat", type=_repeat_count, default=1, metavar="N",
                        help=REPEAT_HELP)
    args = parser.parse_args(argv)

    if not args.submission.exists():
        raise UsageError(f"{args.submission}: no such file or folder")
    tasks = load_tasks(args.tasks_dir)
    if args.task and args.task not in tasks:
        raise UsageError(f"unknown task {args.task!r}; known tasks: {', '.join(sorted(tasks))}")
    from grader import runs  # imported late: `grade tasks` stays instant

    options = runs.RunOptions(time_seconds=args.time_limit, memory_mb=args.memory_limit, keep=args.keep,
                              backend=args.backend, gpus=args.gpus, repeat=args.repeat)
    # The same verdicts as `grade batch`: a hand-in that cannot be run is invalid_submission (exit 1),
    # the grader's own failure grader_error (exit 2).
    grade, task = runs.grade_handin(args.submission, tasks, args.task, options)
    with timings.phase("report"):
        _grade_outputs(args, grade, task)
    return grade.verdict.exit_code


def _grade_outputs(args, grade, task) -> None:
    data = grade.to_dict()
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(args.json_out, json.dumps(data, indent=2, ensure_ascii=False))
    if args.html or args.html_dir:
        from grader.output import html_report  # matplotlib and Jinja2 load only when asked for

        if args.html:
            html_report.write_grade_page(args.html, grade, task)
        if args.html_dir:
            html_report.write_run_folder(args.html_dir / args.submission.stem, grade, task)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        report.render_grade(grade, task)


def _tasks_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="grade tasks", description="List the tasks or show one.")
    parser.add_argument("action", nargs="?", choices=["show", "new", "check"],
                        help="show: a task's statement and template; new: write a commented spec "
                             "skeleton; check: grade its reference solution and wrong models")
    parser.add_argument("task_id", nargs="?")
    parser.add_argument("--tasks-dir", type=Path, default=TASKS_DIR)
    parser.add_argument("--backend", default="auto", help="check: the sandbox for the reference solution")
    args = parser.parse_args(argv)
    if args.action == "new":
        from grader.tasks import authoring

        try:
            print(f"wrote {authoring.write_skeleton(args.task_id or '', args.tasks_dir)}")
        except (ValueError, FileExistsError) as error:
            raise UsageError(str(error)) from None
        return EXIT_PASSED
    tasks = load_tasks(args.tasks_dir)
    if args.action is None:
        report.render_task_list(tasks)
        return EXIT_PASSED
    if args.task_id not in tasks:
        raise UsageError(f"unknown task {args.task_id!r}; known tasks: {', '.join(sorted(tasks))}")
    if args.action == "check":
        return _check_task(tasks[args.task_id], tasks, args.backend)
    report.render_task(tasks[args.task_id])
    return EXIT_PASSED


def _check_task(task, tasks, backend: str) -> int:
    from grader import runs
    from grader.tasks import authoring

    results = authoring.check_task(task, tasks, runs.RunOptions(backend=backend))
    for result in results:
        print(result.line())
    return EXIT_PASSED if all(result.ok for result in results) else 1


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
    report.render_data_sources(datasets.all_sources())
    return EXIT_PASSED


def _batch_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="grade batch", description="Grade a whole class of submissions.")
    parser.add_argument("directory", type=Path, help="one file or folder per student; the name is the student id")
    parser.add_argument("--task", help="the task for everyone (default: each submission's `# task:` line or guess)")
    parser.add_argument("--tasks-dir", type=Path, default=TASKS_DIR)
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once (capped by cores and memory)")
    parser.add_argument("--out", type=Path, help="where results and exports go (default: DIRECTORY/_grades)")
    parser.add_argument("--force", action="store_true", help="grade everything again, even unchanged submissions")
    parser.add_argument("--backend", choices=backend_choices(), default="auto")
    parser.add_argument("--gpus", choices=["auto", "all", "none"], default="auto")
    parser.add_argument("--time-limit", type=float, help="seconds each script may run (default: the task's)")
    parser.add_argument("--memory-limit", type=int, help="megabytes each script may use (default: the task's)")
    parser.add_argument("--repeat", type=_repeat_count, default=1, metavar="N", help=REPEAT_HELP)
    parser.add_argument("--cluster", metavar="ADDRESS",
                        help="grade on a Ray cluster: auto (the one this machine belongs to), HOST:PORT of "
                             "its head, or local (a private one-machine cluster of --jobs CPUs); see docs/cluster.md")
    parser.add_argument("--node-retries", type=int, default=2,
                        help="with --cluster: retries on another node when the node grading a student dies")
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        raise UsageError(f"{args.directory}: not a folder")
    tasks = load_tasks(args.tasks_dir)
    if args.task and args.task not in tasks:
        raise UsageError(f"unknown task {args.task!r}; known tasks: {', '.join(sorted(tasks))}")
    from grader import runs
    from grader.batch import run as batch
    from grader.output import exports

    out = args.out or args.directory / "_grades"
    try:
        entries = batch.discover(args.directory, out)
    except ValueError as error:
        raise UsageError(str(error)) from None
    chosen = [tasks[args.task]] if args.task else list(tasks.values())
    # A run's files live in memory too (sandbox/run_disk.py): each job may hold both limits.
    memory_mb = (args.memory_limit or max(t.limits.memory_mb for t in chosen)) + max(t.limits.disk_mb for t in chosen)
    jobs = batch.affordable_jobs(args.jobs, memory_mb)
    options = runs.RunOptions(time_seconds=args.time_limit, memory_mb=args.memory_limit,
                              backend=args.backend, gpus=args.gpus, repeat=args.repeat)
    from grader.output import class_pages

    with report.BatchProgress(len(entries), jobs) as progress, class_pages.EarlyPages(tasks, out) as pages:
        if args.cluster:
            records = _cluster_batch(entries, tasks, out, options, args, jobs, progress)
        else:
            records = batch.run_batch(entries, tasks, args.task, out, options, jobs=jobs, force=args.force,
                                      on_change=progress.update, on_record=pages.add)
    written = exports.write_all(records, out)
    written.update(class_pages.write_class_pages(records, tasks, out))  # the index; pages not yet written
    report.render_batch_summary(exports.summarize(records), written)
    return EXIT_PASSED


def _platform_parser(prog: str, description: str, out_help: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("task_id", help="the task the platform's assignment grades (see `grade tasks`)")
    parser.add_argument("-o", "--out", type=Path, required=True, help=out_help)
    parser.add_argument("--tasks-dir", type=Path, default=TASKS_DIR)
    parser.add_argument("--offline", action="store_true",
                        help="carry every dependency's wheel (CPython 3.11, Linux x86_64), so the install "
                             "needs no registry; about 0.5 GB (default: pinned versions from PyPI)")
    parser.add_argument("--if-no-sandbox", choices=["refuse", "warn"], default="refuse",
                        help="where the platform's container refuses the sandbox's namespaces: refuse "
                             "(the default: nothing is run, the result says why) or warn (run the "
                             "code with only a process group around it, and say so in the result)")
    return parser


def _platform_task(args: argparse.Namespace):
    tasks = load_tasks(args.tasks_dir)
    if args.task_id not in tasks:
        raise UsageError(f"unknown task {args.task_id!r}; known tasks: {', '.join(sorted(tasks))}")
    return tasks[args.task_id]


def _gradescope_command(argv: list[str]) -> int:
    from grader.deploy import gradescope
    from grader.deploy.package import PackagingError
    from grader.deploy.platform_run import BundleConfig

    parser = _platform_parser("grade gradescope", "Write a Gradescope autograder bundle for a task.",
                              "the zip to write (upload it as the assignment's autograder)")
    parser.add_argument("--leaderboard", action="store_true", help="post each submission's metric to Gradescope's leaderboard")
    args = parser.parse_args(argv)
    task = _platform_task(args)
    config = BundleConfig(task.id, args.if_no_sandbox, args.leaderboard)
    try:
        bundle = gradescope.write_bundle(task, args.out, config, offline=args.offline)
    except PackagingError as error:
        raise UsageError(str(error)) from None
    print(f"wrote {bundle.path}: {bundle.files} files, {bundle.bytes / 2**20:.1f} MB"
          f"{' (offline: every wheel inside)' if args.offline else ''}; data: {', '.join(bundle.data_files) or 'none (generated)'}")
    return EXIT_PASSED


def _prairielearn_command(argv: list[str]) -> int:
    from grader.deploy import prairielearn
    from grader.deploy.package import PackagingError
    from grader.deploy.platform_run import BundleConfig

    parser = _platform_parser("grade prairielearn", "Write a PrairieLearn question graded by the grader.",
                              "the question's folder to write (under your course's questions/)")
    parser.add_argument("--image", default=prairielearn.DEFAULT_IMAGE,
                        help="the grading image's name on Docker Hub (build and push it from DIR/image/)")
    parser.add_argument("--file-name", default="solution.py", help="the file students upload (.py or .ipynb)")
    args = parser.parse_args(argv)
    task = _platform_task(args)
    try:
        question = prairielearn.write_question(task, args.out, BundleConfig(task.id, args.if_no_sandbox),
                                               image=args.image, file_name=args.file_name, offline=args.offline)
    except (PackagingError, FileExistsError, ValueError) as error:
        raise UsageError(str(error)) from None
    print(f"wrote {question}; build the grading image: docker build -t {args.image} {question / 'image'}")
    return EXIT_PASSED


def _cluster_batch(entries, tasks, out, options, args, jobs, progress) -> list[dict]:
    try:
        from grader.batch import cluster
    except ImportError as error:
        raise UsageError(f"--cluster needs Ray ({error}): pip install 'grader[cluster]'") from None
    try:
        return cluster.run_cluster_batch(entries, tasks, args.task, out, options, args.cluster, force=args.force,
                                         local_cpus=jobs, retries=args.node_retries, on_change=progress.update)
    except cluster.ClusterUnavailable as error:
        raise UsageError(str(error)) from None


def _image_command(argv: list[str]) -> int:
    from grader.sandbox import docker_image

    parser = argparse.ArgumentParser(prog="grade image", description="The Docker backend's runtime image.")
    parser.add_argument("action", nargs="?", choices=["status", "build"], default="status",
                        help="status (the default): engine, image and GPUs; build: build the image")
    parser.add_argument("--tag", default=docker_image.DEFAULT_TAG)
    parser.add_argument("--base", help="base image (default: the TensorFlow GPU image, else offline Debian)")
    parser.add_argument("--offline-base", action="store_true", help="build on Debian made with debootstrap")
    args = parser.parse_args(argv)
    if args.action == "build":
        result = docker_image.build_image(args.tag, args.base, args.offline_base, progress=print)
        if not result.built:
            raise UsageError(result.error + "\n" + "\n".join(result.log_tail[-10:]))
    image = docker_image.image_status(args.tag)
    report.render_image_status(docker_image.engine_status(), image)
    return EXIT_PASSED if image.exists else EXIT_NOT_PASSED


if __name__ == "__main__":
    sys.exit(main())
