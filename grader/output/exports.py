"""A graded class written out: CSV gradebook, JSON, Gradescope results.json, JUnit XML.

All four are made from the same batch records (see grader.batch.run) and the same summary, so they
agree with each other by construction.
"""
from __future__ import annotations

import csv
import io
import json
import statistics
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from grader.output.atomic import write_atomically
from grader.output.fingerprint import similar_pairs

GRADEBOOK_COLUMNS = ("student", "task", "verdict", "passed", "points", "max_points", "band", "metric",
                     "value", "seconds", "copied_with", "repeats", "repeat_values", "repeat_spread", "borderline",
                     "summary")


def summarize(records: list[dict]) -> dict:
    """The class at a glance: scores, pass rate, mean metric, slowest, failures, copies."""
    grades = [r["grade"] for r in records]
    scored = [g for g in grades if g.get("score")]
    metrics = {g["task_id"]: g["evaluation"]["metric"] for g in grades if g.get("evaluation")}
    means = {task: {"metric": metrics[task], "mean": round(statistics.fmean(values), 6)}
             for task, values in values_by_task(records).items()}
    copies = similar_pairs({r["student"]: r.get("fingerprint") for r in records})
    return {
        "students": len(records),
        "passed": sum(g["passed"] for g in grades),
        "pass_rate": round(sum(g["passed"] for g in grades) / len(records), 4) if records else 0.0,
        "score_distribution": {str(p): sum(g["score"]["points"] == p for g in scored) for p in range(6)},
        # A class of one task has one mean; a class of several has one per task (an MAE and an
        # accuracy do not average).
        "mean_metric": next(iter(means.values()))["mean"] if len(means) == 1 else None,
        "mean_metric_by_task": means,
        "verdicts": dict(Counter(g["verdict"] for g in grades).most_common()),
        "slowest": [{"student": r["student"], "seconds": r["seconds"]}
                    for r in sorted(records, key=lambda r: -r["seconds"])[:5]],
        "copies": copies,
        "borderline": sorted(r["student"] for r in records if (r["grade"].get("repeats") or {}).get("borderline")),
    }


def values_by_task(records: list[dict]) -> dict[str, list[float]]:
    """Each task's evaluated metric values, by task id in order."""
    values: dict[str, list[float]] = {}
    for record in records:
        grade = record["grade"]
        if grade.get("evaluation"):
            values.setdefault(grade["task_id"], []).append(grade["evaluation"]["value"])
    return dict(sorted(values.items()))


def copied_with(summary: dict) -> dict[str, list[str]]:
    partners: dict[str, list[str]] = {}
    for pair in summary["copies"]:
        first, second = pair["students"]
        partners.setdefault(first, []).append(second)
        partners.setdefault(second, []).append(first)
    return partners


def gradebook_rows(records: list[dict], summary: dict) -> list[dict]:
    partners = copied_with(summary)
    rows = []
    for record in sorted(records, key=lambda r: r["student"]):
        grade = record["grade"]
        score, evaluation = grade.get("score") or {}, grade.get("evaluation") or {}
        rows.append({
            "student": record["student"], "task": grade["task_id"], "verdict": grade["verdict"],
            "passed": grade["passed"], "points": score.get("points", 0), "max_points": score.get("max_points", 5),
            "band": score.get("band", ""), "metric": evaluation.get("metric", ""),
            "value": evaluation.get("value", ""), "seconds": record["seconds"],
            "copied_with": " ".join(partners.get(record["student"], [])),
            **_repeat_columns(grade.get("repeats")), "summary": grade["summary"],
        })
    return rows


def _repeat_columns(repeats: dict | None) -> dict:
    """`--repeat`: how many runs, each run's metric (or verdict), the spread and the flag; blank without."""
    if not repeats:
        return {"repeats": "", "repeat_values": "", "repeat_spread": "", "borderline": ""}
    values = " ".join(str(run["value"]) if run["value"] is not None else run["verdict"] for run in repeats["runs"])
    return {"repeats": len(repeats["runs"]), "repeat_values": values,
            "repeat_spread": "" if repeats["spread"] is None else repeats["spread"],
            "borderline": repeats["borderline"]}


