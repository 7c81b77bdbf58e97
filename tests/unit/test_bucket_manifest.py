"""SiteBucket's manifest (internal/manifest.json.gz): read instead of listing, written after the objects.

An in-memory S3 client stands in for S3: it counts the requests and keeps bodies and MD5 ETags.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

import pytest

from hotpapers.publish.bucket import MANIFEST_KEY, SiteBucket
from hotpapers.publish.site import SiteObject


class NoSuchKey(Exception):
    pass


class FakeS3:
    """list_objects_v2 (pages of `page_size`), get_object, put_object; calls recorded in order."""

    class exceptions:  # noqa: N801 - boto3's client attribute
        NoSuchKey = NoSuchKey

    def __init__(self, page_size: int = 2) -> None:
        self.objects: dict[str, bytes] = {}
        self.calls: list[tuple[str, str]] = []
        self.page_size = page_size

    def list_objects_v2(self, Bucket: str, ContinuationToken: str | None = None) -> dict[str, Any]:  # noqa: N803
        self.calls.append(("list", ContinuationToken or ""))
        keys = sorted(self.objects)
        start = int(ContinuationToken or 0)
        page = keys[start : start + self.page_size]
        contents = [{"Key": k, "ETag": f'"{hashlib.md5(self.objects[k]).hexdigest()}"'} for k in page]
        more = start + self.page_size < len(keys)
        following = {"NextContinuationToken": str(start + self.page_size)} if more else {}
        return {"Contents": contents, "IsTruncated": more, **following}

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
        self.calls.append(("get", Key))
        if Key not in self.objects:
            raise NoSuchKey(Key)
        body = self.objects[Key]

        class Body:
            @staticmethod
            def read() -> bytes:
                return body

        return {"Body": Body(), "ContentType": "application/octet-stream"}

    def put_object(self, Bucket: str, Key: str, Body: bytes, **_: Any) -> None:  # noqa: N803
        self.calls.append(("put", Key))
        self.objects[Key] = Body

    def requests(self, kind: str) -> list[str]:
        return [key for verb, key in self.calls if verb == kind]


def site(*pairs: tuple[str, bytes]) -> list[list[SiteObject]]:
    return [[SiteObject(key, body, "text/html; charset=utf-8", "public, max-age=300") for key, body in pairs]]


def manifest_of(s3: FakeS3) -> dict[str, str]:
    document = json.loads(gzip.decompress(s3.objects[MANIFEST_KEY]))
    assert document["format"] == 1
    return document["objects"]


def publish(s3: FakeS3, *pairs: tuple[str, bytes], relist: bool = False) -> SiteBucket:
    bucket = SiteBucket("site", s3)
    if relist:
        bucket.relist()
    bucket.upload(site(*pairs))
    return bucket


def test_first_upload_lists_once_then_writes_the_manifest_after_the_objects() -> None:
    s3 = FakeS3()
    publish(s3, ("index.html", b"a"), ("feed.xml", b"b"))
    assert s3.requests("list") == [""]  # no manifest yet: one listing
    assert s3.requests("put") == ["index.html", "feed.xml", MANIFEST_KEY]  # the manifest last
    assert manifest_of(s3) == {k: hashlib.md5(s3.objects[k]).hexdigest() for k in ("index.html", "feed.xml")}


def test_a_later_upload_reads_the_manifest_and_lists_nothing() -> None:
    s3 = FakeS3()
    publish(s3, ("index.html", b"a"), ("feed.xml", b"b"), ("404.html", b"c"))
    s3.calls.clear()
    bucket = publish(s3, ("index.html", b"a2"), ("feed.xml", b"b"), ("404.html", b"c"))
    assert s3.requests("list") == []
    assert s3.requests("get") == [MANIFEST_KEY]
    assert s3.requests("put") == ["index.html", MANIFEST_KEY]
    assert bucket.stats.put == 1 and bucket.stats.unchanged == 2
    assert manifest_of(s3)["index.html"] == hashlib.md5(b"a2").hexdigest()


def test_an_unchanged_rerun_makes_no_put_not_even_the_manifest() -> None:
    s3 = FakeS3()
    publish(s3, ("index.html", b"a"))
    s3.calls.clear()
    publish(s3, ("index.html", b"a"))
    assert s3.requests("put") == []
    publish(s3, ("index.html", b"a"), relist=True)  # a full rebuild lists, and finds the manifest right
    assert s3.requests("put") == []


@pytest.mark.parametrize(
    "broken",
    [b"not gzip", gzip.compress(b"not json"), gzip.compress(b'{"format": 2, "objects": {}}'), gzip.compress(b"[]")],
)
def test_an_unreadable_manifest_falls_back_to_one_listing_and_is_rewritten(broken: bytes) -> None:
    s3 = FakeS3()
    publish(s3, ("index.html", b"a"), ("feed.xml", b"b"))
    s3.objects[MANIFEST_KEY] = broken
    s3.calls.clear()
    publish(s3, ("index.html", b"a"), ("feed.xml", b"b"))
    assert s3.requests("list") == ["", "2"]  # two pages of two keys (the manifest is not a site object)
    assert s3.requests("put") == [MANIFEST_KEY]  # the objects were right: only the manifest is repaired
    assert set(manifest_of(s3)) == {"index.html", "feed.xml"}


def test_a_publish_that_dies_before_the_manifest_costs_only_extra_puts() -> None:
    s3 = FakeS3()
    publish(s3, ("index.html", b"a"))
    stale = s3.objects[MANIFEST_KEY]
    publish(s3, ("index.html", b"a2"), ("new.html", b"n"))
    s3.objects[MANIFEST_KEY] = stale  # as if the process died after the objects, before the manifest
    s3.calls.clear()
    publish(s3, ("index.html", b"a2"), ("new.html", b"n"))
    assert s3.requests("put") == ["new.html", "index.html", MANIFEST_KEY]  # same bodies again, then the record
    assert s3.objects["index.html"] == b"a2" and s3.objects["new.html"] == b"n"


def test_a_full_rebuild_trusts_the_listing_over_a_wrong_manifest() -> None:
    s3 = FakeS3()
    publish(s3, ("index.html", b"a"), ("gone.html", b"g"))
    del s3.objects["gone.html"]  # deleted by hand: the manifest still names it
    s3.calls.clear()
    assert SiteBucket("site", s3).has("gone.html")
    bucket = publish(s3, ("index.html", b"a"), ("gone.html", b"g"), relist=True)
    assert bucket.stats.put == 1 and bucket.stats.unchanged == 1  # the listing shows it missing: PUT again
    assert s3.objects["gone.html"] == b"g"


def test_a_failed_put_is_not_recorded_and_no_manifest_is_written() -> None:
    s3 = FakeS3()
    publish(s3, ("index.html", b"a"))
    before = s3.objects[MANIFEST_KEY]
    put = s3.put_object

    def failing(Bucket: str, Key: str, Body: bytes, **rest: Any) -> None:  # noqa: N803
        if Key == "broken.html":
            raise OSError("S3 is down")
        put(Bucket=Bucket, Key=Key, Body=Body, **rest)

    s3.put_object = failing  # type: ignore[method-assign]
    with pytest.raises(OSError):
        publish(s3, ("broken.html", b"x"), ("index.html", b"a2"))
    assert s3.objects[MANIFEST_KEY] == before
    assert "broken.html" not in manifest_of(s3)


def test_internal_objects_are_not_site_objects() -> None:
    s3 = FakeS3()
    s3.objects["internal/digests/2021-06-01.json.gz"] = b"big digest"
    publish(s3, ("index.html", b"a"))
    assert set(manifest_of(s3)) == {"index.html"}
