"""The table's items for what the publisher stores: day digests and their summaries, the latest copy,
week and month digests, and each paper's history; and a paper's partition read as records.

Digest bodies are gzip JSON (one GetItem serves the API); a paper's HISTORY item sits in its own
partition beside the collector's items (`store_collected_items.py`), so one Query reads a paper
whole. Pure: no I/O. Private to the store (`core/store.py`): see docs/data-model.md.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from hotpapers.core.store_collected_items import (
    day_paper_from_item,
    fetched_paper_from_item,
    mention_from_item,
    paper_pk,
)

if TYPE_CHECKING:  # imported where used: the API's cold start needs none of these classes
    from hotpapers.core.digest import Digest
    from hotpapers.core.history import HistoryEntry
    from hotpapers.core.period_digest import PeriodDigest
    from hotpapers.core.records import PaperRecords


# ---------------------------------------------------------------- digests (written by the publisher)


LATEST_PK = "DIGEST#LATEST"  # a copy of the newest digest, so /digests/latest is one GetItem


def digest_items(digest: Digest) -> list[dict[str, Any]]:
    """The full digest (gzip JSON: one GetItem serves the API) and its small summary.

    The summary alone sits in GSI1 under DIGESTS, so listing days reads a few
    KB a day and never the full digests.
    """
    from hotpapers.core.digest import DigestSummary

    day = digest.day.isoformat()
    summary = json.dumps(DigestSummary.of(digest).to_dict(), ensure_ascii=False, separators=(",", ":"))
    return [
        {
            "PK": f"DIGEST#{day}",
            "SK": "DIGEST",
            "entity": "digest",
            "day": day,
            "papers": len(digest.papers),
            # mtime=0 keeps the bytes identical for identical digests. Level 5, not gzip's 9:
            # half the CPU of a five-year rebuild's compression for 3% larger items.
            "body_gz": gzip.compress(digest.document, compresslevel=5, mtime=0),
        },
        {
            "PK": f"DIGEST#{day}",
            "SK": "SUMMARY",
            "GSI1PK": "DIGESTS",
            "GSI1SK": day,
            "entity": "digest_summary",
            "day": day,
            "papers": len(digest.papers),
            "summary": summary,
        },
    ]


HISTORY_SK = "HISTORY"
# Exactly the attributes of a history item: the publisher's IAM role may put PAPER# items made of
# these and nothing else (template.yaml, WritePaperHistories: dynamodb:Attributes), so it can write
# a history but never a paper's metadata, day entry or mention, which carry other attributes.
HISTORY_ATTRIBUTES = ("PK", "SK", "entity", "arxiv_id", "history")


def history_item(arxiv_id: str, history: Sequence[HistoryEntry]) -> dict[str, Any]:
    """Every day the paper entered a digest, oldest first, in the paper's own partition.

    Under PAPER#<id> beside its metadata, days and mentions, so the API's one Query for a
    paper returns its history too. The publisher rewrites it whenever one of its days is
    published again (an empty list: the paper dropped out of every digest it was in).
    """
    return {
        "PK": paper_pk(arxiv_id),
        "SK": HISTORY_SK,
        "entity": "history",
        "arxiv_id": arxiv_id,
        "history": [entry.to_dict() for entry in history],
    }


def period_pk(kind: str, name: str) -> str:
    """The partition of a week's or a month's digest: 'WEEK#2021-W22', 'MONTH#2021-06'."""
    return f"{kind.upper()}#{name}"


def period_digest_item(digest: PeriodDigest) -> dict[str, Any]:
    """A week's or month's digest: the day digest's item shape (gzip JSON body), one GetItem serves the API.

    No summary and no index keys: the site lists periods from the day summaries, and the API
    reads one period by its name.
    """
    period = digest.period
    return {
        "PK": period_pk(period.kind, period.name),
        "SK": "DIGEST",
        "entity": "period_digest",
        "kind": period.kind,
        "period": period.name,
        "papers": len(digest.papers),
        "body_gz": gzip.compress(digest.document, compresslevel=5, mtime=0),
    }


def history_from_item(item: dict[str, Any]) -> list[HistoryEntry]:
    from hotpapers.core.history import HistoryEntry

    return [HistoryEntry.from_dict(entry) for entry in item.get("history", [])]


def paper_records(arxiv_id: str, items: Iterable[dict[str, Any]]) -> PaperRecords:
    """A paper's items (its table partition) as records."""
    from hotpapers.core.records import PaperRecords

    records = PaperRecords(arxiv_id)
    for item in items:
        entity = item.get("entity")
        if entity == "paper":
            records.paper = fetched_paper_from_item(item)
        elif entity == "day_paper":
            records.days.append(day_paper_from_item(item))
        elif entity == "mention":
            records.mentions.append(mention_from_item(item))
        elif entity == "history":
            records.history = history_from_item(item)
    return records
