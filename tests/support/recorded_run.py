"""A full run (collect, publish, API) through the real handlers, watched from outside.

`RecordingProxy` stands between every AWS client and the moto server (AWS_ENDPOINT_URL points at
it): it forwards each request unchanged and notes which IAM action it needs, on which resource,
for which function. `OutputCapture` takes every byte written to file descriptors 1 and 2, to
sys.stdout / sys.stderr, and to the stream of every logging handler that exists, plus every log
record of every logger, whatever its level or propagation.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, unquote, urlsplit


@dataclass(frozen=True)
class AwsCall:
    function: str  # which handler was running ("harness" outside any handler)
    action: str  # IAM action, e.g. dynamodb:Query
    resource: str  # table, table/index/<name>, bucket, bucket/<key>, bus or secret
    leading_keys: tuple[str, ...] = ()  # partition keys a DynamoDB write touches
    attributes: tuple[str, ...] = ()  # top-level attribute names of the items a DynamoDB put writes


def _dynamo_call(function: str, operation: str, body: dict[str, Any]) -> list[AwsCall]:
    action = f"dynamodb:{operation}"
    if operation in ("BatchWriteItem", "BatchGetItem"):
        calls = []
        for table, entries in (body.get("RequestItems") or {}).items():
            keys: list[str] = []
            names: set[str] = set()
            if operation == "BatchWriteItem":
                for entry in entries:
                    item = (entry.get("PutRequest") or {}).get("Item") or (entry.get("DeleteRequest") or {}).get("Key")
                    keys.append(item["PK"]["S"])
                    names.update(item)
            calls.append(AwsCall(function, action, table, tuple(sorted(set(keys))), tuple(sorted(names))))
        return calls
    table = body.get("TableName", "")
    resource = f"{table}/index/{body['IndexName']}" if body.get("IndexName") else table
    keys: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    if operation in ("PutItem", "DeleteItem", "UpdateItem"):
        item = body.get("Item") or body.get("Key") or {}
        keys, names = (item["PK"]["S"],), tuple(sorted(item))
    return [AwsCall(function, action, resource, keys, names)]


def classify(function: str, method: str, path: str, headers: dict[str, str], body: bytes) -> list[AwsCall]:
    """The IAM action(s) one AWS request needs (for the services the handlers use)."""
    target = headers.get("x-amz-target", "")
    if target:
        service, _, operation = target.partition(".")
        payload = json.loads(body or b"{}")
        if service.startswith("DynamoDB"):
            return _dynamo_call(function, operation, payload)
        if service == "AWSEvents":
            return [
                AwsCall(
                    function,
                    f"events:{operation}",
                    payload.get("EventBusName")
                    or ",".join(sorted({entry.get("EventBusName", "default") for entry in payload.get("Entries", [])})),
                )
            ]
        if service == "secretsmanager":
            return [AwsCall(function, f"secretsmanager:{operation}", payload.get("SecretId", ""))]
        if service.startswith("AmazonSQS"):
            return [AwsCall(function, f"sqs:{operation}", payload.get("QueueUrl", ""))]
        return [AwsCall(function, f"{service}:{operation}", "?")]
    # S3 (REST, path style): /<bucket>[/<key>]
    parts = urlsplit(path)
    bucket, _, key = unquote(parts.path).lstrip("/").partition("/")
    query = parse_qs(parts.query, keep_blank_values=True)
    if not key:
        if method == "GET" and "list-type" in query:
            return [AwsCall(function, "s3:ListBucket", bucket)]
        return [AwsCall(function, f"s3:{method}Bucket?{parts.query}", bucket)]
    object_actions = {"GET": "s3:GetObject", "HEAD": "s3:GetObject", "PUT": "s3:PutObject", "DELETE": "s3:DeleteObject"}
    return [AwsCall(function, object_actions.get(method, f"s3:{method}Object"), f"{bucket}/{key}")]


class RecordingProxy:
    """A loopback HTTP proxy in front of the moto server that records each AWS call's IAM action."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.calls: list[AwsCall] = []
        self.function = "harness"
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> RecordingProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet: the capture would record it
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {name.lower(): value for name, value in self.headers.items()}
                with proxy._lock:
                    proxy.calls.extend(classify(proxy.function, self.command, self.path, headers, body))
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                try:
                    forwarded = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
                    conn.request(self.command, self.path, body=body, headers=forwarded)
                    response = conn.getresponse()
                    data = response.read()
                    self.send_response_only(response.status, response.reason)
                    for name, value in response.getheaders():
                        if name.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @contextmanager
    def acting_as(self, function: str) -> Iterator[None]:
        self.function = function
        try:
            yield
        finally:
            self.function = "harness"


