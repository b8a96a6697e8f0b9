"""`grade data fetch`: download the official files into the Keras cache, checking each one's
SHA-256 before it takes its place. GRADER_DATASET_MIRROR overrides the Keras mirror."""
from __future__ import annotations

import dataclasses
import http.client
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from grader.datasets import sources
from grader.datasets.registry import DATASETS, dataset
from grader.datasets.store import DataSource, data_source

KERAS_MIRROR = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


class _NoNetwork(Exception):
    """A download could not reach its server or broke off."""


def fetch(names: list[str] | None = None, *, timeout: float = 30) -> list[DataSource]:
    """Files already there and intact are kept. Without a network nothing is raised: the entry's
    `problem` starts with "no network:" and the dataset stays on whatever source it had."""
    names = list(names or DATASETS)
    entries = [dataset(name) for name in names]
    keras_datasets = sources.keras_datasets()
    mirror = os.environ.get("GRADER_DATASET_MIRROR") or KERAS_MIRROR
    no_network = ""  # once one download finds no network, the others are not tried
    results = []
    for entry in entries:
        problem = ""
        for official in entry.official_files:
            destination = keras_datasets / official.relative_path
            if _is_intact(destination, official.verify):
                continue
            if no_network:
                problem = no_network
                break
            url = urllib.parse.urljoin(mirror, destination.name)
            try:
                _download(url, destination, official.verify, timeout)
            except _NoNetwork as error:
                problem = no_network = f"no network: {error}"
                break
            except sources.Corrupt as error:
                problem = f"download failed: {error}"
                break
        source = data_source(entry.name)
        if problem:
            if source.available:
                problem = f"{problem}; still using {source.origin}"
            problem = "; ".join(p for p in (problem, source.problem) if p)
            source = dataclasses.replace(source, problem=problem)
        results.append(source)
    return results


def _is_intact(path: Path, verify: Callable[[Path], None]) -> bool:
    if not path.is_file():
        return False
    try:
        verify(path)
    except sources.Corrupt:
        return False
    return True


def _download(url: str, destination: Path, verify: Callable[[Path], None],
              timeout: float) -> None:
    """Save `url` as `destination` only once its hash checks out; nothing is left otherwise."""
    # Downloaded under its own name (the name selects the pinned hash), beside its destination
    # so that moving it into place is atomic.
    partial = destination.parent / ".partial" / destination.name
    host = urllib.parse.urlsplit(url).netloc
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            partial.parent.mkdir(parents=True, exist_ok=True)
            with open(partial, "wb") as out:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
        verify(partial)
        os.replace(partial, destination)
    except urllib.error.HTTPError as error:
        raise sources.Corrupt(f"{url} answered HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise _NoNetwork(f"cannot reach {host} ({error.reason})") from None
    except (TimeoutError, ConnectionError, http.client.HTTPException) as error:
        raise _NoNetwork(f"the download from {host} broke off ({error or 'timed out'})") from None
    except OSError as error:
        raise sources.Corrupt(f"could not save {destination}: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
        if partial.parent.is_dir() and not any(partial.parent.iterdir()):
            partial.parent.rmdir()
