"""The bundled week 2021-W22: the five real posts, rebuilt as the sample day is, and the invented posts beside them."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hotpapers.collect.sources.bluesky import parse_bsky_page
from hotpapers.collect.sources.hackernews import parse_hn_page
from hotpapers.collect.sources.huggingface import parse_hf_page
from hotpapers.core.digest import RankingConfig
from hotpapers.core.models import Post
from hotpapers.core.scoring import raw_score
from hotpapers_local.fakes import UpstreamDataset
from hotpapers_local.sample import (
    SAMPLE_WEEK,
    WEEK_DAYS,
    dataset_from_post,
    illustration_counts,
    load_week_dataset,
    load_week_posts,
    post_file,
    snowflake_time,
)
from hotpapers_local.sample.illustrations import BLUESKY_POSTS, HACKER_NEWS_STORIES, HUGGING_FACE_LISTINGS

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent.parent / "fixtures"
DATA = Path(__file__).parents[2] / "local/hotpapers_local/data"
# The blog made the 2021-06-04 post on 06-06 and counted two tweets posted on 06-05 (status ids);
# a collection of 2021-06-04 asks X for that UTC day only, so they are not part of it.
TWEETS_OF_THE_NEXT_DAY = {"1401041612621312000", "1401287195919519749"}


@pytest.fixture(scope="module")
def week() -> UpstreamDataset:
    return load_week_dataset()


@pytest.fixture(scope="module")
def illustrated_posts(week: UpstreamDataset) -> list[Post]:
    """The invented posts, read back by the collector's own parsers from their wire format (through JSON)."""
    wire = json.loads(json.dumps({"hn": week.hn_hits, "bsky": week.bsky_posts, "hf": week.hf_daily}))
    hn, _, hn_skipped = parse_hn_page({"hits": wire["hn"], "nbPages": 1})
    bsky, _, bsky_skipped = parse_bsky_page({"posts": wire["bsky"]})
    hf = []
    for day, items in wire["hf"].items():
        posts, hf_skipped = parse_hf_page(items, date.fromisoformat(day))
        assert hf_skipped == 0
        hf += posts
    assert hn_skipped == bsky_skipped == 0
    return [*hn, *bsky, *hf]


def _day_of(post: Post) -> date:
    if post.source == "huggingface":  # a daily list's post belongs to the list's date (its id says which)
        return date.fromisoformat(post.post_id.split("/", 1)[0])
    return post.created_at.date()


def test_the_week_is_iso_week_22_of_2021_from_monday_to_friday() -> None:
    assert [day.isocalendar()[:2] for day in WEEK_DAYS] == [(2021, 22)] * 5
    assert SAMPLE_WEEK == "2021-W22" and WEEK_DAYS[0].isoweekday() == 1 and len(WEEK_DAYS) == 5


@pytest.mark.parametrize("day", WEEK_DAYS, ids=str)
def test_each_bundled_post_is_the_shared_fixture_byte_for_byte(day: date) -> None:
    assert (DATA / post_file(day)).read_bytes() == (FIXTURES / "hotpapers-posts" / post_file(day)).read_bytes()


def test_provenance_lists_every_bundled_post_and_labels_the_illustrations() -> None:
    provenance = (DATA / "PROVENANCE.md").read_text(encoding="utf-8")
    for day in WEEK_DAYS:
        assert f"| {post_file(day)} |" in provenance
    assert "did not happen" in provenance
    for story in HACKER_NEWS_STORIES:
        assert str(story.item_id) in provenance
    for post in BLUESKY_POSTS:
        assert post.handle in provenance
    for listing in HUGGING_FACE_LISTINGS:
        assert listing.arxiv_id in provenance


def test_each_day_keeps_its_posts_papers_and_tweets(week: UpstreamDataset) -> None:
    posts = load_week_posts()
    assert [post.day for post in posts] == list(WEEK_DAYS)
    assert [len(post.papers) for post in posts] == [13, 17, 15, 21, 17]
    assert len(week.arxiv_entries) == sum(len(post.papers) for post in posts) == 83
    per_day = [dataset_from_post(post) for post in posts]
    assert sorted(t["id"] for t in week.x_tweets) == sorted(t["id"] for d in per_day for t in d.x_tweets)


