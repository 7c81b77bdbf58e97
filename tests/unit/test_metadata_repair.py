"""MetadataRepair on the in-memory store: any day whose lookups failed is completed later, a bounded share a run.

Historical days (2021) with the clock in the present (2026), as a backfill runs: nothing here
depends on the days being recent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from hotpapers.collect.collector import Collector
from hotpapers.collect.repair import MetadataRepair
from hotpapers.core.clock import FakeClock
from hotpapers.core.models import RunRecord
from hotpapers.core.records import DayPaper
from hotpapers.core.store_memory import MemoryStore
from tests.support.doubles import FakeArxiv, ListSource, paper, post

pytestmark = pytest.mark.unit

PRESENT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
JUNE_1 = date(2021, 6, 1)


def days_from(first: date, count: int) -> list[date]:
    return [first + timedelta(days=offset) for offset in range(count)]


class Stack:
    """One collection deployment: a store, arXiv and a source; each `invocation()` is a fresh collector."""

    def __init__(self, posts: list[Any], papers: list[Any], max_papers: int = 500) -> None:
        self.store = MemoryStore(FakeClock(PRESENT))
        self.arxiv = FakeArxiv(papers)
        self.source = ListSource("x", posts)
        self.announced: list[dict[str, Any]] = []
        self.max_papers = max_papers

    def invocation(self, remaining: Any = None) -> Collector:
        clock = FakeClock(PRESENT)
        repair = MetadataRepair(
            self.store,
            self.arxiv,
            clock,
            announce=self.announced.append,
            max_papers=self.max_papers,  # type: ignore[arg-type]
        )
        return Collector({"x": self.source}, self.arxiv, self.store, clock, repair=repair, remaining=remaining)  # type: ignore[arg-type]

    def missing(self) -> list[tuple[date, str]]:
        return [(entry.day, entry.arxiv_id) for entry in self.store.papers_missing_metadata()]


def one_paper_a_day(days: list[date]) -> tuple[list[Any], list[Any]]:
    ids = [f"2105.{10000 + n}" for n in range(len(days))]
    return [post(str(n), day, ids[n]) for n, day in enumerate(days)], [paper(arxiv_id) for arxiv_id in ids]


def test_a_2021_day_collected_with_arxiv_down_is_completed_by_the_next_days_collection() -> None:
    posts = [
        post("1", JUNE_1, "2105.14103"),
        post("2", JUNE_1, "2106.00001"),
        post("3", date(2021, 6, 2), "2106.00002"),
    ]
    stack = Stack(posts, [paper("2105.14103"), paper("2106.00001"), paper("2106.00002")])
    stack.arxiv.down = True
    first = stack.invocation().collect_day(JUNE_1)
    assert len(first.papers_failed) == 2 and first.papers_without_metadata == 2
    assert not any(day_paper.has_metadata for day_paper in stack.store.day(JUNE_1).papers)

    stack.arxiv.down = False
    second = stack.invocation().collect_day(date(2021, 6, 2))
    assert second.repaired_days == [JUNE_1]
    assert second.papers_without_metadata == 0
    assert all(day_paper.has_metadata for day_paper in stack.store.day(JUNE_1).papers)
    assert stack.missing() == []
    assert [event["date"] for event in stack.announced] == ["2021-06-01"]  # the publisher publishes it again
    # The engagement stored with the day is kept: the repair rewrites metadata, not the day's counts.
    aft = next(p for p in stack.store.day(JUNE_1).papers if p.arxiv_id == "2105.14103")
    assert aft.engagement["x"]["likes"] == 10


def test_a_backfill_where_arxiv_fails_for_part_of_the_range_is_completed_later() -> None:
    days = days_from(date(2021, 3, 1), 6)
    posts, papers = one_paper_a_day(days)
    stack = Stack(posts, papers)
    collector = stack.invocation()
    runs: list[RunRecord] = []
    for day in days:  # one invocation collecting the range, arXiv refusing on the 2nd and 3rd day
        stack.arxiv.down = day in days[1:3]
        runs.append(collector.collect_day(day))
    assert [day for day, _ in stack.missing()] == days[1:3]
    # Within the invocation the refused ids are not asked again: arXiv refused them moments ago.
    assert stack.arxiv.asked_ids().count(posts[1].papers[0].arxiv_id) == 1
    assert runs[-1].papers_without_metadata == 2

    # The backfill goes on, in any order: an earlier day collected next still completes them.
    later = stack.invocation().collect_day(date(2021, 1, 15))
    assert later.repaired_days == days[1:3]
    assert stack.missing() == []
    assert all(p.has_metadata for day in days for p in stack.store.day(day).papers)


def test_a_rerun_of_a_day_completes_it_too() -> None:
    posts, papers = one_paper_a_day([JUNE_1])
    stack = Stack(posts, papers)
    stack.arxiv.down = True
    stack.invocation().collect_day(JUNE_1)
    stack.arxiv.down = False
    rerun = stack.invocation().collect_day(JUNE_1)
    assert rerun.papers_failed == [] and stack.missing() == []


def test_one_run_asks_for_at_most_max_papers_oldest_day_first() -> None:
    days = days_from(date(2021, 1, 1), 7)
    posts, papers = one_paper_a_day(days)
    stack = Stack(posts, papers, max_papers=3)
    stack.arxiv.down = True
    collector = stack.invocation()
    for day in reversed(days):  # collected newest first: the order of the index, not of collection, counts
        collector.collect_day(day)
    stack.arxiv.down = False
    expected = [p.arxiv_id for p in papers]

    for run_number, repaired in enumerate([days[0:3], days[3:6], days[6:7]]):
        stack.arxiv.asked.clear()
        run = stack.invocation().collect_day(date(2021, 2, 1))  # a day without posts
        assert stack.arxiv.asked_ids() == expected[run_number * 3 : run_number * 3 + 3]
        assert run.repaired_days == repaired
    assert stack.missing() == []


def test_papers_arxiv_keeps_refusing_move_behind_the_others() -> None:
    # Two ids arXiv does not know (a post naming an id that does not exist), then one it knows.
    posts = [
        post("1", JUNE_1, "2105.99998"),
        post("2", JUNE_1, "2105.99999"),
        post("3", date(2021, 6, 2), "2106.00001"),
    ]
    stack = Stack(posts, [paper("2106.00001")], max_papers=2)
    stack.arxiv.down = True
    collector = stack.invocation()
    collector.collect_day(JUNE_1)
    collector.collect_day(date(2021, 6, 2))
    stack.arxiv.down = False

    stack.invocation().collect_day(date(2021, 7, 1))  # asks the two oldest: unknown, now tried once
    assert stack.arxiv.asked_ids()[-2:] == ["2105.99998", "2105.99999"]
    run = stack.invocation().collect_day(date(2021, 7, 2))  # the untried paper comes first now
    assert stack.arxiv.asked_ids()[-2:] == ["2106.00001", "2105.99998"]
    assert run.repaired_days == [date(2021, 6, 2)]
    attempts = {entry.arxiv_id: entry.metadata_attempts for entry in stack.store.papers_missing_metadata()}
    assert attempts == {"2105.99999": 1, "2105.99998": 2}


def test_with_little_time_left_the_repair_asks_nothing_and_leaves_the_rest_for_later() -> None:
    posts, papers = one_paper_a_day([JUNE_1])
    stack = Stack(posts, papers)
    stack.arxiv.down = True
    stack.invocation().collect_day(JUNE_1)
    stack.arxiv.down = False
    stack.arxiv.asked.clear()
    # The source and the repair begin (1000 s left); then too little for an arXiv request and the write.
    seconds = iter([1000.0] * 2 + [64.0] * 100)
    run = stack.invocation(remaining=lambda: next(seconds)).collect_day(date(2021, 6, 2))
    assert stack.arxiv.asked == [] and run.repaired_days == []
    entries = list(stack.store.papers_missing_metadata())
    assert [entry.metadata_attempts for entry in entries] == [0]  # not asked: not counted as refused
    assert stack.invocation().collect_day(date(2021, 6, 3)).repaired_days == [JUNE_1]


def test_metadata_stored_since_by_another_day_is_used_without_asking_arxiv() -> None:
    stack = Stack([post("1", JUNE_1, "2105.14103"), post("2", date(2021, 6, 2), "2105.14103")], [paper("2105.14103")])
    stack.arxiv.down = True
    collector = stack.invocation()
    collector.collect_day(JUNE_1)
    stack.arxiv.down = False
    # The same invocation's next day fetches the paper for itself (the repair would not ask again: tried)...
    run = collector.collect_day(date(2021, 6, 2))
    assert run.repaired_days == [JUNE_1]  # ...and the repair takes the stored copy for the earlier day
    assert stack.arxiv.asked_ids().count("2105.14103") == 2


def test_a_failing_repair_never_fails_the_day() -> None:
    posts, papers = one_paper_a_day([JUNE_1])
    stack = Stack(posts, papers)

    def broken() -> Any:
        raise RuntimeError("the index is unreachable")
        yield

    stack.store.papers_missing_metadata = broken  # type: ignore[method-assign]
    run = stack.invocation().collect_day(JUNE_1)
    assert run.finished_at is not None and stack.store.day(JUNE_1).run is not None


def test_the_index_lists_only_day_papers_without_metadata() -> None:
    store = MemoryStore()
    store.write([DayPaper(JUNE_1, "2105.00001", None), DayPaper(JUNE_1, "2105.00002", paper("2105.00002"))])
    assert [entry.arxiv_id for entry in store.papers_missing_metadata()] == ["2105.00001"]
