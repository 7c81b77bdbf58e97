"""A publish plan (`publish/plan.py`) rendered into site objects, streamed phase by phase.

`render_phases` gives one generator per phase: the upload (`SiteBucket.upload`) takes each object as it
is rendered, so a five-year rebuild never holds its ~41,000 objects (a day page and its exports alone:
~420 MB for 5,000) at once. `render_site` is the same plan for a whole site onto an empty bucket, from
digests in memory (tests, and bench/bench_publish.py's baseline).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from hotpapers.core.digest import Digest, DigestSummary, RankingConfig
from hotpapers.core.history import HistoryEntry, paper_histories
from hotpapers.core.period_digest import PeriodDigest
from hotpapers.publish.markdown import render_markdown, render_period_markdown
from hotpapers.publish.plan import (
    Archive,
    Assets,
    CategoryFeeds,
    CategoryPages,
    Changes,
    DayPage,
    FeedsPage,
    FrontPages,
    Job,
    PaperPages,
    PeriodPage,
    PublishPlan,
    PublishPlanner,
)
from hotpapers.publish.site import (
    CategoryFilter,
    SiteConfig,
    SiteObject,
    category_page_key,
    digest_export_key,
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

MARKDOWN_TYPE = "text/markdown; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


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


def _linkable(unlinked: frozenset[str]) -> CategoryFilter:
    """A link filter leaving `unlinked` out; None (every link) when there is none."""
    return (lambda name: name not in unlinked) if unlinked else None


@dataclass(frozen=True)
class SiteData:
    """What the jobs render from: `digests` holds every day the plan renders or its paper pages show."""

    site: SiteConfig
    summaries: list[DigestSummary]
    histories: Mapping[str, Sequence[HistoryEntry]]
    digests: Mapping[date, Digest]


def render_job(job: Job, data: SiteData) -> Iterator[SiteObject]:
    site, summaries = data.site, data.summaries
    match job:
        case Assets():
            yield from (render_stylesheet(), render_favicon())
        case DayPage():
            digest = data.digests[job.day]
            linkable, paper_linkable = _linkable(job.unlinked_categories), _linkable(job.unlinked_papers)
            objects = render_day(digest, job.previous, job.following, site, linkable, paper_linkable)
            yield from objects
            if job.exports:
                yield from day_exports(digest, objects[0].cache_control)
        case PaperPages():
            linkable = _linkable(job.unlinked_categories)
            yield from render_paper_pages(job.arxiv_ids, data.histories, data.digests, site, linkable)
        case PeriodPage():
            linkable = _linkable(job.unlinked_categories)
            page = render_period(job.digest, job.previous, job.following, job.latest, site, linkable)
            if job.page:
                yield page
            if job.export:
                yield from period_exports(job.digest, page.cache_control)
        case CategoryPages(only=None):
            yield from render_categories(summaries, site, job.feedless)
        case CategoryPages(only=only) if only is not None:
            keys = {category_page_key(name) for name in only}
            yield from (page for page in render_categories(summaries, site, job.feedless) if page.key in keys)
        case Archive():
            yield from render_archive(summaries, site)
        case CategoryFeeds():
            yield from render_category_feeds(summaries, site).values()
        case FeedsPage():
            yield render_feeds_page(summaries, site)
        case FrontPages():
            latest = data.digests[job.latest] if job.latest is not None else None
            yield render_index(latest, summaries, site)
            yield render_feed(summaries, site)
            yield from render_sitemaps(summaries, site)
            yield render_robots(site)
            yield render_404(site)


def _render_phase(jobs: Iterable[Job], data: SiteData) -> Iterator[SiteObject]:
    for job in jobs:
        yield from render_job(job, data)


def render_phases(plan: PublishPlan, data: SiteData) -> list[Iterator[SiteObject]]:
    """One generator per phase of `plan`, each rendering its objects only as the upload takes them."""
    return [_render_phase(phase, data) for phase in plan.phases]


def _without_exports(job: Job) -> Job:
    if isinstance(job, DayPage):
        return replace(job, exports=False)
    if isinstance(job, PeriodPage):
        return replace(job, export=False)
    return job


def render_site(
    digests: Mapping[date, Digest], summaries: Sequence[DigestSummary], site: SiteConfig
) -> list[SiteObject]:
    """Every page of the site, in upload order, as a full publish onto an empty bucket writes them
    (the same plan), without the days' and periods' Markdown and JSON exports.

    `digests` holds every day of `summaries` (newest first, as stored); the weeks and months are
    ranked with the newest digest's settings.
    """
    summaries = list(summaries)
    planner = PublishPlanner(Changes(everything=True), frozenset(), summaries, paper_histories(summaries))
    missing = planner.digests_to_read({}, digests.keys())
    if missing:
        raise ValueError(f"no digest for {', '.join(day.isoformat() for day in missing)}")
    ranking = digests[max(digests)].config if digests else RankingConfig()  # no digest: no week or month
    plan = planner.plan(digests, {}, ranking)
    data = SiteData(site, summaries, planner.histories, digests)
    return [obj for phase in plan.phases for job in phase for obj in render_job(_without_exports(job), data)]
