"""The digest of one day: ranked papers with their engagement and top posts.

One `Digest` is what the publisher stores in DynamoDB (one item, read by the
API in one request), renders into the site, and exports as Markdown and JSON.
Its JSON form (`to_dict`) is the API's digest document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import ClassVar

from hotpapers.core.json_codec import JsonModel, iso_time, json_field, parse_time
from hotpapers.core.models import Paper, PaperHeadline, TextEntity

__all__ = [
    "Digest",
    "DigestSummary",
    "RankedPaper",
    "RankingConfig",
    "SummaryPaper",
    "TextEntity",
    "TopPost",
    "iso_time",
    "parse_time",
]


@dataclass(frozen=True)
class TopPost(JsonModel):
    source: str
    post_id: str
    url: str
    author_name: str
    author_handle: str
    text: str  # plain (unescaped) text; renderers escape it
    created_at: datetime
    kind: str
    metrics: dict[str, int]
    score: int  # the post's weighted score
    lang: str | None = None
    entities: tuple[TextEntity, ...] = ()


@dataclass(frozen=True)
class RankedPaper(JsonModel):
    """A paper as a day's digest lists it: the stored `Paper` with its rank, score and posts.

    The paper's fields are written inline, among the ranking's own keys (`JSON_KEYS`), as the
    digest documents always had them; code reaches them through `paper` (`ranked.paper.title`),
    so each field has one home. `updated` is left out: the documents never carried it, so a
    paper read back from a digest has `updated=None`, and the ranking drops it to match.
    """

    JSON_KEYS: ClassVar[tuple[str, ...] | None] = (
        "rank", "arxiv_id", "version", "title", "authors", "categories", "primary_category", "abstract", "abs_url",
        "pdf_url", "published", "score", "engagement", "top_posts", "as_of", "comment", "journal_ref", "doi",
    )  # fmt: skip

    rank: int
    paper: Paper = field(metadata=json_field(inline=True, leave_out=("updated",)))
    score: int
    # Per source: {"posts": n, <metric>: sum, …, "score": weighted points}; e.g. for x:
    # {"posts": 3, "retweets": 120, "likes": 800, "quotes": 4, "replies": 9, "score": 920}
    engagement: dict[str, dict[str, int]]
    top_posts: tuple[TopPost, ...]
    # The newest observation of the paper's posts: the moment its counts are as of.
    as_of: datetime | None = None


DEFAULT_WEIGHTS = {"x": 1.0, "bluesky": 1.0, "hackernews": 1.0, "huggingface": 1.0}


@dataclass(frozen=True)
class RankingConfig(JsonModel):
    """The blog's rules by default: score ≥ 50 to enter, 10 top posts, others shown at ≥ 25.

    A source missing from `weights` weighs 1.0.
    """

    min_score: int = 50
    top_posts: int = 10
    top_post_min_score: int = 25
    # Written sorted by source, so the same weights give the same document whatever their order.
    weights: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS), metadata=json_field(sort_keys=True)
    )

    def weight(self, source: str) -> float:
        return self.weights.get(source, 1.0)


@dataclass(frozen=True)
class Digest(JsonModel):
    """The API's digest document and `digests/D.json` (`to_dict`): keys in a fixed order."""

    JSON_KEYS: ClassVar[tuple[str, ...] | None] = ("day", "as_of", "candidates", "config", "papers")

    day: date
    # The data's own "as of" time: the newest engagement observation behind the digest.
    # No wall-clock time goes into a digest, so the same data renders byte-identical pages.
    as_of: datetime | None
    papers: tuple[RankedPaper, ...]
    candidates: int  # papers mentioned that day, before the threshold
    config: RankingConfig = field(default_factory=RankingConfig)

    @cached_property
    def document(self) -> bytes:
        """`to_dict` as compact UTF-8 JSON: the stored digest and `digests/D.json` are these bytes.

        Cached because both the store and the export need it; a five-year rebuild would
        otherwise encode every digest twice. (A frozen dataclass is immutable, so the
        cache cannot go stale; cached_property writes the instance __dict__ directly.)
        """
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class SummaryPaper(JsonModel):
    """A paper as a digest's summary lists it: its headline (written inline), rank and score."""

    rank: int
    paper: PaperHeadline = field(metadata=json_field(inline=True))
    score: int


@dataclass(frozen=True)
class DigestSummary(JsonModel):
    """A small copy of a digest for the archive, category pages, feed and the API's day list.

    The publisher stores one per day beside the full digest, so rebuilding the
    archive reads summaries only (a few KB a day), never every full digest.
    """

    day: date
    as_of: datetime | None
    candidates: int
    papers: tuple[SummaryPaper, ...]

    @classmethod
    def of(cls, digest: Digest) -> DigestSummary:
        return cls(
            day=digest.day,
            as_of=digest.as_of,
            candidates=digest.candidates,
            papers=tuple(SummaryPaper(p.rank, p.paper.headline, p.score) for p in digest.papers),
        )
