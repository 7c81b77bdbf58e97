"""Paper metadata from the arXiv API (Atom over `export.arxiv.org/api/query`).

`parse_feed` turns a response body into `Paper` values; `ArxivClient` fetches
metadata for many ids while keeping to arXiv's terms: one request at a time and
at least `min_interval` seconds between the starts of consecutive requests.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import struct_time
from typing import TYPE_CHECKING, Any
from xml.sax import SAXException

import feedparser

from hotpapers.core.arxiv_ids import normalize_id, ref_from_url
from hotpapers.core.clock import Clock
from hotpapers.core.http import BadBody, HttpClient, UpstreamError
from hotpapers.core.models import Paper, PaperLookupFailure

if TYPE_CHECKING:
    import requests

_WHITESPACE = re.compile(r"\s+")
_ERROR_ID = re.compile(r"^https?://arxiv\.org/api/errors", re.IGNORECASE)
_COUNT = re.compile(r"[0-9]{1,12}")


@dataclass
class ArxivFeed:
    """One parsed API response: papers, the summaries of error entries, and the total hit count."""

    papers: list[Paper] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    total_results: int | None = None
    skipped: int = 0  # entries that were neither a paper nor an error entry (no readable id or date)
    # The XML is not well-formed (e.g. cut off mid-way): feedparser still returns the entries it
    # read before the break, the last one possibly missing fields, so the feed must not be trusted.
    malformed: bool = False


def _clean(value: Any) -> str:
    """Collapse the API's hard wraps and indentation into single spaces."""
    # `is None`, not truthiness: a title that is literally "0" must survive.
    return "" if value is None else _WHITESPACE.sub(" ", str(value)).strip()


def _optional(value: Any) -> str | None:
    cleaned = _clean(value)
    return cleaned or None


def _utc(parsed: struct_time | None) -> datetime | None:
    # feedparser has already converted the timestamp to UTC.
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (ValueError, OverflowError):  # feedparser parses "0000-…" to year 0: no such date, so no date
        return None


def _paper(entry: Any) -> Paper | None:
    ref = ref_from_url(entry.get("id", ""))
    published = _utc(entry.get("published_parsed"))
    updated = _utc(entry.get("updated_parsed"))
    # A new paper's two dates are equal, so one stands in for a missing other.
    published, updated = published or updated, updated or published
    if ref is None or published is None or updated is None:
        return None

    terms = [(entry.get("arxiv_primary_category") or {}).get("term")]
    terms += [tag.get("term") for tag in entry.get("tags", [])]
    categories = tuple(dict.fromkeys(term for term in map(_clean, terms) if term))  # primary first, no repeats

    has_pdf = any(link.get("title") == "pdf" for link in entry.get("links", []))
    return Paper(
        arxiv_id=ref.arxiv_id,
        version=ref.version or 1,
        title=_clean(entry.get("title", "")),
        abstract=_clean(entry.get("summary", "")),
        authors=tuple(_clean(author.get("name")) for author in entry.get("authors", []) if author.get("name")),
        categories=categories,
        published=published,
        updated=updated,
        # Our own canonical URLs: version-less (always the latest) and https,
        # whatever scheme and version the feed used.
        abs_url=f"https://arxiv.org/abs/{ref.arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{ref.arxiv_id}" if has_pdf else None,
        comment=_optional(entry.get("arxiv_comment")),
        journal_ref=_optional(entry.get("arxiv_journal_ref")),
        doi=_optional(entry.get("arxiv_doi")),
    )


