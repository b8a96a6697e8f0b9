"""The model contract checks: each a small function returning a `CheckResult`.

Static checks read only what the inspector found in the file; the last two judge evidence from
evaluation. Messages use the course's words: what was found, what was expected, and the fix.
"""
from __future__ import annotations

from grader.datasets.registry import DATASETS
from grader.model.inspector import ModelInfo
from grader.model.losses import canonical_loss
from grader.results import CheckResult, Evaluation
from grader.tasks.spec import TaskSpec

SPARSE_CCE = "sparse_categorical_crossentropy"
CCE = "categorical_crossentropy"
BCE = "binary_crossentropy"
REGRESSION_LOSSES = frozenset({"mean_squared_error", "mean_absolute_error", "huber", "log_cosh",
                               "mean_squared_logarithmic_error", "mean_absolute_percentage_error"})
# The seed's pairing table: which losses belong with which output activation.
SEED_PAIRS = {
    "softmax": frozenset({SPARSE_CCE, CCE}),
    "sigmoid": frozenset({BCE}),
    "logits": frozenset({SPARSE_CCE, CCE, BCE}),
    "linear": REGRESSION_LOSSES,
}


def _shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def _head(task: TaskSpec) -> str:
    """The seed's recipe for the last layer and loss of this task."""
    units = task.model.output_units
    if not task.is_classification:
        return f"Dense({units}) with no activation (linear), compiled with loss='mse'"
    return f"Dense({units}, activation='softmax'), compiled with loss='{SPARSE_CCE}' (integer labels) or '{CCE}' (one-hot labels)"


def _role(info: ModelInfo, task: TaskSpec) -> str:
    """The output activation as the spec names it: a linear classifier head counts as 'logits'."""
    activation = info.output_activation or "linear"
    if activation == "linear" and task.is_classification:
        return "logits"
    return activation


def check_file_size(info: ModelInfo, task: TaskSpec) -> CheckResult:
    size_mb = info.file_size / 2**20
    limit = task.model.max_file_mb
    return CheckResult(
        name="file_size", title="Model file size",
        passed=size_mb <= limit,
        found=f"{size_mb:.1f} MB", expected=f"at most {limit:g} MB",
        fix="" if size_mb <= limit else
        "Use fewer or smaller layers (fewer Dense units, a Conv2D/MaxPooling2D before Flatten), "
        f"and save only the final model with model.save('{task.model.file_name}').",
    )


def runs_code_in_sandbox(info: ModelInfo, task: TaskSpec) -> bool:
    """The model's only code is Lambda layers and the task allows them: it is loaded and run
    inside the sandbox only (`grader.judge.predictors`)."""
    lambdas = sum(layer.class_name == "Lambda" for layer in info.layers)
    return task.model.allow_lambda and lambdas > 0 and len(info.unsafe_objects) == lambdas


def check_safe_to_load(info: ModelInfo, task: TaskSpec) -> CheckResult:
    unsafe = list(info.unsafe_objects)
    if runs_code_in_sandbox(info, task):
        return CheckResult(
            name="safe_to_load", title="No code inside the model", passed=True,
            found=", ".join(unsafe) + " (this task allows Lambda layers)",
            expected="only built-in Keras layers, or Lambda layers where the task allows them",
        )
    if task.model.allow_lambda:
        fix = ("This task runs Lambda layers (inside the sandbox), but no other code stored in a "
               "model file: replace custom classes, activations and losses with Keras's own.")
    else:
        fix = ("The grader never runs code stored in a model file. Replace Lambda layers with built-in "
               "layers (Rescaling, Reshape, Flatten, Activation) and custom classes with Keras's own, "
               "or normalise inputs (x / 255) before fit instead of inside the model.")
    return CheckResult(
        name="safe_to_load", title="No code inside the model",
        passed=not unsafe,
        found=", ".join(unsafe) if unsafe else "only built-in Keras layers",
        expected="only built-in Keras layers, activations and losses",
        fix=fix if unsafe else "",
    )


