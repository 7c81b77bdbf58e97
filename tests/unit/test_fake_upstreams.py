"""The fake upstreams answer like the real services: same shapes, paging, filters and failures.

The fake serves real recorded data where it exists: the 2021-06-01 sample
day for X and arXiv, and the recorded Bluesky, Hacker News and Hugging Face
responses under tests/fixtures/.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
import requests

from hotpapers_local.fakes import FakeUpstreams, UpstreamDataset
from hotpapers_local.sample import load_sample_dataset

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent.parent / "fixtures"
TOKEN = "test-bearer"
BSKY_LOGIN = ("reader.bsky.social", "app-pass-1234")
DAY_START, DAY_END = "2021-06-01T00:00:00Z", "2021-06-02T00:00:00Z"
HF_DATE = "2026-06-12"


def _fixture_json(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dataset() -> UpstreamDataset:
    data = load_sample_dataset()
    # One retweet of the AFT tweet, shaped like the retweet in twarc-csv__two_tweets.jsonl.
    original = data.x_tweets[0]
    retweet = copy.deepcopy(original)
    retweet.update(
        id="1399540000000000000",
        text="RT @ak92501: " + original["text"],
        created_at="2021-06-01T01:35:00.000Z",
        referenced_tweets=[{"type": "retweeted", "id": original["id"]}],
        public_metrics={"retweet_count": 10042, "reply_count": 0, "like_count": 0, "quote_count": 0},
    )
    data.x_tweets.append(retweet)
    data.bsky_posts = _fixture_json("bluesky/bluesky_searchPosts_q=redistricting.body.json")["posts"]
    data.hn_hits = _fixture_json("hackernews/communal__hackernews_test.go__sampleNewsOutput.json")["hits"]
    data.hf_daily = {HF_DATE: _fixture_json("huggingface-daily-papers/sotawhat__hf_daily_papers.json")}
    return data


@pytest.fixture
def fake(dataset: UpstreamDataset) -> Iterator[FakeUpstreams]:
    with FakeUpstreams(dataset, x_bearer_token=TOKEN, bsky_credentials=BSKY_LOGIN) as server:
        yield server


def _x_params(**extra: Any) -> dict[str, Any]:
    params = {
        "query": 'url:"arxiv.org" -is:retweet',
        "start_time": DAY_START,
        "end_time": DAY_END,
        "max_results": 10,
        "tweet.fields": "created_at,public_metrics,entities,author_id,lang,referenced_tweets",
        "expansions": "author_id",
        "user.fields": "username,name",
    }
    params.update(extra)
    return params


def _x_get(fake: FakeUpstreams, route: str = "recent", token: str | None = TOKEN, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{fake.x_api_url}/tweets/search/{route}", params=_x_params(**params), headers=headers)


def _x_all_pages(fake: FakeUpstreams, **params: Any) -> list[dict[str, Any]]:
    pages, token = [], None
    while True:
        extra = dict(params, next_token=token) if token else params
        response = _x_get(fake, **extra)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        token = pages[-1]["meta"].get("next_token")
        if token is None:
            return pages


# --------------------------------------------------------------------------- X


def test_x_search_refuses_missing_or_wrong_bearer_token_in_x_error_shape(fake: FakeUpstreams) -> None:
    expected = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
    for token in (None, "wrong-token"):
        response = _x_get(fake, token=token)
        assert response.status_code == 401
        assert response.json() == expected


def test_x_search_pages_the_whole_day_newest_first_with_only_page_authors(fake: FakeUpstreams) -> None:
    pages = _x_all_pages(fake)

    assert [page["meta"]["result_count"] for page in pages] == [10, 10, 1]
    assert "next_token" not in pages[-1]["meta"]
    tweets = [tweet for page in pages for tweet in page["data"]]
    assert len({t["id"] for t in tweets}) == 21  # the 21 real tweets; the retweet is excluded
    stamps = [(t["created_at"], int(t["id"])) for t in tweets]
    assert stamps == sorted(stamps, reverse=True)
    for page in pages:
        assert page["meta"]["newest_id"] == page["data"][0]["id"]
        assert page["meta"]["oldest_id"] == page["data"][-1]["id"]
        authors = {t["author_id"] for t in page["data"]}
        assert {u["id"] for u in page["includes"]["users"]} == authors
        assert all(set(u) == {"id", "name", "username"} for u in page["includes"]["users"])


def test_x_search_honours_the_time_window_start_inclusive_end_exclusive(fake: FakeUpstreams) -> None:
    # 1399531958309462016 is the day's earliest tweet, created 01:03:15 UTC.
    inside = _x_all_pages(fake, start_time="2021-06-01T01:03:15Z", end_time="2021-06-01T01:10:00Z")
    ids = [t["id"] for page in inside for t in page["data"]]
    assert ids[-1] == "1399531958309462016"
    assert all("2021-06-01T01:03:15" <= t["created_at"] < "2021-06-01T01:10:00" for p in inside for t in p["data"])

    before = _x_get(fake, start_time="2021-06-01T00:00:00Z", end_time="2021-06-01T01:03:15Z")
    assert before.json() == {"meta": {"result_count": 0}}  # X sends no data key for nothing found


def test_x_search_keeps_retweets_unless_the_query_excludes_them(fake: FakeUpstreams) -> None:
    with_retweets = _x_all_pages(fake, query='url:"arxiv.org"')
    kinds = [t.get("referenced_tweets", [{}])[0].get("type") for page in with_retweets for t in page["data"]]
    assert kinds.count("retweeted") == 1
    assert len(kinds) == 22


def test_x_search_matches_url_terms_against_expanded_urls(fake: FakeUpstreams) -> None:
    response = _x_get(fake, query='(url:"arxiv.org/abs/2105.14103" OR url:"arxiv.org/abs/2105.15203") -is:retweet')
    tweets = response.json()["data"]
    assert {t["entities"]["urls"][0]["expanded_url"] for t in tweets} == {
        "https://arxiv.org/abs/2105.14103",
        "https://arxiv.org/abs/2105.15203",
    }
    assert len(tweets) == 3  # AFT has one tweet, SegFormer two

    assert _x_get(fake, query='url:"example.com"').json() == {"meta": {"result_count": 0}}


def test_x_search_returns_only_the_requested_tweet_fields(fake: FakeUpstreams) -> None:
    bare = _x_get(fake, **{"tweet.fields": "created_at"}).json()["data"][0]
    assert set(bare) == {"id", "text", "created_at", "edit_history_tweet_ids"}
    full = _x_get(fake).json()["data"][0]
    assert {"public_metrics", "entities", "author_id"} <= set(full)


@pytest.mark.parametrize(("route", "value"), [("recent", 5), ("recent", 101), ("all", 501), ("recent", "ten")])
def test_x_search_rejects_max_results_out_of_range(fake: FakeUpstreams, route: str, value: object) -> None:
    response = _x_get(fake, route=route, max_results=value)
    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "Invalid Request"
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert body["errors"][0]["parameters"] == {"max_results": [str(value)]}


def test_x_full_archive_search_allows_500_per_page(fake: FakeUpstreams) -> None:
    response = _x_get(fake, route="all", max_results=500)
    assert response.json()["meta"]["result_count"] == 21


def test_x_search_announces_its_rate_limit_and_answers_429_past_it(dataset: UpstreamDataset) -> None:
    with FakeUpstreams(dataset, x_rate_limit=2) as fake:
        first, second, third = (_x_get(fake, token="any") for _ in range(3))
    assert first.headers["x-rate-limit-limit"] == "2"
    assert [r.headers["x-rate-limit-remaining"] for r in (first, second, third)] == ["1", "0", "0"]
    assert int(first.headers["x-rate-limit-reset"]) > 0
    assert third.status_code == 429
    assert third.json()["title"] == "Too Many Requests"


# ----------------------------------------------------------------------- Bluesky


def _bsky_login(fake: FakeUpstreams, identifier: str, password: str) -> requests.Response:
    return requests.post(
        f"{fake.bsky_api_url}/com.atproto.server.createSession",
        json={"identifier": identifier, "password": password},
    )


def _bsky_search(fake: FakeUpstreams, jwt: str | None, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {jwt}"} if jwt else {}
    return requests.get(f"{fake.bsky_api_url}/app.bsky.feed.searchPosts", params=params, headers=headers)


def test_bsky_create_session_checks_the_app_password(fake: FakeUpstreams) -> None:
    refused = _bsky_login(fake, BSKY_LOGIN[0], "not-it")
    assert refused.status_code == 401
    assert refused.json() == {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}

    session = _bsky_login(fake, *BSKY_LOGIN).json()
    assert set(session) == {"accessJwt", "refreshJwt", "handle", "did"}
    assert session["handle"] == BSKY_LOGIN[0]
    assert session["did"].startswith("did:plc:")


def test_bsky_search_needs_a_session_and_a_query(fake: FakeUpstreams) -> None:
    anonymous = _bsky_search(fake, None, q="redistricting")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "AuthMissing"

    jwt = _bsky_login(fake, *BSKY_LOGIN).json()["accessJwt"]
    assert _bsky_search(fake, "forged", q="redistricting").status_code == 401
    no_query = _bsky_search(fake, jwt)
    assert no_query.status_code == 400
    assert no_query.json()["error"] == "InvalidRequest"
    assert _bsky_search(fake, jwt, q="x", limit=101).status_code == 400


def test_bsky_search_pages_with_a_cursor_until_the_last_page(fake: FakeUpstreams) -> None:
    jwt = _bsky_login(fake, *BSKY_LOGIN).json()["accessJwt"]
    seen, cursors, cursor = [], [], None
    while True:
        params = {"q": "redistricting", "limit": 10, **({"cursor": cursor} if cursor else {})}
        body = _bsky_search(fake, jwt, **params).json()
        seen += [post["uri"] for post in body["posts"]]
        cursor = body.get("cursor")
        if cursor is None:
            break
        cursors.append(cursor)
    assert cursors == ["10", "20"]
    assert len(seen) == len(set(seen)) == 25


def test_bsky_search_matches_links_in_facets_and_embeds_within_since_until(fake: FakeUpstreams) -> None:
    jwt = _bsky_login(fake, *BSKY_LOGIN).json()["accessJwt"]
    nber = _bsky_search(fake, jwt, q="*", domain="nber.org").json()
    assert [p["embed"]["external"]["uri"] for p in nber["posts"]] == [
        "https://www.nber.org/system/files/working_papers/w33801/w33801.pdf"
    ]
    assert "cursor" not in nber

    osf = _bsky_search(fake, jwt, q="*", url="osf.io/v87fn", limit=100).json()["posts"]
    assert len(osf) == 3
    window = _bsky_search(
        fake, jwt, q="*", url="osf.io/v87fn", since="2025-05-19T12:00:00Z", until="2025-05-19T17:10:09.561858Z"
    ).json()["posts"]
    assert [p["record"]["createdAt"] for p in window] == ["2025-05-19T12:27:52.652381Z"]


def test_bsky_domain_matches_link_cards_that_the_text_query_misses(dataset: UpstreamDataset) -> None:
    # As on the real AppView: `q` searches the text, `domain` the hosts of facet links and link cards.
    posts = copy.deepcopy(dataset.bsky_posts)
    nyhan = next(p for p in posts if p["uri"].endswith("/3lpjneeyp6c2w"))
    nyhan["embed"]["external"]["uri"] = nyhan["record"]["embed"]["external"]["uri"] = "https://arxiv.org/abs/2106.01345"
    nyhan["record"]["text"] = "A working paper worth reading"
    with FakeUpstreams(UpstreamDataset(bsky_posts=posts), bsky_credentials=BSKY_LOGIN) as server:
        jwt = _bsky_login(server, *BSKY_LOGIN).json()["accessJwt"]
        by_text = _bsky_search(server, jwt, q="arxiv.org", limit=100).json()["posts"]
        by_domain = _bsky_search(server, jwt, q="*", domain="arxiv.org", limit=100).json()["posts"]
        by_operator = _bsky_search(server, jwt, q="domain:arxiv.org", limit=100).json()["posts"]
        www = _bsky_search(server, jwt, q="*", domain="www.arxiv.org", limit=100).json()["posts"]
        other = _bsky_search(server, jwt, q="*", domain="xarxiv.org", limit=100).json()["posts"]
    assert by_text == [] and other == []
    assert [p["uri"] for p in by_domain] == [p["uri"] for p in by_operator] == [p["uri"] for p in www] == [nyhan["uri"]]


# --------------------------------------------------------------------- Hacker News


def test_hn_search_by_date_filters_and_pages_like_algolia(fake: FakeUpstreams) -> None:
    recorded = _fixture_json("hackernews/communal__hackernews_test.go__sampleNewsOutput.json")
    params = {"query": "medium.com/@shazow", "tags": "story", "restrictSearchableAttributes": "url", "hitsPerPage": 3}
    first = requests.get(f"{fake.hn_api_url}/search_by_date", params=params).json()

    assert list(first) == list(recorded)  # the same top-level fields, in the same order
    assert (first["nbHits"], first["nbPages"], first["hitsPerPage"], first["page"]) == (4, 2, 3, 0)
    stamps = [hit["created_at_i"] for hit in first["hits"]]
    assert stamps == sorted(stamps, reverse=True)
    second = requests.get(f"{fake.hn_api_url}/search_by_date", params={**params, "page": 1}).json()
    assert len(second["hits"]) == 1

    windowed = requests.get(
        f"{fake.hn_api_url}/search_by_date",
        # Bounds sit exactly on two submissions: the start is inclusive, the end exclusive.
        params={**params, "numericFilters": "created_at_i>=1420291682,created_at_i<1460931186"},
    ).json()
    assert [hit["objectID"] for hit in windowed["hits"]] == ["8830693"]


def test_hn_search_without_matches_is_an_empty_page(fake: FakeUpstreams) -> None:
    body = requests.get(f"{fake.hn_api_url}/search", params={"query": "arxiv.org", "tags": "story"}).json()
    assert (body["hits"], body["nbHits"], body["nbPages"], body["hitsPerPage"]) == ([], 0, 0, 20)


# ---------------------------------------------------------------------- Hugging Face


def test_hf_daily_papers_pages_one_date(fake: FakeUpstreams) -> None:
    recorded = _fixture_json("huggingface-daily-papers/sotawhat__hf_daily_papers.json")
    url = f"{fake.hf_api_url}/daily_papers"
    pages = [requests.get(url, params={"date": HF_DATE, "limit": 12, "p": p}).json() for p in range(3)]
    assert [len(page) for page in pages] == [12, 12, 6]
    assert [item["paper"]["id"] for page in pages for item in page] == [item["paper"]["id"] for item in recorded]
    assert requests.get(url, params={"date": "2021-06-01"}).json() == []
    assert len(requests.get(url, params={"date": HF_DATE}).json()) == 30  # default limit 50
    assert requests.get(url, params={"date": "June 1"}).status_code == 400


# ----------------------------------------------------------------------------- arXiv


def test_arxiv_query_returns_known_ids_in_order_ignoring_versions(fake: FakeUpstreams) -> None:
    ids = "2105.15203v2,0808.05394,2105.14103v1,astro-ph/0601001"
    response = requests.get(fake.arxiv_api_url, params={"id_list": ids, "max_results": 100})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    assert response.text.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns:opensearch=")

    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert feed.feed["opensearch_totalresults"] == "2"  # unknown ids are simply absent
    assert feed.feed["opensearch_startindex"] == "0"
    assert feed.feed["opensearch_itemsperpage"] == "100"
    assert [entry.id for entry in feed.entries] == [
        "http://arxiv.org/abs/2105.15203v1",
        "http://arxiv.org/abs/2105.14103v1",
    ]
    assert feed.entries[1].title == "An Attention Free Transformer"
    assert feed.entries[1].arxiv_primary_category["term"] == "cs.LG"


def test_arxiv_query_pages_with_start_and_max_results(fake: FakeUpstreams) -> None:
    ids = ",".join(["2105.14103", "2105.14372", "2105.14039", "2105.15075", "2105.14859"])
    feed = feedparser.parse(requests.get(fake.arxiv_api_url, params={"id_list": ids, "start": 3}).content)
    assert feed.feed["opensearch_totalresults"] == "5"
    assert feed.feed["opensearch_itemsperpage"] == "10"
    assert [entry.id for entry in feed.entries] == [
        "http://arxiv.org/abs/2105.15075v1",
        "http://arxiv.org/abs/2105.14859v1",
    ]


def test_arxiv_query_answers_a_malformed_id_with_the_real_error_feed(fake: FakeUpstreams) -> None:
    response = requests.get(fake.arxiv_api_url, params={"id_list": "2105.14103,abc", "max_results": 100})
    assert response.status_code == 400

    recorded = (FIXTURES / "arxiv-api/arxiv.py__error_id_abc_400.xml").read_text(encoding="utf-8")

    def without_clock(text: str) -> str:
        return re.sub(r"<updated>[^<]*</updated>", "<updated/>", text)

    assert without_clock(response.text) == without_clock(recorded)


# ----------------------------------------------------------- faults and bookkeeping


def test_injected_429_with_retry_after_is_served_then_normal_answers_resume(fake: FakeUpstreams) -> None:
    fake.inject("/x/2/tweets/search", 429, '{"title":"Too Many Requests"}', headers={"Retry-After": "7"}, times=2)

    answers = [_x_get(fake) for _ in range(3)]

    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "7"
    assert answers[0].json() == {"title": "Too Many Requests"}
    assert fake.count("/x/2/tweets/search/recent") == 3
    assert fake.count("/arxiv") == 0


def test_injected_fault_applies_only_to_its_prefix(fake: FakeUpstreams) -> None:
    fake.inject("/arxiv", 503, "Service Unavailable")
    assert requests.get(fake.arxiv_api_url.replace("/arxiv/", "/hf/"), params={}).status_code == 404
    assert requests.get(f"{fake.hf_api_url}/daily_papers", params={"date": HF_DATE}).status_code == 200
    unavailable = requests.get(fake.arxiv_api_url, params={"id_list": "2105.14103"})
    assert (unavailable.status_code, unavailable.text) == (503, "Service Unavailable")
    assert requests.get(fake.arxiv_api_url, params={"id_list": "2105.14103"}).status_code == 200


def test_requests_are_recorded_with_query_and_lowercased_headers(fake: FakeUpstreams) -> None:
    requests.get(fake.arxiv_api_url, params={"id_list": "2105.14103", "max_results": 5}, headers={"X-Probe": "1"})
    recorded = fake.requests[-1]
    assert (recorded.method, recorded.path) == ("GET", "/arxiv/api/query")
    assert recorded.query == {"id_list": "2105.14103", "max_results": "5"}
    assert recorded.headers["x-probe"] == "1"
    assert recorded.time > 0


def test_unknown_route_is_a_json_404(fake: FakeUpstreams) -> None:
    response = requests.get(f"{fake.url}/nowhere")
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


def test_env_points_every_upstream_setting_at_the_fake(fake: FakeUpstreams) -> None:
    env = fake.env()
    assert env == {
        "HOTPAPERS_X_API_URL": f"{fake.url}/x/2",
        "HOTPAPERS_BSKY_API_URL": f"{fake.url}/bsky/xrpc",
        "HOTPAPERS_HN_API_URL": f"{fake.url}/hn/api/v1",
        "HOTPAPERS_HF_API_URL": f"{fake.url}/hf/api",
        "HOTPAPERS_ARXIV_API_URL": f"{fake.url}/arxiv/api/query",
    }
    assert fake.url.startswith("http://127.0.0.1:")
    assert fake.credentials_env()["HOTPAPERS_X_BEARER_TOKEN"] == TOKEN
