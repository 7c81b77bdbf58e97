"""The listing pages: the archive (all days by month) and the category pages (all papers by category)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from hotpapers.core.calendar_periods import month_of
from hotpapers.core.digest import DigestSummary
from hotpapers.publish.site.categories import CATEGORY_NAMES, GROUP_ORDER, archive_group
from hotpapers.publish.site.config import SiteConfig, SiteObject
from hotpapers.publish.site.keys import (
    category_feed_key,
    category_path,
    is_valid_category,
    paper_anchors,
    paper_page_key,
    paper_path,
)
from hotpapers.publish.site.period_pages import period_link, weeks_of_month
from hotpapers.publish.site.render import page_context, page_object
from hotpapers.publish.site.summaries import (
    DayLink,
    by_month,
    day_link,
    month_link,
    newest_first,
    summary_row,
)

CATEGORY_PAGE_SIZE = 100


def render_archive(summaries: list[DigestSummary], site: SiteConfig) -> list[SiteObject]:
    """`archive/index.html` (every day by month, newest first) and `archive/YYYY-MM/index.html` per month."""
    ordered = newest_first(summaries)
    months = by_month(ordered)
    context = page_context(site)
    groups = [
        {
            "link": month_link(ym),
            "digest": period_link(month_of(days[0].day)),
            "rows": [summary_row(s, 1) for s in days],
            "papers": sum(len(s.papers) for s in days),
        }
        for ym, days in months
    ]
    objects = [
        page_object(
            "archive/",
            "archive.html",
            site,
            months=groups,
            days=len(ordered),
            papers=sum(len(s.papers) for s in ordered),
            **context,
        )
    ]
    for index, (ym, days) in enumerate(months):
        newer = months[index - 1][0] if index > 0 else None
        older = months[index + 1][0] if index + 1 < len(months) else None
        link = month_link(ym)
        assert link is not None
        objects.append(
            page_object(
                link.path,
                "archive_month.html",
                site,
                month=link,
                digest=period_link(month_of(days[0].day)),
                weeks=weeks_of_month(*ym, (s.day for s in days)),
                rows=[summary_row(s, 3) for s in days],
                newer=month_link(newer),
                older=month_link(older),
                **context,
            )
        )
    return objects


@dataclass(frozen=True)
class CategoryEntry:
    """A paper listed in a category: its day, rank, title, score, and its other categories."""

    link: DayLink
    rank: int
    title: str
    anchor: str
    page: str | None  # the paper's own page; None where it gets none
    score: int
    primary: bool
    others: list[str]


@dataclass
class CategoryListing:
    """A category's papers, newest first, and how many list it first (its primary entries)."""

    name: str
    description: str | None
    group: str
    entries: list[CategoryEntry] = field(default_factory=list)
    primary: int = 0


def category_listings(summaries: list[DigestSummary]) -> list[CategoryListing]:
    """Every category with a valid name and its papers, newest day first, sorted by name."""
    listings: dict[str, CategoryListing] = {}
    for summary in newest_first(summaries):
        link = day_link(summary.day)
        assert link is not None
        anchors = paper_anchors(summary.papers)
        for paper, anchor in zip(summary.papers, anchors, strict=True):
            categories = list(dict.fromkeys(paper.categories))
            page = paper_path(paper.arxiv_id) if paper_page_key(paper.arxiv_id) is not None else None
            for position, category in enumerate(categories):
                if not is_valid_category(category):
                    continue
                listing = listings.get(category)
                if listing is None:
                    listing = listings[category] = CategoryListing(
                        category, CATEGORY_NAMES.get(category), archive_group(category)
                    )
                listing.primary += position == 0
                listing.entries.append(
                    CategoryEntry(
                        link=link,
                        rank=paper.rank,
                        title=paper.title,
                        anchor=anchor,
                        page=page,
                        score=paper.score,
                        primary=position == 0,
                        others=[c for c in categories if c != category],
                    )
                )
    return [listings[name] for name in sorted(listings, key=lambda n: (n.lower(), n))]


def archived_pages(entries: int) -> int:
    """How many archive pages a category has: full blocks of CATEGORY_PAGE_SIZE, counted from its oldest entry.

    The category's index shows the newest entries; everything older sits on pages
    numbered from the oldest, each holding a fixed block, so a new day's papers
    never shift an archived page and a daily publish re-uploads only the index.
    A category that fits its index has no archive pages.
    """
    return entries // CATEGORY_PAGE_SIZE if entries > CATEGORY_PAGE_SIZE else 0


def _archived_block(entries: list[CategoryEntry], number: int) -> list[CategoryEntry]:
    """Archive page `number` (1 = oldest) of newest-first `entries`, newest first."""
    end = len(entries) - (number - 1) * CATEGORY_PAGE_SIZE
    return entries[end - CATEGORY_PAGE_SIZE : end]


def render_categories(
    summaries: list[DigestSummary], site: SiteConfig, feedless: Collection[str] = frozenset()
) -> list[SiteObject]:
    """`categories/index.html` and, per category, `categories/<cat>/index.html` (+ `page/N/` archive pages).

    A category's page lists every paper filed under it, newest day first:
    those with it as their primary category and those cross-listed to it
    (marked), so every category link on a day page leads somewhere. Past 100
    entries, the index keeps the newest 100 and fixed blocks of 100, numbered
    from the oldest, hold the rest (`archived_pages`).

    A category's index links its Atom feed, except the categories in `feedless`: the publisher
    puts a new category's page up before its feed exists, then again with the link.
    """
    listings = category_listings(summaries)
    context = page_context(site)
    groups = []
    for group in GROUP_ORDER:
        members = [listing for listing in listings if listing.group == group]
        if members:
            groups.append({"name": group, "listings": members})
    objects = [
        page_object(
            "categories/",
            "categories.html",
            site,
            groups=groups,
            total=len(listings),
            **context,
        )
    ]
    for listing in listings:
        archived = archived_pages(len(listing.entries))
        blocks = {number: _archived_block(listing.entries, number) for number in range(1, archived + 1)}
        archive = [
            {
                "path": category_path(listing.name, number),
                "number": number,
                "first": block[-1].link,
                "last": block[0].link,
            }  # fmt: skip
            for number, block in sorted(blocks.items(), reverse=True)
        ]
        objects.append(
            page_object(
                category_path(listing.name),
                "category.html",
                site,
                listing=listing,
                entries=listing.entries[:CATEGORY_PAGE_SIZE],
                block=None,
                index=category_path(listing.name),
                archive=archive,
                older=category_path(listing.name, archived) if archived else None,
                newer=None,
                feed=None if listing.name in feedless else category_feed_key(listing.name),
                **context,
            )
        )
        for number, block in blocks.items():
            objects.append(
                page_object(
                    category_path(listing.name, number),
                    "category.html",
                    site,
                    listing=listing,
                    entries=block,
                    # Nothing that grows with the category (totals, the page count) is printed
                    # here: the page stays byte-identical until its own days change.
                    block={"number": number, "first": block[-1].link, "last": block[0].link},
                    index=category_path(listing.name),
                    archive=None,
                    older=category_path(listing.name, number - 1) if number > 1 else None,
                    newer=category_path(listing.name, number + 1 if number < archived else None),
                    feed=None,
                    **context,
                )
            )
    return objects
