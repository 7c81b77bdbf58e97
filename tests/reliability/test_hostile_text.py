"""Hostile text through the whole pipeline, opened in real headless Chromium.

The hostile day (tests/support/hostile_dataset.py) is served by the fake upstreams in each
upstream's wire format: arXiv's Atom (titles, abstracts, authors, comments, journal refs, DOIs,
categories) and the X, Bluesky, Hacker News and Hugging Face APIs (post texts, author names,
handles, link targets, display URLs, hashtags, post ids). The real collect handler collects it
into moto, the bus hands its Collect Finished event to the real publish handler, and
`LocalServer` (what `hotpapers serve` and the demo run) serves the bucket. Then Debian's
Chromium opens every page kind: day page, front page, archive and month, category pages, the
404 page, and the exports (`.md`, `.json`, `feed.xml`).

On every page: no dialog opens, no console error or uncaught exception, the `window.__pwned`
canary stays unset even after every element gets mouseover/focus/error/load events, no element
carries an `on*` attribute, every href/src/cite/action resolves to http(s), no script, image,
frame, object or form exists, and each field's payload reads verbatim as visible text (escaped,
not parsed). The Markdown export is also rendered the way the blog's Gatsby site rendered it
(raw HTML on) and the feed's HTML content the way a feed reader shows it, and held to the same
checks. The 100 KB abstract and post text are shortened on the pages by design
(`site.TEXT_LIMIT`), with a note and a link to the whole text, and the layout holds at desktop
and phone widths.

The Content-Security-Policy: `LocalServer` sends the same policy CloudFront sends
(`site.content_security_policy(header=True)`), the pages carry it as a meta element too, the
site runs under it with no violation, and an injected inline script is refused. With
`HOTPAPERS_X_WIDGETS=true` the policy admits scripts from https://platform.twitter.com only: a
stand-in widgets.js (served through Playwright's router, as nothing leaves this machine) runs,
an inline script and a script from another https origin are refused.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import pytest
from markdown_it import MarkdownIt
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

from hotpapers.collect.bounds import MAX_ABSTRACT_BYTES, MAX_AUTHORS_BYTES, MAX_FIELD_BYTES, MAX_POST_TEXT_BYTES
from hotpapers.core.calendar_periods import week_of
from hotpapers.core.settings import Settings
from hotpapers.publish.handler import build_site_bucket
from hotpapers.publish.site import TEXT_LIMIT, content_security_policy
from hotpapers.publish.site.sanitize import shorten
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.invoke import invoke
from hotpapers_local.provision import load_template, provision
from hotpapers_local.relay import relay_collect_finished
from hotpapers_local.site_server import LocalServer
from tests.support import ledger
from tests.support.hostile_dataset import (
    DAY,
    LONG_TEXT_BYTES,
    MALFORMED_MARKERS,
    MARKERS,
    PAPER_HOSTILE,
    PAPER_LONG_ABSTRACT,
    PAPER_LONG_POST,
    TEX_BENIGN,
    TEX_HOSTILE,
    TEX_NESTED,
    TEX_SPAM,
    UNSAFE_LINK_TARGETS,
    X_USERNAME,
    hostile_dataset,
    oversized_dataset,
)
from tests.support.site_stack import BSKY, use_site_stack

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
TIMEOUT_MS = 15_000
ISO = DAY.isoformat()
WEEK = week_of(DAY).name
HTML_PAGES = {
    "day page": f"digests/{ISO}/",
    "front page": "",
    "archive": "archive/",
    "archive month": f"archive/{ISO[:7]}/",
    "week page": f"weeks/{WEEK}/",
    "month page": f"months/{ISO[:7]}/",
    "categories": "categories/",
    "category cs.LG": "categories/cs.LG/",
    "category cs.CR": "categories/cs.CR/",
    "category cs.CL": "categories/cs.CL/",
    "paper page": f"papers/{PAPER_HOSTILE}/",
    "paper page (long post)": f"papers/{PAPER_LONG_POST}/",
    "404 page": "digests/1999-01-01/",
}
# A paper's page draws its score chart as an inline SVG (no script, no inline style), besides the logo.
OWN_SVGS = {"paper page": 2, "paper page (long post)": 2}
EXPORTS = {
    "markdown export": f"digests/{ISO}.md",
    "json export": f"digests/{ISO}.json",
    "atom feed": "feed.xml",
    "week markdown export": f"weeks/{WEEK}.md",
}
# What each page kind must show of the hostile day: every field on the pages that show that field.
DIGEST_FIELDS = set(MARKERS)
LISTING_FIELDS = {"arxiv title"}
WIDGETS_URL = "https://platform.twitter.com/widgets.js"
# A stand-in for X's widgets.js: does what the real one does to the page (an iframe from
# platform.twitter.com in place of each post card, sized through the CSSOM) and says it ran.
WIDGETS_STUB = """
window.__widgetsRan = true;
for (const card of document.querySelectorAll('blockquote.twitter-tweet')) {
  const frame = document.createElement('iframe');
  frame.src = 'https://platform.twitter.com/embed/Tweet.html?id=1';
  frame.title = 'X Post';
  frame.style.width = '100%';
  frame.style.height = '200px';
  card.replaceWith(frame);
}
"""

# Runs in every page after load: what a hostile payload could have left in the DOM, and a poke at
# every element with the events inline handlers listen to.
AUDIT_JS = """
() => {
  const urlAttrs = new Set(['href', 'src', 'action', 'formaction', 'cite', 'data', 'poster', 'srcset',
                            'background', 'xlink:href', 'ping', 'codebase', 'manifest']);
  const out = {onAttrs: [], unsafeUrls: [], scripts: [], active: [], styleAttrs: 0, styleElements: 0};
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) out.onAttrs.push(`${el.localName} ${name}`);
      if (name === 'style') out.styleAttrs++;
      if (urlAttrs.has(name)) {
        let scheme;
        try { scheme = new URL(attr.value, document.baseURI).protocol; } catch (e) { scheme = 'unparsable'; }
        if (scheme !== 'http:' && scheme !== 'https:')
          out.unsafeUrls.push(`${el.localName} ${name}=${attr.value.slice(0, 80)}`);
      }
    }
    const tag = el.localName;
    if (tag === 'script') out.scripts.push(el.getAttribute('src') || '(inline)');
    if (tag === 'style') out.styleElements++;
    if (['iframe', 'frame', 'object', 'embed', 'img', 'form', 'base', 'image', 'video', 'audio'].includes(tag))
      out.active.push(tag);
    if (tag === 'meta' && el.httpEquiv && el.httpEquiv.toLowerCase() !== 'content-security-policy')
      out.active.push(`meta http-equiv=${el.httpEquiv}`);
    for (const type of ['mouseover', 'mouseenter', 'pointerover', 'focus', 'error', 'load', 'animationstart'])
      el.dispatchEvent(new Event(type));
  }
  out.svgs = document.querySelectorAll('svg').length;
  out.postLinks = [...document.querySelectorAll('a.post__link')].map(a => a.getAttribute('href'));
  return out;
}
"""


@dataclass
class HostileSite:
    url: str
    widgets_url: str
    collected: dict[str, Any]
    published: list[dict[str, Any]]


@dataclass
class Report:
    """What one page did in Chromium."""

    name: str
    status: int = 0
    content_type: str = ""
    csp_header: str | None = None
    text: str = ""  # the visible text (for the JSON export: its strings, one a line)
    raw: str = ""  # the visible text as the browser showed it
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    pwned: Any = None
    audit: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ the hostile site, built as the demo builds it


@pytest.fixture(scope="module")
def hostile_site(moto_endpoint: str) -> Iterator[HostileSite]:
    dataset, expected = hostile_dataset()
    with pytest.MonkeyPatch.context() as mp, FakeUpstreams(dataset, bsky_credentials=BSKY) as upstreams:
        use_site_stack(mp, upstreams, moto_endpoint, "hotpapers-hostile")
        provision(Settings.from_env())
        collected = invoke("collect", {"date": ISO}, keep_stdout=False)
        published = relay_collect_finished()
        plain = LocalServer(build_site_bucket(Settings.from_env()))  # its CSP: HOTPAPERS_X_WIDGETS=false

        # The same day published again with X widgets on, into a bucket of its own.
        mp.setenv("HOTPAPERS_BUCKET", "hotpapers-hostile-widgets")
        mp.setenv("HOTPAPERS_X_WIDGETS", "true")
        provision(Settings.from_env())
        invoke("publish", {"date": ISO}, keep_stdout=False)
        widgets = LocalServer(build_site_bucket(Settings.from_env()))  # its CSP: HOTPAPERS_X_WIDGETS=true

        with plain, widgets:
            site = HostileSite(plain.url, widgets.url, collected, published)
            site.collected["expected"] = expected
            yield site


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watched(
    browser: Browser,
    origin: str,
    report: Report,
    viewport: tuple[int, int] = (1280, 900),
    allow: Callable | None = None,
) -> Page:
    """A page that records dialogs, console errors, uncaught exceptions and failed requests, and reaches only `origin`
    (plus what `allow` fulfils)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(TIMEOUT_MS)

    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith(origin) or url.startswith(("data:", "about:")):
            route.continue_()
        elif allow is not None and allow(route):
            return
        else:
            route.abort("blockedbyclient")

    context.route("**/*", route)
    page = context.new_page()

    def on_dialog(dialog: Any) -> None:
        report.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            report.console_errors.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: report.page_errors.append(str(error)))
    page.on("requestfailed", lambda request: report.failed_requests.append(f"{request.url} ({request.failure})"))
    return page


