"""The rich terminal report of a Grade, and the task listing. Rendering only: no decisions here."""
from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.markdown import Markdown
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from grader.judge.feedback import lower_is_better, script_output
from grader.judge.scoring import format_metric
from grader.results import FitSummary, Grade, RunSummary, Verdict, most_confused_with
from grader.tasks.spec import TaskSpec

VERDICT_STYLE = {Verdict.PASSED: "bold green", Verdict.BELOW_PASS_MARK: "bold yellow"}


def render_grade(grade: Grade, task: TaskSpec | None, console: Console | None = None) -> None:
    """`task` is None when the hand-in never got as far as choosing one."""
    console = console or Console()
    style = VERDICT_STYLE.get(grade.verdict, "bold red")
    headline = Text.assemble((grade.verdict.code.replace("_", " ").upper(), style), "  ", grade.summary)
    title = Text(f"{task.title}  [{task.id}]" if task else "task not chosen", style="bold")
    console.print(Panel(
        Group(title, Text(grade.model_path, style="dim"),
              Text(""), headline, Text(grade.verdict.message, style="dim")),
        title="grader", title_align="left", border_style=style.split()[-1],
    ))
    console.print(_checks_table(grade))
    fixes = [check for check in grade.checks if not check.passed and check.fix]
    if fixes:
        console.print(Panel(Group(*(Text.assemble((f"✗ {c.title}: ", "bold red"), c.fix) for c in fixes)),
                            title="How to fix", title_align="left", border_style="yellow"))
    if grade.evaluation is not None:
        console.print(_score_panel(grade, task))
        if grade.evaluation.per_class:
            console.print(_per_class_table(grade))
    if grade.repeats is not None:
        console.print(_repeats_panel(grade, task))
    if grade.run is not None:
        _render_run(grade.run, grade.verdict, console)
    for note in grade.notes:
        console.print(Text.assemble(("note ", "bold cyan"), note))


SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
LOCAL_WARNING = ("A local run is not a security boundary: it contains honest mistakes, not a "
                 "determined attacker. Grade untrusted code with --backend docker.")


def sparkline(values, width: int = 40) -> str:
    """Values as block characters; long histories are sampled at `width` evenly spaced epochs."""
    values = list(values)
    if len(values) > width:
        values = [values[round(i * (len(values) - 1) / (width - 1))] for i in range(width)]
    finite = [v for v in values if v == v and abs(v) != float("inf")]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    return "".join(SPARK_BLOCKS[int((v - low) / span * (len(SPARK_BLOCKS) - 1))] if v in finite else "?"
                   for v in values)


def _render_run(run: RunSummary, verdict: Verdict, console: Console) -> None:
    for note in run.notes:
        console.print(Text.assemble(("note ", "bold cyan"), note))
    for skipped in run.skipped_lines:
        console.print(Text.assemble(("skipped ", "bold yellow"), f"cell {skipped.cell}, line {skipped.line} "
                                    f"({skipped.reason}, not run): ", (skipped.text, "italic")))
    ran = run.execution
    if ran is None:
        return
    lines = [
        Text.assemble(("ran: ", "bold"), f"{ran.backend} backend, {ran.wall_seconds:.1f} s, "
                      f"peak memory {ran.peak_memory_mb:,.0f} MB (limits {ran.limits['time_seconds']:g} s, "
                      f"{ran.limits['memory_mb']:,} MB)"),
        Text.assemble(("isolation: ", "bold"), ", ".join(ran.isolation)),
        Text.assemble(("keras: ", "bold"), f"{ran.keras.get('package', '?')} {ran.keras.get('version', '')} "
                      f"(Keras {ran.keras.get('requested', '?')} requested)",
                      ("   seeds: ", "bold"), ", ".join(f"{k} {v}" for k, v in ran.seeds.items()) or "–"),
    ]
    if ran.backend == "local":
        lines.append(Text(LOCAL_WARNING, style="dim"))
    console.print(Panel(Group(*lines), title="Run", title_align="left", box=box.ROUNDED))
    if ran.fits:
        console.print(_training_table(ran.fits))
    for advice in run.feedback or ():
        console.print(Text.assemble(("advice ", "bold magenta"), advice))
    stopped = verdict in (Verdict.CRASHED, Verdict.TIMED_OUT, Verdict.OUT_OF_MEMORY)
    crashed_after_saving = ran.exit_code not in (0, None)  # the model was still graded
    output = script_output(ran.stderr).rstrip()
    if (stopped or crashed_after_saving) and output.strip():
        tail = "\n".join(output.splitlines()[-20:])
        console.print(Panel(Text(tail), title="last lines the script printed (stderr)", title_align="left",
                            border_style="red"))


