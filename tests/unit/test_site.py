"""The static site: every page kind, links that resolve, determinism, feed, sitemap, pagination."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from hotpapers.core.digest import DigestSummary
from hotpapers.core.settings import Settings, SettingsError
from hotpapers.publish.render_plan import render_site
from hotpapers.publish.site import (
    CACHE_IMMUTABLE,
    CACHE_PAST_DAY,
    CACHE_SHORT,
    CATEGORY_PAGE_SIZE,
    FEED_ENTRIES,
    SiteConfig,
    render_404,
    render_archive,
    render_categories,
    render_day,
    render_feed,
    render_index,
    render_robots,
    render_sitemap,
    render_stylesheet,
    stylesheet_key,
)
from tests.support.site_data import (
    SAMPLE_DAY,
    SITE,
    big_category_summaries,
    by_key,
    digest_of,
    empty_digest,
    html_pages,
    reader_text,
    sample_digest,
    sample_papers,
    sample_site_digests,
    scan,
    summaries_of,
    with_paper,
)

pytestmark = pytest.mark.unit

STYLE = Path(__file__).parents[2] / "layers/hotpapers/hotpapers/publish/site/static/style.css"


@pytest.fixture(scope="module")
def digests():
    return sample_site_digests()


@pytest.fixture(scope="module")
def site_objects(digests):
    return render_site(digests, summaries_of(digests), SITE)


@pytest.fixture(scope="module")
def objects(site_objects):
    return by_key(site_objects)


def _page(objects, key: str):
    return scan(objects[key].body)


# ------------------------------------------------------------------ page kinds, types, order


def test_every_page_kind_renders_with_its_type_and_cache_policy(objects) -> None:
    expected = {
        "index.html": ("text/html; charset=utf-8", CACHE_SHORT),
        "digests/2021-05-28/index.html": ("text/html; charset=utf-8", CACHE_PAST_DAY),
        "digests/2021-05-31/index.html": ("text/html; charset=utf-8", CACHE_PAST_DAY),
        "digests/2021-06-01/index.html": ("text/html; charset=utf-8", CACHE_PAST_DAY),
        "digests/2021-07-02/index.html": ("text/html; charset=utf-8", CACHE_SHORT),  # the newest day
        "archive/index.html": ("text/html; charset=utf-8", CACHE_SHORT),
        "archive/2021-05/index.html": ("text/html; charset=utf-8", CACHE_SHORT),
        "archive/2021-06/index.html": ("text/html; charset=utf-8", CACHE_SHORT),
        "archive/2021-07/index.html": ("text/html; charset=utf-8", CACHE_SHORT),
        "categories/index.html": ("text/html; charset=utf-8", CACHE_SHORT),
        "categories/cs.LG/index.html": ("text/html; charset=utf-8", CACHE_SHORT),
        "categories/q-bio.OT/index.html": ("text/html; charset=utf-8", CACHE_SHORT),
        "categories/hep-ex/index.html": ("text/html; charset=utf-8", CACHE_SHORT),
        "feed.xml": ("application/atom+xml; charset=utf-8", CACHE_SHORT),
        "sitemap.xml": ("application/xml; charset=utf-8", CACHE_SHORT),
        "robots.txt": ("text/plain; charset=utf-8", CACHE_SHORT),
        "404.html": ("text/html; charset=utf-8", CACHE_SHORT),
        stylesheet_key(): ("text/css; charset=utf-8", CACHE_IMMUTABLE),
        "favicon.ico": ("image/x-icon", "public, max-age=604800"),
    }
    for key, (content_type, cache) in expected.items():
        assert key in objects, key
        assert (objects[key].content_type, objects[key].cache_control) == (content_type, cache), key
        assert objects[key].body, key


def test_render_site_uploads_what_is_linked_before_what_links_to_it(site_objects) -> None:
    keys = [o.key for o in site_objects]
    assert keys[:2] == [stylesheet_key(), "favicon.ico"]
    assert keys[-5:] == ["index.html", "feed.xml", "sitemap.xml", "robots.txt", "404.html"]
    # The category feeds (and the page listing them) follow the listings: publish/plan.py's order.
    kinds = [k.split("/", 1)[0] for k in keys[2:-5] if not k.endswith("feed.xml")]
    first = {kind: kinds.index(kind) for kind in ("digests", "categories", "archive")}
    last = {kind: len(kinds) - 1 - kinds[::-1].index(kind) for kind in first}
    assert last["digests"] < first["categories"] and last["categories"] < first["archive"]


def test_stylesheet_is_named_by_its_content_hash_and_linked_by_every_page(objects) -> None:
    sheet = render_stylesheet()
    assert re.fullmatch(r"static/style\.[0-9a-f]{12}\.css", sheet.key)
    assert sheet.body == STYLE.read_bytes()
    for key, page in html_pages(list(objects.values())).items():
        links = [e.attrs for e in scan(page.body).all("link") if e.attrs.get("rel") == "stylesheet"]
        assert [link["href"] for link in links] == ["/" + sheet.key], key


# ------------------------------------------------------------------ the day page


def test_day_page_lists_every_paper_in_rank_order_with_its_engagement_and_links(objects) -> None:
    digest = sample_digest()
    page = _page(objects, "digests/2021-06-01/index.html")
    articles = page.all("article")
    assert len(articles) == len(digest.papers) == len(sample_papers()) == 17
    assert [a.attrs["id"] for a in articles] == [f"paper-{n}" for n in range(1, 18)]
    text = " ".join(page.text.split())

    def words(value: str) -> str:
        return " ".join(value.split())

    for paper in digest.papers:
        assert words(f"{paper.rank}. {reader_text(paper.paper.title)}") in text
        assert words(", ".join(paper.paper.authors)) in text
        assert words(reader_text(paper.paper.abstract)) in text
        assert f"{paper.score:,} points" in text
        hrefs = page.attr_values("href")
        assert paper.paper.abs_url in hrefs and paper.paper.pdf_url in hrefs
        for category in paper.paper.categories:
            assert f"/categories/{category}/" in hrefs
    assert "X: 1 post · 10,042 reposts · 5 likes = 10,047 points" in text
    assert "Bluesky: 1 post · 12 reposts · 48 likes · 1 quote · 3 replies = 60 points" in text
    assert "Hacker News: 1 story · 212 points · 87 comments = 212 points" in text
    assert "Hugging Face: 31 upvotes · 2 comments = 31 points" in text


def test_posts_are_static_cards_and_x_posts_use_the_official_embed_markup(objects) -> None:
    digest = sample_digest()
    page = _page(objects, "digests/2021-06-01/index.html")
    x_posts = [post for paper in digest.papers for post in paper.top_posts if post.source == "x"]
    quotes = page.all("blockquote")
    tweets = [q for q in quotes if "twitter-tweet" in (q.attrs.get("class") or "").split()]
    assert len(tweets) == len(x_posts) == 21
    assert len(quotes) == 21 + 3  # and the Bluesky, Hacker News and Hugging Face cards
    first = x_posts[0]
    assert first.author_handle == "ak92501" and first.url in page.attr_values("href")
    assert "@ak92501" in " ".join(page.text.split())
    # Links inside a post text come from its entities and are marked as user content.
    in_posts = [e for e in page.all("a") if any(a.tag == "blockquote" for a in e.ancestors)]
    assert in_posts and all(e.attrs["rel"] == "nofollow noopener noreferrer" for e in in_posts)
    assert "https://arxiv.org/abs/2105.14103" in [e.attrs["href"] for e in in_posts]
    assert "https://x.com/KL_Div" in [e.attrs["href"] for e in in_posts]  # a mention
    # No third-party script unless asked for.
    assert page.all("script") == []


def test_x_widgets_script_is_opt_in_and_allowed_by_the_page_policy(digests) -> None:
    site = replace(SITE, x_widgets=True)
    page = scan(render_day(sample_digest(), None, None, site)[0].body)
    scripts = page.all("script")
    assert [s.attrs for s in scripts] == [{"async": None, "src": "https://platform.twitter.com/widgets.js"}]
    policy = next(
        e.attrs["content"] for e in page.all("meta") if e.attrs.get("http-equiv") == "Content-Security-Policy"
    )
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "https://platform.twitter.com" in script_src and "'unsafe-inline'" not in script_src
    # A page without X posts does not load it.
    empty = scan(render_day(empty_digest(date(2021, 5, 31)), None, None, site)[0].body)
    assert empty.all("script") == []
    strict = scan(render_day(sample_digest(), None, None, SITE)[0].body)
    policy = next(
        e.attrs["content"] for e in strict.all("meta") if e.attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert policy.startswith("default-src 'none'")


def test_empty_digest_is_a_valid_page_that_says_so(objects) -> None:
    page = _page(objects, "digests/2021-05-31/index.html")
    text = " ".join(page.text.split())
    assert page.all("article") == []
    assert "No hot papers on this day" in text
    assert "No paper reached the threshold of 50 points on Monday, 31 May 2021" in text
    assert "7 papers were mentioned" in text
    assert len(page.all("h1")) == 1


def test_prev_and_next_links_point_to_the_neighbouring_days(objects) -> None:
    def rel_links(key: str) -> dict[str, str]:
        return {
            e.attrs["rel"]: e.attrs["href"]
            for e in _page(objects, key).all("a")
            if e.attrs.get("rel") in ("prev", "next")
        }

    assert rel_links("digests/2021-06-01/index.html") == {
        "prev": "/digests/2021-05-31/",
        "next": "/digests/2021-07-02/",
    }
    assert rel_links("digests/2021-05-28/index.html") == {"next": "/digests/2021-05-31/"}
    assert rel_links("digests/2021-07-02/index.html") == {"prev": "/digests/2021-06-01/"}
    only = render_day(sample_digest(), None, None, SITE)[0]
    assert not [e for e in scan(only.body).all("a") if e.attrs.get("rel") in ("prev", "next")]
    assert only.cache_control == CACHE_SHORT
    assert render_day(sample_digest(), None, date(2021, 6, 2), SITE)[0].cache_control == CACHE_PAST_DAY


# ------------------------------------------------------------------ every page


def test_every_page_is_a_well_formed_accessible_document(objects) -> None:
    for key, page in html_pages(list(objects.values())).items():
        body = page.body.decode("utf-8")
        assert body.startswith('<!DOCTYPE html>\n<html lang="en">'), key
        found = scan(page.body)
        metas = [e.attrs for e in found.all("meta")]
        assert {"charset": "utf-8"} in metas, key
        assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in metas, key
        # One document title; an inline SVG chart (a paper's page) carries its own <title>s.
        assert len([t for t in found.all("title") if not any(a.tag == "svg" for a in t.ancestors)]) == 1, key
        assert found.headings.count(1) == 1 and found.headings[0] == 1, key
        for before, after in zip(found.headings, found.headings[1:], strict=False):
            assert after <= before + 1, f"{key}: heading h{before} → h{after}"
        for landmark in ("header", "nav", "main", "footer"):
            assert found.all(landmark), f"{key} lacks <{landmark}>"
        assert len(found.all("main")) == 1, key
        for element in found.elements:
            assert not [name for name in element.attrs if name.startswith("on")], key
            assert "style" not in element.attrs, key
        assert not [s for s in found.all("script") if "src" not in s.attrs], f"{key}: inline script"
        ids = [e.attrs["id"] for e in found.elements if "id" in e.attrs]
        assert len(ids) == len(set(ids)), f"{key}: duplicate ids"
        for link in found.all("a"):
            label = " ".join(t for t, stack in found.texts if any(a is link for a in stack)).strip()
            assert label, f"{key}: a link without text: {link.attrs}"


def _resolve(href: str, site: SiteConfig) -> tuple[str, str] | None:
    """An internal href as (key, fragment); None for external links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    assert parts.path.startswith(site.root), href
    path = parts.path[len(site.root) :]
    return (path + "index.html" if path == "" or path.endswith("/") else path), parts.fragment