def parse_feed(body: bytes | str) -> ArxivFeed:
    """Parse an arXiv API Atom response (both the current and the pre-2020s serialisation)."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    try:
        # A stream, never a str: feedparser would treat a str as a URL or a file name.
        parsed = feedparser.parse(io.BytesIO(raw))
    except Exception:  # noqa: BLE001
        # feedparser reports most broken XML as "bozo", but raises on some: an encoding declaration
        # that is not UTF-8 (<?xml encoding="\xa2"?>) raised UnicodeDecodeError out of the collector.
        # Unreadable is an empty feed, as for any other garbage: the client reports "unreadable".
        return ArxivFeed()

    feed = ArxivFeed(malformed=bool(parsed.get("bozo")) and isinstance(parsed.get("bozo_exception"), SAXException))
    total = parsed.feed.get("opensearch_totalresults")
    # ASCII digits only: str.isdigit() is also true for "¹" or "٣", which int() then refused (ValueError).
    if total is not None and _COUNT.fullmatch(str(total).strip()):
        feed.total_results = int(str(total).strip())

    for entry in parsed.entries:
        if _clean(entry.get("title")) == "Error" and _ERROR_ID.match(entry.get("id", "")):
            feed.errors.append(_clean(entry.get("summary")) or _clean(entry.get("id")))
            continue
        paper = _paper(entry)
        if paper is None:
            feed.skipped += 1
        else:
            feed.papers.append(paper)
    return feed


class ArxivClient:
    """Fetches paper metadata by id in batches, spaced as arXiv's API terms ask."""

    def __init__(
        self,
        http: HttpClient,
        base_url: str,
        clock: Clock,
        min_interval: float = 3.0,
        batch_size: int = 100,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.http = http
        self.base_url = base_url
        self.clock = clock
        self.min_interval = min_interval
        self.batch_size = batch_size
        # HTTP requests sent to arXiv, including HttpClient's retries.
        self.requests = 0
        self._last_start: float | None = None

    def fetch(self, ids: Sequence[str]) -> tuple[dict[str, Paper], list[PaperLookupFailure]]:
        """Metadata of the latest version of each id; never raises for upstream trouble.

        Ids may carry a version or an old-style subject class; results are keyed
        by the normalised version-less id (see `arxiv_ids.normalize_id`). Ids that
        cannot be arXiv ids fail without a request; ids arXiv does not know fail
        with reason "not_found"; ids the API rejected or could not be asked about
        fail with reason "error".
        """
        papers: dict[str, Paper] = {}
        failures: list[PaperLookupFailure] = []
        wanted: dict[str, None] = {}  # an ordered set
        for raw in ids:
            ref = normalize_id(raw)
            if ref is None:
                failures.append(PaperLookupFailure(raw, "error", "not a valid arXiv id"))
            else:
                wanted[ref.arxiv_id] = None

        unique = list(wanted)
        for start in range(0, len(unique), self.batch_size):
            batch = unique[start : start + self.batch_size]
            found, failed = self._fetch_batch(batch, retry_alone=len(batch) > 1)
            papers.update(found)
            failures.extend(failed)
        return papers, failures

    def _fetch_batch(self, batch: list[str], retry_alone: bool) -> tuple[dict[str, Paper], list[PaperLookupFailure]]:
        try:
            feed = self._query(batch)
        except UpstreamError as exc:
            return {}, [PaperLookupFailure(arxiv_id, "error", str(exc)) for arxiv_id in batch]

        if feed.errors:
            # arXiv rejects the whole id_list for one malformed id, so ask for
            # each id alone once: the good ones still get their metadata.
            if retry_alone:
                papers: dict[str, Paper] = {}
                failures: list[PaperLookupFailure] = []
                for arxiv_id in batch:
                    found, failed = self._fetch_batch([arxiv_id], retry_alone=False)
                    papers.update(found)
                    failures.extend(failed)
                return papers, failures
            detail = "; ".join(feed.errors)
            return {}, [PaperLookupFailure(arxiv_id, "error", detail) for arxiv_id in batch]

        if feed.total_results is None and not feed.papers:
            # Not an Atom feed at all (an HTML error page, a truncated body):
            # that says nothing about whether the papers exist.
            return {}, [PaperLookupFailure(arxiv_id, "error", "unreadable arXiv response") for arxiv_id in batch]

        by_id = {paper.arxiv_id: paper for paper in feed.papers}
        found = {arxiv_id: by_id[arxiv_id] for arxiv_id in batch if arxiv_id in by_id}
        missing = [PaperLookupFailure(arxiv_id, "not_found") for arxiv_id in batch if arxiv_id not in by_id]
        return found, missing

    def _query(self, batch: list[str]) -> ArxivFeed:
        """One API request, started no sooner than `min_interval` after the previous one."""
        if self._last_start is not None:
            wait = self._last_start + self.min_interval - self.clock.monotonic()
            if wait > 0:
                self.clock.sleep(wait)
        self._last_start = self.clock.monotonic()

        params = {"id_list": ",".join(batch), "start": 0, "max_results": self.batch_size}
        before = self.http.requests_made
        try:
            # arXiv answers a malformed id with HTTP 400 and an error feed worth reading. A 200 whose
            # body is no Atom feed, or a feed cut off, is retried by HttpClient (see _read_feed).
            return self.http.fetch(self.base_url, _read_feed, params=params, ok_status=frozenset({200, 400}))
        finally:
            self.requests += self.http.requests_made - before


def _read_feed(response: requests.Response) -> ArxivFeed:
    """The parsed answer; `BadBody` for a 200 that is not a whole Atom feed (an HTML error page, a cut-off body)."""
    feed = parse_feed(response.content)
    if response.status_code == 400:
        if not feed.errors:
            # A 400 without the usual error entry is still a rejection.
            feed.errors.append(f"HTTP 400: {response.text[:200]!r}")
        return feed
    if feed.malformed:
        raise BadBody("an Atom feed that is not well-formed XML (cut off?)")
    if feed.total_results is None and not feed.papers and not feed.errors:
        raise BadBody(f"a body that is not an Atom feed ({response.headers.get('Content-Type', 'no Content-Type')})")
    return feed
