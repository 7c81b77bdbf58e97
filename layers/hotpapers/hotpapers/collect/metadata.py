"""A paper's arXiv metadata: the stored copy when current, else arXiv's (one lookup: the collector's and the repair's).

The collector asks for the papers of the day it collects; the repair (collect/repair.py) for the
papers of earlier days still without metadata. Both take what the store has first (another day
may have fetched the paper), ask arXiv for the rest in id_list batches, and cut what arXiv gives
to the byte limits (collect/bounds.py) before anything stores it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from hotpapers.collect.arxiv import ArxivClient
from hotpapers.collect.bounds import bounded_paper
from hotpapers.core.models import Paper, PaperLookupFailure
from hotpapers.core.store import Store


@dataclass
class MetadataFound:
    """What a lookup found: every paper with metadata, which of them arXiv gave just now, what failed."""

    known: dict[str, Paper] = field(default_factory=dict)  # stored or fetched
    fresh: dict[str, Paper] = field(default_factory=dict)  # fetched by this lookup: to be stored
    failures: list[PaperLookupFailure] = field(default_factory=list)
    requests: int = 0  # arXiv requests made
    not_asked: list[str] = field(default_factory=list)  # left for later: out of time


@dataclass
class MetadataLookup:
    """Which papers need arXiv, and asking it for them."""

    store: Store
    arxiv: ArxivClient

    def stored_and_missing(
        self, wanted: Mapping[str, int | None], skip: Collection[str] = ()
    ) -> tuple[dict[str, Paper], list[str]]:
        """The stored metadata of `wanted` (id → the highest version a post names, or None), and the ids
        to ask arXiv for: not stored, or stored at an older version than a post names. Ids in `skip` are
        never asked for (arXiv refused them moments ago)."""
        stored = self.store.stored_papers(list(wanted))
        missing = [
            arxiv_id
            for arxiv_id, version in wanted.items()
            if arxiv_id not in skip
            and (arxiv_id not in stored or (version is not None and version > stored[arxiv_id].version))
        ]
        return stored, missing

    def requests_for(self, ids: Collection[str]) -> int:
        """How many arXiv requests asking for `ids` takes."""
        return math.ceil(len(ids) / self.arxiv.batch_size)

    def fetch(
        self,
        stored: Mapping[str, Paper],
        missing: list[str],
        may_request: Callable[[int], bool] = lambda requests_left: True,
    ) -> MetadataFound:
        """Ask arXiv for `missing`, one id_list batch at a time; before each, `may_request(requests left)`
        says whether there is time for the rest (False: stop, the rest is `not_asked`)."""
        found = MetadataFound(known=dict(stored))
        batch_size = self.arxiv.batch_size
        before = self.arxiv.requests
        for start in range(0, len(missing), batch_size):
            if not may_request(self.requests_for(missing[start:])):
                found.not_asked = missing[start:]
                break
            papers, failures = self.arxiv.fetch(missing[start : start + batch_size])
            found.fresh.update({arxiv_id: bounded_paper(paper) for arxiv_id, paper in papers.items()})
            found.failures.extend(failures)
        found.requests = self.arxiv.requests - before
        found.known.update(found.fresh)
        return found
