"""A misbehaving proxy on loopback, in front of FakeUpstreams: it answers chosen requests with a fault.

The collector reaches it through its ordinary base-URL settings (`FaultyUpstreams.env()`), exactly
as it reaches the real services, so every fault crosses a real socket: a status code, a reset
connection, a server that never answers, a body cut short, a page of garbage. Requests that are
not faulted are forwarded unchanged to the FakeUpstreams behind it.

Faults target one source's data endpoint (X search, Bluesky searchPosts, Algolia search, Hugging
Face daily_papers, the arXiv query), and chosen request numbers there (1-based, counted from
`inject`), or every request (`requests=None`): "once" and "persistent" faults.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

SOURCES = ("x", "bluesky", "hackernews", "huggingface", "arxiv")

# The data endpoint of each source, as FakeUpstreams serves it (a path prefix).
TARGETS = {
    "x": "/x/2/tweets/search",
    "bluesky": "/bsky/xrpc/app.bsky.feed.searchPosts",
    "hackernews": "/hn/api/v1/search",
    "huggingface": "/hf/api/daily_papers",
    "arxiv": "/arxiv/api/query",
}

FAULTS = (
    "http-500",
    "http-502",
    "http-503",
    "429-retry-after",
    "429-x-rate-limit-reset",  # X only
    "connection-reset",
    "read-timeout",
    "truncated-body",
    "malformed-body",
    "html-200",
    "arxiv-error-feed",  # arXiv only
    "empty-result",
    "duplicate-page",
)

RETRY_AFTER_SECONDS = 7
RATE_LIMIT_RESET_IN = 60  # seconds after the product's clock, in X's x-rate-limit-reset
DUP_TOKEN = "dup-page-token"  # the continuation token/cursor the duplicate-page fault hands out

_HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>\n"
    b"<body><h1>Service Temporarily Unavailable</h1><p>The server is temporarily unable to service your "
    b"request due to maintenance downtime or capacity problems. Please try again later.</p></body></html>\n"
)


def arxiv_error_feed() -> bytes:
    """arXiv's real error answer (HTTP 400), recorded in tests/fixtures/arxiv-api (see its PROVENANCE.md)."""
    return (FIXTURES / "arxiv-api" / "arxiv.py__error_id_abc_400.xml").read_bytes()


def arxiv_empty_feed() -> bytes:
    """arXiv's real answer for ids it does not know: HTTP 200, totalResults 0, no entry."""
    return (FIXTURES / "arxiv-api" / "arxiv.py__idlist_no_results.xml").read_bytes()


_EMPTY: dict[str, tuple[bytes, str]] = {
    "x": (b'{"meta":{"result_count":0}}', "application/json; charset=utf-8"),
    "bluesky": (b'{"posts":[]}', "application/json; charset=utf-8"),
    "hackernews": (
        b'{"hits":[],"nbHits":0,"page":0,"nbPages":0,"hitsPerPage":100,"exhaustiveNbHits":true}',
        "application/json; charset=utf-8",
    ),
    "huggingface": (b"[]", "application/json; charset=utf-8"),
}


@dataclass
class _Plan:
    fault: str
    requests: frozenset[int] | None  # None: every request
    seen: int = 0  # target requests since inject
    hits: int = 0  # of which faulted


@dataclass
class _Upstream:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers if key.lower() == name.lower()), "")


