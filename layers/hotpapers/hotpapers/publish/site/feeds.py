"""The machine-read indexes of the site: the Atom feed and the sitemap."""

from __future__ import annotations

from datetime import date

from hotpapers.core.digest import DigestSummary
from hotpapers.publish.site.config import ATOM_TYPE, CACHE_SHORT, XML_TYPE, SiteConfig, SiteObject
from hotpapers.publish.site.formatting import _day_updated, _medium_date, _plural, _rfc3339
from hotpapers.publish.site.keys import FEED_KEY, SITEMAP_KEY, _category_path, _day_path, _month_path
from hotpapers.publish.site.listings import _archived_pages, _category_listings
from hotpapers.publish.site.periods import period_paths
from hotpapers.publish.site.render import _environment, _render
from hotpapers.publish.site.summaries import _months, _newest_first, _summary_row
from hotpapers.publish.site.text import _HOST, _plain

FEED_ENTRIES = 60
FEED_ENTRY_PAPERS = 10


def _feed_entry_id(site: SiteConfig, day: date) -> str:
    host = site.host
    if host and _HOST.fullmatch(host):
        return f"tag:{host.lower()},{day.year}:digest/{day.isoformat()}"
    return f"urn:hotpapers:digest:{day.isoformat()}"


def render_feed(summaries: list[DigestSummary], site: SiteConfig) -> SiteObject:
    """`feed.xml`: Atom, one entry per day, newest first, at most `FEED_ENTRIES`."""
    ordered = _newest_first(summaries)[:FEED_ENTRIES]
    entries = []
    for summary in ordered:
        row = _summary_row(summary, FEED_ENTRY_PAPERS)
        updated = _day_updated(summary.day, summary.as_of)
        content = _environment().get_template("feed_entry.html").render(site=site, row=row)
        if summary.papers:
            first = _plain(summary.papers[0].title)
            more = len(summary.papers) - 1
            headline = first if more == 0 else f"{first}, and {_plural(more, 'more paper', 'more papers')}"
        else:
            headline = "no paper over the threshold"
        entries.append(
            {
                "id": _feed_entry_id(site, summary.day),
                "title": f"Hot papers of {_medium_date(summary.day)}: {headline}",
                "link": site.absolute(_day_path(summary.day)),
                "updated": _rfc3339(updated),
                "content": content,
            }
        )
    updated = max((e["updated"] for e in entries), default="1970-01-01T00:00:00Z")
    feed_id = site.absolute(FEED_KEY) if site.is_absolute else "urn:hotpapers:feed"
    body = _render("feed.xml", site, entries=entries, updated=updated, feed_id=feed_id)
    return SiteObject(FEED_KEY, body, ATOM_TYPE, CACHE_SHORT)


def _page_paths(summaries: list[DigestSummary]) -> list[tuple[str, str | None]]:
    """Every HTML page the site has for these summaries (404 aside), with its lastmod."""
    ordered = _newest_first(summaries)
    latest = _rfc3339(_day_updated(ordered[0].day, ordered[0].as_of)) if ordered else None
    paths: list[tuple[str, str | None]] = [("", latest), ("archive/", latest)]
    for (year, month), days in _months(ordered):
        paths.append((_month_path(year, month), max(_rfc3339(_day_updated(s.day, s.as_of)) for s in days)))
    paths.append(("categories/", latest))
    for listing in _category_listings(summaries):
        paths.append((_category_path(listing.name), None))
        for number in range(1, _archived_pages(len(listing.entries)) + 1):
            paths.append((_category_path(listing.name, number), None))
    for summary in ordered:
        paths.append((_day_path(summary.day), _rfc3339(_day_updated(summary.day, summary.as_of))))
    as_of = {summary.day: summary.as_of for summary in ordered}
    for path, newest in period_paths(as_of):  # weekly and monthly digests: their newest day's time
        paths.append((path, _rfc3339(_day_updated(newest, as_of[newest]))))
    return paths


def render_sitemap(summaries: list[DigestSummary], site: SiteConfig) -> SiteObject:
    """`sitemap.xml`: every page, with the data's own time as lastmod where it has one."""
    urls = [{"loc": site.absolute(path), "lastmod": lastmod} for path, lastmod in _page_paths(summaries)]
    return SiteObject(SITEMAP_KEY, _render("sitemap.xml", site, urls=urls), XML_TYPE, CACHE_SHORT)
