"""Collector benchmark: a synthetic heavy day (2,000 papers, 30,000 posts) through the real collect handler.

Measures, in this process (moto and the fake upstreams run in bench/servers.py): the handler's wall and CPU
time and peak RSS, where its CPU goes, the requests it makes against the minimum the dataset allows (counted
by the fakes and on the wire), arXiv's mandated waits (counted by a sleepless clock, not slept); and, in the
same run, the floor (the same pages fetched and decoded bare, as many minimal items written with raw boto3)
and cold starts in fresh interpreters. See bench/README.md.

    .venv/bin/python bench/bench_collect.py [--day YYYY-MM-DD] [--profile] [--tracemalloc] [--no-cold-start]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import statistics
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import harness as h

PAGE, BATCH = 100, 25  # every social source pages by 100; BatchWriteItem takes 25
CPU_TARGET_S = 20.0
SOURCES = ("x", "bluesky", "hackernews", "huggingface")
MANDATED_WAIT = "hotpapers.collect.arxiv._query"  # ArxivClient's spacing of requests
PHASES_TOP = ("source x", "source bluesky", "source hackernews", "source huggingface",
              "stored papers lookup (BatchGetItem)", "arXiv metadata (20 batches)", "engagement totals",
              "item builders", "write_items (BatchWriteItem)", "run record PutItem")  # fmt: skip
PHASES_NESTED = ("  HTTP client, all upstreams (requests)", "  page parsers (parse_*_page)",
                 "  arXiv parse_feed (feedparser)", "  Store._to_dynamo (its DynamoDB JSON codec)")  # fmt: skip


def phase_timer() -> h.PhaseTimer:
    from hotpapers.collect import arxiv, collector
    from hotpapers.collect.sources import bluesky, hackernews, huggingface, x
    from hotpapers.core.http import HttpClient
    from hotpapers.core.store import Store

    timer = h.PhaseTimer()
    timer.wrap(collector.Collector, "_collect_source", lambda args: f"source {args[1].name}")
    timer.wrap(Store, "papers_meta", PHASES_TOP[4])
    timer.wrap(arxiv.ArxivClient, "fetch", PHASES_TOP[5])
    timer.wrap(collector, "engagement_by_paper", PHASES_TOP[6])
    for builder in ("paper_item", "day_paper_item", "mention_item"):
        timer.wrap(collector, builder, PHASES_TOP[7])
    timer.wrap(Store, "_write_items", PHASES_TOP[8], capture="items")  # the store's private batch writer, timed
    timer.wrap(Store, "_put_item", PHASES_TOP[9])
    timer.wrap(HttpClient, "_send", PHASES_NESTED[0])  # every request, with its retries and body decoding
    for module, parser in ((x, "parse_x_page"), (bluesky, "parse_bsky_page"), (hackernews, "parse_hn_page"),
                           (huggingface, "parse_hf_page")):  # fmt: skip
        timer.wrap(module, parser, PHASES_NESTED[1])
    timer.wrap(arxiv, "parse_feed", PHASES_NESTED[2])
    timer.wrap(Store, "_to_dynamo", PHASES_NESTED[3])
    return timer


def split_write_path(items: list[dict[str, Any]], client: Any, table_name: str) -> dict[str, float]:
    """The write path's three CPU-heavy steps, re-run on the very items written (a validating client)."""
    from boto3.dynamodb.types import TypeSerializer
    from botocore.serialize import create_serializer
    from botocore.validate import ParamValidator

    operation, serialize = client.meta.service_model.operation_model("BatchWriteItem"), TypeSerializer().serialize
    with h.Measure() as typed:
        batches = [[{"PutRequest": {"Item": {k: serialize(v) for k, v in item.items() if v is not None}}}
                    for item in items[n : n + BATCH]] for n in range(0, len(items), BATCH)]  # fmt: skip
    validator = ParamValidator()
    with h.Measure() as validated:
        for batch in batches:
            assert not validator.validate({"RequestItems": {table_name: batch}}, operation.input_shape).has_errors()
    serializer = create_serializer(operation.metadata["protocol"], include_validation=False)
    with h.Measure() as serialized:
        for batch in batches:
            serializer.serialize_to_request({"RequestItems": {table_name: batch}}, operation)
    return {"TypeSerializer (Python values to DynamoDB JSON)": typed.cpu, "botocore parameter validation":
            validated.cpu, "botocore request serialisation (JSON body)": serialized.cpu}  # fmt: skip


