"""Parse the collector's invocation events into a typed request, or reject them clearly.

Accepted shapes (see events/):
- by hand: ``{"date": "2021-06-01"}``, ``{"from": "2021-06-01", "to": "2021-06-07"}``,
  each with an optional ``"sources": ["x", "hackernews"]``;
- EventBridge Scheduler (ScheduleV2): ``{"scheduled_time": "2021-06-02T00:30:00Z"}``;
- a classic EventBridge scheduled event (``"detail-type": "Scheduled Event"``).
Scheduled invocations collect the UTC day before the scheduled time, so a
retry of the same schedule collects the same day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .sources import SOURCE_NAMES

MAX_RANGE_DAYS = 31  # one invocation must fit the 15-minute Lambda limit
EARLIEST_DAY = date(1991, 8, 14)  # arXiv's first paper


class InvalidEvent(ValueError):
    """The event does not say which day(s) to collect in a form we accept."""


@dataclass(frozen=True)
class CollectRequest:
    days: tuple[date, ...]
    sources: tuple[str, ...] | None  # None: the configured default
    trigger: str  # manual | schedule


def parse_collect_event(event: Any, today: date) -> CollectRequest:
    if not isinstance(event, dict):
        raise InvalidEvent(f"the event must be a JSON object, got {type(event).__name__}")

    sources = _parse_sources(event.get("sources"))

    if "scheduled_time" in event or event.get("detail-type") == "Scheduled Event":
        raw = event.get("scheduled_time", event.get("time"))
        scheduled = _parse_timestamp(raw, "scheduled_time" if "scheduled_time" in event else "time")
        return CollectRequest((scheduled.date() - timedelta(days=1),), sources, "schedule")

    days = _parse_days(event, today)
    if days is None:
        raise InvalidEvent(
            'the event names no day: expected {"date": "YYYY-MM-DD"}, {"from": …, "to": …}, '
            'or a scheduled event with "scheduled_time"'
        )
    return CollectRequest(days, sources, "manual")


def _parse_days(event: dict[str, Any], today: date) -> tuple[date, ...] | None:
    """The day(s) of {"date"} or {"from", "to"} (inclusive), or None when the event names none."""
    if "date" in event:
        if "from" in event or "to" in event:
            raise InvalidEvent('give either "date" or "from"/"to", not both')
        return (_parse_day(event["date"], "date", today),)
    if "from" in event or "to" in event:
        if "from" not in event or "to" not in event:
            raise InvalidEvent('a range needs both "from" and "to" (YYYY-MM-DD, inclusive)')
        first = _parse_day(event["from"], "from", today)
        last = _parse_day(event["to"], "to", today)
        if last < first:
            raise InvalidEvent(f'"to" ({last}) is before "from" ({first})')
        span = (last - first).days + 1
        if span > MAX_RANGE_DAYS:
            raise InvalidEvent(
                f"a range covers at most {MAX_RANGE_DAYS} days per invocation, this one covers {span}; split it"
            )
        return tuple(first + timedelta(days=n) for n in range(span))
    return None


def _parse_day(value: Any, field: str, today: date) -> date:
    if not isinstance(value, str):
        raise InvalidEvent(f'"{field}" must be a YYYY-MM-DD string, got {value!r}')
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidEvent(f'"{field}" must be a date as YYYY-MM-DD, got {value!r}') from None
    if len(value) != 10:
        raise InvalidEvent(f'"{field}" must be a date as YYYY-MM-DD, got {value!r}')
    if day > today:
        raise InvalidEvent(f'"{field}" is {day}, a day that has not begun yet (today is {today} UTC)')
    if day < EARLIEST_DAY:
        raise InvalidEvent(f'"{field}" is {day}, before arXiv existed')
    return day


def _parse_timestamp(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidEvent(f'"{field}" must be an RFC 3339 timestamp, got {value!r}')
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEvent(f'"{field}" must be an RFC 3339 timestamp, got {value!r}') from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _parse_sources(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(name, str) for name in value):
        raise InvalidEvent('"sources" must be a non-empty list of source names')
    unknown = [name for name in value if name not in SOURCE_NAMES]
    if unknown:
        raise InvalidEvent(f"unknown source(s) {', '.join(map(repr, unknown))}; choose from {', '.join(SOURCE_NAMES)}")
    return tuple(dict.fromkeys(value))


@dataclass(frozen=True)
class PublishRequest:
    days: tuple[date, ...]
    everything: bool  # rebuild every collected day and the whole archive
    trigger: str  # collect-finished | manual


def parse_publish_event(event: Any, today: date) -> PublishRequest:
    """The collector's "Collect Finished" event, or by hand {"date"}, {"from","to"} or {"all": true}."""
    if not isinstance(event, dict):
        raise InvalidEvent(f"the event must be a JSON object, got {type(event).__name__}")
    if event.get("detail-type") == "Collect Finished":
        detail = event.get("detail")
        if not isinstance(detail, dict):
            raise InvalidEvent('a "Collect Finished" event needs a "detail" object')
        return PublishRequest((_parse_day(detail.get("date"), "detail.date", today),), False, "collect-finished")
    if event.get("all") is True:
        if "date" in event or "from" in event or "to" in event:
            raise InvalidEvent('give "all" alone, without "date" or "from"/"to"')
        return PublishRequest((), True, "manual")
    if "all" in event:
        raise InvalidEvent(f'"all" must be true, got {event["all"]!r}')
    if "sources" in event:
        raise InvalidEvent('"sources" is for the collector; the publisher ranks every collected source')
    days = _parse_days(event, today)
    if days is None:
        raise InvalidEvent(
            'the event names no day: expected {"date": "YYYY-MM-DD"}, {"from": …, "to": …}, {"all": true}, '
            'or a "Collect Finished" event'
        )
    return PublishRequest(days, False, "manual")
