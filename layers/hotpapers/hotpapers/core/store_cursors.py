"""The store's pagination cursors: opaque strings it issues with a page and checks when they come back.

A cursor is base64url JSON holding one position: `{"before": "<day>"}` for the digest list,
`{"after": "<sort key>"}` for a paper's mentions. Only the store reads what is inside; callers
(the API) pass the string through. Anything the store did not issue (edited, truncated, foreign,
or a mentions cursor of another source) raises `InvalidCursor` before any request, so nothing a
client sends reaches DynamoDB unchecked (docs/api.md). The format is the one cursors always had:
a cursor a client kept from an earlier page still works.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import date

MAX_CURSOR = 4096  # characters: a cursor the store issues is far shorter
MAX_SORT_KEY_BYTES = 1024  # DynamoDB's limit on a sort key value
DAY_POSITION = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
MENTION_PREFIX = "POST#"


class InvalidCursor(ValueError):
    """A cursor the store did not issue, or one issued for another listing."""


def encode_cursor(position: dict[str, str]) -> str:
    """The cursor holding `position` (URL-safe: no escaping needed in a query string)."""
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(raw: str | None, field: str, pattern: re.Pattern[str]) -> str | None:
    """The position `field` a cursor holds, if it matches `pattern` and DynamoDB takes it as a key.

    None: no cursor (the first page). Anything else raises InvalidCursor.
    """
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
    if not isinstance(value, str) or not pattern.match(value) or not is_sort_key(value):
        raise InvalidCursor(f"not a cursor of this listing: {raw[:40]!r}")
    return value


def is_sort_key(value: str) -> bool:
    """Whether DynamoDB takes `value` as a sort key: UTF-8 (JSON can spell a lone surrogate, "\\ud800"),
    at most 1024 bytes. A forged cursor past either went out as ExclusiveStartKey: a ValidationException, a 500."""
    try:
        return len(value.encode("utf-8")) <= MAX_SORT_KEY_BYTES
    except UnicodeEncodeError:
        return False


# ---------------------------------------------------------------- the digest list: the last day listed


def summaries_cursor(last_day: date) -> str:
    return encode_cursor({"before": last_day.isoformat()})


def summaries_before(cursor: str | None) -> date | None:
    """The day a digest-list cursor continues before (None: the newest)."""
    raw = decode_cursor(cursor, "before", DAY_POSITION)
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:  # the shape of a day but not a calendar one (2021-13-45)
        raise InvalidCursor(f"not a day: {raw!r}") from None


# ---------------------------------------------------------------- a paper's mentions: the last sort key listed


def mentions_prefix(source: str | None) -> str:
    """The sort key prefix of a paper's mentions, of one source or all."""
    return f"{MENTION_PREFIX}{source}#" if source else MENTION_PREFIX


def mentions_cursor(last_sort_key: str) -> str:
    return encode_cursor({"after": last_sort_key})


def mentions_after(cursor: str | None, source: str | None) -> str | None:
    """The sort key a mentions cursor continues after; a cursor of another source's listing is invalid."""
    # After the prefix, a source and post id of at most 300 characters (a Bluesky at:// URI is the longest).
    pattern = re.compile("^" + re.escape(mentions_prefix(source)) + r".{1,300}$")
    return decode_cursor(cursor, "after", pattern)
