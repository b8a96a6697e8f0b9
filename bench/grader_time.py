"""The grader's own time: what a grade costs beyond the student's run, and where it goes.

    python bench/grader_time.py [SCRIPT] [--backends local docker] [--repeat N]

For each backend, `grade SCRIPT` runs as a user would run it (a fresh process); its own time is
the command's wall time minus the run's `wall_seconds` (from the JSON result). Then the model the
run saved is graded alone (`grade model.h5`), where everything is the grader's own. The
breakdown comes from the grader's phases (GRADER_TIMINGS); "process start and exit" is the rest:
the interpreter, imports, and ending every child. Goals (issue #14): own time <= 3 s on the
local backend, <= 3.5 s on Docker, <= 4 s for a model file. The run's time is the baseline each
own time is set against (the ratio is own / run).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"local": 3.0, "docker": 3.5, "model file": 4.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", type=Path, nargs="?", default=ROOT / "reference_solutions/fashion_mnist.py")
    parser.add_argument("--backends", nargs="+", default=["local", "docker"])
    parser.add_argument("--repeat", type=int, default=1, help="grades per backend (the median is shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grader-time-") as scratch:
        scratch = Path(scratch)
        rows, model = [], None
        for backend in args.backends:
            runs = [grade(args.script.resolve(), scratch, ["--backend", backend, "--keep", str(scratch / "kept")])
                    for _ in range(args.repeat)]
            rows.append((backend, runs))
            model = model or next((scratch / "kept").rglob("mymodel.h5"), None)
        if model is not None:
            saved = scratch / "mymodel.h5"
            saved.write_bytes(model.read_bytes())
            task = json.loads((scratch / "result.json").read_text())["task_id"]
            rows.append(("model file", [grade(saved, scratch, ["--task", task]) for _ in range(args.repeat)]))
    print(f"submission: {args.script}   load: {os.getloadavg()[0]:.2f} (1-min average), {os.cpu_count()} cores")
    for name, runs in rows:
        total = statistics.median(r["total"] for r in runs)
        run = statistics.median(r["run"] for r in runs)
        own = statistics.median(r["total"] - r["run"] for r in runs)
        verdict = "met" if own <= GOALS[name] else "NOT met"
        ratio = f"   own/run {own / run:.3f}" if run else ""
        print(f"\n{name:10} total {total:6.2f} s   run {run:6.2f} s   grader's own {own:5.2f} s{ratio}   "
              f"goal <= {GOALS[name]} s: {verdict}")
        phases = collections.defaultdict(list)
        for r in runs:
            for phase, seconds in r["phases"].items():
                phases[phase].append(seconds)
        for phase, values in phases.items():
            print(f"    {phase:36} {statistics.median(values):6.3f} s")


def grade(submission: Path, scratch: Path, options: list[str]) -> dict:
    """One `grade` command, timed from outside, with its phases and the run's own wall time."""
    timings, result = scratch / "timings.jsonl", scratch / "result.json"
    timings.unlink(missing_ok=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "grader.cli", str(submission), *options, "--json-out", str(result)],
                          cwd=ROOT, env={**os.environ, "GRADER_TIMINGS": str(timings)},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    total = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"grade {submission} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    data = json.loads(result.read_text())
    run = (data.get("run") or {}).get("wall_seconds") or 0.0
    phases: dict[str, float] = collections.defaultdict(float)
    for line in timings.read_text().splitlines():
        entry = json.loads(line)
        phases[entry["phase"]] += entry["seconds"]
    # The run itself is the student's; the sandbox's own start and end around it are the grader's.
    if run:
        phases["run: sandbox start and end around the script"] = phases.pop("run in the sandbox", 0.0) - run
    parts = ("read the hidden split", "wait for the evaluator to start", "predict (in the evaluator)")
    phases["evaluate: metrics, checks, the rest"] = (phases.pop("evaluate on the hidden set", 0.0)
                                                     - sum(phases.get(part, 0.0) for part in parts))
    phases["process start and exit, imports, the rest"] = total - run - sum(phases.values())
    return {"total": total, "run": run, "phases": dict(phases)}


if __name__ == "__main__":
    main()
