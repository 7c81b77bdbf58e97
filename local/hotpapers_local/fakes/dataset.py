"""`UpstreamDataset`: what the fake upstreams serve, each item in its upstream's own wire format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["UpstreamDataset"]


@dataclass
class UpstreamDataset:
    """What the fake upstreams know: the posts of each source and the arXiv metadata.

    Each item is in its upstream's own wire format, so the fake can serve it
    unchanged:

    - `x_tweets`: X API v2 tweet objects (`id`, `text`, `author_id`,
      `created_at`, `public_metrics`, `entities`, optional `referenced_tweets`);
      `x_users`: `{id, name, username}` for the authors.
    - `bsky_posts`: Bluesky `PostView` dicts as `app.bsky.feed.searchPosts` returns them.
    - `hn_hits`: Algolia Hacker News hit dicts.
    - `hf_daily`: `YYYY-MM-DD` → the Hugging Face `daily_papers` items of that date.
    - `arxiv_entries`: version-less arXiv id → one Atom `<entry>…</entry>` string
      in arXiv's 2026 serialisation (see `render_arxiv_entry`).
    """

    x_tweets: list[dict[str, Any]] = field(default_factory=list)
    x_users: list[dict[str, Any]] = field(default_factory=list)
    bsky_posts: list[dict[str, Any]] = field(default_factory=list)
    hn_hits: list[dict[str, Any]] = field(default_factory=list)
    hf_daily: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    arxiv_entries: dict[str, str] = field(default_factory=dict)
