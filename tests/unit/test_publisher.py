"""Publisher on the in-memory store and an in-memory S3 behind the real SiteBucket: what a publish stores, uploads."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from hotpapers.collect.collector import Collector
from hotpapers.core.clock import FakeClock
from hotpapers.core.digest import RankingConfig
from hotpapers.core.events import PublishRequest
from hotpapers.core.settings import Settings
from hotpapers.core.store_memory import MemoryStore
from hotpapers.publish.bucket import SiteBucket
from hotpapers.publish.publisher import Publisher
from hotpapers.publish.site import SiteConfig, day_page_key
from tests.support.doubles import FakeArxiv, ListSource, MemoryS3, paper, post

pytestmark = pytest.mark.unit

DAY = date(2021, 6, 1)
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def collected(store: MemoryStore, arxiv: FakeArxiv, *posts: object) -> None:
    Collector({"x": ListSource("x", posts)}, arxiv, store, FakeClock(NOW)).collect_day(DAY)  # type: ignore[arg-type, dict-item]


def publisher(store: MemoryStore, s3: MemoryS3) -> Publisher:
    return Publisher(store, SiteBucket("site", s3), SiteConfig.from_settings(Settings()), RankingConfig(min_score=1))


def publish(store: MemoryStore, s3: MemoryS3, *days: date) -> dict[str, object]:
    return publisher(store, s3).run(PublishRequest(days=days, everything=False, trigger="manual")).to_dict()


def test_a_collected_day_is_ranked_stored_and_uploaded() -> None:
    store, s3 = MemoryStore(FakeClock(NOW)), MemoryS3()
    arxiv = FakeArxiv([paper("2105.14103"), paper("2106.00001")])
    collected(store, arxiv, post("1", DAY, "2105.14103", likes=50), post("2", DAY, "2106.00001", likes=5))
    result = publish(store, s3, DAY)
    assert result["days"] == [{"date": "2021-06-01", "papers": 2, "candidates": 2}]

    digest = store.get_digest(DAY)
    assert digest is not None and [p.arxiv_id for p in digest.papers] == ["2105.14103", "2106.00001"]
    assert [s.day for s in store.digest_summaries()] == [DAY]
    history = store.paper("2105.14103").history
    assert history is not None and [(entry.day, entry.rank) for entry in history] == [(DAY, 1)]
    assert day_page_key(DAY) in s3.objects
    assert json.loads(s3.objects["digests/2021-06-01.json"]["body"])["papers"][0]["arxiv_id"] == "2105.14103"


def test_publishing_again_uploads_nothing_changed() -> None:
    store, s3 = MemoryStore(FakeClock(NOW)), MemoryS3()
    collected(store, FakeArxiv([paper("2105.14103")]), post("1", DAY, "2105.14103"))
    publish(store, s3, DAY)
    s3.puts.clear()
    again = publish(store, s3, DAY)
    assert s3.puts == [] and again["objects_put"] == 0


def test_a_day_not_collected_is_skipped_and_nothing_is_stored() -> None:
    store, s3 = MemoryStore(FakeClock(NOW)), MemoryS3()
    result = publish(store, s3, DAY)
    assert "2021-06-01" in result["skipped"] and result["days"] == []  # type: ignore[operator]
    assert store.get_digest(DAY) is None


def test_a_paper_without_metadata_is_left_out_until_the_repair_completes_it() -> None:
    store, s3 = MemoryStore(FakeClock(NOW)), MemoryS3()
    arxiv = FakeArxiv([paper("2105.14103")])
    arxiv.down = True
    collected(store, arxiv, post("1", DAY, "2105.14103"))
    publish(store, s3, DAY)
    digest = store.get_digest(DAY)
    assert digest is not None and digest.papers == () and digest.candidates == 1
