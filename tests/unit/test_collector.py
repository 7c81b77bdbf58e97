"""Collector on the in-memory store: what one day's collection stores, re-runs, failures and the time budget."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from hotpapers.collect.collector import Collector, DayInterrupted
from hotpapers.core.clock import FakeClock
from hotpapers.core.store_memory import MemoryStore
from tests.support.doubles import FakeArxiv, ListSource, paper, post

pytestmark = pytest.mark.unit

DAY = date(2021, 6, 1)
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def collector(store: MemoryStore, arxiv: FakeArxiv, *sources: ListSource, remaining: Any = None) -> Collector:
    return Collector({s.name: s for s in sources}, arxiv, store, FakeClock(NOW), remaining=remaining)  # type: ignore[arg-type]


def test_a_day_stores_its_papers_mentions_engagement_and_run() -> None:
    store, arxiv = MemoryStore(), FakeArxiv([paper("2105.14103"), paper("2106.00001", category="cs.CL")])
    x = ListSource("x", [post("1", DAY, "2105.14103", likes=5), post("2", DAY, "2105.14103", "2106.00001", likes=7)])
    run = collector(store, arxiv, x).collect_day(DAY)
    assert (run.posts, run.papers, run.papers_fetched) == (2, 2, 2)

    records = store.day(DAY)
    assert records.run is not None and records.run.posts == 2 and records.run.finished_at is not None
    assert len(records.mentions) == 3  # the post naming two papers is stored under each
    engagement = {p.arxiv_id: p.engagement["x"] for p in records.papers}
    assert engagement["2105.14103"]["posts"] == 2 and engagement["2105.14103"]["likes"] == 12
    assert engagement["2106.00001"] == {"posts": 1, "retweets": 1, "likes": 7, "quotes": 0, "replies": 0}
    assert [p.arxiv_id for p in store.category_day(DAY, "cs.CL")] == ["2106.00001"]
    stored = store.paper("2105.14103")
    assert stored.paper is not None and stored.paper.fetched_at == NOW
    assert {m.observation.post.post_id for m in stored.mentions} == {"1", "2"}


def test_a_second_run_fetches_no_metadata_again_and_leaves_the_same_records() -> None:
    store, arxiv = MemoryStore(), FakeArxiv([paper("2105.14103")])
    x = ListSource("x", [post("1", DAY, "2105.14103")])
    collector(store, arxiv, x).collect_day(DAY)
    first = store.day(DAY)
    run = collector(store, arxiv, x).collect_day(DAY)
    assert run.arxiv_requests == 0 and arxiv.requests == 1
    second = store.day(DAY)
    assert (second.papers, second.mentions) == (first.papers, first.mentions)


def test_a_newer_version_named_by_a_post_is_fetched_again() -> None:
    store, arxiv = MemoryStore(), FakeArxiv([paper("2105.14103")])
    collector(store, arxiv, ListSource("x", [post("1", DAY, "2105.14103")])).collect_day(DAY)
    arxiv.papers["2105.14103"] = paper("2105.14103", version=2)
    later = ListSource("x", [post("2", date(2021, 6, 2), "2105.14103v2")])
    run = collector(store, arxiv, later).collect_day(date(2021, 6, 2))
    assert run.papers_fetched == 1
    assert store.stored_papers(["2105.14103"])["2105.14103"].version == 2


def test_a_failing_source_keeps_what_earlier_runs_stored_for_it() -> None:
    store, arxiv = MemoryStore(), FakeArxiv([paper("2105.14103")])
    hn_posts = [post("9", DAY, "2105.14103", source="hackernews")]
    x = ListSource("x", [post("1", DAY, "2105.14103")])
    collector(store, arxiv, x, ListSource("hackernews", hn_posts)).collect_day(DAY)
    broken = ListSource("hackernews", hn_posts, fail_on=lambda day: True)
    run = collector(store, arxiv, x, broken).collect_day(DAY)
    assert run.failed_sources == ["hackernews"]
    [day_paper] = store.day(DAY).papers
    assert day_paper.engagement["hackernews"]["posts"] == 1  # the re-run's failure takes nothing away


def test_out_of_time_the_day_is_given_back_and_the_next_run_resumes_it() -> None:
    store, arxiv = MemoryStore(), FakeArxiv([paper("2105.14103")])
    x = ListSource("x", [post("1", DAY, "2105.14103")])
    hn = ListSource("hackernews", [post("9", DAY, "2105.14103", source="hackernews")])
    seconds = iter([1000.0, 10.0])  # x begins; too little left to begin hackernews
    with pytest.raises(DayInterrupted):
        collector(store, arxiv, x, hn, remaining=lambda: next(seconds)).collect_day(DAY)
    progress = store.progress(DAY)
    assert progress is not None and progress.open and sorted(progress.completed) == ["x"]
    assert store.day(DAY).run is None and len(store.day(DAY).mentions) == 1

    run = collector(store, arxiv, x, hn).collect_day(DAY)
    assert x.calls == [DAY] and hn.calls == [DAY]  # x's posts were stored: not fetched again
    assert run.posts == 2 and store.day(DAY).run is not None
    closed = store.progress(DAY)
    assert closed is not None and not closed.open


def test_arxiv_refusing_leaves_the_papers_in_the_day_without_metadata() -> None:
    store, arxiv = MemoryStore(), FakeArxiv([paper("2105.14103")])
    arxiv.down = True
    run = collector(store, arxiv, ListSource("x", [post("1", DAY, "2105.14103")])).collect_day(DAY)
    assert [failure.arxiv_id for failure in run.papers_failed] == ["2105.14103"]
    [day_paper] = store.day(DAY).papers
    assert not day_paper.has_metadata and day_paper.engagement["x"]["posts"] == 1
    assert [entry.arxiv_id for entry in store.papers_missing_metadata()] == ["2105.14103"]
