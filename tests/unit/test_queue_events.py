"""SQS events: the collect queue's records (one day each) and the publish queue's batches."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from hotpapers.core.events import (
    InvalidEvent,
    is_sqs_event,
    parse_collect_record,
    parse_publish_event,
    sqs_records,
)

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 26)


def record(body: Any, message_id: str = "m-1") -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": "handle",
        "body": body if isinstance(body, str) else json.dumps(body),
        "attributes": {"MessageGroupId": "collect"},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:hotpapers-collect-prod.fifo",
    }


def collect_finished(day: str) -> dict[str, Any]:
    return {"source": "hotpapers.collect", "detail-type": "Collect Finished", "detail": {"date": day}}


def test_a_collect_message_names_one_day_with_its_sources() -> None:
    event = {"Records": [record({"date": "2021-06-01", "sources": ["hackernews"]})]}
    assert is_sqs_event(event)
    (parsed,) = sqs_records(event)
    request = parse_collect_record(parsed, TODAY)
    assert (request.days, request.sources, request.trigger) == ((date(2021, 6, 1),), ("hackernews",), "queue")


def test_the_schedules_message_collects_the_day_before_its_time() -> None:
    (parsed,) = sqs_records({"Records": [record({"scheduled_time": "2026-11-26T00:30:00Z"})]})
    request = parse_collect_record(parsed, TODAY)
    assert (request.days, request.trigger) == ((date(2026, 11, 25),), "schedule")


def test_multiple_records_keep_their_order_and_ids() -> None:
    event = {"Records": [record({"date": f"2021-06-0{n}"}, f"m-{n}") for n in (3, 1, 2)]}
    assert [(r.message_id, json.loads(r.body)["date"]) for r in sqs_records(event)] == [
        ("m-3", "2021-06-03"),
        ("m-1", "2021-06-01"),
        ("m-2", "2021-06-02"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "the body is not JSON"),
        ({"from": "2021-06-01", "to": "2021-06-02"}, "names 2 days; a queue message names one day"),
        ({"date": "2099-01-01"}, "has not begun yet"),
        ({"date": "2021-06-01", "soruces": ["x"]}, "unknown key"),
        ([], "must be a JSON object"),
    ],
)
def test_a_malformed_collect_message_is_refused_naming_the_message(body: Any, message: str) -> None:
    (parsed,) = sqs_records({"Records": [record(body, "bad-1")]})
    with pytest.raises(InvalidEvent, match=message) as refused:
        parse_collect_record(parsed, TODAY)
    assert "'bad-1'" in str(refused.value)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"Records": []}, "non-empty"),
        ({"Records": "x"}, "non-empty"),
        ({"Records": [record({"date": "2021-06-01"}) | {"eventSource": "aws:sns"}]}, "not an SQS record"),
        ({"Records": [{k: v for k, v in record({}).items() if k != "messageId"}]}, 'no "messageId"'),
        ({"Records": [record({}) | {"body": None}]}, 'no string "body"'),
        ({"Records": [record({})], "extra": 1}, "unknown key"),
    ],
)
def test_a_broken_envelope_is_refused_as_a_whole(event: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidEvent, match=message):
        sqs_records(event)


def test_a_direct_event_is_not_an_sqs_event() -> None:
    assert not is_sqs_event({"date": "2021-06-01"})
    assert not is_sqs_event({"Records": [{"eventSource": "aws:s3"}]})
    assert not is_sqs_event(None)


def test_a_publish_batch_covers_the_set_of_its_days_and_lists_bad_records() -> None:
    event = {
        "Records": [
            record(collect_finished("2021-06-02"), "a"),
            record(collect_finished("2021-06-01"), "b"),
            record(collect_finished("2021-06-02"), "c"),  # the same day twice: published once
            record({"detail-type": "Something Else"}, "d"),
            record(collect_finished("2021-6-3"), "e"),
            record("{", "f"),
        ]
    }
    request = parse_publish_event(event, TODAY)
    assert request.days == (date(2021, 6, 1), date(2021, 6, 2))
    assert (request.everything, request.trigger) == (False, "queue")
    assert [(r.message_id, r.reason) for r in request.rejected] == [
        ("d", 'the body is neither a "Collect Finished" event nor a rebuild shard'),
        ("e", "\"detail.date\" must be a date as YYYY-MM-DD, got '2021-6-3'"),
        ("f", "the body is not JSON"),
    ]


def test_the_direct_publish_shapes_still_parse() -> None:
    assert parse_publish_event(collect_finished("2021-06-01"), TODAY).trigger == "collect-finished"
    assert parse_publish_event({"date": "2021-06-01"}, TODAY).rejected == ()
