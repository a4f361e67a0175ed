"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright):
load the page, change a control, run, see the figures change; step one run."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.browser
TIMEOUT_MS = 120_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    code = f"from balancing_sim.app import main; main(['--port', '{port}'])"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://localhost:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the app did not start: {proc.stdout.read().decode()[-2000:]}")
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page(server):
    if not CHROMIUM.is_file():
        pytest.fail("chromium is missing: install it with `apt-get install -y chromium` "
                    "(as root; `make test` does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server)
        page.get_by_role("button", name=re.compile("run replicates", re.I)).wait_for()
        yield page
        browser.close()


def image(page, css: str) -> bytes:
    locator = page.locator(f"{css} img").first
    locator.wait_for(state="visible")
    return locator.screenshot()


def run_with(page, replicates: int) -> None:
    box = page.locator(".bs-replicates input")
    box.fill(str(replicates))
    box.press("Enter")
    page.get_by_role("button", name=re.compile("run replicates", re.I)).click()


def wait_changed(page, css: str, before: bytes | None) -> bytes:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        try:
            now = image(page, css)
        except Exception:  # redrawn while read: try again
            now = None
        if now is not None and now != before:
            return now
        page.wait_for_timeout(500)
    pytest.fail(f"the figure {css} did not change")


def test_running_replicates_draws_the_figures_and_a_new_setting_redraws_them(page):
    run_with(page, 6)
    fan = wait_changed(page, ".bs-fan", None)
    page.get_by_text("6 replicates").wait_for()
    bars = image(page, ".bs-outcomes")
    image(page, ".bs-network")
    run_with(page, 12)
    page.get_by_text("12 replicates").wait_for()
    assert wait_changed(page, ".bs-fan", fan) != fan
    assert wait_changed(page, ".bs-outcomes", bars) != bars


def test_one_run_steps_month_by_month(page):
    page.get_by_role("button", name=re.compile("step one year", re.I)).click()
    page.locator(".bs-month").get_by_text("2025-07").wait_for()
    first = image(page, ".bs-run-network")
    page.get_by_role("button", name=re.compile("step one month", re.I)).click()
    page.locator(".bs-month").get_by_text("2025-08").wait_for()
    assert "Events so far" in page.locator(".bs-events").inner_text()
    assert wait_changed(page, ".bs-run-network", first) != first
