"""The site bucket: upload only what changed, pages before the pages that link to them.

S3 gives every object written in one PUT (no KMS) the MD5 of its body as ETag,
so one ListObjectsV2 page tells which of 1,000 objects changed, with no GET
or HEAD per object. An unchanged re-run makes zero PUTs.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from hotpapers.publish.site import SiteObject

UPLOAD_THREADS = 8
# Changed objects are PUT in windows of this many: a phase given as a generator is rendered
# only a window ahead of the uploads, which bounds the memory of a five-year rebuild.
UPLOAD_WINDOW = 64
# At most this many updates of existing keys are held back behind a phase's new keys (see upload).
UPDATES_HELD = 4 * UPLOAD_WINDOW


@dataclass
class UploadStats:
    put: int = 0
    unchanged: int = 0
    list_requests: int = 0
    keys_put: list[str] = field(default_factory=list)


class SiteBucket:
    def __init__(self, bucket: str, s3: Any) -> None:
        self.bucket = bucket
        self._s3 = s3
        self.stats = UploadStats()
        self._etags: dict[str, str] | None = None
        self._lock = threading.Lock()

    def _existing_etags(self) -> dict[str, str]:
        if self._etags is None:
            etags: dict[str, str] = {}
            params: dict[str, Any] = {"Bucket": self.bucket}
            while True:
                self.stats.list_requests += 1
                page = self._s3.list_objects_v2(**params)
                for entry in page.get("Contents", []):
                    etags[entry["Key"]] = entry["ETag"].strip('"')
                if not page.get("IsTruncated"):
                    break
                params["ContinuationToken"] = page["NextContinuationToken"]
            self._etags = etags
        return self._etags

    def has(self, key: str) -> bool:
        """Whether the bucket holds `key`, from the one listing `upload` makes anyway."""
        return key in self._existing_etags()

    def upload(self, phases: Sequence[Iterable[SiteObject]]) -> UploadStats:
        """Upload each phase's changed objects, one phase after the other.

        Within a phase, PUTs run in parallel; a phase starts only when the one
        before it is complete, so an index never links to a page not yet there.
        """
        etags = self._existing_etags()
        with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
            for phase in phases:
                window: list[tuple[SiteObject, str]] = []
                # Updates of keys already online wait until the phase's new keys are up: an updated
                # page may now link to one of them (a day's previous day gains a "next" link, an
                # older archive month a "later month" link, the category index a new category).
                # Found by killing the publisher mid-upload (tests/reliability/test_crash_consistency.py).
                held: list[tuple[SiteObject, str]] = []
                for obj in phase:
                    digest = hashlib.md5(obj.body, usedforsecurity=False).hexdigest()
                    if etags.get(obj.key) == digest:
                        self.stats.unchanged += 1
                        continue
                    if obj.key in etags:
                        held.append((obj, digest))
                        if len(held) == UPDATES_HELD:
                            # Only a bulk rebuild holds this many, and memory wins there: the new
                            # keys seen so far go first, the held updates right after.
                            list(pool.map(self._put, window))
                            list(pool.map(self._put, held))
                            window, held = [], []
                        continue
                    window.append((obj, digest))
                    if len(window) == UPLOAD_WINDOW:
                        # list() waits for the window and re-raises the first failed PUT.
                        list(pool.map(self._put, window))
                        window = []
                list(pool.map(self._put, window))
                list(pool.map(self._put, held))

        return self.stats

    def _put(self, item: tuple[SiteObject, str]) -> None:
        obj, digest = item
        self._s3.put_object(
            Bucket=self.bucket,
            Key=obj.key,
            Body=obj.body,
            ContentType=obj.content_type,
            CacheControl=obj.cache_control,
        )
        with self._lock:
            assert self._etags is not None
            self._etags[obj.key] = digest
            self.stats.put += 1
            self.stats.keys_put.append(obj.key)

    def get(self, key: str) -> tuple[bytes, str, str | None] | None:
        """An object's body, content type and cache-control (for the local server), or None."""
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=key)
        except self._s3.exceptions.NoSuchKey:
            return None
        return (
            response["Body"].read(),
            response.get("ContentType", "application/octet-stream"),
            response.get("CacheControl"),
        )
