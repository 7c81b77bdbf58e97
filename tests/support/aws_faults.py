"""Shared by the AWS-fault and crash suites: the fault proxy fixture, state dumps, a link checker,
fresh resources per trial and a fork-per-run child runner whose process can be SIGKILLed."""

from __future__ import annotations

import hashlib
import http.client
import itertools
import json
import logging
import os
import re
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from hotpapers.core import aws
from hotpapers.core.settings import Settings
from hotpapers_local.provision import TABLE_KEYS, default_template_path, load_template, only_resource
from tests.support.aws_proxy import AwsFaultProxy

_names = itertools.count()


@pytest.fixture(scope="session")
def fault_proxy(moto_endpoint: str) -> Iterator[AwsFaultProxy]:
    proxy = AwsFaultProxy(moto_endpoint).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def proxy(fault_proxy: AwsFaultProxy, env: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsFaultProxy]:
    """The env's table/bucket/bus, reached by the product through the fault proxy (pass-through until told)."""
    fault_proxy.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    yield fault_proxy
    fault_proxy.reset()


def direct(settings: Settings, service: str) -> Any:
    """A client that talks to moto itself, past the proxy: what the test uses to look at the state."""
    return aws.client(service, settings.endpoint_url, settings.region)


# ---------------------------------------------------------------- resources


_TABLE_SPEC: dict[str, Any] = {}


def fresh_resources(settings: Settings, prefix: str) -> Settings:
    """A new, empty table, bucket and bus at moto (cheaper than `provision`: no waiter, no relay)."""
    if not _TABLE_SPEC:
        props = only_resource(load_template(default_template_path()), "AWS::DynamoDB::Table")
        _TABLE_SPEC.update({key: props[key] for key in TABLE_KEYS if key in props})
    name = f"{prefix}-{os.getpid()}-{next(_names)}"
    new = replace(settings, table=name, bucket=name, event_bus=name)
    direct(new, "dynamodb").create_table(TableName=name, **_TABLE_SPEC)
    direct(new, "s3").create_bucket(Bucket=name)
    direct(new, "events").create_event_bus(Name=name)
    return new


def child_env(settings: Settings, endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "HOTPAPERS_TABLE": settings.table,
        "HOTPAPERS_BUCKET": settings.bucket,
        "HOTPAPERS_EVENT_BUS": settings.event_bus,
    }


# ---------------------------------------------------------------- state dumps


def raw_items(settings: Settings) -> list[dict[str, Any]]:
    """Every item of the table, in DynamoDB JSON as moto stores it, sorted by key (a Scan: tests only).

    Sent as plain HTTP and read with json.loads: botocore's shape-by-shape parse made each dump
    cost ~0.3 s on a loaded machine, and the crash suites dump the table hundreds of times.
    """
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": settings.table}
    while True:
        page = _dynamodb_raw(settings, "Scan", request)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def has_item(settings: Settings, pk: str, sk: str) -> bool:
    """One GetItem, past the proxy."""
    key = {"PK": {"S": pk}, "SK": {"S": sk}}
    return "Item" in _dynamodb_raw(settings, "GetItem", {"TableName": settings.table, "Key": key})


def item_count(settings: Settings) -> int:
    """How many items the table holds (a COUNT scan: nothing to serialise)."""
    return int(_dynamodb_raw(settings, "Scan", {"TableName": settings.table, "Select": "COUNT"})["Count"])


