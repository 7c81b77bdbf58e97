"""Load on the local JSON API: N requests from C concurrent clients against `hotpapers serve` / `make demo`.

    .venv/bin/python bench/load.py --url http://127.0.0.1:8000/ [--requests 10000] [--clients 32]
                                   [--max-seconds 120] [--timeout 10]

Loopback only: it refuses any other host. It first reads the API once, one
request at a time, over the paths of /api/openapi.json (the digest list, every
digest and its categories, every paper and its mentions), and keeps each
answer. Then C threads, each with its own `http.client` connection (kept alive
when the server allows it), send N requests over a fixed, seeded mix of those
paths: mostly digests and papers, some category and limit filters, conditional
requests (If-None-Match: 304), and the API's documented errors (404 for an
unknown day or paper, 400 for a malformed date or limit, 404 for no route).

An error is: a connection error (refused, reset, closed early), a timeout, a
5xx, a status other than the one that path answered when asked alone, or a
body that differs from it (the data does not change during the run, so a
different body means a request got another request's answer). It stops at N
requests or after --max-seconds, whichever comes first.

It prints one JSON object: requests, errors by kind (with a few samples),
statuses, p50/p90/p99/max latency in ms, throughput and wall time. Exit status:
0 when all N requests were answered without an error, 1 otherwise, 2 when the
API could not be read at all.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import ipaddress
import itertools
import json
import math
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

SEED = 20210601
SAMPLES_KEPT = 10


@dataclass(frozen=True)
class Probe:
    """One request of the mix and what it must get: the status and body it got when asked alone."""

    kind: str  # its key in MIX: the route (or error case) it exercises
    path: str
    status: int
    body_sha256: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[dict[str, Any]] = field(default_factory=list)


class LoadError(Exception):
    pass


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


# The mix: the share of requests each kind gets (they add up to 100). Mostly what API clients
# read, the published digests (one DynamoDB read each), then papers and their mentions (a
# Query each), conditional re-reads, and the mistakes clients make.
MIX: dict[str, int] = {
    "/digests/latest": 18,
    "/digests/{date}": 17,
    "/digests/{date}?category=": 7,
    "/digests/{date}?limit=": 3,
    "/digests": 10,
    "If-None-Match (304)": 10,
    "/papers/{arxiv_id}": 15,
    "/papers/{arxiv_id}/mentions": 5,
    "/openapi.json": 3,
    "404 unknown paper": 4,
    "404 unknown day": 3,
    "400 malformed date": 2,
    "400 malformed arXiv id": 1,
    "400 limit out of range": 1,
    "404 no route": 1,
}
MIX_SLOTS = 1000  # the plan's length; request i sends plan[i % MIX_SLOTS]


class Discovery:
    """Reads the API alone, one request at a time, and turns what it saw into probes."""

    def __init__(self, host: str, port: int, prefix: str, timeout: float) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self.prefix = prefix
        self.probes: dict[str, list[Probe]] = {kind: [] for kind in MIX}

    def fetch(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, str | None]:
        for attempt in (1, 2):  # one retry on a fresh connection, then give up
            try:
                self.conn.request("GET", self.prefix + path, headers=headers or {})
                response = self.conn.getresponse()
                return response.status, response.read(), response.getheader("ETag")
            except (OSError, http.client.HTTPException):
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, path: str) -> Any:
        status, body, _ = self.fetch(path)
        if status != 200:
            raise LoadError(f"GET {self.prefix + path} answered {status}: {body[:200]!r}")
        return json.loads(body)

    def add(self, kind: str, path: str, expect: int, headers: dict[str, str] | None = None) -> tuple[bytes, str | None]:
        status, body, etag = self.fetch(path, headers)
        if status != expect:
            raise LoadError(f"GET {self.prefix + path} answered {status}, expected {expect}: {body[:200]!r}")
        self.probes[kind].append(
            Probe(kind, self.prefix + path, status, hashlib.sha256(body).hexdigest(), tuple((headers or {}).items()))
        )
        return body, etag

    def error(self, kind: str, path: str, expect: int, code: str) -> None:
        body, _ = self.add(kind, path, expect)
        if json.loads(body).get("error", {}).get("code") != code:
            raise LoadError(f"GET {self.prefix + path}: expected error code {code!r}, got {body[:200]!r}")

    def conditional(self, path: str, etag: str | None) -> None:
        if not etag:
            raise LoadError(f"GET {self.prefix + path} has no ETag")
        self.add("If-None-Match (304)", path, 304, {"If-None-Match": etag})

    def run(self) -> list[Probe]:
        document = self.json("/openapi.json")
        routes = {"/digests", "/digests/latest", "/digests/{date}", "/papers/{arxiv_id}", "/papers/{arxiv_id}/mentions"}
        if not routes <= set(document.get("paths", {})):
            raise LoadError(f"/openapi.json lacks {sorted(routes - set(document.get('paths', {})))}")
        self.add("/openapi.json", "/openapi.json", 200)

        days = [entry["date"] for entry in self.json("/digests?limit=100")["digests"]]
        if not days:
            raise LoadError("no digest has been published: run `hotpapers collect` (or `make demo`) first")
        self.add("/digests", "/digests", 200)
        self.add("/digests", "/digests?limit=1", 200)
        body, etag = self.add("/digests/latest", "/digests/latest", 200)
        if json.loads(body)["day"] != days[0]:
            raise LoadError(f"/digests/latest is not the newest day of /digests ({days[0]})")
        self.conditional("/digests/latest", etag)

        papers: list[str] = []
        for day in days[:10]:
            body, etag = self.add("/digests/{date}", f"/digests/{day}", 200)
            digest = json.loads(body)
            if digest["day"] != day:
                raise LoadError(f"/digests/{day} answered the digest of {digest['day']}")
            self.conditional(f"/digests/{day}", etag)
            papers.extend(paper["arxiv_id"] for paper in digest["papers"])
            for category in sorted({category for paper in digest["papers"] for category in paper["categories"]})[:8]:
                self.add("/digests/{date}?category=", f"/digests/{day}?category={quote(category)}", 200)
            self.add("/digests/{date}?limit=", f"/digests/{day}?limit=3", 200)
        for arxiv_id in list(dict.fromkeys(papers))[:40]:
            quoted = quote(arxiv_id, safe="")
            body, _ = self.add("/papers/{arxiv_id}", f"/papers/{quoted}", 200)
            if json.loads(body)["arxiv_id"] != arxiv_id:
                raise LoadError(f"/papers/{arxiv_id} answered another paper")
            self.add("/papers/{arxiv_id}/mentions", f"/papers/{quoted}/mentions", 200)
            self.add("/papers/{arxiv_id}/mentions", f"/papers/{quoted}/mentions?source=x&limit=5", 200)

        # The documented errors: what clients get wrong, and ids nobody has collected.
        self.error("404 unknown paper", "/papers/2101.99999", 404, "not_found")
        self.error("404 unknown paper", "/papers/hep-th/9901999", 404, "not_found")
        self.error("404 unknown day", "/digests/1999-01-01", 404, "not_found")
        self.error("400 malformed date", "/digests/2021-13-45", 400, "bad_request")
        self.error("400 malformed date", "/digests/yesterday", 400, "bad_request")
        self.error("400 malformed arXiv id", "/papers/not-an-id", 400, "bad_request")
        self.error("400 limit out of range", "/digests?limit=0", 400, "bad_request")
        self.error("404 no route", "/nothing-here", 404, "not_found")
        self.conn.close()
        return self.plan()

    def plan(self) -> list[Probe]:
        """MIX_SLOTS probes, each kind's share of them cycling through its probes, in a seeded order."""
        mix: list[Probe] = []
        for kind, share in MIX.items():
            probes = self.probes[kind]
            if not probes:
                raise LoadError(f"nothing to send for {kind!r}")
            mix.extend(itertools.islice(itertools.cycle(probes), share * MIX_SLOTS // 100))
        random.Random(SEED).shuffle(mix)
        return mix


def worker(
    host: str,
    port: int,
    timeout: float,
    mix: list[Probe],
    tickets: itertools.count,
    tickets_lock: threading.Lock,
    total: int,
    deadline: float,
    tally: Tally,
) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    while time.monotonic() < deadline:
        with tickets_lock:
            ticket = next(tickets)
        if ticket >= total:
            break
        probe = mix[ticket % len(mix)]
        tally.kinds[probe.kind] += 1
        started = time.perf_counter()
        kind, detail = None, ""
        try:
            status, body = _get(conn, probe.path, dict(probe.headers))
        except TimeoutError as exc:
            kind, detail = "timeout", repr(exc)
        except ConnectionRefusedError as exc:
            kind, detail = "connection_refused", repr(exc)
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as exc:
            kind, detail = "connection_reset", repr(exc)
        except (OSError, http.client.HTTPException) as exc:
            kind, detail = f"connection_{type(exc).__name__}", repr(exc)
        else:
            tally.latencies_ms.append((time.perf_counter() - started) * 1000)
            tally.statuses[status] += 1
            if status >= 500:
                kind, detail = "5xx", f"{status} {body[:200]!r}"
            elif status != probe.status:
                kind, detail = "unexpected_status", f"{status}, expected {probe.status}: {body[:200]!r}"
            elif hashlib.sha256(body).hexdigest() != probe.body_sha256:
                kind, detail = "wrong_body", f"{body[:200]!r}"
        if kind:
            conn.close()  # a fresh connection for the next request
            tally.errors[kind] += 1
            if len(tally.samples) < SAMPLES_KEPT:
                tally.samples.append({"kind": kind, "path": probe.path, "detail": detail})
    conn.close()


def percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of a sorted list: the smallest value with `fraction` of them at or below it."""
    if not ordered:
        return None
    return round(ordered[max(1, math.ceil(fraction * len(ordered))) - 1], 2)


def run(url: str, requests: int, clients: int, max_seconds: float, timeout: float) -> dict[str, Any]:
    parts = urlsplit(url if "://" in url else "http://" + url)
    host, port = parts.hostname or "", parts.port or 80
    if parts.scheme != "http" or not _loopback(host):
        raise LoadError(f"loopback only: give an http://127.0.0.1:PORT/ URL, not {url!r}")
    prefix = parts.path.rstrip("/") + "/api"

    mix = Discovery(host, port, prefix, timeout).run()
    tallies = [Tally() for _ in range(clients)]
    tickets, lock = itertools.count(), threading.Lock()
    started = time.monotonic()
    deadline = started + max_seconds
    threads = [
        threading.Thread(
            target=worker,
            args=(host, port, timeout, mix, tickets, lock, requests, deadline, tally),
            name=f"load-client-{index}",
            daemon=True,
        )
        for index, tally in enumerate(tallies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max_seconds + timeout + 5)
    wall = time.monotonic() - started

    latencies = sorted(value for tally in tallies for value in tally.latencies_ms)
    errors: Counter[str] = sum((tally.errors for tally in tallies), Counter())
    statuses: Counter[int] = sum((tally.statuses for tally in tallies), Counter())
    sent = sum(sum(tally.kinds.values()) for tally in tallies)
    return {
        "url": f"http://{host}:{port}{prefix}/",
        "clients": clients,
        "requests_planned": requests,
        "requests": sent,
        "answered": len(latencies),
        "aborted_at_time_bound": sent < requests,
        "errors": sum(errors.values()),
        "errors_by_kind": dict(sorted(errors.items())),
        "error_samples": [sample for tally in tallies for sample in tally.samples][:SAMPLES_KEPT],
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        "mix_percent": MIX,
        "by_kind": dict(sum((tally.kinds for tally in tallies), Counter()).most_common()),
        "distinct_requests": len(set(mix)),
        "latency_ms": {
            "p50": percentile(latencies, 0.50),
            "p90": percentile(latencies, 0.90),
            "p99": percentile(latencies, 0.99),
            "max": round(latencies[-1], 2) if latencies else None,
            "mean": round(sum(latencies) / len(latencies), 2) if latencies else None,
        },
        "req_per_s": round(sent / wall, 1) if wall else None,
        "wall_s": round(wall, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/", help="the site served by hotpapers serve / demo")
    parser.add_argument("--requests", type=int, default=10_000, help="requests to send in all")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients, one connection each")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="stop sending after this long")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds a request may take")
    args = parser.parse_args(argv)
    try:
        result = run(args.url, args.requests, args.clients, args.max_seconds, args.timeout)
    except (LoadError, OSError, http.client.HTTPException, ValueError, KeyError) as exc:
        print(f"load: cannot read the API at {args.url}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0 if result["errors"] == 0 and result["requests"] == args.requests else 1


if __name__ == "__main__":
    raise SystemExit(main())
