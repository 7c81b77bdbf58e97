"""The sample day 2021-06-01 collected through the real collect handler, and what the publisher put in the bucket."""

from __future__ import annotations

from datetime import date

import pytest

from hotpapers.core import aws
from hotpapers.core.settings import Settings
from hotpapers_local.invoke import invoke

DAY = date(2021, 6, 1)


def collect_sample_day() -> None:
    invoke("collect", {"date": DAY.isoformat()})


def bucket_objects(settings: Settings) -> dict[str, dict]:
    s3 = aws.client("s3", settings.endpoint_url, settings.region)
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.bucket):
        for entry in page.get("Contents", []):
            head = s3.head_object(Bucket=settings.bucket, Key=entry["Key"])
            body = s3.get_object(Bucket=settings.bucket, Key=entry["Key"])["Body"].read()
            objects[entry["Key"]] = {"type": head["ContentType"], "cache": head.get("CacheControl"), "body": body}
    return objects


@pytest.fixture
def record_puts(env: Settings):
    """Keys of every PutObject the publisher's S3 client sends, in order, from the moment it is called."""
    s3 = aws.client("s3", env.endpoint_url, env.region)
    keys: list[str] = []
    recording = []

    def on_put(params, **_):
        if recording:
            keys.append(params["Key"])

    s3.meta.events.register("before-parameter-build.s3.PutObject", on_put)

    def start() -> list[str]:
        recording.append(True)
        return keys

    yield start
    s3.meta.events.unregister("before-parameter-build.s3.PutObject", on_put)