def _dynamodb_raw(settings: Settings, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """One DynamoDB call to moto as plain HTTP, DynamoDB JSON in and out (binary values stay base64)."""
    parts = urlsplit(settings.endpoint_url or "")
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        # moto reads the region and account from the credential scope and checks no signature.
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    try:
        connection.request("POST", "/", body=json.dumps(request), headers=headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 200, answer
    return answer


def copy_items(items: list[dict[str, Any]], settings: Settings) -> None:
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        response = _dynamodb_raw(settings, "BatchWriteItem", {"RequestItems": {settings.table: batch}})
        assert not response.get("UnprocessedItems"), "moto left items unprocessed while copying a fixture"


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    content_type: str
    cache_control: str | None

    @property
    def md5(self) -> str:
        return hashlib.md5(self.body, usedforsecurity=False).hexdigest()


def bucket_objects(settings: Settings) -> dict[str, StoredObject]:
    """Every object of the bucket with the bytes a reader gets (a GET each, not the listing's ETag)."""
    s3 = direct(settings, "s3")
    objects: dict[str, StoredObject] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.bucket):
        for entry in page.get("Contents", []):
            response = s3.get_object(Bucket=settings.bucket, Key=entry["Key"])
            objects[entry["Key"]] = StoredObject(
                response["Body"].read(), response["ContentType"], response.get("CacheControl")
            )
    return objects


def bucket_listing(settings: Settings) -> dict[str, tuple[str, str, str | None]]:
    """{key: (md5 of the body, content type, cache control)}: what "the bucket" means in comparisons."""
    return {key: (obj.md5, obj.content_type, obj.cache_control) for key, obj in bucket_objects(settings).items()}


def bucket_etags(settings: Settings) -> dict[str, str]:
    """{key: ETag} from one listing: moto's ETag of a single-PUT object is the MD5 of its bytes."""
    s3 = direct(settings, "s3")
    etags: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.bucket):
        etags.update({entry["Key"]: entry["ETag"].strip('"') for entry in page.get("Contents", [])})
    return etags


class BodyCache:
    """Object bodies by (key, MD5): crash trials read only the bytes they have not seen yet."""

    def __init__(self) -> None:
        self._bodies: dict[tuple[str, str], StoredObject] = {}

    def objects(self, settings: Settings, etags: dict[str, str] | None = None) -> dict[str, StoredObject]:
        etags = bucket_etags(settings) if etags is None else etags
        s3 = direct(settings, "s3")
        out: dict[str, StoredObject] = {}
        for key, etag in etags.items():
            if (key, etag) not in self._bodies:
                response = s3.get_object(Bucket=settings.bucket, Key=key)
                obj = StoredObject(response["Body"].read(), response["ContentType"], response.get("CacheControl"))
                assert obj.md5 == etag, f"{key}: the ETag is not the MD5 of the body"
                self._bodies[(key, etag)] = obj
            out[key] = self._bodies[(key, etag)]
        return out


def copy_objects(objects: dict[str, StoredObject], settings: Settings) -> None:
    s3 = direct(settings, "s3")
    for key, obj in objects.items():
        extra = {"CacheControl": obj.cache_control} if obj.cache_control else {}
        s3.put_object(Bucket=settings.bucket, Key=key, Body=obj.body, ContentType=obj.content_type, **extra)


# ---------------------------------------------------------------- links


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


_XML_LINKS = re.compile(rb"<link[^>]*\bhref=\"([^\"]+)\"|<loc>([^<]+)</loc>|<id>([^<]+)</id>")


def dangling_links(objects: dict[str, StoredObject], site_url: str = "http://127.0.0.1:8000/") -> list[str]:
    """Every link of every page, feed and sitemap that points into the site at a key the bucket lacks.

    A link resolves like a browser would (relative to the page), then maps to a key as the site's
    hosting does: a folder URL is its index.html. Links to other hosts are not the site's business.
    """
    base = urlsplit(site_url)
    missing: list[str] = []
    for key, obj in objects.items():
        page_url = urljoin(site_url, key)
        if key.endswith(".html"):
            parser = _Links()
            parser.feed(obj.body.decode("utf-8"))
            links = parser.links
        elif key.endswith(".xml"):
            links = [next(g for g in match if g).decode() for match in _XML_LINKS.findall(obj.body)]
            links = [link for link in links if link.startswith(("http:", "https:", "/"))]
        else:
            continue
        for link in links:
            target = urlsplit(urldefrag(urljoin(page_url, link))[0])
            if target.scheme not in ("http", "https") or target.netloc != base.netloc:
                continue
            path = target.path[len(base.path) :] if target.path.startswith(base.path) else target.path.lstrip("/")
            wanted = path + "index.html" if path == "" or path.endswith("/") else path
            if wanted not in objects:
                missing.append(f"{key} -> {link}")
    return sorted(set(missing))


# ---------------------------------------------------------------- child runs (fork per run)


