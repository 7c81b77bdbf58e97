"""Assemble the real dependencies from settings. Handlers and the CLI call these.

Each builder imports what only it needs, so the publisher's cold start does not
pay for the collector's HTTP and feed-parsing libraries, and vice versa.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .aws import client
from .clock import Clock, SystemClock
from .observability import logger
from .settings import Credentials, Settings
from .store import Store

if TYPE_CHECKING:
    from .collect import Collector
    from .publish import Publisher
    from .publishing import SiteBucket
    from .sources.base import Source

Progress = Callable[[str], None]


def build_store(settings: Settings, clock: Clock) -> Store:
    # The store builds every request itself and DynamoDB validates on arrival; botocore's
    # client-side validation was a fifth of the collector's CPU on a heavy day (bench/README.md).
    from .store import fast_query_parsing

    dynamodb = client("dynamodb", settings.endpoint_url, settings.region, parameter_validation=False)
    return Store(settings.table, fast_query_parsing(dynamodb), clock)


def build_sources(
    settings: Settings, credentials: Credentials, clock: Clock, wanted: tuple[str, ...]
) -> tuple[dict[str, Source], dict[str, str]]:
    """The enabled sources, and the ones that cannot run (with why)."""
    from .http import HttpClient

    sources: dict[str, Source] = {}
    unavailable: dict[str, str] = {}
    for name in wanted:
        if not credentials.has(name):
            unavailable[name] = "no credentials configured"
            continue
        # One per source, so request counts stay separate.
        http = HttpClient(clock=clock, timeout=settings.http_timeout)
        if name == "x":
            from .sources.x import XSource

            sources[name] = XSource(http, settings.x_api_url, credentials.x_bearer_token or "", clock)
        elif name == "bluesky":
            from .sources.bluesky import BlueskySource

            sources[name] = BlueskySource(
                http, settings.bsky_api_url, credentials.bsky_handle or "", credentials.bsky_app_password or ""
            )
        elif name == "hackernews":
            from .sources.hackernews import HackerNewsSource

            sources[name] = HackerNewsSource(http, settings.hn_api_url)
        elif name == "huggingface":
            from .sources.huggingface import HuggingFaceSource

            sources[name] = HuggingFaceSource(http, settings.hf_api_url)
    return sources, unavailable


def build_collector(
    settings: Settings,
    clock: Clock | None = None,
    sources: tuple[str, ...] | None = None,
    progress: Progress | None = None,
) -> Collector:
    from .arxiv import ArxivClient
    from .bus import publish_collect_finished
    from .collect import Collector
    from .credentials import load_credentials
    from .http import HttpClient, RetryPolicy

    clock = clock or SystemClock()
    credentials = load_credentials(settings)
    wanted = sources or settings.enabled_sources(credentials)
    built, unavailable = build_sources(settings, credentials, clock, wanted)
    arxiv = ArxivClient(
        # Retries honour arXiv's spacing too: never sooner than the mandated interval.
        HttpClient(
            clock=clock,
            policy=RetryPolicy(base_delay=max(1.0, settings.arxiv_min_interval)),
            timeout=settings.http_timeout,
        ),
        settings.arxiv_api_url,
        clock,
        min_interval=settings.arxiv_min_interval,
        batch_size=settings.arxiv_batch_size,
    )
    events = client("events", settings.endpoint_url, settings.region)
    return Collector(
        sources=built,
        arxiv=arxiv,
        store=build_store(settings, clock),
        clock=clock,
        announce=lambda run: publish_collect_finished(events, settings.event_bus, run, sleep=clock.sleep),
        progress=progress or (lambda message: logger.info(message)),
        unavailable=unavailable,
    )


def build_publisher(settings: Settings, clock: Clock | None = None, progress: Progress | None = None) -> Publisher:
    from .publish import Publisher
    from .ranking import ranking_config_from_env
    from .site import site_config_from_env

    clock = clock or SystemClock()
    return Publisher(
        store=build_store(settings, clock),
        bucket=build_site_bucket(settings),
        site=site_config_from_env(),
        ranking=ranking_config_from_env(),
        progress=progress or (lambda message: logger.info(message)),
    )


def build_site_bucket(settings: Settings) -> SiteBucket:
    from .publishing import SiteBucket

    return SiteBucket(settings.bucket, client("s3", settings.endpoint_url, settings.region))
