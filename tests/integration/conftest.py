"""Integration setup: one moto server per session, a fresh table per test, fake upstreams on loopback
(the fixtures live in tests/support/stack_fixtures.py, shared with the reliability suites)."""

from __future__ import annotations

from tests.support.browser import browser  # noqa: F401 - fixture
from tests.support.published_site import record_puts  # noqa: F401 - fixture
from tests.support.stack_fixtures import env, moto_endpoint, sample_dataset, upstreams  # noqa: F401 - fixtures