def _training_table(fits: tuple[FitSummary, ...]) -> Table:
    table = Table(title="Training", box=box.SIMPLE, title_justify="left")
    table.add_column("fit", justify="right")
    table.add_column("metric")
    table.add_column("curve")
    table.add_column("first", justify="right")
    table.add_column("best", justify="right")
    table.add_column("last", justify="right")
    for number, fit in enumerate(fits, 1):
        for name, values in fit.history.items():
            if not values:
                continue
            best = min(values) if lower_is_better(name) else max(values)
            table.add_row(str(number), name, sparkline(values), f"{values[0]:.4g}", f"{best:.4g}", f"{values[-1]:.4g}")
    return table


def _checks_table(grade: Grade) -> Table:
    table = Table(title="Checks", box=box.SIMPLE_HEAVY, title_justify="left", expand=True)
    table.add_column("", width=1)
    table.add_column("check", style="bold", no_wrap=True)
    table.add_column("found")
    table.add_column("expected")
    for check in grade.checks:
        mark = Text("✓", style="green") if check.passed else Text("✗", style="bold red")
        table.add_row(mark, check.title, check.found, check.expected)
    return table


def _score_panel(grade: Grade, task: TaskSpec) -> Panel:
    evaluation, score = grade.evaluation, grade.score
    metric = task.metric.label
    filled = "●" * score.points + "○" * (score.max_points - score.points)
    lines = [
        Text.assemble((f"{metric}: ", "bold"), format_metric(task, evaluation.value),
                      f"  on {evaluation.samples:,} hidden examples"),
        Text.assemble(("score: ", "bold"), (f"{score.points}/{score.max_points} ", "bold"),
                      (filled, "green" if score.passed else "red"), f"  band '{score.band}', pass mark {score.pass_points}"),
        Text(_bands_line(task), style="dim"),
        Text(f"data: {evaluation.dataset_source}" + (f" — {evaluation.dataset_note}" if evaluation.dataset_note else ""),
             style="dim"),
        Text(f"loaded by: {evaluation.backend}", style="dim"),
    ]
    if score.capped_by_contract:
        lines.insert(2, Text("held below the pass mark because a contract check failed", style="red"))
    return Panel(Group(*lines), title="Score", title_align="left", box=box.ROUNDED)


def _repeats_panel(grade: Grade, task: TaskSpec) -> Panel:
    """Every run of `--repeat`, and whether they agree: BORDERLINE when they fell in different bands."""
    repeats = grade.repeats
    table = Table(box=box.SIMPLE, show_edge=False)
    for column in ("run", "seed", task.metric.label, "score", "band"):
        table.add_column(column)
    for number, run in enumerate(repeats.runs, 1):
        scored = run.value is not None
        table.add_row(f"{number}{' (graded)' if number == 1 else ''}", str(run.seed),
                      format_metric(task, run.value) if scored else run.verdict.replace("_", " "),
                      f"{run.points}/5" if scored else "–", run.band or "–")
    figures = []
    if repeats.mean is not None:
        figures.append(f"mean {format_metric(task, repeats.mean)}, spread {format_metric(task, repeats.spread)}"
                       + (f", standard deviation {format_metric(task, repeats.stdev)}" if repeats.stdev is not None else ""))
    flag = Text("BORDERLINE", style="bold yellow") if repeats.borderline else Text("stable", style="bold green")
    return Panel(Group(Text.assemble(flag, "  ", repeats.explanation), table, *(Text(f, style="dim") for f in figures)),
                 title=f"Repeated {len(repeats.runs)} times", title_align="left",
                 border_style="yellow" if repeats.borderline else "green")


def _bands_line(task: TaskSpec) -> str:
    sign = "≥" if task.metric.higher_is_better else "≤"
    return "bands: " + "  ".join(f"{i + 1}: {sign}{format_metric(task, b)}" for i, b in enumerate(task.metric.bands))


def _per_class_table(grade: Grade) -> Table:
    evaluation = grade.evaluation
    table = Table(title="Per class", box=box.SIMPLE, title_justify="left")
    table.add_column("class")
    table.add_column("examples", justify="right")
    table.add_column("accuracy", justify="right")
    table.add_column("most confused with")
    worst = min(c.accuracy for c in evaluation.per_class)
    names = [c.name for c in evaluation.per_class]
    for row, cls in zip(evaluation.confusion_matrix, evaluation.per_class):
        confused = most_confused_with(list(row), cls.label, names)
        style = "red" if cls.accuracy == worst and worst < 1 else ""
        table.add_row(f"{cls.label} {cls.name}", str(cls.support), Text(f"{cls.accuracy:.1%}", style=style), confused)
    return table


def render_task_list(tasks: dict[str, TaskSpec], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="Tasks", box=box.SIMPLE_HEAVY, title_justify="left")
    table.add_column("id", no_wrap=True, style="bold")
    table.add_column("cat.", justify="right")
    table.add_column("title")
    table.add_column("metric", no_wrap=True)
    table.add_column("pass", no_wrap=True)
    for task in tasks.values():
        table.add_row(task.id, str(task.category), task.title, task.metric.name, f"{task.metric.pass_points}/5")
    console.print(table)


