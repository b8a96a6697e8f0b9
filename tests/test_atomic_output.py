"""The grader's own files: a temporary file a killed grader left is removed, none still in use."""
from __future__ import annotations

import os
import subprocess

from grader.batch.run import ResultStore


def test_a_temporary_result_a_killed_grader_left_is_removed_by_the_next_batch(tmp_path):
    """A grader killed between writing a result and renaming it leaves a temporary file; the next
    batch removes it, but never one a grader still alive is writing."""
    results_folder = tmp_path / "out" / "results"
    results_folder.mkdir(parents=True)
    gone = subprocess.Popen(["true"])  # a pid whose process has ended
    gone.wait()
    abandoned = results_folder / f".ana.json.{gone.pid}.k2j4x9_q.tmp"
    in_progress = results_folder / f".ben.json.{os.getpid()}.a8c0s1zz.tmp"
    for path in (abandoned, in_progress):
        path.write_text("{")
    ResultStore(tmp_path / "out")
    assert not abandoned.exists() and in_progress.exists()