def audit(page: Page, report: Report) -> None:
    report.audit = page.evaluate(AUDIT_JS)
    # Let anything the events triggered run: the next frame, then the tasks queued before it.
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))")
    report.pwned = page.evaluate("window.__pwned")


def open_page(browser: Browser, base: str, name: str, path: str) -> Report:
    report = Report(name)
    page = watched(browser, base, report)
    try:
        response = page.goto(base + path, wait_until="load")
        assert response is not None, f"{name}: no response"
        report.status = response.status
        report.content_type = response.headers.get("content-type", "")
        report.csp_header = response.headers.get("content-security-policy")
        audit(page, report)
        report.text = report.raw = page.evaluate(
            "document.body ? document.body.innerText : document.documentElement.textContent"
        )
    finally:
        page.context.close()
    return report


def render_in_browser(browser: Browser, name: str, markup: str, allowed_scripts: tuple[str, ...] = ()) -> Report:
    """HTML from an export, rendered with no CSP at all (as Gatsby or a feed reader would show it), then audited.

    `allowed_scripts` (the format's own, e.g. X's widgets.js after each X post in the blog's Markdown)
    are answered with an empty script and left out of the audit: they are not the data's.
    """
    report = Report(name, status=200, content_type="text/html (rendered)")

    def allow(route: Route) -> bool:
        if route.request.url in allowed_scripts:
            route.fulfill(status=200, content_type="text/javascript", body="")
            return True
        return False

    page = watched(browser, "about:", report, allow=allow)
    try:
        page.set_content(markup, wait_until="load")
        audit(page, report)
        report.text = page.evaluate("document.body.innerText")
    finally:
        page.context.close()
    # The blog's Markdown loads X's widgets.js after each X post: that script is the format's, not the data's.
    report.audit["scripts"] = [s for s in report.audit["scripts"] if s not in allowed_scripts]
    return report


