"""Figures for the HTML reports, drawn by matplotlib and returned as inline SVG text.

Each function takes plain numbers and returns a `Plot`: the SVG and its alt text. What the
numbers mean and which ones to show is decided before (grader.output.html_report,
grader.output.class_pages); the tables beside each figure are built there from the same numbers.
"""
from __future__ import annotations

import dataclasses
import io
import itertools
import math
import re
import threading

import functools

# Text stays text (small, searchable, printed sharply); colours tell apart curves and bands.
STYLE = {"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
         "figure.dpi": 100}
TRAIN, VALID, BEST, KEPT = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"
BAND_COLOURS = ("#f4cccc", "#fce5cd", "#fff2cc", "#d9ead3", "#b6d7a8", "#93c47d")
_ids = itertools.count(1)
_lock = threading.Lock()  # pyplot keeps global state; batch pages may be drawn from threads


@functools.cache
def _pyplot():
    """pyplot on the Agg backend, imported on first use: `grade batch` re-runs whose pages are
    all up to date never pay for matplotlib."""
    import matplotlib

    matplotlib.use("Agg")  # before pyplot: no display, and no GUI toolkit is imported
    import matplotlib.pyplot

    return matplotlib.pyplot


@dataclasses.dataclass(frozen=True)
class Plot:
    svg: str
    alt: str


def curves(series: dict[str, list[float]], ylabel: str, best: int | None = None, best_label: str = "",
           kept: int | None = None, kept_label: str = "") -> Plot:
    """One line per named series by epoch (from 1); optional vertical marks at two epochs."""
    with _figure(5.2, 2.8) as (fig, ax):
        for name, values in series.items():
            epochs = range(1, len(values) + 1)
            ax.plot(epochs, values, label=name, color=VALID if name.startswith("val_") else TRAIN,
                    marker="o" if len(values) <= 30 else None, markersize=3)
        if best is not None:
            ax.axvline(best, color=BEST, linestyle="--", linewidth=1.2, label=best_label)
        if kept is not None:
            ax.axvline(kept, color=KEPT, linestyle=":", linewidth=1.6, label=kept_label)
        longest = max((len(v) for v in series.values()), default=1)
        ax.set_xlim(0.5, longest + 0.5)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8, frameon=False)
        svg = _svg(fig)
    alt = (f"{ylabel} by epoch for {', '.join(series)} over {longest} epoch(s)"
           + (f"; {best_label} at epoch {best}" if best is not None else "")
           + (f"; {kept_label} at epoch {kept}" if kept is not None else "") + ".")
    return Plot(svg, alt)


def confusion(matrix: list[list[int]], names: list[str]) -> Plot:
    """Rows are true classes, columns predicted; each cell shows its count."""
    size = len(names)
    with _figure(5.6, 4.8) as (fig, ax):
        image = ax.imshow(matrix, cmap="Blues")
        peak = max((max(row) for row in matrix), default=0) or 1
        for i, j in itertools.product(range(size), range(size)):
            ax.text(j, i, str(matrix[i][j]), ha="center", va="center", fontsize=7,
                    color="white" if matrix[i][j] > peak / 2 else "black")
        ax.set_xticks(range(size), names, rotation=45, ha="right")
        ax.set_yticks(range(size), names)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        fig.colorbar(image, ax=ax, shrink=0.8)
        svg = _svg(fig)
    correct = sum(matrix[i][i] for i in range(size))
    total = sum(map(sum, matrix))
    return Plot(svg, f"Confusion matrix of {size} classes: {correct:,} of {total:,} hidden examples on the "
                     "diagonal (predicted as their true class); the table beside it has every count.")


def bars(labels: list[str], values: list[float], xlabel: str, percent: bool = False,
         highlight: int | None = None) -> Plot:
    """Horizontal bars, one per label; `highlight` colours one bar (the worst class)."""
    with _figure(5.2, 0.35 * len(labels) + 0.9) as (fig, ax):
        colours = [KEPT if i == highlight else TRAIN for i in range(len(labels))]
        ax.barh(range(len(labels)), values, color=colours)
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        if percent:
            ax.set_xlim(0, 1)
            from matplotlib.ticker import PercentFormatter

            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        svg = _svg(fig)
    shown = [f"{l} {v:.1%}" if percent else f"{l} {v:g}" for l, v in zip(labels, values)]
    return Plot(svg, f"Bar chart of {xlabel}: " + ", ".join(shown) + ".")


def regression(xs: list[float | None], targets: list[float], predicted: list[float], band: float) -> Plot:
    """The model's answers against the true values; shaded: within `band` of the truth."""
    with _figure(5.2, 3.2) as (fig, ax):
        if all(x is not None for x in xs):
            order = sorted(range(len(xs)), key=lambda i: xs[i])
            x = [xs[i] for i in order]
            truth = [targets[i] for i in order]
            ax.fill_between(x, [t - band for t in truth], [t + band for t in truth], color=BAND_COLOURS[4],
                            alpha=0.6, label=f"true value ± {band:g}")
            ax.plot(x, truth, color=VALID, label="true value")
            ax.scatter(x, [predicted[i] for i in order], color=TRAIN, s=14, zorder=3, label="model's answer")
            ax.set_xlabel("input x (hidden)")
            ax.set_ylabel("y")
            what = "the model's answers and the true values by hidden input x"
        else:
            finite = [v for v in (*targets, *predicted) if math.isfinite(v)] or [0.0]
            low, high = min(finite), max(finite)
            ax.fill_between([low, high], [low - band, high - band], [low + band, high + band],
                            color=BAND_COLOURS[4], alpha=0.6, label=f"within ± {band:g}")
            ax.plot([low, high], [low, high], color=VALID, label="answer = true value")
            ax.scatter(targets, predicted, color=TRAIN, s=14, zorder=3, label="model's answer")
            ax.set_xlabel("true value")
            ax.set_ylabel("model's answer")
            what = "the model's answers against the true values"
        ax.legend(fontsize=8, frameon=False)
        svg = _svg(fig)
    inside = sum(abs(p - t) <= band for p, t in zip(predicted, targets))
    return Plot(svg, f"Scatter plot of {what} for {len(targets)} hidden examples; {inside} answer(s) "
                     f"lie within ± {band:g} of the true value (the shaded band).")


