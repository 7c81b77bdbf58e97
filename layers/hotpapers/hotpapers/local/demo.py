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


def run_demo(port: int = 8000, serve: bool = True) -> int:
    from hotpapers.core.clock import SystemClock
    from hotpapers.core.settings import Settings
    from hotpapers.core.store import build_store
    from hotpapers.local.apigw import api_gateway_proxy
    from hotpapers.local.console import print_collect_summary, print_stored_day
    from hotpapers.local.emulator import aws_endpoint
    from hotpapers.local.fakes import FakeUpstreams
    from hotpapers.local.invoke import invoke
    from hotpapers.local.provision import provision
    from hotpapers.local.relay import relay_collect_finished
    from hotpapers.local.sample import SAMPLE_DAY, load_sample_dataset
    from hotpapers.local.server import LocalServer
    from hotpapers.publish.handler import build_site_bucket

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
            print_collect_summary(summary)
            print_stored_day(build_store(settings, SystemClock()).day_items(SAMPLE_DAY))
            print("\n4. the collector's Collect Finished event, from the bus to functions/publish/app.py ...")
            relay_collect_finished()
            if not serve:
                return 0
            server = LocalServer(build_site_bucket(settings), api=api_gateway_proxy, port=port)
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
