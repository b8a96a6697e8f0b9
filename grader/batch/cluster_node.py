"""What a cluster node does with one student (`grade batch --cluster`): unpack the submission it
was sent as bytes, grade it with this node's own sandbox, data and prediction worker, and return
the record. Nothing here imports Ray: the driver (`cluster.py`) wraps `grade_on_node` in a task.

A node never assumes a file system shared with the head: the submission arrives as a tar archive
in memory, and the hidden split is this node's own verified copy (a node without it says so,
naming what to install).
"""
from __future__ import annotations

import atexit
import dataclasses
import io
import json
import shutil
import socket
import tarfile
import tempfile
from pathlib import Path

from grader.batch.run import Entry, grade_entry, make_record, version
from grader.judge.predictors import CommandPredictor
from grader.results import Verdict
from grader.runs import ungraded
from grader.sandbox.registry import SharedSandbox
from grader.tasks.spec import TaskSpec


@dataclasses.dataclass(frozen=True)
class Shipment:
    """One student's submission on its way to a node: where it is on the head, its bytes."""

    student: str
    key: str
    head_path: str  # shown in the student's record instead of the node's temporary folder
    archive: bytes  # a tar of the file or folder, symbolic links kept as links


def pack(path: Path) -> bytes:
    """The file or folder at `path` as an uncompressed tar (submissions are mostly small text)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(path, arcname=path.name, recursive=True)
    return buffer.getvalue()


def unpack(archive: bytes, folder: Path) -> Path:
    """Recreate the packed file or folder inside `folder`; return its path. The "tar" filter
    refuses members outside `folder` and set-uid bits, and keeps symbolic links as they were, so
    the pipeline judges a hostile link here exactly as it would on the head."""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r") as tar:
        names = {member.name.split("/")[0] for member in tar.getmembers()}
        if len(names) != 1:
            raise ValueError(f"a shipped submission holds one file or folder, not {sorted(names)}")
        tar.extractall(folder, filter="tar")
    return folder / names.pop()


class _NodeState:
    """What a Ray worker process keeps between the students it grades: one sandbox (this node's
    backend: Docker where it has the engine and image, else local) and one warm prediction
    worker, closed when the process exits."""

    sandboxes: dict[tuple[str, str], SharedSandbox] = {}
    predictors: dict[tuple[str, str], CommandPredictor] = {}

    @classmethod
    def sandbox(cls, backend: str, gpus: str) -> SharedSandbox:
        return cls.sandboxes.setdefault((backend, gpus), SharedSandbox(backend, gpus))

    @classmethod
    def predictor(cls, backend: str, gpus: str) -> CommandPredictor:
        """The node's warm predictor, in the node's sandbox where it must be (grader.judge.predictors)."""
        if (backend, gpus) not in cls.predictors:
            predictor = cls.predictors[(backend, gpus)] = CommandPredictor(cls.sandbox(backend, gpus))
            atexit.register(predictor.close)
        return cls.predictors[(backend, gpus)]


def node_name(node_id: str = "") -> str:
    """How the report names a node: its host, and the start of Ray's node id (two nodes may
    share a host)."""
    return f"{socket.gethostname()}/{node_id[:6]}" if node_id else socket.gethostname()


def grade_on_node(shipment: Shipment, tasks: dict[str, TaskSpec], task_id: str | None, options,
                  head_version: str, node: str) -> dict:
    """The student's record, graded here. A node running another grader version refuses: its
    verdicts would be stored under the head's key."""
    head_path = Path(shipment.head_path)
    if version() != head_version:
        grade = ungraded(head_path, tasks.get(task_id) if task_id else None, Verdict.GRADER_ERROR,
                         f"node {node} runs grader {version()}, the head {head_version}; install the "
                         "head's grader on every node")
        return {**make_record(shipment.student, head_path.name, shipment.key, grade, 0.0), "node": node}
    folder = Path(tempfile.mkdtemp(prefix="grader-node-"))
    try:
        path = unpack(shipment.archive, folder)
        record = grade_entry(Entry(shipment.student, path), shipment.key, tasks, task_id, options,
                             _NodeState.sandbox(options.backend, options.gpus),
                             _NodeState.predictor(options.backend, options.gpus))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    # The student and the teacher know the head's path, not this node's temporary folder.
    text = json.dumps(record, ensure_ascii=False)
    text = text.replace(json.dumps(str(folder))[1:-1], json.dumps(str(head_path.parent))[1:-1])
    record = json.loads(text)
    if not record["final"]:  # the grader's own failure here: say which node, so it can be fixed
        record["grade"]["summary"] = f"on node {node}: {record['grade']['summary']}"
    record["node"] = node
    return record

