"""X is pay-per-use: every post a search returns is billed. The collector pages in X's largest pages,
stops at HOTPAPERS_X_MAX_POSTS, and reports how many posts X returned and whether the cap cut the day.

Against the fake X, which refuses a `max_results` above each endpoint's maximum with X's 400.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from hotpapers.collect.sources.x import XSource
from hotpapers.core.clock import FakeClock
from hotpapers.core.http import HttpClient
from hotpapers.core.settings import Settings, SettingsError
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.sample.heavy_day import heavy_day_counts, synthetic_heavy_day

pytestmark = pytest.mark.unit

DAY = date(2026, 3, 2)
POSTS = 1000
X_POSTS = heavy_day_counts(POSTS).x  # originals only: the query excludes retweets server-side
RECENT_NOW = datetime(2026, 3, 3, 12, tzinfo=UTC)  # the day is in recent search
ARCHIVE_NOW = RECENT_NOW + timedelta(days=30)  # the day is only in full-archive search


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstreams]:
    with FakeUpstreams(synthetic_heavy_day(DAY, papers=100, posts=POSTS)) as server:
        yield server


def fetch(fake: FakeUpstreams, now: datetime, max_posts: int = 0) -> tuple[XSource, list[dict[str, str]]]:
    clock = FakeClock(now)
    source = XSource(HttpClient(clock=clock), fake.x_api_url, "token", clock, max_posts=max_posts)
    before = len(fake.requests)
    posts = list(source.fetch_day(DAY))
    assert len(posts) <= source.posts_read
    return source, [request.query for request in fake.requests[before:]]


@pytest.mark.parametrize(("now", "route", "page"), [(RECENT_NOW, "recent", 100), (ARCHIVE_NOW, "all", 500)])
def test_each_endpoint_is_paged_in_its_largest_pages(fake: FakeUpstreams, now, route, page) -> None:
    source, queries = fetch(fake, now)

    assert {q["max_results"] for q in queries} == {str(page)}
    assert all(r.path.endswith(f"/search/{route}") for r in fake.requests[-len(queries) :])
    assert len(queries) == -(-X_POSTS // page)
    assert (source.posts_read, source.capped) == (X_POSTS, False)


@pytest.mark.parametrize(("now", "pages"), [(RECENT_NOW, ["100", "100", "50"]), (ARCHIVE_NOW, ["250"])])
def test_the_cap_stops_paging_and_never_asks_for_more_than_it_leaves(fake: FakeUpstreams, now, pages) -> None:
    source, queries = fetch(fake, now, max_posts=250)

    assert [q["max_results"] for q in queries] == pages
    assert (source.posts_read, source.capped) == (250, True)


def test_a_cap_the_day_does_not_reach_cuts_nothing(fake: FakeUpstreams) -> None:
    source, _ = fetch(fake, RECENT_NOW, max_posts=X_POSTS + 10)
    assert (source.posts_read, source.capped) == (X_POSTS, False)


def test_a_cap_left_below_x_smallest_page_stops_rather_than_overspend(fake: FakeUpstreams) -> None:
    source, queries = fetch(fake, RECENT_NOW, max_posts=105)
    assert [q["max_results"] for q in queries] == ["100"]  # 5 left: X serves no page under 10
    assert (source.posts_read, source.capped) == (100, True)


def test_the_setting_has_a_default_and_refuses_a_cap_under_one_page() -> None:
    assert Settings.from_env({}).x_max_posts == 1000
    assert Settings.from_env({"HOTPAPERS_X_MAX_POSTS": "0"}).x_max_posts == 0
    with pytest.raises(SettingsError, match="at least 10"):
        Settings.from_env({"HOTPAPERS_X_MAX_POSTS": "5"})
