"""The Atom feed of each category: one entry per paper, newest first, the last 50, linked from its page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import feedparser

from hotpapers.core.digest import DigestSummary, SummaryPaper
from hotpapers.core.models import PaperHeadline
from hotpapers.publish.site import CATEGORY_FEED_ENTRIES, SiteConfig, render_categories, render_category_feeds
from tests.support.site_data import (
    SITE,
    big_category_summaries,
    sample_site_digests,
    scan,
    summaries_of,
    with_paper,
)

ATOM = "{http://www.w3.org/2005/Atom}"


def _paper(arxiv_id: str, rank: int, score: int, categories: tuple[str, ...]) -> SummaryPaper:
    return SummaryPaper(rank, PaperHeadline(arxiv_id, f"Paper {arxiv_id}", ("A. Author",), categories), score)


def test_every_category_of_the_sample_site_has_a_feed_that_parses_without_bozo() -> None:
    summaries = summaries_of(sample_site_digests())
    feeds = render_category_feeds(summaries, SITE)
    categories = {c for s in summaries for p in s.papers for c in p.paper.categories}
    assert set(feeds) == categories and len(feeds) > 5
    for category, feed_object in feeds.items():
        assert feed_object.key == f"categories/{category}/feed.xml"
        assert feed_object.content_type.startswith("application/atom+xml")
        feed = feedparser.parse(feed_object.body)
        assert feed.bozo == 0, (category, feed.get("bozo_exception"))
        assert feed.version == "atom10"
        assert feed.feed.title.startswith(f"Hot Papers: {category}")
        links = {link.rel: link.href for link in feed.feed.links}
        assert links["self"] == f"https://hotpapers.example.org/categories/{category}/feed.xml"
        assert links["alternate"] == f"https://hotpapers.example.org/categories/{category}/"
        expected = [p.paper.arxiv_id for s in sorted(summaries, key=lambda s: s.day, reverse=True)
                    for p in s.papers if category in p.paper.categories]  # fmt: skip
        assert [e.link for e in feed.entries] == [
            f"https://hotpapers.example.org/papers/{i}/" for i in dict.fromkeys(expected)
        ]


def test_a_paper_listed_on_several_days_is_one_entry_dated_by_its_newest_listing() -> None:
    first, second = date(2021, 6, 1), date(2021, 6, 3)
    summaries = [
        DigestSummary(
            first, None, 5, (_paper("2105.00001", 1, 300, ("cs.LG",)), _paper("2105.00002", 2, 80, ("cs.CL", "cs.LG")))
        ),
        DigestSummary(
            second, None, 5, (_paper("2105.00003", 1, 500, ("cs.LG",)), _paper("2105.00001", 2, 90, ("cs.LG",)))
        ),
    ]
    feed = feedparser.parse(render_category_feeds(summaries, SITE)["cs.LG"].body)
    assert feed.bozo == 0
    assert [e.link.rsplit("/", 2)[1] for e in feed.entries] == ["2105.00003", "2105.00001", "2105.00002"]
    repeated = feed.entries[1]
    assert repeated.updated == "2021-06-04T00:00:00Z"  # the end of its newest day (no as_of)
    assert repeated.id == "tag:hotpapers.example.org,2021:paper/2105.00001"
    content = repeated.content[0].value
    # Both listings, newest first, each linking the paper's anchor on its day page.
    assert content.index("3 June 2021") < content.index("1 June 2021")
    assert "https://hotpapers.example.org/digests/2021-06-03/#arxiv-2105.00001" in content
    assert "rank 2, 90 points" in content and "rank 1, 300 points" in content
    # Cross-listed papers belong to both categories' feeds; the feed's ids are unique.
    cl = feedparser.parse(render_category_feeds(summaries, SITE)["cs.CL"].body)
    assert [e.id for e in cl.entries] == ["tag:hotpapers.example.org,2021:paper/2105.00002"]
    assert len({e.id for e in feed.entries}) == len(feed.entries)


def test_a_feed_keeps_the_newest_50_papers_and_its_updated_is_the_newest_entry() -> None:
    summaries = big_category_summaries(20 * 10)  # 10 days of 20 papers, newest is 2021-01-10
    feed = feedparser.parse(render_category_feeds(summaries, SITE)["cs.LG"].body)
    assert feed.bozo == 0 and len(feed.entries) == CATEGORY_FEED_ENTRIES == 50
    newest_day = [s for s in summaries if s.day == date(2021, 1, 10)][0]
    assert feed.entries[0].link.endswith(f"/papers/{newest_day.papers[0].paper.arxiv_id}/")
    assert feed.feed.updated == "2021-01-11T00:00:00Z" == feed.entries[0].updated
    # Newest first: the days never go up along the feed.
    days = [e.updated for e in feed.entries]
    assert days == sorted(days, reverse=True)


def test_hostile_titles_stay_text_and_odd_categories_get_no_feed() -> None:
    hostile = '<script>alert(1)</script> & "quotes" ]]> \u202e'
    summary = DigestSummary(
        date(2021, 6, 1), None, 3,
        (with_paper(_paper("2105.00001", 1, 100, ("cs.LG", "../etc", "cs LG")), title=hostile, authors=("<b>x</b>",)),),
    )  # fmt: skip
    feeds = render_category_feeds([summary], SITE)
    assert set(feeds) == {"cs.LG"}
    body = feeds["cs.LG"].body
    root = ET.fromstring(body)  # well-formed XML
    entry = root.find(f"{ATOM}entry")
    assert entry is not None and "<script>" in entry.findtext(f"{ATOM}title")  # as text
    assert b"<script>" not in body and b"\xe2\x80\xae" not in body.split(b"<content")[0]
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0 and "&lt;b&gt;x&lt;/b&gt;" in parsed.entries[0].content[0].value


def test_feeds_without_an_absolute_url_use_urns() -> None:
    feeds = render_category_feeds(big_category_summaries(3), SiteConfig())
    feed = feedparser.parse(feeds["cs.LG"].body)
    assert feed.bozo == 0 and feed.feed.id == "urn:hotpapers:feed:cs.LG"
    assert feed.entries[0].id.startswith("urn:hotpapers:paper:2101.")


def test_category_page_links_its_feed_unless_told_not_to() -> None:
    summaries = big_category_summaries(250)  # an index and two archive pages
    pages = {o.key: o for o in render_categories(summaries, SITE)}
    index = pages["categories/cs.LG/index.html"].body.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Hot Papers: cs.LG" href="/categories/cs.LG/feed.xml">'
        in index
    )
    assert "/categories/cs.LG/feed.xml" in scan(pages["categories/cs.LG/index.html"].body).attr_values("href")
    archived = pages["categories/cs.LG/page/1/index.html"].body.decode()
    assert 'feed.xml"' not in archived.replace('href="/feed.xml"', "")  # archive pages stay as they were
    feedless = {o.key: o for o in render_categories(summaries, SITE, feedless={"cs.LG"})}
    assert "/categories/cs.LG/feed.xml" not in feedless["categories/cs.LG/index.html"].body.decode()
    assert "/categories/stat.ML/feed.xml" in feedless["categories/stat.ML/index.html"].body.decode()
    assert date(2021, 1, 1) + timedelta(days=12) == summaries[-1].day


def test_the_feeds_page_lists_the_daily_feed_and_every_category_feed() -> None:
    from hotpapers.publish.site import render_feeds_page

    summaries = summaries_of(sample_site_digests())
    page = render_feeds_page(summaries, SITE)
    assert page.key == "feeds/index.html"
    hrefs = scan(page.body).attr_values("href")
    feeds = render_category_feeds(summaries, SITE)
    assert "/feed.xml" in hrefs
    assert {h for h in hrefs if h.endswith("/feed.xml") and h != "/feed.xml"} == {"/" + f.key for f in feeds.values()}
    assert 'aria-current="page">Feeds</a>' in page.body.decode()
