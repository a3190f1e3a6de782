#!/usr/bin/env python3
"""Screenshots of the search page for the docs: a search with result cards, a PCS result's
seven axes, a chat answer in the widget, and the note panel. Starts `medcode serve` on a
free loopback port against an index you built and drives headless Chromium (Debian's
chromium + chromium-driver, as the browser test does).

    .venv/bin/python scripts/screenshots.py --index-dir DIR [--out docs/img]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERY = "percutaneous sacral lead for urge incontinence"
CHAT = "type 2 diabetes with diabetic chronic kidney disease"
NOTE = ROOT / "tests" / "fixtures" / "notes" / "sacral_lead.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit("the server did not become ready")


def browser(profile: str):  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1100,1400",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


def shoot(driver, path: Path, height: int | None = None) -> None:  # type: ignore[no-untyped-def]
    tall = height or int(driver.execute_script("return document.body.scrollHeight")) + 40
    driver.set_window_size(1100, min(max(tall, 600), 2600))
    time.sleep(0.3)
    driver.save_screenshot(str(path))
    print(path)


def main() -> int:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "medcode"),
            "serve",
            "--port",
            str(port),
            "--index-dir",
            args.index_dir,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    profile = tempfile.mkdtemp(prefix="medcode-shots-")
    driver = None
    try:
        wait_ready(url)
        driver = browser(profile)
        wait = WebDriverWait(driver, 60)
        driver.get(url + "/")
        driver.find_element(By.ID, "q").send_keys(QUERY)
        driver.find_element(By.ID, "go").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".result") or False)
        shoot(driver, out / "search.png")

        driver.get(url + "/")
        driver.find_element(By.ID, "q").send_keys(QUERY)
        Select(driver.find_element(By.ID, "system")).select_by_visible_text("ICD-10-PCS")
        driver.find_element(By.ID, "go").click()
        first = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".result") or False)[0]
        first.find_element(By.CSS_SELECTOR, ".axes-panel summary").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.axes tr") or False)
        shoot(driver, out / "pcs-axes.png", height=1000)

        driver.get(url + "/")
        driver.set_window_size(1100, 1000)
        driver.find_element(By.CSS_SELECTOR, ".mc-launch").click()
        driver.find_element(By.CSS_SELECTOR, ".mc-form input").send_keys(CHAT)
        driver.find_element(By.CSS_SELECTOR, ".mc-form button").click()
        wait.until(
            lambda d: "Sources:" in (d.find_elements(By.CSS_SELECTOR, ".mc-answer") or [d])[-1].text
        )
        # the answer's beginning: the recommended code and its companions
        driver.execute_script("document.querySelector('.mc-log').scrollTop = 0;")
        shoot(driver, out / "chat.png", height=1000)

        driver.get(url + "/")
        driver.find_element(By.CSS_SELECTOR, "#note-panel summary").click()
        area = driver.find_element(By.ID, "note")
        driver.execute_script("arguments[0].value = arguments[1];", area, NOTE.read_text())
        driver.find_element(By.ID, "suggest-go").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".suggestion") or False)
        shoot(driver, out / "note.png")
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(30)
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
