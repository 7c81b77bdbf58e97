"""Publish: rank collected days into digests, store them, render the site, upload what changed.

The work function takes its dependencies (store, bucket, configs) as
arguments; `publish.handler.build_publisher` assembles the real ones.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hotpapers.core.digest import Digest, DigestSummary, RankedPaper, RankingConfig
from hotpapers.core.events import PublishRequest
from hotpapers.core.history import HistoryEntry, paper_histories
from hotpapers.core.json_codec import JsonModel
from hotpapers.core.observability import logger
from hotpapers.core.period_digest import PeriodDigest
from hotpapers.core.store import Store
from hotpapers.publish.bucket import SiteBucket
from hotpapers.publish.markdown import render_markdown, render_period_markdown
from hotpapers.publish.periods import PeriodPlan, plan_periods
from hotpapers.publish.ranking import rank_day
from hotpapers.publish.site import (
    INDEX_KEY,
    CategoryFilter,
    SiteConfig,
    SiteObject,
    category_page_key,
    day_page_key,
    digest_export_key,
    paper_page_key,
    period_export_key,
    render_404,
    render_archive,
    render_categories,
    render_category_feeds,
    render_day,
    render_favicon,
    render_feed,
    render_feeds_page,
    render_index,
    render_paper_pages,
    render_period,
    render_robots,
    render_sitemaps,
    render_stylesheet,
)

Progress = Callable[[str], None]

MARKDOWN_TYPE = "text/markdown; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class PublishResult(JsonModel):
    days: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # day → why it was not published
    objects_put: int = 0
    objects_unchanged: int = 0


def day_exports(digest: Digest, cache_control: str) -> list[SiteObject]:
    """The day's Markdown (the blog's exact format) and JSON (the API's digest document)."""
    markdown = render_markdown(digest).encode("utf-8")
    return [
        SiteObject(digest_export_key(digest.day, "md"), markdown, MARKDOWN_TYPE, cache_control),
        SiteObject(digest_export_key(digest.day, "json"), digest.document, JSON_TYPE, cache_control),
    ]


def period_exports(digest: PeriodDigest, cache_control: str) -> list[SiteObject]:
    """`weeks/2021-W22.md` or `months/2021-06.md`: the period in the blog's Markdown format."""
    markdown = render_period_markdown(digest).encode("utf-8")
    key = period_export_key(digest.period.kind, digest.period.name, "md")
    return [SiteObject(key, markdown, MARKDOWN_TYPE, cache_control)]


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
        # A stored digest whose page never reached the bucket (a publish that failed half-way and
        # was not re-run) is linked from every listing rendered now: render its page again too.
        # Found by tests/reliability/test_s3_faults.py; costs no request (upload lists the bucket anyway).
        unpublished = [
            s.day
            for s in summaries
            if request.repair_missing and s.day not in digests and not self.bucket.has(day_page_key(s.day))
        ]
        if unpublished:
            digests = {**digests, **self.store.get_digests(unpublished)}
        periods = plan_periods(
            self.store,
            self.bucket,
            (s.day for s in summaries),
            digests,
            changed=digests,
            everything=request.everything,
            ranking=self.ranking,
            missing=request.repair_missing,
        )
        if periods.built:
            self.progress(f"storing {len(periods.built)} weekly and monthly digest(s)")
            self.store.put_period_digests(periods.built)
        # Pages of the papers whose history changed, and of any listed paper whose page never reached
        # the bucket (a publish that died half-way, or a site published before paper pages existed).
        unpaged = {
            arxiv_id
            for arxiv_id in histories
            if request.repair_missing and (key := paper_page_key(arxiv_id)) is not None and not self.bucket.has(key)
        }
        papers = sorted({p for p in changed & set(histories) if paper_page_key(p) is not None} | unpaged)
        self.progress(
            f"rendering {len(digests)} day(s), {len(papers)} paper page(s) and the archive of {len(summaries)} day(s)"
        )
        with _frozen_heap():
            phases, latest = self._render(digests, summaries, histories, papers, periods)
            self.store.put_latest(latest)
            stats = self.bucket.upload(phases)
        result.objects_put, result.objects_unchanged = stats.put, stats.unchanged
        logger.info(
            "publish finished",
            extra={"days": [d["date"] for d in result.days], "put": stats.put, "unchanged": stats.unchanged},
        )
        return result

    def _render(
        self,
        digests: dict[date, Digest],
        summaries: list[DigestSummary],
        histories: dict[str, list[HistoryEntry]] | None = None,
        papers: list[str] | None = None,
        periods: PeriodPlan | None = None,
    ) -> tuple[list[Iterable[SiteObject]], Digest]:
        """The upload phases and the latest digest. Without `histories` and `papers` (bench/bench_publish.py
        renders a day this way), the histories come from `summaries` and the pages rendered are those of
        the papers of `digests`."""
        if histories is None:
            histories = paper_histories(summaries)
        if papers is None:
            listed = {paper.arxiv_id for digest in digests.values() for paper in digest.papers}
            papers = sorted(p for p in listed if p in histories and paper_page_key(p) is not None)
        ordered = sorted(summary.day for summary in summaries)
        position = {day: index for index, day in enumerate(ordered)}
        latest = ordered[-1]

        # A new day changes its neighbours' prev/next links, so they are rendered again too.
        to_render = set(digests)
        for day in digests:
            index = position[day]
            to_render.update(ordered[max(0, index - 1) : index + 2])
        to_render.add(latest)
        # A paper's page shows every day it was listed: those days' full digests, in the same one batch.
        paper_days = {entry.day for arxiv_id in papers for entry in histories[arxiv_id]}
        missing = sorted((to_render | paper_days) - set(digests))
        if missing:
            digests = {**digests, **self.store.get_digests(missing)}

        # A day can bring a category the site has never shown: its page links to the new category
        # page, which lists the day and links back. Whichever goes up first would link to a missing
        # page until the other does (a crash in between leaves it so: tests/reliability/
        # test_crash_consistency.py). So such a day goes up first with those chips unlinked, and
        # again, linked, once the category pages are up. An empty bucket (a first publish or a
        # rebuild from scratch) has no index.html linking into it yet: nothing is reachable
        # until the front page goes up last, and no day is uploaded twice.
        # Paper pages follow the same rule: a live site's day links a paper's page only once it is up
        # (the day goes up again, linked, after the paper pages), and a paper page bringing a category
        # the site has never shown goes up again, linked, after the category pages.
        site_is_live = self.bucket.has(INDEX_KEY)
        relink: list[date] = []
        # (`papers` holds only ids that get a page, so every one has a key.)
        unseen_papers = {p for p in papers if site_is_live and not self.bucket.has(paper_page_key(p) or "")}
        shown_days = sorted(to_render | paper_days)
        unseen_categories = (
            self._categories_not_shown(p for d in shown_days for p in digests[d].papers) if site_is_live else set()
        )
        newest_categories = {p.arxiv_id: p.categories for s in reversed(summaries) for p in s.papers}
        relink_papers = [p for p in papers if unseen_categories.intersection(newest_categories.get(p, ()))]

        def neighbours(day: date) -> tuple[date | None, date | None]:
            index = position[day]
            return (ordered[index - 1] if index > 0 else None, ordered[index + 1] if index + 1 < len(ordered) else None)

        def day_pages() -> Iterator[SiteObject]:
            # A generator: the upload takes each day's page and exports as they are rendered,
            # so a five-year rebuild never holds 5,000 rendered objects (~420 MB) at once.
            for day in sorted(to_render):
                previous, following = neighbours(day)
                unseen = self._categories_not_shown(digests[day].papers) if site_is_live else set()
                linkable = (lambda category, unseen=unseen: category not in unseen) if unseen else None
                waiting = {paper.arxiv_id for paper in digests[day].papers} & unseen_papers
                paper_linkable = (lambda arxiv_id, waiting=waiting: arxiv_id not in waiting) if waiting else None
                if unseen or waiting:
                    relink.append(day)
                day_objects = render_day(digests[day], previous, following, self.site, linkable, paper_linkable)
                yield from day_objects
                yield from day_exports(digests[day], day_objects[0].cache_control)

        def relinked_day_pages() -> Iterator[SiteObject]:
            for day in relink:
                previous, following = neighbours(day)
                yield from render_day(digests[day], previous, following, self.site)

        def paper_pages() -> Iterator[SiteObject]:
            # Streamed like the days: a five-year rebuild renders ~30,000 of them.
            linkable = (lambda category: category not in unseen_categories) if unseen_categories else None
            yield from render_paper_pages(papers, histories, digests, self.site, linkable)

        def relinked_paper_pages() -> Iterator[SiteObject]:
            yield from render_paper_pages(relink_papers, histories, digests, self.site)

        # Weekly and monthly pages link to day pages (up by now) and to their neighbours (same phase:
        # new keys go up first); the archive, the front page and the sitemap link to them (later phases).
        plan = periods or PeriodPlan()  # None: no week or month rendered (bench/bench_publish.py's day alone)
        period_relink: list[PeriodDigest] = []

        def period_pages() -> Iterator[SiteObject]:
            # As with a day, a period page that brings a category the site has never shown goes up after
            # the category pages. A new one goes up first too, with those chips unlinked (the front page
            # and the archive will link it); one already up keeps its old version until then.
            for period_digest, with_export in plan.digests():
                unseen = self._categories_not_shown(period_digest.ranked) if site_is_live else set()
                if unseen:
                    period_relink.append(period_digest)
                linkable = (lambda category, unseen=unseen: category not in unseen) if unseen else None
                page = self._period_page(period_digest, plan, latest, linkable)
                if not unseen or not self.bucket.has(page.key):
                    yield page
                if with_export:
                    yield from period_exports(period_digest, page.cache_control)

        def relinked_period_pages() -> Iterator[SiteObject]:
            for period_digest in period_relink:
                yield self._period_page(period_digest, plan, latest)

        # A category's page links its feed and the feed links back. A feed not in the bucket yet (a
        # new category, or a site published before the feeds existed) would be linked before it is
        # up: such pages go up without the link first and again, linked, after the feeds.
        category_feeds = render_category_feeds(summaries, self.site)
        feedless = {name for name, feed in category_feeds.items() if not self.bucket.has(feed.key)}
        feedless = feedless if site_is_live else set()
        listings = render_categories(summaries, self.site, feedless) + render_archive(summaries, self.site)

        def relinked_categories() -> Iterator[SiteObject]:
            if feedless:
                keys = {category_page_key(name) for name in feedless}
                yield from (page for page in render_categories(summaries, self.site) if page.key in keys)

        front = [
            render_index(digests[latest], summaries, self.site),
            render_feed(summaries, self.site),
            *render_sitemaps(summaries, self.site),
            render_robots(self.site),
            render_404(self.site),
        ]
        # The stylesheet and the icon first (every page links to them), pages next, then what links to them.
        phases = [
            [render_stylesheet(), render_favicon()],
            day_pages(),
            paper_pages(),
            period_pages(),
            listings,
            category_feeds.values(),
            [render_feeds_page(summaries, self.site)],  # after the feeds it links
            relinked_day_pages(),
            relinked_paper_pages(),
            relinked_period_pages(),
            relinked_categories(),
            front,
        ]
        return phases, digests[latest]

    def _period_page(
        self, digest: PeriodDigest, periods: PeriodPlan, latest: date, linkable: CategoryFilter = None
    ) -> SiteObject:
        previous, following = periods.neighbours(digest.period)
        return render_period(digest, previous, following, latest, self.site, linkable)

    def _categories_not_shown(self, papers: Iterable[RankedPaper]) -> set[str]:
        """The papers' categories that get a page but whose page is not in the bucket yet."""
        keys = {category: category_page_key(category) for paper in papers for category in paper.categories}
        return {category for category, key in keys.items() if key is not None and not self.bucket.has(key)}


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
    papers = {paper.arxiv_id for digest in digests for paper in digest.papers}
    return papers | {paper.arxiv_id for summary in summaries for paper in summary.papers}
