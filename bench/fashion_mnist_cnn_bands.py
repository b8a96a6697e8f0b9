"""Where the fashion_mnist_cnn task's bands come from: the hidden-test accuracy of its reference
solution and of weaker answers, each graded by the grader itself, same run.

    python bench/fashion_mnist_cnn_bands.py [--backend local|docker]

The weaker answers are the reference edited the way learners fall short: trained for one epoch,
a smaller CNN (one Conv2D(8) for two epochs), and the course's Dense-only MLP on the same
(28, 28, 1) input (which the task refuses for lacking Conv2D, but whose accuracy is still
measured). Prints each one's accuracy, points and verdict, and the run's wall time.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference_solutions" / "fashion_mnist_cnn.py"
CNN = """        Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)),
        MaxPooling2D(2, 2),
        Conv2D(64, (3, 3), activation='relu'),
        MaxPooling2D(2, 2),
        Flatten(),
        Dense(128, activation='relu'),
        Dropout(0.3),
"""
SMALL_CNN = """        Conv2D(8, (3, 3), activation='relu', input_shape=(28, 28, 1)),
        MaxPooling2D(2, 2),
        Flatten(),
"""
MLP = """        Flatten(input_shape=(28, 28, 1)),
        Dense(128, activation='relu'),
"""


def variants(source: str) -> dict[str, str]:
    if CNN not in source or "epochs=10," not in source:
        sys.exit(f"{REFERENCE} no longer has the layers or epochs this benchmark edits")
    return {
        "reference (10 epochs)": source,
        "reference, 1 epoch": source.replace("epochs=10,", "epochs=1,"),
        "one Conv2D(8), 2 epochs": source.replace(CNN, SMALL_CNN).replace("epochs=10,", "epochs=2,"),
        "Dense-only MLP, 10 epochs": source.replace(CNN, MLP),
    }


def grade(script: Path, backend: str, out: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader.cli", str(script), "--backend", backend,
                    "--json-out", str(out)], cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - started, json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="local", choices=("local", "docker"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as scratch:
        for name, source in variants(REFERENCE.read_text()).items():
            script = Path(scratch) / "fashion_mnist_cnn.py"
            script.write_text(source)
            wall, result = grade(script, args.backend, Path(scratch) / "result.json")
            evaluation, score = result.get("evaluation") or {}, result.get("score") or {}
            failed = [c["name"] for c in result.get("checks", []) if not c["passed"]]
            print(f"{name:28} accuracy {evaluation.get('value', float('nan')):.4f}  "
                  f"{score.get('points', '-')}/5  {result['verdict']}"
                  f"{'  failed: ' + ', '.join(failed) if failed else ''}  "
                  f"(graded in {wall:.0f} s, run {result.get('run', {}).get('wall_seconds', 0):.0f} s)",
                  flush=True)


if __name__ == "__main__":
    main()