@pytest.mark.parametrize("base_url", ["https://hotpapers.example.org/", "https://example.org/hot/papers/"])
def test_every_internal_link_and_anchor_resolves_to_a_rendered_page(digests, base_url: str) -> None:
    site = SiteConfig(base_url=base_url)
    objects = by_key(render_site(digests, summaries_of(digests), site))
    pages = {key: scan(obj.body) for key, obj in html_pages(list(objects.values())).items()}
    checked = 0
    for key, page in pages.items():
        for href in page.attr_values("href") + page.attr_values("src"):
            if href.startswith("#"):
                assert href[1:] in page.ids, f"{key}: dangling {href}"
                continue
            resolved = _resolve(href, site)
            if resolved is None:
                assert href.startswith("https://"), f"{key}: {href}"
                continue
            target, fragment = resolved
            assert target in objects, f"{key} links {href}, which was not rendered"
            if fragment:
                assert fragment in pages[target].ids, f"{key} links {href}: no such anchor"
            checked += 1
    assert checked > 300


def test_rendering_is_deterministic_whatever_the_input_order(digests) -> None:
    first = render_site(digests, summaries_of(digests), SITE)
    again = render_site(digests, summaries_of(digests), SITE)
    shuffled_summaries = summaries_of(digests)
    random.Random(7).shuffle(shuffled_summaries)
    reordered = render_site(dict(reversed(list(digests.items()))), shuffled_summaries, SITE)
    assert [(o.key, o.body, o.content_type, o.cache_control) for o in first] == [
        (o.key, o.body, o.content_type, o.cache_control) for o in again
    ]
    assert {o.key: o.body for o in first} == {o.key: o.body for o in reordered}