def console_errors(name: str, report: Report) -> list[str]:
    """The page's console errors, less the one Chromium logs for the 404 page's own status."""
    return [e for e in report.console_errors if not (name == "404 page" and "status of 404" in e)]


def json_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in json_strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in json_strings(item)]
    return []


@pytest.fixture(scope="module")
def reports(browser: Browser, hostile_site: HostileSite) -> dict[str, Report]:
    """Every page kind of the hostile site opened in Chromium, and the exports rendered as their readers do."""
    found: dict[str, Report] = {}
    for name, path in {**HTML_PAGES, **EXPORTS}.items():
        found[name] = open_page(browser, hostile_site.url, name, path)

    # The JSON export, read back: its strings are the data, exactly.
    found["json export"].text = "\n".join(json_strings(json.loads(found["json export"].raw)))
    # The Markdown export as the blog's Gatsby site rendered it: CommonMark with raw HTML passed through.
    markdown = found["markdown export"].text
    rendered = MarkdownIt("commonmark", {"html": True}).render(markdown.split("\n---\n", 1)[1])
    found["markdown rendered"] = render_in_browser(
        browser, "markdown rendered", rendered, allowed_scripts=(WIDGETS_URL,)
    )
    # The feed's entry content (type="html") as a feed reader shows it.
    feed = feedparser.parse(found["atom feed"].text)
    assert not feed.bozo, feed.bozo_exception
    # (An Atom title is text: a reader escapes it. The content is HTML: a reader renders it.)
    content = "".join(f"<h2>{html.escape(entry.title)}</h2>" + entry.content[0].value for entry in feed.entries)
    found["feed entry rendered"] = render_in_browser(browser, "feed entry rendered", content)
    found["feed entry rendered"].text = "\n".join([e.title for e in feed.entries] + [found["feed entry rendered"].text])
    return found


# ------------------------------------------------------------------ tests


def test_the_collector_took_in_every_hostile_item(hostile_site: HostileSite) -> None:
    """The payloads really went through: every hostile post and paper was collected and published."""
    expected = hostile_site.collected["expected"]
    (day,) = hostile_site.collected["days"]
    assert day["papers"] == expected.papers and day["papers_fetched"] == expected.papers
    counts = {name: source["posts"] for name, source in day["sources"].items()}
    assert counts == {
        "x": expected.x_posts,
        "bluesky": expected.bluesky_posts,
        "hackernews": expected.hackernews_posts,
        "huggingface": expected.huggingface_posts,
    }, day["sources"]
    assert all(source["error"] is None for source in day["sources"].values())
    (published,) = hostile_site.published
    assert published["days"] == [{"date": ISO, "papers": expected.papers, "candidates": expected.papers}]


