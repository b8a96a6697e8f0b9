"""Monthly sunspot numbers, January 1749 to June 2009: 3,126 months (the exam's category 5).

Source: the monthly table statsmodels ships (`statsmodels/datasets/sunspots/src/
sunspots_monthly.dat`, NGDC's monthly means, version 1 of the sunspot number), pinned by its
SHA-256. No registry package ships the exam's own Sunspots.csv (SILSO version 2, about 3,235
months); this is the same kind of series on a slightly different scale (version 2 ≈ version 1
/ 0.6).

Split by time: the last 90 months (January 2002 to June 2009) grade and are never served. The
exam's template downloads the CSV (`urllib.request.urlretrieve(URL, 'sunspots.csv')` or
`tf.keras.utils.get_file`); in a run those URLs are answered with the first 3,036 months,
written in the exam's format (`,Date,Monthly Mean Total Sunspot Number`), so the template's
`split_time = 3000` still leaves 36 months to validate on. Every other URL goes to the real
call, which fails with no network.

A model is graded as the exam's tester grades it: on the template's normalised series
((x - min) / max of the downloaded series), one window of the preceding months in, the next
month out, for each hidden month.
"""
from __future__ import annotations

import calendar
import os
import tempfile
from pathlib import Path

import numpy as np

from grader.datasets import parts, sources
from grader.datasets.dataset import Dataset, ServedCall, StudentSplit, pattern

MONTHLY_SHA256 = "cc303d26340b6d599bc2878899f8c50c12323dc04b52a26ad047965ea2b9d2a3"
FIRST_YEAR = 1749
MONTHS = 3126
HIDDEN_MONTHS = 90  # the series' last stretch: 2002-01 to 2009-06
MAX_WINDOW = 120  # the longest window a task may ask for: each hidden month's 120 predecessors
# Where the exam's template and the course download the CSV (seen in public exam answers, e.g.
# the "Category 5 - sunspots" templates that call urllib.request.urlretrieve(url, 'sunspots.csv')).
URLS = ("https://storage.googleapis.com/download.tensorflow.org/data/Sunspots.csv",
        "https://storage.googleapis.com/laurencemoroney-blog.appspot.com/Sunspots.csv")
CSV_HEADER = ",Date,Monthly Mean Total Sunspot Number"
_REINSTALL = "reinstall it: pip install --force-reinstall statsmodels"
_NOTE = (f"the monthly sunspot numbers statsmodels ships (version 1, 1749-2009); the "
         f"download URL serves the first {MONTHS - HIDDEN_MONTHS:,} months, the last "
         f"{HIDDEN_MONTHS} grade")


def _monthly_file() -> Path | None:
    return sources.package_file("statsmodels", "datasets", "sunspots", "src", "sunspots_monthly.dat")


def _sources() -> list[sources.Source]:
    return [sources.Source("statsmodels' monthly sunspot numbers", _load, MONTHLY_SHA256, note=_NOTE)]


def _load() -> parts.Parts:
    path = _monthly_file()
    if path is None:
        raise sources.Missing("statsmodels is not installed (pip install statsmodels)")
    return sources.cached(_parts, sources.file_version(path))


def read_monthly(file: sources.FileVersion) -> np.ndarray:
    """The table's values in time order: rows "YEAR v1 ... v12" (the last year partial)."""
    text = sources.verified_bytes(file, MONTHLY_SHA256, _REINSTALL).decode("ascii")
    values = []
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0].isdigit() and len(fields[0]) == 4:
            values.extend(float(v) for v in fields[1:])
    if len(values) != MONTHS:
        raise sources.Corrupt(f"{Path(file.path).name} holds {len(values)} months, expected {MONTHS}")
    return np.array(values, dtype=np.float32)


def _parts(file: sources.FileVersion) -> parts.Parts:
    series = read_monthly(file)
    served = MONTHS - HIDDEN_MONTHS
    # Served rows: x the month's index (the CSV's first column), y its sunspot number.
    train = parts.split(np.arange(served, dtype=np.int64), series[:served])
    no_test = parts.take(train, np.zeros(served, dtype=bool))  # the CSV is one table
    # Hidden rows: x the MAX_WINDOW months before each hidden month (served and hidden ones), y it.
    # Both normalised as the exam's template normalises what it downloads: (x - min) / max of
    # the served months (the hidden ones change neither: 0.0 and 253.8).
    minimum, maximum = series[:served].min(), series[:served].max()
    normalised = (series - minimum) / maximum
    hidden = np.arange(served, MONTHS)
    windows = normalised[hidden[:, None] - np.arange(MAX_WINDOW, 0, -1)]
    return parts.Parts(train=train, test=no_test, full_train=train,
                       evaluation=parts.split(windows, normalised[hidden]))


