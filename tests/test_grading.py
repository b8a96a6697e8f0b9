"""Grading real saved models end to end: one wrong model per check, each with its verdict and fix."""
from __future__ import annotations

from pathlib import Path

import pytest
import wrong_models as build

from grader.judge.evaluate import PredictionWorker
from grader.judge.grading import grade_model_file
from grader.results import SCHEMA_VERSION, Verdict
from grader.tasks.spec import get_task

pytestmark = pytest.mark.slow

REAL_MODELS = Path(__file__).resolve().parents[2] / "shared" / "real-models"


@pytest.fixture(scope="session")
def worker():
    with PredictionWorker(timeout_seconds=300) as shared:
        yield shared


@pytest.fixture(scope="session")
def models(tmp_path_factory):
    """Builds each model once per session, on first use."""
    folder = tmp_path_factory.mktemp("models")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            builder = getattr(build, name)
            built[name] = builder(folder / f"{name}.h5")
        return built[name]

    return get


@pytest.fixture(scope="session")
def fashion():
    return get_task("fashion_mnist")


def _check(grade, name):
    matches = [c for c in grade.checks if c.name == name]
    assert matches, f"no check named {name}: {[c.name for c in grade.checks]}"
    return matches[0]


def _failed(grade) -> set[str]:
    return {c.name for c in grade.checks if not c.passed}


def test_a_sound_model_passes_every_check_and_is_scored(models, fashion, worker):
    grade = grade_model_file(models("good_softmax"), fashion, worker)
    assert _failed(grade) == set()
    assert grade.verdict in (Verdict.PASSED, Verdict.BELOW_PASS_MARK)
    assert 0.7 < grade.evaluation.value < 1.0
    assert grade.evaluation.samples == 10_000
    assert len(grade.evaluation.per_class) == 10 and grade.evaluation.per_class[9].name == "Ankle boot"
    matrix = grade.evaluation.confusion_matrix
    assert sum(map(sum, matrix)) == 10_000
    assert sum(matrix[i][i] for i in range(10)) == round(grade.evaluation.value * 10_000)
    assert grade.score.points == sum(grade.evaluation.value >= b for b in fashion.metric.bands)


def test_sigmoid_output_on_ten_classes_fails_the_activation_check(models, fashion, worker):
    grade = grade_model_file(models("sigmoid_on_ten_classes"), fashion, worker)
    assert grade.verdict is Verdict.CONTRACT_FAILED
    check = _check(grade, "output_activation")
    assert not check.passed and "sigmoid" in check.found
    assert "Dense(10, activation='softmax')" in check.fix and "sparse_categorical_crossentropy" in check.fix
    assert _check(grade, "loss_pairing").passed  # sigmoid with binary_crossentropy is a seed pair
    assert grade.score.points < fashion.metric.pass_points


def test_one_output_unit_is_told_to_use_one_unit_per_class(models, fashion, worker):
    grade = grade_model_file(models("one_output_unit"), fashion, worker)
    assert grade.verdict is Verdict.CONTRACT_FAILED
    check = _check(grade, "output_units")
    assert (check.passed, check.found) == (False, "1")
    assert "10 (one per class)" in check.expected and "Dense(10, activation='softmax')" in check.fix


def test_wrong_input_shape_is_named_and_not_scored(models, fashion, worker):
    grade = grade_model_file(models("wrong_input_shape"), fashion, worker)
    assert grade.verdict is Verdict.CONTRACT_FAILED
    check = _check(grade, "input_shape")
    assert check.found == "(32, 32)" and "(28, 28)" in check.expected
    assert "Flatten(input_shape=(28, 28))" in check.fix
    assert grade.evaluation is None and any("not evaluated" in n for n in grade.notes)


def test_softmax_with_binary_crossentropy_fails_the_pairing(models, fashion, worker):
    grade = grade_model_file(models("softmax_with_binary_crossentropy"), fashion, worker)
    assert grade.verdict is Verdict.CONTRACT_FAILED
    assert _failed(grade) == {"loss_pairing"}
    check = _check(grade, "loss_pairing")
    assert "binary_crossentropy" in check.found
    assert "sigmoid" in check.fix and "sparse_categorical_crossentropy" in check.fix


def test_one_hot_loss_trained_on_integer_labels_is_diagnosed_from_the_training_record(models, fashion, worker):
    grade = grade_model_file(models("one_hot_loss_on_integer_labels"), fashion, worker, labels="integer")
    assert grade.verdict is Verdict.CONTRACT_FAILED
    assert _failed(grade) == {"label_encoding"}
    check = _check(grade, "label_encoding")
    assert "chance" in check.found
    assert "sparse_categorical_crossentropy" in check.fix and "to_categorical" in check.fix


def test_a_model_file_alone_at_chance_makes_no_claim_about_its_labels(models, fashion, worker):
    """Without the training record the grader cannot tell why accuracy is at chance: it says less."""
    for labels in (None, "one-hot"):
        grade = grade_model_file(models("one_hot_loss_on_integer_labels"), fashion, worker, labels=labels)
        assert grade.verdict is Verdict.BELOW_PASS_MARK
        assert not any(c.name == "label_encoding" for c in grade.checks)


