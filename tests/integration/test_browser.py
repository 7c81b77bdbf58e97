"""The published site in a real browser: Debian's chromium driven by Playwright, loopback only.

The site is built exactly as `hotpapers demo` builds it, in this process: the
sample day 2021-06-01 is collected by the real collect handler (upstreams
replayed on loopback), the collector's Collect Finished event goes from the
bus to the real publish handler, and `LocalServer` serves the bucket the way
S3 website hosting does. One browser per module; one crawl shared by the link
and console checks. Screenshots go to test-output/ (git-ignored).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response

from hotpapers.core.settings import Settings
from hotpapers.publish.handler import build_site_bucket
from hotpapers.publish.site import SiteConfig
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.invoke import invoke
from hotpapers_local.provision import provision
from hotpapers_local.relay import relay_collect_finished
from hotpapers_local.site_server import LocalServer
from tests.support.browser import ICON_PATH, ServedRequests, png_size, wait_for_icon
from tests.support.site_stack import BSKY, use_site_stack

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
DAY = "2021-06-01"
DIGEST = f"digests/{DAY}/"
SAMPLE_PAPERS = 17
FIRST_TITLE = "An Attention Free Transformer"
MAX_URLS = 200
# Published but not necessarily linked from a page: the exports the demo prints, and the crawlers' files.
EXTRA_SEEDS = (f"digests/{DAY}.md", f"digests/{DAY}.json", "feed.xml", "sitemap.xml", "robots.txt")
TIMEOUT_MS = 15_000
# Fetched with page.request (no rendering); everything else is opened as a page.
NON_HTML = (".md", ".json", ".xml", ".txt", ".css", ".js", ".png", ".svg", ".ico", ".webmanifest")


# ------------------------------------------------------------------ the site, built as the demo builds it


@pytest.fixture(scope="module")
def site_responses() -> ServedRequests:
    """What the site's server answered (the icon's request, which Playwright does not report)."""
    return ServedRequests()


@pytest.fixture(scope="module")
def site_url(moto_endpoint: str, sample_dataset, site_responses: ServedRequests) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The `env` fixture's setup at module scope (one build for every test here), then the demo's steps."""
    with pytest.MonkeyPatch.context() as mp, FakeUpstreams(sample_dataset, bsky_credentials=BSKY) as upstreams:
        use_site_stack(mp, upstreams, moto_endpoint, "hotpapers-browser")

        provision(Settings.from_env())
        summary = invoke("collect", {"date": DAY}, keep_stdout=False)
        assert summary, "the collect handler returned nothing"
        published = relay_collect_finished()
        assert published, "the bus delivered no Collect Finished event to the publish handler"

        bucket = build_site_bucket(Settings.from_env())
        with LocalServer(bucket, host="127.0.0.1", port=0, on_response=site_responses.record) as server:
            yield server.url


@dataclass
class Observed:
    """What went wrong while a page loaded: console errors, uncaught exceptions, failed or 4xx/5xx requests."""

    problems: list[str] = field(default_factory=list)


