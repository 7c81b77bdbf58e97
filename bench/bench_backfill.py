"""Backfill benchmark: five years through the collect queue, a heavy day every tenth day, the publisher's batches."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import harness as h

SOURCES = ("x", "bluesky", "hackernews", "huggingface")
UPSTREAMS = (*SOURCES, "arxiv")
# The latency model (seconds per request, chosen, not measured): a full-archive page of 500 posts, an id_list
# batch of 100 entries, the other searches' pages; DynamoDB and EventBridge in the same region.
LATENCY = {"x": 0.5, "bluesky": 0.3, "hackernews": 0.3, "huggingface": 0.3, "arxiv": 1.0, "dynamodb": 0.02,
           "events": 0.02}  # fmt: skip
PREFIXES = {"/x/": "x", "/bsky/": "bluesky", "/hn/": "hackernews", "/hf/": "huggingface", "/arxiv/": "arxiv"}
ORDINARY, HEAVY = (20, 60), (2000, 30000)  # (papers, posts) of a day
BUDGET, VISIBILITY = 900.0, 960.0  # CollectFunction's timeout; the collect queue's VisibilityTimeout
BATCH, WINDOW = 100, 60.0  # PublishFunction's mapping: BatchSize, MaximumBatchingWindowInSeconds


def sim_clock() -> Any:
    """The harness's sleepless clock, also moved on by the modelled latency of each request (advance)."""

    class SimClock(type(h.sleepless_clock())):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.modelled, self.by_kind, self.active = 0.0, Counter[str](), False

        def now(self) -> datetime:
            return datetime.now(UTC) + timedelta(seconds=self.slept + self.modelled)

        def monotonic(self) -> float:
            return time.monotonic() + self.slept + self.modelled

        def advance(self, seconds: float, kind: str) -> None:
            self.modelled += seconds
            self.by_kind[kind] += seconds

    return SimClock()


def plan(end: date, days: int, real_heavy: int) -> dict[str, str]:
    """Day -> "heavy" (run for real), "stand-in" (a heavy slot run as an ordinary day, figures derived) or
    "ordinary". Heavy slots: the first day and every tenth after it; the real ones spread evenly, the first one."""
    slots = [end - timedelta(days=days - 1 - n) for n in range(days)]
    heavy = slots[::10]
    chosen = {heavy[round(i * (len(heavy) - 1) / max(1, real_heavy - 1))] for i in range(min(real_heavy, len(heavy)))}
    return {d.isoformat(): "heavy" if d in chosen else "stand-in" if d in heavy else "ordinary" for d in slots}


def minimum(facts: dict[str, Any]) -> dict[str, int]:
    """A day's fewest requests, from its dataset: full-archive X pages hold 500, the others 100."""
    return {"x": math.ceil(facts["x_originals"] / 500), "bluesky": math.ceil(facts["bluesky_posts"] / 100) + 1,
            "hackernews": math.ceil(facts["hackernews_hits"] / 100), "huggingface": facts["huggingface_items"] // 100
            + 1, "arxiv": math.ceil(facts["new_papers"] / 100)}  # fmt: skip


