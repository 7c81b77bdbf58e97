"""The digest of one day: ranked papers with their engagement and top posts.

One `Digest` is what the publisher stores in DynamoDB (one item, read by the
API in one request), renders into the site, and exports as Markdown and JSON.
Its JSON form (`to_dict`) is the API's digest document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class TextEntity:
    """A span of a post's text that links somewhere: a URL, a mentioned account or a hashtag.

    `start`/`end` count Unicode code points of the post's (unescaped) text, as
    X API v2 entities do. Renderers turn spans into links; everything else is
    escaped text.
    """

    kind: str  # url | mention | hashtag
    start: int
    end: int
    url: str | None = None  # url: the short link as it appears in the text (t.co)
    expanded_url: str | None = None  # url: where it leads
    display_url: str | None = None  # url: what X shows (pic.twitter.com/… for media)
    username: str | None = None  # mention
    tag: str | None = None  # hashtag

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TextEntity":
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


@dataclass(frozen=True)
class TopPost:
    source: str
    post_id: str
    url: str
    author_name: str
    author_handle: str
    text: str
    created_at: datetime
    kind: str
    metrics: dict[str, int]
    score: int  # the post's weighted score
    lang: str | None = None
    entities: tuple[TextEntity, ...] = ()


@dataclass(frozen=True)
class RankedPaper:
    rank: int
    arxiv_id: str
    version: int
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # primary first
    abstract: str
    abs_url: str
    pdf_url: str
    published: datetime
    score: int
    # Per source: {"posts": n, <metric>: sum, …, "score": weighted points}; e.g. for x:
    # {"posts": 3, "retweets": 120, "likes": 800, "quotes": 4, "replies": 9, "score": 920}
    engagement: dict[str, dict[str, int]]
    top_posts: tuple[TopPost, ...]
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None


@dataclass(frozen=True)
class RankingConfig:
    """The blog's rules by default: score ≥ 50 to enter, 10 top posts, others shown at ≥ 25."""

    min_score: int = 50
    top_posts: int = 10
    top_post_min_score: int = 25
    weights: dict[str, float] = field(
        default_factory=lambda: {"x": 1.0, "bluesky": 1.0, "hackernews": 1.0, "huggingface": 1.0}
    )


@dataclass(frozen=True)
class Digest:
    day: date
    # The data's own "as of" time: the newest engagement observation behind the digest.
    # No wall-clock time goes into a digest, so the same data renders byte-identical pages.
    as_of: datetime | None
    papers: tuple[RankedPaper, ...]
    candidates: int  # papers mentioned that day, before the threshold
    config: RankingConfig = field(default_factory=RankingConfig)


@dataclass(frozen=True)
class SummaryPaper:
    rank: int
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    score: int


@dataclass(frozen=True)
class DigestSummary:
    """A small copy of a digest for the archive, category pages, feed and the API's day list.

    The publisher stores one per day beside the full digest, so rebuilding the
    archive reads summaries only (a few KB a day), never every full digest.
    """

    day: date
    as_of: datetime | None
    candidates: int
    papers: tuple[SummaryPaper, ...]

    @classmethod
    def of(cls, digest: Digest) -> "DigestSummary":
        return cls(
            day=digest.day,
            as_of=digest.as_of,
            candidates=digest.candidates,
            papers=tuple(
                SummaryPaper(p.rank, p.arxiv_id, p.title, p.authors, p.categories, p.score) for p in digest.papers
            ),
        )
