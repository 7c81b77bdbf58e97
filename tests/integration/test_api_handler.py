"""The JSON API end to end: every events/api-*.json through the real handler, against the sample site.

The site is built once for the module as `hotpapers demo` builds it: the sample
day 2021-06-01 (17 papers) and the empty day 2021-06-02 are collected by the
real collect handler, and the bus hands each Collect Finished event to the real
publish handler. Each event is then given to functions/api/app.py exactly as
API Gateway (REST, proxy integration, stage `api`) would give it, and the
DynamoDB requests every answer costs are counted on the client the store uses.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from hotpapers.api.endpoints import openapi_document
from hotpapers.core import aws
from hotpapers.core.settings import Settings
from hotpapers.core.store_cursors import encode_cursor, mentions_cursor, mentions_prefix, summaries_cursor
from hotpapers_local.invoke import invoke
from tests.support.api_site import (
    API_EVENTS,
    DAY,
    EMPTY_DAY,
    EXPECTED,
    FINAL,
    SHORT,
    Answer,
    load_event,
    sample_api_site,
    with_headers,
    with_path,
    with_query,
)

pytestmark = pytest.mark.integration

SAMPLE_PAPERS = 17
TOP_PAPER, TOP_SCORE = "2105.14103", 10047
TWICE_MENTIONED = "2105.15075"  # two posts on X in the sample day
OLD_STYLE = "hep-th/9901001"
JSON_TYPE = "application/json; charset=utf-8"


ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}


# ------------------------------------------------------------------ the site, built as the demo builds it


class DynamoCounter:
    """Every request the store's DynamoDB client sends (each attempt), by operation."""

    def __init__(self, settings: Settings) -> None:
        # The cached client build_store uses (core.store.build_store): same arguments, same object.
        self.client = aws.client("dynamodb", settings.endpoint_url, settings.region, parameter_validation=False)
        self.operations: list[str] = []
        self.client.meta.events.register("before-send.dynamodb", self._on_send, unique_id="api-test-counter")

    def _on_send(self, request: Any, **_: Any) -> None:
        self.operations.append(request.headers.get("X-Amz-Target", b"").decode().rpartition(".")[2])

    def close(self) -> None:
        self.client.meta.events.unregister("before-send.dynamodb", unique_id="api-test-counter")


@pytest.fixture(scope="module")
def site(moto_endpoint: str, sample_dataset: Any) -> Iterator[Settings]:
    with sample_api_site(moto_endpoint, sample_dataset, "hotpapers-api-handler") as settings:
        yield settings


@pytest.fixture(scope="module")
def dynamo(site: Settings) -> Iterator[DynamoCounter]:
    counter = DynamoCounter(site)
    yield counter
    counter.close()


# ------------------------------------------------------------------ helpers


def call(event: dict[str, Any], dynamo: DynamoCounter) -> Answer:
    dynamo.operations.clear()
    response = invoke("api", event, keep_stdout=False)
    return Answer(response, list(dynamo.operations))


def get(dynamo: DynamoCounter, name: str, **params: str | None) -> Answer:
    return call(with_query(load_event(name), **params), dynamo)


def max_age(cache_control: str) -> int:
    found = re.search(r"(?:^|[,\s])max-age=(\d+)", cache_control)
    assert found, f"no max-age in Cache-Control {cache_control!r}"
    return int(found.group(1))


def assert_cache_kind(cache_control: str | None, kind: str) -> None:
    assert cache_control, "no Cache-Control header"
    directives = {part.strip().split("=")[0] for part in cache_control.split(",")}
    if kind == FINAL:
        assert "immutable" in directives and "public" in directives, cache_control
        assert max_age(cache_control) >= 365 * 86400, cache_control
    elif kind == SHORT:
        assert "immutable" not in directives and "no-store" not in directives, cache_control
        assert 0 < max_age(cache_control) <= 3600, cache_control
    else:
        assert directives == {"no-store"}, cache_control


