"""Configuration, read from the environment when asked for, never at import time.

This is the only module of the package that reads the environment (tests/unit/test_settings.py checks it):
every other module takes its settings from a `Settings`, so a handler reads and validates the whole
configuration once, and a bad value fails with its variable's name before any work starts.

The setting names are contracts (see docs and DESIGN.md): users and the
acceptance checks drive the system through them.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hotpapers.core.source_names import SOURCE_NAMES

if TYPE_CHECKING:
    from hotpapers.core.digest import RankingConfig

DEFAULT_TABLE = "hotpapers"
DEFAULT_BUCKET = "hotpapers-site"
DEFAULT_EVENT_BUS = "hotpapers"
DEFAULT_COLLECT_QUEUE = "hotpapers-collect.fifo"
# The local site server's address: a deployed stack sets HOTPAPERS_SITE_URL to its CDN's URL.
DEFAULT_SITE_URL = "http://127.0.0.1:8000/"


class SettingsError(ValueError):
    """A setting has a value the system cannot use."""


@dataclass(frozen=True)
class Credentials:
    x_bearer_token: str | None = None
    bsky_handle: str | None = None
    bsky_app_password: str | None = None

    def has(self, source: str) -> bool:
        if source == "x":
            return bool(self.x_bearer_token)
        if source == "bluesky":
            return bool(self.bsky_handle and self.bsky_app_password)
        return True  # Hacker News and Hugging Face need none

    def __repr__(self) -> str:  # never let a secret reach a log line through repr()
        present = [name for name, value in vars(self).items() if value]
        return f"Credentials(present={present})"


@dataclass(frozen=True)
class Settings:
    table: str = DEFAULT_TABLE
    bucket: str = DEFAULT_BUCKET
    event_bus: str = DEFAULT_EVENT_BUS
    # The collect queue (FIFO, one message per day) `hotpapers backfill` enqueues on: a name or a queue URL
    # (the stack's CollectQueueUrl output).
    collect_queue: str = DEFAULT_COLLECT_QUEUE
    endpoint_url: str | None = None
    region: str = "us-east-1"
    sources: tuple[str, ...] | None = None  # None: every source whose credentials are present
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    x_api_url: str = "https://api.x.com/2"
    hn_api_url: str = "https://hn.algolia.com/api/v1"
    hf_api_url: str = "https://huggingface.co/api"
    bsky_api_url: str = "https://bsky.social/xrpc"
    # arXiv's terms: one request at a time, at least 3 s apart.
    arxiv_min_interval: float = 3.0
    arxiv_batch_size: int = 100
    # Seconds to wait for an upstream to connect or send data (each attempt; HttpClient retries).
    http_timeout: float = 20.0
    # Name or ARN of a Secrets Manager secret (JSON) holding the credentials in AWS.
    secret_id: str | None = None
    # A contact address for the User-Agent sent to arXiv and Bluesky: both ask clients to identify
    # themselves, so that they can write before they block.
    contact: str | None = None
    # Set inside Lambda (AWS_LAMBDA_FUNCTION_NAME): a missing contact is then worth a warning.
    in_lambda: bool = False
    # Most X posts read per collected day: X bills every post a search returns (README: the cost).
    # 0 means no cap; otherwise at least 10, X's smallest page.
    x_max_posts: int = 1000
    # Most papers still without arXiv metadata (of any day) each collection asks arXiv for again
    # (collect/repair.py): the bound on one run's repair work.
    repair_max_papers: int = 500
    # The publish queue's URL (the template sets it): a full rebuild ({"all": true}) is sent there one shard at a
    # time (publish/rebuild.py). None: no queue (local runs), the shards run one after another in the process.
    publish_queue_url: str | None = None
    # Most collected days in one shard of a full rebuild: each shard must stay well under the 900 s Lambda limit
    # (bench/bench_publish.py measures a ten-year archive with twice today's papers a day; bench/README.md).
    rebuild_shard_days: int = 365
    credentials: Credentials = field(default_factory=Credentials)
    # How papers are ranked and digests cut (the publisher and the API; `ranking()` builds their
    # RankingConfig): HOTPAPERS_MIN_SCORE, HOTPAPERS_TOP_POSTS, HOTPAPERS_TOP_POST_MIN_SCORE, and the
    # sources' weights HOTPAPERS_WEIGHTS. None, or a source left out of the weights: the blog's default.
    min_score: int | None = None
    top_posts: int | None = None
    top_post_min_score: int | None = None
    source_weights: tuple[tuple[str, float], ...] = ()
    # The site's absolute URL (HOTPAPERS_SITE_URL) and whether its pages load X's widgets
    # (HOTPAPERS_X_WIDGETS); publish/site/config.py's SiteConfig.from_settings checks the URL's shape.
    site_url: str = DEFAULT_SITE_URL
    x_widgets: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str, default: str) -> str:
            value = env.get(name, "").strip()
            return value or default

        return cls(
            table=get("HOTPAPERS_TABLE", DEFAULT_TABLE),
            bucket=get("HOTPAPERS_BUCKET", DEFAULT_BUCKET),
            event_bus=get("HOTPAPERS_EVENT_BUS", DEFAULT_EVENT_BUS),
            collect_queue=get("HOTPAPERS_COLLECT_QUEUE", DEFAULT_COLLECT_QUEUE),
            endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            region=get("AWS_REGION", get("AWS_DEFAULT_REGION", "us-east-1")),
            sources=parse_sources(env.get("HOTPAPERS_SOURCES")),
            arxiv_api_url=get("HOTPAPERS_ARXIV_API_URL", cls.arxiv_api_url),
            x_api_url=get("HOTPAPERS_X_API_URL", cls.x_api_url).rstrip("/"),
            hn_api_url=get("HOTPAPERS_HN_API_URL", cls.hn_api_url).rstrip("/"),
            hf_api_url=get("HOTPAPERS_HF_API_URL", cls.hf_api_url).rstrip("/"),
            bsky_api_url=get("HOTPAPERS_BSKY_API_URL", cls.bsky_api_url).rstrip("/"),
            arxiv_min_interval=_float(get("HOTPAPERS_ARXIV_MIN_INTERVAL", "3"), "HOTPAPERS_ARXIV_MIN_INTERVAL"),
            arxiv_batch_size=_int(get("HOTPAPERS_ARXIV_BATCH_SIZE", "100"), "HOTPAPERS_ARXIV_BATCH_SIZE", 1, 2000),
            http_timeout=_float(get("HOTPAPERS_HTTP_TIMEOUT", "20"), "HOTPAPERS_HTTP_TIMEOUT"),
            secret_id=env.get("HOTPAPERS_SECRET_ID") or None,
            contact=env.get("HOTPAPERS_CONTACT", "").strip() or None,
            in_lambda=bool(env.get("AWS_LAMBDA_FUNCTION_NAME")),
            repair_max_papers=_int(
                get("HOTPAPERS_REPAIR_MAX_PAPERS", str(cls.repair_max_papers)),
                "HOTPAPERS_REPAIR_MAX_PAPERS",
                0,
                100_000,
            ),
            publish_queue_url=env.get("HOTPAPERS_PUBLISH_QUEUE_URL", "").strip() or None,
            rebuild_shard_days=_int(
                get("HOTPAPERS_REBUILD_SHARD_DAYS", str(cls.rebuild_shard_days)),
                "HOTPAPERS_REBUILD_SHARD_DAYS",
                1,
                100_000,
            ),
            x_max_posts=_x_max_posts(get("HOTPAPERS_X_MAX_POSTS", str(cls.x_max_posts))),
            credentials=Credentials(
                x_bearer_token=env.get("HOTPAPERS_X_BEARER_TOKEN") or None,
                bsky_handle=env.get("HOTPAPERS_BSKY_HANDLE") or None,
                bsky_app_password=env.get("HOTPAPERS_BSKY_APP_PASSWORD") or None,
            ),
            min_score=_whole(env, "HOTPAPERS_MIN_SCORE"),
            top_posts=_whole(env, "HOTPAPERS_TOP_POSTS"),
            top_post_min_score=_whole(env, "HOTPAPERS_TOP_POST_MIN_SCORE"),
            source_weights=tuple(_weights(env.get("HOTPAPERS_WEIGHTS", "")).items()),
            site_url=get("HOTPAPERS_SITE_URL", DEFAULT_SITE_URL),
            x_widgets=_switch(env.get("HOTPAPERS_X_WIDGETS", ""), "HOTPAPERS_X_WIDGETS"),
        )

    def ranking(self) -> RankingConfig:
        """The ranking settings, with the blog's defaults for what is not set."""
        # Imported here: the ranking model is for the publisher and the API's paper route, so the other
        # cold starts (collector, digest routes) do not pay for its import.
        from hotpapers.core.digest import DEFAULT_WEIGHTS, RankingConfig

        defaults = RankingConfig()
        return RankingConfig(
            min_score=defaults.min_score if self.min_score is None else self.min_score,
            top_posts=defaults.top_posts if self.top_posts is None else self.top_posts,
            top_post_min_score=(
                defaults.top_post_min_score if self.top_post_min_score is None else self.top_post_min_score
            ),
            weights={**DEFAULT_WEIGHTS, **dict(self.source_weights)},
        )

    def enabled_sources(self, credentials: Credentials | None = None) -> tuple[str, ...]:
        """The sources to run: the configured list, or every source whose credentials are present."""
        credentials = credentials or self.credentials
        if self.sources is not None:
            return self.sources
        return tuple(name for name in SOURCE_NAMES if credentials.has(name))


