"""The bundled sample day: the X tweets, X users and arXiv entries a Hot Papers post was made from.

`load_sample_dataset()` rebuilds what the upstreams would have answered for
2021-06-01 from the blog's real post of that day (local/data/2021-06-01---Hot-Papers.md):
the real papers, titles, authors, abstracts and categories, and the real tweets
the blog embedded, with their language, text and entities read back from the
embeds. What the post does not carry is synthesized deterministically and
documented in local/data/PROVENANCE.md: arXiv versions and timestamps, X author ids,
the expansions of links other than the paper's, and the split of the blog's
per-paper totals over the individual tweets (see `sample.tweets`).

The same builders rebuild the input of any Hot Papers post (`parse_post`,
`dataset_from_post`, `x_search_page`, `arxiv_feed`): the golden tests use them on
the ten reference posts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hotpapers_local.fakes import UpstreamDataset, render_arxiv_entry
from hotpapers_local.fakes.arxiv import FEED_OPEN
from hotpapers_local.sample.post import HotPapersPost, load_sample_post
from hotpapers_local.sample.tweets import (
    allocate_metrics,
    api_tweet,
    hidden_tweet_metrics,
    hidden_tweets,
    stable_user_id,
)

__all__ = ["arxiv_feed", "dataset_from_post", "load_sample_dataset"]

# The post does not carry arXiv timestamps or versions; these stand in for them (see PROVENANCE.md):
# 17:00Z on the eve of the post's day, version 1.
SAMPLE_PUBLISHED = "2021-05-31T17:00:00Z"
SAMPLE_VERSION = 1


def load_sample_dataset() -> UpstreamDataset:
    """What the upstreams would answer for `SAMPLE_DAY`, rebuilt from the blog's real post.

    X and arXiv carry the post's real content; Bluesky, Hacker News and
    Hugging Face have no data for that day (Bluesky did not exist yet and HF
    daily papers began in 2023), so the fakes answer them with empty results.
    """
    return dataset_from_post(load_sample_post())


def dataset_from_post(post: HotPapersPost) -> UpstreamDataset:
    """The X tweets, X users and arXiv entries a Hot Papers post was made from, as far as it shows them.

    Each paper gets its arXiv entry and one API v2 tweet per embedded tweet, the paper's
    totals split over them by `allocate_metrics`. A paper the post lists without any tweet
    gets stand-in tweets instead (`hidden_tweet_metrics`), authored by `@hotpapers_hidden`.
    """
    dataset = UpstreamDataset()
    users: dict[str, dict[str, Any]] = {}
    published = (datetime.combine(post.day, datetime.min.time(), UTC) - timedelta(hours=7)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    for paper in post.papers:
        dataset.arxiv_entries[paper.arxiv_id] = render_arxiv_entry(
            paper.arxiv_id,
            version=SAMPLE_VERSION,
            title=paper.title,
            summary=paper.abstract,
            authors=paper.authors,
            categories=paper.categories,
            published=published,
            updated=published,
        )
        tweets = paper.tweets or hidden_tweets(post.day, paper)
        metrics = (
            allocate_metrics(paper.retweets, paper.favorites, len(paper.tweets))
            if paper.tweets
            else hidden_tweet_metrics(paper.retweets, paper.favorites)
        )
        for tweet, (retweet_count, like_count) in zip(tweets, metrics, strict=True):
            user_id = stable_user_id(tweet.handle)
            users.setdefault(user_id, {"id": user_id, "name": tweet.author_name, "username": tweet.handle})
            dataset.x_tweets.append(api_tweet(paper.arxiv_id, tweet, user_id, retweet_count, like_count))
    dataset.x_users = list(users.values())
    return dataset


def arxiv_feed(entries: list[str]) -> str:
    """arXiv API entries (`render_arxiv_entry`) wrapped into a whole Atom response body."""
    return (
        FEED_OPEN + "  <id>https://arxiv.org/api/hotpapers-sample</id>\n"
        "  <title>arXiv Query: hotpapers sample</title>\n"
        f"  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>\n"
        + "".join(f"  {entry}\n" for entry in entries)
        + "</feed>\n"
    )