# ------------------------------------------------------------------ every event: status, headers, DynamoDB requests


def test_every_api_event_has_an_expectation() -> None:
    assert API_EVENTS, "no events/api-*.json"
    assert sorted(EXPECTED) == API_EVENTS


def test_every_api_event_is_a_rest_proxy_event_of_the_api_stage() -> None:
    resources = {"/digests", "/digests/latest", "/digests/{date}", "/papers/{arxiv_id}", "/papers/{arxiv_id}/mentions"}
    resources |= {"/papers/{arxiv_id}/{number}", "/papers/{arxiv_id}/{number}/mentions", "/openapi.json"}
    resources |= {"/weeks/{week}", "/months/{month}"}
    for name in API_EVENTS:
        event = load_event(name)
        context = event["requestContext"]
        assert event["resource"] in resources and context["resourcePath"] == event["resource"], name
        assert context["stage"] == "api" and context["path"] == "/api" + event["path"], name
        assert event["httpMethod"] == context["httpMethod"], name
        assert {key: [value] for key, value in event["headers"].items()} == event["multiValueHeaders"], name
        query = event["queryStringParameters"] or {}
        assert {key: [value] for key, value in query.items()} == (event["multiValueQueryStringParameters"] or {}), name
        template = re.escape(event["resource"]).replace(r"\{", "{").replace(r"\}", "}")
        assert re.fullmatch(re.sub(r"{\w+}", "[^/]+", template), event["path"]), name


@pytest.mark.parametrize("event_file", API_EVENTS)
def test_event_status_headers_and_dynamodb_requests(event_file: str, dynamo: DynamoCounter) -> None:
    status, cache_kind, requests = EXPECTED[event_file]
    event = load_event(event_file)
    answer = call(event, dynamo)

    assert answer.status == status, answer
    assert answer.headers.get("content-type") == JSON_TYPE, answer
    assert_cache_kind(answer.headers.get("cache-control"), cache_kind)
    assert len(answer.dynamo_operations) == requests, answer.dynamo_operations
    assert not {"Scan", "BatchWriteItem", "PutItem"} & set(answer.dynamo_operations), answer.dynamo_operations
    if status in (200, 304):
        assert re.fullmatch(r'"[0-9a-f]{16,}"', answer.headers.get("etag", "")), answer
    if status == 200:
        assert isinstance(answer.json(), dict)
    elif status == 304:
        assert answer.body == b""
    else:
        error = answer.error()
        assert error["code"] == ERROR_CODES[status] and error["message"], error
    if status == 405:
        assert "GET" in answer.headers.get("allow", ""), answer
    if "Origin" in event["headers"]:
        assert answer.headers.get("access-control-allow-origin") == "*", answer


@pytest.mark.parametrize("event_file", API_EVENTS)
def test_every_answer_allows_any_origin(event_file: str, dynamo: DynamoCounter) -> None:
    answer = call(with_headers(load_event(event_file), Origin="https://someone-else.example"), dynamo)
    assert answer.status == EXPECTED[event_file][0]
    assert answer.headers.get("access-control-allow-origin") == "*", answer


def test_an_event_without_origin_gets_no_cors_headers(dynamo: DynamoCounter) -> None:
    event = load_event("api-digests.json")
    assert "Origin" not in event["headers"]
    assert "access-control-allow-origin" not in call(event, dynamo).headers


def test_dynamodb_requests_per_route(dynamo: DynamoCounter) -> None:
    """Digest routes: exactly one request (filters included); papers and mentions one; the document none."""
    costs = {
        name: call(load_event(name), dynamo).dynamo_operations
        for name in ("api-digests.json", "api-digest-latest.json", "api-digest.json", "api-digest-category.json")
    }
    costs["api-paper.json"] = call(load_event("api-paper.json"), dynamo).dynamo_operations
    costs["api-mentions.json"] = call(load_event("api-mentions.json"), dynamo).dynamo_operations
    costs["api-openapi.json"] = call(load_event("api-openapi.json"), dynamo).dynamo_operations
    assert costs == {
        "api-digests.json": ["Query"],
        "api-digest-latest.json": ["GetItem"],
        "api-digest.json": ["GetItem"],
        "api-digest-category.json": ["GetItem"],
        "api-paper.json": ["Query"],
        "api-mentions.json": ["Query"],
        "api-openapi.json": [],
    }


