"""API benchmark: cold start, warm overhead and DynamoDB requests of the JSON API handler (functions/api/app.py).

- cold start: fresh processes against moto holding the published sample day (bench/servers.py api). Ours loads
  functions/api/app.py from its file and answers events/api-digest.json (GET /digests/2021-06-01); the baseline
  imports boto3 and makes the same GetItem; both also without interpreter teardown, and `python -c pass`.
  Interleaved rounds, medians. Target: ours <= 1.3x the baseline, whole process;
- warm overhead: 10,000 requests over ten endpoints through build_app(...).resolve with a stub store that answers
  instantly (target p99 <= 2 ms), against a trivial handler (the floor) and through the whole lambda_handler;
- DynamoDB requests of every endpoint through the real handler, counted on the wire (at most one each);
- validation's price: the resolver with and without Powertools' pydantic validation, in fresh processes.

    .venv/bin/python bench/bench_api.py [--runs 10] [--requests 10000] [--json PATH]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import harness as h

APP, COLD_EVENT = h.ROOT / "functions" / "api" / "app.py", h.ROOT / "events" / "api-digest.json"
DAY, PAPER, TOP_PAPER = "2021-06-01", "2105.15075", "2105.14103"  # PAPER: two mentions, a next page at limit=1
COLD_TARGET_RATIO, WARM_P99_TARGET_MS = 1.3, 2.0
LAMBDA_ENV = {"POWERTOOLS_SERVICE_NAME": "hotpapers", "POWERTOOLS_METRICS_NAMESPACE": "HotPapers",
              "POWERTOOLS_LOG_LEVEL": "INFO"}  # what Lambda gives ApiFunction (template.yaml)  # fmt: skip
HEADERS = {"Host": "127.0.0.1", "User-Agent": "bench-api", "Accept": "application/json",
           "Origin": "https://hotpapers.example.org"}  # a browser's: CORS headers on every answer  # fmt: skip
COUNTED = [  # (label, path, method, headers, expected status), each once through the real handler
    ("GET /digests", "/digests", "GET", {}, 200), ("GET /digests?limit=1", "/digests?limit=1", "GET", {}, 200),
    ("GET /digests/latest", "/digests/latest", "GET", {}, 200),
    ("GET /digests/{date}", f"/digests/{DAY}", "GET", {}, 200),
    ("GET /digests/{date}?category=cs.CV&limit=3", f"/digests/{DAY}?category=cs.CV&limit=3", "GET", {}, 200),
    ("GET /digests/{date} with If-None-Match", f"/digests/{DAY}", "GET", {"If-None-Match": "<etag>"}, 304),
    ("HEAD /digests/{date}", f"/digests/{DAY}", "HEAD", {}, 200),
    ("GET /papers/{id}", f"/papers/{TOP_PAPER}", "GET", {}, 200),
    ("GET /papers/{id}v2 (a versioned id)", f"/papers/{TOP_PAPER}v2", "GET", {}, 200),
    ("GET /papers/{archive}/{number} (not collected)", "/papers/hep-th/9901001", "GET", {}, 404),
    ("GET /papers/{id}/mentions", f"/papers/{TOP_PAPER}/mentions", "GET", {}, 200),
    ("GET /papers/{id}/mentions?source=x&limit=1 (p. 1)", f"/papers/{PAPER}/mentions?source=x&limit=1", "GET", {}, 200),
    ("GET /papers/{id}/mentions?...&cursor= (p. 2)", f"/papers/{PAPER}/mentions?source=x&limit=1", "GET", {}, 200),
    ("GET /openapi.json", "/openapi.json", "GET", {}, 200),
    ("GET /digests/2021-13-01 (bad date)", "/digests/2021-13-01", "GET", {}, 400),
    ("GET /papers/not-an-id", "/papers/not-an-id", "GET", {}, 400),
    ("GET /digests?limit=0", "/digests?limit=0", "GET", {}, 400),
    ("GET /digests?cursor=abc", "/digests?cursor=abc", "GET", {}, 400),
    ("GET /digests/2020-01-01 (no digest)", "/digests/2020-01-01", "GET", {}, 404),
    ("GET /papers/2105.99999 (not collected)", "/papers/2105.99999", "GET", {}, 404),
    ("POST /digests", "/digests", "POST", {}, 405),
]  # fmt: skip
WARM_MIX = [  # (label, path, headers, expected status): 1,000 requests each in the default run
    ("/digests", "/digests", {}, 200), ("/digests/latest", "/digests/latest", {}, 200),
    ("/digests/{date}", f"/digests/{DAY}", {}, 200),
    ("/digests/{date}?category&limit", f"/digests/{DAY}?category=cs.CV&limit=3", {}, 200),
    ("/digests/{date} 304", f"/digests/{DAY}", {"If-None-Match": "<etag>"}, 304),
    ("/papers/{id}", f"/papers/{TOP_PAPER}", {}, 200),
    ("/papers/{id}/mentions?source", f"/papers/{PAPER}/mentions?source=x", {}, 200),
    ("/openapi.json", "/openapi.json", {}, 200),
    ("400 bad date", "/digests/2021-13-01", {}, 400), ("404 no digest", "/digests/2020-01-01", {}, 404),
]  # fmt: skip


def event(path: str, method: str = "GET", headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The API Gateway (REST, proxy) event for /api<path>, as the local server builds it."""
    from hotpapers_local.apigw import proxy_event

    return proxy_event(method, f"/api{path}", {**HEADERS, **(headers or {})}, b"")


