"""The parsers of what clients send: dates, arXiv ids, limits and pagination cursors.

Each refuses a malformed value with a 400 (ApiError) before any read, so nothing a client
sends reaches DynamoDB unchecked (docs/api.md, "Validation: typed parsers, not pydantic").
"""

from __future__ import annotations

import base64
import binascii
import json
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
MAX_CURSOR = 4096  # characters: a cursor this API issues is far shorter
MAX_SORT_KEY_BYTES = 1024  # DynamoDB's limit on a sort key value


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


def encode_cursor(position: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(raw: str | None, field: str, pattern: re.Pattern[str]) -> str | None:
    """The position a cursor this API issued holds; anything else is a 400."""
    if raw is None:
        return None
    try:
        if len(raw) > MAX_CURSOR:
            raise ValueError("too long")
        padded = raw + "=" * (-len(raw) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error, RecursionError):
        position = None
    value = position.get(field) if isinstance(position, dict) else None
    if not isinstance(value, str) or not pattern.match(value) or not _is_key(value):
        raise bad_request("cursor is not one this API issued; use next_cursor from the previous page")
    return value


def _is_key(value: str) -> bool:
    """Whether DynamoDB takes `value` as a sort key: UTF-8 (JSON can spell a lone surrogate, "\\ud800"),
    at most 1024 bytes. A forged cursor past either went out as ExclusiveStartKey: a ValidationException, a 500."""
    try:
        return len(value.encode("utf-8")) <= MAX_SORT_KEY_BYTES
    except UnicodeEncodeError:
        return False
