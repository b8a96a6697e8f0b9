"""Headless Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium, for the HTML
report tests and bench/html_pages.py: load a page from disk, see what the browser drew, list
every request the page made."""
from __future__ import annotations

import importlib.util
import io
import json
import shutil
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"


def available() -> str:
    """Why the browser cannot run here, or "" when it can."""
    missing = [name for name in ("chromium", "chromedriver") if not shutil.which(name)]
    if missing:
        return f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)"
    if importlib.util.find_spec("selenium") is None:
        return "selenium not installed (pip install -e '.[test]')"
    return ""


def chrome(width: int = 1280, height: int = 1000):
    """A headless Chromium that records its network events (performance log)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", "--hide-scrollbars", "--disable-extensions"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def requests_made(driver) -> list[str]:
    """The URLs the browser asked for since the log was last read (file: and data: included)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def full_page_screenshot(driver, path: Path) -> bytes:
    """The whole page (not only the window) as PNG, kept at `path`."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(max(height + 100, 800), 16000))
    png = driver.get_screenshot_as_png()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return png


def distinct_colours(png: bytes) -> int:
    """How many colours a screenshot holds: a blank or failed page has one or two."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.thumbnail((400, 4000))
    return len(image.getcolors(maxcolors=1 << 20) or [])
