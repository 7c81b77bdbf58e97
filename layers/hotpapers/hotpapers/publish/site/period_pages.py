"""Weekly and monthly digest pages (`weeks/2021-W22/`, `months/2021-06/`) and their links on other pages.

A period page lists the period's papers ranked by the sum of their daily scores with the day
page's paper cards (macros.html), each with the days it was listed on (links to its card on
those day pages). The front page's "this week" and "this month" are ranked from the day
summaries with the same rule (`core.period_digest.rank_period`), so they agree with the pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from hotpapers.core.calendar_periods import Period, month_of, periods_of, week_of
from hotpapers.core.digest import DigestSummary
from hotpapers.core.period_digest import PeriodDigest, rank_period
from hotpapers.publish.site.config import CACHE_PAST_DAY, CACHE_SHORT, SiteConfig, SiteObject
from hotpapers.publish.site.day_views import CategoryFilter, PaperView, paper_view
from hotpapers.publish.site.formatting import format_count, join_and, medium_date, moment_text, month_name, rfc3339
from hotpapers.publish.site.keys import month_digest_path, paper_anchor, paper_anchors, week_path
from hotpapers.publish.site.render import page_context, page_object
from hotpapers.publish.site.source_wording import source_label, source_order
from hotpapers.publish.site.summaries import ListedDay, day_link

HOME_PERIOD_PAPERS = 5  # how many of this week's and this month's top papers the front page shows


def period_path(period: Period) -> str:
    return week_path(period.name) if period.kind == "week" else month_digest_path(period.name)


@dataclass(frozen=True)
class PeriodLink:
    """A link to a week's or month's digest page, with its title and date range."""

    kind: str
    name: str
    path: str
    title: str  # "Week 22 of 2021", "June 2021"
    range_text: str  # "31 May 2021 to 6 June 2021"


def _period_title(period: Period) -> str:
    if period.kind == "week":
        year, week = period.name.split("-W")
        return f"Week {int(week)} of {year}"
    return month_name(period.first.year, period.first.month)


def period_link(period: Period | None) -> PeriodLink | None:
    """The link to a period's page; None for no period (a missing neighbour)."""
    if period is None:
        return None
    range_text = f"{medium_date(period.first)} to {medium_date(period.last)}"
    return PeriodLink(period.kind, period.name, period_path(period), _period_title(period), range_text)


@dataclass(frozen=True)
class _PeriodPaper:
    card: PaperView
    days: list[ListedDay]


@dataclass(frozen=True)
class _PeriodView:
    link: PeriodLink
    first_iso: str
    last_iso: str
    first_text: str
    last_text: str
    papers: list[_PeriodPaper]
    candidates: int
    min_score: int
    day_count: int
    sources_text: str
    as_of_iso: str | None
    as_of_text: str | None
    has_x_posts: bool


def _listed_day(day: date, arxiv_id: str, rank: int, score: int) -> ListedDay:
    link = day_link(day)
    assert link is not None
    # A day page's card ids come from `paper_anchors`; normalised arXiv ids never collide there,
    # so a paper's anchor on any day is its id's.
    return ListedDay(link, paper_anchor(arxiv_id), rank, score)


def _period_view(digest: PeriodDigest, linkable: CategoryFilter = None) -> _PeriodView:
    ranked = digest.ranked
    anchors = paper_anchors(ranked)
    papers = [
        _PeriodPaper(
            paper_view(entry.paper, anchor, linkable),
            [_listed_day(d.day, entry.paper.arxiv_id, d.rank, d.score) for d in entry.days],
        )
        for entry, anchor in zip(digest.papers, anchors, strict=True)
    ]
    link = period_link(digest.period)
    assert link is not None
    sources = [source_label(s) for s in source_order({s for paper in ranked for s in paper.engagement})]
    return _PeriodView(
        link=link,
        first_iso=digest.period.first.isoformat(),
        last_iso=digest.period.last.isoformat(),
        first_text=medium_date(digest.period.first),
        last_text=medium_date(digest.period.last),
        papers=papers,
        candidates=digest.candidates,
        min_score=digest.config.min_score,
        day_count=len(digest.days),
        sources_text=join_and(sources),
        as_of_iso=rfc3339(digest.as_of) if digest.as_of else None,
        as_of_text=moment_text(digest.as_of) if digest.as_of else None,
        has_x_posts=any(post.source == "x" for paper in ranked for post in paper.top_posts),
    )


def render_period(
    digest: PeriodDigest,
    previous: Period | None,
    following: Period | None,
    latest_day: date,
    site: SiteConfig,
    category_linkable: CategoryFilter = None,
) -> SiteObject:
    """`weeks/W/index.html` or `months/M/index.html`: the period's ranked papers, their days, prev/next links.

    A period that ended before the newest digest's day changes only when one of its days is
    collected again: cached like a past day. The open one is cached briefly. (Decided from the
    data, not the clock, so the same data renders the same page.)
    """
    view = _period_view(digest, category_linkable)
    widgets = site.x_widgets and view.has_x_posts
    cache = CACHE_PAST_DAY if digest.period.last < latest_day else CACHE_SHORT
    return page_object(
        view.link.path,
        "period.html",
        site,
        cache,
        period=view,
        prev=period_link(previous),
        next=period_link(following),
        **page_context(site, widgets),
    )


# ---------------------------------------------------------------- on the front page, the archive and the sitemap


@dataclass(frozen=True)
class _TopEntry:
    rank: int
    title: str
    score: str
    anchor: str  # the paper's card on the period page


@dataclass(frozen=True)
class _PeriodTop:
    link: PeriodLink
    papers: list[_TopEntry]


def _period_top(period: Period, summaries: Sequence[DigestSummary], min_score: int) -> _PeriodTop:
    listings = [(s.day, s.papers) for s in summaries if s.day in period]
    ranked = rank_period(listings, min_score)[:HOME_PERIOD_PAPERS]
    ids = [arxiv_id for arxiv_id, _, _ in ranked]
    anchors = [paper_anchor(arxiv_id) for arxiv_id in ids]  # as `paper_anchors` gives them, ids being unique
    papers = [
        _TopEntry(rank, entries[-1][1].title, format_count(total), anchor)
        for rank, ((_, total, entries), anchor) in enumerate(zip(ranked, anchors, strict=True), start=1)
    ]
    link = period_link(period)
    assert link is not None
    return _PeriodTop(link, papers)


def home_periods(latest_day: date | None, summaries: Sequence[DigestSummary], min_score: int) -> list[_PeriodTop]:
    """This week's and this month's top papers (the week and month of the newest digest)."""
    if latest_day is None:
        return []
    return [_period_top(period, summaries, min_score) for period in (week_of(latest_day), month_of(latest_day))]


def period_paths(days: Iterable[date]) -> list[tuple[str, date]]:
    """Every period page the site has for these days, with the newest day it holds (for the sitemap)."""
    newest: dict[Period, date] = {}
    for day in days:
        for period in (week_of(day), month_of(day)):
            if period not in newest or day > newest[period]:
                newest[period] = day
    return [(period_path(period), newest[period]) for period in sorted(newest)]


def weeks_of_month(year: int, month: int, days: Iterable[date]) -> list[PeriodLink]:
    """The weeks with a digest day in this month, for the archive's month page."""
    weeks = periods_of((day for day in days if (day.year, day.month) == (year, month)), kinds=("week",))
    return [link for link in map(period_link, weeks) if link is not None]
