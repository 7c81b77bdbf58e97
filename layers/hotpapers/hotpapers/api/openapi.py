"""The API's OpenAPI 3 document, served at /openapi.json: its paths, parameters and links.

It is kept beside the routes (api/endpoints.py) and proven against them: the contract
tests validate every response the handler gives against the schemas (api/openapi_schemas.py),
and schemathesis fuzzes the local server from this document in CI.
"""

from __future__ import annotations

from typing import Any

from hotpapers.api.openapi_schemas import DATE, SCHEMAS, SOURCES, STRING, schema_ref
from hotpapers.api.routes import ROUTES
from hotpapers.core.calendar_periods import MONTH_PATTERN, WEEK_PATTERN

DIGEST_LIMIT = {
    "name": "limit",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
}


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "ETag": {"schema": STRING},
            "Cache-Control": {"schema": STRING},
        },
        "content": {"application/json": {"schema": schema_ref(schema_name)}},
    }


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema_ref("Error")}}}


NOT_MODIFIED = {"description": "Not modified: the If-None-Match ETag still holds"}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False, "schema": STRING}
LIMIT = {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
CURSOR = {
    "name": "cursor",
    "in": "query",
    "required": False,
    "description": "next_cursor of the previous page (opaque)",
    "schema": STRING,
}
ARXIV_ID = {
    "name": "arxiv_id",
    "in": "path",
    "required": True,
    "description": "2105.14103, 2105.14103v2, or an old-style id with its slash URL-encoded: hep-th%2F9901001",
    "schema": STRING,
}


def _get(
    operation_id: str,
    summary: str,
    parameters: list[dict[str, Any]],
    ok: dict[str, Any],
    *errors: int,
    links: dict[str, Any] | None = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {**ok, "links": links} if links else ok, "304": NOT_MODIFIED}
    texts = {400: "Malformed parameter", 404: "Not found"}
    for status in errors:
        responses[str(status)] = _error(texts[status])
    operation = {"operationId": operation_id, "summary": summary, "parameters": [IF_NONE_MATCH, *parameters]}
    return {"get": {**operation, "responses": responses}}


def _link(operation_id: str, description: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link: where a client goes next with values from this response (runtime expressions).

    They document how the routes connect, and give schemathesis' stateful testing real dates, ids
    and cursors to follow (tests/reliability/test_bad_api_input.py).
    """
    return {"operationId": operation_id, "description": description, "parameters": parameters}


WEEK = {
    "name": "week",
    "in": "path",
    "required": True,
    "description": "an ISO 8601 week, YYYY-Www (Monday to Sunday; 2021-01-03 is in 2020-W53)",
    "schema": {"type": "string", "pattern": WEEK_PATTERN, "example": "2021-W22"},
    "example": "2021-W22",
}
MONTH = {
    "name": "month",
    "in": "path",
    "required": True,
    "description": "a calendar month, YYYY-MM",
    "schema": {"type": "string", "pattern": MONTH_PATTERN, "example": "2021-06"},
    "example": "2021-06",
}
CATEGORY_FILTER = {
    "name": "category",
    "in": "query",
    "required": False,
    "description": "primary or any category, e.g. cs.LG",
    "schema": STRING,
}


def _period_operation(kind: str, parameter: dict[str, Any]) -> dict[str, Any]:
    return _get(
        f"get{kind.capitalize()}",
        f"One {kind}'s papers, ranked by the sum of their daily scores (final once closed, like a past day)",
        [parameter, CATEGORY_FILTER, DIGEST_LIMIT],
        _json("PeriodDigest", f"The {kind}'s digest"),
        400,
        404,
        links={
            "TopPaper": _link("getPaper", "The top paper of this period", arxiv_id="$response.body#/papers/0/arxiv_id"),
            "FirstDay": _link("getDigest", "The first day of it with a digest", date="$response.body#/days/0"),
        },
    )


DIGEST_LINKS = {
    "TopPaper": _link("getPaper", "The top paper of this digest", arxiv_id="$response.body#/papers/0/arxiv_id"),
    "TopPaperMentions": _link(
        "getPaperMentions", "The top paper's mentions", arxiv_id="$response.body#/papers/0/arxiv_id"
    ),
}


# Each operation's path item, by operationId; the route table (api/routes.py) says under which path.
_PATH_ITEMS: list[dict[str, Any]] = [
    _get(
        "listDigests",
        "Days that have a digest, newest first",
        [LIMIT, CURSOR],
        _json("DigestList", "A page of days"),
        400,
        links={
            "NewestDigest": _link("getDigest", "The newest day of the page", date="$response.body#/digests/0/date"),
            "SecondDigest": _link("getDigest", "The second day of the page", date="$response.body#/digests/1/date"),
            "NewestTopPaper": _link(
                "getPaper", "The newest day's top paper", arxiv_id="$response.body#/digests/0/top/0/arxiv_id"
            ),
            "SecondTopPaper": _link(
                "getPaper", "The second day's top paper", arxiv_id="$response.body#/digests/1/top/0/arxiv_id"
            ),
            "NextPage": _link("listDigests", "The next page", cursor="$response.body#/next_cursor"),
            "NewestWeek": _link("getWeek", "The newest day's week", week="$response.body#/digests/0/week"),
            "NewestMonth": _link("getMonth", "The newest day's month", month="$response.body#/digests/0/month"),
        },
    ),
    _get(
        "getLatestDigest",
        "The newest day's digest",
        [
            {"name": "category", "in": "query", "required": False, "schema": STRING},
            DIGEST_LIMIT,
        ],
        _json("Digest", "The digest"),
        400,
        404,
        links={**DIGEST_LINKS, "SameDay": _link("getDigest", "This day by its date", date="$response.body#/day")},
    ),
    _get(
        "getDigest",
        "One day's ranked papers",
        [
            {"name": "date", "in": "path", "required": True, "schema": DATE},
            {
                "name": "category",
                "in": "query",
                "required": False,
                "description": "primary or any category, e.g. cs.LG",
                "schema": STRING,
            },
            DIGEST_LIMIT,
        ],
        _json("Digest", "The digest"),
        400,
        404,
        links=DIGEST_LINKS,
    ),
    _get(
        "getPaper",
        "A paper's metadata, its score on every day it appeared, its mentions by source, its digest history",
        [ARXIV_ID],
        _json("Paper", "The paper"),
        400,
        404,
        links={
            "Mentions": _link("getPaperMentions", "This paper's mentions", arxiv_id="$response.body#/arxiv_id"),
            "FirstDay": _link("getDigest", "The first day it was ranked", date="$response.body#/days/0/date"),
        },
    ),
    _get(
        "getPaperMentions",
        "A paper's mentions, page by page",
        [
            ARXIV_ID,
            {"name": "source", "in": "query", "required": False, "schema": {"type": "string", "enum": SOURCES}},
            LIMIT,
            CURSOR,
        ],
        _json("MentionList", "A page of mentions"),
        400,
        links={
            "NextPage": _link(
                "getPaperMentions",
                "The next page",
                arxiv_id="$response.body#/arxiv_id",
                cursor="$response.body#/next_cursor",
            ),
            "Paper": _link("getPaper", "The paper", arxiv_id="$response.body#/arxiv_id"),
            "MentionDay": _link("getDigest", "The day of the first mention", date="$response.body#/mentions/0/day"),
        },
    ),
    _period_operation("week", WEEK),
    _period_operation("month", MONTH),
    {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "responses": {
                "200": {
                    "description": "OpenAPI 3",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "304": NOT_MODIFIED,
            },
        }
    },
]  # fmt: skip
OPERATIONS = {item["get"]["operationId"]: item for item in _PATH_ITEMS}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Hot Papers API",
        "version": "1.0.0",
        "description": "The daily digests of the arXiv papers people are talking about, as JSON. "
        'Errors are {"error": {"code", "message"}}; every response has an ETag and Cache-Control.',
    },
    "paths": {route.documented_as: OPERATIONS[route.operation_id] for route in ROUTES},
    "components": {"schemas": SCHEMAS},
}
