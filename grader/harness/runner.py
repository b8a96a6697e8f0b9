"""Run a student's script the way the exam does, offline, and record what its training did.

    python -m grader.harness.runner SCRIPT [--workdir DIR] [--seed N] [--keras 2|3] [--result FILE]
                                    [--model-file NAME]

This is the one program a sandbox starts (a local process group or a container): it needs only
the installed package and the script. In order, it

1. selects Keras before TensorFlow is imported: Keras 2 (`tf_keras`) by default, because the
   course's code is Keras 2 code (Keras 3 refuses `ModelCheckpoint("my_checkpoint.ckpt",
   save_weights_only=True)`): `tf.keras`, and once TensorFlow is loaded `keras`,
   `tensorflow.python.keras` and `keras_preprocessing` too (`grader.harness.keras_aliases`); `--keras 3`
   leaves every one of them as it is (`tf.keras` and `keras` are Keras 3);
2. changes to the workdir, seeds Python, NumPy and TensorFlow, serves the datasets offline
   (`grader.datasets.serving`) and wraps `fit`, `load_weights` and `save` of both Kerases so
   their calls are recorded without touching the student's code;
3. runs the script as `__main__` (sys.argv[0] is the script, its folder is on sys.path);
4. plays the exam's part for a bare template: when no model file was saved and the script
   defines `solution_model()` but never called it, calls it and saves what it returns;
5. writes the run record, a JSON file (`--result`, default `.grader_run.json` in the workdir);
   only the harness's own process writes it, never a process the script forked.

The run record's fields:
    record_version      1
    status              "starting", "running", "completed" or "error"; a run killed from
                        outside (time or memory limit) keeps "running" and the epochs so far
    script, workdir, model_file
    keras               {"requested": "2", "package": "tf_keras", "version": "2.21.0"}
    tensorflow          TensorFlow's version
    seeds               {"python": N, "numpy": N, "tensorflow": N}
    devices             {"gpus": [names TensorFlow sees], "used": the first GPU, or "CPU"}
    fits                one entry per `fit` call: call (order among all recorded calls), model
                        (a number per model object), model_name, epochs_requested, epochs_run,
                        batch_size, completed, history ({"loss": [...], "val_loss": [...], ...}),
                        epoch_seconds, callbacks ([{"class", "settings"}], settings such as
                        filepath, monitor, save_best_only, save_weights_only), x, y (type, shape,
                        dtype, min, max), validation ({"kind": "data"|"split"|None, ...}) and
                        loss (the compiled loss's name)
    load_weights        [{"call", "model", "path", "ok"}]
    saves               [{"call", "model", "path", "ok", "by": "script"|"harness",
                          "what": "model"|"weights"}] (save and save_weights)
    solution_model      {"defined", "called_by_script", "called_by_harness"}
    harness_saved_model whether step 4 saved the model
    setup_seconds       importing TensorFlow and preparing, before the script starts
    elapsed_seconds     the script's own run time, including step 4
    error               None, or {"stage": "setup"|"script"|"solution_model", "type",
                        "message", "line" (in the script, when known), "traceback"}

Exit status: 0 when the script ran to its end; 1 when it raised (the traceback goes to stderr,
with the harness's own frames left out), or the code it passed to sys.exit; 2 for a usage error
or a failure of the harness itself. NaN losses are written as JSON `NaN`, as Python's json does.
"""
from __future__ import annotations

import argparse
import ast
import builtins
import functools
import os
import random
import sys
import time
import traceback
import types
from pathlib import Path

from grader.datasets.offline import install as install_offline_datasets
from grader.datasets.serving import when_imported
from grader.harness import keras_aliases, recording
from grader.harness.record import RECORD_NAME as RESULT_NAME
from grader.harness.recording import Recorder, instrument_model_class

RECORD_VERSION = 1
MODEL_FILE = "mymodel.h5"
DEFAULT_SEED = 42
USAGE_ERROR = 2

