"""Digest bodies too large for a DynamoDB item, kept in S3 beside the site under a key it never serves.

DynamoDB refuses an item over 400 KB, and a digest's gzip body passes that at about 240 listed
papers. Such a body goes to `internal/digests/<day>.json.gz` in the site bucket (CloudFront's
bucket policy denies `internal/*`, and the site links nothing there), and the digest item keeps
`body_key` instead of `body_gz`. The client is created on first use: a small digest, the usual
case, costs no S3 client in the API's cold start.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

INTERNAL_PREFIX = "internal/"
# A body above this goes to S3; below it the whole item stays under 400 KB with room to spare for
# its keys and other attributes.
INLINE_BODY_LIMIT = 350_000


def digest_body_key(day: date) -> str:
    return f"{INTERNAL_PREFIX}digests/{day.isoformat()}.json.gz"


def period_body_key(kind: str, name: str) -> str:
    """A week's or month's large body: 'internal/digests/weeks/2021-W22.json.gz'."""
    return f"{INTERNAL_PREFIX}digests/{kind}s/{name}.json.gz"


class DigestBodies:
    """Get and put large digest bodies (gzip bytes) in one bucket."""

    def __init__(self, bucket: str, s3_factory: Callable[[], Any]) -> None:
        self.bucket = bucket
        self._factory = s3_factory
        self._s3: Any = None
        self.requests = 0

    def _client(self) -> Any:
        if self._s3 is None:
            self._s3 = self._factory()
        return self._s3

    def put(self, key: str, body: bytes) -> None:
        self.requests += 1
        # Private and never cached by a proxy: it is the API's and the publisher's, not the site's.
        self._client().put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType="application/gzip", CacheControl="no-store"
        )

    def get(self, key: str) -> bytes:
        self.requests += 1
        body: bytes = self._client().get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body
