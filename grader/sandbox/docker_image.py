"""The grader's runtime image and the Docker engine that runs it.

The Docker backend runs student code in this image (see Dockerfile): no network, a read-only root,
/tmp in memory, user `grader`. This module answers what must be true before such a run — is an
engine reachable, is the image built, which TensorFlow it holds, can the engine hand out GPUs —
and builds the image: `scripts/build_image.sh` prepares the context (wheels downloaded on the host,
an offline base image when no registry answers), then the engine builds it through the Docker SDK.

Whatever goes wrong while talking to the engine comes back as text in the result, saying where the
engine was looked for and how to start one; nothing here raises for a missing engine but
`connect()`, whose `EngineUnreachable` carries the same text.
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import requests
from docker.errors import DockerException, ImageNotFound

from grader.sandbox import RUNTIME_IMAGE

DEFAULT_TAG = RUNTIME_IMAGE
REPO_ROOT = Path(__file__).resolve().parents[2]
TENSORFLOW_LABEL = "org.grader.tensorflow"  # set by the Dockerfile, checked during the build
BASE_LABEL = "org.grader.base"
LOCAL_SOCKET = "unix:///var/run/docker.sock"
START_ENGINE = ("start it with `dockerd --bridge=none --iptables=false >/var/log/dockerd.log 2>&1 &` "
                "as root, or `sudo systemctl start docker`")
STATUS_TIMEOUT = 10  # seconds for a question to the engine
BUILD_TIMEOUT = 3600  # a cold build installs TensorFlow: minutes, sometimes silent for one
LOG_TAIL_LINES = 40

# Engine failures: the SDK's own, and the HTTP layer's when the engine goes away mid-stream.
ENGINE_ERRORS = (DockerException, requests.RequestException)


class EngineUnreachable(RuntimeError):
    """No Docker engine answers; the message says where it was looked for and how to start one."""


@dataclasses.dataclass(frozen=True)
class EngineStatus:
    reachable: bool
    server_version: str | None  # the engine's own version, e.g. "20.10.24+dfsg1"
    api_version: str | None
    error: str | None  # why it is not reachable, and how to start it


@dataclasses.dataclass(frozen=True)
class ImageStatus:
    tag: str
    exists: bool
    id: str | None  # short id, as `docker images` shows it
    created: str | None  # ISO 8601, as the engine reports it
    size_bytes: int | None
    tensorflow: str | None  # the TensorFlow version inside (the image's label)
    base: str | None  # the image it was built on
    gpu: bool  # the engine can hand GPUs to containers
    gpu_note: str  # in plain words: which GPU runtime, or "no GPU runtime"
    error: str | None  # engine unreachable, or image not built, with the fix


@dataclasses.dataclass(frozen=True)
class BuildResult:
    tag: str
    built: bool
    image_id: str | None
    base: str | None
    prepare_seconds: float  # scripts/build_image.sh: wheels, the project's wheel, the base image
    build_seconds: float  # the engine's build
    error: str | None
    log_tail: tuple[str, ...] = ()  # the last lines of the step that failed (or of the build)


def connect(timeout: float = STATUS_TIMEOUT) -> docker.DockerClient:
    """A client for the engine DOCKER_HOST names, else the local socket, checked to answer."""
    try:
        client = docker.from_env(timeout=timeout)  # asks the engine its API version
        client.ping()
    except ENGINE_ERRORS as error:
        raise EngineUnreachable(unreachable_message(error)) from None
    return client


def engine_status() -> EngineStatus:
    try:
        with contextlib.closing(connect()) as client:
            version = client.version()
    except EngineUnreachable as error:
        return EngineStatus(reachable=False, server_version=None, api_version=None, error=str(error))
    except ENGINE_ERRORS as error:
        return EngineStatus(reachable=False, server_version=None, api_version=None,
                            error=unreachable_message(error))
    return EngineStatus(reachable=True, server_version=version.get("Version"),
                        api_version=version.get("ApiVersion"), error=None)


def image_status(tag: str = DEFAULT_TAG) -> ImageStatus:
    missing = dict(tag=tag, exists=False, id=None, created=None, size_bytes=None, tensorflow=None,
                   base=None)
    try:
        with contextlib.closing(connect()) as client:
            gpu, gpu_note = gpu_support(client.info())
            try:
                image = client.images.get(tag)
            except ImageNotFound:
                return ImageStatus(**missing, gpu=gpu, gpu_note=gpu_note,
                                   error=f"{tag} is not built; build it with `bash scripts/build_image.sh`")
    except EngineUnreachable as error:
        return ImageStatus(**missing, gpu=False, gpu_note="unknown: no engine", error=str(error))
    except ENGINE_ERRORS as error:
        return ImageStatus(**missing, gpu=False, gpu_note="unknown: no engine",
                           error=unreachable_message(error))
    labels = image.labels or {}
    return ImageStatus(tag=tag, exists=True, id=image.short_id.removeprefix("sha256:"),
                       created=image.attrs.get("Created"), size_bytes=image.attrs.get("Size"),
                       tensorflow=labels.get(TENSORFLOW_LABEL), base=labels.get(BASE_LABEL),
                       gpu=gpu, gpu_note=gpu_note, error=None)


def gpu_support(info: dict) -> tuple[bool, str]:
    """Whether the engine (its `docker info`) can give containers GPUs, and how, in plain words."""
    runtimes = sorted(info.get("Runtimes") or {})
    if "nvidia" in runtimes:
        return True, "GPU runtime: nvidia"
    cdi_gpus = [device.get("ID", "") for device in info.get("DiscoveredDevices") or []
                if device.get("ID", "").startswith("nvidia.com/gpu")]
    if cdi_gpus:
        return True, f"GPUs through CDI: {', '.join(cdi_gpus)}"
    # `--gpus` also works with plain runc when the NVIDIA hook is installed; only visible locally.
    if _engine_is_local() and shutil.which("nvidia-container-runtime-hook"):
        return True, "GPUs through the NVIDIA container hook (device requests)"
    return False, (f"no GPU runtime (the engine offers {', '.join(runtimes) or 'no runtimes'}): "
                   "TensorFlow runs on the CPU; the NVIDIA Container Toolkit adds GPUs")


def build_image(tag: str = DEFAULT_TAG, base: str | None = None, offline_base: bool = False,
                progress: Callable[[str], None] | None = None, repo: Path = REPO_ROOT) -> BuildResult:
    """Prepare the context with scripts/build_image.sh, then build it through the engine's API.

    `base` None lets the script choose: the official TensorFlow GPU image when it can be pulled,
    else the offline Debian base (`offline_base` chooses that one outright). `progress` receives
    each line of output as it comes.
    """
    say = progress or (lambda line: None)
    script = repo / "scripts" / "build_image.sh"
    if not script.is_file():
        return _failed_build(tag, f"building the image needs a checkout of the grader repository "
                                  f"({script} not found)")
    try:
        client = connect()  # the build itself gets BUILD_TIMEOUT
    except EngineUnreachable as error:
        return _failed_build(tag, str(error))

    env = {**os.environ, "PREPARE_ONLY": "1"}
    if base:
        env["BASE"] = base
    if offline_base:
        env["OFFLINE_BASE"] = "1"
    started = time.monotonic()
    returncode, tail = _run_streaming(["bash", str(script)], repo, env, say)
    prepared = time.monotonic()
    if returncode != 0:
        client.close()
        return _failed_build(tag, f"preparing the build context failed ({script.name} exited with "
                                  f"{returncode})", prepared - started, tail)

    build_args = _read_build_args(repo / "build" / "docker-build-args")
    with contextlib.closing(client):
        image_id, error, tail = _build_context(client, repo / "build" / "docker-context", tag,
                                               build_args, say)
    return BuildResult(tag=tag, built=error is None, image_id=image_id, base=build_args.get("BASE"),
                       prepare_seconds=prepared - started, build_seconds=time.monotonic() - prepared,
                       error=error, log_tail=tail)


def unreachable_message(error: BaseException) -> str:
    """Where the engine was looked for, why it did not answer, and how to start one."""
    host = os.environ.get("DOCKER_HOST") or LOCAL_SOCKET
    cause = _os_error_beneath(error)
    place = host.removeprefix("unix://")
    if isinstance(cause, FileNotFoundError):
        reason = f"no engine socket at {place}"
    elif isinstance(cause, PermissionError):
        reason = f"permission denied on {place}: run as root or join the 'docker' group"
    elif isinstance(cause, ConnectionRefusedError):
        reason = f"nothing is listening at {place}"
    else:
        reason = str(error)
    hint = " (DOCKER_HOST is set; unset it to use the local engine)" if "DOCKER_HOST" in os.environ else ""
    return f"Docker engine not reachable at {host}: {reason}; {START_ENGINE}{hint}"


# --- helpers --------------------------------------------------------------------------------------

def _build_context(client: docker.DockerClient, context: Path, tag: str, build_args: dict[str, str],
                   say: Callable[[str], None]) -> tuple[str | None, str | None, tuple[str, ...]]:
    """The engine's build of a prepared context: (short image id, error, last lines of output)."""
    tail = collections.deque(maxlen=LOG_TAIL_LINES)
    error = None
    try:
        # network_mode none: every wheel is in the context, and nothing in the build may fetch more.
        for chunk in client.api.build(path=str(context), tag=tag, buildargs=build_args, rm=True,
                                      forcerm=True, network_mode="none", decode=True,
                                      timeout=BUILD_TIMEOUT):
            for line in _chunk_lines(chunk):
                tail.append(line)
                say(line)
            error = chunk.get("error", "").strip() or error
        if error:
            return None, error, tuple(tail)
        return client.images.get(tag).short_id.removeprefix("sha256:"), None, tuple(tail)
    except ENGINE_ERRORS as engine_error:
        return None, f"the engine failed during the build: {engine_error}", tuple(tail)