def check_input_shape(info: ModelInfo, task: TaskSpec) -> CheckResult:
    accepted = [tuple(s) for s in task.model.input_shapes]
    shape = info.input_shape
    passed = shape is not None and any(_matches(shape, a) for a in accepted)
    expected = " or ".join(_shape(a) for a in accepted)
    if passed:
        fix = ""
    elif task.model.input_shape_advice:
        fix = task.model.input_shape_advice
    elif DATASETS[task.dataset.name].input_shape_advice:
        fix = DATASETS[task.dataset.name].input_shape_advice
    else:
        fix = f"Give the first layer input_shape={_shape(accepted[0])}: the shape of one example, without the batch."
    return CheckResult(
        name="input_shape", title="Input shape",
        passed=passed,
        found="not recorded in the file" if shape is None else _shape(shape),
        expected=expected, fix=fix,
    )


def _matches(shape: tuple, accepted: tuple) -> bool:
    return len(shape) == len(accepted) and all(d is None or d == a for d, a in zip(shape, accepted))


def check_output_units(info: ModelInfo, task: TaskSpec) -> CheckResult:
    units = task.model.output_units
    found = info.output_units
    what = f"{units} (one per class)" if task.is_classification else f"{units} (one number per input)"
    return CheckResult(
        name="output_units", title="Output units",
        passed=found == units,
        found="unknown" if found is None else str(found), expected=what,
        fix="" if found == units else
        f"The last Dense layer must have as many units as there are classes: use {_head(task)}."
        if task.is_classification else f"End the model with {_head(task)}.",
    )


def check_output_activation(info: ModelInfo, task: TaskSpec) -> CheckResult:
    allowed = task.model.activations
    role = _role(info, task)
    activation = info.output_activation or "linear"
    passed = role in allowed and (role != "logits" or info.loss_from_logits)
    readable = [("linear with from_logits=True" if a == "logits" else a) for a in allowed]
    if passed:
        fix = ""
    elif role == "sigmoid" and task.is_classification:
        fix = (f"sigmoid is for two classes (Dense(1, activation='sigmoid') with '{BCE}'); "
               f"for {task.model.output_units} classes use {_head(task)}.")
    elif role == "logits":
        fix = (f"The last Dense layer has no activation, so it outputs raw scores (logits). "
               f"Use {_head(task)}, or keep it linear and compile with "
               f"tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True).")
    else:
        fix = f"Use {_head(task)}."
    return CheckResult(
        name="output_activation", title="Output activation",
        passed=passed,
        found=f"'{activation}'" + (" (from_logits=True)" if role == "logits" and info.loss_from_logits else ""),
        expected=" or ".join(readable), fix=fix,
    )


def check_loss_pairing(info: ModelInfo, task: TaskSpec) -> CheckResult:
    role = _role(info, task)
    activation = info.output_activation or "linear"
    loss = canonical_loss(info.loss) if info.loss else None
    name, title = "loss_pairing", "Activation ↔ loss pairing"
    if loss is None:
        return CheckResult(
            name=name, title=title, passed=False,
            found="no loss recorded (the model was saved without compile)",
            expected=f"a loss that pairs with '{activation}'",
            fix=f"Compile before training and saving: {_head(task)}.",
        )
    seed_ok = loss in SEED_PAIRS.get(role, frozenset()) and (role != "logits" or info.loss_from_logits)
    task_losses = {canonical_loss(l) for l in task.model.losses.get(role, [])}
    task_ok = role not in task.model.losses or loss in task_losses
    passed = seed_ok and task_ok
    found = f"'{activation}' output with '{loss}'" + (" (from_logits=True)" if info.loss_from_logits else "")
    if role == "softmax":
        expected = f"softmax with '{SPARSE_CCE}' (integer labels) or '{CCE}' (one-hot labels)"
    elif role == "sigmoid":
        expected = f"sigmoid with '{BCE}'"
    elif role == "logits":
        expected = "a cross-entropy loss with from_logits=True"
    else:
        expected = "a regression loss: mse, mae or huber"
    if passed:
        fix = ""
    elif role == "softmax" and loss == BCE:
        fix = (f"'{BCE}' belongs with Dense(1, activation='sigmoid') for two classes. "
               f"With softmax use '{SPARSE_CCE}' (labels 0–{task.model.output_units - 1}) "
               f"or '{CCE}' (one-hot labels).")
    elif role == "sigmoid":
        fix = f"sigmoid pairs with '{BCE}' (two classes). For this task use {_head(task)}."
    elif role == "logits" and not info.loss_from_logits:
        fix = ("A linear output gives logits, so the loss must be told: "
               "tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), "
               f"or add activation='softmax' and use '{SPARSE_CCE}'.")
    else:
        fix = f"Use {_head(task)}."
    return CheckResult(name=name, title=title, passed=passed, found=found, expected=expected, fix=fix)


