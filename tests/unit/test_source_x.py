"""X v2 search: parsing real recorded pages, paging, endpoint choice and HTTP behaviour.

The recorded pages (twarc-csv test data) searched #brexit / #kpop, so almost no
tweet in them links arXiv. Where a test needs an arXiv post it takes a real page
and rewrites ONE tweet's link to an arXiv URL: everything else about the tweet
(metrics, author expansion, referenced_tweets, neighbours) stays as X sent it.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from hotpapers.collect.sources.base import SourceError
from hotpapers.collect.sources.x import QUERY, XSource, parse_x_page
from hotpapers.core.clock import FakeClock
from hotpapers.core.http import HttpClient
from hotpapers.core.models import ArxivRef

pytestmark = pytest.mark.unit

BASE = "https://api.x.test/2"
TOKEN = "AAAA-secret-bearer-token"
TAGESSCHAU = "1440714938054418436"  # brexit page: an original post with a link, 3 RTs, 2 replies, 18 likes


def x_page(fixtures: Path, name: str) -> dict[str, Any]:
    body = json.loads((fixtures / "twitter" / f"twarc-csv__{name}.jsonl").read_text(encoding="utf-8"))
    body.pop("__twarc")  # twarc's own request log, not part of the API response
    return body


def tweet(body: dict[str, Any], tweet_id: str) -> dict[str, Any]:
    return next(t for t in body["data"] if t["id"] == tweet_id)


def link_to(body: dict[str, Any], tweet_id: str, url: str) -> dict[str, Any]:
    """Point the tweet's first link at `url` (the real page links no arXiv paper)."""
    tweet(body, tweet_id)["entities"]["urls"][0]["expanded_url"] = url
    return body


def query(call: Any) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


@pytest.fixture
def mocked():
    with responses.RequestsMock() as rsps:
        yield rsps


# --- parser against the real pages -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "next_token"),
    [
        ("brexit", "b26v89c19zqg8o3fpds60ssjif02fq74br3502of8hmrh"),
        ("kpop", "b26v89c19zqg8o3fpds60ssjlg8rrux0bxoa7beulbhbx"),
        ("many_urls", None),  # a lookup page: no meta at all
        ("two_tweets", None),
    ],
)
def test_real_pages_without_arxiv_links_yield_no_posts_and_no_errors(fixtures, name, next_token):
    assert parse_x_page(x_page(fixtures, name)) == ([], next_token, 0)


def test_one_tweet_rewritten_to_arxiv_becomes_the_only_post_with_its_real_metrics(fixtures):
    body = link_to(x_page(fixtures, "brexit"), TAGESSCHAU, "https://arxiv.org/abs/2105.14103v2")

    posts, next_token, skipped = parse_x_page(body)

    assert skipped == 0
    assert next_token == "b26v89c19zqg8o3fpds60ssjif02fq74br3502of8hmrh"
    [post] = posts
    assert post.source == "x"
    assert post.post_id == TAGESSCHAU
    assert post.url == f"https://x.com/tagesschau/status/{TAGESSCHAU}"
    assert (post.author_name, post.author_handle) == ("tagesschau", "tagesschau")
    assert post.metrics == {"retweets": 3, "likes": 18, "quotes": 0, "replies": 2}
    assert post.papers == (ArxivRef("2105.14103", 2),)
    assert post.kind == "post"
    assert post.created_at == datetime(2021, 9, 22, 16, 29, 43, tzinfo=UTC)
    assert post.text.startswith("USA dämpfen britische Hoffnung auf Handelsabkommen")


