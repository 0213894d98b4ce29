"""Redraw docs/playground.png: python docs/playground_screenshot.py [WIDTH HEIGHT OUT].

Starts ``layerwise playground``, opens it in Debian's Chromium through Playwright, trains the
course's planar model (4 tanh units, ×0.01 init, gradient descent, α = 1.2) for the course's
10000 iterations (epochs: the page stops there by default), pauses and takes a screenshot at
laptop size (default 1366 × 768).
"""

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
width, height = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (1366, 768)
out = Path(sys.argv[3]) if len(sys.argv) > 3 else HERE / "playground.png"
server = subprocess.Popen(
    [sys.executable, "-m", "layerwise", "playground", "--port", "0", "--no-browser"],
    stdout=subprocess.PIPE,
    text=True,
)
url = server.stdout.readline().split()[2]
try:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(url)
        page.get_by_test_id("play").click()
        page.wait_for_function(
            "Number(document.querySelector('[data-testid=epoch]').textContent) >= 10000",
            timeout=120_000,
        )
        page.get_by_test_id("pause").click()
        page.wait_for_timeout(500)
        page.screenshot(path=str(out))
        print(f"{out}: epoch {page.get_by_test_id('epoch').inner_text()}, dev accuracy "
              f"{page.get_by_test_id('dev-accuracy').inner_text()}")  # fmt: skip
        browser.close()
finally:
    server.terminate()
    server.wait()
    server.stdout.close()
