"""The publish plan: which objects a publish writes, in which order, decided without I/O.

The publisher reads, the plan decides, the publisher renders and uploads. The API, in the order the
publisher uses it (`publish/publisher.py`; `publish/render_plan.py` renders the jobs):

    changes = Changes(days=frozenset(ranked), papers=frozenset(history_changed), everything=False)
    planner = PublishPlanner(changes, bucket.keys(), summaries, histories)    # no I/O
    stored = stored_period_digests(store, planner.periods_to_read())          # neighbouring weeks and months
    digests |= store.get_digests(planner.digests_to_read(stored, digests.keys()))
    plan = planner.plan(digests, stored, ranking)                             # a PublishPlan: plain data
    store.put_period_digests(plan.period_digests)
    bucket.upload(render_phases(plan, SiteData(site, summaries, histories, digests)))  # streamed, phase by phase

A plan for one shard of a rebuild is the same call with that shard's days as `Changes.days`.

`Changes` is what this publish changed: the days it ranked and stored, the papers whose history that
changed, and whether it is a full rebuild. The bucket's holdings are a snapshot of its keys (the manifest,
`publish/bucket.py`), taken once before planning: nothing here asks the bucket anything. A `PublishPlan`
holds the ordered phases (each a tuple of jobs: `Assets`, `DayPage`, `PaperPages`, `PeriodPage`,
`CategoryPages`, `Archive`, `CategoryFeeds`, `FeedsPage`, `FrontPages`), the week and month digests it
built (stored before the upload: the API serves them) and the newest day (`Store.put_latest`). A job names
what to render and which links to leave out, never a rendered body: a five-year rebuild's plan is small,
and the renderer streams its ~41,000 objects into the upload a window at a time.

What a publish renders:
- The days it ranked, and any stored day whose page is not in the bucket (a publish that died half-way and
  was not re-run: its day is linked from every listing rendered now). Their neighbours too (their prev/next
  links change), and the newest day (the front page's). Each day's Markdown and JSON exports with it.
- The pages of the papers whose history changed, and of any listed paper whose page is not in the bucket
  (a publish that died half-way, or a site published before paper pages existed).
- Weeks and months: those holding a changed day; in a full rebuild, every one; and any whose page is not
  in the bucket. Each is built from the full digests of its days and stored as one item, so the API
  answers it with one GetItem. Their neighbours (the nearest earlier and later period of the same kind)
  only get their prev/next links changed: rendered again from their stored documents, not rebuilt (a
  neighbour whose item is missing, e.g. a table restored alone, is built again). A daily publish so
  renders the open week and month and at most their two neighbours; an unchanged page costs no PUT.
- The listings, the feeds and the front page, always: an unchanged one costs no PUT.

The order (the upload puts a phase up only when the one before is complete, and within a phase new keys
before updates: `SiteBucket.upload`). The stylesheet and the icon first (every page links to them), pages
next, then what links to them. Weekly and monthly pages link to day pages (up by then) and to their
neighbours (same phase: new keys go up first); the archive, the front page and the sitemap link to them.

A day can bring a category the site has never shown: its page links to the new category page, which lists
the day and links back. Whichever goes up first would link to a missing page until the other does (a crash
in between leaves it so: tests/reliability/test_crash_consistency.py). So such a day goes up first with
those chips unlinked, and again, linked, once the category pages are up. An empty bucket (a first publish
or a rebuild from scratch) has no index.html linking into it yet: nothing is reachable until the front page
goes up last, and no day is uploaded twice.
Paper pages follow the same rule: a live site's day links a paper's page only once it is up (the day goes
up again, linked, after the paper pages), and a paper page bringing a category the site has never shown
goes up again, linked, after the category pages.
As with a day, a period page that brings a category the site has never shown goes up after the category
pages. A new one goes up first too, with those chips unlinked (the front page and the archive will link
it); one already up keeps its old version until then.
A category's page links its feed and the feed links back. A feed not in the bucket yet (a new category, or
a site published before the feeds existed) would be linked before it is up: on a live site such pages go
up without the link first and again, linked, after the feeds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date

from hotpapers.core.calendar_periods import KINDS, Period, days_by_period
from hotpapers.core.digest import Digest, DigestSummary, RankedPaper, RankingConfig
from hotpapers.core.history import HistoryEntry
from hotpapers.core.period_digest import PeriodDigest, build_period_digest
from hotpapers.publish.site.keys import (
    INDEX_KEY,
    category_feed_key,
    category_page_key,
    day_page_key,
    month_page_key,
    paper_page_key,
    week_page_key,
)

NO_NAMES: frozenset[str] = frozenset()


def period_page_key(period: Period) -> str:
    return week_page_key(period.name) if period.kind == "week" else month_page_key(period.name)


@dataclass(frozen=True)
class Changes:
    """What this publish changed: the days it ranked and stored, the papers whose history that changed,
    and whether it is a full rebuild (every week and month built again).

    `repair_missing`: also render what the bucket lacks beyond these days (pages of other stored days, of
    papers, of weeks and months). A rebuild's shards but its last leave that to the last one
    (`publish/rebuild.py`): else the first shard into an empty bucket would render the whole site.
    """

    days: frozenset[date] = frozenset()
    papers: frozenset[str] = frozenset()
    everything: bool = False
    repair_missing: bool = True


# The jobs. Each names what to render; `unlinked_*` are the links left out of this version of the page.


@dataclass(frozen=True)
class Assets:
    """The stylesheet and the icon."""


@dataclass(frozen=True)
class DayPage:
    """A day's page (and, with `exports`, its Markdown and JSON)."""

    day: date
    previous: date | None
    following: date | None
    unlinked_categories: frozenset[str] = NO_NAMES
    unlinked_papers: frozenset[str] = NO_NAMES
    exports: bool = False


