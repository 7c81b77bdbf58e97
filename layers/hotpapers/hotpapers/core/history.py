"""A paper's history: every day it entered a digest, with its rank and score that day.

Computed from the stored digest summaries (`DigestSummary`, a few KB a day), never from
the full digests: the publisher writes it to the paper's HISTORY item (core/store_published_items.py),
the API serves it with the paper, and the site draws it on the paper's page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from hotpapers.core.digest import DigestSummary
from hotpapers.core.json_codec import JsonModel, json_field


@dataclass(frozen=True, order=True)
class HistoryEntry(JsonModel):
    """The shape the HISTORY item and the API carry: `{"date", "rank", "score"}`."""

    day: date = field(metadata=json_field(name="date"))
    rank: int
    score: int


def paper_histories(summaries: Iterable[DigestSummary]) -> dict[str, list[HistoryEntry]]:
    """Every paper of these summaries → the days it was listed, oldest first.

    One summary per day counts (the last one given for a day wins, as a re-published day
    replaces its summary); a paper listed twice on one day (it never is) keeps its best rank.
    """
    by_day: dict[date, DigestSummary] = {}
    for summary in summaries:
        by_day[summary.day] = summary
    histories: dict[str, list[HistoryEntry]] = {}
    for day in sorted(by_day):
        for paper in by_day[day].papers:
            entries = histories.setdefault(paper.arxiv_id, [])
            if entries and entries[-1].day == day:
                if paper.rank < entries[-1].rank:
                    entries[-1] = HistoryEntry(day, paper.rank, paper.score)
                continue
            entries.append(HistoryEntry(day, paper.rank, paper.score))
    return histories
