"""A full rebuild sharded through the publish queue (publish/rebuild.py), on moto: the same bucket as one unsharded
rebuild, shards chained one message at a time, a shard that fails midway retried until it converges, and a
shard's message delivered twice dropped.

The days are collected by the real Collector into moto's table (in-memory sources and arXiv); papers recur across
days that fall in different shards, and categories first appear in later shards, so paper pages, weeks, months
and category pages are each written by more than one shard.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from hotpapers.collect.collector import Collector
from hotpapers.core import aws
from hotpapers.core.clock import FakeClock
from hotpapers.core.events import PublishRequest
from hotpapers.core.settings import Settings
from hotpapers.core.store import build_store
from hotpapers.publish import handler
from hotpapers.publish.handler import build_publisher
from hotpapers.publish.rebuild import REBUILD_PROGRESS_KEY
from hotpapers_local.provision import provision
from hotpapers_local.relay import sqs_event
from tests.support.doubles import FakeArxiv, ListSource, paper, post

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
# 9 collected days over three ISO weeks and two months, with gaps; shards of 2 days make 5 shards.
DAYS = [date(2021, 5, 27) + timedelta(days=n) for n in (0, 1, 3, 4, 5, 8, 9, 12, 13)]
CATEGORIES = ("cs.LG", "cs.CV", "cs.CL", "stat.ML", "cs.RO")


def collect_days(settings: Settings) -> None:
    """Each day: its own papers and one or two talked about on an earlier day, a category new every ~2 days."""
    papers = [paper(f"2105.{n:05d}", category=CATEGORIES[n // 4 % len(CATEGORIES)]) for n in range(1, 20)]
    store = build_store(settings, FakeClock(NOW))
    for index, day in enumerate(DAYS):
        ids = [papers[index * 2].arxiv_id, papers[index * 2 + 1].arxiv_id, papers[index // 2].arxiv_id]
        posts = [post(f"{index}-{n}", day, arxiv_id, likes=10 + 7 * n) for n, arxiv_id in enumerate(ids)]
        Collector({"x": ListSource("x", posts)}, FakeArxiv(papers), store, FakeClock(NOW)).collect_day(day)  # type: ignore[arg-type, dict-item]


def site(settings: Settings, bucket: str) -> dict[str, str]:
    """{key: ETag} of a bucket (moto's ETag of a single PUT is the body's MD5), the rebuild's progress left out."""
    s3 = aws.client("s3", settings.endpoint_url, settings.region)
    found = {
        entry["Key"]: entry["ETag"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for entry in page.get("Contents", [])
    }
    found.pop(REBUILD_PROGRESS_KEY, None)
    return found


def unsharded_rebuild(settings: Settings, bucket: str) -> dict[str, str]:
    """The rebuild as before the shards: one Publisher.run of every collected day, into a bucket of its own."""
    other = Settings(**{**vars(settings), "bucket": bucket})
    provision(other)
    build_publisher(other, FakeClock(NOW)).run(PublishRequest((), True, "manual"))
    return site(settings, bucket)


class PublishQueue:
    """The publish queue on moto, and Lambda's event source mapping over it: a batch handed to the handler is
    deleted when the handler returns, and left (visible again at once) when it raises."""

    def __init__(self, settings: Settings) -> None:
        self.sqs = aws.client("sqs", settings.endpoint_url, settings.region)
        self.url = self.sqs.create_queue(QueueName=f"{settings.bucket}-publish")["QueueUrl"]
        self.arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]

    def receive(self) -> list[dict[str, Any]]:
        return self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
            "Messages", []
        )

    def deliver(self, clock: FakeClock) -> tuple[list[dict[str, Any]], dict[str, Any] | Exception]:
        """One batch through the handler: its messages' bodies, and the handler's answer or what it raised."""
        messages = self.receive()
        bodies = [json.loads(message["Body"]) for message in messages]
        try:
            answer = handler.handle(sqs_event(messages, self.arn, "us-east-1"), clock=clock)
        except Exception as error:  # the mapping leaves the batch in the queue: it comes back
            return bodies, error
        for message in messages:
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return bodies, answer


@pytest.fixture
def queued(env: Settings, monkeypatch: pytest.MonkeyPatch) -> PublishQueue:
    collect_days(env)
    queue = PublishQueue(env)
    monkeypatch.setenv("HOTPAPERS_PUBLISH_QUEUE_URL", queue.url)
    monkeypatch.setenv("HOTPAPERS_REBUILD_SHARD_DAYS", "2")
    return queue


