"""Rank one day: which papers enter the digest, in which order, with which top posts.

The default `RankingConfig` reproduces the original blog's rules (DESIGN.md,
"What it is"), but counts original posts only, never retweets:

- A post's **raw score** is its source's engagement (`core/scoring.py`):
  X retweets + likes, Bluesky reposts + likes, Hacker News points + comments,
  Hugging Face upvotes + comments. Quotes and replies are posts of their own,
  so their counts are not added to the post they quote or answer.
- Its **score** is `round(weight × raw)` with the source's weight, rounded half up
  to an integer, per post (a post's shown score is an integer, and a paper's
  score is exactly the sum of its posts' shown scores). A source without a
  weight in the config weighs 1.0; a source without engagement metrics scores 0.
- A paper's **score** is the sum of its posts' scores. It enters the digest when
  the score is at least `min_score`, arXiv metadata is known and there is a PDF.
- **Order**: score, highest first; ties by arXiv id ascending (a plain string
  comparison). That is total, so the same data always gives the same order, and it
  agrees with the blog on all four ties in the ten reference posts.
- **Top posts**: a paper's posts by score, highest first (ties: earlier
  `created_at`, then source, then post id). The first is always shown, the others
  only while they score at least `top_post_min_score`, at most `top_posts` in all.

Everything comes from the stored records of the day (`Store.day`): mentions
are the truth about engagement, day papers give the metadata. No clock is read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields, replace
from datetime import datetime
from functools import cache
from typing import Any

from hotpapers.core.digest import Digest, RankedPaper, RankingConfig, TopPost
from hotpapers.core.models import Observation, Paper, RunRecord
from hotpapers.core.records import DayRecords
from hotpapers.core.scoring import METRIC_ORDER, raw_score, weighted_score

__all__ = ["rank_day"]


def rank_day(records: DayRecords, config: RankingConfig) -> Digest:
    """The digest of a day from what the store holds for it (`Store.day`: day papers, mentions, run)."""
    mentions: dict[str, list[Observation]] = defaultdict(list)
    for mention in records.mentions:
        mentions[mention.arxiv_id].append(mention.observation)
    day_papers = {day_paper.arxiv_id: day_paper for day_paper in records.papers}

    entered: list[tuple[int, str, RankedPaper]] = []
    for arxiv_id, day_paper in day_papers.items():
        if day_paper.paper is None or not day_paper.paper.pdf_url:
            continue
        observations = mentions.get(arxiv_id, [])
        scored = [(obs, _post_score(obs, config)) for obs in observations]
        score = sum(points for _, points in scored)
        if score < config.min_score:
            continue
        entered.append((score, arxiv_id, _ranked_paper(day_paper.paper, scored, score, config)))

    entered.sort(key=lambda entry: (-entry[0], entry[1]))
    papers = tuple(_with_rank(paper, rank) for rank, (_, _, paper) in enumerate(entered, start=1))
    return Digest(
        day=records.day,
        as_of=_as_of([obs for observations in mentions.values() for obs in observations], records.run),
        papers=papers,
        candidates=len(day_papers),
        config=config,
    )


def _post_score(observation: Observation, config: RankingConfig) -> int:
    post = observation.post
    return weighted_score(raw_score(post.source, post.metrics), config.weight(post.source))


def _ranked_paper(
    paper: Paper, scored: list[tuple[Observation, int]], score: int, config: RankingConfig
) -> RankedPaper:
    ordered = sorted(
        scored, key=lambda entry: (-entry[1], entry[0].post.created_at, entry[0].post.source, entry[0].post.post_id)
    )
    top: list[TopPost] = []
    for position, (obs, points) in enumerate(ordered):
        if len(top) >= config.top_posts or (position > 0 and points < config.top_post_min_score):
            break
        top.append(_copied(TopPost, obs.post, metrics=dict(obs.post.metrics), score=points))
    return RankedPaper(
        rank=0,
        # The digest documents carry no `updated`: dropped, so this digest equals the one read back.
        paper=replace(paper, updated=None),
        score=score,
        engagement=_engagement(scored),
        top_posts=tuple(top),
        as_of=max((obs.observed_at for obs, _ in scored), default=None),
    )


def _copied[T](target: type[T], source: object, **values: Any) -> T:
    """A `target` with every field it shares by name with `source`, then `values` on top: the digest
    keeps the stored post's fields as they are, so a field added to both is carried over."""
    # type[T] is hashable, as every class is, but mypy does not see it through the TypeVar.
    names = _field_names(target)  # type: ignore[arg-type]
    shared = {name: getattr(source, name) for name in names if name not in values}
    return target(**shared, **values)


@cache
def _field_names(target: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(target))


def _engagement(scored: list[tuple[Observation, int]]) -> dict[str, dict[str, int]]:
    """Per source (by name): {"posts": n, <metric sums in METRIC_ORDER, then others by name>, "score": points}."""
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    points: dict[str, int] = defaultdict(int)
    posts: dict[str, int] = defaultdict(int)
    for obs, score in scored:
        source = obs.post.source
        posts[source] += 1
        points[source] += score
        for name, value in obs.post.metrics.items():
            sums[source][name] += int(value)
    engagement: dict[str, dict[str, int]] = {}
    for source in sorted(posts):
        known = METRIC_ORDER.get(source, ())
        names = [name for name in known if name in sums[source]] + sorted(set(sums[source]) - set(known))
        engagement[source] = {"posts": posts[source], **{name: sums[source][name] for name in names}}
        engagement[source]["score"] = points[source]
    return engagement


def _with_rank(paper: RankedPaper, rank: int) -> RankedPaper:
    return replace(paper, rank=rank)


def _as_of(observations: list[Observation], run: RunRecord | None) -> datetime | None:
    """The newest observation of the day; for a day without mentions, when its run saw it empty."""
    if observations:
        return max(obs.observed_at for obs in observations)
    return (run.finished_at or run.started_at) if run else None
