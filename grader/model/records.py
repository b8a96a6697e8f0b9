"""The records a model file keeps about itself, read without running anything.

An `.h5` file keeps its model description and compile settings as HDF5 attributes; a `.keras`
archive keeps config.json and metadata.json. Everything here is untrusted: sizes are capped,
JSON is parsed defensively, and every way a file can be unreadable ends as `InvalidModelFile`
with a sentence for the student.
"""
from __future__ import annotations

import dataclasses
import json
import lzma
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import h5py

# Real configs are far smaller (a ResNet-152 describes itself in about 1 MB); the cap keeps a zip
# bomb or a forged attribute from filling memory.
MAX_CONFIG_BYTES = 50 * 1024 * 1024
MAX_METADATA_BYTES = 1024 * 1024

# Models inside models, wrappers inside wrappers. Real files go 2 or 3 deep; the cap keeps a
# forged config from exhausting Python's stack.
MAX_NESTING = 32

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members / an empty zip
# What h5py and zipfile raise on damaged input (their own error types derive from these).
_HDF5_ERRORS = (OSError, KeyError, ValueError, RuntimeError, TypeError)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
               NotImplementedError, RuntimeError, zlib.error, lzma.LZMAError, struct.error)


class InvalidModelFile(Exception):
    """The file is not a Keras model the grader can read.

    str() is a sentence for the student naming the file, the cause and the fix.
    """


class Malformed(Exception):
    """The recorded JSON is not a model description; inspect_model names the file."""


@dataclasses.dataclass(frozen=True)
class SavedRecords:
    """The raw records of a model file, whatever its container."""

    file_format: str
    model_config: dict[str, Any]
    training_config: dict[str, Any] | None  # compile settings; None when saved uncompiled
    keras_version: str | None
    backend: str | None
    has_weights: bool


# --- the container: HDF5 file or .keras zip archive --------------------------------------------

def read_head(path: Path) -> tuple[int, bytes]:
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise InvalidModelFile(
                f"{path.name} is a directory (perhaps a TensorFlow SavedModel), not a model "
                f"file; save the model with {save_advice(path)}"
            )
        if not stat.S_ISREG(status.st_mode):
            raise InvalidModelFile(f"{path.name} is not a regular file")
        with path.open("rb") as stream:
            head = stream.read(len(_HDF5_SIGNATURE))
    except FileNotFoundError:
        raise InvalidModelFile(f"{path.name} does not exist") from None
    except OSError as error:
        raise InvalidModelFile(f"{path.name} cannot be read ({error.strerror})") from None
    if status.st_size == 0:
        raise InvalidModelFile(
            f"{path.name} is empty (0 bytes): the model was never written; save it with "
            f"{save_advice(path)}"
        )
    return status.st_size, head


def read_hdf5(path: Path, head: bytes) -> SavedRecords:
    if path.suffix.lower() == ".keras":
        # Keras 3 opens every .keras file as a zip archive, so this one would never load.
        is_hdf5 = head.startswith(_HDF5_SIGNATURE)
        found = "an HDF5 file" if is_hdf5 else f"a file starting with {head!r}"
        rename = f", or rename it {path.stem}.h5" if is_hdf5 else ""
        raise InvalidModelFile(
            f"{path.name} is not a .keras zip archive (it is {found}); save the model with "
            f'model.save("{path.stem}.keras"){rename}'
        )
    try:
        file = h5py.File(path, "r", locking=False)
    except _HDF5_ERRORS:
        if head.startswith(_HDF5_SIGNATURE):
            raise InvalidModelFile(corrupt(path, "HDF5 could not open it")) from None
        raise InvalidModelFile(
            f"{path.name} is not an HDF5 file (it starts with {head[:4]!r}); save the model "
            f"with {save_advice(path)}"
        ) from None
    try:
        with file:
            return _read_hdf5_records(path, file)
    except _HDF5_ERRORS:
        raise InvalidModelFile(corrupt(path, "HDF5 could not read its records")) from None


def _read_hdf5_records(path: Path, file: h5py.File) -> SavedRecords:
    config_text = _attribute_text(file, "model_config")
    if config_text is None:
        raise InvalidModelFile(_no_model_config(path, file))
    training_text = _attribute_text(file, "training_config")
    return SavedRecords(
        file_format="h5",
        model_config=_parse_model_config(config_text),
        training_config=_parse_training_config(training_text),
        keras_version=_optional_attribute_text(file, "keras_version"),
        backend=_optional_attribute_text(file, "backend"),
        has_weights=_holds_weights(file),
    )


def _attribute_text(file: h5py.File, key: str) -> str | None:
    """A text attribute of the root group; None when absent."""
    if key not in file.attrs:
        return None
    # Look at the attribute's size before reading it: a forged dataspace can claim terabytes.
    attribute = file.attrs.get_id(key)
    if attribute.shape not in ((), (1,)) or attribute.get_storage_size() > MAX_CONFIG_BYTES:
        raise Malformed(f"the '{key}' attribute is not a single text value")
    value = file.attrs[key]
    if hasattr(value, "shape") and value.shape == (1,):  # some writers store a 1-element array
        value = value[0]
    if isinstance(value, bytes):  # numpy.bytes_ included; Keras 2.2 wrote bytes
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed(f"the '{key}' attribute is not UTF-8 text") from None
    if isinstance(value, str):
        return value
    raise Malformed(f"the '{key}' attribute is not text")