def test_no_hostile_payload_runs_or_becomes_markup_on_any_page(reports: dict[str, Report]) -> None:
    problems = []
    for name, report in reports.items():
        expected_status = 404 if name == "404 page" else 200
        if report.status != expected_status:
            problems.append(f"{name}: HTTP {report.status}")
        errors = console_errors(name, report)
        for kind, found in (
            ("dialog", report.dialogs),
            ("console error", errors),
            ("uncaught exception", report.page_errors),
            ("failed request", report.failed_requests),
            ("on* attribute", report.audit["onAttrs"]),
            ("non-http(s) URL", report.audit["unsafeUrls"]),
            ("script", report.audit["scripts"]),
            ("active element", report.audit["active"]),
        ):
            problems += [f"{name}: {kind}: {item}" for item in found]
        if report.pwned is not None:
            problems.append(f"{name}: the canary was set: {report.pwned!r}")
        if report.audit["svgs"] > OWN_SVGS.get(name, 1 if name in HTML_PAGES else 0):  # the site's own, not data's
            problems.append(f"{name}: {report.audit['svgs']} svg elements")
        # (Chromium's own viewer of a text export styles its <pre>: only the site's HTML is held to this.)
        inline_styles = report.audit["styleAttrs"] + report.audit["styleElements"]
        if name in HTML_PAGES and inline_styles:
            problems.append(f"{name}: {inline_styles} inline style attributes or elements")
    assert problems == [], "\n".join(problems)
    # The exports are never served as HTML: a browser shows them as text.
    for name in EXPORTS:
        assert not reports[name].content_type.startswith("text/html"), (name, reports[name].content_type)


def test_every_hostile_field_reads_as_its_own_text(reports: dict[str, Report]) -> None:
    """Each field's payload is visible verbatim where the field is shown: escaped, neither parsed nor dropped."""
    wanted = {
        "day page": DIGEST_FIELDS,
        "front page": DIGEST_FIELDS,
        "week page": DIGEST_FIELDS,
        "month page": DIGEST_FIELDS,
        "json export": DIGEST_FIELDS - {"x username", "bluesky handle", "x link targets", "x link display text"},
        "markdown rendered": {"arxiv title", "arxiv abstract", "arxiv author", "x post text", "bluesky text"},
        "archive": LISTING_FIELDS,
        "archive month": LISTING_FIELDS,
        "category cs.LG": LISTING_FIELDS,
        "category cs.CR": LISTING_FIELDS,
        "feed entry rendered": {"arxiv title", "arxiv author"},
        # A paper's page: its metadata in full, and its posts (the X and Bluesky posts linking it).
        "paper page": {
            "arxiv title",
            "arxiv abstract",
            "arxiv author",
            "arxiv comment",
            "arxiv journal ref",
            "arxiv doi",
            "x post text",
            "x author name",
            "bluesky text",
            "bluesky display name",
        },
        "paper page (long post)": {"huggingface title", "huggingface submitter"},
    }
    missing = [
        f"{page}: {field!r} not shown as text ({MARKERS[field]!r})"
        for page, fields in wanted.items()
        for field in sorted(fields)
        if MARKERS[field] not in reports[page].text
    ]
    assert missing == [], "\n".join(missing)
    # Items whose id would have gone into a post URL but is not that upstream's id were skipped, not shown.
    for marker in MALFORMED_MARKERS:
        assert not any(marker in report.text for report in reports.values()), marker

    scripts_run = sum(report.pwned is not None for report in reports.values())
    dialogs = sum(len(report.dialogs) for report in reports.values())
    errors = sum(len(console_errors(name, report)) + len(report.page_errors) for name, report in reports.items())
    unsafe = sum(len(report.audit["unsafeUrls"]) for report in reports.values())
    for field_name, marker in MARKERS.items():
        ledger.record(
            "hostile_text",
            field=field_name,
            # A code span: docs/reliability.md is Markdown, where a raw payload would be markup.
            payload="`" + (marker if len(marker) <= 60 else marker[:57] + "...") + "`",
            pages_checked=sum(marker in report.text for report in reports.values()),
            scripts_run=scripts_run,
            dialogs=dialogs,
            console_errors=errors,
            unsafe_urls=unsafe,
        )


