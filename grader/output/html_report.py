"""One grade as a self-contained HTML page: what the terminal report says, plus plots.

The page is rendered from `Grade.to_dict()` (what `grade --json` prints and a batch stores), so
`grade --html` and `grade batch` make the same page from the same data. Nothing is decided here:
every sentence and every plot reads a field of the grade. The page loads nothing: styles and
the sorting script are inline, plots are inline SVG, and a Content-Security-Policy forbids any
request, so it opens offline, from an e-mail attachment or an LMS, and prints.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from grader.judge.feedback import lower_is_better, script_output
from grader.output import plots
from grader.output.report import LOCAL_WARNING
from grader.results import Grade, Verdict, most_confused_with
from grader.tasks.spec import TaskSpec

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'unsafe-inline'"
ACCURACY_NAMES = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")
STOPPED = (Verdict.CRASHED.code, Verdict.TIMED_OUT.code, Verdict.OUT_OF_MEMORY.code)


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.output", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.globals["CSP"] = CSP
    return env


def render_grade_page(grade: dict, task: TaskSpec | None, *, index_link: str | None = None,
                      student: str | None = None, stamp: str = "") -> str:
    """The page for one grade (`Grade.to_dict()`); `index_link` leads back to a class index,
    `stamp` says what the page was made from (see grader.output.class_pages)."""
    return environment().get_template("student.html.j2").render(
        page=student_context(grade, task), index_link=index_link, student=student, stamp=stamp)


def write_grade_page(path: Path, grade: Grade, task: TaskSpec | None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_grade_page(grade.to_dict(), task), encoding="utf-8")
    return path


def write_run_folder(folder: Path, grade: Grade, task: TaskSpec | None) -> Path:
    """`--html-dir`: the page and the JSON it was made from, side by side."""
    folder.mkdir(parents=True, exist_ok=True)
    data = grade.to_dict()
    (folder / "result.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    (folder / "report.html").write_text(render_grade_page(data, task), encoding="utf-8")
    return folder / "report.html"


def gradescope_score_html(grade: dict) -> str:
    """The score test's output on Gradescope: the verdict, the summary and the advice, as HTML
    (Gradescope shows it inside its own page: no plots, no styles)."""
    run = grade.get("run") or {}
    return environment().get_template("gradescope.html.j2").render(
        grade=grade, advice=run.get("feedback") or [], check=None).strip()


def gradescope_check_html(check: dict) -> str:
    return environment().get_template("gradescope.html.j2").render(grade=None, advice=[], check=check).strip()


def student_context(grade: dict, task: TaskSpec | None) -> dict:
    """Everything the page shows, as plain values and finished figures."""
    evaluation, score, run = grade.get("evaluation"), grade.get("score"), grade.get("run")
    context = {
        "title": f"{task.title}  [{task.id}]" if task else "task not chosen",
        "model_path": grade["model_path"], "verdict": grade["verdict"], "passed": grade["passed"],
        "headline": grade["verdict"].replace("_", " ").upper(), "summary": grade["summary"],
        "verdict_message": grade["verdict_message"], "checks": grade.get("checks", []),
        "fixes": [c for c in grade.get("checks", []) if not c["passed"] and c.get("fix")],
        "notes": grade.get("notes", []), "score": None, "classes": None, "regression": None, "run": None,
    }
    if evaluation and score and task:
        context["score"] = _score(evaluation, score, task)
        if evaluation.get("per_class"):
            context["classes"] = _classes(evaluation)
        if evaluation.get("predictions"):
            context["regression"] = _regression(evaluation["predictions"], task)
    if run:
        context["run"] = _run(run, grade["verdict"])
    context["repeats"] = _repeats(grade["repeats"], task) if grade.get("repeats") and task else None
    return context


def _repeats(repeats: dict, task: TaskSpec) -> dict:
    """`--repeat`: one row per run, the figures over them, the flag and its sentence."""
    metric = task.metric
    shown = (lambda value: "–" if value is None else metric.format(value))
    return {"borderline": repeats["borderline"], "explanation": repeats["explanation"], "metric": metric.label,
            "runs": [{"number": n, "seed": run["seed"],
                      "value": shown(run["value"]) if run["value"] is not None else run["verdict"].replace("_", " "),
                      "points": "–" if run["points"] is None else f"{run['points']}/5", "band": run["band"] or "–"}
                     for n, run in enumerate(repeats["runs"], 1)],
            "mean": shown(repeats["mean"]), "spread": shown(repeats["spread"]), "stdev": shown(repeats["stdev"])}


def _score(evaluation: dict, score: dict, task: TaskSpec) -> dict:
    metric = task.metric
    sign = "≥" if metric.higher_is_better else "≤"
    labels = [metric.format(b) for b in metric.bands]
    bands = plots.score_bands(list(metric.bands), evaluation["value"], score["pass_points"],
                               metric.higher_is_better, labels, metric.label)
    return {
        "metric": metric.label, "value": metric.format(evaluation["value"]), "samples": evaluation["samples"],
        "points": score["points"], "max_points": score["max_points"], "band": score["band"],
        "pass_points": score["pass_points"], "capped": score.get("capped_by_contract", False),
        "bands": [{"points": i + 1, "name": metric.band_names[i + 1], "threshold": f"{sign}{label}",
                   "earned": score["points"] >= i + 1,
                   "pass": i + 1 == score["pass_points"]} for i, label in enumerate(labels)],
        "source": evaluation["dataset_source"], "note": evaluation.get("dataset_note", ""),
        "backend": evaluation.get("backend", ""), "figure": figure(bands),
    }


def _classes(evaluation: dict) -> dict:
    per_class = evaluation["per_class"]
    matrix = [list(row) for row in evaluation["confusion_matrix"]]
    names = [c["name"] for c in per_class]
    worst = min(c["accuracy"] for c in per_class)
    rows = []
    for cls, row in zip(per_class, matrix):
        rows.append({**cls, "percent": f"{cls['accuracy']:.1%}",
                     "confused": most_confused_with(row, cls["label"], names),
                     "worst": cls["accuracy"] == worst and worst < 1})
    worst_index = next((i for i, r in enumerate(rows) if r["worst"]), None)
    return {
        "rows": rows, "names": names, "matrix": matrix,
        "confusion": figure(plots.confusion(matrix, names)) if matrix else None,
        "bars": figure(plots.bars([f"{c['label']} {c['name']}" for c in per_class],
                                   [c["accuracy"] for c in per_class], "accuracy per class", percent=True,
                                   highlight=worst_index)),
    }


def _regression(points: list[dict], task: TaskSpec) -> dict:
    # The shaded band is the pass mark's threshold: a model whose every answer lies inside it
    # has a mean absolute error under the pass mark.
    band = task.metric.bands[task.metric.pass_points - 1]
    drawn = plots.regression([p["x"] for p in points], [p["target"] for p in points],
                              [p["predicted"] for p in points], band)
    return {"band": task.metric.format(band), "figure": figure(drawn),
            "has_x": all(p["x"] is not None for p in points),
            "rows": [{**p, "error": abs(p["predicted"] - p["target"])} for p in points]}


def _run(run: dict, verdict: str) -> dict:
    context = {"notes": run.get("notes", []), "skipped": run.get("skipped_lines", []),
               "feedback": run.get("feedback") or [], "ran": None, "fits": [], "stderr_tail": ""}
    if "backend" not in run:  # nothing ran: a model file, a syntax error
        return context
    limits = run["limits"]
    keras = run.get("keras", {})
    context["ran"] = {
        "backend": run["backend"], "seconds": f"{run['wall_seconds']:.1f}",
        "memory": f"{run['peak_memory_mb']:,.0f}", "time_limit": f"{limits['time_seconds']:g}",
        "memory_limit": f"{limits['memory_mb']:,}", "isolation": ", ".join(run.get("isolation", [])),
        "keras": f"{keras.get('package', '?')} {keras.get('version', '')} (Keras {keras.get('requested', '?')} requested)",
        "seeds": ", ".join(f"{k} {v}" for k, v in run.get("seeds", {}).items()) or "–",
        "local_warning": LOCAL_WARNING if run["backend"] == "local" else "",
    }
    context["fits"] = [_fit(number, fit) for number, fit in enumerate(run.get("fits", []), 1)]
    stopped = verdict in STOPPED or run.get("exit_code") not in (0, None)
    output = script_output(run.get("stderr", "")).rstrip()
    if stopped and output.strip():
        context["stderr_tail"] = "\n".join(output.splitlines()[-20:])
    return context


def _fit(number: int, fit: dict) -> dict:
    history = {name: values for name, values in fit["history"].items() if values}
    best, best_by = fit.get("best_epoch"), fit.get("best_by", "")
    kept, kept_by = fit.get("kept_epoch"), fit.get("kept_by", "")
    groups = [("loss", [n for n in ("loss", "val_loss") if n in history])]
    accuracy = next((n for n in ACCURACY_NAMES if n in history), None)
    if accuracy:
        groups.append(("accuracy", [n for n in (accuracy, f"val_{accuracy}") if n in history]))
    figures = []
    for ylabel, names in groups:
        if not names:
            continue
        on_this = best_by in names
        drawn = plots.curves({n: history[n] for n in names}, ylabel,
                             best=best if on_this else None, best_label=f"best {best_by}" if on_this else "",
                             kept=kept, kept_label="weights kept" if kept else "")
        epochs = max(len(history[n]) for n in names)
        figures.append({**figure(drawn), "metrics": names,
                        "by_epoch": [{"epoch": e + 1, "values": [f"{history[n][e]:.4g}" if e < len(history[n]) else ""
                                                                 for n in names]} for e in range(epochs)]})
    rows = []
    for name, values in history.items():
        best_value = min(values) if lower_is_better(name) else max(values)
        rows.append({"metric": name, "first": f"{values[0]:.4g}", "best": f"{best_value:.4g}",
                     "last": f"{values[-1]:.4g}"})
    return {"number": number, "epochs_run": fit.get("epochs_run"), "epochs_requested": fit.get("epochs_requested"),
            "callbacks": fit.get("callbacks", []), "figures": figures, "rows": rows,
            "best": best, "best_by": best_by, "kept": kept, "kept_by": kept_by}


def figure(plot: plots.Plot) -> dict:
    """The SVG, labelled with its alt text for screen readers, and the alt text for the caption."""
    labelled = plot.svg.replace("<svg", f'<svg role="img" aria-label="{escape(plot.alt)}"', 1)
    return {"svg": Markup(labelled), "alt": plot.alt}
