"""The machine-read indexes of the site: the Atom feed, the feed of each category and the sitemap."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from hotpapers.core.digest import DigestSummary
from hotpapers.publish.site.categories import CATEGORY_NAMES, GROUP_ORDER, archive_group
from hotpapers.publish.site.config import ATOM_TYPE, CACHE_SHORT, XML_TYPE, SiteConfig, SiteObject
from hotpapers.publish.site.formatting import day_updated_at, medium_date, pluralize, rfc3339
from hotpapers.publish.site.keys import (
    FEED_KEY,
    FEEDS_PATH,
    SITEMAP_KEY,
    category_feed_key,
    category_path,
    day_path,
    is_valid_category,
    month_path,
    paper_anchors,
    paper_page_key,
    paper_path,
)
from hotpapers.publish.site.listings import archived_pages, category_listings
from hotpapers.publish.site.period_pages import period_paths
from hotpapers.publish.site.render import page_context, page_object, render_template, template_environment
from hotpapers.publish.site.sanitize import is_dns_host, one_line
from hotpapers.publish.site.summaries import by_month, day_link, newest_first, summary_row

FEED_ENTRIES = 60
FEED_ENTRY_PAPERS = 10
CATEGORY_FEED_ENTRIES = 50
# The sitemap protocol's limit per file. A five-year site has ~40,000 pages (most of them paper pages);
# past the limit, sitemap.xml becomes a sitemap index of `sitemaps/N.xml` files.
SITEMAP_URL_LIMIT = 50_000


def _feed_entry_id(site: SiteConfig, day: date) -> str:
    host = site.host
    if host and is_dns_host(host):
        return f"tag:{host.lower()},{day.year}:digest/{day.isoformat()}"
    return f"urn:hotpapers:digest:{day.isoformat()}"


def render_feed(summaries: list[DigestSummary], site: SiteConfig) -> SiteObject:
    """`feed.xml`: Atom, one entry per day, newest first, at most `FEED_ENTRIES`."""
    ordered = newest_first(summaries)[:FEED_ENTRIES]
    entries = []
    for summary in ordered:
        row = summary_row(summary, FEED_ENTRY_PAPERS)
        day_updated = day_updated_at(summary.day, summary.as_of)
        content = template_environment().get_template("feed_entry.html").render(site=site, row=row)
        if summary.papers:
            first = one_line(summary.papers[0].title)
            more = len(summary.papers) - 1
            headline = first if more == 0 else f"{first}, and {pluralize(more, 'more paper', 'more papers')}"
        else:
            headline = "no paper over the threshold"
        entries.append(
            {
                "id": _feed_entry_id(site, summary.day),
                "title": f"Hot papers of {medium_date(summary.day)}: {headline}",
                "link": site.absolute(day_path(summary.day)),
                "updated": rfc3339(day_updated),
                "content": content,
            }
        )
    updated = max((e["updated"] for e in entries), default="1970-01-01T00:00:00Z")
    feed_id = site.absolute(FEED_KEY) if site.is_absolute else "urn:hotpapers:feed"
    feed = {
        "title": site.title,
        "subtitle": "The arXiv papers people are talking about, one digest a day.",
        "self": FEED_KEY,
        "alternate": "",
    }
    body = render_template("feed.xml", site, feed=feed, entries=entries, updated=updated, feed_id=feed_id)
    return SiteObject(FEED_KEY, body, ATOM_TYPE, CACHE_SHORT)


@dataclass(frozen=True)
class _Listed:
    """One day a paper was listed under a category: the day, its rank and score, the anchor on the day page."""

    day: date
    rank: int
    score: int
    anchor: str


@dataclass
class _CategoryFeedEntry:
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    updated: datetime  # the data time of its newest listing in the category
    listed: list[_Listed] = field(default_factory=list)  # newest first


def _category_feed_entries(summaries: list[DigestSummary]) -> dict[str, list[_CategoryFeedEntry]]:
    """Per category, its newest `CATEGORY_FEED_ENTRIES` papers, one entry per paper with all its listings.

    Membership is the category pages' (any of a paper's categories, primary or cross-list), so a
    category's feed and its page always agree. A paper listed on several days is one entry, dated
    by its newest listing: a feed reader shows it once, updated when it comes back.
    """
    feeds: dict[str, dict[str, _CategoryFeedEntry]] = {}
    for summary in newest_first(summaries):
        updated = day_updated_at(summary.day, summary.as_of)
        anchors = paper_anchors(summary.papers)
        for paper, anchor in zip(summary.papers, anchors, strict=True):
            listed = _Listed(summary.day, paper.rank, paper.score, anchor)
            for category in dict.fromkeys(paper.categories):
                if not is_valid_category(category):
                    continue
                entries = feeds.setdefault(category, {})
                entry = entries.get(paper.arxiv_id)
                if entry is None:
                    if len(entries) >= CATEGORY_FEED_ENTRIES:
                        continue
                    entry = entries[paper.arxiv_id] = _CategoryFeedEntry(
                        paper.arxiv_id, paper.title, paper.authors, paper.categories, updated
                    )
                entry.listed.append(listed)
    return {category: list(entries.values()) for category, entries in feeds.items()}


def _paper_entry_id(site: SiteConfig, arxiv_id: str, first_day: date) -> str:
    host = site.host
    if host and is_dns_host(host):
        return f"tag:{host.lower()},{first_day.year}:paper/{arxiv_id}"
    return f"urn:hotpapers:paper:{arxiv_id}"


def render_category_feeds(summaries: list[DigestSummary], site: SiteConfig) -> dict[str, SiteObject]:
    """`categories/<cat>/feed.xml` per category: Atom, one entry per paper listed under it, newest first.

    Entries link each paper's own page (its day page's anchor for an id that gets no page).
    Keyed by category.
    """
    objects: dict[str, SiteObject] = {}
    entry_template = template_environment().get_template("category_feed_entry.html")
    for category, papers in sorted(_category_feed_entries(summaries).items()):
        key = category_feed_key(category)
        if key is None:  # is_valid_category already held: never None here
            continue
        entries = []
        for paper in papers:
            newest = paper.listed[0]
            page = paper_page_key(paper.arxiv_id)
            link = paper_path(paper.arxiv_id) if page else f"{day_path(newest.day)}#{newest.anchor}"
            days = [
                {"link": day_link(listed.day), "rank": listed.rank, "score": listed.score, "anchor": listed.anchor}
                for listed in paper.listed
            ]
            content = entry_template.render(site=site, paper=paper, days=days, link=link)
            entries.append(
                {
                    "id": _paper_entry_id(site, paper.arxiv_id, paper.listed[-1].day),
                    "title": one_line(paper.title),
                    "link": site.absolute(link),
                    "updated": rfc3339(paper.updated),
                    "content": content,
                }
            )
        description = CATEGORY_NAMES.get(category)
        feed = {
            "title": f"{site.title}: {category}" + (f" ({description})" if description else ""),
            "subtitle": f"The arXiv papers in {category} people are talking about, newest first.",
            "self": key,
            "alternate": category_path(category),
        }
        updated = max((e["updated"] for e in entries), default="1970-01-01T00:00:00Z")
        feed_id = site.absolute(key) if site.is_absolute else f"urn:hotpapers:feed:{category}"
        body = render_template("feed.xml", site, feed=feed, entries=entries, updated=updated, feed_id=feed_id)
        objects[category] = SiteObject(key, body, ATOM_TYPE, CACHE_SHORT)
    return objects


def render_feeds_page(summaries: list[DigestSummary], site: SiteConfig) -> SiteObject:
    """`feeds/index.html`: where to subscribe: the daily feed and each category's, by archive group."""
    categories = sorted(_category_feed_entries(summaries).items(), key=lambda item: (item[0].lower(), item[0]))
    groups = []
    for group in GROUP_ORDER:
        feeds = [
            {
                "name": name,
                "description": CATEGORY_NAMES.get(name),
                "path": category_feed_key(name),
                "page": category_path(name),
                "papers": len(entries),
            }  # fmt: skip
            for name, entries in categories
            if archive_group(name) == group
        ]
        if feeds:
            groups.append({"name": group, "feeds": feeds})
    return page_object(FEEDS_PATH, "feeds.html", site, groups=groups, limit=CATEGORY_FEED_ENTRIES, **page_context(site))


