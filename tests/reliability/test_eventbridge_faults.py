"""EventBridge faults: the real collect handler against moto, through a proxy that fails chosen PutEvents calls.

The proxy answers with EventBridge's own shapes: an HTTP 500, or a 200 whose FailedEntryCount says the
entry was not put. For every fault: the run completes, or fails with an ERROR log line naming the cause
and a failure metric, the day's data stored in full first; a plain re-run announces the day. The runs,
the clean reference and the loss checks: tests/support/aws_fault_runs.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from hotpapers.core.settings import Settings
from tests.support import ledger
from tests.support.aws_fault_runs import ATTEMPTS, DAY, Observed, attempt, collect_reference, nth_call
from tests.support.aws_faults import normalised, raw_items
from tests.support.aws_proxy import AwsFaultProxy, Call, Reply, events_error

pytestmark = [pytest.mark.reliability, pytest.mark.integration]


def test_put_events_500_once_is_retried(
    env: Settings,
    proxy: AwsFaultProxy,
    observe: Observed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = collect_reference(env, proxy, monkeypatch)
    proxy.reset(nth_call("PutEvents", lambda n: n == 1, lambda c: events_error("InternalException", "Internal error")))

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
    proxy.reset(nth_call("PutEvents", lambda n: n == 1, lambda c: FAILED_ENTRY))

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
        test="tests/reliability/test_eventbridge_faults.py::test_put_events_failed_entry_once_is_put_again",
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
    proxy.reset(nth_call("PutEvents", lambda n: True, action))

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
