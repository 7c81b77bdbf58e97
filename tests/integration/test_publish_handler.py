"""The publisher end to end: real handler, moto server, the collected sample day.

Each test collects 2021-06-01 (17 papers, 21 tweets, rebuilt from the real
Hot Papers post of that day) and publishes it into its own bucket.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import pytest

from hotpapers.core import aws
from hotpapers.core.clock import FakeClock
from hotpapers.core.digest import Digest
from hotpapers.core.events import InvalidEvent
from hotpapers.core.settings import Settings
from hotpapers.core.store import Store
from hotpapers.publish import handler as publish_handler
from hotpapers.publish.bucket import MANIFEST_KEY
from hotpapers.publish.markdown import render_markdown
from hotpapers_local.invoke import invoke
from tests.support.published_site import DAY, bucket_objects, collect_sample_day

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.mark.parametrize("event_file", sorted(p.name for p in EVENTS.glob("publish-*.json")))
def test_every_sample_event_runs_through_the_real_handler(env: Settings, event_file: str) -> None:
    collect_sample_day()
    result = invoke("publish", json.loads((EVENTS / event_file).read_text()))

    published = {day["date"]: day for day in result["days"]}
    assert published["2021-06-01"] == {"date": "2021-06-01", "papers": 17, "candidates": 17}
    if event_file == "publish-range.json":
        assert result["skipped"] == {"2021-05-31": "not collected yet: run the collector for this day first"}
    assert "digests/2021-06-01/index.html" in bucket_objects(env)


def test_the_site_has_every_page_kind_with_types_and_cache_control(env: Settings) -> None:
    collect_sample_day()
    invoke("publish", {"date": "2021-06-01"})
    objects = bucket_objects(env)

    for key in (
        "index.html",
        "digests/2021-06-01/index.html",
        "digests/2021-06-01.md",
        "digests/2021-06-01.json",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "archive/index.html",
        "archive/2021-06/index.html",
        "categories/index.html",
        "categories/cs.LG/index.html",
    ):
        assert key in objects, key
        assert objects[key]["cache"], f"{key} has no Cache-Control"
        assert "charset=utf-8" in objects[key]["type"], key
    stylesheets = [key for key in objects if key.startswith("static/") and key.endswith(".css")]
    assert len(stylesheets) == 1 and "immutable" in objects[stylesheets[0]]["cache"]
    assert objects["favicon.ico"]["type"] == "image/x-icon" and objects["favicon.ico"]["body"][:4] == b"\0\0\1\0"
    assert objects["digests/2021-06-01/index.html"]["type"] == "text/html; charset=utf-8"
    assert objects["digests/2021-06-01.md"]["type"].startswith("text/markdown")
    assert objects["feed.xml"]["type"].startswith("application/atom+xml")

    page = objects["digests/2021-06-01/index.html"]["body"].decode()
    assert page.count('<article class="paper" id="paper-') == 17
    assert "An Attention Free Transformer" in page

    feed = feedparser.parse(objects["feed.xml"]["body"])
    assert not feed.bozo
    assert feed.entries[0].id and feed.entries[0].updated_parsed


def test_the_digest_is_stored_once_and_matches_the_exports(env: Settings) -> None:
    collect_sample_day()
    invoke("publish", {"date": "2021-06-01"})
    store = Store(env.table, aws.client("dynamodb", env.endpoint_url, env.region), FakeClock())

    digest = store.get_digest(DAY)
    assert digest is not None and len(digest.papers) == 17
    assert [paper.rank for paper in digest.papers] == list(range(1, 18))
    assert digest.papers[0].arxiv_id == "2105.14103" and digest.papers[0].score == 10042 + 5
    scores = [paper.score for paper in digest.papers]
    assert scores == sorted(scores, reverse=True)
    assert [summary.day for summary in store.digest_summaries()] == [DAY]

    objects = bucket_objects(env)
    assert objects["digests/2021-06-01.md"]["body"].decode() == render_markdown(digest)
    assert Digest.from_dict(json.loads(objects["digests/2021-06-01.json"]["body"])) == digest


def test_an_unchanged_rerun_makes_no_puts_and_the_same_bytes(env: Settings, record_puts) -> None:
    collect_sample_day()
    first = invoke("publish", {"date": "2021-06-01"})
    before = bucket_objects(env)
    puts = record_puts()

    second = invoke("publish", {"date": "2021-06-01"})

    site = [key for key in before if key != MANIFEST_KEY]  # the manifest is the bucket's record, not a page
    assert MANIFEST_KEY in before
    assert first["objects_put"] == len(site) and first["objects_unchanged"] == 0
    assert second["objects_put"] == 0 and second["objects_unchanged"] == len(site)
    assert puts == []  # not even the manifest: it has not changed
    assert bucket_objects(env) == before


def test_pages_are_uploaded_before_the_pages_that_link_to_them(env: Settings, record_puts) -> None:
    collect_sample_day()
    puts = record_puts()
    invoke("publish", {"date": "2021-06-01"})

    position = {key: index for index, key in enumerate(puts)}
    assert puts[0].startswith("static/")  # every page links to the stylesheet
    day_page = position["digests/2021-06-01/index.html"]
    for linking in ("index.html", "feed.xml", "sitemap.xml", "archive/index.html", "categories/cs.LG/index.html"):
        assert position[linking] > day_page, linking
    for front in ("index.html", "feed.xml", "sitemap.xml"):
        assert position[front] > position["archive/index.html"], front


def test_a_new_day_rerenders_its_neighbour_with_the_new_link(env: Settings, record_puts) -> None:
    collect_sample_day()
    invoke("publish", {"date": "2021-06-01"})
    invoke("collect", {"date": "2021-06-02"})  # the replay has nothing that day: a valid, empty digest
    puts = record_puts()

    result = invoke("publish", {"date": "2021-06-02"})

    assert result["days"] == [{"date": "2021-06-02", "papers": 0, "candidates": 0}]
    assert "digests/2021-06-01/index.html" in puts  # its "next day" link changed
    assert "/digests/2021-06-02/" in bucket_objects(env)["digests/2021-06-01/index.html"]["body"].decode()
    assert "index.html" in puts


def test_a_day_with_no_paper_over_the_threshold_is_a_valid_empty_digest(env: Settings, monkeypatch) -> None:
    collect_sample_day()
    monkeypatch.setenv("HOTPAPERS_MIN_SCORE", "1000000")

    result = invoke("publish", {"date": "2021-06-01"})

    assert result["days"] == [{"date": "2021-06-01", "papers": 0, "candidates": 17}]
    objects = bucket_objects(env)
    markdown = objects["digests/2021-06-01.md"]["body"].decode()
    assert markdown.startswith("---\ntitle: Hot Papers 2021-06-01\n") and "# 1." not in markdown
    assert json.loads(objects["digests/2021-06-01.json"]["body"])["papers"] == []


def test_a_full_rebuild_publishes_every_collected_day(env: Settings) -> None:
    collect_sample_day()
    invoke("collect", {"date": "2021-06-02"})

    result = invoke("publish", {"all": True})

    assert [day["date"] for day in result["days"]] == ["2021-06-01", "2021-06-02"]
    objects = bucket_objects(env)
    assert {"digests/2021-06-01/index.html", "digests/2021-06-02/index.html"} <= set(objects)


@pytest.mark.parametrize(
    "event, message",
    [
        ({}, "names no day"),
        ({"all": "yes"}, '"all" must be true'),
        ({"all": True, "date": "2021-06-01"}, "alone"),
        ({"date": "2021-06-01", "sources": ["x"]}, "for the collector"),
        ({"detail-type": "Collect Finished", "detail": "2021-06-01"}, '"detail" object'),
        ({"detail-type": "Collect Finished", "detail": {"date": "yesterday"}}, "YYYY-MM-DD"),
        ({"from": "2021-06-01", "to": "2021-05-01"}, "before"),
    ],
)
def test_malformed_events_are_rejected_and_nothing_is_written(env: Settings, event, message) -> None:
    collect_sample_day()
    with pytest.raises(InvalidEvent, match=message):
        invoke("publish", event)
    assert bucket_objects(env) == {}


def test_the_same_data_renders_byte_identical_sites_at_any_time(env: Settings) -> None:
    collect_sample_day()
    publish_handler.handle({"date": "2021-06-01"}, clock=FakeClock())
    first = bucket_objects(env)
    s3 = aws.client("s3", env.endpoint_url, env.region)
    for key in first:
        s3.delete_object(Bucket=env.bucket, Key=key)

    publish_handler.handle({"date": "2021-06-01"})  # a different wall clock

    assert bucket_objects(env) == first


def with_real_sized_abstracts(dataset):
    """The synthetic day's abstracts are a few words and compress 20-fold; real ones run to ~1,500
    characters of prose that gzip only halves (a real day of ~240 papers passes 400 KB gzipped)."""
    import random
    import re

    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 11))) for _ in range(20_000)]

    def abstract(match: re.Match) -> str:
        return "<summary>" + " ".join(rng.choice(words) for _ in range(220)) + "</summary>"

    for arxiv_id, entry in dataset.arxiv_entries.items():
        dataset.arxiv_entries[arxiv_id] = re.sub(r"<summary>.*?</summary>", abstract, entry, flags=re.S)
    return dataset


def test_a_digest_over_dynamodbs_item_limit_is_stored_in_s3_and_served_whole(env: Settings, monkeypatch) -> None:
    """A 500-paper day: its gzip body passes DynamoDB's 400 KB, so it goes to S3, and the publisher,
    the site and the API still have every paper; a small digest keeps its body in its item."""
    from hotpapers.api import handler as api_handler
    from hotpapers.core.digest_bodies import INLINE_BODY_LIMIT
    from hotpapers_local.apigw import proxy_event
    from hotpapers_local.fakes import FakeUpstreams
    from hotpapers_local.sample.heavy_day import synthetic_heavy_day

    big_day = date(2026, 3, 2)
    collect_sample_day()  # a small day too, published with it
    monkeypatch.setenv("HOTPAPERS_MIN_SCORE", "0")  # every paper of the day is listed
    monkeypatch.setenv("HOTPAPERS_X_MAX_POSTS", "0")  # every post, so every paper, of the day is read
    with FakeUpstreams(with_real_sized_abstracts(synthetic_heavy_day(big_day, papers=500, posts=1500))) as upstreams:
        for key, value in upstreams.env().items():
            monkeypatch.setenv(key, value)
        invoke("collect", {"date": big_day.isoformat()})
    clock = FakeClock(datetime(2026, 3, 3, 9, tzinfo=UTC))
    publish_handler.handle({"date": DAY.isoformat()}, clock=clock)
    publish_handler.handle({"date": big_day.isoformat()}, clock=clock)

    # The digest items as stored, read past the store: its typed reads never say where a body lives.
    dynamodb = aws.client("dynamodb", env.endpoint_url, env.region)
    store = Store(env.table, dynamodb, clock)
    big, small = (
        dynamodb.get_item(TableName=env.table, Key={"PK": {"S": f"DIGEST#{day}"}, "SK": {"S": "DIGEST"}})["Item"]
        for day in (big_day, DAY)
    )
    assert "body_gz" not in big and big["body_key"]["S"] == f"internal/digests/{big_day}.json.gz"
    assert "body_gz" in small and "body_key" not in small  # the small-digest path is unchanged
    s3 = aws.client("s3", env.endpoint_url, env.region)
    assert big["papers"]["N"] == "500"
    stored = s3.get_object(Bucket=env.bucket, Key=big["body_key"]["S"])["Body"].read()
    assert len(stored) > INLINE_BODY_LIMIT

    # The site: the day's page and its JSON export list all 500.
    export = s3.get_object(Bucket=env.bucket, Key=f"digests/{big_day}.json")["Body"].read()
    assert len(json.loads(export)["papers"]) == 500

    # The API: the day, and latest (the newest day), whole.
    api_handler.reset()
    try:
        for path in (f"/api/digests/{big_day}", "/api/digests/latest"):
            answer = invoke("api", proxy_event("GET", path, {}, b""), keep_stdout=False)
            assert answer["statusCode"] == 200, answer
            assert len(json.loads(answer["body"])["papers"]) == 500
            assert answer["body"].encode() == export
        small_answer = invoke("api", proxy_event("GET", f"/api/digests/{DAY}", {}, b""), keep_stdout=False)
        assert small_answer["statusCode"] == 200 and small_answer["body"].encode() == store.digest_json(DAY)
    finally:
        api_handler.reset()

    # Publishing again reads the large body back (a neighbour's re-render) and changes nothing.
    again = publish_handler.handle({"date": DAY.isoformat()}, clock=clock)
    assert again["days"][0]["date"] == DAY.isoformat()
