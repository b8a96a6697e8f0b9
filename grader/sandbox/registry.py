"""The sandbox backends by name: the one list `--backend` offers and the grader opens from.

A backend is registered as a function that opens it (imports stay inside, so `grade tasks` never
loads the Docker SDK). `auto` tries each backend in the order registered and takes the first
that opens; the reason a preferred one could not is kept as a note for the report.

Adding a backend: a module under grader/sandbox/ with a class that has `name`, `isolation` and
`run(request, limits) -> RunResult` and raises a subclass of `SandboxUnavailable` when it cannot
run here, then one line in `BACKENDS` below.
"""
from __future__ import annotations

import threading
from collections.abc import Callable

from grader.sandbox import Sandbox, SandboxUnavailable

AUTO = "auto"


def _open_docker(gpus: str) -> Sandbox:
    from grader.sandbox.docker_backend import DockerSandbox

    return DockerSandbox(gpus=gpus)


def _open_local(gpus: str) -> Sandbox:
    from grader.sandbox.local import LocalSandbox

    return LocalSandbox()


# In order of preference for `auto`: the container first, the local sandbox as the fallback.
BACKENDS: dict[str, Callable[[str], Sandbox]] = {
    "docker": _open_docker,
    "local": _open_local,
}


def backend_choices() -> list[str]:
    """What `--backend` accepts."""
    return [AUTO, *BACKENDS]


def open_sandbox(name: str, gpus: str = "auto") -> tuple[Sandbox, str]:
    """(sandbox, note): the named backend, or for `auto` the first that opens, with the note
    saying why the preferred ones could not. Raises SandboxUnavailable for a named backend
    that cannot open, and for `auto` when none can."""
    if name != AUTO:
        if name not in BACKENDS:
            raise SandboxUnavailable(f"unknown backend {name!r}; choose one of {', '.join(backend_choices())}")
        return BACKENDS[name](gpus), ""
    reasons = []
    for backend, opener in BACKENDS.items():
        try:
            sandbox = opener(gpus)
        except SandboxUnavailable as error:
            reasons.append(f"{backend}: {error}")
            continue
        note = f"Ran in the {sandbox.name} sandbox ({'; '.join(reasons)})." if reasons else ""
        return sandbox, note
    raise SandboxUnavailable("no sandbox backend can run here: " + "; ".join(reasons))


class SharedSandbox:
    """One sandbox for a whole command (a grade, or a batch of many): opened on first need,
    at most once, and the same failure given to every caller when it cannot open."""

    def __init__(self, name: str, gpus: str = "auto") -> None:
        self.name, self.gpus = name, gpus
        self._lock = threading.Lock()
        self._opened: tuple[Sandbox, str] | None = None
        self._error: SandboxUnavailable | None = None

    def get(self) -> tuple[Sandbox, str]:
        with self._lock:
            if self._opened is None and self._error is None:
                try:
                    self._opened = open_sandbox(self.name, self.gpus)
                except SandboxUnavailable as error:
                    self._error = error
            if self._error is not None:
                raise self._error
            return self._opened