def header(response: dict[str, Any], name: str) -> str | None:
    """A header from `headers` or `multiValueHeaders` (Powertools' REST resolver answers the latter)."""
    values = (response.get("multiValueHeaders") or {}).get(name)
    return (response.get("headers") or {}).get(name) or (", ".join(values) if values else None)


def context() -> Any:
    from hotpapers_local.invoke import LocalLambdaContext

    return LocalLambdaContext(function_name="hotpapers-api-bench", memory_limit_in_mb=512, timeout_seconds=10)


def count_dynamodb_requests() -> list[dict[str, Any]]:
    """Each endpoint once through functions/api/app.py's lambda_handler; the store's requests on the wire."""
    from hotpapers.api import handler as api_handler
    from hotpapers_local.invoke import load_handler

    api_handler.reset()
    handler = load_handler("api")
    _, wire, _ = h.counted_clients("dynamodb")
    handler(event("/digests/2099-01-01"), context())  # builds the app and the client, as any first request does
    wire.take()
    rows, etag, cursor = [], None, None
    for label, path, method, headers, expected in COUNTED:
        headers = {"If-None-Match": etag or ""} if "<etag>" in headers.values() else headers
        response = handler(event(path + (f"&cursor={cursor}" if "(p. 2)" in label else ""), method, headers), context())
        status, calls = int(response["statusCode"]), wire.take()
        etag = header(response, "ETag") if label == "GET /digests/{date}" else etag
        cursor = json.loads(response["body"]).get("next_cursor") if "(p. 1)" in label and status == 200 else cursor
        rows.append({"endpoint": label, "status": status, "expected_status": expected, "requests": sum(calls.values()),
                     "operations": calls, "cache_control": header(response, "Cache-Control")})  # fmt: skip
    api_handler.reset()
    return rows


def stub_store(store: Any) -> Any:
    """The five Store methods the API calls, answering data fetched once from the emulator, at no cost."""
    from datetime import date
    from types import SimpleNamespace

    from hotpapers.core.records import PaperRecords

    day = date.fromisoformat(DAY)
    digest, latest = store.digest_json(day), store.latest_digest_json()
    summaries = store.digest_summaries_page(100, None)[0]
    papers = {TOP_PAPER: store.paper(TOP_PAPER), PAPER: store.paper(PAPER)}
    mentions = {PAPER: store.mentions_page(PAPER, "x", 50, None)[0]}
    assert digest and latest and summaries and not papers[TOP_PAPER].is_empty, "sample day not published"
    return SimpleNamespace(
        digest_json=lambda d: digest if d == day else None,
        latest_digest_json=lambda: latest,
        digest_summaries_page=lambda limit, cursor: (summaries[:limit], None),
        paper=lambda arxiv_id: papers.get(arxiv_id) or PaperRecords(arxiv_id),
        mentions_page=lambda paper, source, limit, cursor: (mentions.get(paper, [])[:limit], None),
    )


