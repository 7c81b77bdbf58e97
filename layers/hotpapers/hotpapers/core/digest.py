"""The digest of one day: ranked papers with their engagement and top posts.

One `Digest` is what the publisher stores in DynamoDB (one item, read by the
API in one request), renders into the site, and exports as Markdown and JSON.
Its JSON form (`to_dict`) is the API's digest document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from hotpapers.core.models import TextEntity

__all__ = [
    "Digest",
    "DigestSummary",
    "RankedPaper",
    "RankingConfig",
    "SummaryPaper",
    "TextEntity",
    "TopPost",
]


def iso_time(moment: datetime) -> str:
    """A time as the JSON documents carry it: ISO 8601 in UTC with a `Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _optional_time(value: str | None) -> datetime | None:
    return parse_time(value) if value is not None else None


@dataclass(frozen=True)
class TopPost:
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "post_id": self.post_id,
            "url": self.url,
            "author_name": self.author_name,
            "author_handle": self.author_handle,
            "text": self.text,
            "created_at": iso_time(self.created_at),
            "kind": self.kind,
            "metrics": dict(self.metrics),
            "score": self.score,
            "lang": self.lang,
            "entities": [entity.to_dict() for entity in self.entities],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TopPost:
        return cls(
            source=data["source"],
            post_id=data["post_id"],
            url=data["url"],
            author_name=data["author_name"],
            author_handle=data["author_handle"],
            text=data["text"],
            created_at=parse_time(data["created_at"]),
            kind=data["kind"],
            metrics={name: int(value) for name, value in data["metrics"].items()},
            score=int(data["score"]),
            lang=data.get("lang"),
            entities=tuple(TextEntity.from_dict(entity) for entity in data.get("entities", [])),
        )


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
    # The newest observation of the paper's posts: the moment its counts are as of.
    as_of: datetime | None = None

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "arxiv_id": self.arxiv_id,
            "version": self.version,
            "title": self.title,
            "authors": list(self.authors),
            "categories": list(self.categories),
            "primary_category": self.primary_category,
            "abstract": self.abstract,
            "abs_url": self.abs_url,
            "pdf_url": self.pdf_url,
            "published": iso_time(self.published),
            "score": self.score,
            "engagement": {source: dict(counts) for source, counts in self.engagement.items()},
            "top_posts": [post.to_dict() for post in self.top_posts],
            "as_of": iso_time(self.as_of) if self.as_of is not None else None,
            "comment": self.comment,
            "journal_ref": self.journal_ref,
            "doi": self.doi,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RankedPaper:
        return cls(
            rank=int(data["rank"]),
            arxiv_id=data["arxiv_id"],
            version=int(data["version"]),
            title=data["title"],
            authors=tuple(data["authors"]),
            categories=tuple(data["categories"]),
            abstract=data["abstract"],
            abs_url=data["abs_url"],
            pdf_url=data["pdf_url"],
            published=parse_time(data["published"]),
            score=int(data["score"]),
            engagement={
                source: {name: int(value) for name, value in counts.items()}
                for source, counts in data["engagement"].items()
            },
            top_posts=tuple(TopPost.from_dict(post) for post in data["top_posts"]),
            comment=data.get("comment"),
            journal_ref=data.get("journal_ref"),
            doi=data.get("doi"),
            as_of=_optional_time(data.get("as_of")),
        )


DEFAULT_WEIGHTS = {"x": 1.0, "bluesky": 1.0, "hackernews": 1.0, "huggingface": 1.0}


@dataclass(frozen=True)
class RankingConfig:
    """The blog's rules by default: score ≥ 50 to enter, 10 top posts, others shown at ≥ 25.

    A source missing from `weights` weighs 1.0.
    """

    min_score: int = 50
    top_posts: int = 10
    top_post_min_score: int = 25
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def weight(self, source: str) -> float:
        return self.weights.get(source, 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_score": self.min_score,
            "top_posts": self.top_posts,
            "top_post_min_score": self.top_post_min_score,
            "weights": {source: float(self.weights[source]) for source in sorted(self.weights)},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RankingConfig:
        return cls(
            min_score=int(data["min_score"]),
            top_posts=int(data["top_posts"]),
            top_post_min_score=int(data["top_post_min_score"]),
            weights={source: float(weight) for source, weight in data["weights"].items()},
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

    def to_dict(self) -> dict[str, Any]:
        """The API's digest document and `digests/D.json`: JSON-safe, keys in a fixed order."""
        return {
            "day": self.day.isoformat(),
            "as_of": iso_time(self.as_of) if self.as_of is not None else None,
            "candidates": self.candidates,
            "config": self.config.to_dict(),
            "papers": [paper.to_dict() for paper in self.papers],
        }

    @cached_property
    def document(self) -> bytes:
        """`to_dict` as compact UTF-8 JSON: the stored digest and `digests/D.json` are these bytes.

        Cached because both the store and the export need it; a five-year rebuild would
        otherwise encode every digest twice. (A frozen dataclass is immutable, so the
        cache cannot go stale; cached_property writes the instance __dict__ directly.)
        """
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Digest:
        return cls(
            day=date.fromisoformat(data["day"]),
            as_of=_optional_time(data.get("as_of")),
            papers=tuple(RankedPaper.from_dict(paper) for paper in data["papers"]),
            candidates=int(data["candidates"]),
            config=RankingConfig.from_dict(data["config"]) if "config" in data else RankingConfig(),
        )


@dataclass(frozen=True)
class SummaryPaper:
    rank: int
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    score: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "arxiv_id": self.arxiv_id,
            "title": self.title,
            "authors": list(self.authors),
            "categories": list(self.categories),
            "score": self.score,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SummaryPaper:
        return cls(
            rank=int(data["rank"]),
            arxiv_id=data["arxiv_id"],
            title=data["title"],
            authors=tuple(data["authors"]),
            categories=tuple(data["categories"]),
            score=int(data["score"]),
        )


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
    def of(cls, digest: Digest) -> DigestSummary:
        return cls(
            day=digest.day,
            as_of=digest.as_of,
            candidates=digest.candidates,
            papers=tuple(
                SummaryPaper(p.rank, p.arxiv_id, p.title, p.authors, p.categories, p.score) for p in digest.papers
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "as_of": iso_time(self.as_of) if self.as_of is not None else None,
            "candidates": self.candidates,
            "papers": [paper.to_dict() for paper in self.papers],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DigestSummary:
        return cls(
            day=date.fromisoformat(data["day"]),
            as_of=_optional_time(data.get("as_of")),
            candidates=int(data["candidates"]),
            papers=tuple(SummaryPaper.from_dict(paper) for paper in data["papers"]),
        )
