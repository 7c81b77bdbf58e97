"""The bundled week 2021-W22: five real Hot Papers posts, rebuilt as the sample day is, plus illustrations.

The blog posted on the five weekdays of ISO week 2021-W22 (2021-05-31 to 2021-06-04); the
posts are bundled byte for byte in local/data/ (see PROVENANCE.md there). Each day is rebuilt
exactly as the sample day is (`dataset_from_post`: X tweets from the post's embeds, arXiv
entries from its papers), and the five datasets are served together by one set of fakes: each
day's collection asks for its own UTC day, so it finds that day's posts. On top of them come the
invented Hacker News, Hugging Face and Bluesky posts of `sample.illustrations`.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources

from hotpapers_local.fakes import UpstreamDataset
from hotpapers_local.sample.day import dataset_from_post
from hotpapers_local.sample.illustrations import add_illustrations
from hotpapers_local.sample.post import HotPapersPost, SamplePaper, parse_post

__all__ = ["SAMPLE_WEEK", "WEEK_DAYS", "load_week_dataset", "load_week_posts", "post_file", "week_papers"]

SAMPLE_WEEK = "2021-W22"
WEEK_DAYS: tuple[date, ...] = tuple(date(2021, 5, 31) + timedelta(days=offset) for offset in range(5))


def post_file(day: date) -> str:
    """The bundled post of `day`, named as the blog named its posts."""
    return f"{day.isoformat()}---Hot-Papers.md"


def load_week_posts() -> tuple[HotPapersPost, ...]:
    """The five bundled real posts of the week, Monday first."""
    data = resources.files("hotpapers_local").joinpath("data")
    return tuple(parse_post(data.joinpath(post_file(day)).read_text(encoding="utf-8")) for day in WEEK_DAYS)


def week_papers(posts: tuple[HotPapersPost, ...]) -> dict[str, SamplePaper]:
    """Every paper of the week's posts by arXiv id (no paper is listed on two days of this week)."""
    papers: dict[str, SamplePaper] = {}
    for post in posts:
        for paper in post.papers:
            if paper.arxiv_id in papers:
                raise ValueError(f"{paper.arxiv_id} is listed on two days; the week's rebuild assumes once")
            papers[paper.arxiv_id] = paper
    return papers


def load_week_dataset(illustrations: bool = True) -> UpstreamDataset:
    """What the upstreams answer for the week: the five rebuilt days and, unless told not to, the illustrations."""
    posts = load_week_posts()
    week = UpstreamDataset()
    users: dict[str, dict[str, object]] = {}
    for post in posts:
        day = dataset_from_post(post)
        week.x_tweets.extend(day.x_tweets)
        for user in day.x_users:
            users.setdefault(str(user["id"]), user)
        week.arxiv_entries.update(day.arxiv_entries)
    week.x_users = list(users.values())
    if illustrations:
        add_illustrations(week, week_papers(posts))
    return week
