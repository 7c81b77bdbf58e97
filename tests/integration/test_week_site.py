"""The demo's week as a reader and a crawler meet it: every page kind, every link, every feed, in Chromium.

Built exactly as `hotpapers demo` builds it (`collect_and_publish(WEEK_DAYS)`: the collect handler per day,
one publish, for the port it serves on), served by `LocalServer` as S3 website hosting would. Then:
scripts/crawl_site.py follows every internal link and feed (each must be a 200, each #fragment an id,
each feed free of feedparser's bozo); the Nu HTML checker reads every crawled page; Chromium opens one
page of every kind in light, dark and a 390 px viewport (no console error, no page wider than the
viewport; screenshots under test-output/); and each paper's history (its page, the API) is the stored
digests'.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from playwright.sync_api import Browser

from hotpapers.core.clock import SystemClock
from hotpapers.core.settings import Settings
from hotpapers.core.store import build_store
from hotpapers.publish.handler import build_site_bucket
from hotpapers_local.apigw import api_gateway_proxy
from hotpapers_local.demo import collect_and_publish, site_url_environment
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.provision import provision
from hotpapers_local.sample import SAMPLE_WEEK, WEEK_DAYS, load_week_dataset
from hotpapers_local.site_server import LocalServer
from tests.support.browser import ICON_PATH, ServedRequests, png_size, wait_for_icon
from tests.support.site_stack import BSKY, use_site_stack

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
PAPER = "2106.01345"  # Decision Transformer: X, Bluesky, Hacker News and Hugging Face, on two days
# One page of every kind, and the 404 a missing URL gets.
PAGE_KINDS = {
    "front": "",
    "day": "digests/2021-06-01/",
    "week": f"weeks/{SAMPLE_WEEK}/",
    "month": "months/2021-06/",
    "paper": f"papers/{PAPER}/",
    "category": "categories/cs.LG/",
    "categories": "categories/",
    "feeds": "feeds/",
    "archive": "archive/",
    "archive-month": "archive/2021-06/",
    "404": "digests/1999-01-01/",
}
MODES = {"light": ("light", 1280), "dark": ("dark", 1280), "390px": ("light", 390)}


def _crawler() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crawl_site", ROOT / "scripts" / "crawl_site.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


crawl_site = _crawler()


@pytest.fixture(scope="module")
def site_responses() -> ServedRequests:
    """What the site's server answered (the icon's request, which Playwright does not report)."""
    return ServedRequests()


@pytest.fixture(scope="module")
def served(moto_endpoint: str, site_responses: ServedRequests) -> Iterator[tuple[str, Settings]]:
    """The demo's week published for the server's own port, and that server."""
    with pytest.MonkeyPatch.context() as mp, FakeUpstreams(load_week_dataset(), bsky_credentials=BSKY) as upstreams:
        use_site_stack(mp, upstreams, moto_endpoint, "hotpapers-week-site")
        settings = Settings.from_env()
        provision(settings)
        bucket = build_site_bucket(settings)
        server = LocalServer(bucket, api=api_gateway_proxy, host="127.0.0.1", port=0, on_response=site_responses.record)
        with server:
            for key, value in site_url_environment(server.url).items():
                mp.setenv(key, value)
            collect_and_publish(WEEK_DAYS)
            yield server.url, Settings.from_env()


@pytest.fixture(scope="module")
def crawl(served: tuple[str, Settings]):  # type: ignore[no-untyped-def]
    return crawl_site.crawl(served[0])


def test_every_internal_link_and_fragment_resolves_and_every_feed_parses(crawl, served) -> None:  # type: ignore[no-untyped-def]
    site = served[0]
    assert crawl.problems == [], "\n".join(crawl.problems[:40])
    pages = set(crawl.html_pages)
    for kind, path in PAGE_KINDS.items():
        if kind != "404":
            assert site + path in pages, f"the crawl never reached the {kind} page {path}"
    # Every day, every paper of the week, the week and both months are reachable by links alone.
    store = build_store(served[1], SystemClock())
    digests = store.get_digests(WEEK_DAYS)
    papers = {paper.arxiv_id for digest in digests.values() for paper in digest.papers}
    assert {site + f"papers/{arxiv_id}/" for arxiv_id in papers} <= pages
    assert {site + "months/2021-05/", site + "months/2021-06/"} <= pages
    # The daily feed and one feed per category, each parsed without bozo and with entries.
    categories = {c for digest in digests.values() for paper in digest.papers for c in paper.categories}
    feeds = {url for url in crawl.feeds}
    assert site + "feed.xml" in feeds
    assert {site + f"categories/{c}/feed.xml" for c in categories} <= feeds
    assert all(entries > 0 for entries in crawl.feeds.values()), crawl.feeds
    assert len(crawl.fragments) > 50 and len(pages) > 100


def test_every_crawled_page_passes_the_nu_checker(crawl, served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = crawl_site.save_pages(crawl, served[0], tmp_path)
    _, _, body = crawl_site._get(served[0] + PAGE_KINDS["404"])  # the 404 page, which no link reaches
    (tmp_path / "404.html").write_bytes(body)
    kinds = {path.relative_to(tmp_path).parts[0] for path in files}
    assert {"digests", "weeks", "months", "papers", "categories", "feeds", "archive", "index.html"} <= kinds
    result = crawl_site.nu_check(tmp_path)
    assert result.returncode == 0, (result.stdout + result.stderr)[:5000]


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("kind", list(PAGE_KINDS))
def test_every_page_kind_in_chromium_without_a_console_error(  # type: ignore[no-untyped-def]
    browser: Browser, served, site_responses: ServedRequests, kind: str, mode: str
) -> None:
    """A plain context (no request routing), so the favicon's request and any failure are logged as usual."""
    site = served[0]
    scheme, width = MODES[mode]
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught {error}"))
    page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
    try:
        icons = site_responses.count(ICON_PATH)
        response = page.goto(site + PAGE_KINDS[kind], wait_until="load")
        assert response is not None and response.status == (404 if kind == "404" else 200)
        assert wait_for_icon(page, site_responses, icons) == 200  # Chromium asks for it after the load event
        # A 404 document logs its own status; nothing else may.
        expected = ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
        assert errors == (expected if kind == "404" else []), errors
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
        overflow = page.evaluate("document.scrollingElement.scrollWidth")
        assert overflow <= width, f"{kind} is {overflow} px wide in a {width} px viewport"
        OUTPUT.mkdir(exist_ok=True)
        target = OUTPUT / f"week-{kind}-{mode}.png"
        page.screenshot(path=str(target), full_page=True)
    finally:
        context.close()
    assert png_size(target)[0] == width


