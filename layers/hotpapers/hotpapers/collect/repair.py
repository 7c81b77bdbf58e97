"""Papers that still lack arXiv metadata: fetch it again on every collection, for the last 7 days.

arXiv's 2026 backend answers "429 Rate exceeded" without a Retry-After, sometimes for minutes.
A paper whose lookup failed is written with `has_metadata: false` and is left out of its day's
digest, and the schedule never collects that day again. So after each day's own work the
collector calls `MetadataRepair`: it reads the papers still missing metadata of the last
`REPAIR_DAYS` days (one Query a day of GSI2's sparse `NOMETA#<day>` partition), asks arXiv
again, rewrites those days' day-paper items with the metadata, and announces each repaired day
on the bus ("Collect Finished"), so the publisher publishes it again.

A failed lookup means "not yet", never "does not exist": a paper stays in `NOMETA#` until arXiv
gives its metadata, and `PapersWithoutMetadata` (the papers of the window still missing after
the run) drives the alarm when that takes a day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hotpapers.collect.arxiv import ArxivClient
from hotpapers.collect.collector import _bounded_paper  # the same byte limits as the day's own papers
from hotpapers.core.clock import Clock
from hotpapers.core.items import day_paper_item, paper_from_item, paper_item
from hotpapers.core.models import Paper, RunRecord
from hotpapers.core.observability import logger
from hotpapers.core.store import Store

# The window the repair covers: the days before today that a reader still expects to change.
REPAIR_DAYS = 7

AnnounceDay = Callable[[dict[str, Any]], None]


@dataclass
class MetadataRepair:
    store: Store
    arxiv: ArxivClient
    clock: Clock
    announce: AnnounceDay = lambda detail: None
    # Ids asked about in this invocation: a backfill repairs after every day, and asking arXiv
    # again seconds after it refused would only add to its rate limit.
    tried: set[str] = field(default_factory=set)

    def __call__(self, run: RunRecord) -> None:
        """Repair what can be repaired; record on `run` what is still missing. Never raises."""
        try:
            self._repair(run)
        except Exception:  # noqa: BLE001 - the day's own data is written; a repair failure must not undo it
            logger.exception("metadata repair failed", extra={"day": str(run.day)})

    def _repair(self, run: RunRecord) -> None:
        # The day just collected had its lookups a moment ago: counted below, not asked again.
        self.tried.update(failure.arxiv_id for failure in run.papers_failed)
        today = self.clock.now().date()
        window = [today - timedelta(days=offset) for offset in range(REPAIR_DAYS, 0, -1)]
        missing: dict[date, list[dict[str, Any]]] = {}
        for day in window:
            items = self.store.day_papers_without_metadata(day)
            if items:
                missing[day] = items

        wanted = sorted({item["arxiv_id"] for items in missing.values() for item in items})
        papers = self._metadata(wanted, run)

        items_to_write: list[dict[str, Any]] = [paper_item(paper, run.started_at) for paper in papers.fresh.values()]
        repaired: dict[date, int] = {}
        still_missing = 0
        for day, day_items in missing.items():
            for item in day_items:
                paper = papers.known.get(item["arxiv_id"])
                if paper is None:
                    still_missing += 1
                    continue
                # The whole item again, its engagement as stored: the put drops it from NOMETA#.
                items_to_write.append(day_paper_item(day, item["arxiv_id"], paper, item.get("engagement", {})))
                repaired[day] = repaired.get(day, 0) + 1
        if items_to_write:
            self.store.write_items(items_to_write)
        # Announced after the write: the publisher reads the day's items when the event arrives.
        for day, count in sorted(repaired.items()):
            self.announce({"date": day.isoformat(), "repaired_papers": count, "reason": "metadata repaired"})

        run.papers_without_metadata = still_missing
        run.repaired_days = sorted(repaired)
        if missing:
            logger.info(
                "metadata repair",
                extra={
                    "days": [day.isoformat() for day in missing],
                    "papers_missing": len(wanted),
                    "papers_repaired": sum(repaired.values()),
                    "still_missing": still_missing,
                },
            )

    def _metadata(self, ids: list[str], run: RunRecord) -> _Found:
        """Stored metadata (another day may have fetched the paper since), else arXiv's, once per invocation."""
        known = {arxiv_id: paper_from_item(item) for arxiv_id, item in self.store.papers_meta(ids).items()}
        to_fetch = [arxiv_id for arxiv_id in ids if arxiv_id not in known and arxiv_id not in self.tried]
        fresh: dict[str, Paper] = {}
        if to_fetch:
            self.tried.update(to_fetch)
            before = self.arxiv.requests
            found, failures = self.arxiv.fetch(to_fetch)
            run.arxiv_requests += self.arxiv.requests - before
            fresh = {arxiv_id: _bounded_paper(paper) for arxiv_id, paper in found.items()}
            for failure in failures:
                logger.warning(
                    "arXiv metadata still missing",
                    extra={"arxiv_id": failure.arxiv_id, "reason": failure.reason, "detail": failure.detail[:300]},
                )
        return _Found(known={**known, **fresh}, fresh=fresh)


@dataclass
class _Found:
    known: dict[str, Paper]
    fresh: dict[str, Paper]
