"""Hypothesis on every parser of outside input: a value or the parser's own clear error, never another exception.

tests/unit/test_arxiv_ids.py, test_api_parsing.py and test_events.py prove the parsers on the
inputs they are meant for; this module throws what they are not meant for at them, and checks
what they accept is canonical:

- arXiv ids (arxiv_ids.py): mutated ids, URLs and free text. Whatever is recognised is canonical.
- event dates (events.py): any JSON value as a collect or publish event: a request inside the
  documented bounds, or InvalidEvent.
- the API's date, id, limit, category and source parameters and its cursors (api/parameters.py), through the
  real resolver with proxy events: a documented status whose error body is the Error schema.
  Cursors are taken from real pages and tampered with, truncated, re-encoded; whatever a cursor
  decodes to must be a key DynamoDB accepts (a Query with any other ExclusiveStartKey is a
  ValidationException: a 500).
- arXiv feeds (arxiv.py): any bytes, garbled real responses and feeds built around hostile field
  values: an ArxivFeed (unreadable is an empty one), never an exception.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import string
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from hotpapers.api.endpoints import Api, build_app, openapi_document
from hotpapers.api.proxy_events import malformed_event
from hotpapers.collect.arxiv import ArxivFeed, parse_feed
from hotpapers.core.arxiv_ids import OLD_STYLE_ARCHIVES, ArxivRef, extract_refs, normalize_id, ref_from_url
from hotpapers.core.clock import FakeClock
from hotpapers.core.events import EARLIEST_DAY, MAX_RANGE_DAYS, InvalidEvent, parse_collect_event, parse_publish_event
from hotpapers.core.models import Observation, Post
from hotpapers.core.records import Mention, PaperRecords
from hotpapers.core.store_cursors import (
    InvalidCursor,
    mentions_after,
    mentions_cursor,
    mentions_prefix,
    summaries_before,
    summaries_cursor,
)
from hotpapers_local.apigw import proxy_event
from tests.support import ledger

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

TODAY = date(2021, 6, 2)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv-api"
EXAMPLES = {"arxiv ids": 600, "event dates": 400, "api parameters": 500, "cursors": 500, "feeds": 250}
THIS = "tests/reliability/test_parser_properties.py::"
# What the properties saw, so each test can show it was not vacuous (accepted and refused inputs both).
SEEN: Counter[str] = Counter()


def hypothesis_settings(parser: str) -> settings:
    return settings(
        max_examples=EXAMPLES[parser],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


# ------------------------------------------------------------------ arXiv ids


@st.composite
def real_ids(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        year = draw(st.integers(2007, 2099))
        month = draw(st.integers(4 if year == 2007 else 1, 12))
        digits = 4 if year <= 2014 else 5
        return f"{year % 100:02d}{month:02d}.{draw(st.integers(1, 10**digits - 1)):0{digits}d}"
    archive = draw(st.sampled_from(sorted(OLD_STYLE_ARCHIVES)))
    year = draw(st.integers(1991, 2007))
    month = draw(st.integers(8 if year == 1991 else 1, 3 if year == 2007 else 12))
    return f"{archive}/{year % 100:02d}{month:02d}{draw(st.integers(1, 999)):03d}"


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A string with a few characters replaced, inserted, deleted or the string cut short."""
    text = draw(base)
    alphabet = st.sampled_from(string.digits + "./v-:%# \n" + "٣²０Ａ") | st.characters()
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "cut"]))
        at = draw(st.integers(0, len(text)))
        if op == "replace" and text:
            at = min(at, len(text) - 1)
            text = text[:at] + draw(alphabet) + text[at + 1 :]
        elif op == "insert":
            text = text[:at] + draw(alphabet) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at]
    return text


ID_FORMS = ["{id}", "arXiv:{id}", "https://arxiv.org/abs/{id}", "https://arxiv.org/pdf/{id}v2.pdf", "see arXiv {id}."]
id_inputs = st.one_of(
    mutated(st.builds(lambda form, arxiv_id: form.format(id=arxiv_id), st.sampled_from(ID_FORMS), real_ids())),
    st.text(max_size=80),
    st.binary(max_size=80).map(lambda raw: raw.decode("latin-1")),
)


def assert_canonical(ref: ArxivRef) -> None:
    assert normalize_id(ref.arxiv_id) == ArxivRef(ref.arxiv_id), ref
    assert ref.version is None or ref.version >= 1
    assert ref.arxiv_id.isascii() and ref.arxiv_id == ref.arxiv_id.strip()


