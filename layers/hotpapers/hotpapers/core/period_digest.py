"""The digest of a week or a month: its days' papers ranked by the sum of their daily scores.

Built from the period's stored daily digests, never from the raw mentions: a paper's period
score is the sum of the scores it had on the days it was listed, the same threshold
(`RankingConfig.min_score`) applies to that sum, and ties go to the smaller arXiv id, as in a
day (publish/ranking.py). Each paper keeps a day's `RankedPaper` fields (metadata from its
newest listed day; engagement summed per source; its days' top posts merged) plus `days`,
where it stood on each of them.

Its JSON document has the shape of a day's (`Digest.to_dict`: as_of, candidates, config,
papers) plus `period`, `kind`, `from`, `to` and `days` (the period's days that have a digest);
it has no `day`. A month of the blog lists several hundred distinct papers, so a period lists
at most `PERIOD_PAPERS_LIMIT` (`candidates` still counts them all).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import Any, ClassVar, Protocol

from hotpapers.core.calendar_periods import Period, parse_period
from hotpapers.core.digest import Digest, RankedPaper, RankingConfig, TopPost
from hotpapers.core.json_codec import JsonModel, json_field
from hotpapers.core.models import PaperHeadline

__all__ = ["PERIOD_PAPERS_LIMIT", "PeriodDay", "PeriodDigest", "PeriodPaper", "build_period_digest", "rank_period"]

# The most papers a week's or a month's digest lists (its page, its Markdown and its API document).
# A month of ~20 listed papers a day has ~600 distinct ones: 100 cards per period page made a five-year
# rebuild's 322 period pages cost ~10 s CPU (as much as 1,600 day pages, bench/bench_publish.py); 30,
# a busy day's worth, keeps a period object no dearer to write than the site's average object.
PERIOD_PAPERS_LIMIT = 30


class _Listed(Protocol):
    """What a day lists about a paper: a `RankedPaper` or a `SummaryPaper` both have these."""

    @property
    def rank(self) -> int: ...
    @property
    def paper(self) -> PaperHeadline: ...  # a `Paper` is one
    @property
    def score(self) -> int: ...


@dataclass(frozen=True)
class PeriodDay(JsonModel):
    """Where a paper stood on one day of the period."""

    day: date = field(metadata=json_field(name="date"))
    rank: int
    score: int


def rank_period[P: _Listed](
    listings: Iterable[tuple[date, Sequence[P]]], min_score: int
) -> list[tuple[str, int, list[tuple[PeriodDay, P]]]]:
    """Papers by the sum of their daily scores, highest first (ties: smaller arXiv id), at least `min_score`.

    `listings` are the period's days with the papers each listed. Each result is (arxiv_id, sum,
    its days oldest first, each with what that day listed). Shared by the period digest (full
    papers) and the front page's "this week" and "this month" (summaries), so both rank alike.
    """
    days_of: dict[str, list[tuple[PeriodDay, P]]] = {}
    for day, papers in sorted(listings, key=lambda listing: listing[0]):
        for paper in papers:
            days_of.setdefault(paper.paper.arxiv_id, []).append((PeriodDay(day, paper.rank, paper.score), paper))
    totals = [(arxiv_id, sum(entry.score for entry, _ in days), days) for arxiv_id, days in days_of.items()]
    entered = [total for total in totals if total[1] >= min_score]
    entered.sort(key=lambda total: (-total[1], total[0]))
    return entered


@dataclass(frozen=True)
class PeriodPaper(JsonModel):
    """A paper of a period: a day's fields (`paper`, score = the period's sum) and its `days`."""

    paper: RankedPaper = field(metadata=json_field(inline=True))
    days: tuple[PeriodDay, ...]


def _period_keys(period: Period) -> dict[str, Any]:
    return {"period": period.name, "kind": period.kind, "from": period.first.isoformat(), "to": period.last.isoformat()}


def _period_of(document: Mapping[str, Any]) -> Period:
    """The period its `kind` and name say (`from` and `to` follow from them)."""
    return parse_period(document["kind"], document["period"])


@dataclass(frozen=True)
class PeriodDigest(JsonModel):
    """The API's period document (what the publisher stores): keys in a fixed order."""

    JSON_KEYS: ClassVar[tuple[str, ...] | None] = (
        "period", "kind", "from", "to", "days", "as_of", "candidates", "config", "papers",
    )  # fmt: skip

    period: Period = field(
        metadata=json_field(encode=_period_keys, decode=_period_of, keys=("period", "kind", "from", "to"))
    )
    as_of: datetime | None  # the newest `as_of` of its days: no wall clock
    papers: tuple[PeriodPaper, ...]
    candidates: int  # distinct papers listed on at least one of its days, before the threshold and the cap
    days: tuple[date, ...]  # the period's days that have a digest, oldest first
    config: RankingConfig = field(default_factory=RankingConfig)

    @property
    def ranked(self) -> tuple[RankedPaper, ...]:
        """The papers as a day lists them (score = the period's sum), for the shared paper cards."""
        return tuple(entry.paper for entry in self.papers)

    @cached_property
    def document(self) -> bytes:
        """`to_dict` as compact UTF-8 JSON: the stored body (what the API answers)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build_period_digest(
    period: Period,
    digests: Mapping[date, Digest],
    config: RankingConfig,
    limit: int = PERIOD_PAPERS_LIMIT,
) -> PeriodDigest:
    """The digest of `period` from its days' digests (`digests` may hold other days: they are ignored)."""
    days = sorted(day for day in digests if day in period)
    listings = [(day, digests[day].papers) for day in days]
    ranked = rank_period(listings, config.min_score)
    papers = tuple(
        PeriodPaper(_merged(rank, total, [paper for _, paper in entries], config), tuple(d for d, _ in entries))
        for rank, (_, total, entries) in enumerate(ranked[:limit], start=1)
    )
    stamps = [stamp for stamp in (digests[day].as_of for day in days) if stamp is not None]
    return PeriodDigest(
        period=period,
        as_of=max(stamps) if stamps else None,
        papers=papers,
        candidates=len({paper.paper.arxiv_id for _, listed in listings for paper in listed}),
        days=tuple(days),
        config=config,
    )


def _merged(rank: int, total: int, listed: list[RankedPaper], config: RankingConfig) -> RankedPaper:
    """One paper over its days (oldest first): the newest day's metadata, sums, merged top posts."""
    newest = listed[-1]
    engagement: dict[str, dict[str, int]] = {}
    for paper in listed:
        for source, counts in paper.engagement.items():
            summed = engagement.setdefault(source, {})
            for name, value in counts.items():
                summed[name] = summed.get(name, 0) + value
    posts: dict[tuple[str, str], TopPost] = {}
    for paper in listed:
        for post in paper.top_posts:
            key = (post.source, post.post_id)
            if key not in posts or post.score > posts[key].score:
                posts[key] = post
    top = sorted(posts.values(), key=lambda p: (-p.score, p.created_at, p.source, p.post_id))[: config.top_posts]
    stamps = [stamp for stamp in (paper.as_of for paper in listed) if stamp is not None]
    return replace(
        newest,
        rank=rank,
        score=total,
        engagement={source: engagement[source] for source in sorted(engagement)},
        top_posts=tuple(top),
        as_of=max(stamps) if stamps else None,
    )
