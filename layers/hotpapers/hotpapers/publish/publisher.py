"""Publish: rank collected days into digests, store them, render the site, upload what changed.

The work function takes its dependencies (store, bucket, configs) as
arguments; `publish.handler.build_publisher` assembles the real ones.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hotpapers.core.calendar_periods import Period
from hotpapers.core.digest import Digest, DigestSummary, RankingConfig
from hotpapers.core.events import PublishRequest
from hotpapers.core.history import paper_histories
from hotpapers.core.json_codec import JsonModel
from hotpapers.core.observability import logger
from hotpapers.core.period_digest import PeriodDigest
from hotpapers.core.store import Store
from hotpapers.publish.bucket import SiteBucket
from hotpapers.publish.plan import Changes, PublishPlanner
from hotpapers.publish.ranking import rank_day
from hotpapers.publish.render_plan import SiteData, render_phases
from hotpapers.publish.site import SiteConfig

Progress = Callable[[str], None]


@dataclass
class PublishResult(JsonModel):
    days: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # day → why it was not published
    objects_put: int = 0
    objects_unchanged: int = 0


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Keep the cycle collector off what is already in memory while the site renders.

    By now the digests (a five-year rebuild: ~37,000 papers and their posts) are live
    until the end, yet every full collection would walk them again while rendering
    allocates; freezing them cut a tenth of the rebuild's render CPU. Unfrozen after,
    so a warm Lambda container can still free them.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass
class Publisher:
    store: Store
    bucket: SiteBucket
    site: SiteConfig
    ranking: RankingConfig
    progress: Progress = field(default=lambda message: None)

    def run(self, request: PublishRequest) -> PublishResult:
        result = PublishResult()
        if request.everything:
            self.bucket.relist()
        days = self.store.collected_days() if request.everything else list(request.days)
        digests: dict[date, Digest] = {}
        for day in days:
            records = self.store.day(day)
            if records.run is None:
                # Publishing a day nobody collected would store an empty digest that looks real.
                result.skipped[day.isoformat()] = "not collected yet: run the collector for this day first"
                logger.warning("day not collected", extra={"day": day.isoformat()})
                continue
            digest = rank_day(records, self.ranking)
            digests[day] = digest
            result.days.append({"date": day.isoformat(), "papers": len(digest.papers), "candidates": digest.candidates})
        # The stored summaries are read before this publish replaces its days: a paper that dropped out
        # of a re-published day is found in that day's old summary only, and its history changes too.
        stored = self.store.digest_summaries()  # newest first
        summaries = _with_new_days(stored, digests)
        histories = paper_histories(summaries)
        changed = _papers_of(digests.values(), [s for s in stored if s.day in digests])
        if digests:
            # Histories before the digests: a publish killed in between is re-run (the event comes back),
            # and it finds the same old summaries, so the same papers. The other way round, a re-run
            # would read the new summaries and miss the papers that dropped out.
            self.progress(f"storing {len(digests)} digest(s) and the history of {len(changed)} paper(s)")
            self.store.put_histories({arxiv_id: histories.get(arxiv_id, []) for arxiv_id in changed})
            self.store.put_digests(list(digests.values()))

        if not summaries:
            self.progress("no digest stored yet: nothing to render")
            return result
        # The plan decides (publish/plan.py); here, only what it reads, stores and uploads.
        changes = Changes(frozenset(digests), frozenset(changed), request.everything, request.repair_missing)
        planner = PublishPlanner(changes, self.bucket.keys(), summaries, histories)
        stored_periods = stored_period_digests(self.store, planner.periods_to_read())
        to_read = planner.digests_to_read(stored_periods, digests.keys())
        if to_read:
            digests = {**digests, **self.store.get_digests(to_read)}
        plan = planner.plan(digests, stored_periods, self.ranking)
        if plan.period_digests:
            self.progress(f"storing {len(plan.period_digests)} weekly and monthly digest(s)")
            self.store.put_period_digests(list(plan.period_digests))
        self.progress(
            f"rendering {len(planner.changed_days)} day(s), {len(planner.papers)} paper page(s)"
            f" and the archive of {len(summaries)} day(s)"
        )
        assert plan.latest is not None  # summaries is not empty
        with _frozen_heap():
            self.store.put_latest(digests[plan.latest])
            stats = self.bucket.upload(render_phases(plan, SiteData(self.site, summaries, histories, digests)))
        result.objects_put, result.objects_unchanged = stats.put, stats.unchanged
        logger.info(
            "publish finished",
            extra={"days": [d["date"] for d in result.days], "put": stats.put, "unchanged": stats.unchanged},
        )
        return result


def stored_period_digests(store: Store, periods: Sequence[Period]) -> dict[Period, PeriodDigest]:
    """The stored digests of these weeks and months (one absent from the store is left out)."""
    if not periods:
        return {}
    documents = store.period_digest_jsons([(period.kind, period.name) for period in periods])
    return {
        period: PeriodDigest.from_dict(json.loads(document))
        for period in periods
        if (document := documents.get((period.kind, period.name))) is not None
    }


def _with_new_days(stored: list[DigestSummary], digests: dict[date, Digest]) -> list[DigestSummary]:
    """The stored summaries with the published days' replaced (or added), newest first, as stored.

    Each new summary goes through its stored JSON form, so what renders now is what a later
    publish reads back (the same bytes either way).
    """
    by_day = {summary.day: summary for summary in stored}
    for day, digest in digests.items():
        by_day[day] = DigestSummary.from_dict(DigestSummary.of(digest).to_dict())
    return [by_day[day] for day in sorted(by_day, reverse=True)]


def _papers_of(digests: Iterable[Digest], summaries: Iterable[DigestSummary]) -> set[str]:
    """The papers listed in these digests (new) and summaries (the same days as stored before)."""
    papers = {paper.paper.arxiv_id for digest in digests for paper in digest.papers}
    return papers | {paper.paper.arxiv_id for summary in summaries for paper in summary.papers}
