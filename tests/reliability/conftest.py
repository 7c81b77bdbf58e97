"""Reliability suites share the integration fixtures (moto server, fake upstreams, a provisioned env)."""

from __future__ import annotations

from tests.integration.conftest import env, moto_endpoint, sample_dataset, upstreams  # noqa: F401
