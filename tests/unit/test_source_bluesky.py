"""Bluesky searchPosts: parsing the real recorded page, sessions, paging and failures.

The recorded page searched "redistricting", so no post in it links arXiv. Where a
test needs an arXiv post it rewrites ONE link of a real post (a facet, a link
card) to an arXiv URL; author, counters, reply refs and embeds stay as recorded.
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
from responses import matchers

from hotpapers.collect.sources.base import SourceError
from hotpapers.collect.sources.bluesky import BlueskySource, parse_bsky_page
from hotpapers.core.clock import FakeClock
from hotpapers.core.http import HttpClient
from hotpapers.core.models import ArxivRef, day_window
from hotpapers_local.fakes import FakeUpstreams, UpstreamDataset

pytestmark = pytest.mark.unit

BASE = "https://bsky.test/xrpc"
SEARCH = f"{BASE}/app.bsky.feed.searchPosts"
SESSION = f"{BASE}/com.atproto.server.createSession"
HANDLE, PASSWORD = "hotpapers.bsky.social", "hunter2-abcd-efgh-ijkl"
MAY_19 = day_window(date(2025, 5, 19))

MICHAEL_LI = "at://did:plc:7nagdvjqrzaquzk7mueohne5/app.bsky.feed.post/3lpica7sxmk2u"  # 58 likes, CJK name
NYHAN = "at://did:plc:clxs5bimkdx2zvxzrbs6v3pw/app.bsky.feed.post/3lpjneeyp6c2w"  # NBER PDF as link card
SOCPAPERBOT = "at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m"  # facet link only
REPLY = "at://did:plc:7nagdvjqrzaquzk7mueohne5/app.bsky.feed.post/3lpjzka2pzc2l"
QUOTE = "at://did:plc:pjjrd7avt2v4ycccavykzg3n/app.bsky.feed.post/3lpjl6vjfes2b"


def search_page(fixtures: Path) -> dict[str, Any]:
    return json.loads((fixtures / "bluesky" / "bluesky_searchPosts_q=redistricting.body.json").read_text("utf-8"))


def post(body: dict[str, Any], uri: str) -> dict[str, Any]:
    return next(p for p in body["posts"] if p["uri"] == uri)


def link_facet_to(body: dict[str, Any], uri: str, url: str) -> dict[str, Any]:
    """Rewrite the post's link facet (real posts also carry #tag and #mention facets, left alone)."""
    features = [f for facet in post(body, uri)["record"]["facets"] for f in facet["features"]]
    next(f for f in features if f["$type"] == "app.bsky.richtext.facet#link")["uri"] = url
    return body


def query(call: Any) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


@pytest.fixture
def mocked():
    with responses.RequestsMock() as rsps:
        yield rsps


# --- parser against the real page ------------------------------------------------------------


def test_real_page_without_arxiv_links_yields_no_posts_but_its_cursor(fixtures):
    assert parse_bsky_page(search_page(fixtures), MAY_19) == ([], "25", 0)


def test_a_facet_rewritten_to_arxiv_makes_a_post_and_cjk_display_names_survive(fixtures):
    body = link_facet_to(search_page(fixtures), MICHAEL_LI, "http://arxiv.org/pdf/2105.14103v2.pdf")

    posts, cursor, skipped = parse_bsky_page(body, MAY_19)

    [p] = posts
    assert p.source == "bluesky"
    assert p.post_id == MICHAEL_LI
    assert p.url == "https://bsky.app/profile/mcpli.bsky.social/post/3lpica7sxmk2u"
    assert (p.author_name, p.author_handle) == ("Michael Li (李之樸)", "mcpli.bsky.social")
    assert p.metrics == {"reposts": 13, "likes": 58, "quotes": 1, "replies": 0}
    assert p.papers == (ArxivRef("2105.14103", 2),)
    assert p.kind == "post"
    assert p.created_at == datetime(2025, 5, 19, 0, 16, 50, 191000, tzinfo=UTC)
    assert (cursor, skipped) == ("25", 0)


@pytest.mark.parametrize("where", ["facet", "link card view", "record embed"])
def test_each_place_a_link_can_sit_is_read(fixtures, where):
    # The post text only shows "www.nber.org/system/files...": truncated links are why facets and cards matter.
    body = search_page(fixtures)
    nyhan = post(body, NYHAN)
    arxiv = "https://arxiv.org/abs/2106.01345"
    if where == "facet":
        link_facet_to(body, NYHAN, arxiv)
    elif where == "link card view":
        nyhan["embed"]["external"]["uri"] = arxiv
    else:
        nyhan["record"]["embed"]["external"]["uri"] = arxiv

    [p] = parse_bsky_page(body, MAY_19)[0]

    assert p.post_id == NYHAN
    assert p.papers == (ArxivRef("2106.01345"),)
    assert p.metrics == {"reposts": 5, "likes": 20, "quotes": 1, "replies": 2}


