"""A real browser for tests: Debian's Chromium, driven by Playwright.

Playwright's own browser download cannot run offline, so the tests launch the
system Chromium (``apt-get install chromium``; ``.ci/run`` installs it). Where
no Chromium or no Playwright is installed, the browser tests are skipped with
that reason instead of failing.

Usage in a test::

    def test_page(browser_page, tmp_path):
        page, problems = browser_page(tmp_path / "dashboard.html")
        page.click("text=Play")
        assert problems == []
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ENV = "SPEECHCASE_CHROMIUM"
# Without the background-networking switches Chromium keeps dialling hosts this closed network refuses.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--autoplay-policy=no-user-gesture-required"]


def chromium_path() -> str | None:
    """The Chromium executable to launch, or None when none is installed."""
    for candidate in (os.environ.get(CHROMIUM_ENV), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium shared by the session's browser tests (skipped where none is installed)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set SPEECHCASE_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """Open a local HTML file; returns ``(page, problems)``.

    ``problems`` collects console errors, uncaught page errors and every request
    that leaves the machine (a self-contained page makes none), as they happen.
    """
    contexts = []

    def open_file(path: Path, viewport=(1366, 900)):
        context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(context)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("request", lambda req: problems.append(f"external request: {req.url}")
                if req.url.startswith(("http:", "https:", "ws:", "wss:")) else None)
        page.goto(Path(path).resolve().as_uri())
        page.wait_for_load_state("load")
        return page, problems

    yield open_file
    for context in contexts:
        context.close()