@pytest.mark.parametrize(
    ("tweet_id", "kind", "handle", "metrics"),
    [
        ("1440714027773030407", "quote", "HappyAbode1875", {"retweets": 3, "likes": 1, "quotes": 0, "replies": 1}),
        ("1440716745577140229", "reply", "calin_a", {"retweets": 0, "likes": 0, "quotes": 0, "replies": 0}),
    ],
)
def test_quotes_and_replies_are_posts_of_their_own(fixtures, tweet_id, kind, handle, metrics):
    body = link_to(x_page(fixtures, "brexit"), tweet_id, "https://huggingface.co/papers/2106.01345")

    [post] = parse_x_page(body)[0]

    assert (post.post_id, post.kind, post.author_handle) == (tweet_id, kind, handle)
    assert post.metrics == metrics
    assert post.papers == (ArxivRef("2106.01345"),)


def test_retweets_are_never_counted_even_when_they_link_arxiv(fixtures):
    # The blog summed retweet copies, which carry the original's retweet count: 6-12x inflation.
    body = x_page(fixtures, "brexit")
    for t in body["data"]:
        for entry in t.get("entities", {}).get("urls", []):
            entry["expanded_url"] = "https://arxiv.org/abs/2105.14103"
    retweet_ids = {
        t["id"] for t in body["data"] if any(r["type"] == "retweeted" for r in t.get("referenced_tweets", []))
    }
    originals_with_links = {
        t["id"] for t in body["data"] if t["id"] not in retweet_ids and t.get("entities", {}).get("urls")
    }
    assert len(retweet_ids) == 67 and len(originals_with_links) == 18  # the page as recorded

    posts, _, skipped = parse_x_page(body)

    assert {p.post_id for p in posts} == originals_with_links
    assert skipped == 0


def test_full_archive_page_with_only_a_retweet_yields_nothing(fixtures):
    body = x_page(fixtures, "two_tweets")
    body["data"][0]["text"] = "RT @bibaigna96: read arXiv:2105.14103"  # would count, were it not a retweet

    assert parse_x_page(body) == ([], None, 0)


def test_partial_errors_beside_data_do_not_spoil_the_page_and_unwound_urls_count(fixtures):
    body = x_page(fixtures, "kpop")
    assert body["errors"][0]["detail"] == "User has been suspended: [leeseunggi]."
    # Only the unwound URL is rewritten: t.co redirects can end somewhere other than expanded_url says.
    tweet(body, "1440717124545114123")["entities"]["urls"][0]["unwound_url"] = "https://arxiv.org/pdf/2105.14103"

    posts, next_token, skipped = parse_x_page(body)

    [post] = posts
    assert post.url == "https://x.com/AiredeSantaFe/status/1440717124545114123"
    assert post.author_name == "Aire de Santa Fe"
    assert post.papers == (ArxivRef("2105.14103"),)
    assert "TWICE" in post.text and "🤩" in post.text
    assert next_token == "b26v89c19zqg8o3fpds60ssjlg8rrux0bxoa7beulbhbx"
    assert skipped == 0


def test_lookup_page_without_meta_parses_a_reply_with_unwound_url(fixtures):
    body = x_page(fixtures, "many_urls")
    entry = body["data"][0]["entities"]["urls"][0]
    entry["expanded_url"] = entry["unwound_url"] = "https://alphaxiv.org/abs/2301.00001"

    posts, next_token, skipped = parse_x_page(body)

    [post] = posts
    assert post.url == "https://x.com/uiuxadrian/status/1610692575752601600"
    assert (post.author_name, post.kind) == ("UI Adrian", "reply")
    assert post.metrics == {"retweets": 2, "likes": 13, "quotes": 0, "replies": 1}
    assert post.papers == (ArxivRef("2301.00001"),)  # expanded and unwound name one paper once
    assert (next_token, skipped) == (None, 0)


def test_an_arxiv_id_in_the_text_alone_makes_a_post(fixtures):
    body = x_page(fixtures, "brexit")
    tweet(body, "1440716895355764743")["text"] = "Great read: arXiv:2105.14103 and arXiv:2106.01345v3"

    [post] = parse_x_page(body)[0]

    assert post.papers == (ArxivRef("2105.14103"), ArxivRef("2106.01345", 3))