def _optional_attribute_text(file: h5py.File, key: str) -> str | None:
    """Provenance the grader only reports; a damaged one is as good as none."""
    try:
        return _attribute_text(file, key)
    except Malformed:
        return None


def _no_model_config(path: Path, file: h5py.File) -> str:
    # Keras 2's save_weights() writes "layer_names"; Keras 3's .weights.h5 has layers/ and vars/.
    weights_only = "layer_names" in file.attrs or "layers" in file or "vars" in file
    cause = ("it was saved with save_weights()" if weights_only
             else "it is an HDF5 file but not a saved Keras model")
    return (f"{path.name} holds no model_config: {cause}; save the whole model with "
            f"{save_advice(path)}")


def _holds_weights(file: h5py.File) -> bool:
    # Only a hard link is followed: an external link would make h5py open another file.
    if not isinstance(file.get("model_weights", getlink=True), h5py.HardLink):
        return False
    group = file["model_weights"]
    if not isinstance(group, h5py.Group):
        return False
    found = group.visititems(lambda _name, item: True if isinstance(item, h5py.Dataset) else None)
    return found is True


def read_keras_archive(path: Path) -> SavedRecords:
    if path.suffix.lower() != ".keras":
        # Keras picks the reader from the extension, so this file would never load as named.
        raise InvalidModelFile(
            f"{path.name} is not an HDF5 file (it starts with {ZIP_SIGNATURES[0]!r}, a zip "
            f"archive such as a Keras 3 .keras file); save the model with "
            f'model.save("{path.stem}.h5"), or name the archive {path.stem}.keras'
        )
    try:
        with zipfile.ZipFile(path) as archive:
            config_text = _member_text(path, archive, "config.json", MAX_CONFIG_BYTES)
            metadata_text = _member_text(path, archive, "metadata.json", MAX_METADATA_BYTES)
            weights = _member(archive, "model.weights.h5")
    except _ZIP_ERRORS:
        raise InvalidModelFile(corrupt(path, "its zip archive could not be read")) from None
    if config_text is None:
        raise InvalidModelFile(
            f"{path.name} is a zip archive without config.json, so not a saved Keras model; "
            f"save the model with {save_advice(path)}"
        )
    model_config = _parse_model_config(config_text)
    metadata = _parse_metadata(metadata_text)
    compile_config = model_config.get("compile_config")
    return SavedRecords(
        file_format="keras",
        model_config=model_config,
        # An uncompiled model records {} or null.
        training_config=compile_config if isinstance(compile_config, dict) and compile_config
        else None,
        keras_version=as_text(metadata.get("keras_version")),
        backend=as_text(metadata.get("backend")),
        has_weights=weights is not None and weights.file_size > 0,
    )


def _member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    try:
        return archive.getinfo(name)
    except KeyError:
        return None


def _member_text(path: Path, archive: zipfile.ZipFile, name: str, limit: int) -> str | None:
    info = _member(archive, name)
    if info is None:
        return None
    too_big = InvalidModelFile(
        f"{path.name}: its {name} is larger than {limit // (1024 * 1024)} MB, far beyond any "
        f"real model; the grader refuses to read it"
    )
    if info.file_size > limit:
        raise too_big
    # The header's size can lie: read at most one byte past the limit, whatever it says.
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise too_big
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed(f"{name} is not UTF-8 text") from None


def corrupt(path: Path, detail: str) -> str:
    return (f"{path.name} is truncated or corrupt ({detail}); save the model again with "
            f"{save_advice(path)} and check the copy is complete")


def save_advice(path: Path) -> str:
    suffix = ".keras" if path.suffix.lower() == ".keras" else ".h5"
    stem = path.stem.removesuffix(".weights")  # from "mymodel.weights.h5", Keras 3's weights name
    return f'model.save("{stem}{suffix}")'


# --- the JSON records -------------------------------------------------------------------------

def _parse_json(text: str, what: str) -> Any:
    if len(text) > MAX_CONFIG_BYTES:
        raise Malformed(f"{what} is larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MB")
    try:
        return json.loads(text)
    except RecursionError:
        raise Malformed(f"{what} is nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, and integers too long to convert
        raise Malformed(f"{what} is not valid JSON ({error})") from None


def _parse_model_config(text: str) -> dict[str, Any]:
    config = _parse_json(text, "the model description")
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise Malformed("it does not name a model class")
    return config


def _parse_training_config(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    config = _parse_json(text, "training_config")
    return config if isinstance(config, dict) else None


def _parse_metadata(text: str | None) -> dict[str, Any]:
    """metadata.json only records provenance, so a damaged one is treated as missing."""
    if text is None:
        return {}
    try:
        metadata = _parse_json(text, "metadata.json")
    except Malformed:
        return {}
    return metadata if isinstance(metadata, dict) else {}


# --- typed access to untrusted JSON -----------------------------------------------------------

def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def layer_name(layer: dict[str, Any]) -> str:
    # Functional models record the name beside the config as well as inside it.
    return as_text(layer.get("name")) or as_text(as_dict(layer.get("config")).get("name")) or ""


def foreign_module(value: dict[str, Any]) -> str | None:
    """The module a Keras 3 record points at when it is not Keras's own; loading imports it."""
    module = value.get("module")
    if not isinstance(module, str) or module in ("keras", "tf_keras", "builtins"):
        return None
    if module.startswith(("keras.", "tf_keras.")):
        return None
    return module
