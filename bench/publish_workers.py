"""The publisher benchmark's worker side: each scenario measured in a fresh process (bench_publish.py --worker).

A worker is one Lambda invocation's worth of work: the publish handler (or the publisher, a rebuild shard,
render_site) called against moto in bench/servers.py, measured with the harness (CPU, wall, peak RSS, requests
on the wire, CPU per phase), its figures returned as JSON to the orchestrator (bench_publish.py).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import types
from datetime import date, timedelta
from typing import Any

import harness as h

UPLOAD = "upload (ListObjectsV2, MD5, PutObject)"
FRONT = "index, feed, sitemap, robots, 404, css, icon"
PAPER_PAGES, PERIODS = "paper pages (views, render)", "week and month pages and exports"
PHASES = {  # label: the functions timed (Store's, PublishPlanner's methods; names publisher or render_plan import)
    "collected_days (Query GSI2)": ["Store.collected_days"], "day (a Query per day, deserialise)": [
        "Store.day"], "rank_day": ["rank_day"], "put_digests (gzip, BatchWriteItem)": ["Store.put_digests"],
    "put_histories (BatchWriteItem)": ["Store.put_histories"], "put_period_digests (BatchWriteItem)": [
        "Store.put_period_digests"],
    "put_latest (PutItem)": ["Store.put_latest"], "digest_summaries (Query GSI1)": ["Store.digest_summaries"],
    "get_digests (BatchGetItem)": ["Store.get_digests"], "render_day (day pages)": ["render_day"],
    "day_exports (Markdown + JSON)": ["day_exports"], PAPER_PAGES: [],
    "plan (week and month digests)": ["PublishPlanner.plan"], PERIODS: ["render_period", "period_exports"],
    "render_categories": ["render_categories"],
    "category feeds and the feeds page": ["render_category_feeds", "render_feeds_page"],
    "render_archive": ["render_archive"], FRONT: ["render_index", "render_feed", "render_sitemaps", "render_robots",
                                                 "render_404", "render_stylesheet", "render_favicon"], UPLOAD: [],
}  # fmt: skip
NESTED = ("  botocore JSON response parsing (DynamoDB)", "  Store._from_dynamo (per item)", "  ListObjectsV2",
          "  MD5 of bodies")  # fmt: skip
PLAIN_TEMPLATE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Hot papers of {{ day }}</title>
<h1>Hot papers of {{ day }}</h1>{% for p in papers %}<article id="{{ p.paper.arxiv_id }}"><h2>{{ p.rank }}.
<a href="{{ p.paper.abs_url }}">{{ p.paper.title }}</a></h2><p>{{ p.paper.authors|join(", ") }}</p><p>
{% for c in p.paper.categories %}{{ c }} {% endfor %}score {{ p.score }}</p><p>
{% for s, m in p.engagement.items() %}{{ s }}:{% for k, v in m.items() %} {{ k }} {{ v }}{% endfor %};{% endfor %}</p>
<p>{{ p.paper.abstract }}</p>{% for t in p.top_posts %}<blockquote><p>
{{ t.text }}</p><footer>{{ t.author_name }} (@{{ t.author_handle }}), {{ t.created_at }}:{% for k, v in
t.metrics.items() %} {{ k }} {{ v }}{% endfor %}, <a href="{{ t.url }}">post</a></footer></blockquote>{% endfor %}
</article>{% endfor %}"""
# The latency model of bench_backfill.py (seconds per request, chosen, not measured: same-region DynamoDB), S3's
# requests alike; a rebuild's PUTs go UPLOAD_THREADS at a time, so each adds latency / UPLOAD_THREADS.
LATENCY_S, UPLOAD_THREADS = {"dynamodb": 0.02, "s3": 0.02}, 8


def listing(s3: Any, bucket: str) -> dict[str, tuple[str, int]]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {e["Key"]: (e["ETag"].strip('"'), e["Size"]) for page in pages for e in page.get("Contents", [])}


