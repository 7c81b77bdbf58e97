"""Backfills and retries through the collect queue: one day per message, a time budget, resuming.

The real handlers against moto and the fake upstreams; the time left in an invocation is a function
of what the fakes have served, so a test decides exactly where a day runs out of time.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from hotpapers.collect import handler as collect_handler
from hotpapers.core import aws
from hotpapers.core.clock import SystemClock
from hotpapers.core.settings import Settings
from hotpapers.core.store import build_store
from hotpapers.publish import handler as publish_handler
from hotpapers.publish.handler import build_publisher
from hotpapers_local.backfill import Progress, days_between, enqueue_days, queue_url, relay_collect_queue
from hotpapers_local.provision import provision
from hotpapers_local.relay import relay_collect_finished
from tests.support.collected_day import SAMPLE_PAPERS, SAMPLE_TWEETS, fixed_clock, scan_table

pytestmark = pytest.mark.integration

DAY = "2021-06-01"
SOURCES = ("/x", "/bsky", "/hn", "/hf")


def sqs_event(*bodies: Any, ids: list[str] | None = None) -> dict[str, Any]:
    ids = ids or [f"m-{n}" for n in range(len(bodies))]
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": f"handle-{message_id}",
                "body": json.dumps(body),
                "attributes": {"MessageGroupId": "collect", "ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:hotpapers-collect.fifo",
                "awsRegion": "us-east-1",
            }
            for message_id, body in zip(ids, bodies, strict=True)
        ]
    }


def requests_by_source(upstreams) -> dict[str, int]:
    return {prefix: upstreams.count(prefix) for prefix in (*SOURCES, "/arxiv")}


def test_a_day_out_of_time_stores_its_completed_sources_and_resumes_without_fetching_them(
    env: Settings, upstreams
) -> None:
    event = sqs_event({"date": DAY})
    # Plenty of time until X has answered; then too little to begin another source.
    answer = collect_handler.handle(
        event, clock=fixed_clock(), remaining=lambda: 1000.0 if upstreams.count("/x") == 0 else 100.0
    )
    assert answer["batchItemFailures"] == [{"itemIdentifier": "m-0"}]  # it comes back after the visibility timeout
    assert answer["days"] == []
    store, collected = build_store(env, SystemClock()), date.fromisoformat(DAY)
    records = store.day(collected)
    assert len(records.mentions) == SAMPLE_TWEETS  # X's posts are stored ...
    assert records.run is None and records.papers == []  # ... but the day is not claimed as collected
    progress = store.progress(collected)
    assert progress is not None and progress.open and set(progress.completed) == {"x"}
    first = requests_by_source(upstreams)
    assert first["/x"] > 0 and first["/bsky"] == first["/hn"] == first["/hf"] == first["/arxiv"] == 0

    answer = collect_handler.handle(event, clock=fixed_clock(), remaining=lambda: 1000.0)
    assert answer["batchItemFailures"] == []
    second = requests_by_source(upstreams)
    assert second["/x"] == first["/x"]  # X was not fetched again
    assert second["/bsky"] > 0 and second["/hn"] > 0 and second["/hf"] > 0 and second["/arxiv"] > 0
    (day,) = answer["days"]
    assert (day["papers"], day["sources"]["x"]["posts"]) == (SAMPLE_PAPERS, SAMPLE_TWEETS)
    records = store.day(collected)
    assert records.run is not None and len(records.papers) == SAMPLE_PAPERS
    assert len(records.mentions) == SAMPLE_TWEETS
    assert len(store.stored_papers([p.arxiv_id for p in records.papers])) == SAMPLE_PAPERS
    progress = store.progress(collected)
    assert progress is not None and not progress.open  # closed: the next run of the day starts over

    # A later repair of the day is a new run: every source is fetched again, and nothing is stored twice.
    before = scan_table(env)
    collect_handler.handle(sqs_event({"date": DAY}, ids=["repair"]), clock=fixed_clock(), remaining=lambda: 1000.0)
    assert upstreams.count("/x") > second["/x"]
    assert [i for i in scan_table(env) if i["SK"]["S"] != "RUN"] == [i for i in before if i["SK"]["S"] != "RUN"]


def test_a_day_out_of_time_before_arxiv_resumes_with_the_metadata_only(env: Settings, upstreams) -> None:
    event = sqs_event({"date": DAY})
    answer = collect_handler.handle(
        event, clock=fixed_clock(), remaining=lambda: 1000.0 if upstreams.count("/hf") == 0 else 30.0
    )
    assert answer["batchItemFailures"] == [{"itemIdentifier": "m-0"}]
    first = requests_by_source(upstreams)
    assert first["/arxiv"] == 0 and all(first[prefix] > 0 for prefix in SOURCES)

    answer = collect_handler.handle(event, clock=fixed_clock(), remaining=lambda: 1000.0)
    assert answer["batchItemFailures"] == []
    second = requests_by_source(upstreams)
    assert {prefix: second[prefix] for prefix in SOURCES} == {prefix: first[prefix] for prefix in SOURCES}
    assert second["/arxiv"] == 1
    assert answer["days"][0]["papers_fetched"] == SAMPLE_PAPERS


def test_a_batch_reports_a_malformed_message_and_what_follows_it(env: Settings, upstreams) -> None:
    event = sqs_event(
        {"date": "2021-05-01", "sources": ["hackernews"]},
        {"date": "2099-01-01"},
        {"date": "2021-05-02", "sources": ["hackernews"]},
        ids=["good", "future", "after"],
    )
    answer = collect_handler.handle(event, clock=fixed_clock())
    # One message group: a later day is not deleted while an earlier one is still to come back.
    assert answer["batchItemFailures"] == [{"itemIdentifier": "future"}, {"itemIdentifier": "after"}]
    assert [day["date"] for day in answer["days"]] == ["2021-05-01"]
    assert build_store(env, SystemClock()).collected_days() == [date(2021, 5, 1)]


def test_a_backfill_of_60_days_drains_through_the_queue_and_is_published_in_one_batch(
    env: Settings, upstreams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTPAPERS_COLLECT_QUEUE", f"{env.table}-collect.fifo")
    monkeypatch.setenv("HOTPAPERS_ARXIV_MIN_INTERVAL", "0")
    settings = Settings.from_env()
    provision(settings)
    days = days_between(date(2021, 4, 3), date(2021, 6, 1))
    assert len(days) == 60

    enqueue_days(settings, days)
    enqueue_days(settings, days[-3:])  # the same days again within 5 minutes: deduplicated
    sqs = aws.client("sqs", settings.endpoint_url, settings.region)
    depth = sqs.get_queue_attributes(QueueUrl=queue_url(settings), AttributeNames=["ApproximateNumberOfMessages"])
    assert depth["Attributes"]["ApproximateNumberOfMessages"] == "60"

    shown: list[str] = []
    progress = relay_collect_queue(settings, Progress(total=60), lambda p: shown.append(p.line()))
    assert (progress.done, progress.failures, progress.depth) == (60, 0, 0)
    assert shown[-1].startswith("[" + "#" * 30 + "] 60/60 days  queue 0  failures 0")
    assert build_store(settings, SystemClock()).collected_days() == days

    (published,) = relay_collect_finished()  # 60 Collect Finished events: one publish run
    assert [day["date"] for day in published["days"]] == [day.isoformat() for day in days]
    assert published["batchItemFailures"] == []
    assert relay_collect_finished() == []


def test_the_publish_handler_publishes_a_batch_of_days_in_one_run(env: Settings, upstreams) -> None:
    days = [date(2021, 6, 1) - timedelta(days=n) for n in range(3)]
    for day in days:
        collect_handler.handle({"date": day.isoformat(), "sources": ["hackernews"]}, clock=fixed_clock())
    runs: list[Any] = []

    def counting(settings: Settings, clock: Any) -> Any:
        publisher = build_publisher(settings, clock)
        runs.append(publisher)
        return publisher

    bodies = [
        {"source": "hotpapers.collect", "detail-type": "Collect Finished", "detail": {"date": day.isoformat()}}
        for day in days
    ]
    event = sqs_event(*bodies, {"detail-type": "Collect Finished"}, ids=["a", "b", "c", "bad"])
    answer = publish_handler.handle(event, clock=fixed_clock(), make_publisher=counting)
    assert len(runs) == 1
    assert [day["date"] for day in answer["days"]] == sorted(day.isoformat() for day in days)
    assert answer["batchItemFailures"] == [{"itemIdentifier": "bad"}]
