"""Collector benchmark: a synthetic heavy day (2,000 papers, 30,000 posts) through the real collect handler.

What runs where:

- a child process (`bench/servers.py`) runs the embedded AWS (moto's server) and
  the fake upstreams serving `synthetic_heavy_day(day)`; their CPU time is the
  child's, so this process's CPU time is the collector's own;
- this process calls `hotpapers.handlers.collect({"date": D}, clock=...)` with a
  clock whose `sleep()` does not sleep but adds the seconds up: arXiv's mandated
  3 s between requests is counted and reported, not burned;
- in the same run it measures baselines, because these machines are noisy and
  figures are reported as ratios: a "floor" (the same upstream pages fetched with
  a bare `requests.Session` and parsed with `json.loads` / `feedparser.parse`, and
  the same number of minimal pre-built items written with raw `batch_write_item`),
  and cold starts (`python -c pass`, `import boto3`, the collect handler module).

Prints a table, checks the targets of the benchmark issue (PASS/FAIL each), writes
everything to bench/results/collect.json, and exits 1 when a target fails.

    .venv/bin/python bench/bench_collect.py [--day YYYY-MM-DD] [--profile] [--tracemalloc]

See bench/README.md for the figures and how to read them.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DEFAULT_JSON = BENCH / "results" / "collect.json"

PAGE_SIZE = 100  # every social source pages by 100
WRITE_BATCH = 25  # DynamoDB BatchWriteItem maximum
TOLERANCE_PERCENT = 5  # requests may exceed the minimum by at most 5%
CPU_TARGET_S = 20.0
COLD_START_RUNS = 5

SOURCES = ("x", "bluesky", "hackernews", "huggingface")


# --------------------------------------------------------------------------- servers


class Servers:
    """The child process of bench/servers.py, spoken to in JSON lines."""

    def __init__(self, day: date) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH / "servers.py"), day.isoformat()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.ready = self._read()
        if not self.ready.get("ready"):
            raise RuntimeError(f"servers did not start: {self.ready}")

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench/servers.py exited early (code {self.proc.poll()})")
        return json.loads(line)

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.ask(cmd="quit")
                self.proc.wait(timeout=30)
            except (OSError, RuntimeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


# ----------------------------------------------------------------------------- clock


def _sleepless_clock_class() -> type:
    from hotpapers.clock import SystemClock

    class SleeplessClock(SystemClock):
        """System time, except that sleep() only adds the seconds up (and moves this clock on by them).

        Moving now() and monotonic() on keeps every wait computed as a real run
        would: arXiv's client waits `3 s - time since the previous request`.
        """

        def __init__(self) -> None:
            self.slept = 0.0
            self.by_caller: Counter[str] = Counter()
            self.calls: Counter[str] = Counter()

        def now(self) -> datetime:
            return datetime.now(UTC) + timedelta(seconds=self.slept)

        def monotonic(self) -> float:
            return time.monotonic() + self.slept

        def sleep(self, seconds: float) -> None:
            if seconds <= 0:
                return
            frame = sys._getframe(1)
            caller = f"{frame.f_globals.get('__name__')}.{frame.f_code.co_name}"
            self.slept += seconds
            self.by_caller[caller] += seconds
            self.calls[caller] += 1

    return SleeplessClock


MANDATED_WAIT_CALLER = "hotpapers.arxiv._query"  # ArxivClient's spacing of requests


# --------------------------------------------------------------------------- helpers


def _rss_now_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


class Measure:
    """Wall and CPU time (user + system, all threads of this process) of a block."""

    def __enter__(self) -> Measure:
        gc.collect()
        self._usage = resource.getrusage(resource.RUSAGE_SELF)
        self._cpu = time.process_time()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.user = usage.ru_utime - self._usage.ru_utime
        self.system = usage.ru_stime - self._usage.ru_stime


def _configure(base_env: dict[str, str], fake: dict[str, Any], label: str) -> None:
    """Point this process at one fake upstream instance and a fresh table/bucket/bus of its own."""
    names = f"bench-{os.getpid()}-{label}"
    os.environ.update(base_env)
    os.environ.update(fake["env"])
    os.environ.update(fake["credentials"])
    os.environ.update({"HOTPAPERS_TABLE": names, "HOTPAPERS_BUCKET": names, "HOTPAPERS_EVENT_BUS": names})


def _memory_setting() -> int:
    from hotpapers.local.provision import load_template

    template = load_template(ROOT / "template.yaml")
    properties = template["Resources"]["CollectFunction"].get("Properties", {})
    memory = properties.get("MemorySize") or template.get("Globals", {}).get("Function", {}).get("MemorySize")
    return int(memory)


def _within(count: int, minimum: int) -> bool:
    """count <= minimum x 1.05, in integers (21 requests for a minimum of 20 is within 5%)."""
    return count * 100 <= minimum * (100 + TOLERANCE_PERCENT)


def _ratio(value: float, base: float) -> float | None:
    return value / base if base else None


# --------------------------------------------------------------------- the collector


class AwsRequestCounter:
    """Counts every HTTP request a boto3 client sends, per operation, retries included (botocore's before-send)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def attach(self, client: Any, service: str) -> None:
        client.meta.events.register(f"before-send.{service}", self._on_send)

    def _on_send(self, event_name: str = "", **_: Any) -> None:
        self.counts[event_name.split(".", 1)[-1]] += 1


class PhaseTimer:
    """CPU seconds spent inside chosen functions: time.process_time() around each call (~1 µs a call).

    The functions are replaced in this process only, for the measured run, and put back afterwards.
    """

    def __init__(self) -> None:
        self.cpu: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.captured: dict[str, Any] = {}
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, name: str, label: Any, capture: str | None = None) -> None:
        original = getattr(owner, name)
        timer = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            key = label(args) if callable(label) else label
            if capture:
                timer.captured[capture] = args[1]
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                timer.cpu[key] += time.process_time() - started
                timer.calls[key] += 1

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