def measure_warm(requests: int) -> dict[str, Any]:
    """The handler's own time per request (perf_counter_ns, gc on), with a store that costs nothing."""
    from hotpapers.api import handler as api_handler
    from hotpapers.api.endpoints import Api, build_app
    from hotpapers.core.clock import SystemClock
    from hotpapers.core.settings import Settings
    from hotpapers.core.store import build_store
    from hotpapers_local.invoke import load_handler

    settings = Settings.from_env()
    stub = stub_store(build_store(settings, SystemClock()))
    app = build_app(Api(store_factory=lambda: stub, clock=SystemClock(), weights=settings.ranking().weights))
    ctx = context()
    etag = header(app.resolve(event(f"/digests/{DAY}"), ctx), "ETag")
    prepared = []
    for label, path, headers, expected in WARM_MIX:
        request = event(path, headers={k: etag if v == "<etag>" else v for k, v in headers.items()})
        if (status := app.resolve(request, ctx)["statusCode"]) != expected:
            raise RuntimeError(f"{label}: status {status}, expected {expected}")
        prepared.append((label, request))
    events = prepared * max(1, requests // len(prepared))

    def loop(call: Any, events: list[tuple[str, dict[str, Any]]]) -> dict[str, list[int]]:
        samples: dict[str, list[int]] = {label: [] for label, _ in prepared}
        clock = time.perf_counter_ns
        for label, request in events:
            started = clock()
            call(request, ctx)
            samples[label].append(clock() - started)
        return samples

    # lambda_handler: the whole entry point (Powertools' logger decorator, api_handler.handle) over the same app.
    calls = {
        "resolve": app.resolve,
        "floor": lambda request, _: {"statusCode": 200, "body": "{}"},
        "lambda_handler": load_handler("api"),
    }
    saved, api_handler.app = api_handler.app, lambda: app  # type: ignore[assignment]
    try:
        for call in calls.values():
            loop(call, prepared * 20)  # warm-up: caches, branch predictors, allocator
        gc.collect()
        measured = {name: loop(call, events) for name, call in calls.items()}
    finally:
        api_handler.app = saved  # type: ignore[assignment]
    result: dict[str, Any] = {"requests": len(events), "gc_enabled": gc.isenabled()}
    for name, samples in measured.items():
        result[name] = {"overall": h.summarise_ns([v for values in samples.values() for v in values]),
                        "by_endpoint": {label: h.summarise_ns(v) for label, v in samples.items()}}  # fmt: skip
    for q in ("p50", "p99"):
        ours, floor = (result[name]["overall"][f"{q}_ms"] for name in ("resolve", "floor"))
        result[f"ratio_{q}_vs_floor"] = h.ratio(ours, floor)
    return result


OURS = """import time
_t0 = time.perf_counter()
import importlib.util, json, sys
_spec = importlib.util.spec_from_file_location("functions_api_app", {app!r})
_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _module
_spec.loader.exec_module(_module)
_t1 = time.perf_counter()
{split}
class Context:
    function_name, function_version, memory_limit_in_mb = "hotpapers-api-bench", "$LATEST", 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:hotpapers-api-bench"
    aws_request_id, log_group_name, log_stream_name = "bench-cold-start", "/aws/lambda/hotpapers-api-bench", "bench"
    def get_remaining_time_in_millis(self):
        return 10000

_response = _module.lambda_handler(json.loads({request!r}), Context())
_t2 = time.perf_counter()
print({mark!r} + json.dumps(dict(import_ms=(_t1 - _t0) * 1000, request_ms=(_t2 - _t1) * 1000,
    total_ms=(_t2 - _t0) * 1000, status=_response["statusCode"], modules=len(sys.modules),
    boto3_loaded="boto3" in sys.modules, pydantic_loaded="pydantic" in sys.modules{steps})))
"""
SPLIT = """_T = [time.perf_counter()]
from hotpapers.api import handler as api_handler
api_handler.app()  # build_app(default_api()): imports hotpapers.api.endpoints, ranking, settings
_T.append(time.perf_counter())
from datetime import date
from hotpapers.core.clock import SystemClock
from hotpapers.core.settings import Settings
from hotpapers.core.store import build_store
_store = build_store(Settings.from_env(), SystemClock())  # botocore imported, session and client created
_T.append(time.perf_counter())
_store.digest_json(date(2021, 6, 1))  # the client's first GetItem, with gunzip
_T.append(time.perf_counter())
"""
STEPS = (", steps={'import app.py': (_t1 - _t0) * 1000, 'build the app (api_handler.app())': (_T[1] - _T[0]) * 1000,"
         " 'botocore import + session + client': (_T[2] - _T[1]) * 1000, 'first GetItem + gunzip': (_T[3] - _T[2])"
         " * 1000, 'lambda_handler, everything built': (_t2 - _T[3]) * 1000}")  # fmt: skip
BASELINE = """import time
_t0 = time.perf_counter()
import boto3
_t1 = time.perf_counter()
r = boto3.client("dynamodb", endpoint_url={url!r}, region_name={region!r}).get_item(TableName={table!r},
    Key={{"PK": {{"S": "DIGEST#{day}"}}, "SK": {{"S": "DIGEST"}}}})
_t2 = time.perf_counter()
import json, sys
print({mark!r} + json.dumps(dict(import_ms=(_t1 - _t0) * 1000, request_ms=(_t2 - _t1) * 1000,
    total_ms=(_t2 - _t0) * 1000, found="Item" in r, modules=len(sys.modules))))
"""
NO_TEARDOWN = "\nimport os as _os, sys as _sys\n_sys.stdout.flush()\n_os._exit(0)\n"  # as a frozen Lambda sandbox


def measure_cold(env: dict[str, str], ready: dict[str, Any], runs: int) -> dict[str, Any]:
    request = json.loads(COLD_EVENT.read_text(encoding="utf-8"))
    assert request["path"] == f"/digests/{DAY}", f"{COLD_EVENT} is not GET /digests/{DAY}"
    ours = OURS.format(app=str(APP), request=json.dumps(request), mark=h.RESULT_MARK, split="", steps="")
    base = BASELINE.format(
        url=ready["aws_url"], region=ready["region"], table=ready["table"], day=DAY, mark=h.RESULT_MARK
    )
    found = h.interleaved({"ours": ours, "baseline": base, "python -c pass": "pass", "ours, no teardown": ours +
                           NO_TEARDOWN, "baseline, no teardown": base + NO_TEARDOWN}, env, runs)  # fmt: skip
    if any(r.get("status") != 200 for r in found["ours"]["inside"] + found["baseline"]["inside"] if "status" in r) or \
            not all(r.get("found") for r in found["baseline"]["inside"]):  # fmt: skip
        raise RuntimeError("a cold-start process did not get the sample day's digest")
    out: dict[str, Any] = {"runs": runs}
    for name, row in found.items():
        out[name] = {"process_ms": row["process_ms"], "process_ms_all": row["walls"]}
        if row["inside"][-1]:
            out[name] |= {f"{k}_median": statistics.median(r[k] for r in row["inside"]) for k in
                          ("import_ms", "request_ms", "total_ms")} | {"last": row["inside"][-1]}  # fmt: skip
    o, b = out["ours"], out["baseline"]
    out["ratio_process"] = o["process_ms"] / b["process_ms"]
    out["ratio_in_process"] = o["total_ms_median"] / b["total_ms_median"]
    out["ratio_no_teardown"] = out["ours, no teardown"]["process_ms"] / out["baseline, no teardown"]["process_ms"]
    out["teardown_ms"] = {
        n: o["process_ms"] - out[f"{n}, no teardown"]["process_ms"] for n, o in (("ours", o), ("baseline", b))
    }
    split = OURS.format(app=str(APP), request=json.dumps(request), mark=h.RESULT_MARK, split=SPLIT, steps=STEPS)
    steps = [h.run_snippet(split, env)[1]["steps"] for _ in range(max(3, runs // 2))]
    out["ours_split_ms"] = {key: statistics.median(s[key] for s in steps) for key in steps[0]}
    out["import_profile"] = {name: h.importtime(code, env) for name, code in (("ours", ours), ("baseline", base))}
    return out


RESOLVER = """import json, time
_t0 = time.perf_counter()
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
app = APIGatewayRestResolver(enable_validation={validation})

@app.get("/digests/<day>")
def digest(day: str, limit: int = 20) -> dict:
    return {{"day": day, "limit": limit}}

assert app.resolve(json.loads({event!r}), None)["statusCode"] == 200
"""


def measure_validation_price(env: dict[str, str], runs: int) -> dict[str, Any]:
    """Fresh processes: import pydantic, and the resolver answering one typed route without and with validation."""
    request = json.dumps(event(f"/digests/{DAY}?limit=3"))
    found = h.interleaved({"python -c pass": "pass", "import pydantic": "import pydantic",
                           "from pydantic import BaseModel": "from pydantic import BaseModel",
                           "resolver, one route, one request": RESOLVER.format(validation=False, event=request),
                           "same with enable_validation=True": RESOLVER.format(validation=True, event=request)},
                          env, runs)  # fmt: skip
    bare = found.pop("python -c pass")["process_ms"]
    above = {name: row["process_ms"] - bare for name, row in found.items()}
    return {
        "runs": runs,
        "above_bare_python_ms": above,
        "validation_adds_ms": above["same with enable_validation=True"] - above["resolver, one route, one request"],
    }


def build_checks(report: dict[str, Any]) -> h.Checks:
    cold, warm, rows, checks = report["cold_start"], report["warm"], report["dynamodb_requests"], h.Checks()
    # A fresh process up to its first answer, as the target defines it: a Lambda sandbox is frozen after
    # answering, never finalised, so the interpreter's teardown (reported beside) is no part of a cold start.
    ours, base = cold["ours, no teardown"]["process_ms"], cold["baseline, no teardown"]["process_ms"]
    checks.add(f"cold start: fresh process to its first answer <= {COLD_TARGET_RATIO}x baseline (median of "
               f"{cold['runs']})", cold["ratio_no_teardown"] <= COLD_TARGET_RATIO,
               f"{ours:.0f} / {base:.0f} ms = {cold['ratio_no_teardown']:.2f}x (with teardown "
               f"{cold['ratio_process']:.2f}x, in-process {cold['ratio_in_process']:.2f}x)")  # fmt: skip
    overall = warm["resolve"]["overall"]
    checks.add(
        f"warm overhead: p99 <= {WARM_P99_TARGET_MS:g} ms over {warm['requests']:,} requests",
        overall["p99_ms"] <= WARM_P99_TARGET_MS,
        f"p99 {overall['p99_ms']:.3f} ms (p50 {overall['p50_ms']:.3f} ms)",
    )
    over = [f"{row['endpoint']}={row['requests']}" for row in rows if row["requests"] > 1]
    checks.add("DynamoDB: at most one request per API request", not over, ", ".join(over) or "max 1")
    wrong = {row["endpoint"]: row["status"] for row in rows if row["status"] != row["expected_status"]}
    checks.add("valid: every endpoint answered its expected status", not wrong, json.dumps(wrong), "valid")
    free = [f"{row['endpoint']}={row['requests']}" for row in rows if row["requests"]
            and (row["expected_status"] in (400, 405) or "openapi" in row["endpoint"])]  # fmt: skip
    checks.add("valid: 400s, 405s and the OpenAPI document cost no DynamoDB request", not free, ", ".join(free) or "ok",
               "valid")  # fmt: skip
    return checks


def print_report(report: dict[str, Any]) -> None:
    cold, warm = report["cold_start"], report["warm"]
    h.header("API benchmark", report["meta"])
    names = [name for name, row in cold.items() if isinstance(row, dict) and "process_ms" in row]
    ms = lambda row: [f"{row[k]:.0f}" if k in row else "" for k in ("total_ms_median", "import_ms_median",  # noqa: E731
                                                                     "request_ms_median")]  # fmt: skip
    h.table(
        f"Cold start: fresh processes, median of {cold['runs']} (interleaved), ms",
        ["", "whole process", "in-process", "import", "first request"],
        [[name, f"{cold[name]['process_ms']:.0f}", *ms(cold[name])] for name in names],
    )
    print(f"  ours / baseline: whole process {cold['ratio_process']:.2f}x, in-process {cold['ratio_in_process']:.2f}x, "
          f"without teardown {cold['ratio_no_teardown']:.2f}x; teardown: ours {cold['teardown_ms']['ours']:.0f} ms, "
          f"baseline {cold['teardown_ms']['baseline']:.0f} ms; modules loaded: ours {cold['ours']['last']['modules']}, "
          f"baseline {cold['baseline']['last']['modules']}; ours loads boto3 {cold['ours']['last']['boto3_loaded']}, "
          f"pydantic {cold['ours']['last']['pydantic_loaded']}\n  ours step by step (ms): "
          + ", ".join(f"{k} {v:.0f}" for k, v in cold["ours_split_ms"].items()))  # fmt: skip
    for name, rows in cold["import_profile"].items():
        top = sorted((r for r in rows if r[0] == 0), key=lambda r: -r[2])
        print(f"  {name}: -X importtime, {sum(r[2] for r in top):.0f} ms of imports; top level (cumulative ms): "
              + ", ".join(f"{r[3]} {r[2]:.0f}" for r in top[:10]))  # fmt: skip
    us = lambda row, digits: [f"{row[k] * 1000:.{digits}f}" for k in ("p50_ms", "p99_ms", "max_ms")]  # noqa: E731
    h.table(f"Warm overhead: {warm['requests']:,} requests in-process, store stubbed (microseconds)",
            ["endpoint", "p50", "p99", "max"], [[k, *us(row, 0)] for k, row in warm["resolve"]["by_endpoint"].items()]
            + [[title, *us(warm[name]["overall"], 1)] for name, title in (("resolve", "all: build_app(...).resolve"),
               ("lambda_handler", "all: lambda_handler (+ logger)"), ("floor", "floor: trivial handler"))])  # fmt: skip
    h.table("DynamoDB requests per API request (on the wire, real handler, emulator)",
            ["", "status", "requests", "operations"],
            [[r["endpoint"], r["status"], r["requests"], ", ".join(f"{k} {v}" for k, v in r["operations"].items())]
             for r in report["dynamodb_requests"]])  # fmt: skip
    price = report["validation_price"]
    h.table(f"Validation's price at cold start (median of {price['runs']}, ms above python -c pass)", ["", "ms"],
            [[k, f"{v:.0f}"] for k, v in price["above_bare_python_ms"].items()]
            + [["enable_validation=True adds", f"{price['validation_adds_ms']:.0f}"]])  # fmt: skip
    if cold["ratio_no_teardown"] > COLD_TARGET_RATIO:  # where the import time goes
        for name, rows in cold["import_profile"].items():
            print(f"\n{name}: -X importtime, one run, cumulative ms >= 4 (parents before children)")
            for depth, own, cumulative, module in reversed(rows):
                if depth <= 5 and cumulative >= 4.0:
                    print(f"  {'  ' * depth + module:<60} {cumulative:7.1f}  (self {own:.1f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="cold-start rounds (default 10)")
    parser.add_argument("--requests", type=int, default=10_000, help="warm requests (default 10,000)")
    parser.add_argument("--json", type=Path, default=h.RESULTS / "api.json", help="results file")
    args = parser.parse_args()
    meta = h.machine()
    print("starting the embedded AWS and publishing the sample day (child process) ...", flush=True)
    with h.Servers("api", quiet=True) as servers:
        from hotpapers_local.emulator import use_endpoint

        ready = servers.ready
        use_endpoint(ready["aws_url"])
        os.environ.update({"HOTPAPERS_TABLE": ready["table"], "POWERTOOLS_METRICS_DISABLED": "true",
                           "POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_SERVICE_NAME": "hotpapers"})  # fmt: skip
        for name in ("HOTPAPERS_WEIGHTS", "HOTPAPERS_MIN_SCORE", "HOTPAPERS_TOP_POSTS", "HOTPAPERS_TOP_POST_MIN_SCORE"):
            os.environ.pop(name, None)
        cold_env = {**{k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "HOTPAPERS_"))},
                    **LAMBDA_ENV, "HOTPAPERS_TABLE": ready["table"]}  # fmt: skip
        print(f"measuring cold starts ({args.runs} rounds) ...", flush=True)
        cold = measure_cold(cold_env, ready, args.runs)
        print("counting DynamoDB requests per endpoint ...", flush=True)
        dynamodb = count_dynamodb_requests()
        print(f"measuring warm overhead ({args.requests:,} requests) ...", flush=True)
        warm = measure_warm(args.requests)
        print("measuring validation's price at cold start ...", flush=True)
        price = measure_validation_price(cold_env, args.runs)
        child_cpu = servers.cpu()
    report: dict[str, Any] = {"meta": meta, "setup": {"day": ready["day"], "published": ready["published"],
                              "servers_child_cpu_s": child_cpu}, "cold_start": cold, "warm": warm,
                              "dynamodb_requests": dynamodb, "validation_price": price}  # fmt: skip
    report["checks"] = build_checks(report)
    print_report(report)
    return h.finish(report, args.json)


if __name__ == "__main__":
    sys.exit(main())
