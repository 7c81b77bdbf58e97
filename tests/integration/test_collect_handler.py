"""The collector end to end: real handler, moto server, upstreams replayed on loopback.

The sample day is 2021-06-01, rebuilt from the real Hot Papers post of that
day (17 papers, 21 tweets); see local/hotpapers_local/data/PROVENANCE.md.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hotpapers.collect import handler as collect_handler
from hotpapers.core import aws
from hotpapers.core.clock import FakeClock
from hotpapers.core.events import InvalidEvent
from hotpapers.core.settings import Settings
from hotpapers.core.store import Store
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.invoke import invoke
from tests.support.collected_day import SAMPLE_PAPERS, SAMPLE_TWEETS, fixed_clock, scan_table
from tests.support.site_stack import BSKY

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events"
DAY = date(2021, 6, 1)


def store_for(settings: Settings) -> Store:
    return Store(settings.table, aws.client("dynamodb", settings.endpoint_url, settings.region), FakeClock())


@pytest.mark.parametrize("event_file", sorted(p.name for p in EVENTS.glob("collect-*.json")))
def test_every_sample_event_runs_through_the_real_handler(env: Settings, event_file: str) -> None:
    event = json.loads((EVENTS / event_file).read_text())
    summary = invoke("collect", event)

    days = [entry["date"] for entry in summary["days"]]
    assert "2021-06-01" in days
    records = store_for(env).day(DAY)
    assert len(records.papers) == SAMPLE_PAPERS
    assert all(paper.has_metadata for paper in records.papers)
    run = records.run
    assert run is not None
    expected_sources = event.get("sources", ["bluesky", "hackernews", "huggingface", "x"])
    assert sorted(run.sources) == sorted(expected_sources)
    assert run.failed_sources == []


def test_sample_day_is_stored_with_metadata_and_engagement(env: Settings) -> None:
    invoke("collect", {"date": "2021-06-01"})
    store = store_for(env)
    records = store.day(DAY)
    assert len(records.mentions) == SAMPLE_TWEETS

    aft = next(paper for paper in records.papers if paper.arxiv_id == "2105.14103")
    assert aft.paper is not None
    assert aft.paper.title == "An Attention Free Transformer"
    assert aft.paper.categories[0] == "cs.LG"
    assert aft.paper.pdf_url == "https://arxiv.org/pdf/2105.14103"
    # The blog's totals for this paper were retweets 10042, favorites 5; the replay keeps them.
    assert aft.engagement["x"]["retweets"] == 10042
    assert aft.engagement["x"]["likes"] == 5
    assert aft.engagement["x"]["posts"] == 1

    paper = store.paper("2105.14103")
    assert paper.paper is not None and paper.history is None
    assert (len(paper.days), len(paper.mentions)) == (1, 1)
    post = paper.mentions[0].observation.post
    assert post.url == "https://x.com/ak92501/status/1399536327260086281"
    assert post.author_handle == "ak92501"
    assert post.metrics["retweets"] == 10042

    by_category = store.category_day(DAY, "cs.LG")
    assert "2105.14103" in {day_paper.arxiv_id for day_paper in by_category}
    assert all(day_paper.paper and day_paper.paper.primary_category == "cs.LG" for day_paper in by_category)


def without_run_record(items: list[dict]) -> list[dict]:
    return [item for item in items if item["SK"]["S"] != "RUN"]


def test_a_second_run_leaves_an_identical_table_and_fetches_nothing_again(env: Settings, upstreams) -> None:
    collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())
    first = scan_table(env)
    arxiv_requests = upstreams.count("/arxiv")

    summary = collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())
    second = scan_table(env)
    # Papers, day papers and mentions are byte-identical; the single run record now describes run two.
    assert without_run_record(second) == without_run_record(first)
    assert len(second) == len(first) == 1 + SAMPLE_PAPERS * 2 + SAMPLE_TWEETS
    assert upstreams.count("/arxiv") == arxiv_requests  # stored papers are not fetched again
    assert summary["days"][0]["arxiv_requests"] == 0
    run = next(item for item in second if item["SK"]["S"] == "RUN")
    assert run["papers_fetched"]["N"] == "0"


def replay(dataset, monkeypatch) -> FakeUpstreams:
    """Serve another version of the upstream data, as the real APIs would on a later run."""
    upstreams = FakeUpstreams(dataset, bsky_credentials=BSKY).start()
    for key, value in upstreams.env().items():
        monkeypatch.setenv(key, value)
    return upstreams


def test_counts_move_to_the_newest_observation_without_duplicates(env: Settings, sample_dataset, monkeypatch) -> None:
    collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())

    later = copy.deepcopy(sample_dataset)
    tweet = next(t for t in later.x_tweets if t["id"] == "1399536327260086281")
    tweet["public_metrics"]["like_count"] += 100
    with replay(later, monkeypatch):
        collect_handler.handle({"date": "2021-06-01"}, clock=FakeClock(datetime(2021, 6, 3, tzinfo=UTC)))

    paper = store_for(env).paper("2105.14103")
    assert len(paper.mentions) == 1
    assert paper.mentions[0].observation.post.metrics["likes"] == 105
    assert paper.mentions[0].observation.observed_at == datetime(2021, 6, 3, tzinfo=UTC)
    assert paper.days[0].engagement["x"]["likes"] == 105
    assert len(store_for(env).day(DAY).mentions) == SAMPLE_TWEETS


def test_one_failing_source_does_not_stop_the_others(env: Settings, upstreams) -> None:
    upstreams.inject("/hn", status=500, body=b"upstream exploded", times=50)
    summary = collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())

    day = summary["days"][0]
    assert day["sources"]["hackernews"]["error"]
    assert day["sources"]["x"]["error"] is None and day["sources"]["x"]["posts"] == SAMPLE_TWEETS
    records = store_for(env).day(DAY)
    assert records.run is not None and records.run.failed_sources == ["hackernews"]
    assert len(records.papers) == SAMPLE_PAPERS


def test_x_429_with_retry_after_is_waited_out(env: Settings, upstreams) -> None:
    upstreams.inject(
        "/x/2/tweets/search", status=429, body=b'{"title":"Too Many Requests"}', headers={"Retry-After": "7"}
    )
    clock = fixed_clock()
    summary = collect_handler.handle({"date": "2021-06-01"}, clock=clock)

    assert 7.0 in clock.sleeps
    assert summary["days"][0]["sources"]["x"]["posts"] == SAMPLE_TWEETS
    assert summary["days"][0]["sources"]["x"]["requests"] == 2  # the 429, then the page


def test_arxiv_requests_are_spaced_three_seconds_apart(env: Settings, upstreams, monkeypatch) -> None:
    monkeypatch.setenv("HOTPAPERS_ARXIV_BATCH_SIZE", "5")
    clock = fixed_clock()
    summary = collect_handler.handle({"date": "2021-06-01"}, clock=clock)

    assert upstreams.count("/arxiv") == 4  # 17 ids in batches of 5
    assert summary["days"][0]["arxiv_requests"] == 4
    assert clock.sleeps.count(3.0) == 3  # one full wait before each request after the first


@pytest.mark.parametrize(
    "event, message",
    [
        ({}, "names no day"),
        ([], "JSON object"),
        ({"date": "2021-13-01"}, "YYYY-MM-DD"),
        ({"date": "June 1"}, "YYYY-MM-DD"),
        ({"date": 20210601}, "YYYY-MM-DD"),
        ({"date": "2099-01-01"}, "has not begun"),
        ({"from": "2021-06-02", "to": "2021-06-01"}, "before"),
        ({"from": "2021-01-01", "to": "2021-06-01"}, "at most 31 days"),
        ({"from": "2021-06-01"}, "both"),
        ({"date": "2021-06-01", "sources": ["twitter"]}, "unknown source"),
        ({"date": "2021-06-01", "sources": []}, "non-empty list"),
        ({"scheduled_time": "yesterday"}, "RFC 3339"),
    ],
)
def test_malformed_events_are_rejected_and_nothing_is_written(env: Settings, upstreams, event, message) -> None:
    with pytest.raises(InvalidEvent, match=message):
        invoke("collect", event)
    assert scan_table(env) == []
    assert upstreams.requests == []


def test_unknown_paper_is_recorded_and_a_rerun_repairs_it(env: Settings, sample_dataset, monkeypatch) -> None:
    broken = copy.deepcopy(sample_dataset)
    aft_entry = broken.arxiv_entries.pop("2105.14103")
    with replay(broken, monkeypatch):
        summary = collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())
    assert summary["days"][0]["paper_failures"] == ["2105.14103"]
    records = store_for(env).day(DAY)
    assert records.run is not None and records.run.papers_failed[0].reason == "not_found"
    aft = next(paper for paper in records.papers if paper.arxiv_id == "2105.14103")
    assert aft.paper is None

    broken.arxiv_entries["2105.14103"] = aft_entry
    with replay(broken, monkeypatch) as upstreams:
        summary = collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())
        assert upstreams.count("/arxiv") == 1
    assert summary["days"][0]["paper_failures"] == []
    aft = next(paper for paper in store_for(env).day(DAY).papers if paper.arxiv_id == "2105.14103")
    assert aft.paper is not None and aft.paper.title == "An Attention Free Transformer"


def test_collect_finished_event_reaches_the_bus(env: Settings) -> None:
    events = aws.client("events", env.endpoint_url, env.region)
    sqs = aws.client("sqs", env.endpoint_url, env.region)
    queue_url = sqs.create_queue(QueueName=f"{env.event_bus}-probe")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="probe", EventBusName=env.event_bus, EventPattern=json.dumps({"source": ["hotpapers.collect"]})
    )
    events.put_targets(Rule="probe", EventBusName=env.event_bus, Targets=[{"Id": "q", "Arn": queue_arn}])

    invoke("collect", {"date": "2021-06-01"})

    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert len(messages) == 1
    event = json.loads(messages[0]["Body"])
    assert event["detail-type"] == "Collect Finished"
    assert event["detail"]["date"] == "2021-06-01"
    assert event["detail"]["papers"] == SAMPLE_PAPERS


def test_credentials_come_from_secrets_manager_and_never_reach_the_logs(
    env: Settings, monkeypatch, capsys, upstreams
) -> None:
    secrets = aws.client("secretsmanager", env.endpoint_url, env.region)
    token = "secret-bearer-token-do-not-log"
    arn = secrets.create_secret(
        Name=f"{env.table}-credentials",
        SecretString=json.dumps({"x_bearer_token": token, "bsky_handle": "", "bsky_app_password": ""}),
    )["ARN"]
    for name in (
        "HOTPAPERS_X_BEARER_TOKEN",
        "HOTPAPERS_BSKY_HANDLE",
        "HOTPAPERS_BSKY_APP_PASSWORD",
        "HOTPAPERS_SOURCES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOTPAPERS_SECRET_ID", arn)
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()

    summary = invoke("collect", {"date": "2021-06-01"})

    sources = summary["days"][0]["sources"]
    assert sources["x"]["posts"] == SAMPLE_TWEETS  # the token from the secret was accepted by the fake X
    assert "bluesky" not in sources  # no Bluesky credentials in the secret: not enabled by default
    x_request = next(r for r in upstreams.requests if r.path.startswith("/x/"))
    assert x_request.headers.get("authorization") == f"Bearer {token}"
    captured = capsys.readouterr()
    assert token not in captured.out + captured.err
    parameters.clear_caches()


def test_arxiv_and_bluesky_get_a_user_agent_with_the_contact(env: Settings, upstreams, monkeypatch) -> None:
    monkeypatch.setenv("HOTPAPERS_CONTACT", "ops@hotpapers.example")
    collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())

    def agents(prefix: str) -> set[str]:
        return {r.headers.get("user-agent", "") for r in upstreams.requests if r.path.startswith(prefix)}

    assert agents("/arxiv") == {"hotpapers/0.1 (+https://github.com/hotpapers; ops@hotpapers.example)"}
    assert agents("/bsky") == {"hotpapers/0.1 (+https://github.com/hotpapers; ops@hotpapers.example)"}
    # The others are not asked for one: the address goes only where it is wanted.
    assert all("ops@" not in agent for agent in agents("/x") | agents("/hn") | agents("/hf"))


def test_a_missing_contact_in_lambda_is_warned_about_once_per_cold_start(env: Settings, monkeypatch, caplog) -> None:
    monkeypatch.setattr(collect_handler, "_contact_warned", False)
    monkeypatch.delenv("HOTPAPERS_CONTACT", raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "hotpapers-collect-test")
    collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())
    collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())
    warnings = [r for r in caplog.records if "HOTPAPERS_CONTACT is not set" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"


def test_the_run_record_says_how_many_x_posts_were_read_and_whether_the_cap_cut_the_day(
    env: Settings, upstreams, monkeypatch
) -> None:
    summary = collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())
    x = summary["days"][0]["sources"]["x"]
    assert (x["read"], x["capped"]) == (SAMPLE_TWEETS, False)
    assert "read" not in summary["days"][0]["sources"]["hackernews"]  # only X bills per post

    monkeypatch.setenv("HOTPAPERS_X_MAX_POSTS", "10")
    summary = collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())
    x = summary["days"][0]["sources"]["x"]
    assert (x["read"], x["capped"], x["posts"]) == (10, True, 10)
    records = store_for(env).day(DAY)
    assert records.run is not None
    assert (records.run.sources["x"].read, records.run.sources["x"].capped) == (10, True)
    # The papers of the posts the cap left unread keep what earlier runs stored: nothing is lost.
    assert len(records.papers) == SAMPLE_PAPERS


def bus_probe(env: Settings) -> Callable[[], list[dict]]:
    """A queue behind a rule for the collector's events: returns a reader of the events delivered so far."""
    events = aws.client("events", env.endpoint_url, env.region)
    sqs = aws.client("sqs", env.endpoint_url, env.region)
    queue_url = sqs.create_queue(QueueName=f"{env.event_bus}-probe")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="probe", EventBusName=env.event_bus, EventPattern=json.dumps({"source": ["hotpapers.collect"]})
    )
    events.put_targets(Rule="probe", EventBusName=env.event_bus, Targets=[{"Id": "q", "Arn": queue_arn}])

    def read() -> list[dict]:
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        return [json.loads(message["Body"]) for message in received.get("Messages", [])]

    return read