# ------------------------------------------------------------------ digests


def test_digest_of_the_sample_day(dynamo: DynamoCounter) -> None:
    digest = call(load_event("api-digest.json"), dynamo).json()
    assert digest["day"] == DAY and digest["candidates"] == SAMPLE_PAPERS
    papers = digest["papers"]
    assert len(papers) == SAMPLE_PAPERS
    assert [paper["rank"] for paper in papers] == list(range(1, SAMPLE_PAPERS + 1))
    assert (papers[0]["arxiv_id"], papers[0]["score"], papers[0]["title"]) == (
        TOP_PAPER,
        TOP_SCORE,
        "An Attention Free Transformer",
    )
    assert [paper["score"] for paper in papers] == sorted((paper["score"] for paper in papers), reverse=True)


def test_category_filter_keeps_ranks_and_respects_the_limit(dynamo: DynamoCounter) -> None:
    everything = call(load_event("api-digest.json"), dynamo).json()["papers"]
    event = load_event("api-digest-category.json")
    category, limit = event["queryStringParameters"]["category"], int(event["queryStringParameters"]["limit"])
    in_category = [paper for paper in everything if category in paper["categories"]]
    assert len(in_category) > limit, "the event's limit should cut the category's papers short"

    filtered = call(event, dynamo).json()["papers"]
    assert len(filtered) == limit
    assert all(category in paper["categories"] for paper in filtered)
    assert filtered == in_category[:limit]  # the same papers, in rank order, with their own ranks

    unlimited = call(with_query(event, limit=None), dynamo).json()["papers"]
    assert unlimited == in_category
    only_limited = call(with_query(event, category=None), dynamo).json()["papers"]
    assert only_limited == everything[:limit]
    assert call(with_query(event, category="astro-ph.CO"), dynamo).json()["papers"] == []


def test_latest_is_the_newest_published_day(dynamo: DynamoCounter) -> None:
    latest = call(load_event("api-digest-latest.json"), dynamo)
    assert latest.json()["day"] == EMPTY_DAY and latest.json()["papers"] == []
    same_day = call(with_path(load_event("api-digest.json"), f"/digests/{EMPTY_DAY}", date=EMPTY_DAY), dynamo)
    assert same_day.json() == latest.json()


def test_digest_list_is_newest_first(dynamo: DynamoCounter) -> None:
    listing = call(load_event("api-digests.json"), dynamo).json()
    assert [entry["date"] for entry in listing["digests"]] == [EMPTY_DAY, DAY]
    assert listing["next_cursor"] is None
    sample = listing["digests"][1]
    assert (sample["papers"], sample["candidates"]) == (SAMPLE_PAPERS, SAMPLE_PAPERS)
    assert [top["rank"] for top in sample["top"]] == [1, 2, 3]
    assert (sample["top"][0]["arxiv_id"], sample["top"][0]["score"]) == (TOP_PAPER, TOP_SCORE)
    assert listing["digests"][0]["top"] == []


def test_digest_list_pages_with_limit_and_cursor(dynamo: DynamoCounter) -> None:
    event = load_event("api-digests-page.json")
    first = call(with_query(event, cursor=None), dynamo).json()
    assert [entry["date"] for entry in first["digests"]] == [EMPTY_DAY]
    assert first["next_cursor"] == event["queryStringParameters"]["cursor"]  # the event holds a real cursor

    second = call(event, dynamo)
    assert second.status == 200, second
    assert [entry["date"] for entry in second.json()["digests"]] == [DAY]
    assert second.json()["next_cursor"] is None
    assert second.dynamo_operations == ["Query"]