@dataclass(frozen=True)
class PaperPages:
    """These papers' pages, in id order."""

    arxiv_ids: tuple[str, ...]
    unlinked_categories: frozenset[str] = NO_NAMES


@dataclass(frozen=True)
class PeriodPage:
    """A week's or month's page (with `page`) and its Markdown (with `export`)."""

    digest: PeriodDigest
    previous: Period | None
    following: Period | None
    latest: date  # the newest day: a period that ended before it is cached like a past day
    unlinked_categories: frozenset[str] = NO_NAMES
    page: bool = True
    export: bool = False


@dataclass(frozen=True)
class CategoryPages:
    """The category index and every category's pages; with `only`, just those categories' index pages."""

    feedless: frozenset[str] = NO_NAMES  # categories whose page leaves its feed's link out
    only: frozenset[str] | None = None


@dataclass(frozen=True)
class Archive:
    """The archive of every day."""


@dataclass(frozen=True)
class CategoryFeeds:
    """Every category's Atom feed."""


@dataclass(frozen=True)
class FeedsPage:
    """The page listing the feeds."""


@dataclass(frozen=True)
class FrontPages:
    """The front page (the newest day in full), the site's feed, the sitemaps, robots.txt and the 404 page."""

    latest: date | None  # None: a site with no day yet


Job = Assets | DayPage | PaperPages | PeriodPage | CategoryPages | Archive | CategoryFeeds | FeedsPage | FrontPages
Phase = tuple[Job, ...]


@dataclass(frozen=True)
class PublishPlan:
    phases: tuple[Phase, ...]
    period_digests: tuple[PeriodDigest, ...] = ()  # built by this plan: stored before the upload
    latest: date | None = None  # the newest day (the front page's)

    def jobs(self) -> Iterator[Job]:
        for phase in self.phases:
            yield from phase


