"""The day page's view models: the day, its ranked papers, their categories and engagement lines."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from hotpapers.core.digest import Digest, RankedPaper
from hotpapers.publish.site.categories import CATEGORY_NAMES
from hotpapers.publish.site.formatting import (
    _count,
    _join_and,
    _long_date,
    _medium_date,
    _moment_text,
    _plural,
    _rfc3339,
    _utc,
)
from hotpapers.publish.site.keys import (
    _category_path,
    _day_path,
    _paper_anchors,
    _paper_path,
    _valid_category,
    paper_page_key,
)
from hotpapers.publish.site.posts import _post_view, _PostView
from hotpapers.publish.site.sanitize import TEXT_LIMIT, safe_url, shorten
from hotpapers.publish.site.source_wording import _metric_parts, _source_label, _source_order


@dataclass(frozen=True)
class _EngagementLine:
    source: str
    label: str
    parts: list[str]
    score: str | None


@dataclass(frozen=True)
class _Category:
    name: str
    href: str | None
    description: str | None


@dataclass(frozen=True)
class _PaperView:
    rank: int
    anchor: str
    arxiv_id: str
    page: str | None  # the paper's own page (site path); None: no page, or not linked yet
    title: str
    authors: list[str]
    score: str
    abs_url: str | None
    pdf_url: str | None
    categories: list[_Category]
    abstract: str
    abstract_omitted: int  # characters left out (TEXT_LIMIT); 0 when shown whole
    comment: str | None
    journal_ref: str | None
    doi: str | None
    doi_url: str | None
    published_iso: str
    published_text: str
    engagement: list[_EngagementLine]
    posts: list[_PostView]


@dataclass(frozen=True)
class _DayView:
    day: date
    iso: str
    long_date: str
    medium_date: str
    path: str
    papers: list[_PaperView]
    candidates: int
    min_score: int
    sources: list[str]
    sources_text: str
    as_of_iso: str | None
    as_of_text: str | None
    has_x_posts: bool


# Which categories a day page may link to (None: every valid one). The publisher passes one that
# leaves out categories whose page is not in the bucket yet (see publish/plan.py).
CategoryFilter = Callable[[str], bool] | None
# Which papers' pages a day page may link to, by arXiv id (None: every paper that gets a page).
# The publisher passes one that leaves out papers whose page is not in the bucket yet.
PaperFilter = Callable[[str], bool] | None


def _paper_page(arxiv_id: str, linkable: PaperFilter = None) -> str | None:
    """The site path of a paper's page, or None where it gets none (or may not be linked yet)."""
    if paper_page_key(arxiv_id) is None or (linkable is not None and not linkable(arxiv_id)):
        return None
    return _paper_path(arxiv_id)


def _category_view(category: str, linkable: CategoryFilter = None) -> _Category:
    if _valid_category(category):
        href = _category_path(category) if linkable is None or linkable(category) else None
        return _Category(category, href, CATEGORY_NAMES.get(category))
    return _Category(category, None, None)


def _engagement_lines(engagement: dict[str, dict[str, int]]) -> list[_EngagementLine]:
    lines = []
    for source in _source_order(engagement):
        metrics = engagement[source]
        score = metrics.get("score")
        lines.append(
            _EngagementLine(
                source=re.sub(r"[^a-z0-9-]", "", source.lower()) or "other",
                label=_source_label(source),
                parts=_metric_parts(source, metrics, with_posts=True),
                score=_plural(score, "point", "points") if isinstance(score, int) else None,
            )
        )
    return lines


def _paper_view(
    paper: RankedPaper, anchor: str, linkable: CategoryFilter = None, paper_linkable: PaperFilter = None
) -> _PaperView:
    doi_url = None
    if paper.doi and not any(ch.isspace() for ch in paper.doi):
        doi_url = safe_url("https://doi.org/" + quote(paper.doi.strip(), safe="/:;()._-"))
    published = _utc(paper.published)
    abstract = shorten(paper.abstract, TEXT_LIMIT)
    return _PaperView(
        rank=paper.rank,
        anchor=anchor,
        arxiv_id=paper.arxiv_id,
        page=_paper_page(paper.arxiv_id, paper_linkable),
        title=paper.title,
        authors=list(paper.authors),
        score=_count(paper.score),
        abs_url=safe_url(paper.abs_url),
        pdf_url=safe_url(paper.pdf_url),
        categories=[_category_view(c, linkable) for c in dict.fromkeys(paper.categories)],
        abstract=abstract,
        abstract_omitted=len(paper.abstract) - len(abstract),
        comment=paper.comment,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        doi_url=doi_url,
        published_iso=_rfc3339(published),
        published_text=_medium_date(published.date()),
        engagement=_engagement_lines(paper.engagement),
        posts=[_post_view(post) for post in paper.top_posts],
    )


def _day_view(digest: Digest, linkable: CategoryFilter = None, paper_linkable: PaperFilter = None) -> _DayView:
    anchors = _paper_anchors(digest.papers)
    papers = [
        _paper_view(paper, anchor, linkable, paper_linkable)
        for paper, anchor in zip(digest.papers, anchors, strict=True)
    ]
    sources = _source_order({source for paper in digest.papers for source in paper.engagement})
    return _DayView(
        day=digest.day,
        iso=digest.day.isoformat(),
        long_date=_long_date(digest.day),
        medium_date=_medium_date(digest.day),
        path=_day_path(digest.day),
        papers=papers,
        candidates=digest.candidates,
        min_score=digest.config.min_score,
        sources=[_source_label(s) for s in sources],
        sources_text=_join_and([_source_label(s) for s in sources]),
        as_of_iso=_rfc3339(digest.as_of) if digest.as_of else None,
        as_of_text=_moment_text(digest.as_of) if digest.as_of else None,
        has_x_posts=any(post.source == "x" for paper in digest.papers for post in paper.top_posts),
    )