def test_a_cursor_past_the_oldest_day_gives_an_empty_page(dynamo: DynamoCounter) -> None:
    answer = get(dynamo, "api-digests-page.json", cursor=summaries_cursor(date.fromisoformat(DAY)))
    assert answer.status == 200, answer
    assert answer.json() == {"digests": [], "next_cursor": None}


# ------------------------------------------------------------------ papers


def test_paper_reports_its_days_with_scores_and_mentions_by_source(dynamo: DynamoCounter) -> None:
    paper = call(load_event("api-paper.json"), dynamo).json()
    assert paper["arxiv_id"] == TOP_PAPER
    assert paper["metadata"]["title"] == "An Attention Free Transformer"
    assert paper["metadata"]["abs_url"] == f"https://arxiv.org/abs/{TOP_PAPER}"
    assert [(day["date"], day["score"]) for day in paper["days"]] == [(DAY, TOP_SCORE)]
    assert paper["days"][0]["engagement"]["x"]["posts"] == 1
    assert paper["mentions"] == {"total": 1, "by_source": {"x": 1}}

    twice = call(
        with_path(load_event("api-paper.json"), f"/papers/{TWICE_MENTIONED}", arxiv_id=TWICE_MENTIONED), dynamo
    )
    assert twice.json()["mentions"] == {"total": 2, "by_source": {"x": 2}}


def test_a_version_names_the_same_paper(dynamo: DynamoCounter) -> None:
    versioned = call(load_event("api-paper-versioned.json"), dynamo)
    assert versioned.json()["arxiv_id"] == TOP_PAPER
    assert versioned.body == call(load_event("api-paper.json"), dynamo).body


def test_old_style_ids_in_both_encodings_reach_the_same_answer(dynamo: DynamoCounter) -> None:
    raw = call(load_event("api-paper-old-style.json"), dynamo)
    encoded = call(load_event("api-paper-old-style-encoded.json"), dynamo)
    assert load_event("api-paper-old-style-encoded.json")["path"].endswith("hep-th%2F9901001")
    assert raw.status == encoded.status == 404
    assert raw.body == encoded.body
    assert OLD_STYLE in raw.error()["message"], raw
    # The old-style mentions route takes both spellings too.
    for path in (f"/papers/{OLD_STYLE}/mentions", "/papers/hep-th%2F9901001/mentions"):
        mentions = call(with_path(load_event("api-mentions.json"), path, arxiv_id=OLD_STYLE), dynamo)
        assert mentions.status == 200, (path, mentions)
        assert mentions.json() == {"arxiv_id": OLD_STYLE, "mentions": [], "next_cursor": None}


def test_mentions_of_a_paper(dynamo: DynamoCounter) -> None:
    listing = call(load_event("api-mentions.json"), dynamo).json()
    assert listing["arxiv_id"] == TWICE_MENTIONED and listing["next_cursor"] is None
    assert len(listing["mentions"]) == 2
    assert {mention["source"] for mention in listing["mentions"]} == {"x"}
    assert {mention["day"] for mention in listing["mentions"]} == {DAY}
    assert all(mention["url"].startswith("https://x.com/") for mention in listing["mentions"])


def test_mentions_page_by_source_with_limit_and_cursor(dynamo: DynamoCounter) -> None:
    everything = call(load_event("api-mentions.json"), dynamo).json()["mentions"]
    event = load_event("api-mentions-source.json")
    assert event["queryStringParameters"] == {"source": "x", "limit": "1"}
    pages, cursor = [], None
    while True:
        answer = call(with_query(event, cursor=cursor), dynamo)
        assert answer.status == 200 and answer.dynamo_operations == ["Query"], answer
        pages.append(answer.json()["mentions"])
        cursor = answer.json()["next_cursor"]
        if cursor is None or len(pages) > 3:
            break
    assert [len(page) for page in pages] == [1, 1]
    assert [mention for page in pages for mention in page] == everything

    for source in ("bluesky", "hackernews", "huggingface"):
        answer = get(dynamo, "api-mentions-source.json", source=source)
        assert answer.json() == {"arxiv_id": TWICE_MENTIONED, "mentions": [], "next_cursor": None}


