"""The API benchmark's servers, in a process of their own: the embedded AWS with a published sample day.

`bench_api.py` starts this script as a child process, so that the CPU time moto
spends answering never counts as the API handler's, and so that the fresh
processes of the cold-start measurement find a ready endpoint. On start it:

- starts the embedded AWS (`EmbeddedAws`, moto's server) and the fake upstreams
  replaying the bundled sample day (2021-06-01), as `hotpapers demo` does;
- provisions a table, bucket and bus of its own from template.yaml;
- collects the day through the real collect handler and hands the collector's
  Collect Finished event to the real publish handler (`relay_collect_finished`),
  which writes the digest, its summary and the latest-digest copy;

then prints one JSON line (`ready`, the AWS endpoint, the settings it used) and
answers one JSON command per line on stdin: `{"cmd": "cpu"}` (this process's CPU
seconds) and `{"cmd": "quit"}`. Everything the handlers print goes to stderr.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import sys
from typing import Any

from hotpapers.cli import relay_collect_finished
from hotpapers.local.emulator import EmbeddedAws, use_endpoint
from hotpapers.local.fake_upstreams import FakeUpstreams
from hotpapers.local.invoke import invoke
from hotpapers.local.provision import provision
from hotpapers.local.sample_day import SAMPLE_DAY, load_sample_dataset
from hotpapers.settings import Settings

BSKY = ("demo.bsky.social", "demo-app-password")


def _cpu() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"user": usage.ru_utime, "system": usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024}


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    out = sys.stdout

    def say(payload: dict[str, Any]) -> None:
        out.write(json.dumps(payload, default=str) + "\n")
        out.flush()

    aws = EmbeddedAws().start()
    names = f"bench-api-{os.getpid()}"
    try:
        with FakeUpstreams(load_sample_dataset(), bsky_credentials=BSKY) as upstreams:
            use_endpoint(aws.url)
            os.environ.update(
                {
                    **upstreams.env(),
                    "HOTPAPERS_TABLE": names,
                    "HOTPAPERS_BUCKET": names,
                    "HOTPAPERS_EVENT_BUS": names,
                    "HOTPAPERS_X_BEARER_TOKEN": "bench-token",
                    "HOTPAPERS_BSKY_HANDLE": BSKY[0],
                    "HOTPAPERS_BSKY_APP_PASSWORD": BSKY[1],
                    "HOTPAPERS_SOURCES": "x,bluesky,hackernews,huggingface",
                    "POWERTOOLS_METRICS_DISABLED": "true",
                    "POWERTOOLS_LOG_LEVEL": "WARNING",
                }
            )
            os.environ.pop("HOTPAPERS_SECRET_ID", None)
            settings = Settings.from_env()
            with contextlib.redirect_stdout(sys.stderr):
                provision(settings)
                summary = invoke("collect", {"date": SAMPLE_DAY.isoformat()}, keep_stdout=False)
                published = relay_collect_finished()
        say(
            {
                "ready": True,
                "aws_url": aws.url,
                "table": settings.table,
                "region": settings.region,
                "day": SAMPLE_DAY.isoformat(),
                "collected": summary,
                "published": published,
                "cpu": _cpu(),
            }
        )
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line).get("cmd")
            if command == "cpu":
                say({"cpu": _cpu()})
            elif command == "quit":
                say({"bye": True})
                break
            else:
                say({"error": f"unknown command {command!r}"})
    finally:
        aws.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
