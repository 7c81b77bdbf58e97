"""The project's own EventBridge bus: the collector announces a finished day on it."""

from __future__ import annotations

import json
from typing import Any

from .models import RunRecord

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


def publish_collect_finished(events_client: Any, bus_name: str, run: RunRecord) -> None:
    """Put one "Collect Finished" event; the publisher's pattern rule listens for it."""
    response = events_client.put_events(
        Entries=[
            {
                "EventBusName": bus_name,
                "Source": EVENT_SOURCE,
                "DetailType": COLLECT_FINISHED,
                "Detail": json.dumps(collect_finished_detail(run), sort_keys=True),
            }
        ]
    )
    if response.get("FailedEntryCount"):
        failures = [entry for entry in response.get("Entries", []) if entry.get("ErrorCode")]
        raise BusError(f"EventBridge rejected the collect-finished event: {failures}")