_LEGACY_KERAS_VARIABLE = "TF_USE_LEGACY_KERAS"
_REEXEC_MARK = "GRADER_HARNESS_REEXEC"
_WATCH_NAME = "__grader_watch_solution_model__"
# The harness's own files: their frames are left out of the tracebacks a student reads.
_HARNESS_FILES = {os.path.abspath(__file__), os.path.abspath(recording.__file__)}
_KERAS_CLASSES = {
    "tf_keras.src.engine.training": "tf_keras.src.callbacks",
    "keras.src.models.model": "keras.src.callbacks",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    select_keras(args.keras, argv)
    script = Path(args.script).resolve()
    if not script.is_file():
        parser.error(f"no script at {script}")
    workdir = Path(args.workdir).resolve() if args.workdir else Path.cwd()
    if not workdir.is_dir():
        parser.error(f"the workdir {workdir} is not a directory")
    result = Path(args.result).resolve() if args.result else workdir / RESULT_NAME
    os.chdir(workdir)
    return run(script, workdir, result, seed=args.seed, keras=args.keras,
               model_file=args.model_file)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader.harness.runner",
        description="Run a student's script offline and record its training in a JSON file.",
    )
    parser.add_argument("script", help="the student's .py script")
    parser.add_argument("--workdir", help="directory to run in (default: the current one)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"seed for Python, NumPy and TensorFlow (default {DEFAULT_SEED})")
    parser.add_argument("--keras", choices=("2", "3"), default="2",
                        help="which Keras tf.keras and keras are (default 2, the course's)")
    parser.add_argument("--result", help=f"run record path (default WORKDIR/{RESULT_NAME})")
    parser.add_argument("--model-file", default=MODEL_FILE,
                        help=f"the model file the task asks for (default {MODEL_FILE})")
    return parser


def select_keras(major: str, argv: list[str]) -> None:
    """Make `tf.keras` Keras `major`; TensorFlow reads the choice once, when it is imported."""
    legacy = major == "2"
    if "tensorflow" in sys.modules and _legacy_keras_requested() != legacy:
        if os.environ.get(_REEXEC_MARK):
            raise SystemExit("harness: TensorFlow was imported before Keras could be selected")
        _set_legacy_keras(legacy)
        os.environ[_REEXEC_MARK] = "1"
        os.execv(sys.executable, [sys.executable, "-m", "grader.harness.runner", *argv])
    _set_legacy_keras(legacy)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep C++ chatter out of the traceback


def _legacy_keras_requested() -> bool:
    return os.environ.get(_LEGACY_KERAS_VARIABLE) in ("1", "true", "True")


def _set_legacy_keras(legacy: bool) -> None:
    if legacy:
        os.environ[_LEGACY_KERAS_VARIABLE] = "1"
    else:
        os.environ.pop(_LEGACY_KERAS_VARIABLE, None)


# --- one run ----------------------------------------------------------------------------------

def run(script: Path, workdir: Path, result: Path, *, seed: int = DEFAULT_SEED, keras: str = "2",
        model_file: str = MODEL_FILE) -> int:
    """Run `script` in `workdir` (the current directory) and write the record to `result`."""
    recorder = Recorder(result, {
        "record_version": RECORD_VERSION,
        "status": "starting",
        "script": str(script),
        "workdir": str(workdir),
        "model_file": model_file,
        "keras": {"requested": keras},
        "tensorflow": None,
        "seeds": {},
        "devices": None,
        "fits": [],
        "load_weights": [],
        "saves": [],
        "solution_model": {"defined": False, "called_by_script": False,
                           "called_by_harness": False},
        "harness_saved_model": False,
        "setup_seconds": None,
        "elapsed_seconds": 0.0,
        "error": None,
    })
    recorder.flush()
    stage = "setup"
    try:
        started = time.perf_counter()
        code = compile_script(script)
        _prepare(seed, keras, recorder)
        recorder.record["setup_seconds"] = round(time.perf_counter() - started, 3)
        recorder.start_clock()
        recorder.record["status"] = "running"
        recorder.flush()
        stage = "script"
        watch = SolutionModelWatch()
        namespace = run_as_main(code, script, watch)
        recorder.record["solution_model"].update(defined=watch.defined,
                                                 called_by_script=watch.calls > 0)
        stage = "solution_model"
        if save_template_model(namespace, watch, workdir / model_file, recorder):
            recorder.record["solution_model"]["called_by_harness"] = True
            recorder.record["harness_saved_model"] = True
    except SystemExit as exit_:
        if exit_.code in (None, 0):
            return _finish(recorder, 0)
        recorder.record["error"] = describe_error(exit_, script, stage)
        if not isinstance(exit_.code, int):
            print(exit_.code, file=sys.stderr)
        return _finish(recorder, exit_.code if isinstance(exit_.code, int) else 1)
    except BaseException as error:
        if stage == "setup" and not isinstance(error, SyntaxError):
            traceback.print_exc()
            recorder.record["error"] = describe_error(error, script, stage)
            return _finish(recorder, USAGE_ERROR)
        traceback.print_exception(type(error), error, without_harness_frames(error.__traceback__))
        recorder.record["error"] = describe_error(error, script,
                                                  "script" if stage == "setup" else stage)
        return _finish(recorder, 1)
    return _finish(recorder, 0)


def _finish(recorder: Recorder, exit_code: int) -> int:
    recorder.record["status"] = "completed" if exit_code == 0 else "error"
    try:  # a script that changed directory saved its files there
        recorder.record["cwd_at_exit"] = os.getcwd()
    except OSError:
        recorder.record["cwd_at_exit"] = None
    recorder.flush()
    return exit_code


def _prepare(seed: int, keras: str, recorder: Recorder) -> None:
    # Hooks first, so modules TensorFlow loads while importing are patched as they load.
    install_offline_datasets()
    for model_module, callback_module in _KERAS_CLASSES.items():
        when_imported(model_module, functools.partial(instrument_model_class,
                                                      recorder=recorder,
                                                      callback_module=callback_module))
    import numpy as np
    import tensorflow as tf

    if keras == "2":  # after TensorFlow: its own import needs its own tensorflow.python.keras
        keras_aliases.install()
    recorder.record["tensorflow"] = tf.__version__
    recorder.record["keras"].update(keras_in_use(tf))
    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)
    recorder.record["seeds"] = {"python": seed, "numpy": seed, "tensorflow": seed}
    # What training will run on: the GPUs TensorFlow sees, else the CPU.
    gpus = [device.name for device in tf.config.list_physical_devices("GPU")]
    recorder.record["devices"] = {"gpus": gpus, "used": gpus[0] if gpus else "CPU"}


