# ruff: noqa: F811 - the record_puts fixture imported from test_publish_handler is named as a test parameter
"""Weekly and monthly digests through the real publish handler, the store and the API.

The sample day 2021-06-01 is in ISO week 2021-W22 (31 May to 6 June) and month 2021-06. Days
2021-06-07 and 2021-06-14 (weeks W23, W24) are collected by the replay with nothing on them:
valid, empty digests, enough to open new weeks.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from hotpapers.api.endpoints import PAST_CACHE, RECENT_CACHE, Api, build_app
from hotpapers.core import aws
from hotpapers.core.calendar_periods import parse_month, parse_week
from hotpapers.core.clock import FakeClock
from hotpapers.core.digest import RankingConfig
from hotpapers.core.history import paper_histories
from hotpapers.core.period_digest import PeriodDigest, build_period_digest
from hotpapers.core.settings import Settings
from hotpapers.core.store import Store, build_store
from hotpapers.publish.handler import build_site_bucket
from hotpapers.publish.markdown import render_markdown
from hotpapers.publish.plan import Changes, PeriodPage, PublishPlan, PublishPlanner
from hotpapers.publish.publisher import stored_period_digests
from hotpapers.publish.site import CACHE_PAST_DAY, CACHE_SHORT
from hotpapers_local.invoke import invoke
from tests.support.published_site import bucket_objects, collect_sample_day

pytestmark = pytest.mark.integration

DAY = date(2021, 6, 1)
WEEK, MONTH = "weeks/2021-W22/index.html", "months/2021-06/index.html"


def store_of(env: Settings) -> Store:
    return build_store(env, FakeClock())


def test_a_publish_writes_the_week_and_month_pages_exports_and_items(env: Settings) -> None:
    collect_sample_day()
    invoke("publish", {"date": DAY.isoformat()})
    objects = bucket_objects(env)

    for key in (WEEK, MONTH, "weeks/2021-W22.md", "months/2021-06.md"):
        assert key in objects, key
        # The newest day is in them: both are open, cached briefly.
        assert objects[key]["cache"] == CACHE_SHORT, key
    assert objects[WEEK]["type"] == "text/html; charset=utf-8"
    assert objects["weeks/2021-W22.md"]["type"].startswith("text/markdown")
    page = objects[WEEK]["body"].decode()
    assert page.count('<article class="paper" id="paper-') == 17
    assert 'href="/digests/2021-06-01/#arxiv-2105.14103"' in page  # the day it was listed on, at its card

    # Stored: what the days' digests give, under WEEK#/MONTH#.
    store = store_of(env)
    digest = store.get_digest(DAY)
    assert digest is not None
    for period in (parse_week("2021-W22"), parse_month("2021-06")):
        stored = store.period_digest_json(period.kind, period.name)
        assert stored is not None
        assert PeriodDigest.from_dict(json.loads(stored)) == build_period_digest(period, {DAY: digest}, digest.config)

    # Linked from the front page (this week's and month's top papers), the archive and the sitemap.
    front = objects["index.html"]["body"].decode()
    assert 'href="/weeks/2021-W22/"' in front and 'href="/months/2021-06/"' in front
    assert 'href="/weeks/2021-W22/#arxiv-2105.14103"' in front
    assert 'href="/months/2021-06/"' in objects["archive/index.html"]["body"].decode()
    assert 'href="/weeks/2021-W22/"' in objects["archive/2021-06/index.html"]["body"].decode()
    sitemap = objects["sitemap.xml"]["body"].decode()
    assert "/weeks/2021-W22/</loc>" in sitemap and "/months/2021-06/</loc>" in sitemap


def test_the_week_export_is_the_day_export_under_the_weeks_title(env: Settings) -> None:
    collect_sample_day()
    invoke("publish", {"date": DAY.isoformat()})
    objects = bucket_objects(env)
    day = store_of(env).get_digest(DAY)
    assert day is not None and objects["digests/2021-06-01.md"]["body"].decode() == render_markdown(day)

    week = objects["weeks/2021-W22.md"]["body"].decode()
    month = objects["months/2021-06.md"]["body"].decode()
    assert week.startswith("---\ntitle: Hot Papers 2021-W22\n")
    assert 'slug: "hot-papers-2021-W22"\n' in week and 'description: "Hot papers 2021-W22"\n' in week
    assert month.startswith("---\ntitle: Hot Papers 2021-06\n")
    # One day in the period: the same post, line for line, but for the name in its front matter.
    same = render_markdown(day).replace("2021-06-01", "2021-W22")
    assert week.split("\n---\n", 1)[1] == render_markdown(day).split("\n---\n", 1)[1]
    assert week.split("\n---\n", 1)[0] == same.split("\n---\n", 1)[0]
    assert week.count("\n# ") == 17


def test_pages_go_up_after_the_days_they_link_and_before_what_links_them(env: Settings, record_puts) -> None:
    collect_sample_day()
    puts = record_puts()
    invoke("publish", {"date": DAY.isoformat()})
    position = {key: index for index, key in enumerate(puts)}
    for period in (WEEK, MONTH):
        assert position["digests/2021-06-01/index.html"] < position[period], period
        for linking in ("archive/index.html", "archive/2021-06/index.html", "index.html", "sitemap.xml"):
            assert position[period] < position[linking], (period, linking)


def test_an_unchanged_rerun_puts_nothing_and_a_new_week_relinks_the_old_one(env: Settings, record_puts) -> None:
    collect_sample_day()
    invoke("publish", {"date": DAY.isoformat()})
    invoke("collect", {"date": "2021-06-07"})
    first = invoke("publish", {"date": "2021-06-07"})
    assert first["objects_put"] > 0
    puts = record_puts()
    again = invoke("publish", {"date": "2021-06-07"})
    assert again["objects_put"] == 0 and puts == []

    objects = bucket_objects(env)
    old_week = objects[WEEK]
    assert 'href="/weeks/2021-W23/"' in old_week["body"].decode()  # its "next week" link
    assert old_week["cache"] == CACHE_PAST_DAY  # it ended before the newest day: closed
    assert objects["weeks/2021-W23/index.html"]["cache"] == CACHE_SHORT
    assert 'href="/weeks/2021-W22/"' in objects["weeks/2021-W23/index.html"]["body"].decode()


def test_a_daily_publish_builds_only_the_open_week_and_month_and_relinks_their_neighbours(env: Settings) -> None:
    collect_sample_day()
    for day in ("2021-06-07", "2021-06-14"):
        invoke("collect", {"date": day})
    invoke("publish", {"all": True})
    store = store_of(env)

    def plan(changes: Changes) -> PublishPlan:
        summaries = store.digest_summaries()
        planner = PublishPlanner(changes, build_site_bucket(env).keys(), summaries, paper_histories(summaries))
        stored = stored_period_digests(store, planner.periods_to_read())
        return planner.plan(store.get_digests(planner.digests_to_read(stored, set())), stored, RankingConfig())

    daily = plan(Changes(days=frozenset({date(2021, 6, 14)})))
    assert [d.period.name for d in daily.period_digests] == ["2021-06", "2021-W24"]
    relinked = [job for job in daily.jobs() if isinstance(job, PeriodPage) and not job.export]
    assert [job.digest.period.name for job in relinked] == ["2021-W23"]  # read back, not rebuilt
    everything = plan(Changes(everything=True))
    assert [d.period.name for d in everything.period_digests] == ["2021-W22", "2021-06", "2021-W23", "2021-W24"]


def _api_answer(env: Settings, path: str, now: datetime) -> Any:
    event = json.loads(
        json.dumps({"httpMethod": "GET", "path": path, "resource": path, "headers": {}, "requestContext": {}})
    )
    app = build_app(Api(lambda: build_store(env, FakeClock()), FakeClock(now)))
    return app.resolve(event, None)


@pytest.mark.parametrize(
    ("path", "now", "cache"),
    [
        ("/weeks/2021-W22", datetime(2021, 6, 3, tzinfo=UTC), RECENT_CACHE),  # open
        ("/weeks/2021-W22", datetime(2021, 6, 13, tzinfo=UTC), RECENT_CACHE),  # ended 7 days ago: re-collectable
        ("/weeks/2021-W22", datetime(2021, 6, 14, tzinfo=UTC), PAST_CACHE),  # 8 days: final, like a past day
        ("/months/2021-06", datetime(2021, 6, 20, tzinfo=UTC), RECENT_CACHE),
        ("/months/2021-06", datetime(2021, 7, 9, tzinfo=UTC), PAST_CACHE),
    ],
)
def test_the_api_answers_a_period_with_one_getitem_and_the_days_cache_rule(
    env: Settings, path: str, now: datetime, cache: str
) -> None:
    collect_sample_day()
    invoke("publish", {"date": DAY.isoformat()})
    dynamodb = aws.client("dynamodb", env.endpoint_url, env.region, parameter_validation=False)
    operations: list[str] = []

    def on_send(request: Any, **_: Any) -> None:
        operations.append(request.headers.get("X-Amz-Target", b"").decode().rpartition(".")[2])

    dynamodb.meta.events.register("before-send.dynamodb", on_send, unique_id="periods-test-counter")
    try:
        answer = _api_answer(env, path, now)
    finally:
        dynamodb.meta.events.unregister("before-send.dynamodb", unique_id="periods-test-counter")
    assert answer["statusCode"] == 200, answer
    assert answer["multiValueHeaders"]["Cache-Control"] == [cache]
    assert operations == ["GetItem"]
    body = json.loads(answer["body"])
    assert body["period"] == path.rsplit("/", 1)[1] and len(body["papers"]) == 17


@pytest.mark.parametrize(
    ("path", "status"),
    [("/weeks/2021-W54", 400), ("/weeks/2021-22", 400), ("/months/2021-13", 400), ("/months/2021-6", 400),
     ("/weeks/2021-W23", 404), ("/months/2021-05", 404)],
)  # fmt: skip
def test_bad_and_unknown_periods(env: Settings, path: str, status: int) -> None:
    collect_sample_day()
    invoke("publish", {"date": DAY.isoformat()})
    answer = _api_answer(env, path, datetime(2026, 1, 1, tzinfo=UTC))
    assert answer["statusCode"] == status
    error = json.loads(answer["body"])["error"]
    assert error["code"] == ("bad_request" if status == 400 else "not_found") and error["message"]
