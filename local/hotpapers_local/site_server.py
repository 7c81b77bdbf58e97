"""`hotpapers serve`: the site from the bucket at /, the API at /api/, on 127.0.0.1.

moto does not serve S3 website hosting, so this resolves `index.html` and
`404.html` the way S3 website hosting (or CloudFront with the template's
index function) does. Every site response carries the site's Content-Security-Policy
header, as the template's CloudFront response headers policy adds it. Requests under
/api/ become API Gateway proxy events for the API handler: the Docker-free
equivalent of `sam local start-api`.
"""

from __future__ import annotations

import hashlib
import threading
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from hotpapers.core.settings import Settings
from hotpapers.publish.bucket import SiteBucket
from hotpapers.publish.site import NOT_FOUND_KEY, content_security_policy

ApiHandler = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


def resolve_key(path: str) -> str | None:
    """The S3 key a URL path names, as website hosting reads it; None for a path that escapes the root."""
    decoded = unquote(path)
    segments = [segment for segment in decoded.split("/") if segment]
    if any(segment in (".", "..") or "\\" in segment for segment in segments):
        return None
    key = "/".join(segments)
    if not key:
        return "index.html"
    if key.startswith("internal/"):  # large digest bodies: the API's, never served (CloudFront denies them)
        return None
    return key + "/index.html" if decoded.endswith("/") else key


class _ThreadingServer(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: with 32 clients connecting at once the kernel
    # drops the SYNs it cannot queue and the client retries a second later, so p90 was over 1 s
    # (tests/reliability/test_load.py). A queue the size of a browser's or load test's burst.
    request_queue_size = 128
    daemon_threads = True


class LocalServer:
    def __init__(
        self,
        bucket: SiteBucket,
        api: ApiHandler | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        csp: str | None = None,
        on_response: Callable[[str, int], None] | None = None,
    ):
        self.bucket = bucket
        self.api = api
        # Told the path and status of each response once it is written. Tests wait on it for the requests
        # a page's own events never show: Chromium fetches the icon (/favicon.ico) for its tab, and
        # Playwright reports neither that request nor its response.
        self.on_response = on_response
        # The Content-Security-Policy header CloudFront sends (template.yaml's SiteHeadersPolicy), on every
        # site response: by default the one for this environment's HOTPAPERS_X_WIDGETS setting.
        self.csp = csp if csp is not None else content_security_policy(Settings.from_env().x_widgets, header=True)
        self._server = _ThreadingServer((host, port), self._handler_class())
        self._thread: threading.Thread | None = None
        self._serving = False  # shutdown() waits for a serve_forever loop: only ask it of one that ran

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        if isinstance(host, bytes):  # a TCP server's host is a str; the type allows an AF_UNIX path too
            host = host.decode()
        return f"http://{host}:{port}/"

    def start(self) -> LocalServer:
        self._serving = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="hotpapers-serve", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._serving = True
        self._server.serve_forever()

    def stop(self) -> None:
        if self._serving:
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "hotpapers-local"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass  # quiet: the terminal belongs to the user

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                server._get(self, head=False)

            def do_HEAD(self) -> None:  # noqa: N802
                server._get(self, head=True)

            def _other(self) -> None:
                server._other(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _other  # noqa: N815

        return Handler

    def _other(self, request: BaseHTTPRequestHandler) -> None:
        path = urlsplit(request.path).path
        if path.startswith("/api/") and self.api is not None:
            self._api(request, path)
            return
        self._send(request, HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": "GET, HEAD"}, b"", head=False)

    def _get(self, request: BaseHTTPRequestHandler, head: bool) -> None:
        path = urlsplit(request.path).path
        if path == "/api" or path.startswith("/api/"):
            if self.api is not None:
                self._api(request, path)
            else:
                body = b'{"error":{"code":"not_found","message":"the API is not part of this build"}}'
                self._send(request, 404, {"Content-Type": "application/json; charset=utf-8"}, body, head)
            return
        key = resolve_key(path)
        found = self.bucket.get(key) if key else None
        if found is None and key and not path.endswith("/") and self.bucket.get(key + "/index.html"):
            # A folder asked for without its slash: S3 website hosting redirects the same way.
            self._send(request, HTTPStatus.FOUND, {"Location": path + "/"}, b"", head)
            return
        if found is None:
            missing = self.bucket.get(NOT_FOUND_KEY)
            body = missing[0] if missing else b"Not Found"
            headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": self.csp}
            self._send(request, 404, headers, body, head)
            return
        body, content_type, cache_control = found
        etag = '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'
        headers = {"Content-Type": content_type, "ETag": etag, "Content-Security-Policy": self.csp}
        if cache_control:
            headers["Cache-Control"] = cache_control
        if request.headers.get("If-None-Match") == etag:
            self._send(request, HTTPStatus.NOT_MODIFIED, headers, b"", head=True)
            return
        self._send(request, 200, headers, body, head)

    def _api(self, request: BaseHTTPRequestHandler, path: str) -> None:
        assert self.api is not None
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        try:
            status, headers, payload = self.api(request.command, request.path, dict(request.headers.items()), body)
        except Exception:  # noqa: BLE001 - what API Gateway does when the function fails: a 502
            traceback.print_exc()
            status, payload = 502, b'{"error":{"code":"internal","message":"internal error"}}'
            headers = {"Content-Type": "application/json; charset=utf-8"}
        self._send(request, status, headers, payload, head=request.command == "HEAD")

    def _send(
        self, request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes, head: bool
    ) -> None:
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if not head:
            request.wfile.write(body)
        if self.on_response is not None:
            self.on_response(urlsplit(request.path).path, status)
