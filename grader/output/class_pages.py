"""A graded class as HTML: `_grades/index.html` (the class at a glance, a sortable table) and
`_grades/students/<id>.html` (each student's page, as `grade --html` makes it).

Made from the batch records and `exports.summarize`, like every other export, so the pages
agree with the gradebook by construction. Pages load nothing (see grader.output.html_report).
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import math
import re
import statistics
from pathlib import Path
from urllib.parse import quote

import numpy as np

from grader.judge.metrics import METRICS
from grader.output import plots
from grader.output.atomic import write_atomically
from grader.output.exports import gradebook_rows, summarize, values_by_task
from grader.output.fingerprint import MIN_PARAMETERS
from grader.output.html_report import environment, figure, render_grade_page
from grader.tasks.spec import TaskSpec

STUDENTS_DIR = "students"
PAGES_VERSION = 1  # bump when the pages change, so a re-run renders them again
STAMP = re.compile(r'<meta name="grader-stamp" content="([0-9a-f]+)">')


def write_class_pages(records: list[dict], tasks: dict[str, TaskSpec], out: Path) -> dict[str, Path]:
    """index.html and one page per student into `out`; returns what was written where. A page
    whose stamp says it was made from the same record is kept, so an unchanged re-run of a
    class renders nothing."""
    for record in records:
        write_student_page(record, tasks, out)
    index = out / "index.html"
    stamp = page_stamp(records)
    if _stamp_of(index) != stamp:
        write_atomically(index, render_index(records, tasks, stamp))
    return {"html": index}


def write_student_page(record: dict, tasks: dict[str, TaskSpec], out: Path) -> None:
    """One student's page, unless the page there was made from this record. It depends on the
    record alone, so a batch writes it as soon as the student is graded, beside the next runs."""
    path = out / STUDENTS_DIR / f"{record['student']}.html"
    stamp = page_stamp([record])
    if _stamp_of(path) != stamp:
        grade = record["grade"]
        write_atomically(path, render_grade_page(grade, tasks.get(grade["task_id"]), index_link="../index.html",
                                                 student=record["student"], stamp=stamp))


class EarlyPages:
    """Students' pages written as they are graded, by one thread of its own: a batch's jobs go
    straight on to their next runs. A page that fails here is left to `write_class_pages` at the
    end, which writes every page still missing and says what went wrong."""

    def __init__(self, tasks: dict[str, TaskSpec], out: Path) -> None:
        self.tasks, self.out = tasks, out
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pages")

    def __enter__(self) -> "EarlyPages":
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=exc[0] is not None)

    def add(self, record: dict) -> None:
        self._pool.submit(self._write, record)

    def _write(self, record: dict) -> None:
        try:
            write_student_page(record, self.tasks, self.out)
        except Exception:  # noqa: BLE001 - written again, or reported, at the end
            pass


def page_stamp(records: list[dict]) -> str:
    """What a page was made from: the records' keys and finishing times, and the pages' version."""
    digest = hashlib.sha256(f"pages {PAGES_VERSION}\n".encode())
    for record in sorted(records, key=lambda r: r["student"]):
        digest.update(f"{record['student']}\0{record.get('key')}\0{record.get('finished_at')}\n".encode())
    return digest.hexdigest()[:32]


def _stamp_of(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(2048)
    except OSError:
        return None
    found = STAMP.search(head)
    return found.group(1) if found else None


def render_index(records: list[dict], tasks: dict[str, TaskSpec], stamp: str = "") -> str:
    return environment().get_template("index.html.j2").render(page=index_context(records, tasks), stamp=stamp)


def student_href(student: str) -> str:
    """The link from the index to a student's page; names may hold spaces or Korean letters."""
    return f"{STUDENTS_DIR}/{quote(student)}.html"