def test_unsafe_link_targets_stay_text_and_post_links_are_well_formed(reports: dict[str, Report]) -> None:
    text = reports["day page"].text
    for number, target in enumerate(UNSAFE_LINK_TARGETS):
        # The t.co link that expanded to a javascript:/data:/vbscript: target shows as text, not as a link.
        assert f"https://t.co/bad{number:04d}" in text, target
    # A username, handle or id that is not one never goes into a post URL: the source links the post by
    # its id (X), by the author's DID (Bluesky), or skips the item as malformed (a hostile HN id or AT URI).
    links = reports["day page"].audit["postLinks"]
    assert f"@{X_USERNAME}" in text
    x_links = sorted(link for link in links if link.startswith("https://x.com/"))
    assert [link.rsplit("/", 1)[0] for link in x_links] == [
        "https://x.com/i/web/status",  # username '"><img src=x onerror=alert(1)>'
        "https://x.com/i/web/status",  # username "javascript:alert(1)"
        "https://x.com/long_poster/status",
    ], x_links
    assert [link for link in links if "bsky.app" in link] == [
        "https://bsky.app/profile/did:plc:hostile/post/3khostile22a"  # handle "javascript:alert('bsky')"
    ]
    assert [link for link in links if "ycombinator" in link] == ["https://news.ycombinator.com/item?id=27000001"]
    assert len(links) == 6, links  # three X posts, one Bluesky post, one HN story, one HF listing
    ledger.record(
        "findings",
        finding=(
            "Post URLs were built from upstream usernames, handles and ids without checking them: an X "
            'username such as `"><img …>` left the post without any link, `javascript:alert(1)` or a '
            "hostile Bluesky handle gave https links to nowhere (`x.com/javascript:alert(1)/status/…`), a "
            "hostile Bluesky AT URI or HN objectID went into the URL (always https and escaped, never "
            "script, but wrong)"
        ),
        fix=(
            "sources/x.py links by `x.com/i/web/status/<id>` unless the username is one, and skips non-numeric "
            "tweet ids; sources/bluesky.py parses the AT URI (DID, record key) and links by DID when the "
            "handle is not a domain name; sources/hackernews.py skips non-numeric objectIDs (malformed)"
        ),
        test="tests/reliability/test_hostile_text.py::test_unsafe_link_targets_stay_text_and_post_links_are_well_formed",
    )


# For each link inside a post text: where its first and last characters are drawn (same line only).
LINK_ORDER_JS = """
() => [...document.querySelectorAll('.post__text a')].map(a => {
  const walker = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
  const node = walker.nextNode();
  if (!node || node.length < 2) return null;
  const range = document.createRange();
  range.setStart(node, 0); range.setEnd(node, 1);
  const first = range.getBoundingClientRect();
  range.setStart(node, node.length - 1); range.setEnd(node, node.length);
  const last = range.getBoundingClientRect();
  return {text: node.data.slice(0, 40), sameLine: Math.abs(first.top - last.top) < 2, ltr: first.left < last.left};
}).filter(Boolean)
"""


# The formulas of one paper card as Chromium sees them: MathML elements, their layout, their attributes.
MATHML_JS = """
(id) => {
  const MATHML = 'http://www.w3.org/1998/Math/MathML';
  const article = document.querySelector(`article[aria-labelledby='arxiv-${id}']`);
  const maths = [...article.querySelectorAll('math')];
  const inside = [...article.querySelectorAll('math *')];
  return {
    count: maths.length,
    namespaces: [...new Set(maths.map(m => m.namespaceURI))],
    displays: [...new Set(maths.map(m => getComputedStyle(m).display))],
    empty: maths.filter(m => m.getBoundingClientRect().width <= 0).length,
    foreign: inside.filter(e => e.namespaceURI !== MATHML).map(e => e.localName),
    tags: [...new Set([...maths, ...inside].map(e => e.localName))],
    attributes: [...new Set([...maths, ...inside].flatMap(e => [...e.attributes].map(a => a.name)))],
    links: article.querySelectorAll('math a, math [href]').length,
    title: article.querySelector('.paper__title').innerText,
    abstract: article.querySelector('.paper__abstract').innerText,
  };
}
"""


