"""Hypothesis profiles: derandomized under CI=true so a landing never depends on luck; more examples
locally with HYPOTHESIS_PROFILE=explore. The browser the page tests click in, and the marks that keep the
slow parts out of ``make check``: a test that takes the ``browser`` fixture is marked ``browser``."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser

settings.register_profile(
    "ci", derandomize=True, max_examples=100, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None, print_blob=True)
settings.register_profile("explore", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI", "").lower() == "true" else "dev")
)


REPLAY_BACKENDS = ("numpy", "torch")
"""The backends every replay test runs on: NumPy, and torch on the CPU (the suite's ``torch`` extra)."""


@pytest.fixture(params=REPLAY_BACKENDS, scope="session")
def trace(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``autograd.trace`` on one of ``REPLAY_BACKENDS``: a test that takes it runs once on each."""
    import autograd

    return functools.partial(autograd.trace, backend=request.param)


@pytest.fixture(params=REPLAY_BACKENDS, scope="session")
def fit_backend(request: pytest.FixtureRequest) -> str:
    """The ``backend=`` of a replayed ``fit``, ``evaluate`` or ``accuracy``: each of ``REPLAY_BACKENDS``."""
    return str(request.param)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    """Debian's chromium, headless, through Playwright; one per test module, with the module's
    ``BROWSER_FLAGS`` if it sets them (``benchmarks.lab.LOOPBACK_ONLY``: no host resolves but 127.0.0.1)."""
    from playwright.sync_api import sync_playwright

    from benchmarks.browser import launch

    with sync_playwright() as playwright:
        launched = launch(playwright, getattr(request.module, "BROWSER_FLAGS", None))
        yield launched
        launched.close()
