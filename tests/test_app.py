"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright):
load the page, change a control, run, see the figures change; step one run; serve a
user's own world (`--set`), pick its scenario and see its labels in the figures."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from worlds import tiny_world_dict, user_folder

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.browser
TIMEOUT_MS = 120_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(*args: str):
    """`balancing-sim-app --port <free> *args` in its own process; yields its address.
    Its output goes to a file: a pipe nobody reads blocks the server once it is full."""
    port = free_port()
    code = f"from balancing_sim.app import main; main({['--port', str(port), *args]!r})"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=log,
                                stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        url = f"http://localhost:{port}/"
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    log.seek(0)
                    pytest.fail(f"the app did not start: {log.read().decode()[-2000:]}")
                time.sleep(0.5)
        yield url
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail("chromium is missing: install it with `apt-get install -y chromium` "
                    "(as root; `make test` does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def browse(browser, url: str):
    """A page of the headless Chromium on `url`, once the controls are drawn."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.get_by_role("button", name=re.compile("run replicates", re.I)).wait_for()
    yield page
    page.close()


@pytest.fixture(scope="module")
def server():
    yield from serve()


@pytest.fixture(scope="module")
def page(browser, server):
    yield from browse(browser, server)


def image(page, css: str) -> bytes:
    locator = page.locator(f"{css} img").first
    locator.wait_for(state="visible")
    return locator.screenshot()


def run_with(page, replicates: int) -> None:
    """Set the replicates and run. A form still re-rendering (a scenario just picked)
    may put back its value after the fill (CI, loaded: 'mine: 20 replicates'), so the
    value is set again until it has stayed for a moment."""
    box = page.locator(".bs-replicates input")
    for _ in range(20):
        box.fill(str(replicates))
        box.press("Enter")
        page.wait_for_timeout(500)
        if box.input_value() == str(replicates):
            break
    page.get_by_role("button", name=re.compile("run replicates", re.I)).click()


def shown(page, text: str) -> None:
    """Wait until the page shows `text`; if it never does, say what it shows instead."""
    try:
        page.get_by_text(text).wait_for()
    except Exception:
        pytest.fail(f"{text!r} never shown; the page says: {page.inner_text('body')[:3000]}")


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
    shown(page, "6 replicates")
    bars = image(page, ".bs-outcomes")
    image(page, ".bs-network")
    run_with(page, 12)
    shown(page, "12 replicates")
    assert wait_changed(page, ".bs-fan", fan) != fan
    assert wait_changed(page, ".bs-outcomes", bars) != bars


def test_one_run_steps_month_by_month(page):
    page.get_by_role("button", name=re.compile("step one year", re.I)).click()
    page.locator(".bs-month").get_by_text("2025-06").wait_for()  # from 2024-06, the start
    first = image(page, ".bs-run-network")
    page.get_by_role("button", name=re.compile("step one month", re.I)).click()
    page.locator(".bs-month").get_by_text("2025-07").wait_for()
    assert "Events so far" in page.locator(".bs-events").inner_text()
    assert wait_changed(page, ".bs-run-network", first) != first


# ---------------------------------------------------------------- a user's own world

LABELS = {"poles": {"north": "Nordmark", "south": "Sudmark"},
          "states": {"alpha": "Alphaland", "beta": "Betania", "gamma": "Gammeria"},
          "platforms": {"pact": "Pact of Nord", "forum": "Open Forum"}}


def labelled_world() -> dict:
    data = tiny_world_dict()
    for section, labels in LABELS.items():
        for key, text in labels.items():
            data["world"][section][key]["label"] = text
    return data


@pytest.fixture(scope="module")
def own_folder(tmp_path_factory) -> list[str]:
    """A user's folder with the tiny world and two scenarios of it (`calm`, `mine`):
    the overrides that choose the folder and the world."""
    root = tmp_path_factory.mktemp("conf")
    user_folder(root, labelled_world(), "mine")
    calm = labelled_world()
    calm["scenario"]["end"] = "2002-12"
    user_folder(root, calm, "calm")
    return [f"hydra.searchpath=[file://{root}]", "world=mine"]


@pytest.fixture(scope="module")
def own_page(browser, own_folder):
    args = [a for override in own_folder for a in ("--set", override)]
    for url in serve(*args):
        yield from browse(browser, url)


def figure_text(page, css: str) -> str:
    """The SVG the page shows in `css` (its text is text: the labels drawn)."""
    src = page.locator(f"{css} img").first.get_attribute("src")
    return page.evaluate("src => fetch(src).then(r => r.text())", src)


def test_a_users_world_is_served_its_scenario_picked_and_its_labels_drawn(own_page):
    picker = own_page.locator(".bs-scenario")
    assert "calm" in picker.inner_text()  # the first of the user's scenarios
    picker.click()
    options = own_page.get_by_role("option")
    options.first.wait_for()
    assert options.all_inner_texts() == ["calm", "mine"]  # the user's, no shipped one
    own_page.get_by_role("option", name="mine").click()
    picker.get_by_text("mine", exact=True).wait_for()
    run_with(own_page, 5)
    shown(own_page, "mine: 5 replicates")
    wait_changed(own_page, ".bs-fan", None)
    fan, bars = figure_text(own_page, ".bs-fan"), figure_text(own_page, ".bs-outcomes")
    network = figure_text(own_page, ".bs-network")
    for label in (*LABELS["poles"].values(), *LABELS["states"].values()):
        assert label in fan
    for label in LABELS["states"].values():
        assert label in bars
    for label in (*LABELS["poles"].values(), *LABELS["platforms"].values()):
        assert label in network
    assert "2004" in fan  # the scenario picked (mine ends in 2004-12, calm in 2002-12)