# ------------------------------------------------------------------ index, archive, categories


def test_index_shows_the_latest_digest_in_full_and_the_recent_days(objects, digests) -> None:
    page = _page(objects, "index.html")
    latest = digests[date(2021, 7, 2)]
    assert len(page.all("article")) == len(latest.papers)
    hrefs = page.attr_values("href")
    assert "/archive/" in hrefs and "/digests/2021-07-02/" in hrefs
    for day in ("2021-06-01", "2021-05-31", "2021-05-28"):
        assert f"/digests/{day}/" in hrefs
    assert "Top: An Attention Free Transformer" in " ".join(page.text.split())


def test_index_without_any_digest_says_so() -> None:
    page = scan(render_index(None, [], SITE).body)
    assert "No digest has been published yet" in page.text
    assert page.headings[0] == 1 and page.all("article") == []


def test_archive_groups_days_by_month_newest_first(objects) -> None:
    page = _page(objects, "archive/index.html")
    months = [e.attrs["href"] for e in page.all("a") if re.fullmatch(r"/archive/\d{4}-\d{2}/", e.attrs.get("href", ""))]
    assert months == ["/archive/2021-07/", "/archive/2021-06/", "/archive/2021-05/"]
    days = [e.attrs["href"] for e in page.all("a") if (e.attrs.get("class") or "") == "days__date"]
    assert days == ["/digests/2021-07-02/", "/digests/2021-06-01/", "/digests/2021-05-31/", "/digests/2021-05-28/"]
    text = " ".join(page.text.split())
    assert "17 papers Top: An Attention Free Transformer" in text
    assert "0 papers No paper over the threshold" in text
    month = _page(objects, "archive/2021-05/index.html")
    assert [e.attrs["href"] for e in month.all("a") if e.attrs.get("rel") == "next"] == ["/archive/2021-06/"]


