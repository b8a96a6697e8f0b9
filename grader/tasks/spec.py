"""Task specs: one TOML file per problem in tasks/, loaded and validated at the edge.

A spec that has an unknown key, a value of the wrong type or bands out of order is refused with
a `TaskSpecError` naming the file, the key and what was expected; everything downstream trusts
a `TaskSpec`.
"""
from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from pathlib import Path

from grader.datasets.preprocessing import PREPROCESSING
from grader.datasets.registry import DATASETS
from grader.judge.metrics import METRICS
from grader.model.keras_names import BUILTIN_LAYER_CLASSES, CODE_CARRYING_LAYERS
from grader.model.losses import KNOWN_LOSSES, canonical_loss

TASKS_DIR = Path(__file__).resolve().parents[2] / "tasks"

# Output activations a spec may allow; "logits" means a linear output used with from_logits=True.
OUTPUT_ACTIVATIONS = ("softmax", "sigmoid", "linear", "logits")
BANDS = 5  # scores run 0..5; bands[i] is the threshold for score i + 1


class TaskSpecError(ValueError):
    """A task spec is malformed; the message names the file, the key and what was expected."""


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    name: str
    evaluation_split: str = "test"
    preprocessing: str = "none"
    class_names: list[str] = dataclasses.field(default_factory=list)
    # Serve the official test split to students' load_data() (practice only, never for exams).
    serve_official_test_split: bool = False


@dataclasses.dataclass(frozen=True)
class ModelContract:
    input_shapes: list[list[int]]
    output_units: int
    losses: dict[str, list[str]]  # allowed output activation -> allowed losses
    file_name: str = "mymodel.h5"
    max_file_mb: float = 200.0
    # Layer classes the model must contain, e.g. ["Conv2D"] for a task that asks for a CNN.
    required_layers: list[str] = dataclasses.field(default_factory=list)
    # The fix for a wrong input shape in this task's words; empty: the dataset's advice.
    input_shape_advice: str = ""
    # Lambda layers (the course's `Lambda(lambda x: x * 400)`): such a model is loaded and run
    # only inside the sandbox, never in the grader's process. Refused when false.
    allow_lambda: bool = False

    @property
    def activations(self) -> list[str]:
        return list(self.losses)


@dataclasses.dataclass(frozen=True)
class MetricSpec:
    name: str
    bands: list[float]
    pass_points: int
    band_names: list[str] = dataclasses.field(
        default_factory=lambda: ["fail", "poor", "fair", "good", "very good", "excellent"]
    )

    @property
    def higher_is_better(self) -> bool:
        return METRICS[self.name].higher_is_better

    @property
    def label(self) -> str:
        """How a report names it: "accuracy", "mean absolute error"."""
        return METRICS[self.name].label

    def format(self, value: float) -> str:
        return METRICS[self.name].format(value)


@dataclasses.dataclass(frozen=True)
class Limits:
    time_seconds: int = 900
    memory_mb: int = 4096
    # The space a run writes (workspace, /tmp, /dev/shm together) and its files and folders.
    # It lives in memory: the kernel lets a run have memory_mb + disk_mb.
    disk_mb: int = 2048
    files: int = 20_000
    # What a run reserves on a cluster node (`grade batch --cluster`): Ray schedules it by these.
    cpus: float = 1.0
    gpus: int = 0


@dataclasses.dataclass(frozen=True)
class RunSettings:
    keras: int = 2  # what `tf.keras` and `keras` are in student code: 2 (tf-keras) or 3
    seed: int = 42  # Python, NumPy and TensorFlow are seeded with it before student code runs


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    id: str
    title: str
    category: int
    statement: str
    template: str
    dataset: DatasetSpec
    model: ModelContract
    metric: MetricSpec
    limits: Limits = dataclasses.field(default_factory=Limits)
    run: RunSettings = dataclasses.field(default_factory=RunSettings)
    # Chosen for a hand-in that names no task when its code loads this task's dataset (or a
    # model file fits it). False for a second task on a dataset: only --task or `# task:` pick it.
    guessed: bool = True
    path: str = ""

    @property
    def is_classification(self) -> bool:
        return METRICS[self.metric.name].classification


