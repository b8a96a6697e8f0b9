"""The warm prediction worker inside a container: on the Docker backend, no model file is parsed
by Keras on the host.

One long-lived container of the runtime image per worker (one per batch thread) runs
`python -m grader.judge.predict_worker`, answering requests on its stdin as the host worker does:
no network, read-only root file system, an unprivileged user, no capabilities, memory and process
limits. Each request's model copy and hidden inputs are put in the worker's exchange folder,
mounted read-only at /in; the predictions come back through /out, read as untrusted files. The
labels never leave the grader. Only models that passed the static safe-mode checks are sent here
(a model that holds code gets a fresh sandbox run of its own: `grader.judge.sandbox_predict`).

The container is started with the docker command line (`docker run -i`), whose stdin and stdout
carry the worker's JSON lines; it is labelled like run containers, so one left by a killed grader
is swept by the next (`docker_backend.sweep_leftovers`).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import numpy as np

from grader.judge.evaluate import Predictions, PredictionWorker, WorkerError
from grader.judge.sandbox_predict import read_predictions
from grader.sandbox import RUNTIME_IMAGE
from grader.sandbox.docker_backend import GRADER_PID_LABEL, RUN_LABEL, RUN_USER, DockerUnavailable

IN_DIR, OUT_DIR = "/in", "/out"
MEMORY_MB = 4096  # a task's default memory limit; predicting takes far less than training
PROCESSES = 512


class ContainerPredictionWorker(PredictionWorker):
    """A PredictionWorker whose process is a container of the runtime image."""

    def __init__(self, image: str = RUNTIME_IMAGE, timeout_seconds: float = 300,
                 memory_mb: int = MEMORY_MB) -> None:
        super().__init__(timeout_seconds)
        if shutil.which("docker") is None:
            raise DockerUnavailable("the docker command is not installed; it starts the evaluation container")
        self.image, self.memory_mb = image, memory_mb
        self._exchange: Path | None = None
        self._name = ""

    @property
    def _in(self) -> Path:
        return self._exchange / "in"

    @property
    def _out(self) -> Path:
        return self._exchange / "out"

    def _command(self) -> list[str]:
        self._name = f"grader-predict-{uuid.uuid4().hex[:12]}"
        return ["docker", "run", "--interactive", "--rm", "--pull", "never", "--name", self._name,
                "--network", "none", "--read-only", "--tmpfs", "/tmp:size=512m,mode=1777",
                "--user", RUN_USER, "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                "--memory", f"{self.memory_mb}m", "--memory-swap", f"{self.memory_mb}m",
                "--pids-limit", str(PROCESSES), "--log-driver", "none",
                "--label", f"{RUN_LABEL}=1", "--label", f"{GRADER_PID_LABEL}={os.getpid()}",
                "--volume", f"{self._in}:{IN_DIR}:ro", "--volume", f"{self._out}:{OUT_DIR}:rw",
                "--env", "TF_CPP_MIN_LOG_LEVEL=3", "--env", "PYTHONUNBUFFERED=1",
                self.image, "python", "-m", "grader.judge.predict_worker"]

    def _spawn(self) -> None:
        if self._exchange is not None:  # the last container died: its folders go with it
            shutil.rmtree(self._exchange, ignore_errors=True)
        self._exchange = Path(tempfile.mkdtemp(prefix="grader-container-predict-"))
        for folder, mode in ((self._in, 0o755), (self._out, 0o777)):
            folder.mkdir()
            folder.chmod(mode)  # /in readable, /out writable by the container's user
        super()._spawn()

    def _start(self) -> None:
        try:
            super()._start()
        except WorkerError as error:  # no model was read yet: the grader's machinery failed
            raise DockerUnavailable(f"the evaluation container did not start: {error}") from None

    def predict(self, model_path: str | Path, inputs: dict[str, np.ndarray]) -> Predictions:
        if self._process is None or self._starting:
            self._start()
        self._clear()
        model_name = "model" + (Path(model_path).suffix if Path(model_path).suffix in (".h5", ".keras") else ".h5")
        shutil.copyfile(model_path, self._in / model_name)
        names = {}
        for name, array in inputs.items():
            names[name] = f"in_{name}.npy"
            np.save(self._in / names[name], array, allow_pickle=False)
        for path in self._in.iterdir():
            path.chmod(0o644)
        answer = self.ask({"model": f"{IN_DIR}/{model_name}", "out_dir": OUT_DIR,
                           "inputs": {name: f"{IN_DIR}/{file}" for name, file in names.items()}})
        outputs = read_predictions(self._out, {name: len(x) for name, x in inputs.items()})
        backend = f"{str(answer.get('backend', 'Keras'))[:80]}, inside a container"
        return Predictions(backend, str(answer.get("fallback_reason", ""))[:500], outputs)

    def _clear(self) -> None:
        """Empty the exchange folders (their contents only: the container has them mounted)."""
        for folder in (self._in, self._out):
            for path in folder.iterdir():
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()

    def close(self) -> None:
        name, self._name = self._name, ""
        super().close()  # ends the docker client; the container itself goes below
        if name:
            subprocess.run(["docker", "rm", "--force", name], capture_output=True, timeout=60)
        if self._exchange is not None:
            shutil.rmtree(self._exchange, ignore_errors=True)
            self._exchange = None
