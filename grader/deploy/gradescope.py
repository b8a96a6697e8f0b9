"""A Gradescope autograder bundle for one task, and the entry point it runs.

Layout and results fields follow Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): `setup.sh` and `run_autograder`
at the root of the zip, the zip extracted to /autograder/source, the hand-in in
/autograder/submission, the results in /autograder/results/results.json.

    grade gradescope TASK -o autograder.zip [--offline]       (grader.cli)
    python -m grader.deploy.gradescope run                    (the bundle's run_autograder)
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

from markupsafe import escape

from grader.deploy import package
from grader.deploy.platform_run import BundleConfig, PlatformGrade, grade_on_platform, write_json_atomically
from grader.output.exports import gradescope_result
from grader.tasks.spec import TaskSpec

ROOT = Path("/autograder")
EXECUTABLE = 0o755
GRADER_FAILED = ("The autograder itself failed while grading this submission (not a problem with "
                 "your code): tell your instructor. ")


@dataclasses.dataclass(frozen=True)
class Bundle:
    path: Path
    bytes: int
    files: int
    data_files: list[str]


def write_bundle(task: TaskSpec, out: Path, config: BundleConfig, offline: bool = False) -> Bundle:
    """The zip Gradescope takes: setup.sh and run_autograder at its root, the grader's wheel, the
    pinned requirements (and, `offline`, every wheel they need), the task's spec and data."""
    with tempfile.TemporaryDirectory(prefix="grader-gradescope-") as scratch:
        folder = Path(scratch)
        data_files = stage_bundle_files(task, folder, config, offline)
        out.parent.mkdir(parents=True, exist_ok=True)
        count = 0
        with zipfile.ZipFile(out, "w") as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    # Wheels are compressed already: stored as they are, the zip is made in seconds.
                    kind = zipfile.ZIP_STORED if path.suffix == ".whl" else zipfile.ZIP_DEFLATED
                    info = zipfile.ZipInfo.from_file(path, path.relative_to(folder).as_posix())
                    info.compress_type = kind
                    with open(path, "rb") as handle, archive.open(info, "w") as target:
                        while block := handle.read(1 << 20):
                            target.write(block)
                    count += 1
    return Bundle(out, out.stat().st_size, count, data_files)


def stage_bundle_files(task: TaskSpec, folder: Path, config: BundleConfig, offline: bool) -> list[str]:
    """What an install of the grader on a platform's machine reads (also PrairieLearn's image)."""
    for name in ("setup.sh", "run_autograder"):
        target = folder / name
        target.write_text(resources.files("grader.deploy").joinpath("files", name).read_text(encoding="utf-8"),
                          encoding="utf-8")
        target.chmod(EXECUTABLE)
    (folder / "task").mkdir()
    (folder / "task" / f"{task.id}.toml").write_bytes(Path(task.path).read_bytes())
    config.write(folder / "task")
    requirements = package.pinned_requirements()
    package.write_requirements(requirements, folder)
    package.build_grader_wheel(folder)
    if offline:
        package.download_wheels(requirements, folder / "wheels")
    return package.pack_task_data(task, folder / "data")


def results(graded: PlatformGrade, config: BundleConfig) -> dict:
    """Gradescope's results.json: the batch export's score and tests (grader.output.exports), the
    report's summary and how the code was isolated as the submission's output, and the task's
    metric on the leaderboard when the bundle was made with --leaderboard."""
    data = gradescope_result(graded.record)
    grade = graded.grade
    lines = [f"<p><strong>{escape(grade['verdict'].replace('_', ' '))}</strong>: {escape(grade['summary'])}</p>"]
    if graded.isolation_note:
        lines.append(f"<p><strong>Note:</strong> {escape(graded.isolation_note)}</p>")
    run = grade.get("run") or {}
    if run.get("isolation"):
        lines.append(f"<p>Isolation: {escape(', '.join(run['isolation']))}.</p>")
    if graded.script_printed:
        lines.append(f"<details><summary>What your script printed (last lines)</summary>"
                     f"<pre>{escape(graded.script_printed)}</pre></details>")
    data.update(output="\n".join(lines), output_format="html", visibility="visible", stdout_visibility="hidden")
    evaluation = grade.get("evaluation")
    if config.leaderboard and evaluation:
        metric = graded.task.metric
        data["leaderboard"] = [{"name": metric.label, "value": evaluation["value"],
                                "order": "desc" if metric.higher_is_better else "asc"}]
    return data


def failure_results(error: BaseException) -> dict:
    return {"score": 0, "output": GRADER_FAILED + f"({type(error).__name__}: {error})", "output_format": "text",
            "tests": [], "visibility": "visible"}


def run_autograder(root: Path = ROOT, source: Path | None = None) -> dict:
    source = source or root / "source"
    target = root / "results" / "results.json"
    try:
        graded = grade_on_platform(root / "submission", source / "task")
        data = results(graded, BundleConfig.read(source / "task"))
    except Exception as error:  # noqa: BLE001 - Gradescope must get a results file that says why
        write_json_atomically(target, failure_results(error))
        raise
    write_json_atomically(target, data)
    print(f"{graded.grade['verdict']}: {data['score']} points; {graded.grade['summary']}")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.deploy.gradescope")
    parser.add_argument("action", choices=["run"])
    parser.add_argument("--root", type=Path, default=ROOT, help="Gradescope's /autograder")
    parser.add_argument("--source", type=Path, help="the extracted bundle (default: ROOT/source)")
    args = parser.parse_args(argv)
    run_autograder(args.root, args.source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
