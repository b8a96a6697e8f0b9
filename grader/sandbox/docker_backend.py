"""The Docker backend: the student's command in a locked-down container, through the Docker SDK.

Each run gets a fresh container of the grader's runtime image (see Dockerfile): no network, a
read-only root file system with a private tmpfs /tmp, the workspace mounted read-write at /work
and the staged student data read-only at /data, an unprivileged user, every capability dropped,
no-new-privileges, memory (swap included), CPU and process-count limits, and a wall-clock limit
the grader enforces by killing it. GPUs are passed through when the engine offers them. The
container is removed afterwards, whatever happened. The evaluation data is never mounted.
"""
from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

from grader.sandbox import RUNTIME_IMAGE, STUDENT_DATA_ENV, RunLimits, RunRequest, RunResult, SandboxUnavailable
from grader.sandbox.capture import CappedText
from grader.sandbox.cgroups import fork_refused
from grader.sandbox.processes import alive
from grader.sandbox.run_disk import (DiskWatch, hand_to_user, kernel_memory_mb, space_bound,
                                     writable_folders)

DEFAULT_IMAGE = RUNTIME_IMAGE
WORKDIR, DATADIR = "/work", "/data"
RUN_USER = "1000:1000"  # the image's `grader` user; the workspace is handed to it
RUN_LABEL, GRADER_PID_LABEL = "org.grader.run", "org.grader.pid"
ISOLATION = ("container", "no network", "read-only root file system", "private /tmp",
             "unprivileged user", "no capabilities", "no-new-privileges", "memory, CPU and process limits",
             "evaluation data never mounted")


class DockerUnavailable(SandboxUnavailable):
    """The engine is unreachable or the image is missing; the message says how to fix it."""


class DockerSandbox:
    name = "docker"

    def __init__(self, image: str = DEFAULT_IMAGE, cpus: float | None = None, gpus: str = "auto",
                 client=None) -> None:
        from grader.sandbox import docker_image  # imported here: the local backend never needs the SDK

        try:
            self.client = client or docker_image.connect(timeout=30)
        except docker_image.EngineUnreachable as error:
            raise DockerUnavailable(f"{error}; or use --backend local") from None
        import docker

        try:
            self.client.images.get(image)  # through this client: image_status would connect again
        except docker.errors.ImageNotFound:
            raise DockerUnavailable(f"the image {image} does not exist; build it with `grade image build`") from None
        sweep_leftovers(self.client)
        self.image = image
        self.cpus = cpus or float(os.cpu_count() or 1)
        available, how = docker_image.gpu_support(self.client.info())
        self.use_gpus, self.gpu_notice = gpu_choice(gpus, available, how)

    @property
    def isolation(self) -> tuple[str, ...]:
        return (*ISOLATION, "GPUs passed through" if self.use_gpus else "CPU only")

    def run(self, request: RunRequest, limits: RunLimits) -> RunResult:
        import docker

        try:
            return self._create_and_run(request, limits)
        except docker.errors.DockerException as error:  # the engine's failure, not the student's
            raise DockerUnavailable(f"the Docker engine failed during the run: {error}") from None

    def _create_and_run(self, request: RunRequest, limits: RunLimits) -> RunResult:
        import docker

        hand_to_user(writable_folders(request.workspace, request.disk), *(int(part) for part in RUN_USER.split(":")))
        memory = f"{kernel_memory_mb(limits.memory_mb, request.disk)}m"
        container = self.client.containers.create(
            self.image,
            command=["python", "-m", request.module, *request.harness_args],
            name=f"grader-run-{uuid.uuid4().hex[:12]}",
            working_dir=WORKDIR, user=RUN_USER,
            environment={**request.env, STUDENT_DATA_ENV: DATADIR, "HOME": "/tmp"},
            volumes={str(request.workspace.resolve()): {"bind": WORKDIR, "mode": "rw"},
                     str(request.data_dir.resolve()): {"bind": DATADIR, "mode": "ro"},
                     **_private_folders(request.disk)},
            network_mode="none", read_only=True,
            tmpfs=None if request.disk else {"/tmp": f"size={limits.tmp_mb}m,mode=1777",
                                             "/dev/shm": f"size={limits.tmp_mb}m"},
            mem_limit=memory, memswap_limit=memory,
            nano_cpus=int(self.cpus * 1e9), pids_limit=limits.processes,
            ulimits=[docker.types.Ulimit(name="fsize", soft=limits.file_mb * 2**20, hard=limits.file_mb * 2**20)],
            cap_drop=["ALL"], security_opt=["no-new-privileges"],
            # The output is streamed to the grader (see _stream_output); the engine keeps no log,
            # so a run printing forever cannot fill its disk.
            log_config=docker.types.LogConfig(type="none"),
            device_requests=gpu_requests(self.use_gpus),
            labels={RUN_LABEL: "1", GRADER_PID_LABEL: str(os.getpid())},
        )
        try:
            return self._run(container, request, limits)
        finally:
            _remove(container)

    def _run(self, container, request: RunRequest, limits: RunLimits) -> RunResult:
        stdout, stderr = CappedText(limits.output_bytes), CappedText(limits.output_bytes)
        output = _stream_output(container, stdout, stderr)  # attached before start: nothing missed
        started = time.monotonic()
        container.start()
        peak = _Peaks(container, limits.processes)
        disk_watch = DiskWatch(request.disk, stop=container.kill)
        timed_out = False
        try:
            status = container.wait(timeout=limits.time_seconds)
        except Exception:  # requests' ReadTimeout / ConnectionError: the limit passed
            timed_out = not peak.full
            status = _kill(container)
        wall = time.monotonic() - started
        peak.stop()
        disk_full = disk_watch.close()
        process_limit_hit = peak.full or _fork_refused(container.id)
        container.reload()
        state = container.attrs.get("State", {})
        output.join(timeout=5)
        code = status.get("StatusCode")
        killed = code is not None and code >= 128
        return RunResult(
            backend=self.name, exit_code=None if killed else code, signal=code - 128 if killed else None,
            timed_out=timed_out, out_of_memory=bool(state.get("OOMKilled")) and not timed_out,
            process_limit_hit=process_limit_hit,
            wall_seconds=round(wall, 2), peak_memory_mb=round(peak.bytes / 2**20, 1),
            stdout=stdout.text(), stderr=stderr.text(),
            output_dropped_bytes=stdout.dropped + stderr.dropped,
            isolation=(*self.isolation, space_bound(request.disk)),
            notes=(self.gpu_notice,) if self.gpu_notice else (), disk_full=disk_full,
            disk_written=request.disk.what_was_written() if disk_full else "",
        )