def run_collector(day: date, mode: str = "phases") -> dict[str, Any]:
    """One collection of the day through the real handler, measured. mode: phases, plain, cprofile, tracemalloc."""
    from hotpapers.collect import handler
    from hotpapers.core import aws
    from hotpapers.core.settings import Settings
    from hotpapers_local.provision import provision

    settings = Settings.from_env()
    provision(settings)
    _, wire, _ = h.counted_clients("dynamodb", "events")
    clock, stdout, found = h.sleepless_clock(), io.StringIO(), {}  # stdout: EMF metric lines, none expected
    call = lambda: handler.handle({"date": day.isoformat()}, clock=clock)  # noqa: E731
    timer = phase_timer() if mode == "phases" else h.PhaseTimer()
    with contextlib.redirect_stdout(stdout), timer, h.Measure() as measured:
        if mode == "cprofile":
            found["profile"] = h.profiled(call, h.RESULTS / "collect.prof")
        elif mode == "tracemalloc":
            found.update(h.traced(call))
        else:
            found["summary"] = call()
    if timer.calls:
        found["phases_cpu_s"] = timer.phases(PHASES_TOP, PHASES_NESTED, measured.cpu, "other (glue, handler, GC)")
        found["write_path_split_cpu_s"] = split_write_path(
            list(timer.captured.pop("items")), aws.client("dynamodb", settings.endpoint_url, settings.region),
            settings.table)  # fmt: skip
    waits = dict(clock.by_caller)
    return {**measured.figures(), "mandated_waits_s": waits.pop(MANDATED_WAIT, 0.0), "other_sleeps_s": waits,
            "mandated_wait_count": clock.calls.get(MANDATED_WAIT, 0), "aws_requests": wire.take(),
            "stdout_lines": stdout.getvalue().count("\n"), **found}  # fmt: skip


