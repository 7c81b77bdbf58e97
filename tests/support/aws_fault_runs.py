"""The AWS fault suites' runs (tests/reliability/test_{dynamodb,eventbridge,s3}_faults.py): the real handlers
through the fault proxy, what a run logged and emitted, the clean reference states a faulty run is held to,
and what a failed run lost. The product reaches the proxy as it reaches AWS (`AWS_ENDPOINT_URL`); the proxy
answers chosen calls with AWS's own error shapes (tests/support/aws_proxy.py).

The reference states are computed once per session (the moto server is the session's) on resources of
their own, then copied into each test's fresh table and bucket.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

# Powertools' log handler keeps the sys.stdout of the moment hotpapers.core.observability is first
# imported: import it now (collection, pytest's session-long capture), not inside a test whose
# capsys stream is closed afterwards.
import hotpapers.core.observability  # noqa: F401
from hotpapers.core.observability import metrics
from hotpapers.core.settings import Settings
from hotpapers_local.invoke import invoke
from tests.support.aws_faults import (
    BodyCache,
    bucket_etags,
    copy_items,
    copy_objects,
    fresh_resources,
    normalised,
    raw_items,
)
from tests.support.aws_proxy import AwsFaultProxy, Call

DAY = {"date": "2021-06-01"}
EARLIER_DAY = {"date": "2021-05-31"}
ATTEMPTS = 6  # hotpapers/core/aws.py: retries={"mode": "standard", "max_attempts": 5} is 1 attempt + 5 retries
_cache: dict[str, Any] = {}
bodies = BodyCache()  # the objects' bodies by ETag, read once per session


# ---------------------------------------------------------------- observing logs and metrics


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Observed:
    handler: _Records
    capsys: pytest.CaptureFixture[str]
    emf: list[dict[str, Any]] = field(default_factory=list)

    def errors(self) -> list[str]:
        """Each ERROR line as `message: error` (the `error` key the handlers add)."""
        return [f"{r.getMessage()}: {getattr(r, 'error', '')}" for r in self.handler.records]

    def metric(self, name: str) -> float:
        """The sum of a metric over the EMF blobs printed so far (what CloudWatch would ingest)."""
        for line in self.capsys.readouterr().out.splitlines():
            if line.startswith('{"_aws"'):
                self.emf.append(json.loads(line))
        return sum(
            sum(blob.get(name, [])) if isinstance(blob.get(name), list) else blob.get(name, 0) for blob in self.emf
        )


@pytest.fixture
def observe(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Observed]:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    # Powertools' metrics buffer is process-wide, and a flush with metrics disabled does not empty
    # it: an earlier test's failed publish (tests/integration/test_rebuild_shards.py) would count here.
    metrics.clear_metrics()
    handler = _Records()
    logging.getLogger("hotpapers").addHandler(handler)
    yield Observed(handler, capsys)
    logging.getLogger("hotpapers").removeHandler(handler)


def attempt(function: str, event: dict[str, Any]) -> Exception | None:
    try:
        invoke(function, event)
    except Exception as exc:  # noqa: BLE001 - the failure is what the test looks at
        return exc
    return None


# ---------------------------------------------------------------- reference states


def _run_clean(settings: Settings, proxy: AwsFaultProxy, monkeypatch: pytest.MonkeyPatch, *runs: tuple) -> None:
    with monkeypatch.context() as patch:
        for key, value in (
            ("HOTPAPERS_TABLE", settings.table),
            ("HOTPAPERS_BUCKET", settings.bucket),
            ("HOTPAPERS_EVENT_BUS", settings.event_bus),
            ("POWERTOOLS_METRICS_DISABLED", "true"),
        ):
            patch.setenv(key, value)
        proxy.reset()
        for function, event in runs:
            invoke(function, event)


def collect_reference(env: Settings, proxy: AwsFaultProxy, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """The table after one clean collect of the sample day (normalised: see test_crash_consistency)."""
    if "collect" not in _cache:
        clean = fresh_resources(env, "faults-collect-clean")
        _run_clean(clean, proxy, monkeypatch, ("collect", DAY))
        _cache["collect"] = normalised(raw_items(clean))
        _cache["collect_batches"] = len(proxy.ops("BatchWriteItem"))
    proxy.reset()
    return _cache["collect"]


@dataclass
class PublishStates:
    base_items: list[dict]
    base_objects: dict
    items: list[dict]
    etags: dict[str, str]


def publish_states(env: Settings, proxy: AwsFaultProxy, monkeypatch: pytest.MonkeyPatch) -> PublishStates:
    """Before: 2021-05-31 and 2021-06-01 collected, 2021-05-31 published. After: 2021-06-01 published.

    The env's table and bucket are filled with the "before" state.
    """
    if "publish" not in _cache:
        base = fresh_resources(env, "faults-publish-base")
        _run_clean(base, proxy, monkeypatch, ("collect", EARLIER_DAY), ("collect", DAY), ("publish", EARLIER_DAY))
        base_items, base_etags = raw_items(base), bucket_etags(base)
        base_objects = bodies.objects(base, base_etags)
        clean = fresh_resources(env, "faults-publish-clean")
        copy_items(base_items, clean)
        copy_objects(base_objects, clean)
        _run_clean(clean, proxy, monkeypatch, ("publish", DAY))
        _cache["publish"] = PublishStates(base_items, base_objects, raw_items(clean), bucket_etags(clean))
    states: PublishStates = _cache["publish"]
    copy_items(states.base_items, env)
    copy_objects(states.base_objects, env)
    proxy.reset()
    return states


def lost_items(before: list[dict], after: list[dict], reference: list[dict]) -> list[str]:
    """Items that were stored before the run and are now gone or neither their old nor their new self."""
    now = {(i["PK"]["S"], i["SK"]["S"]): i for i in after}
    final = {(i["PK"]["S"], i["SK"]["S"]): i for i in reference}
    return [
        f"{key}" for item in before if now.get(key := (item["PK"]["S"], item["SK"]["S"])) not in (item, final.get(key))
    ]


def lost_objects(before: dict[str, str], after: dict[str, str], reference: dict[str, str]) -> list[str]:
    return [key for key, etag in before.items() if after.get(key) not in (etag, reference.get(key))]


def stored_subset(items: list[dict], reference: list[dict]) -> list[str]:
    """Items stored by a failed run that are not exactly what a clean run stores (corruption)."""
    final = {(i["PK"]["S"], i["SK"]["S"]): i for i in reference}
    return [f"{i['PK']['S']}|{i['SK']['S']}" for i in items if final.get((i["PK"]["S"], i["SK"]["S"])) != i]


# ---------------------------------------------------------------- faults on chosen calls


def nth_call(operation: str, numbers: Callable[[int], bool], action: Callable[[Call], Any]) -> Callable[[Call], Any]:
    """A rule firing `action` on the calls of `operation` whose 1-based position satisfies `numbers`."""
    seen = [0]

    def rule(call: Call) -> Any:
        if call.operation != operation:
            return None
        seen[0] += 1
        return action(call) if numbers(seen[0]) else None

    return rule
