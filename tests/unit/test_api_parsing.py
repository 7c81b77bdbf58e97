"""Properties of the API's parsers: what a client sends is a value or a 400, never another exception.

The pagination cursors are the store's: tests/unit/test_store_cursors.py."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hotpapers.api.errors import ApiError
from hotpapers.api.parameters import (
    DIGESTS_LIMIT,
    MENTIONS_LIMIT,
    PAPERS_LIMIT,
    parse_arxiv_id,
    parse_day,
    parse_limit,
)
from hotpapers.core.arxiv_ids import OLD_STYLE_ARCHIVES, normalize_id

pytestmark = pytest.mark.unit

ALL_LIMITS = [DIGESTS_LIMIT, MENTIONS_LIMIT, PAPERS_LIMIT]

# Text a client can put in a URL: anything printable or not, any script, and near-misses of the real thing.
junk = st.text(max_size=60)
digits_of_every_kind = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=6)


def assert_bad_request(error: ApiError) -> None:
    assert (error.status, error.code) == (400, "bad_request")
    assert error.message and len(error.message) < 300


# ------------------------------------------------------------------ dates


@given(st.dates())
def test_every_date_round_trips(day: date) -> None:
    assert parse_day(day.isoformat()) == day


@given(st.one_of(junk, st.from_regex(r"\A\d{4}-\d{2}-\d{2}\Z"), st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\s?\Z")))
@example("2021-02-29")
@example("2021-13-01")
@example("2021-06-1")
@example("2021-06-01\n")
@example("٢٠٢١-٠٦-٠١")  # Arabic-Indic digits match \d
@example("２０２１-０６-０１")
@example("+2021-06-01")
@example("")
def test_any_other_text_is_a_400(value: str) -> None:
    try:
        day = parse_day(value)
    except ApiError as error:
        assert_bad_request(error)
        assert "date" in error.message or "calendar" in error.message
    else:
        assert day.isoformat() == value


def test_a_date_error_says_what_is_wrong() -> None:
    with pytest.raises(ApiError, match="YYYY-MM-DD, got '01-06-2021'"):
        parse_day("01-06-2021")
    with pytest.raises(ApiError, match="'2021-02-30' is not a calendar date"):
        parse_day("2021-02-30")


# ------------------------------------------------------------------ arXiv ids


@st.composite
def new_style_ids(draw: st.DrawFn) -> str:
    year = draw(st.integers(2007, 2099))
    month = draw(st.integers(4 if year == 2007 else 1, 12))
    digits = 4 if year <= 2014 else 5
    number = draw(st.integers(1, 10**digits - 1))
    return f"{year % 100:02d}{month:02d}.{number:0{digits}d}"


@st.composite
def old_style_ids(draw: st.DrawFn) -> str:
    archive = draw(st.sampled_from(sorted(OLD_STYLE_ARCHIVES)))
    year = draw(st.integers(1991, 2007))
    low, high = (8 if year == 1991 else 1), (3 if year == 2007 else 12)
    month = draw(st.integers(low, high))
    number = draw(st.integers(1, 999))
    return f"{archive}/{year % 100:02d}{month:02d}{number:03d}"


versions = st.one_of(st.just(""), st.integers(1, 10**6).map(lambda n: f"v{n}"))


@given(new_style_ids(), versions)
@example("2105.14103", "")
@example("2105.14103", "v2")
@example("0704.0001", "v1")
@example("1412.9999", "")
def test_new_style_ids_with_or_without_a_version(arxiv_id: str, version: str) -> None:
    assert parse_arxiv_id(arxiv_id + version) == arxiv_id
    assert parse_arxiv_id(quote(arxiv_id + version, safe="")) == arxiv_id
    assert parse_arxiv_id(f"arXiv:{arxiv_id}{version}") == arxiv_id


@given(old_style_ids(), versions, st.sampled_from(["/", "%2F", "%2f"]), st.booleans())
@example("hep-th/9901001", "", "/", False)
@example("hep-th/9901001", "", "%2F", False)
@example("math/0309136", "v2", "%2F", True)
@example("acc-phys/9108001", "", "/", False)
@example("quant-ph/0703999", "v1", "/", False)
def test_old_style_ids_raw_or_encoded_with_or_without_a_version(
    arxiv_id: str, version: str, slash: str, shout: bool
) -> None:
    written = (arxiv_id.upper() if shout else arxiv_id).replace("/", slash) + version
    assert parse_arxiv_id(written) == arxiv_id


def test_a_subject_class_is_dropped() -> None:
    assert parse_arxiv_id("math.GT/0309136") == "math/0309136"
    assert parse_arxiv_id("math.GT%2F0309136v1") == "math/0309136"


@given(
    st.one_of(junk, st.from_regex(r"\A\d{4}\.\d{4,6}(v\d{0,3})?\Z"), st.from_regex(r"\A[a-z-]{2,9}(/|%2F)\d{5,8}\Z"))
)
@example("2105.1410")  # four digits after 2014
@example("2105.141030")
@example("2113.14103")  # month 13
@example("0703.0001")  # before new-style ids began
@example("0000.00000")
@example("2105.14103v0")
@example("hep-th/9913001")
@example("hep-th/0704001")  # after old-style ids ended
@example("nope/9901001")
@example("hep-th%252F9901001")  # encoded twice
@example("%")
@example("%E2%98%83")
@example("2105.14103%00")
@example("")
def test_any_other_text_is_a_400_or_a_valid_id(value: str) -> None:
    try:
        arxiv_id = parse_arxiv_id(value)
    except ApiError as error:
        assert_bad_request(error)
        assert "arXiv id" in error.message
    else:
        ref = normalize_id(arxiv_id)
        assert ref is not None and ref.arxiv_id == arxiv_id and ref.version is None
        assert parse_arxiv_id(arxiv_id) == arxiv_id


# ------------------------------------------------------------------ limits


@pytest.mark.parametrize("bounds", ALL_LIMITS)
def test_no_limit_is_the_default(bounds: tuple[int, int, int | None]) -> None:
    assert parse_limit({}, bounds) == bounds[2]


@given(st.sampled_from(ALL_LIMITS), st.data())
def test_every_limit_in_bounds_is_taken(bounds: tuple[int, int, int | None], data: st.DataObject) -> None:
    low, high, _ = bounds
    limit = data.draw(st.integers(low, high))
    assert parse_limit({"limit": str(limit)}, bounds) == limit


@given(st.sampled_from(ALL_LIMITS), st.one_of(junk, digits_of_every_kind, st.integers().map(str)))
@example(DIGESTS_LIMIT, "0")
@example(DIGESTS_LIMIT, "101")
@example(DIGESTS_LIMIT, "-1")
@example(DIGESTS_LIMIT, "1.0")
@example(DIGESTS_LIMIT, " 5")
@example(DIGESTS_LIMIT, "")
@example(DIGESTS_LIMIT, "²")  # str.isdigit() is true for superscripts; int() refuses them
@example(DIGESTS_LIMIT, "9" * 4301)  # past int()'s 4300-digit limit
def test_any_other_limit_is_a_400(bounds: tuple[int, int, int | None], raw: str) -> None:
    low, high, _ = bounds
    try:
        limit = parse_limit({"limit": raw}, bounds)
    except ApiError as error:
        assert_bad_request(error)
        assert f"from {low} to {high}" in error.message
    else:
        assert limit is not None and low <= limit <= high and limit == int(raw)
