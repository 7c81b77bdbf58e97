"""How dates, times and counts read on the pages and in the feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

MONTH_NAMES = (
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


def long_date(day: date) -> str:
    """'Tuesday, 1 June 2021': a day page's heading."""
    return f"{_WEEKDAYS[day.weekday()]}, {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def medium_date(day: date) -> str:
    """'1 June 2021'."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    """'Tue 1 Jun': a day in a compact listing."""
    return f"{_WEEKDAYS[day.weekday()][:3]} {day.day} {MONTH_NAMES[day.month - 1][:3]}"


def month_name(year: int, month: int) -> str:
    """'June 2021'."""
    return f"{MONTH_NAMES[month - 1]} {year}"


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC; a naive moment is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    """The moment in UTC as RFC 3339 to the second, as Atom and the sitemap write it."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def moment_text(moment: datetime) -> str:
    """'1 June 2021, 14:05 UTC'."""
    moment = as_utc(moment)
    return f"{medium_date(moment.date())}, {moment:%H:%M} UTC"


def day_updated_at(day: date, as_of: datetime | None) -> datetime:
    """A day's data time: its as_of, or the end of the day when none is known."""
    return as_utc(as_of) if as_of is not None else datetime.combine(day + timedelta(days=1), time(), UTC)


def join_and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'; '' for no items."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def format_count(value: int) -> str:
    """A count with thousands separators: '12,345'."""
    return f"{value:,}"


def pluralize(value: int, singular: str, plural: str) -> str:
    """'1 post', '12,345 posts': the count and the noun that agrees with it."""
    return f"{format_count(value)} {singular if value == 1 else plural}"
