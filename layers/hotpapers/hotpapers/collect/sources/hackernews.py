"""Hacker News via Algolia: stories of one UTC day whose link is an arXiv paper."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from hotpapers.collect.sources.base import SourceError, get_json, is_count, parse_rfc3339, text_or_empty
from hotpapers.core.arxiv_ids import ref_from_url
from hotpapers.core.http import HttpClient
from hotpapers.core.models import ArxivRef, Post, day_window

PAGE_SIZE = 100
_ITEM_ID = re.compile(r"[0-9]{1,20}")
ALGOLIA_REACHABLE_HITS = 1000  # Algolia's paginationLimitedTo for the HN index


class HackerNewsSource:
    name = "hackernews"

    def __init__(self, http: HttpClient, base_url: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.skipped = 0

    def fetch_day(self, day: date) -> Iterator[Post]:
        start, end = day_window(day)
        window_start, window_end = int(start.timestamp()), int(end.timestamp())
        seen: set[str] = set()
        params: dict[str, Any] = {
            "query": "arxiv.org",
            "tags": "story",
            # Match the submitted link only, not titles or text that merely mention arXiv.
            "restrictSearchableAttributes": "url",
            "hitsPerPage": PAGE_SIZE,
        }
        while True:
            params["numericFilters"] = f"created_at_i>={window_start},created_at_i<{window_end}"
            oldest = window_end
            previous_ids: list[Any] = []
            for page in range(ALGOLIA_REACHABLE_HITS // PAGE_SIZE):
                params["page"] = page
                body = get_json(
                    self.http, f"{self.base_url}/search_by_date", params, source="hackernews", what="search"
                )
                posts, nb_pages, skipped = parse_hn_page(body)
                # A page that repeats the previous one means the real page was never served: going on
                # would drop its stories silently (and, with `nbPages` still ahead, page the same hits
                # ten times, then blame "more than 1,000 stories in one second").
                ids = [hit.get("objectID") for hit in body["hits"] if isinstance(hit, dict)]
                if page > 0 and ids and ids == previous_ids:
                    raise SourceError(f"hackernews: search repeated a page (page {page} holds page {page - 1}'s hits)")
                previous_ids = ids
                self.skipped += skipped
                for post in posts:
                    if post.post_id not in seen:  # the next window repeats the oldest second
                        seen.add(post.post_id)
                        yield post
                oldest = min([oldest, *_hit_times(body["hits"])])
                if not body["hits"]:
                    return
                if page + 1 >= nb_pages:  # the last page Algolia serves for this window
                    if _hit_count(body) <= (page + 1) * PAGE_SIZE:
                        return
                    break
            # Algolia pages through at most 1,000 hits of one query. search_by_date is newest
            # first, so the rest of the day lies before the oldest hit seen: go on from there.
            if oldest + 1 >= window_end:
                raise SourceError("hackernews: more than 1,000 stories in one second; cannot page further")
            window_end = oldest + 1


def _hit_count(body: dict[str, Any]) -> int:
    count = body.get("nbHits")
    return count if is_count(count) else 0


def _hit_times(hits: list[Any]) -> list[int]:
    return [hit["created_at_i"] for hit in hits if isinstance(hit, dict) and is_count(hit.get("created_at_i"))]


def parse_hn_page(body: Any) -> tuple[list[Post], int, int]:
    """One Algolia search page → (stories linking arXiv, nbPages, malformed hits skipped).

    Stories whose URL is not an arXiv paper are left out without being counted.
    Every submission is its own post, even when several link the same paper
    under URL variants: each drew its own points and comments.
    """
    if not isinstance(body, dict):
        raise SourceError(f"hackernews: page is a {type(body).__name__}, not a JSON object")
    hits, nb_pages = body.get("hits"), body.get("nbPages")
    if not isinstance(hits, list):
        raise SourceError(f"hackernews: page 'hits' is a {type(hits).__name__}, not a list")
    if not isinstance(nb_pages, int) or isinstance(nb_pages, bool):
        raise SourceError(f"hackernews: page 'nbPages' is {nb_pages!r}, not an integer")
    posts: list[Post] = []
    skipped = 0
    for hit in hits:
        if not isinstance(hit, dict):
            skipped += 1
            continue
        url = hit.get("url")
        ref = ref_from_url(url) if isinstance(url, str) else None
        if ref is None:
            continue  # Ask HN (no url) or a link elsewhere
        post = _parse_hit(hit, ref)
        if post is None:
            skipped += 1
        else:
            posts.append(post)
    return posts, nb_pages, skipped


def _parse_hit(hit: dict[str, Any], paper: ArxivRef) -> Post | None:
    object_id, points, comments = hit.get("objectID"), hit.get("points"), hit.get("num_comments")
    if comments is None:  # Algolia sends null for a story nobody has commented on
        comments = 0
    created_at = _created_at(hit)
    # The id goes into the post's URL: HN item ids are numbers, anything else is a malformed hit.
    if not isinstance(object_id, str) or not _ITEM_ID.fullmatch(object_id) or created_at is None:
        return None
    if not is_count(points) or not is_count(comments):
        return None
    author = text_or_empty(hit.get("author"))
    title = text_or_empty(hit.get("title"))
    return Post(
        source="hackernews",
        post_id=object_id,
        url=f"https://news.ycombinator.com/item?id={object_id}",
        author_name=author,
        author_handle=author,
        text=title,
        created_at=created_at,
        metrics={"points": points, "comments": comments},
        papers=(paper,),
        kind="story",
    )


def _created_at(hit: dict[str, Any]) -> datetime | None:
    """The Unix seconds Algolia filters on, else the ISO string beside it."""
    seconds = hit.get("created_at_i")
    if isinstance(seconds, int) and not isinstance(seconds, bool):
        return datetime.fromtimestamp(seconds, tz=UTC)
    return parse_rfc3339(hit.get("created_at"))
