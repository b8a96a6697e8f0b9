"""The same class graded on a Ray cluster of one node and of two (one CPU each), and as a local
batch: the throughput ratio two nodes / one node (goal >= 1.7) and what going through Ray costs
per submission.

    python bench/cluster.py [--students N] [--backend local|docker]

The class is N copies of reference_solutions/basic_regression.py (each a real run: TensorFlow
starts, trains, saves; the model is graded). Both clusters are real raylets on 127.0.0.1 started
here (`ray.cluster_utils.Cluster`) and stopped at the end; the driver is a real
`grade batch --cluster ADDRESS` process, timed from its start to its exit (joining included,
starting the cluster not). The local baseline is `grade batch --jobs 1` on the same machine.
On a machine busy with other work the ratio drops: quote `uptime` with the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ray.cluster_utils import Cluster

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference_solutions" / "basic_regression.py"
NODE = {"node_ip_address": "127.0.0.1", "num_cpus": 1}
# Ray turns a loopback head address into the machine's outward one unless told it is a
# one-machine cluster; these clusters listen on 127.0.0.1 only.
DRIVER_ENV = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--backend", default="local")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="grader-bench-cluster-") as scratch:
        local = grade_class(Path(scratch) / "local", args, [])
        one = on_cluster(Path(scratch) / "one", args, nodes=1)
        two = on_cluster(Path(scratch) / "two", args, nodes=2)

    n = args.students
    print(f"class: {n} x {REFERENCE.relative_to(ROOT)}, backend {args.backend}, "
          f"load average {os.getloadavg()[0]:.2f} (now), {os.cpu_count()} cores")
    print(f"local batch --jobs 1      {local:7.1f} s  ({local / n:5.2f} s per submission)")
    print(f"cluster, 1 node x 1 CPU   {one:7.1f} s  ({one / n:5.2f} s per submission)")
    print(f"cluster, 2 nodes x 1 CPU  {two:7.1f} s  ({two / n:5.2f} s per submission)")
    print(f"throughput ratio 2 nodes / 1 node = {one / two:.2f}   (goal >= 1.7)")
    print(f"overhead of Ray per submission (1 node vs local batch) = {(one - local) / n:+.2f} s")


def on_cluster(folder: Path, args, nodes: int) -> float:
    cluster = Cluster(initialize_head=True, connect=False, head_node_args={**NODE, "include_dashboard": False})
    try:
        for _ in range(nodes - 1):
            cluster.add_node(**NODE)
        cluster.wait_for_nodes()
        return grade_class(folder, args, ["--cluster", cluster.address])
    finally:
        cluster.shutdown()


def grade_class(folder: Path, args, extra: list[str]) -> float:
    folder.mkdir()
    for i in range(args.students):
        shutil.copy(REFERENCE, folder / f"student_{i:02d}.py")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(folder), "--task", "basic_regression",
                           "--backend", args.backend, "--jobs", "1", *extra],
                          cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=DRIVER_ENV)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"grade batch {' '.join(extra)} failed:\n{done.stderr[-2000:]}")
    records = [json.loads(p.read_text()) for p in (folder / "_grades" / "results").glob("*.json")]
    verdicts = {r["grade"]["verdict"] for r in records}
    if len(records) != args.students or verdicts != {"passed"}:
        sys.exit(f"{' '.join(extra) or 'local'}: expected {args.students} passed, got {len(records)}: {verdicts}")
    return wall


if __name__ == "__main__":
    main()
