"""The environment of a local stack under test: one table, bucket and bus of its own, every upstream on the fakes.

The same settings the demo gives the handlers (`hotpapers demo`), so a test's stack is the user's.
"""

from __future__ import annotations

import pytest

from hotpapers.api import handler as api_handler
from hotpapers_local.fakes import FakeUpstreams

BSKY = ("demo.bsky.social", "demo-app-password")


def stack_environment(upstreams: FakeUpstreams, moto_endpoint: str, name: str) -> dict[str, str]:
    """Settings for a stack named `name` (table, bucket and bus) over the embedded AWS and these fakes."""
    return {
        **upstreams.env(),
        "AWS_ENDPOINT_URL": moto_endpoint,
        "HOTPAPERS_TABLE": name,
        "HOTPAPERS_BUCKET": name,
        "HOTPAPERS_EVENT_BUS": name,
        "HOTPAPERS_X_BEARER_TOKEN": "test-token",
        "HOTPAPERS_BSKY_HANDLE": BSKY[0],
        "HOTPAPERS_BSKY_APP_PASSWORD": BSKY[1],
        "HOTPAPERS_SOURCES": "x,bluesky,hackernews,huggingface",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


def use_site_stack(mp: pytest.MonkeyPatch, upstreams: FakeUpstreams, moto_endpoint: str, name: str) -> None:
    """That environment for a site under test: no third-party script (the page may load nothing off this
    machine), credentials from the environment (no Secrets Manager), the default site URL."""
    for key, value in {**stack_environment(upstreams, moto_endpoint, name), "HOTPAPERS_X_WIDGETS": "false"}.items():
        mp.setenv(key, value)
    mp.delenv("HOTPAPERS_SECRET_ID", raising=False)
    mp.delenv("HOTPAPERS_SITE_URL", raising=False)
    # The API app is built once per process with its store and settings (as in a Lambda container):
    # forget the one an earlier module built for its own table.
    api_handler.reset()
