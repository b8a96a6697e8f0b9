"""What a class costs beyond its students' runs: `grade batch --jobs 2` against the runs alone.

    python bench/batch_jobs.py [--students 20] [--jobs 2] [--backend local]

The class is answers written as the seed notes teach (basic regression, Iris, a small dense
Fashion-MNIST model with the best epoch kept), repeated to `--students`, each a distinct file. The
batch runs as a user would run it (one fresh `grade batch --force` process); its wall time is
set against the baseline measured in the same run: the sum of the students' run times (each
record's `run.wall_seconds`, measured by the sandbox inside this batch) divided by the jobs,
i.e. the time the runs alone would take with `--jobs` perfectly used. Goal (issue #14): ratio
<= 1.1.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.1
CLASS = [ROOT / "reference_solutions/basic_regression.py", ROOT / "reference_solutions/iris.py",
         ROOT / "tests/submissions/small_fashion_mnist.py", ROOT / "reference_solutions/basic_regression.py",
         ROOT / "reference_solutions/iris.py"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--backend", default="local")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grader-batch-bench-") as scratch:
        folder = Path(scratch) / "class"
        folder.mkdir()
        for number in range(args.students):
            source = CLASS[number % len(CLASS)]
            # A distinct file per student (the store keys results by content).
            text = source.read_text() + f"\n# student {number:02d}\n"
            (folder / f"student_{number:02d}_{source.stem}.py").write_text(text)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(folder), "--force",
                               "--jobs", str(args.jobs), "--backend", args.backend],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - started
        if done.returncode not in (0, 1):
            sys.exit(f"grade batch failed ({done.returncode}):\n{done.stderr[-2000:]}")
        records = [json.loads(p.read_text()) for p in (folder / "_grades/results").glob("*.json")]
    runs = [((r["grade"].get("run") or {}).get("wall_seconds") or 0.0) for r in records]
    verdicts = sorted({r["grade"]["verdict"] for r in records})
    baseline = sum(runs) / args.jobs
    ratio = wall / baseline
    print(f"{len(records)} students, --jobs {args.jobs}, {args.backend} backend, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f} after; verdicts: {', '.join(verdicts)}")
    print(f"runs alone: sum {sum(runs):.1f} s, / {args.jobs} jobs = {baseline:.1f} s (baseline)")
    print(f"grade batch: {wall:.1f} s   ratio {ratio:.3f}   goal <= {GOAL}: {'met' if ratio <= GOAL else 'NOT met'}")
    print(f"beyond the runs: {wall - baseline:.1f} s for the class, {(wall - baseline) / len(records):.2f} s per student")


if __name__ == "__main__":
    main()