def test_a_day_whose_arxiv_lookups_all_failed_is_completed_by_the_next_days_collection(env: Settings, upstreams):
    from hotpapers.publish import handler as publish_handler

    delivered = bus_probe(env)
    # arXiv's 2026 backend: "Rate exceeded" 429s without a Retry-After, for every attempt of the day's lookup.
    upstreams.inject("/arxiv", status=429, body="Rate exceeded", times=5)
    first = collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())["days"][0]
    assert upstreams.count("/arxiv") == 5
    assert len(first["paper_failures"]) == SAMPLE_PAPERS
    assert first["papers_without_metadata"] == SAMPLE_PAPERS  # the day just collected counts too
    store = store_for(env)
    assert not any(paper.has_metadata for paper in store.day(DAY).papers)
    [event] = delivered()
    publish_handler.handle(event, clock=fixed_clock())
    assert json.loads(store.digest_json(DAY))["papers"] == []  # no metadata: nothing listed

    # The next day's scheduled collection (nothing was posted that day) completes 2021-06-01.
    next_day = FakeClock(datetime(2021, 6, 3, 0, 30, tzinfo=UTC))
    second = collect_handler.handle({"date": "2021-06-02"}, clock=next_day)["days"][0]
    assert second["repaired_days"] == ["2021-06-01"]
    assert second["papers_without_metadata"] == 0
    assert second["arxiv_requests"] == 1  # one id_list batch for the 17 papers
    papers = store.day(DAY).papers
    assert all(paper.has_metadata for paper in papers) and len(papers) == SAMPLE_PAPERS
    aft = next(paper for paper in papers if paper.arxiv_id == "2105.14103")
    assert aft.engagement["x"]["retweets"] == 10042  # the stored engagement is kept
    assert list(store.papers_missing_metadata()) == []

    announced = {e["detail"]["date"]: e for e in delivered()}
    assert sorted(announced) == ["2021-06-01", "2021-06-02"]
    assert announced["2021-06-01"]["detail-type"] == "Collect Finished"
    publish_handler.handle(announced["2021-06-01"], clock=next_day)
    listed = json.loads(store.digest_json(DAY))["papers"]
    assert len(listed) == SAMPLE_PAPERS
    assert listed[0]["arxiv_id"] == "2105.14103"


