"""HTML reports of real grades, opened in headless Chromium: plots drawn and visible, numbers
beside them, links that work, nothing fetched from anywhere. Screenshots of each page kind are
kept in test-output/screenshots/."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from grader.output.html_report import ACCURACY_NAMES
from grader.results import SCHEMA_VERSION
from grader.tasks.spec import load_tasks
from tests import browser

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bool(browser.available()), reason=browser.available() or "ready")]

ROOT = Path(__file__).parent.parent
SUBMISSIONS = Path(__file__).parent / "submissions"
REFERENCE = (ROOT / "reference_solutions" / "basic_regression.py").read_text()
SMALL_FASHION = SUBMISSIONS / "small_fashion_mnist.py"

# Seconds each run of the mixed class may take: the hanging script's timeout, and room for the
# Fashion-MNIST scripts (about 10 s alone) on two busy cores.
TIME_LIMIT = "60"
# student -> the verdict the mixed class must get
MIXED = {"good": "passed", "poor": "below_pass_mark", "crashed": "crashed", "hangs": "timed_out",
         "wrong_name": "wrong_model_name", "copy_a": "below_pass_mark", "copy_b": "below_pass_mark",
         "fashion": "below_pass_mark"}


def grade(*arguments: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "grader.cli", *arguments, "--backend", "local"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def driver():
    chrome = browser.chrome()
    yield chrome
    chrome.quit()


@pytest.fixture(scope="module")
def single_pages(tmp_path_factory) -> dict[str, Path]:
    """`grade --html` of the basic-regression reference and of a quick Fashion-MNIST script."""
    out = tmp_path_factory.mktemp("single")
    grade(str(ROOT / "reference_solutions" / "basic_regression.py"), "--html", str(out / "regression.html"),
          "--html-dir", str(out / "runs"))
    grade(str(SMALL_FASHION), "--html", str(out / "fashion.html"), "--json-out", str(out / "fashion.json"))
    return {"regression": out / "regression.html", "fashion": out / "fashion.html",
            "fashion_json": out / "fashion.json", "runs": out / "runs"}


@pytest.fixture(scope="module")
def mixed_class(tmp_path_factory) -> Path:
    """A class with a good, a poor, a crashing, a hanging and a misnamed script, and a quick
    Fashion-MNIST script handed in by three students (seeded runs: the same weights), graded by
    `grade batch`, each against its own `# task:` line."""
    folder = tmp_path_factory.mktemp("html-class") / "class"
    folder.mkdir()
    (folder / "good.py").write_text(REFERENCE)
    (folder / "poor.py").write_text(REFERENCE.replace("epochs=500", "epochs=3"))
    shutil.copy(SUBMISSIONS / "crashes.py", folder / "crashed.py")
    shutil.copy(SUBMISSIONS / "infinite_loop.py", folder / "hangs.py")
    shutil.copy(SUBMISSIONS / "saves_model_h5.py", folder / "wrong_name.py")
    for student in ("fashion", "copy_a", "copy_b"):
        shutil.copy(SMALL_FASHION, folder / f"{student}.py")
    done = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(folder), "--jobs", "2",
                           "--backend", "local", "--time-limit", TIME_LIMIT], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder / "_grades"


def check_page(driver, path: Path, screenshot: str, plots: set[str]) -> None:
    """Opened from disk, the page draws every expected plot visibly, each with alt text and a
    table beside it, makes no request but for itself, logs no error, and is not blank."""
    browser.requests_made(driver)  # drop what earlier pages logged
    driver.get(path.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    drawn = {}
    for figure in driver.find_elements("css selector", "figure[data-plot]"):
        svg = figure.find_element("css selector", "svg")
        size = svg.size
        assert svg.is_displayed() and size["width"] > 200 and size["height"] > 80, (figure.get_attribute("data-plot"), size)
        assert svg.get_attribute("role") == "img" and len(svg.get_attribute("aria-label")) > 20
        assert figure.find_element("css selector", "figcaption").text.strip()
        numbers = figure.find_element("xpath", "following-sibling::div[@class='numbers']")
        assert numbers.find_elements("css selector", "table tbody tr"), "no numbers beside the plot"
        drawn[figure.get_attribute("data-plot")] = size
    assert set(drawn) == plots
    for element in driver.find_elements("css selector", "[src], [href]"):
        for attribute in ("src", "href"):
            assert not (element.get_attribute(attribute) or "").startswith(("http:", "https:", "//"))
    assert driver.find_element("css selector", "meta[http-equiv='Content-Security-Policy']")
    # The page itself, and the heatmap's pixels, which sit inside its SVG as a data: URL.
    requests = [url for url in browser.requests_made(driver) if not url.startswith("data:image/")]
    assert [unquote(urlparse(url).path) for url in requests] == [str(path)], requests
    assert all(url.startswith("file://") for url in requests)
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    png = browser.full_page_screenshot(driver, browser.SCREENSHOTS / f"{screenshot}.png")
    assert browser.distinct_colours(png) > 40
    driver.set_window_size(1280, 1000)


def test_reference_regression_page_shows_curve_answers_and_bands_offline(driver, single_pages):
    check_page(driver, single_pages["regression"], "student-regression",
               {"plot-bands", "plot-regression", "plot-fit-1-1"})
    text = driver.find_element("tag name", "body").text
    assert "PASSED" in text and "Weights at the end of training: epoch 500, the last epoch" in text
    assert len(driver.find_elements("css selector", "#predictions tbody tr")) == 20


def test_fashion_page_shows_confusion_matrix_per_class_accuracy_and_the_kept_epoch(driver, single_pages):
    check_page(driver, single_pages["fashion"], "student-fashion",
               {"plot-bands", "plot-per-class", "plot-confusion", "plot-fit-1-1", "plot-fit-1-2"})
    grade = json.loads(single_pages["fashion_json"].read_text())
    fit = grade["run"]["fits"][0]
    assert fit["kept_by"].endswith("ModelCheckpoint(monitor='val_loss', save_best_only=True) then load_weights")
    assert fit["kept_epoch"] == fit["best_epoch"]
    cells = driver.find_elements("css selector", "#confusion tbody td")
    assert sum(int(c.text) for c in cells) == grade["evaluation"]["samples"]
    heads = [h.text for h in driver.find_elements("css selector", "#confusion thead th")][1:]
    assert heads == [c["name"] for c in grade["evaluation"]["per_class"]]
    assert f"Best val_loss: epoch {fit['best_epoch']}." in driver.find_element("tag name", "body").text


def test_html_dir_keeps_the_page_beside_the_result_it_was_made_from(single_pages):
    folder = single_pages["runs"] / "basic_regression"
    result = json.loads((folder / "result.json").read_text())
    page = (folder / "report.html").read_text()
    assert result["verdict"] == "passed" and result["schema_version"] == SCHEMA_VERSION
    assert result["summary"] in page


def test_every_student_of_a_mixed_class_gets_a_page_with_their_verdict(driver, mixed_class):
    results = {p.stem: json.loads(p.read_text()) for p in (mixed_class / "results").glob("*.json")}
    assert {s: r["grade"]["verdict"] for s, r in results.items()} == MIXED
    expected_plots = {
        "good": {"plot-bands", "plot-regression", "plot-fit-1-1"},
        "poor": {"plot-bands", "plot-regression", "plot-fit-1-1"},
        "crashed": set(), "hangs": set(),
        "wrong_name": {"plot-bands", "plot-regression", "plot-fit-1-1"},
        **{student: {"plot-bands", "plot-per-class", "plot-confusion", "plot-fit-1-1", "plot-fit-1-2"}
           for student in ("fashion", "copy_a", "copy_b")},
    }
    for student, plots in expected_plots.items():
        check_page(driver, mixed_class / "students" / f"{student}.html", f"class-student-{student}", plots)
        verdict = driver.find_element("id", "verdict").text
        assert verdict.startswith(MIXED[student].replace("_", " ").upper()), verdict
    check_page(driver, mixed_class / "students" / "crashed.html", "class-student-crashed", set())
    assert driver.find_element("id", "stderr").text.strip()


def test_class_index_links_to_every_student_page_and_back(driver, mixed_class):
    check_page(driver, mixed_class / "index.html", "class-index",
               {"plot-scores", "plot-verdicts", "plot-metric-1", "plot-metric-2"})
    students = [a.text for a in driver.find_elements("css selector", "#students tbody td:first-child a")]
    assert sorted(students) == sorted(MIXED)
    for student in students:
        driver.find_element("link text", student).click()
        assert driver.find_element("tag name", "h1").text.startswith(f"{student}:")
        driver.find_element("id", "back").click()
        assert driver.find_element("tag name", "h1").text == "Class summary"


def test_class_index_sorts_students_by_a_clicked_column(driver, mixed_class):
    driver.get((mixed_class / "index.html").as_uri())

    def column(index: int) -> list[str]:
        return [row.find_elements("tag name", "td")[index].text
                for row in driver.find_elements("css selector", "#students tbody tr")]

    seconds_head = driver.find_elements("css selector", "#students thead th")[5]
    seconds_head.click()
    ascending = [float(v) for v in column(5)]
    assert ascending == sorted(ascending)
    seconds_head.click()
    assert [float(v) for v in column(5)] == sorted(ascending, reverse=True)
    driver.find_elements("css selector", "#students thead th")[3].click()
    points = [int(v.split("/")[0]) for v in column(3)]
    assert points == sorted(points)


def test_three_copies_of_one_model_are_one_group_on_the_class_index(driver, mixed_class):
    driver.get((mixed_class / "index.html").as_uri())
    groups = driver.find_elements("css selector", "#copies li")
    assert len(groups) == 1
    assert [a.text for a in groups[0].find_elements("tag name", "a")] == ["copy_a", "copy_b", "fashion"]


def test_an_unchanged_rerun_keeps_every_page(mixed_class):
    pages = sorted(mixed_class.rglob("*.html"))
    before = {p: p.stat().st_mtime_ns for p in pages}
    done = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(mixed_class.parent), "--jobs", "2",
                           "--backend", "local", "--time-limit", TIME_LIMIT], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and f"({len(MIXED)} unchanged)" in done.stdout
    assert {p: p.stat().st_mtime_ns for p in pages} == before


# The quick reference solutions (a regression, a table, images): the pages of every kind of task.
# Every reference, the slow ones too (Fashion-MNIST dense and CNN, sunspots), is graded on both
# backends by test_task_checks.
PAGE_REFERENCES = ("basic_regression", "iris", "mnist")


def test_the_reference_solutions_as_a_class_get_full_marks_pages_and_an_index(driver, tmp_path):
    folder = tmp_path / "references"
    folder.mkdir()
    for name in PAGE_REFERENCES:
        shutil.copy(ROOT / "reference_solutions" / f"{name}.py", folder)
    done = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(folder), "--jobs", "2",
                           "--backend", "local"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    out = folder / "_grades"
    tasks = load_tasks()
    references = sorted(PAGE_REFERENCES)
    assert set(references) <= set(tasks)
    check_page(driver, out / "index.html", "reference-index",  # one metric plot per task
               {"plot-scores", "plot-verdicts", *(f"plot-metric-{n}" for n in range(1, len(references) + 1))})
    for task in references:
        result = json.loads((out / "results" / f"{task}.json").read_text())["grade"]
        assert result["verdict"] == "passed" and result["score"]["points"] == 5
        evaluated = {"plot-per-class", "plot-confusion"} if tasks[task].is_classification else {"plot-regression"}
        curves = set()  # per fit: a loss plot, and an accuracy plot when accuracy was recorded
        for n, fit in enumerate(result["run"]["fits"], 1):
            plots = ("loss" in fit["history"]) + any(name in ACCURACY_NAMES for name in fit["history"])
            curves |= {f"plot-fit-{n}-{k}" for k in range(1, plots + 1)}
        check_page(driver, out / "students" / f"{task}.html", f"reference-{task}", {"plot-bands", *evaluated, *curves})