def test_replies_and_quotes_are_posts_of_their_own_kind(fixtures):
    body = link_facet_to(search_page(fixtures), REPLY, "https://arxiv.org/abs/2105.14103")
    post(body, QUOTE)["record"]["text"] += " See arXiv:2106.01345"

    kinds = {p.post_id: p.kind for p in parse_bsky_page(body, MAY_19)[0]}

    assert kinds == {REPLY: "reply", QUOTE: "quote"}


def test_a_link_inside_the_quoted_post_does_not_count_for_the_quoting_post(fixtures):
    # The quoted post is a search hit of its own; crediting the quote too would count one link twice.
    body = search_page(fixtures)
    post(body, QUOTE)["embed"]["record"]["value"]["embed"]["external"]["uri"] = "https://arxiv.org/abs/2105.14103"

    assert parse_bsky_page(body, MAY_19)[0] == []


def test_posts_outside_the_requested_day_are_left_out(fixtures):
    body = link_facet_to(search_page(fixtures), SOCPAPERBOT, "https://arxiv.org/abs/2105.14103")

    assert [p.post_id for p in parse_bsky_page(body, MAY_19)[0]] == [SOCPAPERBOT]
    assert parse_bsky_page(body, day_window(date(2025, 5, 18)))[0] == []
    assert len(parse_bsky_page(body)[0]) == 1  # no window: keep everything


def test_malformed_posts_are_skipped_and_counted(fixtures):
    body = link_facet_to(search_page(fixtures), MICHAEL_LI, "https://arxiv.org/abs/2105.14103")
    posts = body["posts"]
    del posts[0]["uri"]
    posts[1]["record"]["createdAt"] = "soon"
    posts[2]["likeCount"] = "many"
    posts[3]["author"] = None
    posts.append("not a post")

    parsed, _, skipped = parse_bsky_page(body, MAY_19)

    assert [p.post_id for p in parsed] == [MICHAEL_LI]
    assert skipped == 5


def test_missing_counters_read_as_zero(fixtures):
    # quoteCount arrived late in the lexicon; older AppViews omit it.
    body = link_facet_to(search_page(fixtures), MICHAEL_LI, "https://arxiv.org/abs/2105.14103")
    del post(body, MICHAEL_LI)["quoteCount"]

    [p] = parse_bsky_page(body, MAY_19)[0]

    assert p.metrics["quotes"] == 0


@pytest.mark.parametrize(
    ("body", "problem"), [([], "not a JSON object"), ({"posts": {"uri": "x"}}, "'posts' is a dict")]
)
def test_malformed_pages_raise_source_error(body, problem):
    with pytest.raises(SourceError, match=problem):
        parse_bsky_page(body)


# --- fetching: session, paging, failures ------------------------------------------------------


def bluesky(clock: FakeClock | None = None) -> tuple[BlueskySource, FakeClock]:
    clock = clock or FakeClock(datetime(2025, 5, 20, 8, 0, tzinfo=UTC))
    return BlueskySource(HttpClient(clock=clock), BASE, HANDLE, PASSWORD), clock


def session_ok(mocked: responses.RequestsMock, jwt: str = "jwt-1") -> None:
    mocked.post(
        SESSION,
        json={"accessJwt": jwt, "refreshJwt": "refresh", "handle": HANDLE, "did": "did:plc:me"},
        match=[matchers.json_params_matcher({"identifier": HANDLE, "password": PASSWORD})],
    )


def test_creates_a_session_then_pages_search_by_cursor_with_the_bearer_token(fixtures, mocked):
    page_1 = link_facet_to(search_page(fixtures), MICHAEL_LI, "https://arxiv.org/abs/2105.14103")
    page_2 = {"posts": [post(link_facet_to(search_page(fixtures), NYHAN, "https://arxiv.org/abs/2106.01345"), NYHAN)]}
    session_ok(mocked)
    mocked.get(SEARCH, json=page_1)
    mocked.get(SEARCH, json=page_2)  # no cursor: the last page
    source, _ = bluesky()

    posts = list(source.fetch_day(date(2025, 5, 19)))

    assert [p.post_id for p in posts] == [MICHAEL_LI, NYHAN]
    session, first, second = mocked.calls
    assert session.request.url == SESSION
    assert query(first) == {
        "q": "domain:arxiv.org",
        "domain": "arxiv.org",
        "since": "2025-05-19T00:00:00Z",
        "until": "2025-05-20T00:00:00Z",
        "sort": "latest",
        "limit": "100",
    }
    assert query(second)["cursor"] == "25"
    assert first.request.headers["Authorization"] == second.request.headers["Authorization"] == "Bearer jwt-1"


