"""The site bucket: upload only what changed, pages before the pages that link to them.

What the bucket holds (key → MD5 of the body) comes from the manifest the last publish wrote,
`internal/manifest.json.gz`: one GetObject instead of listing every object (a five-year bucket
holds ~41,000, 41 ListObjectsV2 pages: 3.8 s of a daily publish's 7 s CPU). The manifest is
written after the objects, and records only PUTs that succeeded: a publish that dies in between
leaves the previous manifest, which only costs extra PUTs of identical bodies on the re-run.
A missing or unreadable manifest, and a full rebuild (`relist`), fall back to one listing (S3
gives every object written in one PUT, no KMS, the MD5 of its body as ETag), and the upload
writes the manifest again: a re-run repairs it. An unchanged re-run makes zero PUTs.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from hotpapers.core.observability import logger
from hotpapers.publish.site import SiteObject

# Under internal/: never served (the bucket policy denies the prefix to CloudFront, the local server refuses it).
INTERNAL_PREFIX = "internal/"
MANIFEST_KEY = INTERNAL_PREFIX + "manifest.json.gz"
MANIFEST_FORMAT = 1

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
    manifest_reads: int = 0
    manifest_writes: int = 0
    keys_put: list[str] = field(default_factory=list)


class SiteBucket:
    def __init__(self, bucket: str, s3: Any) -> None:
        self.bucket = bucket
        self._s3 = s3
        self.stats = UploadStats()
        self._etags: dict[str, str] | None = None
        # The manifest as read (None: not read, or missing or unreadable): rewritten only when it changed.
        self._manifest: dict[str, str] | None = None
        self._lock = threading.Lock()

    def relist(self) -> None:
        """Take what the bucket holds from one listing, not the manifest (a full rebuild: the listing is
        cheap beside it, and it corrects a manifest gone wrong, e.g. objects deleted by hand)."""
        self._manifest = self._read_manifest()  # compared at the end: a correct one is not written again
        self._etags = self._listed_etags()

    def _existing_etags(self) -> dict[str, str]:
        if self._etags is None:
            self._manifest = self._read_manifest()
            self._etags = dict(self._manifest) if self._manifest is not None else self._listed_etags()
        return self._etags

    def _read_manifest(self) -> dict[str, str] | None:
        self.stats.manifest_reads += 1
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=MANIFEST_KEY)
        except self._s3.exceptions.NoSuchKey:
            logger.info("no manifest: listing the bucket once", extra={"key": MANIFEST_KEY})
            return None
        try:
            document = json.loads(gzip.decompress(response["Body"].read()))
            objects = document["objects"]
            if document.get("format") != MANIFEST_FORMAT or not isinstance(objects, dict):
                raise ValueError(f"not a manifest of format {MANIFEST_FORMAT}")
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in objects.items()):
                raise ValueError("a key or hash is not a string")
        except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
            logger.warning("unreadable manifest: listing the bucket once", extra={"error": str(error)})
            return None
        return objects

    def _write_manifest(self) -> None:
        """What the bucket now holds, if it differs from the manifest read: after the objects, never before."""
        if self._etags is None or self._etags == self._manifest:
            return
        document = {"format": MANIFEST_FORMAT, "objects": dict(sorted(self._etags.items()))}
        # mtime=0: the same holdings give the same bytes (tests compare whole buckets).
        body = gzip.compress(json.dumps(document, separators=(",", ":")).encode("utf-8"), mtime=0)
        self._s3.put_object(
            Bucket=self.bucket,
            Key=MANIFEST_KEY,
            Body=body,
            ContentType="application/gzip",
            CacheControl="no-store",
        )
        self.stats.manifest_writes += 1
        self._manifest = dict(self._etags)

    def _listed_etags(self) -> dict[str, str]:
        etags: dict[str, str] = {}
        params: dict[str, Any] = {"Bucket": self.bucket}
        while True:
            self.stats.list_requests += 1
            page = self._s3.list_objects_v2(**params)
            for entry in page.get("Contents", []):
                if not entry["Key"].startswith(INTERNAL_PREFIX):  # not the site's: the manifest, large digests
                    etags[entry["Key"]] = entry["ETag"].strip('"')
            if not page.get("IsTruncated"):
                break
            params["ContinuationToken"] = page["NextContinuationToken"]
        return etags

    def has(self, key: str) -> bool:
        """Whether the bucket holds `key`, from the manifest (or the one listing) `upload` reads anyway."""
        return key in self._existing_etags()

    def keys(self) -> frozenset[str]:
        """A snapshot of the keys the bucket holds, from the manifest (or the one listing) `upload` reads anyway:
        what the publish plan decides from (`publish/plan.py`)."""
        return frozenset(self._existing_etags())

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
        self._write_manifest()
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

    def put_internal(self, key: str, body: bytes, content_type: str) -> None:
        """Write one of the publisher's own records under internal/ (never served, never in the manifest)."""
        if not key.startswith(INTERNAL_PREFIX):
            raise ValueError(f"{key!r} is not under {INTERNAL_PREFIX}")
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, CacheControl="no-store")

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
