"""The loopback server behind the fakes: it routes each request to its upstream's fake, records it, injects faults.

One small `http.server` answers every upstream the collector talks to, in the
exact response shapes of the real services (see docs/upstreams.md and the
recorded responses under tests/fixtures/); each upstream's routes live in its own
module (x, bluesky, hackernews, huggingface, arxiv). Point the collector at it with
`FakeUpstreams.env()` and it runs offline: tests, the demo and the benchmark
all use it.

The server serves one `UpstreamDataset`. Everything it needs per request is
sorted and indexed once, on construction, so that a day of 30,000 posts and
2,000 arXiv entries pages quickly: time windows are found by bisection, paging
tokens resume a scan where the previous page stopped, and the Atom feed is a
join of pre-rendered `<entry>` strings.

Tests can force failures (`inject`) and inspect the traffic (`requests`,
`count`); both are thread-safe.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hotpapers_local.fakes.arxiv import FakeArxiv
from hotpapers_local.fakes.bluesky import FakeBluesky
from hotpapers_local.fakes.dataset import UpstreamDataset
from hotpapers_local.fakes.hackernews import FakeHackerNews
from hotpapers_local.fakes.huggingface import FakeHuggingFace
from hotpapers_local.fakes.wire import Request, Response, Routes, json_response
from hotpapers_local.fakes.x import FakeX

__all__ = ["FakeUpstreams", "RecordedRequest"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received. Header names are lower-cased; `query` keeps the last value of each name."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    time: float  # time.monotonic() on arrival
    body: bytes = b""


@dataclass
class _Fault:
    prefix: str
    status: int
    body: bytes
    headers: dict[str, str]
    remaining: int


class FakeUpstreams:
    """A loopback HTTP server answering as X, Bluesky, HN Algolia, Hugging Face and the arXiv API.

    Use it as a context manager, or call `start()` / `stop()`:

        with FakeUpstreams(dataset, x_bearer_token="t") as fake:
            os.environ.update(fake.env() | fake.credentials_env())

    `x_bearer_token`: the token X search accepts (None: any non-empty bearer).
    `bsky_credentials`: the (handle, app password) pair createSession accepts
    (None: any non-empty pair). `x_rate_limit`: requests per 15-minute window
    and search route before X answers 429, as announced in `x-rate-limit-*`.
    """

    def __init__(
        self,
        dataset: UpstreamDataset | None = None,
        *,
        x_bearer_token: str | None = None,
        bsky_credentials: tuple[str, str] | None = None,
        x_rate_limit: int = 450,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.dataset = dataset or UpstreamDataset()
        self.host = host
        self.port = port
        self.requests: list[RecordedRequest] = []

        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

        self._x = FakeX(self.dataset, bearer_token=x_bearer_token, rate_limit=x_rate_limit)
        self._bsky = FakeBluesky(self.dataset, credentials=bsky_credentials)
        self._routes: Routes = {
            **self._x.routes(),
            **self._bsky.routes(),
            **FakeHackerNews(self.dataset).routes(),
            **FakeHuggingFace(self.dataset).routes(),
            **FakeArxiv(self.dataset).routes(),
        }

    # ------------------------------------------------------ upstream settings
    # The fakes read these at request time, so a test may still change them on a running server.

    @property
    def x_bearer_token(self) -> str | None:
        return self._x.bearer_token

    @x_bearer_token.setter
    def x_bearer_token(self, value: str | None) -> None:
        self._x.bearer_token = value

    @property
    def x_rate_limit(self) -> int:
        return self._x.rate_limit

    @x_rate_limit.setter
    def x_rate_limit(self, value: int) -> None:
        self._x.rate_limit = value

    @property
    def bsky_credentials(self) -> tuple[str, str] | None:
        return self._bsky.credentials

    @bsky_credentials.setter
    def bsky_credentials(self, value: tuple[str, str] | None) -> None:
        self._bsky.credentials = value

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeUpstreams:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer((self.host, self.port), self._handler_class())
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeUpstreams:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ public helpers

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeUpstreams is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def x_api_url(self) -> str:
        return f"{self.url}/x/2"

    @property
    def bsky_api_url(self) -> str:
        return f"{self.url}/bsky/xrpc"

    @property
    def hn_api_url(self) -> str:
        return f"{self.url}/hn/api/v1"

    @property
    def hf_api_url(self) -> str:
        return f"{self.url}/hf/api"

    @property
    def arxiv_api_url(self) -> str:
        return f"{self.url}/arxiv/api/query"

    def env(self) -> dict[str, str]:
        """The settings that point the collector at this fake instead of the real services."""
        return {
            "HOTPAPERS_X_API_URL": self.x_api_url,
            "HOTPAPERS_BSKY_API_URL": self.bsky_api_url,
            "HOTPAPERS_HN_API_URL": self.hn_api_url,
            "HOTPAPERS_HF_API_URL": self.hf_api_url,
            "HOTPAPERS_ARXIV_API_URL": self.arxiv_api_url,
        }

    def credentials_env(self) -> dict[str, str]:
        """Credentials this fake accepts, under the names the collector reads them from."""
        handle, password = self.bsky_credentials or ("hotpapers.test", "fake-app-password")
        return {
            "HOTPAPERS_X_BEARER_TOKEN": self.x_bearer_token or "fake-x-bearer-token",
            "HOTPAPERS_BSKY_HANDLE": handle,
            "HOTPAPERS_BSKY_APP_PASSWORD": password,
        }

    def inject(
        self,
        route_prefix: str,
        status: int,
        body: str | bytes = b"",
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests whose path starts with `route_prefix` with this response.

        Faults are served before authentication and routing, in the order queued.
        """
        payload = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        merged = dict(headers or {})
        if payload and not any(name.lower() == "content-type" for name in merged):
            looks_json = payload.lstrip()[:1] in (b"{", b"[")
            merged["Content-Type"] = "application/json" if looks_json else "text/plain; charset=utf-8"
        with self._lock:
            self._faults.append(_Fault(route_prefix, status, payload, merged, times))

    def count(self, prefix: str = "/") -> int:
        """How many requests arrived whose path starts with `prefix`."""
        with self._lock:
            return sum(1 for request in self.requests if request.path.startswith(prefix))

    # ----------------------------------------------------------------- dispatch

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keeps the client's connection open across pages.
            protocol_version = "HTTP/1.1"
            server_version = "hotpapers-fake-upstreams"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes; without NODELAY, Nagle's algorithm
                # and the client's delayed ACK add ~40 ms to every response.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = {name: values[-1] for name, values in parse_qs(split.query, keep_blank_values=True).items()}
                request = Request(
                    method=self.command,
                    path=split.path,
                    query=query,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=body,
                )
                response = fake._dispatch(request)
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass  # requests are recorded in fake.requests; stderr noise helps nobody

        return Handler

    def _dispatch(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    request.method, request.path, request.query, request.headers, time.monotonic(), request.body
                )
            )
            fault = next((f for f in self._faults if request.path.startswith(f.prefix)), None)
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
        if fault is not None:
            return Response(fault.status, fault.body, dict(fault.headers))

        handler = self._routes.get((request.method, request.path))
        if handler is None:
            if any(path == request.path for _, path in self._routes):
                message = f"{request.method} not allowed here"
                return json_response(405, {"error": "MethodNotAllowed", "message": message})
            return json_response(404, {"error": "NotFound", "message": f"No route for {request.method} {request.path}"})
        try:
            return handler(request)
        except Exception as exc:  # a bug in the fake must surface as a 500, not a hung client
            return json_response(500, {"error": "InternalServerError", "message": f"{type(exc).__name__}: {exc}"})
