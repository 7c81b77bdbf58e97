"""The publish plan alone (publish/plan.py): no store, no bucket, only data in and jobs out.

The bucket is a set of keys; "a live site" is the keys a full publish of the days before wrote.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hotpapers.core.digest import Digest, RankingConfig
from hotpapers.core.history import paper_histories
from hotpapers.core.period_digest import build_period_digest
from hotpapers.publish.plan import (
    Assets,
    CategoryFeeds,
    CategoryPages,
    Changes,
    DayPage,
    FrontPages,
    Job,
    PaperPages,
    PeriodPage,
    PublishPlan,
    PublishPlanner,
    period_page_key,
)
from hotpapers.publish.render_plan import render_site
from hotpapers.publish.site import category_feed_key, category_page_key, paper_page_key
from tests.support.site_data import SITE, digest_of, sample_papers, summaries_of

pytestmark = pytest.mark.unit

D1, D2, D3, D4 = date(2021, 6, 1), date(2021, 6, 2), date(2021, 6, 3), date(2021, 6, 8)
NEW_CATEGORY = "astro-ph.EP"  # none of the sample papers has it


def site_days(*days: date) -> dict[date, Digest]:
    """A few papers a day, each day its own (the sample papers' categories: cs.*, stat.ML, ...)."""
    papers = sample_papers()
    return {day: digest_of(day, papers[2 * n : 2 * n + 2], extras=False) for n, day in enumerate(days)}


def with_new_category(digest: Digest) -> Digest:
    """The day again, its first paper also filed under a category no other day has."""
    papers = sample_papers()
    first = next(p for p in papers if p.arxiv_id == digest.papers[0].paper.arxiv_id)
    others = [p for p in papers if p.arxiv_id in {paper.paper.arxiv_id for paper in digest.papers[1:]}]
    return digest_of(digest.day, [replace(first, categories=(*first.categories, NEW_CATEGORY)), *others], extras=False)


def live_bucket(digests: dict[date, Digest]) -> frozenset[str]:
    """The keys a full publish of these days leaves in the bucket."""
    return frozenset(obj.key for obj in render_site(digests, summaries_of(digests), SITE))


def plan_of(changes: Changes, held: frozenset[str], digests: dict[date, Digest]) -> PublishPlan:
    """The plan, with every stored week and month it asks for built from `digests` (as stored before)."""
    summaries = summaries_of(digests)
    planner = PublishPlanner(changes, held, summaries, paper_histories(summaries))
    stored = {period: build_period_digest(period, digests, RankingConfig()) for period in planner.periods_to_read()}
    assert planner.digests_to_read(stored, digests.keys()) == []
    return planner.plan(digests, stored, RankingConfig())


def published(digests: dict[date, Digest], *days: date) -> Changes:
    """These days ranked now, and the papers listed on them."""
    return Changes(frozenset(days), frozenset(p.paper.arxiv_id for day in days for p in digests[day].papers))


def phase_of(plan: PublishPlan, predicate: type[Job] | tuple[type[Job], ...], **fields: object) -> list[int]:
    """The phases holding a job of this type whose fields have these values."""
    return [
        index
        for index, phase in enumerate(plan.phases)
        for job in phase
        if isinstance(job, predicate) and all(getattr(job, name) == value for name, value in fields.items())
    ]


def day_jobs(plan: PublishPlan) -> list[DayPage]:
    return [job for job in plan.jobs() if isinstance(job, DayPage)]


def test_an_empty_bucket_gets_every_object_once_with_every_link_and_the_front_page_last() -> None:
    digests = site_days(D1, D2, D3)
    plan = plan_of(Changes(everything=True), frozenset(), digests)

    assert plan.phases[0] == (Assets(),)
    assert plan.phases[-1] == (FrontPages(D3),) and plan.latest == D3
    days = day_jobs(plan)
    assert [job.day for job in days] == [D1, D2, D3]  # no day uploaded twice
    assert all(job.exports and not job.unlinked_categories and not job.unlinked_papers for job in days)
    assert [(job.previous, job.following) for job in days] == [(None, D2), (D1, D3), (D2, None)]
    # Nothing is reachable before index.html goes up: no page goes up twice, every link is there at once.
    assert not any(phase for phase in plan.phases[7:-1])
    (papers,) = [job for job in plan.jobs() if isinstance(job, PaperPages)]
    assert set(papers.arxiv_ids) == {p.paper.arxiv_id for d in digests.values() for p in d.papers}
    assert not papers.unlinked_categories
    # Every week and month built (and exported), none only relinked.
    assert {d.period.name for d in plan.period_digests} == {"2021-W22", "2021-06"}
    assert all(job.page and job.export for job in plan.jobs() if isinstance(job, PeriodPage))


def test_a_new_day_renders_its_neighbours_and_the_newest_day_again() -> None:
    digests = site_days(D1, D2, D3, D4)
    held = live_bucket(digests)

    middle = plan_of(published(digests, D2), held, digests)
    assert [(job.day, job.exports) for job in day_jobs(middle)] == [(D1, True), (D2, True), (D3, True), (D4, True)]
    newest = plan_of(published(digests, D4), held, digests)
    assert [job.day for job in day_jobs(newest)] == [D3, D4]
    oldest = plan_of(published(digests, D1), held, digests)
    assert [job.day for job in day_jobs(oldest)] == [D1, D2, D4]  # D4: the front page's day
    # Nothing new to the site: no day or paper page waits for another, no second version of anything.
    assert not any(phase for phase in newest.phases[7:-1])


def test_a_stored_day_whose_page_never_went_up_is_rendered_with_its_neighbours() -> None:
    digests = site_days(D1, D2, D3, D4)
    held = live_bucket(digests) - {"digests/2021-06-02/index.html"}
    plan = plan_of(published(digests, D4), held, digests)
    assert [job.day for job in day_jobs(plan)] == [D1, D2, D3, D4]
    assert "2021-W22" in {d.period.name for d in plan.period_digests}  # D2's week counts as changed


def test_a_new_categorys_day_goes_up_unlinked_then_again_linked_after_the_category_pages() -> None:
    before = site_days(D1, D2, D3)
    digests = {**before, D4: with_new_category(site_days(D1, D2, D3, D4)[D4])}
    plan = plan_of(published(digests, D4), live_bucket(before), digests)

    first = [job for job in plan.phases[1] if isinstance(job, DayPage) and job.day == D4]
    assert first and first[0].unlinked_categories == {NEW_CATEGORY} and first[0].exports
    (category_pages,) = phase_of(plan, CategoryPages, only=None)
    relinked = phase_of(plan, DayPage, day=D4, unlinked_categories=frozenset(), exports=False)
    assert relinked and relinked[0] > category_pages
    assert phase_of(plan, DayPage, day=D3) == [1]  # D3 shows no new category: once, linked
    # The paper bringing it: its page unlinked first, again after the category pages.
    new_paper = digests[D4].papers[0].paper.arxiv_id
    assert phase_of(plan, PaperPages, unlinked_categories=frozenset({NEW_CATEGORY})) == [2]
    assert [i for i in phase_of(plan, PaperPages) if new_paper in plan.phases[i][0].arxiv_ids] == [2, 8]
    # Its feed is new too: its category page goes up without the feed's link, then with it after the feeds.
    assert category_feed_key(NEW_CATEGORY) not in live_bucket(before)
    assert phase_of(plan, CategoryPages, feedless=frozenset({NEW_CATEGORY}), only=None) == [category_pages]
    (feeds,) = phase_of(plan, CategoryFeeds)
    assert phase_of(plan, CategoryPages, only=frozenset({NEW_CATEGORY})) == [10] and feeds < 10
    # The new week's page shows it too: unlinked first (a new key), again after the category pages.
    week = [job for job in plan.jobs() if isinstance(job, PeriodPage) and job.digest.period.name == "2021-W23"]
    assert [(job.unlinked_categories, job.page, job.export) for job in week] == [
        (frozenset({NEW_CATEGORY}), True, True),
        (frozenset(), True, False),
    ]
    assert category_page_key(NEW_CATEGORY) is not None


def test_a_period_page_already_up_keeps_its_old_version_until_the_category_pages_are() -> None:
    before = site_days(D1, D2, D3)
    digests = {**before, D3: with_new_category(before[D3])}
    plan = plan_of(published(digests, D3), live_bucket(before), digests)
    week = [job for job in plan.jobs() if isinstance(job, PeriodPage) and job.digest.period.name == "2021-W22"]
    assert [(job.page, job.export) for job in week] == [(False, True), (True, False)]


def test_a_paper_whose_page_is_not_up_is_unlinked_from_its_day_until_it_is() -> None:
    digests = site_days(D1, D2, D3)
    waiting = digests[D2].papers[0].paper.arxiv_id
    held = live_bucket(digests) - {paper_page_key(waiting)}
    plan = plan_of(published(digests, D3), held, digests)

    (day,) = [job for job in plan.phases[1] if isinstance(job, DayPage) and job.day == D2]
    assert day.unlinked_papers == {waiting} and not day.unlinked_categories
    assert waiting in plan.phases[2][0].arxiv_ids
    assert phase_of(plan, DayPage, day=D2, unlinked_papers=frozenset()) == [7]


def test_a_daily_publish_builds_its_week_and_month_and_only_relinks_their_neighbours() -> None:
    digests = site_days(D1, D2, D3, D4)
    held = live_bucket(digests)
    summaries = summaries_of(digests)
    planner = PublishPlanner(published(digests, D4), held, summaries, paper_histories(summaries))
    assert [p.name for p in planner.periods_to_read()] == ["2021-W22"]
    # What to read: the days rendered and those of the week and month built, less what is in memory.
    assert planner.digests_to_read({}, {D4}) == [D1, D2, D3]

    plan = plan_of(published(digests, D4), held, digests)
    assert [d.period.name for d in plan.period_digests] == ["2021-06", "2021-W23"]
    relinked = [job for job in plan.jobs() if isinstance(job, PeriodPage) and not job.export]
    assert [job.digest.period.name for job in relinked] == ["2021-W22"]
    # A neighbour whose stored digest is missing (a table restored alone) is built again.
    missing = planner.plan(digests, {}, RankingConfig())
    assert [d.period.name for d in missing.period_digests] == ["2021-W22", "2021-06", "2021-W23"]
    # A week whose page is not in the bucket is built whatever changed.
    without_week = plan_of(published(digests, D4), held - {period_page_key(relinked[0].digest.period)}, digests)
    assert [d.period.name for d in without_week.period_digests] == ["2021-W22", "2021-06", "2021-W23"]


def test_a_plan_is_plain_data_equal_for_equal_inputs() -> None:
    digests = site_days(D1, D2, D3)
    held = live_bucket(digests)
    assert plan_of(published(digests, D3), held, digests) == plan_of(published(digests, D3), held, digests)


def test_a_rebuild_shard_but_the_last_leaves_what_the_bucket_lacks_beyond_its_days() -> None:
    digests = site_days(D1, D2, D3, D4)
    lacking = published(digests, D1)
    shard = replace(lacking, everything=False, repair_missing=False)
    # An empty bucket: the first shard renders its day and the days next to it, not the whole site.
    assert [job.day for job in day_jobs(plan_of(shard, frozenset(), digests))] == [D1, D2, D4]
    everything = plan_of(lacking, frozenset(), digests)
    assert [job.day for job in day_jobs(everything)] == [D1, D2, D3, D4]
    papers_of_shard = plan_of(shard, frozenset(), digests).phases[2][0]
    assert isinstance(papers_of_shard, PaperPages)
    assert set(papers_of_shard.arxiv_ids) == {p.paper.arxiv_id for p in digests[D1].papers}