def test_tex_becomes_mathml_in_chromium_and_hostile_tex_stays_text(
    browser: Browser, hostile_site: HostileSite, reports: dict[str, Report]
) -> None:
    """A title and abstract with benign and hostile TeX: real MathML laid out, nothing else, no code run."""
    from hotpapers.publish.site import math as site_math

    report = Report("day page (formulas)")
    page = watched(browser, hostile_site.url, report)
    try:
        page.goto(hostile_site.url + HTML_PAGES["day page"], wait_until="load")
        found = page.evaluate(MATHML_JS, PAPER_LONG_POST)
        audit(page, report)
    finally:
        page.context.close()
    assert report.dialogs == [] and report.console_errors == [] and report.page_errors == []
    assert report.pwned is None and report.audit["onAttrs"] == [] and report.audit["scripts"] == []
    # Chromium finds exactly the formulas the publisher wrote: the title's three, and of the abstract's first
    # MAX_FORMULAS spans (benign, harmless hostile ones, 100 KB of $a$) those the whitelist did not refuse.
    paper = next(p for p in json.loads(reports["json export"].raw)["papers"] if p["arxiv_id"] == PAPER_LONG_POST)
    written = str(site_math.tex_markup(shorten(paper["abstract"], TEXT_LIMIT))).count("<math>")
    assert site_math.MAX_FORMULAS - len(TEX_HOSTILE) <= written <= site_math.MAX_FORMULAS
    assert found["count"] == len(TEX_BENIGN) + written, found["count"]
    assert found["namespaces"] == ["http://www.w3.org/1998/Math/MathML"] and found["foreign"] == []
    assert all("math" in display for display in found["displays"]), found["displays"]  # laid out as MathML
    assert found["empty"] == 0 and found["links"] == 0
    assert set(found["tags"]) <= site_math.MATHML_ELEMENTS
    assert set(found["attributes"]) <= set(site_math.MATHML_ATTRIBUTES)
    # Refused TeX reads as the source it was: the javascript: link, \style, \text with markup, 3,000 braces.
    for source in (MARKERS["arxiv tex"], TEX_HOSTILE[4], TEX_HOSTILE[5]):
        assert source in found["abstract"], source
    assert MARKERS["arxiv tex"] in found["title"] and TEX_NESTED in found["title"]
    # Chromium's text of the formulas: one token a line, single letters in math italic (MathML's math-auto).
    compact = "".join(found["title"].split())
    assert "about:𝜔10fb−1𝑠=13[tex]" in compact, compact[:80]
    assert "$a$ $a$" in found["abstract"]  # the formulas past the first MAX_FORMULAS stay source text
    # Everywhere the TeX is not MathML: the exports keep it exactly.
    json_text = reports["json export"].text
    assert TEX_SPAM.strip() in json_text and TEX_NESTED in json_text and TEX_HOSTILE[1] in json_text
    ledger.record(
        "hostile_text",
        field="TeX in a title and an abstract",
        payload="`\\href{javascript:…}`, `<script>` and quotes inside `$…$`, `\\unicode{x3C}`, `\\style`, "
        "3,000 nested braces, 100 KB of `$a$`",
        pages_checked=1,
        scripts_run=0,
        dialogs=0,
        console_errors=0,
        unsafe_urls=0,
        notes=f"{found['count']} MathML formulas laid out by Chromium (display {', '.join(found['displays'])}), "
        "only whitelisted elements and attributes; refused spans shown as their source; exports keep the TeX",
    )


# Text nodes holding bidi controls, and whether each sits inside an isolate (<bdi> or an element with dir).
# Counts the page's CSP refusals, so a test waits for them instead of for a fixed time.
COUNT_CSP_VIOLATIONS_JS = """
() => {
  window.__cspViolations = 0;
  document.addEventListener('securitypolicyviolation', () => { window.__cspViolations += 1; });
}
"""

BIDI_JS = """
() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = {nodes: 0, unisolated: [], zeroWidth: 0};
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (/[\u200b\ufeff]/.test(node.data)) out.zeroWidth++;
    if (!/[\u202a-\u202e\u2066-\u2069]/.test(node.data)) continue;
    out.nodes++;
    if (!node.parentElement.closest('bdi, [dir]')) out.unisolated.push(node.data.slice(0, 60));
  }
  return out;
}
"""


def test_bidi_overrides_in_a_post_cannot_reverse_its_link_texts(browser: Browser, hostile_site: HostileSite) -> None:
    """A post's unclosed U+202E (RIGHT-TO-LEFT OVERRIDE) must not make a following link's URL read backwards."""
    report = Report("day page, link order")
    page = watched(browser, hostile_site.url, report)
    try:
        page.goto(hostile_site.url + HTML_PAGES["day page"])
        links = page.evaluate(LINK_ORDER_JS)
        title = page.title()
        bidi = page.evaluate(BIDI_JS)
    finally:
        page.context.close()
    # Bidi controls never reach the <title> (it cannot isolate them); in the body each sits in an isolate.
    assert not any(0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in title), repr(title)
    assert bidi["nodes"] >= 10 and bidi["unisolated"] == [], bidi
    assert bidi["zeroWidth"] >= 3  # zero-width characters are kept (they are text), harmless
    measured = [link for link in links if link["sameLine"]]
    assert len(measured) >= 5, links  # the hostile X post's links come after its unclosed overrides
    reversed_links = [link["text"] for link in measured if not link["ltr"]]
    assert reversed_links == [], reversed_links
    ledger.record(
        "findings",
        finding=(
            "An unclosed U+202E in a post text reversed the links after it: a link showing "
            "'arxiv.org/abs/2106.00001' read '10000.6012/sba/gro.vixra' (its href was right, its text spoofable)"
        ),
        fix="templates/macros.html isolates each link's text in the post with `<bdi>`",
        test="tests/reliability/test_hostile_text.py::test_bidi_overrides_in_a_post_cannot_reverse_its_link_texts",
    )
    ledger.record(
        "hostile_text",
        field="bidi overrides and zero-width characters",
        payload="U+202E, U+2066..2069 (some unclosed), U+200B, U+FEFF in titles, names, abstracts, posts",
        pages_checked=1,
        scripts_run=0,
        dialogs=len(report.dialogs),
        console_errors=len(report.console_errors) + len(report.page_errors),
        unsafe_urls=0,
        notes=(
            f"{bidi['nodes']} text nodes hold bidi controls, {len(bidi['unisolated'])} outside an isolate; "
            f"{len(measured)} post links measured, {len(reversed_links)} drawn reversed; none in `<title>`"
        ),
    )


