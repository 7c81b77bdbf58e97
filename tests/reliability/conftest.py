"""Reliability suites use the integration stack (moto server, fake upstreams, a provisioned env) and the
AWS fault proxies, all from tests/support."""

from __future__ import annotations

from tests.support.aws_faults import child_proxy, fault_proxy, proxy  # noqa: F401 - fixtures
from tests.support.stack_fixtures import env, moto_endpoint, sample_dataset, upstreams  # noqa: F401 - fixtures
