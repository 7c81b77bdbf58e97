"""The benchmark's servers, in a process of their own: the embedded AWS and fake upstreams.

`bench_collect.py` starts this script as a child process, so that the CPU time
the emulator (moto) and the fake upstreams spend is never counted as the
collector's. It speaks JSON lines:

- on start it builds `synthetic_heavy_day(day)`, starts the embedded moto server,
  and prints one line: the AWS endpoint, the day and the facts about the dataset
  that the minimum request counts are computed from;
- then it reads one JSON command per line on stdin and answers one line each:
  `{"cmd": "fake"}` starts another `FakeUpstreams` on the same dataset (each run
  gets its own, so X's per-window rate limit and the request counts are not
  shared) and answers its `env()`, `credentials_env()` and a name;
  `{"cmd": "counts", "fake": NAME}` answers that fake's request counts per route;
  `{"cmd": "requests", "fake": NAME, "prefix": PATH}` answers the query strings of
  that fake's requests under PATH (long values cut), to show where extra requests went;
  `{"cmd": "cpu"}` answers this process's own CPU seconds;
  `{"cmd": "quit"}` stops everything.

Run alone (`python bench/servers.py 2026-01-14`) it serves until stdin closes.
"""

from __future__ import annotations

import json
import logging
import re
import resource
import sys
from datetime import date
from typing import Any

from hotpapers.local.emulator import EmbeddedAws
from hotpapers.local.fake_upstreams import FakeUpstreams, UpstreamDataset
from hotpapers.local.sample_day import heavy_day_counts, synthetic_heavy_day

PAPERS = 2000
POSTS = 30000

# Request counts are reported per route prefix, as FakeUpstreams.count() takes them.
ROUTES = {
    "x": "/x/2/tweets/search/",
    "bluesky_session": "/bsky/xrpc/com.atproto.server.createSession",
    "bluesky_search": "/bsky/xrpc/app.bsky.feed.searchPosts",
    "hackernews": "/hn/api/v1/",
    "huggingface": "/hf/api/daily_papers",
    "arxiv": "/arxiv/api/query",
    "all": "/",
}

# Synthetic paper ids are `<yymm>.<5 digits>` (see synthetic_heavy_day).
_ID = re.compile(r"\d{4}\.\d{5}")


def dataset_facts(dataset: UpstreamDataset, day: date) -> dict[str, Any]:
    """What each upstream returns for the day, counted from the dataset itself (not from the collector)."""
    originals = [
        t for t in dataset.x_tweets if not any(r["type"] == "retweeted" for r in t.get("referenced_tweets", []))
    ]
    papers: set[str] = set()
    mentions = 0  # one mention item per (post, distinct paper it links)

    def count(found: set[str]) -> None:
        nonlocal mentions
        mentions += len(found)
        papers.update(found)

    for tweet in originals:
        count({m for u in tweet["entities"]["urls"] for m in _ID.findall(u["expanded_url"])})
    for post in dataset.bsky_posts:
        facets = post["record"].get("facets", [])
        count({m for f in facets for feature in f["features"] for m in _ID.findall(feature.get("uri", ""))})
    for hit in dataset.hn_hits:
        count(set(_ID.findall(hit["url"])))
    hf_items = dataset.hf_daily.get(day.isoformat(), [])
    for item in hf_items:
        count({item["paper"]["id"]})
    return {
        "day": day.isoformat(),
        "papers_requested": PAPERS,
        "posts_requested": POSTS,
        "split": vars(heavy_day_counts(POSTS)),
        "x_originals": len(originals),
        "x_retweets": len(dataset.x_tweets) - len(originals),
        "bluesky_posts": len(dataset.bsky_posts),
        "hackernews_hits": len(dataset.hn_hits),
        "huggingface_items": len(hf_items),
        "arxiv_entries": len(dataset.arxiv_entries),
        "distinct_papers_linked": len(papers),
        "mentions": mentions,
        "arxiv_ids": sorted(dataset.arxiv_entries),
    }


def _cpu() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"user": usage.ru_utime, "system": usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024}


def main(argv: list[str]) -> int:
    day = date.fromisoformat(argv[1])
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    dataset = synthetic_heavy_day(day, papers=PAPERS, posts=POSTS)
    facts = dataset_facts(dataset, day)
    aws = EmbeddedAws().start()
    fakes: dict[str, FakeUpstreams] = {}
    out = sys.stdout

    def say(payload: dict[str, Any]) -> None:
        out.write(json.dumps(payload) + "\n")
        out.flush()

    say({"ready": True, "aws_url": aws.url, "facts": facts, "cpu": _cpu()})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            cmd = command.get("cmd")
            if cmd == "fake":
                name = f"fake{len(fakes) + 1}"
                # Default credentials and X's default rate limit (450 requests per 15 minutes), as in production.
                fake = fakes[name] = FakeUpstreams(dataset).start()
                say({"name": name, "env": fake.env(), "credentials": fake.credentials_env()})
            elif cmd == "counts":
                fake = fakes[command["fake"]]
                say({"counts": {key: fake.count(prefix) for key, prefix in ROUTES.items()}})
            elif cmd == "requests":
                fake = fakes[command["fake"]]
                shown = [
                    {key: value if len(value) <= 80 else value[:77] + "..." for key, value in request.query.items()}
                    for request in list(fake.requests)
                    if request.path.startswith(command["prefix"])
                ]
                say({"requests": shown})
            elif cmd == "cpu":
                say({"cpu": _cpu()})
            elif cmd == "quit":
                say({"bye": True})
                break
            else:
                say({"error": f"unknown command {cmd!r}"})
    finally:
        for fake in fakes.values():
            fake.stop()
        aws.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