class Backfill:
    """The relay's `invoke` for the collect function: the day's fake, the simulated clock and budget, the publish
    batches by simulated time. Everything else is the product's: enqueue_days, relay_collect_queue, the handlers."""

    def __init__(self, servers: h.Servers, days: dict[str, str], base_env: dict[str, str]) -> None:
        from hotpapers.core.settings import Settings
        from hotpapers_local import invoke as invoke_module

        self.servers, self.days, self.base_env, self.clock = servers, days, base_env, sim_clock()
        self.invoke = invoke_module.invoke  # the real one, for the publish handler
        self.settings = Settings.from_env()
        self.invocations: list[dict[str, Any]] = []
        self.counts: dict[str, dict[str, int]] = {}
        self.facts: dict[str, dict[str, Any]] = {}
        self.timeline, self.pending, self.batches, self.resumes = 0.0, list[tuple[float, Any]](), list[Any](), 0

    def collect(self, function: str, event: Any, keep_stdout: bool = True) -> Any:
        if function != "collect":
            return self.invoke(function, event, keep_stdout)
        from hotpapers.collect.handler import handle

        (record,) = event["Records"]
        day = json.loads(record["body"])["date"]
        kind = self.days[day]
        papers, posts = HEAVY if kind == "heavy" else ORDINARY
        served = self.servers.ask("serve", day=day, papers=papers, posts=posts)
        os.environ.update({**self.base_env, **served["env"], **served["credentials"]})
        self.facts[day] = served["facts"]
        clock = self.clock
        waits0, modelled0, kinds0, cpu0, wall0 = clock.slept, clock.modelled, Counter(clock.by_kind), *h_now()
        used = lambda: clock.slept - waits0 + clock.modelled - modelled0 + time.process_time() - cpu0  # noqa: E731
        clock.active = True
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                result = handle(event, clock=clock, remaining=lambda: BUDGET - used())
        finally:
            clock.active = False
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        self.counts[day] = self.servers.ask("counts", fake=served["name"])["counts"]
        failed = bool(result.get("batchItemFailures"))
        latency = {k: v - kinds0.get(k, 0.0) for k, v in clock.by_kind.items() if v - kinds0.get(k, 0.0) > 0}
        row = {"day": day, "kind": kind, "failed": failed, "sim_s": used(), "waits_s": clock.slept - waits0,
               "latency_s": latency, "cpu_s": cpu, "wall_s": wall, "summary": result.get("days", [])}  # fmt: skip
        self.invocations.append(row)
        self.timeline += row["sim_s"] if kind != "stand-in" else self.heavy_mean()
        if failed:  # the message comes back after the visibility timeout: let that time pass
            self.resumes += 1
            clock.advance(VISIBILITY, "visibility timeout")
            self.timeline += VISIBILITY
            sqs = self._sqs()
            sqs.change_message_visibility(QueueUrl=self._queue(), ReceiptHandle=record["receiptHandle"],
                                          VisibilityTimeout=0)  # fmt: skip
        self.deliver()
        return result

    def heavy_mean(self) -> float:
        rows = [r["sim_s"] for r in self.invocations if r["kind"] == "heavy" and not r["failed"]]
        return statistics.fmean(rows) if rows else 0.0

    def _sqs(self) -> Any:
        from hotpapers.core.aws import client

        return client("sqs", self.settings.endpoint_url, self.settings.region)

    def _queue(self) -> str:
        from hotpapers_local.backfill import queue_url

        return queue_url(self.settings)

    def deliver(self) -> None:
        """The Collect Finished events the rule put on the publish queue, batched as the mapping does: a batch
        closes 60 simulated seconds after its first event, or at 100 events."""
        from hotpapers_local.relay import drain_messages

        messages, self.publish_arn = drain_messages(self.settings)
        for message in messages:
            if self.pending and self.timeline - self.pending[0][0] >= WINDOW:
                self.publish()
            self.pending.append((self.timeline, message))
            if len(self.pending) >= BATCH:
                self.publish()

    def publish(self) -> None:
        from hotpapers_local.relay import sqs_event

        if not self.pending:
            return
        event = sqs_event([m for _, m in self.pending], self.publish_arn, self.settings.region)
        cpu0, wall0 = h_now()
        result = self.invoke("publish", event, keep_stdout=False)
        self.batches.append({"events": len(self.pending), "cpu_s": time.process_time() - cpu0,
                             "wall_s": time.perf_counter() - wall0, "objects_put": result["objects_put"],
                             "objects_unchanged": result["objects_unchanged"], "days": len(result["days"]),
                             "failures": len(result.get("batchItemFailures", []))})  # fmt: skip
        self.pending = []


