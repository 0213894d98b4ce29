"""The playground in a real browser: Playwright driving Debian's Chromium.

The server runs as ``python -m layerwise playground`` in a subprocess, as a user starts it.
Where Chromium (``apt-get install chromium``) or Playwright is missing these tests are skipped
on a developer's machine and fail under CI (``CI=true``), whose script installs both.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # a real Chromium: seconds per page

CHROMIUM = Path(os.environ.get("LAYERWISE_CHROMIUM", "/usr/bin/chromium"))  # Debian's
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} is missing; CI installs it (see .ci/run)", pytrace=False)
    pytest.skip(f"{what} is missing (apt-get install -y chromium; pip install playwright)")


try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


@contextlib.contextmanager
def serving(*options: str):
    """Run ``layerwise playground`` with ``options``, give its URL, stop it (also when the test
    fails), and check it printed nothing while serving."""
    process = subprocess.Popen(
        [sys.executable, "-m", "layerwise", "playground", "--port", "0", "--no-browser", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if "http://" not in line:
            raise AssertionError(f"the playground did not start: {line}")
        yield line.split()[2]  # "layerwise playground: URL  (Ctrl+C stops it)"
    finally:
        process.terminate()
        process.wait(timeout=10)
        with process.stdout:
            printed = process.stdout.read()
    assert printed == ""  # no tracebacks or warnings while serving


@pytest.fixture(scope="module")
def server():
    with serving() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        _missing("Playwright for Python")
    if not CHROMIUM.exists():
        _missing(f"Chromium ({CHROMIUM})")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser, server):
    """Open the playground in a fresh context; collect console errors."""
    contexts, problems = [], []

    def opener(width: int = 1366, height: int = 768):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(server)
        expect(page.get_by_test_id("train-accuracy")).not_to_have_text("–")  # the first frame
        return page

    yield opener
    for context in contexts:
        context.close()
    assert problems == []


def epoch(page) -> int:
    return int(page.get_by_test_id("epoch").inner_text())


def type_into(page, testid: str, text: str) -> None:
    box = page.get_by_test_id(testid)
    box.fill(text)
    box.press("Enter")


def test_page_loads_without_console_errors(open_page):
    page = open_page()
    for hook in ("dataset", "layers", "activation", "init", "learning-rate", "batch-size",
                 "play", "pause", "step", "reset", "epoch", "train-cost", "dev-cost",
                 "train-accuracy", "dev-accuracy", "boundary"):  # fmt: skip
        expect(page.get_by_test_id(hook)).to_be_visible()
    expect(page.get_by_test_id("error")).to_be_hidden()
    page.get_by_test_id("step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("1")
    assert float(page.get_by_test_id("train-cost").inner_text()) > 0
    page.get_by_test_id("layers").fill("8,4")  # the shapes show while typing
    expect(page.locator("#layer-dims")).to_contain_text("[2, 8, 4, 1] · W[1] (8, 2) W[2] (4, 8)")
    page.get_by_test_id("layers").press("Enter")
    expect(page.locator("#layer-dims")).to_have_text("layer_dims = [2, 8, 4, 1] · 65 parameters")
    expect(page.locator(".column .head code").nth(3)).to_have_text("W[2] (4, 8)")


def test_flower_with_four_tanh_units_learns(open_page):
    page = open_page()
    page.get_by_test_id("dataset").select_option("flower")
    type_into(page, "layers", "4")
    page.get_by_test_id("activation").select_option("tanh")
    page.get_by_test_id("play").click()
    page.wait_for_function(
        "Number(document.querySelector('[data-testid=dev-accuracy]').textContent) >= 0.85",
        timeout=60_000,
    )
    page.get_by_test_id("pause").click()
    assert float(page.get_by_test_id("train-accuracy").inner_text()) >= 0.85
    assert float(page.get_by_test_id("dev-cost").inner_text()) < 0.5


UNIT_PIXELS = """() => [...document.querySelectorAll('canvas.unit-map')].map((c) =>
    Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).join(','))"""


def test_zero_init_keeps_every_hidden_unit_identical(open_page):
    page = open_page()
    type_into(page, "layers", "4")
    page.get_by_test_id("activation").select_option("sigmoid")
    page.get_by_test_id("init").select_option("zeros")
    expect(page.locator("#sym-1")).to_have_text("all 4 units identical")
    page.get_by_test_id("play").click()
    page.wait_for_function(
        "Number(document.querySelector('[data-testid=epoch]').textContent) > 500"
    )
    page.get_by_test_id("pause").click()
    maps = page.evaluate(UNIT_PIXELS)
    assert len(maps) == 4 and len(set(maps)) == 1
    assert len(set(maps[0].split(","))) > 4  # the units learned something: not a flat map
    expect(page.locator("#sym-1")).to_have_text("all 4 units identical")
    page.get_by_test_id("init").select_option("xavier")
    expect(page.locator("#sym-1")).to_have_text("")
    distinct = f"() => new Set(({UNIT_PIXELS})()).size === 4"  # redrawn with the new weights
    page.wait_for_function(distinct, timeout=30_000)
    assert len(set(page.evaluate(UNIT_PIXELS))) == 4


def test_pause_stops_the_epoch_counter(open_page):
    page = open_page()
    page.get_by_test_id("play").click()
    page.wait_for_function("Number(document.querySelector('[data-testid=epoch]').textContent) > 0")
    page.get_by_test_id("pause").click()
    expect(page.locator("#status")).to_have_text("paused")
    stopped = epoch(page)
    page.wait_for_timeout(1000)
    assert epoch(page) == stopped > 0


def test_hostile_messages_and_bad_values_show_errors(open_page):
    page = open_page()
    error = page.get_by_test_id("error")
    page.evaluate('window.playground.socket.send(\'{"type": "config", "config": 7\')')
    expect(error).to_contain_text("must be one JSON object")
    page.evaluate("window.playground.socket.send(JSON.stringify({type: 'rm -rf /'}))")
    expect(error).to_contain_text("type must be one of config")
    type_into(page, "learning-rate", "-1")
    expect(error).to_contain_text("learning_rate must be from 1e-06 to 10.0, got -1")
    expect(page.get_by_test_id("learning-rate")).to_have_class("invalid")
    type_into(page, "layers", "1000")
    expect(error).to_contain_text("layers must list up to 6 hidden layer sizes from 1 to 256")
    type_into(page, "learning-rate", "nan")
    expect(error).to_contain_text("got 'nan'")
    page.get_by_test_id("step").click()  # the same tab goes on
    expect(page.get_by_test_id("epoch")).to_have_text("1")
    expect(error).to_be_hidden()
    assert open_page().get_by_test_id("epoch").inner_text() == "0"  # and a new one opens


def test_two_tabs_train_independently(open_page):
    one, two = open_page(), open_page()
    type_into(one, "layers", "8,8")
    expect(one.locator("#layer-dims")).to_contain_text("[2, 8, 8, 1]")
    one.get_by_test_id("play").click()
    one.wait_for_function("Number(document.querySelector('[data-testid=epoch]').textContent) > 50")
    assert epoch(two) == 0
    expect(two.locator("#layer-dims")).to_contain_text("[2, 4, 1]")
    two.get_by_test_id("step").click()
    expect(two.get_by_test_id("epoch")).to_have_text("1")
    before = epoch(one)
    one.wait_for_function(
        f"Number(document.querySelector('[data-testid=epoch]').textContent) > {before}"
    )
    one.get_by_test_id("pause").click()
    assert epoch(two) == 1


OPTIONS = "(select) => [...select.options].filter((o) => !o.disabled).map((o) => o.value)"
RANGE = "(input) => [input.min, input.max, input.step].map(Number)"


def test_the_controls_come_from_the_servers_tables(open_page):
    """Every menu and range is built from the hello message: the core's tables, the schema's
    limits (the examples slider once started at 100 where the server allows 50)."""
    from layerwise.initializers import INITIALIZERS
    from layerwise.optimizers import OPTIMIZERS
    from layerwise.playground.schema import ACTIVATIONS, LIMITS, PRESETS, STEPS

    page = open_page()
    assert page.locator("#activation").evaluate(OPTIONS) == list(ACTIVATIONS)
    assert page.locator("#init").evaluate(OPTIONS) == list(INITIALIZERS)
    assert page.locator("#optimizer").evaluate(OPTIONS) == list(OPTIMIZERS)
    for key in ("batch_size", "speed", "max_epochs"):
        assert page.locator(f"#{key}").evaluate(OPTIONS) == [str(v) for v in PRESETS[key]]
    for key, step in STEPS.items():
        assert page.locator(f"#{key}").evaluate(RANGE) == [*LIMITS[key], step]
    expect(page.locator("#init option[value=small_random]")).to_have_text("×0.01 (small random)")


def test_a_tab_over_the_cap_says_the_playground_is_full(browser):
    with serving("--max-sessions", "1") as url:
        first, second = browser.new_context(), browser.new_context()
        page = first.new_page()
        page.goto(url)
        expect(page.get_by_test_id("train-accuracy")).not_to_have_text("–")
        over = second.new_page()
        over.goto(url)
        expect(over.get_by_test_id("error")).to_contain_text(
            "The playground is full: 1 tab is open (--max-sessions 1). Close one and reload"
        )
        expect(over.locator("#status")).to_have_text("disconnected")
        first.close()  # its slot is free again: a reload gets a tab
        over.reload()
        expect(over.get_by_test_id("train-accuracy")).not_to_have_text("–")
        second.close()


def plotted(page, testid: str = "cost-chart") -> tuple[int, int]:
    """The first and last epoch a chart plots (its data-epochs)."""
    first, last = page.get_by_test_id(testid).get_attribute("data-epochs").split(",")
    return int(first), int(last)


def test_the_curves_keep_epoch_zero_through_a_minute_of_auto_play(open_page):
    page = open_page()
    assert plotted(page) == (0, 0)  # the initial cost, before any update
    page.get_by_test_id("max-epochs").select_option("none")
    expect(page.locator("#status")).to_have_text("paused")
    page.get_by_test_id("play").click()
    lasts = []
    for _ in range(12):  # a minute
        page.wait_for_timeout(5000)
        first, last = plotted(page)
        assert first == 0
        lasts.append(last)
    page.get_by_test_id("pause").click()
    assert lasts == sorted(lasts) and lasts[-1] > lasts[0] > 0
    held = page.evaluate("() => [view.curves.epoch.length, view.grads.epoch.length]")
    assert max(held) <= 400  # bounded: thinned, not cut
    epochs = page.evaluate("() => view.curves.epoch")  # evenly: one stride apart, from 0
    assert epochs[0] == 0 and len(set(np.diff(epochs[:-1]))) == 1  # (the last: the latest)
    assert plotted(page, "grad-chart")[0] == 0


def test_training_stops_at_the_epoch_limit(open_page):
    page = open_page()
    page.get_by_test_id("max-epochs").select_option("1000")
    expect(page.locator("#status")).to_have_text("paused")
    page.get_by_test_id("play").click()
    expect(page.locator("#status")).to_have_text(
        "stopped at 1,000 epochs (the limit)", timeout=60_000
    )
    assert epoch(page) == 1000 and plotted(page) == (0, 1000)
    expect(page.get_by_test_id("play")).to_be_disabled()  # until the limit is raised
    page.evaluate("window.playground.send({type: 'config', config: {max_epochs: 1500}})")
    expect(page.get_by_test_id("max-epochs")).to_have_value("1500")  # not a preset: added
    expect(page.get_by_test_id("play")).to_be_enabled()


def test_zero_gradients_are_drawn_as_zero(open_page):
    page = open_page()
    page.get_by_test_id("init").select_option("zeros")  # tanh: every dW is exactly 0
    page.get_by_test_id("step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("1")
    assert plotted(page, "grad-chart") == (0, 1)  # plotted, on the 0 row
    expect(page.locator("#note")).to_contain_text("Every ‖dW[l]‖ is 0")


def test_six_hidden_layers_fit_the_diagram(open_page):
    page = open_page(1366, 768)
    expect(page.locator("#layers-value")).to_have_text("layer_dims = [2, 4, 1]")
    type_into(page, "layers", "12,12,12,12,12,12")
    expect(page.locator("#layers-value")).to_have_text(
        "layer_dims = [2, 12, 12, 12, 12, 12, 12, 1]"
    )
    expect(page.locator(".column")).to_have_count(8)  # the new network's diagram
    expect(page.locator(".output-map")).to_be_visible()
    right = page.evaluate(
        """() => [document.getElementById('diagram'), ...document.querySelectorAll('.column')]
            .map((el) => el.getBoundingClientRect().right)"""
    )
    assert max(right[1:]) <= right[0]  # no column past the diagram's edge
