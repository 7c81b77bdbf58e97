"""Rank one day: which papers enter the digest, in which order, with which top posts.

The default `RankingConfig` reproduces the original blog's rules (DESIGN.md,
"What it is"), but counts original posts only, never retweets:

- A post's **raw score** is its source's engagement (`ENGAGEMENT_METRICS`):
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

Everything comes from the stored items of the day (`Store.day_items`): mentions
are the truth about engagement, day-paper items give the metadata. No clock is read.
"""

from __future__ import annotations

import math
import os
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .digest import DEFAULT_WEIGHTS, Digest, RankedPaper, RankingConfig, TopPost
from .models import Observation
from .settings import SettingsError
from .sources import SOURCE_NAMES
from .store import observation_from_mention, paper_from_item

__all__ = [
    "ENGAGEMENT_METRICS",
    "METRIC_ORDER",
    "rank_day",
    "ranking_config_from_env",
    "raw_score",
    "weighted_score",
]

# The metrics whose sum is a post's raw score, per source.
ENGAGEMENT_METRICS: dict[str, tuple[str, ...]] = {
    "x": ("retweets", "likes"),
    "bluesky": ("reposts", "likes"),
    "hackernews": ("points", "comments"),
    "huggingface": ("upvotes", "comments"),
}
# The order of the metrics in a paper's `engagement[source]` (after `posts`, before `score`);
# any other metric a source reports follows these, by name.
METRIC_ORDER: dict[str, tuple[str, ...]] = {
    "x": ("retweets", "likes", "quotes", "replies"),
    "bluesky": ("reposts", "likes", "quotes", "replies"),
    "hackernews": ("points", "comments"),
    "huggingface": ("upvotes", "comments"),
}


def raw_score(source: str, metrics: Mapping[str, int]) -> int:
    """The source's own engagement of one post (0 for a source without engagement metrics)."""
    return sum(int(metrics.get(name, 0)) for name in ENGAGEMENT_METRICS.get(source, ()))


