"""The API's OpenAPI 3 document, served at /openapi.json.

It is kept beside the routes (api.py) and proven against them: the contract
tests validate every response the handler gives against these schemas, and
schemathesis fuzzes the local server from this document in CI.
"""

from __future__ import annotations

from typing import Any

from hotpapers.core.calendar_periods import MONTH_PATTERN, WEEK_PATTERN
from hotpapers.core.source_names import SOURCE_NAMES

SOURCES = list(SOURCE_NAMES)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
DIGEST_LIMIT = {
    "name": "limit",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
}

SCHEMAS: dict[str, Any] = {
    "Error": _object(["error"], {"error": _object(["code", "message"], {"code": STRING, "message": STRING})}),
    "TextEntity": _object(
        ["kind", "start", "end"],
        {
            "kind": {"type": "string", "enum": ["url", "mention", "hashtag"]},
            "start": INTEGER,
            "end": INTEGER,
            "url": STRING,
            "expanded_url": STRING,
            "display_url": STRING,
            "username": STRING,
            "tag": STRING,
        },
    ),
    "TopPost": _object(
        [
            "source",
            "post_id",
            "url",
            "author_name",
            "author_handle",
            "text",
            "created_at",
            "metrics",
            "score",
        ],
        {
            "source": {"type": "string", "enum": SOURCES},
            "post_id": STRING,
            "url": STRING,
            "author_name": STRING,
            "author_handle": STRING,
            "text": STRING,
            "created_at": DATETIME,
            "kind": STRING,
            "metrics": COUNTS,
            "score": INTEGER,
            "lang": _nullable(STRING),
            "entities": {"type": "array", "items": _ref("TextEntity")},
        },
    ),
    "Engagement": {
        "description": "Per source: posts, the sum of each metric (x: retweets, likes, quotes, replies), score.",
        "type": "object",
        "additionalProperties": COUNTS,
    },
    "DigestPaper": _object(
        [
            "rank",
            "arxiv_id",
            "title",
            "authors",
            "categories",
            "abs_url",
            "pdf_url",
            "score",
            "engagement",
            "top_posts",
        ],
        {
            "rank": {"type": "integer", "minimum": 1},
            "arxiv_id": STRING,
            "version": INTEGER,
            "title": STRING,
            "authors": {"type": "array", "items": STRING},
            "categories": {"type": "array", "items": STRING},
            "primary_category": _nullable(STRING),
            "abstract": STRING,
            "abs_url": STRING,
            "pdf_url": STRING,
            "published": DATETIME,
            "score": INTEGER,
            "engagement": _ref("Engagement"),
            "top_posts": {"type": "array", "items": _ref("TopPost")},
            "as_of": _nullable(DATETIME),
            "comment": _nullable(STRING),
            "journal_ref": _nullable(STRING),
            "doi": _nullable(STRING),
        },
    ),  # fmt: skip
    "Digest": _object(
        ["day", "candidates", "papers"],
        {
            "day": DATE,
            "as_of": _nullable(DATETIME),
            "candidates": INTEGER,
            "config": {"type": "object"},
            "papers": {"type": "array", "items": _ref("DigestPaper")},
        },
    ),
    "DigestList": _object(
        ["digests", "next_cursor"],
        {
            "digests": {
                "type": "array",
                "items": _object(
                    ["date", "papers", "candidates", "top"],
                    {
                        "date": DATE,
                        "papers": INTEGER,
                        "candidates": INTEGER,
                        "as_of": _nullable(DATETIME),
                        "week": {"type": "string", "pattern": WEEK_PATTERN},
                        "month": {"type": "string", "pattern": MONTH_PATTERN},
                        "top": {
                            "type": "array",
                            "items": _object(
                                ["rank", "arxiv_id", "title", "score"],
                                {"rank": INTEGER, "arxiv_id": STRING, "title": STRING, "score": INTEGER},
                            ),
                        },
                    },
                ),
            },
            "next_cursor": _nullable(STRING),
        },
    ),
    "Paper": _object(
        ["arxiv_id", "metadata", "days", "mentions", "history"],
        {
            "arxiv_id": STRING,
            "metadata": _nullable(
                {
                    "type": "object",
                    "properties": {
                        "version": INTEGER,
                        "title": STRING,
                        "authors": {"type": "array", "items": STRING},
                        "categories": {"type": "array", "items": STRING},
                        "primary_category": _nullable(STRING),
                        "abstract": _nullable(STRING),
                        "abs_url": STRING,
                        "pdf_url": _nullable(STRING),
                        "published": DATETIME,
                        "updated": DATETIME,
                        "comment": _nullable(STRING),
                        "journal_ref": _nullable(STRING),
                        "doi": _nullable(STRING),
                    },
                }
            ),
            "days": {
                "type": "array",
                "items": _object(
                    ["date", "score", "engagement"], {"date": DATE, "score": INTEGER, "engagement": _ref("Engagement")}
                ),
            },
            "mentions": _object(["total", "by_source"], {"total": INTEGER, "by_source": COUNTS}),
            "history": {
                "type": "array",
                "description": "Every day the paper entered a digest, oldest first, with its rank and score that day "
                "([] when it never did)",
                "items": _object(["date", "rank", "score"], {"date": DATE, "rank": INTEGER, "score": INTEGER}),
            },
        },
    ),
    "MentionList": _object(
        ["arxiv_id", "mentions", "next_cursor"],
        {
            "arxiv_id": STRING,
            "mentions": {
                "type": "array",
                "items": _object(
                    ["source", "post_id", "url", "created_at", "metrics", "day"],
                    {
                        "source": {"type": "string", "enum": SOURCES},
                        "post_id": STRING,
                        "url": STRING,
                        "author_name": _nullable(STRING),
                        "author_handle": _nullable(STRING),
                        "text": _nullable(STRING),
                        "created_at": DATETIME,
                        "kind": _nullable(STRING),
                        "metrics": COUNTS,
                        "observed_at": DATETIME,
                        "day": DATE,
                    },
                ),
            },
            "next_cursor": _nullable(STRING),
        },
    ),
}