def parse_sources(value: str | None) -> tuple[str, ...] | None:
    if value is None or not value.strip():
        return None
    names = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    unknown = [name for name in names if name not in SOURCE_NAMES]
    if unknown:
        raise SettingsError(
            f"unknown source(s) {', '.join(unknown)} in HOTPAPERS_SOURCES; choose from {', '.join(SOURCE_NAMES)}"
        )
    return names


def _x_max_posts(value: str) -> int:
    result = _int(value, "HOTPAPERS_X_MAX_POSTS", 0, 10_000_000)
    if 0 < result < 10:
        raise SettingsError(
            f"HOTPAPERS_X_MAX_POSTS must be 0 (no cap) or at least 10 (X's smallest page), got {result}"
        )
    return result


def _float(value: str, name: str) -> float:
    try:
        result = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {value!r}") from None
    if result < 0:
        raise SettingsError(f"{name} must not be negative, got {value!r}")
    return result


def _int(value: str, name: str, low: int, high: int) -> int:
    try:
        result = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {value!r}") from None
    if not low <= result <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {result}")
    return result


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _switch(value: str, name: str) -> bool:
    """A true/false setting; unset or blank is false."""
    value = value.strip().lower()
    if value not in _TRUE | _FALSE:
        raise SettingsError(f"{name} must be true or false, not {value!r}")
    return value in _TRUE


# ------------------------------------------------------------------ ranking

_WHOLE = re.compile(r"^\d+$")
_DECIMAL = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")


def _whole(env: Mapping[str, str], name: str) -> int | None:
    """A whole number ≥ 0; None when unset or blank (the default applies)."""
    value = (env.get(name) or "").strip()
    if not value:
        return None
    if not _WHOLE.match(value):
        raise SettingsError(f"{name} must be a whole number ≥ 0, not {value!r}")
    return int(value)


def _weights(text: str) -> dict[str, float]:
    """`HOTPAPERS_WEIGHTS`: `x=1,bluesky=1,hackernews=0.5,huggingface=1`, each source at most once."""
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