def test_a_cursor_of_one_source_is_refused_for_another(dynamo: DynamoCounter) -> None:
    cursor = call(load_event("api-mentions-source.json"), dynamo).json()["next_cursor"]
    assert cursor
    answer = get(dynamo, "api-mentions-source.json", source="bluesky", cursor=cursor)
    assert answer.status == 400 and "cursor" in answer.error()["message"], answer


# ------------------------------------------------------------------ the document and conditional requests


def test_openapi_document_is_served(dynamo: DynamoCounter) -> None:
    answer = call(load_event("api-openapi.json"), dynamo)
    assert answer.json() == json.loads(json.dumps(openapi_document()))
    assert answer.json()["openapi"].startswith("3.")


def test_not_modified_event_holds_the_current_etag_of_the_paper(dynamo: DynamoCounter) -> None:
    paper = call(load_event("api-paper.json"), dynamo)
    event = load_event("api-not-modified.json")
    assert event["headers"]["If-None-Match"] == paper.headers["etag"], (
        "the paper's answer changed: put its new ETag in events/api-not-modified.json"
    )
    answer = call(event, dynamo)
    assert answer.status == 304 and answer.body == b"" and answer.headers["etag"] == paper.headers["etag"]


@pytest.mark.parametrize(
    "event_file", ["api-digests.json", "api-digest-latest.json", "api-digest.json", "api-mentions.json"]
)
def test_if_none_match_gives_304_for_the_current_etag_only(event_file: str, dynamo: DynamoCounter) -> None:
    event = load_event(event_file)
    fresh = call(event, dynamo)
    etag = fresh.headers["etag"]
    for held in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
        answer = call(with_headers(event, If_None_Match=held), dynamo)
        assert answer.status == 304, (held, answer)
        assert answer.body == b"" and answer.headers["etag"] == etag
        assert answer.headers["cache-control"] == fresh.headers["cache-control"]
    stale = call(with_headers(event, If_None_Match='"0123456789abcdef0123456789abcdef"'), dynamo)
    assert stale.status == 200 and stale.body == fresh.body


def test_the_etag_changes_with_the_body(dynamo: DynamoCounter) -> None:
    full = call(load_event("api-digest.json"), dynamo)
    filtered = call(load_event("api-digest-category.json"), dynamo)
    assert full.headers["etag"] != filtered.headers["etag"]
    assert call(load_event("api-digest.json"), dynamo).headers["etag"] == full.headers["etag"]


# ------------------------------------------------------------------ errors say what is wrong


@pytest.mark.parametrize(
    ("event_file", "words"),
    [
        ("api-error-bad-date.json", ["YYYY-MM-DD", "01-06-2021"]),
        ("api-error-unknown-day.json", ["2021-05-01"]),
        ("api-error-bad-id.json", ["2105.1410", "arXiv id"]),
        ("api-error-unknown-paper.json", ["2106.00001"]),
        ("api-error-bad-limit.json", ["limit", "'0'"]),
        ("api-error-bad-cursor.json", ["cursor"]),
        ("api-error-bad-source.json", ["source", "reddit", "bluesky"]),
        ("api-error-post.json", ["POST", "GET"]),
    ],
)
def test_error_messages_say_what_is_wrong(event_file: str, words: list[str], dynamo: DynamoCounter) -> None:
    message = call(load_event(event_file), dynamo).error()["message"]
    for word in words:
        assert word in message, message