def test_a_tweet_whose_author_is_not_expanded_is_still_a_post(fixtures):
    body = link_to(x_page(fixtures, "brexit"), TAGESSCHAU, "https://arxiv.org/abs/2105.14103")
    del body["includes"]["users"]

    [post] = parse_x_page(body)[0]

    assert (post.author_handle, post.author_name) == ("", "")
    assert post.url == f"https://x.com/i/web/status/{TAGESSCHAU}"


def test_malformed_tweets_are_skipped_and_counted_without_losing_the_page(fixtures):
    body = link_to(x_page(fixtures, "brexit"), TAGESSCHAU, "https://arxiv.org/abs/2105.14103")
    no_id, bad_time, bad_count, no_metrics = (
        tweet(body, i)
        for i in ("1440716895355764743", "1440716848299872269", "1440716656943058945", "1440716522796638212")
    )
    del no_id["id"]
    bad_time["created_at"] = "yesterday"
    bad_count["public_metrics"]["like_count"] = "many"
    del no_metrics["public_metrics"]
    body["data"] += [None, "not a tweet"]

    posts, _, skipped = parse_x_page(body)

    assert [p.post_id for p in posts] == [TAGESSCHAU]
    assert skipped == 6


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([], "not a JSON object"),
        ("oops", "not a JSON object"),
        ({"data": {"id": "1"}}, "'data' is a dict"),
        ({"errors": [{"title": "Invalid Request", "detail": "bad query"}]}, "only errors: bad query"),
    ],
)
def test_malformed_pages_raise_source_error(body, problem):
    with pytest.raises(SourceError, match=problem):
        parse_x_page(body)


def test_an_empty_result_page_is_not_an_error():
    assert parse_x_page({"meta": {"result_count": 0}}) == ([], None, 0)


# --- fetching: paging, endpoint choice, HTTP ------------------------------------------------


def x_source(now: datetime, clock: FakeClock | None = None) -> tuple[XSource, FakeClock]:
    clock = clock or FakeClock(now)
    return XSource(HttpClient(clock=clock), BASE, TOKEN, clock), clock


def test_pages_through_next_token_with_bearer_auth_and_the_documented_parameters(fixtures, mocked):
    page_1 = link_to(x_page(fixtures, "brexit"), TAGESSCHAU, "https://arxiv.org/abs/2105.14103")
    page_2 = x_page(fixtures, "many_urls")  # no meta: the last page
    page_2["data"][0]["entities"]["urls"][0]["expanded_url"] = "https://arxiv.org/abs/2106.01345"
    mocked.get(f"{BASE}/tweets/search/recent", json=page_1)
    mocked.get(f"{BASE}/tweets/search/recent", json=page_2)
    source, clock = x_source(datetime(2021, 9, 23, 12, 0, tzinfo=UTC))

    posts = list(source.fetch_day(date(2021, 9, 22)))

    assert [p.post_id for p in posts] == [TAGESSCHAU, "1610692575752601600"]
    first, second = mocked.calls
    assert query(first) == {
        "query": QUERY,
        "start_time": "2021-09-22T00:00:00Z",
        "end_time": "2021-09-23T00:00:00Z",
        "max_results": "100",
        "tweet.fields": "created_at,public_metrics,entities,author_id,lang,referenced_tweets",
        "expansions": "author_id",
        "user.fields": "username,name",
    }
    assert query(second)["next_token"] == "b26v89c19zqg8o3fpds60ssjif02fq74br3502of8hmrh"
    assert all(c.request.headers["Authorization"] == f"Bearer {TOKEN}" for c in mocked.calls)
    assert len(QUERY) <= 512
    assert clock.sleeps == []  # recent search needs no pacing
    assert source.skipped == 0


