"""Which weekly and monthly digests a publish builds, stores and renders again.

Affected periods: the weeks and months of the days this publish ranked (or found without a
page); in a full rebuild, every one; and any period whose page is not in the bucket (a first
publish after this feature shipped, or a publish that died before uploading it). Each is built
from the full digests of its days (those not already in memory in one BatchGetItem) and stored
as one item, so the API answers it with one GetItem. Their neighbours (the nearest earlier and
later period of the same kind) only get their prev/next links changed: they are rendered again
from their stored documents, not rebuilt. A daily publish so renders the open week and month,
and at most their two neighbours; an unchanged neighbour page renders the same bytes and costs
no PUT.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from hotpapers.core.calendar_periods import KINDS, Period, days_by_period
from hotpapers.core.digest import Digest, RankingConfig
from hotpapers.core.period_digest import PeriodDigest, build_period_digest
from hotpapers.core.store import Store
from hotpapers.publish.bucket import SiteBucket
from hotpapers.publish.site.keys import month_page_key, week_page_key


def period_page_key(period: Period) -> str:
    return week_page_key(period.name) if period.kind == "week" else month_page_key(period.name)


@dataclass
class PeriodPlan:
    built: list[PeriodDigest] = field(default_factory=list)  # (re)built and stored: page and Markdown rendered
    relinked: list[PeriodDigest] = field(default_factory=list)  # neighbours: page rendered again (links)
    order: dict[str, list[Period]] = field(default_factory=dict)  # every period with a digest, oldest first

    def neighbours(self, period: Period) -> tuple[Period | None, Period | None]:
        periods = self.order.get(period.kind, [])
        index = periods.index(period)
        previous = periods[index - 1] if index > 0 else None
        following = periods[index + 1] if index + 1 < len(periods) else None
        return previous, following

    def digests(self) -> Iterator[tuple[PeriodDigest, bool]]:
        """Every period digest to render, with whether its Markdown export is rendered too."""
        for digest in self.built:
            yield digest, True
        for digest in self.relinked:
            yield digest, False


def plan_periods(
    store: Store,
    bucket: SiteBucket,
    all_days: Iterable[date],
    digests: Mapping[date, Digest],
    changed: Iterable[date],
    everything: bool,
    ranking: RankingConfig,
    missing: bool = True,
) -> PeriodPlan:
    """What to build and render again; `digests` are the full digests already in memory (not modified).
    `missing`: also every period whose page is not in the bucket (a rebuild's shards but its last: not)."""
    all_days = list(all_days)
    grouped = {kind: dict(days_by_period(all_days, kind)) for kind in KINDS}
    plan = PeriodPlan(order={kind: sorted(groups) for kind, groups in grouped.items()})
    changed = set(changed)
    affected: set[Period] = set()
    for groups in grouped.values():
        for period, days in groups.items():
            if everything or changed.intersection(days) or (missing and not bucket.has(period_page_key(period))):
                affected.add(period)
    neighbours: set[Period] = set()
    for period in affected:
        neighbours.update(p for p in plan.neighbours(period) if p is not None and p not in affected)
    stored: dict[Period, PeriodDigest] = {}
    documents = store.period_digest_jsons([(p.kind, p.name) for p in sorted(neighbours)]) if neighbours else {}
    for period in sorted(neighbours):
        document = documents.get((period.kind, period.name))
        if document is None:  # its page is up but its item is not (a table restored alone): build it again
            affected.add(period)
        else:
            stored[period] = PeriodDigest.from_dict(json.loads(document))

    digests = dict(digests)
    needed = {day for period in affected for day in grouped[period.kind][period]}
    absent = sorted(needed - set(digests))
    if absent:
        digests.update(store.get_digests(absent))
    for period in sorted(affected):
        days = grouped[period.kind][period]
        plan.built.append(build_period_digest(period, {day: digests[day] for day in days if day in digests}, ranking))
    plan.relinked = [stored[period] for period in sorted(stored)]
    return plan