def phase_timer() -> h.PhaseTimer:
    """process_time around the publisher's steps; the day pages (a generator) are taken out of the upload's."""
    from botocore.parsers import JSONParser

    import hotpapers.publish.bucket as bucket
    import hotpapers.publish.publisher as publisher
    import hotpapers.publish.render_plan as render_plan
    import hotpapers.publish.site.papers as papers
    from hotpapers.core.store import Store
    from hotpapers.publish.plan import PublishPlanner

    timer = h.PhaseTimer()
    owners = {"Store": Store, "PublishPlanner": PublishPlanner}
    for label, targets in PHASES.items():
        for target in targets:
            owner, _, name = target.rpartition(".")
            module = publisher if hasattr(publisher, name) else render_plan
            timer.wrap(owners[owner] if owner else module, name, label)
    # Paper pages are rendered by a generator the upload consumes: time the view and the template.
    timer.wrap(papers, "_paper_page", PAPER_PAGES)
    timer.wrap(papers, "_page", PAPER_PAGES)
    timer.wrap(bucket.SiteBucket, "upload", UPLOAD)  # minus the pages it consumes (generators): publish()
    timer.replace(bucket, "hashlib", types.SimpleNamespace(md5=hashlib.md5))  # MD5 of each body, in upload()
    timer.wrap(bucket.hashlib, "md5", NESTED[3])
    timer.wrap(JSONParser, "parse", NESTED[0])  # DynamoDB's responses (S3's are XML), main thread
    timer.wrap(Store, "_from_dynamo", NESTED[1])  # ~1 µs of timer per item, ~0.3 s in a rebuild
    timer.wrap(bucket.SiteBucket, "_existing_etags", NESTED[2])
    return timer


def publish(event: dict[str, Any], wire: h.WireCounter, phases: bool = True) -> dict[str, Any]:
    """One publish handler call, measured: CPU, wall, peak RSS, requests on the wire, CPU per phase."""
    from hotpapers.publish import handler

    wire.take()
    timer = phase_timer() if phases else h.PhaseTimer()
    with contextlib.redirect_stdout(io.StringIO()), timer, h.Measure() as measured:
        result = handler.handle(event)
    run = {**measured.figures(), "requests": wire.take(), "objects_put": result["objects_put"],
           "objects_unchanged": result["objects_unchanged"], "days_published": len(result["days"]),
           "papers_published": sum(d["papers"] for d in result["days"]), "skipped": result["skipped"]}  # fmt: skip
    if phases:
        timer.cpu[UPLOAD] -= sum(timer.cpu[k] for k in ("render_day (day pages)", "day_exports (Markdown + JSON)",
                                                        PAPER_PAGES, PERIODS))  # fmt: skip
        run["phases_cpu_s"] = timer.phases(tuple(PHASES), NESTED, measured.cpu, "other (handler, run glue, GC)")
    return run


def plain_jinja2(digests: list[Any]) -> float:
    """A minimal autoescaped jinja2 template printing the same papers and top posts: the lower bound."""
    import jinja2

    template = jinja2.Environment(autoescape=True).from_string(PLAIN_TEMPLATE)
    template.render(day="warm-up", papers=[])
    with h.Measure() as measured:
        for digest in digests:
            template.render(day=digest.day.isoformat(), papers=digest.papers)
    return measured.cpu


def worker_collect(args: argparse.Namespace) -> dict[str, Any]:
    """Setup: the heavy day through the real collect handler (the fakes serve it), waits counted not slept."""
    from hotpapers.collect import handler

    h.provision_env(dict(os.environ))
    with contextlib.redirect_stdout(io.StringIO()), h.Measure() as measured:
        summary = handler.handle({"date": args.day.isoformat()}, clock=h.sleepless_clock())
    return {**summary["days"][0], "seconds": round(measured.wall, 1)}


