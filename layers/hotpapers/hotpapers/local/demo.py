"""`hotpapers demo`: the main job on a fresh machine, offline.

Starts the embedded AWS, provisions it from template.yaml, replays the bundled
sample day (2021-06-01, rebuilt from the real Hot Papers post of that day)
through local fakes that answer in each upstream's real format, runs the real
collector handler, and prints what was stored.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DEMO_CREDENTIALS = {
    "HOTPAPERS_X_BEARER_TOKEN": "demo-bearer-token",
    "HOTPAPERS_BSKY_HANDLE": "demo.bsky.social",
    "HOTPAPERS_BSKY_APP_PASSWORD": "demo-app-password",
}


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


def _stored_papers(day_items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    papers = [item for item in day_items if item["entity"] == "day_paper"]

    def score(item: dict[str, Any]) -> int:
        x = item["engagement"].get("x", {})
        return x.get("retweets", 0) + x.get("likes", 0)

    return sorted(papers, key=lambda item: (-score(item), item["arxiv_id"]))


def print_stored_day(day_items: list[dict[str, Any]]) -> None:
    papers = _stored_papers(day_items)
    mentions = [item for item in day_items if item["entity"] == "mention"]
    run = next((item for item in day_items if item["entity"] == "run"), None)
    print(f"\nStored for the day: {len(papers)} papers, {len(mentions)} mentions" + (", 1 run record" if run else ""))
    print(f"  {'arXiv id':<12} {'primary':<9} {'posts':>5} {'retweets':>8} {'likes':>6}  title")
    for item in papers:
        x = item["engagement"].get("x", {})
        title = item.get("title", "(metadata missing)")
        title = title if len(title) <= 60 else title[:57] + "..."
        print(
            f"  {item['arxiv_id']:<12} {item.get('primary_category', '?'):<9} {x.get('posts', 0):>5} "
            f"{x.get('retweets', 0):>8} {x.get('likes', 0):>6}  {title}"
        )


def run_demo(port: int = 8000, serve: bool = True) -> int:
    from ..cli import _print_collect_summary, relay_collect_finished
    from ..clock import SystemClock
    from ..settings import Settings
    from ..wiring import build_site_bucket, build_store
    from .emulator import aws_endpoint
    from .fake_upstreams import FakeUpstreams
    from .invoke import invoke
    from .provision import provision
    from .sample_day import SAMPLE_DAY, load_sample_dataset
    from .server import LocalServer

    dataset = load_sample_dataset()
    credentials = (DEMO_CREDENTIALS["HOTPAPERS_BSKY_HANDLE"], DEMO_CREDENTIALS["HOTPAPERS_BSKY_APP_PASSWORD"])
    with aws_endpoint() as endpoint, FakeUpstreams(dataset, bsky_credentials=credentials) as upstreams:
        with _environment(
            {**upstreams.env(), **DEMO_CREDENTIALS, "HOTPAPERS_SOURCES": "x,bluesky,hackernews,huggingface"}
        ):
            print(f"1. AWS endpoint: {endpoint}", file=sys.stderr)
            print(f"   sample upstreams (replaying {SAMPLE_DAY}): {upstreams.url}", file=sys.stderr)
            settings = Settings.from_env()
            result = provision(settings)
            print(
                f"2. provisioned from template.yaml: table {result.table}, "
                f"bucket {result.bucket}, bus {result.event_bus}"
            )
            print(f"3. collecting {SAMPLE_DAY} through functions/collect/app.py ...")
            summary = invoke("collect", {"date": SAMPLE_DAY.isoformat()}, keep_stdout=False)
            _print_collect_summary(summary)
            print_stored_day(build_store(settings, SystemClock()).day_items(SAMPLE_DAY))
            print("\n4. the collector's Collect Finished event, from the bus to functions/publish/app.py ...")
            relay_collect_finished()
            if not serve:
                return 0
            server = LocalServer(build_site_bucket(settings), api=_api(), port=port)
            site = server.url
            print(f"\n5. Hot Papers is being served at {site}")
            print(f"   the sample day:  {site}digests/{SAMPLE_DAY}/")
            print(f"   Markdown export: {site}digests/{SAMPLE_DAY}.md")
            print(f"   JSON:            {site}digests/{SAMPLE_DAY}.json")
            print(f"   Atom feed:       {site}feed.xml")
            print("   the JSON API, as API Gateway would serve it:")
            print(f"     curl -s {site}api/digests")
            print(f"     curl -s '{site}api/digests/{SAMPLE_DAY}?category=cs.CV&limit=3'")
            print(f"     curl -s {site}api/digests/latest")
            print(f"     curl -s {site}api/papers/2105.14103")
            print(f"     curl -s '{site}api/papers/2105.14103/mentions?source=x'")
            print(f"     curl -s {site}api/openapi.json")
            print("   Ctrl-C stops the demo (the embedded AWS lives in memory).", flush=True)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                server.stop()
    return 0


def _api():  # type: ignore[no-untyped-def]
    from ..cli import _local_api

    return _local_api()
