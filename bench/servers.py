"""The benchmarks' servers child: moto (EmbeddedAws) and fake upstreams, spoken to in JSON lines (harness.Servers).

    python bench/servers.py collect DAY   # synthetic_heavy_day(DAY) (2,000 papers, 30,000 posts) and moto
    python bench/servers.py publish DAY   # the same, with moto's GSI Query indexed and item responses fast
    python bench/servers.py api           # the bundled sample day collected and published into moto
    python bench/servers.py backfill      # moto as for publish, and one fake whose day is set by `serve`

On start it prints one line (`ready`, the AWS endpoint, and `facts` about the heavy day: what each upstream
returns, counted from the dataset itself, from which the minimum request counts follow). Then one command per
line, one answer each: `fake` starts a FakeUpstreams of its own on the heavy day (X's rate-limit window and
the counts are never shared) and answers its env and credentials; `counts` / `requests` (fake, prefix) answer
a fake's request counts per route / the query strings it received under a prefix; `serve` (backfill: day,
papers, posts) gives the one fake that day's dataset (`day_dataset`) and answers its facts, with `new_papers`;
`load_years` writes the publisher's five-year archive straight into moto's table (setup); `cpu`; `quit`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import re
import resource
import sys
import threading
from datetime import date
from typing import Any

from hotpapers_local.emulator import EmbeddedAws, use_endpoint
from hotpapers_local.fakes import FakeUpstreams, UpstreamDataset
from hotpapers_local.sample import SAMPLE_DAY, heavy_day_counts, load_sample_dataset, synthetic_heavy_day

PAPERS, POSTS = 2000, 30000
ROUTES = {  # request counts per route prefix, as FakeUpstreams.count() takes them
    "x": "/x/2/tweets/search/",
    "x_full_archive": "/x/2/tweets/search/all",
    "bluesky_session": "/bsky/xrpc/com.atproto.server.createSession",
    "bluesky_search": "/bsky/xrpc/app.bsky.feed.searchPosts",
    "hackernews": "/hn/api/v1/",
    "huggingface": "/hf/api/daily_papers",
    "arxiv": "/arxiv/api/query",
    "all": "/",
}
_ID = re.compile(r"\d{4}\.\d{5}")  # synthetic paper ids are <yymm>.<5 digits>
_PAPER_ID = re.compile(r"(?<![\d.])(\d{4})\.(\d{5})(?!\d)")


def day_dataset(day: date, papers: int, posts: int) -> UpstreamDataset:
    """synthetic_heavy_day's shape, with paper ids of the day's own (it numbers every day of a month from
    <yymm>.00001): <yymm>.(30000 + 2000 x day of month + n) for a day of over 99 papers, else (100 x day + n)."""
    if papers > 2000:
        raise ValueError("at most 2,000 papers a day")
    dataset = synthetic_heavy_day(day, papers=papers, posts=posts)
    base = 30000 + 2000 * day.day if papers > 99 else 100 * day.day
    text = _PAPER_ID.sub(lambda m: f"{m[1]}.{int(m[2]) + base:05d}", json.dumps(vars(dataset)))
    return UpstreamDataset(**json.loads(text))


class DayFakes(FakeUpstreams):
    """One server whose dataset (and so X's rate-limit window and the request log) is replaced per day."""

    def serve(self, dataset: UpstreamDataset) -> None:
        fresh = FakeUpstreams(dataset)
        with self._lock:
            self.dataset, self._x, self._bsky, self._routes, self.requests = (
                dataset, fresh._x, fresh._bsky, fresh._routes, [])  # fmt: skip


def dataset_facts(dataset: UpstreamDataset, day: date) -> dict[str, Any]:
    """What each upstream returns for the day, counted from the dataset (one mention per post and paper)."""
    retweet = lambda t: any(r["type"] == "retweeted" for r in t.get("referenced_tweets", []))  # noqa: E731
    originals = [t for t in dataset.x_tweets if not retweet(t)]
    hf_items = dataset.hf_daily.get(day.isoformat(), [])
    linked = [{m for u in t["entities"]["urls"] for m in _ID.findall(u["expanded_url"])} for t in originals]
    linked += [{m for f in p["record"].get("facets", []) for feature in f["features"]
                for m in _ID.findall(feature.get("uri", ""))} for p in dataset.bsky_posts]  # fmt: skip
    linked += [set(_ID.findall(hit["url"])) for hit in dataset.hn_hits] + [{i["paper"]["id"]} for i in hf_items]
    return {
        "day": day.isoformat(), "papers_requested": PAPERS, "posts_requested": POSTS,
        "split": vars(heavy_day_counts(POSTS)), "x_originals": len(originals),
        "x_retweets": len(dataset.x_tweets) - len(originals), "bluesky_posts": len(dataset.bsky_posts),
        "hackernews_hits": len(dataset.hn_hits), "huggingface_items": len(hf_items),
        "arxiv_entries": len(dataset.arxiv_entries), "distinct_papers_linked": len(set().union(*linked)),
        "mentions": sum(len(found) for found in linked), "arxiv_ids": sorted(dataset.arxiv_entries),
    }  # fmt: skip


def index_gsi_queries() -> None:
    """moto answers a GSI Query by sorting and testing every item (2-6 s on the five-year table): give it an index.

    Per table, a map (attribute, value) -> items, built on the first Query and kept up to date by every put and
    delete (update_item, which the product never calls, is not followed); moto's own Table.query still does the
    key condition, sorting, 1 MB paging and the response, on those candidates only: same answers, found faster
    (bench_publish.py checks them against the items written). Nothing changes in the measured process.
    """
    from moto.dynamodb.models.table import Table

    original_query, original_put, original_delete = Table.query, Table.put_item, Table.delete_item
    lock = threading.Lock()

    def index(table: Any) -> tuple[set[str], dict[tuple[str, Any], dict[Any, Any]], dict[Any, list[Any]]]:
        """(GSI hash keys, (attribute, value) -> {item key: item}, item key -> its buckets): built once, then kept."""
        found = table.__dict__.get("_bench_index")
        if found is None:
            keys = {k["AttributeName"] for index in table.all_indexes() for k in index.schema if k["KeyType"] == "HASH"}
            found = table.__dict__["_bench_index"] = (keys, {}, {})
            for hash_set in table.items.values():
                for item in hash_set.values() if table.range_key_attr else (hash_set,):
                    add(found, item)
        return found

    def remove(found: Any, ident: Any) -> None:
        for bucket in found[2].pop(ident, ()):
            found[1][bucket].pop(ident, None)

    def add(found: Any, item: Any) -> None:
        ident = (item.hash_key, item.range_key)
        remove(found, ident)
        found[2][ident] = [(key, item.attrs[key]) for key in found[0] if item.attrs.get(key) is not None]
        for bucket in found[2][ident]:
            found[1].setdefault(bucket, {})[ident] = item

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, *args, **kwargs)
        with lock:
            if "_bench_index" in self.__dict__:
                add(self.__dict__["_bench_index"], item)
        return item

    def delete_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = original_delete(self, *args, **kwargs)
        with lock:
            if item is not None and "_bench_index" in self.__dict__:
                remove(self.__dict__["_bench_index"], (item.hash_key, item.range_key))
        return item

    class Candidates:
        """The table, except that all_items() gives only the items carrying the queried key."""

        def __init__(self, table: Any, items: list[Any]) -> None:
            self._table, self._items = table, items

        def __getattr__(self, name: str) -> Any:
            return getattr(self._table, name)

        def all_items(self) -> list[Any]:
            return sorted(self._items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[7] if len(args) > 7 else None)
        conditions = kwargs.get("hash_key_conditions") or []
        if not index_name or len(conditions) != 1:
            return original_query(self, *args, **kwargs)
        with lock:
            candidates = list(index(self)[1].get(tuple(conditions[0]), {}).values())
        return original_query(Candidates(self, candidates), *args, **kwargs)

    Table.query, Table.put_item, Table.delete_item = query, put_item, delete_item