def _page_paths(summaries: list[DigestSummary]) -> list[tuple[str, str | None]]:
    """Every HTML page the site has for these summaries (404 aside), with its lastmod."""
    ordered = newest_first(summaries)
    latest = rfc3339(day_updated_at(ordered[0].day, ordered[0].as_of)) if ordered else None
    paths: list[tuple[str, str | None]] = [("", latest), ("archive/", latest)]
    for (year, month), days in by_month(ordered):
        paths.append((month_path(year, month), max(rfc3339(day_updated_at(s.day, s.as_of)) for s in days)))
    paths.append(("categories/", latest))
    paths.append((FEEDS_PATH, latest))
    for listing in category_listings(summaries):
        paths.append((category_path(listing.name), None))
        for number in range(1, archived_pages(len(listing.entries)) + 1):
            paths.append((category_path(listing.name, number), None))
    for summary in ordered:
        paths.append((day_path(summary.day), rfc3339(day_updated_at(summary.day, summary.as_of))))
    # A paper's page changes when it is listed again: its lastmod is its newest listed day's.
    papers: dict[str, str] = {}
    for summary in ordered:
        for paper in summary.papers:
            if paper.arxiv_id not in papers and paper_page_key(paper.arxiv_id) is not None:
                papers[paper.arxiv_id] = rfc3339(day_updated_at(summary.day, summary.as_of))
    paths += [(paper_path(arxiv_id), papers[arxiv_id]) for arxiv_id in sorted(papers)]
    as_of = {summary.day: summary.as_of for summary in ordered}
    for path, newest in period_paths(as_of):  # weekly and monthly digests: their newest day's time
        paths.append((path, rfc3339(day_updated_at(newest, as_of[newest]))))
    return paths