def deep_json_cursor(depth: int = 2000) -> str:
    """base64url of JSON nested deeper than the parser's recursion limit (1.4 KB at depth 1000)."""
    return base64.urlsafe_b64encode(b"[" * depth).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        pytest.param("/digests/2021-02-30", {}, id="not-a-calendar-date"),
        pytest.param("/digests/2021-06-01", {"limit": "1001"}, id="digest-limit-too-big"),
        pytest.param("/digests/2021-06-01", {"limit": "-1"}, id="digest-limit-negative"),
        pytest.param("/digests/2021-06-01", {"limit": "\u00b2"}, id="digest-limit-superscript-two"),
        pytest.param("/digests/2021-06-01", {"category": "cs LG"}, id="category-with-a-space"),
        pytest.param("/digests/latest", {"limit": "x"}, id="latest-limit-not-a-number"),
        pytest.param("/digests", {"limit": "101"}, id="digests-limit-too-big"),
        pytest.param("/digests", {"limit": "\u00b2"}, id="digests-limit-superscript-two"),
        pytest.param("/digests", {"limit": "9" * 4301}, id="digests-limit-4301-digits"),
        pytest.param("/digests", {"cursor": encode_cursor({"before": "2021-13-45"})}, id="cursor-month-13"),
        pytest.param(
            "/digests",
            {"cursor": encode_cursor({"before": "\u0662\u0660\u0662\u0661-\u0660\u0666-\u0660\u0661"})},
            id="cursor-arabic-indic-digits",
        ),
        pytest.param("/digests", {"cursor": encode_cursor({"before": "2021-06-01\n"})}, id="cursor-trailing-newline"),
        pytest.param("/digests", {"cursor": mentions_cursor(mentions_prefix("x") + "1")}, id="cursor-of-mentions"),
        pytest.param("/digests", {"cursor": deep_json_cursor()}, id="digests-cursor-deeply-nested"),
        pytest.param("/papers/0000.00000", {}, id="id-all-zeros"),
        pytest.param("/papers/hep-th%2F9913001", {}, id="old-style-month-13"),
        pytest.param("/papers/2105.15075/mentions", {"limit": "0"}, id="mentions-limit-zero"),
        pytest.param("/papers/2105.15075/mentions", {"limit": "\u00b2"}, id="mentions-limit-superscript-two"),
        pytest.param("/papers/2105.15075/mentions", {"cursor": "%%%"}, id="mentions-cursor-not-base64"),
        pytest.param(
            "/papers/2105.15075/mentions",
            {"cursor": encode_cursor({"after": "DAY#2021-06-01"})},
            id="mentions-cursor-not-a-post",
        ),
        pytest.param("/papers/2105.15075/mentions", {"cursor": deep_json_cursor()}, id="mentions-cursor-deeply-nested"),
        pytest.param("/papers/not-an-id/mentions", {}, id="mentions-of-not-an-id"),
    ],
)
def test_malformed_requests_are_400(path: str, params: dict[str, str], dynamo: DynamoCounter) -> None:
    event = with_query(with_path(load_event("api-digests.json"), path), **params)
    answer = call(event, dynamo)
    assert answer.status == 400, answer
    assert answer.error()["code"] == "bad_request"
    assert answer.headers["content-type"] == JSON_TYPE
    # Digest filters are checked on the stored document, after its one GetItem; nothing costs more.
    assert len(answer.dynamo_operations) <= 1, answer.dynamo_operations


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/digests", "/digests/latest", f"/digests/{DAY}", f"/papers/{TOP_PAPER}/mentions"])
def test_other_methods_are_405(method: str, path: str, dynamo: DynamoCounter) -> None:
    event = with_path(load_event("api-error-post.json"), path)
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    answer = call(event, dynamo)
    assert answer.status == 405, answer
    assert answer.error()["code"] == "method_not_allowed" and method in answer.error()["message"]
    assert answer.dynamo_operations == []