def worker_heavy(args: argparse.Namespace) -> dict[str, Any]:
    from hotpapers.core.clock import SystemClock
    from hotpapers.core.digest import DigestSummary
    from hotpapers.core.history import paper_histories
    from hotpapers.core.store import build_store
    from hotpapers.publish.plan import Changes, PublishPlanner
    from hotpapers.publish.ranking import rank_day
    from hotpapers.publish.render_plan import SiteData, render_phases, render_site
    from hotpapers.publish.site import SiteConfig

    settings, wire, clients = h.counted_clients("dynamodb", "s3")
    s3 = clients["s3"]
    with h.Measure() as read:
        records = build_store(settings, SystemClock()).day(args.day)
    config, site = settings.ranking(), SiteConfig.from_settings(settings)

    def rank_and_render() -> tuple[Any, list[Any], dict[str, bytes]]:
        digest = rank_day(records, config)
        summaries = [DigestSummary.of(digest)]
        # As the publisher plans the day onto an empty bucket: its page, exports, papers, week and month, listings.
        histories, digests = paper_histories(summaries), {args.day: digest}
        changes = Changes(frozenset(digests), frozenset(histories), everything=True)
        plan = PublishPlanner(changes, frozenset(), summaries, histories).plan(digests, {}, config)
        phases = render_phases(plan, SiteData(site, summaries, histories, digests))
        return digest, summaries, {o.key: o.body for phase in phases for o in phase}

    digest, summaries, rendered = rank_and_render()  # warm-up: templates compiled, first imports
    render_site({args.day: digest}, summaries, site)
    runs: dict[str, list[float]] = {"rank_and_render_cpu_s": [], "render_site_cpu_s": []}
    for _ in range(args.repeat):
        with h.Measure() as ours:
            digest, summaries, rendered = rank_and_render()
        with h.Measure() as base:
            baseline = render_site({args.day: digest}, summaries, site)
        runs["rank_and_render_cpu_s"].append(ours.cpu)
        runs["render_site_cpu_s"].append(base.cpu)
    profile = h.profiled(rank_and_render, limit=20) if args.profile else None
    publishes = {label: publish({"date": args.day.isoformat()}, wire) for label in ("first", "unchanged")}
    return {"day": args.day.isoformat(), "items": {"day_paper": len(records.papers), "mention": len(records.mentions),
                      "run": int(records.run is not None)},
            "read_day_items_cpu_s": read.cpu, "candidates": digest.candidates, "papers_ranked": len(digest.papers),
            "top_posts_shown": sum(len(p.top_posts) for p in digest.papers), "objects_rendered": len(rendered),
            "bytes_rendered": sum(map(len, rendered.values())), **runs, "plain_jinja2_cpu_s": plain_jinja2([digest]),
            "baseline_identical": all(rendered.get(o.key) == o.body for o in baseline), "publish": publishes,
            "bucket_objects": len(listing(s3, settings.bucket)), "profile": profile}  # fmt: skip


def worker_rebuild(args: argparse.Namespace) -> dict[str, Any]:
    import jinja2  # noqa: F401

    import hotpapers.publish.handler  # noqa: F401

    settings, wire, clients = h.counted_clients("dynamodb", "s3")
    s3 = clients["s3"]
    s3.list_buckets()  # the connection pool, before measuring
    rebuild = publish({"all": True}, wire)
    before = listing(s3, settings.bucket)
    rebuild.update(bucket_objects=len(before), bucket_bytes=sum(size for _, size in before.values()))
    rerun = publish({"all": True}, wire)
    rerun["bucket_unchanged"] = listing(s3, settings.bucket) == before
    return {"rebuild": rebuild, "rerun": rerun}


def worker_rebuild_before(args: argparse.Namespace) -> dict[str, Any]:
    """The five-year rebuild by the publisher of BEFORE_PAGES_COMMIT (PYTHONPATH points at its package)."""
    import jinja2  # noqa: F401

    import hotpapers.publish.handler  # noqa: F401

    settings, wire, clients = h.counted_clients("dynamodb", "s3")
    clients["s3"].list_buckets()
    return {"rebuild": publish({"all": True}, wire, phases=False), "package": hotpapers.__file__}


def worker_daily(args: argparse.Namespace) -> dict[str, Any]:
    """One more collected day published onto the five-year site, as the scheduled run would."""
    from publish_data import collected_day

    from hotpapers.core.clock import SystemClock
    from hotpapers.core.store import build_store
    from hotpapers.publish import handler

    settings, wire, clients = h.counted_clients("dynamodb", "s3")
    store = build_store(settings, SystemClock())
    store.write(collected_day(args.daily_day, args.seed))  # the collector's part
    before = listing(clients["s3"], settings.bucket)
    event = {"detail-type": "Collect Finished", "source": "hotpapers", "detail": {"date": args.daily_day.isoformat()}}
    daily = publish(event, wire)
    after = listing(clients["s3"], settings.bucket)
    digest = store.get_digest(args.daily_day)
    papers = (
        [{"arxiv_id": p.paper.arxiv_id, "categories": list(p.paper.categories)} for p in digest.papers]
        if digest
        else []
    )
    written = sorted(key for key, (etag, _) in after.items() if before.get(key, ("",))[0] != etag)
    # Where a daily publish's CPU goes: the day after, published under cProfile (after the figures above).
    following = args.daily_day + timedelta(days=1)
    store.write(collected_day(following, args.seed))
    call = lambda: handler.handle({**event, "detail": {"date": following.isoformat()}})  # noqa: E731
    with contextlib.redirect_stdout(io.StringIO()):
        profile = h.profiled(call, h.RESULTS / "publish-daily.prof", 30)
    return {"daily": {**daily, "day": args.daily_day.isoformat(), "written": written, "papers": papers},
            "profile": profile}  # fmt: skip