# The wall clock far past the days collected: a backfill of 2021 run in the present.
PRESENT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_a_2021_day_collected_with_arxiv_down_is_completed_by_the_next_collection_in_the_present(
    env: Settings, upstreams
) -> None:
    from hotpapers.publish import handler as publish_handler

    delivered = bus_probe(env)
    upstreams.inject("/arxiv", status=429, body="Rate exceeded", times=5)  # every attempt of the day's lookup
    first = collect_handler.handle({"date": "2021-06-01"}, clock=FakeClock(PRESENT))["days"][0]
    assert len(first["paper_failures"]) == SAMPLE_PAPERS
    [event] = delivered()
    publish_handler.handle(event, clock=FakeClock(PRESENT))
    store = store_for(env)
    assert json.loads(store.digest_json(DAY))["papers"] == []

    # The backfill's next day, five years before the clock's today, with arXiv healthy again.
    second = collect_handler.handle({"date": "2021-06-02"}, clock=FakeClock(PRESENT))["days"][0]
    assert second["repaired_days"] == ["2021-06-01"]
    assert second["papers_without_metadata"] == 0
    assert all(paper.has_metadata for paper in store.day(DAY).papers)
    assert list(store.papers_missing_metadata()) == []
    announced = {e["detail"]["date"]: e for e in delivered()}
    publish_handler.handle(announced["2021-06-01"], clock=FakeClock(PRESENT))
    assert len(json.loads(store.digest_json(DAY))["papers"]) == SAMPLE_PAPERS


