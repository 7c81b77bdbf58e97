"""A page per paper: its history (core/history.py), the HISTORY item, the page, its chart, and the links to it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date

import feedparser
import pytest

from hotpapers.core.digest import DigestSummary, SummaryPaper
from hotpapers.core.history import HistoryEntry, paper_histories
from hotpapers.core.models import PaperHeadline
from hotpapers.core.store_memory import MemoryStore
from hotpapers.publish.render_plan import render_site
from hotpapers.publish.site import (
    PAPER_PAGE_POSTS,
    paper_page_key,
    render_categories,
    render_day,
    render_feed,
    render_paper,
    render_sitemaps,
)
from hotpapers.publish.site.chart import BOTTOM, HEIGHT, TOP, nice_top, score_chart
from tests.support.site_data import SITE, by_key, sample_site_digests, scan, summaries_of

pytestmark = pytest.mark.unit

SHARED = "2105.15075"  # listed on 2021-05-28 (rank 1) and 2021-06-01 in the sample site
D1, D2, D3 = date(2021, 5, 28), date(2021, 6, 1), date(2021, 7, 2)


def _summary(day: date, *papers: tuple[str, int]) -> DigestSummary:
    return DigestSummary(
        day=day,
        as_of=None,
        candidates=9,
        papers=tuple(
            SummaryPaper(rank, PaperHeadline(arxiv_id, f"Paper {arxiv_id}", ("A. Author",), ("cs.LG",)), score)
            for rank, (arxiv_id, score) in enumerate(papers, 1)
        ),
    )


# ------------------------------------------------------------------ history


def test_histories_list_every_day_oldest_first_with_rank_and_score() -> None:
    summaries = [
        _summary(D3, ("b", 300), ("a", 120)),
        _summary(D1, ("a", 900)),
        _summary(D2, ("c", 80)),
    ]
    histories = paper_histories(summaries)
    assert histories == {
        "a": [HistoryEntry(D1, 1, 900), HistoryEntry(D3, 2, 120)],
        "b": [HistoryEntry(D3, 1, 300)],
        "c": [HistoryEntry(D2, 1, 80)],
    }
    # A day given twice: the later summary replaces it, as a re-published day replaces its summary.
    replaced = paper_histories([*summaries, _summary(D1, ("c", 60))])
    assert replaced["a"] == [HistoryEntry(D3, 2, 120)]
    assert replaced["c"] == [HistoryEntry(D1, 1, 60), HistoryEntry(D2, 1, 80)]
    assert paper_histories([]) == {}


def test_a_papers_history_is_read_with_the_paper() -> None:
    entries = [HistoryEntry(D1, 3, 1204), HistoryEntry(D2, 1, 2000)]
    store = MemoryStore()
    store.put_histories({"hep-th/9901001": entries, "2105.14103": []})
    assert store.paper("hep-th/9901001").history == entries  # the paper's one Query returns it
    assert store.paper("2105.14103").history == []  # dropped out of every digest: an empty history, stored
    assert store.paper("2105.00001").history is None  # never published


# ------------------------------------------------------------------ the chart


@pytest.mark.parametrize(
    ("highest", "top"), [(0, 4), (1, 4), (5, 8), (60, 80), (100, 100), (301, 400), (1327, 2000), (10047, 20000)]
)
def test_the_score_axis_ends_at_a_round_number_above_the_highest_score(highest: int, top: int) -> None:
    assert nice_top(highest) == top


def test_chart_points_are_placed_by_date_and_score() -> None:
    history = [HistoryEntry(D1, 2, 100), HistoryEntry(date(2021, 5, 30), 1, 300), HistoryEntry(D2, 5, 50)]
    chart = score_chart(history)
    top = nice_top(300)
    baseline = HEIGHT - BOTTOM
    span = (D2 - D1).days
    for entry, point in zip(history, chart.points, strict=True):
        # x: the day's place between the first and the last day; y: the score's height above the baseline.
        assert point.x == pytest.approx(
            chart.left + (entry.day - D1).days / span * (chart.right - chart.left), abs=0.05
        )
        assert (baseline - point.y) / (baseline - TOP) * top == pytest.approx(entry.score, abs=0.5)
        assert f"rank {entry.rank}" in point.label
    assert chart.points[1].y < chart.points[0].y < chart.points[2].y  # higher score, higher point
    assert chart.line == " ".join(f"{p.x:g},{p.y:g}" for p in chart.points)
    assert [tick.label for tick in chart.ticks] == ["0", "100", "200", "300", "400"]
    assert "highest 300 points on 30 May 2021" in chart.summary
    single = score_chart([HistoryEntry(D1, 1, 75)])
    assert single.points[0].x == (single.left + single.right) / 2 and len(single.dates) == 1
    with pytest.raises(ValueError):
        score_chart([])


# ------------------------------------------------------------------ the page


@pytest.fixture(scope="module")
def site_objects():
    digests = sample_site_digests()
    return digests, by_key(render_site(digests, summaries_of(digests), SITE))


def _page_of(site_objects, arxiv_id: str):
    _, objects = site_objects
    return scan(objects[f"papers/{arxiv_id}/index.html"].body), objects[f"papers/{arxiv_id}/index.html"]


def test_a_papers_page_has_its_metadata_links_and_categories(site_objects) -> None:
    digests, _ = site_objects
    newest = next(p.paper for p in digests[D2].papers if p.paper.arxiv_id == SHARED)
    page, obj = _page_of(site_objects, SHARED)
    assert obj.content_type == "text/html; charset=utf-8"
    h1 = next(e for e in page.all("h1"))
    assert newest.title in "".join(t for t, stack in page.texts if h1 in stack)
    for author in newest.authors:
        assert author in page.text
    assert newest.abstract[:200] in page.text
    hrefs = page.attr_values("href")
    for url in (
        newest.abs_url,
        newest.pdf_url,
        f"https://arxiv.org/html/{SHARED}",
        f"https://www.alphaxiv.org/abs/{SHARED}",
        f"https://huggingface.co/papers/{SHARED}",
    ):
        assert url in hrefs, url
    for category in newest.categories:
        assert f"/categories/{category}/" in hrefs
    # The first day's top paper carries a comment in the sample data.
    commented = next(p.paper for p in digests[D2].papers if p.paper.comment)
    commented_page, _ = _page_of(site_objects, commented.arxiv_id)
    assert commented.comment in commented_page.text


def test_a_papers_page_lists_its_days_with_rank_score_and_a_link_into_the_day(site_objects) -> None:
    digests, objects = site_objects
    page, obj = _page_of(site_objects, SHARED)
    body = obj.body.decode()
    table = body[body.index('aria-labelledby="history"') :]
    rows = re.findall(r'<a href="(/digests/[^"]+)"><time datetime="([^"]+)">.*?<td class="num">(\d+)</td>\s*'
                      r'<td class="num">([\d,]+)</td>', table, re.S)  # fmt: skip
    expected = [
        (day, paper.rank, paper.score)
        for day in sorted(digests)
        for paper in digests[day].papers
        if paper.paper.arxiv_id == SHARED
    ]
    assert [(date.fromisoformat(d), int(r), int(s.replace(",", ""))) for _, d, r, s in rows] == expected
    assert len(expected) == 2
    for href, *_ in rows:
        path, anchor = href.split("#")
        day_page = scan(objects[path.lstrip("/") + "index.html"].body)
        assert anchor in day_page.ids
    # The chart is drawn with the same numbers: one point per day, labelled with its rank and score.
    circles = [e for e in page.all("circle")]
    assert len(circles) == 2
    svg = next(e for e in page.all("svg") if e.attrs.get("role") == "img")
    assert svg.attrs.get("aria-labelledby") == "chart-title" and "chart-title" in page.ids
    assert not [e for e in page.elements if "style" in e.attrs]


def test_a_papers_mentions_are_summed_over_its_days_and_its_posts_merged(site_objects) -> None:
    digests, _ = site_objects
    listings = [p for day in sorted(digests) for p in digests[day].papers if p.paper.arxiv_id == SHARED]
    page, _ = _page_of(site_objects, SHARED)
    x_posts = sum(p.engagement["x"]["posts"] for p in listings)
    x_score = sum(p.engagement["x"]["score"] for p in listings)
    assert f"{x_posts} posts" in page.text and f"= {x_score:,} points" in page.text
    # The same post listed on both days is shown once; cards are ordered by score.
    posts = {(post.source, post.post_id): post for p in listings for post in p.top_posts}
    cards = [e for e in page.all("li") if "post" in (e.attrs.get("class") or "").split()]
    assert len(cards) == min(len(posts), PAPER_PAGE_POSTS)
    scores = [
        int(s.split()[0].replace(",", "")) for s, st in page.texts if st and st[-1].attrs.get("class") == "post__score"
    ]
    assert scores == sorted(scores, reverse=True) and len(scores) == len(cards)


def test_a_papers_page_caps_its_posts_and_says_how_many_there_are() -> None:
    digests = sample_site_digests()
    paper = digests[D2].papers[0]
    many = tuple(replace(paper.top_posts[0], post_id=str(10**18 + n), score=n) for n in range(PAPER_PAGE_POSTS + 5))
    digest = replace(digests[D2], papers=(replace(paper, top_posts=many),))
    history = [HistoryEntry(D2, 1, paper.score)]
    page = scan(render_paper(paper.paper.arxiv_id, history, {D2: digest}, SITE).body)  # type: ignore[union-attr]
    cards = [e for e in page.all("li") if "post" in (e.attrs.get("class") or "").split()]
    assert len(cards) == PAPER_PAGE_POSTS
    assert f"The {PAPER_PAGE_POSTS} highest-scoring of its {PAPER_PAGE_POSTS + 5} top posts" in page.text


def test_every_paper_gets_one_page_and_an_odd_id_none() -> None:
    assert paper_page_key("2105.14103") == "papers/2105.14103/index.html"
    assert paper_page_key("hep-th/9901001") == "papers/hep-th/9901001/index.html"
    for odd in ("2105.14103v2", "../etc", "2105.14103/../../x", "", "<script>"):
        assert paper_page_key(odd) is None
    digests = sample_site_digests()
    objects = render_site(digests, summaries_of(digests), SITE)
    ids = {p.paper.arxiv_id for d in digests.values() for p in d.papers}
    assert sorted(o.key for o in objects if o.key.startswith("papers/")) == sorted(
        f"papers/{i}/index.html" for i in ids
    )


def test_paper_pages_render_byte_identical_twice() -> None:
    digests = sample_site_digests()
    first = {o.key: o.body for o in render_site(digests, summaries_of(digests), SITE) if o.key.startswith("papers/")}
    again = {o.key: o.body for o in render_site(digests, summaries_of(digests), SITE) if o.key.startswith("papers/")}
    assert first == again and first


# ------------------------------------------------------------------ links to the page


def test_titles_link_to_the_papers_page_on_day_category_and_feed(site_objects) -> None:
    digests, objects = site_objects
    day = scan(objects["digests/2021-06-01/index.html"].body)
    titles = [e for e in day.all("a") if any(a.tag == "h2" and "paper__title" in (a.attrs.get("class") or "")
                                              for a in e.ancestors)]  # fmt: skip
    assert [a.attrs["href"] for a in titles] == [f"/papers/{p.paper.arxiv_id}/" for p in digests[D2].papers]

    category = scan(objects["categories/cs.CV/index.html"].body)
    assert f"/papers/{SHARED}/" in category.attr_values("href")
    assert f"/digests/2021-06-01/#arxiv-{SHARED}" in category.attr_values("href")  # the rank: into the day

    feed = feedparser.parse(render_feed(summaries_of(digests), SITE).body)
    content = feed.entries[1].content[0].value
    assert f'href="https://hotpapers.example.org/papers/{digests[D2].papers[0].paper.arxiv_id}/"' in content


def test_a_day_page_leaves_a_title_unlinked_when_told_its_page_is_not_up() -> None:
    digests = sample_site_digests()
    waiting = digests[D2].papers[0].paper.arxiv_id
    page = scan(render_day(digests[D2], None, None, SITE, None, lambda arxiv_id: arxiv_id != waiting)[0].body)
    hrefs = page.attr_values("href")
    assert f"/papers/{waiting}/" not in hrefs and f"/papers/{digests[D2].papers[1].paper.arxiv_id}/" in hrefs
    assert digests[D2].papers[0].paper.abs_url in hrefs  # its title still leads somewhere: arXiv


def test_category_archive_pages_link_to_paper_pages() -> None:
    days = [date(2021, 1, 1 + n) for n in range(12)]
    summaries = [_summary(day, *((f"2101.{n:03d}{k:02d}", 100) for k in range(20))) for n, day in enumerate(days)]
    objects = by_key(render_categories(summaries, SITE))
    archive = scan(objects["categories/cs.LG/page/1/index.html"].body)
    assert "/papers/2101.00000/" in archive.attr_values("href")


# ------------------------------------------------------------------ the sitemap


def test_the_sitemap_lists_paper_pages_and_splits_past_the_limit() -> None:
    digests = sample_site_digests()
    summaries = summaries_of(digests)
    (whole,) = render_sitemaps(summaries, SITE)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.fromstring(whole.body).findall("s:url/s:loc", ns)]
    assert f"https://hotpapers.example.org/papers/{SHARED}/" in locs
    assert sum("/papers/" in (loc or "") for loc in locs) == len(paper_histories(summaries))

    parts = render_sitemaps(summaries, SITE, limit=10)
    index = parts[-1]
    assert index.key == "sitemap.xml" and [p.key for p in parts[:-1]] == [
        f"sitemaps/{n}.xml" for n in range(1, len(parts))
    ]
    listed = [e.text for e in ET.fromstring(index.body).findall("s:sitemap/s:loc", ns)]
    assert listed == [f"https://hotpapers.example.org/{p.key}" for p in parts[:-1]]
    split = [e.text for p in parts[:-1] for e in ET.fromstring(p.body).findall("s:url/s:loc", ns)]
    assert split == locs and all(len(ET.fromstring(p.body)) <= 10 for p in parts[:-1])