FAST = {"checked": {}, "fast": {}, "mismatch": None}  # the fast responses' record, answered by `cpu`


def fast_item_responses() -> None:
    """DynamoDB item responses (Query, GetItem, BatchGetItem, BatchWriteItem) written with json.dumps.

    moto 5.2 walks botocore's output shape value by value (~0.5 s for a day's 100 items, most of the child's
    time); for these operations the JSON body is the result itself (binary as base64). The first 10 responses
    of each are compared with moto's own; any difference turns the fast path off and is reported.
    """
    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return base64.b64encode(value).decode("ascii") if isinstance(value, bytes | bytearray) else value

    def execute_result(self: Any, context: Any) -> Any:
        operation = str(context.operation_model.name)
        fast_ops = ("Query", "GetItem", "BatchGetItem", "BatchWriteItem")
        if operation not in fast_ops or FAST["mismatch"] or isinstance(self.result, Exception):
            return original(self, context)
        body = json.dumps(plain(self.result), separators=(",", ":"))
        if FAST["checked"].get(operation, 0) < 10:
            FAST["checked"][operation] = FAST["checked"].get(operation, 0) + 1
            status, headers, reference = original(self, context)
            if json.loads(reference or "{}") != json.loads(body):
                FAST["mismatch"] = f"{operation}: {reference[:300]!r} != {body[:300]!r}"
                return status, headers, reference
            return status, headers, body
        FAST["fast"][operation] = FAST["fast"].get(operation, 0) + 1
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    DynamoResult.execute_result = execute_result


