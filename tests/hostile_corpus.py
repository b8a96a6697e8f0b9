"""The hostile and faulty corpus: every submission with the verdict it must get and the words
that must name its cause.

Scripts and notebooks are files in tests/hostile/. What cannot be kept as a file (model files
TensorFlow has to write, a 2 GB file, zips, symbolic links, CRLF line endings) is built by a
function here. `build_class(folder)` lays the whole corpus out as a class, one entry per student,
ready for `grade batch`. All of it is graded against the basic_regression task (y = 2x - 1): its
models train in a second, so the suite spends its time on the attacks, not on training.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import wrong_models

HOSTILE = Path(__file__).parent / "hostile"
TASK = "basic_regression"
# Where the attack scripts try to leave a marker; none may exist on the host after a run.
MARKER = "hostile-marker.txt"


@dataclasses.dataclass(frozen=True)
class Case:
    name: str  # the file or folder name in the class folder (its stem is the student id)
    verdict: str
    says: tuple[str, ...]  # words the student reads (summary, checks, notes) must contain
    build: Callable[[Path], None] | None = None  # writes the submission at the given path

    @property
    def student(self) -> str:
        return self.name.rsplit(".", 1)[0] if "." in self.name else self.name


# --- builders -------------------------------------------------------------------------------------

def _keras_model(path: Path, layers: list, weights: Callable | None = None) -> None:
    import keras

    model = keras.Sequential([keras.Input((1,)), *layers])
    if weights is not None:
        model.set_weights([weights(w) for w in model.get_weights()])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    model.save(path)


def lambda_layer(path: Path) -> None:
    import keras

    _keras_model(path, [keras.layers.Lambda(lambda t: t * 1.0, name="scale"), keras.layers.Dense(1)])


def custom_layer(path: Path) -> None:
    import keras

    @keras.saving.register_keras_serializable(package="student")
    class Shift(keras.layers.Layer):
        def call(self, inputs):
            return inputs + 1.0

    _keras_model(path, [Shift(), keras.layers.Dense(1)])


def nan_weights(path: Path) -> None:
    import keras

    _keras_model(path, [keras.layers.Dense(1)], weights=lambda w: np.full(w.shape, np.nan, dtype="float32"))


def wider_at_run_time(path: Path) -> None:
    """The last Dense layer has the one unit the task asks for, but the model's output joins it
    with itself: two numbers per example at run time."""
    import keras

    inputs = keras.Input((1,))
    line = keras.layers.Dense(1)(inputs)
    model = keras.Model(inputs, keras.layers.Concatenate()([line, line]))
    model.compile(optimizer="sgd", loss="mean_squared_error")
    model.save(path)


def truncated(path: Path) -> None:
    good = path.with_name("_good.h5")
    wrong_models.regression_line(good)
    wrong_models.truncated_copy(good, path)
    good.unlink()


def two_gigabytes(path: Path) -> None:
    """A real model padded to 2 GiB (sparse: it costs no disk)."""
    wrong_models.regression_line(path)
    os.truncate(path, 2 * 2**30 + 4096)


def crlf_copy(source: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        text = (HOSTILE / source).read_text(encoding="utf-8")
        path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    return build


def folder_with_linked_model(path: Path) -> None:
    path.mkdir()
    (path / "mymodel.h5").symlink_to("/etc/passwd")


def zip_with_parent_paths(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("solution.py", (HOSTILE / "never_saves.py").read_text(encoding="utf-8"))
        archive.writestr("../../escaped.py", "print('outside the workspace')\n")


def zip_bomb(path: Path) -> None:
    """2 GiB of zeros in a few MB: its directory declares the size, which is refused unread."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("data.bin", "w", force_zip64=True) as member:
            block = bytes(16 * 2**20)
            for _ in range(128):
                member.write(block)
        archive.writestr("solution.py", "print('hello')\n")


def _copy(source: str) -> Callable[[Path], None]:
    return lambda path: shutil.copyfile(HOSTILE / source, path)


# --- the corpus -----------------------------------------------------------------------------------

NO_NETWORK = "There is no network during grading"

