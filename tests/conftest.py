"""Shared fixtures: real model files, built once per test session (see model_files.py)."""
from __future__ import annotations

from pathlib import Path

import model_files
import pytest


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def keras3_classifier(model_dir: Path) -> tuple[Path, Path]:
    return model_files.keras3_classifier(model_dir)


@pytest.fixture(scope="session")
def keras3_h5(keras3_classifier: tuple[Path, Path]) -> Path:
    return keras3_classifier[0]


@pytest.fixture(scope="session")
def keras3_archive(keras3_classifier: tuple[Path, Path]) -> Path:
    return keras3_classifier[1]


@pytest.fixture(scope="session")
def functional_h5(model_dir: Path) -> Path:
    return model_files.keras3_functional(model_dir, ".h5")


@pytest.fixture(scope="session")
def functional_archive(model_dir: Path) -> Path:
    return model_files.keras3_functional(model_dir, ".keras")


@pytest.fixture(scope="session")
def nested_h5(model_dir: Path) -> Path:
    return model_files.keras3_nested(model_dir)


@pytest.fixture(scope="session")
def uncompiled_h5(model_dir: Path) -> Path:
    return model_files.keras3_uncompiled(model_dir)


@pytest.fixture(scope="session")
def lambda_h5(model_dir: Path) -> Path:
    return model_files.keras3_lambda(model_dir)


@pytest.fixture(scope="session")
def custom_layer_h5(model_dir: Path) -> Path:
    return model_files.keras3_custom_layer(model_dir, ".h5")


@pytest.fixture(scope="session")
def custom_layer_archive(model_dir: Path) -> Path:
    return model_files.keras3_custom_layer(model_dir, ".keras")


@pytest.fixture(scope="session")
def custom_activation_h5(model_dir: Path) -> Path:
    return model_files.keras3_custom_activation_and_loss(model_dir)


@pytest.fixture(scope="session")
def keras3_weights_h5(model_dir: Path) -> Path:
    return model_files.keras3_weights_only(model_dir)


@pytest.fixture(scope="session")
def tf_keras_logits_h5(model_dir: Path) -> Path:
    return model_files.tf_keras_logits_classifier(model_dir)


@pytest.fixture(scope="session")
def separate_softmax_h5(model_dir: Path) -> Path:
    return model_files.tf_keras_separate_softmax(model_dir)


@pytest.fixture(scope="session")
def deferred_h5(model_dir: Path) -> Path:
    return model_files.tf_keras_deferred(model_dir)


@pytest.fixture(scope="session")
def nested_lambda_h5(model_dir: Path) -> Path:
    return model_files.tf_keras_nested_lambda(model_dir)


@pytest.fixture(scope="session")
def tf_keras_weights_h5(model_dir: Path) -> Path:
    return model_files.tf_keras_weights_only(model_dir)


@pytest.fixture(scope="session")
def truncated_h5(keras3_h5: Path, model_dir: Path) -> Path:
    return model_files.truncated_copy(keras3_h5, model_dir)


@pytest.fixture(scope="session")
def text_h5(model_dir: Path) -> Path:
    return model_files.text_file(model_dir)


@pytest.fixture(scope="session")
def empty_h5(model_dir: Path) -> Path:
    return model_files.empty_file(model_dir)