def load_years(table: str, end: str, days: int, seed: int, scale: int = 1) -> dict[str, Any]:
    """The archive of publish_data.py (five years; `scale` times the papers a day) put into moto's backend
    directly: setup, no HTTP, no botocore."""
    import time

    from moto.dynamodb.models import dynamodb_backends
    from publish_data import five_years, record_names

    from hotpapers.core.records import DayPaper, Mention
    from hotpapers.core.store_memory import MemoryStore

    backends = [b for account in dynamodb_backends.values() for b in account.values() if table in b.tables]
    if not backends:
        raise RuntimeError(f"table {table} not found in moto (provision it first)")
    started = time.perf_counter()
    counts = dict.fromkeys(("days", "items", "day_papers", "mentions", "runs", "empty_days"), 0)
    keys: dict[str, list[str]] = {}
    for day, records in five_years(date.fromisoformat(end), days, seed, scale):
        papers = sum(isinstance(record, DayPaper) for record in records)
        mentions = sum(isinstance(record, Mention) for record in records)
        for name, value in (("days", 1), ("items", len(records)), ("day_papers", papers), ("mentions", mentions),
                            ("runs", len(records) - papers - mentions), ("empty_days", not papers)):  # fmt: skip
            counts[name] += value
        keys[day.isoformat()] = record_names(records)
        # The store's own items (in memory), then straight into moto's table: the store writes them, not this file.
        day_store = MemoryStore()
        day_store.write(records)
        for item in day_store.dynamo_items():
            backends[0].put_item(table, item)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    sample = sorted(keys)[:: max(1, len(keys) // 6)] + [max(keys)]  # for the check that Queries return them
    return {"counts": counts, "sample_keys": {day: keys[day] for day in sample}}


def publish_sample_day(aws_url: str) -> dict[str, Any]:
    """The bundled sample day collected and published as `hotpapers demo` does; everything printed goes to stderr."""
    from hotpapers.core.settings import Settings
    from hotpapers_local.invoke import invoke
    from hotpapers_local.provision import provision
    from hotpapers_local.relay import relay_collect_finished

    bsky = ("demo.bsky.social", "demo-app-password")
    name = f"bench-api-{os.getpid()}"
    with FakeUpstreams(load_sample_dataset(), bsky_credentials=bsky) as upstreams:
        use_endpoint(aws_url)
        os.environ.pop("HOTPAPERS_SECRET_ID", None)
        os.environ.update({**upstreams.env(), "HOTPAPERS_TABLE": name, "HOTPAPERS_BUCKET": name,
                           "HOTPAPERS_EVENT_BUS": name, "HOTPAPERS_X_BEARER_TOKEN": "bench-token",
                           "HOTPAPERS_BSKY_HANDLE": bsky[0], "HOTPAPERS_BSKY_APP_PASSWORD": bsky[1],
                           "HOTPAPERS_SOURCES": "x,bluesky,hackernews,huggingface",
                           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"})  # fmt: skip
        settings = Settings.from_env()
        with contextlib.redirect_stdout(sys.stderr):
            provision(settings)
            collected = invoke("collect", {"date": SAMPLE_DAY.isoformat()}, keep_stdout=False)
            published = relay_collect_finished()
    return {"table": settings.table, "region": settings.region, "day": SAMPLE_DAY.isoformat(),
            "collected": collected, "published": published}  # fmt: skip


def cpu() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "user": usage.ru_utime, "system": usage.ru_stime,
            "maxrss_mb": usage.ru_maxrss / 1024}  # fmt: skip


def main(argv: list[str]) -> int:
    mode = argv[1]
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if mode in ("publish", "backfill"):
        index_gsi_queries()
        fast_item_responses()
    dataset = day = None
    ready: dict[str, Any] = {"ready": True}
    if mode in ("collect", "publish"):
        day = date.fromisoformat(argv[2])
        dataset = synthetic_heavy_day(day, papers=PAPERS, posts=POSTS)
        ready["facts"] = dataset_facts(dataset, day)
    aws = EmbeddedAws().start()
    fakes: dict[str, FakeUpstreams] = {}
    served: dict[str, Any] = {}  # backfill: each day's facts, once, and the day the fake serves
    seen: set[str] = set()  # backfill: the paper ids of the days served so far

    def say(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload, default=str) + "\n")
        sys.stdout.flush()

    try:
        ready["aws_url"] = aws.url
        if mode == "api":
            ready.update(publish_sample_day(aws.url))
        say({**ready, "cpu": cpu()})
        for line in sys.stdin:
            command = json.loads(line) if line.strip() else {}
            cmd = command.get("cmd")
            try:
                if cmd == "fake":  # default credentials and X's rate limit (450 per 15 minutes), as in production
                    name = f"fake{len(fakes) + 1}"
                    fake = fakes[name] = FakeUpstreams(dataset).start()
                    say({"name": name, "env": fake.env(), "credentials": fake.credentials_env()})
                elif cmd == "serve":  # a resumed day keeps its fake (counts, X's window) while it is the current one
                    day, fake = command["day"], fakes.get("day") or fakes.setdefault("day", DayFakes().start())
                    if served.get("current") != day:
                        data = day_dataset(date.fromisoformat(day), command["papers"], command["posts"])
                        if day not in served:
                            facts = dataset_facts(data, date.fromisoformat(day))
                            ids = set(facts.pop("arxiv_ids"))
                            served[day] = {**facts, "new_papers": len(ids - seen), "papers_requested":
                                           command["papers"], "posts_requested": command["posts"],
                                           "split": vars(heavy_day_counts(command["posts"]))}  # fmt: skip
                            seen.update(ids)
                        fake.serve(data)
                        served["current"] = day
                    say({"name": "day", "env": fake.env(), "credentials": fake.credentials_env(), "facts": served[day]})
                elif cmd == "counts":
                    say({"counts": {key: fakes[command["fake"]].count(prefix) for key, prefix in ROUTES.items()}})
                elif cmd == "requests":
                    prefix = command["prefix"]
                    requests = [r for r in list(fakes[command["fake"]].requests) if r.path.startswith(prefix)]
                    say({"requests": [{k: v if len(v) <= 80 else v[:77] + "..." for k, v in r.query.items()}
                                      for r in requests]})  # fmt: skip
                elif cmd == "load_years":
                    arguments = (command["table"], command["end"], command["days"], command["seed"])
                    say(load_years(*arguments, command.get("scale", 1)))
                elif cmd == "cpu":
                    say({**cpu(), "fast_responses": FAST})
                elif cmd == "quit":
                    say({"bye": True})
                    break
                elif cmd:
                    say({"error": f"unknown command {cmd!r}"})
            except Exception as error:  # the parent reports it and stops
                say({"error": f"{type(error).__name__}: {error}"})
    finally:
        for fake in fakes.values():
            fake.stop()
        aws.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
