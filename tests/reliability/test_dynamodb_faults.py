"""DynamoDB faults: the real collect handler against moto, through a proxy that fails chosen BatchWriteItem calls.

The proxy answers with DynamoDB's own error shape (its JSON body and x-amzn-ErrorType), or rewrites a
BatchWriteItem so that moto applies only part of the batch and the rest comes back as UnprocessedItems.
For every fault: the run completes, or fails with an ERROR log line naming the cause and a failure
metric; nothing stored before is lost or corrupted; a plain re-run repairs (the final state equals a
clean run's). The runs, the clean reference and the loss checks: tests/support/aws_fault_runs.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from hotpapers.core.clock import SystemClock
from hotpapers.core.settings import Settings
from hotpapers.core.store import build_store
from tests.support import ledger
from tests.support.aws_fault_runs import (
    ATTEMPTS,
    DAY,
    Observed,
    attempt,
    collect_reference,
    nth_call,
    stored_subset,
)
from tests.support.aws_faults import normalised, raw_items
from tests.support.aws_proxy import AwsFaultProxy, Call, Forward, dynamodb_error, with_crc32

pytestmark = [pytest.mark.reliability, pytest.mark.integration]


THROTTLED = "ProvisionedThroughputExceededException"


def test_batch_write_throttled_once_is_retried_and_the_day_is_complete(
    env: Settings,
    proxy: AwsFaultProxy,
    observe: Observed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = collect_reference(env, proxy, monkeypatch)
    proxy.reset(nth_call("BatchWriteItem", lambda n: n == 1, lambda c: dynamodb_error(THROTTLED, "Rate exceeded")))

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
    proxy.reset(nth_call("BatchWriteItem", lambda n: n >= 2, lambda c: dynamodb_error(THROTTLED, "Rate exceeded")))

    error = attempt("collect", DAY)

    assert error is not None and THROTTLED in str(error)
    refused = [c for c in proxy.ops("BatchWriteItem") if c.outcome == "reply 400"]
    assert len(refused) == ATTEMPTS, "botocore's standard mode: the first attempt and five retries"
    left = normalised(raw_items(env))
    assert 0 < len(left) < len(reference)
    assert stored_subset(left, reference) == [], "what was stored is exactly what a clean run stores"
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
        test="tests/reliability/test_dynamodb_faults.py::"
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

    return nth_call("BatchWriteItem", lambda n: n <= count, action), held


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
