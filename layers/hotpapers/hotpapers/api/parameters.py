"""The parsers of what clients send: dates, arXiv ids, categories and limits.

Each refuses a malformed value with a 400 (ApiError) before any read, so nothing a client
sends reaches DynamoDB unchecked (docs/api.md, "Validation: typed parsers, not pydantic"). Pagination
cursors are the store's (core/store_cursors.py): it issues them and refuses any other before a read.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote

from hotpapers.api.errors import bad_request

DIGESTS_LIMIT = (1, 100, 20)  # min, max, default
MENTIONS_LIMIT = (1, 100, 50)
PAPERS_LIMIT = (1, 1000, None)
CATEGORY_FORMAT = re.compile(r"^[A-Za-z-]+(\.[A-Za-z-]+)?$")
DAY_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_LIMIT = re.compile(r"[0-9]{1,4}\Z")


def parse_day(value: str) -> date:
    if not DAY_FORMAT.match(value):
        raise bad_request(f"date must be YYYY-MM-DD, got {value[:40]!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{value!r} is not a calendar date") from None


def parse_arxiv_id(raw: str) -> str:
    """New- or old-style, with or without a version; an old-style slash raw or as %2F."""
    from hotpapers.core.arxiv_ids import (
        normalize_id,  # only the paper routes parse ids: keep it off the digest cold path
    )

    candidate = unquote(raw).strip()
    ref = normalize_id(candidate)
    if ref is None:
        raise bad_request(
            f"{candidate[:60]!r} is not an arXiv id (expected e.g. 2105.14103, 2105.14103v2 or hep-th/9901001)"
        )
    return ref.arxiv_id


def parse_category(raw: str | None) -> str | None:
    if raw is not None and not CATEGORY_FORMAT.match(raw):
        raise bad_request(f"category must look like cs.LG or hep-th, got {raw[:40]!r}")
    return raw


def parse_limit(params: dict[str, str], bounds: tuple[int, int, int | None]) -> int | None:
    low, high, default = bounds
    raw = params.get("limit")
    if raw is None:
        return default
    if not _LIMIT.match(raw) or not low <= int(raw) <= high:
        raise bad_request(f"limit must be a whole number from {low} to {high}, got {raw[:20]!r}")
    return int(raw)
