"""Real-browser tests: Debian's Chromium driven by Playwright (``executable_path``), against
Django's live server. Without Chromium they skip with a reason, except under
APTRACK_REQUIRE_ALL=1 (CI), where the skip is turned into a failure (tests/conftest.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("APTRACK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


_SHARED: dict[str, Any] = {}


def shared_browser() -> Any:
    """One Chromium for the whole test run, however many modules ask for the fixture.

    Test modules outside tests/browser import the fixtures, which gives pytest a second
    definition of them; a second sync Playwright in the same thread would fail ("Sync API inside
    the asyncio loop"), so every definition hands out this one instance.
    """
    if "browser" not in _SHARED:
        from playwright.sync_api import sync_playwright

        # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
        # synchronous by design, so Django's async-safety guard is relaxed while it runs.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        playwright = sync_playwright().start()
        _SHARED["playwright"] = playwright
        _SHARED["browser"] = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
    return _SHARED["browser"]


def close_shared_browser() -> None:
    """Called once at the end of the test session (tests/conftest.py)."""
    browser = _SHARED.pop("browser", None)
    playwright = _SHARED.pop("playwright", None)
    if browser is not None:
        browser.close()
    if playwright is not None:
        playwright.stop()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package")
    yield shared_browser()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # The service's Content-Security-Policy allows scripts from itself only; axe-core is
    # injected by the test, so the test's own context may bypass it (the pages are unchanged).
    context = browser.new_context(bypass_csp=True)
    tab = context.new_page()
    yield tab
    context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """WCAG 2.x A/AA violations that axe-core finds on the page, of every impact (minor and
    moderate too: WCAG 2.2 AA has no optional parts)."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}: run make install")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]]