def render_task(task: TaskSpec, console: Console | None = None) -> None:
    console = console or Console()
    console.print(Panel(Markdown(task.statement), title=f"{task.title}  [{task.id}]", title_align="left"))
    console.print(Panel(Syntax(task.template.strip("\n"), "python"), title="starter template", title_align="left"))


def render_data_sources(sources, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="Datasets", box=box.SIMPLE_HEAVY, title_justify="left")
    for column in ("dataset", "available", "from", "verified", "note"):
        table.add_column(column)
    for source in sources:
        available = Text("yes", style="green") if source.available else Text("no", style="red")
        note = "; ".join(text for text in (source.note, source.problem) if text)
        table.add_row(source.dataset, available, source.origin, "sha-256 ✓" if source.verified else "–", note)
    console.print(table)


def render_image_status(engine, image, console: Console | None = None) -> None:
    console = console or Console()
    if not engine.reachable:
        console.print(f"[red]✗[/] {engine.error}", highlight=False)
        return
    console.print(f"Docker engine {engine.server_version} (API {engine.api_version}); {image.gpu_note}",
                  highlight=False)
    if image.exists:
        console.print(f"[green]✓[/] {image.tag} {image.id}: TensorFlow {image.tensorflow} on {image.base}, "
                      f"{image.size_bytes / 1e9:.2f} GB, built {image.created[:19]}", highlight=False)
    else:
        console.print(f"[red]✗[/] {image.error}", highlight=False)


class BatchProgress:
    """The live line of a batch: done / running / failed, elapsed and estimated time left."""

    def __init__(self, total: int, jobs: int, console: Console | None = None) -> None:
        self.total, self.jobs = total, jobs
        self.live = Live(Text(""), console=console or Console(), refresh_per_second=4, transient=False)
        self.started = None

    def __enter__(self) -> "BatchProgress":
        import time

        self.started = time.monotonic()
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.__exit__(*exc)

    def update(self, progress) -> None:
        import time

        elapsed = time.monotonic() - self.started
        finished = progress.done + progress.cached
        left = self.total - finished
        eta = f"{elapsed / progress.done * left:.0f} s" if progress.done else "–"
        self.live.update(Text.assemble(
            ("batch ", "bold"), f"{finished}/{self.total} done ",
            (f"({progress.cached} unchanged) " if progress.cached else ""),
            (f"{progress.running} running ", "cyan"), (f"{progress.failed} not passed ", "yellow"),
            f"elapsed {elapsed:.0f} s, left ~{eta}, ", self._where(progress)))

    def _where(self, progress) -> str:
        """Local: the jobs. On a cluster: the nodes alive and how many students each is grading."""
        if not progress.nodes_alive:
            return f"{self.jobs} job(s)"
        busy = ", ".join(f"{node} ×{count}" for node, count in sorted(progress.nodes.items()))
        return f"{progress.nodes_alive} node(s) alive" + (f", grading on {busy}" if busy else "")


def _class_means(summary: dict) -> str:
    """Each task's mean metric: "accuracy 0.8512", or per task in a class of several tasks."""
    means = summary.get("mean_metric_by_task") or {}
    parts = [f"{entry['metric']} {entry['mean']:.4f}" if len(means) == 1 else f"{task} {entry['metric']} {entry['mean']:.4f}"
             for task, entry in means.items()]
    return "; ".join(parts) or "–"


def render_batch_summary(summary: dict, written: dict, console: Console | None = None) -> None:
    console = console or Console()
    students = summary["students"]
    lines = [Text.assemble(("students: ", "bold"), str(students), ("   passed: ", "bold"),
                           f"{summary['passed']} ({summary['pass_rate']:.0%})",
                           ("   mean: ", "bold"), _class_means(summary))]
    distribution = summary["score_distribution"]
    widest = max(distribution.values(), default=0) or 1
    for points, count in distribution.items():
        lines.append(Text(f"  {points}/5 {'█' * round(20 * count / widest):<20} {count}"))
    lines.append(Text.assemble(("verdicts: ", "bold"), ", ".join(f"{v} {n}" for v, n in summary["verdicts"].items())))
    lines.append(Text.assemble(("slowest: ", "bold"), ", ".join(f"{s['student']} {s['seconds']:.0f} s" for s in summary["slowest"])))
    if summary.get("borderline"):
        lines.append(Text.assemble(("borderline: ", "bold yellow"), ", ".join(summary["borderline"]),
                                   " (their repeated runs fell in different bands)"))
    for pair in summary["copies"]:
        lines.append(Text.assemble(("copied? ", "bold red"), f"{' and '.join(pair['students'])}: {pair['kind']} weights "
                                   f"(similarity {pair['similarity']:.4f})"))
    lines.append(Text.assemble(("written: ", "bold"), ", ".join(str(path) for path in written.values()), style="dim"))
    console.print(Panel(Group(*lines), title="Class summary", title_align="left"))
