"""The report in a real browser: headless Chromium opens it from a file URL and finds no
console error, no network request, and a non-empty graph and charts; a screenshot is kept
in test-artifacts/."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.report.build import build_report
from tests.strictness import missing as tool_missing

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
QUIET = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHARTS = ("chart-timings", "chart-daily-revenue", "chart-daily-orders", "chart-categories",
          "chart-segments", "chart-top-products")  # fmt: skip


def _require_chromium(paths: tuple[str, ...] = (CHROMIUM, CHROMEDRIVER)) -> None:
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        tool_missing(
            f"needs Chromium and its driver: {', '.join(missing)} missing (.ci/run installs them)"
        )


def read_log(driver: WebDriver, kind: str) -> list[dict[str, Any]]:
    """Chromium's log of that kind since the last read (selenium leaves get_log untyped)."""
    entries: list[dict[str, Any]] = driver.get_log(kind)  # type: ignore[no-untyped-call]
    return entries


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    _require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*QUIET, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
                 "--window-size=1600,1000"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_the_report_shows_everything_offline(
    browser: WebDriver, reported_lakehouse: Path, tmp_path: Path
) -> None:
    pipeline = load_pipeline(builtin_settings_path(), reported_lakehouse)
    report = build_report(pipeline, output=tmp_path / "r.html")
    url = report.path.resolve().as_uri()
    for log in ("browser", "performance"):  # what the start page logged is not ours
        read_log(browser, log)
    browser.get(url)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1600, int(height) + 100)  # the whole page in the screenshot
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "report.png"))
    data = json.loads(browser.find_element(By.ID, "report-data").get_attribute("textContent") or "")

    errors = [e for e in read_log(browser, "browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    sent = [json.loads(entry["message"])["message"] for entry in read_log(browser, "performance")]
    requests = [m["params"] for m in sent if m["method"] == "Network.requestWillBeSent"]
    ours = [r["request"]["url"] for r in requests if r.get("documentURL") == url]
    assert ours == [url]  # the page itself, nothing else

    graph = browser.find_element(By.CSS_SELECTOR, "#lineage svg.lineage")
    assert graph.size["width"] > 400 and graph.size["height"] > 200
    nodes = browser.find_elements(By.CSS_SELECTOR, "#lineage svg.lineage g.node")
    assert len(nodes) == len(data["nodes"]) and all(n.size["width"] > 50 for n in nodes)
    for chart_id in CHARTS:
        chart = browser.find_element(By.CSS_SELECTOR, f"#{chart_id} svg.chart")
        assert chart.size["width"] > 200 and chart.size["height"] > 100, chart_id
        marks = chart.find_elements(By.CSS_SELECTOR, "g.series rect, g.series path")
        assert marks and any(m.size["width"] > 0 for m in marks), chart_id


def test_without_chromium_ci_fails_and_elsewhere_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nowhere = (str(tmp_path / "chromium"),)
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="chromium missing"):
        _require_chromium(nowhere)
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="chromium missing"):
        _require_chromium(nowhere)
