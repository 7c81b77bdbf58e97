"""The store's behaviour, the same checks on both stores: MemoryStore (the unit tests') and DynamoDB (moto).

What the fast unit tests of Collector and MetadataRepair rely on must hold on the real table too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hotpapers.core import aws
from hotpapers.core.clock import FakeClock
from hotpapers.core.models import DayProgress, Observation, RunRecord, SourceOutcome
from hotpapers.core.records import DayPaper, FetchedPaper, Mention
from hotpapers.core.settings import Settings
from hotpapers.core.store import Store
from hotpapers.core.store_memory import MemoryStore
from tests.support.doubles import paper, post

pytestmark = pytest.mark.integration

DAY = date(2021, 6, 1)
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryStore(FakeClock(NOW))
    env: Settings = request.getfixturevalue("env")
    return Store(env.table, aws.client("dynamodb", env.endpoint_url, env.region), FakeClock(NOW))


def test_papers_are_put_and_read_back_by_id(store: Store) -> None:
    store.write([FetchedPaper(paper("2105.14103"), NOW), FetchedPaper(paper("2106.00001", version=3), NOW)])
    found = store.stored_papers(["2105.14103", "2106.00001", "2199.00000"])
    assert found == {"2105.14103": paper("2105.14103"), "2106.00001": paper("2106.00001", version=3)}


def test_a_day_holds_its_papers_mentions_and_run(store: Store) -> None:
    observation = Observation(post("1", DAY, "2105.14103"), NOW)
    run = RunRecord(DAY, NOW, NOW, sources={"x": SourceOutcome("x", posts=1, papers=1, requests=2)}, papers=1)
    store.write(
        [
            DayPaper(DAY, "2105.14103", paper("2105.14103"), {"x": {"posts": 1, "likes": 10}}),
            Mention("2105.14103", DAY, observation),
            run,
        ]
    )
    records = store.day(DAY)
    assert records.papers == [DayPaper(DAY, "2105.14103", paper("2105.14103"), {"x": {"posts": 1, "likes": 10}})]
    assert [m.observation for m in records.mentions] == [observation]
    assert store.day_mentions(DAY) == records.mentions
    assert records.run is not None and records.run.sources == run.sources and records.run.papers == 1
    assert store.collected_days() == [DAY]
    assert store.day(date(2021, 6, 2)).papers == []


def test_the_papers_missing_metadata_come_fewest_attempts_then_oldest_day_first(store: Store) -> None:
    store.write(
        [
            DayPaper(date(2021, 6, 3), "2106.00003", None),
            DayPaper(date(2021, 6, 1), "2106.00001", None, metadata_attempts=1),
            DayPaper(date(2020, 1, 9), "2001.00009", None),
            DayPaper(date(2021, 6, 2), "2106.00002", paper("2106.00002")),
        ]
    )
    order = [(entry.arxiv_id, entry.metadata_attempts) for entry in store.papers_missing_metadata()]
    assert order == [("2001.00009", 0), ("2106.00003", 0), ("2106.00001", 1)]
    # The put that adds the metadata takes the paper out.
    store.write([DayPaper(date(2020, 1, 9), "2001.00009", paper("2001.00009"))])
    assert [entry.arxiv_id for entry in store.papers_missing_metadata()] == ["2106.00003", "2106.00001"]


def test_a_days_progress_is_put_and_read_back(store: Store) -> None:
    assert store.progress(DAY) is None
    progress = DayProgress(DAY, NOW, {"x": SourceOutcome("x", posts=3, papers=2, requests=1)})
    store.put(progress)
    assert store.progress(DAY) == progress
    assert store.day(DAY).run is None  # a day's progress is no part of its records


def test_a_whole_item_put_replaces_and_one_write_may_not_hold_a_key_twice(store: Store) -> None:
    store.write([DayPaper(DAY, "2105.14103", None, {"x": {"posts": 1}})])
    store.write([DayPaper(DAY, "2105.14103", None, {"x": {"posts": 2}})])
    assert [p.engagement for p in store.day(DAY).papers] == [{"x": {"posts": 2}}]
    with pytest.raises(ValueError, match="duplicate"):
        store.write([DayPaper(DAY, "2105.14103", None), DayPaper(DAY, "2105.14103", None)])
