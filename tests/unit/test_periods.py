"""ISO weeks and months (core/calendar_periods.py) and the digest of a period (core/period_digest.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from hotpapers.core.calendar_periods import (
    PeriodError,
    days_by_period,
    month_of,
    parse_month,
    parse_week,
    periods_of,
    week_of,
)
from hotpapers.core.digest import Digest, RankedPaper, RankingConfig, TopPost
from hotpapers.core.models import Paper
from hotpapers.core.period_digest import PeriodDigest, build_period_digest, rank_period
from tests.support.site_data import sample_digest

pytestmark = pytest.mark.unit


# ---------------------------------------------------------------- weeks and months


@pytest.mark.parametrize(
    ("day", "name", "monday"),
    [
        (date(2020, 12, 31), "2020-W53", date(2020, 12, 28)),
        (date(2021, 1, 3), "2020-W53", date(2020, 12, 28)),  # a Sunday of January in last year's week 53
        (date(2021, 1, 4), "2021-W01", date(2021, 1, 4)),
        (date(2019, 12, 30), "2020-W01", date(2019, 12, 30)),  # a Monday of December in next year's week 1
        (date(2021, 6, 1), "2021-W22", date(2021, 5, 31)),
        (date(2021, 6, 6), "2021-W22", date(2021, 5, 31)),
    ],
)
def test_week_of_is_the_iso_week(day: date, name: str, monday: date) -> None:
    week = week_of(day)
    assert (week.kind, week.name, week.first, week.last) == ("week", name, monday, monday + timedelta(days=6))
    assert day in week and len(week.days) == 7
    assert parse_week(name) == week


@pytest.mark.parametrize(
    ("day", "name", "first", "last"),
    [
        (date(2021, 6, 15), "2021-06", date(2021, 6, 1), date(2021, 6, 30)),
        (date(2020, 2, 29), "2020-02", date(2020, 2, 1), date(2020, 2, 29)),
        (date(2021, 2, 1), "2021-02", date(2021, 2, 1), date(2021, 2, 28)),
        (date(2021, 12, 31), "2021-12", date(2021, 12, 1), date(2021, 12, 31)),
    ],
)
def test_month_of(day: date, name: str, first: date, last: date) -> None:
    month = month_of(day)
    assert (month.kind, month.name, month.first, month.last) == ("month", name, first, last)
    assert parse_month(name) == month


def test_neighbours_cross_years() -> None:
    assert parse_week("2020-W53").next().name == "2021-W01"
    assert parse_week("2021-W01").previous().name == "2020-W53"
    assert parse_month("2021-01").previous().name == "2020-12"
    assert parse_month("2021-12").next().name == "2022-01"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2021-W54", "2021 has weeks W01 to W52"),
        ("2021-W53", "2021 has weeks W01 to W52"),  # 2021 has 52 ISO weeks, 2020 has 53
        ("2021-W00", "not an ISO week"),
        ("2021-W5", "YYYY-Www"),
        ("2021W22", "YYYY-Www"),
        ("2021-w22", "YYYY-Www"),
        ("2021-W22\n", "YYYY-Www"),
        ("", "YYYY-Www"),
    ],
)
def test_bad_weeks_are_refused_with_a_reason(value: str, says: str) -> None:
    with pytest.raises(PeriodError, match=says):
        parse_week(value)


def test_a_year_with_53_weeks_has_its_53rd() -> None:
    assert parse_week("2020-W53").first == date(2020, 12, 28)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2021-13", "month is 01 to 12"),
        ("2021-00", "month is 01 to 12"),
        ("0000-01", "year 0001 or later"),
        ("2021-6", "YYYY-MM"),
        ("21-06", "YYYY-MM"),
        ("2021-06-01", "YYYY-MM"),
        ("２０２１-06", "YYYY-MM"),  # full-width digits are not [0-9]
    ],
)
def test_bad_months_are_refused_with_a_reason(value: str, says: str) -> None:
    with pytest.raises(PeriodError, match=says):
        parse_month(value)


def test_periods_of_days_and_grouping() -> None:
    days = [date(2021, 5, 31), date(2021, 6, 1), date(2021, 6, 7), date(2021, 6, 1)]
    assert [p.name for p in periods_of(days)] == ["2021-05", "2021-W22", "2021-06", "2021-W23"]
    grouped = [(p.name, d) for p, d in days_by_period(days, "week")]
    assert grouped == [("2021-W22", [date(2021, 5, 31), date(2021, 6, 1)]), ("2021-W23", [date(2021, 6, 7)])]


# ---------------------------------------------------------------- the digest of a period

T0 = datetime(2021, 6, 2, 9, 0, tzinfo=UTC)


def _post(source: str, post_id: str, score: int, hours: int = 0) -> TopPost:
    return TopPost(source, post_id, f"https://example.org/{post_id}", "A", "a", "text", T0 + timedelta(hours=hours),
                   "post", {"likes": score}, score)  # fmt: skip


def _paper(
    arxiv_id: str,
    rank: int,
    score: int,
    title: str = "T",
    posts: tuple[TopPost, ...] = (),
    engagement: dict[str, dict[str, int]] | None = None,
    as_of: datetime | None = None,
) -> RankedPaper:
    return RankedPaper(
        rank=rank,
        paper=Paper(
            arxiv_id=arxiv_id, version=1, title=title, authors=("A. Author",), categories=("cs.LG",),
            abstract="Abstract.", abs_url=f"https://arxiv.org/abs/{arxiv_id}",
            pdf_url=f"https://arxiv.org/pdf/{arxiv_id}", published=T0, updated=None,
        ),
        score=score, engagement=engagement or {"x": {"posts": 1, "likes": score, "score": score}},
        top_posts=posts, as_of=as_of,
    )  # fmt: skip


def _day(day: date, *papers: RankedPaper, as_of: datetime | None = None) -> Digest:
    return Digest(day, as_of, papers, candidates=len(papers) + 3, config=RankingConfig())


def test_papers_are_ranked_by_the_sum_of_their_daily_scores() -> None:
    monday, tuesday = date(2021, 5, 31), date(2021, 6, 1)
    digests = {
        monday: _day(monday, _paper("2105.00001", 1, 300), _paper("2105.00002", 2, 120)),
        tuesday: _day(tuesday, _paper("2105.00003", 1, 350), _paper("2105.00002", 2, 200)),
        date(2021, 6, 7): _day(date(2021, 6, 7), _paper("2106.00009", 1, 9999)),  # another week: ignored
    }
    week = build_period_digest(week_of(monday), digests, RankingConfig())
    assert [(p.paper.paper.arxiv_id, p.paper.rank, p.paper.score) for p in week.papers] == [
        ("2105.00003", 1, 350),
        ("2105.00002", 2, 320),
        ("2105.00001", 3, 300),
    ]
    assert [(d.day, d.rank, d.score) for d in week.papers[1].days] == [(monday, 2, 120), (tuesday, 2, 200)]
    assert week.days == (monday, tuesday) and week.candidates == 3


def test_the_min_score_applies_to_the_sum_and_ties_go_to_the_smaller_id() -> None:
    monday, tuesday = date(2021, 5, 31), date(2021, 6, 1)
    config = RankingConfig(min_score=100)
    digests = {
        monday: _day(monday, _paper("2105.00009", 1, 60), _paper("2105.00005", 2, 50), _paper("2105.00001", 3, 30)),
        tuesday: _day(tuesday, _paper("2105.00005", 1, 60), _paper("2105.00009", 2, 50)),
    }
    week = build_period_digest(week_of(monday), digests, config)
    # 110 and 110 tie (smaller id first); 30 alone stays under the threshold of 100.
    assert [(p.paper.paper.arxiv_id, p.paper.score) for p in week.papers] == [("2105.00005", 110), ("2105.00009", 110)]
    assert week.candidates == 3


def test_a_paper_keeps_its_newest_metadata_sums_engagement_and_merges_top_posts() -> None:
    monday, tuesday = date(2021, 5, 31), date(2021, 6, 1)
    shared_old, shared_new = _post("x", "1", 40), _post("x", "1", 90)
    first = _paper("2105.00001", 1, 100, title="Old title", posts=(shared_old, _post("x", "2", 60)),
                   engagement={"x": {"posts": 2, "likes": 100, "score": 100}},
                   as_of=T0)  # fmt: skip
    second = _paper("2105.00001", 1, 200, title="New title", posts=(shared_new, _post("bluesky", "3", 90, hours=-1)),
                    engagement={"x": {"posts": 1, "likes": 150, "score": 150}, "bluesky": {"posts": 1, "score": 50}},
                    as_of=T0 + timedelta(days=1))  # fmt: skip
    config = RankingConfig(top_posts=2)
    week = build_period_digest(week_of(monday), {monday: _day(monday, first), tuesday: _day(tuesday, second)}, config)
    paper = week.papers[0].paper
    assert paper.paper.title == "New title" and paper.score == 300 and paper.as_of == T0 + timedelta(days=1)
    assert paper.engagement == {"bluesky": {"posts": 1, "score": 50}, "x": {"posts": 3, "likes": 250, "score": 250}}
    # (x, 1) once, with its higher score; ties by time (the Bluesky post is an hour older); capped at 2.
    assert [(p.source, p.post_id, p.score) for p in paper.top_posts] == [("bluesky", "3", 90), ("x", "1", 90)]


def test_the_document_has_a_day_shape_plus_the_period_and_round_trips() -> None:
    day = sample_digest()
    week = build_period_digest(week_of(day.day), {day.day: day}, day.config)
    document = json.loads(week.document)
    day_document = day.to_dict()
    assert list(document) == ["period", "kind", "from", "to", "days", "as_of", "candidates", "config", "papers"]
    assert set(day_document) - set(document) == {"day"}
    assert (document["period"], document["kind"], document["from"], document["to"]) == (
        "2021-W22", "week", "2021-05-31", "2021-06-06",
    )  # fmt: skip
    assert document["days"] == ["2021-06-01"]
    for ours, theirs in zip(document["papers"], day_document["papers"], strict=True):
        assert ours.pop("days") == [{"date": "2021-06-01", "rank": theirs["rank"], "score": theirs["score"]}]
        assert ours == theirs  # one day: the same paper as the day's
    assert PeriodDigest.from_dict(json.loads(week.document)) == week


def test_a_period_lists_at_most_the_limit_and_counts_every_candidate() -> None:
    monday = date(2021, 5, 31)
    papers = [_paper(f"2105.{n:05d}", n, 1000 - n) for n in range(1, 8)]
    week = build_period_digest(week_of(monday), {monday: _day(monday, *papers)}, RankingConfig(), limit=5)
    assert [p.paper.rank for p in week.papers] == [1, 2, 3, 4, 5] and week.candidates == 7


def test_rank_period_ranks_summaries_as_it_ranks_full_papers() -> None:
    day = sample_digest()
    summaries = [(day.day, [replace(p, top_posts=()) for p in day.papers])]
    assert [a for a, _, _ in rank_period(summaries, 50)] == [p.paper.arxiv_id for p in day.papers]


def test_the_period_markdown_is_the_blog_post_of_its_ranked_papers() -> None:
    from hotpapers.publish.markdown import render_markdown, render_period_markdown

    monday, tuesday = date(2021, 5, 31), date(2021, 6, 1)
    x = {"x": {"posts": 1, "retweets": 70, "likes": 30, "quotes": 0, "replies": 0, "score": 100}}
    digests = {
        monday: _day(monday, _paper("2105.00001", 1, 100, title="First", engagement=x), as_of=T0),
        tuesday: _day(tuesday, _paper("2105.00001", 1, 100, title="First", engagement=x),
                      _paper("2105.00002", 2, 150, title="Second", engagement=x), as_of=T0 + timedelta(days=1)),
    }  # fmt: skip
    week = build_period_digest(week_of(monday), digests, RankingConfig())
    markdown = render_period_markdown(week)
    front, body = markdown.split("\n---\n", 1)
    assert front.splitlines()[:3] == ["---", "title: Hot Papers 2021-W22", "date: 2021-06-03T09:00:00.Z"]
    assert 'slug: "hot-papers-2021-W22"' in front and 'description: "Hot papers 2021-W22"' in front
    # The first paper scored 200 over two days: it leads, with the summed counts on its counts line.
    assert body.index("# 1. First") < body.index("# 2. Second")
    assert "- retweets: 140, favorites: 60 (" in body
    # The same layout as a day's post: a day digest of the same papers renders the same body.
    as_day = Digest(tuesday, week.as_of, week.ranked, candidates=2, config=RankingConfig())
    assert body == render_markdown(as_day).split("\n---\n", 1)[1]
