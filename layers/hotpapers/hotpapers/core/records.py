"""What the store keeps about papers and days, as typed records (the store turns them into items and back).

`core/models.py` holds what the upstreams give (a post, a paper); these add what the
collection made of them: a paper as fetched, a paper as mentioned on one day, one post's
mention of one paper. The store (`core/store.py`) takes and returns only these and the
models; the item shapes and keys stay in `core/store_collected_items.py` and
`core/store_published_items.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from hotpapers.core.models import DayProgress, Observation, Paper, RunRecord

if TYPE_CHECKING:
    from hotpapers.core.history import HistoryEntry

# Per source, the number of posts and the sum of each metric over them: {"x": {"posts": 2, "likes": 7}}.
Engagement = dict[str, dict[str, int]]


@dataclass(frozen=True)
class FetchedPaper:
    """A paper's arXiv metadata and when it was fetched: one per paper, replaced by a newer version."""

    paper: Paper
    fetched_at: datetime


@dataclass(frozen=True)
class DayPaper:
    """A paper as mentioned on one day: a copy of its metadata (None: arXiv has not given it yet)
    and that day's engagement.

    `metadata_attempts` counts the repairs that asked arXiv for a paper still without metadata
    and got nothing: the repair asks about the fewest-tried papers first, so a paper arXiv keeps
    refusing never holds back the others.
    """

    day: date
    arxiv_id: str
    paper: Paper | None
    engagement: Engagement = field(default_factory=dict)
    metadata_attempts: int = 0

    @property
    def has_metadata(self) -> bool:
        return self.paper is not None


@dataclass(frozen=True)
class Mention:
    """One post about one paper on one day, with its newest engagement observation.

    A post linking two papers is two mentions, one under each paper.
    """

    arxiv_id: str
    day: date
    observation: Observation


@dataclass
class DayRecords:
    """Everything stored about one day: its papers, its mentions and its latest run."""

    day: date
    papers: list[DayPaper] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    run: RunRecord | None = None


@dataclass
class PaperRecords:
    """Everything stored about one paper: its metadata, its days, its mentions and its digest history."""

    arxiv_id: str
    paper: FetchedPaper | None = None
    days: list[DayPaper] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    history: list[HistoryEntry] | None = None

    @property
    def is_empty(self) -> bool:
        """Nothing stored about the paper: it was never collected."""
        return self.paper is None and not self.days and not self.mentions and self.history is None


# What the collector writes: whole-item puts keyed by natural ids, so writing the same day twice
# leaves the same table.
CollectedRecord = FetchedPaper | DayPaper | Mention | RunRecord | DayProgress
