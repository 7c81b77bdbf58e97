"""The project's own EventBridge bus: the collector announces a finished day on it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from hotpapers.core.models import RunRecord

EVENT_SOURCE = "hotpapers.collect"
COLLECT_FINISHED = "Collect Finished"


class BusError(Exception):
    """EventBridge refused the event."""


def collect_finished_detail(run: RunRecord) -> dict[str, Any]:
    return {
        "date": run.day.isoformat(),
        "posts": run.posts,
        "papers": run.papers,
        "sources": {
            name: {"posts": o.posts, "papers": o.papers, "ok": o.ok} for name, o in sorted(run.sources.items())
        },
        "failed_sources": run.failed_sources,
    }


# PutEvents answers 200 and reports entries it failed; AWS documents these two codes as transient.
RETRYABLE_ENTRY_ERRORS = frozenset({"InternalFailure", "ThrottlingException"})


def publish_collect_finished(
    events_client: Any, bus_name: str, run: RunRecord, attempts: int = 3, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Put one "Collect Finished" event; the publisher's pattern rule listens for it.

    An entry failed with a transient code is put again (botocore retries only whole-request
    errors): before, one InternalFailure failed the invocation, and Lambda's retry re-ran the
    whole collection, upstreams and arXiv included (tests/reliability/test_eventbridge_faults.py).
    """
    put_collect_finished(events_client, bus_name, collect_finished_detail(run), attempts, sleep)


def put_collect_finished(
    events_client: Any,
    bus_name: str,
    detail: dict[str, Any],
    attempts: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Put one "Collect Finished" event with this detail (the publisher reads `date`)."""
    entry = {
        "EventBusName": bus_name,
        "Source": EVENT_SOURCE,
        "DetailType": COLLECT_FINISHED,
        "Detail": json.dumps(detail, sort_keys=True),
    }
    for attempt in range(1, attempts + 1):
        response = events_client.put_events(Entries=[entry])
        if not response.get("FailedEntryCount"):
            return
        failures = [result for result in response.get("Entries", []) if result.get("ErrorCode")]
        if attempt == attempts or any(f.get("ErrorCode") not in RETRYABLE_ENTRY_ERRORS for f in failures):
            raise BusError(f"EventBridge rejected the collect-finished event: {failures}")
        sleep(0.1 * 2 ** (attempt - 1))