def test_the_repair_asks_arxiv_once_per_invocation(env: Settings, upstreams):
    upstreams.inject("/arxiv", status=429, body="Rate exceeded", times=1000)  # arXiv refuses all along
    collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())
    upstreams.requests.clear()
    next_days = FakeClock(datetime(2021, 6, 4, 0, 30, tzinfo=UTC))
    summary = collect_handler.handle({"from": "2021-06-02", "to": "2021-06-03"}, clock=next_days)
    # The 17 missing papers are asked about once (5 attempts), not once per day collected.
    assert upstreams.count("/arxiv") == 5
    assert [day["papers_without_metadata"] for day in summary["days"]] == [SAMPLE_PAPERS, SAMPLE_PAPERS]
    assert [day["repaired_days"] for day in summary["days"]] == [[], []]


def test_with_too_little_time_left_the_repair_waits_for_the_next_collection(env: Settings, upstreams):
    upstreams.inject("/arxiv", status=429, body="Rate exceeded", times=5)
    collect_handler.handle({"date": "2021-06-01"}, clock=fixed_clock())  # 17 papers left without metadata
    upstreams.requests.clear()
    next_day = FakeClock(datetime(2021, 6, 3, 0, 30, tzinfo=UTC))
    # Enough time for the day itself (it has no posts), not for asking arXiv about earlier days.
    remaining = iter([1000.0] * 4 + [100.0] * 100)
    day = collect_handler.handle({"date": "2021-06-02"}, clock=next_day, remaining=lambda: next(remaining))["days"][0]
    assert upstreams.count("/arxiv") == 0
    assert day["repaired_days"] == []
    assert not any(paper.has_metadata for paper in store_for(env).day(DAY).papers)
    # The next collection with time to spare repairs the day.
    later = FakeClock(datetime(2021, 6, 4, 0, 30, tzinfo=UTC))
    assert collect_handler.handle({"date": "2021-06-03"}, clock=later)["days"][0]["repaired_days"] == ["2021-06-01"]