def score_bands(thresholds: list[float], value: float | None, pass_points: int, higher_is_better: bool,
                labels: list[str], metric_label: str) -> Plot:
    """The metric's axis cut into the six point ranges (0–5), the pass mark and where the value fell.

    `labels` are the five thresholds as printed; values are drawn in band order, 0 points left."""
    edges = list(range(len(thresholds) + 2))  # equal-width ranges: thresholds can be far apart
    with _figure(6.4, 1.5) as (fig, ax):
        for points in range(len(thresholds) + 1):
            ax.axvspan(edges[points], edges[points + 1], color=BAND_COLOURS[points])
            ax.text(points + 0.5, 0.72, f"{points} pt", ha="center", fontsize=8)
        ax.axvline(pass_points, color="black", linewidth=2)
        ax.text(pass_points, 1.02, " pass mark", fontsize=8, va="bottom")
        if value is not None:
            position = _band_position(thresholds, value, higher_is_better)
            ax.plot([position], [0.35], marker="v", markersize=11, color=KEPT)
        ax.set_xticks(range(1, len(thresholds) + 1), labels)
        ax.set_xlim(0, len(thresholds) + 1)
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.set_xlabel(f"{metric_label} (band thresholds)")
        svg = _svg(fig)
    return Plot(svg, f"The {metric_label} scale cut into bands 0 to {len(thresholds)} points at thresholds "
                     f"{', '.join(labels)}; pass mark at {pass_points} points"
                     + ("." if value is None else "; a marker shows where this model fell."))


def histogram(counts: dict[str, int], xlabel: str) -> Plot:
    """Vertical bars of counts by category (score points, verdicts)."""
    with _figure(5.2, 2.6) as (fig, ax):
        names = list(counts)
        ax.bar(range(len(names)), [counts[n] for n in names], color=TRAIN)
        ax.set_xticks(range(len(names)), names, rotation=30 if max(map(len, names), default=0) > 4 else 0,
                      ha="right" if max(map(len, names), default=0) > 4 else "center")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("students")
        svg = _svg(fig)
    return Plot(svg, f"Bar chart of students by {xlabel}: "
                     + ", ".join(f"{n}: {c}" for n, c in counts.items()) + ".")


def distribution(edges: list[float], counts: list[int], xlabel: str, pass_line: float | None = None) -> Plot:
    """A histogram of one metric over the class, binned by the caller (who tabulates the bins)."""
    with _figure(5.2, 2.6) as (fig, ax):
        if counts:
            ax.stairs(counts, edges, fill=True, color=TRAIN)
        if pass_line is not None:
            ax.axvline(pass_line, color="black", linewidth=1.5, label="pass mark")
            ax.legend(fontsize=8, frameon=False)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("students")
        svg = _svg(fig)
    span = f" between {edges[0]:.4g} and {edges[-1]:.4g}" if counts else ""
    return Plot(svg, f"Histogram of {xlabel} over {sum(counts)} evaluated model(s){span}"
                     + (f"; the pass mark at {pass_line:.4g} is a vertical line." if pass_line is not None else "."))


def _band_position(thresholds: list[float], value: float, higher_is_better: bool) -> float:
    """Where a value sits on the equal-width band axis: inside its band, by linear interpolation
    between the thresholds around it (the open ends are drawn at their band's middle)."""
    if value != value:
        return 0.5
    def better(a: float, b: float) -> bool:
        return a >= b if higher_is_better else a <= b
    points = sum(better(value, t) for t in thresholds)
    if points == 0 or points == len(thresholds):
        return points + 0.5
    low, high = thresholds[points - 1], thresholds[points]
    share = (value - low) / (high - low) if high != low else 0.0
    return points + min(max(share, 0.0), 1.0)


class _figure:
    """A fresh figure under the shared style and the lock, closed afterwards."""

    def __init__(self, width: float, height: float) -> None:
        self.size = (width, height)

    def __enter__(self):
        _lock.acquire()
        plt = _pyplot()
        self.context = plt.rc_context(STYLE)
        self.context.__enter__()
        self.fig, ax = plt.subplots(figsize=self.size, layout="constrained")
        return self.fig, ax

    def __exit__(self, *exc) -> None:
        _pyplot().close(self.fig)
        self.context.__exit__(*exc)
        _lock.release()


_ID = re.compile(r'\bid="([^"]+)"')


def _svg(fig) -> str:
    """The figure as an <svg> element for inline use: no XML prolog, no fixed size (it scales
    with the page), and ids made unique so several plots on one page never share a clip path."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)  # RDF with URLs nobody needs
    prefix = f"p{next(_ids)}-"
    text = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    text = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}{m.group(1)}"', text)
    return re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1', text, count=1)
