"""A page per paper: `papers/<arxiv_id>/index.html`, everything about one paper across its days.

The page shows the paper's metadata (from its newest listing), every day it was listed with
its rank and score (a chart and the same numbers in a table), and its mentions across all its
days: per-source totals summed over the days' engagement, and the top posts of all its days
merged. It is built from the full digests of the paper's days (`RankedPaper` carries the
abstract, engagement and posts; summaries do not) and its history (core/history.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from hotpapers.core.digest import Digest, RankedPaper, TopPost
from hotpapers.core.history import HistoryEntry
from hotpapers.publish.site.chart import Chart, score_chart
from hotpapers.publish.site.config import SiteConfig, SiteObject
from hotpapers.publish.site.day_views import (
    CategoryFilter,
    EngagementLine,
    PaperView,
    engagement_lines,
    paper_view,
)
from hotpapers.publish.site.keys import paper_anchors, paper_page_key, paper_path
from hotpapers.publish.site.posts import PostView, post_view
from hotpapers.publish.site.render import page_context, page_object
from hotpapers.publish.site.sanitize import safe_url
from hotpapers.publish.site.summaries import ListedDay, day_link

# The most posts a paper's page shows: the highest-scoring of all its days' top posts.
PAPER_PAGE_POSTS = 20


@dataclass(frozen=True)
class _OtherSite:
    label: str
    href: str


@dataclass(frozen=True)
class _PaperPage:
    path: str
    paper: PaperView  # the newest listing: metadata, categories, abstract (its day's posts unused)
    other_sites: list[_OtherSite]
    days: list[ListedDay]
    best_rank: int
    best_score: int
    chart: Chart
    engagement: list[EngagementLine]  # per source, summed over every listed day
    posts: list[PostView]
    posts_total: int  # distinct top posts over all days, before PAPER_PAGE_POSTS
    has_x_posts: bool


def _other_sites(arxiv_id: str) -> list[_OtherSite]:
    """The same paper elsewhere: arXiv's HTML version, alphaXiv and Hugging Face (the id is a checked arXiv id)."""
    links = [
        ("HTML (arXiv)", f"https://arxiv.org/html/{arxiv_id}"),
        ("alphaXiv", f"https://www.alphaxiv.org/abs/{arxiv_id}"),
        ("Hugging Face", f"https://huggingface.co/papers/{arxiv_id}"),
    ]
    return [_OtherSite(label, href) for label, url in links if (href := safe_url(url)) is not None]


def _summed_engagement(listings: Sequence[RankedPaper]) -> dict[str, dict[str, int]]:
    """Per source, each count summed over the days (a post counts on one day only: its own)."""
    totals: dict[str, dict[str, int]] = {}
    for paper in listings:
        for source, counts in paper.engagement.items():
            total = totals.setdefault(source, {})
            for name, value in counts.items():
                total[name] = total.get(name, 0) + value
    return totals


def _merged_posts(listings: Sequence[RankedPaper]) -> list[TopPost]:
    """Every day's top posts, one per (source, post_id) (the newest day's copy: its counts are the latest),
    highest score first."""
    posts: dict[tuple[str, str], TopPost] = {}
    for paper in listings:  # oldest day first: a later copy replaces an earlier one
        for post in paper.top_posts:
            posts[(post.source, post.post_id)] = post
    return sorted(posts.values(), key=lambda p: (-p.score, -p.created_at.timestamp(), p.source, p.post_id))


class _DayPapers:
    """Each day's papers by id with their anchors, computed once per day however many pages need them."""

    def __init__(self, digests: Mapping[date, Digest]) -> None:
        self._digests = digests
        self._days: dict[date, dict[str, tuple[RankedPaper, str]]] = {}

    def find(self, day: date, arxiv_id: str) -> tuple[RankedPaper, str] | None:
        papers = self._days.get(day)
        if papers is None:
            digest = self._digests.get(day)
            listed = digest.papers if digest is not None else ()
            papers = {}
            for paper, anchor in zip(listed, paper_anchors(listed), strict=True):
                papers.setdefault(paper.arxiv_id, (paper, anchor))  # the best rank, as its history keeps
            self._days[day] = papers
        return papers.get(arxiv_id)


def _paper_page(
    arxiv_id: str, history: Sequence[HistoryEntry], days: _DayPapers, linkable: CategoryFilter
) -> _PaperPage | None:
    found = [(entry, days.find(entry.day, arxiv_id)) for entry in history]
    listed = [(entry, hit) for entry, hit in found if hit is not None]
    if not listed:
        return None
    listings = [paper for _, (paper, _) in listed]
    newest, newest_anchor = listed[-1][1]
    posts = _merged_posts(listings)
    shown = [post_view(post) for post in posts[:PAPER_PAGE_POSTS]]
    entries = [entry for entry, _ in listed]
    return _PaperPage(
        path=paper_path(arxiv_id),
        paper=paper_view(newest, newest_anchor, linkable),
        other_sites=_other_sites(arxiv_id),
        days=[
            ListedDay(link, anchor, entry.rank, entry.score)
            for entry, (_, anchor) in listed
            if (link := day_link(entry.day)) is not None
        ],
        best_rank=min(entry.rank for entry in entries),
        best_score=max(entry.score for entry in entries),
        chart=score_chart(entries),
        engagement=engagement_lines(_summed_engagement(listings)),
        posts=shown,
        posts_total=len(posts),
        has_x_posts=any(post.source == "x" for post in posts[:PAPER_PAGE_POSTS]),
    )


def render_paper(
    arxiv_id: str,
    history: Sequence[HistoryEntry],
    digests: Mapping[date, Digest],
    site: SiteConfig,
    category_linkable: CategoryFilter = None,
) -> SiteObject | None:
    """One paper's page; None for a paper that gets none (not an arXiv id, or no listed day in `digests`)."""
    return next(render_paper_pages([arxiv_id], {arxiv_id: list(history)}, digests, site, category_linkable), None)


def render_paper_pages(
    arxiv_ids: Iterable[str],
    histories: Mapping[str, Sequence[HistoryEntry]],
    digests: Mapping[date, Digest],
    site: SiteConfig,
    category_linkable: CategoryFilter = None,
) -> Iterator[SiteObject]:
    """The pages of these papers, in id order, one at a time (a rebuild streams ~30,000 into the upload).

    `digests` must hold every listed day of each paper (a day missing from it is left off the
    page). `category_linkable` leaves some category chips unlinked, as on a day page.
    """
    days = _DayPapers(digests)
    for arxiv_id in sorted(set(arxiv_ids)):
        if paper_page_key(arxiv_id) is None:
            continue
        view = _paper_page(arxiv_id, histories.get(arxiv_id, ()), days, category_linkable)
        if view is None:
            continue
        widgets = site.x_widgets and view.has_x_posts
        yield page_object(view.path, "paper.html", site, page=view, **page_context(site, widgets))