@dataclass
class ChildRun:
    pid: int
    status: int
    seconds: float
    log: str

    @property
    def killed(self) -> bool:
        return os.WIFSIGNALED(self.status) and os.WTERMSIG(self.status) == signal.SIGKILL

    @property
    def ok(self) -> bool:
        return os.WIFEXITED(self.status) and os.WEXITSTATUS(self.status) == 0


@pytest.fixture(scope="session")
def child_proxy(moto_endpoint: str) -> Iterator[AwsFaultProxy]:
    """A proxy only forked children talk to, with their AWS clients built once, here, before any fork.

    The clients are created as the handlers' build_* functions create them (same cache keys), so each child finds
    them ready instead of spending ~70 ms building three. This process never sends a request
    through them, so a child never inherits a pooled connection another process also uses.
    """
    proxy = AwsFaultProxy(moto_endpoint).start()
    import hotpapers.collect.collector  # noqa: F401
    import hotpapers.collect.handler  # noqa: F401
    import hotpapers.publish.handler  # noqa: F401
    import hotpapers.publish.publisher  # noqa: F401
    import hotpapers.publish.site  # noqa: F401
    from hotpapers_local.invoke import load_handler

    load_handler("collect")
    load_handler("publish")
    aws.client("dynamodb", proxy.url, "us-east-1", parameter_validation=False)
    aws.client("events", proxy.url, "us-east-1")
    aws.client("s3", proxy.url, "us-east-1")
    from hotpapers.publish import site

    site.render_robots(site.SiteConfig.from_settings(Settings.from_env()))
    yield proxy
    proxy.stop()


def run_child(
    function: str,
    event: dict[str, Any],
    env: dict[str, str],
    log_path: Path,
    armed: Callable[[int], None] = lambda pid: None,
    timeout: float = 60.0,
) -> ChildRun:
    """Run the real Lambda handler in a forked child of this (already warm) process, and wait for it.

    The child must talk to AWS through `child_proxy` (whose clients are pre-built and never used
    by this process); `env` carries that endpoint and the trial's table, bucket and bus.

    `armed(pid)` runs after the fork and before the child starts work (it waits on a pipe), so
    a kill rule naming the child's pid is in place before its first AWS request. The child
    logs into `log_path`; it leaves with os._exit, so none of pytest's teardown runs twice.
    """
    go_read, go_write = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: the Lambda
        code = 1
        try:
            os.close(go_write)
            os.read(go_read, 1)
            log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            # pytest's capture gave sys.stdout (and so Powertools' log handler) a file of its own.
            sys.stdout = sys.stderr = open(1, "w", closefd=False)  # noqa: SIM115 - lives as long as the child
            for handler in logging.getLogger("hotpapers").handlers:
                if isinstance(handler, logging.StreamHandler):
                    handler.setStream(sys.stdout)
            os.environ.update(env)
            from hotpapers_local.invoke import invoke

            invoke(function, event)
            code = 0
        except BaseException:  # noqa: BLE001 - report whatever ended the run, then leave
            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    os.close(go_read)
    try:
        armed(pid)
    finally:
        os.write(go_write, b"g")
        os.close(go_write)
    deadline = started + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"{function} child {pid} hung for {timeout} s; log: {log_path}")
        select.select([], [], [], 0.005)
    log_text = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    return ChildRun(pid, status, time.monotonic() - started, log_text)


# Fields that legitimately differ between two correct runs of the collector, and why:
_NORMALISED = {
    # When this process fetched the paper's metadata: wall-clock time of whichever run fetched it.
    ("paper", "fetched_at"),
    # When the post's metrics were observed: wall-clock time of the run that observed them.
    ("mention", "observed_at"),
    # The run record describes the latest run: its wall-clock times...
    ("run", "started_at"),
    ("run", "finished_at"),
    ("run", "duration_seconds"),
    # ...and the arXiv work *that run* did. A re-run after a kill finds the metadata the dead run
    # already stored and fetches none (exactly as any second run of a day does), so these counters
    # describe the run, not the data. The paper items themselves are compared in full.
    ("run", "papers_fetched"),
    ("run", "arxiv_requests"),
}


def normalised(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        entity = item.get("entity", {}).get("S")
        out.append({k: ("<normalised>" if (entity, k) in _NORMALISED else v) for k, v in item.items()})
    return out
