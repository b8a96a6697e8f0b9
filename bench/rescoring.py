"""Scoring many trained models: the grader's warm evaluation worker against one fresh `python`
process per model doing `load_model` + `evaluate`, measured in the same run.

    python bench/rescoring.py [--models 100] [--baseline-models N] [--container]

Trains --models small Fashion-MNIST classifiers (one epoch each on 3,000 images, a different
seed each: real, different models), then times
  baseline  one `python -c "load_model(...); evaluate(...)"` per model on the 10,000 test images;
  grader    the grader's full check of every model (inspection, contract checks, evaluation with
            per-class accuracy and confusion matrix) through one warm prediction worker.
--baseline-models times the baseline on that many models only and scales it to all of them
(the per-model cost is flat: each process does the same work); the default times all.
--container also grades every model through the Docker backend's warm evaluation container (the
runtime image, GRADER_IMAGE to choose the tag) and prints its cost against the host worker and
whether every metric came out bit-identical.
The goal (issue #5) is a ratio of at least 25.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from grader import datasets  # noqa: E402
from grader.judge.container_worker import ContainerPredictionWorker  # noqa: E402
from grader.judge.evaluate import PredictionWorker  # noqa: E402
from grader.judge.grading import grade_model_file  # noqa: E402
from grader.tasks.spec import get_task  # noqa: E402

BASELINE = """
import sys, numpy as np, tensorflow as tf
data = np.load(sys.argv[2])
model = tf.keras.models.load_model(sys.argv[1])
model.evaluate(data["x"] / 255.0, data["y"], verbose=0)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--baseline-models", type=int)
    parser.add_argument("--container", action="store_true",
                        help="also time the warm evaluation container of the Docker backend")
    args = parser.parse_args()
    task = get_task("fashion_mnist")
    with tempfile.TemporaryDirectory(prefix="grader-rescoring-") as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        paths = train_models(folder, args.models)
        print(f"trained {len(paths)} models in {time.perf_counter() - started:.0f} s")
        evaluation = datasets.evaluation_split("fashion_mnist")
        np.savez(folder / "test.npz", x=evaluation.x, y=evaluation.y)

        sample = paths[: args.baseline_models or len(paths)]
        started = time.perf_counter()
        for path in sample:
            subprocess.run([sys.executable, "-c", BASELINE, str(path), str(folder / "test.npz")],
                           check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        baseline = (time.perf_counter() - started) * len(paths) / len(sample)

        started = time.perf_counter()
        with PredictionWorker() as worker:
            grades = [grade_model_file(path, task, worker) for path in paths]
        warm = time.perf_counter() - started
        if args.container:
            started = time.perf_counter()
            with ContainerPredictionWorker() as container:
                boxed = [grade_model_file(path, task, container) for path in paths]
            in_container = time.perf_counter() - started

    accuracies = [g.evaluation.value for g in grades if g.evaluation]
    print(f"models:    {len(paths)} (accuracy {min(accuracies):.3f} to {max(accuracies):.3f})")
    scaled = f" (timed on {len(sample)}, scaled)" if len(sample) < len(paths) else ""
    print(f"baseline:  fresh python per model   {baseline:8.1f} s   {baseline / len(paths):6.2f} s/model{scaled}")
    print(f"grader:    warm evaluation worker   {warm:8.1f} s   {warm / len(paths):6.2f} s/model")
    print(f"ratio:     {baseline / warm:.1f}x   (goal: at least 25x)")
    if args.container:
        same = all(a.evaluation and b.evaluation and a.evaluation.value == b.evaluation.value
                   for a, b in zip(grades, boxed))
        print(f"container: warm evaluation container {in_container:7.1f} s   {in_container / len(paths):6.2f} s/model"
              f"   ({in_container / warm:.2f}x the host worker; {baseline / in_container:.1f}x the baseline; "
              f"metrics bit-identical: {same})")


def train_models(folder: Path, count: int) -> list[Path]:
    import keras

    train, _ = datasets.student_split("fashion_mnist")
    x, y = train.x[:3000] / 255.0, train.y[:3000]
    paths = []
    for seed in range(count):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                                  keras.layers.Dense(32, activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=1, batch_size=64, verbose=0)
        paths.append(folder / f"student_{seed:03d}.h5")
        model.save(paths[-1])
    return paths


if __name__ == "__main__":
    main()