def load_task(path: Path) -> TaskSpec:
    """Read and validate one spec file."""
    path = Path(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise TaskSpecError(f"{path}: cannot read the task spec: {error}") from None
    spec = _build(TaskSpec, table, path, prefix="", skip={"path"})
    spec = dataclasses.replace(spec, path=str(path))
    _check_semantics(spec, path)
    return spec


def load_tasks(directory: Path = TASKS_DIR) -> dict[str, TaskSpec]:
    """Every spec in a directory, keyed by id; two specs with one id are an error."""
    tasks: dict[str, TaskSpec] = {}
    for path in sorted(Path(directory).glob("*.toml")):
        spec = load_task(path)
        if spec.id in tasks:
            raise TaskSpecError(f"{path}: id {spec.id!r} is already used by {tasks[spec.id].path}")
        tasks[spec.id] = spec
    return tasks


def get_task(task_id: str, directory: Path = TASKS_DIR) -> TaskSpec:
    tasks = load_tasks(directory)
    if task_id not in tasks:
        raise TaskSpecError(f"unknown task {task_id!r}; known tasks: {', '.join(sorted(tasks))}")
    return tasks[task_id]


# --- structural validation, driven by the dataclasses' type hints -----------------------------

def _build(cls: type, table: object, path: Path, prefix: str, skip: set[str] = frozenset()):
    if not isinstance(table, dict):
        _fail(path, prefix.rstrip(".") or "(top level)", "a table", table)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}
    hints = typing.get_type_hints(cls)
    for key in table:
        if key not in fields:
            raise TaskSpecError(
                f"{path}: unknown key '{prefix}{key}'; expected one of: {', '.join(fields)}"
            )
    values = {}
    for name, field in fields.items():
        key = f"{prefix}{name}"
        if name not in table:
            required = (field.default is dataclasses.MISSING
                        and field.default_factory is dataclasses.MISSING)
            if required:
                raise TaskSpecError(f"{path}: missing key '{key}' ({_describe(hints[name])})")
            continue
        values[name] = _convert(hints[name], table[name], path, key)
    return cls(**values)


