"""Listing views over day summaries: links to days and months, summary rows, newest-first and by-month order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from hotpapers.core.digest import DigestSummary
from hotpapers.publish.site.formatting import long_date, medium_date, month_name, short_date
from hotpapers.publish.site.keys import day_path, month_path, paper_anchors, paper_page_key, paper_path


@dataclass(frozen=True)
class DayLink:
    """A link to a day's page, with the day written the three ways pages show it."""

    day: date
    iso: str
    path: str
    long_date: str
    medium_date: str
    short_date: str


def day_link(day: date | None) -> DayLink | None:
    """The link to a day's page; None for no day (a listing's missing neighbour)."""
    if day is None:
        return None
    return DayLink(day, day.isoformat(), day_path(day), long_date(day), medium_date(day), short_date(day))


@dataclass(frozen=True)
class ListedDay:
    """A day a paper was listed on, as a paper's page and a week's or month's page link it.

    `score` stays a number; templates format it (the `count` filter).
    """

    link: DayLink
    anchor: str  # the paper's card id on that day's page
    rank: int
    score: int


@dataclass(frozen=True)
class SummaryRow:
    """A day in a listing: its link, its paper count and its top papers with their anchors and pages."""

    link: DayLink
    count: int
    candidates: int
    top: list[Any]  # SummaryPaper, with their anchors below
    anchors: list[str]
    pages: list[str | None]  # and their own pages (None: the paper gets none)


def summary_row(summary: DigestSummary, top: int) -> SummaryRow:
    """A day summary's row in a listing, showing its `top` papers."""
    anchors = paper_anchors(summary.papers)
    link = day_link(summary.day)
    assert link is not None
    papers = list(summary.papers[:top])
    pages = [paper_path(p.arxiv_id) if paper_page_key(p.arxiv_id) is not None else None for p in papers]
    return SummaryRow(link, len(summary.papers), summary.candidates, papers, anchors[:top], pages)


def newest_first(summaries: Iterable[DigestSummary]) -> list[DigestSummary]:
    """The summaries newest day first, one per day (a later summary of a day replaces an earlier one)."""
    by_day: dict[date, DigestSummary] = {}
    for summary in summaries:
        by_day[summary.day] = summary
    return [by_day[day] for day in sorted(by_day, reverse=True)]


def by_month(ordered: list[DigestSummary]) -> list[tuple[tuple[int, int], list[DigestSummary]]]:
    """The summaries grouped by (year, month), in the order of `ordered`."""
    months: dict[tuple[int, int], list[DigestSummary]] = {}
    for summary in ordered:
        months.setdefault((summary.day.year, summary.day.month), []).append(summary)
    return list(months.items())


@dataclass(frozen=True)
class MonthLink:
    """A link to a month of the archive."""

    year: int
    month: int
    name: str
    path: str


def month_link(year_month: tuple[int, int] | None) -> MonthLink | None:
    """The link to a month of the archive; None for no month."""
    if year_month is None:
        return None
    year, month = year_month
    return MonthLink(year, month, month_name(year, month), month_path(year, month))
