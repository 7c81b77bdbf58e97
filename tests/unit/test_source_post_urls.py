"""A post's URL is built only from well-formed ids, usernames and handles (hostile upstream values aside).

The end-to-end proof, through the site in Chromium, is tests/reliability/test_hostile_text.py;
these pin each source's rule on one page of its own wire format.
"""

from __future__ import annotations

from typing import Any

import pytest

from hotpapers.collect.sources.bluesky import parse_bsky_page
from hotpapers.collect.sources.hackernews import parse_hn_page
from hotpapers.collect.sources.x import parse_x_page

pytestmark = pytest.mark.unit

ABS = "https://arxiv.org/abs/2106.00001"
HOSTILE = ['"><img src=x onerror=alert(1)>', "javascript:alert(1)", "a b", "", "ünïcode"]


def x_page(tweet_id: str, username: str) -> dict[str, Any]:
    text = "paper https://t.co/abc"
    return {
        "data": [
            {
                "id": tweet_id,
                "text": text,
                "author_id": "7",
                "created_at": "2021-06-01T09:00:00.000Z",
                "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 2, "quote_count": 0},
                "entities": {"urls": [{"start": 6, "end": 22, "url": "https://t.co/abc", "expanded_url": ABS}]},
            }
        ],
        "includes": {"users": [{"id": "7", "name": "N", "username": username}]},
        "meta": {"result_count": 1},
    }


@pytest.mark.parametrize("username", HOSTILE)
def test_x_links_by_status_id_when_the_username_is_not_one(username: str) -> None:
    (post,), _, skipped = parse_x_page(x_page("1399667033502646274", username))
    assert post.url == "https://x.com/i/web/status/1399667033502646274" and skipped == 0
    assert post.author_handle == username  # still shown (escaped) as the page's text


def test_x_links_by_username_when_it_is_one_and_skips_a_non_numeric_id() -> None:
    (post,), _, _ = parse_x_page(x_page("1399667033502646274", "ak92501"))
    assert post.url == "https://x.com/ak92501/status/1399667033502646274"
    posts, _, skipped = parse_x_page(x_page('1"><script>alert(1)</script>', "ak92501"))
    assert posts == [] and skipped == 1


def bsky_page(uri: str, handle: str) -> dict[str, Any]:
    return {
        "posts": [
            {
                "uri": uri,
                "author": {"did": "did:plc:abc", "handle": handle},
                "record": {"createdAt": "2021-06-01T12:00:00.000Z", "text": f"see {ABS}"},
                "likeCount": 3,
            }
        ]
    }


@pytest.mark.parametrize("handle", ['"><img src=x onerror=alert(1)>', "javascript:alert(1)", "a b", "x", "ünïcode"])
def test_bluesky_links_by_did_when_the_handle_is_not_a_domain_name(handle: str) -> None:
    (post,), _, skipped = parse_bsky_page(bsky_page("at://did:plc:abc/app.bsky.feed.post/3kabc22a", handle))
    assert post.url == "https://bsky.app/profile/did:plc:abc/post/3kabc22a" and skipped == 0
    assert post.author_handle == handle


def test_bluesky_links_by_handle_and_skips_a_malformed_at_uri() -> None:
    (post,), _, _ = parse_bsky_page(bsky_page("at://did:plc:abc/app.bsky.feed.post/3kabc22a", "alice.bsky.social"))
    assert post.url == "https://bsky.app/profile/alice.bsky.social/post/3kabc22a"
    for uri in (
        'at://did:plc:abc/app.bsky.feed.post/3k"><script>alert(1)</script>',
        "at://did:plc:abc/app.bsky.feed.like/3kabc22a",
        "at://alice.bsky.social/app.bsky.feed.post/3kabc22a",
        "at://did:plc:abc/app.bsky.feed.post/",
    ):
        posts, _, skipped = parse_bsky_page(bsky_page(uri, "alice.bsky.social"))
        assert posts == [] and skipped == 1, uri


def test_hacker_news_skips_a_non_numeric_object_id() -> None:
    def hit(object_id: str) -> dict[str, Any]:
        return {"objectID": object_id, "url": ABS, "points": 5, "num_comments": 1, "created_at_i": 1622548800}

    posts, _, skipped = parse_hn_page({"hits": [hit("27000001"), hit('2"><script>alert(1)</script>')], "nbPages": 1})
    assert [post.url for post in posts] == ["https://news.ycombinator.com/item?id=27000001"] and skipped == 1