@hypothesis_settings("arxiv ids")
@given(id_inputs)
@example("2105.14103v0")
@example("arXiv:2105.14103v00000000000000000000000000001")
@example("hep-th/9901001v" + "9" * 5000)  # a version past int()'s digit limit
def prop_arxiv_ids_anything_is_a_canonical_ref_or_nothing(text: str) -> None:
    for ref in [normalize_id(text), ref_from_url(text), *extract_refs(text)]:
        if ref is not None:
            assert_canonical(ref)


def test_arxiv_ids() -> None:
    prop_arxiv_ids_anything_is_a_canonical_ref_or_nothing()
    ledger.record("bad_api_input", check="hypothesis: arXiv ids", cases=EXAMPLES["arxiv ids"], failures=0)
    ledger.record(
        "findings",
        finding='A version of more than 4300 digits ("arXiv:2105.14103v999…" in a post or a URL) made int() raise '
        "ValueError out of extract_refs/ref_from_url: one such X or Bluesky post (an X long post holds 25,000 "
        "characters) failed its whole source for the day",
        fix="arxiv_ids.py: a version of more than 9 digits is not an id",
        test=THIS + "test_arxiv_ids",
    )


# ------------------------------------------------------------------ event dates

date_like = st.one_of(
    st.dates().map(date.isoformat),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    mutated(st.dates(min_value=date(1991, 1, 1), max_value=date(2022, 1, 1)).map(date.isoformat)),
    st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat().replace("+00:00", "Z")),
)
json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20), date_like
)
json_values = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
KEYS = ["date", "from", "to", "sources", "scheduled_time", "all", "detail-type", "detail", "time", "junk"]
events = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(KEYS), st.one_of(date_like, json_values), max_size=4),
    st.builds(
        lambda detail: {"detail-type": "Collect Finished", "detail": detail},
        st.one_of(json_values, st.fixed_dictionaries({"date": st.one_of(date_like, json_values)})),
    ),
    st.builds(lambda time: {"detail-type": "Scheduled Event", "time": time}, st.one_of(date_like, json_values)),
    st.builds(lambda first, last: {"from": first, "to": last}, date_like, date_like),
)


def assert_days_in_bounds(days: tuple[date, ...]) -> None:
    assert 1 <= len(days) <= MAX_RANGE_DAYS
    assert all(EARLIEST_DAY <= day <= TODAY for day in days)
    assert list(days) == [days[0] + timedelta(days=n) for n in range(len(days))]


@hypothesis_settings("event dates")
@given(events)
@example({"scheduled_time": "0001-01-01T00:00:00Z"})
@example({"scheduled_time": "0001-01-01T00:30:00+01:00"})
@example({"date": "2021-W22-2"})
@example({"date": 10**4000})
def prop_event_dates_any_event_is_a_request_in_bounds_or_invalid(event: Any) -> None:
    for parse in (parse_collect_event, parse_publish_event):
        try:
            request = parse(event, TODAY)
        except InvalidEvent as error:
            assert 0 < len(str(error)) < 300
            SEEN["event refused"] += 1
            continue
        SEEN["event accepted"] += 1
        if getattr(request, "everything", False):
            assert request.days == ()
        else:
            assert_days_in_bounds(request.days)


@hypothesis_settings("event dates")
@given(date_like)
def prop_event_dates_a_date_is_taken_exactly_when_it_is_a_calendar_day_in_bounds(text: str) -> None:
    try:
        expected: date | None = date.fromisoformat(text) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) else None
    except ValueError:
        expected = None
    if expected is not None and not EARLIEST_DAY <= expected <= TODAY:
        expected = None
    for parse in (parse_collect_event, parse_publish_event):
        try:
            days = parse({"date": text}, TODAY).days
        except InvalidEvent:
            days = None
        assert days == ((expected,) if expected else None), text


def test_event_dates() -> None:
    prop_event_dates_any_event_is_a_request_in_bounds_or_invalid()
    prop_event_dates_a_date_is_taken_exactly_when_it_is_a_calendar_day_in_bounds()
    assert SEEN["event accepted"] and SEEN["event refused"], SEEN
    ledger.record("bad_api_input", check="hypothesis: event dates", cases=2 * EXAMPLES["event dates"], failures=0)


# ------------------------------------------------------------------ the API's parameters and cursors, via the resolver