@dataclass
class PublishPlanner:
    """The decisions, in the order they can be taken: those that need no full digest at construction,
    then what to read (`periods_to_read`, `digests_to_read`), then the plan (`plan`).

    `held` is the bucket's keys (a snapshot); `summaries` every stored day's summary with this publish's
    days replaced (any order); `histories` every listed paper's history (`core.history.paper_histories`).
    """

    changes: Changes
    held: AbstractSet[str]
    summaries: Sequence[DigestSummary]
    histories: Mapping[str, Sequence[HistoryEntry]]
    ordered: list[date] = field(init=False)  # every day, oldest first
    changed_days: frozenset[date] = field(init=False)  # ranked now, or stored without a page in the bucket
    to_render: frozenset[date] = field(init=False)
    papers: tuple[str, ...] = field(init=False)  # the papers whose page is rendered (every one gets a key)
    paper_days: frozenset[date] = field(init=False)  # the days those pages show
    periods: dict[Period, list[date]] = field(init=False)  # every week and month with its days
    period_order: dict[str, list[Period]] = field(init=False)  # per kind, oldest first
    affected: frozenset[Period] = field(init=False)  # built again, before reading the neighbours
    neighbours: tuple[Period, ...] = field(init=False)  # only relinked, from their stored digests

    def __post_init__(self) -> None:
        self.ordered = sorted(summary.day for summary in self.summaries)
        held, repair = self.held, self.changes.repair_missing
        unpublished = {
            day for day in self.ordered if repair and day not in self.changes.days and day_page_key(day) not in held
        }
        self.changed_days = self.changes.days | unpublished
        # A new day changes its neighbours' prev/next links, so they are rendered again too.
        position = {day: index for index, day in enumerate(self.ordered)}
        to_render = set(self.changed_days)
        for day in self.changed_days:
            index = position[day]
            to_render.update(self.ordered[max(0, index - 1) : index + 2])
        to_render.update(self.ordered[-1:])  # the newest day, the front page's (none on a site with no day yet)
        self.to_render = frozenset(to_render)
        unpaged = {
            arxiv_id
            for arxiv_id in self.histories
            if repair and (key := paper_page_key(arxiv_id)) is not None and key not in held
        }
        changed = {p for p in self.changes.papers if p in self.histories and paper_page_key(p) is not None}
        self.papers = tuple(sorted(changed | unpaged))
        # A paper's page shows every day it was listed: those days' full digests, read in the same one batch.
        self.paper_days = frozenset(entry.day for arxiv_id in self.papers for entry in self.histories[arxiv_id])

        self.periods = {}
        self.period_order = {}
        for kind in KINDS:
            groups = dict(days_by_period(self.ordered, kind))
            self.periods.update(groups)
            self.period_order[kind] = sorted(groups)
        self.affected = frozenset(
            period
            for period, days in self.periods.items()
            if self.changes.everything
            or self.changed_days.intersection(days)
            or (repair and period_page_key(period) not in held)
        )
        self.neighbours = tuple(
            sorted(
                {
                    p
                    for period in self.affected
                    for p in self.period_neighbours(period)
                    if p is not None and p not in self.affected
                }
            )
        )

    def period_neighbours(self, period: Period) -> tuple[Period | None, Period | None]:
        periods = self.period_order.get(period.kind, [])
        index = periods.index(period)
        previous = periods[index - 1] if index > 0 else None
        following = periods[index + 1] if index + 1 < len(periods) else None
        return previous, following

    def periods_to_read(self) -> list[Period]:
        """The stored digests of the weeks and months only relinked (neighbours of those built again)."""
        return list(self.neighbours)

    def _built_periods(self, stored: Mapping[Period, PeriodDigest]) -> list[Period]:
        # A neighbour whose page is up but whose item is not (a table restored alone) is built again.
        return sorted(self.affected | {period for period in self.neighbours if period not in stored})

    def digests_to_read(self, stored: Mapping[Period, PeriodDigest], loaded: AbstractSet[date]) -> list[date]:
        """The days whose full digest the plan needs and `loaded` lacks: the days rendered, the days the
        paper pages show and the days of the weeks and months built; `stored` as `periods_to_read` read."""
        needed = set(self.to_render | self.paper_days)
        for period in self._built_periods(stored):
            needed.update(self.periods[period])
        return sorted(needed - loaded)

    def plan(
        self, digests: Mapping[date, Digest], stored: Mapping[Period, PeriodDigest], ranking: RankingConfig
    ) -> PublishPlan:
        """The phases; `digests` holds at least what `digests_to_read` named (a day the store lacks is left
        out of its week and month), `stored` the period digests `periods_to_read` found."""
        site_is_live = INDEX_KEY in self.held
        latest = self.ordered[-1] if self.ordered else None

        def not_shown(papers: Iterable[RankedPaper]) -> frozenset[str]:
            """The papers' categories that get a page not in the bucket yet; none on an empty bucket."""
            if not site_is_live:
                return NO_NAMES
            keys = {category: category_page_key(category) for paper in papers for category in paper.paper.categories}
            return frozenset(c for c, key in keys.items() if key is not None and key not in self.held)

        # (`self.papers` holds only ids that get a page, so every one has a key.)
        unseen_papers = frozenset(p for p in self.papers if site_is_live and paper_page_key(p) not in self.held)
        unseen_categories = not_shown(
            p for day in sorted(self.to_render | self.paper_days) for p in digests[day].papers
        )
        newest_categories = {
            p.paper.arxiv_id: p.paper.categories for s in sorted(self.summaries, key=lambda s: s.day) for p in s.papers
        }
        relink_papers = tuple(p for p in self.papers if unseen_categories.intersection(newest_categories.get(p, ())))

        days: list[DayPage] = []
        relinked_days: list[DayPage] = []
        position = {day: index for index, day in enumerate(self.ordered)}
        for day in sorted(self.to_render):
            index = position[day]
            previous = self.ordered[index - 1] if index > 0 else None
            following = self.ordered[index + 1] if index + 1 < len(self.ordered) else None
            unseen = not_shown(digests[day].papers)
            waiting = frozenset(paper.paper.arxiv_id for paper in digests[day].papers) & unseen_papers
            days.append(DayPage(day, previous, following, unseen, waiting, exports=True))
            if unseen or waiting:
                relinked_days.append(DayPage(day, previous, following))

        built = [
            build_period_digest(period, {day: digests[day] for day in self.periods[period] if day in digests}, ranking)
            for period in self._built_periods(stored)
        ]
        periods: list[PeriodPage] = []
        relinked_periods: list[PeriodPage] = []
        relinked = [stored[period] for period in self.neighbours if period in stored]
        for digest, export in [*((d, True) for d in built), *((d, False) for d in relinked)]:
            assert latest is not None  # a week or month holds at least one day
            previous_period, following_period = self.period_neighbours(digest.period)
            unseen = not_shown(digest.ranked)
            page = not unseen or period_page_key(digest.period) not in self.held
            periods.append(PeriodPage(digest, previous_period, following_period, latest, unseen, page, export))
            if unseen:
                relinked_periods.append(PeriodPage(digest, previous_period, following_period, latest))

        feeds = {
            c for s in self.summaries for p in s.papers for c in p.paper.categories if category_feed_key(c) is not None
        }
        feedless = frozenset(c for c in feeds if category_feed_key(c) not in self.held) if site_is_live else NO_NAMES

        phases: tuple[Phase, ...] = (
            (Assets(),),
            tuple(days),
            (PaperPages(self.papers, unseen_categories),),
            tuple(periods),
            (CategoryPages(feedless), Archive()),
            (CategoryFeeds(),),
            (FeedsPage(),),  # after the feeds it links
            tuple(relinked_days),
            (PaperPages(relink_papers),) if relink_papers else (),
            tuple(relinked_periods),
            (CategoryPages(only=feedless),) if feedless else (),
            (FrontPages(latest),),
        )
        return PublishPlan(phases, tuple(built), latest)