def test_categories_list_primary_and_cross_listed_papers_newest_first(objects) -> None:
    index = " ".join(_page(objects, "categories/index.html").text.split())
    assert "cs.LG Machine Learning 9 primary · 17 in all" in index
    assert "q-bio.OT Other Quantitative Biology 1 primary · 1 in all" in index
    page = _page(objects, "categories/q-bio.OT/index.html")
    links = [e.attrs["href"] for e in page.all("a") if "#arxiv" in e.attrs.get("href", "")]
    assert links == ["/digests/2021-06-01/#arxiv-2105.14372"]  # Ten Quick Tips for Deep Learning in Biology
    lg = _page(objects, "categories/cs.LG/index.html")
    days = [e.attrs["datetime"] for e in lg.all("time")]
    assert days == sorted(days, reverse=True) and days[0] == "2021-07-02"


def _rels(page) -> dict[str, str]:
    return {e.attrs["rel"]: e.attrs["href"] for e in page.all("a") if "rel" in e.attrs}


def test_big_categories_keep_the_newest_on_the_index_and_fixed_blocks_on_archive_pages() -> None:
    summaries = big_category_summaries(250)
    objects = by_key(render_categories(summaries, SITE))
    index_key, oldest_key, newer_key = (
        "categories/cs.LG/index.html",
        "categories/cs.LG/page/1/index.html",
        "categories/cs.LG/page/2/index.html",
    )
    assert {index_key, oldest_key, newer_key} <= set(objects) and "categories/cs.LG/page/3/index.html" not in objects
    index, oldest, newer = (scan(objects[key].body) for key in (index_key, oldest_key, newer_key))
    rows = [len(page.all("tr")) - 1 for page in (index, oldest, newer)]
    assert rows == [CATEGORY_PAGE_SIZE, CATEGORY_PAGE_SIZE, CATEGORY_PAGE_SIZE]

    def titles(page) -> list[str]:
        return [t for t, _ in page.texts if t.startswith("Synthetic paper")]

    # Newest day first everywhere (20 papers a day, by rank within a day): the index holds the
    # newest 100 (papers 140..249), page 1 the oldest block (0..99) and page 2 the next (100..199).
    assert titles(index)[0] == "Synthetic paper 240"
    assert sorted(int(t.split()[-1]) for t in titles(index)) == [*range(140, 150), *range(160, 250)]
    assert sorted(int(t.split()[-1]) for t in titles(oldest)) == list(range(0, 100))
    assert sorted(int(t.split()[-1]) for t in titles(newer)) == list(range(100, 200))
    assert _rels(index) == {"next": "/categories/cs.LG/page/2/"}
    assert _rels(newer) == {"prev": "/categories/cs.LG/", "next": "/categories/cs.LG/page/1/"}
    assert _rels(oldest) == {"prev": "/categories/cs.LG/page/2/"}
    # The index lists every archive page; the archive pages print nothing that grows.
    archive_links = [e.attrs["href"] for e in index.all("a") if "/page/" in e.attrs.get("href", "")]
    assert archive_links == ["/categories/cs.LG/page/2/", "/categories/cs.LG/page/2/", "/categories/cs.LG/page/1/"]
    assert "250" not in objects[oldest_key].body.decode() and "250" in objects[index_key].body.decode()
    sitemap = render_sitemap(summaries, SITE).body.decode()
    assert "https://hotpapers.example.org/categories/cs.LG/page/2/" in sitemap


