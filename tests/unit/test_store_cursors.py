"""Properties of the store's pagination cursors: a cursor it issued reads back; anything else is InvalidCursor.

The API turns InvalidCursor into its 400 (tests/integration/test_api_handler.py); a position that reaches
a Query is always a key DynamoDB takes (UTF-8, at most 1,024 bytes).
"""

from __future__ import annotations

import base64
import json
import re
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hotpapers.core.store_cursors import (
    InvalidCursor,
    encode_cursor,
    mentions_after,
    mentions_cursor,
    mentions_prefix,
    summaries_before,
    summaries_cursor,
)

pytestmark = pytest.mark.unit

SOURCES = ["x", "bluesky", "hackernews", "huggingface"]
junk = st.text(max_size=60)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@given(st.dates())
def test_a_digests_cursor_round_trips(day: date) -> None:
    cursor = summaries_cursor(day)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor), "a cursor needs no escaping in a URL"
    assert summaries_before(cursor) == day


@given(st.sampled_from(SOURCES), st.text(min_size=1, max_size=200))
def test_a_mentions_cursor_round_trips(source: str, post_id: str) -> None:
    position = f"{mentions_prefix(source)}{post_id}"
    cursor = mentions_cursor(position)
    # The position's pattern (`.{1,300}$` after the prefix) refuses a line break inside the post id: InvalidCursor,
    # the API's 400. `$` also matches before one final line break, which DynamoDB takes as a key all the same.
    if not re.match(r".{1,300}$", post_id):
        with pytest.raises(InvalidCursor):
            mentions_after(cursor, source)
    else:
        assert mentions_after(cursor, source) == position
        assert mentions_after(cursor, None) == position  # the all-sources listing continues after it too


def test_a_mentions_cursor_of_another_source_is_refused() -> None:
    cursor = mentions_cursor(f"{mentions_prefix('x')}1")
    with pytest.raises(InvalidCursor):
        mentions_after(cursor, "bluesky")


def test_no_cursor_is_the_first_page() -> None:
    assert summaries_before(None) is None
    assert mentions_after(None, None) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@given(
    st.one_of(
        junk,
        st.binary(max_size=60).map(b64),
        json_values.map(lambda value: b64(json.dumps(value).encode())),
        st.dictionaries(st.sampled_from(["before", "after"]), json_values, max_size=2).map(encode_cursor),
    )
)
@example("not-a-cursor")
@example("e30")  # {}
@example("bnVsbA")  # null
@example("W10")  # []
@example("eyJiZWZvcmUiOjF9")  # {"before":1}
@example("====")
@example("é")
@example(b64(b"\xff\xfe"))
@example(b64(b"[" * 2000))  # nested past the JSON parser's recursion limit
@example(b64(b'{"before":' * 2000))
@example(encode_cursor({"before": "2021-13-45"}))  # a day's shape, not a calendar day
def test_any_other_cursor_is_refused(raw: str) -> None:
    try:
        day = summaries_before(raw)
    except InvalidCursor:
        pass
    else:
        assert isinstance(day, date)
    try:
        position = mentions_after(raw, None)
    except InvalidCursor:
        pass
    else:
        assert isinstance(position, str) and position.startswith(mentions_prefix(None))
        assert len(position.encode("utf-8")) <= 1024