@pytest.mark.parametrize(
    ("day", "endpoint"),
    [
        (date(2021, 9, 23), "recent"),
        (date(2021, 9, 17), "recent"),  # starts 6.5 days before now
        (date(2021, 9, 16), "all"),  # starts 7.5 days before now: out of recent search
        (date(2020, 6, 29), "all"),  # a backfill from the blog's first week
    ],
)
def test_days_older_than_seven_days_go_to_full_archive_search(day, endpoint):
    source, _ = x_source(datetime(2021, 9, 23, 12, 0, tzinfo=UTC))
    assert source.endpoint_for(day) == f"{BASE}/tweets/search/{endpoint}"


def test_a_start_just_inside_seven_days_is_treated_as_old_for_safety():
    # now - 7d is 00:00:30 on the 16th: the day started 30 s inside the limit, less than the 1 min margin.
    source, _ = x_source(datetime(2021, 9, 23, 0, 0, 30, tzinfo=UTC))
    assert source.endpoint_for(date(2021, 9, 16)).endswith("/search/all")


def test_an_old_day_is_fetched_from_full_archive_search_paced_one_request_per_second(fixtures, mocked):
    page_1 = link_to(x_page(fixtures, "brexit"), TAGESSCHAU, "https://arxiv.org/abs/2105.14103")
    mocked.get(f"{BASE}/tweets/search/all", json=page_1)
    mocked.get(f"{BASE}/tweets/search/all", json=x_page(fixtures, "two_tweets"))  # the recorded search/all page
    source, clock = x_source(datetime(2021, 9, 23, 12, 0, tzinfo=UTC))

    posts = list(source.fetch_day(date(2021, 9, 10)))

    assert [p.post_id for p in posts] == [TAGESSCHAU]
    assert query(mocked.calls[0])["start_time"] == "2021-09-10T00:00:00Z"
    assert query(mocked.calls[1])["next_token"] == "b26v89c19zqg8o3fpds60ssjif02fq74br3502of8hmrh"
    assert clock.sleeps == [1.0]


def test_today_is_searched_up_to_just_before_now_and_future_days_not_at_all(fixtures, mocked):
    mocked.get(f"{BASE}/tweets/search/recent", json={"meta": {"result_count": 0}})
    source, _ = x_source(datetime(2021, 9, 22, 16, 40, 0, tzinfo=UTC))

    assert list(source.fetch_day(date(2021, 9, 22))) == []
    assert list(source.fetch_day(date(2021, 9, 23))) == []

    [call] = mocked.calls
    assert query(call)["end_time"] == "2021-09-22T16:39:30Z"  # X refuses an end_time too close to now


def test_a_429_with_retry_after_is_waited_out_and_retried(fixtures, mocked):
    mocked.get(f"{BASE}/tweets/search/recent", status=429, headers={"Retry-After": "2"}, json={"title": "Too Many"})
    mocked.get(f"{BASE}/tweets/search/recent", json=x_page(fixtures, "many_urls"))
    source, clock = x_source(datetime(2021, 9, 23, 12, 0, tzinfo=UTC))

    assert list(source.fetch_day(date(2021, 9, 22))) == []
    assert len(mocked.calls) == 2
    assert clock.sleeps == [2.0]


def test_a_refused_token_fails_the_source_without_revealing_it(mocked):
    mocked.get(f"{BASE}/tweets/search/recent", status=401, json={"title": "Unauthorized", "status": 401})
    source, _ = x_source(datetime(2021, 9, 23, 12, 0, tzinfo=UTC))

    with pytest.raises(SourceError, match="refused the bearer token") as raised:
        list(source.fetch_day(date(2021, 9, 22)))
    assert TOKEN not in str(raised.value) and TOKEN not in repr(raised.value.__cause__)


@pytest.mark.parametrize("body", ["<html>busy</html>", json.dumps([1, 2])])
def test_a_page_that_is_not_a_json_object_fails_the_source(mocked, body):
    mocked.get(f"{BASE}/tweets/search/recent", body=body)
    source, _ = x_source(datetime(2021, 9, 23, 12, 0, tzinfo=UTC))

    with pytest.raises(SourceError):
        list(source.fetch_day(date(2021, 9, 22)))