def write_all(records: list[dict], out: Path) -> dict[str, Path]:
    """Every export into `out`; returns what was written where."""
    summary = summarize(records)
    rows = gradebook_rows(records, summary)
    written = {"csv": out / "gradebook.csv", "json": out / "results.json", "junit": out / "junit.xml",
               "gradescope": out / "gradescope"}
    table = io.StringIO(newline="")
    writer = csv.DictWriter(table, fieldnames=GRADEBOOK_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(written["csv"], table.getvalue())
    write_atomically(written["json"], json.dumps({"summary": summary, "students": rows,
                                                  "grades": {r["student"]: r["grade"] for r in records}},
                                                 indent=1, ensure_ascii=False))
    for record in records:
        write_atomically(written["gradescope"] / record["student"] / "results.json",
                         json.dumps(gradescope_result(record), indent=1, ensure_ascii=False))
    write_atomically(written["junit"], ET.tostring(junit(records), encoding="utf-8", xml_declaration=True))
    return written


def gradescope_result(record: dict) -> dict:
    """Gradescope's autograder results.json: the score, and one test per check. Outputs are HTML
    (Gradescope's `output_format: "html"`), so found, expected and the fix keep their layout."""
    from grader.output.html_report import gradescope_check_html, gradescope_score_html

    grade = record["grade"]
    score = grade.get("score") or {}
    points, maximum = score.get("points", 0), score.get("max_points", 5)
    tests = [{"name": "Score on the hidden test set", "score": points, "max_score": maximum,
              "status": "passed" if grade["passed"] else "failed",
              "output": gradescope_score_html(grade), "output_format": "html", "visibility": "visible"}]
    for check in grade["checks"]:
        tests.append({"name": check["title"], "score": 0, "max_score": 0,
                      "status": "passed" if check["passed"] else "failed",
                      "output": gradescope_check_html(check), "output_format": "html", "visibility": "visible"})
    output = grade["summary"]
    if grade.get("repeats"):
        flag = "Borderline: " if grade["repeats"]["borderline"] else ""
        output += f"\n\n{flag}{grade['repeats']['explanation']}"
    return {"score": points, "output": output, "output_format": "text", "tests": tests,
            "execution_time": int(round(record["seconds"]))}


def junit(records: list[dict]) -> ET.Element:
    """One testcase per student; a failure element for each one who did not pass."""
    failures = sum(not r["grade"]["passed"] for r in records)
    total_time = sum(r["seconds"] for r in records)
    suites = ET.Element("testsuites", name="grader", tests=str(len(records)), failures=str(failures),
                        errors="0", time=f"{total_time:.2f}")
    by_task: dict[str, list[dict]] = {}
    for record in records:
        by_task.setdefault(record["grade"]["task_id"] or "unknown", []).append(record)
    for task_id, members in sorted(by_task.items()):
        suite = ET.SubElement(suites, "testsuite", name=task_id, tests=str(len(members)),
                              failures=str(sum(not r["grade"]["passed"] for r in members)), errors="0",
                              skipped="0", time=f"{sum(r['seconds'] for r in members):.2f}")
        for record in sorted(members, key=lambda r: r["student"]):
            case = ET.SubElement(suite, "testcase", name=record["student"], classname=task_id,
                                 time=f"{record['seconds']:.2f}")
            grade = record["grade"]
            if not grade["passed"]:
                failure = ET.SubElement(case, "failure", message=grade["verdict"], type=grade["verdict"])
                failure.text = grade["summary"]
            repeats = grade.get("repeats")
            ET.SubElement(case, "system-out").text = grade["summary"] + (
                f"\n{'BORDERLINE: ' if repeats['borderline'] else ''}{repeats['explanation']}" if repeats else "")
    return suites
