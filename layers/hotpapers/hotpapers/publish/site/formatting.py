"""How dates, times and counts read on the pages and in the feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _long_date(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _medium_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _short_date(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()][:3]} {day.day} {_MONTHS[day.month - 1][:3]}"


def _month_name(year: int, month: int) -> str:
    return f"{_MONTHS[month - 1]} {year}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _rfc3339(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment_text(moment: datetime) -> str:
    moment = _utc(moment)
    return f"{_medium_date(moment.date())}, {moment:%H:%M} UTC"


def _day_updated(day: date, as_of: datetime | None) -> datetime:
    """A day's data time: its as_of, or the end of the day when none is known."""
    return _utc(as_of) if as_of is not None else datetime.combine(day + timedelta(days=1), time(), UTC)


def _join_and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _count(value: int) -> str:
    return f"{value:,}"


def _plural(value: int, singular: str, plural: str) -> str:
    return f"{_count(value)} {singular if value == 1 else plural}"
