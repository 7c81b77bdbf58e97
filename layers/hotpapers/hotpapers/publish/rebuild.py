"""A full rebuild ({"all": true}) in shards of consecutive collected days, one after the other.

One invocation cannot rebuild any archive: ten years at twice today's papers a day would pass Lambda's 900 s.
So a rebuild is cut into shards of at most `HOTPAPERS_REBUILD_SHARD_DAYS` collected days, oldest first. Each
shard publishes its days as an ordinary multi-day publish does (the days, their neighbours, their papers'
pages, their weeks and months, and the site-wide listings), the first one from a fresh listing of the bucket
(`SiteBucket.relist`, which rewrites the manifest). With a publish queue (AWS: `HOTPAPERS_PUBLISH_QUEUE_URL`),
`{"all": true}` only sends the first shard's message, and each shard sends the next one's only after it
succeeded: the shards stay sequential, so no two write the bucket's manifest at once, and a failed shard
comes back from the queue and is run again (re-run, it PUTs nothing unchanged). Without a queue (local runs)
the same shards run one after another in the process.

A shard's message may arrive twice (a standard queue delivers at least once; a shard that died after sending
its successor is run again and sends it again). After sending its successor a shard records
`{"id", "shard"}` in `internal/rebuild.json`; a message for a shard of that rebuild at or before the one
recorded is acknowledged and dropped. Two copies in flight at the same moment both run: harmless (the same
bytes twice), only slower.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from hotpapers.core.events import PublishRequest, RebuildShard
from hotpapers.core.observability import logger
from hotpapers.publish.bucket import INTERNAL_PREFIX
from hotpapers.publish.publisher import Publisher, PublishResult

REBUILD_PROGRESS_KEY = INTERNAL_PREFIX + "rebuild.json"

SendShard = Callable[[RebuildShard], None]


def shard_ranges(days: Iterable[date], size: int) -> list[tuple[date, date]]:
    """The days, oldest first, cut into consecutive ranges of at most `size` of them: (first, last) each."""
    if size < 1:
        raise ValueError(f"a shard holds at least one day, not {size}")
    ordered = sorted(set(days))
    return [(chunk[0], chunk[-1]) for chunk in (ordered[i : i + size] for i in range(0, len(ordered), size))]


def next_shard(days: Iterable[date], after: RebuildShard | None, size: int, rebuild_id: str) -> RebuildShard | None:
    """The shard after `after` (None: the first), from the days collected now; None when none is left.

    Computed from the store when it is needed, not planned once: a day collected during the rebuild is in a
    later shard, or is published by its own Collect Finished event.
    """
    later = sorted(day for day in set(days) if after is None or day > after.last)
    if not later:
        return None
    first, last = shard_ranges(later, size)[0]
    return RebuildShard(rebuild_id, 1 if after is None else after.number + 1, first, last)


def merge_results(total: PublishResult, part: PublishResult) -> PublishResult:
    total.days.extend(part.days)
    total.skipped.update(part.skipped)
    total.objects_put += part.objects_put
    total.objects_unchanged += part.objects_unchanged
    return total


@dataclass
class Rebuild:
    publisher: Publisher
    shard_days: int
    send: SendShard | None = None  # the publish queue; None: the shards run here, one after the other

    def start(self, rebuild_id: str) -> tuple[PublishResult, RebuildShard | None]:
        """Send the first shard (with a queue), or run every shard in turn; and the first shard."""
        first = next_shard(self.publisher.store.collected_days(), None, self.shard_days, rebuild_id)
        if first is None:
            # Nothing collected: the unsharded rebuild still renders whatever digests are stored.
            return self.publisher.run(PublishRequest((), True, "manual")), None
        if self.send is not None:
            self.send(first)
            logger.info("rebuild queued", extra={"rebuild": rebuild_id, "first": str(first.first)})
            return PublishResult(), first
        total = PublishResult()
        shard: RebuildShard | None = first
        while shard is not None:
            part, shard = self.run_shard(shard)
            merge_results(total, part)
        return total, first

    def run_shard(self, shard: RebuildShard) -> tuple[PublishResult, RebuildShard | None]:
        """Publish one shard's days, then send (or return) the next shard."""
        if self.send is not None and self._already_done(shard):
            logger.info(
                "rebuild shard already done: dropped", extra={"rebuild": shard.rebuild_id, "shard": shard.number}
            )
            return PublishResult(), None
        collected = self.publisher.store.collected_days()
        days = tuple(day for day in collected if shard.first <= day <= shard.last)
        if shard.number == 1:
            self.publisher.bucket.relist()  # what the bucket really holds, whatever the manifest says
        self.publisher.progress(f"rebuild {shard.rebuild_id}, shard {shard.number}: {len(days)} day(s)")
        following = next_shard(collected, shard, self.shard_days, shard.rebuild_id)
        # Pages the bucket lacks beyond the shard's days (an empty bucket lacks them all) wait for the last shard:
        # by then only those of stored days nobody collected are left.
        result = self.publisher.run(PublishRequest(days, False, "rebuild", repair_missing=following is None))
        if self.send is not None:
            if following is not None:
                self.send(following)  # only now: the shards stay one after the other
            self._record_done(shard)  # after the send: a shard that dies in between sends it again on its re-run
        logger.info(
            "rebuild shard finished",
            extra={"rebuild": shard.rebuild_id, "shard": shard.number, "days": len(days), "last": following is None},
        )
        return result, following

    def _already_done(self, shard: RebuildShard) -> bool:
        found = self.publisher.bucket.get(REBUILD_PROGRESS_KEY)
        if found is None:
            return False
        try:
            progress = json.loads(found[0])
            return bool(progress["id"] == shard.rebuild_id and int(progress["shard"]) >= shard.number)
        except (ValueError, KeyError, TypeError):
            return False  # unreadable: run the shard (harmless) rather than lose it

    def _record_done(self, shard: RebuildShard) -> None:
        body = json.dumps({"id": shard.rebuild_id, "shard": shard.number}).encode("utf-8")
        self.publisher.bucket.put_internal(REBUILD_PROGRESS_KEY, body, "application/json")