def h_now() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def run(args: argparse.Namespace, servers: h.Servers) -> dict[str, Any]:
    from hotpapers.core.store import build_store
    from hotpapers_local import invoke as invoke_module
    from hotpapers_local.backfill import (
        Progress,
        dead_letter_url,
        enqueue_days,
        queue_message_counts,
        relay_collect_queue,
    )
    from hotpapers_local.emulator import use_endpoint

    use_endpoint(servers.ready["aws_url"])
    label = h.names("backfill")
    os.environ.update({**label, "HOTPAPERS_COLLECT_QUEUE": f"{label['HOTPAPERS_TABLE']}.fifo"})
    h.provision_env(dict(os.environ))
    days = plan(args.end, args.days, args.real_heavy)
    backfill = Backfill(servers, days, dict(os.environ))
    settings, (_, wire, clients) = backfill.settings, h.counted_clients("dynamodb", "events", "s3")
    for service in ("dynamodb", "events"):  # the collector's AWS requests, modelled like the upstreams'
        clients[service].meta.events.register(f"before-send.{service}", lambda service=service, **_: (
            backfill.clock.advance(LATENCY[service], service) if backfill.clock.active else None))  # fmt: skip
    timer = h.PhaseTimer()
    import requests

    original = requests.Session.request

    def request(session: Any, method: str, url: str, *a: Any, **k: Any) -> Any:
        kind = next((v for p, v in PREFIXES.items() if urlsplit(url).path.startswith(p)), None)
        if kind and backfill.clock.active:
            backfill.clock.advance(LATENCY[kind], kind)
        return original(session, method, url, *a, **k)

    timer.replace(requests.Session, "request", request)
    timer.replace(invoke_module, "invoke", backfill.collect)
    started, child0 = time.perf_counter(), servers.cpu()
    with timer:
        enqueue_days(settings, [date.fromisoformat(d) for d in days])
        progress = Progress(total=len(days))
        shown = {"at": 0}

        def show(p: Progress) -> None:
            if p.done - shown["at"] >= 100 or p.done == p.total:
                shown["at"] = p.done
                print(f"  {p.done}/{p.total} days, {backfill.resumes} resumes, {len(backfill.batches)} publish "
                      f"batches, {time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip

        while True:
            progress.failures = 0
            relay_collect_queue(settings, progress, show)
            if not progress.failures or sum(queue_message_counts(backfill._sqs(), dead_letter_url(settings) or "")) > 0:
                break
        backfill.publish()  # the last batch (its window closes after the last event)
    collect_wall = time.perf_counter() - started
    sqs = backfill._sqs()
    dead = dead_letter_url(settings)
    dead_depth = sum(queue_message_counts(sqs, dead)) if dead else None
    queue_depth = sum(queue_message_counts(sqs, backfill._queue()))
    store = build_store(settings, backfill.clock)
    runs = set(store.collected_days()) & {date.fromisoformat(d) for d in days}  # the days with a run record
    print('full rebuild ({"all": true}) of the same data into an empty bucket ...', flush=True)
    rebuild_bucket = f"{label['HOTPAPERS_BUCKET']}-rebuild"
    clients["s3"].create_bucket(Bucket=rebuild_bucket)
    os.environ["HOTPAPERS_BUCKET"] = rebuild_bucket
    wire.take()
    cpu0, wall0 = h_now()
    rebuilt = backfill.invoke("publish", {"all": True}, keep_stdout=False)
    rebuild = {"cpu_s": time.process_time() - cpu0, "wall_s": time.perf_counter() - wall0,
               "objects_put": rebuilt["objects_put"], "days": len(rebuilt["days"]),
               "s3_puts_on_wire": wire.take().get("s3.PutObject", 0)}  # fmt: skip
    sites = {}
    for bucket in (settings.bucket, rebuild_bucket):
        pages = clients["s3"].get_paginator("list_objects_v2").paginate(Bucket=bucket)
        sites[bucket] = {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}
    differ = sorted(k for k in sites[settings.bucket].keys() | sites[rebuild_bucket].keys()
                    if sites[settings.bucket].get(k) != sites[rebuild_bucket].get(k))  # fmt: skip
    return {"days": days, "invocations": backfill.invocations, "counts": backfill.counts, "facts": backfill.facts,
            "batches": backfill.batches, "resumes": backfill.resumes, "rebuild": rebuild,
            "timeline_s": backfill.timeline, "collect_wall_s": collect_wall, "dead_letters": dead_depth,
            "queue_left": queue_depth, "run_records": len(runs), "site_objects": len(sites[settings.bucket]),
            "site_differences": differ[:20], "site_differences_n": len(differ),
            "servers_child_cpu_s": servers.cpu() - child0, "waits_by_caller": dict(backfill.clock.by_caller),
            "waits_calls": dict(backfill.clock.calls)}  # fmt: skip


def made_by(counts: dict[str, int], upstream: str) -> int:
    """A fake's count for one upstream (Bluesky: its sessions and its searches)."""
    return counts["bluesky_session"] + counts["bluesky_search"] if upstream == "bluesky" else counts[upstream]


def build_report(r: dict[str, Any]) -> dict[str, Any]:
    kinds = Counter(r["days"].values())
    real = [d for d, k in r["days"].items() if k != "stand-in"]
    heavy = [d for d, k in r["days"].items() if k == "heavy"]
    derived = kinds["stand-in"]
    per_heavy = {s: [made_by(r["counts"][d], s) for d in heavy] for s in UPSTREAMS}
    made = {s: sum(made_by(r["counts"][d], s) for d in real) + derived * per_heavy[s][0] for s in UPSTREAMS}
    heavy_min = minimum(r["facts"][heavy[0]])
    least = {s: sum(minimum(r["facts"][d])[s] for d in real) + derived * heavy_min[s] for s in UPSTREAMS}
    requests = {s: {"made": made[s], "minimum": least[s], "ratio": h.ratio(made[s], least[s]),
                    "per_heavy_day": per_heavy[s], "heavy_minimum": heavy_min[s]} for s in UPSTREAMS}  # fmt: skip
    requests["all"] = {"made": sum(made.values()), "minimum": sum(least.values()),
                       "ratio": h.ratio(sum(made.values()), sum(least.values()))}  # fmt: skip
    inv = r["invocations"]
    longest = max(inv, key=lambda row: row["sim_s"])
    heavy_rows = [row for row in inv if row["kind"] == "heavy"]
    ordinary = sorted(row["sim_s"] for row in inv if row["kind"] == "ordinary")
    batches, rebuild = r["batches"], r["rebuild"]
    publisher = {"batches": len(batches), "events": sum(b["events"] for b in batches),
                 "cpu_s": sum(b["cpu_s"] for b in batches), "wall_s": sum(b["wall_s"] for b in batches),
                 "objects_put": sum(b["objects_put"] for b in batches),
                 "objects_unchanged": sum(b["objects_unchanged"] for b in batches),
                 "events_per_batch": [f(b["events"] for b in batches) for f in (min, statistics.median, max)],
                 "failures": sum(b["failures"] for b in batches)}  # fmt: skip
    publisher["cpu_ratio_to_rebuild"] = h.ratio(publisher["cpu_s"], rebuild["cpu_s"])
    publisher["puts_ratio_to_rebuild"] = h.ratio(publisher["objects_put"], rebuild["objects_put"])
    identical = [all(v == values[0] for v in values) for values in per_heavy.values()]
    checks = h.Checks()
    for s in UPSTREAMS:
        checks.add(f"{s}: requests <= 1.05x the minimum", (requests[s]["ratio"] or 0) <= 1.05,
                   f"{made[s]:,} / {least[s]:,} = {requests[s]['ratio']:.3f}")  # fmt: skip
    checks.add("longest invocation < 900 s simulated", longest["sim_s"] < BUDGET,
               f"{longest['sim_s']:.0f} s ({longest['day']}, {longest['kind']})")  # fmt: skip
    checks.add("no day lost: a run record for every day", r["run_records"] == len(r["days"]),
               f"{r['run_records']} / {len(r['days'])}")  # fmt: skip
    checks.add("no day lost: dead-letter queue and collect queue empty", r["dead_letters"] == 0 and not r["queue_left"],
               f"dead letters {r['dead_letters']}, left {r['queue_left']}", )  # fmt: skip
    checks.add(
        "real heavy days alike in requests (what is multiplied)",
        all(identical),
        f"{len(heavy)} real: " + ", ".join(f"{s} {sorted(set(v))}" for s, v in per_heavy.items()),
        "valid",
    )
    full = all(c["x"] == c["x_full_archive"] for c in r["counts"].values())
    checks.add("X used full-archive search on every day", full, "every X request on /search/all", "valid")  # fmt: skip
    checks.add("every Collect Finished event published, no batch failure",
               publisher["events"] == len(r["days"]) and not publisher["failures"],
               f"{publisher['events']} events in {publisher['batches']} batches", "valid")  # fmt: skip
    checks.add("publisher total vs full rebuild reported; same site", not r["site_differences_n"],
               f"CPU {publisher['cpu_ratio_to_rebuild']:.2f}x, PUTs {publisher['puts_ratio_to_rebuild']:.2f}x; "
               f"{r['site_differences_n']} of {r['site_objects']} objects differ", "valid")  # fmt: skip
    split = {k: statistics.fmean(row[k] for row in heavy_rows) for k in ("sim_s", "waits_s", "cpu_s", "wall_s")}
    split["latency_s"] = {k: statistics.fmean(row["latency_s"].get(k, 0.0) for row in heavy_rows)
                          for k in LATENCY}  # fmt: skip
    return {"what_ran": {"days": len(r["days"]), "first": min(r["days"]), "last": max(r["days"]),
                         "ordinary_real": kinds["ordinary"], "heavy_real": heavy, "heavy_derived": derived,
                         "stand_ins_note": "heavy slots not run as heavy are collected for real as ordinary days; "
                         "their requests, minimums and simulated time are replaced by the real heavy days' "
                         "(multiplied)", "ordinary_day": dict(zip(("papers", "posts"), ORDINARY, strict=True)),
                         "heavy_day": dict(zip(("papers", "posts"), HEAVY, strict=True))},
            "model": {"latency_s": LATENCY, "budget_s": BUDGET, "visibility_timeout_s": VISIBILITY,
                      "publish_batch": BATCH, "publish_window_s": WINDOW},
            "requests": requests, "longest": {k: longest[k] for k in ("day", "kind", "sim_s", "waits_s", "cpu_s",
                                                                      "latency_s", "wall_s")},
            "heavy_day_mean": split, "ordinary_day_sim_s": {"median": statistics.median(ordinary),
                                                            "max": ordinary[-1]} if ordinary else {},
            "invocations": len(inv), "resumes": r["resumes"], "timeline_h": r["timeline_s"] / 3600,
            "publisher": publisher, "rebuild": rebuild, "checks": checks,
            "run": {k: r[k] for k in ("collect_wall_s", "servers_child_cpu_s", "dead_letters", "run_records",
                                      "site_objects", "site_differences", "waits_by_caller", "waits_calls")},
            "per_invocation": [{k: v for k, v in row.items() if k != "summary"} for row in inv]}  # fmt: skip


def print_report(rep: dict[str, Any]) -> None:
    w = rep["what_ran"]
    ordinary = f"({w['ordinary_day']['papers']} papers, {w['ordinary_day']['posts']} posts)"
    print(f"\n{w['days']} days {w['first']} .. {w['last']}: {w['ordinary_real']} ordinary days "
          f"{ordinary} and {len(w['heavy_real'])} heavy days ({', '.join(w['heavy_real'])}) run for real; "
          f"{w['heavy_derived']} heavy days derived from them "
          "(their slots collected for real as ordinary days)")  # fmt: skip
    h.table("Upstream requests over the backfill (fake's own counts; derived heavy days multiplied)",
            ["upstream", "made", "minimum", "ratio", "per real heavy day", "heavy minimum"],
            [[s, f"{v['made']:,}", f"{v['minimum']:,}", f"{v['ratio']:.3f}",
              "/".join(map(str, v.get("per_heavy_day", []))), v.get("heavy_minimum", "")]
             for s, v in rep["requests"].items()])  # fmt: skip
    lo, hv = rep["longest"], rep["heavy_day_mean"]
    h.table(
        "Simulated time of one invocation (s): counted waits + modelled latency + measured CPU",
        ["", "total", "waits", *LATENCY, "CPU", "wall"],
        [
            [
                f"longest ({lo['day']}, {lo['kind']})",
                f"{lo['sim_s']:.1f}",
                f"{lo['waits_s']:.1f}",
                *(f"{lo['latency_s'].get(k, 0):.1f}" for k in LATENCY),
                f"{lo['cpu_s']:.1f}",
                f"{lo['wall_s']:.1f}",
            ],
            [
                "heavy day (mean of the real ones)",
                f"{hv['sim_s']:.1f}",
                f"{hv['waits_s']:.1f}",
                *(f"{hv['latency_s'][k]:.1f}" for k in LATENCY),
                f"{hv['cpu_s']:.1f}",
                f"{hv['wall_s']:.1f}",
            ],
        ],
    )
    print(f"  ordinary day: median {rep['ordinary_day_sim_s'].get('median', 0):.1f} s simulated; "
          f"{rep['invocations']} invocations, {rep['resumes']} resumes; the backfill's simulated duration "
          f"{rep['timeline_h']:.1f} h")  # fmt: skip
    p, rb = rep["publisher"], rep["rebuild"]
    h.table(f"Publisher: {p['batches']} batches (events min/median/max {p['events_per_batch']}) vs one rebuild",
            ["", "CPU s", "wall s", "PUTs", "unchanged"],
            [["all batches of the backfill", f"{p['cpu_s']:.1f}", f"{p['wall_s']:.1f}", f"{p['objects_put']:,}",
              f"{p['objects_unchanged']:,}"],
             ["one full rebuild, empty bucket", f"{rb['cpu_s']:.1f}", f"{rb['wall_s']:.1f}", f"{rb['objects_put']:,}",
              ""],
             ["ratio", f"{p['cpu_ratio_to_rebuild']:.2f}", "", f"{p['puts_ratio_to_rebuild']:.2f}", ""]])  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=1826, help="days to backfill (default: five years)")
    parser.add_argument("--end", type=date.fromisoformat, default=datetime.now(UTC).date() - timedelta(days=8),
                        help="the last day (default: 8 days ago: full-archive search for every day)")  # fmt: skip
    parser.add_argument("--real-heavy", type=int, default=3, help="heavy days run for real (the rest derived)")
    parser.add_argument("--json", type=Path, default=h.RESULTS / "backfill.json", help="results file")
    args = parser.parse_args()
    for name in ("HOTPAPERS_SECRET_ID", "HOTPAPERS_ARXIV_MIN_INTERVAL", "HOTPAPERS_ARXIV_BATCH_SIZE"):
        os.environ.pop(name, None)
    # No cap on the X posts read (the product's default is 1,000 a day): the heavy day at its full size.
    os.environ.update({"HOTPAPERS_SOURCES": ",".join(SOURCES), "HOTPAPERS_X_MAX_POSTS": "0",
                       "POWERTOOLS_METRICS_DISABLED": "true",
                       "POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_SERVICE_NAME": "hotpapers"})  # fmt: skip
    meta = h.machine()
    h.header("Backfill benchmark", meta)
    print(f"starting servers (moto, one fake upstream server), backfilling {args.days} days ...", flush=True)
    with h.Servers("backfill") as servers:
        result = run(args, servers)
    report = build_report(result)
    report["meta"] = meta
    print_report(report)
    return h.finish(report, args.json)


if __name__ == "__main__":
    sys.exit(main())
