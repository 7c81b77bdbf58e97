"""Hostile text through the whole pipeline, opened in real headless Chromium.

The hostile day (tests/support/hostile_dataset.py) is served by the fake upstreams in each
upstream's wire format: arXiv's Atom (titles, abstracts, authors, comments, journal refs, DOIs,
categories) and the X, Bluesky, Hacker News and Hugging Face APIs (post texts, author names,
handles, link targets, display URLs, hashtags, post ids). The real collect handler collects it
into moto, the bus hands its Collect Finished event to the real publish handler, and
`LocalServer` (what `hotpapers serve` and the demo run) serves the bucket. Then Debian's
Chromium opens every page kind: day page, front page, archive and month, category pages, the
404 page, and the exports (`.md`, `.json`, `feed.xml`). The site and its pages as Chromium saw
them: tests/support/hostile_site.py.

On every page: no dialog opens, no console error or uncaught exception, the `window.__pwned`
canary stays unset even after every element gets mouseover/focus/error/load events, no element
carries an `on*` attribute, every href/src/cite/action resolves to http(s), no script, image,
frame, object or form exists, and each field's payload reads verbatim as visible text (escaped,
not parsed). The Markdown export is also rendered the way the blog's Gatsby site rendered it
(raw HTML on) and the feed's HTML content the way a feed reader shows it, and held to the same
checks. TeX becomes MathML with nothing else in it, and bidi controls in a post cannot reverse
its links. Long texts: tests/reliability/test_long_texts.py; the Content-Security-Policy:
tests/reliability/test_site_csp.py.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser

from hotpapers.publish.site import TEXT_LIMIT
from hotpapers.publish.site.sanitize import shorten
from tests.support import ledger
from tests.support.hostile_dataset import (
    MALFORMED_MARKERS,
    MARKERS,
    PAPER_LONG_POST,
    TEX_BENIGN,
    TEX_HOSTILE,
    TEX_NESTED,
    TEX_SPAM,
    UNSAFE_LINK_TARGETS,
    X_USERNAME,
)
from tests.support.hostile_site import (
    EXPORTS,
    HTML_PAGES,
    ISO,
    HostileSite,
    Report,
    audit,
    console_errors,
    render_in_browser,
    watched,
)

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.browser]

# A paper's page draws its score chart as an inline SVG (no script, no inline style), besides the logo.
OWN_SVGS = {"paper page": 2, "paper page (long post)": 2}
# What each page kind must show of the hostile day: every field on the pages that show that field.
DIGEST_FIELDS = set(MARKERS)
LISTING_FIELDS = {"arxiv title"}


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
