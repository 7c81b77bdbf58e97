"""A fault-injecting HTTP proxy in front of the moto endpoint, on 127.0.0.1.

The product reaches it exactly as it reaches AWS: `AWS_ENDPOINT_URL` points at the proxy. Every
request is classified (service from the SigV4 credential scope, operation from `X-Amz-Target` or,
for S3, from the method and path), numbered, and handed to the current `rule`, which decides:

- `None`: forward to moto unchanged and relay moto's answer;
- `Reply(...)`: answer with a canned response (a real AWS error body) without forwarding;
- `Drop()`: close the connection without an answer (what a reset or a dead load balancer looks like);
- `Forward(request=..., response=...)`: forward, optionally rewriting the request body first and/or
  moto's response afterwards (e.g. BatchWriteItem sends moto only some items and reports the rest
  as `UnprocessedItems`, which is what DynamoDB does under throttling);
- `Kill(pid, after=...)`: SIGKILL a process (the Lambda under test, run as a child process) before
  the request reaches moto, or after moto applied it but before the answer goes back.

Tests read `calls` to see the traffic and make their assertions on it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "te", "upgrade"}


@dataclass
class Call:
    """One request the proxy received (number `n` counts from the last `reset`, 1-based)."""

    n: int
    service: str
    operation: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float = 0.0  # time.monotonic() on arrival
    outcome: str = "forwarded"

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    @property
    def key(self) -> str:
        """S3: the object key of a path-style request (`/bucket/key`)."""
        parts = self.path.split("/", 2)
        return parts[2] if len(parts) > 2 else ""


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Drop:
    pass


Rewrite = Callable[[int, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


@dataclass
class Forward:
    request: Callable[[bytes], bytes] | None = None
    response: Rewrite | None = None


@dataclass
class Kill:
    pid: int
    after: bool = False  # True: moto applies the request, the caller dies before hearing back


Action = Reply | Drop | Forward | Kill | None
Rule = Callable[[Call], Action]


def dynamodb_error(code: str, message: str, status: int = 400) -> Reply:
    """DynamoDB's JSON 1.0 error shape: `__type` in the body and `x-amzn-ErrorType` in the headers."""
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}).encode()
    return Reply(status, body, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code})


def events_error(code: str, message: str, status: int = 500) -> Reply:
    """EventBridge's JSON 1.1 error shape."""
    body = json.dumps({"__type": code, "message": message}).encode()
    return Reply(status, body, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code})


