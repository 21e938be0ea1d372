"""The web console's first load: bytes transferred and time until it is interactive, in headless Chromium.

    .venv/bin/python bench/bench_console.py [--scale tiny] [--runs 15]

Starts `concert-api serve` on a free loopback port and opens the console `--runs` times, each in a fresh browser
context (empty cache), with Debian's Chromium (scripts/install-browser.sh) driven by Playwright:

* bytes: the transfer size of the page and every resource it loaded (Resource Timing), headers included;
* interactive: from navigation start to the console's `console-ready` mark (its scripts have run, every view's
  controls are wired and the first view is shown);
* venues shown: from navigation start to the venue table drawn from the API, opening `/#venues` directly.

The baseline, measured in the same run the same way, is the API's own `/docs` page (one HTML file whose script
fetches /openapi.json and renders it): its load event and its bytes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _data import data_dir_for
from _util import ROOT, free_port, markdown_table, wait_for

sys.path.insert(0, str(ROOT))
from tests.browser.chromium import launch

BYTES = """() => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
                 .reduce((sum, e) => sum + e.transferSize, 0)"""
COUNT = "() => 1 + performance.getEntriesByType('resource').length"


def _measure(browser, base: str, runs: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {k: [] for k in
                                       ("bytes", "requests", "interactive", "venues", "docs_bytes", "docs_load")}
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/")
        page.wait_for_selector("body[data-ready=true]")
        page.wait_for_load_state("load")
        figures["interactive"].append(page.evaluate("performance.getEntriesByName('console-ready')[0].startTime"))
        figures["bytes"].append(page.evaluate(BYTES))
        figures["requests"].append(page.evaluate(COUNT))
        context.close()

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/#venues")
        page.wait_for_selector("#venues-results table")
        figures["venues"].append(page.evaluate("performance.now()"))
        context.close()

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/docs")
        page.wait_for_selector(".op")
        page.wait_for_load_state("load")
        figures["docs_load"].append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
        figures["docs_bytes"].append(page.evaluate(BYTES))
        context.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="tiny", help="data set the server answers from (default tiny)")
    parser.add_argument("--runs", type=int, default=15, help="page loads of each kind (default 15)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    data_dir = data_dir_for(args.scale)
    port = free_port()
    env = {**os.environ, "CONCERT_DATA_DIR": str(data_dir), "CONCERT_ENV_FILE": "", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([str(ROOT / ".venv/bin/concert-api"), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health")
        print(f"measuring {args.runs} loads of each page on {base} ...", file=sys.stderr, flush=True)
        with sync_playwright() as playwright:
            browser = launch(playwright)
            _measure(browser, base, 1)  # warm-up: the server's first answers build its caches
            figures = _measure(browser, base, args.runs)
            version = browser.version
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    def median(key: str) -> float:
        return statistics.median(figures[key])

    def p90(key: str) -> float:
        return sorted(figures[key])[int(0.9 * (len(figures[key]) - 1))]

    print(f"Chromium {version}, headless, loopback, scale {args.scale}, {args.runs} fresh-context loads each; "
          f"load average {os.getloadavg()[0]:.1f}")
    rows = [
        ("console `/`: bytes transferred (all files)", f"{median('bytes') / 1024:.1f} KB",
         f"{int(median('requests'))} requests", "< 500 KB"),
        ("console `/`: navigation -> interactive", f"{median('interactive'):.0f} ms",
         f"p90 {p90('interactive'):.0f} ms", "< 1000 ms"),
        ("console `/#venues`: navigation -> ranking table shown", f"{median('venues'):.0f} ms",
         f"p90 {p90('venues'):.0f} ms", ""),
        ("baseline `/docs`: bytes transferred", f"{median('docs_bytes') / 1024:.1f} KB", "", ""),
        ("baseline `/docs`: navigation -> load event", f"{median('docs_load'):.0f} ms",
         f"p90 {p90('docs_load'):.0f} ms", ""),
    ]
    print(markdown_table(["measure", "median", "spread", "target"], rows))


if __name__ == "__main__":
    main()