def _failed_build(tag: str, error: str, prepare_seconds: float = 0.0,
                  log_tail: tuple[str, ...] = ()) -> BuildResult:
    return BuildResult(tag=tag, built=False, image_id=None, base=None, prepare_seconds=prepare_seconds,
                       build_seconds=0.0, error=error, log_tail=log_tail)


def _engine_is_local() -> bool:
    return os.environ.get("DOCKER_HOST", LOCAL_SOCKET).startswith("unix://")


def _os_error_beneath(error: BaseException) -> OSError | None:
    """The socket error at the bottom of the SDK's and requests' wrappers, if there is one."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (FileNotFoundError, PermissionError, ConnectionRefusedError)):
            return current
        pending.extend(item for item in (current.__cause__, current.__context__, *current.args)
                       if isinstance(item, BaseException))
    return None


def _run_streaming(command: list[str], cwd: Path, env: dict[str, str],
                   say: Callable[[str], None]) -> tuple[int, tuple[str, ...]]:
    tail = collections.deque(maxlen=LOG_TAIL_LINES)
    with subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, bufsize=1) as process:
        for line in process.stdout:
            tail.append(line.rstrip("\n"))
            say(line.rstrip("\n"))
    return process.returncode, tuple(tail)


def _read_build_args(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _chunk_lines(chunk: dict) -> Iterator[str]:
    text = chunk.get("stream") or chunk.get("error") or ""
    yield from (line for line in text.splitlines() if line.strip())