def index_context(records: list[dict], tasks: dict[str, TaskSpec]) -> dict:
    summary = summarize(records)
    rows = gradebook_rows(records, summary)
    for row in rows:
        task = tasks.get(row["task"])
        row["href"] = student_href(row["student"])
        row["value_text"] = task.metric.format(row["value"]) if task and row["value"] != "" else ""
    scores = {f"{points}/5": count for points, count in summary["score_distribution"].items()}
    verdicts = dict(summary["verdicts"])
    return {
        "students": summary["students"], "passed": summary["passed"],
        "pass_rate": f"{summary['pass_rate']:.0%}", "rows": rows,
        "scores": {"counts": scores, **figure(plots.histogram(scores, "score"))} if records else None,
        "verdicts": {"counts": verdicts, **figure(plots.histogram(verdicts, "verdict"))} if records else None,
        "metrics": [_metric_distribution(task_id, values, tasks.get(task_id))
                    for task_id, values in values_by_task(records).items()],
        "slowest": [{**s, "href": student_href(s["student"])} for s in summary["slowest"]],
        "compared_from": MIN_PARAMETERS,
        "copies": [{"students": [{"student": s, "href": student_href(s)} for s in group["students"]],
                    "pairs": group["pairs"]} for group in copy_groups(summary["copies"])],
    }


def copy_groups(pairs: list[dict]) -> list[dict]:
    """Students linked by flagged pairs, as groups (three copies of one model are one group of
    three, not three pairs); each group keeps its pairs with their kind and similarity."""
    group_of: dict[str, int] = {}
    groups: list[dict] = []
    for pair in pairs:
        first, second = pair["students"]
        known = {group_of[s] for s in (first, second) if s in group_of}
        if not known:
            groups.append({"students": [], "pairs": []})
            target = len(groups) - 1
        else:
            target = min(known)
            for other in sorted(known - {target}, reverse=True):  # a pair joins two groups
                groups[target]["students"] += groups[other]["students"]
                groups[target]["pairs"] += groups[other]["pairs"]
                groups[other] = {"students": [], "pairs": []}
        for student in (first, second):
            if student not in groups[target]["students"]:
                groups[target]["students"].append(student)
        for student in groups[target]["students"]:
            group_of[student] = target
        groups[target]["pairs"].append(pair)
    return [{"students": sorted(g["students"]), "pairs": g["pairs"]} for g in groups if g["students"]]


def _metric_distribution(task_id: str, values: list[float], task: TaskSpec | None) -> dict:
    label = task.metric.label if task else "metric"
    fmt = task.metric.format if task else (lambda v: f"{v:.4g}")
    pass_value = task.metric.bands[task.metric.pass_points - 1] if task else None
    finite = [v for v in values if math.isfinite(v)]
    counts, edges = np.histogram(finite, bins=min(20, max(5, len(finite) // 3)),
                                 range=_histogram_range(finite, task)) if finite else ([], [0.0])
    return {"task": task_id, "label": label, "count": len(values),
            "mean": fmt(statistics.fmean(finite)) if finite else "–",
            "median": fmt(statistics.median(finite)) if finite else "–",
            "low": fmt(min(finite)) if finite else "–", "high": fmt(max(finite)) if finite else "–",
            "pass_value": fmt(pass_value) if pass_value is not None else "",
            "not_finite": len(values) - len(finite),
            "bins": [{"low": fmt(edges[i]), "high": fmt(edges[i + 1]), "count": int(c)}
                     for i, c in enumerate(counts) if c],
            **figure(plots.distribution([float(e) for e in edges], [int(c) for c in counts],
                                        f"{label} ({task_id})", pass_value))}


def _histogram_range(values: list[float], task: TaskSpec | None) -> tuple[float, float]:
    """The values' span; when they are all equal, a small span around them inside the metric's
    own range (NumPy would widen it by ±0.5: a negative error, an accuracy above 100%)."""
    low, high = min(values), max(values)
    if high > low:
        return low, high
    pad = max(abs(low) * 0.05, 1e-3)
    floor, ceiling = METRICS[task.metric.name].band_range if task else (-math.inf, math.inf)
    return max(floor, low - pad), min(ceiling, high + pad)
