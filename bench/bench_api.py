"""API benchmark: cold start, warm overhead and DynamoDB requests of the JSON API handler (functions/api/app.py).

What runs where:

- a child process (`bench/bench_api_servers.py`) runs the embedded AWS (moto's
  server), provisions a table and publishes the bundled sample day 2021-06-01
  through the real collect and publish handlers, so GET /digests/2021-06-01
  answers 200 from a real digest item;
- **cold start**: fresh `python -c` processes, with that endpoint in their
  environment. *Ours* loads functions/api/app.py from its file (as Lambda and
  `hotpapers.local.invoke.load_handler("api")` do) and answers one API Gateway
  event for GET /digests/2021-06-01 (events/api-digest.json). *Baseline* imports boto3, creates a DynamoDB
  client and makes the same single GetItem. One warm-up each, then 10 rounds,
  interleaved (the order rotates every round) to cancel drift; medians of the
  whole process (wall, from before the exec to its exit) and of the in-process
  part (first line to the answer). Target: ours <= 1.3x baseline, whole process.
  `python -c pass` runs in the same rounds as the interpreter's own floor;
- **warm overhead**: in this process, 10,000 requests over ten endpoints through
  `build_app(Api(store_factory=lambda: stub, ...)).resolve(event, context)`,
  where the stub store returns pre-built answers (fetched once from the emulator)
  instantly: every nanosecond measured is the handler's. p50/p99/max per endpoint
  and overall (target: p99 <= 2 ms), against the same loop over a trivial handler
  (the floor), and informationally through the whole lambda_handler (Powertools'
  logger decorator included);
- **DynamoDB requests per request**: every endpoint through the real handler
  against the emulator, counted on the wire with a botocore `before-send` hook on
  the store's own client;
- **validation's price**: fresh processes comparing the resolver with and without
  Powertools' pydantic validation, and `import pydantic` alone (docs/api.md).

Prints a table, checks the targets (PASS/FAIL each), writes everything to
bench/results/api.json and exits 1 when a check fails. On a cold-start failure it
prints where the import time goes (`python -X importtime`). See bench/README.md.

    .venv/bin/python bench/bench_api.py [--runs 10] [--requests 10000] [--json PATH]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
APP = ROOT / "functions" / "api" / "app.py"
DEFAULT_JSON = BENCH / "results" / "api.json"

DAY = "2021-06-01"
PAPER = "2105.15075"  # two mentions on the sample day: the mentions page has a next page at limit=1
TOP_PAPER = "2105.14103"
COLD_TARGET_RATIO = 1.3
WARM_P99_TARGET_MS = 2.0
RESULT_MARK = "BENCH-RESULT "

# What Lambda gives ApiFunction (template.yaml: Globals + the function's own variables).
LAMBDA_ENV = {
    "POWERTOOLS_SERVICE_NAME": "hotpapers",
    "POWERTOOLS_METRICS_NAMESPACE": "HotPapers",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
# A browser's request (Origin: the CORS headers are added to every answer).
HEADERS = {
    "Host": "127.0.0.1",
    "User-Agent": "bench-api",
    "Accept": "application/json",
    "Origin": "https://hotpapers.example.org",
}
COLD_EVENT = ROOT / "events" / "api-digest.json"  # GET /digests/2021-06-01, as API Gateway sends it


# --------------------------------------------------------------------------- servers


class Servers:
    """The child process of bench/bench_api_servers.py, spoken to in JSON lines."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH / "bench_api_servers.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
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
            raise RuntimeError(f"bench/bench_api_servers.py exited early (code {self.proc.poll()})")
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


# --------------------------------------------------------------------------- helpers


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise_ns(samples: list[int]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": percentile(ordered, 50) / 1e6,
        "p90_ms": percentile(ordered, 90) / 1e6,
        "p99_ms": percentile(ordered, 99) / 1e6,
        "max_ms": ordered[-1] / 1e6,
        "mean_ms": statistics.fmean(ordered) / 1e6,
    }


