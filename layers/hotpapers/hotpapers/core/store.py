"""The single DynamoDB table: typed records in and out, batch writes and the read access patterns.

The item shapes and keys are private to the store (store_collected_items.py, store_published_items.py),
and so is what its pagination cursors hold (store_cursors.py): callers hand it and get back models and
records (core/models.py, core/records.py) and opaque cursors, never items.

See docs/data-model.md for the entities, keys and access patterns. Every read
here is one GetItem, BatchGetItem or Query (paginated), never a Scan.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from hotpapers.core.clock import Clock
from hotpapers.core.digest_bodies import INLINE_BODY_LIMIT, DigestBodies, digest_body_key, period_body_key
from hotpapers.core.store_collected_items import (
    NO_METADATA_PK,
    PROGRESS_SK,
    day_paper_from_item,
    day_pk,
    day_records,
    item_of,
    mention_from_item,
    paper_from_item,
    paper_pk,
    progress_from_item,
)
from hotpapers.core.store_cursors import InvalidCursor as InvalidCursor  # re-exported: what the page reads raise
from hotpapers.core.store_cursors import (
    mentions_after,
    mentions_cursor,
    mentions_prefix,
    summaries_before,
    summaries_cursor,
)

# The history item's attributes, public: the template's IAM condition for the publisher names exactly these.
from hotpapers.core.store_published_items import HISTORY_ATTRIBUTES as HISTORY_ATTRIBUTES
from hotpapers.core.store_published_items import (
    LATEST_PK,
    digest_items,
    history_item,
    paper_records,
    period_digest_item,
    period_pk,
)
from hotpapers.core.store_table import DynamoTable, fast_query_parsing
from hotpapers.core.store_table import StoreError as StoreError  # re-exported: what a refused write raises
from hotpapers.core.store_table import WriteStats as WriteStats

if TYPE_CHECKING:  # imported where used: the API's cold start needs none of these classes
    from hotpapers.core.digest import Digest, DigestSummary
    from hotpapers.core.history import HistoryEntry
    from hotpapers.core.models import DayProgress, Paper
    from hotpapers.core.period_digest import PeriodDigest
    from hotpapers.core.records import CollectedRecord, DayPaper, DayRecords, Mention, PaperRecords
    from hotpapers.core.settings import Settings


class Store(DynamoTable):
    """Typed records in and out of the table (its requests: `DynamoTable`)."""

    def __init__(
        self,
        table_name: str,
        dynamodb: Any,
        clock: Clock,
        max_attempts: int = 8,
        bodies: DigestBodies | None = None,
    ) -> None:
        super().__init__(table_name, dynamodb, clock, max_attempts)
        # Where digest bodies over INLINE_BODY_LIMIT go (S3); None: every digest must fit in its item.
        self.bodies = bodies

    # ---- what the collector writes and reads

    def write(self, records: Iterable[CollectedRecord]) -> WriteStats:
        """Whole-item puts of papers, day papers, mentions, run records and progress (BatchWriteItem)."""
        return self._write_items(item_of(record) for record in records)

    def put(self, record: CollectedRecord) -> None:
        """One record, one PutItem (a run record, a day's progress)."""
        self._put_item(item_of(record))

    def stored_papers(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        """The arXiv metadata stored for these papers, by id (BatchGetItem)."""
        items = self._get_items([(paper_pk(arxiv_id), "META") for arxiv_id in arxiv_ids])
        return {item["arxiv_id"]: paper_from_item(item) for item in items}

    def day(self, day: date) -> DayRecords:
        """The papers, mentions and run record of one day: one Query on GSI1."""
        return day_records(day, self._query("GSI1PK", day_pk(day), index="GSI1"))

    def day_mentions(self, day: date) -> list[Mention]:
        """The mentions stored for one day: one Query on GSI1, its POST# sort keys only."""
        items = self._query("GSI1PK", day_pk(day), index="GSI1", sort_prefix=mentions_prefix(None))
        return [mention_from_item(item) for item in items]

    def paper(self, arxiv_id: str) -> PaperRecords:
        """One paper's metadata, its days, its mentions and its history: one Query on the table."""
        return paper_records(arxiv_id, self._query("PK", paper_pk(arxiv_id)))

    def category_day(self, day: date, category: str) -> list[DayPaper]:
        """The papers of one primary category on one day: one Query on GSI2."""
        items = self._query("GSI2PK", f"DAYCAT#{day.isoformat()}#{category}", index="GSI2")
        return [day_paper_from_item(item) for item in items]

    def papers_missing_metadata(self) -> Iterator[DayPaper]:
        """Every day paper still without arXiv metadata, whatever its day: fewest failed repairs first,
        then oldest day first. Lazily, page by page, from GSI2's sparse NOMETA partition (it holds only
        those papers), so a caller that wants the first N reads about N."""
        for item in self._query("GSI2PK", NO_METADATA_PK, index="GSI2"):
            yield day_paper_from_item(item)

    def progress(self, day: date) -> DayProgress | None:
        """How far an interrupted run of `day` got, if one was recorded: one GetItem."""
        item = self._get_item(day_pk(day), PROGRESS_SK)
        return progress_from_item(item) if item else None

    # ---- digests

    def collected_days(self) -> list[date]:
        """Every day with a run record, oldest first: one Query on GSI2."""
        return sorted(date.fromisoformat(item["day"]) for item in self._query("GSI2PK", "RUNS", index="GSI2"))

    def put_digests(self, digests: Sequence[Digest]) -> None:
        # Bodies first, then the summaries that list the days: a summary stored without its body
        # (DynamoDB returning the body unprocessed, the publisher dying before the retry) made every
        # later publish rendering that day fail (tests/reliability/test_crash_consistency.py).
        # The bodies stream out as they are built; only the small summaries wait in memory.
        summaries: list[dict[str, Any]] = []

        def bodies() -> Iterator[dict[str, Any]]:
            for digest in digests:
                body, summary = digest_items(digest)
                summaries.append(summary)
                yield self._offloaded(body)

        self._write_items(bodies())
        self._write_items(summaries)

    def put_histories(self, histories: Mapping[str, Sequence[HistoryEntry]]) -> None:
        """One HISTORY item per paper (whole-item puts: writing the same history again changes nothing)."""
        self._write_items(history_item(arxiv_id, histories[arxiv_id]) for arxiv_id in sorted(histories))

    def get_digest(self, day: date) -> Digest | None:
        """One day's digest: one GetItem (and one S3 GetObject for a digest too large for its item)."""
        item = self._get_item(f"DIGEST#{day.isoformat()}", "DIGEST")
        return _digest(self._document(item)) if item else None

    def get_digests(self, days: Sequence[date]) -> dict[date, Digest]:
        items = self._get_items([(f"DIGEST#{day.isoformat()}", "DIGEST") for day in days])
        return {date.fromisoformat(item["day"]): _digest(self._document(item)) for item in items}

    def digest_json(self, day: date) -> bytes | None:
        """One day's digest document as stored (JSON bytes): one GetItem (and a GetObject if large)."""
        item = self._get_item(f"DIGEST#{day.isoformat()}", "DIGEST")
        return self._document(item) if item else None

    def latest_digest_json(self) -> bytes | None:
        """The newest day's digest document: one GetItem of the copy the publisher keeps (and a GetObject if large)."""
        item = self._get_item(LATEST_PK, "DIGEST")
        return self._document(item) if item else None

    def put_latest(self, digest: Digest) -> None:
        item = self._offloaded(digest_items(digest)[0])
        self._put_item({**item, "PK": LATEST_PK, "entity": "latest_digest"})

    # ---- weeks and months

    def put_period_digests(self, digests: Sequence[PeriodDigest]) -> None:
        """Each week's or month's digest, whole-item puts (a re-run writes the same bytes)."""
        self._write_items(
            self._offloaded(period_digest_item(d), period_body_key(d.period.kind, d.period.name)) for d in digests
        )

    def period_digest_json(self, kind: str, name: str) -> bytes | None:
        """A week's or month's digest document as stored: one GetItem (and a GetObject if large)."""
        item = self._get_item(period_pk(kind, name), "DIGEST")
        return self._document(item) if item else None

    def period_digest_jsons(self, periods: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
        """Several weeks' or months' documents, by (kind, name): BatchGetItem (what the publisher may do)."""
        items = self._get_items([(period_pk(kind, name), "DIGEST") for kind, name in periods])
        return {(item["kind"], item["period"]): self._document(item) for item in items}

    def _offloaded(self, item: dict[str, Any], body_key: str | None = None) -> dict[str, Any]:
        """The digest item, its body moved to S3 when it would not fit in DynamoDB's 400 KB.

        The object is written before the item that points to it, so no reader finds a pointer to
        nothing. The latest copy points to the same key as its day (same bytes, written again).
        """
        body = item["body_gz"]
        if len(body) <= INLINE_BODY_LIMIT:
            return item
        what = item.get("day") or item.get("period")
        if self.bodies is None:
            raise StoreError(f"digest of {what} is {len(body):,} bytes gzipped: too large for an item")
        key = body_key or digest_body_key(date.fromisoformat(item["day"]))
        self.bodies.put(key, body)
        return {name: value for name, value in item.items() if name != "body_gz"} | {"body_key": key}

    def _document(self, item: dict[str, Any]) -> bytes:
        """A digest item's JSON document: inline, or read from S3 where `body_key` points."""
        if "body_gz" in item:
            return gzip.decompress(bytes(item["body_gz"]))
        if self.bodies is None:
            raise StoreError(f"digest of {item.get('day') or item.get('period')} is in S3 and this store has no bucket")
        return gzip.decompress(self.bodies.get(item["body_key"]))

    def digest_summaries_page(self, limit: int, cursor: str | None) -> tuple[list[DigestSummary], str | None]:
        """Up to `limit` digest summaries, newest first, from where `cursor` left off (None: the newest),
        and the cursor of the next page (None: no more): one Query. InvalidCursor: not a cursor it issued."""
        from hotpapers.core.digest import DigestSummary

        before = summaries_before(cursor)  # checked before any request
        # One more than asked: whether it exists says if there is a next page, where
        # LastEvaluatedKey alone would promise one after every full page.
        items = self._query_page(
            "GSI1PK", "DIGESTS", "GSI1", ("<", before.isoformat()) if before else None, True, limit + 1, None
        )
        summaries = [DigestSummary.from_dict(json.loads(item["summary"])) for item in items[:limit]]
        return summaries, (summaries_cursor(summaries[-1].day) if len(items) > limit else None)

    def mentions_page(
        self, arxiv_id: str, source: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Mention], str | None]:
        """Up to `limit` mentions of a paper (of one source, or all), in the table's order, from where `cursor`
        left off (None: the first), and the cursor of the next page (None: no more): one Query.
        InvalidCursor: not a cursor it issued for this listing (another source's included)."""
        after = mentions_after(cursor, source)  # checked before any request
        # One more than asked tells whether a next page exists.
        items = self._query_page(
            "PK", paper_pk(arxiv_id), None, ("begins_with", mentions_prefix(source)), False, limit + 1, after
        )
        page = items[:limit]
        next_cursor = mentions_cursor(page[-1]["SK"]) if len(items) > limit else None
        return [mention_from_item(item) for item in page], next_cursor

    def digest_summaries(self) -> list[DigestSummary]:
        """Every digest's summary, newest first: one Query on GSI1 (paginated)."""
        from hotpapers.core.digest import DigestSummary

        items = self._query("GSI1PK", "DIGESTS", index="GSI1", newest_first=True)
        return [DigestSummary.from_dict(json.loads(item["summary"])) for item in items]


def build_store(settings: Settings, clock: Clock) -> Store:
    """The store at the configured table and endpoint."""
    # The store builds every request itself and DynamoDB validates on arrival; botocore's
    # client-side validation was a fifth of the collector's CPU on a heavy day (bench/README.md).
    from hotpapers.core.aws import client

    dynamodb = client("dynamodb", settings.endpoint_url, settings.region, parameter_validation=False)
    bodies = DigestBodies(settings.bucket, lambda: client("s3", settings.endpoint_url, settings.region))
    return Store(settings.table, fast_query_parsing(dynamodb), clock, bodies=bodies)


def _digest(document: bytes) -> Digest:
    from hotpapers.core.digest import Digest

    return Digest.from_dict(json.loads(document))
