"""The browser harness: Debian's chromium, launched through Playwright, for the explorer's tests and for the
benchmarks that open its pages. Browsers cannot be downloaded here; ``make test`` installs Debian's."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM_FLAGS", "chromium_path", "digits_page_in_chromium", "launch"]

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium (``make test`` installs it), or CHAINRULE_CHROMIUM; never a downloaded browser."""
    path = os.environ.get("CHAINRULE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError("the explorer's tests need Chromium: run `make test`, which installs Debian's chromium "
                           "package, or set CHAINRULE_CHROMIUM to a Chromium binary")
    return path


def launch(playwright: Any, flags: list[str] | None = None) -> Any:
    """Headless chromium from ``chromium_path``, with ``CHROMIUM_FLAGS`` and any more ``flags``."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS + (flags or []),
                                      headless=True)


def digits_page_in_chromium(page_path: Path, measure: str) -> list[float]:
    """Open the digits page at ``page_path`` in Debian's chromium (headless, through Playwright) and return
    the seconds it took to open (until its script has run) or the milliseconds a click on a node took to
    answer, measured in the browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 800})
        start = time.perf_counter()
        page.goto(page_path.as_uri())
        page.wait_for_selector("html[data-chainrule=ready]", state="attached")
        opened = time.perf_counter() - start
        page.evaluate("chainrule.showView(2); document.querySelector('.view[data-view=\"2\"] svg').getBBox()")
        page.wait_for_timeout(500)  # the scalar view shown and laid out, as it is before anyone clicks in it
        clicks = page.evaluate("""() => {
          const times = [];
          const fan = chainrule.data.levels[2].fans.findIndex(f => f.name === 'layers.0.neurons.7.w');
          for (const id of ['layers.0.neurons.0.net', 'layers.0.neurons.3.out', 'layers.1.neurons.7.net', 'fan']) {
            const i = chainrule.data.nodes.findIndex(n => n.name === id);
            const el = document.getElementById(id === 'fan' ? 'v2-f' + fan : 'v2-n' + i);
            const t = performance.now();
            el.dispatchEvent(new MouseEvent('click', {bubbles: true}));
            document.getElementById('panel').getBoundingClientRect();  // the panel laid out
            times.push(performance.now() - t);
          }
          return times;
        }""")
        browser.close()
    return [opened] if measure == "open" else [max(clicks)]