def test_the_audit_sees_what_it_looks_for(browser: Browser) -> None:
    """The checks above are not vacuous: markup that runs code trips each of them."""
    report = render_in_browser(
        browser,
        "control",
        '<img src=x onerror="window.__pwned=1"><a href="javascript:alert(1)">x</a><script>alert(1)</script>',
    )
    assert report.pwned == 1 and report.dialogs == ["alert: 1"]
    assert report.audit["onAttrs"] == ["img onerror"] and report.audit["scripts"] == ["(inline)"]
    assert report.audit["unsafeUrls"] == ["img src=x", "a href=javascript:alert(1)"]
    assert report.audit["active"] == ["img"]


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
        test="tests/reliability/test_hostile_text.py::test_long_texts_are_shortened_on_pages_and_kept_whole_in_the_exports",
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


def template_csp() -> dict[bool, str]:
    """The Content-Security-Policy template.yaml's CloudFront ResponseHeadersPolicy sends, by XWidgets value."""
    resources = load_template(ROOT / "template.yaml")["Resources"]
    behaviour = resources["SiteDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SiteHeadersPolicy"}
    policy = resources["SiteHeadersPolicy"]
    assert policy["Type"] == "AWS::CloudFront::ResponseHeadersPolicy" and policy["Condition"] == "HasCdn"
    csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    assert csp["Override"] is True
    condition, widgets, plain = csp["ContentSecurityPolicy"]["Fn::If"]
    assert condition == "HasXWidgets"
    return {True: widgets, False: plain}


def test_the_server_sends_the_sites_csp_and_it_refuses_inline_script(
    browser: Browser, hostile_site: HostileSite, reports: dict[str, Report]
) -> None:
    header_policy = content_security_policy(False, header=True)
    assert "script-src" not in header_policy and "default-src 'none'" in header_policy  # no script at all
    assert template_csp()[False] == header_policy  # what CloudFront sends is what the local server sends
    for name, report in reports.items():
        if name in HTML_PAGES or name in EXPORTS:
            assert report.csp_header == header_policy, (name, report.csp_header)

    report = Report("inline script injected")
    page = watched(browser, hostile_site.url, report)
    try:
        page.goto(hostile_site.url + HTML_PAGES["day page"])
        meta = page.locator("meta[http-equiv=Content-Security-Policy]").get_attribute("content")
        page.evaluate(COUNT_CSP_VIOLATIONS_JS)
        page.evaluate(
            """() => {
                const s = document.createElement('script');
                s.textContent = 'window.__pwned = "inline"';
                document.head.append(s);
                const img = document.createElement('img');
                img.setAttribute('src', 'x');
                img.setAttribute('onerror', 'window.__pwned = "handler"');
                document.body.append(img);
            }"""
        )
        # The policy refused both (the inline script and the inline handler) before they could run.
        page.wait_for_function("window.__cspViolations >= 2")
        pwned = page.evaluate("window.__pwned")
    finally:
        page.context.close()
    assert meta == content_security_policy(False)
    assert pwned is None
    violations = [e for e in report.console_errors if "Content Security Policy" in e]
    assert len(violations) >= 2, report.console_errors  # the inline script, and the image (img-src 'self' only)
    pages_checked = sum(1 for name in reports if name in HTML_PAGES or name in EXPORTS)
    ledger.record(
        "findings",
        finding=(
            "No Content-Security-Policy response header: the pages carried only a `<meta>` policy (which cannot "
            "set frame-ancestors); the local server sent none and CloudFront used the managed "
            "SecurityHeadersPolicy, which has no CSP"
        ),
        fix=(
            "site.content_security_policy(header=True) is sent by LocalServer on every site response and by a "
            "new AWS::CloudFront::ResponseHeadersPolicy (SiteHeadersPolicy, the managed policy's headers + CSP) "
            "on the distribution's default behaviour; the meta element stays for hosting without CloudFront"
        ),
        test="tests/reliability/test_hostile_text.py::test_the_server_sends_the_sites_csp_and_it_refuses_inline_script",
    )
    ledger.record(
        "hostile_text",
        field="CSP",
        payload=f"`{header_policy}`",
        pages_checked=pages_checked,
        scripts_run=0,
        dialogs=0,
        console_errors=0,
        unsafe_urls=0,
        notes=(
            f"an injected inline script and inline handler were refused ({len(violations)} violations reported); "
            "the same header from LocalServer and template.yaml's SiteHeadersPolicy (CloudFront), "
            "a meta element on every page; the site itself raised no violation"
        ),
    )