def watched_page(browser: Browser, site_url: str, color_scheme: str = "light") -> tuple[Page, Observed]:
    """A page that records every problem, and that may reach nothing but the site itself."""
    context = browser.new_context(color_scheme=color_scheme, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    origin = origin_of(site_url)

    def only_the_site(route, request) -> None:  # type: ignore[no-untyped-def]
        if origin_of(request.url) == origin or request.url.startswith(("data:", "about:")):
            route.continue_()
        else:
            route.abort("blockedbyclient")  # shows up as a failed request below

    context.route("**/*", only_the_site)
    page = context.new_page()
    observed = Observed()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":  # a CSP violation is reported here too
            observed.problems.append(f"{page.url}: console error: {message.text}")

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            observed.problems.append(f"{page.url}: HTTP {response.status} for {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: observed.problems.append(f"{page.url}: uncaught {error}"))
    page.on("requestfailed", lambda r: observed.problems.append(f"{page.url}: request failed: {r.url} ({r.failure})"))
    page.on("response", on_response)
    return page, observed


def origin_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


# ------------------------------------------------------------------ one crawl, shared by the link and console checks


@dataclass
class Crawl:
    statuses: dict[str, int] = field(default_factory=dict)  # every URL fetched → its status
    html_pages: list[str] = field(default_factory=list)
    linked_from: dict[str, str] = field(default_factory=dict)  # URL → the first page that linked it
    ids: dict[str, set[str]] = field(default_factory=dict)  # HTML page → the ids on it
    fragments: dict[tuple[str, str], str] = field(default_factory=dict)  # (page, #id) → the page linking it
    stylesheets: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)  # console errors and failed requests
    wrong_types: list[str] = field(default_factory=list)
    truncated: bool = False


@pytest.fixture(scope="module")
def crawl(browser: Browser, site_url: str) -> Iterator[Crawl]:
    """Breadth-first from / (and EXTRA_SEEDS) over every same-origin a[href] and link[href], at most MAX_URLS."""
    page, observed = watched_page(browser, site_url)
    result = Crawl()
    origin = origin_of(site_url)
    seeds = [site_url, *(site_url + path for path in EXTRA_SEEDS)]
    queue: deque[str] = deque(seeds)
    seen = set(seeds)
    result.linked_from.update((seed, "(seed)") for seed in seeds)

    def enqueue(href: str, source: str) -> None:
        absolute = urljoin(source, href)
        if origin_of(absolute) != origin:
            return
        target, fragment = urldefrag(absolute)
        if fragment:
            result.fragments.setdefault((target, fragment), source)
        if target not in seen:
            if len(seen) >= MAX_URLS:
                result.truncated = True
                return
            seen.add(target)
            result.linked_from[target] = source
            queue.append(target)

    try:
        while queue:
            url = queue.popleft()
            if urlsplit(url).path.lower().endswith(NON_HTML):
                response = page.request.get(url, max_redirects=0)
                result.statuses[url] = response.status
                continue
            observed.problems.clear()
            response = page.goto(url, wait_until="load")
            assert response is not None, f"no response for {url}"
            result.statuses[url] = response.status
            if response.status != 200:
                continue
            content_type = response.headers.get("content-type", "")
            if not content_type.startswith("text/html"):
                result.wrong_types.append(f"{url}: {content_type} (opened as a page; not .md/.json/.xml)")
                continue
            final = page.url  # after a folder redirect, links resolve against the final URL
            result.html_pages.append(final)
            result.ids[final] = set(page.eval_on_selector_all("[id], a[name]", "els => els.map(e => e.id || e.name)"))
            if final != url:
                result.ids[url] = result.ids[final]
            for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))"):
                enqueue(href, final)
            for rel, href in page.eval_on_selector_all(
                "link[href]", "els => els.map(l => [l.rel, l.getAttribute('href')])"
            ):
                if rel == "stylesheet":
                    result.stylesheets.add(urljoin(final, href))
                if rel != "canonical":  # canonical is the deployed absolute URL, not this server
                    enqueue(href, final)
            result.problems.extend(observed.problems)
        yield result
    finally:
        page.context.close()


# ------------------------------------------------------------------ tests


def test_digest_page_shows_the_seventeen_papers_of_the_sample_day(browser: Browser, site_url: str) -> None:
    page, observed = watched_page(browser, site_url)
    try:
        response = page.goto(site_url + DIGEST)
        assert response is not None and response.status == 200
        papers = page.locator("article[id^=paper-]")
        assert papers.count() == SAMPLE_PAPERS
        ids = papers.evaluate_all("els => els.map(e => e.id)")
        assert ids == [f"paper-{n}" for n in range(1, SAMPLE_PAPERS + 1)]
        first_title = papers.first.locator(".paper__title bdi").inner_text()
        assert first_title == FIRST_TITLE
        assert page.locator("nav.toc li").count() == SAMPLE_PAPERS
        assert "1 June 2021" in page.title(), page.title()
        # The stylesheet applied: the card is laid out by style.css, not the user agent's defaults.
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
        # The day's real TeX (e.g. "$10~\\rm{fb}^{-1}$" of proton collisions) is laid out as MathML.
        formulas = page.locator(".paper__abstract math")
        assert formulas.count() >= 1
        assert formulas.evaluate_all(
            "els => els.every(e => e.namespaceURI === 'http://www.w3.org/1998/Math/MathML'"
            " && getComputedStyle(e).display.includes('math') && e.getBoundingClientRect().width > 0)"
        )
        assert "fb" in page.locator(".paper__abstract math msup").first.text_content()
        assert observed.problems == []
    finally:
        page.context.close()


