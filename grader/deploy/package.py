"""What a platform bundle carries so the platform's machine grades as this one does: the grader's
own wheel, its dependencies pinned to the versions installed here (or their wheels, for a machine
with no registry), the task's spec and the data files its dataset reads.

    python -m grader.deploy.package install-data DIR   (run by the bundle's setup.sh)
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

import grader
from grader.datasets import sources
from grader.datasets.registry import dataset
from grader.tasks.spec import TaskSpec

SOURCE_ROOT = Path(grader.__file__).resolve().parents[1]
# tf-keras asks for the "tensorflow" distribution, which tensorflow-cpu provides under another
# name: installed without its dependencies, as the runtime image does.
NO_DEPS = {"tf-keras"}
# Dependencies PyPI has only as source (tensorflow-datasets needs promise): built into wheels
# here (pure Python), as scripts/build_image.sh does, so the binary-only download finds them.
SOURCE_ONLY = ("promise",)
# The image builder's wheels (scripts/build_image.sh): pip finds most wheels there before asking
# a registry.
IMAGE_WHEELS = SOURCE_ROOT / "build" / "docker-context" / "wheels"
# The platforms' machines are Linux x86_64; wheels for CPython 3.11 there, like the image's.
WHEEL_PLATFORM = ["--only-binary=:all:", "--implementation", "cp", "--python-version", "3.11", "--abi", "cp311",
                  "--platform", "manylinux2014_x86_64",
                  *[arg for minor in range(17, 36) for arg in ("--platform", f"manylinux_2_{minor}_x86_64")]]
DATA_PLACES = ("site", "keras", "system")
DATA_INDEX = "index.json"


class PackagingError(RuntimeError):
    """A bundle cannot be made here (no pyproject.toml beside the grader, pip failed)."""


@dataclasses.dataclass(frozen=True)
class Requirements:
    pinned: list[str]  # installed with their dependencies
    no_deps: list[str]  # installed alone (see NO_DEPS)


def pinned_requirements() -> Requirements:
    """pyproject.toml's dependencies that apply here, each pinned to the version installed here,
    so the platform runs the libraries this machine's grades were made with."""
    pinned, no_deps = [], []
    for text in _pyproject()["project"]["dependencies"]:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate():
            continue
        line = f"{requirement.name}=={importlib.metadata.version(requirement.name)}"
        (no_deps if requirement.name in NO_DEPS else pinned).append(line)
    return Requirements(pinned, no_deps)


def write_requirements(requirements: Requirements, folder: Path) -> None:
    (folder / "requirements.txt").write_text("\n".join(requirements.pinned) + "\n", encoding="utf-8")
    (folder / "requirements-no-deps.txt").write_text("\n".join(requirements.no_deps) + "\n", encoding="utf-8")


def build_grader_wheel(folder: Path) -> Path:
    """The grader itself as a wheel, built from a copy of its source (a stale build/ left by an
    earlier build would otherwise be reused)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="grader-wheel-") as scratch:
        copy = Path(scratch) / "src"
        copy.mkdir()
        shutil.copy2(SOURCE_ROOT / "pyproject.toml", copy)
        shutil.copytree(SOURCE_ROOT / "grader", copy / "grader",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(folder), str(copy))
    wheels = sorted(folder.glob("grader-*.whl"))
    if not wheels:
        raise PackagingError("pip built no grader wheel")
    return wheels[-1]


def download_wheels(requirements: Requirements, folder: Path) -> None:
    """Every wheel the requirements need on the platform, so setup.sh installs with no registry."""
    folder.mkdir(parents=True, exist_ok=True)
    _pip("wheel", "--no-deps", "-w", str(folder), *SOURCE_ONLY)
    links = ["--find-links", str(folder)] + (["--find-links", str(IMAGE_WHEELS)] if IMAGE_WHEELS.is_dir() else [])
    _pip("download", "-d", str(folder), *links, *WHEEL_PLATFORM, *requirements.pinned)
    _pip("download", "-d", str(folder), *links, *WHEEL_PLATFORM, "--no-deps", *requirements.no_deps)


def pack_task_data(task: TaskSpec, folder: Path) -> list[str]:
    """Copy the files the task's dataset reads (and hides from runs) into `folder`, each filed by
    where it belongs: inside an installed package, the Keras cache or the system datasets."""
    index = []
    for path in dataset(task.dataset.name).hidden_copies():
        if not path.exists():
            continue
        place, relative = _place_of(path)
        target = folder / place / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, target)
        index.append({"place": place, "path": relative.as_posix()})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DATA_INDEX).write_text(json.dumps(index, indent=1), encoding="utf-8")
    return [entry["path"] for entry in index]


def install_task_data(folder: Path) -> list[Path]:
    """Put a bundle's data files where this machine's grader looks for them (and hides them)."""
    installed = []
    for entry in json.loads((folder / DATA_INDEX).read_text(encoding="utf-8")):
        if entry["place"] not in DATA_PLACES:
            raise PackagingError(f"{folder / DATA_INDEX}: unknown place {entry['place']!r}")
        source = folder / entry["place"] / entry["path"]
        target = _base_of(entry["place"], entry["path"]) / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
        installed.append(target)
    return installed


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _place_of(path: Path) -> tuple[str, Path]:
    path = path.resolve()
    if path.is_relative_to(sources.keras_home().resolve()):
        return "keras", path.relative_to(sources.keras_home().resolve())
    if path.is_relative_to(sources.system_datasets().resolve()):
        return "system", path.relative_to(sources.system_datasets().resolve())
    # The innermost entry: site-packages lies inside lib/python3.11, which is on sys.path too.
    entries = sorted({Path(e).resolve() for e in sys.path if e and Path(e).is_dir()}, key=lambda p: -len(p.parts))
    for entry in entries:
        if path.is_relative_to(entry):
            return "site", path.relative_to(entry)
    raise PackagingError(f"{path}: a data file outside the packages, the Keras cache and the system datasets")


def _base_of(place: str, relative: str) -> Path:
    if place == "keras":
        return sources.keras_home()
    if place == "system":
        return sources.system_datasets()
    package = relative.split("/")[0]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise PackagingError(f"the data file {relative} belongs to {package}, which is not installed here")
    return Path(list(spec.submodule_search_locations)[0]).parent


def _pyproject() -> dict:
    path = SOURCE_ROOT / "pyproject.toml"
    if not path.is_file():
        raise PackagingError(f"{path} is missing: bundles are made from the grader's source checkout")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check", *args]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": "315532800"})
    if done.returncode != 0:
        raise PackagingError(f"pip {args[0]} failed:\n{done.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "install-data":
        print("usage: python -m grader.deploy.package install-data DIR", file=sys.stderr)
        return 2
    for path in install_task_data(Path(argv[1])):
        print(f"data: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