DOCUMENT = openapi_document()
ERROR_SCHEMA = DOCUMENT["components"]["schemas"]["Error"]
DIGEST = {"day": "2021-06-01", "as_of": None, "candidates": 1, "config": {}, "papers": []}
MENTION = Mention(
    "2105.15075",
    date(2021, 6, 1),
    Observation(
        Post("x", "1", "https://x.com/a/status/1", "", "", "", datetime(2021, 6, 1, tzinfo=UTC), {}, ()),
        datetime(2021, 6, 1, tzinfo=UTC),
    ),
)


class StubStore:
    """Answers every read as if the day or paper existed, with one more page after it; checks cursors
    as the store does (core/store_cursors.py), so a tampered one is refused where the real store refuses it."""

    def digest_json(self, day: date) -> bytes:
        return json.dumps({**DIGEST, "day": day.isoformat()}).encode()

    def latest_digest_json(self) -> bytes:
        return json.dumps(DIGEST).encode()

    def digest_summaries_page(self, limit: int, cursor: str | None) -> tuple[list[Any], str]:
        summaries_before(cursor)
        return [], summaries_cursor(date(2021, 5, 31))

    def paper(self, arxiv_id: str) -> PaperRecords:
        return PaperRecords(arxiv_id)

    def mentions_page(self, arxiv_id: str, source: str | None, limit: int, cursor: str | None) -> tuple[list[Any], str]:
        mentions_after(cursor, source)
        return [MENTION], mentions_cursor(mentions_prefix("x") + "1")


APP = build_app(Api(StubStore, FakeClock(datetime(2021, 6, 2, tzinfo=UTC)), weights={}))  # type: ignore[arg-type]


def answer(raw_path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """The resolver's answer to GET raw_path (under the stage), as API Gateway would send it; checked."""
    event = proxy_event("GET", "/api" + raw_path, headers or {}, b"")
    assert event is not None, raw_path
    assert malformed_event(event) is None
    response = APP.resolve(event, None)
    status = response["statusCode"]
    body = json.loads(response["body"]) if response["body"] else {}
    if status >= 400:
        OAS30Validator(ERROR_SCHEMA).validate(body)
    return status, body


def documented(template: str) -> set[int]:
    return {int(code) for code in DOCUMENT["paths"][template]["get"]["responses"]}


segment = st.one_of(
    st.text(max_size=30),
    st.dates().map(date.isoformat),
    mutated(st.just("2021-06-01")),
    mutated(real_ids()),
    real_ids(),
    mutated(st.sampled_from(["2021-W22", "2020-W53", "2021-06"])),
)
query_value = st.one_of(st.text(max_size=20), st.integers(-5, 2000).map(str), st.sampled_from(["x", "cs.LG", "", "%"]))
queries = st.dictionaries(st.sampled_from(["limit", "category", "source", "cursor", "junk"]), query_value, max_size=3)
TEMPLATES = ["/digests", "/digests/latest", "/digests/{date}", "/papers/{arxiv_id}", "/papers/{arxiv_id}/mentions"]
TEMPLATES += ["/weeks/{week}", "/months/{month}"]


@hypothesis_settings("api parameters")
@given(st.sampled_from(TEMPLATES), segment, queries)
@example("/digests/{date}", "2021-02-30", {})
@example("/digests/{date}", "0000-01-01", {})
@example("/papers/{arxiv_id}", "hep-th/9901001", {})
@example("/weeks/{week}", "2021-W53", {})
@example("/months/{month}", "2021-00", {"limit": "5"})
@example("/papers/{arxiv_id}/mentions", "2105.14103", {"limit": "0", "source": "twitter"})
def prop_api_parameters_any_value_gets_a_documented_answer(template: str, value: str, query: dict[str, str]) -> None:
    path = template
    for name in ("{date}", "{arxiv_id}", "{week}", "{month}"):
        path = path.replace(name, quote(value, safe=""))
    raw = path + ("?" + urlencode(query) if query else "")
    if proxy_event("GET", "/api" + raw, {}, b"") is None:
        return  # API Gateway itself answers a path with no resource (an empty segment): not the handler's
    status, body = answer(raw)
    assert status in documented(template) or status == 404, (raw, status, body)
    SEEN[f"parameters {status}"] += 1


def test_api_parameters() -> None:
    prop_api_parameters_any_value_gets_a_documented_answer()
    assert SEEN["parameters 200"] and SEEN["parameters 400"], SEEN
    ledger.record("bad_api_input", check="hypothesis: API parameters", cases=EXAMPLES["api parameters"], failures=0)


# Cursors: real ones, then tampered with.

REAL_CURSORS = [
    ("/digests", summaries_cursor(date(2021, 6, 1))),
    ("/papers/2105.15075/mentions", mentions_cursor(mentions_prefix("x") + "1399533347710242818")),
    ("/papers/2105.15075/mentions?source=x", mentions_cursor(mentions_prefix("x") + "1399533347710242818")),
    (
        "/papers/2105.15075/mentions",
        mentions_cursor(mentions_prefix("bluesky") + "at://did:plc:abc/app.bsky.feed.post/3k"),
    ),
]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@st.composite
def tampered(draw: st.DrawFn) -> tuple[str, str]:
    route, cursor = draw(st.sampled_from(REAL_CURSORS))
    how = draw(st.sampled_from(["mutate", "truncate", "extend", "reencode", "position", "standard-b64"]))
    if how == "mutate":
        alphabet = st.sampled_from(string.ascii_letters + string.digits + "-_=+/%. ") | st.characters()
        cursor = draw(mutated(st.just(cursor))) if draw(st.booleans()) else cursor.replace("A", draw(alphabet), 1)
    elif how == "truncate":
        cursor = cursor[: draw(st.integers(0, len(cursor) - 1))]
    elif how == "extend":
        cursor += draw(st.text(max_size=10))
    elif how == "reencode":  # the JSON inside changed, then encoded properly: a forged cursor
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = next(iter(position))
        position[key] = draw(st.one_of(mutated(st.just(position[key])), json_values))
        cursor = b64(json.dumps(position).encode())
    elif how == "position":  # any text after the start of a real position: surrogates, astral characters, 300 of them
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        ((key, value),) = position.items()
        start = value[: draw(st.integers(0, len(value)))]
        rest = draw(st.text(min_size=1, max_size=300) | st.just("\ud800") | st.just("\U0001f600" * 299))
        cursor = b64(json.dumps({key: start + rest}).encode())
    else:
        cursor = base64.b64encode(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))).decode()
    return route, cursor


