"""The cluster batch's decisions on hand-built inputs, in milliseconds: how a submission is
shipped, what a task reserves, when no node can take it, what a lost task records. The real
cluster is in test_cluster.py."""
from __future__ import annotations

import dataclasses
import io
import os
import socket
import tarfile
from pathlib import Path

import pytest

pytest.importorskip("ray")
from rich.console import Console  # noqa: E402

from grader.batch import cluster, cluster_node  # noqa: E402
from grader.batch.run import Entry, Progress  # noqa: E402
from grader.output.report import BatchProgress  # noqa: E402
from grader.runs import RunOptions  # noqa: E402
from grader.tasks.spec import load_tasks  # noqa: E402

GB = 2**30


def test_a_folder_travels_as_bytes_with_its_links_kept_as_links(tmp_path):
    student = tmp_path / "head" / "alice"
    (student / "src").mkdir(parents=True)
    (student / "src" / "solution.py").write_text("print('hi')\n")
    (student / "notes 한글.txt").write_bytes(b"\x00\xff")
    os.symlink("/etc/passwd", student / "mymodel.h5")
    node = tmp_path / "node"
    node.mkdir()
    path = cluster_node.unpack(cluster_node.pack(student), node)
    assert path == node / "alice"
    assert (path / "src" / "solution.py").read_text() == "print('hi')\n"
    assert (path / "notes 한글.txt").read_bytes() == b"\x00\xff"
    assert (path / "mymodel.h5").is_symlink() and os.readlink(path / "mymodel.h5") == "/etc/passwd"


def test_a_single_file_travels_under_its_own_name(tmp_path):
    archive = tmp_path / "bob.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))
    (tmp_path / "node").mkdir()
    path = cluster_node.unpack(cluster_node.pack(archive), tmp_path / "node")
    assert path.name == "bob.zip" and path.read_bytes() == archive.read_bytes()


def _tar(*names: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in names:
            info = tarfile.TarInfo(name)
            info.size = 2
            tar.addfile(info, io.BytesIO(b"hi"))
    return buffer.getvalue()


def test_a_shipment_escaping_its_folder_is_refused(tmp_path):
    with pytest.raises(tarfile.OutsideDestinationError):
        cluster_node.unpack(_tar("../escape.py"), tmp_path)
    with pytest.raises(ValueError, match="one file or folder"):
        cluster_node.unpack(_tar("a.py", "b.py"), tmp_path)


def test_a_task_reserves_its_specs_limits():
    tasks = load_tasks()
    fashion = cluster.task_resources(tasks, "fashion_mnist", RunOptions())
    assert fashion == {"num_cpus": 1.0, "num_gpus": 0, "memory": tasks["fashion_mnist"].limits.memory_mb * 2**20}
    mixed = cluster.task_resources(tasks, None, RunOptions(memory_mb=1024), gpus="all")
    assert mixed == {"num_cpus": 1.0, "num_gpus": 1, "memory": 1024 * 2**20}
    gpu_task = {"t": dataclasses.replace(tasks["iris"], limits=dataclasses.replace(tasks["iris"].limits, gpus=2, cpus=4))}
    assert cluster.task_resources(gpu_task, "t", RunOptions())["num_gpus"] == 2
    assert cluster.task_resources(gpu_task, "t", RunOptions(), gpus="none")["num_gpus"] == 0
    assert cluster.task_resources(gpu_task, "t", RunOptions())["num_cpus"] == 4


def _node(alive: bool = True, **resources) -> dict:
    return {"Alive": alive, "Resources": resources}


def test_a_task_no_alive_node_can_take_is_refused_before_the_batch_starts():
    needs_gpu = {"num_cpus": 1, "num_gpus": 1, "memory": 4 * GB}
    nodes = [_node(CPU=8, memory=64 * GB), _node(alive=False, CPU=8, GPU=1, memory=64 * GB)]
    problem = cluster.why_unschedulable(needs_gpu, nodes)
    assert "1 GPU(s)" in problem and "the largest node has 8 CPU(s), 0 GPU(s)" in problem and "1 node(s) alive" in problem
    assert cluster.why_unschedulable(needs_gpu, nodes + [_node(CPU=1, GPU=1, memory=5 * GB)]) is None
    too_big = {"num_cpus": 1, "num_gpus": 0, "memory": 8 * GB}
    assert "8,192 MB" in cluster.why_unschedulable(too_big, [_node(CPU=2, memory=6 * GB)])


def test_a_task_lost_with_its_nodes_is_the_graders_error_and_graded_again(tmp_path):
    entry = Entry("carol", tmp_path / "carol.py")
    record = cluster.failure_record(entry, "k", load_tasks(), "iris", RuntimeError("node 10.0.0.7 died\nmore"), 2)
    assert record["grade"]["verdict"] == "grader_error" and record["final"] is False
    assert record["student"] == "carol" and record["key"] == "k" and record["task_id"] == "iris"
    assert "2 retries on other nodes" in record["grade"]["summary"]
    assert "RuntimeError: node 10.0.0.7 died" in record["grade"]["summary"]


def test_the_live_line_shows_the_nodes_in_use():
    console = Console(record=True, width=200)
    progress = Progress(total=5, done=1, running=2, nodes={"lab-2/ab12cd": 1, "lab-1/0f9e8d": 1}, nodes_alive=3)
    with BatchProgress(5, 1, console=console) as live:
        live.update(progress)
    text = console.export_text()
    assert "3 node(s) alive, grading on lab-1/0f9e8d ×1, lab-2/ab12cd ×1" in text
    assert "job(s)" not in text


def test_a_head_that_cannot_be_joined_is_refused_with_the_reason(tmp_path):
    loopback = cluster.why_unreachable("127.0.0.1:6379", environ={})
    assert "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0" in loopback
    with socket.socket() as unused:  # a port nothing listens on: bound, never listening
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        closed = cluster.why_unreachable(f"127.0.0.1:{port}", environ={"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"})
    assert f"nothing answers at 127.0.0.1:{port}" in closed and "ray start --head" in closed
    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        assert cluster.why_unreachable(f"127.0.0.1:{port}", environ={"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}) is None
    assert cluster.why_unreachable("auto") is None and cluster.why_unreachable("local") is None
