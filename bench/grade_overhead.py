"""What grading costs on top of running the student's script: wall time of
`python SCRIPT` (the baseline) and of `grade SCRIPT`, measured in the same run, and their ratio.

    python bench/grade_overhead.py [SCRIPT] [--repeat N]

Default SCRIPT is reference_solutions/fashion_mnist.py. The baseline runs the script as a
student would on an online machine: plain `python`, Keras 2 (TF_USE_LEGACY_KERAS=1), and
`load_data()` reading the Keras cache (~/.keras, with HOME pointed at a scratch folder) — filled here with the same images the grader serves
(the student's 60,000 training images and 10,000 held-back ones), so both runs train on the
same data. The goal (issue #3) is grade ≤ 1.10 × baseline + 3 s.
"""
from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import datasets  # noqa: E402
from grader.tasks.choice import task_from_source  # noqa: E402
from grader.tasks.spec import load_tasks  # noqa: E402

KERAS_FILES = {"fashion_mnist": ("fashion-mnist", "train-images-idx3-ubyte.gz",
                                 "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                                 "t10k-labels-idx1-ubyte.gz")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", type=Path, nargs="?", default=ROOT / "reference_solutions/fashion_mnist.py")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    script = args.script.resolve()
    task, _ = task_from_source(script.read_text(), load_tasks())

    with tempfile.TemporaryDirectory(prefix="grader-bench-") as scratch:
        home = Path(scratch) / "home"  # tf-keras looks in ~/.keras only, whatever KERAS_HOME says
        fill_keras_cache(task.dataset.name, home / ".keras")
        baseline, graded = [], []
        for _ in range(args.repeat):
            baseline.append(timed([sys.executable, str(script)], Path(scratch),
                                  {"TF_USE_LEGACY_KERAS": "1", "HOME": str(home),
                                   "KERAS_HOME": str(home / ".keras"), "TF_CPP_MIN_LOG_LEVEL": "2"},
                                  allowed=(0,)))
            graded.append(timed([sys.executable, "-m", "grader.cli", str(script), "--json-out",
                                 str(Path(scratch) / "result.json")], ROOT, {}, allowed=(0, 1)))

    base, grade = statistics.median(baseline), statistics.median(graded)
    goal = 1.10 * base + 3
    print(f"script:    {script.relative_to(ROOT) if script.is_relative_to(ROOT) else script}")
    print(f"baseline:  python SCRIPT   {base:8.1f} s   (runs: {', '.join(f'{t:.1f}' for t in baseline)})")
    print(f"grader:    grade SCRIPT    {grade:8.1f} s   (runs: {', '.join(f'{t:.1f}' for t in graded)})")
    print(f"ratio:     {grade / base:.3f}   overhead {grade - base:+.1f} s")
    print(f"goal:      grade <= 1.10 x baseline + 3 s = {goal:.1f} s: {'met' if grade <= goal else 'NOT met'}")


def fill_keras_cache(dataset: str, keras_home: Path) -> None:
    """Write the student's view of the dataset where Keras's load_data() looks first."""
    if dataset not in KERAS_FILES:
        return  # nothing to download for generated data; other datasets: see KERAS_FILES
    folder, *names = KERAS_FILES[dataset]
    target = keras_home / "datasets" / folder
    target.mkdir(parents=True)
    train, test = datasets.student_split(dataset)
    for name, array in zip(names, (train.x, train.y, test.x, test.y)):
        write_idx(target / name, np.asarray(array, dtype=np.uint8))


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(header + array.tobytes())


def timed(command: list[str], cwd: Path, extra_env: dict[str, str], allowed: tuple[int, ...]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env={**os.environ, **extra_env},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in allowed:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


if __name__ == "__main__":
    main()
