"""Hacker News (Algolia): parsing the real recorded page, paging and failures.

The recorded page holds four submissions of one medium.com article under URL
variants. Rewriting those four URLs to arXiv URL variants gives the case that
matters here, the same paper submitted several times, with real hit data.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from hotpapers.collect.sources.base import SourceError
from hotpapers.collect.sources.hackernews import HackerNewsSource, parse_hn_page
from hotpapers.core.clock import FakeClock
from hotpapers.core.http import HttpClient
from hotpapers.core.models import ArxivRef

pytestmark = pytest.mark.unit

BASE = "https://hn.test/api/v1"
SEARCH = f"{BASE}/search_by_date"
ARXIV_VARIANTS = [
    "https://arxiv.org/abs/2105.14103v2",
    "http://arxiv.org/pdf/2105.14103.pdf",
    "https://export.arxiv.org/abs/2105.14103",
    "https://www.arxiv.org/pdf/2105.14103v1#page=3",
]


def hn_page(fixtures: Path, urls: list[str] | None = None) -> dict[str, Any]:
    text = (fixtures / "hackernews" / "communal__hackernews_test.go__sampleNewsOutput.json").read_text("utf-8")
    body = json.loads(text)
    for hit, url in zip(body["hits"], urls or [], strict=False):  # rewrite the first len(urls) hits
        hit["url"] = url
    return body


def query(call: Any) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


@pytest.fixture
def mocked():
    with responses.RequestsMock() as rsps:
        yield rsps


# --- parser against the real page ------------------------------------------------------------


def test_real_page_linking_no_arxiv_paper_yields_no_posts(fixtures):
    assert parse_hn_page(hn_page(fixtures)) == ([], 1, 0)


def test_url_variants_of_one_paper_are_separate_posts_of_the_same_paper(fixtures):
    posts, nb_pages, skipped = parse_hn_page(hn_page(fixtures, ARXIV_VARIANTS))

    assert (nb_pages, skipped) == (1, 0)
    assert [p.post_id for p in posts] == ["8828543", "11516582", "13566801", "8830693"]
    assert {ref.arxiv_id for p in posts for ref in p.papers} == {"2105.14103"}
    assert [p.metrics for p in posts] == [
        {"points": 270, "comments": 103},
        {"points": 173, "comments": 84},
        {"points": 58, "comments": 9},
        {"points": 3, "comments": 0},
    ]
    first = posts[0]
    assert first.source == "hackernews"
    assert first.url == "https://news.ycombinator.com/item?id=8828543"
    assert first.text == "Why aren\u2019t we using SSH for everything?"
    assert (first.author_name, first.author_handle) == ("dkua", "dkua")
    assert first.created_at == datetime(2015, 1, 2, 21, 5, 46, tzinfo=UTC)
    assert first.kind == "story"
    assert first.papers == (ArxivRef("2105.14103", 2),)


def test_only_the_hits_linking_arxiv_become_posts(fixtures):
    body = hn_page(fixtures, ["https://arxiv.org/abs/2105.14103"])  # the other three keep their medium.com URLs
    body["hits"][1]["url"] = None  # an Ask HN story has no url

    posts, _, skipped = parse_hn_page(body)

    assert [p.post_id for p in posts] == ["8828543"]
    assert skipped == 0


def test_null_comment_count_reads_as_zero(fixtures):
    body = hn_page(fixtures, ARXIV_VARIANTS)
    body["hits"][0]["num_comments"] = None

    assert parse_hn_page(body)[0][0].metrics == {"points": 270, "comments": 0}


def test_created_at_string_is_the_fallback_for_a_missing_timestamp(fixtures):
    body = hn_page(fixtures, ARXIV_VARIANTS)
    del body["hits"][2]["created_at_i"]

    assert parse_hn_page(body)[0][2].created_at == datetime(2017, 2, 4, 12, 47, 25, tzinfo=UTC)


def test_malformed_hits_are_skipped_and_counted(fixtures):
    body = hn_page(fixtures, ARXIV_VARIANTS)
    del body["hits"][0]["objectID"]
    body["hits"][1]["points"] = "lots"
    del body["hits"][2]["created_at_i"], body["hits"][2]["created_at"]
    body["hits"].append(["not", "a", "hit"])

    posts, _, skipped = parse_hn_page(body)

    assert [p.post_id for p in posts] == ["8830693"]
    assert skipped == 4


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([], "not a JSON object"),
        ({"nbPages": 1}, "'hits' is a NoneType"),
        ({"hits": [], "nbPages": "1"}, "'nbPages' is '1'"),
    ],
)
def test_malformed_pages_raise_source_error(body, problem):
    with pytest.raises(SourceError, match=problem):
        parse_hn_page(body)


# --- fetching -----------------------------------------------------------------------------------


def hackernews(clock: FakeClock | None = None) -> tuple[HackerNewsSource, FakeClock]:
    clock = clock or FakeClock()
    return HackerNewsSource(HttpClient(clock=clock), BASE), clock


def test_pages_until_the_last_page_with_the_day_as_a_numeric_filter(fixtures, mocked):
    # The recorded page split in two, as Algolia would serve it with two hits per page.
    page_0, page_1 = hn_page(fixtures, ARXIV_VARIANTS), hn_page(fixtures, ARXIV_VARIANTS)
    page_0["hits"], page_0["nbPages"] = page_0["hits"][:2], 2
    page_1["hits"], page_1["nbPages"], page_1["page"] = page_1["hits"][2:], 2, 1
    mocked.get(SEARCH, json=page_0)
    mocked.get(SEARCH, json=page_1)
    source, _ = hackernews()

    posts = list(source.fetch_day(date(2021, 6, 1)))

    assert [p.post_id for p in posts] == ["8828543", "11516582", "13566801", "8830693"]
    assert [query(c) for c in mocked.calls] == [
        {
            "query": "arxiv.org",
            "tags": "story",
            "restrictSearchableAttributes": "url",
            "numericFilters": "created_at_i>=1622505600,created_at_i<1622592000",
            "hitsPerPage": "100",
            "page": str(page),
        }
        for page in (0, 1)
    ]


def test_an_empty_page_stops_paging_even_if_nb_pages_says_more(mocked):
    mocked.get(SEARCH, json={"hits": [], "nbPages": 5, "page": 0})
    source, _ = hackernews()

    assert list(source.fetch_day(date(2021, 6, 1))) == []
    assert len(mocked.calls) == 1


def test_a_429_with_retry_after_is_waited_out_and_retried(fixtures, mocked):
    mocked.get(SEARCH, status=429, headers={"Retry-After": "2"})
    mocked.get(SEARCH, json=hn_page(fixtures, ARXIV_VARIANTS))
    source, clock = hackernews()

    assert len(list(source.fetch_day(date(2021, 6, 1)))) == 4
    assert clock.sleeps == [2.0]


def test_an_upstream_failure_or_bad_page_fails_the_source(mocked):
    mocked.get(SEARCH, status=403, json={"message": "forbidden"})
    mocked.get(SEARCH, body="<html>")
    source, _ = hackernews()

    with pytest.raises(SourceError, match="HTTP 403"):
        list(source.fetch_day(date(2021, 6, 1)))
    with pytest.raises(SourceError, match="not JSON"):
        list(source.fetch_day(date(2021, 6, 1)))


def test_past_algolias_1000_hit_limit_paging_goes_on_below_the_oldest_hit_seen(mocked):
    # Algolia stops paging at 1,000 hits (nbPages is capped at 10). search_by_date is newest
    # first, so the collector continues with a window that ends at the oldest hit it has seen.
    day_start, day_end = 1622505600, 1622592000

    def page(ids: range, newest: int, nb_hits: int, nb_pages: int) -> dict[str, Any]:
        hits = [
            {
                "objectID": str(n),
                "url": f"https://arxiv.org/abs/2105.{n + 1:05d}",
                "title": f"paper {n}",
                "author": "someone",
                "points": 1,
                "num_comments": 0,
                "created_at_i": newest - i,
            }
            for i, n in enumerate(ids)
        ]
        return {"hits": hits, "nbHits": nb_hits, "nbPages": nb_pages, "hitsPerPage": 100}

    oldest_of_first_window = day_end - 1000
    for number in range(10):  # 1,000 reachable hits of 1,050
        mocked.get(SEARCH, json=page(range(number * 100, number * 100 + 100), day_end - 1 - number * 100, 1050, 10))
    # The next window repeats the oldest second (hit 999) and holds the 50 older ones.
    mocked.get(SEARCH, json=page(range(999, 1050), oldest_of_first_window, 51, 1))
    source, _ = hackernews()

    posts = list(source.fetch_day(date(2021, 6, 1)))

    assert len(posts) == 1050 and len({p.post_id for p in posts}) == 1050
    filters = [query(c)["numericFilters"] for c in mocked.calls]
    assert len(filters) == 11
    assert filters[0] == f"created_at_i>={day_start},created_at_i<{day_end}"
    assert filters[10] == f"created_at_i>={day_start},created_at_i<{oldest_of_first_window + 1}"
