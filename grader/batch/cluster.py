"""A class graded on a Ray cluster: `grade batch DIR --cluster ADDRESS`.

Each student is one Ray task that runs the ordinary pipeline on whichever node takes it
(`cluster_node.py`) and returns the record. This process, the driver on the head, keeps the one
record of truth: it decides what is left with the same content keys as a local batch and writes
every record into the same results store, so a driver killed halfway resumes with only the
missing students graded, whatever ran where. A submission travels to its node as bytes through
Ray's object store. A node that dies mid-task has its task retried on another node (bounded
retries); past them the student gets grader_error (graded again on the next run) and the batch
goes on. A student's own crash is decided inside the sandbox, so it is a verdict, never a retry.
"""
from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from grader.batch import cluster_node
from grader.batch.run import (Entry, Progress, ResultStore, class_records, make_record, plan_batch,
                              version)
from grader.results import Verdict
from grader.runs import ungraded
from grader.tasks.spec import TaskSpec

# Ray keeps 127.0.0.1 as this machine's address only when told it runs a one-machine cluster.
ONE_MACHINE_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
RETRIES = 2  # retries on another node after the node running a task died
POLL_SECONDS = 0.5


class ClusterUnavailable(RuntimeError):
    """The cluster cannot be joined, or no node of it can ever take the class's tasks."""


@contextlib.contextmanager
def connected(address: str, local_cpus: int = 1) -> Iterator[None]:
    """Join the cluster at `address` (`auto`: the one running on this machine) or, for `local`,
    start a private one-node cluster that ends with the command. No dashboard: it is optional."""
    settings = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
                    configure_logging=False)
    problem = why_unreachable(address)
    if problem:  # Ray would wait for it without end
        raise ClusterUnavailable(f"cannot join the Ray cluster at {address!r}: {problem}")
    try:
        if address == "local":
            ray.init(num_cpus=local_cpus, _node_ip_address="127.0.0.1", **settings)
        else:
            ray.init(address=address, **settings)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise ClusterUnavailable(
            f"cannot join the Ray cluster at {address!r}: {error}. Start one with `ray start --head` "
            "(see docs/cluster.md), or use --cluster local for a one-machine cluster") from None
    try:
        yield
    finally:
        ray.shutdown()


def why_unreachable(address: str, environ: Mapping[str, str] = os.environ, timeout: float = 5) -> str | None:
    """Why a HOST:PORT head cannot be joined, or None (auto, local and ray:// are Ray's to check)."""
    host, _, port = address.rpartition(":")
    if address in ("auto", "local") or "://" in address or not port.isdigit():
        return None
    if host in ("localhost", "127.0.0.1", "::1") and environ.get(ONE_MACHINE_ENV) != "0":
        return (f"Ray replaces a loopback head address with this machine's outward one before joining; "
                f"for a cluster on {host} set {ONE_MACHINE_ENV}=0 (see docs/cluster.md)")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as error:
        return f"nothing answers at {host}:{port} ({error}); is `ray start --head` running there?"
    return None


def task_resources(tasks: dict[str, TaskSpec], task_id: str | None, options, gpus: str = "auto") -> dict:
    """What each student's task reserves on its node: the task spec's CPUs, GPUs and memory (the
    largest over the specs when each student's task is chosen on the node). `--gpus all` asks one
    GPU for every task, `--gpus none` none."""
    specs = [tasks[task_id]] if task_id else list(tasks.values())
    memory_mb = options.memory_mb or max(spec.limits.memory_mb for spec in specs)
    wanted_gpus = max(spec.limits.gpus for spec in specs)
    num_gpus = {"all": max(wanted_gpus, 1), "none": 0}.get(gpus, wanted_gpus)
    return {"num_cpus": max(spec.limits.cpus for spec in specs), "num_gpus": num_gpus,
            "memory": memory_mb * 2**20}


def why_unschedulable(resources: dict, nodes: list[dict]) -> str | None:
    """Why no alive node can ever take a task needing `resources` (Ray would wait forever), or
    None. `nodes` is `ray.nodes()`."""
    needs = {"CPU": resources["num_cpus"], "GPU": resources["num_gpus"], "memory": resources["memory"]}
    alive = [node for node in nodes if node.get("Alive")]
    for node in alive:
        if all(node["Resources"].get(name, 0) >= amount for name, amount in needs.items() if amount):
            return None
    largest = {name: max((node["Resources"].get(name, 0) for node in alive), default=0) for name in needs}
    return (f"no node of the cluster can take a student's task: each needs {needs['CPU']:g} CPU(s), "
            f"{needs['GPU']:g} GPU(s) and {needs['memory'] / 2**20:,.0f} MB of memory; the largest node has "
            f"{largest['CPU']:g} CPU(s), {largest['GPU']:g} GPU(s), {largest['memory'] / 2**20:,.0f} MB "
            f"({len(alive)} node(s) alive). Add such a node, or lower the task's limits "
            "(--memory-limit, [limits] cpus/gpus in the spec, --gpus none)")