@hypothesis_settings("cursors")
@given(tampered())
@example(("/papers/2105.15075/mentions", mentions_cursor(mentions_prefix("x") + "\ud800")))
@example(("/papers/2105.15075/mentions", mentions_cursor(mentions_prefix("x") + "\U0001f600" * 298)))
@example(("/digests", "e30"))
@example(("/digests", "%%%%"))
def prop_cursors_tampered_are_a_400_or_a_key_dynamodb_takes(case: tuple[str, str]) -> None:
    route, cursor = case
    separator = "&" if "?" in route else "?"
    status, body = answer(f"{route}{separator}{urlencode({'cursor': cursor})}")
    assert status in (200, 400), (status, body)
    SEEN[f"cursor {status}"] += 1
    if status == 400:
        assert "cursor" in body["error"]["message"]
    with contextlib.suppress(InvalidCursor):
        summaries_before(cursor)
    try:
        value = mentions_after(cursor, None)
    except InvalidCursor:
        return
    assert value is not None
    # A DynamoDB string key: valid UTF-8 (no lone surrogate), at most 1024 bytes for a sort key.
    assert len(value.encode("utf-8")) <= 1024


@hypothesis_settings("cursors")
@given(st.sampled_from(REAL_CURSORS))
def prop_cursors_real_round_trip(case: tuple[str, str]) -> None:
    route, cursor = case
    separator = "&" if "?" in route else "?"
    status, body = answer(f"{route}{separator}{urlencode({'cursor': cursor})}")
    assert status == 200 and body["next_cursor"], body
    assert answer(f"{route}{separator}{urlencode({'cursor': body['next_cursor']})}")[0] == 200


def test_cursors() -> None:
    prop_cursors_tampered_are_a_400_or_a_key_dynamodb_takes()
    prop_cursors_real_round_trip()
    assert SEEN["cursor 200"] and SEEN["cursor 400"], SEEN
    ledger.record("bad_api_input", check="hypothesis: cursors", cases=EXAMPLES["cursors"], failures=0)
    ledger.record(
        "findings",
        finding="A forged mentions cursor could hold a lone surrogate or 300 astral characters (1,200 bytes): "
        "sent as ExclusiveStartKey, DynamoDB refuses it (sort keys are UTF-8, at most 1,024 bytes): a 500 in AWS. "
        "moto does not enforce the limit, so the property test is the proof",
        fix="core/store_cursors.py decode_cursor: the position must encode as UTF-8 in at most 1,024 bytes, "
        "or the cursor is a 400",
        test=THIS + "test_cursors",
    )