def event(path: str, method: str = "GET", headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The API Gateway (REST, proxy) event for a request to /api<path>, as the local server builds it."""
    from hotpapers.local.apigw import proxy_event

    built = proxy_event(method, f"/api{path}", {**HEADERS, **(headers or {})}, b"")
    if built is None:
        raise ValueError(f"no API resource matches {path}")
    return built


def header(response: dict[str, Any], name: str) -> str | None:
    """A response header, from `headers` or `multiValueHeaders` (Powertools' REST resolver answers the latter)."""
    if name in (response.get("headers") or {}):
        return response["headers"][name]
    values = (response.get("multiValueHeaders") or {}).get(name)
    return ", ".join(values) if values else None


def _context() -> Any:
    from hotpapers.local.invoke import LocalLambdaContext

    return LocalLambdaContext(function_name="hotpapers-api-bench", memory_limit_in_mb=512, timeout_seconds=10)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


# ------------------------------------------------------------------- DynamoDB requests

# (label, path, method, headers, expected status) — each through the real handler against the emulator.
COUNTED: list[tuple[str, str, str, dict[str, str], int]] = [
    ("GET /digests", "/digests", "GET", {}, 200),
    ("GET /digests?limit=1", "/digests?limit=1", "GET", {}, 200),
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
]


class WireCounter:
    """Counts every HTTP request a botocore client sends, per operation, retries included (before-send)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-send.dynamodb", self._on_send)

    def _on_send(self, event_name: str = "", **_: Any) -> None:
        self.counts[event_name.rsplit(".", 1)[-1]] += 1

    def take(self) -> dict[str, int]:
        taken = dict(self.counts)
        self.counts.clear()
        return taken


def count_dynamodb_requests() -> list[dict[str, Any]]:
    """Each endpoint once through functions/api/app.py's lambda_handler; the store's requests on the wire."""
    from hotpapers import api_handler, aws
    from hotpapers.local.invoke import load_handler
    from hotpapers.settings import Settings

    settings = Settings.from_env()
    api_handler.reset()
    handler = load_handler("api")
    counter = WireCounter()
    # The very client build_store() creates: aws.client() caches one per (service, endpoint, region, validation).
    counter.attach(aws.client("dynamodb", settings.endpoint_url, settings.region, parameter_validation=False))
    handler(event("/digests/2099-01-01"), _context())  # builds the app and the client, as any first request does
    counter.take()

    rows: list[dict[str, Any]] = []
    etag = cursor = None
    for label, path, method, headers, expected in COUNTED:
        if "<etag>" in headers.values():
            headers = {"If-None-Match": etag or ""}
        if "(p. 2)" in label:
            path = f"{path}&cursor={cursor}"
        response = handler(event(path, method, headers), _context())
        calls = counter.take()
        body = response.get("body") or ""
        status = int(response["statusCode"])
        if label == "GET /digests/{date}":
            etag = header(response, "ETag")
        if "(p. 1)" in label and "mentions" in label and status == 200:
            cursor = json.loads(body).get("next_cursor")
        rows.append(
            {
                "endpoint": label,
                "status": status,
                "expected_status": expected,
                "requests": sum(calls.values()),
                "operations": calls,
                "body_bytes": len(body.encode("utf-8")),
                "cache_control": header(response, "Cache-Control"),
            }
        )
    api_handler.reset()
    return rows


# --------------------------------------------------------------------------- warm overhead


class StubStore:
    """The Store methods the API calls, answering pre-built data instantly."""

    def __init__(self, store: Any) -> None:
        from datetime import date

        day = date.fromisoformat(DAY)
        self._digest = store.digest_json(day)
        self._latest = store.latest_digest_json()
        self._summaries = store.digest_summaries_page(100, None)[0]
        self._papers = {TOP_PAPER: store.paper_items(TOP_PAPER), PAPER: store.paper_items(PAPER)}
        self._mentions = {PAPER: store.mentions_page(PAPER, "POST#x#", 50, None)[0]}
        assert self._digest and self._latest and self._summaries and self._papers[TOP_PAPER], "sample day not published"
        self._day = day

    def digest_json(self, day: Any) -> bytes | None:
        return self._digest if day == self._day else None

    def latest_digest_json(self) -> bytes | None:
        return self._latest

    def digest_summaries_page(self, limit: int, before: Any) -> tuple[list[Any], Any]:
        return self._summaries[:limit], None

    def paper_items(self, arxiv_id: str) -> list[dict[str, Any]]:
        return self._papers.get(arxiv_id, [])

    def mentions_page(self, arxiv_id: str, prefix: str, limit: int, after: Any) -> tuple[list[Any], Any]:
        return self._mentions.get(arxiv_id, [])[:limit], None


# (label, path, headers, expected status): ten endpoints, 1,000 requests each in the default run.
WARM_MIX: list[tuple[str, str, dict[str, str], int]] = [
    ("/digests", "/digests", {}, 200),
    ("/digests/latest", "/digests/latest", {}, 200),
    ("/digests/{date}", f"/digests/{DAY}", {}, 200),
    ("/digests/{date}?category&limit", f"/digests/{DAY}?category=cs.CV&limit=3", {}, 200),
    ("/digests/{date} 304", f"/digests/{DAY}", {"If-None-Match": "<etag>"}, 304),
    ("/papers/{id}", f"/papers/{TOP_PAPER}", {}, 200),
    ("/papers/{id}/mentions?source", f"/papers/{PAPER}/mentions?source=x", {}, 200),
    ("/openapi.json", "/openapi.json", {}, 200),
    ("400 bad date", "/digests/2021-13-01", {}, 400),
    ("404 no digest", "/digests/2020-01-01", {}, 404),
]


def _timed_loop(call: Any, events: list[tuple[str, dict[str, Any]]], context: Any) -> dict[str, list[int]]:
    samples: dict[str, list[int]] = {label: [] for label, _ in events}
    clock = time.perf_counter_ns
    for label, request in events:
        started = clock()
        call(request, context)
        samples[label].append(clock() - started)
    return samples


def measure_warm(requests: int) -> dict[str, Any]:
    """The handler's own time per request, with a store that costs nothing."""
    from hotpapers import api_handler
    from hotpapers.api import Api, build_app
    from hotpapers.clock import SystemClock
    from hotpapers.local.invoke import load_handler
    from hotpapers.ranking import ranking_config_from_env
    from hotpapers.settings import Settings
    from hotpapers.wiring import build_store

    stub = StubStore(build_store(Settings.from_env(), SystemClock()))
    app = build_app(Api(store_factory=lambda: stub, clock=SystemClock(), weights=ranking_config_from_env().weights))
    context = _context()

    etag = header(app.resolve(event(f"/digests/{DAY}"), context), "ETag")
    prepared = []
    for label, path, headers, expected in WARM_MIX:
        request = event(path, headers={k: etag if v == "<etag>" else v for k, v in headers.items()})
        status = app.resolve(request, context)["statusCode"]
        if status != expected:
            raise RuntimeError(f"{label}: status {status}, expected {expected}")
        prepared.append((label, request))
    rounds = max(1, requests // len(prepared))
    events = prepared * rounds

    def floor(request: dict[str, Any], _context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "body": "{}"}

    # The whole Lambda entry point (Powertools' logger decorator, api_handler.resolve) over the same stub app.
    handler = load_handler("api")
    saved = api_handler.app
    api_handler.app = lambda: app  # type: ignore[assignment]
    try:
        for call in (app.resolve, floor, handler):
            _timed_loop(call, prepared * 20, context)  # warm-up: caches, branch predictors, allocator
        gc.collect()
        measured = {
            "resolve": _timed_loop(app.resolve, events, context),
            "floor": _timed_loop(floor, events, context),
            "lambda_handler": _timed_loop(handler, events, context),
        }
    finally:
        api_handler.app = saved  # type: ignore[assignment]

    result: dict[str, Any] = {"requests": len(events), "endpoints": len(prepared), "gc_enabled": gc.isenabled()}
    for name, samples in measured.items():
        every = [value for values in samples.values() for value in values]
        result[name] = {
            "overall": summarise_ns(every),
            "by_endpoint": {label: summarise_ns(values) for label, values in samples.items()},
        }
    result["ratio_p50_vs_floor"] = result["resolve"]["overall"]["p50_ms"] / result["floor"]["overall"]["p50_ms"]
    result["ratio_p99_vs_floor"] = result["resolve"]["overall"]["p99_ms"] / result["floor"]["overall"]["p99_ms"]
    return result


# -------------------------------------------------------------------------- cold start


def _ours_snippet(request: dict[str, Any]) -> str:
    return f"""\
import time
_t0 = time.perf_counter()
import importlib.util, json, sys
_spec = importlib.util.spec_from_file_location("functions_api_app", {str(APP)!r})
_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _module
_spec.loader.exec_module(_module)
_t1 = time.perf_counter()

class Context:
    function_name = "hotpapers-api-bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:hotpapers-api-bench"
    aws_request_id = "bench-cold-start"
    log_group_name = "/aws/lambda/hotpapers-api-bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 10000

_response = _module.lambda_handler(json.loads({json.dumps(request)!r}), Context())
_t2 = time.perf_counter()
print({RESULT_MARK!r} + json.dumps({{
    "import_ms": (_t1 - _t0) * 1000, "request_ms": (_t2 - _t1) * 1000, "total_ms": (_t2 - _t0) * 1000,
    "status": _response["statusCode"], "body_bytes": len(_response["body"].encode("utf-8")),
    "modules": len(sys.modules),
    "boto3_loaded": "boto3" in sys.modules, "pydantic_loaded": "pydantic" in sys.modules,
}}))
"""


def _baseline_snippet(endpoint: str, region: str, table: str) -> str:
    return f"""\
import time
_t0 = time.perf_counter()
import boto3
_t1 = time.perf_counter()
c = boto3.client("dynamodb", endpoint_url={endpoint!r}, region_name={region!r})
r = c.get_item(TableName={table!r}, Key={{"PK": {{"S": "DIGEST#{DAY}"}}, "SK": {{"S": "DIGEST"}}}})
_t2 = time.perf_counter()
import json, sys
print({RESULT_MARK!r} + json.dumps({{
    "import_ms": (_t1 - _t0) * 1000, "request_ms": (_t2 - _t1) * 1000, "total_ms": (_t2 - _t0) * 1000,
    "found": "Item" in r, "modules": len(sys.modules),
}}))
"""


def _run_snippet(code: str, env: dict[str, str], flags: tuple[str, ...] = ()) -> tuple[float, dict[str, Any], str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    wall_ms = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"cold-start process failed ({done.returncode}):\n{done.stderr[-3000:]}")
    found = [line[len(RESULT_MARK) :] for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    return wall_ms, json.loads(found[-1]) if found else {}, done.stderr


# Appended to a snippet: leave at once after the answer, as a Lambda sandbox does (it is frozen, never
# finalised), so the whole-process time without the interpreter's teardown is known too.
_NO_TEARDOWN = "\nimport os as _os, sys as _sys\n_sys.stdout.flush()\n_os._exit(0)\n"


def _split_snippet(request: dict[str, Any]) -> str:
    """Ours, with the first request taken apart: the app, the DynamoDB client, the GetItem, the handler's answer."""
    module_part, context_part = _ours_snippet(request).split("class Context", 1)
    return (
        module_part
        + """\
_T = [time.perf_counter()]
from hotpapers import api_handler
api_handler.app()  # build_app(default_api()): imports hotpapers.api, ranking, settings
_T.append(time.perf_counter())
from datetime import date
from hotpapers.clock import SystemClock
from hotpapers.settings import Settings
from hotpapers.wiring import build_store
_store = build_store(Settings.from_env(), SystemClock())  # botocore imported, session and client created
_T.append(time.perf_counter())
_store.digest_json(date(2021, 6, 1))  # the first GetItem of the client, with gunzip
_T.append(time.perf_counter())

class Context"""
        + context_part.split("print(", 1)[0]
        + """\
_T.append(time.perf_counter())
print("""
        + repr(RESULT_MARK)
        + """ + json.dumps({
    "import app.py": (_t1 - _t0) * 1000,
    "build the app (api_handler.app())": (_T[1] - _T[0]) * 1000,
    "botocore import + session + client": (_T[2] - _T[1]) * 1000,
    "first GetItem + gunzip": (_T[3] - _T[2]) * 1000,
    "lambda_handler, everything built": (_T[4] - _T[3]) * 1000,
}))
"""
    )


def measure_cold(env: dict[str, str], endpoint: str, region: str, table: str, runs: int) -> dict[str, Any]:
    request = json.loads(COLD_EVENT.read_text(encoding="utf-8")) if COLD_EVENT.is_file() else event(f"/digests/{DAY}")
    if request["path"] != f"/digests/{DAY}":
        raise RuntimeError(f"{COLD_EVENT} is not GET /digests/{DAY}")
    snippets = {
        "ours": _ours_snippet(request),
        "baseline": _baseline_snippet(endpoint, region, table),
        "python -c pass": "pass",
        "ours, no teardown": _ours_snippet(request) + _NO_TEARDOWN,
        "baseline, no teardown": _baseline_snippet(endpoint, region, table) + _NO_TEARDOWN,
    }
    names = list(snippets)
    walls: dict[str, list[float]] = {name: [] for name in names}
    inside: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for name in names:
        _run_snippet(snippets[name], env)  # warm-up: bytecode caches, file cache
    for round_number in range(runs):
        shift = round_number % len(names)  # the order rotates every round, so drift hits each alike
        for name in names[shift:] + names[:shift]:
            wall, result, _ = _run_snippet(snippets[name], env)
            walls[name].append(wall)
            inside[name].append(result)

    for name in ("ours", "ours, no teardown"):
        for result in inside[name]:
            if result.get("status") != 200:
                raise RuntimeError(f"the API handler answered {result.get('status')} in a fresh process: {result}")
    for name in ("baseline", "baseline, no teardown"):
        for result in inside[name]:
            if not result.get("found"):
                raise RuntimeError("the baseline's GetItem found no digest item")

    out: dict[str, Any] = {"runs": runs}
    for name in names:
        row: dict[str, Any] = {
            "process_ms": statistics.median(walls[name]),
            "process_ms_all": walls[name],
            "process_ms_min": min(walls[name]),
        }
        if name != "python -c pass":
            for key in ("import_ms", "request_ms", "total_ms"):
                row[f"{key}_median"] = statistics.median(r[key] for r in inside[name])
            row["in_process_ms_all"] = [r["total_ms"] for r in inside[name]]
            row["modules_loaded"] = inside[name][-1]["modules"]
        if name.startswith("ours"):
            row["boto3_loaded"] = inside[name][-1]["boto3_loaded"]
            row["pydantic_loaded"] = inside[name][-1]["pydantic_loaded"]
            row["body_bytes"] = inside[name][-1]["body_bytes"]
        out[name] = row
    ours, base, bare = out["ours"], out["baseline"], out["python -c pass"]
    out["ratio_process"] = ours["process_ms"] / base["process_ms"]
    out["ratio_in_process"] = ours["total_ms_median"] / base["total_ms_median"]
    out["ratio_no_teardown"] = out["ours, no teardown"]["process_ms"] / out["baseline, no teardown"]["process_ms"]
    out["ratio_above_bare_python"] = (ours["process_ms"] - bare["process_ms"]) / (
        base["process_ms"] - bare["process_ms"]
    )
    out["teardown_ms"] = {
        "ours": ours["process_ms"] - out["ours, no teardown"]["process_ms"],
        "baseline": base["process_ms"] - out["baseline, no teardown"]["process_ms"],
    }
    splits = [_run_snippet(_split_snippet(request), env)[1] for _ in range(max(3, runs // 2))]
    out["ours_split_ms"] = {key: statistics.median(split[key] for split in splits) for key in splits[0]}
    out["ours_split_runs"] = len(splits)
    out["import_profile"] = {
        "ours": import_profile(snippets["ours"], env),
        "baseline": import_profile(snippets["baseline"], env),
    }
    return out


def import_profile(code: str, env: dict[str, str], top: int = 12) -> dict[str, Any]:
    """One run under `python -X importtime`: the top-level imports and the import tree (cumulative ms).

    -X importtime inflates every figure a little; read them as shares, not as absolute times.
    """
    _, _, stderr = _run_snippet(code, env, ("-X", "importtime"))
    rows: list[tuple[int, float, float, str]] = []  # depth, self ms, cumulative ms, name
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        head, cumulative_us, name = line.split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        rows.append((depth, int(head.removeprefix("import time:")) / 1000, int(cumulative_us) / 1000, name.strip()))
    top_level = sorted((row for row in rows if row[0] == 0), key=lambda row: -row[2])
    # -X importtime prints a module after the modules it imports: reversed, each parent comes before its children.
    tree = [
        {"module": name, "depth": depth, "cumulative_ms": cum, "self_ms": own}
        for depth, own, cum, name in reversed(rows)
        if depth <= 5 and cum >= 4.0
    ]
    return {
        "total_ms": sum(row[2] for row in top_level),
        "top_level": [{"module": name, "cumulative_ms": cum, "self_ms": own} for _, own, cum, name in top_level[:top]],
        "tree": tree,
        "modules": {name: cum for _, _, cum, name in rows},
    }


# ---------------------------------------------------------------------- validation's price

_RESOLVER_SNIPPET = """\
import json, time
_t0 = time.perf_counter()
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
app = APIGatewayRestResolver(enable_validation={validation})

@app.get("/digests/<day>")
def digest(day: str, limit: int = 20) -> dict:
    return {{"day": day, "limit": limit}}

response = app.resolve(json.loads({event!r}), None)
assert response["statusCode"] == 200, response
print({mark!r} + json.dumps({{"total_ms": (time.perf_counter() - _t0) * 1000}}))
"""


def measure_validation_price(env: dict[str, str], runs: int) -> dict[str, Any]:
    """Fresh processes: the resolver answering one typed route without and with its pydantic validation."""
    request = json.dumps(event(f"/digests/{DAY}?limit=3"))
    snippets = {
        "python -c pass": "pass",
        "import pydantic": "import pydantic",
        "from pydantic import BaseModel": "from pydantic import BaseModel",
        "resolver, one route, one request": _RESOLVER_SNIPPET.format(validation=False, event=request, mark=RESULT_MARK),
        "same with enable_validation=True": _RESOLVER_SNIPPET.format(validation=True, event=request, mark=RESULT_MARK),
    }
    names = list(snippets)
    walls: dict[str, list[float]] = {name: [] for name in names}
    for name in names:
        _run_snippet(snippets[name], env)
    for round_number in range(runs):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for name in order:
            walls[name].append(_run_snippet(snippets[name], env)[0])
    medians = {name: statistics.median(values) for name, values in walls.items()}
    bare = medians["python -c pass"]
    return {
        "runs": runs,
        "process_ms": medians,
        "above_bare_python_ms": {name: value - bare for name, value in medians.items() if name != "python -c pass"},
        "validation_adds_ms": medians["same with enable_validation=True"] - medians["resolver, one route, one request"],
    }


# ------------------------------------------------------------------------- reporting


def build_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str, kind: str = "target") -> None:
        checks.append({"name": name, "kind": kind, "pass": bool(ok), "detail": detail})

    cold = report["cold_start"]
    check(
        f"cold start: whole process <= {COLD_TARGET_RATIO}x baseline (median of {cold['runs']})",
        cold["ratio_process"] <= COLD_TARGET_RATIO,
        f"{cold['ours']['process_ms']:.0f} / {cold['baseline']['process_ms']:.0f} ms = {cold['ratio_process']:.2f}x",
    )
    warm = report["warm"]["resolve"]["overall"]
    check(
        f"warm overhead: p99 <= {WARM_P99_TARGET_MS:g} ms over {report['warm']['requests']:,} requests",
        warm["p99_ms"] <= WARM_P99_TARGET_MS,
        f"p99 {warm['p99_ms']:.3f} ms (p50 {warm['p50_ms']:.3f} ms)",
    )
    rows = report["dynamodb_requests"]
    most = max(row["requests"] for row in rows)
    check(
        "DynamoDB: at most one request per API request",
        most <= 1,
        ", ".join(f"{row['endpoint']}={row['requests']}" for row in rows if row["requests"] > 1) or "max 1",
    )
    wrong = {row["endpoint"]: row["status"] for row in rows if row["status"] != row["expected_status"]}
    detail = json.dumps(wrong) if wrong else "ok"
    check("valid: every endpoint answered its expected status", not wrong, detail, "valid")
    free = [row for row in rows if row["expected_status"] in (400, 405) or "openapi" in row["endpoint"]]
    check(
        "valid: 400s, 405s and the OpenAPI document cost no DynamoDB request",
        all(row["requests"] == 0 for row in free),
        ", ".join(f"{row['endpoint']}={row['requests']}" for row in free if row["requests"]) or "ok",
        "valid",
    )
    return checks


def print_report(report: dict[str, Any]) -> None:
    meta = report["meta"]
    print(f"\nAPI benchmark  {meta['when']}  ({meta['cpus']} CPUs {meta['cpu_model']}, Python {meta['python']})")

    cold = report["cold_start"]
    print(f"\nCold start: fresh processes, median of {cold['runs']} (interleaved, one warm-up each), ms")
    print(f"  {'':<24} {'whole process':>13} {'in-process':>11} {'import':>7} {'first request':>14}")
    for name in ("ours", "baseline", "ours, no teardown", "baseline, no teardown"):
        row = cold[name]
        print(
            f"  {name:<24} {row['process_ms']:13.0f} {row['total_ms_median']:11.0f} "
            f"{row['import_ms_median']:7.0f} {row['request_ms_median']:14.0f}"
        )
    print(f"  {'python -c pass':<24} {cold['python -c pass']['process_ms']:13.0f}")
    print(
        f"  ours / baseline: whole process {cold['ratio_process']:.2f}x, in-process {cold['ratio_in_process']:.2f}x, "
        f"without teardown {cold['ratio_no_teardown']:.2f}x, above bare python {cold['ratio_above_bare_python']:.2f}x"
    )
    print(
        f"  interpreter teardown at exit: ours {cold['teardown_ms']['ours']:.0f} ms, "
        f"baseline {cold['teardown_ms']['baseline']:.0f} ms (a Lambda sandbox never pays it)"
    )
    print(
        f"  ours loads boto3: {cold['ours']['boto3_loaded']}, pydantic: {cold['ours']['pydantic_loaded']}; "
        f"modules loaded: ours {cold['ours']['modules_loaded']}, baseline {cold['baseline']['modules_loaded']}"
    )
    print(f"  ours, in-process, step by step (median of {cold['ours_split_runs']}):")
    for key, value in cold["ours_split_ms"].items():
        print(f"    {key:<40} {value:6.0f} ms")
    for name in ("ours", "baseline"):
        profile = cold["import_profile"][name]
        print(f"  {name}: -X importtime, one run, {profile['total_ms']:.0f} ms of imports; top level (cumulative ms):")
        print("    " + ", ".join(f"{row['module']} {row['cumulative_ms']:.0f}" for row in profile["top_level"][:10]))

    warm = report["warm"]
    print(f"\nWarm overhead: {warm['requests']:,} requests in-process, store stubbed (microseconds)")
    print(f"  {'endpoint':<34} {'p50':>7} {'p99':>7} {'max':>7}")
    for label, row in warm["resolve"]["by_endpoint"].items():
        print(f"  {label:<34} {row['p50_ms'] * 1000:7.0f} {row['p99_ms'] * 1000:7.0f} {row['max_ms'] * 1000:7.0f}")
    for name, title in (
        ("resolve", "all: build_app(...).resolve"),
        ("lambda_handler", "all: lambda_handler (+ logger)"),
        ("floor", "floor: trivial handler"),
    ):
        row = warm[name]["overall"]
        print(f"  {title:<34} {row['p50_ms'] * 1000:7.1f} {row['p99_ms'] * 1000:7.1f} {row['max_ms'] * 1000:7.1f}")
    print(f"  resolve / floor: p50 {warm['ratio_p50_vs_floor']:.0f}x, p99 {warm['ratio_p99_vs_floor']:.0f}x")

    print("\nDynamoDB requests per API request (on the wire, real handler, emulator)")
    for row in report["dynamodb_requests"]:
        ops = ", ".join(f"{k} {v}" for k, v in row["operations"].items()) or "-"
        print(f"  {row['endpoint']:<52} {row['status']:>3}  {row['requests']}  {ops}")

    price = report["validation_price"]
    print(f"\nValidation's price at cold start (fresh processes, median of {price['runs']}, ms above python -c pass)")
    for name, value in price["above_bare_python_ms"].items():
        print(f"  {name:<40} {value:7.0f}")
    print(f"  enable_validation=True adds {price['validation_adds_ms']:.0f} ms")

    print("\nChecks")
    for item in report["checks"]:
        print(f"  {'PASS' if item['pass'] else 'FAIL'}  {item['name']:<62} {item['detail']}")


def explain_cold_failure(cold: dict[str, Any]) -> None:
    print("\nCold-start target missed. Where the import time goes (-X importtime, one run, cumulative ms >= 4):")
    for name in ("ours", "baseline"):
        print(f"  {name}:")
        for row in cold["import_profile"][name]["tree"]:
            name_column = "  " * row["depth"] + row["module"]
            print(f"    {name_column:<56} {row['cumulative_ms']:7.1f}  (self {row['self_ms']:.1f})")


# ------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="cold-start rounds (default 10)")
    parser.add_argument("--requests", type=int, default=10_000, help="warm requests (default 10,000)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"results file (default {DEFAULT_JSON})")
    args = parser.parse_args()

    meta = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "mem_gb": _mem_total_gb(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    print("starting the embedded AWS and publishing the sample day (child process) ...", flush=True)
    servers = Servers()
    try:
        ready = servers.ready
        from hotpapers.local.emulator import use_endpoint

        use_endpoint(ready["aws_url"])
        os.environ.update(
            {
                "HOTPAPERS_TABLE": ready["table"],
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_LOG_LEVEL": "WARNING",
                "POWERTOOLS_SERVICE_NAME": "hotpapers",
            }
        )
        for name in ("HOTPAPERS_WEIGHTS", "HOTPAPERS_MIN_SCORE", "HOTPAPERS_TOP_POSTS", "HOTPAPERS_TOP_POST_MIN_SCORE"):
            os.environ.pop(name, None)
        cold_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "HOTPAPERS_"))},
            **LAMBDA_ENV,
            "HOTPAPERS_TABLE": ready["table"],
        }

        print(f"measuring cold starts ({args.runs} rounds) ...", flush=True)
        cold = measure_cold(cold_env, ready["aws_url"], ready["region"], ready["table"], args.runs)
        print("counting DynamoDB requests per endpoint ...", flush=True)
        dynamodb = count_dynamodb_requests()
        print(f"measuring warm overhead ({args.requests:,} requests) ...", flush=True)
        warm = measure_warm(args.requests)
        print("measuring validation's price at cold start ...", flush=True)
        price = measure_validation_price(cold_env, args.runs)
        child_cpu = servers.ask(cmd="cpu")["cpu"]
    finally:
        servers.close()

    report: dict[str, Any] = {
        "meta": meta,
        "setup": {"day": ready["day"], "published": ready["published"], "servers_child_cpu": child_cpu},
        "cold_start": cold,
        "warm": warm,
        "dynamodb_requests": dynamodb,
        "validation_price": price,
    }
    report["checks"] = build_checks(report)
    print_report(report)
    if not report["checks"][0]["pass"]:
        explain_cold_failure(cold)

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