# How the fix shows a required layer, in the course's words ({input} is the task's input shape).
_LAYER_EXAMPLES = {
    "Conv2D": "Conv2D(32, (3, 3), activation='relu', input_shape={input}) then MaxPooling2D(2, 2), "
              "before Flatten()",
    "Conv1D": "Conv1D(32, 5, activation='relu', input_shape={input})",
    "MaxPooling2D": "MaxPooling2D(2, 2) after a Conv2D",
    "LSTM": "LSTM(64)",
    "Embedding": "Embedding(vocab_size, 16, input_length=max_length) as the first layer",
}


def check_required_layers(info: ModelInfo, task: TaskSpec) -> CheckResult | None:
    """The layer classes the task asks for (a CNN task's Conv2D); None when it asks for none."""
    required = task.model.required_layers
    if not required:
        return None
    present = list(dict.fromkeys(layer.class_name for layer in info.layers if layer.class_name != "InputLayer"))
    missing = [name for name in required if name not in present]
    examples = "; ".join(_LAYER_EXAMPLES.get(name, name).format(input=_shape(task.model.input_shapes[0]))
                         for name in missing)
    return CheckResult(
        name="required_layers", title="Layers the task asks for",
        passed=not missing,
        found="layers: " + (", ".join(present) or "none recorded"),
        expected=" and ".join(f"a {name} layer" for name in required),
        fix="" if not missing else
        f"This task asks for a model with {' and '.join(missing)}, and yours has none: "
        f"use {examples}.",
    )


STATIC_CHECKS = (check_file_size, check_safe_to_load, check_input_shape, check_required_layers,
                 check_output_units, check_output_activation, check_loss_pairing)


def static_checks(info: ModelInfo, task: TaskSpec) -> tuple[CheckResult, ...]:
    return tuple(result for result in (check(info, task) for check in STATIC_CHECKS) if result is not None)


def check_label_encoding(info: ModelInfo, task: TaskSpec, evaluation: Evaluation,
                         labels: str | None = None) -> CheckResult | None:
    """A one-hot loss trained on integer labels leaves accuracy at chance (the seed's warning).

    Only judged on evidence: the training record showed integer labels (`labels`, from the
    recorded fit) going into a one-hot loss. A model file alone cannot tell, so it says nothing.
    """
    if not task.is_classification or not info.loss or canonical_loss(info.loss) != CCE:
        return None
    if labels != "integer":
        return None
    classes = task.model.output_units
    chance = 1 / classes
    at_chance = evaluation.value <= chance * 1.5
    return CheckResult(
        name="label_encoding", title="Labels match the loss",
        passed=not at_chance,
        found=(f"'{CCE}' with accuracy {evaluation.value:.1%}, about chance ({chance:.0%})"
               if at_chance else f"'{CCE}' with accuracy {evaluation.value:.1%}"),
        expected=f"'{CCE}' only with one-hot labels; integer labels 0–{classes - 1} need '{SPARSE_CCE}'",
        fix="" if not at_chance else
        f"The labels are integers 0–{classes - 1}, but '{CCE}' expects one-hot labels, so the "
        f"model never learned (accuracy stays at chance). Compile with loss='{SPARSE_CCE}', or "
        f"one-hot encode the labels first: y = tf.keras.utils.to_categorical(y, {classes}).",
    )
