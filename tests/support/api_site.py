"""The sample API site (2021-06-01 and 2021-06-02, published as the demo publishes them) and the API events,
as the API tests, contract tests and reliability suites send them to the handler."""

from __future__ import annotations

import base64
import copy
import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hotpapers.api import handler as api_handler
from hotpapers.core.settings import Settings
from hotpapers_local.apigw import proxy_event
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.invoke import invoke
from hotpapers_local.provision import provision
from hotpapers_local.relay import relay_collect_finished
from tests.support.site_stack import BSKY, use_site_stack

EVENTS = Path(__file__).resolve().parents[2] / "events"
API_EVENTS = sorted(path.name for path in EVENTS.glob("api-*.json"))
DAY, EMPTY_DAY = "2021-06-01", "2021-06-02"
# Cache-Control kinds: a past day's digest never changes; the latest digest, lists and papers do.
FINAL, SHORT, NO_STORE = "final", "short", "no-store"
DIGEST_ROUTES = 1  # DynamoDB requests of /digests, /digests/latest and /digests/{date}: one Query or GetItem
# Every api event: (status, Cache-Control kind, DynamoDB requests the answer may cost).
EXPECTED: dict[str, tuple[int, str, int]] = {
    "api-digests.json": (200, SHORT, DIGEST_ROUTES),
    "api-digests-page.json": (200, SHORT, DIGEST_ROUTES),
    "api-digest-latest.json": (200, SHORT, DIGEST_ROUTES),
    "api-digest.json": (200, FINAL, DIGEST_ROUTES),
    "api-digest-category.json": (200, FINAL, DIGEST_ROUTES),
    "api-paper.json": (200, SHORT, 1),
    "api-paper-versioned.json": (200, SHORT, 1),
    "api-paper-old-style.json": (404, SHORT, 1),
    "api-paper-old-style-encoded.json": (404, SHORT, 1),
    "api-mentions.json": (200, SHORT, 1),
    "api-mentions-source.json": (200, SHORT, 1),
    "api-openapi.json": (200, SHORT, 0),
    "api-not-modified.json": (304, SHORT, 1),
    "api-error-bad-date.json": (400, NO_STORE, 0),
    "api-error-unknown-day.json": (404, SHORT, 1),
    "api-error-bad-id.json": (400, NO_STORE, 0),
    "api-error-unknown-paper.json": (404, SHORT, 1),
    "api-error-bad-limit.json": (400, NO_STORE, 0),
    "api-error-bad-cursor.json": (400, NO_STORE, 0),
    "api-error-bad-source.json": (400, NO_STORE, 0),
    "api-error-post.json": (405, NO_STORE, 0),
    "api-week.json": (200, FINAL, DIGEST_ROUTES),
    "api-month.json": (200, FINAL, DIGEST_ROUTES),
    "api-error-bad-week.json": (400, NO_STORE, 0),
    "api-error-bad-month.json": (400, NO_STORE, 0),
    "api-error-unknown-week.json": (404, SHORT, 1),
}


@contextmanager
def sample_api_site(moto_endpoint: str, sample_dataset: Any, name: str) -> Iterator[Settings]:
    """The `env` fixture's setup under the table/bucket/bus `name`, with 2021-06-01 and 2021-06-02 published."""
    with pytest.MonkeyPatch.context() as mp, FakeUpstreams(sample_dataset, bsky_credentials=BSKY) as upstreams:
        use_site_stack(mp, upstreams, moto_endpoint, name)

        settings = Settings.from_env()
        provision(settings)
        for day in (DAY, EMPTY_DAY):
            assert invoke("collect", {"date": day}, keep_stdout=False), (
                f"the collect handler returned nothing for {day}"
            )
            published = relay_collect_finished()
            assert [d["date"] for result in published for d in result["days"]] == [day]
        api_handler.reset()  # the API app caches its store: build it for this table
        try:
            yield settings
        finally:
            api_handler.reset()


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def with_query(event: dict[str, Any], **params: str | None) -> dict[str, Any]:
    """The event with query parameters set (None removes one), both single- and multi-valued."""
    event = copy.deepcopy(event)
    query = dict(event.get("queryStringParameters") or {})
    for name, value in params.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    event["queryStringParameters"] = query or None
    event["multiValueQueryStringParameters"] = {name: [value] for name, value in query.items()} or None
    return event


def with_headers(event: dict[str, Any], **headers: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    for name, value in headers.items():
        name = name.replace("_", "-")
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]
    return event


def with_path(event: dict[str, Any], path: str, **path_parameters: str) -> dict[str, Any]:
    """The event for another path: its resource as the template's routes match it (pathParameters as given)."""
    routed = proxy_event(event["httpMethod"], path, {}, b"")
    assert routed is not None, f"no resource of the API matches {path}"
    event = copy.deepcopy(event)
    event["path"] = path
    event["resource"] = event["requestContext"]["resourcePath"] = routed["resource"]
    event["requestContext"]["path"] = f"/{event['requestContext']['stage']}{path}"
    event["pathParameters"] = path_parameters or routed["pathParameters"]
    return event


class Answer:
    def __init__(self, response: dict[str, Any], dynamo_operations: list[str]) -> None:
        self.status: int = response["statusCode"]
        headers = {name: str(value) for name, value in (response.get("headers") or {}).items()}
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(str(value) for value in values)
        self.headers = {name.lower(): value for name, value in headers.items()}
        raw = response.get("body") or ""
        data = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode("utf-8")
        if self.headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        self.body = data
        self.dynamo_operations = dynamo_operations

    def json(self) -> Any:
        return json.loads(self.body)

    def error(self) -> dict[str, str]:
        document = self.json()
        assert set(document) == {"error"} and set(document["error"]) == {"code", "message"}, document
        return document["error"]

    def __repr__(self) -> str:
        return f"<{self.status} {self.headers} {self.body[:300]!r}>"