def test_a_repeated_next_token_stops_instead_of_paging_forever(fixtures, mocked):
    page = x_page(fixtures, "brexit")
    mocked.get(f"{BASE}/tweets/search/recent", json=page)
    mocked.get(f"{BASE}/tweets/search/recent", json=copy.deepcopy(page))
    source, _ = x_source(datetime(2021, 9, 23, 12, 0, tzinfo=UTC))

    with pytest.raises(SourceError, match="repeated a next_token"):
        list(source.fetch_day(date(2021, 9, 22)))


# --- text, language and entities ----------------------------------------------------------

JIMIN = "1440716983960363017"  # kpop page: "… #kpop &amp; #kdrama updates https://t.co/UXfNgKFtk7"


def test_text_is_unescaped_and_entities_point_into_it(fixtures):
    """X sends `&amp;` etc. escaped and counts entity offsets in the escaped text (as this real page shows)."""
    body = link_to(x_page(fixtures, "kpop"), JIMIN, "https://arxiv.org/abs/2105.14103")

    [post] = parse_x_page(body)[0]

    assert post.text.endswith("for #kpop & #kdrama updates https://t.co/UXfNgKFtk7")
    assert post.lang == "en"
    assert [(e.kind, post.text[e.start : e.end]) for e in post.entities] == [
        ("hashtag", "#kpop"),
        ("hashtag", "#kdrama"),
        ("url", "https://t.co/UXfNgKFtk7"),
    ]
    url = post.entities[-1]
    assert (url.url, url.expanded_url) == ("https://t.co/UXfNgKFtk7", "https://arxiv.org/abs/2105.14103")
    assert post.entities[0].tag == "kpop"


def test_entities_counted_in_the_unescaped_text_are_accepted_too(fixtures):
    body = link_to(x_page(fixtures, "kpop"), JIMIN, "https://arxiv.org/abs/2105.14103")
    for entity in tweet(body, JIMIN)["entities"]["hashtags"][1:] + tweet(body, JIMIN)["entities"]["urls"]:
        entity["start"] -= 4  # "&amp;" is one character once unescaped
        entity["end"] -= 4

    [post] = parse_x_page(body)[0]

    assert [post.text[e.start : e.end] for e in post.entities] == ["#kpop", "#kdrama", "https://t.co/UXfNgKFtk7"]


def test_malformed_entities_are_dropped_and_the_post_kept(fixtures):
    body = link_to(x_page(fixtures, "kpop"), JIMIN, "https://arxiv.org/abs/2105.14103")
    entities = tweet(body, JIMIN)["entities"]
    entities["hashtags"][0]["start"] = "72"  # not a count
    entities["hashtags"][1]["tag"] = "other"  # does not match the text
    entities["mentions"] = [{"start": 0, "end": 400, "username": "x"}, "junk"]  # out of range; not an object
    tweet(body, JIMIN)["lang"] = 7

    [post] = parse_x_page(body)[0]

    assert [e.kind for e in post.entities] == ["url"]
    assert post.lang is None
    assert post.papers == (ArxivRef("2105.14103"),)


def test_mentions_keep_the_username_and_lt_gt_are_unescaped(fixtures):
    body = x_page(fixtures, "brexit")
    original = tweet(body, TAGESSCHAU)
    original["text"] = "&lt;3 @SDLPlive: arXiv:2105.14103 &gt; all"
    original["entities"] = {"mentions": [{"start": 6, "end": 15, "username": "sdlplive", "id": "1"}]}

    [post] = parse_x_page(body)[0]

    assert post.text == "<3 @SDLPlive: arXiv:2105.14103 > all"
    [mention] = post.entities
    assert (mention.kind, mention.username, post.text[mention.start : mention.end]) == (
        "mention",
        "sdlplive",
        "@SDLPlive",
    )
