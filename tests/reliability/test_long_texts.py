"""Long texts through the whole pipeline: shortened on the pages, kept whole in the exports, bounded in the table.

On the hostile site (tests/support/hostile_site.py) a 100 KB abstract and a 100 KB post text are shortened
on the pages by design (`site.TEXT_LIMIT`), with a note and a link to the whole text, and the layout
holds at desktop and phone widths, while the exports keep them whole. A day of its own with texts past
DynamoDB's 400 KB item limit (a 640 KB abstract, 10,000 authors, a 600 KB post) is collected with those
texts cut to their bounds, published, and its day page opened in Chromium.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser

from hotpapers.collect.bounds import MAX_ABSTRACT_BYTES, MAX_AUTHORS_BYTES, MAX_FIELD_BYTES, MAX_POST_TEXT_BYTES
from hotpapers.core.settings import Settings
from hotpapers.publish.handler import build_site_bucket
from hotpapers.publish.site import TEXT_LIMIT
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.invoke import invoke
from hotpapers_local.provision import provision
from hotpapers_local.relay import relay_collect_finished
from hotpapers_local.site_server import LocalServer
from tests.support import ledger
from tests.support.hostile_dataset import (
    LONG_TEXT_BYTES,
    PAPER_LONG_ABSTRACT,
    PAPER_LONG_POST,
    oversized_dataset,
)
from tests.support.hostile_site import EXPORTS, HTML_PAGES, ISO, HostileSite, Report, open_page, watched
from tests.support.site_stack import BSKY, use_site_stack

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.browser]


def test_long_texts_are_shortened_on_pages_and_kept_whole_in_the_exports(
    browser: Browser, hostile_site: HostileSite, reports: dict[str, Report]
) -> None:
    """A 100 KB abstract and a 100 KB post text: pages show TEXT_LIMIT characters with a note, exports keep all."""
    figures = {}
    for width, height in ((1280, 900), (390, 844)):
        report = Report(f"day page at {width}px")
        page = watched(browser, hostile_site.url, report, viewport=(width, height))
        try:
            started = time.perf_counter()
            page.goto(hostile_site.url + HTML_PAGES["day page"], wait_until="load")
            figures[width] = time.perf_counter() - started
            layout = page.evaluate(
                """() => ({
                    scrollWidth: document.documentElement.scrollWidth,
                    innerWidth: window.innerWidth,
                    wide: [...document.querySelectorAll('main *')]
                        .filter(e => !e.parentElement.closest('math'))  // a formula scrolls within its own box
                        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                        .map(e => e.localName + '.' + e.className).slice(0, 5),
                })"""
            )
            long_abstract = page.locator(f"article[aria-labelledby='arxiv-{PAPER_LONG_ABSTRACT}']")
            abstract = long_abstract.locator(".paper__abstract").inner_text()
            abstract_note = long_abstract.locator(".paper__more").inner_text()
            long_post = page.locator(f"article[aria-labelledby='arxiv-{PAPER_LONG_POST}']")
            post_text = long_post.locator(".post--x .post__text").inner_text()
            post_note = long_post.locator(".post--x .post__more")
            post_note_text = post_note.inner_text()
            post_note_href = post_note.locator("a").get_attribute("href")
        finally:
            page.context.close()
        assert layout["scrollWidth"] <= layout["innerWidth"], layout
        assert layout["wide"] == [], layout
        assert report.console_errors == [] and report.page_errors == [] and report.dialogs == []
        assert TEXT_LIMIT - 250 < len(abstract) <= TEXT_LIMIT + 1 and abstract.endswith("…"), len(abstract)
        assert "Abstract shortened here" in abstract_note and "more characters" in abstract_note
        assert TEXT_LIMIT - 250 < len(post_text) <= TEXT_LIMIT + 1 and post_text.endswith("…"), len(post_text)
        assert "Post shortened here" in post_note_text
        assert post_note_href is not None and urlsplit(post_note_href).scheme == "https"

    # The exports keep the whole text: the JSON document, and the Markdown as Gatsby renders it.
    papers = {paper["arxiv_id"]: paper for paper in json.loads(reports["json export"].raw)["papers"]}
    assert len(papers[PAPER_LONG_ABSTRACT]["abstract"]) >= LONG_TEXT_BYTES - 64
    assert max(len(post["text"]) for post in papers[PAPER_LONG_POST]["top_posts"]) >= LONG_TEXT_BYTES
    ledger.record(
        "findings",
        finding=(
            "A 100 KB abstract or post text was rendered whole on the day page and again on the front page "
            "(about 260 KB of HTML, hundreds of screens for one card)"
        ),
        fix=(
            f"site.py shows at most TEXT_LIMIT={TEXT_LIMIT} characters of an abstract or post text, cut at a word "
            "boundary with '…' and a note linking the whole text at arXiv / on the post (links are never cut); "
            "the .md/.json exports and the API keep the whole text"
        ),
        test="tests/reliability/test_long_texts.py::test_long_texts_are_shortened_on_pages_and_kept_whole_in_the_exports",
    )
    ledger.record(
        "hostile_text",
        field="100 KB abstract and post text",
        payload=f"{LONG_TEXT_BYTES // 1024} KB each; pages show {TEXT_LIMIT} characters + a note, exports all",
        pages_checked=2,
        scripts_run=0,
        dialogs=0,
        console_errors=0,
        unsafe_urls=0,
        notes=(
            f"no horizontal overflow at 1280 and 390 px; the day page loads in {figures[1280]:.2f} s and "
            f"{figures[390]:.2f} s; the JSON export keeps both texts whole"
        ),
    )


def test_texts_past_dynamodbs_item_limit_are_cut_and_the_day_is_kept(
    monkeypatch: pytest.MonkeyPatch, moto_endpoint: str, browser: Browser
) -> None:
    """A 640 KB abstract, 10,000 authors (280 KB) and a 600 KB post: stored bounded, the day collected and published.

    Before the bound, DynamoDB refused the paper's item (over 400 KB) and that failed the whole day's write.
    """
    with FakeUpstreams(oversized_dataset(), bsky_credentials=BSKY) as upstreams:
        use_site_stack(monkeypatch, upstreams, moto_endpoint, "hotpapers-oversized")
        provision(Settings.from_env())
        started = time.perf_counter()
        collected = invoke("collect", {"date": ISO}, keep_stdout=False)
        (published,) = relay_collect_finished()
        seconds = time.perf_counter() - started
    (day,) = collected["days"]
    assert day["papers"] == 3 and day["papers_fetched"] == 3 and day["items_written"] == 12, day
    assert all(source["error"] is None for source in day["sources"].values())
    assert published["days"] == [{"date": ISO, "papers": 3, "candidates": 3}]

    bucket = build_site_bucket(Settings.from_env())
    found = bucket.get(EXPORTS["json export"])
    assert found is not None
    with LocalServer(bucket) as server:
        page = open_page(browser, server.url, "oversized day page", HTML_PAGES["day page"])
    assert page.status == 200 and page.pwned is None and page.dialogs == [] and page.console_errors == []
    assert page.audit["onAttrs"] == [] and page.audit["unsafeUrls"] == [] and page.audit["scripts"] == []
    assert "Abstract shortened here" in page.text and "Post shortened here" in page.text
    papers = {paper["arxiv_id"]: paper for paper in json.loads(found[0])["papers"]}
    paper = papers[PAPER_LONG_ABSTRACT]
    size = lambda text: len(text.encode("utf-8"))  # noqa: E731
    assert MAX_ABSTRACT_BYTES - 16 < size(paper["abstract"]) <= MAX_ABSTRACT_BYTES
    assert size(paper["title"]) <= MAX_FIELD_BYTES
    assert paper["authors"][-1].endswith("more authors") and sum(map(size, paper["authors"])) <= MAX_AUTHORS_BYTES + 40
    (post,) = [p for p in papers[PAPER_LONG_POST]["top_posts"] if p["source"] == "x"]
    assert MAX_POST_TEXT_BYTES - 16 < size(post["text"]) <= MAX_POST_TEXT_BYTES
    assert [e["expanded_url"] for e in post["entities"]] == [f"https://arxiv.org/abs/{PAPER_LONG_POST}"]
    ledger.record(
        "findings",
        finding=(
            "An upstream text past DynamoDB's 400 KB item limit (a 640 KB abstract) made BatchWriteItem refuse "
            "the item, and that failed the whole day's collection: every paper and post of the day lost"
        ),
        fix=(
            "collect.py bounds upstream text in UTF-8 bytes before storing (post text and abstract 128 KB, "
            "author list 150 KB, other fields 4 KB; entities past a cut dropped; 'and N more authors')"
        ),
        test="tests/reliability/test_long_texts.py::test_texts_past_dynamodbs_item_limit_are_cut_and_the_day_is_kept",
    )
    ledger.record(
        "hostile_text",
        field="texts past DynamoDB's item limit",
        payload="640 KB abstract, 10,000 authors (280 KB), 600 KB post text",
        pages_checked=1,
        scripts_run=0,
        dialogs=0,
        console_errors=0,
        unsafe_urls=0,
        notes=(
            f"collected and published in {seconds:.1f} s, the day page opened in Chromium; stored "
            f"{size(paper['abstract']):,} B of abstract, "
            f"{len(paper['authors']):,} author entries, {size(post['text']):,} B of post text"
        ),
    )