def failure_record(entry: Entry, key: str, tasks: dict[str, TaskSpec], task_id: str | None,
                   error: BaseException, retries: int) -> dict:
    """A student whose task could not finish on any node: the grader's failure, not the
    student's (grader_error, graded again on the next run)."""
    cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, ray.exceptions.RayTaskError):  # the grader's own code raised on the node
        why = "the grader failed on the node"
    else:
        why = (f"a node died or its worker was killed, {retries} retr{'y' if retries == 1 else 'ies'} "
               "on other nodes")
    detail = (f"the cluster could not finish grading this submission ({why}): {type(error).__name__}: "
              f"{cause}. The next run grades it again")
    grade = ungraded(entry.path, tasks.get(task_id) if task_id else None, Verdict.GRADER_ERROR, detail)
    return make_record(entry.student, entry.path.name, key, grade, 0.0)


class _Board:
    """A Ray actor on the head where each task says where it started: the live display's
    nodes in use, and how many attempts each student took."""

    def __init__(self) -> None:
        self.starts: dict[str, list[str]] = {}

    def started(self, student: str, node: str) -> None:
        self.starts.setdefault(student, []).append(node)

    def snapshot(self) -> dict[str, list[str]]:
        return self.starts


def _grade_task(shipment: cluster_node.Shipment, tasks: dict, task_id: str | None, options,
                head_version: str, board) -> dict:
    """The body of each student's Ray task, on the node that took it."""
    node = cluster_node.node_name(ray.get_runtime_context().get_node_id())
    board.started.remote(shipment.student, node)  # not awaited: the display may lag, the grade never
    return cluster_node.grade_on_node(shipment, tasks, task_id, options, head_version, node)


def run_cluster_batch(entries: list[Entry], tasks: dict[str, TaskSpec], task_id: str | None, out: Path,
                      options, address: str, force: bool = False, local_cpus: int = 1,
                      retries: int = RETRIES,
                      on_change: Callable[[Progress], None] | None = None) -> list[dict]:
    """`run_batch` on a Ray cluster: the same store, keys, resume and progress."""
    store = ResultStore(out)
    pending, progress = plan_batch(entries, tasks, task_id, store, options, force)
    notify = on_change or (lambda _progress: None)
    notify(progress)
    if not pending:
        return class_records(store, entries)
    resources = task_resources(tasks, task_id, options, options.gpus)
    with connected(address, local_cpus):
        problem = why_unschedulable(resources, ray.nodes())
        if problem:
            raise ClusterUnavailable(problem)
        head = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=True)
        board = ray.remote(num_cpus=0)(_Board).options(scheduling_strategy=head).remote()
        task = ray.remote(_grade_task).options(max_retries=retries, retry_exceptions=False, **resources)
        shared_tasks = ray.put(tasks)
        waiting = {}
        for entry, key in pending:
            shipment = cluster_node.Shipment(entry.student, key, str(entry.path.resolve()),
                                             cluster_node.pack(entry.path))
            ref = task.remote(ray.put(shipment), shared_tasks, task_id, options, version(), board)
            waiting[ref] = (entry, key)
        starts: dict[str, list[str]] = {}
        while waiting:
            ready, _ = ray.wait(list(waiting), num_returns=len(waiting), timeout=POLL_SECONDS)
            starts = _watch(board, starts)
            for ref in ready:
                entry, key = waiting.pop(ref)
                try:
                    record = ray.get(ref)
                except ray.exceptions.RayError as error:
                    record = failure_record(entry, key, tasks, task_id, error, retries)
                record["attempts"] = max(1, len(starts.get(entry.student, ())))
                store.save(record)
                progress.finished(record)
            _show_nodes(progress, starts, {entry.student for entry, _key in waiting.values()})
            notify(progress)
    return class_records(store, entries)


def _watch(board, previous: dict[str, list[str]]) -> dict[str, list[str]]:
    """The board's latest starts (the last ones seen when the head is too busy to answer)."""
    try:
        return ray.get(board.snapshot.remote(), timeout=5)
    except ray.exceptions.RayError:
        return previous


def _show_nodes(progress: Progress, starts: dict[str, list[str]], unfinished: set[str]) -> None:
    """Running students per alive node, for the live line."""
    alive = {f"{node['NodeManagerHostname']}/{node['NodeID'][:6]}" for node in ray.nodes() if node.get("Alive")}
    running: dict[str, int] = {}
    for student, nodes in starts.items():
        if student in unfinished and nodes[-1] in alive:
            running[nodes[-1]] = running.get(nodes[-1], 0) + 1
    with progress.lock:
        progress.nodes, progress.nodes_alive = running, len(alive)
        progress.running = sum(running.values())
