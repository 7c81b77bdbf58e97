"""The sample day's figures, a fixed clock and a view of the whole table, for the collect handler's tests."""

from __future__ import annotations

from datetime import UTC, datetime

from hotpapers.core import aws
from hotpapers.core.clock import FakeClock
from hotpapers.core.settings import Settings

SAMPLE_PAPERS = 17
SAMPLE_TWEETS = 21


def scan_table(settings: Settings) -> list[dict]:
    """Tests may Scan to see the whole table; the product never does."""
    db = aws.client("dynamodb", settings.endpoint_url, settings.region)
    items, params = [], {"TableName": settings.table}
    while True:
        page = db.scan(**params)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def fixed_clock() -> FakeClock:
    return FakeClock(datetime(2021, 6, 2, 9, 38, 11, tzinfo=UTC))