def expected_daily_writes(day: date, papers: list[dict[str, Any]], previous_day: date) -> set[str]:
    """What a daily publish may write: the day, its neighbour, its papers' pages, its week and month, the
    touched categories and their feeds, and the listings and indexes that every new day changes."""
    from hotpapers.publish.bucket import MANIFEST_KEY
    from hotpapers.publish.site.keys import (
        category_feed_key,
        category_page_key,
        digest_export_key,
        month_page_key,
        paper_page_key,
        period_export_key,
        week_page_key,
    )

    iso_year, iso_week, _ = day.isocalendar()
    week, month = f"{iso_year}-W{iso_week:02d}", f"{day:%Y-%m}"
    keys = {f"digests/{d}/index.html" for d in (day, previous_day)}
    keys |= {digest_export_key(day, extension) for extension in ("md", "json")}
    keys |= {week_page_key(week), month_page_key(month)}
    keys |= {period_export_key(k, p, e) for k, p in (("week", week), ("month", month)) for e in ("md", "json")}
    keys |= {paper_page_key(p["arxiv_id"]) for p in papers} - {None}
    for category in {c for p in papers for c in p["categories"]}:
        keys |= {category_page_key(category), category_feed_key(category)} - {None}
    keys.add(MANIFEST_KEY)  # the manifest of what the bucket holds, written after the objects
    keys |= {"index.html", "feed.xml", "sitemap.xml", "archive/index.html", f"archive/{day:%Y-%m}/index.html",
             "categories/index.html", "feeds/index.html"}  # fmt: skip
    return keys


def worker_baseline(args: argparse.Namespace) -> dict[str, Any]:
    """render_site of the stored digests in memory (no store, no S3 while measured), checked against the bucket."""
    from hotpapers.core.clock import SystemClock
    from hotpapers.core.store import build_store
    from hotpapers.publish.render_plan import day_exports, render_site
    from hotpapers.publish.site import SiteConfig

    settings, _, clients = h.counted_clients("s3")
    s3 = clients["s3"]
    store = build_store(settings, SystemClock())
    days = store.collected_days()
    digests, summaries, site = store.get_digests(days), store.digest_summaries(), SiteConfig.from_settings(settings)
    render_site({days[0]: digests[days[0]]}, summaries[-1:], site)  # warm-up: templates compiled
    with h.Measure() as rendered:
        objects = render_site(digests, summaries, site)
    with h.Measure() as exported:
        exports = [obj for digest in digests.values() for obj in day_exports(digest, "public, max-age=3600")]
    with h.Measure() as hashed:
        md5 = {obj.key: hashlib.md5(obj.body, usedforsecurity=False).hexdigest() for obj in objects + exports}
    stored = listing(s3, settings.bucket)
    return {"days": len(days), "papers": sum(len(d.papers) for d in digests.values()), "render_site_cpu_s":
            rendered.cpu, "render_site_objects": len(objects), "render_site_bytes": sum(len(o.body) for o in objects),
            "exports_cpu_s": exported.cpu, "exports_objects": len(exports), "md5_cpu_s": hashed.cpu,
            "plain_jinja2_cpu_s": plain_jinja2([digests[day] for day in days]),
            "mismatched_keys": [key for key, digest in md5.items() if stored.get(key, ("",))[0] != digest][:20],
            "keys_only_in_bucket": sorted(set(stored) - set(md5))[:20]}  # fmt: skip


def worker_extra(args: argparse.Namespace) -> dict[str, Any]:
    """One more rebuild under cProfile (--worker profile) or tracemalloc (--worker tracemalloc)."""
    from hotpapers.publish import handler

    h.counted_clients("dynamodb", "s3")
    call = lambda: handler.handle({"all": True})  # noqa: E731
    with contextlib.redirect_stdout(io.StringIO()):
        return h.profiled(call, h.RESULTS / "publish.prof", 20) if args.worker == "profile" else h.traced(call)