# Top-level phases do not overlap; the indented ones are parts of the phase above them.
PHASES_TOP = (
    "source x",
    "source bluesky",
    "source hackernews",
    "source huggingface",
    "stored papers lookup (BatchGetItem)",
    "arXiv metadata (20 batches)",
    "engagement totals",
    "item builders",
    "write_items (BatchWriteItem)",
    "run record PutItem",
)
PHASES_NESTED = {
    "  HTTP client, all upstreams (requests)": "inside the sources and arXiv",
    "  page parsers (parse_*_page)": "inside the sources",
    "  arXiv parse_feed (feedparser)": "inside arXiv metadata",
    "  Store._to_dynamo (TypeSerializer)": "inside write_items",
}


def _phase_timer() -> PhaseTimer:
    import hotpapers.arxiv
    import hotpapers.collect
    import hotpapers.sources.bluesky
    import hotpapers.sources.hackernews
    import hotpapers.sources.huggingface
    import hotpapers.sources.x
    from hotpapers.http import HttpClient
    from hotpapers.store import Store

    timer = PhaseTimer()
    timer.wrap(hotpapers.collect.Collector, "_collect_source", lambda args: f"source {args[1].name}")
    timer.wrap(Store, "papers_meta", "stored papers lookup (BatchGetItem)")
    timer.wrap(hotpapers.arxiv.ArxivClient, "fetch", "arXiv metadata (20 batches)")
    timer.wrap(hotpapers.collect, "_engagement_by_paper", "engagement totals")
    for builder in ("paper_item", "day_paper_item", "mention_item"):
        timer.wrap(hotpapers.collect, builder, "item builders")
    timer.wrap(Store, "write_items", "write_items (BatchWriteItem)", capture="items")
    timer.wrap(Store, "put_item", "run record PutItem")
    timer.wrap(HttpClient, "request", "  HTTP client, all upstreams (requests)")
    for module, parser in (
        (hotpapers.sources.x, "parse_x_page"),
        (hotpapers.sources.bluesky, "parse_bsky_page"),
        (hotpapers.sources.hackernews, "parse_hn_page"),
        (hotpapers.sources.huggingface, "parse_hf_page"),
    ):
        timer.wrap(module, parser, "  page parsers (parse_*_page)")
    timer.wrap(hotpapers.arxiv, "parse_feed", "  arXiv parse_feed (feedparser)")
    timer.wrap(Store, "_to_dynamo", "  Store._to_dynamo (TypeSerializer)")
    return timer


def split_write_path(items: list[dict[str, Any]], client: Any, table: str) -> dict[str, float]:
    """The CPU of the write path's three steps, re-run here on the very items written, without a profiler."""
    from boto3.dynamodb.types import TypeSerializer
    from botocore.serialize import create_serializer
    from botocore.validate import ParamValidator

    operation = client.meta.service_model.operation_model("BatchWriteItem")
    serialize = TypeSerializer().serialize
    with Measure() as typed:
        batches = [
            [
                {"PutRequest": {"Item": {k: serialize(v) for k, v in item.items() if v is not None}}}
                for item in items[first : first + WRITE_BATCH]
            ]
            for first in range(0, len(items), WRITE_BATCH)
        ]
    validator = ParamValidator()
    with Measure() as validated:
        for batch in batches:
            errors = validator.validate({"RequestItems": {table: batch}}, operation.input_shape)
            assert not errors.has_errors(), errors.generate_report()
    serializer = create_serializer(operation.metadata["protocol"], include_validation=False)
    with Measure() as serialized:
        for batch in batches:
            serializer.serialize_to_request({"RequestItems": {table: batch}}, operation)
    return {
        "TypeSerializer (Python values to DynamoDB JSON)": typed.cpu,
        "botocore parameter validation": validated.cpu,
        "botocore request serialisation (JSON body)": serialized.cpu,
    }


