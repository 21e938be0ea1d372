"""Browser tests of the web console: Debian's Chromium, driven by Playwright, against `concert-api serve` on
loopback with the tiny data set and a trained model (the e2e tests' local server fixtures)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, Response, sync_playwright
from tests.browser.chromium import launch
from tests.e2e.conftest import live_server, live_server_with_data  # noqa: F401  (the e2e tests' local server)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("CONCERT_SCREENSHOTS_DIR") or ROOT / "build" / "console-screenshots")
"""Where the views' screenshots go: build/ by default, so a test run leaves the work tree clean; refresh the ones
docs/console.md shows with `CONCERT_SCREENSHOTS_DIR=docs/console .venv/bin/pytest tests/browser`."""
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for a test module (closed after it, so the rest of the suite runs without it)."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@dataclass
class Console:
    """The console open in a page, with what went wrong in the browser while the test ran."""

    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)

    def open(self, view: str) -> None:
        """Open a view by its link, as a user would, and wait until it is shown."""
        if not self.page.url.startswith(self.base_url):
            self.page.goto(f"{self.base_url}/")
            self.page.wait_for_selector("body[data-ready=true]")
        self.page.click(f"nav a[data-view={view}]")
        self.page.wait_for_selector(f"#view-{view}:not([hidden])")

    def wait_idle(self, form_id: str) -> None:
        """Wait until the form's API call has finished (the form is no longer busy)."""
        self.page.wait_for_selector(f"#{form_id}:not([aria-busy])")

    def screenshot(self, name: str) -> None:
        """Write the page as <SCREENSHOTS>/<name>.png (docs/console.md shows the ones written to docs/console/)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def axe_violations(self) -> list[dict[str, Any]]:
        """The serious and critical WCAG 2 A/AA violations axe-core finds in the page as it is now."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol: the console's CSP rightly refuses an injected <script>.
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        )
        return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def console(browser: Any, live_server_with_data: str) -> Iterator[Console]:  # noqa: F811
    """The console at `/` of a fresh local server, in a fresh browser context at laptop width. After the test, no
    console error, no page error, no failed request and no HTTP error response beyond the ones the test expects."""
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    opened = Console(page, live_server_with_data)

    def on_console(message: ConsoleMessage) -> None:
        # Chromium logs every HTTP error response as a console error; those are judged by status below.
        if message.type == "error" and "the server responded with a status of" not in message.text:
            opened.problems.append(f"console error: {message.text}")

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.status not in opened.expected_statuses:
            opened.problems.append(f"HTTP {response.status} from {response.request.method} {response.url}")

    def on_failed(request: Request) -> None:
        opened.problems.append(f"request failed: {request.method} {request.url} ({request.failure})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: opened.problems.append(f"page error: {error}"))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.goto(f"{live_server_with_data}/")
    page.wait_for_selector("body[data-ready=true]")
    yield opened
    context.close()
    assert opened.problems == [], json.dumps(opened.problems, indent=2)
