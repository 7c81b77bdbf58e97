"""The hostile site of the reliability suites (tests/reliability/test_hostile_text.py, test_long_texts.py,
test_site_csp.py): the hostile day (tests/support/hostile_dataset.py) collected and published as the demo
does it, served by `LocalServer`, and every page kind of it opened in headless Chromium.

The site is built once per session (a collect and two publishes, without and with X widgets) and its pages
are opened once, in the browser of the first module that asks; a `Report` is what one page did there.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import feedparser
import pytest
from markdown_it import MarkdownIt
from playwright.sync_api import Browser, ConsoleMessage, Page, Route

from hotpapers.core.calendar_periods import week_of
from hotpapers.core.settings import Settings
from hotpapers.publish.handler import build_site_bucket
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.invoke import invoke
from hotpapers_local.provision import provision
from hotpapers_local.relay import relay_collect_finished
from hotpapers_local.site_server import LocalServer
from tests.support.hostile_dataset import DAY, PAPER_HOSTILE, PAPER_LONG_POST, hostile_dataset
from tests.support.site_stack import BSKY, use_site_stack

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
EXPORTS = {
    "markdown export": f"digests/{ISO}.md",
    "json export": f"digests/{ISO}.json",
    "atom feed": "feed.xml",
    "week markdown export": f"weeks/{WEEK}.md",
}
WIDGETS_URL = "https://platform.twitter.com/widgets.js"

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
    reports: dict[str, Report] | None = None  # every page kind as Chromium saw it: `reports` fills it


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


@pytest.fixture(scope="session")
def hostile_site(moto_endpoint: str) -> Iterator[HostileSite]:
    """The stack's environment holds only while the site is built: the servers keep their bucket and their
    Content-Security-Policy, so the suites after this one see the environment they started with."""
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
    """Every page kind of the hostile site opened in Chromium, and the exports rendered as their readers do.

    Opened once per session, in the first asking module's browser: the reports are what the pages did.
    """
    if hostile_site.reports is None:
        hostile_site.reports = open_every_page(browser, hostile_site)
    return hostile_site.reports


def open_every_page(browser: Browser, hostile_site: HostileSite) -> dict[str, Report]:
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