def test_every_internal_link_resolves(crawl: Crawl, site_url: str) -> None:
    fetched = set(crawl.statuses)
    assert site_url + DIGEST in crawl.html_pages, f"the crawl never reached the digest page: {sorted(fetched)}"
    assert any("/archive/" in url for url in crawl.html_pages)
    assert any("/categories/" in url for url in crawl.html_pages)
    assert not crawl.truncated, f"the crawl stopped at {MAX_URLS} URLs: the site grew, or links loop"

    broken = [
        f"{url} -> {status} (linked from {crawl.linked_from.get(url)})"
        for url, status in crawl.statuses.items()
        if status != 200
    ]
    assert broken == [], "\n".join(broken)
    assert crawl.wrong_types == [], "\n".join(crawl.wrong_types)

    missing_targets = [
        f"{target}#{fragment} (linked from {source})"
        for (target, fragment), source in crawl.fragments.items()
        if fragment not in crawl.ids.get(target, set())
    ]
    assert missing_targets == [], "\n".join(missing_targets)
    assert len(crawl.fragments) >= SAMPLE_PAPERS  # the digest's table of contents, at least

    assert crawl.stylesheets, "no page links a stylesheet"
    for stylesheet in crawl.stylesheets:
        assert crawl.statuses.get(stylesheet) == 200, stylesheet


def test_stylesheet_is_served_as_css(browser: Browser, site_url: str, crawl: Crawl) -> None:
    page, _ = watched_page(browser, site_url)
    try:
        for stylesheet in crawl.stylesheets:
            response = page.request.get(stylesheet)
            assert response.status == 200, stylesheet
            assert response.headers["content-type"].startswith("text/css"), response.headers
            assert b"prefers-color-scheme" in response.body()
    finally:
        page.context.close()


def test_no_console_errors_or_failed_requests_on_any_page(crawl: Crawl) -> None:
    assert len(crawl.html_pages) >= 5
    assert crawl.problems == [], "\n".join(crawl.problems)


def test_a_csp_violation_would_be_caught(browser: Browser, site_url: str) -> None:
    """The console listener sees what the page's CSP blocks (so the check above is not vacuous)."""
    page, observed = watched_page(browser, site_url)
    try:
        page.goto(site_url + DIGEST)
        with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
            page.evaluate("""() => {
                const style = document.createElement('style');
                style.textContent = 'body{}';
                document.head.append(style);
            }""")
        assert any("Content Security Policy" in problem for problem in observed.problems), observed.problems
    finally:
        page.context.close()


