"""Every S3 key and site path the site writes or links: pages, categories, the stylesheet, paper anchors."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from importlib import resources

from hotpapers.core.digest import RankedPaper, SummaryPaper


def key_of_path(path: str) -> str:
    """The S3 key of a site path: '' → index.html, 'archive/' → archive/index.html."""
    return path + "index.html" if path == "" or path.endswith("/") else path


# The pages at fixed keys.
INDEX_KEY = key_of_path("")
FEED_KEY = "feed.xml"
SITEMAP_KEY = "sitemap.xml"
ROBOTS_KEY = "robots.txt"
FAVICON_KEY = "favicon.ico"  # browsers ask every site for it at the root
NOT_FOUND_KEY = "404.html"
FEEDS_PATH = "feeds/"  # the page listing every feed


def day_path(day: date) -> str:
    """A day's page: 'digests/2021-06-01/'."""
    return f"digests/{day.isoformat()}/"


def day_page_key(day: date) -> str:
    """The S3 key of a day's page (the publisher checks the bucket for it)."""
    return key_of_path(day_path(day))


def digest_export_key(day: date, extension: str) -> str:
    """The S3 key of a day's export: 'md' (the blog's Markdown format) or 'json' (the API's digest document)."""
    return f"digests/{day.isoformat()}.{extension}"


def month_path(year: int, month: int) -> str:
    """A month of the archive's listing: 'archive/2021-06/'."""
    return f"archive/{year:04d}-{month:02d}/"


def category_path(category: str, page: int | None = None) -> str:
    """The category's index, or one of its archive pages (numbered from 1, the oldest)."""
    return f"categories/{category}/" if page is None else f"categories/{category}/page/{page}/"


_CATEGORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,63}")


@lru_cache(maxsize=4096)  # a few hundred arXiv categories, checked for every paper of every day
def is_valid_category(category: str) -> bool:
    """arXiv category names (cs.LG, q-bio.OT, hep-th) are safe path segments; anything else is skipped."""
    return bool(_CATEGORY.fullmatch(category)) and ".." not in category


def paper_anchor(arxiv_id: str) -> str:
    """The element id of a paper on its day page: 'arxiv-2105.14103', 'arxiv-hep-th-9901001'."""
    return "arxiv-" + re.sub(r"[^A-Za-z0-9.-]", "-", arxiv_id)


def paper_anchors(papers: Iterable[RankedPaper | SummaryPaper]) -> list[str]:
    """The element ids of a day's papers, in order: the day page and every link into it use these."""
    anchors, used = [], set()
    for paper in papers:
        anchor = paper_anchor(paper.arxiv_id)
        if anchor in used or anchor == f"paper-{paper.rank}":
            anchor = f"{anchor}-{paper.rank}"
        used.add(anchor)
        anchors.append(anchor)
    return anchors


@lru_cache(maxsize=1)
def stylesheet_bytes() -> bytes:
    """The site's stylesheet, as shipped in the package (static/style.css)."""
    return resources.files(__package__).joinpath("static", "style.css").read_bytes()


def stylesheet_key() -> str:
    """The stylesheet's key; its name carries a hash of its content, so it can be cached forever."""
    return f"static/style.{hashlib.sha256(stylesheet_bytes()).hexdigest()[:12]}.css"


def category_page_key(category: str) -> str | None:
    """The S3 key of a category's index page; None for a name that gets no page (not a safe path segment)."""
    return key_of_path(category_path(category)) if is_valid_category(category) else None


# Issue 11's page kinds: one page per paper, weekly and monthly digests, a feed per category.

_ARXIV_ID = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z][a-z.-]{0,30}/\d{7})")


def paper_path(arxiv_id: str) -> str:
    """A paper's page: 'papers/2105.14103/', 'papers/hep-th/9901001/' (old ids keep their archive as a folder)."""
    return f"papers/{arxiv_id}/"


def paper_page_key(arxiv_id: str) -> str | None:
    """The S3 key of a paper's page; None for an id that is not a version-less arXiv id (no page, no link)."""
    return key_of_path(paper_path(arxiv_id)) if _ARXIV_ID.fullmatch(arxiv_id) else None


def week_path(week: str) -> str:
    """An ISO week's digest: 'weeks/2021-W22/'."""
    return f"weeks/{week}/"


def month_digest_path(month: str) -> str:
    """A month's digest: 'months/2021-06/' (the archive's month listing stays at 'archive/2021-06/')."""
    return f"months/{month}/"


def week_page_key(week: str) -> str:
    return key_of_path(week_path(week))


def month_page_key(month: str) -> str:
    return key_of_path(month_digest_path(month))


def period_export_key(kind: str, period: str, extension: str) -> str:
    """A period's export: 'weeks/2021-W22.md', 'months/2021-06.md'."""
    folder = {"week": "weeks", "month": "months"}[kind]
    return f"{folder}/{period}.{extension}"


def category_feed_key(category: str) -> str | None:
    """A category's Atom feed: 'categories/cs.LG/feed.xml'; None where the category gets no page."""
    return category_path(category) + "feed.xml" if is_valid_category(category) else None
