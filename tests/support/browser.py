"""Headless Chromium as the browser tests launch it (the `browser` fixture), the requests a site server
answered (the icon's, which Playwright never reports), and a PNG's size read from its header."""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module. Never wider: Playwright's sync API refuses to start while another
    instance runs, and a session-long one would hold its event loop over every later test."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium: make test does it", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


ICON_PATH = "/favicon.ico"


class ServedRequests:
    """What a `LocalServer` answered, path and status, as it answers (pass `record` as its `on_response`).

    Chromium fetches a page's icon for its tab after the load event, outside the page's network events:
    Playwright reports neither the request nor its response, so a test can only learn from the server
    that the icon was asked for, and what it got.
    """

    def __init__(self) -> None:
        self._answered = threading.Condition()
        self._responses: list[tuple[str, int]] = []

    def record(self, path: str, status: int) -> None:
        with self._answered:
            self._responses.append((path, status))
            self._answered.notify_all()

    def count(self, path: str) -> int:
        """How many responses to `path` were written so far: take it before a navigation, then wait past it."""
        with self._answered:
            return sum(1 for served, _ in self._responses if served == path)

    def wait_for(self, path: str, after: int, timeout: float = 15.0) -> int:
        """The status of the first response to `path` after the first `after` ones, once it is written."""
        with self._answered:  # a Condition's lock is reentrant: `count` takes it again
            answered = self._answered.wait_for(lambda: self.count(path) > after, timeout)
            assert answered, f"nothing asked the server for {path} within {timeout:.0f} s"
            return [status for served, status in self._responses if served == path][after]


def wait_for_icon(page: Page, served: ServedRequests, before: int) -> int:
    """Waits until the server answered Chromium's request for the page's icon; returns its status.

    `before`: `served.count(ICON_PATH)` taken before the navigation (each new context asks for the icon once).
    Then one round trip to the page, so the console messages Chromium sent before it reach the test's handlers.
    """
    status = served.wait_for(ICON_PATH, after=before)
    page.evaluate("() => document.readyState")
    return status