def test_each_papers_history_on_its_page_and_in_the_api_is_the_stored_digests(served) -> None:  # type: ignore[no-untyped-def]
    site, settings = served
    store = build_store(settings, SystemClock())
    digests = store.get_digests(WEEK_DAYS)
    expected: dict[str, list[dict[str, object]]] = {}
    for day in sorted(digests):
        for paper in digests[day].papers:
            expected.setdefault(paper.arxiv_id, []).append(
                {"date": day.isoformat(), "rank": paper.rank, "score": paper.score}
            )
    assert any(len(rows) > 1 for rows in expected.values()), "no paper of the week is listed on two days"
    for arxiv_id, history in expected.items():
        status, _, body = crawl_site._get(f"{site}api/papers/{arxiv_id}")
        assert status == 200, arxiv_id
        assert json.loads(body)["history"] == history, arxiv_id
        status, _, page = crawl_site._get(f"{site}papers/{arxiv_id}/")
        assert status == 200, arxiv_id
        table = page.decode().split("<table", 2)
        assert len(table) >= 2, f"{arxiv_id}: no history table"
        rows = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})"', table[1].split("</table>")[0])
        assert rows == [row["date"] for row in history], arxiv_id
        for row in history:
            assert f">{row['rank']}<" in table[1] and f"{row['score']:,}" in table[1], (arxiv_id, row)
