"""Typed values the rest of the package works with.

Upstream payloads are parsed into these at the edge (the source and arXiv
modules); everything inside the package handles only these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hotpapers.core.arxiv_ids import (
    ArxivRef as ArxivRef,  # defined there (id parsing needs no other model); re-exported
)
from hotpapers.core.json_codec import JsonModel, json_field

_UNLESS_NONE = json_field(omit_none=True)


@dataclass(frozen=True)
class TextEntity(JsonModel):
    """A span of a post's text that links somewhere: a URL, a mentioned account or a hashtag.

    `start`/`end` count Unicode code points of the post's (unescaped) text,
    `Post.text`. Renderers turn spans into links; everything else is escaped text.
    """

    # Written without the fields that do not apply (None).
    kind: str  # url | mention | hashtag
    start: int
    end: int
    url: str | None = field(default=None, metadata=_UNLESS_NONE)  # url: the short link in the text (t.co)
    expanded_url: str | None = field(default=None, metadata=_UNLESS_NONE)  # url: where it leads
    display_url: str | None = field(default=None, metadata=_UNLESS_NONE)  # url: what X shows (pic.twitter.com/…)
    username: str | None = field(default=None, metadata=_UNLESS_NONE)  # mention
    tag: str | None = field(default=None, metadata=_UNLESS_NONE)  # hashtag


@dataclass(frozen=True)
class Post:
    """One original social post (never a repost) that links one or more arXiv papers.

    `metrics` holds the source's own engagement counters, e.g. for X
    ``{"retweets": 3, "likes": 10, "quotes": 1, "replies": 2}``; for Hacker
    News ``{"points": 120, "comments": 40}``.
    """

    source: str
    post_id: str
    url: str
    author_name: str
    author_handle: str
    text: str
    created_at: datetime
    metrics: dict[str, int]
    papers: tuple[ArxivRef, ...]
    kind: str = "post"  # post | quote | reply | story | daily-paper
    lang: str | None = None  # the source's language tag (X `lang`), when it gives one
    # Links, mentions and hashtags inside `text`, by code-point offsets into `text`, in order.
    entities: tuple[TextEntity, ...] = ()


@dataclass(frozen=True)
class Observation:
    """A post's engagement as seen at one moment: what a re-run replaces."""

    post: Post
    observed_at: datetime


@dataclass(frozen=True)
class PaperHeadline:
    """What a listing shows of a paper: its id, title, authors and categories.

    `Paper` extends it, so these four fields are declared once: a digest's summary
    (`SummaryPaper`) holds a headline, a digest's ranked paper (`RankedPaper`) a whole `Paper`.
    """

    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # primary first

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def headline(self) -> PaperHeadline:
        """Just the headline's fields (a `Paper`'s summary copy)."""
        return PaperHeadline(self.arxiv_id, self.title, self.authors, self.categories)


@dataclass(frozen=True)
class Paper(PaperHeadline):
    """arXiv metadata of one paper, whitespace already normalised."""

    version: int
    abstract: str
    published: datetime
    # When arXiv last updated it. None where it is not known: a digest's papers (the digest
    # documents never carried it), and so a paper read back from a stored digest.
    updated: datetime | None
    abs_url: str
    pdf_url: str | None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None


@dataclass(frozen=True)
class PaperLookupFailure:
    """An id arXiv could not give metadata for: recorded, never fatal."""

    arxiv_id: str
    reason: str  # "not_found" | "error"
    detail: str = ""


@dataclass
class SourceOutcome:
    """What one source did during one run."""

    source: str
    posts: int = 0
    papers: int = 0
    requests: int = 0
    error: str | None = None
    # Sources that bill per post read (X): how many posts the upstream returned, dropped ones
    # included, and whether the per-day cap stopped the paging. None/False for the others.
    read: int | None = None
    capped: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RunRecord:
    """The stored and logged outcome of collecting one day."""

    day: date
    started_at: datetime
    finished_at: datetime | None = None
    sources: dict[str, SourceOutcome] = field(default_factory=dict)
    papers: int = 0
    papers_fetched: int = 0
    papers_failed: list[PaperLookupFailure] = field(default_factory=list)
    arxiv_requests: int = 0
    items_written: int = 0
    write_requests: int = 0
    # Set by the metadata repair (collect/repair.py): papers (of any day) it looked at still without
    # arXiv metadata after this run, and the days whose missing metadata it filled in.
    papers_without_metadata: int | None = None
    repaired_days: list[date] = field(default_factory=list)

    @property
    def posts(self) -> int:
        return sum(outcome.posts for outcome in self.sources.values())

    @property
    def failed_sources(self) -> list[str]:
        return sorted(name for name, outcome in self.sources.items() if not outcome.ok)

    @property
    def duration_seconds(self) -> float:
        if self.finished_at is None:
            return 0.0
        return (self.finished_at - self.started_at).total_seconds()


@dataclass
class DayProgress:
    """How far an interrupted collection of a day got: the sources it completed (their posts are stored).

    Written only when a run gives a day back for lack of time (and closed, `open=False`, when a later run
    of that day finishes); the next run of the day resumes from it instead of fetching those sources again.
    """

    day: date
    started_at: datetime  # when the interrupted run began: a stale progress is not resumed
    completed: dict[str, SourceOutcome] = field(default_factory=dict)
    open: bool = True


def day_window(day: date) -> tuple[datetime, datetime]:
    """The half-open UTC interval [day 00:00Z, day+1 00:00Z) that "a day" means."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)