def _convert(hint, value, path: Path, key: str):
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, path, prefix=f"{key}.")
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            _fail(path, key, _describe(hint), value)
        return [_convert(item, v, path, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        _, item = typing.get_args(hint)
        if not isinstance(value, dict):
            _fail(path, key, _describe(hint), value)
        return {k: _convert(item, v, path, f"{key}.{k}") for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        _fail(path, key, _describe(hint), value)
    return value


def _describe(hint) -> str:
    if dataclasses.is_dataclass(hint):
        return "a table"
    origin = typing.get_origin(hint)
    if origin is list:
        return f"a list of {_describe(typing.get_args(hint)[0]).removeprefix('a ').removeprefix('an ')}s"
    if origin is dict:
        return f"a table whose values are {_describe(typing.get_args(hint)[1])}"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}[hint]


def _fail(path: Path, key: str, expected: str, value: object) -> typing.NoReturn:
    raise TaskSpecError(f"{path}: '{key}' must be {expected}, got {value!r}")


# --- meaning: values that are well-typed but make no sense -----------------------------------

def _check_semantics(spec: TaskSpec, path: Path) -> None:
    def need(ok: bool, key: str, expected: str, value: object) -> None:
        if not ok:
            _fail(path, key, expected, value)

    need(spec.id.isidentifier(), "id", "a lower-case identifier such as 'fashion_mnist'", spec.id)
    need(spec.category >= 1, "category", "a positive integer", spec.category)
    need(spec.dataset.name in DATASETS, "dataset.name", f"one of {', '.join(DATASETS)}",
         spec.dataset.name)
    need(spec.dataset.preprocessing in PREPROCESSING, "dataset.preprocessing",
         f"one of {', '.join(PREPROCESSING)}", spec.dataset.preprocessing)
    need(spec.dataset.evaluation_split == "test", "dataset.evaluation_split", "'test'",
         spec.dataset.evaluation_split)
    model = spec.model
    need(model.file_name.endswith((".h5", ".keras")), "model.file_name",
         "a file name ending in .h5 or .keras", model.file_name)
    need(bool(model.input_shapes) and all(model.input_shapes), "model.input_shapes",
         "a non-empty list of non-empty shapes such as [[28, 28]]", model.input_shapes)
    for i, shape in enumerate(model.input_shapes):
        need(all(d > 0 for d in shape), f"model.input_shapes[{i}]", "positive dimensions", shape)
    need(model.output_units >= 1, "model.output_units", "a positive integer", model.output_units)
    need(model.max_file_mb > 0, "model.max_file_mb", "a positive number", model.max_file_mb)
    need(bool(model.losses), "model.losses", "at least one output activation", model.losses)
    for activation, losses in model.losses.items():
        need(activation in OUTPUT_ACTIVATIONS, f"model.losses.{activation}",
             f"an output activation among {', '.join(OUTPUT_ACTIVATIONS)}", activation)
        for i, loss in enumerate(losses):
            need(canonical_loss(loss) in KNOWN_LOSSES, f"model.losses.{activation}[{i}]",
                 f"a Keras loss among {', '.join(sorted(KNOWN_LOSSES))}", loss)
    for i, layer in enumerate(model.required_layers):
        need(layer in BUILTIN_LAYER_CLASSES and layer not in CODE_CARRYING_LAYERS,
             f"model.required_layers[{i}]", "a built-in Keras layer class such as 'Conv2D'", layer)
    if spec.dataset.class_names:
        need(len(spec.dataset.class_names) == model.output_units, "dataset.class_names",
             f"{model.output_units} names (one per output unit)", spec.dataset.class_names)

    metric = spec.metric
    need(metric.name in METRICS, "metric.name", f"one of {', '.join(METRICS)}", metric.name)
    bands = metric.bands
    need(len(bands) == BANDS, "metric.bands", f"{BANDS} thresholds (for scores 1 to {BANDS})", bands)
    if metric.higher_is_better:
        need(all(a < b for a, b in zip(bands, bands[1:])), "metric.bands",
             f"strictly increasing thresholds (higher {metric.label} earns more points)", bands)
    else:
        need(all(a > b for a, b in zip(bands, bands[1:])), "metric.bands",
             f"strictly decreasing thresholds (lower {metric.label} earns more points)", bands)
    low, high = METRICS[metric.name].band_range
    need(all(low <= b <= high for b in bands), "metric.bands",
         f"values of {metric.label} from {low:g} to {high:g}", bands)
    need(1 <= metric.pass_points <= BANDS, "metric.pass_points", f"an integer from 1 to {BANDS}",
         metric.pass_points)
    need(len(metric.band_names) == BANDS + 1, "metric.band_names",
         f"{BANDS + 1} names (for scores 0 to {BANDS})", metric.band_names)
    need(spec.limits.time_seconds > 0, "limits.time_seconds", "a positive integer",
         spec.limits.time_seconds)
    need(spec.limits.memory_mb >= 256, "limits.memory_mb", "at least 256", spec.limits.memory_mb)
    need(spec.limits.disk_mb >= 64, "limits.disk_mb", "at least 64", spec.limits.disk_mb)
    need(spec.limits.files >= 100, "limits.files", "at least 100", spec.limits.files)
    need(spec.limits.cpus > 0, "limits.cpus", "a positive number of CPUs", spec.limits.cpus)
    need(spec.limits.gpus >= 0, "limits.gpus", "0 or more GPUs", spec.limits.gpus)
    need(spec.run.keras in (2, 3), "run.keras", "2 (tf-keras, the course's Keras) or 3",
         spec.run.keras)
