"""How fast a class index opens in a real browser: a graded class of 100 students, its
`_grades/index.html` loaded in headless Chromium beside an empty page, same run.

    python bench/html_pages.py [--students 100] [--repeat 5] [--keep DIR]

The class is 100 basic-regression model files with different weights (scores from 0 to 5),
graded by `grade batch --backend local`. Each repeat loads an empty page and then the index from
disk; the time is the browser's own, from navigation start to the end of the load event
(PerformanceNavigationTiming). Goal: the index loads in under 2 s. Needs Debian's chromium and
chromium-driver and selenium (`pip install -e '.[test]'`).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import browser  # noqa: E402

GOAL_SECONDS = 2.0
LOAD_TIME = ("const t = performance.getEntriesByType('navigation')[0];"
             "return t.loadEventEnd - t.startTime;")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="grade the class here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    if problem := browser.available():
        sys.exit(problem)

    with tempfile.TemporaryDirectory(prefix="grader-bench-html-") as scratch:
        folder = (args.keep or Path(scratch)) / "class"
        make_class(folder, args.students)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(folder), "--task", "basic_regression",
                               "--jobs", "2", "--backend", "local"], cwd=ROOT, capture_output=True, text=True)
        graded = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"grade batch failed:\n{done.stderr[-2000:]}")
        index = folder / "_grades" / "index.html"
        empty = Path(scratch) / "empty.html"
        empty.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>empty</title></head><body></body></html>")
        render = render_seconds(folder / "_grades")
        size_kb = index.stat().st_size / 1024
        baseline, loads = load_times(empty, index, args.repeat)

    base, page = statistics.median(baseline), statistics.median(loads)
    print(f"class: {args.students} students graded and paged by `grade batch` in {graded:.1f} s; "
          f"index.html {size_kb:,.0f} KB, rendered in {render:.2f} s (Python, plots included)")
    print(f"empty page  load {base * 1000:7.1f} ms   (all: {', '.join(f'{t * 1000:.1f}' for t in baseline)})")
    print(f"class index load {page * 1000:7.1f} ms   (all: {', '.join(f'{t * 1000:.1f}' for t in loads)})")
    print(f"ratio index / empty = {page / base:.1f}   ({(page - base) * 1000:+.1f} ms); goal: under "
          f"{GOAL_SECONDS:.0f} s: {'met' if page < GOAL_SECONDS else 'NOT met'}")


def make_class(folder: Path, students: int) -> None:
    """Model files of y = a x + b with a and b spread so the class covers every band."""
    import numpy as np
    import keras

    folder.mkdir(parents=True, exist_ok=True)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    spread = np.random.default_rng(7)
    for student in range(students):
        off = spread.uniform(0, 0.6) * (student % 5)
        model.set_weights([np.array([[2.0 + off * spread.choice([-1, 1])]]), np.array([-1.0 + off])])
        model.save(folder / f"student_{student:03d}.h5")


def render_seconds(out: Path) -> float:
    """The index alone, rendered again in this process from the stored records."""
    import json

    from grader.output.class_pages import render_index
    from grader.tasks.spec import load_tasks

    records = [json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))]
    tasks = load_tasks()
    started = time.perf_counter()
    render_index(records, tasks)
    return time.perf_counter() - started


def load_times(empty: Path, index: Path, repeat: int) -> tuple[list[float], list[float]]:
    driver = browser.chrome()
    try:
        baseline, loads = [], []
        driver.get(empty.as_uri())  # a first navigation warms the browser for both
        for _ in range(repeat):
            for page, times in ((empty, baseline), (index, loads)):
                driver.get(page.as_uri())
                times.append(driver.execute_script(LOAD_TIME) / 1000)
        if not driver.find_elements("css selector", "#students tbody tr"):
            sys.exit("the index has no students table")
        return baseline, loads
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
