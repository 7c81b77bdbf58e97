"""What a table holds about the days it collected, read back through the store's typed reads.

The reliability suites compare the table after a faulty run with what a clean run stores. They compare
these records, never items: the key schema and the item attributes stay inside core/store*.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from hotpapers.core.models import Paper, Post
from hotpapers.core.records import DayPaper
from hotpapers.core.store import Store

DayPaperKey = tuple[str, date]  # (arXiv id, day)
MentionKey = tuple[str, date, str, str]  # (arXiv id, day, source, post id)


@dataclass(frozen=True)
class StoredRecords:
    """Every paper, day paper and mention stored for some days, each under its natural key.

    Left out: when a paper was fetched and when a post's engagement was observed. Those move with the
    (fake) clock, e.g. after a backoff, and are not the data. Run records and digests are left out too:
    a run's figures and a publish's output are checked on their own.
    """

    papers: dict[str, Paper]  # the arXiv metadata stored for a paper, by id
    day_papers: dict[DayPaperKey, DayPaper]
    mentions: dict[MentionKey, Post]  # the post as its mention stores it

    def keys(self) -> set[tuple[object, ...]]:
        """Every record's kind and natural key: what was stored, whatever its content."""
        return (
            {("paper", arxiv_id) for arxiv_id in self.papers}
            | {("day paper", *key) for key in self.day_papers}
            | {("mention", *key) for key in self.mentions}
        )

    def mentions_from(self, source: str) -> set[MentionKey]:
        return {key for key, post in self.mentions.items() if post.source == source}

    def lost_or_changed_in(self, later: StoredRecords) -> int:
        """How many of these records `later` no longer holds, or holds with another content."""
        return (
            sum(later.papers.get(key) != paper for key, paper in self.papers.items())
            + sum(later.day_papers.get(key) != day_paper for key, day_paper in self.day_papers.items())
            + sum(later.mentions.get(key) != post for key, post in self.mentions.items())
        )

    def fingerprint(self) -> str:
        """A digest of every record: equal records, equal fingerprints, whatever order they were read in."""
        content = repr((sorted(self.papers.items()), sorted(self.day_papers.items()), sorted(self.mentions.items())))
        return hashlib.sha256(content.encode()).hexdigest()


def stored_records(store: Store, days: Iterable[date] = ()) -> StoredRecords:
    """The records of every day the table holds a run record for, and of `days` (collected or not).

    One Query per day, then the metadata of every paper those days name (BatchGetItem).
    """
    day_papers: dict[DayPaperKey, DayPaper] = {}
    mentions: dict[MentionKey, Post] = {}
    for day in sorted(set(store.collected_days()) | set(days)):
        records = store.day(day)
        for day_paper in records.papers:
            day_papers[(day_paper.arxiv_id, day_paper.day)] = day_paper
        for mention in records.mentions:
            post = mention.observation.post
            mentions[(mention.arxiv_id, mention.day, post.source, post.post_id)] = post
    named = sorted({arxiv_id for arxiv_id, _ in day_papers} | {key[0] for key in mentions})
    return StoredRecords(store.stored_papers(named), day_papers, mentions)