def render_sitemaps(
    summaries: list[DigestSummary], site: SiteConfig, limit: int = SITEMAP_URL_LIMIT
) -> list[SiteObject]:
    """`sitemap.xml`, every page with the data's own time as lastmod where it has one; past `limit`
    pages, the parts `sitemaps/N.xml` first and `sitemap.xml` last, as their index."""
    urls = [{"loc": site.absolute(path), "lastmod": lastmod} for path, lastmod in _page_paths(summaries)]
    if len(urls) <= limit:
        return [SiteObject(SITEMAP_KEY, render_template("sitemap.xml", site, urls=urls), XML_TYPE, CACHE_SHORT)]
    parts, entries = [], []
    for number, start in enumerate(range(0, len(urls), limit), 1):
        chunk = urls[start : start + limit]
        key = f"sitemaps/{number}.xml"
        parts.append(SiteObject(key, render_template("sitemap.xml", site, urls=chunk), XML_TYPE, CACHE_SHORT))
        lastmods = [url["lastmod"] for url in chunk if url["lastmod"]]
        entries.append({"loc": site.absolute(key), "lastmod": max(lastmods, default=None)})
    index = render_template("sitemap_index.xml", site, sitemaps=entries)
    return [*parts, SiteObject(SITEMAP_KEY, index, XML_TYPE, CACHE_SHORT)]


def render_sitemap(summaries: list[DigestSummary], site: SiteConfig) -> SiteObject:
    """`sitemap.xml` alone: the whole sitemap, or the index of its parts (`render_sitemaps` gives those)."""
    return render_sitemaps(summaries, site)[-1]