def weighted_score(raw: int, weight: float) -> int:
    """`weight × raw` rounded half up to an integer (exact decimal arithmetic, no float drift)."""
    return int((Decimal(str(weight)) * raw).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rank_day(day: date, day_items: list[dict[str, Any]], config: RankingConfig) -> Digest:
    """The digest of `day` from the items `Store.day_items(day)` returned (day papers, mentions, run)."""
    day_papers: dict[str, dict[str, Any]] = {}
    mentions: dict[str, list[Observation]] = defaultdict(list)
    run: dict[str, Any] | None = None
    for item in day_items:
        entity = item.get("entity")
        if entity == "day_paper":
            day_papers[item["arxiv_id"]] = item
        elif entity == "mention":
            mentions[item["arxiv_id"]].append(observation_from_mention(item))
        elif entity == "run":
            run = item

    entered: list[tuple[int, str, RankedPaper]] = []
    for arxiv_id, item in day_papers.items():
        if not item.get("has_metadata") or not item.get("pdf_url"):
            continue
        observations = mentions.get(arxiv_id, [])
        scored = [(obs, _post_score(obs, config)) for obs in observations]
        score = sum(points for _, points in scored)
        if score < config.min_score:
            continue
        entered.append((score, arxiv_id, _ranked_paper(item, scored, score, config)))

    entered.sort(key=lambda entry: (-entry[0], entry[1]))
    papers = tuple(_with_rank(paper, rank) for rank, (_, _, paper) in enumerate(entered, start=1))
    return Digest(
        day=day,
        as_of=_as_of([obs for observations in mentions.values() for obs in observations], run),
        papers=papers,
        candidates=len(day_papers),
        config=config,
    )


def _post_score(observation: Observation, config: RankingConfig) -> int:
    post = observation.post
    return weighted_score(raw_score(post.source, post.metrics), config.weight(post.source))


def _ranked_paper(
    item: dict[str, Any], scored: list[tuple[Observation, int]], score: int, config: RankingConfig
) -> RankedPaper:
    paper = paper_from_item(item)
    ordered = sorted(
        scored, key=lambda entry: (-entry[1], entry[0].post.created_at, entry[0].post.source, entry[0].post.post_id)
    )
    top: list[TopPost] = []
    for position, (obs, points) in enumerate(ordered):
        if len(top) >= config.top_posts or (position > 0 and points < config.top_post_min_score):
            break
        post = obs.post
        top.append(
            TopPost(
                source=post.source,
                post_id=post.post_id,
                url=post.url,
                author_name=post.author_name,
                author_handle=post.author_handle,
                text=post.text,
                created_at=post.created_at,
                kind=post.kind,
                metrics=dict(post.metrics),
                score=points,
                lang=post.lang,
                entities=post.entities,
            )
        )
    return RankedPaper(
        rank=0,
        arxiv_id=paper.arxiv_id,
        version=paper.version,
        title=paper.title,
        authors=paper.authors,
        categories=paper.categories,
        abstract=paper.abstract,
        abs_url=paper.abs_url,
        pdf_url=paper.pdf_url or "",
        published=paper.published,
        score=score,
        engagement=_engagement(scored),
        top_posts=tuple(top),
        comment=paper.comment,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        as_of=max((obs.observed_at for obs, _ in scored), default=None),
    )


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


def _as_of(observations: list[Observation], run: dict[str, Any] | None) -> datetime | None:
    """The newest observation of the day; for a day without mentions, when its run saw it empty."""
    if observations:
        return max(obs.observed_at for obs in observations)
    moment = (run or {}).get("finished_at") or (run or {}).get("started_at")
    return datetime.fromisoformat(moment.replace("Z", "+00:00")) if isinstance(moment, str) else None


# ------------------------------------------------------------------ configuration

_WHOLE = re.compile(r"^\d+$")
_DECIMAL = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")


def ranking_config_from_env(env: Mapping[str, str] | None = None) -> RankingConfig:
    """The ranking settings: `HOTPAPERS_MIN_SCORE`, `HOTPAPERS_TOP_POSTS`, `HOTPAPERS_TOP_POST_MIN_SCORE`
    (whole numbers ≥ 0) and `HOTPAPERS_WEIGHTS` (`x=1,bluesky=1,hackernews=0.5,huggingface=1`; a source
    left out keeps weight 1). An unset or blank variable keeps the blog's default; a bad value raises
    `SettingsError` naming the variable. `env` defaults to the process environment.
    """
    env = os.environ if env is None else env
    defaults = RankingConfig()
    weights = dict(DEFAULT_WEIGHTS)
    weights.update(_weights(env.get("HOTPAPERS_WEIGHTS", "")))
    return RankingConfig(
        min_score=_whole(env, "HOTPAPERS_MIN_SCORE", defaults.min_score),
        top_posts=_whole(env, "HOTPAPERS_TOP_POSTS", defaults.top_posts),
        top_post_min_score=_whole(env, "HOTPAPERS_TOP_POST_MIN_SCORE", defaults.top_post_min_score),
        weights=weights,
    )


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    value = (env.get(name) or "").strip()
    if not value:
        return default
    if not _WHOLE.match(value):
        raise SettingsError(f"{name} must be a whole number ≥ 0, not {value!r}")
    return int(value)


def _weights(text: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        source, equals, number = (piece.strip() for piece in part.partition("="))
        if not equals or not source:
            raise SettingsError(f"HOTPAPERS_WEIGHTS: {part!r} is not source=weight")
        if source not in SOURCE_NAMES:
            raise SettingsError(f"HOTPAPERS_WEIGHTS: unknown source {source!r} (known: {', '.join(SOURCE_NAMES)})")
        if source in weights:
            raise SettingsError(f"HOTPAPERS_WEIGHTS: {source} is given twice")
        if not _DECIMAL.match(number) or not math.isfinite(float(number)):
            raise SettingsError(f"HOTPAPERS_WEIGHTS: the weight of {source} must be a number ≥ 0, not {number!r}")
        weights[source] = float(number)
    return weights
