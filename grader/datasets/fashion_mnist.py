"""Fashion-MNIST: 70,000 28×28 clothing images in 10 classes.

Sources: the Keras cache, then Debian's dataset-fashion-mnist. Graded on the official 10,000
test images; `load_data()` serves the official 60,000 training images as train and 10,000 of
those as test, so a script that evaluates on its test set never sees the labels that grade it.
"""
from __future__ import annotations

import functools
import gzip
import zlib
from pathlib import Path

import numpy as np

from grader.datasets import parts, sources
from grader.datasets.dataset import Dataset, OfficialFile, pattern
from grader.datasets.keras_calls import keras_load_data

# SHA-256 of the *decompressed* IDX files. Debian recompresses the official .gz files (without
# the file name in the gzip header), so the .gz bytes differ from the Keras mirror's while the
# data inside is the same; pinning the contents accepts both and nothing else.
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
_REINSTALL_DEBIAN = "reinstall it: apt-get install --reinstall dataset-fashion-mnist"
IMAGE_INPUT_ADVICE = ("Start the model with Flatten(input_shape=(28, 28)) (or an Input/Reshape to "
                      "(28, 28, 1) for Conv2D) so it takes a 28×28 image as the data has it.")


def _sources() -> list[sources.Source]:
    cache = sources.keras_datasets() / "fashion-mnist"
    debian = sources.system_datasets() / "fashion-mnist"
    content = ",".join(FASHION_MNIST_FILES.values())
    return [
        sources.Source(f"Keras cache {sources.shown(cache)}",
                       functools.partial(_load, cache, "no files", sources.refetch("fashion_mnist")),
                       content),
        sources.Source(f"Debian dataset-fashion-mnist ({debian})",
                       functools.partial(_load, debian, "not installed", _REINSTALL_DEBIAN), content),
    ]


def _load(directory: Path, when_absent: str, remedy: str) -> parts.Parts:
    paths = [directory / file_name for file_name in FASHION_MNIST_FILES]
    absent = [path.name for path in paths if not path.is_file()]
    if len(absent) == len(paths):
        raise sources.Missing(when_absent)
    if absent:
        raise sources.Corrupt(f"incomplete, missing {', '.join(absent)}; {remedy}")
    return sources.cached(_parts, remedy, *map(sources.file_version, paths))


def _parts(remedy: str, train_images, train_labels, test_images, test_labels) -> parts.Parts:
    train = parts.labelled(read_idx(train_images, remedy), read_idx(train_labels, remedy))
    test = parts.labelled(read_idx(test_images, remedy), read_idx(test_labels, remedy))
    return parts.official_parts(train, test)


def read_idx(file: sources.FileVersion, remedy: str) -> np.ndarray:
    """One gzipped IDX file of Fashion-MNIST, verified against its pinned content hash."""
    path = Path(file.path)
    try:
        content = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as error:
        raise sources.Corrupt(f"{path.name} is not a readable gzip file ({error}); {remedy}") from None
    sources.check_sha256(content, FASHION_MNIST_FILES[path.name], f"{path.name}'s contents", remedy)
    # IDX header: two zero bytes, the type (0x08 = uint8), the number of dimensions, then each
    # dimension as a big-endian uint32.
    dimensions = content[3]
    shape = np.frombuffer(content, ">u4", count=dimensions, offset=4)
    return np.frombuffer(content, np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def _verify_download(path: Path) -> None:
    read_idx(sources.file_version(path), "it was not saved")


DATASET = Dataset(
    name="fashion_mnist",
    title="Fashion-MNIST",
    how_to_get="install the Debian package (apt-get install dataset-fashion-mnist), or run "
               "`grade data fetch fashion_mnist` on a machine with a network",
    sources=_sources,
    hidden_copies=lambda: [sources.keras_datasets() / "fashion-mnist",
                           sources.system_datasets() / "fashion-mnist"],
    official_files=tuple(OfficialFile(f"fashion-mnist/{file_name}", _verify_download)
                         for file_name in FASHION_MNIST_FILES),
    served_calls=keras_load_data("fashion_mnist"),
    used_in=pattern(r"fashion[_-]?mnist"),
    found_because="it loads Fashion-MNIST",
    input_shape_advice=IMAGE_INPUT_ADVICE,
)