class _RecordCollector(logging.Handler):
    """Keeps every record, formatted with its arguments and traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception as exc:  # noqa: BLE001 - a record that cannot be formatted is still evidence
            self.lines.append(f"UNFORMATTABLE {record.msg!r} {record.args!r} {exc!r}")


@dataclass
class CapturedOutput:
    fd_text: str = ""  # bytes written to file descriptors 1 and 2
    sys_text: str = ""  # text written to sys.stdout / sys.stderr
    handler_text: str = ""  # text every pre-existing StreamHandler wrote (Powertools' JSON logger among them)
    records: list[str] = field(default_factory=list)  # every log record of every logger, formatted

    def everything(self) -> str:
        return "\n".join([self.fd_text, self.sys_text, self.handler_text, *self.records])

    def lines(self) -> list[str]:
        return [line for line in self.everything().splitlines() if line.strip()]


@contextmanager
def capture_everything(level: int = logging.DEBUG) -> Iterator[CapturedOutput]:
    """Capture all output of the process while the block runs (fds, sys streams, handlers, records)."""
    captured = CapturedOutput()
    collector = _RecordCollector()
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    handler_stream = io.StringIO()
    swapped: list[tuple[logging.StreamHandler, Any]] = []
    levels: list[tuple[logging.Logger, int]] = []
    seen: set[int] = set()
    for logger in loggers:
        for handler in logger.handlers:
            if id(handler) in seen:  # one handler can serve several loggers
                continue
            seen.add(id(handler))
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                swapped.append((handler, handler.setStream(handler_stream)))
        if not logger.propagate or logger is logging.getLogger():
            logger.addHandler(collector)
        levels.append((logger, logger.level))
    for logger, _ in levels:  # every logger at DEBUG, Powertools' (built with the level of its day) too
        logger.setLevel(level)

    saved_fds = [os.dup(1), os.dup(2)]
    sys_stream = io.StringIO()
    saved_sys = (sys.stdout, sys.stderr)
    with tempfile.TemporaryFile() as fd_file:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(fd_file.fileno(), 1)
        os.dup2(fd_file.fileno(), 2)
        sys.stdout = sys.stderr = sys_stream
        try:
            yield captured
        finally:
            sys.stdout, sys.stderr = saved_sys
            os.dup2(saved_fds[0], 1)
            os.dup2(saved_fds[1], 2)
            for saved in saved_fds:
                os.close(saved)
            for handler, stream in swapped:
                handler.setStream(stream)
            # A handler created while capturing (e.g. Powertools' Logger, built on the first import of
            # a handler) holds one of the capture's streams: give it the real one back.
            real = {id(sys_stream): saved_sys[0], id(handler_stream): saved_sys[0]}
            for logger in [logging.getLogger()] + list(logging.Logger.manager.loggerDict.values()):
                for handler in getattr(logger, "handlers", []):
                    if isinstance(handler, logging.StreamHandler) and id(handler.stream) in real:
                        handler.setStream(real[id(handler.stream)])
            for logger in loggers:
                if collector in logger.handlers:
                    logger.removeHandler(collector)
            for logger, saved_level in levels:
                logger.setLevel(saved_level)
            fd_file.seek(0)
            captured.fd_text = fd_file.read().decode("utf-8", "replace")
            captured.sys_text = sys_stream.getvalue()
            captured.handler_text = handler_stream.getvalue()
            captured.records = list(collector.lines)


def secret_forms(secret: str) -> dict[str, str]:
    """The ways a secret could show up in text: as is, URL-encoded, JSON-escaped and base64-encoded.

    Base64 of a secret embedded in a longer value depends on its alignment, so each of the three
    alignments is included (without the partial characters at either end).
    """
    forms = {
        "raw": secret,
        "url": quote(secret, safe=""),
        "url_plus": quote_plus(secret),
        "json": json.dumps(secret)[1:-1],
        "bearer_b64": base64.b64encode(f"Bearer {secret}".encode()).decode(),
        "url_decoded": unquote(secret),
    }
    data = secret.encode()
    for skip in range(3):
        # Embedded at any offset, some group boundary falls 0, 1 or 2 bytes into the secret; from
        # there on, its whole 3-byte groups encode the same way whatever surrounds them.
        whole = (len(data) - skip) // 3 * 3
        chunk = base64.b64encode(data[skip : skip + whole]).decode()
        if len(chunk) >= 8:
            forms[f"b64_{skip}"] = chunk
            forms[f"b64url_{skip}"] = chunk.replace("+", "-").replace("/", "_")
    return {name: value for name, value in forms.items() if value}


def find_leaks(text: str, secrets: dict[str, str]) -> list[str]:
    """Which secret appears in which form anywhere in `text`."""
    leaks = []
    for label, secret in secrets.items():
        for form, value in secret_forms(secret).items():
            if value in text:
                leaks.append(f"{label} ({form})")
    return leaks