@dataclass
class FaultyUpstreams:
    """The proxy. `now` gives the product clock's Unix time (X's x-rate-limit-reset is relative to it)."""

    upstream_url: str
    now: Callable[[], float]
    hold_seconds: float = 2.0  # how long read-timeout keeps a request unanswered (> the client timeout)
    _plans: dict[str, _Plan] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FaultyUpstreams:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="faulty-upstreams", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FaultyUpstreams:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self) -> dict[str, str]:
        """The product's base-URL settings, pointed at this proxy."""
        return {
            "HOTPAPERS_X_API_URL": f"{self.url}/x/2",
            "HOTPAPERS_BSKY_API_URL": f"{self.url}/bsky/xrpc",
            "HOTPAPERS_HN_API_URL": f"{self.url}/hn/api/v1",
            "HOTPAPERS_HF_API_URL": f"{self.url}/hf/api",
            "HOTPAPERS_ARXIV_API_URL": f"{self.url}/arxiv/api/query",
        }

    # ------------------------------------------------------------------ faults

    def inject(self, source: str, fault: str, requests: Iterable[int] | None = None) -> None:
        """Fault `source`'s data requests number `requests` (1-based, from now on), or all of them (None)."""
        if source not in TARGETS or fault not in FAULTS:
            raise ValueError(f"unknown source {source!r} or fault {fault!r}")
        with self._lock:
            self._plans[source] = _Plan(fault, None if requests is None else frozenset(requests))

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()

    def stats(self, source: str) -> tuple[int, int]:
        """(data requests seen, requests answered with the fault) for `source` since its inject."""
        with self._lock:
            plan = self._plans.get(source)
            return (plan.seen, plan.hits) if plan else (0, 0)

    def _fault_for(self, path: str) -> tuple[str, str | None]:
        source = next((name for name, prefix in TARGETS.items() if path.startswith(prefix)), "")
        with self._lock:
            plan = self._plans.get(source)
            if plan is None:
                return source, None
            plan.seen += 1
            if plan.requests is not None and plan.seen not in plan.requests:
                return source, None
            plan.hits += 1
            return source, plan.fault

    # ------------------------------------------------------------------ forwarding

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> _Upstream:
        split = urlsplit(self.upstream_url)
        connection = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in ("content-length", "connection")]
            return _Upstream(response.status, kept, payload)
        finally:
            connection.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                path = self.path
                split = urlsplit(path)
                source, fault = proxy._fault_for(split.path)
                # A continuation the duplicate-page fault handed out means "the first page again".
                query = parse_qsl(split.query, keep_blank_values=True)
                if any(value == DUP_TOKEN for _, value in query):
                    kept = [(k, v) for k, v in query if v != DUP_TOKEN]
                    path = split.path + ("?" + urlencode(kept) if kept else "")
                if fault is None:
                    upstream = proxy._forward(self.command, path, headers, body)
                    self._send(upstream.status, upstream.headers, upstream.body)
                    return
                proxy._apply(self, fault, source, path, headers, body)

            def _send(self, status: int, headers: list[tuple[str, str]], body: bytes, length: int | None = None):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    # ------------------------------------------------------------------ the faults themselves

    def _apply(self, handler: Any, fault: str, source: str, path: str, headers: dict[str, str], body: bytes) -> None:
        json_type = [("Content-Type", "application/json; charset=utf-8")]
        if fault.startswith("http-"):
            status = int(fault.split("-")[1])
            handler._send(status, [("Content-Type", "text/html")], f"<html><body>{status}</body></html>".encode())
        elif fault == "429-retry-after":
            problem = b'{"title":"Too Many Requests","status":429}'
            handler._send(429, [*json_type, ("Retry-After", str(RETRY_AFTER_SECONDS))], problem)
        elif fault == "429-x-rate-limit-reset":
            reset = int(self.now()) + RATE_LIMIT_RESET_IN
            rate = [("x-rate-limit-limit", "450"), ("x-rate-limit-remaining", "0"), ("x-rate-limit-reset", str(reset))]
            handler._send(429, [*json_type, *rate], b'{"title":"Too Many Requests","status":429}')
        elif fault == "connection-reset":
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
            handler.connection.close()
        elif fault == "read-timeout":
            self._stopping.wait(self.hold_seconds)  # never answers within the client's timeout
            handler.close_connection = True
        elif fault == "truncated-body":
            upstream = self._forward(handler.command, path, headers, body)
            # Content-Length announces the whole body; half of it is sent, then the connection closes.
            handler._send(
                upstream.status, upstream.headers, upstream.body[: len(upstream.body) // 2], length=len(upstream.body)
            )
            handler.wfile.flush()
            handler.close_connection = True
        elif fault == "malformed-body":
            upstream = self._forward(handler.command, path, headers, body)
            # A complete HTTP answer whose JSON or XML stops two thirds of the way through.
            handler._send(upstream.status, upstream.headers, upstream.body[: len(upstream.body) * 2 // 3])
        elif fault == "html-200":
            handler._send(200, [("Content-Type", "text/html; charset=utf-8")], _HTML_ERROR_PAGE)
        elif fault == "arxiv-error-feed":
            handler._send(400, [("Content-Type", "application/atom+xml; charset=utf-8")], arxiv_error_feed())
        elif fault == "empty-result":
            if source == "arxiv":
                handler._send(200, [("Content-Type", "application/atom+xml; charset=utf-8")], arxiv_empty_feed())
            else:
                payload, content_type = _EMPTY[source]
                handler._send(200, [("Content-Type", content_type)], payload)
        elif fault == "duplicate-page":
            status, kept, payload = self._duplicate_page(handler.command, source, path, headers, body)
            handler._send(status, kept, payload)
        else:  # pragma: no cover - inject() refuses unknown faults
            raise AssertionError(fault)

    def _duplicate_page(
        self, method: str, source: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """The page served again: the upstream's first page, with a continuation that leads to it once more."""
        split = urlsplit(path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        if source == "hackernews":
            # Algolia ignoring `page`: page 0's hits, claiming one more page after this one.
            asked = int(query.get("page", "0"))
            query["page"] = "0"
            upstream = self._forward(method, f"{split.path}?{urlencode(query)}", headers, body)
            page = json.loads(upstream.body)
            page.update(page=asked, nbPages=asked + 2)
            return upstream.status, upstream.headers, json.dumps(page).encode()
        if source == "huggingface":
            # daily_papers ignoring `p`: the first page, padded with its own items to a full page of 100.
            query["p"] = "0"
            upstream = self._forward(method, f"{split.path}?{urlencode(query)}", headers, body)
            items = json.loads(upstream.body)
            full = [items[i % len(items)] for i in range(100)] if items else []
            return upstream.status, upstream.headers, json.dumps(full).encode()
        upstream = self._forward(method, path, headers, body)
        if source == "arxiv":
            # Every entry of the feed twice over.
            text = upstream.body.decode("utf-8")
            head, sep, tail = text.partition("<entry>")
            entries, close, rest = (sep + tail).rpartition("</entry>")
            block = entries + close
            return upstream.status, upstream.headers, (head + block + "\n  " + block + rest).encode("utf-8")
        page = json.loads(upstream.body)
        if source == "x":
            page.setdefault("meta", {})["next_token"] = DUP_TOKEN
        else:  # bluesky
            page["cursor"] = DUP_TOKEN
        return upstream.status, upstream.headers, json.dumps(page).encode()
