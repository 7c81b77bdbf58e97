"""X API v2 tweets rebuilt from a post's embeds: snowflake times, X's escaping, and the split of the blog's totals."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, date, datetime
from typing import Any

from hotpapers.core.models import TextEntity
from hotpapers_local.fakes import UpstreamDataset
from hotpapers_local.sample.post import MEDIA_DISPLAY, SamplePaper, SampleTweet

__all__ = [
    "BLOG_MIN_SHOWN_SCORE",
    "HIDDEN_HANDLE",
    "TWITTER_EPOCH_MS",
    "allocate_metrics",
    "api_tweet",
    "escape_x_text",
    "hidden_tweet_metrics",
    "hidden_tweets",
    "snowflake_id",
    "snowflake_time",
    "stable_user_id",
    "x_search_page",
    "x_time",
]

# The blog embedded a paper's top tweet always, and any other tweet only if it scored this much.
BLOG_MIN_SHOWN_SCORE = 25

TWITTER_EPOCH_MS = 1288834974657
HIDDEN_HANDLE = "hotpapers_hidden"


def snowflake_time(status_id: str | int) -> datetime:
    """When a tweet was created, read from its snowflake id (ms since the Twitter epoch in the top bits)."""
    milliseconds = (int(status_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def snowflake_id(milliseconds: int, sequence: int = 0) -> str:
    """A snowflake id created at `milliseconds` (Unix ms): the time in the top bits, `sequence` in the low 22."""
    return str(((milliseconds - TWITTER_EPOCH_MS) << 22) | (sequence & 0x3FFFFF))


def x_time(moment: datetime) -> str:
    # X API v2 gives created_at to the second, always with ".000Z".
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def stable_user_id(handle: str) -> str:
    """A made-up but stable numeric X user id per handle (the post does not carry user ids)."""
    digest = int(hashlib.sha256(handle.lower().encode()).hexdigest(), 16)
    return str(10**17 + digest % (9 * 10**17))


def escape_x_text(text: str) -> tuple[str, list[int]]:
    """Plain text → (X API v2's `text`, for each plain offset 0..len(text) its offset in that text).

    The API escapes exactly `&`, `<` and `>` (as `&amp;`, `&lt;`, `&gt;`), and its entity
    offsets count code points of the text *as sent*, escapes included: that is what the
    recorded v2 payloads in tests/fixtures/twitter show.
    """
    escapes = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
    parts: list[str] = []
    offsets: list[int] = []
    length = 0
    for char in text:
        offsets.append(length)
        piece = escapes.get(char, char)
        parts.append(piece)
        length += len(piece)
    offsets.append(length)
    return "".join(parts), offsets


def allocate_metrics(retweets: int, likes: int, count: int) -> list[tuple[int, int]]:
    """Split a paper's (retweets, likes) totals over `count` tweets, the first tweet the highest scoring.

    Tweet i gets a harmonic share 1/(i+1) of each total (rounded down), a
    non-first tweet is topped up to the blog's display threshold of 25, and the
    first tweet takes the remainder. Raises ValueError if the invariants the
    blog implies cannot hold.
    """
    if count < 1:
        raise ValueError("a paper needs at least one tweet")
    weights = [1 / (i + 1) for i in range(count)]
    total_weight = sum(weights)
    others: list[tuple[int, int]] = []
    for weight in weights[1:]:
        share_rt = int(retweets * weight / total_weight)
        share_likes = int(likes * weight / total_weight)
        shortfall = BLOG_MIN_SHOWN_SCORE - (share_rt + share_likes)
        if shortfall > 0:
            share_likes += shortfall
        others.append((share_rt, share_likes))
    first = (retweets - sum(rt for rt, _ in others), likes - sum(lk for _, lk in others))
    split = [first, *others]

    if min(value for pair in split for value in pair) < 0:
        raise ValueError(f"cannot split {retweets}/{likes} over {count} tweets without negative counts")
    if any(rt + lk < BLOG_MIN_SHOWN_SCORE for rt, lk in others):
        raise ValueError("a non-first tweet scores under the blog's threshold")
    if any(rt + lk > sum(first) for rt, lk in others):
        raise ValueError("the first tweet must score highest")
    if sum(rt for rt, _ in split) != retweets or sum(lk for _, lk in split) != likes:
        raise ValueError("split does not add up to the totals")
    return split


def hidden_tweet_metrics(retweets: int, likes: int) -> list[tuple[int, int]]:
    """Split a paper's totals over as few tweets as keep each under the blog's display threshold.

    For a paper the post lists without any embedded tweet: its tweets all scored under 25, and
    the blog's code then skipped even the top one (see test_golden_posts.py). The split is as
    even as whole numbers allow, the larger shares first; every share scores at most 23.
    """
    count = max(1, math.ceil((retweets + likes) / (BLOG_MIN_SHOWN_SCORE - 3)))
    split = [(retweets // count + (i < retweets % count), likes // count + (i < likes % count)) for i in range(count)]
    assert all(rt + lk < BLOG_MIN_SHOWN_SCORE for rt, lk in split)
    return split


def hidden_tweets(day: date, paper: SamplePaper) -> tuple[SampleTweet, ...]:
    count = len(hidden_tweet_metrics(paper.retweets, paper.favorites))
    noon_ms = int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000) + 12 * 3_600_000
    tweets = []
    for i in range(count):
        created_ms = noon_ms + (paper.rank * 100 + i) * 1000
        status_id = snowflake_id(created_ms)
        short = "https://t.co/" + hashlib.sha256(f"{paper.arxiv_id}/{i}".encode()).hexdigest()[:10]
        text = f"{paper.title} {short}"
        tweets.append(
            SampleTweet(
                status_id=status_id,
                handle=HIDDEN_HANDLE,
                author_name="Hidden tweet (stand-in)",
                text=text,
                lang="en",
                entities=(TextEntity("url", len(text) - len(short), len(text), url=short),),
            )
        )
    return tuple(tweets)


def api_tweet(arxiv_id: str, tweet: SampleTweet, user_id: str, retweets: int, likes: int) -> dict[str, Any]:
    """The API v2 tweet object: escaped text, entities by offsets into it, the paper's link expanded.

    The first t.co link that is not a media link leads to the paper's abs page. Where the
    other links led is unknown: they "expand" to themselves. Media links expand to the
    tweet's photo page, as X's do.
    """
    api_text, offsets = escape_x_text(tweet.text)
    urls: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    hashtags: list[dict[str, Any]] = []
    paper_linked = False
    for entity in tweet.entities:
        span = {"start": offsets[entity.start], "end": offsets[entity.end]}
        if entity.kind == "url" and entity.url:
            if entity.display_url and entity.display_url.startswith(MEDIA_DISPLAY):
                display = entity.display_url
                expanded = f"https://twitter.com/{tweet.handle}/status/{tweet.status_id}/photo/1"
            elif not paper_linked:
                expanded, display = f"https://arxiv.org/abs/{arxiv_id}", f"arxiv.org/abs/{arxiv_id}"
                paper_linked = True
            else:
                expanded, display = entity.url, entity.url.removeprefix("https://")
            urls.append({**span, "url": entity.url, "expanded_url": expanded, "display_url": display})
        elif entity.kind == "mention" and entity.username:
            mentions.append({**span, "username": entity.username})
        elif entity.kind == "hashtag" and entity.tag:
            hashtags.append({**span, "tag": entity.tag})
    if not paper_linked:  # no visible link: the tweet still linked the paper; give it a stand-in entity
        short = "https://t.co/" + hashlib.sha256(tweet.status_id.encode()).hexdigest()[:10]
        end = len(api_text)
        urls.insert(
            0,
            {
                "start": end,
                "end": end,
                "url": short,
                "expanded_url": f"https://arxiv.org/abs/{arxiv_id}",
                "display_url": f"arxiv.org/abs/{arxiv_id}",
            },
        )
    entities: dict[str, Any] = {"urls": urls}
    if mentions:
        entities["mentions"] = mentions
    if hashtags:
        entities["hashtags"] = hashtags
    return {
        "id": tweet.status_id,
        "text": api_text,
        "author_id": user_id,
        "created_at": x_time(snowflake_time(tweet.status_id)),
        "lang": tweet.lang,
        "public_metrics": {"retweet_count": retweets, "reply_count": 0, "like_count": likes, "quote_count": 0},
        "entities": entities,
    }


def x_search_page(dataset: UpstreamDataset) -> dict[str, Any]:
    """All of the dataset's tweets as one X API v2 search page (newest first, authors expanded)."""
    tweets = sorted(dataset.x_tweets, key=lambda tweet: (tweet["created_at"], int(tweet["id"])), reverse=True)
    if not tweets:
        return {"meta": {"result_count": 0}}
    return {
        "data": tweets,
        "includes": {"users": list(dataset.x_users)},
        "meta": {"newest_id": tweets[0]["id"], "oldest_id": tweets[-1]["id"], "result_count": len(tweets)},
    }