def test_a_new_day_rewrites_a_big_category_index_but_not_its_archive_pages() -> None:
    before = by_key(render_categories(big_category_summaries(260), SITE))
    after = by_key(render_categories(big_category_summaries(280), SITE))  # one more day of 20 papers
    pages = [key for key in before if key.startswith("categories/cs.LG/page/")]
    assert pages == ["categories/cs.LG/page/1/index.html", "categories/cs.LG/page/2/index.html"]
    assert all(before[key].body == after[key].body for key in pages)
    assert before["categories/cs.LG/index.html"].body != after["categories/cs.LG/index.html"].body
    # Crossing the next hundred adds page 3; only page 2's "newer" link changes with it.
    grown = by_key(render_categories(big_category_summaries(300), SITE))
    assert "categories/cs.LG/page/3/index.html" in grown
    assert grown["categories/cs.LG/page/1/index.html"].body == before["categories/cs.LG/page/1/index.html"].body
    assert _rels(scan(grown["categories/cs.LG/page/2/index.html"].body))["prev"] == "/categories/cs.LG/page/3/"


def test_a_category_that_fits_its_index_has_no_archive_pages() -> None:
    objects = by_key(render_categories(big_category_summaries(CATEGORY_PAGE_SIZE), SITE))
    assert not [key for key in objects if "/page/" in key]
    assert not _rels(scan(objects["categories/cs.LG/index.html"].body))


