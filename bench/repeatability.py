"""How much grades owe to luck: every reference solution and three weak-but-close models of our
own (bench/weak_models/), each trained N times with `--repeat N`, as a Markdown table.

    python bench/repeatability.py [--repeat 5] [--backend local] [--only NAME ...] [--json FILE]

Per submission: the metric of every run (seeds 42, 43, ...), mean, spread (highest minus lowest),
the bands hit and whether the grade is borderline. The figures in README come from this script.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from grader.runs import RunOptions, grade_handin  # noqa: E402
from grader.tasks.spec import load_tasks  # noqa: E402

SUBMISSIONS = [*sorted((ROOT / "reference_solutions").glob("*.py")), *sorted((ROOT / "bench" / "weak_models").glob("*.py"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--backend", default="local")
    parser.add_argument("--only", nargs="*", help="submission names (file stems) to run")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()
    tasks = load_tasks()
    chosen = [p for p in SUBMISSIONS if not args.only or p.stem in args.only]
    figures = {}
    print(f"| submission | task | {' | '.join(f'seed {42 + i}' for i in range(args.repeat))} | mean | spread | bands hit | borderline |")
    print(f"|---|---|{'---|' * args.repeat}---|---|---|---|")
    for path in chosen:
        started = time.perf_counter()
        grade, task = grade_handin(path, tasks, None, RunOptions(backend=args.backend, repeat=args.repeat))
        name = f"{path.parent.name}/{path.name}"
        if grade.repeats is None:
            print(f"| {name} | {grade.task_id} | not repeated: {grade.verdict.code} ({grade.summary}) |")
            continue
        r = grade.repeats
        shown = [task.metric.format(run.value) if run.value is not None else run.verdict for run in r.runs]
        fmt = (lambda v: "–" if v is None else task.metric.format(v))
        row = (f"| {name} | {task.id} | {' | '.join(shown)} | {fmt(r.mean)} | {fmt(r.spread)} | "
               f"{', '.join(r.outcomes)} | {'**yes**' if r.borderline else 'no'} |")
        print(row, flush=True)
        figures[name] = {**r.to_dict(), "seconds": round(time.perf_counter() - started, 1)}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
