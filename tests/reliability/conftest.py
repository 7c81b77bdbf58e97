"""Reliability suites use the integration stack (moto server, fake upstreams, a provisioned env) and the
AWS fault proxies, all from tests/support."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import template_model as tm
from tests.support.aws_fault_runs import observe  # noqa: F401 - fixture
from tests.support.aws_faults import child_proxy, fault_proxy, proxy  # noqa: F401 - fixtures
from tests.support.browser import browser  # noqa: F401 - fixture
from tests.support.hostile_site import hostile_site, reports  # noqa: F401 - fixtures
from tests.support.stack_fixtures import env, moto_endpoint, sample_dataset, upstreams  # noqa: F401 - fixtures


# template.yaml as written (cfn-lint's loader, with line numbers), as plain data, and as SAM expands it.
@pytest.fixture(scope="session")
def raw() -> Any:
    return tm.raw()


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return tm.plain(tm.raw())


@pytest.fixture(scope="session")
def expanded() -> dict[str, Any]:
    return tm.expanded()