CASES: tuple[Case, ...] = (
    # Runs that never end, or eat the machine.
    Case("infinite_loop.py", "timed_out", ("stopped after",)),
    Case("sleeps_after_saving.py", "timed_out", ("stopped after", "mymodel.h5 had been saved")),
    Case("memory_hog.py", "out_of_memory", ("used more than",)),
    Case("fork_bomb.py", "too_many_processes", ("processes and threads",)),
    Case("thread_bomb.py", "too_many_processes", ("processes and threads",)),
    Case("writes_huge_file.py", "crashed", ("File too large", "files of at most")),
    Case("huge_output.py", "passed", ("bytes more than the grader keeps",)),
    # Filling the disk: the workspace and /tmp share 2,048 MB and 20,000 files.
    Case("writes_three_gigabytes.py", "disk_limit", ("2,048 MB", "cache_0.bin (1,024 MB)")),
    Case("floods_files.py", "disk_limit", ("20,000 files and folders", "in flood/")),
    Case("fills_disk_then_saves.py", "disk_limit", ("2,048 MB", "/tmp/augmented_")),
    # Reaching out of the sandbox.
    Case("opens_socket.py", "crashed", (NO_NETWORK,)),
    Case("dns_lookup.py", "crashed", (NO_NETWORK,)),
    Case("reads_evaluation_data.py", "passed", ("mean absolute error",)),
    Case("writes_outside_workspace.py", "passed", ("mean absolute error",)),
    Case("reads_private_files.py", "passed", ("mean absolute error",)),
    Case("kills_parent.py", "passed", ("mean absolute error",)),
    Case("daemon_outlives_script.py", "passed", ("mean absolute error",)),
    # Forging the grade.
    Case("fakes_result_files.py", "below_pass_mark", ("mean absolute error",)),
    Case("monkey_patches.py", "below_pass_mark", ("mean absolute error",)),
    Case("symlink_to_passwd.py", "invalid_model", ("symbolic link", "/etc/passwd")),
    Case("symlink_to_data_store.py", "invalid_model", ("symbolic link", "t10k-labels")),
    Case("linked_model_folder", "invalid_submission", ("symbolic link",), folder_with_linked_model),
    # Everyday mistakes.
    Case("never_saves.py", "no_model", ("no mymodel.h5",)),
    Case("saves_wrong_name.py", "wrong_model_name", ("my_model.h5",)),
    Case("changes_directory.py", "no_model", ("os.chdir",)),
    Case("crashes.py", "crashed", ("IndexError", "line 5")),
    Case("syntax_error.py", "syntax_error", ("line 4",)),
    Case("김민준_회귀.py", "passed", ("mean absolute error",)),
    Case("crlf_line_endings.py", "passed", ("mean absolute error",), crlf_copy("김민준_회귀.py")),
    # Notebooks.
    Case("not_json.ipynb", "invalid_submission", ("not a valid Jupyter notebook",)),
    Case("shell_escapes_and_magics.ipynb", "passed", ("cell magic `%%bash`",)),
    # Archives.
    Case("parent_paths.zip", "invalid_submission", ("../../escaped.py",), zip_with_parent_paths),
    Case("zip_bomb.zip", "invalid_submission", ("unpacks to 2,048 MiB",), zip_bomb),
    # Model files handed in.
    Case("truncated.h5", "invalid_model", ("truncated",), truncated),
    Case("not_hdf5.h5", "invalid_model", ("not an HDF5 file",), lambda p: wrong_models.not_hdf5(p)),
    # Found by the fuzzer: a damaged heap that sends HDF5's C code into an endless loop.
    Case("hdf5_endless_loop.h5", "invalid_model", ("did not end within",),
         lambda p: shutil.copyfile(Path(__file__).parent / "data" / "hdf5_endless_loop.h5", p)),
    Case("lambda_layer.h5", "unsafe_model", ("Lambda",), lambda_layer),
    Case("custom_layer.h5", "unsafe_model", ("Shift",), custom_layer),
    Case("nan_weights.h5", "contract_failed", ("NaN",), nan_weights),
    Case("wider_at_run_time.h5", "contract_failed", ("2 number(s) per example",), wider_at_run_time),
    Case("two_gigabytes.h5", "invalid_submission", ("2,048 MiB", "at most 1,024 MiB"), two_gigabytes),
)


def build_class(folder: Path) -> list[Case]:
    """Every case as one student's entry in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        target = folder / case.name
        (case.build or _copy(case.name))(target)
    return list(CASES)


def student_text(grade: dict) -> str:
    """Everything the student reads about a grade, as one text to search for the cause."""
    run = grade.get("run") or {}
    parts = [grade.get("summary", ""), grade.get("verdict_message", ""), *grade.get("notes", []),
             *run.get("notes", []), *run.get("feedback", [])]
    for check in grade.get("checks", []):
        parts += [check.get("found", ""), check.get("fix", "")]
    return "\n".join(str(part) for part in parts)