def modelled_latency(requests: dict[str, int]) -> float:
    """Seconds of S3 and DynamoDB latency a run of these requests would wait for (the model above)."""
    total = 0.0
    for operation, count in requests.items():
        service = "s3" if operation.startswith("s3.") else "dynamodb"
        parallel = UPLOAD_THREADS if operation == "s3.PutObject" else 1
        total += count * LATENCY_S[service] / parallel
    return total


def worker_shard(args: argparse.Namespace) -> dict[str, Any]:
    """One shard of the ten-year rebuild (args.shard: the shard the previous one returned; none: the first), as
    the invocation that takes its message from the publish queue runs it; and the shard after it."""
    import jinja2  # noqa: F401

    from hotpapers.core.events import RebuildShard
    from hotpapers.publish.handler import build_publisher
    from hotpapers.publish.rebuild import Rebuild, next_shard

    settings, wire, clients = h.counted_clients("dynamodb", "s3")
    clients["s3"].list_buckets()  # the connection pool, before measuring
    publisher = build_publisher(settings, progress=lambda message: None)
    rebuild = Rebuild(publisher, settings.rebuild_shard_days)
    if args.shard:
        found = json.loads(args.shard)
        shard = RebuildShard(found["id"], found["number"], date.fromisoformat(found["first"]),
                             date.fromisoformat(found["last"]))  # fmt: skip
    else:
        first = next_shard(publisher.store.collected_days(), None, settings.rebuild_shard_days, "bench")
        assert first is not None, "nothing collected"
        shard = first
    wire.take()
    with contextlib.redirect_stdout(io.StringIO()), h.Measure() as measured:
        result, following = rebuild.run_shard(shard)
    requests = wire.take()
    after = following and {"id": following.rebuild_id, "number": following.number, "first": str(following.first),
                           "last": str(following.last)}  # fmt: skip
    return {**measured.figures(), "requests": requests, "latency_s": modelled_latency(requests),
            "number": shard.number, "first": str(shard.first), "last": str(shard.last), "days": len(result.days),
            "objects_put": result.objects_put, "objects_unchanged": result.objects_unchanged,
            "next": after}  # fmt: skip


def worker_unsharded(args: argparse.Namespace) -> dict[str, Any]:
    """The same archive rebuilt in ONE invocation, as before the shards: Publisher.run of every collected day."""
    import jinja2  # noqa: F401

    from hotpapers.core.events import PublishRequest
    from hotpapers.publish.handler import build_publisher

    settings, wire, clients = h.counted_clients("dynamodb", "s3")
    clients["s3"].list_buckets()
    publisher = build_publisher(settings, progress=lambda message: None)
    wire.take()
    with contextlib.redirect_stdout(io.StringIO()), h.Measure() as measured:
        result = publisher.run(PublishRequest((), True, "manual"))
    requests = wire.take()
    return {**measured.figures(), "requests": requests, "latency_s": modelled_latency(requests),
            "days": len(result.days), "objects_put": result.objects_put}  # fmt: skip


def buckets_compared(bucket: str, other: str) -> dict[str, Any]:
    """Two buckets' keys and ETags compared (the site's objects and the manifest; not the rebuild's progress)."""
    from hotpapers.publish.rebuild import REBUILD_PROGRESS_KEY

    _, _, clients = h.counted_clients("s3")
    ours, theirs = (listing(clients["s3"], name) for name in (bucket, other))
    ours.pop(REBUILD_PROGRESS_KEY, None)
    theirs.pop(REBUILD_PROGRESS_KEY, None)
    differ = sorted(key for key in set(ours) | set(theirs) if ours.get(key, ("",))[0] != theirs.get(key, ("",))[0])
    return {"objects": len(ours), "bytes": sum(size for _, size in ours.values()), "differ": differ[:20],
            "differ_count": len(differ)}  # fmt: skip


def worker_compare(args: argparse.Namespace) -> dict[str, Any]:
    return buckets_compared(os.environ["HOTPAPERS_BUCKET"], os.environ["HOTPAPERS_BUCKET"] + "-unsharded")


WORKERS = {"collect": worker_collect, "heavy": worker_heavy, "rebuild": worker_rebuild, "daily": worker_daily,
           "rebuild_before": worker_rebuild_before, "baseline": worker_baseline, "profile": worker_extra,
           "tracemalloc": worker_extra, "shard": worker_shard, "unsharded": worker_unsharded,
           "compare": worker_compare}  # fmt: skip
