"""End to end in headless Chromium (Debian's chromium + chromium-driver, driven by Selenium):
the page's search box and the embedded chat widget against a live server on 127.0.0.1.

Skipped where Chromium is not installed, except when MEDCODE_REQUIRE_BROWSER=1 (set by
.ci/run, which installs it): then a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from api.app import create_app
from api.settings import Settings
from tests.helpers import live_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
QUERY = "percutaneous sacral lead for urge incontinence"

if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
    if os.environ.get("MEDCODE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"Chromium or ChromeDriver missing ({CHROMIUM}, {DRIVER})", pytrace=False)
    pytest.skip("Chromium and ChromeDriver are not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def server(small_index) -> Iterator[str]:
    index_dir, opener = small_index
    with live_server(create_app(Settings(index_dir=index_dir), opener)) as url:
        yield url + "/"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="medcode-chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_search_box_shows_64561_with_a_cited_passage(server: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server)  # type: ignore[attr-defined]
    box = browser.find_element(By.ID, "q")  # type: ignore[attr-defined]
    box.send_keys(QUERY)
    browser.find_element(By.ID, "go").click()  # type: ignore[attr-defined]
    hit = WebDriverWait(browser, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, '.result[data-code="64561"]'))
    )
    assert "64561" in hit.text
    quote = hit.find_element(By.CSS_SELECTOR, "blockquote.citation")
    assert len(quote.text) > 20 and "characters" in quote.text
    where = quote.find_element(By.CSS_SELECTOR, ".where").text
    assert "CPT" in where and "/" not in where.split("·")[0]  # a readable source, no path
    assert "confidence" in hit.find_element(By.CSS_SELECTOR, ".score").text
    groups = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "h2.group")]  # type: ignore[attr-defined]
    assert "CPT" in groups and len(groups) == len(set(groups))  # one group per code system


def test_chat_widget_streams_an_answer_with_sources(server: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server)  # type: ignore[attr-defined]
    browser.find_element(By.CSS_SELECTOR, ".mc-launch").click()  # type: ignore[attr-defined]
    field = browser.find_element(By.CSS_SELECTOR, ".mc-form input")  # type: ignore[attr-defined]
    field.send_keys(QUERY)
    browser.find_element(By.CSS_SELECTOR, ".mc-form button").click()  # type: ignore[attr-defined]

    def answered(driver: object) -> str | bool:
        answers = driver.find_elements(By.CSS_SELECTOR, ".mc-answer")  # type: ignore[attr-defined]
        text = answers[-1].text if answers else ""
        return text if "Sources:" in text else False

    text = WebDriverWait(browser, 20).until(answered)
    assert "64561" in str(text) and "[1]" in str(text)


def test_a_pcs_result_opens_its_seven_axes(server: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(server)  # type: ignore[attr-defined]
    browser.find_element(By.ID, "q").send_keys(QUERY)  # type: ignore[attr-defined]
    Select(browser.find_element(By.ID, "system")).select_by_visible_text("ICD-10-PCS")  # type: ignore[attr-defined]
    browser.find_element(By.ID, "go").click()  # type: ignore[attr-defined]
    hit = WebDriverWait(browser, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, '.result[data-code="01HY3MZ"]'))
    )
    hit.find_element(By.CSS_SELECTOR, ".axes-panel summary").click()
    rows = WebDriverWait(browser, 20).until(
        lambda _: hit.find_elements(By.CSS_SELECTOR, "table.axes tr") or False
    )
    cells = [r.text for r in rows]
    assert len(cells) == 7
    assert cells[0].startswith("1 Section") and "Medical and Surgical" in cells[0]
    assert "Insertion" in cells[2]  # H, the root operation


def test_the_note_panel_suggests_codes_with_their_evidence(server: str, browser, fixtures) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    note = (fixtures / "notes" / "sacral_lead.txt").read_text()
    browser.get(server)  # type: ignore[attr-defined]
    browser.find_element(By.CSS_SELECTOR, "#note-panel summary").click()  # type: ignore[attr-defined]
    area = browser.find_element(By.ID, "note")  # type: ignore[attr-defined]
    browser.execute_script("arguments[0].value = arguments[1];", area, note)  # type: ignore[attr-defined]
    browser.find_element(By.ID, "suggest-go").click()  # type: ignore[attr-defined]
    hit = WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '.suggestion[data-code="64561"]') or False
    )[0]
    evidence = hit.find_element(By.CSS_SELECTOR, ".evidence").text
    quoted = evidence.split("”")[0].lstrip("“")
    assert quoted and quoted in note  # the words of the note that support the code
    assert "confidence" in hit.text and hit.find_element(By.CSS_SELECTOR, ".why").text
