"""The platforms' results files, checked field by field against their documentation.

Written from:
- Gradescope, "Autograder Specifications", Output format:
  https://gradescope-autograders.readthedocs.io/en/latest/specs/
- PrairieLearn, "External Grading", Grading results:
  https://prairielearn.readthedocs.io/en/latest/externalGrading/
  (also https://docs.prairielearn.com/externalGrading/)

Each function returns the problems found ([] when the document is valid), so a test can show
them all at once and a deliberately broken document can prove that the check fails.
"""
from __future__ import annotations

import base64
import binascii
from numbers import Real

GRADESCOPE_FORMATS = {"text", "html", "simple_format", "md", "ansi"}
GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
                  "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                   "tags", "visibility", "extra_data"}
PRAIRIELEARN_TOP = {"gradable", "score", "message", "output", "images", "tests"}
PRAIRIELEARN_TEST = {"name", "description", "points", "max_points", "message", "output", "images"}


def _number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _unknown(found: dict, known: set[str], where: str) -> list[str]:
    return [f"{where}: unknown field {key!r}" for key in sorted(set(found) - known)]


def gradescope_problems(results: dict) -> list[str]:
    problems = _unknown(results, GRADESCOPE_TOP, "results")
    tests = results.get("tests", [])
    if "score" in results and not _number(results["score"]):
        problems.append("score: not a number")
    if "score" not in results and not (tests and all("score" in t for t in tests)):
        problems.append("score: required at the top unless every test has one")
    for key in ("output_format", "test_output_format"):
        if key in results and results[key] not in GRADESCOPE_FORMATS:
            problems.append(f"{key}: {results[key]!r} is not one of {sorted(GRADESCOPE_FORMATS)}")
    for key in ("visibility", "stdout_visibility"):
        if key in results and results[key] not in GRADESCOPE_VISIBILITY:
            problems.append(f"{key}: {results[key]!r} is not one of {sorted(GRADESCOPE_VISIBILITY)}")
    if "execution_time" in results and not _number(results["execution_time"]):
        problems.append("execution_time: not a number (seconds)")
    if "output" in results and not isinstance(results["output"], str):
        problems.append("output: not a string")
    if not isinstance(tests, list):
        return [*problems, "tests: not a list"]
    for index, test in enumerate(tests):
        where = f"tests[{index}]"
        problems += _unknown(test, GRADESCOPE_TEST, where)
        for key in ("score", "max_score"):
            if key in test and not _number(test[key]):
                problems.append(f"{where}.{key}: not a number")
        if "status" in test and test["status"] not in ("passed", "failed"):
            problems.append(f"{where}.status: {test['status']!r} is not 'passed' or 'failed'")
        if "output_format" in test and test["output_format"] not in GRADESCOPE_FORMATS:
            problems.append(f"{where}.output_format: {test['output_format']!r}")
        if "visibility" in test and test["visibility"] not in GRADESCOPE_VISIBILITY:
            problems.append(f"{where}.visibility: {test['visibility']!r}")
        for key in ("name", "output", "number"):
            if key in test and not isinstance(test[key], str):
                problems.append(f"{where}.{key}: not a string")
    for index, entry in enumerate(results.get("leaderboard", [])):
        where = f"leaderboard[{index}]"
        if set(entry) - {"name", "value", "order"} or "name" not in entry or "value" not in entry:
            problems.append(f"{where}: needs name and value (and optionally order), found {sorted(entry)}")
        if "value" in entry and not (_number(entry["value"]) or isinstance(entry["value"], str)):
            problems.append(f"{where}.value: not a number or string")
        if entry.get("order", "desc") not in ("asc", "desc"):
            problems.append(f"{where}.order: {entry['order']!r} is not 'asc' or 'desc'")
    return problems


def _image_problems(images, where: str) -> list[str]:
    if not isinstance(images, list):
        return [f"{where}: not a list"]
    problems = []
    for index, image in enumerate(images):
        here = f"{where}[{index}]"
        if not isinstance(image, dict) or set(image) - {"label", "url"} or "url" not in image:
            problems.append(f"{here}: needs url (and optionally label)")
            continue
        header, _, payload = image["url"].partition(",")
        if not (header.startswith("data:image/") and header.endswith(";base64")):
            problems.append(f"{here}.url: not a base64 data URI of an image ({header[:40]!r})")
            continue
        try:
            base64.b64decode(payload, validate=True)
        except binascii.Error:
            problems.append(f"{here}.url: the base64 payload does not decode")
    return problems


def prairielearn_problems(results: dict) -> list[str]:
    problems = _unknown(results, PRAIRIELEARN_TOP, "results")
    if not isinstance(results.get("gradable"), bool):
        problems.append("gradable: required, true or false")
    if results.get("gradable") is not False or "score" in results:
        score = results.get("score")
        if not _number(score) or not 0 <= score <= 1:
            problems.append(f"score: required, a number from 0 to 1 (found {score!r})")
    for key in ("message", "output"):
        if key in results and not isinstance(results[key], str):
            problems.append(f"{key}: not a string")
    problems += _image_problems(results.get("images", []), "images")
    tests = results.get("tests", [])
    if not isinstance(tests, list):
        return [*problems, "tests: not a list"]
    for index, test in enumerate(tests):
        where = f"tests[{index}]"
        problems += _unknown(test, PRAIRIELEARN_TEST, where)
        if not isinstance(test.get("name"), str):
            problems.append(f"{where}.name: required, a string")
        for key in ("points", "max_points"):
            if key in test and not _number(test[key]):
                problems.append(f"{where}.{key}: not a number")
        if _number(test.get("points")) and _number(test.get("max_points")) and test["points"] > test["max_points"]:
            problems.append(f"{where}: points above max_points")
        for key in ("description", "message", "output"):
            if key in test and not isinstance(test[key], str):
                problems.append(f"{where}.{key}: not a string")
        problems += _image_problems(test.get("images", []), f"{where}.images")
    return problems
