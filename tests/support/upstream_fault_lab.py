"""The lab of tests/reliability/test_upstream_faults.py: the real collect handler run for one synthetic day
against `FaultyUpstreams`, on a fresh table per run, with what each run logged and emitted, what it stored
(as typed records, tests/support/stored_records.py) and the site published from it.

Waits go through a FakeClock: backoff and Retry-After cost no real time, only the read-timeout fault
waits, for HOTPAPERS_HTTP_TIMEOUT (SHORT_TIMEOUT there) per attempt.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from hotpapers.collect import handler as collect_handler
from hotpapers.core import aws
from hotpapers.core.clock import FakeClock, SystemClock
from hotpapers.core.observability import metrics
from hotpapers.core.settings import Settings
from hotpapers.core.store import build_store
from hotpapers.publish import handler as publish_handler
from hotpapers_local.provision import TABLE_KEYS, default_template_path, load_template, provision
from tests.support.faulty_upstreams import FaultyUpstreams
from tests.support.stored_records import StoredRecords, stored_records

DAY = date(2021, 6, 1)
START = datetime(2021, 6, 2, 9, 38, 11, tzinfo=UTC)
# HOTPAPERS_HTTP_TIMEOUT: generous by default, so a loaded machine never fakes a timeout; short where the
# read-timeout fault is served, since each attempt then waits for it in real time.
HTTP_TIMEOUT = 5.0
SHORT_TIMEOUT = 0.2
SITE = "http://127.0.0.1:8000/"
_names = itertools.count()


@dataclass
class Run:
    summary: dict[str, Any]
    logs: list[logging.LogRecord]
    emf: list[dict[str, Any]]
    clock: FakeClock
    seconds: float

    @property
    def day(self) -> dict[str, Any]:
        return self.summary["days"][0]

    def failure_metric(self, source: str) -> int | None:
        """The `Failures` value the run emitted for `source` (EMF on stdout), or None."""
        for blob in self.emf:
            if blob.get("source") == source and "Failures" in blob:
                value = blob["Failures"]
                return int(value[0] if isinstance(value, list) else value)
        return None

    def metric(self, name: str) -> float | None:
        for blob in self.emf:
            if name in blob and "source" not in blob:
                value = blob[name]
                return float(value[0] if isinstance(value, list) else value)
        return None


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Lab:
    proxy: FaultyUpstreams
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]
    clock_ref: list[FakeClock]
    settings: Settings | None = None

    def fresh_table(self, label: str, site: bool = False) -> Settings:
        """A new empty table (provisioning a whole stack per table costs too much); `site`: a bucket of its own."""
        name = f"hp-faults-{label}-{next(_names)}"
        self.monkeypatch.setenv("HOTPAPERS_TABLE", name)
        if site:
            self.monkeypatch.setenv("HOTPAPERS_BUCKET", name)
        self.settings = Settings.from_env()
        if site:
            provision(self.settings)
        else:
            dynamodb = aws.client("dynamodb", self.settings.endpoint_url, self.settings.region)
            dynamodb.create_table(TableName=name, **_table_spec())
        return self.settings

    def collect(self, fault: str | None = None) -> Run:
        """Run the real collect handler for DAY; with `fault` read-timeout, under the short HTTP timeout."""
        short = fault == "read-timeout"
        self.monkeypatch.setenv("HOTPAPERS_HTTP_TIMEOUT", str(SHORT_TIMEOUT if short else HTTP_TIMEOUT))
        clock = FakeClock(START)
        self.clock_ref[0] = clock
        records = _Records()
        log = logging.getLogger("hotpapers")
        level = log.level
        log.setLevel(logging.WARNING)  # errors and warnings are what is checked; progress lines cost time
        log.addHandler(records)
        self.capsys.readouterr()
        started = time.perf_counter()
        try:
            summary = collect_handler.handle({"date": DAY.isoformat()}, clock=clock)
            metrics.flush_metrics(raise_on_empty_metrics=False)
        finally:
            log.removeHandler(records)
            log.setLevel(level)
        seconds = time.perf_counter() - started
        emf = []
        for line in self.capsys.readouterr().out.splitlines():
            if line.startswith("{") and '"_aws"' in line:
                emf.append(json.loads(line))
        return Run(summary, records.records, emf, clock, seconds)

    def snapshot(self) -> StoredRecords:
        """The papers, day papers and mentions stored (DAY's and any other collected day's), as records."""
        assert self.settings is not None
        return stored_records(build_store(self.settings, SystemClock()), days=[DAY])

    def publish_and_check_links(self) -> int:
        """Publish the day to a bucket of its own; every internal href of every page must resolve to an object.

        Returns how many hrefs were checked.
        """
        assert self.settings is not None
        bucket = self.settings.table
        s3 = aws.client("s3", self.settings.endpoint_url, self.settings.region)
        s3.create_bucket(Bucket=bucket)
        self.monkeypatch.setenv("HOTPAPERS_BUCKET", bucket)
        try:
            published = publish_handler.handle({"date": DAY.isoformat()})
        finally:
            self.monkeypatch.setenv("HOTPAPERS_BUCKET", "hp-faults-shared")
        keys: set[str] = set()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys.update(obj["Key"] for obj in page.get("Contents", []))
        checked = 0
        for key in sorted(k for k in keys if k.endswith(".html")):
            html = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
            for href in re.findall(r'(?:href|src)="([^"]*)"', html):
                path = _internal_path(href)
                if path is None:
                    continue
                target = path + "index.html" if path == "" or path.endswith("/") else path
                assert target in keys, f"{key} links {href!r}, but the bucket has no {target!r}"
                checked += 1
        # Every collected paper with metadata is listed (one without cannot be, it has no title or pdf).
        listed = sum(1 for day_paper in self.snapshot().day_papers.values() if day_paper.has_metadata)
        assert published["days"][0]["papers"] == listed, "the digest does not list every collected paper"
        assert checked > 0
        return checked


@functools.cache
def _table_spec() -> dict[str, Any]:
    """The table as template.yaml declares it (what `provision` creates)."""
    props = next(
        resource["Properties"]
        for resource in load_template(default_template_path())["Resources"].values()
        if resource["Type"] == "AWS::DynamoDB::Table"
    )
    return {key: props[key] for key in TABLE_KEYS if key in props}


def _internal_path(href: str) -> str | None:
    """The site path an href points at, or None for an external link or a bare fragment."""
    if href.startswith("#") or href.startswith("mailto:"):
        return None
    if href.startswith(SITE):
        href = "/" + href[len(SITE) :]
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return parts.path[1:]