# A week's or month's digest: a day's document (without `day`) plus the period, its days, and
# where each paper stood on each of them.
_PERIOD_DAY = _object(
    ["date", "rank", "score"], {"date": DATE, "rank": {"type": "integer", "minimum": 1}, "score": INTEGER}
)
SCHEMAS["PeriodPaper"] = {
    **SCHEMAS["DigestPaper"],
    "description": "A paper of the period: score is the sum of its daily scores; engagement summed; top posts merged.",
    "required": [*SCHEMAS["DigestPaper"]["required"], "days"],
    "properties": {**SCHEMAS["DigestPaper"]["properties"], "days": {"type": "array", "items": _PERIOD_DAY}},
}
SCHEMAS["PeriodDigest"] = _object(
    ["period", "kind", "from", "to", "days", "candidates", "papers"],
    {
        "period": STRING,
        "kind": {"type": "string", "enum": ["week", "month"]},
        "from": DATE,
        "to": DATE,
        "days": {"type": "array", "items": DATE},
        "as_of": _nullable(DATETIME),
        "candidates": INTEGER,
        "config": {"type": "object"},
        "papers": {"type": "array", "items": _ref("PeriodPaper")},
    },
)


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "ETag": {"schema": STRING},
            "Cache-Control": {"schema": STRING},
        },
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


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


OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Hot Papers API",
        "version": "1.0.0",
        "description": "The daily digests of the arXiv papers people are talking about, as JSON. "
        'Errors are {"error": {"code", "message"}}; every response has an ETag and Cache-Control.',
    },
    "paths": {
        "/digests": _get(
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
        "/digests/latest": _get(
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
        "/digests/{date}": _get(
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
        "/papers/{arxiv_id}": _get(
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
        "/papers/{arxiv_id}/mentions": _get(
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
        "/weeks/{week}": _period_operation("week", WEEK),
        "/months/{month}": _period_operation("month", MONTH),
        "/openapi.json": {
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
    },  # fmt: skip
    "components": {"schemas": SCHEMAS},
}