def run_floor(day: date, facts: dict[str, Any], items: int) -> dict[str, Any]:
    """The unavoidable work with none of our logic: the same pages fetched and decoded, as many items written."""
    import boto3
    import feedparser
    import requests

    from hotpapers.collect.sources.x import QUERY, TWEET_FIELDS
    from hotpapers.core.settings import Settings
    from hotpapers_local.provision import provision

    s = Settings.from_env()
    provision(s)
    dynamodb = boto3.client("dynamodb", endpoint_url=s.endpoint_url, region_name=s.region)
    dynamodb.describe_table(TableName=s.table)  # a warm client
    puts = [{"PutRequest": {"Item": {"PK": {"S": f"FLOOR#{n:06d}"}, "SK": {"S": "ITEM"}}}} for n in range(items)]
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    since, until = (f"{t:%Y-%m-%dT%H:%M:%SZ}" for t in (start, start + timedelta(days=1)))
    made, decoded, env = Counter(), Counter(), os.environ

    with h.Measure() as measured:
        session = requests.Session()

        def get(source: str, url: str, params: dict[str, Any], **kwargs: Any) -> Any:
            made[source] += 1
            response = session.get(url, params=params, timeout=20, **kwargs)
            response.raise_for_status()
            return response.content if source == "arxiv" else json.loads(response.content)

        params = {"query": QUERY, "start_time": since, "end_time": until, "max_results": PAGE, "tweet.fields":
                  TWEET_FIELDS, "expansions": "author_id", "user.fields": "username,name"}  # fmt: skip
        auth = {"Authorization": f"Bearer {env['HOTPAPERS_X_BEARER_TOKEN']}"}
        while body := get("x", f"{s.x_api_url}/tweets/search/recent", params, headers=auth):
            decoded["x"] += len(body.get("data", []))
            if not body.get("meta", {}).get("next_token"):
                break
            params["next_token"] = body["meta"]["next_token"]
        made["bluesky"] += 1
        login = session.post(f"{s.bsky_api_url}/com.atproto.server.createSession", timeout=20, json={
            "identifier": env["HOTPAPERS_BSKY_HANDLE"], "password": env["HOTPAPERS_BSKY_APP_PASSWORD"]})  # fmt: skip
        auth = {"Authorization": f"Bearer {login.json()['accessJwt']}"}
        params = {"q": "arxiv.org", "since": since, "until": until, "sort": "latest", "limit": PAGE}
        while body := get("bluesky", f"{s.bsky_api_url}/app.bsky.feed.searchPosts", params, headers=auth):
            decoded["bluesky"] += len(body["posts"])
            if not body.get("cursor"):
                break
            params["cursor"] = body["cursor"]
        epoch = int(start.timestamp())
        params = {"query": "arxiv.org", "tags": "story", "restrictSearchableAttributes": "url", "hitsPerPage": PAGE,
                  "numericFilters": f"created_at_i>={epoch},created_at_i<{epoch + 86400}", "page": 0}  # fmt: skip
        while body := get("hackernews", f"{s.hn_api_url}/search_by_date", params):
            decoded["hackernews"] += len(body["hits"])
            params["page"] += 1
            if params["page"] >= body["nbPages"]:
                break
        for page in range(facts["huggingface_items"] // PAGE + 1):  # no total: ask until a page comes back short
            params = {"date": day.isoformat(), "limit": PAGE, "p": page}
            decoded["huggingface"] += len(get("huggingface", f"{s.hf_api_url}/daily_papers", params))
        ids = facts["arxiv_ids"]
        for n in range(0, len(ids), PAGE):
            params = {"id_list": ",".join(ids[n : n + PAGE]), "start": 0, "max_results": PAGE}
            decoded["arxiv"] += len(feedparser.parse(io.BytesIO(get("arxiv", s.arxiv_api_url, params))).entries)
        for n in range(0, len(puts), BATCH):
            pending = puts[n : n + BATCH]
            while pending:
                made["dynamodb"] += 1
                answer = dynamodb.batch_write_item(RequestItems={s.table: pending})
                pending = answer.get("UnprocessedItems", {}).get(s.table, [])
    return {**measured.figures(), "requests": dict(made), "decoded": dict(decoded), "items_written": items}


HEAVY = ("boto3", "botocore.client", "requests", "feedparser", "jinja2", "yaml", "aws_lambda_powertools.metrics")
WATCHED = ("hotpapers.collect.handler", "requests", "feedparser", "aws_lambda_powertools", "boto3", "jinja2", "yaml",
           "aws_lambda_powertools.logging", "aws_lambda_powertools.metrics", "aws_lambda_powertools.utilities.typing",
           "hotpapers_local.invoke")  # fmt: skip
LOAD = "from hotpapers_local.invoke import load_handler\nload_handler('collect')\n"
TIMED = ("import json, sys, time\nt = time.perf_counter()\n{}\nprint({!r} + json.dumps({{'import_ms': "
         "(time.perf_counter() - t) * 1000, 'heavy': [m for m in {!r} if m in sys.modules]}}))")  # fmt: skip


def cold_starts(env: dict[str, str], runs: int = 5) -> dict[str, Any]:
    """python -c pass, import boto3 and the collect handler (load_handler), fresh interpreters, interleaved."""
    snippets = {"python -c pass": "pass", "import boto3": TIMED.format("import boto3", h.RESULT_MARK, HEAVY),
                "collect handler": TIMED.format(LOAD, h.RESULT_MARK, HEAVY)}  # fmt: skip
    found = h.interleaved(snippets, env, runs)
    cold = {name: {"process_ms": row["process_ms"], "process_ms_all": row["walls"],
                   "import_ms": statistics.median(r.get("import_ms", 0.0) for r in row["inside"])}
            for name, row in found.items()}  # fmt: skip
    cold["collect handler"]["heavy_modules_loaded"] = found["collect handler"]["inside"][-1]["heavy"]
    costs = {name: cumulative for _, _, cumulative, name in h.importtime(LOAD, env)}
    cold["collect handler"]["imports_ms"] = {name: costs[name] for name in WATCHED if name in costs}
    return cold


def minimums(facts: dict[str, Any]) -> dict[str, int]:
    return {"x": math.ceil(facts["x_originals"] / PAGE),  # the query excludes retweets
            "bluesky": math.ceil(facts["bluesky_posts"] / PAGE) + 1,  # + createSession
            "hackernews": math.ceil(facts["hackernews_hits"] / PAGE),
            "huggingface": facts["huggingface_items"] // PAGE + 1,  # no total, no cursor: one past the last page
            "arxiv": math.ceil(facts["distinct_papers_linked"] / PAGE)}  # fmt: skip


def build_report(facts: dict[str, Any], run: dict[str, Any], counts: dict[str, int], floor: dict[str, Any],
                 floor_counts: dict[str, int]) -> dict[str, Any]:  # fmt: skip
    day, minimum = run["summary"]["days"][0], minimums(facts)
    wire = {name: counts[name] for name in ("x", "hackernews", "huggingface", "arxiv")}
    wire["bluesky"] = counts["bluesky_session"] + counts["bluesky_search"]
    reported = {name: day["sources"][name]["requests"] for name in SOURCES} | {"arxiv": day["arxiv_requests"]}
    upstream = {name: {"minimum": minimum[name], "fake_counted": wire[name], "collector_reported": reported[name],
                       "ratio": wire[name] / minimum[name]} for name in minimum}  # fmt: skip
    upstream["total"] = {
        "minimum": sum(minimum.values()),
        "fake_counted": sum(wire.values()),
        "collector_reported": sum(reported.values()),
    }
    upstream["total"]["ratio"] = sum(wire.values()) / sum(minimum.values())
    expected = 2 * facts["distinct_papers_linked"] + facts["mentions"]  # paper meta + day paper, + mentions
    aws = run["aws_requests"]
    dynamodb = {"items_expected": expected, "items_written": day["items_written"],
                "minimum_batch_writes": math.ceil(expected / BATCH), "batch_writes_reported": day["write_requests"],
                "batch_writes_on_wire": aws.get("dynamodb.BatchWriteItem", 0),
                "put_item_on_wire": aws.get("dynamodb.PutItem", 0),
                "batch_get_on_wire": aws.get("dynamodb.BatchGetItem", 0),
                "minimum_batch_gets": math.ceil(facts["distinct_papers_linked"] / 100), "all_on_wire": aws}  # fmt: skip
    dynamodb["ratio"] = dynamodb["batch_writes_on_wire"] / dynamodb["minimum_batch_writes"]
    checks = h.Checks()
    within = lambda row: row["fake_counted"] * 100 <= row["minimum"] * 105  # noqa: E731 - at most 5% more, integers
    for name, row in upstream.items():
        checks.add(f"upstream requests {name} <= min x 1.05", within(row),
                   f"{row['fake_counted']} / {row['minimum']} = {row['ratio']:.3f}")  # fmt: skip
    checks.add("DynamoDB BatchWriteItem <= ceil(items/25) x 1.05",
               within({"fake_counted": dynamodb["batch_writes_on_wire"], "minimum": dynamodb["minimum_batch_writes"]}),
               f"{dynamodb['batch_writes_on_wire']} / {dynamodb['minimum_batch_writes']} = {dynamodb['ratio']:.3f} "
               f"(+{dynamodb['put_item_on_wire']} PutItem for the run record)")  # fmt: skip
    checks.add(f"collector CPU < {CPU_TARGET_S:.0f} s", run["cpu_s"] < CPU_TARGET_S, f"{run['cpu_s']:.2f} s")
    memory = run["memory_setting_mb"]
    peak = run["maxrss_after_mb"]
    checks.add(f"peak RSS < MemorySize {memory} MB", peak < memory, f"{peak:.0f} MB")
    errors = {name: s["error"] for name, s in day["sources"].items() if s["error"]}
    for name, ok, detail in (
        ("every original post kept", day["posts"] == facts["posts_requested"], f"posts {day['posts']}"),
        ("every paper with metadata", day["papers"] == day["papers_fetched"] == facts["distinct_papers_linked"]
         and not day["paper_failures"], f"papers {day['papers']}, failures {len(day['paper_failures'])}"),
        ("no source failed", not errors, json.dumps(errors) if errors else "none"),
        ("items written = paper metas + day papers + mentions", day["items_written"] == expected,
         f"{day['items_written']} vs {expected}"),
        ("collector's request counts match the fake's", reported == wire
         and dynamodb["batch_writes_reported"] == dynamodb["batch_writes_on_wire"], f"reported {reported}"),
        ("no retry or backoff sleeps", not run["other_sleeps_s"], json.dumps(run["other_sleeps_s"])),
        ("the floor made exactly the minimum upstream requests", floor_counts["all"] == sum(minimum.values()),
         f"{floor_counts['all']} vs {sum(minimum.values())}"),
    ):  # fmt: skip
        checks.add(f"valid: {name}", ok, detail, "valid")
    return {"dataset": {k: v for k, v in facts.items() if k != "arxiv_ids"}, "collector": run,
            "upstream_requests": upstream, "dynamodb_requests": dynamodb,
            "floor": {**floor, "fake_counted": floor_counts},
            "ratios_vs_floor": {k: h.ratio(run[f"{k}_s"], floor[f"{k}_s"]) for k in ("cpu", "wall")},
            "lambda_duration_estimate_s": run["wall_s"] + run["mandated_waits_s"], "checks": checks}  # fmt: skip


def print_report(report: dict[str, Any]) -> None:
    c, f, r, ds = report["collector"], report["floor"], report["ratios_vs_floor"], report["dataset"]
    h.header(f"Collector benchmark, day {ds['day']}", report["meta"])
    print(f"dataset: {ds['posts_requested']} original posts (X {ds['x_originals']} + {ds['x_retweets']} retweets to "
          f"skip, Bluesky {ds['bluesky_posts']}, HN {ds['hackernews_hits']}, HF {ds['huggingface_items']}), "
          f"{ds['distinct_papers_linked']} papers, {ds['mentions']} mentions")  # fmt: skip
    h.table("Time and memory", ["", "collector", "floor", "ratio"], [
        ["wall time (s)", f"{c['wall_s']:.2f}", f"{f['wall_s']:.2f}", f"{r['wall']:.2f}x"],
        ["CPU time (s)", f"{c['cpu_s']:.2f}", f"{f['cpu_s']:.2f}", f"{r['cpu']:.2f}x"],
        ["  user / system (s)", f"{c['cpu_user_s']:.2f} / {c['cpu_system_s']:.2f}",
         f"{f['cpu_user_s']:.2f} / {f['cpu_system_s']:.2f}", ""],
        [f"mandated arXiv waits, not slept ({c['mandated_wait_count']})", f"{c['mandated_waits_s']:.1f} s", "", ""],
        ["Lambda duration estimate (wall + waits)", f"{report['lambda_duration_estimate_s']:.1f} s", "", ""],
        [f"peak RSS (before the run {c['rss_before_mb']:.0f} MB)", f"{c['maxrss_after_mb']:.0f} MB", "",
         f"MemorySize {c['memory_setting_mb']}"],
        ["servers child CPU during the run (not counted)", f"{c['servers_child_cpu_s']:.1f} s", "", ""],
    ])  # fmt: skip
    if c.get("phases_cpu_s"):
        h.table("Where the collector's CPU goes (indented: part of the above)", ["phase", "CPU s", "share"],
              [[k, f"{v:.2f}", f"{v / c['cpu_s']:.1%}"] for k, v in c["phases_cpu_s"].items()]
              + [[f"re-run on the same items: {k}", f"{v:.2f}", ""]
                 for k, v in c["write_path_split_cpu_s"].items()])  # fmt: skip
    h.table("Upstream requests", ["", "minimum", "fake counted", "collector's own", "ratio"],
          [[n, w["minimum"], w["fake_counted"], w["collector_reported"], f"{w['ratio']:.3f}"]
           for n, w in report["upstream_requests"].items()])  # fmt: skip
    d = report["dynamodb_requests"]
    print(f"\nDynamoDB: items {d['items_written']} (expected {d['items_expected']}); BatchWriteItem "
          f"{d['batch_writes_on_wire']} on the wire ({d['batch_writes_reported']} reported), minimum "
          f"{d['minimum_batch_writes']}: {d['ratio']:.3f}; PutItem {d['put_item_on_wire']}; BatchGetItem "
          f"{d['batch_get_on_wire']} (minimum {d['minimum_batch_gets']}); stdout {c['stdout_lines']}")  # fmt: skip
    if report["upstream_requests"]["hackernews"]["ratio"] > 1:  # where the extra request went
        windows = Counter(q.get("numericFilters") for q in report["request_log"])
        print("  hackernews pages per window: " + "; ".join(f"{w}: {n}" for w, n in windows.items()))
    if cold := report.get("cold_start"):
        h.table(
            "Cold start (fresh interpreters, median of 5, interleaved)",
            ["", "process ms", "import ms"],
            [[name, f"{row['process_ms']:.0f}", f"{row['import_ms']:.0f}"] for name, row in cold.items()],
        )
        handler, boto = cold["collect handler"], cold["import boto3"]
        print(f"  collect handler / import boto3: import {handler['import_ms'] / boto['import_ms']:.2f}x, process "
              f"{handler['process_ms'] / boto['process_ms']:.2f}x; heavy modules loaded: "
              f"{', '.join(handler['heavy_modules_loaded']) or 'none'}\n  -X importtime (one run, cumulative ms): "
              + ", ".join(f"{k} {v:.0f}" for k, v in handler["imports_ms"].items()))  # fmt: skip
    for mode, run in report.get("extra_runs", {}).items():
        if mode == "cprofile":
            print(f"\ncProfile ({run['profile']['cpu_s_under_profiler']:.2f} s CPU under the profiler):")
            print(run["profile"]["cumulative"] + run["profile"]["tottime"])
        else:
            print(f"\ntracemalloc peak of Python allocations: {run['tracemalloc_peak_mb']:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    parser.add_argument("--day", type=date.fromisoformat, default=yesterday, help="the UTC day (default: yesterday)")
    parser.add_argument("--json", type=Path, default=h.RESULTS / "collect.json", help="results file")
    parser.add_argument("--profile", action="store_true", help="also run the collector under cProfile (extra run)")
    parser.add_argument("--tracemalloc", action="store_true", help="also run it under tracemalloc (extra run)")
    parser.add_argument("--no-cold-start", action="store_true", help="skip the cold-start measurements")
    parser.add_argument("--no-phases", action="store_true", help="do not time the collector's phases")
    args = parser.parse_args()
    for name in ("HOTPAPERS_SECRET_ID", "HOTPAPERS_ARXIV_MIN_INTERVAL", "HOTPAPERS_ARXIV_BATCH_SIZE"):
        os.environ.pop(name, None)  # defaults: credentials from the environment, 3 s, 100 ids
    # HOTPAPERS_X_MAX_POSTS=0: the heavy day is measured whole (its 24,000 X posts are over the default daily cap).
    os.environ.update({"HOTPAPERS_SOURCES": ",".join(SOURCES), "HOTPAPERS_X_MAX_POSTS": "0",
                       "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING",
                       "POWERTOOLS_SERVICE_NAME": "hotpapers"})  # fmt: skip
    cold_env, meta = dict(os.environ), h.machine()
    print(f"starting servers for {args.day} (dataset, moto, fake upstreams) ...", flush=True)
    with h.Servers("collect", args.day.isoformat()) as servers:
        from hotpapers_local.emulator import use_endpoint
        from hotpapers_local.provision import load_template

        facts, base = servers.ready["facts"], dict(os.environ)
        use_endpoint(servers.ready["aws_url"])
        # Everything the collector imports, imported before measuring: cold start is measured on its own.
        import feedparser  # noqa: F401
        import requests  # noqa: F401

        import hotpapers.collect.handler  # noqa: F401

        def fresh(label: str) -> dict[str, Any]:
            fake = servers.ask("fake")
            os.environ.update({**base, **fake["env"], **fake["credentials"], **h.names(label)})
            return fake

        fake = fresh("collect")
        print("collecting the day through hotpapers.collect.handler.handle ...", flush=True)
        child_before = servers.cpu()
        run = run_collector(args.day, "plain" if args.no_phases else "phases")
        run["servers_child_cpu_s"] = servers.cpu() - child_before
        template = load_template(h.ROOT / "template.yaml")
        run["memory_setting_mb"] = int(template["Resources"]["CollectFunction"]["Properties"].get("MemorySize")
                                       or template["Globals"]["Function"]["MemorySize"])  # fmt: skip
        counts = servers.ask("counts", fake=fake["name"])["counts"]
        log = servers.ask("requests", fake=fake["name"], prefix="/hn/")["requests"]
        print("measuring the floor (bare requests + json/feedparser + raw batch_write_item) ...", flush=True)
        floor_fake = fresh("floor")
        floor = run_floor(args.day, facts, run["summary"]["days"][0]["items_written"])
        floor_counts = servers.ask("counts", fake=floor_fake["name"])["counts"]
        extra = {}
        for mode in [m for m, wanted in (("cprofile", args.profile), ("tracemalloc", args.tracemalloc)) if wanted]:
            print(f"collecting again under {mode} ...", flush=True)
            fresh(mode)
            extra[mode] = run_collector(args.day, mode)
    report = build_report(facts, run, counts, floor, floor_counts)
    if not args.no_cold_start:
        print("measuring cold starts ...", flush=True)
        report["cold_start"] = cold_starts(cold_env)
    report.update(meta=meta, request_log=log, extra_runs=extra)
    print_report(report)
    return h.finish(report, args.json)


if __name__ == "__main__":
    sys.exit(main())
