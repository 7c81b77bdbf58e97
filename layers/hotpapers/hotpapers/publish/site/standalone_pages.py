"""The standalone pages: a day's page, the front page, the 404 page, robots.txt, the stylesheet and the icon."""

from __future__ import annotations

from datetime import date
from importlib import resources

from hotpapers.core.digest import Digest, DigestSummary
from hotpapers.publish.site.config import (
    CACHE_ICON,
    CACHE_IMMUTABLE,
    CACHE_PAST_DAY,
    CACHE_SHORT,
    CSS_TYPE,
    ICON_TYPE,
    TEXT_TYPE,
    SiteConfig,
    SiteObject,
)
from hotpapers.publish.site.day_views import CategoryFilter, PaperFilter, day_view
from hotpapers.publish.site.keys import FAVICON_KEY, NOT_FOUND_KEY, ROBOTS_KEY, stylesheet_bytes, stylesheet_key
from hotpapers.publish.site.period_pages import home_periods
from hotpapers.publish.site.render import page_context, page_object, render_template
from hotpapers.publish.site.summaries import day_link, newest_first, summary_row

INDEX_RECENT_DAYS = 14


def render_day(
    digest: Digest,
    prev_day: date | None,
    next_day: date | None,
    site: SiteConfig,
    category_linkable: CategoryFilter = None,
    paper_linkable: PaperFilter = None,
) -> list[SiteObject]:
    """`digests/D/index.html`: the day's ranked papers, their engagement and top posts, prev/next links.

    `category_linkable` leaves some category chips unlinked (plain text) and `paper_linkable`
    some titles unlinked to their paper's page: the publisher's first version of a day that
    brings a category the site has never shown, or a paper whose page is not up yet.
    """
    view = day_view(digest, category_linkable, paper_linkable)
    widgets = site.x_widgets and view.has_x_posts
    cache = CACHE_SHORT if next_day is None else CACHE_PAST_DAY
    page = page_object(
        view.path,
        "day.html",
        site,
        cache,
        day=view,
        prev=day_link(prev_day),
        next=day_link(next_day),
        **page_context(site, widgets),
    )
    return [page]


def render_index(latest: Digest | None, summaries: list[DigestSummary], site: SiteConfig) -> SiteObject:
    """`index.html`: the latest digest in full, this week's and this month's top papers, the most recent days."""
    ordered = newest_first(summaries)
    view = day_view(latest) if latest is not None else None
    earlier = [s for s in ordered if latest is None or s.day < latest.day][:INDEX_RECENT_DAYS]
    prev_day = earlier[0].day if earlier else None
    widgets = site.x_widgets and view is not None and view.has_x_posts
    return page_object(
        "",
        "index.html",
        site,
        day=view,
        prev=day_link(prev_day),
        recent=[summary_row(s, 1) for s in earlier],
        periods=home_periods(latest.day, ordered, latest.config.min_score) if latest is not None else [],
        **page_context(site, widgets),
    )


def render_robots(site: SiteConfig) -> SiteObject:
    return SiteObject(ROBOTS_KEY, render_template("robots.txt", site), TEXT_TYPE, CACHE_SHORT)


def render_404(site: SiteConfig) -> SiteObject:
    return page_object(NOT_FOUND_KEY, "404.html", site, **page_context(site))


def render_stylesheet() -> SiteObject:
    return SiteObject(stylesheet_key(), stylesheet_bytes(), CSS_TYPE, CACHE_IMMUTABLE)


def render_favicon() -> SiteObject:
    """The brand mark as /favicon.ico: static/favicon.ico, made from static/favicon.svg by scripts/make_favicon.py."""
    body = resources.files(__package__).joinpath("static", "favicon.ico").read_bytes()
    return SiteObject(FAVICON_KEY, body, ICON_TYPE, CACHE_ICON)
