"""Plain in-memory doubles of the collector's upstreams, for the fast unit tests of Collector and MetadataRepair.

The store needs none: `hotpapers.core.store_memory.MemoryStore` is the real `Store` over a dict.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from hotpapers.core.arxiv_ids import ArxivRef
from hotpapers.core.models import Paper, PaperLookupFailure, Post


def paper(arxiv_id: str, version: int = 1, category: str = "cs.LG") -> Paper:
    published = datetime(2021, 5, 31, 17, tzinfo=UTC)
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=f"Paper {arxiv_id} v{version}",
        abstract="An abstract.",
        authors=("A. Author",),
        categories=(category,),
        published=published,
        updated=published,
        abs_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
    )


def post(post_id: str, day: date, *arxiv_ids: str, likes: int = 10, source: str = "x") -> Post:
    return Post(
        source=source,
        post_id=post_id,
        url=f"https://x.com/someone/status/{post_id}",
        author_name="Someone",
        author_handle="someone",
        text=" ".join(f"https://arxiv.org/abs/{arxiv_id}" for arxiv_id in arxiv_ids),
        created_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        metrics={"retweets": 1, "likes": likes, "quotes": 0, "replies": 0},
        papers=tuple(
            ArxivRef(arxiv_id.split("v")[0], int(arxiv_id.split("v")[1]) if "v" in arxiv_id else None)
            for arxiv_id in arxiv_ids
        ),
    )


class FakeArxiv:
    """`ArxivClient`'s interface: metadata of the papers it knows; `down` refuses every request (a 429 storm)."""

    def __init__(self, papers: Sequence[Paper] = (), batch_size: int = 100) -> None:
        self.papers = {p.arxiv_id: p for p in papers}
        self.batch_size = batch_size
        self.min_interval = 0.0
        self.requests = 0
        self.asked: list[list[str]] = []  # the ids of each request, in order
        self.down = False

    def fetch(self, ids: Sequence[str]) -> tuple[dict[str, Paper], list[PaperLookupFailure]]:
        found: dict[str, Paper] = {}
        failures: list[PaperLookupFailure] = []
        for start in range(0, len(ids), self.batch_size):
            batch = list(ids[start : start + self.batch_size])
            self.requests += 1
            self.asked.append(batch)
            for arxiv_id in batch:
                if self.down:
                    failures.append(PaperLookupFailure(arxiv_id, "error", "429 Rate exceeded"))
                elif arxiv_id in self.papers:
                    found[arxiv_id] = self.papers[arxiv_id]
                else:
                    failures.append(PaperLookupFailure(arxiv_id, "not_found"))
        return found, failures

    def asked_ids(self) -> list[str]:
        return [arxiv_id for batch in self.asked for arxiv_id in batch]


class ListSource:
    """A `Source` serving fixed posts by day; `fail_on` days raise, as an upstream outage would."""

    def __init__(self, name: str, posts: Sequence[Post], fail_on: Callable[[date], bool] = lambda day: False) -> None:
        self.name = name
        self.posts = list(posts)
        self.fail_on = fail_on
        self.calls: list[date] = []

    def fetch_day(self, day: date) -> Iterator[Post]:
        self.calls.append(day)
        if self.fail_on(day):
            raise RuntimeError(f"{self.name} is down")
        yield from (p for p in self.posts if p.created_at.date() == day)


class MemoryS3:
    """The S3 client calls `SiteBucket` makes (list, put, get), over a dict: the real bucket logic, no S3."""

    class exceptions:  # noqa: N801 - botocore's spelling, which SiteBucket catches
        class NoSuchKey(Exception):
            pass

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.puts: list[str] = []

    def list_objects_v2(self, Bucket: str, **_: Any) -> dict[str, Any]:  # noqa: N803
        return {
            "Contents": [{"Key": key, "ETag": f'"{obj["etag"]}"'} for key, obj in sorted(self.objects.items())],
            "IsTruncated": False,
        }

    def put_object(self, Bucket: str, Key: str, Body: bytes, ContentType: str, CacheControl: str) -> None:  # noqa: N803
        etag = hashlib.md5(Body, usedforsecurity=False).hexdigest()
        self.objects[Key] = {"body": Body, "etag": etag, "type": ContentType, "cache": CacheControl}
        self.puts.append(Key)

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
        if Key not in self.objects:
            raise self.exceptions.NoSuchKey(Key)
        obj = self.objects[Key]
        return {"Body": io.BytesIO(obj["body"]), "ContentType": obj["type"], "CacheControl": obj["cache"]}
