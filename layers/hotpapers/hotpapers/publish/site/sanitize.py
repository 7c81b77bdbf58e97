"""Hygiene for untrusted text: forbidden code points, bidi controls, overlong texts, and unsafe URLs."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

# Code points HTML calls parse errors and XML 1.0 forbids: C0/C1 controls (tab, LF and CR aside),
# lone surrogates (which cannot even be encoded) and noncharacters. Everything else is kept.
FORBIDDEN_CODE_POINTS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)
# Bidi embeddings, overrides and isolates: harmless inside <bdi>, but not in <title>, attributes or feeds.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_forbidden(text: str) -> str:
    """The text without the code points HTML and XML forbid (FORBIDDEN_CODE_POINTS)."""
    # Every forbidden code point is non-printable, so printable text (nearly all of it, and this
    # runs on every printed value) skips the regex: str.isprintable is one C loop.
    if text.isprintable():
        return text
    return FORBIDDEN_CODE_POINTS.sub("", text)


def one_line(text: str) -> str:
    """User text for contexts that cannot isolate it (title, meta description, feed titles): one line."""
    return " ".join(BIDI_CONTROLS.sub("", strip_forbidden(text)).split())


def finalize_printed(value: Any) -> Any:
    """Applied by jinja2 to every printed value before it is escaped."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return strip_forbidden(value)
    if value is None:
        return ""
    return value


# The longest abstract or post text a page shows, in characters. arXiv caps abstracts at 1,920
# characters and X's longest posts run to 25,000, so this cuts only the rare or hostile text that
# would turn one card into hundreds of screens (and be repeated on the front page). A cut text ends
# at a word boundary with "…", and the page says how much was left out and links the whole text at
# its source. The exports (digests/D.md, digests/D.json) and the API keep every text whole.
TEXT_LIMIT = 4000
_CUT_SLACK = 200  # how far before the limit a cut may move back to end on a word boundary


def shorten(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its start cut at the last space near the limit."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= limit - _CUT_SLACK:
        cut = cut[:space]
    return cut.rstrip()


_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*")


def is_dns_host(host: str) -> bool:
    """Whether `host` is a DNS name (dot-separated labels of letters, digits and inner hyphens)."""
    return bool(_HOST.fullmatch(host))


_URL_SAFE = "/:?#[]@!$&()*+,;=~-._%"  # not the quote: an href never carries one raw
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_WHITESPACE = re.compile(r"\s")  # re's \s is str.isspace: any Unicode whitespace


def safe_url(value: str | None) -> str | None:
    """The URL if it is a plain http(s) URL to a named host, normalized for an href; otherwise None.

    javascript:, data:, vbscript:, relative and protocol-relative URLs, URLs
    with credentials and hosts that are not DNS names all give None: the
    caller then shows text, never a link.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or FORBIDDEN_CODE_POINTS.search(value) or _WHITESPACE.search(value):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    host = parts.hostname or ""
    if not is_dns_host(host) or (port is not None and not 0 < port < 65536):
        return None
    # Percent-encode what an href may not hold raw (non-ASCII, quotes, brackets…), keep what it may.
    return _BAD_PERCENT.sub("%25", quote(value, safe=_URL_SAFE))