def keras_in_use(tf: types.ModuleType) -> dict[str, str]:
    """Which Keras `tf.keras` turned out to be (tf_keras's API module has no __version__)."""
    if tf.keras.__name__.startswith("tf_keras"):
        import tf_keras

        return {"package": "tf_keras", "version": tf_keras.__version__}
    import keras

    return {"package": "keras", "version": keras.__version__}


# --- running the script as __main__ -----------------------------------------------------------

def compile_script(script: Path) -> types.CodeType:
    """The script's code, with `solution_model` wrapped the moment it is defined.

    runpy.run_path cannot run a code object, so the harness does what it does itself: that is
    the only way to know whether the script called `solution_model()` without tracing every call.
    """
    tree = ast.parse(script.read_bytes(), filename=str(script))
    body = []
    for node in tree.body:
        body.append(node)
        if isinstance(node, ast.FunctionDef) and node.name == "solution_model":
            watch = ast.parse(f"solution_model = {_WATCH_NAME}(solution_model)").body[0]
            body.append(ast.increment_lineno(watch, node.end_lineno - 1))
    tree.body = body
    return compile(tree, str(script), "exec", dont_inherit=True)


def run_as_main(code: types.CodeType, script: Path, watch: SolutionModelWatch) -> dict:
    """Execute the script as `__main__`, like `python SCRIPT`; returns its globals."""
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=str(script), __cached__=None, __loader__=None,
                           __package__=None, __spec__=None, __builtins__=builtins)
    module.__dict__[_WATCH_NAME] = watch
    sys.modules["__main__"] = module
    sys.argv[:] = [str(script)]
    sys.path.insert(0, str(script.parent))
    exec(code, module.__dict__)
    return module.__dict__


class SolutionModelWatch:
    """Wraps the script's `solution_model` to count the calls the script makes to it."""

    def __init__(self) -> None:
        self.defined = False
        self.calls = 0

    def __call__(self, function):
        if not callable(function):
            return function
        self.defined = True

        @functools.wraps(function)
        def solution_model(*args, **kwargs):
            self.calls += 1
            return function(*args, **kwargs)

        return solution_model


def save_template_model(namespace: dict, watch: SolutionModelWatch, model_path: Path,
                        recorder: Recorder) -> bool:
    """The exam's part: call an uncalled `solution_model()` and save its model, if none was."""
    if model_path.exists() or not watch.defined or watch.calls:
        return False
    model = namespace["solution_model"]()
    if not hasattr(model, "save"):
        raise TypeError(
            f"solution_model() returned {type(model).__name__}, not a Keras model; "
            "end it with `return model`."
        )
    recorder.saver = "harness"
    try:
        model.save(str(model_path))
    finally:
        recorder.saver = "script"
    return True


# --- errors -----------------------------------------------------------------------------------

def describe_error(error: BaseException, script: Path, stage: str) -> dict:
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == str(script):
            line = frame.lineno
    if isinstance(error, SyntaxError) and error.filename == str(script):
        line = error.lineno
    if isinstance(error, SystemExit):
        message = f"sys.exit({error.code!r})"
    else:
        message = str(error)
    formatted = "".join(traceback.format_exception(
        type(error), error, without_harness_frames(error.__traceback__)))
    return {"stage": stage, "type": type(error).__name__, "message": _clip(message, 4000),
            "line": line, "traceback": _clip(formatted, 12000)}


def without_harness_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback less the harness's own frames, so a student reads only their code's."""
    kept = []
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) not in _HARNESS_FILES:
            kept.append(tb)
        tb = tb.tb_next
    for current, following in zip(kept, kept[1:] + [None]):
        current.tb_next = following
    return kept[0] if kept else None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[-limit:]


if __name__ == "__main__":
    sys.exit(main())