def test_a_sharded_rebuild_chains_its_shards_and_writes_what_one_unsharded_rebuild_writes(
    env: Settings, queued: PublishQueue
) -> None:
    clock = FakeClock(NOW)
    started = handler.handle({"all": True}, clock=clock)
    assert started["objects_put"] == 0 and started["rebuild"]["queued"] is True  # only the first shard's message
    seen: list[dict[str, Any]] = []
    while True:
        bodies, answer = queued.deliver(clock)
        if not bodies:
            break
        assert len(bodies) == 1, bodies  # one message at a time: each shard sends the next only when done
        assert not isinstance(answer, Exception), answer
        seen.append(bodies[0]["rebuild"])
    assert [shard["shard"] for shard in seen] == [1, 2, 3, 4, 5]
    assert len({shard["id"] for shard in seen}) == 1
    assert [(shard["from"], shard["to"]) for shard in seen] == [
        (str(DAYS[i]), str(DAYS[min(i + 1, len(DAYS) - 1)])) for i in range(0, len(DAYS), 2)
    ]
    sharded = site(env, env.bucket)
    assert "index.html" in sharded and "weeks/2021-W22/index.html" in sharded
    assert sharded == unsharded_rebuild(env, env.bucket + "-one")  # the manifest too: the same holdings

    # A shard's message delivered again after the chain finished is dropped: nothing written, nothing sent.
    queued.sqs.send_message(QueueUrl=queued.url, MessageBody=json.dumps({"rebuild": seen[1]}))
    bodies, answer = queued.deliver(clock)
    assert len(bodies) == 1 and not isinstance(answer, Exception)
    assert answer["objects_put"] == 0 and answer["rebuild"]["shards"][0]["next"] is None
    assert queued.receive() == [] and site(env, env.bucket) == sharded


def test_a_shard_failing_midway_comes_back_from_the_queue_and_the_rebuild_converges(
    env: Settings, queued: PublishQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(NOW)
    s3 = aws.client("s3", env.endpoint_url, env.region)  # the very client the publisher uses (cached)
    real_put, puts = s3.put_object, []

    def put_failing_once(**request: Any) -> Any:
        puts.append(request["Key"])
        if len(puts) == 7:  # shard 3's seventh PUT: some of its objects are up, the rest and its manifest not
            raise ConnectionError("S3 went away")
        return real_put(**request)

    handler.handle({"all": True}, clock=clock)
    shards: list[int] = []
    failures = 0
    while True:
        if len(shards) == 2 and not failures:
            puts.clear()
            monkeypatch.setattr(s3, "put_object", put_failing_once)
        bodies, answer = queued.deliver(clock)
        if not bodies:
            break
        if isinstance(answer, Exception):
            failures += 1
            assert queued.receive() != []  # shard 3's message is back; the next one was never sent
            continue
        shards.append(bodies[0]["rebuild"]["shard"])
    assert failures == 1 and shards == [1, 2, 3, 4, 5]
    assert site(env, env.bucket) == unsharded_rebuild(env, env.bucket + "-one")


def test_without_a_queue_the_shards_run_one_after_another_in_the_process(
    env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    collect_days(env)
    monkeypatch.delenv("HOTPAPERS_PUBLISH_QUEUE_URL", raising=False)
    monkeypatch.setenv("HOTPAPERS_REBUILD_SHARD_DAYS", "3")
    answer = handler.handle({"all": True}, clock=FakeClock(NOW))
    assert [day["date"] for day in answer["days"]] == [str(day) for day in DAYS]
    assert answer["rebuild"]["queued"] is False
    s3 = aws.client("s3", env.endpoint_url, env.region)
    assert s3.list_objects_v2(Bucket=env.bucket, Prefix=REBUILD_PROGRESS_KEY).get("KeyCount") == 0  # no queue: no dedup
    assert site(env, env.bucket) == unsharded_rebuild(env, env.bucket + "-one")


def test_into_an_empty_bucket_of_a_stored_archive_each_shard_writes_only_its_share(
    env: Settings, queued: PublishQueue
) -> None:
    """The digests are stored and the bucket is empty (a new bucket, or objects deleted): every page is missing,
    yet the first shard must not render them all (its 900 s), only its days; the last shard finds none left."""
    clock = FakeClock(NOW)
    whole = unsharded_rebuild(env, env.bucket + "-one")  # stores every digest, into another bucket
    handler.handle({"all": True}, clock=clock)
    bodies, answer = queued.deliver(clock)
    assert bodies[0]["rebuild"]["shard"] == 1 and not isinstance(answer, Exception), answer
    day_pages = {key for key in site(env, env.bucket) if key.startswith("digests/") and key.endswith("/index.html")}
    # Its 2 days, the next one (their neighbour) and the newest (every publish renders it for the front page).
    assert day_pages == {f"digests/{day}/index.html" for day in [*DAYS[:3], DAYS[-1]]}
    while queued.deliver(clock)[0]:
        pass
    assert site(env, env.bucket) == whole