@pytest.mark.parametrize("index", range(5), ids=[str(day) for day in WEEK_DAYS])
def test_a_days_x_window_holds_its_posts_tweets_but_two_of_the_next_day(week: UpstreamDataset, index: int) -> None:
    """What a collection of the day finds on X is what the post counted, but for the two tweets of 06-05."""
    post = load_week_posts()[index]
    rebuilt = {t["id"] for t in dataset_from_post(post).x_tweets}
    in_window = {t["id"] for t in week.x_tweets if snowflake_time(t["id"]).date() == post.day}
    if post.day == date(2021, 6, 4):
        assert rebuilt - in_window == TWEETS_OF_THE_NEXT_DAY
        assert {snowflake_time(i).date() for i in TWEETS_OF_THE_NEXT_DAY} == {date(2021, 6, 5)}
    else:
        assert rebuilt == in_window


def test_every_source_has_a_handful_of_illustrations_in_its_wire_format(illustrated_posts: list[Post]) -> None:
    by_source: dict[str, int] = defaultdict(int)
    for post in illustrated_posts:
        by_source[post.source] += 1
    assert dict(by_source) == illustration_counts()
    assert all(3 <= count <= 8 for count in by_source.values()), by_source


def test_illustrations_are_about_the_weeks_papers_and_never_before_their_day(illustrated_posts: list[Post]) -> None:
    listed_on = {paper.arxiv_id: post.day for post in load_week_posts() for paper in post.papers}
    for post in illustrated_posts:
        [paper] = post.papers
        assert paper.arxiv_id in listed_on, post.post_id
        assert listed_on[paper.arxiv_id] <= _day_of(post) <= WEEK_DAYS[-1], post.post_id
        assert post.created_at.date() == _day_of(post), post.post_id
    for listing in HUGGING_FACE_LISTINGS:  # Hugging Face lists a paper once, on its own day
        assert listing.day == listed_on[listing.arxiv_id]


def test_illustrations_are_marked_as_invented(illustrated_posts: list[Post], week: UpstreamDataset) -> None:
    for post in illustrated_posts:
        assert "example" in post.author_handle.lower() and "example" in post.author_name.lower(), post.post_id
    # Far above any real Hacker News item id (near 27 million in June 2021): their links lead to no real item.
    assert all(int(hit["objectID"]) >= 99_000_000 for hit in week.hn_hits)


def test_some_papers_have_posts_on_several_days_and_from_several_sources(illustrated_posts: list[Post]) -> None:
    """What the paper pages and the week show: a paper's history across days and sources."""
    listed_on = {paper.arxiv_id: post.day for post in load_week_posts() for paper in post.papers}
    days: dict[str, set[date]] = defaultdict(set)
    sources: dict[str, set[str]] = defaultdict(lambda: {"x"})  # every paper of the week has its X tweets
    for post in illustrated_posts:
        arxiv_id = post.papers[0].arxiv_id
        days[arxiv_id] |= {listed_on[arxiv_id], _day_of(post)}
        sources[arxiv_id].add(post.source)
    spanning = {arxiv_id for arxiv_id, seen in days.items() if len(seen) > 1}
    assert len(spanning) >= 4, spanning
    assert "2106.01345" in spanning and sources["2106.01345"] == {"x", "hackernews", "huggingface", "bluesky"}
    # One paper's history crosses the month: listed on Monday 2021-05-31, talked about on Tuesday 06-01.
    assert any({d.month for d in days[arxiv_id]} == {5, 6} for arxiv_id in spanning)


def test_a_paper_talked_about_on_a_later_day_scores_enough_to_enter_that_days_digest(
    illustrated_posts: list[Post],
) -> None:
    listed_on = {paper.arxiv_id: post.day for post in load_week_posts() for paper in post.papers}
    later: dict[tuple[str, date], int] = defaultdict(int)
    for post in illustrated_posts:
        arxiv_id = post.papers[0].arxiv_id
        if _day_of(post) != listed_on[arxiv_id]:
            later[(arxiv_id, _day_of(post))] += raw_score(post.source, post.metrics)
    assert later, "no paper is talked about after its own day"
    assert all(score >= RankingConfig().min_score for score in later.values()), later


def test_illustration_times_fall_inside_the_week(week: UpstreamDataset) -> None:
    assert {datetime.fromtimestamp(hit["created_at_i"], UTC).date() for hit in week.hn_hits} <= set(WEEK_DAYS)
    for story in HACKER_NEWS_STORIES:
        assert story.at.date() in WEEK_DAYS
    for post in BLUESKY_POSTS:
        assert post.at.date() in WEEK_DAYS
    for listing in HUGGING_FACE_LISTINGS:
        assert listing.at.date() == listing.day