def test_category_names_that_are_not_safe_path_segments_are_skipped() -> None:
    summary = big_category_summaries(3)[0]
    odd = ("../etc", "cs LG", "<b>x</b>", "cs/LG", ".hidden", "", "cs.LG")
    summary = replace(summary, papers=tuple(with_paper(p, categories=odd) for p in summary.papers))
    keys = {o.key for o in render_categories([summary], SITE)}
    assert keys == {"categories/index.html", "categories/cs.LG/index.html"}
    digest = digest_of(date(2021, 1, 1), sample_papers()[:1])
    digest = replace(digest, papers=(with_paper(digest.papers[0], categories=odd),))
    page = scan(render_day(digest, None, None, SITE)[0].body)
    category_links = [h for h in page.attr_values("href") if h.startswith("/categories/") and h != "/categories/"]
    assert category_links == ["/categories/cs.LG/"]
    assert "../etc" in page.text and "<b>x</b>" in page.text  # shown, as text


# ------------------------------------------------------------------ feed, sitemap, robots, 404


def test_feed_is_valid_atom_with_ids_and_data_times(digests) -> None:
    summaries = summaries_of(digests)
    feed = feedparser.parse(render_feed(summaries, SITE).body)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.link for e in feed.entries] == [
        f"https://hotpapers.example.org/digests/{day}/"
        for day in ("2021-07-02", "2021-06-01", "2021-05-31", "2021-05-28")
    ]
    ids = [e.id for e in feed.entries]
    assert ids[1] == "tag:hotpapers.example.org,2021:digest/2021-06-01" and len(set(ids)) == len(ids)
    updated = {e.link.rsplit("/", 2)[1]: e.updated for e in feed.entries}
    assert updated["2021-06-01"] == "2021-06-02T09:38:00Z"  # the digest's as_of
    assert updated["2021-05-31"] == "2021-06-01T00:00:00Z"  # no as_of: the end of the day
    assert feed.feed.updated == "2021-07-03T09:38:00Z"
    assert all(e.updated_parsed for e in feed.entries)
    sample = feed.entries[1]
    assert sample.title.startswith("Hot papers of 1 June 2021: An Attention Free Transformer, and 16 more")
    assert "An Attention Free Transformer" in sample.content[0].value
    # A paper's title links to its own page.
    assert 'href="https://hotpapers.example.org/papers/2105.14103/"' in sample.content[0].value


def test_feed_keeps_the_newest_days_only_and_works_without_an_absolute_url() -> None:
    summaries = big_category_summaries(20 * 70)  # 70 days
    feed = feedparser.parse(render_feed(summaries, SITE).body)
    assert feed.bozo == 0 and len(feed.entries) == FEED_ENTRIES
    assert feed.entries[0].link.endswith("/digests/2021-03-11/")
    relative = feedparser.parse(render_feed(summaries, SiteConfig()).body)
    assert relative.bozo == 0 and relative.entries[0].id == "urn:hotpapers:digest:2021-03-11"
    empty = feedparser.parse(render_feed([], SITE).body)
    assert empty.bozo == 0 and empty.entries == []


def test_sitemap_lists_every_page(objects) -> None:
    root = ET.fromstring(objects["sitemap.xml"].body)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [loc.text for loc in root.findall("s:url/s:loc", ns)]
    expected = {
        "https://hotpapers.example.org/" + (key[: -len("index.html")] if key.endswith("index.html") else key)
        for key in html_pages(list(objects.values()))
        if key != "404.html"
    }
    assert len(locs) == len(set(locs)) and set(locs) == expected
    lastmods = {url.find("s:loc", ns).text: url.find("s:lastmod", ns) for url in root.findall("s:url", ns)}
    assert lastmods["https://hotpapers.example.org/digests/2021-06-01/"].text == "2021-06-02T09:38:00Z"


def test_robots_and_404() -> None:
    robots = render_robots(SITE).body.decode()
    assert robots == "User-agent: *\nAllow: /\n\nSitemap: https://hotpapers.example.org/sitemap.xml\n"
    page = render_404(SITE)
    assert page.key == "404.html"
    found = scan(page.body)
    assert "Page not found" in found.text and "/archive/" in found.attr_values("href")