def run_collector(day: date, label: str, profile: str | None = None, phases: bool = True) -> dict[str, Any]:
    """One collection of the day through the real handler, measured. `profile`: "cprofile" or "tracemalloc"."""
    from hotpapers import aws, handlers
    from hotpapers.local.provision import provision
    from hotpapers.settings import Settings

    settings = Settings.from_env()
    provision(settings)
    counter = AwsRequestCounter()
    # The very clients the collector will use: aws.client() caches one per (service, endpoint, region).
    counter.attach(
        aws.client("dynamodb", settings.endpoint_url, settings.region, parameter_validation=False), "dynamodb"
    )
    counter.attach(aws.client("events", settings.endpoint_url, settings.region), "events")

    clock = _sleepless_clock_class()()
    rss_before = _rss_now_mb()
    maxrss_before = _maxrss_mb()
    extra: dict[str, Any] = {}
    items = None
    # Lambda sends stdout (EMF metric blobs) to CloudWatch; here it would only clutter the table.
    stdout = io.StringIO()
    if profile == "cprofile":
        import cProfile
        import pstats

        # cProfile's default (wall-clock) timer: a CPU timer costs a system call per event and
        # inflates the profile tenfold. Waiting on moto therefore shows as socket recv_into.
        profiler = cProfile.Profile()
        with contextlib.redirect_stdout(stdout), Measure() as measured:
            summary = profiler.runcall(handlers.collect, {"date": day.isoformat()}, clock=clock)
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(15)
        stats.sort_stats("tottime").print_stats(15)
        extra["profile_text"] = stream.getvalue()
        profile_path = BENCH / "results" / "collect.prof"
        profile_path.parent.mkdir(parents=True, exist_ok=True)
        stats.dump_stats(profile_path)
        extra["profile_file"] = str(profile_path.relative_to(ROOT))
    elif profile == "tracemalloc":
        import tracemalloc

        tracemalloc.start()
        with contextlib.redirect_stdout(stdout), Measure() as measured:
            summary = handlers.collect({"date": day.isoformat()}, clock=clock)
        extra["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    elif not phases:
        with contextlib.redirect_stdout(stdout), Measure() as measured:
            summary = handlers.collect({"date": day.isoformat()}, clock=clock)
    else:
        timer = _phase_timer()
        try:
            with contextlib.redirect_stdout(stdout), Measure() as measured:
                summary = handlers.collect({"date": day.isoformat()}, clock=clock)
        finally:
            timer.restore()
        extra["phases_cpu_s"] = {key: timer.cpu.get(key, 0.0) for key in (*PHASES_TOP, *PHASES_NESTED)}
        extra["phases_calls"] = dict(timer.calls)
        extra["phases_cpu_s"]["other (collector glue, handler, GC)"] = measured.cpu - sum(
            timer.cpu.get(key, 0.0) for key in PHASES_TOP
        )
        items = timer.captured.pop("items", None)
    maxrss_after = _maxrss_mb()
    if profile is None and items:
        # A validating client on purpose: the split shows what botocore's validation would cost.
        client = aws.client("dynamodb", settings.endpoint_url, settings.region)
        extra["write_path_split_cpu_s"] = split_write_path(list(items), client, settings.table)
        del items

    waits = dict(clock.by_caller)
    mandated = waits.pop(MANDATED_WAIT_CALLER, 0.0)
    return {
        "label": label,
        "wall_s": measured.wall,
        "cpu_s": measured.cpu,
        "cpu_user_s": measured.user,
        "cpu_system_s": measured.system,
        "mandated_waits_s": mandated,
        "mandated_wait_count": clock.calls.get(MANDATED_WAIT_CALLER, 0),
        "other_sleeps_s": waits,  # retries and backoff: none expected on loopback
        "rss_before_mb": rss_before,
        "maxrss_before_mb": maxrss_before,
        "maxrss_after_mb": maxrss_after,
        "aws_requests": dict(counter.counts),
        "stdout_lines": stdout.getvalue().count("\n"),
        "summary": summary,
        **extra,
    }


# --------------------------------------------------------------------------- the floor


def run_floor(day: date, facts: dict[str, Any], items: int) -> dict[str, Any]:
    """The unavoidable work with none of the collector's logic: fetch and decode the same pages, write as many items."""
    import boto3
    import feedparser
    import requests

    from hotpapers.local.provision import provision
    from hotpapers.settings import Settings
    from hotpapers.sources.x import QUERY, TWEET_FIELDS

    settings = Settings.from_env()
    provision(settings)
    dynamodb = boto3.client("dynamodb", endpoint_url=settings.endpoint_url, region_name=settings.region)
    dynamodb.describe_table(TableName=settings.table)  # warm the client before measuring
    # Minimal items, pre-built in DynamoDB's wire format: no serialisation of ours is left to measure.
    puts = [{"PutRequest": {"Item": {"PK": {"S": f"FLOOR#{n:06d}"}, "SK": {"S": "ITEM"}}}} for n in range(items)]
    ids = facts["arxiv_ids"]
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    since, until = start.strftime("%Y-%m-%dT%H:%M:%SZ"), (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    requests_made: Counter[str] = Counter()
    decoded = Counter()

    with Measure() as measured:
        session = requests.Session()

        def get(source: str, url: str, **kwargs: Any) -> bytes:
            requests_made[source] += 1
            response = session.get(url, timeout=20, **kwargs)
            response.raise_for_status()
            return response.content

        params: dict[str, Any] = {
            "query": QUERY,
            "start_time": since,
            "end_time": until,
            "max_results": PAGE_SIZE,
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": "username,name",
        }
        auth = {"Authorization": f"Bearer {os.environ['HOTPAPERS_X_BEARER_TOKEN']}"}
        while True:
            body = json.loads(get("x", f"{settings.x_api_url}/tweets/search/recent", params=params, headers=auth))
            decoded["x"] += len(body.get("data", []))
            token = body.get("meta", {}).get("next_token")
            if not token:
                break
            params["next_token"] = token

        requests_made["bluesky"] += 1
        login = session.post(
            f"{settings.bsky_api_url}/com.atproto.server.createSession",
            json={
                "identifier": os.environ["HOTPAPERS_BSKY_HANDLE"],
                "password": os.environ["HOTPAPERS_BSKY_APP_PASSWORD"],
            },
            timeout=20,
        )
        login.raise_for_status()
        auth = {"Authorization": f"Bearer {login.json()['accessJwt']}"}
        params = {"q": "arxiv.org", "since": since, "until": until, "sort": "latest", "limit": PAGE_SIZE}
        while True:
            body = json.loads(
                get("bluesky", f"{settings.bsky_api_url}/app.bsky.feed.searchPosts", params=params, headers=auth)
            )
            decoded["bluesky"] += len(body["posts"])
            if not body.get("cursor"):
                break
            params["cursor"] = body["cursor"]

        numeric = f"created_at_i>={int(start.timestamp())},created_at_i<{int(start.timestamp()) + 86400}"
        params = {"query": "arxiv.org", "tags": "story", "restrictSearchableAttributes": "url",
                  "numericFilters": numeric, "hitsPerPage": PAGE_SIZE, "page": 0}  # fmt: skip
        while True:
            body = json.loads(get("hackernews", f"{settings.hn_api_url}/search_by_date", params=params))
            decoded["hackernews"] += len(body["hits"])
            params["page"] += 1
            if params["page"] >= body["nbPages"]:
                break

        # No total is reported: like any client, the floor asks until a page comes back short.
        for page in range(facts["huggingface_items"] // PAGE_SIZE + 1):
            params = {"date": day.isoformat(), "limit": PAGE_SIZE, "p": page}
            decoded["huggingface"] += len(
                json.loads(get("huggingface", f"{settings.hf_api_url}/daily_papers", params=params))
            )

        for first in range(0, len(ids), PAGE_SIZE):
            params = {"id_list": ",".join(ids[first : first + PAGE_SIZE]), "start": 0, "max_results": PAGE_SIZE}
            feed = feedparser.parse(io.BytesIO(get("arxiv", settings.arxiv_api_url, params=params)))
            decoded["arxiv"] += len(feed.entries)

        for first in range(0, len(puts), WRITE_BATCH):
            pending = puts[first : first + WRITE_BATCH]
            while pending:
                requests_made["dynamodb"] += 1
                response = dynamodb.batch_write_item(RequestItems={settings.table: pending})
                pending = response.get("UnprocessedItems", {}).get(settings.table, [])

    return {
        "wall_s": measured.wall,
        "cpu_s": measured.cpu,
        "cpu_user_s": measured.user,
        "cpu_system_s": measured.system,
        "requests": dict(requests_made),
        "decoded": dict(decoded),
        "items_written": items,
    }


# -------------------------------------------------------------------------- cold start

# The imports DESIGN.md budgets for (botocore's bare package is tiny; botocore.client is the costly part).
_HEAVY_MODULES = (
    "boto3",
    "botocore.client",
    "requests",
    "feedparser",
    "jinja2",
    "yaml",
    "aws_lambda_powertools.metrics",
)
_HANDLER_IMPORT = "from hotpapers.local.invoke import load_handler\nload_handler('collect')\n"
_COLD_SNIPPETS = {
    "python -c pass": "pass",
    "import boto3": "import time\nt = time.perf_counter()\nimport boto3\nprint(time.perf_counter() - t)",
    "collect handler": (
        # Timed from before hotpapers.local.invoke (a few ms of stdlib of its own) to the loaded module.
        "import json, sys, time\n"
        "t = time.perf_counter()\n"
        f"{_HANDLER_IMPORT}"
        "print(time.perf_counter() - t)\n"
        f"print(json.dumps([m for m in {list(_HEAVY_MODULES)!r} if m in sys.modules]))\n"
    ),
}


def measure_cold_starts(env: dict[str, str], runs: int = COLD_START_RUNS) -> dict[str, Any]:
    """Each snippet in fresh interpreters: one warm-up (bytecode caches), then the median of `runs`."""
    results: dict[str, Any] = {}
    for name, code in _COLD_SNIPPETS.items():
        walls, imports, loaded = [], [], []
        for attempt in range(runs + 1):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
            )
            wall = time.perf_counter() - started
            if attempt == 0:
                continue
            walls.append(wall)
            lines = done.stdout.splitlines()
            if lines:
                imports.append(float(lines[0]))
            if len(lines) > 1:
                loaded = json.loads(lines[1])
        results[name] = {
            "process_ms": statistics.median(walls) * 1000,
            "process_ms_all": [w * 1000 for w in walls],
            "import_ms": statistics.median(imports) * 1000 if imports else 0.0,
            "import_ms_all": [i * 1000 for i in imports],
        }
        if name == "collect handler":
            results[name]["heavy_modules_loaded"] = loaded
            results[name]["imports_ms"] = _import_breakdown(env)
    return results


# What DESIGN.md budgets for at cold start, wherever in the import tree each is first imported.
_WATCHED_IMPORTS = (
    "hotpapers.handlers",
    "requests",
    "feedparser",
    "aws_lambda_powertools",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.utilities.typing",
    "boto3",
    "jinja2",
    "yaml",
    "hotpapers.local.invoke",
)


def _import_breakdown(env: dict[str, str]) -> dict[str, float]:
    """Cumulative ms of the watched imports, from one run of the handler import under `python -X importtime`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _HANDLER_IMPORT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    costs: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        if name.strip() in _WATCHED_IMPORTS:
            costs[name.strip()] = int(cumulative) / 1000
    return {name: costs[name] for name in _WATCHED_IMPORTS if name in costs}


# ------------------------------------------------------------------------- reporting


def minimums(facts: dict[str, Any]) -> dict[str, int]:
    pages = lambda n: math.ceil(n / PAGE_SIZE)  # noqa: E731 - a client that knows the total
    return {
        "x": pages(facts["x_originals"]),  # the query excludes retweets server-side
        "bluesky": pages(facts["bluesky_posts"]) + 1,  # + createSession
        "hackernews": pages(facts["hackernews_hits"]),
        # daily_papers reports no total and no cursor: the only way to know a full page was the
        # last is to ask for the next one, so the least any client can make is floor(n/100) + 1.
        "huggingface": facts["huggingface_items"] // PAGE_SIZE + 1,
        "arxiv": math.ceil(facts["distinct_papers_linked"] / PAGE_SIZE),
    }


def build_report(
    facts: dict[str, Any],
    collector: dict[str, Any],
    fake_counts: dict[str, int],
    floor: dict[str, Any],
    floor_counts: dict[str, int],
    child_cpu: dict[str, Any],
    cold: dict[str, Any] | None,
    memory_mb: int,
) -> dict[str, Any]:
    day = collector["summary"]["days"][0]
    minimum = minimums(facts)
    wire = {
        "x": fake_counts["x"],
        "bluesky": fake_counts["bluesky_session"] + fake_counts["bluesky_search"],
        "hackernews": fake_counts["hackernews"],
        "huggingface": fake_counts["huggingface"],
        "arxiv": fake_counts["arxiv"],
    }
    reported = {name: day["sources"][name]["requests"] for name in SOURCES} | {"arxiv": day["arxiv_requests"]}
    upstream = {
        name: {
            "minimum": minimum[name],
            "collector_reported": reported[name],
            "fake_counted": wire[name],
            "ratio": wire[name] / minimum[name],
        }
        for name in minimum
    }
    upstream_total = {
        "minimum": sum(minimum.values()),
        "fake_counted": sum(wire.values()),
        "ratio": sum(wire.values()) / sum(minimum.values()),
    }
    expected_items = 2 * facts["distinct_papers_linked"] + facts["mentions"]  # paper meta + day paper per paper
    aws = collector["aws_requests"]
    dynamodb = {
        "items_expected": expected_items,
        "items_written": day["items_written"],
        "minimum_batch_writes": math.ceil(expected_items / WRITE_BATCH),
        "batch_writes_reported": day["write_requests"],
        "batch_writes_on_wire": aws.get("dynamodb.BatchWriteItem", 0),
        "put_item_on_wire": aws.get("dynamodb.PutItem", 0),  # the run record, written after the batch
        "batch_get_on_wire": aws.get("dynamodb.BatchGetItem", 0),
        "minimum_batch_gets": math.ceil(facts["distinct_papers_linked"] / 100),
        "other_on_wire": {k: v for k, v in aws.items() if not k.startswith("dynamodb.")},
    }
    dynamodb["ratio"] = dynamodb["batch_writes_on_wire"] / dynamodb["minimum_batch_writes"]

    cpu, wall = collector["cpu_s"], collector["wall_s"]
    peak = collector["maxrss_after_mb"]
    report: dict[str, Any] = {
        "dataset": {k: v for k, v in facts.items() if k != "arxiv_ids"},
        "collector": {
            "wall_s": wall,
            "cpu_s": cpu,
            "cpu_user_s": collector["cpu_user_s"],
            "cpu_system_s": collector["cpu_system_s"],
            "cpu_share_of_wall": cpu / wall if wall else None,
            "mandated_waits_s": collector["mandated_waits_s"],
            "mandated_wait_count": collector["mandated_wait_count"],
            "lambda_duration_estimate_s": wall + collector["mandated_waits_s"],
            "other_sleeps_s": collector["other_sleeps_s"],
            "peak_rss_mb": peak,
            "stdout_lines": collector["stdout_lines"],
            "phases_cpu_s": collector.get("phases_cpu_s"),
            "phases_calls": collector.get("phases_calls"),
            "write_path_split_cpu_s": collector.get("write_path_split_cpu_s"),
            "rss_before_run_mb": collector["rss_before_mb"],
            "rss_growth_mb": peak - collector["rss_before_mb"],
            "summary": collector["summary"],
        },
        "upstream_requests": upstream,
        "upstream_requests_total": upstream_total,
        "dynamodb_requests": dynamodb,
        "floor": {**floor, "fake_counted": floor_counts},
        "ratios_vs_floor": {"cpu": _ratio(cpu, floor["cpu_s"]), "wall": _ratio(wall, floor["wall_s"])},
        "servers_child": child_cpu,
        "memory_setting_mb": memory_mb,
        "cold_start": cold,
    }
    if cold:
        boto, handler, bare = cold["import boto3"], cold["collect handler"], cold["python -c pass"]
        report["cold_start_ratios"] = {
            "handler_import_vs_boto3_import": _ratio(handler["import_ms"], boto["import_ms"]),
            "handler_process_vs_boto3_process": _ratio(handler["process_ms"], boto["process_ms"]),
            "handler_process_vs_bare_python": _ratio(handler["process_ms"], bare["process_ms"]),
        }

    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str, kind: str = "target") -> None:
        checks.append({"name": name, "kind": kind, "pass": bool(ok), "detail": detail})

    for name, row in upstream.items():
        check(
            f"upstream requests {name} <= min x 1.05",
            _within(row["fake_counted"], row["minimum"]),
            f"{row['fake_counted']} / {row['minimum']} = {row['ratio']:.3f}",
        )
    check(
        "upstream requests total <= min x 1.05",
        _within(upstream_total["fake_counted"], upstream_total["minimum"]),
        f"{upstream_total['fake_counted']} / {upstream_total['minimum']} = {upstream_total['ratio']:.3f}",
    )
    check(
        "DynamoDB BatchWriteItem <= ceil(items/25) x 1.05",
        _within(dynamodb["batch_writes_on_wire"], dynamodb["minimum_batch_writes"]),
        f"{dynamodb['batch_writes_on_wire']} / {dynamodb['minimum_batch_writes']} = {dynamodb['ratio']:.3f}"
        f" (+{dynamodb['put_item_on_wire']} PutItem for the run record)",
    )
    check(f"collector CPU < {CPU_TARGET_S:.0f} s", cpu < CPU_TARGET_S, f"{cpu:.2f} s")
    check(f"peak RSS < MemorySize {memory_mb} MB", peak < memory_mb, f"{peak:.0f} MB")

    # Validity: if these fail, the run did not measure a full, correct collection of the day.
    check("valid: every original post kept", day["posts"] == facts["posts_requested"], f"posts {day['posts']}", "valid")
    check(
        "valid: every paper with metadata",
        day["papers"] == day["papers_fetched"] == facts["distinct_papers_linked"] and not day["paper_failures"],
        f"papers {day['papers']}, fetched {day['papers_fetched']}, failures {len(day['paper_failures'])}",
        "valid",
    )
    errors = {name: s["error"] for name, s in day["sources"].items() if s["error"]}
    check("valid: no source failed", not errors, json.dumps(errors) if errors else "none", "valid")
    check(
        "valid: items written = paper metas + day papers + mentions",
        day["items_written"] == expected_items,
        f"{day['items_written']} vs {expected_items}",
        "valid",
    )
    check(
        "valid: collector's request counts match the fake's",
        all(reported[n] == wire[n] for n in wire)
        and dynamodb["batch_writes_reported"] == dynamodb["batch_writes_on_wire"],
        "match" if all(reported[n] == wire[n] for n in wire) else f"reported {reported} vs wire {wire}",
        "valid",
    )
    check(
        "valid: no retry or backoff sleeps",
        not collector["other_sleeps_s"],
        json.dumps(collector["other_sleeps_s"]),
        "valid",
    )
    check(
        "valid: the floor made exactly the minimum upstream requests",
        floor["requests"].get("x") == minimum["x"] and floor_counts["all"] == sum(minimum.values()),
        f"{floor_counts['all']} vs {sum(minimum.values())}",
        "valid",
    )
    report["checks"] = checks
    return report


def print_report(report: dict[str, Any], meta: dict[str, Any]) -> None:
    c, floor, ratios = report["collector"], report["floor"], report["ratios_vs_floor"]
    ds = report["dataset"]
    print(f"\nCollector benchmark  {meta['when']}  day {ds['day']}  ({meta['cpus']} CPUs, Python {meta['python']})")
    print(
        f"dataset: {ds['posts_requested']} original posts "
        f"(X {ds['x_originals']} + {ds['x_retweets']} retweets to skip, "
        f"Bluesky {ds['bluesky_posts']}, HN {ds['hackernews_hits']}, HF {ds['huggingface_items']}), "
        f"{ds['distinct_papers_linked']} papers, {ds['mentions']} mentions"
    )
    print("\nTime and memory                      collector      floor   ratio")
    print(f"  wall time (s)                     {c['wall_s']:9.2f}  {floor['wall_s']:9.2f}  {ratios['wall']:6.2f}x")
    print(f"  CPU time (s)                      {c['cpu_s']:9.2f}  {floor['cpu_s']:9.2f}  {ratios['cpu']:6.2f}x")
    print(f"    user / system (s)               {c['cpu_user_s']:5.2f}/{c['cpu_system_s']:.2f}  "
          f"{floor['cpu_user_s']:5.2f}/{floor['cpu_system_s']:.2f}")  # fmt: skip
    print(f"  mandated arXiv waits (not slept)  {c['mandated_waits_s']:9.2f} s over {c['mandated_wait_count']} waits")
    print(f"  Lambda duration estimate          {c['lambda_duration_estimate_s']:9.2f} s (wall + mandated waits)")
    print(
        f"  peak RSS                          {c['peak_rss_mb']:9.0f} MB  (before run {c['rss_before_run_mb']:.0f} MB, "
        f"growth {c['rss_growth_mb']:.0f} MB; MemorySize {report['memory_setting_mb']} MB)"
    )
    child = report["servers_child"]
    print(f"  servers child CPU (moto + fakes)  {child['run_cpu_s']:9.2f} s during the collector run (not counted)")

    phases = c.get("phases_cpu_s")
    if phases:
        print("\nWhere the collector's CPU goes (process_time around each function; indented: part of the above)")
        for key, seconds in phases.items():
            print(f"  {key:<44} {seconds:7.2f} s  {seconds / c['cpu_s']:6.1%}")
        split = c.get("write_path_split_cpu_s")
        if split:
            print("  write path re-run on the same items, step by step:")
            for key, seconds in split.items():
                print(f"    {key:<50} {seconds:7.2f} s")

    print("\nUpstream requests   minimum  collector(fake)  collector(own)  ratio")
    for name, row in report["upstream_requests"].items():
        print(
            f"  {name:<16} {row['minimum']:8d}  {row['fake_counted']:15d}  "
            f"{row['collector_reported']:14d}  {row['ratio']:5.3f}"
        )
    total = report["upstream_requests_total"]
    print(f"  {'total':<16} {total['minimum']:8d}  {total['fake_counted']:15d}  {'':14}  {total['ratio']:5.3f}")

    d = report["dynamodb_requests"]
    print("\nDynamoDB")
    print(f"  items written {d['items_written']} (expected {d['items_expected']})")
    print(
        f"  BatchWriteItem {d['batch_writes_on_wire']} on the wire ({d['batch_writes_reported']} reported), "
        f"minimum {d['minimum_batch_writes']}: ratio {d['ratio']:.3f}"
    )
    print(
        f"  PutItem {d['put_item_on_wire']} (run record); "
        f"BatchGetItem {d['batch_get_on_wire']} (minimum {d['minimum_batch_gets']})"
    )

    over = [name for name, row in report["upstream_requests"].items() if row["fake_counted"] > row["minimum"]]
    for name in over:
        log = report.get("request_log", {}).get(name)
        if not log:
            continue
        print(f"\n  {name}: where the {report['upstream_requests'][name]['fake_counted']} requests went")
        if name == "hackernews":
            windows: dict[str, list[str]] = {}
            for query in log:
                windows.setdefault(query.get("numericFilters", ""), []).append(query.get("page", "?"))
            for window, pages in windows.items():
                print(f"    {window:<52} pages {','.join(pages)}")
        else:
            for query in log:
                print(f"    {json.dumps(query)}")

    print(f"\n  stdout lines printed by the handler (EMF metrics): {report['collector']['stdout_lines']}")

    cold = report.get("cold_start")
    if cold:
        print("\nCold start (fresh interpreters, median of 5)   process ms   import ms")
        for name, row in cold.items():
            print(f"  {name:<44} {row['process_ms']:10.0f}   {row['import_ms']:9.0f}")
        r = report["cold_start_ratios"]
        print(
            f"  collect handler import / import boto3: {r['handler_import_vs_boto3_import']:.2f}x "
            f"(whole process {r['handler_process_vs_boto3_process']:.2f}x); "
            f"heavy modules the handler imports: {', '.join(cold['collect handler']['heavy_modules_loaded']) or 'none'}"
        )
        breakdown = cold["collect handler"]["imports_ms"]
        print("  where it goes (-X importtime, one run, cumulative ms; nested imports count in their parent):")
        print("    " + ", ".join(f"{k} {v:.0f}" for k, v in breakdown.items()))

    print("\nChecks")
    for item in report["checks"]:
        print(f"  {'PASS' if item['pass'] else 'FAIL'}  {item['name']:<58} {item['detail']}")


# ------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    parser.add_argument("--day", type=date.fromisoformat, default=yesterday, help="the UTC day (default: yesterday)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"results file (default {DEFAULT_JSON})")
    parser.add_argument("--profile", action="store_true", help="also run the collector under cProfile (extra run)")
    parser.add_argument("--tracemalloc", action="store_true", help="also run it under tracemalloc (extra run)")
    parser.add_argument("--no-cold-start", action="store_true", help="skip the cold-start measurements")
    parser.add_argument("--no-phases", action="store_true", help="do not time the collector's phases (their overhead)")
    args = parser.parse_args()

    base_env = {
        "HOTPAPERS_SOURCES": ",".join(SOURCES),
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_SERVICE_NAME": "hotpapers",
    }
    for name in ("HOTPAPERS_SECRET_ID", "HOTPAPERS_ARXIV_MIN_INTERVAL", "HOTPAPERS_ARXIV_BATCH_SIZE"):
        os.environ.pop(name, None)  # defaults: credentials from the environment, 3 s, 100 ids
    os.environ.update(base_env)
    cold_env = dict(os.environ)

    meta = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    print(f"starting servers for {args.day} (dataset, moto, fake upstreams) ...", flush=True)
    servers = Servers(args.day)
    try:
        facts = servers.ready["facts"]
        from hotpapers.local.emulator import use_endpoint

        use_endpoint(servers.ready["aws_url"])
        base_env.update({k: os.environ[k] for k in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION")})
        # Everything the collector imports, imported before measuring: cold start is measured on its own below.
        import feedparser  # noqa: F401
        import requests  # noqa: F401

        import hotpapers.handlers  # noqa: F401
        import hotpapers.sources.bluesky  # noqa: F401
        import hotpapers.sources.hackernews  # noqa: F401
        import hotpapers.sources.huggingface  # noqa: F401
        import hotpapers.sources.x  # noqa: F401
        import hotpapers.wiring  # noqa: F401

        memory_mb = _memory_setting()

        fake = servers.ask(cmd="fake")
        _configure(base_env, fake, "collect")
        print("collecting the day through hotpapers.handlers.collect ...", flush=True)
        cpu0 = servers.ask(cmd="cpu")["cpu"]
        collector = run_collector(args.day, "collect", phases=not args.no_phases)
        cpu1 = servers.ask(cmd="cpu")["cpu"]
        fake_counts = servers.ask(cmd="counts", fake=fake["name"])["counts"]
        request_log = {
            name: servers.ask(cmd="requests", fake=fake["name"], prefix=prefix)["requests"]
            for name, prefix in (("hackernews", "/hn/"), ("huggingface", "/hf/"), ("bluesky", "/bsky/"))
        }
        child_cpu = {
            "run_cpu_s": (cpu1["user"] + cpu1["system"]) - (cpu0["user"] + cpu0["system"]),
            "maxrss_mb": cpu1["maxrss_mb"],
        }

        print("measuring the floor (bare requests + json/feedparser + raw batch_write_item) ...", flush=True)
        floor_fake = servers.ask(cmd="fake")
        _configure(base_env, floor_fake, "floor")
        floor = run_floor(args.day, facts, collector["summary"]["days"][0]["items_written"])
        floor_counts = servers.ask(cmd="counts", fake=floor_fake["name"])["counts"]

        extra_runs: dict[str, Any] = {}
        for wanted, mode in ((args.profile, "cprofile"), (args.tracemalloc, "tracemalloc")):
            if wanted:
                print(f"collecting again under {mode} ...", flush=True)
                _configure(base_env, servers.ask(cmd="fake"), mode)
                extra_runs[mode] = run_collector(args.day, mode, profile=mode)
    finally:
        servers.close()

    cold = None
    if not args.no_cold_start:
        print("measuring cold starts ...", flush=True)
        cold = measure_cold_starts(cold_env)

    report = build_report(facts, collector, fake_counts, floor, floor_counts, child_cpu, cold, memory_mb)
    report["meta"] = meta
    report["request_log"] = request_log
    if "cprofile" in extra_runs:
        run = extra_runs["cprofile"]
        report["profile"] = {
            "cpu_s_under_profiler": run["cpu_s"],
            "file": run["profile_file"],
            "text": run["profile_text"],
        }
    if "tracemalloc" in extra_runs:
        run = extra_runs["tracemalloc"]
        report["collector"]["tracemalloc_peak_mb"] = run["tracemalloc_peak_mb"]
        report["collector"]["tracemalloc_run_cpu_s"] = run["cpu_s"]
    print_report(report, meta)
    if "profile" in report:
        print(
            f"\ncProfile of the collector (CPU {report['profile']['cpu_s_under_profiler']:.2f} s under the profiler):"
        )
        print(report["profile"]["text"])
    if "tracemalloc_peak_mb" in report["collector"]:
        print(f"tracemalloc peak of Python allocations: {report['collector']['tracemalloc_peak_mb']:.0f} MB")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nresults: {args.json}")
    failed = [item["name"] for item in report["checks"] if not item["pass"]]
    if failed:
        print(f"FAILED: {'; '.join(failed)}")
        return 1
    print("all targets met")
    return 0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    sys.exit(main())
