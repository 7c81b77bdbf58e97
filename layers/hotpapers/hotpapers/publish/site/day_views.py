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
    as_utc,
    format_count,
    join_and,
    long_date,
    medium_date,
    moment_text,
    pluralize,
    rfc3339,
)
from hotpapers.publish.site.keys import (
    category_path,
    day_path,
    is_valid_category,
    paper_anchors,
    paper_page_key,
    paper_path,
)
from hotpapers.publish.site.posts import PostView, post_view
from hotpapers.publish.site.sanitize import TEXT_LIMIT, safe_url, shorten
from hotpapers.publish.site.source_wording import metric_parts, source_label, source_order


@dataclass(frozen=True)
class EngagementLine:
    """One source's engagement of a paper, in words, and its points."""

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
class PaperView:
    """A paper's card as the templates show it (day pages, period pages and its own page)."""

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
    engagement: list[EngagementLine]
    posts: list[PostView]


@dataclass(frozen=True)
class DayView:
    """A day's page as the templates show it: its papers' cards and what the day was made of."""

    day: date
    iso: str
    long_date: str
    medium_date: str
    path: str
    papers: list[PaperView]
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
    return paper_path(arxiv_id)


def _category_view(category: str, linkable: CategoryFilter = None) -> _Category:
    if is_valid_category(category):
        href = category_path(category) if linkable is None or linkable(category) else None
        return _Category(category, href, CATEGORY_NAMES.get(category))
    return _Category(category, None, None)


def engagement_lines(engagement: dict[str, dict[str, int]]) -> list[EngagementLine]:
    """A paper's engagement, one line per source in the site's order."""
    lines = []
    for source in source_order(engagement):
        metrics = engagement[source]
        score = metrics.get("score")
        lines.append(
            EngagementLine(
                source=re.sub(r"[^a-z0-9-]", "", source.lower()) or "other",
                label=source_label(source),
                parts=metric_parts(source, metrics, with_posts=True),
                score=pluralize(score, "point", "points") if isinstance(score, int) else None,
            )
        )
    return lines


def paper_view(
    ranked: RankedPaper, anchor: str, linkable: CategoryFilter = None, paper_linkable: PaperFilter = None
) -> PaperView:
    """A ranked paper's card; its category and paper-page links only where the filters allow them (None: all)."""
    paper = ranked.paper
    doi_url = None
    if paper.doi and not any(ch.isspace() for ch in paper.doi):
        doi_url = safe_url("https://doi.org/" + quote(paper.doi.strip(), safe="/:;()._-"))
    published = as_utc(paper.published)
    abstract = shorten(paper.abstract, TEXT_LIMIT)
    return PaperView(
        rank=ranked.rank,
        anchor=anchor,
        arxiv_id=paper.arxiv_id,
        page=_paper_page(paper.arxiv_id, paper_linkable),
        title=paper.title,
        authors=list(paper.authors),
        score=format_count(ranked.score),
        abs_url=safe_url(paper.abs_url),
        pdf_url=safe_url(paper.pdf_url),
        categories=[_category_view(c, linkable) for c in dict.fromkeys(paper.categories)],
        abstract=abstract,
        abstract_omitted=len(paper.abstract) - len(abstract),
        comment=paper.comment,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        doi_url=doi_url,
        published_iso=rfc3339(published),
        published_text=medium_date(published.date()),
        engagement=engagement_lines(ranked.engagement),
        posts=[post_view(post) for post in ranked.top_posts],
    )


def day_view(digest: Digest, linkable: CategoryFilter = None, paper_linkable: PaperFilter = None) -> DayView:
    """A day's page view of its digest (the filters as for `paper_view`)."""
    anchors = paper_anchors(digest.papers)
    papers = [
        paper_view(paper, anchor, linkable, paper_linkable)
        for paper, anchor in zip(digest.papers, anchors, strict=True)
    ]
    sources = source_order({source for paper in digest.papers for source in paper.engagement})
    return DayView(
        day=digest.day,
        iso=digest.day.isoformat(),
        long_date=long_date(digest.day),
        medium_date=medium_date(digest.day),
        path=day_path(digest.day),
        papers=papers,
        candidates=digest.candidates,
        min_score=digest.config.min_score,
        sources=[source_label(s) for s in sources],
        sources_text=join_and([source_label(s) for s in sources]),
        as_of_iso=rfc3339(digest.as_of) if digest.as_of else None,
        as_of_text=moment_text(digest.as_of) if digest.as_of else None,
        has_x_posts=any(post.source == "x" for paper in digest.papers for post in paper.top_posts),
    )
