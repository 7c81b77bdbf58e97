"""schemathesis against the local server: every operation of /openapi.json, fuzzed over real HTTP.

The site is built as `hotpapers demo` builds it (2021-06-01 and the empty
2021-06-02 collected and published through the real handlers), and served by
`LocalServer` with the API under /api/ exactly as `hotpapers serve` does: each
request becomes an API Gateway proxy event for functions/api/app.py. The schema
is loaded from the server itself. Required: no 5xx, and every answer conforms
to the document (status, content type, headers, body). Examples are
derandomized, so a failure reproduces on every run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hotpapers.api.endpoints import openapi_document
from hotpapers.core.store_cursors import mentions_cursor, mentions_prefix, summaries_cursor
from hotpapers.publish.handler import build_site_bucket
from hotpapers_local.apigw import api_gateway_proxy
from hotpapers_local.site_server import LocalServer
from tests.support.api_site import sample_api_site

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 50
OPERATIONS = sorted(openapi_document()["paths"])
# Operations with a parameter that is more than any string (a date, a bounded integer, an enum): the ones
# negative examples can get wrong. The others' values all fit their schema once they are on the wire.
CONSTRAINED = sorted(
    path
    for path, item in openapi_document()["paths"].items()
    if any(parameter["schema"] != {"type": "string"} for parameter in item["get"].get("parameters", []))
)
STRATEGIES: dict[tuple[str, GenerationMode], Any] = {}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_base_url(moto_endpoint: str, sample_dataset: Any) -> Iterator[str]:
    with sample_api_site(moto_endpoint, sample_dataset, "hotpapers-api-fuzz") as site_settings:
        server = LocalServer(build_site_bucket(site_settings), api=api_gateway_proxy, host="127.0.0.1", port=0)
        with server:
            yield server.url + "api"


@pytest.fixture(scope="module")
def api_schema(api_base_url: str) -> Any:
    return schemathesis.openapi.from_url(f"{api_base_url}/openapi.json")


def test_the_served_document_is_the_one_fuzzed_here(api_schema: Any) -> None:
    assert sorted(api_schema) == OPERATIONS
    assert {path: sorted(api_schema[path]) for path in OPERATIONS} == {path: ["get"] for path in OPERATIONS}


@dataclass(frozen=True)
class Scenario:
    path: str
    mode: GenerationMode = GenerationMode.POSITIVE
    path_parameters: dict[str, str] | None = None  # fixed; the rest is generated
    query: dict[str, str] | None = None

    def __str__(self) -> str:
        fixed = {**(self.path_parameters or {}), **(self.query or {})}
        return f"{self.path}-{self.mode.value}" + "".join(f"-{name}={value}" for name, value in fixed.items())


# Every operation with any values, the constrained ones with wrong values too; then the sample's own day,
# papers and cursors, so the other parameters are fuzzed against real digests, mentions and pages too.
SCENARIOS = [
    *(Scenario(path) for path in OPERATIONS),
    *(Scenario(path, GenerationMode.NEGATIVE) for path in CONSTRAINED),
    Scenario("/digests", query={"cursor": summaries_cursor(date(2021, 6, 2))}),
    Scenario("/digests/{date}", path_parameters={"date": "2021-06-01"}),
    Scenario("/weeks/{week}", path_parameters={"week": "2021-W22"}),
    Scenario("/months/{month}", path_parameters={"month": "2021-06"}),
    Scenario("/papers/{arxiv_id}", path_parameters={"arxiv_id": "2105.14103"}),
    Scenario("/papers/{arxiv_id}/mentions", path_parameters={"arxiv_id": "2105.15075"}),
    Scenario(
        "/papers/{arxiv_id}/mentions",
        path_parameters={"arxiv_id": "2105.15075"},
        query={"cursor": mentions_cursor(mentions_prefix("x") + "0")},
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_operation_conforms_to_the_document(scenario: Scenario, api_schema: Any, api_base_url: str) -> None:
    path, mode = scenario.path, scenario.mode
    fixed = scenario.path_parameters or scenario.query
    operation = api_schema[path]["GET"]
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(
        case=operation.as_strategy(generation_mode=mode, path_parameters=scenario.path_parameters, query=scenario.query)
    )
    def fuzz(case: schemathesis.Case) -> None:
        try:
            response = case.call_and_validate(base_url=api_base_url, checks=CHECKS, timeout=10)
        except requests.ConnectionError as error:
            # LocalServer drops the connection when the handler raises; API Gateway would answer 502.
            pytest.fail(
                f"the API handler raised (a 502 in AWS): {case.as_curl_command(base_url=api_base_url)}\n{error}"
            )
        statuses[response.status_code] += 1

    fuzz()
    # Not vacuous: the cases reached the handler's answers, not only one kind of error.
    if fixed or path in ("/digests", "/openapi.json"):
        assert statuses[200], statuses
    if mode is GenerationMode.NEGATIVE:
        assert statuses[400], statuses
