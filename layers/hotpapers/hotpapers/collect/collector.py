"""Collect one UTC day: posts from every enabled source, arXiv metadata, one idempotent write.

The work function takes its dependencies (sources, arXiv client, store, bus,
clock) as arguments; `collect.handler.build_collector` assembles the real ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from hotpapers.collect.arxiv import ArxivClient
from hotpapers.collect.bounds import bounded_post
from hotpapers.collect.metadata import MetadataFound, MetadataLookup
from hotpapers.collect.sources.base import Source
from hotpapers.core.arxiv_ids import ArxivRef
from hotpapers.core.clock import Clock
from hotpapers.core.events import CollectRequest
from hotpapers.core.models import DayProgress, Observation, Post, RunRecord, SourceOutcome
from hotpapers.core.observability import logger
from hotpapers.core.records import CollectedRecord, DayPaper, FetchedPaper, Mention
from hotpapers.core.store import Store

Progress = Callable[[str], None]

# The time budget of one invocation (Lambda's 900 s). A day is given back (stored so far, resumed later)
# rather than cut off by Lambda mid-write, which would lose the day in progress:
# - WRITE_RESERVE_SECONDS stays free for the write, the run record and the bus event (a heavy day is
#   thousands of items in BatchWriteItem requests, with backoff when DynamoDB throttles);
# - a source is begun only with SOURCE_ALLOWANCE_SECONDS more than that left (a source cannot be
#   interrupted half-way; one that alone outlasts the invocation is retried whole, then dead-lettered);
# - the arXiv phase needs about (min_interval + ARXIV_REQUEST_SECONDS) per id_list request.
WRITE_RESERVE_SECONDS = 60.0
SOURCE_ALLOWANCE_SECONDS = 120.0
ARXIV_REQUEST_SECONDS = 5.0
# An interrupted run's progress is resumed only this soon after it began: the queue brings the day back
# within minutes (its visibility timeout); a later repair of the day must fetch every source again.
RESUME_WITHIN = timedelta(hours=12)

Remaining = Callable[[], float]  # seconds left in this invocation
# After the day's own work: complete earlier days' missing metadata (collect/repair.py), within the time left.
Repair = Callable[[RunRecord, Remaining | None], None]


class DayInterrupted(Exception):
    """Not enough time left to finish the day: what was collected is stored, the rest resumes on a re-run."""

    def __init__(self, day: date, completed: Iterable[str], phase: str) -> None:
        self.day, self.completed, self.phase = day, sorted(completed), phase
        done = ", ".join(self.completed) or "none"
        super().__init__(f"{day}: out of time before {phase}; sources stored: {done}; a re-run resumes from there")


@dataclass
class Collector:
    sources: Mapping[str, Source]
    arxiv: ArxivClient
    store: Store
    clock: Clock
    announce: Callable[[RunRecord], None] = lambda run: None
    # Called after the day's own work (collect/repair.py: every day's missing metadata, a bounded share a run).
    repair: Repair = lambda run, remaining: None
    progress: Progress = field(default=lambda message: None)
    # Sources that are enabled but could not be built (e.g. missing credentials): reported as failures.
    unavailable: Mapping[str, str] = field(default_factory=dict)
    # Seconds left in this invocation (Lambda's context); None: no limit (tests, the local commands' loops).
    remaining: Remaining | None = None

    def run(self, request: CollectRequest) -> list[RunRecord]:
        return [self.collect_day(day, request.sources) for day in request.days]

    def collect_day(self, day: date, only: Iterable[str] | None = None) -> RunRecord:
        run = RunRecord(day=day, started_at=self.clock.now())
        wanted = list(only) if only is not None else list(self.sources) + list(self.unavailable)
        observations: dict[tuple[str, str], Observation] = {}  # fetched by this run
        carried: dict[tuple[str, str], Observation] = {}  # stored by the interrupted run this one resumes
        resumed = self._open_progress(day)
        stored: dict[tuple[str, str], Observation] | None = None
        if resumed:
            # The sources the interrupted run completed are not fetched again: their posts are stored.
            stored = self._stored_observations(day)
            self.progress(f"{day}: resuming; already stored: {', '.join(sorted(resumed.completed)) or 'nothing'}")

        for name in wanted:
            if resumed and name in resumed.completed:
                run.sources[name] = resumed.completed[name]
                carried.update({key: obs for key, obs in (stored or {}).items() if key[0] == name})
                continue
            outcome = run.sources.setdefault(name, SourceOutcome(name))
            if name in self.unavailable or name not in self.sources:
                outcome.error = self.unavailable.get(name, "source is not configured")
                logger.warning("source unavailable", extra={"source": name, "day": str(day), "error": outcome.error})
                continue
            if self._short_of(SOURCE_ALLOWANCE_SECONDS):
                del run.sources[name]
                self._give_back(run, observations, resumed, f"source {name}")
            self.progress(f"{day} {name}: searching")
            self._collect_source(self.sources[name], day, outcome, observations)
            self.progress(
                f"{day} {name}: {outcome.posts} posts" + (f" (failed: {outcome.error})" if outcome.error else "")
            )

        refs = _latest_versions(obs.post for obs in [*carried.values(), *observations.values()])
        run.papers = len(refs)
        papers = self._paper_metadata(refs, run, lambda: self._give_back(run, observations, resumed, "arXiv metadata"))

        # Engagement sums every post stored for the day, not only this run's: a source that failed (or
        # answered nothing) this time must not erase the engagement an earlier run stored. Mentions are
        # never deleted and ranking counts them all, so the day items stay consistent with them.
        if stored is None:
            stored = self._stored_observations(day)
        engagement = engagement_by_paper({**stored, **observations}.values())
        records: list[CollectedRecord] = [FetchedPaper(paper, run.started_at) for paper in papers.fresh.values()]
        records += [DayPaper(day, arxiv_id, papers.known.get(arxiv_id), engagement[arxiv_id]) for arxiv_id in refs]
        records += _mentions(observations.values(), day)
        self.progress(f"{day}: writing {len(records)} items")
        before = (self.store.stats.items, self.store.stats.requests)
        self.store.write(records)
        run.items_written = self.store.stats.items - before[0]
        run.write_requests = self.store.stats.requests - before[1]
        if self._short_of(SOURCE_ALLOWANCE_SECONDS):
            # The day is written; the repair of earlier days' metadata waits for the next collection.
            logger.warning("metadata repair skipped: too little time left", extra={"day": str(day)})
        else:
            self.repair(run, self.remaining)

        run.finished_at = self.clock.now()
        self.store.put(run)
        if resumed:  # close it: a later run of the day (a repair) fetches every source again
            self.store.put(replace(resumed, completed={}, open=False))
        self.announce(run)
        logger.info(
            "collect finished",
            extra={
                "day": str(day),
                "posts": run.posts,
                "papers": run.papers,
                "papers_fetched": run.papers_fetched,
                "paper_failures": len(run.papers_failed),
                "failed_sources": run.failed_sources,
                "sources": {
                    n: {"posts": o.posts, "papers": o.papers, "error": o.error} for n, o in run.sources.items()
                },
                "items_written": run.items_written,
                "duration_seconds": run.duration_seconds,
            },
        )
        return run

    def _short_of(self, seconds: float) -> bool:
        """Whether less than `seconds` (plus the write's reserve) is left in this invocation."""
        return self.remaining is not None and self.remaining() < seconds + WRITE_RESERVE_SECONDS

    def _open_progress(self, day: date) -> DayProgress | None:
        """The progress of an interrupted run of `day` to resume: open, and recent (see RESUME_WITHIN)."""
        progress = self.store.progress(day)
        if progress is None or not progress.open or self.clock.now() - progress.started_at > RESUME_WITHIN:
            return None
        return progress

    def _give_back(
        self,
        run: RunRecord,
        observations: Mapping[tuple[str, str], Observation],
        resumed: DayProgress | None,
        phase: str,
    ) -> None:
        """Store the posts of the sources completed so far, then the progress that names them, and stop.

        Mentions only: they are whole puts keyed by post, so storing them twice changes nothing. The day
        papers and the run record wait for the run that finishes the day (it sums the stored mentions).
        Mentions first, the progress after: the progress never claims a source whose posts are not stored.
        """
        day = run.day
        mentions = _mentions(observations.values(), day)
        self.store.write(mentions)
        started = resumed.started_at if resumed else run.started_at
        self.store.put(DayProgress(day, started, dict(run.sources)))
        interrupted = DayInterrupted(day, run.sources, phase)
        logger.warning("collect interrupted", extra={"day": str(day), "phase": phase, "stored": len(mentions)})
        self.progress(str(interrupted))
        raise interrupted

    def _collect_source(
        self, source: Source, day: date, outcome: SourceOutcome, into: dict[tuple[str, str], Observation]
    ) -> None:
        seen_papers: set[str] = set()
        requests_before = _requests_made(source)
        try:
            for post in source.fetch_day(day):
                # Pages can overlap while new posts arrive; the last copy of a post wins.
                if (post.source, post.post_id) not in into:
                    outcome.posts += 1
                into[(post.source, post.post_id)] = Observation(bounded_post(post), self.clock.now())
                seen_papers.update(ref.arxiv_id for ref in post.papers)
        except Exception as exc:  # noqa: BLE001 - one failing source must not stop the others
            outcome.error = f"{type(exc).__name__}: {exc}"
            logger.exception("source failed", extra={"source": source.name, "day": str(day)})
        finally:
            outcome.papers = len(seen_papers)
            outcome.requests = _requests_made(source) - requests_before
            # A source billed per post read reports what it read and whether its cap cut the day.
            outcome.read = getattr(source, "posts_read", None)
            outcome.capped = bool(getattr(source, "capped", False))

    def _stored_observations(self, day: date) -> dict[tuple[str, str], Observation]:
        """The observations earlier runs stored for `day`: one Query of the day's mentions."""
        return {
            (mention.observation.post.source, mention.observation.post.post_id): mention.observation
            for mention in self.store.day_mentions(day)
        }

    def _paper_metadata(
        self, refs: Mapping[str, ArxivRef], run: RunRecord, give_back: Callable[[], None] = lambda: None
    ) -> MetadataFound:
        """Stored metadata, and arXiv's for what is new or stored at an older version than a post names."""
        lookup = MetadataLookup(self.store, self.arxiv)
        stored, missing = lookup.stored_and_missing({arxiv_id: ref.version for arxiv_id, ref in refs.items()})
        requests = lookup.requests_for(missing)
        if requests and self._short_of(requests * (self.arxiv.min_interval + ARXIV_REQUEST_SECONDS)):
            give_back()
        if missing:
            self.progress(f"{run.day}: fetching arXiv metadata for {len(missing)} papers")
        found = lookup.fetch(stored, missing)
        if missing:
            run.arxiv_requests = found.requests
            run.papers_fetched = len(found.fresh)
            run.papers_failed = found.failures
        for failure in found.failures:
            # The detail says why (the upstream's error, the fault after retries): the log must name it.
            logger.warning(
                "arXiv metadata missing",
                extra={"arxiv_id": failure.arxiv_id, "reason": failure.reason, "detail": failure.detail[:300]},
            )
        return found


def _mentions(observations: Iterable[Observation], day: date) -> list[Mention]:
    """One mention per paper a post links: a post about two papers is stored under each."""
    return [Mention(ref.arxiv_id, day, obs) for obs in observations for ref in obs.post.papers]


def _requests_made(source: Source) -> int:
    http = getattr(source, "http", None)
    return getattr(http, "requests_made", 0)


def _latest_versions(posts: Iterable[Post]) -> dict[str, ArxivRef]:
    """Every paper named by the posts, with the highest version any post names."""
    refs: dict[str, ArxivRef] = {}
    for post in posts:
        for ref in post.papers:
            current = refs.get(ref.arxiv_id)
            if current is None or (ref.version or 0) > (current.version or 0):
                refs[ref.arxiv_id] = ref
    return dict(sorted(refs.items()))


def engagement_by_paper(observations: Iterable[Observation]) -> dict[str, dict[str, dict[str, int]]]:
    """Per paper and source: how many posts, and the sum of each metric over them."""
    totals: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for obs in observations:
        for ref in obs.post.papers:
            counts = totals[ref.arxiv_id][obs.post.source]
            counts["posts"] += 1
            for metric, value in obs.post.metrics.items():
                counts[metric] += value
    return {
        arxiv_id: {source: dict(counts) for source, counts in sorted(by_source.items())}
        for arxiv_id, by_source in totals.items()
    }


def summarize(runs: list[RunRecord]) -> dict[str, Any]:
    """The handler's return value: what a human or a test needs to see of each day."""
    return {
        "days": [
            {
                "date": run.day.isoformat(),
                "posts": run.posts,
                "papers": run.papers,
                "papers_fetched": run.papers_fetched,
                "paper_failures": [f.arxiv_id for f in run.papers_failed],
                "arxiv_requests": run.arxiv_requests,
                "items_written": run.items_written,
                "write_requests": run.write_requests,
                "papers_without_metadata": run.papers_without_metadata,
                "repaired_days": [day.isoformat() for day in run.repaired_days],
                "duration_seconds": round(run.duration_seconds, 3),
                "sources": {
                    name: {
                        "posts": o.posts,
                        "papers": o.papers,
                        "requests": o.requests,
                        "error": o.error,
                        **({"read": o.read, "capped": o.capped} if o.read is not None else {}),
                    }
                    for name, o in sorted(run.sources.items())
                },
            }
            for run in runs
        ]
    }