def graded_examples(evaluation: parts.Split, input_shape: tuple[int, ...]) -> parts.Split:
    """What the model is fed and scored against: the last `input_shape[0]` months before each
    hidden month, and that month."""
    return parts.split(np.ascontiguousarray(evaluation.x[:, -input_shape[0]:]), evaluation.y)


def last_step(outputs: np.ndarray) -> np.ndarray:
    """A sequence-to-sequence model (the template's `w[1:]` targets) forecasts every step of the
    window; the next month is its last step, as the exam's tester reads it (`[:, -1, 0]`)."""
    return outputs[:, -1] if outputs.ndim == 3 else outputs


def naive_forecast(examples: parts.Split) -> np.ndarray:
    """Each month forecast as the month before it: what a model must beat."""
    return examples.x[:, -1:]


# --- the download calls -----------------------------------------------------------------------

def csv_text(student_split: StudentSplit) -> str:
    """The student's months as the exam's Sunspots.csv: index, last day of the month, value."""
    train, _ = student_split()
    lines = [CSV_HEADER]
    for index, value in zip(train.x.tolist(), train.y.tolist()):
        year, month = FIRST_YEAR + index // 12, index % 12 + 1
        day = calendar.monthrange(year, month)[1]
        lines.append(f"{index},{year:04d}-{month:02d}-{day:02d},{value:.1f}")
    return "\n".join(lines) + "\n"


def _known(url: object) -> bool:
    return isinstance(url, str) and url.split("?")[0] in URLS


def _urlretrieve(student_split: StudentSplit):
    def urlretrieve(url, filename=None, reporthook=None, data=None):
        if filename is None:
            descriptor, filename = tempfile.mkstemp(suffix=".csv")
            os.close(descriptor)
        Path(filename).write_text(csv_text(student_split), encoding="utf-8")
        return str(filename), _Headers()

    # Only the dataset's URLs are answered here; any other goes to the real call (no network).
    urlretrieve.answers = lambda url, *args, **kwargs: _known(url)
    return urlretrieve


class _Headers(dict):
    """What urlretrieve returns beside the file name; scripts ignore it."""

    def get_content_type(self) -> str:
        return "text/csv"


def _get_file(student_split: StudentSplit):
    def get_file(fname=None, origin=None, *args, cache_subdir="datasets", cache_dir=None, **kwargs):
        name = fname or origin.rsplit("/", 1)[-1]
        base = Path(cache_dir) if cache_dir else sources.keras_home()
        folder = Path(cache_subdir) if os.path.isabs(cache_subdir) else base / cache_subdir
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(csv_text(student_split), encoding="utf-8")
        return str(path)

    get_file.answers = lambda fname=None, origin=None, *args, **kwargs: _known(origin)
    return get_file


def _hidden_copies() -> list[Path]:
    folder = ("statsmodels", "datasets", "sunspots")
    copies = [_monthly_file(),
              # Yearly means of the same numbers, hidden years included.
              sources.package_file(*folder, "sunspots.csv"),
              sources.package_file(*folder, "src", "sunspots_yearly.dat"),
              # Debian's python3-statsmodels and R's datasets (sunspot.month runs to 2013).
              Path("/usr/lib/python3/dist-packages/statsmodels/datasets/sunspots"),
              Path("/usr/lib/R/library/datasets/data")]
    return [path for path in copies if path is not None and path.exists()]


DATASET = Dataset(
    name="sunspots",
    title="Monthly sunspot numbers",
    how_to_get="pip install statsmodels",
    sources=_sources,
    hidden_copies=_hidden_copies,
    served_calls=(ServedCall("urllib.request", "urlretrieve", _urlretrieve),
                  ServedCall("tf_keras.src.utils.data_utils", "get_file", _get_file),
                  ServedCall("keras.src.utils.file_utils", "get_file", _get_file)),
    used_in=pattern(r"sunspot"),
    found_because="it loads the sunspot numbers",
    input_shape_advice=("Take a window of months as the template makes it: "
                        "Conv1D(..., input_shape=[window_size, 1]) or an LSTM on [window_size, 1], "
                        "or Dense(..., input_shape=[window_size])."),
    graded_examples=graded_examples,
    scored_outputs=last_step,
    baseline=("a naive forecast (each month's value carried forward)", naive_forecast),
)
