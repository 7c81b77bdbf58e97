"""AWS faults: the real handlers against moto, through a proxy that fails chosen calls.

The product reaches the proxy as it reaches AWS (`AWS_ENDPOINT_URL`); the proxy answers with
AWS's own error shapes (DynamoDB's JSON body and x-amzn-ErrorType, S3's XML error document,
EventBridge's 200 with FailedEntryCount), drops connections, or rewrites BatchWriteItem so that
moto applies only part of a batch and the rest comes back as UnprocessedItems. For every fault:
the run completes, or fails with an ERROR log line naming the cause and a failure metric;
nothing stored before is lost or corrupted; a plain re-run repairs (the final state equals a
clean run's); the site never links to a missing page.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

# Powertools' log handler keeps the sys.stdout of the moment hotpapers.core.observability is first
# imported: import it now (collection, pytest's session-long capture), not inside a test whose
# capsys stream is closed afterwards.
import hotpapers.core.observability  # noqa: F401
from hotpapers.core.clock import SystemClock
from hotpapers.core.settings import Settings
from hotpapers.core.store import build_store
from hotpapers_local.invoke import invoke
from tests.support import ledger
from tests.support.aws_faults import (
    BodyCache,
    bucket_etags,
    copy_items,
    copy_objects,
    dangling_links,
    fresh_resources,
    normalised,
    raw_items,
)
from tests.support.aws_proxy import (
    AwsFaultProxy,
    Call,
    Drop,
    Forward,
    Reply,
    dynamodb_error,
    events_error,
    s3_error,
    with_crc32,
)

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

DAY = {"date": "2021-06-01"}
EARLIER_DAY = {"date": "2021-05-31"}
_cache: dict[str, Any] = {}
_bodies = BodyCache()


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
        base_objects = _bodies.objects(base, base_etags)
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


def _stored_subset(items: list[dict], reference: list[dict]) -> list[str]:
    """Items stored by a failed run that are not exactly what a clean run stores (corruption)."""
    final = {(i["PK"]["S"], i["SK"]["S"]): i for i in reference}
    return [f"{i['PK']['S']}|{i['SK']['S']}" for i in items if final.get((i["PK"]["S"], i["SK"]["S"])) != i]


# ---------------------------------------------------------------- DynamoDB


def _nth(operation: str, numbers: Callable[[int], bool], action: Callable[[Call], Any]) -> Callable[[Call], Any]:
    """A rule firing `action` on the calls of `operation` whose 1-based position satisfies `numbers`."""
    seen = [0]

    def rule(call: Call) -> Any:
        if call.operation != operation:
            return None
        seen[0] += 1
        return action(call) if numbers(seen[0]) else None

    return rule


THROTTLED = "ProvisionedThroughputExceededException"
ATTEMPTS = 6  # hotpapers/core/aws.py: retries={"mode": "standard", "max_attempts": 5} is 1 attempt + 5 retries


def test_batch_write_throttled_once_is_retried_and_the_day_is_complete(
    env: Settings,
    proxy: AwsFaultProxy,
    observe: Observed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = collect_reference(env, proxy, monkeypatch)
    proxy.reset(_nth("BatchWriteItem", lambda n: n == 1, lambda c: dynamodb_error(THROTTLED, "Rate exceeded")))

    assert attempt("collect", DAY) is None
    assert [c.outcome for c in proxy.ops("BatchWriteItem")][:2] == ["reply 400", "forwarded"]
    assert proxy.ops("BatchWriteItem")[0].body == proxy.ops("BatchWriteItem")[1].body, "the same batch, resent"
    assert normalised(raw_items(env)) == reference
    assert observe.errors() == []
    ledger.record(
        "aws_faults",
        service="DynamoDB",
        fault=f"BatchWriteItem: one {THROTTLED} (HTTP 400)",
        outcome="completed: botocore retried the batch",
        logged_error="none needed",
        lost=0,
        rerun_repairs=True,
        dangling_links=0,
    )


def test_batch_write_throttled_persistently_fails_clearly_keeps_what_was_stored_and_a_rerun_repairs(
    env: Settings,
    proxy: AwsFaultProxy,
    observe: Observed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = collect_reference(env, proxy, monkeypatch)
    # The first batch goes through; the second is refused on every attempt.
    proxy.reset(_nth("BatchWriteItem", lambda n: n >= 2, lambda c: dynamodb_error(THROTTLED, "Rate exceeded")))

    error = attempt("collect", DAY)

    assert error is not None and THROTTLED in str(error)
    refused = [c for c in proxy.ops("BatchWriteItem") if c.outcome == "reply 400"]
    assert len(refused) == ATTEMPTS, "botocore's standard mode: the first attempt and five retries"
    left = normalised(raw_items(env))
    assert 0 < len(left) < len(reference)
    assert _stored_subset(left, reference) == [], "what was stored is exactly what a clean run stores"
    assert build_store(env, SystemClock()).day(date(2021, 6, 1)).run is None, "the day is not marked collected"
    assert any("collect failed" in line and THROTTLED in line for line in observe.errors()), observe.errors()
    assert observe.metric("CollectFailures") == 1

    proxy.reset()
    assert attempt("collect", DAY) is None
    assert normalised(raw_items(env)) == reference
    ledger.record(
        "aws_faults",
        service="DynamoDB",
        fault=f"BatchWriteItem: {THROTTLED} on every attempt",
        outcome=f"failed after {len(refused)} attempts; {len(left)} of {len(reference)} items stored, no run record",
        logged_error=f"collect failed: ClientError ({THROTTLED})",
        metric="CollectFailures=1",
        lost=0,
        rerun_repairs=True,
        dangling_links=0,
    )
    ledger.record(
        "findings",
        finding="A collect or publish failing on AWS (throttling past botocore's retries, S3 500s, EventBridge "
        "refusing the event) left no log line or metric of the product's own: only the runtime's bare traceback",
        fix="handlers.py: a failed run logs one ERROR line ('collect failed' / 'publish failed') with the cause and "
        "adds CollectFailures / PublishFailures, then re-raises (Lambda Errors alarm, async retry, DLQ unchanged)",
        test="tests/reliability/test_aws_faults.py::"
        "test_batch_write_throttled_persistently_fails_clearly_keeps_what_was_stored_and_a_rerun_repairs",
    )


def _partial_batches(table: str, count: int) -> tuple[Callable[[Call], Any], list[list[dict]]]:
    """BatchWriteItem answered as DynamoDB does under pressure: moto gets every other item, the rest
    comes back in UnprocessedItems (the first `count` batches)."""
    held: list[list[dict]] = []

    def action(call: Call) -> Forward:
        kept: list[dict] = []

        def request(body: bytes) -> bytes:
            document = json.loads(body)
            writes = document["RequestItems"][table]
            kept[:] = writes[1::2]
            held.append(writes[1::2])
            document["RequestItems"][table] = writes[::2]
            return json.dumps(document).encode()

        def response(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
            document = json.loads(body)
            document["UnprocessedItems"] = {table: kept} if kept else {}
            new = json.dumps(document).encode()
            return status, with_crc32(headers, new), new

        return Forward(request=request, response=response)

    return _nth("BatchWriteItem", lambda n: n <= count, action), held


def test_unprocessed_items_are_resubmitted_with_backoff_and_none_is_lost(
    env: Settings,
    proxy: AwsFaultProxy,
    observe: Observed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = collect_reference(env, proxy, monkeypatch)
    rule, held = _partial_batches(env.table, count=2)
    proxy.reset(rule)

    assert attempt("collect", DAY) is None

    calls = proxy.ops("BatchWriteItem")
    sent = [json.loads(c.body)["RequestItems"][env.table] for c in calls]
    # The first batch came back half unprocessed; the next request is exactly those items (then
    # they come back half unprocessed again), after a pause: backoff, not a hot loop.
    assert sent[1] == held[0] and len(held[0]) >= 10
    assert sent[2] == held[1]
    assert calls[1].at - calls[0].at >= 0.09 and calls[2].at - calls[1].at >= 0.19
    assert normalised(raw_items(env)) == reference, "every item arrived"
    assert observe.errors() == []
    ledger.record(
        "aws_faults",
        service="DynamoDB",
        fault="BatchWriteItem: half of each of two batches returned as UnprocessedItems",
        outcome=f"completed: {len(held[0]) + len(held[1])} items resubmitted after "
        f"{calls[1].at - calls[0].at:.2f} s and {calls[2].at - calls[1].at:.2f} s of backoff",
        logged_error="none needed",
        lost=0,
        rerun_repairs=True,
        dangling_links=0,
    )


# ---------------------------------------------------------------- EventBridge


def test_put_events_500_once_is_retried(
    env: Settings,
    proxy: AwsFaultProxy,
    observe: Observed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = collect_reference(env, proxy, monkeypatch)
    proxy.reset(_nth("PutEvents", lambda n: n == 1, lambda c: events_error("InternalException", "Internal error")))

    assert attempt("collect", DAY) is None
    assert [c.outcome for c in proxy.ops("PutEvents")] == ["reply 500", "forwarded"]
    assert normalised(raw_items(env)) == reference
    assert observe.errors() == []
    ledger.record(
        "aws_faults",
        service="EventBridge",
        fault="PutEvents: one HTTP 500 InternalException",
        outcome="completed: botocore retried",
        logged_error="none needed",
        lost=0,
        rerun_repairs=True,
        dangling_links=0,
    )


FAILED_ENTRY = Reply(
    200,
    json.dumps(
        {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "Internal service error"}]}
    ).encode(),
    {"Content-Type": "application/x-amz-json-1.1"},
)


def test_put_events_failed_entry_once_is_put_again(
    env: Settings,
    proxy: AwsFaultProxy,
    observe: Observed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = collect_reference(env, proxy, monkeypatch)
    proxy.reset(_nth("PutEvents", lambda n: n == 1, lambda c: FAILED_ENTRY))

    assert attempt("collect", DAY) is None
    calls = proxy.ops("PutEvents")
    assert [c.outcome for c in calls] == ["reply 200", "forwarded"] and calls[0].body == calls[1].body
    assert normalised(raw_items(env)) == reference
    assert observe.errors() == []
    ledger.record(
        "aws_faults",
        service="EventBridge",
        fault="PutEvents: HTTP 200 with FailedEntryCount=1 (InternalFailure), once",
        outcome=f"completed: bus.py put the entry again after {calls[1].at - calls[0].at:.2f} s",
        logged_error="none needed",
        lost=0,
        rerun_repairs=True,
        dangling_links=0,
    )
    ledger.record(
        "findings",
        finding="PutEvents answering 200 with one failed entry (InternalFailure, which AWS documents as transient) "
        "failed the whole collect invocation; Lambda's retry then re-ran the collection, upstreams and arXiv included",
        fix="bus.py: entries failed with InternalFailure or ThrottlingException are put again (3 attempts, backoff "
        "on the collector's clock); other codes, or the last attempt, still raise BusError",
        test="tests/reliability/test_aws_faults.py::test_put_events_failed_entry_once_is_put_again",
    )


@pytest.mark.parametrize(
    ("fault", "action", "expected"),
    [
        (
            "PutEvents: HTTP 500 on every attempt",
            lambda c: events_error("InternalException", "Internal error"),
            "InternalException",
        ),
        (
            "PutEvents: HTTP 200 with FailedEntryCount=1 (InternalFailure) on every attempt",
            lambda c: FAILED_ENTRY,
            "BusError",
        ),
    ],
    ids=["500-persistent", "failed-entry"],
)
def test_put_events_refused_fails_clearly_keeps_the_day_and_a_rerun_announces_it(
    env: Settings,
    proxy: AwsFaultProxy,
    observe: Observed,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
    action: Callable[[Call], Any],
    expected: str,
) -> None:
    reference = collect_reference(env, proxy, monkeypatch)
    proxy.reset(_nth("PutEvents", lambda n: True, action))

    error = attempt("collect", DAY)

    assert error is not None and expected in f"{type(error).__name__}: {error}"
    tries = len(proxy.ops("PutEvents"))
    assert tries == (ATTEMPTS if expected == "InternalException" else 3), "botocore's retries, or bus.py's"
    assert normalised(raw_items(env)) == reference, "the day's data is stored in full before the announcement"
    assert any("collect failed" in line and expected in line for line in observe.errors()), observe.errors()
    assert observe.metric("CollectFailures") == 1

    proxy.reset()
    assert attempt("collect", DAY) is None
    assert [c.outcome for c in proxy.ops("PutEvents")] == ["forwarded"], "the re-run announces the day"
    assert normalised(raw_items(env)) == reference
    ledger.record(
        "aws_faults",
        service="EventBridge",
        fault=fault,
        outcome=f"failed after {tries} attempts, the whole day (run record included) stored first",
        logged_error=f"collect failed: {expected}",
        metric="CollectFailures=1",
        lost=0,
        rerun_repairs=True,
        dangling_links=0,
    )


# ---------------------------------------------------------------- S3


@pytest.mark.parametrize(
    ("fault", "key", "action", "expected"),
    [
        (
            "PutObject of the new day page: HTTP 500 InternalError on every attempt",
            "digests/2021-06-01/index.html",
            lambda c: s3_error("InternalError", "We encountered an internal error. Please try again.", 500),
            "InternalError",
        ),
        (
            "PutObject of the new archive month: connection dropped on every attempt",
            "archive/2021-06/index.html",
            lambda c: Drop(),
            "ConnectionClosedError",
        ),
        (
            "PutObject of the home page (last phase): HTTP 500 on every attempt",
            "index.html",
            lambda c: s3_error("InternalError", "We encountered an internal error. Please try again.", 500),
            "InternalError",
        ),
    ],
    ids=["day-page-500", "month-page-dropped", "index-500"],
)
def test_a_put_failing_half_way_through_a_publish_fails_clearly_never_dangles_and_a_rerun_repairs(
    env: Settings,
    proxy: AwsFaultProxy,
    observe: Observed,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
    key: str,
    action: Callable[[Call], Any],
    expected: str,
) -> None:
    states = publish_states(env, proxy, monkeypatch)
    before_etags = bucket_etags(env)
    proxy.reset(lambda call: action(call) if call.operation == "PutObject" and call.key == key else None)

    error = attempt("publish", DAY)

    assert error is not None and expected in f"{type(error).__name__}: {error}"
    refused = [c for c in proxy.ops("PutObject") if c.key == key]
    assert len(refused) == ATTEMPTS, "botocore's standard mode: the first attempt and five retries"
    puts_before_failure = len([c for c in proxy.ops("PutObject") if c.key != key])
    after_etags = bucket_etags(env)
    objects = _bodies.objects(env, after_etags)
    dangling = dangling_links(objects)
    assert dangling == [], dangling
    assert lost_objects(before_etags, after_etags, states.etags) == []
    assert lost_items(states.base_items, raw_items(env), states.items) == []
    assert any("publish failed" in line and expected in line for line in observe.errors()), observe.errors()
    assert observe.metric("PublishFailures") == 1

    proxy.reset()
    assert attempt("publish", DAY) is None
    assert bucket_etags(env) == states.etags
    assert raw_items(env) == states.items
    ledger.record(
        "aws_faults",
        service="S3",
        fault=fault,
        outcome=f"failed after {puts_before_failure} other PUTs; the site stayed consistent",
        logged_error=f"publish failed: {expected}",
        metric="PublishFailures=1",
        lost=0,
        rerun_repairs=True,
        dangling_links=len(dangling),
    )


def test_a_slowdown_once_is_retried_and_the_site_is_complete(
    env: Settings,
    proxy: AwsFaultProxy,
    observe: Observed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    states = publish_states(env, proxy, monkeypatch)
    proxy.reset(
        _nth("PutObject", lambda n: n == 3, lambda c: s3_error("SlowDown", "Please reduce your request rate.", 503))
    )

    assert attempt("publish", DAY) is None
    assert sum(c.outcome == "reply 503" for c in proxy.ops("PutObject")) == 1
    assert bucket_etags(env) == states.etags and raw_items(env) == states.items
    assert dangling_links(_bodies.objects(env)) == []
    assert observe.errors() == []
    ledger.record(
        "aws_faults",
        service="S3",
        fault="PutObject: one 503 SlowDown (the 3rd PUT)",
        outcome="completed: botocore retried",
        logged_error="none needed",
        lost=0,
        rerun_repairs=True,
        dangling_links=0,
    )


def test_a_later_publish_never_links_to_the_page_of_a_failed_publish_that_was_not_rerun(
    env: Settings,
    proxy: AwsFaultProxy,
    observe: Observed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A backfill whose page upload failed for good, and nobody re-ran it: the next day's publish
    lists the backfilled day (its digest and summary are stored) and must not link to nothing."""
    publish_states(env, proxy, monkeypatch)
    assert attempt("publish", DAY) is None
    for day in ("2021-05-20", "2021-06-02"):  # no sample post falls on them: empty, collected days
        assert attempt("collect", {"date": day}) is None
    page = "digests/2021-05-20/index.html"
    proxy.reset(
        lambda call: (
            s3_error("InternalError", "We encountered an internal error.", 500)
            if call.operation == "PutObject" and call.key == page
            else None
        )
    )
    assert attempt("publish", {"date": "2021-05-20"}) is not None
    assert page not in bucket_etags(env)

    proxy.reset()
    assert attempt("publish", {"date": "2021-06-02"}) is None

    objects = _bodies.objects(env)
    assert dangling_links(objects) == []
    assert page in objects, "the later publish rendered the page the failed one left out"
    ledger.record(
        "aws_faults",
        service="S3",
        fault="PutObject of a backfilled day's page: HTTP 500 on every attempt, never re-run; next day published",
        outcome="the backfill failed; the next publish rendered the missing page along with its own",
        logged_error="publish failed: InternalError",
        metric="PublishFailures=1",
        lost=0,
        rerun_repairs=True,
        dangling_links=0,
    )
    ledger.record(
        "findings",
        finding="A publish that failed after storing its digest (e.g. S3 refusing the day page) left the day in "
        "every later archive, feed and sitemap, linking to a page that was never uploaded unless that exact "
        "day was re-published",
        fix="publish.py: days whose page is missing from the bucket listing are rendered again by any publish "
        "(SiteBucket.has, site.day_page_key)",
        test="tests/reliability/test_aws_faults.py::"
        "test_a_later_publish_never_links_to_the_page_of_a_failed_publish_that_was_not_rerun",
    )
