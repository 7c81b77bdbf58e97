"""Hostile and odd text through every untrusted field: it stays text, never markup, script or a bad link."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from urllib.parse import urlsplit

import feedparser
import pytest

from hotpapers.core.digest import DigestSummary, RankedPaper
from hotpapers.publish.render_plan import render_site
from hotpapers.publish.site import TEXT_LIMIT, SiteConfig, render_day, render_feed, safe_url
from hotpapers.publish.site import math as site_math
from tests.support.edge_case_digests import (
    BAD_URLS,
    CJK,
    EMOJI,
    IMG,
    SCRIPT,
    SINGLE,
    TEX_BENIGN,
    TEX_HOSTILE,
    TEX_SPAM,
    ZERO_WIDTH,
    hostile_digest,
    long_text_digest,
)
from tests.support.site_data import SITE, by_key, html_pages, scan, with_paper

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def objects():
    digest = hostile_digest()
    return by_key(render_site({digest.day: digest}, [DigestSummary.of(digest)], SITE))


@pytest.fixture(scope="module")
def day(objects):
    return objects["digests/2021-06-01/index.html"]


def test_no_markup_from_the_data_reaches_any_page(objects) -> None:
    for key, obj in objects.items():
        if "charset=" not in obj.content_type:  # the icon: bytes made from the package, no data in it
            continue
        body = obj.body.decode("utf-8")
        assert "<script" not in body.lower(), key  # not even the widgets script: off by default
        assert "<img" not in body.lower() and "<b>" not in body, key
        if obj.content_type.startswith("text/html"):
            handlers = [name for e in scan(obj.body).elements for name in e.attrs if name.startswith("on")]
            assert handlers == [], key


def test_hrefs_are_http_urls_or_site_paths_only(objects) -> None:
    for key, page in html_pages(list(objects.values())).items():
        found = scan(page.body)
        for element in found.elements:
            for name in ("href", "src", "cite", "action", "formaction"):
                if name not in element.attrs:
                    continue
                value = element.attrs[name] or ""
                lowered = re.sub(r"[\x00-\x20]", "", value).lower()
                assert not lowered.startswith(("javascript:", "data:", "vbscript:")), f"{key}: {name}={value}"
                scheme = urlsplit(value).scheme
                assert scheme in ("http", "https") or (not scheme and value.startswith(("/", "#"))), value
                assert "//" not in value or scheme, f"{key}: protocol-relative {value}"
                assert not re.search(r"[\s\"'<>]", value), f"{key}: raw character in {value!r}"


def test_attributes_are_always_double_quoted(objects) -> None:
    attribute = r'(?:\s+[a-zA-Z][a-zA-Z0-9:-]*(?:="[^"<>\']*")?)'
    for key, page in html_pages(list(objects.values())).items():
        body = page.body.decode("utf-8")
        for tag in re.findall(r"<[a-zA-Z][^>]*>", body):
            assert re.fullmatch(rf"<[a-zA-Z][a-zA-Z0-9]*{attribute}*\s*/?>", tag), f"{key}: {tag}"


# The page kinds that show the hostile day's full paper cards: its day, its week and its month.
CARD_PAGES = ["digests/2021-06-01/index.html", "weeks/2021-W22/index.html", "months/2021-06/index.html"]


@pytest.mark.parametrize("key", CARD_PAGES)
def test_text_survives_escaped(objects, key: str) -> None:
    day = objects[key]
    body = day.body.decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in body
    text = scan(day.body).text
    for value in (
        SCRIPT,
        IMG,
        SINGLE,
        CJK,
        EMOJI,
        ZERO_WIDTH,
        r"$\omega$-regular",
        r"\textbf{x}",
        r"\cite{foo}",
        "& <T>",
    ):
        assert value in text, value
    assert "javascript:alert(1)" in text  # the bad link is shown as the text it was, not as a link
    assert "No abstract available." in text  # the empty abstract


def test_hostile_tex_stays_text_and_benign_formulas_become_mathml(day) -> None:
    found = scan(day.body)
    math = [e for e in found.elements if e.tag == "math" or any(a.tag == "math" for a in e.ancestors)]
    assert len([e for e in math if e.tag == "math"]) >= 2 * len(TEX_BENIGN) + 100  # title twice, abstract; spam
    allowed = set(site_math.MATHML_ATTRIBUTES)
    assert {name for e in math for name in e.attrs} <= allowed
    assert {e.tag for e in math} <= site_math.MATHML_ELEMENTS
    text = found.text
    for hostile in (TEX_HOSTILE[0], TEX_HOSTILE[5], TEX_HOSTILE[6]):
        assert hostile in text, hostile[:40]  # refused: shown as the source it was, escaped
    # The others convert to harmless formulas: their <, > and quotes are escaped text of <mi>, <mo>, <mtext>.
    body = day.body.decode("utf-8")
    assert "<mi>&lt;</mi><mi>s</mi>" in body and "<mo>&lt;</mo><mi>s</mi>" in body
    assert "<mtext>&#39;\u00a0onfocus=&#39;alert(1)</mtext>" in body  # \\text keeps spaces as no-break ones
    assert TEX_SPAM.strip() in text  # the 100 KB title: too long to convert, shown whole
    spam_abstract = [t for t, stack in found.texts if any(e.attrs.get("class") == "paper__abstract" for e in stack)]
    assert spam_abstract  # the abstract's formulas past the first hundred stay source text


def test_forbidden_code_points_are_dropped_but_the_rest_is_kept(day) -> None:
    body = day.body.decode("utf-8")
    for char in "\x00\x07\x1b\ufffe\U0010ffff":
        assert char not in body
    assert "bellnullescnonchar" in body
    assert "\u200b" in body and "\ufeff" in body and "\u202e" in body


def test_bidi_and_invisible_characters_stay_isolated(day) -> None:
    found = scan(day.body)
    for text, stack in found.texts:
        if re.search("[\u202a-\u202e\u2066-\u2069\u200b\ufeff]", text):
            isolated = any(e.tag == "bdi" or e.attrs.get("dir") == "auto" for e in stack)
            assert isolated, f"unisolated user text {text!r} in {[e.tag for e in stack]}"
    title = next(text for text, stack in found.texts if stack and stack[-1].tag == "title")
    assert "\u202e" not in title
    metas = [e.attrs.get("content") or "" for e in found.all("meta")]
    assert not any("\u202e" in m for m in metas)


def test_unsafe_links_become_text_and_safe_ones_links(day) -> None:
    found = scan(day.body)
    hrefs = found.attr_values("href")
    assert "https://arxiv.org/abs/hep-th/9901001" in hrefs
    quoted = [h for h in hrefs if h.startswith("https://example.org/search")]
    assert quoted == ["https://example.org/search?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&x=%27y%27"]
    assert not [h for h in hrefs if "evil.example" in h or "exa mple" in h]
    # The paper whose abs/pdf URLs are bad has no abstract or PDF button, and no title link.
    article = found.all("article")[0]
    inside = [e for e in found.all("a") if article in e.ancestors]
    assert not [e for e in inside if "button" in (e.attrs.get("class") or "")]
    # Odd category names are shown, never linked; the good one is linked.
    assert [h for h in hrefs if h.startswith("/categories/") and h != "/categories/"] == ["/categories/cs.LG/"]
    # A hostile lang value is not copied into the attribute.
    langs = [e.attrs.get("lang") for e in found.elements if "lang" in e.attrs]
    assert set(langs) <= {"en", ""}


def test_feed_and_sitemap_stay_well_formed(objects) -> None:
    feed_body = objects["feed.xml"].body
    ET.fromstring(feed_body)
    ET.fromstring(objects["sitemap.xml"].body)
    feed = feedparser.parse(feed_body)
    assert feed.bozo == 0, feed.get("bozo_exception")
    entry = feed.entries[0]
    assert "\u202e" not in entry.title
    assert "<script>" not in entry.content[0].value.replace("&lt;script&gt;", "")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2105.14103", "https://arxiv.org/abs/2105.14103"),
        ("http://example.org/a b", None),
        ("https://example.org/ä?q=ü#x", "https://example.org/%C3%A4?q=%C3%BC#x"),
        ("https://example.org/100%", "https://example.org/100%25"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://example.org:99999/", None),
        ("https://", None),
        ("https:///path", None),
        ("HTTPS://EXAMPLE.ORG/", "HTTPS://EXAMPLE.ORG/"),
        ("ftp://example.org/", None),
        ("mailto:a@example.org", None),
        ("/relative", None),
        (None, None),
        ("", None),
    ]
    + [(bad, None) for bad in BAD_URLS],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_lone_surrogates_and_odd_site_titles_do_not_break_rendering() -> None:
    digest = hostile_digest()
    paper: RankedPaper = with_paper(digest.papers[0], title="broken \ud800 surrogate")
    site = SiteConfig(base_url="https://hotpapers.example.org/", title=f"{SCRIPT} Papers")
    body = render_day(replace(digest, papers=(paper,)), None, None, site)[0].body.decode("utf-8")
    assert "broken  surrogate" in body and "<script>" not in body
    feed = feedparser.parse(render_feed([DigestSummary.of(replace(digest, papers=(paper,)))], site).body)
    assert feed.bozo == 0 and feed.feed.title == f"{SCRIPT} Papers"


def test_long_texts_are_shortened_with_a_note_and_whole_links() -> None:
    page = scan(render_day(long_text_digest(), None, None, SITE)[0].body)
    (abstract,) = [
        t for t, open_elements in page.texts if any(e.attrs.get("class") == "paper__abstract" for e in open_elements)
    ]
    assert TEXT_LIMIT - 200 <= len(abstract) <= TEXT_LIMIT + 1 and abstract.endswith("…")
    notes = {
        cls: "".join(t for t, open_elements in page.texts if any(e.attrs.get("class") == cls for e in open_elements))
        for cls in ("paper__more", "post__more")
    }
    assert (
        notes["paper__more"]
        == f"Abstract shortened here: {113_000 - len(abstract) + 1:,} more characters; read it all on arXiv."
    )
    shown = "".join(
        t for t, open_elements in page.texts if any(e.attrs.get("class") == "post__text" for e in open_elements)
    )
    hidden = len(long_text_digest().papers[0].top_posts[0].text) - len(shown) + 1  # the ellipsis is not the post's
    assert notes["post__more"] == f"Post shortened here: {hidden:,} more characters; read the whole post."
    # A link that would cross the limit is left out whole, never cut; so is every link after it.
    hrefs = page.attr_values("href")
    assert "https://example.org/a" not in hrefs and "https://example.org/b" not in hrefs
    assert shown.endswith("readers…") and "https://t.co/straddles" not in shown


# ------------------------------------------------------------------ a paper's page (papers/<id>/)


@pytest.fixture(scope="module")
def paper_page(objects):
    return objects["papers/2105.14103/index.html"]


def test_a_papers_page_shows_hostile_text_as_text(paper_page) -> None:
    body = paper_page.body.decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script" not in body.lower()
    found = scan(paper_page.body)
    for value in (SCRIPT, IMG, SINGLE, CJK, EMOJI, ZERO_WIDTH, r"$\omega$-regular", "& <T>"):
        assert value in found.text, value
    # Bidi and invisible characters stay isolated here too, and out of the document title.
    for text, stack in found.texts:
        if re.search("[\u202a-\u202e\u2066-\u2069\u200b\ufeff]", text):
            assert any(e.tag == "bdi" or e.attrs.get("dir") == "auto" for e in stack), text
    title = next(text for text, stack in found.texts if stack and stack[-1].tag == "title")
    assert "\u202e" not in title and "<script>" in title  # the title element's text, escaped in the markup
    assert "<title><script>" not in body


def test_a_papers_page_links_only_safe_targets(paper_page) -> None:
    hrefs = scan(paper_page.body).attr_values("href")
    # Its abs and PDF URLs are unsafe: no button for them; the other sites are built from the checked id.
    assert "javascript:alert(1)" not in hrefs and not [h for h in hrefs if h.startswith("data:")]
    for url in (
        "https://arxiv.org/html/2105.14103",
        "https://www.alphaxiv.org/abs/2105.14103",
        "https://huggingface.co/papers/2105.14103",
    ):
        assert url in hrefs
    assert [h for h in hrefs if h.startswith("/categories/") and h != "/categories/"] == ["/categories/cs.LG/"]
    assert "/digests/2021-06-01/#arxiv-2105.14103" in hrefs


def test_an_odd_arxiv_id_gets_no_page_and_no_link() -> None:
    digest = hostile_digest()
    odd = with_paper(digest.papers[1], arxiv_id='../"><script>', rank=2)
    digest = replace(digest, papers=(digest.papers[0], odd))
    objects = by_key(render_site({digest.day: digest}, [DigestSummary.of(digest)], SITE))
    assert sorted(k for k in objects if k.startswith("papers/")) == ["papers/2105.14103/index.html"]
    for key, page in html_pages(list(objects.values())).items():
        assert not [h for h in scan(page.body).attr_values("href") if h.startswith(("/papers/..", "/papers/%"))], key
        assert not [h for h in scan(page.body).attr_values("href") if "/papers/" in h and "script" in h], key