def _private_folders(disk) -> dict:
    """The run's bounded space as the container's /tmp and /dev/shm (else Docker's own tmpfs)."""
    if disk is None:
        return {}
    return {str(disk.tmp): {"bind": "/tmp", "mode": "rw"}, str(disk.shm): {"bind": "/dev/shm", "mode": "rw"}}


def gpu_choice(requested: str, available: bool, how: str) -> tuple[bool, str]:
    """Whether to hand the container GPUs, and a notice when a request cannot be met.

    `requested`: "auto" (when the engine offers them), "all" (asked for), "none"."""
    if requested == "none":
        return False, ""
    if available:
        return True, ""
    if requested == "all":
        return False, f"GPUs were requested but the engine has none ({how}); the run used the CPU."
    return False, ""


def gpu_requests(use_gpus: bool) -> list | None:
    """Docker's `--gpus all` as the API's device request."""
    import docker

    return [docker.types.DeviceRequest(count=-1, capabilities=[["gpu"]])] if use_gpus else None


def sweep_leftovers(client) -> int:
    """Remove run containers whose grader is gone (killed mid-run, a power cut): labelled with
    the grader's pid, they are found and removed by the next grader to start."""
    import docker

    removed = 0
    for container in client.containers.list(all=True, filters={"label": RUN_LABEL}):
        owner = container.labels.get(GRADER_PID_LABEL, "")
        if owner.isdigit() and alive(int(owner)):
            continue  # a grader still running (a parallel batch): its own
        try:
            container.remove(force=True)
        except docker.errors.APIError:  # gone already, or its removal is under way
            continue
        removed += 1
    return removed


def _stream_output(container, stdout: CappedText, stderr: CappedText) -> threading.Thread:
    """Follow the container's stdout and stderr into the caps as they are written, so every
    byte is counted (the caps keep the start and the end)."""
    stream = container.attach(stdout=True, stderr=True, stream=True, logs=False, demux=True)

    def pump() -> None:
        try:
            for out, err in stream:
                if out:
                    stdout.add(out)
                if err:
                    stderr.add(err)
        except Exception:  # the connection ends, one way or another, when the container does
            return

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def _remove(container) -> None:
    """Remove the container, waiting out an engine still tearing down hundreds of its processes.
    One that will not go is left labelled, for the next grader's sweep."""
    import docker

    for _attempt in range(3):
        try:
            container.remove(force=True)
            return
        except docker.errors.NotFound:
            return
        except docker.errors.DockerException:
            try:
                container.wait(timeout=30)
            except Exception:
                pass


def _kill(container) -> dict:
    """Kill the container and wait for its end. An engine busy with a container at its limits
    (a fork bomb being killed for memory) can miss the exit: try again before giving up."""
    import docker

    for attempt in range(3):
        try:
            container.kill()
        except docker.errors.APIError:
            pass  # already gone, or the engine did not see it go yet: wait and see
        try:
            return container.wait(timeout=30)
        except Exception:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class _Peaks:
    """Samples the container's memory use and task count from the engine's stats stream, and
    stops a container that reaches its process limit (as the local backend does): a fork bomb
    that catches its errors would otherwise spin until the time limit."""

    def __init__(self, container, processes: int) -> None:
        self.bytes = 0
        self.full = False  # reached the process limit, and was stopped for it
        self._container, self._processes = container, processes
        self._stream = container.stats(stream=True, decode=True)
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        try:
            for sample in self._stream:
                memory = sample.get("memory_stats") or {}
                self.bytes = max(self.bytes, memory.get("max_usage", 0), memory.get("usage", 0))
                if (sample.get("pids_stats") or {}).get("current", 0) >= self._processes and not self.full:
                    self.full = True
                    self._container.kill()
        except Exception:  # the stream ends, one way or another, when the container does
            return

    def stop(self) -> None:
        # The engine keeps the stats stream open after the container stops: waiting for it would
        # cost seconds per run. The peak so far is final; the thread ends when the container is
        # removed and the stream closes.
        self._thread.join(timeout=0.1)


# Where an engine on this machine keeps a container's pids cgroup (v1 cgroupfs, v2 systemd).
_PIDS_EVENTS = ("/sys/fs/cgroup/pids/docker/{id}/pids.events",
                "/sys/fs/cgroup/system.slice/docker-{id}.scope/pids.events",
                "/sys/fs/cgroup/docker/{id}/pids.events")


def _fork_refused(container_id: str) -> bool:
    """Whether the kernel refused the container a fork or thread at its pids limit. Readable only
    when the engine runs on this machine; the stats stream's task count covers the rest."""
    for template in _PIDS_EVENTS:
        refused = fork_refused(Path(template.format(id=container_id)))
        if refused is not None:
            return refused
    return False