def test_sitemap_and_feed_name_only_pages_that_exist(browser: Browser, site_url: str) -> None:
    """They carry the deployed absolute URLs (HOTPAPERS_SITE_URL); rebased onto this server, each must be a page."""
    base = SiteConfig.from_settings(Settings.from_env()).base_url
    page, _ = watched_page(browser, site_url)
    try:
        sitemap = ET.fromstring(page.request.get(site_url + "sitemap.xml").body())
        feed = ET.fromstring(page.request.get(site_url + "feed.xml").body())
        locs = [el.text or "" for el in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
        links = [el.get("href", "") for el in feed.iter("{http://www.w3.org/2005/Atom}link")]
        assert base + DIGEST in locs, locs
        assert base + DIGEST in links, links
        for url in [*locs, *links]:
            assert url.startswith(base), f"{url} is not under the site's base URL {base}"
            response = page.request.get(site_url + url[len(base) :], max_redirects=0)
            assert response.status == 200, f"{url} -> {response.status}"
    finally:
        page.context.close()


@pytest.mark.parametrize(
    ("name", "path", "color_scheme"),
    [
        ("digest", DIGEST, "light"),
        ("index", "", "light"),
        ("digest-dark", DIGEST, "dark"),
    ],
)
def test_full_page_screenshot(browser: Browser, site_url: str, name: str, path: str, color_scheme: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    target = OUTPUT / f"browser-{name}.png"
    target.unlink(missing_ok=True)
    page, observed = watched_page(browser, site_url, color_scheme=color_scheme)
    try:
        response = page.goto(site_url + path)
        assert response is not None and response.status == 200
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        assert dark == (color_scheme == "dark")
        page.screenshot(path=str(target), full_page=True)
        assert observed.problems == []
    finally:
        page.context.close()

    assert target.is_file()
    assert target.stat().st_size > 20_000, f"{target} is only {target.stat().st_size} bytes"
    width, height = png_size(target)
    assert width == 1280
    assert height > 900, "a full-page screenshot is taller than the viewport"
    # Dark mode really changes the page: a dark background, not the light one.
    red, green, blue = (int(v) for v in background[background.index("(") + 1 : background.index(")")].split(",")[:3])
    if color_scheme == "dark":
        assert max(red, green, blue) < 80, background
    else:
        assert min(red, green, blue) > 180, background


def test_a_missing_url_gets_the_sites_404_page(browser: Browser, site_url: str) -> None:
    page, _ = watched_page(browser, site_url)
    try:
        response = page.goto(site_url + "digests/1999-01-01/")
        assert response is not None
        assert response.status == 404
        assert response.headers["content-type"].startswith("text/html")
        assert page.locator("h1").inner_text() == "Page not found"
        assert "Page not found" in page.title()
        home = page.locator("main a[href='/']")
        assert home.count() == 1
        home.click()
        page.wait_for_url(site_url)
        assert page.locator("article[id^=paper-]").count() > 0  # the front page shows the latest digest
    finally:
        page.context.close()


def test_the_brand_mark_is_the_sites_icon_and_its_request_logs_no_error(
    browser: Browser, site_url: str, site_responses: ServedRequests
) -> None:
    """Chromium asks for /favicon.ico on every page, and a 404 there logs "Failed to load resource" in the
    console. The publisher writes the brand mark there, as an ICO that Chromium can draw.

    A plain page, not `watched_page`: under Playwright's request routing Chromium neither reports the
    icon's request nor logs its failure, so a missing icon would go unseen (the site is loopback only).
    """
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        icons = site_responses.count(ICON_PATH)
        page.goto(site_url + DIGEST, wait_until="load")
        assert wait_for_icon(page, site_responses, icons) == 200  # Chromium asks for it after the load event
        assert errors == []
        assert page.eval_on_selector_all("link[rel=icon]", "els => els.map(l => l.href)") == [site_url + "favicon.ico"]
        response = page.request.get(site_url + "favicon.ico")
        assert response.status == 200
        assert response.headers["content-type"] == "image/x-icon"
        assert response.headers["cache-control"] == "public, max-age=604800"
        assert response.body()[:4] == b"\x00\x00\x01\x00"  # ICONDIR: reserved 0, type 1 (icon)
        decoded = page.evaluate(
            """() => new Promise((resolve, reject) => {
                const icon = new Image();
                icon.onload = () => resolve([icon.naturalWidth, icon.naturalHeight]);
                icon.onerror = () => reject(new Error('Chromium could not decode /favicon.ico'));
                icon.src = '/favicon.ico';
            })"""
        )
        assert decoded[0] == decoded[1] and decoded[0] in (16, 32, 48), decoded
    finally:
        context.close()
