"""A full rebuild's shards (publish/rebuild.py): how the days are cut, the shard message's shape and its parsing,
and the shards run on the in-memory store without a queue or with one (a list standing for it)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from hotpapers.collect.collector import Collector
from hotpapers.core.clock import FakeClock
from hotpapers.core.digest import RankingConfig
from hotpapers.core.events import (
    InvalidEvent,
    RebuildShard,
    SqsRecord,
    parse_publish_event,
    parse_publish_record,
)
from hotpapers.core.settings import Settings, SettingsError
from hotpapers.core.store_memory import MemoryStore
from hotpapers.publish.bucket import SiteBucket
from hotpapers.publish.publisher import Publisher
from hotpapers.publish.rebuild import REBUILD_PROGRESS_KEY, Rebuild, next_shard, shard_ranges
from hotpapers.publish.site import SiteConfig
from tests.support.doubles import FakeArxiv, ListSource, MemoryS3, paper, post

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 4)
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
D = [date(2021, 6, 1) + timedelta(days=n) for n in range(10)]


def test_the_days_are_cut_into_consecutive_ranges_of_at_most_the_shard_size_oldest_first() -> None:
    days = [D[5], D[0], D[1], D[3], D[3], D[9]]  # unordered, with a repeat and gaps
    assert shard_ranges(days, 2) == [(D[0], D[1]), (D[3], D[5]), (D[9], D[9])]
    assert shard_ranges(days, 100) == [(D[0], D[9])]
    assert shard_ranges(days, 1) == [(day, day) for day in (D[0], D[1], D[3], D[5], D[9])]
    assert shard_ranges([], 3) == []
    with pytest.raises(ValueError):
        shard_ranges(days, 0)


def test_the_next_shard_follows_the_last_day_of_the_one_before() -> None:
    days = [D[0], D[1], D[3], D[5], D[9]]
    first = next_shard(days, None, 2, "r1")
    assert first == RebuildShard("r1", 1, D[0], D[1])
    second = next_shard(days, first, 2, "r1")
    assert second == RebuildShard("r1", 2, D[3], D[5])
    third = next_shard(days + [D[6]], second, 2, "r1")  # a day collected meanwhile joins a later shard
    assert third == RebuildShard("r1", 3, D[6], D[9])
    assert next_shard(days, third, 2, "r1") is None
    assert next_shard([], None, 2, "r1") is None


def test_a_shard_message_round_trips_through_the_publish_queue_parser() -> None:
    shard = RebuildShard("20261204T090000Z-1a2b3c4d", 3, D[2], D[4])
    body = shard.body()
    assert json.loads(body) == {
        "rebuild": {"id": "20261204T090000Z-1a2b3c4d", "shard": 3, "from": "2021-06-03", "to": "2021-06-05"}
    }
    assert parse_publish_record(SqsRecord("m1", body), TODAY) == shard


def shard_body(**changes: Any) -> str:
    shard: dict[str, Any] = {"id": "r1", "shard": 1, "from": "2021-06-01", "to": "2021-06-02"}
    shard.update(changes)
    return json.dumps({"rebuild": {k: v for k, v in shard.items() if v is not ...}})


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (json.dumps({"rebuild": "r1"}), '"rebuild" must be an object'),
        (json.dumps({"rebuild": {}, "all": True}), "unknown key"),
        (shard_body(extra=1), "unknown key"),
        (shard_body(to=...), "a rebuild shard needs to"),
        (shard_body(id=""), '"rebuild.id" must be 1 to 64'),
        (shard_body(id="a/b"), '"rebuild.id" must be 1 to 64'),
        (shard_body(id="x" * 65), '"rebuild.id" must be 1 to 64'),
        (shard_body(shard=0), '"rebuild.shard" must be a whole number'),
        (shard_body(shard=True), '"rebuild.shard" must be a whole number'),
        (shard_body(shard="2"), '"rebuild.shard" must be a whole number'),
        (shard_body(**{"from": "2021-6-1"}), '"rebuild.from" must be a date'),
        (shard_body(to="2030-01-01"), '"rebuild.to" is 2030-01-01, a day that has not begun'),
        (shard_body(**{"from": "2021-06-03"}), '"rebuild.to" \\(2021-06-02\\) is before'),
    ],
)
def test_a_malformed_shard_message_is_refused_with_a_clear_reason(body: str, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        parse_publish_record(SqsRecord("m1", body), TODAY)


def test_a_batch_holds_days_and_shards_and_lists_a_bad_shard_as_rejected() -> None:
    def record(body: str, message_id: str) -> dict[str, Any]:
        return {"messageId": message_id, "body": body, "eventSource": "aws:sqs"}

    finished = json.dumps({"detail-type": "Collect Finished", "detail": {"date": "2021-06-07"}})
    shard = RebuildShard("r1", 2, D[2], D[3])
    event = {
        "Records": [
            record(finished, "a"),
            record(shard.body(), "b"),
            record(shard.body(), "c"),  # delivered twice in one batch: run once
            record(shard_body(shard=-1), "d"),
        ]
    }
    request = parse_publish_event(event, TODAY)
    assert request.days == (date(2021, 6, 7),) and request.shards == (shard,)
    assert [r.message_id for r in request.rejected] == ["d"]
    assert "rebuild.shard" in request.rejected[0].reason


def test_the_shard_size_is_a_setting() -> None:
    assert Settings.from_env({}).rebuild_shard_days == 365
    assert Settings.from_env({}).publish_queue_url is None
    assert Settings.from_env({"HOTPAPERS_REBUILD_SHARD_DAYS": "30"}).rebuild_shard_days == 30
    with pytest.raises(SettingsError, match="HOTPAPERS_REBUILD_SHARD_DAYS"):
        Settings.from_env({"HOTPAPERS_REBUILD_SHARD_DAYS": "0"})


def collected_store(days: list[date]) -> MemoryStore:
    store = MemoryStore(FakeClock(NOW))
    papers = [paper(f"2106.{n:05d}") for n in range(1, 3 * len(days) + 1)]
    for index, day in enumerate(days):
        posts = [post(f"{index}-{n}", day, papers[index * 2 + n].arxiv_id, likes=20 + n) for n in range(3)]
        Collector({"x": ListSource("x", posts)}, FakeArxiv(papers), store, FakeClock(NOW)).collect_day(day)  # type: ignore[arg-type, dict-item]
    return store


def rebuild(store: MemoryStore, s3: MemoryS3, size: int, sent: list[RebuildShard] | None = None) -> Rebuild:
    publisher = Publisher(
        store, SiteBucket("site", s3), SiteConfig.from_settings(Settings()), RankingConfig(min_score=1)
    )
    return Rebuild(publisher, size, None if sent is None else sent.append)


def test_without_a_queue_every_shard_runs_in_turn_and_the_site_is_the_unsharded_one() -> None:
    days = [D[0], D[1], D[2], D[4], D[5]]
    store, sharded, whole = collected_store(days), MemoryS3(), MemoryS3()
    result, first = rebuild(store, sharded, 2).start("r1")
    assert first == RebuildShard("r1", 1, D[0], D[1])
    assert [day["date"] for day in result.days] == [str(day) for day in days]
    rebuild(store, whole, 100).start("r2")
    assert {k: o["etag"] for k, o in sharded.objects.items()} == {k: o["etag"] for k, o in whole.objects.items()}
    assert REBUILD_PROGRESS_KEY not in sharded.objects


def test_with_a_queue_a_shard_sends_the_next_only_after_publishing_and_a_duplicate_is_dropped() -> None:
    store, s3, sent = collected_store([D[0], D[1], D[2]]), MemoryS3(), list[RebuildShard]()
    chain = rebuild(store, s3, 2, sent)
    result, first = chain.start("r1")
    assert sent == [first] and result.objects_put == 0 and s3.objects == {}  # only the first message
    part, following = chain.run_shard(sent[0])
    assert part.objects_put > 0 and following == RebuildShard("r1", 2, D[2], D[2]) and sent[-1] == following
    assert json.loads(s3.objects[REBUILD_PROGRESS_KEY]["body"]) == {"id": "r1", "shard": 1}
    s3.puts.clear()
    again, after = chain.run_shard(sent[0])  # shard 1 delivered again: nothing published, nothing sent
    assert (again.objects_put, after, s3.puts, len(sent)) == (0, None, [], 2)
    last, none = chain.run_shard(sent[1])
    assert none is None and len(sent) == 2 and last.days == [{"date": "2021-06-03", "papers": 3, "candidates": 3}]