def test_render_functions_match_render_site(digests, objects) -> None:
    summaries = summaries_of(digests)
    assert render_index(digests[date(2021, 7, 2)], summaries, SITE) == objects["index.html"]
    assert render_day(digests[SAMPLE_DAY], date(2021, 5, 31), date(2021, 7, 2), SITE) == [
        objects["digests/2021-06-01/index.html"]
    ]
    assert all(objects[o.key] == o for o in render_archive(summaries, SITE) + render_categories(summaries, SITE))


# ------------------------------------------------------------------ configuration and style


def site_config_of(env: dict[str, str]) -> SiteConfig:
    return SiteConfig.from_settings(Settings.from_env(env))


def test_site_config_from_settings() -> None:
    assert site_config_of({}) == SiteConfig(base_url="http://127.0.0.1:8000/", x_widgets=False)
    config = site_config_of({"HOTPAPERS_SITE_URL": "https://papers.example.com/hot", "HOTPAPERS_X_WIDGETS": "true"})
    assert config.base_url == "https://papers.example.com/hot/" and config.x_widgets is True
    assert config.root == "/hot/" and config.url("archive/") == "/hot/archive/"
    assert site_config_of({"HOTPAPERS_X_WIDGETS": "False"}).x_widgets is False
    with pytest.raises(SettingsError, match="HOTPAPERS_X_WIDGETS"):
        site_config_of({"HOTPAPERS_X_WIDGETS": "maybe"})
    for bad in ("javascript:alert(1)//", "example.org", "ftp://example.org/", "https://example.org/?q=1"):
        with pytest.raises(ValueError):
            SiteConfig(base_url=bad)
        with pytest.raises(SettingsError, match="HOTPAPERS_SITE_URL: site base_url"):
            site_config_of({"HOTPAPERS_SITE_URL": bad})


def _relative_luminance(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_in_both_schemes() -> None:
    css = STYLE.read_text()
    light_part, dark_part = css.split("@media (prefers-color-scheme: dark)", 1)
    variables = re.compile(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b")
    light = dict(variables.findall(light_part))
    dark = {**light, **dict(variables.findall(dark_part.split("\n}\n", 1)[0]))}
    texts = ("text", "muted", "link", "link-visited", "accent-soft-text")
    pairs = [(t, b) for t in texts for b in ("bg", "surface", "surface-2")]
    pairs += [("chip-text", "chip"), ("accent-soft-text", "accent-soft"), ("accent-text", "accent")]
    pairs += [(source, "surface-2") for source in ("x", "bluesky", "hackernews", "huggingface")]
    for scheme, colours in (("light", light), ("dark", dark)):
        for fg, bg in pairs:
            assert _contrast(colours[fg], colours[bg]) >= 4.5, f"{scheme}: --{fg} on --{bg}"
    for tone in re.findall(r"\.avatar--\d \{\s*background: (#[0-9a-f]{6});", css):
        assert _contrast("#ffffff", tone) >= 4.5
    assert ":focus-visible" in css and "outline: 3px solid" in css


def test_no_wall_clock_time_reaches_a_page(digests, monkeypatch) -> None:
    """Rendering at another moment gives the same bytes: the only times are the data's."""
    import hotpapers.publish.site.formatting as site_module

    before = render_site(digests, summaries_of(digests), SITE)

    class FrozenLater(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime(2099, 1, 1, tzinfo=UTC)

        @classmethod
        def utcnow(cls):  # type: ignore[override]
            return datetime(2099, 1, 1)

    monkeypatch.setattr(site_module, "datetime", FrozenLater)
    after = render_site(digests, summaries_of(digests), SITE)
    assert [o.body for o in before] == [o.body for o in after]
    assert not any(b"2099" in o.body for o in after)


def test_summaries_are_enough_for_listings(digests) -> None:
    """Archive, categories, feed and sitemap need summaries only (a few KB a day), never full digests."""
    summaries = [DigestSummary.of(d) for d in digests.values()]
    assert render_archive(summaries, SITE) and render_categories(summaries, SITE)
    assert render_feed(summaries, SITE).body and render_sitemap(summaries, SITE).body
