"""The Docker backend's wall time beside the local backend's, for the same submission, same run.

    python bench/backends.py [SUBMISSION] [--repeat N]

Default SUBMISSION is reference_solutions/basic_regression.py (a short run, so the fixed costs of
each backend show); pass reference_solutions/fashion_mnist.py for a long one. Each repeat grades
the submission once per backend, alternating, and the medians are compared.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submission", type=Path, nargs="?",
                        default=ROOT / "reference_solutions/basic_regression.py")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    times: dict[str, list[float]] = {"local": [], "docker": []}
    runs: dict[str, list[float]] = {"local": [], "docker": []}
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as scratch:
        for _ in range(args.repeat):
            for backend in times:
                wall, result = grade(args.submission.resolve(), backend, Path(scratch) / "result.json")
                if result["run"].get("backend") != backend:
                    sys.exit(f"asked for {backend}, ran on {result['run'].get('backend')}")
                times[backend].append(wall)
                runs[backend].append(result["run"]["wall_seconds"])

    local, docker = statistics.median(times["local"]), statistics.median(times["docker"])
    print(f"submission: {args.submission}")
    for backend in times:
        print(f"{backend:7s} grade {statistics.median(times[backend]):7.2f} s   "
              f"(of which the run {statistics.median(runs[backend]):6.2f} s; "
              f"all: {', '.join(f'{t:.2f}' for t in times[backend])})")
    print(f"ratio    docker / local = {docker / local:.3f}   ({docker - local:+.2f} s)")


def grade(submission: Path, backend: str, out: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "grader.cli", str(submission), "--backend", backend,
                           "--json-out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if done.returncode == 2:
        sys.exit(f"grade --backend {backend} failed:\n{done.stderr[-2000:]}")
    return wall, json.loads(out.read_text())


if __name__ == "__main__":
    main()