def test_an_empty_page_ends_paging_even_with_a_cursor(mocked):
    session_ok(mocked)
    mocked.get(SEARCH, json={"posts": [], "cursor": "100"})
    source, _ = bluesky()

    assert list(source.fetch_day(date(2025, 5, 19))) == []
    assert len(mocked.calls) == 2


def test_one_session_serves_several_days_and_an_expired_token_is_renewed_once(mocked):
    session_ok(mocked, "jwt-1")
    mocked.get(SEARCH, json={"posts": []})
    mocked.get(SEARCH, status=400, json={"error": "ExpiredToken", "message": "Token has expired"})
    session_ok(mocked, "jwt-2")
    mocked.get(SEARCH, json={"posts": []})
    source, _ = bluesky()

    list(source.fetch_day(date(2025, 5, 18)))
    list(source.fetch_day(date(2025, 5, 19)))

    urls = [c.request.url.split("?")[0] for c in mocked.calls]
    assert urls == [SESSION, SEARCH, SEARCH, SESSION, SEARCH]
    assert mocked.calls[4].request.headers["Authorization"] == "Bearer jwt-2"


def test_a_refused_login_fails_clearly_without_the_password(mocked):
    mocked.post(
        SESSION, status=401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
    )
    source, _ = bluesky()

    with pytest.raises(SourceError, match="login as 'hotpapers.bsky.social' was refused") as raised:
        list(source.fetch_day(date(2025, 5, 19)))

    assert PASSWORD not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert len(mocked.calls) == 1  # no search without a session


def test_a_session_without_a_token_fails_the_source(mocked):
    mocked.post(SESSION, json={"handle": HANDLE})
    source, _ = bluesky()

    with pytest.raises(SourceError, match="without an accessJwt"):
        list(source.fetch_day(date(2025, 5, 19)))


def test_a_429_on_search_is_waited_out_and_retried(mocked):
    session_ok(mocked)
    mocked.get(SEARCH, status=429, headers={"Retry-After": "2"})
    mocked.get(SEARCH, json={"posts": []})
    source, clock = bluesky()

    assert list(source.fetch_day(date(2025, 5, 19))) == []
    assert clock.sleeps == [2.0]


def test_a_malformed_search_page_fails_the_source(mocked):
    session_ok(mocked)
    mocked.get(SEARCH, json={"posts": "nope"})
    source, _ = bluesky()

    with pytest.raises(SourceError, match="'posts' is a str"):
        list(source.fetch_day(date(2025, 5, 19)))


# --- against the fake AppView: `domain` finds a post whose only arXiv link is its card ----------


def card_only_post(fixtures: Path) -> dict[str, Any]:
    """The recorded NYHAN post with its link card (view and record) leading to arXiv: its text names no arxiv.org."""
    nyhan = copy.deepcopy(post(search_page(fixtures), NYHAN))
    nyhan["embed"]["external"]["uri"] = nyhan["record"]["embed"]["external"]["uri"] = "https://arxiv.org/abs/2106.01345"
    assert "arxiv" not in json.dumps(nyhan["record"]["text"]) + json.dumps(nyhan["record"].get("facets"))
    return nyhan


def test_a_post_whose_only_arxiv_link_is_a_card_is_found_through_domain(fixtures):
    dataset = UpstreamDataset(bsky_posts=[card_only_post(fixtures), *search_page(fixtures)["posts"]])
    with FakeUpstreams(dataset, bsky_credentials=(HANDLE, PASSWORD)) as fake:
        source = BlueskySource(HttpClient(clock=FakeClock()), fake.bsky_api_url, HANDLE, PASSWORD)
        posts = list(source.fetch_day(date(2025, 5, 19)))
        [search] = [r for r in fake.requests if r.path.endswith("searchPosts")]

    assert [(p.post_id, p.papers) for p in posts] == [(NYHAN, (ArxivRef("2106.01345"),))]
    assert search.query["domain"] == "arxiv.org"
