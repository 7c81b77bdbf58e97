"""The schemas of the API's JSON bodies (the OpenAPI document's components), served in /openapi.json.

The contract tests validate every response the handler gives against these schemas
(tests/integration/test_api_contract.py).
"""

from __future__ import annotations

from typing import Any

from hotpapers.core.calendar_periods import MONTH_PATTERN, WEEK_PATTERN
from hotpapers.core.source_names import SOURCE_NAMES

SOURCES = list(SOURCE_NAMES)


def schema_ref(name: str) -> dict[str, str]:
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
            "entities": {"type": "array", "items": schema_ref("TextEntity")},
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
            "engagement": schema_ref("Engagement"),
            "top_posts": {"type": "array", "items": schema_ref("TopPost")},
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
            "papers": {"type": "array", "items": schema_ref("DigestPaper")},
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
                    ["date", "score", "engagement"],
                    {"date": DATE, "score": INTEGER, "engagement": schema_ref("Engagement")},
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
        "papers": {"type": "array", "items": schema_ref("PeriodPaper")},
    },
)
