"""The fixtures of a local stack: one moto server per session, a fresh table per test, fake upstreams on
loopback. The integration and reliability conftest.py files offer them to their tests."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from hotpapers.core import aws
from hotpapers.core.settings import Settings
from hotpapers_local.emulator import EmbeddedAws, use_endpoint
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.provision import provision
from hotpapers_local.sample import load_sample_dataset
from tests.support.site_stack import BSKY, stack_environment

_names = itertools.count()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = EmbeddedAws().start()
    saved = os.environ.get("AWS_ENDPOINT_URL")
    use_endpoint(server.url)
    yield server.url
    server.stop()
    if saved is None:
        os.environ.pop("AWS_ENDPOINT_URL", None)
    aws.reset_clients()


@pytest.fixture(scope="session")
def sample_dataset():
    return load_sample_dataset()


@pytest.fixture
def upstreams(sample_dataset) -> Iterator[FakeUpstreams]:
    with FakeUpstreams(sample_dataset, bsky_credentials=BSKY) as server:
        yield server


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str, upstreams: FakeUpstreams) -> Settings:
    """A provisioned table/bucket/bus of this test's own, and every upstream pointed at the fakes."""
    suffix = next(_names)
    values = stack_environment(upstreams, moto_endpoint, f"hotpapers-test-{suffix}")
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("HOTPAPERS_SECRET_ID", raising=False)
    settings = Settings.from_env()
    provision(settings)
    return settings