def s3_error(code: str, message: str, status: int) -> Reply:
    """S3's XML error document."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
        "<RequestId>FAULTPROXY</RequestId><HostId>faultproxy</HostId></Error>"
    ).encode()
    return Reply(status, body, {"Content-Type": "application/xml"})


def with_crc32(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """DynamoDB responses carry the CRC32 of their body, and botocore checks it: keep it true after a rewrite."""
    headers = {k: v for k, v in headers.items() if k.lower() != "x-amz-crc32"}
    headers["x-amz-crc32"] = str(zlib.crc32(body) & 0xFFFFFFFF)
    return headers


def _classify(method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> tuple[str, str]:
    scope = _SCOPE.search(headers.get("authorization", ""))
    service = scope.group(1) if scope else "unknown"
    target = headers.get("x-amz-target")
    if target:
        return service, target.rsplit(".", 1)[-1]
    if service == "s3":
        has_key = len(path.strip("/").split("/", 1)) > 1
        if method == "PUT":
            return service, "PutObject" if has_key else "CreateBucket"
        if method == "GET":
            if has_key:
                return service, "GetObject"
            return service, "ListObjectsV2" if "list-type" in query else "ListObjects"
        if method == "HEAD":
            return service, "HeadObject" if has_key else "HeadBucket"
        if method == "DELETE":
            return service, "DeleteObject" if has_key else "DeleteBucket"
        return service, f"{method} {path}"
    if method == "POST":
        return service, (parse_qs(headers.get("__body__", "")).get("Action") or ["?"])[0]
    return service, f"{method} {path}"


class AwsFaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rule: Rule = lambda call: None
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._active = 0  # requests being handled right now (forwarded to moto, answered or dropped)
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> AwsFaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self, rule: Rule | None = None) -> None:
        """Forget the traffic seen so far and install `rule` (None: pass everything through)."""
        with self._lock:
            self.calls = []
            self.rule = rule or (lambda call: None)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until no request is in flight through the proxy.

        A killed caller's other requests (the publisher PUTs in 8 threads) were already sent in full:
        S3 applies such a request even though its caller is gone, and so does the proxy, a moment
        later. Inspecting the bucket before they land reads a listing that one of them then changes.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._active == 0:
                    return
            time.sleep(0.01)
        raise TimeoutError(f"{self._active} request(s) still in flight through the proxy after {timeout} s")

    def ops(self, operation: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.operation == operation]

    # ---- the server side

    def _register(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[Call, Action]:
        split = urlsplit(path)
        query = parse_qs(split.query, keep_blank_values=True)
        service, operation = _classify(method, split.path, query, headers)
        with self._lock:
            call = Call(
                len(self.calls) + 1, service, operation, method, split.path, query, headers, body, time.monotonic()
            )
            self.calls.append(call)
            rule = self.rule
        return call, rule(call)

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list, bytes]:
        connection = http.client.HTTPConnection(*self._upstream, timeout=60)
        try:
            out = {k: v for k, v in headers.items() if k not in _HOP_BY_HOP and k != "expect"}
            out["content-length"] = str(len(body))
            connection.request(method, path, body=body if body or method in ("PUT", "POST") else None, headers=out)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                return

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunk = self.rfile.read(size)
                        if len(chunk) < size:
                            raise ConnectionResetError("request body cut short")
                        chunks.append(chunk)
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if len(body) < length:
                    # The caller died mid-body. S3 and DynamoDB never apply half a request, so
                    # neither may the proxy: forwarding the stub would store a truncated object.
                    raise ConnectionResetError("request body cut short")
                return body

            def _send(self, status: int, headers: list[tuple[str, str]] | dict[str, str], body: bytes) -> None:
                items = headers.items() if isinstance(headers, dict) else headers
                self.send_response(status)
                for name, value in items:
                    if name.lower() not in _HOP_BY_HOP and name.lower() not in ("server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _drop(self) -> None:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            def _handle(self) -> None:
                with proxy._lock:
                    proxy._active += 1
                try:
                    self._handle_counted()
                finally:
                    with proxy._lock:
                        proxy._active -= 1

            def _handle_counted(self) -> None:
                try:
                    body = self._body()
                except (ConnectionError, ValueError):
                    self.close_connection = True
                    return
                headers = {name.lower(): value for name, value in self.headers.items()}
                if self.command == "POST" and "x-amz-target" not in headers:
                    headers["__body__"] = body.decode("latin-1")  # query protocols name the action in the body
                call, action = proxy._register(self.command, self.path, headers, body)
                headers.pop("__body__", None)
                try:
                    if isinstance(action, Reply):
                        call.outcome = f"reply {action.status}"
                        body_out = action.body
                        if call.service == "dynamodb":
                            action.headers = with_crc32(action.headers, body_out)
                        self._send(action.status, action.headers, body_out)
                        return
                    if isinstance(action, Drop):
                        call.outcome = "dropped"
                        self._drop()
                        return
                    if isinstance(action, Kill) and not action.after:
                        call.outcome = "killed before"
                        _kill(action.pid)
                        self._drop()
                        return
                    if isinstance(action, Forward) and action.request:
                        body = action.request(body)
                    status, response_headers, response_body = proxy._forward(self.command, self.path, headers, body)
                    if isinstance(action, Kill):
                        call.outcome = "killed after"
                        _kill(action.pid)
                        self._drop()
                        return
                    if isinstance(action, Forward) and action.response:
                        call.outcome = "rewritten"
                        status, new_headers, response_body = action.response(
                            status, dict(response_headers), response_body
                        )
                        response_headers = list(new_headers.items())
                    self._send(status, response_headers, response_body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the caller is gone (killed): nothing to answer

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle  # noqa: N815 - http.server's names

        return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A caller that was killed or dropped mid-request is the point of the exercise, not an error."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
