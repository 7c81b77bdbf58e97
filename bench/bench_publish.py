"""Publisher benchmark: a heavy day, a five-year rebuild and an unchanged re-run, through the real code.

Scenarios (the benchmark issue's):

- **heavy day**: `synthetic_heavy_day` (2,000 candidate papers, 30,000 posts) collected by
  the real collector into moto, read back with `Store.day_items`; then *rank and render*
  (`rank_day`, then `Publisher._render`: the day page, its Markdown and JSON, categories,
  archive, index, feed, sitemap) timed as pure CPU, no I/O; and the whole
  `handlers.publish({"date": D})` against moto, once into an empty bucket and once more
  unchanged;
- **five-year rebuild**: 1,826 consecutive days ending yesterday, about 20 ranked papers
  each (`bench/publish_data.py`), `handlers.publish({"all": true})` into an empty bucket;
- **unchanged re-run**: the same rebuild again, which must make 0 PUTs;
- for information, a **daily publish** of one more day onto the five-year site.

What runs where: `bench/publish_servers.py` is a child process running moto (and, for the
collector that stores the heavy day, the fake upstreams); each measured scenario runs in a
fresh worker process (this script with `--worker`), so its CPU time and its peak RSS are
the publisher's own, like one Lambda invocation. The setup (collecting the heavy day,
writing the five-year archive) is not measured.

Baselines, measured in the same run (figures are compared as ratios): "jinja2 rendering the
same pages with no I/O" is `site.render_site` (the site's own templates and view models,
every HTML/XML page the publisher renders) on the already-ranked digests in memory, checked
byte-identical to what was uploaded; a lower bound is a minimal jinja2 template printing the
same papers and posts.

Prints a table, checks the targets (PASS/FAIL), writes bench/results/publish.json, and exits 1
when a target fails.

    .venv/bin/python bench/bench_publish.py [--day D] [--end D] [--profile] [--tracemalloc]

See bench/README.md ("Publisher benchmark") for the figures and how to read them.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
DEFAULT_JSON = RESULTS / "publish.json"
sys.path.insert(0, str(BENCH))

from bench_collect import Measure, PhaseTimer, _cpu_model, _maxrss_mb, _rss_now_mb  # noqa: E402

HEAVY_CPU_TARGET_S = 2.0
REBUILD_CPU_TARGET_S = 60.0
REBUILD_MEMORY_TARGET_MB = 1024.0  # "under 1 GB", and the function's MemorySize
SITE_URL = "https://hotpapers.example.org/"  # production has a CDN URL: absolute feed and sitemap links
SOURCES = "x,bluesky,hackernews,huggingface"


# =========================================================================== worker side


class WireCounter:
    """Every HTTP request a boto3 client sends, per operation (botocore's before-send), thread-safe."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def attach(self, client: Any, service: str) -> None:
        client.meta.events.register(f"before-send.{service}", self._on_send)

    def _on_send(self, event_name: str = "", **_: Any) -> None:
        with self._lock:
            self.counts[event_name.split(".", 1)[-1]] += 1

    def take(self) -> dict[str, int]:
        with self._lock:
            counts = dict(self.counts)
            self.counts.clear()
        return counts


def _clients() -> tuple[Any, Any, Any]:
    """The very clients the publisher uses (aws.client caches one per argument tuple), with counters."""
    from hotpapers import aws
    from hotpapers.settings import Settings

    settings = Settings.from_env()
    counter = WireCounter()
    dynamodb = aws.client("dynamodb", settings.endpoint_url, settings.region, parameter_validation=False)
    s3 = aws.client("s3", settings.endpoint_url, settings.region)
    counter.attach(dynamodb, "dynamodb")
    counter.attach(s3, "s3")
    return settings, counter, s3


def _bucket_listing(s3: Any, bucket: str) -> dict[str, tuple[str, int]]:
    """key -> (ETag, size) of every object (not measured)."""
    listing: dict[str, tuple[str, int]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            listing[entry["Key"]] = (entry["ETag"].strip('"'), entry["Size"])
    return listing


def _kind(key: str) -> str:
    if key.startswith("digests/"):
        return "day Markdown" if key.endswith(".md") else "day JSON" if key.endswith(".json") else "day page"
    if key.startswith("categories/"):
        return "category pages"
    if key.startswith("archive/"):
        return "archive pages"
    return "index, feed, sitemap, robots, 404, css"


def _objects_by_kind(keys_sizes: list[tuple[str, int]]) -> dict[str, dict[str, int]]:
    kinds: dict[str, dict[str, int]] = {}
    for key, size in keys_sizes:
        row = kinds.setdefault(_kind(key), {"objects": 0, "bytes": 0})
        row["objects"] += 1
        row["bytes"] += size
    return kinds


def _wrap_any(timer: PhaseTimer, owner: Any, name: str, label: str) -> None:
    """PhaseTimer.wrap, keeping a staticmethod static."""
    import inspect

    if not hasattr(owner, name):
        return
    static = isinstance(inspect.getattr_static(owner, name), staticmethod)
    original = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            timer.cpu[label] += time.process_time() - started
            timer.calls[label] += 1

    setattr(owner, name, staticmethod(timed) if static else timed)
    timer._undo.append((owner, name, staticmethod(original) if static else original))


def _publish_phase_timer() -> PhaseTimer:
    """process_time around the publisher's steps (one call per day at most: no measurable cost)."""
    import hotpapers.publish
    import hotpapers.publishing
    from hotpapers.publishing import SiteBucket
    from hotpapers.store import Store

    timer = PhaseTimer()
    wanted = [
        (Store, "collected_days", "collected_days (Query GSI2)"),
        (Store, "day_items", "day_items (a Query per day, deserialise)"),
        (hotpapers.publish, "rank_day", "rank_day"),
        (Store, "put_digests", "put_digests (gzip, BatchWriteItem)"),
        (Store, "put_latest", "put_latest (PutItem)"),
        (Store, "digest_summaries", "digest_summaries (Query GSI1)"),
        (Store, "get_digests", "get_digests (BatchGetItem)"),
        (hotpapers.publish, "render_day", "render_day (day pages)"),
        (hotpapers.publish, "day_exports", "day_exports (Markdown + JSON)"),
        (hotpapers.publish, "render_categories", "render_categories"),
        (hotpapers.publish, "render_archive", "render_archive"),
        *(
            (hotpapers.publish, name, "index, feed, sitemap, robots, 404, css")
            for name in ("render_index", "render_feed", "render_sitemap", "render_robots", "render_404")
        ),
        (hotpapers.publish, "render_stylesheet", "index, feed, sitemap, robots, 404, css"),
        (SiteBucket, "_existing_etags", "  ListObjectsV2"),
    ]
    for owner, name, label in wanted:
        if hasattr(owner, name):  # the product code moves on: time what exists
            timer.wrap(owner, name, label)

    # The day pages are a generator the upload consumes: render_day and day_exports run inside
    # upload(). Their time is counted under their own labels and taken out of the upload's.
    streamed = ("render_day (day pages)", "day_exports (Markdown + JSON)")
    original_upload = SiteBucket.upload

    def upload(self: Any, phases: Any) -> Any:
        nested_before = sum(timer.cpu[label] for label in streamed)
        started = time.process_time()
        try:
            return original_upload(self, phases)
        finally:
            nested = sum(timer.cpu[label] for label in streamed) - nested_before
            timer.cpu["upload (ListObjectsV2, MD5, PutObject)"] += time.process_time() - started - nested
            timer.calls["upload (ListObjectsV2, MD5, PutObject)"] += 1

    SiteBucket.upload = upload
    timer._undo.append((SiteBucket, "upload", original_upload))

    # Inside day_items: botocore's parsing of the DynamoDB responses (JSONParser: DynamoDB only, main
    # thread) and the store's own conversion of each item (~1 µs of timer per item, ~0.3 s in all).
    from botocore.parsers import JSONParser

    timer.wrap(JSONParser, "parse", "  botocore JSON response parsing (DynamoDB)")
    _wrap_any(timer, Store, "_from_dynamo", "  Store._from_dynamo (per item)")

    # MD5 of each body, in upload()'s own loop (main thread): a stand-in hashlib with md5 timed.
    real_hashlib = hotpapers.publishing.hashlib

    class TimedHashlib:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_hashlib, name)

        @staticmethod
        def md5(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return real_hashlib.md5(*args, **kwargs)
            finally:
                timer.cpu["  MD5 of bodies"] += time.process_time() - started
                timer.calls["  MD5 of bodies"] += 1

    hotpapers.publishing.hashlib = TimedHashlib()
    timer._undo.append((hotpapers.publishing, "hashlib", real_hashlib))
    return timer


PHASES_TOP = (
    "collected_days (Query GSI2)",
    "day_items (a Query per day, deserialise)",
    "rank_day",
    "put_digests (gzip, BatchWriteItem)",
    "put_latest (PutItem)",
    "digest_summaries (Query GSI1)",
    "get_digests (BatchGetItem)",
    "render_day (day pages)",
    "day_exports (Markdown + JSON)",
    "render_categories",
    "render_archive",
    "index, feed, sitemap, robots, 404, css",
    "upload (ListObjectsV2, MD5, PutObject)",
)
PHASES_NESTED = (
    "  botocore JSON response parsing (DynamoDB)",
    "  Store._from_dynamo (per item)",
    "  ListObjectsV2",
    "  MD5 of bodies",
)


def _publish(event: dict[str, Any], counter: WireCounter, phases: bool = True) -> dict[str, Any]:
    """One handlers.publish call, measured: CPU, wall, peak RSS, requests on the wire, phases."""
    from hotpapers import handlers

    gc.collect()
    rss_before = _rss_now_mb()
    counter.take()
    timer = _publish_phase_timer() if phases else None
    stdout = io.StringIO()  # Powertools' metric/log lines, not wanted on the terminal
    try:
        with contextlib.redirect_stdout(stdout), Measure() as measured:
            result = handlers.publish(event)
    finally:
        if timer:
            timer.restore()
    run: dict[str, Any] = {
        "wall_s": measured.wall,
        "cpu_s": measured.cpu,
        "cpu_user_s": measured.user,
        "cpu_system_s": measured.system,
        "rss_before_mb": rss_before,
        "maxrss_after_mb": _maxrss_mb(),
        "requests": counter.take(),
        "objects_put": result["objects_put"],
        "objects_unchanged": result["objects_unchanged"],
        "days_published": len(result["days"]),
        "papers_published": sum(d["papers"] for d in result["days"]),
        "skipped": result["skipped"],
    }
    if timer:
        top = {key: timer.cpu.get(key, 0.0) for key in PHASES_TOP}
        top["other (handler, Publisher.run glue, GC)"] = measured.cpu - sum(top.values())
        run["phases_cpu_s"] = {**top, **{key: timer.cpu.get(key, 0.0) for key in PHASES_NESTED}}
        run["phases_calls"] = dict(timer.calls)
    return run


PLAIN_TEMPLATE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Hot papers of {{ day }}</title>
<h1>Hot papers of {{ day }}</h1>
{% for p in papers %}<article id="{{ p.arxiv_id }}"><h2>{{ p.rank }}. <a href="{{ p.abs_url }}">{{ p.title }}</a></h2>
<p>{{ p.authors|join(", ") }}</p><p>{% for c in p.categories %}{{ c }} {% endfor %}score {{ p.score }}</p>
<p>{% for s, m in p.engagement.items() %}{{ s }}:{% for k, v in m.items() %} {{ k }} {{ v }}{% endfor %};
{% endfor %}</p>
<p>{{ p.abstract }}</p>
{% for t in p.top_posts %}<blockquote><p>{{ t.text }}</p><footer>{{ t.author_name }} (@{{ t.author_handle }}),
{{ t.created_at }}:{% for k, v in t.metrics.items() %} {{ k }} {{ v }}{% endfor %},
<a href="{{ t.url }}">post</a></footer></blockquote>
{% endfor %}</article>
{% endfor %}"""


def _render_phases(renderer: Any, digests: dict[date, Any], summaries: list[Any]) -> list[list[Any]]:
    """Publisher._render's upload phases (it may also return the latest digest beside them)."""
    rendered = renderer._render(digests, summaries)
    phases = rendered[0] if isinstance(rendered, tuple) else rendered
    # The day pages phase is a generator (rendered as the upload consumes it): render it here.
    return [list(phase) for phase in phases]


def _plain_jinja2(digests: list[Any]) -> tuple[float, int]:
    """A minimal autoescaped jinja2 template printing the same papers and top posts: the lower bound."""
    import jinja2

    template = jinja2.Environment(autoescape=True).from_string(PLAIN_TEMPLATE)
    template.render(day="warm-up", papers=[])
    size = 0
    with Measure() as measured:
        for digest in digests:
            size += len(template.render(day=digest.day.isoformat(), papers=digest.papers).encode("utf-8"))
    return measured.cpu, size


def _profile_text(profiler: Any, limit: int = 20) -> dict[str, str]:
    import pstats

    texts = {}
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(limit)
        texts[order] = stream.getvalue()
    return texts


class _NoBucket:
    """The pure-CPU render's stand-in for SiteBucket: an empty bucket, answered with no request."""

    @staticmethod
    def has(key: str) -> bool:
        return False


def worker_heavy(day: date, repeat: int, profile: bool = False) -> dict[str, Any]:
    from hotpapers.clock import SystemClock
    from hotpapers.digest import DigestSummary
    from hotpapers.publish import Publisher, day_exports
    from hotpapers.ranking import rank_day, ranking_config_from_env
    from hotpapers.site import (
        render_archive,
        render_categories,
        render_day,
        render_feed,
        render_index,
        render_site,
        site_config_from_env,
    )
    from hotpapers.wiring import build_store

    settings, counter, s3 = _clients()
    store = build_store(settings, SystemClock())
    with Measure() as read:
        items = store.day_items(day)
    entities = Counter(item["entity"] for item in items)
    config, site = ranking_config_from_env(), site_config_from_env()
    # No store, no S3: _render asks the bucket only which pages it holds, and an empty one holds none.
    renderer = Publisher(store=None, bucket=_NoBucket(), site=site, ranking=config)  # type: ignore[arg-type]

    # Warm-up (template compilation, first imports), then the measured repeats.
    digest = rank_day(day, items, config)
    summaries = [DigestSummary.of(digest)]
    _render_phases(renderer, {day: digest}, summaries)
    render_site({day: digest}, summaries, site)

    rank_cpu, render_cpu, total_cpu, base_cpu, total_wall = [], [], [], [], []
    parts: dict[str, list[float]] = {}
    for _ in range(repeat):
        gc.collect()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        digest = rank_day(day, items, config)
        cpu1 = time.process_time()
        summaries = [DigestSummary.of(digest)]
        phases = _render_phases(renderer, {day: digest}, summaries)
        cpu2 = time.process_time()
        total_wall.append(time.perf_counter() - wall0)
        rank_cpu.append(cpu1 - cpu0)
        render_cpu.append(cpu2 - cpu1)
        total_cpu.append(cpu2 - cpu0)
        del phases
        gc.collect()
        with Measure() as base:
            baseline = render_site({day: digest}, summaries, site)
        base_cpu.append(base.cpu)
        # The render's parts, one by one (the same calls as Publisher._render).
        for name, call, call_args in (
            ("render_day", render_day, (digest, None, None, site)),
            ("day_exports (Markdown + JSON)", day_exports, (digest, "public, max-age=300")),
            ("render_index", render_index, (digest, summaries, site)),
            ("render_categories", render_categories, (summaries, site)),
            ("render_archive", render_archive, (summaries, site)),
            ("render_feed", render_feed, (summaries, site)),
        ):
            started = time.process_time()
            call(*call_args)
            parts.setdefault(name, []).append(time.process_time() - started)

    phases = _render_phases(renderer, {day: digest}, summaries)
    rendered = {obj.key: obj.body for phase in phases for obj in phase}
    identical = all(rendered.get(obj.key) == obj.body for obj in baseline)
    plain_cpu, plain_bytes = _plain_jinja2([digest])
    profiled = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        digest = rank_day(day, items, config)
        _render_phases(renderer, {day: digest}, [DigestSummary.of(digest)])
        profiler.disable()
        profiled = _profile_text(profiler)

    publishes = {}
    for label in ("first", "unchanged"):
        publishes[label] = _publish({"date": day.isoformat()}, counter)
    listing = _bucket_listing(s3, settings.bucket)
    top_posts = sum(len(p.top_posts) for p in digest.papers)
    return {
        "day": day.isoformat(),
        "items": dict(entities),
        "read_day_items_cpu_s": read.cpu,
        "read_day_items_wall_s": read.wall,
        "candidates": digest.candidates,
        "papers_ranked": len(digest.papers),
        "top_posts_shown": top_posts,
        "objects_rendered": len(rendered),
        "bytes_rendered": sum(len(body) for body in rendered.values()),
        "objects_by_kind": _objects_by_kind([(k, len(b)) for k, b in rendered.items()]),
        "repeat": repeat,
        "rank_cpu_s": rank_cpu,
        "render_cpu_s": render_cpu,
        "rank_and_render_cpu_s": total_cpu,
        "rank_and_render_wall_s": total_wall,
        "render_parts_cpu_s": {name: statistics.median(values) for name, values in parts.items()},
        "baseline_render_site_cpu_s": base_cpu,
        "baseline_objects": len(baseline),
        "baseline_identical_to_publisher": identical,
        "plain_jinja2_cpu_s": plain_cpu,
        "plain_jinja2_bytes": plain_bytes,
        "publish": publishes,
        "bucket_objects": len(listing),
        "maxrss_mb": _maxrss_mb(),
        "profile": profiled,
    }


def worker_rebuild() -> dict[str, Any]:
    import jinja2  # noqa: F401

    import hotpapers.handlers  # noqa: F401
    import hotpapers.publish  # noqa: F401
    import hotpapers.wiring  # noqa: F401

    settings, counter, s3 = _clients()
    s3.list_buckets()  # open the connection pool before measuring
    rebuild = _publish({"all": True}, counter)
    listing = _bucket_listing(s3, settings.bucket)
    rebuild["bucket_objects"] = len(listing)
    rebuild["bucket_bytes"] = sum(size for _, size in listing.values())
    rebuild["objects_by_kind"] = _objects_by_kind([(key, size) for key, (_, size) in listing.items()])
    rerun = _publish({"all": True}, counter)
    after = _bucket_listing(s3, settings.bucket)
    rerun["bucket_unchanged"] = after == listing
    return {"rebuild": rebuild, "rerun": rerun}


def worker_daily(day: date, seed: int) -> dict[str, Any]:
    """One more collected day published onto the five-year site, as the scheduled run would."""
    from publish_data import day_items

    from hotpapers.clock import SystemClock
    from hotpapers.wiring import build_store

    settings, counter, s3 = _clients()
    build_store(settings, SystemClock()).write_items(day_items(day, seed))  # setup: the collector's part
    counter.take()
    event = {"detail-type": "Collect Finished", "source": "hotpapers", "detail": {"date": day.isoformat()}}
    daily = _publish(event, counter)
    daily["day"] = day.isoformat()
    return {"daily": daily}


def worker_baseline() -> dict[str, Any]:
    """render_site on the stored digests in memory (no store, no S3 while measured), checked against the bucket."""
    import hashlib

    from hotpapers.clock import SystemClock
    from hotpapers.publish import day_exports
    from hotpapers.site import render_site, site_config_from_env
    from hotpapers.wiring import build_store

    settings, _, s3 = _clients()
    store = build_store(settings, SystemClock())
    days = store.collected_days()
    digests = store.get_digests(days)
    summaries = store.digest_summaries()
    site = site_config_from_env()
    render_site({days[0]: digests[days[0]]}, summaries[-1:], site)  # warm-up: templates compiled

    gc.collect()
    with Measure() as rendered:
        objects = render_site(digests, summaries, site)
    with Measure() as exported:
        exports = [obj for digest in digests.values() for obj in day_exports(digest, "public, max-age=3600")]
    with Measure() as hashed:
        md5 = {obj.key: hashlib.md5(obj.body, usedforsecurity=False).hexdigest() for obj in objects + exports}
    plain_cpu, plain_bytes = _plain_jinja2([digests[day] for day in days])

    listing = _bucket_listing(s3, settings.bucket)
    mismatched = [key for key, digest in md5.items() if listing.get(key, ("", 0))[0] != digest]
    return {
        "days": len(days),
        "digests": len(digests),
        "papers": sum(len(d.papers) for d in digests.values()),
        "top_posts": sum(len(p.top_posts) for d in digests.values() for p in d.papers),
        "render_site_cpu_s": rendered.cpu,
        "render_site_wall_s": rendered.wall,
        "render_site_objects": len(objects),
        "render_site_bytes": sum(len(obj.body) for obj in objects),
        "exports_cpu_s": exported.cpu,
        "exports_objects": len(exports),
        "md5_cpu_s": hashed.cpu,
        "plain_jinja2_cpu_s": plain_cpu,
        "plain_jinja2_bytes": plain_bytes,
        "bucket_objects": len(listing),
        "identical_to_bucket": not mismatched,
        "mismatched_keys": mismatched[:20],
        "keys_only_in_bucket": sorted(set(listing) - set(md5))[:20],
        "maxrss_mb": _maxrss_mb(),
    }


def worker_profile() -> dict[str, Any]:
    import cProfile
    import pstats

    from hotpapers import handlers

    _clients()
    profiler = cProfile.Profile()
    with contextlib.redirect_stdout(io.StringIO()), Measure() as measured:
        profiler.runcall(handlers.publish, {"all": True})
    path = RESULTS / "publish.prof"
    pstats.Stats(profiler).dump_stats(path)
    return {
        "cpu_s_under_profiler": measured.cpu,
        "wall_s_under_profiler": measured.wall,
        **_profile_text(profiler),
        "file": str(path.relative_to(ROOT)),
    }


def worker_tracemalloc() -> dict[str, Any]:
    """Python allocations: the peak, and the biggest allocation sites when upload() starts."""
    import tracemalloc

    from hotpapers import handlers
    from hotpapers.publishing import SiteBucket

    _clients()
    seen: dict[str, Any] = {}
    original = SiteBucket.upload

    def upload(self: Any, phases: Any) -> Any:
        snapshot = tracemalloc.take_snapshot()
        seen["at_upload_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
        seen["top"] = [
            f"{stat.size / 2**20:7.1f} MB  {stat.count:9d} blocks  {stat.traceback[0]}"
            for stat in snapshot.statistics("lineno")[:12]
        ]
        return original(self, phases)

    SiteBucket.upload = upload
    tracemalloc.start()
    with contextlib.redirect_stdout(io.StringIO()), Measure() as measured:
        handlers.publish({"all": True})
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    SiteBucket.upload = original
    return {"peak_mb": peak, "cpu_s": measured.cpu, **seen, "maxrss_mb": _maxrss_mb()}


def run_worker(args: argparse.Namespace) -> int:
    name = args.worker
    if name == "heavy":
        result = worker_heavy(args.day, args.repeat, args.profile)
    elif name == "rebuild":
        result = worker_rebuild()
    elif name == "daily":
        result = worker_daily(args.daily_day, args.seed)
    elif name == "baseline":
        result = worker_baseline()
    elif name == "profile":
        result = worker_profile()
    elif name == "tracemalloc":
        result = worker_tracemalloc()
    else:
        raise SystemExit(f"unknown worker {name}")
    Path(args.out).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


# ====================================================================== orchestrator side


class Servers:
    """bench/publish_servers.py in a child process, spoken to in JSON lines."""

    def __init__(self, day: date) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH / "publish_servers.py"), day.isoformat()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.ready = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench/publish_servers.py exited early (code {self.proc.poll()})")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"publish_servers: {answer['error']}")
        return answer

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def cpu(self) -> float:
        cpu = self.ask(cmd="cpu")["cpu"]
        return cpu["user"] + cpu["system"]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.ask(cmd="quit")
                self.proc.wait(timeout=60)
            except (OSError, RuntimeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def _names(label: str) -> dict[str, str]:
    name = f"bench-{os.getpid()}-{label}"
    return {"HOTPAPERS_TABLE": name, "HOTPAPERS_BUCKET": name, "HOTPAPERS_EVENT_BUS": name}


def _provision(env: dict[str, str]) -> None:
    from hotpapers.local.provision import provision
    from hotpapers.settings import Settings

    provision(Settings.from_env(env))


def _worker(name: str, env: dict[str, str], servers: Servers, *extra: str) -> dict[str, Any]:
    out = RESULTS / f".worker-{os.getpid()}-{name}.json"
    before = servers.cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--out", str(out), *extra],
        env=env,
        cwd=ROOT,
    )
    try:
        returncode = proc.wait()
    finally:
        if proc.poll() is None:  # interrupted: do not leave the worker running
            proc.terminate()
            proc.wait()
    if returncode != 0:
        raise RuntimeError(f"worker {name} failed (exit {returncode})")
    result = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    result["servers_child_cpu_s"] = servers.cpu() - before
    result["worker_wall_s"] = time.perf_counter() - started
    return result


def _code_state() -> dict[str, Any]:
    """Which product code was measured (no git here): a hash of the package's sources and templates."""
    import hashlib

    package = ROOT / "layers" / "hotpapers" / "hotpapers"
    suffixes = (".py", ".html", ".xml", ".css", ".txt")
    files = sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in suffixes)
    files = [p for p in files if "local" not in p.relative_to(package).parts]
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    newest = max(files, key=lambda p: p.stat().st_mtime)
    return {
        "sources_sha256": digest.hexdigest()[:16],
        "newest_file": str(newest.relative_to(ROOT)),
        "newest_mtime": datetime.fromtimestamp(newest.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _ratio(value: float, base: float) -> float | None:
    return value / base if base else None


def build_report(
    heavy: dict[str, Any], years: dict[str, Any], baseline: dict[str, Any], daily: dict[str, Any]
) -> dict[str, Any]:
    rebuild, rerun = years["rebuild"], years["rerun"]
    heavy_total = _median(heavy["rank_and_render_cpu_s"])
    heavy_base = _median(heavy["baseline_render_site_cpu_s"])
    heavy_publish = heavy["publish"]["first"]
    ratios = {
        "heavy_rank_and_render_vs_render_site": _ratio(heavy_total, heavy_base),
        "heavy_publish_vs_render_site": _ratio(heavy_publish["cpu_s"], heavy_base),
        "heavy_render_site_vs_plain_jinja2": _ratio(heavy_base, heavy["plain_jinja2_cpu_s"]),
        "rebuild_vs_render_site": _ratio(rebuild["cpu_s"], baseline["render_site_cpu_s"]),
        "rerun_vs_render_site": _ratio(rerun["cpu_s"], baseline["render_site_cpu_s"]),
        "render_site_vs_plain_jinja2_5y": _ratio(baseline["render_site_cpu_s"], baseline["plain_jinja2_cpu_s"]),
    }
    put_wire = rebuild["requests"].get("s3.PutObject", 0)
    rerun_wire = rerun["requests"].get("s3.PutObject", 0)
    checks = [
        {
            "name": "heavy day: rank and render at most 2 s CPU",
            "pass": heavy_total <= HEAVY_CPU_TARGET_S,
            "detail": f"{heavy_total:.2f} s (median of {heavy['repeat']}; "
            f"max {max(heavy['rank_and_render_cpu_s']):.2f} s)",
        },
        {
            "name": "five-year rebuild at most 60 s CPU",
            "pass": rebuild["cpu_s"] <= REBUILD_CPU_TARGET_S,
            "detail": f"{rebuild['cpu_s']:.1f} s",
        },
        {
            "name": "five-year rebuild under 1 GB peak memory",
            "pass": rebuild["maxrss_after_mb"] < REBUILD_MEMORY_TARGET_MB,
            "detail": f"{rebuild['maxrss_after_mb']:.0f} MB peak RSS",
        },
        {
            "name": "unchanged re-run makes 0 PUTs (stats and wire)",
            "pass": rerun["objects_put"] == 0 and rerun_wire == 0 and rerun["bucket_unchanged"],
            "detail": f"{rerun['objects_put']} reported, {rerun_wire} on the wire",
        },
        {
            "name": "heavy day unchanged re-publish makes 0 PUTs",
            "pass": heavy["publish"]["unchanged"]["objects_put"] == 0
            and heavy["publish"]["unchanged"]["requests"].get("s3.PutObject", 0) == 0,
            "detail": f"{heavy['publish']['unchanged']['objects_put']} reported",
        },
        {
            "name": "rebuild PUTs: reported = on the wire = objects in the bucket",
            "pass": rebuild["objects_put"] == put_wire == rebuild["bucket_objects"],
            "detail": f"{rebuild['objects_put']} / {put_wire} / {rebuild['bucket_objects']}",
        },
        {
            "name": "baseline renders byte-identical pages to the uploaded ones",
            "pass": baseline["identical_to_bucket"] and heavy["baseline_identical_to_publisher"],
            "detail": f"{baseline['render_site_objects'] + baseline['exports_objects']} objects compared by MD5",
        },
    ]
    return {
        "heavy_day": heavy,
        "five_years": years,
        "baseline_5y": baseline,
        "daily": daily,
        "ratios": ratios,
        "checks": checks,
    }


def _fmt_requests(requests: dict[str, int]) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in sorted(requests.items())) or "none"


def print_report(report: dict[str, Any], meta: dict[str, Any], setup: dict[str, Any]) -> None:
    heavy, years, base = report["heavy_day"], report["five_years"], report["baseline_5y"]
    rebuild, rerun, daily = years["rebuild"], years["rerun"], report["daily"]["daily"]
    r = report["ratios"]
    print(f"\nPublisher benchmark, {meta['when']}, {meta['cpus']} CPUs ({meta['cpu_model']}), Python {meta['python']}")
    code = meta["code"]
    print(f"code measured: sources {code['sources_sha256']}, newest {code['newest_file']} ({code['newest_mtime']})")
    s = setup["years"]["counts"]
    print(
        f"five-year table: {s['days']:,} days, {s['items']:,} items ({s['day_papers']:,} day papers, "
        f"{s['mentions']:,} mentions, {s['empty_days']} days without papers), written in {s['seconds']} s"
    )
    h = setup["heavy"]
    print(
        f"heavy day {heavy['day']}: collected by the real collector in {h['seconds']} s: {heavy['items']}; "
        f"{heavy['candidates']:,} candidates, {heavy['papers_ranked']:,} ranked, "
        f"{heavy['top_posts_shown']:,} top posts shown"
    )

    print("\nHeavy day: rank and render, pure CPU (no I/O)          median      min      max")
    for label, key in (
        ("rank_day", "rank_cpu_s"),
        ("render (Publisher._render: pages, exports, listings)", "render_cpu_s"),
        ("rank and render", "rank_and_render_cpu_s"),
        ("baseline: site.render_site (jinja2, same pages)", "baseline_render_site_cpu_s"),
    ):
        values = heavy[key]
        print(f"  {label:<52} {_median(values):7.3f}  {min(values):7.3f}  {max(values):7.3f} s")
    print(f"  {'plain jinja2, minimal template, same papers/posts':<52} {heavy['plain_jinja2_cpu_s']:7.3f} s")
    print("  render parts: " + ", ".join(f"{k} {v:.3f}" for k, v in heavy["render_parts_cpu_s"].items()))
    print(
        f"  {heavy['objects_rendered']} objects, {heavy['bytes_rendered'] / 2**20:.1f} MB "
        f"(day page {heavy['objects_by_kind'].get('day page', {}).get('bytes', 0) / 2**20:.1f} MB); "
        f"reading the day (day_items) {heavy['read_day_items_cpu_s']:.2f} s CPU"
    )

    print("\n                                   wall      CPU   peak RSS   PUTs   unchanged   moto child CPU")
    rows = [
        ("heavy day publish (empty bucket)", heavy["publish"]["first"], None),
        ("heavy day publish, unchanged", heavy["publish"]["unchanged"], None),
        ("five-year rebuild (empty bucket)", rebuild, None),
        ("five-year re-run, unchanged", rerun, None),
        ("daily publish onto five years", daily, None),
    ]
    for label, row, _ in rows:
        print(
            f"  {label:<32} {row['wall_s']:6.1f} s {row['cpu_s']:6.1f} s {row['maxrss_after_mb']:7.0f} MB "
            f"{row['objects_put']:6d} {row['objects_unchanged']:9d}"
        )
    print(
        f"  (moto child CPU: heavy worker {heavy['servers_child_cpu_s']:.0f} s, rebuild + re-run "
        f"{years['servers_child_cpu_s']:.0f} s, daily {report['daily']['servers_child_cpu_s']:.0f} s)"
    )
    print(f"  rebuild requests: {_fmt_requests(rebuild['requests'])}")
    print(f"  re-run requests:  {_fmt_requests(rerun['requests'])}")
    print(f"  daily requests:   {_fmt_requests(daily['requests'])}")
    print(
        f"  rebuild: {rebuild['days_published']:,} days, {rebuild['papers_published']:,} papers, "
        f"{rebuild['bucket_objects']:,} objects, {rebuild['bucket_bytes'] / 2**20:.0f} MB: "
        + ", ".join(f"{k} {v['objects']:,}" for k, v in rebuild["objects_by_kind"].items())
    )

    print("\nWhere the rebuild's CPU goes (s)              rebuild    re-run     daily")
    for key in (*PHASES_TOP, "other (handler, Publisher.run glue, GC)", *PHASES_NESTED):
        values = [run["phases_cpu_s"].get(key, 0.0) for run in (rebuild, rerun, daily)]
        print(f"  {key:<44} {values[0]:8.2f}  {values[1]:8.2f}  {values[2]:8.2f}")

    print("\nBaseline, five-year site in memory (already-ranked digests, no store, no S3)")
    print(
        f"  site.render_site: {base['render_site_objects']:,} pages, {base['render_site_bytes'] / 2**20:.0f} MB, "
        f"{base['render_site_cpu_s']:.1f} s CPU"
    )
    print(f"  day_exports (Markdown + JSON): {base['exports_objects']:,} objects, {base['exports_cpu_s']:.1f} s CPU")
    print(f"  MD5 of every body: {base['md5_cpu_s']:.2f} s CPU")
    print(f"  plain jinja2 (minimal template, the same days' papers and posts): {base['plain_jinja2_cpu_s']:.2f} s CPU")

    print("\nRatios (CPU)")
    for label, key in (
        ("heavy day: rank and render / render_site", "heavy_rank_and_render_vs_render_site"),
        ("heavy day: whole publish / render_site", "heavy_publish_vs_render_site"),
        ("heavy day: render_site / plain jinja2", "heavy_render_site_vs_plain_jinja2"),
        ("five years: rebuild / render_site (our code's overhead)", "rebuild_vs_render_site"),
        ("five years: unchanged re-run / render_site", "rerun_vs_render_site"),
        ("five years: render_site / plain jinja2", "render_site_vs_plain_jinja2_5y"),
    ):
        print(f"  {label:<56} {r[key]:.2f}x")

    print("\nChecks")
    for item in report["checks"]:
        print(f"  {'PASS' if item['pass'] else 'FAIL'}  {item['name']:<62} {item['detail']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    parser.add_argument("--day", type=date.fromisoformat, default=yesterday, help="the heavy day (default yesterday)")
    parser.add_argument("--end", type=date.fromisoformat, default=yesterday, help="last of the five years")
    parser.add_argument("--days", type=int, default=1826, help="days in the archive (default 1,826)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=5, help="repeats of the heavy day's pure-CPU part")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--profile", action="store_true", help="one more rebuild under cProfile (top 20)")
    parser.add_argument("--tracemalloc", action="store_true", help="one more rebuild under tracemalloc")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--daily-day", type=date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return run_worker(args)
    # A SIGTERM (timeout, CI) unwinds like Ctrl-C, so the servers child and a running worker are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in ("HOTPAPERS_SECRET_ID", "HOTPAPERS_MIN_SCORE", "HOTPAPERS_TOP_POSTS", "HOTPAPERS_WEIGHTS",
                 "HOTPAPERS_TOP_POST_MIN_SCORE", "HOTPAPERS_X_WIDGETS", "HOTPAPERS_ARXIV_MIN_INTERVAL",
                 "HOTPAPERS_ARXIV_BATCH_SIZE"):  # fmt: skip
        os.environ.pop(name, None)  # the defaults: the blog's ranking rules
    os.environ.update(
        {
            "HOTPAPERS_SITE_URL": SITE_URL,
            "HOTPAPERS_SOURCES": SOURCES,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_SERVICE_NAME": "hotpapers",
        }
    )
    meta = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "code": _code_state(),
        "heavy_day": args.day.isoformat(),
        "five_years": f"{(args.end - timedelta(days=args.days - 1)).isoformat()}..{args.end.isoformat()}",
    }
    print(f"starting moto (child process) and building the heavy day {args.day} ...", flush=True)
    servers = Servers(args.day)
    try:
        from hotpapers.local.emulator import use_endpoint

        use_endpoint(servers.ready["aws_url"])
        base = dict(os.environ)
        heavy_env = {**base, **_names("heavy")}
        years_env = {**base, **_names("years")}
        _provision(heavy_env)
        _provision(years_env)

        print("setup: collecting the heavy day through the real collector (not measured) ...", flush=True)
        fake = servers.ask(cmd="fake")
        loader = subprocess.Popen(
            [sys.executable, str(BENCH / "publish_data.py"), "heavy", "--day", args.day.isoformat()],
            env={**heavy_env, **fake["env"], **fake["credentials"]},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        print(f"setup: writing {args.days:,} days into moto (not measured) ...", flush=True)
        setup_years = servers.ask(cmd="load_years", table=years_env["HOTPAPERS_TABLE"], end=args.end.isoformat(),
                                  days=args.days, seed=args.seed)  # fmt: skip
        out, _ = loader.communicate()
        if loader.returncode != 0:
            raise RuntimeError(f"collecting the heavy day failed (exit {loader.returncode})")
        setup = {"years": setup_years, "heavy": json.loads(out.strip().splitlines()[-1])}
        print(f"  {setup_years['counts']}", flush=True)
        print(f"  heavy day: {setup['heavy']}", flush=True)

        print("heavy day: rank and render (pure CPU), then publish twice ...", flush=True)
        heavy = _worker("heavy", heavy_env, servers, "--day", args.day.isoformat(), "--repeat", str(args.repeat),
                        *(["--profile"] if args.profile else []))  # fmt: skip
        print("five-year rebuild, then the unchanged re-run ...", flush=True)
        years = _worker("rebuild", years_env, servers)
        print(
            f"  rebuild {years['rebuild']['cpu_s']:.1f} s CPU, re-run {years['rerun']['cpu_s']:.1f} s CPU",
            flush=True,
        )
        print("baseline: render_site on the five years' digests in memory ...", flush=True)
        baseline = _worker("baseline", years_env, servers)
        extra: dict[str, Any] = {}
        for wanted, name in ((args.profile, "profile"), (args.tracemalloc, "tracemalloc")):
            if wanted:
                print(f"one more rebuild under {name} (empty bucket) ...", flush=True)
                env = {**years_env, "HOTPAPERS_BUCKET": years_env["HOTPAPERS_BUCKET"] + f"-{name}"}
                _provision(env)
                extra[name] = _worker(name, env, servers)
        print("daily publish of one more day onto the five-year site ...", flush=True)
        daily = _worker("daily", years_env, servers, "--daily-day", (args.end + timedelta(days=1)).isoformat(),
                        "--seed", str(args.seed))  # fmt: skip
        fast = servers.ask(cmd="cpu")["fast_responses"]
    finally:
        servers.close()

    report = build_report(heavy, years, baseline, daily)
    report["meta"] = meta
    report["setup"] = setup
    report["moto_fast_responses"] = fast
    report.update(extra)
    if fast.get("mismatch"):
        report["checks"].append({"name": "moto fast responses identical to moto's", "pass": False,
                                 "detail": fast["mismatch"][:200]})  # fmt: skip
    print_report(report, meta, setup)
    if "profile" in extra:
        p = extra["profile"]
        print(f"\ncProfile of the rebuild (CPU {p['cpu_s_under_profiler']:.1f} s under the profiler, {p['file']}):")
        print(p["cumulative"])
        print(p["tottime"])
    if heavy.get("profile"):
        print("\ncProfile of the heavy day's rank and render (one run):")
        print(heavy["profile"]["cumulative"])
        print(heavy["profile"]["tottime"])
    if "tracemalloc" in extra:
        t = extra["tracemalloc"]
        print(
            f"\ntracemalloc: peak of Python allocations {t['peak_mb']:.0f} MB; "
            f"{t['at_upload_mb']:.0f} MB when upload() starts:"
        )
        for line in t["top"]:
            print(f"  {line}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nresults: {args.json}")
    failed = [item["name"] for item in report["checks"] if not item["pass"]]
    if failed:
        print(f"FAILED: {'; '.join(failed)}")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