def test_with_x_widgets_the_csp_admits_platform_twitter_com_only(browser: Browser, hostile_site: HostileSite) -> None:
    fulfilled: list[str] = []

    def allow(route: Route) -> bool:
        url = route.request.url
        if url == WIDGETS_URL:
            route.fulfill(status=200, content_type="text/javascript", body=WIDGETS_STUB)
        elif url.startswith("https://platform.twitter.com/embed/"):
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>X Post</title><p>post")
        elif url == "https://cdn.example.org/evil.js":
            route.fulfill(status=200, content_type="text/javascript", body="window.__pwned = 'other origin'")
        else:
            return False
        fulfilled.append(url)
        return True

    report = Report("widgets day page")
    page = watched(browser, hostile_site.widgets_url, report, allow=allow)
    try:
        response = page.goto(hostile_site.widgets_url + HTML_PAGES["day page"], wait_until="load")
        assert response is not None and response.status == 200
        header = response.headers.get("content-security-policy")
        page.wait_for_function("window.__widgetsRan === true")
        frames = page.locator("iframe[src^='https://platform.twitter.com/embed/']").count()
        audit(page, report)
        clean_load = list(report.console_errors)
        page.evaluate(COUNT_CSP_VIOLATIONS_JS)
        page.evaluate(
            """() => {
                const inline = document.createElement('script');
                inline.textContent = 'window.__pwned = "inline"';
                document.head.append(inline);
                const other = document.createElement('script');
                other.src = 'https://cdn.example.org/evil.js';
                document.head.append(other);
            }"""
        )
        # The policy refused both scripts (the inline one and the one from another origin).
        page.wait_for_function("window.__cspViolations >= 2")
        pwned = page.evaluate("window.__pwned")
    finally:
        page.context.close()

    assert header == content_security_policy(True, header=True) == template_csp()[True]
    script_src = next(d.strip() for d in header.split(";") if d.strip().startswith("script-src"))
    assert script_src == "script-src https://platform.twitter.com", script_src
    assert frames == 3  # the three X posts of the hostile day became embeds
    assert clean_load == [] and report.page_errors == [] and report.dialogs == []
    assert report.audit["scripts"] == [WIDGETS_URL], report.audit["scripts"]
    assert report.audit["onAttrs"] == [] and report.audit["unsafeUrls"] == []
    assert pwned is None
    assert "https://cdn.example.org/evil.js" not in fulfilled  # refused by the policy before any request
    violations = [e for e in report.console_errors if "Content Security Policy" in e]
    # Each refusal is reported once per policy (the header's and the page's meta element).
    assert any("inline script" in e for e in violations), violations
    assert any("cdn.example.org/evil.js" in e for e in violations), violations
    ledger.record(
        "findings",
        finding=(
            "With X widgets on, the policy allowed scripts from 'self' and https://cdn.syndication.twimg.com "
            "and frames from any https origin, more than widgets.js needs"
        ),
        fix="script-src and frame-src are exactly https://platform.twitter.com (inline style stays allowed: site.py)",
        test="tests/reliability/test_hostile_text.py::test_with_x_widgets_the_csp_admits_platform_twitter_com_only",
    )
    ledger.record(
        "hostile_text",
        field="CSP with X widgets",
        payload=f"`{script_src}`",
        pages_checked=1,
        scripts_run=0,
        dialogs=0,
        console_errors=0,
        unsafe_urls=0,
        notes=(
            "a stand-in widgets.js from platform.twitter.com ran and embedded the 3 X posts without a violation; "
            "an inline script and a script from another https origin were refused"
        ),
    )


def test_texts_past_dynamodbs_item_limit_are_cut_and_the_day_is_kept(
    monkeypatch: pytest.MonkeyPatch, moto_endpoint: str, browser: Browser
) -> None:
    """A 640 KB abstract, 10,000 authors (280 KB) and a 600 KB post: stored bounded, the day collected and published.

    Before the bound, DynamoDB refused the paper's item (over 400 KB) and that failed the whole day's write.
    """
    with FakeUpstreams(oversized_dataset(), bsky_credentials=BSKY) as upstreams:
        values = {
            **upstreams.env(),
            "AWS_ENDPOINT_URL": moto_endpoint,
            "HOTPAPERS_TABLE": "hotpapers-oversized",
            "HOTPAPERS_BUCKET": "hotpapers-oversized",
            "HOTPAPERS_EVENT_BUS": "hotpapers-oversized",
            "HOTPAPERS_X_WIDGETS": "false",
            "HOTPAPERS_X_BEARER_TOKEN": "test-token",
            "HOTPAPERS_BSKY_HANDLE": BSKY[0],
            "HOTPAPERS_BSKY_APP_PASSWORD": BSKY[1],
            "HOTPAPERS_SOURCES": "x,bluesky,hackernews,huggingface",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("HOTPAPERS_SECRET_ID", raising=False)
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
        test="tests/reliability/test_hostile_text.py::test_texts_past_dynamodbs_item_limit_are_cut_and_the_day_is_kept",
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
