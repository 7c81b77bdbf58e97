"""Weeks and months as values: an ISO week ("2021-W22") or a calendar month ("2021-06").

Pure standard library (the API parses period strings on its cold path). A week is an ISO 8601
week (`date.isocalendar`): Monday to Sunday, numbered within its ISO year, so 2020-12-31 and
2021-01-03 both fall in 2020-W53. The digest of a period is in `core/period_digest.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

PeriodKind = Literal["week", "month"]
KINDS: tuple[PeriodKind, ...] = ("week", "month")

_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})\Z")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})\Z")
# The same shapes for the OpenAPI document (`pattern`) and whoever validates before parsing.
WEEK_PATTERN = r"^[0-9]{4}-W[0-9]{2}$"
MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"


class PeriodError(ValueError):
    """A period string that is not a real ISO week or calendar month; the message says why."""


@dataclass(frozen=True, order=True)
class Period:
    """One ISO week or calendar month: its kind, its name and its first and last day (inclusive)."""

    first: date
    kind: PeriodKind
    name: str
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=offset) for offset in range((self.last - self.first).days + 1)]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def previous(self) -> Period:
        return period_of(self.kind, self.first - timedelta(days=1))

    def next(self) -> Period:
        return period_of(self.kind, self.last + timedelta(days=1))

    def __str__(self) -> str:
        return self.name


def week_of(day: date) -> Period:
    """The ISO week that holds `day`."""
    year, week, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    return Period(monday, "week", f"{year:04d}-W{week:02d}", monday + timedelta(days=6))


def month_of(day: date) -> Period:
    """The calendar month that holds `day`."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, "month", f"{day.year:04d}-{day.month:02d}", following - timedelta(days=1))


def period_of(kind: PeriodKind, day: date) -> Period:
    if kind == "week":
        return week_of(day)
    if kind == "month":
        return month_of(day)
    raise PeriodError(f"a period is a week or a month, not {kind!r}")


def parse_week(value: str) -> Period:
    """'2021-W22' → that ISO week; a malformed string or a week its year does not have → PeriodError."""
    found = _WEEK.match(value)
    if not found:
        raise PeriodError(f"a week is YYYY-Www (an ISO week, e.g. 2021-W22), got {value[:40]!r}")
    year, week = int(found[1]), int(found[2])
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        weeks = date(year, 12, 28).isocalendar().week if year >= 1 else 52
        raise PeriodError(f"{value!r} is not an ISO week: {year} has weeks W01 to W{weeks:02d}") from None
    return week_of(monday)


def parse_month(value: str) -> Period:
    """'2021-06' → that month; '2021-6', '2021-13' or '0000-01' → PeriodError."""
    found = _MONTH.match(value)
    if not found:
        raise PeriodError(f"a month is YYYY-MM (e.g. 2021-06), got {value[:40]!r}")
    try:
        first = date(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise PeriodError(f"{value!r} is not a calendar month: the month is 01 to 12, the year 0001 or later") from None
    return month_of(first)


def parse_period(kind: PeriodKind, value: str) -> Period:
    return parse_week(value) if kind == "week" else parse_month(value)


def periods_of(days: Iterable[date], kinds: Iterable[PeriodKind] = KINDS) -> list[Period]:
    """The distinct weeks and months that hold `days`, ordered (by first day, then kind)."""
    wanted = tuple(kinds)
    return sorted({period_of(kind, day) for day in days for kind in wanted})


def days_by_period(days: Iterable[date], kind: PeriodKind) -> Iterator[tuple[Period, list[date]]]:
    """`days` grouped by the period of `kind` that holds them, oldest period first, days ordered."""
    groups: dict[Period, list[date]] = {}
    for day in sorted(set(days)):
        groups.setdefault(period_of(kind, day), []).append(day)
    yield from sorted(groups.items())
