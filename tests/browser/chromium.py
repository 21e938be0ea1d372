"""Debian's headless Chromium driven by Playwright: the one place that says which browser and how it starts.

Playwright never downloads a browser here: it launches the system's Chromium (`scripts/install-browser.sh`
installs it; `CONCERT_CHROMIUM` points elsewhere), with the network features that would call home turned off.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_path() -> Path:
    """The Chromium binary to drive; raises with what to do when it is missing."""
    path = Path(os.environ.get("CONCERT_CHROMIUM", "/usr/bin/chromium"))
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run scripts/install-browser.sh (as root), or set CONCERT_CHROMIUM")
    return path


def launch(playwright: Any) -> Any:
    """A headless Chromium browser from a started `sync_playwright()`."""
    return playwright.chromium.launch(executable_path=str(chromium_path()), args=CHROMIUM_ARGS, headless=True)
