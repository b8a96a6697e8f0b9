"""Reading a saved Keras model without running it.

Students hand in files the grader must not trust: a Lambda layer carries marshalled Python
bytecode and a custom class needs the student's code, so the grader looks before Keras loads
anything. This module imports neither TensorFlow nor Keras and executes nothing from the file: it
reads the JSON a model file records about itself (HDF5 attributes in `.h5` files, `config.json`
in `.keras` zip archives) with h5py, json and zipfile.

Every way a file can be unreadable ends as `InvalidModelFile`, whose message tells the student
what is wrong with the file and how to save it again; a fuzzer holds the module to that.
"""
from __future__ import annotations

import atexit
import functools
import os
import subprocess
import sys
import threading
import traceback
from multiprocessing.connection import Connection, Pipe
from pathlib import Path

from grader.model.architecture import LayerInfo, ModelInfo, describe
from grader.model.records import (
    ZIP_SIGNATURES,
    InvalidModelFile,
    Malformed,
    corrupt,
    read_hdf5,
    read_head,
    read_keras_archive,
    save_advice,
)
from grader.sandbox.processes import die_with_parent

__all__ = ["InvalidModelFile", "LayerInfo", "ModelInfo", "inspect_model"]

# Reading a real model's records takes well under a second; a file still being read after this
# is looping inside HDF5.
INSPECT_SECONDS = 20.0


def inspect_model(path: str | Path, timeout_seconds: float = INSPECT_SECONDS) -> ModelInfo:
    """Describe the model saved at `path`; raise `InvalidModelFile` when it cannot be read.

    The reading happens in a child process: a crafted file can send HDF5's C library into an
    endless loop (the fuzzer found one in a damaged heap), which no Python code can interrupt.
    After `timeout_seconds` the child is killed and the file is called damaged."""
    return _READER.inspect(Path(path), timeout_seconds)


def warm_up() -> None:
    """Start the reading child now (its h5py import overlaps whatever comes next)."""
    _READER.warm_up()


class _Reader:
    """One child process that reads model files for this process, one file at a time, started
    again when a file hangs or crashes it, and ended when this process exits (nothing is left
    behind: it is a plain child, killed and waited for)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._pipe: Connection | None = None

    def inspect(self, path: Path, timeout_seconds: float) -> ModelInfo:
        with self._lock:
            if self._child is None or self._child.poll() is not None:
                self._start()
            self._pipe.send(path)
            if not self._pipe.poll(timeout_seconds):
                self._stop()
                raise InvalidModelFile(corrupt(path, f"reading its records did not end within {timeout_seconds:g} s"))
            try:
                outcome, value = self._pipe.recv()
            except EOFError:  # the child died on this file
                exit_code = self._stop()
                if exit_code is not None and exit_code < 0:  # a signal: libhdf5 crashed
                    raise InvalidModelFile(corrupt(path, "HDF5 crashed while reading it")) from None
                raise RuntimeError(f"the inspector's process ended with code {exit_code} on {path.name}") from None
        if outcome == "bug":
            raise RuntimeError(f"the inspector failed on {path.name}: {value}")
        if outcome == "invalid":
            raise InvalidModelFile(value)
        return value

    def warm_up(self) -> None:
        with self._lock:
            if self._child is None or self._child.poll() is not None:
                self._start()

    def _start(self) -> None:
        # A fresh interpreter, never a fork of one of the batch's threads; a socket pair carries
        # paths in and pickled answers out (h5py's own chatter cannot reach it).
        self._pipe, child_end = Pipe()
        self._child = subprocess.Popen(
            [sys.executable, "-m", "grader.model.inspector", str(child_end.fileno())],
            pass_fds=(child_end.fileno(),), stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=functools.partial(die_with_parent, os.getpid()))
        child_end.close()

    def _stop(self) -> int | None:
        child, self._child = self._child, None
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if child is None:
            return None
        child.kill()
        return child.wait()

    def close(self) -> None:
        with self._lock:
            self._stop()


def _serve(pipe: Connection) -> None:
    """The child's loop: a path in; ("info", ModelInfo), ("invalid", message) or ("bug", traceback) out."""
    while True:
        try:
            path = pipe.recv()
        except EOFError:  # the grader is done
            return
        try:
            pipe.send(("info", _inspect_here(path)))
        except InvalidModelFile as refusal:
            pipe.send(("invalid", str(refusal)))
        except Exception:
            pipe.send(("bug", traceback.format_exc(limit=5)))


_READER = _Reader()
atexit.register(_READER.close)


def _inspect_here(path: Path) -> ModelInfo:
    file_size, head = read_head(path)
    try:
        if head.startswith(ZIP_SIGNATURES):
            saved = read_keras_archive(path)
        else:
            saved = read_hdf5(path, head)
        return describe(path, file_size, saved)
    except Malformed as problem:
        where = "config.json" if head.startswith(ZIP_SIGNATURES) else "model_config"
        raise InvalidModelFile(
            f"{path.name} records a malformed model description ({where}): {problem}; "
            f"save the model again with {save_advice(path)}"
        ) from None



if __name__ == "__main__":  # the reading child: python -m grader.model.inspector FD
    _serve(Connection(int(sys.argv[1])))
