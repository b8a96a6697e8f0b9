"""A whole class in one command: every submission in a folder, in parallel, resumable.

    grade batch DIR [--task ID] [--jobs N] [--out DIR] [--force]

Each entry of DIR (a file or a folder) is one student; the student id is its name without the
extension. Each result is written to OUT/results/<student>.json atomically the moment it is
finished, keyed by a hash of the submission, the task specs and the grader's version, so
re-running the same command grades only what changed and an interrupted batch (Ctrl-C, a killed
grader, a power cut) resumes with no finished result lost and none graded twice. A submission
that crashes, hangs or attacks ends in its own verdict; nothing it does stops the batch.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from grader.output.atomic import remove_abandoned, unwritable, write_atomically
from grader.results import Grade, Verdict
from grader.sandbox.registry import SharedSandbox
from grader.submission.handin import MODEL_SUFFIXES, SCRIPT_SUFFIXES
from grader.tasks.spec import TaskSpec

RESULTS_DIR = "results"
RECORD_VERSION = 1
# What a student's file may be; the student id is its name without one of these.
SUFFIXES = (*SCRIPT_SUFFIXES, *MODEL_SUFFIXES, ".zip")


@dataclasses.dataclass(frozen=True)
class Entry:
    student: str
    path: Path


def discover(directory: Path, out: Path | None = None) -> list[Entry]:
    """One entry per student: every visible file and folder in `directory` (not the output)."""
    entries = []
    for path in sorted(Path(directory).iterdir()):
        if path.name.startswith((".", "_")) or (out is not None and path.resolve() == out.resolve()):
            continue
        student = path.name[: -len(path.suffix)] if path.suffix in SUFFIXES else path.name
        entries.append(Entry(student, path))
    seen: dict[str, Path] = {}
    for entry in entries:
        if entry.student in seen:
            raise ValueError(f"two submissions for student {entry.student!r}: {seen[entry.student].name} "
                             f"and {entry.path.name}; keep one")
        seen[entry.student] = entry.path
    return entries


def affordable_jobs(requested: int, memory_mb: int) -> int:
    """Parallel jobs within the machine: no more than its cores, nor than its memory holds at
    each job's memory limit."""
    cores = os.cpu_count() or 1
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return max(1, min(requested, cores, total_mb // max(memory_mb, 1)))


def content_key(path: Path, task_files: list[Path], repeat: int = 1) -> str:
    """What a result depends on: the submission's bytes, the task specs, the grader's version and
    how many times each script is trained (`--repeat`)."""
    digest = hashlib.sha256(f"grader {version()} record {RECORD_VERSION}\n".encode())
    if repeat > 1:
        digest.update(f"repeat {repeat}\n".encode())
    for spec in sorted(task_files):
        digest.update(spec.read_bytes())
    files = [path] if not path.is_dir() else sorted(p for p in path.rglob("*") if not p.is_dir())
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode() + b"\0")
        digest.update(os.readlink(file).encode() if file.is_symlink() else _file_digest(file))
    return digest.hexdigest()


def _file_digest(file: Path) -> bytes:
    try:
        with open(file, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").digest()
    except OSError as error:  # a socket, a pipe, an unreadable file: its name and the error count
        return f"unreadable: {error}".encode()


def version() -> str:
    try:
        return metadata.version("grader")
    except metadata.PackageNotFoundError:
        return "unknown"


class ResultStore:
    """OUT/results/<student>.json, one file per student, each replaced atomically."""

    def __init__(self, out: Path) -> None:
        self.folder = Path(out) / RESULTS_DIR
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise unwritable(self.folder, error) from None
        remove_abandoned(self.folder)  # a batch killed mid-write left one

    def load(self, student: str) -> dict | None:
        try:
            record = json.loads((self.folder / f"{student}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # missing, or cut short before the atomic rename could not happen
        return record if isinstance(record, dict) else None

    def save(self, record: dict) -> None:
        """Replace the student's result atomically (grader/output/atomic.py): a crash or a full
        disk at any moment leaves either the old result or the new one, never half of one."""
        write_atomically(self.folder / f"{record['student']}.json",
                         json.dumps(record, ensure_ascii=False, indent=1))

    def all(self) -> list[dict]:
        records = [self.load(path.stem) for path in sorted(self.folder.glob("*.json"))]
        return [r for r in records if r is not None]


@dataclasses.dataclass
class Progress:
    """Counts for the live display, updated from the worker threads (or the cluster's driver)."""

    total: int
    cached: int = 0
    done: int = 0
    failed: int = 0
    running: int = 0
    started: float = dataclasses.field(default_factory=time.monotonic)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)
    # On a cluster: submissions being graded on each node, and the nodes alive.
    nodes: dict[str, int] = dataclasses.field(default_factory=dict)
    nodes_alive: int = 0

    def finished(self, record: dict) -> None:
        with self.lock:
            self.done += 1
            self.failed += not record["grade"]["passed"]


def plan_batch(entries: list[Entry], tasks: dict[str, TaskSpec], task_id: str | None, store: ResultStore,
               options, force: bool = False) -> tuple[list[tuple[Entry, str]], Progress]:
    """What is left to grade (each entry with its content key) and the progress so far: a result
    whose key still matches is kept, unless `force`."""
    task_files = [Path(tasks[task_id].path)] if task_id else [Path(t.path) for t in tasks.values()]
    pending = []
    progress = Progress(total=len(entries))
    for entry in entries:
        key = content_key(entry.path, task_files, options.repeat)
        previous = store.load(entry.student)
        if not force and previous and previous.get("key") == key and previous.get("final"):
            progress.cached += 1
        else:
            pending.append((entry, key))
    return pending, progress


def class_records(store: ResultStore, entries: list[Entry]) -> list[dict]:
    """The stored records of the students in `entries` (not of students no longer in the folder)."""
    students = {entry.student for entry in entries}
    return [record for record in store.all() if record.get("student") in students]


def run_batch(entries: list[Entry], tasks: dict[str, TaskSpec], task_id: str | None, out: Path,
              options, jobs: int = 1, force: bool = False,
              on_change: Callable[[Progress], None] | None = None,
              on_record: Callable[[dict], None] | None = None) -> list[dict]:
    """Grade every entry not already graded with the same key; return all of the class's records.
    `on_record` gets each new record once it is stored, in the thread that graded it: it should
    return at once (the student's page is handed to a thread of its own)."""
    store = ResultStore(out)
    pending, progress = plan_batch(entries, tasks, task_id, store, options, force)
    notify = on_change or (lambda _progress: None)
    notify(progress)
    sandbox = SharedSandbox(options.backend, options.gpus)  # one for the class, opened on first need
    workers = _Workers(sandbox)

    def grade_one(entry: Entry, key: str) -> None:
        with progress.lock:
            progress.running += 1
        notify(progress)
        record = grade_entry(entry, key, tasks, task_id, options, sandbox, workers.mine())
        store.save(record)
        if on_record is not None:
            on_record(record)
        with progress.lock:
            progress.running -= 1
        progress.finished(record)
        notify(progress)

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(grade_one, entry, key) for entry, key in pending]
            for future in concurrent.futures.as_completed(futures):
                if future.exception() is not None:
                    # A disk that refuses results refuses the next ones too: grade no more
                    # (those running finish), and say it once.
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise future.exception()
    finally:
        workers.close()
    return class_records(store, entries)


def grade_entry(entry: Entry, key: str, tasks: dict[str, TaskSpec], task_id: str | None, options,
                 sandbox: SharedSandbox, worker) -> dict:
    """One student's record; whatever goes wrong becomes a verdict in it (the same on a cluster node)."""
    from grader import runs
    from grader.output import fingerprint
    started = time.monotonic()
    weights: dict = {}
    grade, _task = runs.grade_handin(
        entry.path, tasks, task_id, options, sandbox=sandbox, worker=worker,
        on_model=lambda path: weights.update(fingerprint.weights_fingerprint(path) or {}))
    return make_record(entry.student, entry.path.name, key, grade, time.monotonic() - started, weights or None)


def make_record(student: str, submission: str, key: str, grade: Grade, seconds: float,
                fingerprint: dict | None = None) -> dict:
    """What the store keeps for a student. A grader_error is not final: graded again next run."""
    return {
        "record_version": RECORD_VERSION, "student": student, "submission": submission,
        "key": key, "final": grade.verdict is not Verdict.GRADER_ERROR, "task_id": grade.task_id,
        "seconds": round(seconds, 2), "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "fingerprint": fingerprint, "grade": grade.to_dict(),
    }


class _Workers:
    """One warm prediction worker per batch thread (in a container on the Docker backend): the
    framework loads once per thread, and every worker is closed when the batch ends."""

    def __init__(self, sandbox: SharedSandbox) -> None:
        self._sandbox = sandbox
        self._local = threading.local()
        self._all: list = []
        self._lock = threading.Lock()

    def mine(self):
        from grader.judge.predictors import CommandPredictor

        if not hasattr(self._local, "worker"):
            self._local.worker = CommandPredictor(self._sandbox)
            with self._lock:
                self._all.append(self._local.worker)
        return self._local.worker

    def close(self) -> None:
        for worker in self._all:
            worker.close()
