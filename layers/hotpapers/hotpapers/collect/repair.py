"""Papers that still lack arXiv metadata, whatever their day: a bounded share asked for again on every collection.

arXiv's 2026 backend answers "429 Rate exceeded" without a Retry-After, sometimes for minutes.
A paper whose lookup failed is stored without metadata and left out of its day's digest, and
the schedule never collects that day again; a backfill collects days far in the past. So after
each day's own work the collector calls `MetadataRepair`: it reads the papers still missing
metadata from the store's one sparse index of them (every day, in the order the store keeps:
fewest failed repairs first, then oldest day first), takes at most `max_papers` of them
(HOTPAPERS_REPAIR_MAX_PAPERS), asks arXiv for those the store has no metadata for, and stops
asking when the invocation's time runs low. It rewrites the repaired day papers with the
metadata (which takes them out of the index), counts a failed repair on the others (which moves
them behind the papers not yet tried as often), and announces each repaired day on the bus
("Collect Finished"), so the publisher publishes it again.

A failed lookup means "not yet", never "does not exist": a paper stays in the index until arXiv
gives its metadata, and `PapersWithoutMetadata` (the papers this run looked at that are still
missing after it) drives the alarm when that takes a day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from hotpapers.collect.arxiv import ArxivClient
from hotpapers.collect.collector import ARXIV_REQUEST_SECONDS, WRITE_RESERVE_SECONDS, Remaining
from hotpapers.collect.metadata import MetadataLookup
from hotpapers.core.clock import Clock
from hotpapers.core.models import RunRecord
from hotpapers.core.observability import logger
from hotpapers.core.records import DayPaper, FetchedPaper
from hotpapers.core.store import Store

# Papers asked about per run unless the settings say otherwise (Settings.repair_max_papers): five
# id_list requests, a few seconds when arXiv answers, a few minutes when every request is retried.
REPAIR_MAX_PAPERS = 500

AnnounceDay = Callable[[dict[str, Any]], None]


@dataclass
class MetadataRepair:
    store: Store
    arxiv: ArxivClient
    clock: Clock
    announce: AnnounceDay = lambda detail: None
    max_papers: int = REPAIR_MAX_PAPERS
    # Ids asked about in this invocation: a backfill repairs after every day, and asking arXiv
    # again seconds after it refused would only add to its rate limit.
    tried: set[str] = field(default_factory=set)

    def __call__(self, run: RunRecord, remaining: Remaining | None = None) -> None:
        """Repair what can be repaired; record on `run` what is still missing. Never raises."""
        try:
            self._repair(run, remaining)
        except Exception:  # noqa: BLE001 - the day's own data is written; a repair failure must not undo it
            logger.exception("metadata repair failed", extra={"day": str(run.day)})

    def _repair(self, run: RunRecord, remaining: Remaining | None) -> None:
        # The day just collected had its lookups a moment ago: counted below, not asked again.
        self.tried.update(failure.arxiv_id for failure in run.papers_failed)
        chosen = self._choose()
        lookup = MetadataLookup(self.store, self.arxiv)
        stored, missing = lookup.stored_and_missing(dict.fromkeys(chosen), skip=self.tried)

        one_request = self.arxiv.min_interval + ARXIV_REQUEST_SECONDS

        def may_request(requests_left: int) -> bool:
            # Asked before each request: the next one, the write and the run record must fit in what is left.
            return remaining is None or remaining() >= WRITE_RESERVE_SECONDS + one_request

        found = lookup.fetch(stored, missing, may_request)
        run.arxiv_requests += found.requests
        for failure in found.failures:
            logger.warning(
                "arXiv metadata still missing",
                extra={"arxiv_id": failure.arxiv_id, "reason": failure.reason, "detail": failure.detail[:300]},
            )

        not_asked = set(found.not_asked)
        missing_asked = set(missing) - not_asked
        self.tried.update(missing_asked)
        records: list[FetchedPaper | DayPaper] = [FetchedPaper(p, run.started_at) for p in found.fresh.values()]
        repaired: dict[date, int] = {}
        still_missing = 0
        for arxiv_id, entries in chosen.items():
            paper = found.known.get(arxiv_id)
            for entry in entries:
                if paper is not None:
                    # The whole item again, its engagement as stored: it leaves the index of papers missing metadata.
                    records.append(DayPaper(entry.day, arxiv_id, paper, entry.engagement))
                    repaired[entry.day] = repaired.get(entry.day, 0) + 1
                    continue
                still_missing += 1
                if arxiv_id in missing_asked:  # asked and refused: behind the papers tried fewer times
                    records.append(replace(entry, metadata_attempts=entry.metadata_attempts + 1))
        if records:
            self.store.write(records)
        # Announced after the write: the publisher reads the day's records when the event arrives.
        for day, count in sorted(repaired.items()):
            self.announce({"date": day.isoformat(), "repaired_papers": count, "reason": "metadata repaired"})

        run.papers_without_metadata = still_missing
        run.repaired_days = sorted(repaired)
        if chosen:
            logger.info(
                "metadata repair",
                extra={
                    "days": sorted({entry.day.isoformat() for entries in chosen.values() for entry in entries}),
                    "papers_asked": len(missing) - len(not_asked),
                    "papers_repaired": sum(repaired.values()),
                    "still_missing": still_missing,
                    "not_asked_for_time": len(not_asked),
                },
            )

    def _choose(self) -> dict[str, list[DayPaper]]:
        """Up to `max_papers` papers still missing metadata not yet asked about in this invocation, in the
        store's order, with their day papers; and the ones already asked about met on the way (arXiv is not
        asked again, but metadata another day stored since still completes them)."""
        chosen: dict[str, list[DayPaper]] = {}
        untried = 0
        for entry in self.store.papers_missing_metadata():
            if entry.arxiv_id in chosen:
                chosen[entry.arxiv_id].append(entry)
            elif entry.arxiv_id in self.tried:
                chosen[entry.arxiv_id] = [entry]
            elif untried < self.max_papers:
                chosen[entry.arxiv_id] = [entry]
                untried += 1
            else:
                break  # the bound of one run: the rest waits for the next collection
        return chosen