# ------------------------------------------------------------------ arXiv feeds

SMALL_FEEDS = [
    (FIXTURES / name).read_bytes()
    for name in (
        "arxiv.py__idlist_2104.12255v1_title_0.xml",
        "arxiv.py__error_id_abc_400.xml",
        "arxiv.py__idlist_astro-ph_0601001_oldstyle.xml",
        "arxiv.py__idlist_no_results.xml",
    )
]
TEMPLATE = SMALL_FEEDS[0].decode("utf-8")


@st.composite
def garbled(draw: st.DrawFn) -> bytes:
    body = bytearray(draw(st.sampled_from(SMALL_FEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(body)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "cut", "repeat"]))
        if op == "flip" and at < len(body):
            body[at] = draw(st.integers(0, 255))
        elif op == "insert":
            body[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif op == "delete":
            del body[at : at + draw(st.integers(1, 200))]
        elif op == "cut":
            del body[at:]
        else:
            body[at:at] = body[at : at + draw(st.integers(1, 300))]
    return bytes(body)


FIELDS = {
    "id": "http://arxiv.org/abs/2104.12255v1",
    "published": "2021-04-20T16:07:14Z",
    "updated": "2021-04-20T16:07:14Z",
    "totalResults": "1",
    "title": "0",
}
hostile = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["0000-00-00T00:00:00Z", "9999-99-99", "-1", "¹", "٣", "9" * 40, "&bogus;", "]]>", "<x>", "\x00"]),
    mutated(st.sampled_from(list(FIELDS.values()))),
)


@st.composite
def hostile_feed(draw: st.DrawFn) -> bytes:
    text = TEMPLATE
    for name, value in FIELDS.items():
        if draw(st.booleans()):
            tag = "opensearch:totalResults" if name == "totalResults" else name
            replacement = draw(hostile)
            text = text.replace(f"<{tag}>{value}</{tag}>", f"<{tag}>{replacement}</{tag}>", 1)
    if draw(st.booleans()):
        encoding = draw(st.binary(max_size=12))
        return text.encode("utf-8").replace(b"encoding='UTF-8'", b"encoding='" + encoding + b"'", 1)
    return text.encode("utf-8", "surrogatepass")


@hypothesis_settings("feeds")
@given(st.one_of(st.binary(max_size=300), garbled(), hostile_feed()))
@example(b"<?xml version='1.0' encoding='\xa2'?><feed/>")
@example(TEMPLATE.replace(">1</opensearch:totalResults>", ">\u00b9</opensearch:totalResults>").encode())
def prop_feeds_any_bytes_are_a_feed(body: bytes) -> None:
    feed = parse_feed(body)
    assert isinstance(feed, ArxivFeed)
    SEEN["feed with papers" if feed.papers else "feed without papers"] += 1
    assert feed.total_results is None or feed.total_results >= 0
    for paper in feed.papers:
        assert_canonical(ArxivRef(paper.arxiv_id))
        assert paper.version >= 1 and paper.published.tzinfo is not None


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # feedparser's, on a garbled entry without <updated>
def test_feeds() -> None:
    prop_feeds_any_bytes_are_a_feed()
    assert SEEN["feed with papers"] and SEEN["feed without papers"], SEEN
    ledger.record("bad_api_input", check="hypothesis: arXiv feeds", cases=EXAMPLES["feeds"], failures=0)
    for finding, fix in (
        (
            "An XML declaration whose encoding name is not UTF-8 (<?xml encoding='\\xa2'?>) made feedparser raise "
            "UnicodeDecodeError out of parse_feed, and so out of the collector's arXiv lookups",
            "arxiv.py parse_feed: an exception from feedparser is an unreadable body: an empty ArxivFeed, which the "
            'client reports as "unreadable arXiv response"',
        ),
        (
            'opensearch:totalResults of "¹" passed str.isdigit() and int() raised ValueError',
            "arxiv.py parse_feed: the count must be 1-12 ASCII digits",
        ),
        (
            'A <published> or <updated> of "0000-…" (feedparser reads year 0) made datetime() raise ValueError '
            "out of parse_feed",
            "arxiv.py _utc: a timestamp datetime cannot hold is no timestamp; an entry without one is skipped",
        ),
    ):
        ledger.record("findings", finding=finding, fix=fix, test=THIS + "test_feeds")
