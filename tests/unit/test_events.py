"""Which day each kind of collector event asks for."""

from __future__ import annotations

from datetime import date

import pytest

from hotpapers.core.events import InvalidEvent, parse_collect_event

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 26)


def test_scheduler_v2_collects_the_utc_day_before_the_scheduled_time():
    request = parse_collect_event({"scheduled_time": "2026-11-26T00:30:00Z"}, TODAY)
    assert request.days == (date(2026, 11, 25),) and request.trigger == "schedule"


def test_scheduled_time_with_an_offset_is_read_in_utc():
    # 01:30 at +02:00 is 23:30 UTC the day before, so the day before *that* is collected.
    request = parse_collect_event({"scheduled_time": "2026-11-26T01:30:00+02:00"}, TODAY)
    assert request.days == (date(2026, 11, 24),)


def test_classic_scheduled_event_uses_its_time():
    event = {"detail-type": "Scheduled Event", "source": "aws.events", "time": "2021-06-02T00:30:00Z", "detail": {}}
    assert parse_collect_event(event, TODAY).days == (date(2021, 6, 1),)


def test_a_range_is_inclusive_and_sources_are_deduplicated():
    request = parse_collect_event({"from": "2021-05-30", "to": "2021-06-01", "sources": ["x", "x", "bluesky"]}, TODAY)
    assert request.days == (date(2021, 5, 30), date(2021, 5, 31), date(2021, 6, 1))
    assert request.sources == ("x", "bluesky")


def test_today_may_be_collected_but_not_tomorrow():
    assert parse_collect_event({"date": "2026-11-26"}, TODAY).days == (TODAY,)
    with pytest.raises(InvalidEvent, match="has not begun"):
        parse_collect_event({"date": "2026-11-27"}, TODAY)
