"""Hugging Face daily papers: each paper on a day's list counts as one post about it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from hotpapers.collect.sources.base import SourceError, get_json, is_count, parse_rfc3339
from hotpapers.core.arxiv_ids import normalize_id
from hotpapers.core.http import HttpClient
from hotpapers.core.models import Post

PAGE_SIZE = 100
# Guards against an API that ignores `p` and serves the same full page forever.
MAX_PAGES = 20


class HuggingFaceSource:
    name = "huggingface"

    def __init__(self, http: HttpClient, base_url: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.skipped = 0

    def fetch_day(self, day: date) -> Iterator[Post]:
        seen: set[str] = set()
        for page in range(MAX_PAGES):
            params = {"date": day.isoformat(), "limit": PAGE_SIZE, "p": page}
            body = get_json(
                self.http, f"{self.base_url}/daily_papers", params, source="huggingface", what="daily_papers"
            )
            posts, skipped = parse_hf_page(body, day)
            self.skipped += skipped
            fresh = [post for post in posts if post.post_id not in seen]
            seen.update(post.post_id for post in fresh)
            yield from fresh
            if len(body) < PAGE_SIZE or not fresh:
                return
        raise SourceError(f"huggingface: daily_papers still had full pages after {MAX_PAGES} pages")


def parse_hf_page(body: Any, day: date) -> tuple[list[Post], int]:
    """One daily_papers page (a JSON array) → (posts, malformed items skipped).

    An item whose paper id is not an arXiv id is counted as skipped: on this
    list every item is meant to be an arXiv paper.
    """
    if not isinstance(body, list):
        raise SourceError(f"huggingface: page is a {type(body).__name__}, not a JSON array")
    posts: list[Post] = []
    skipped = 0
    for item in body:
        post = _parse_item(item, day)
        if post is None:
            skipped += 1
        else:
            posts.append(post)
    return posts, skipped


def _parse_item(item: Any, day: date) -> Post | None:
    paper = item.get("paper") if isinstance(item, dict) else None
    if not isinstance(paper, dict) or not isinstance(paper.get("id"), str):
        return None
    ref = normalize_id(paper["id"])
    # The list's own time; the paper's arXiv date is the fallback for older payloads.
    created_at = parse_rfc3339(item.get("publishedAt")) or parse_rfc3339(paper.get("publishedAt"))
    upvotes, comments = paper.get("upvotes"), item.get("numComments", 0)
    if ref is None or created_at is None or not is_count(upvotes) or not is_count(comments):
        return None
    title = item.get("title") if isinstance(item.get("title"), str) else paper.get("title")
    submitter = item.get("submittedBy") if isinstance(item.get("submittedBy"), dict) else {}
    fullname, username = submitter.get("fullname"), submitter.get("name")
    return Post(
        source="huggingface",
        post_id=f"{day.isoformat()}/{ref.arxiv_id}",
        url=f"https://huggingface.co/papers/{ref.arxiv_id}",
        author_name=fullname if isinstance(fullname, str) else "",
        author_handle=username if isinstance(username, str) else "",
        # Older responses keep arXiv's hard wraps ("\n  ") inside titles.
        text=" ".join(title.split()) if isinstance(title, str) else "",
        created_at=created_at,
        metrics={"upvotes": upvotes, "comments": comments},
        papers=(ref,),
        kind="daily-paper",
    )
