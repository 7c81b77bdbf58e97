"""`hotpapers demo`: the main job on a fresh machine, offline.

Starts the embedded AWS, provisions it from template.yaml, replays the bundled week 2021-W22
(five days rebuilt from the real Hot Papers posts of 2021-05-31 to 2021-06-04, plus a few
invented Hacker News, Hugging Face and Bluesky posts, labelled as illustrations) through local
fakes that answer in each upstream's real format, runs the real collector handler once per day
and the publisher once for the week, and serves the site and the API.

The site's absolute URLs (canonical links, the feeds, the sitemap) follow the port the demo
serves on: the server binds its port before anything is published, and the publish step gets
that URL as `HOTPAPERS_SITE_URL`, unless the environment sets it explicitly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

DEMO_CREDENTIALS = {
    "HOTPAPERS_X_BEARER_TOKEN": "demo-bearer-token",
    "HOTPAPERS_BSKY_HANDLE": "demo.bsky.social",
    "HOTPAPERS_BSKY_APP_PASSWORD": "demo-app-password",
}
# Papers the printed links point at: one with posts on two days and from all four sources.
DEMO_PAPER = "2106.01345"  # Decision Transformer: X, Hacker News and Hugging Face on 06-03, Bluesky on 06-04
DEMO_CATEGORY = "cs.LG"


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def local_site_url(port: int) -> str:
    """The site's base URL when it is served on this machine at `port`."""
    return f"http://127.0.0.1:{port}/"


def site_url_environment(site_url: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """`HOTPAPERS_SITE_URL` for the publish step: `site_url`, unless the environment already sets one."""
    environ = dict(os.environ) if environ is None else environ
    if environ.get("HOTPAPERS_SITE_URL", "").strip():
        return {}
    return {"HOTPAPERS_SITE_URL": site_url}


def illustration_notice() -> str:
    """The console line that says which posts are invented."""
    from hotpapers_local.sample.illustrations import illustration_counts

    counts = illustration_counts()
    return (
        f"   ILLUSTRATIONS: the {counts['hackernews']} Hacker News, {counts['huggingface']} Hugging Face and "
        f"{counts['bluesky']} Bluesky posts are invented for the demo (authors named 'example'); they did not "
        "happen. X and arXiv come from the real posts (local/data/PROVENANCE.md)."
    )


def collect_and_publish(days: Sequence[date]) -> list[dict[str, Any]]:
    """Collect each day through functions/collect/app.py, then publish them in one batch, as AWS would.

    Needs the environment pointed at provisioned AWS and at the fakes; returns the collect summaries.
    """
    from hotpapers_local.console import print_collect_summary
    from hotpapers_local.invoke import invoke
    from hotpapers_local.relay import relay_collect_finished

    summaries = [invoke("collect", {"date": day.isoformat()}, keep_stdout=False) for day in days]
    print_collect_summary({"days": [day for summary in summaries for day in summary["days"]]})
    print(f"\n4. the collector's {len(days)} Collect Finished events, from the bus to functions/publish/app.py ...")
    relay_collect_finished()
    return summaries


def run_demo(port: int = 8000, serve: bool = True) -> int:
    from hotpapers.core.clock import SystemClock
    from hotpapers.core.settings import Settings
    from hotpapers.core.store import build_store
    from hotpapers.publish.handler import build_site_bucket
    from hotpapers.publish.site import SiteConfig
    from hotpapers_local.apigw import api_gateway_proxy
    from hotpapers_local.console import print_stored_week
    from hotpapers_local.emulator import aws_endpoint
    from hotpapers_local.fakes import FakeUpstreams
    from hotpapers_local.provision import provision
    from hotpapers_local.sample import SAMPLE_WEEK, WEEK_DAYS, load_week_dataset
    from hotpapers_local.site_server import LocalServer

    dataset = load_week_dataset()
    credentials = (DEMO_CREDENTIALS["HOTPAPERS_BSKY_HANDLE"], DEMO_CREDENTIALS["HOTPAPERS_BSKY_APP_PASSWORD"])
    with aws_endpoint() as endpoint, FakeUpstreams(dataset, bsky_credentials=credentials) as upstreams:
        with _environment(
            {**upstreams.env(), **DEMO_CREDENTIALS, "HOTPAPERS_SOURCES": "x,bluesky,hackernews,huggingface"}
        ):
            print(f"1. AWS endpoint: {endpoint}", file=sys.stderr)
            print(f"   sample upstreams (replaying the week {SAMPLE_WEEK}): {upstreams.url}", file=sys.stderr)
            settings = Settings.from_env()
            # Bound before anything is published, so the pages carry the URL they are served at
            # (with --port 0 the system picks the port).
            server = LocalServer(build_site_bucket(settings), api=api_gateway_proxy, port=port) if serve else None
            site = server.url if server is not None else local_site_url(port)
            try:
                with _environment(site_url_environment(site)):
                    result = provision(settings)
                    print(
                        f"2. provisioned from template.yaml: table {result.table}, "
                        f"bucket {result.bucket}, bus {result.event_bus}"
                    )
                    first, last = WEEK_DAYS[0], WEEK_DAYS[-1]
                    print(f"3. collecting {SAMPLE_WEEK} ({first} .. {last}), each day via functions/collect/app.py")
                    print(illustration_notice())
                    collect_and_publish(WEEK_DAYS)
                    site_config = SiteConfig.from_settings(Settings.from_env())  # with the site URL just set
                    print(f"   the pages' absolute URLs start with {site_config.base_url}")
                    print_stored_week(build_store(settings, SystemClock()), WEEK_DAYS)
                if server is None:
                    return 0
                print_where_to_look(server.url)
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                if server is not None:
                    server.stop()
    return 0


def print_where_to_look(site: str) -> None:
    from hotpapers_local.sample import SAMPLE_WEEK, WEEK_DAYS

    last = WEEK_DAYS[-1]
    print(f"\n5. Hot Papers is being served at {site}")
    print(f"   home page:       {site}")
    print(f"   the week:        {site}weeks/{SAMPLE_WEEK}/")
    print(f"   the months:      {site}months/{last:%Y-%m}/ and {site}months/{WEEK_DAYS[0]:%Y-%m}/ (Monday was in May)")
    print(f"   a day:           {site}digests/{last}/")
    print(f"   a paper:         {site}papers/{DEMO_PAPER}/ (posts from all four sources over two days)")
    print(f"   a category feed: {site}categories/{DEMO_CATEGORY}/feed.xml")
    print(f"   the archive:     {site}archive/")
    print(f"   Atom feed:       {site}feed.xml")
    print("   the JSON API, as API Gateway would serve it:")
    print(f"     curl -s {site}api/weeks/{SAMPLE_WEEK}")
    print(f"     curl -s {site}api/papers/{DEMO_PAPER}")
    print(f"     curl -s '{site}api/papers/{DEMO_PAPER}/mentions?source=hackernews'")
    print(f"     curl -s '{site}api/digests/{last}?category=cs.CV&limit=3'")
    print(f"     curl -s {site}api/digests/latest")
    print(f"     curl -s {site}api/openapi.json")
    print("   Ctrl-C stops the demo (the embedded AWS lives in memory).", flush=True)