def test_linear_output_without_from_logits_is_refused(models, fashion, worker):
    grade = grade_model_file(models("linear_without_from_logits"), fashion, worker)
    assert {"output_activation", "loss_pairing"} <= _failed(grade)
    assert "from_logits=True" in _check(grade, "output_activation").fix


def test_lambda_layer_is_refused_and_never_loaded(models, fashion, worker):
    grade = grade_model_file(models("lambda_layer"), fashion, worker)
    assert grade.verdict is Verdict.UNSAFE_MODEL
    assert "Lambda" in _check(grade, "safe_to_load").found
    assert grade.evaluation is None and not any(c.name == "loads" for c in grade.checks)


def test_custom_layer_class_is_refused(models, fashion, worker):
    grade = grade_model_file(models("custom_layer_class"), fashion, worker)
    assert grade.verdict is Verdict.UNSAFE_MODEL
    assert "Doubler" in _check(grade, "safe_to_load").found


def test_truncated_file_is_an_invalid_model(models, fashion, worker, tmp_path):
    grade = grade_model_file(build.truncated_copy(models("good_softmax"), tmp_path / "cut.h5"), fashion, worker)
    assert grade.verdict is Verdict.INVALID_MODEL
    assert "model.save('mymodel.h5')" in _check(grade, "model_file").fix


def test_a_file_that_is_not_hdf5_is_an_invalid_model(fashion, worker, tmp_path):
    grade = grade_model_file(build.not_hdf5(tmp_path / "mymodel.h5"), fashion, worker)
    assert grade.verdict is Verdict.INVALID_MODEL
    assert "HDF5" in grade.summary


def test_nan_weights_fail_the_runtime_output_check(models, fashion, worker):
    grade = grade_model_file(models("nan_weights"), fashion, worker)
    assert grade.verdict is Verdict.CONTRACT_FAILED
    check = _check(grade, "runtime_output")
    assert "NaN" in check.found and grade.score.points == 0


def test_unnormalised_training_is_pointed_out(models, fashion, worker):
    grade = grade_model_file(models("trained_on_raw_pixels"), fashion, worker)
    assert grade.evaluation.raw_pixels_samples == 1024  # the comparison's images, of 10,000 scored
    assert grade.evaluation.raw_pixels_value >= grade.evaluation.value + 0.2
    (note,) = [n for n in grade.notes if "Divide x_train and x_valid by 255" in n]
    assert note.startswith("On the first 1,024 hidden images your model scores ")


def test_keras2_file_in_the_seed_style_passes_the_contract(models, fashion, worker):
    grade = grade_model_file(models("keras2_seed_style"), fashion, worker)
    assert _failed(grade) == set()
    assert grade.model["keras_version"].startswith("2.")
    assert grade.evaluation.value > 0.7


def test_keras2_logits_with_a_loss_object_passes_as_logits(models, fashion, worker):
    grade = grade_model_file(models("keras2_logits_loss_object"), fashion, worker)
    assert _failed(grade) == set()
    assert "from_logits=True" in _check(grade, "output_activation").found


def test_regression_model_is_scored_by_mean_absolute_error(models, worker):
    task = get_task("basic_regression")
    grade = grade_model_file(models("regression_line"), task, worker)
    assert grade.verdict is Verdict.PASSED, grade.summary
    assert grade.evaluation.metric == "mae" and grade.evaluation.value <= 0.1
    assert grade.score.points == 5


def test_iris_classifier_is_graded(models, worker):
    grade = grade_model_file(models("iris_classifier"), get_task("iris"), worker)
    assert _failed(grade) == set()
    assert grade.evaluation.samples == 30 and grade.evaluation.value >= 0.8


def test_json_result_is_serialisable_and_versioned(models, fashion, worker):
    import json

    data = json.loads(json.dumps(grade_model_file(models("good_softmax"), fashion, worker).to_dict()))
    assert data["schema_version"] == SCHEMA_VERSION and data["verdict"] in ("passed", "below_pass_mark")
    assert data["evaluation"]["predictions"] == []  # kept for regression tasks only
    assert {"checks", "evaluation", "score", "model", "notes"} <= set(data)


REAL_TASKS = {"c1": "basic_regression", "A1": "basic_regression", "B1": "basic_regression",
              "C1": "basic_regression", "c2": "fashion_mnist", "mnist": "mnist"}


@pytest.mark.parametrize("path", sorted(REAL_MODELS.glob("*.h5")), ids=lambda p: p.stem)
def test_every_real_student_file_gets_a_sensible_grade(path, worker):
    task = get_task(REAL_TASKS[path.stem.split("_")[-1]])
    grade = grade_model_file(path, task, worker)
    assert grade.verdict in (Verdict.PASSED, Verdict.BELOW_PASS_MARK, Verdict.CONTRACT_FAILED), grade.summary
    assert grade.evaluation is not None, grade.summary
    if path.stem == "jeongkyu_c2":  # a Fashion "classifier" with one linear output
        assert "output_units" in _failed(grade)
    if path.stem.endswith("c2") and path.stem != "jeongkyu_c2":
        assert _failed(grade) == set(), [c for c in grade.checks if not c.passed]
        assert grade.evaluation.value > 0.8
