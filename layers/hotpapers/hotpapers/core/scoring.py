"""How a post and a paper are scored: one definition for the publisher and the API.

- A post's **raw score** is its source's engagement (`ENGAGEMENT_METRICS`): X retweets + likes,
  Bluesky reposts + likes, Hacker News points + comments, Hugging Face upvotes + comments.
- Its **score** is `round(weight × raw)` with the source's weight, rounded half up.

The weights and the other ranking settings (`RankingConfig`) are read by core/settings.py (`Settings.ranking`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["ENGAGEMENT_METRICS", "METRIC_ORDER", "raw_score", "weighted_score"]

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
