"""A day of hostile upstream data, in each upstream's own wire format, for the fake upstreams.

Built the way `hotpapers_local.sample` builds the sample day: arXiv entries rendered by
`render_arxiv_entry` (so the hostile text travels XML-escaped inside arXiv's Atom, as arXiv
would send it), X API v2 tweets with X's escaping of `& < >` and entity offsets counted in
the escaped text, Bluesky PostViews, Algolia HN hits and Hugging Face daily-papers items.
Every payload lands in a field that reaches a page: titles, abstracts, authors, comments,
journal references, DOIs, categories, post texts, author names, handles, post ids (which
become post URLs), and the targets of links inside post texts.

Canary payloads set `window.__pwned` (besides calling `alert`), so a test can tell that
injected code ran even where a dialog would not show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hotpapers_local.fakes import UpstreamDataset, render_arxiv_entry
from hotpapers_local.sample import TWITTER_EPOCH_MS, escape_x_text

DAY = date(2021, 6, 1)

SCRIPT = "<script>alert(1)</script>"
SCRIPT_CANARY = "<script>window.__pwned='script'</script>"
IMG = "<img src=x onerror=alert(1)>"
IMG_CANARY = "<img src=x onerror=\"window.__pwned='img'\">"
ATTR = '" onmouseover="alert(1)'
ATTR_SINGLE = "' onfocus='window.__pwned=1' autofocus x='"
SVG = "<svg onload=alert(1)>"
SVG_CANARY = "<svg/onload=window.__pwned='svg'>"
JS_URL = "javascript:alert(1)"
JS_URL_MIXED = "JaVaScRiPt:window.__pwned='js'"
DATA_URL = "data:text/html,<script>alert(1)</script>"
DATA_URL_B64 = "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+"
BROKEN_ENTITIES = "&amp &#x; &#99999999; AT&T R&D & lone &lt &#60script&#62"
BIDI = "\u202egnp.exe\u202c \u2066isolated\u2069 \u2067rtl\u2069 \u2068unclosed-fsi \u202eunclosed-rlo"
ZERO_WIDTH = "zero\u200bwidth\ufeffbom"

# Every payload a text field carries (a title or a post text), in one string.
ALL_PAYLOADS = " ".join(
    [SCRIPT, SCRIPT_CANARY, IMG, IMG_CANARY, ATTR, ATTR_SINGLE, SVG, SVG_CANARY, JS_URL, DATA_URL, BROKEN_ENTITIES]
)
# Strings that must read, as visible text, exactly as sent (the browser's innerText of the page).
VISIBLE = (SCRIPT, SCRIPT_CANARY, IMG, IMG_CANARY, ATTR, SVG, JS_URL, DATA_URL, "&amp &#x; &#99999999;", "AT&T")

# TeX in a title and an abstract: what must never become markup (a javascript: link, a script and quotes
# inside math, \style, 10,000 open braces), and benign formulas that must become MathML.
TEX_HREF = r"$\href{javascript:window.__pwned='href'}{x}$"
TEX_HOSTILE = (
    TEX_HREF,
    "$<script>window.__pwned='tex'</script>$",
    r"$\unicode{x3C}img src=x onerror=alert(1)\unicode{x3E}$",
    '$a" onmouseover="window.__pwned=1$',
    r"$\style{background:url(javascript:alert(1))}{x}$",
    r"$\text{<img src=x onerror=alert(1)>}$",
)
TEX_NESTED = "$" + "{" * 3_000 + "$"  # in a title, which the collector caps at 4,000 bytes
TEX_BENIGN = (r"$\omega$", r"$10~\rm{fb}^{-1}$", r"$\sqrt{s}=13$")
TEX_SPAM = "$a$ " * 25_600  # 100 KB of formulas

X_USERNAME = '"><img src=x onerror=alert(1)>'
BSKY_HANDLE = "javascript:alert('bsky')"

# One marker per hostile field: a label and payloads. Each must read verbatim as visible text on the pages
# that show the field (what proves it was escaped, not parsed), and never act as markup.
MARKERS = {
    "arxiv title": f"[title] {SCRIPT} {IMG}",
    "arxiv abstract": f"[abstract] {ALL_PAYLOADS}",
    "arxiv author": f"[author] {IMG_CANARY}",
    "arxiv category": '[category]"><svg onload=alert(1)>',
    "arxiv comment": f"[comment] {SVG} {ATTR_SINGLE}",
    "arxiv journal ref": f"[journal] {SCRIPT_CANARY}",
    "arxiv doi": '10.1234/"><script>alert(1)</script>',
    "arxiv tex": f"[tex] {TEX_HREF}",  # refused by the MathML whitelist: shown as its source
    "x post text": f"[x-text] {ALL_PAYLOADS}",
    "x author name": f"[x-name] {SCRIPT} {IMG}",
    "x username": "@" + X_USERNAME,
    "x link targets": "https://t.co/bad0000",  # a javascript: target: shown as its t.co text, never linked
    "x link display text": f"[display] {SCRIPT}",
    "x hashtag": '#x"onmouseover="alert(1)',
    "bluesky text": f"[bsky-text] {SCRIPT} {DATA_URL}",
    "bluesky display name": f"[bsky-name] {IMG_CANARY}",
    "bluesky handle": "@" + BSKY_HANDLE,
    "hackernews title": f"[hn-title] {SVG} {BROKEN_ENTITIES} {ATTR}",
    "hackernews author": f"[hn-author] {ATTR_SINGLE}",
    "huggingface title": f"[hf-title] {IMG_CANARY} {SCRIPT}",
    "huggingface submitter": f"[hf-name] {SCRIPT_CANARY} {ATTR}",
}
# Items whose id would go into a post URL but is not an id of that upstream: skipped as malformed.
MALFORMED_MARKERS = ("[bsky-bad-uri]", "[hn-bad-id]")

LONG_TEXT_BYTES = 100 * 1024

PAPER_HOSTILE = "2106.00001"
PAPER_LONG_ABSTRACT = "2106.00002"
PAPER_LONG_POST = "2106.00003"
PAPERS = (PAPER_HOSTILE, PAPER_LONG_ABSTRACT, PAPER_LONG_POST)

# Link targets inside post texts that must never become an href (and one that may, percent-encoded).
UNSAFE_LINK_TARGETS = (JS_URL, JS_URL_MIXED, DATA_URL, DATA_URL_B64, " javascript:alert(1)", "vbscript:msgbox(1)")
QUOTING_URL = 'https://example.org/?q="><script>alert(1)</script>'


def long_text(seed: str, size: int = LONG_TEXT_BYTES) -> str:
    """About `size` bytes of word-like text with payloads, bidi controls and one 5,000-character word."""
    rng = random.Random(seed)
    words = "attention diffusion sparse transformer latent graph causal robust neural planning".split()
    parts = [ALL_PAYLOADS, BIDI, ZERO_WIDTH, "x" * 5000]
    length = sum(len(p) + 1 for p in parts)
    while length < size:
        word = rng.choice(words) + rng.choice(["", "", ",", ".", " " + SCRIPT])
        parts.append(word)
        length += len(word) + 1
    return " ".join(parts)[:size]


@dataclass(frozen=True)
class Expected:
    """What the collector must find in the hostile day."""

    x_posts: int
    bluesky_posts: int
    hackernews_posts: int
    huggingface_posts: int
    papers: int = len(PAPERS)


def _x_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _status_id(moment: datetime, serial: int) -> str:
    return str(((int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22) | serial)


def _tweet(
    serial: int,
    hour: int,
    author_id: str,
    parts: list[tuple[str, dict[str, Any] | None]],
    likes: int,
    lang: str = "en",
) -> dict[str, Any]:
    """An X API v2 tweet from (plain text piece, entity or None) parts; offsets count the escaped text, as X's do."""
    plain = ""
    spans: list[tuple[int, int, dict[str, Any]]] = []
    for piece, entity in parts:
        if entity is not None:
            spans.append((len(plain), len(plain) + len(piece), entity))
        plain += piece
    api_text, offsets = escape_x_text(plain)
    entities: dict[str, list[dict[str, Any]]] = {}
    for start, end, entity in spans:
        kind = entity.pop("kind")
        entities.setdefault(kind, []).append({"start": offsets[start], "end": offsets[end], **entity})
    created = datetime(DAY.year, DAY.month, DAY.day, hour, tzinfo=UTC)
    return {
        "id": _status_id(created, serial),
        "text": api_text,
        "author_id": author_id,
        "created_at": _x_time(created),
        "lang": lang,
        "public_metrics": {"retweet_count": likes // 4, "reply_count": 3, "like_count": likes, "quote_count": 1},
        "entities": entities,
    }


def _url(short: str, expanded: str, display: str | None = None) -> tuple[str, dict[str, Any]]:
    entity = {"kind": "urls", "url": short, "expanded_url": expanded, "display_url": display or expanded}
    return short, entity


def hostile_dataset() -> tuple[UpstreamDataset, Expected]:
    dataset = UpstreamDataset()
    published = (datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC) - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ")

    # ---- arXiv: hostile metadata in every text field; a 100 KB abstract.
    dataset.arxiv_entries[PAPER_HOSTILE] = render_arxiv_entry(
        PAPER_HOSTILE,
        version=1,
        title=f"{MARKERS['arxiv title']} {ATTR} {SVG} {BROKEN_ENTITIES} {BIDI} {ZERO_WIDTH}",
        summary=f"{MARKERS['arxiv abstract']} {BIDI} {ZERO_WIDTH} {DATA_URL_B64} {QUOTING_URL}",
        authors=[
            MARKERS["arxiv author"],
            ATTR,
            SVG_CANARY,
            "Ada \u202eecalevoL",
            "Zero\u200bWidth \ufeffAuthor",
            JS_URL,
        ],
        categories=["cs.LG", MARKERS["arxiv category"], "cs.CR"],
        published=published,
        updated=published,
        comment=f"{MARKERS['arxiv comment']} 12 pages",
        journal_ref=f"{MARKERS['arxiv journal ref']} J. Hostile 1 (2021)",
        doi=MARKERS["arxiv doi"],
    )
    dataset.arxiv_entries[PAPER_LONG_ABSTRACT] = render_arxiv_entry(
        PAPER_LONG_ABSTRACT,
        version=1,
        title=f"A paper with a 100 KB abstract {BIDI} {ZERO_WIDTH}",
        summary=long_text("abstract"),
        authors=["Long Abstract"],
        categories=["cs.CL"],
        published=published,
        updated=published,
    )
    dataset.arxiv_entries[PAPER_LONG_POST] = render_arxiv_entry(
        PAPER_LONG_POST,
        version=1,
        title=f"A paper one post of 100 KB talks about: {' '.join(TEX_BENIGN)} {MARKERS['arxiv tex']} {TEX_NESTED}",
        summary=" ".join((*TEX_BENIGN, MARKERS["arxiv tex"], *TEX_HOSTILE, TEX_SPAM)),
        authors=["Long Post"],
        categories=["cs.CV"],
        published=published,
        updated=published,
    )

    # ---- X: hostile names, usernames, texts, link targets, display URLs, mentions and hashtags.
    users = [
        {"id": "1001", "name": MARKERS["x author name"], "username": X_USERNAME},
        {"id": "1002", "name": f"Bidi \u202eeman\u202c {ZERO_WIDTH}", "username": JS_URL},
        {"id": "1003", "name": ATTR, "username": "long_poster"},
    ]
    abs_hostile = f"https://arxiv.org/abs/{PAPER_HOSTILE}"
    tweet_a: list[tuple[str, dict[str, Any] | None]] = [(f"{MARKERS['x post text']} {BIDI} {ZERO_WIDTH} links: ", None)]
    for number, target in enumerate(UNSAFE_LINK_TARGETS):
        tweet_a += [_url(f"https://t.co/bad{number:04d}", target), (" ", None)]
    tweet_a += [
        _url("https://t.co/quoting01", QUOTING_URL, display=MARKERS["x link display text"]),
        (" ", None),
        _url("https://t.co/paper0001", abs_hostile, display=f"arxiv.org/abs/{PAPER_HOSTILE}"),
        (" ", None),
        ("@javascript", {"kind": "mentions", "username": "javascript"}),
        (":alert(1) ", None),
        ('#x"onmouseover="alert(1)', {"kind": "hashtags", "tag": 'x"onmouseover="alert(1)'}),
    ]
    tweet_b: list[tuple[str, dict[str, Any] | None]] = [
        (f"{SVG_CANARY} {IMG_CANARY} {DATA_URL} ", None),
        _url("https://t.co/paper0002", abs_hostile),
    ]
    long_post = long_text("post")
    tweet_c: list[tuple[str, dict[str, Any] | None]] = [
        _url("https://t.co/paper0003", f"https://arxiv.org/abs/{PAPER_LONG_POST}"),
        (" " + long_post + " ", None),
        _url("https://t.co/tail00001", JS_URL),
    ]
    dataset.x_tweets = [
        _tweet(1, 9, "1001", tweet_a, likes=400),
        _tweet(2, 10, "1002", tweet_b, likes=120, lang='en" onmouseover="alert(1)'),  # goes into lang="…"
        _tweet(3, 11, "1003", tweet_c, likes=300),
    ]
    dataset.x_users = users

    # ---- Bluesky: hostile handle, display name and text, a javascript: facet link; a post whose AT URI
    # (its record key goes into the post URL) is hostile.
    created = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=UTC)

    def bsky_post(uri: str, handle: str, name: str, text: str) -> dict[str, Any]:
        return {
            "uri": uri,
            "cid": "bafyreihostile",
            "author": {"did": "did:plc:hostile", "handle": handle, "displayName": name, "labels": []},
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "text": text,
                "facets": [
                    {
                        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": JS_URL}],
                        "index": {"byteStart": 0, "byteEnd": 8},
                    },
                    {
                        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": abs_hostile}],
                        "index": {"byteStart": 10, "byteEnd": 20},
                    },
                ],
                "langs": ["en"],
            },
            "replyCount": 1,
            "repostCount": 30,
            "likeCount": 90,
            "quoteCount": 0,
            "indexedAt": created.strftime("%Y-%m-%dT%H:%M:%S.500Z"),
            "labels": [],
        }

    dataset.bsky_posts = [
        bsky_post(
            "at://did:plc:hostile/app.bsky.feed.post/3khostile22a",
            BSKY_HANDLE,
            MARKERS["bluesky display name"],
            f"{MARKERS['bluesky text']} {BIDI} arxiv.org/abs/{PAPER_HOSTILE} {JS_URL}",
        ),
        bsky_post(
            'at://did:plc:hostile/app.bsky.feed.post/3k"><script>alert(1)</script>',
            "fine.bsky.social",
            "Fine Name",
            f"{MALFORMED_MARKERS[0]} arxiv.org/abs/{PAPER_HOSTILE}",
        ),
    ]

    # ---- Hacker News: hostile title and author; a hit whose objectID (it goes into the post URL) is hostile.
    hn_created = int(datetime(DAY.year, DAY.month, DAY.day, 13, tzinfo=UTC).timestamp())

    def hn_hit(object_id: str, title: str, author: str) -> dict[str, Any]:
        return {
            "created_at": datetime.fromtimestamp(hn_created, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "title": title,
            "url": f"https://arxiv.org/abs/{PAPER_LONG_ABSTRACT}",
            "author": author,
            "points": 150,
            "num_comments": 40,
            "story_text": None,
            "created_at_i": hn_created,
            "_tags": ["story", "author_hostile", "story_27000001"],
            "objectID": object_id,
        }

    dataset.hn_hits = [
        hn_hit("27000001", MARKERS["hackernews title"], MARKERS["hackernews author"]),
        hn_hit('27000002"><script>alert(1)</script>', f"{MALFORMED_MARKERS[1]} title", "fine_author"),
    ]

    # ---- Hugging Face: hostile title, submitter full name and user name.
    dataset.hf_daily[DAY.isoformat()] = [
        {
            "paper": {
                "id": PAPER_LONG_POST,
                "authors": [{"_id": "a1", "name": IMG, "hidden": False}],
                "publishedAt": f"{(DAY - timedelta(days=1)).isoformat()}T17:00:00.000Z",
                "title": MARKERS["huggingface title"],
                "summary": SCRIPT,
                "upvotes": 80,
            },
            "publishedAt": f"{DAY.isoformat()}T14:00:00.000Z",
            "title": f"{MARKERS['huggingface title']} {BIDI}",
            "numComments": 2,
            "submittedBy": {"_id": "u1", "fullname": MARKERS["huggingface submitter"], "name": JS_URL, "type": "user"},
        }
    ]
    return dataset, Expected(x_posts=3, bluesky_posts=1, hackernews_posts=1, huggingface_posts=1)


OVERSIZED_ABSTRACT = "注意力机制 " * 40_000  # 640 KB of UTF-8: one such item alone is over DynamoDB's 400 KB
OVERSIZED_AUTHORS = [f"Author Number {n} 研究者" for n in range(10_000)]  # 280 KB of names
OVERSIZED_POST = "🔥 " * 120_000  # 600 KB of UTF-8


def oversized_dataset() -> UpstreamDataset:
    """The hostile day with texts past DynamoDB's item limit: an abstract, an author list and a post text."""
    dataset, _ = hostile_dataset()
    published = "2021-05-31T17:00:00Z"
    dataset.arxiv_entries[PAPER_LONG_ABSTRACT] = render_arxiv_entry(
        PAPER_LONG_ABSTRACT,
        version=1,
        title="A paper with a 640 KB abstract " + "長" * 5_000,
        summary=OVERSIZED_ABSTRACT,
        authors=OVERSIZED_AUTHORS,
        categories=["cs.CL"],
        published=published,
        updated=published,
    )
    long_post: list[tuple[str, dict[str, Any] | None]] = [
        _url("https://t.co/paper0003", f"https://arxiv.org/abs/{PAPER_LONG_POST}"),
        (" " + OVERSIZED_POST + " ", None),
        _url("https://t.co/tail00001", "https://example.org/after-the-cut"),
    ]
    dataset.x_tweets[2] = _tweet(3, 11, "1003", long_post, likes=300)
    return dataset
