"""Batch writes against a DynamoDB stand-in that throttles: nothing is lost, requests are counted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hotpapers.core.clock import FakeClock
from hotpapers.core.records import FetchedPaper
from hotpapers.core.store import Store, StoreError
from tests.support.doubles import paper

pytestmark = pytest.mark.unit
FETCHED_AT = datetime(2021, 6, 1, 12, tzinfo=UTC)


class ThrottlingDynamo:
    """Accepts all but the last `refuse` items of each of the first `throttled_calls` requests."""

    def __init__(self, refuse: int, throttled_calls: int) -> None:
        self.refuse, self.throttled_calls = refuse, throttled_calls
        self.calls: list[int] = []
        self.stored: dict[tuple[str, str], dict[str, Any]] = {}

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:  # noqa: N803
        ((table, requests),) = RequestItems.items()
        self.calls.append(len(requests))
        refused = requests[-self.refuse :] if len(self.calls) <= self.throttled_calls else []
        for request in requests[: len(requests) - len(refused)]:
            item = request["PutRequest"]["Item"]
            self.stored[(item["PK"]["S"], item["SK"]["S"])] = item
        return {"UnprocessedItems": {table: refused} if refused else {}}


def records(count: int) -> list[FetchedPaper]:
    """`count` papers' metadata: one item each."""
    return [FetchedPaper(paper(f"2105.{n:05d}"), FETCHED_AT) for n in range(count)]


def test_unprocessed_items_are_retried_with_backoff_until_all_are_stored():
    db, clock = ThrottlingDynamo(refuse=5, throttled_calls=2), FakeClock()
    store = Store("t", db, clock)

    stats = store.write(records(60))

    assert len(db.stored) == 60
    assert stats.items == 60
    # The 5 refused of batch 1 are retried alone, refused again, then accepted; then batches 2 and 3.
    assert db.calls == [25, 5, 5, 25, 10]
    assert clock.sleeps == [0.1, 0.2]  # exponential backoff between the retries


def test_a_table_that_never_accepts_raises_instead_of_reporting_success():
    db = ThrottlingDynamo(refuse=25, throttled_calls=100)
    store = Store("t", db, FakeClock(), max_attempts=3)

    with pytest.raises(StoreError, match="25 items still unprocessed after 3 attempts"):
        store.write(records(25))


def test_one_write_may_not_hold_the_same_key_twice():
    store = Store("t", ThrottlingDynamo(0, 0), FakeClock())
    with pytest.raises(ValueError, match="duplicate item key"):
        store.write([*records(1), *records(1)])
