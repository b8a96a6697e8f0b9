"""Whether the Docker tests can run here: an engine that answers and the grader's image.

Where they cannot, they are skipped, unless GRADER_REQUIRE_DOCKER=1 (CI sets it), which turns a
missing engine into an error instead of a quiet pass.
"""
from __future__ import annotations

import functools
import os


@functools.cache
def docker_not_ready() -> str:
    """Why Docker runs cannot happen here ("" when they can)."""
    from grader.sandbox.docker_backend import DockerSandbox, DockerUnavailable

    try:
        DockerSandbox()
    except DockerUnavailable as error:
        reason = str(error)
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            raise RuntimeError(f"GRADER_REQUIRE_DOCKER=1 but Docker is not ready: {reason}") from None
        return reason
    return ""
