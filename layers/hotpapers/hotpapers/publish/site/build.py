"""`render_site`: every object of the site from digests and summaries, in upload order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from hotpapers.core.calendar_periods import KINDS, period_of
from hotpapers.core.digest import Digest, DigestSummary
from hotpapers.core.history import paper_histories
from hotpapers.core.period_digest import build_period_digest
from hotpapers.publish.site.config import SiteConfig, SiteObject
from hotpapers.publish.site.feeds import render_category_feeds, render_feed, render_feeds_page, render_sitemaps
from hotpapers.publish.site.listings import render_archive, render_categories
from hotpapers.publish.site.papers import render_paper_pages
from hotpapers.publish.site.period_pages import render_period
from hotpapers.publish.site.standalone_pages import (
    render_404,
    render_day,
    render_favicon,
    render_index,
    render_robots,
    render_stylesheet,
)


def _period_pages(digests: Mapping[date, Digest], days: Sequence[date], site: SiteConfig) -> list[SiteObject]:
    """Every week's and month's page (after the day pages they link, before the listings that link them).

    Ranked with the newest digest's settings; their Markdown exports are the publisher's.
    """
    if not digests:
        return []
    config = digests[max(digests)].config
    objects = []
    for kind in KINDS:
        periods = sorted({period_of(kind, day) for day in days})
        for index, period in enumerate(periods):
            previous = periods[index - 1] if index > 0 else None
            following = periods[index + 1] if index + 1 < len(periods) else None
            digest = build_period_digest(period, digests, config)
            objects.append(render_period(digest, previous, following, days[-1], site))
    return objects


def render_site(
    digests: Mapping[date, Digest], summaries: Sequence[DigestSummary], site: SiteConfig
) -> list[SiteObject]:
    """Everything, in upload order: stylesheet and icon, day pages, paper pages, week and month pages, listings,
    then what links to them.

    A paper gets its page when every day it was listed on is in `digests` (a partial set renders
    the pages it can whole, never a page missing some of its days).
    """
    summaries = list(summaries)
    days = sorted({s.day for s in summaries} | set(digests))
    objects = [render_stylesheet(), render_favicon()]
    for index, day in enumerate(days):
        if day in digests:
            prev_day = days[index - 1] if index > 0 else None
            next_day = days[index + 1] if index + 1 < len(days) else None
            objects += render_day(digests[day], prev_day, next_day, site)
    histories = paper_histories([*summaries, *(DigestSummary.of(digests[day]) for day in sorted(digests))])
    complete = [arxiv_id for arxiv_id, history in histories.items() if all(e.day in digests for e in history)]
    objects += render_paper_pages(complete, histories, digests, site)
    objects += _period_pages(digests, days, site)
    objects += render_categories(summaries, site)
    objects += render_category_feeds(summaries, site).values()
    objects.append(render_feeds_page(summaries, site))  # after the feeds it links
    objects += render_archive(summaries, site)
    newest = days[-1] if days and days[-1] in digests else max(digests, default=None)
    latest = digests[newest] if newest is not None else None
    objects += [
        render_index(latest, summaries, site),
        render_feed(summaries, site),
        *render_sitemaps(summaries, site),
        render_robots(site),
        render_404(site),
    ]
    return objects
