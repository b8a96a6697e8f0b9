"""The Docker backend's decisions that need no engine: GPU requests and their fallback."""
from __future__ import annotations

import docker
import pytest

from grader.sandbox.docker_backend import gpu_choice, gpu_requests


@pytest.mark.parametrize("requested, available, expected", [
    ("auto", True, True), ("auto", False, False), ("all", True, True), ("none", True, False),
])
def test_gpus_are_requested_when_asked_or_offered_and_never_when_refused(requested, available, expected):
    use, notice = gpu_choice(requested, available, "GPU runtime: nvidia")
    assert use is expected and notice == ""


def test_asking_for_gpus_on_an_engine_without_them_falls_back_to_the_cpu_with_a_notice():
    use, notice = gpu_choice("all", False, "no GPU runtime (the engine offers runc)")
    assert use is False
    assert notice == ("GPUs were requested but the engine has none (no GPU runtime (the engine "
                      "offers runc)); the run used the CPU.")


def test_gpu_request_is_dockers_gpus_all():
    (request,) = gpu_requests(True)
    assert isinstance(request, docker.types.DeviceRequest)
    assert (request.count, request.capabilities) == (-1, [["gpu"]])
    assert gpu_requests(False) is None
