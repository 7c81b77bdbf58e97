"""How a post and a paper are scored, and the ranking settings: one definition for the publisher and the API.

- A post's **raw score** is its source's engagement (`ENGAGEMENT_METRICS`): X retweets + likes,
  Bluesky reposts + likes, Hacker News points + comments, Hugging Face upvotes + comments.
- Its **score** is `round(weight × raw)` with the source's weight, rounded half up.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from hotpapers.core.digest import DEFAULT_WEIGHTS, RankingConfig
from hotpapers.core.settings import SettingsError
from hotpapers.core.source_names import SOURCE_NAMES

__all__ = ["ENGAGEMENT_METRICS", "METRIC_ORDER", "ranking_config_from_env", "raw_score", "weighted_score"]

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
