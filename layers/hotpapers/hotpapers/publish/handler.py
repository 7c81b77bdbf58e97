"""The publish stage's entry: parse the event, build the publisher from settings, run it, emit metrics.

`functions/publish/app.py` calls `handle`. From the publish queue (the bus rule's target) an SQS batch of
"Collect Finished" events arrives: Powertools' BatchProcessor reads each record's day, records that are not
such an event are answered as `batchItemFailures` (they reach the dead-letter queue after maxReceiveCount),
and the good records' days are published together in one run. The queue also carries the shards of a full
rebuild (publish/rebuild.py): `{"all": true}` sends the first, and each shard, run here, sends the next.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from hotpapers.core.clock import Clock, SystemClock
from hotpapers.core.events import PublishRequest, RebuildShard, is_sqs_event, parse_publish_event, sqs_records
from hotpapers.core.observability import logged_rejection, logger, metrics, record_failure
from hotpapers.core.settings import Settings

if TYPE_CHECKING:
    from hotpapers.publish.bucket import SiteBucket
    from hotpapers.publish.publisher import Publisher, PublishResult
    from hotpapers.publish.rebuild import SendShard

Progress = Callable[[str], None]


def _default_publisher(settings: Settings, clock: Clock) -> Publisher:
    return build_publisher(settings, clock)


def handle(
    event: Any,
    settings: Settings | None = None,
    clock: Clock | None = None,
    make_publisher: Callable[[Settings, Clock], Publisher] = _default_publisher,
) -> dict[str, Any]:
    """Parse first: a malformed event is rejected before anything is read or written."""
    from aws_lambda_powertools.metrics import MetricUnit

    clock = clock or SystemClock()
    failures: dict[str, Any] = {"batchItemFailures": []}
    with logged_rejection("publish"):
        if is_sqs_event(event):
            request, failures = _queue_request(event, clock)
        else:
            request = parse_publish_event(event, today=clock.now().date())
    settings = settings or Settings.from_env()
    logger.append_keys(
        trigger=request.trigger, days=[day.isoformat() for day in request.days], everything=request.everything
    )
    try:
        # From the queue, a failure raises too: the whole batch comes back, since one run covered it all.
        result, rebuild = _run(request, settings, clock, make_publisher)
    except Exception as exc:
        record_failure("PublishFailures", "publish failed", exc)
        raise
    metrics.add_metric(name="DigestsPublished", unit=MetricUnit.Count, value=len(result.days))
    metrics.add_metric(name="ObjectsUploaded", unit=MetricUnit.Count, value=result.objects_put)
    answer = {**result.to_dict(), **({"rebuild": rebuild} if rebuild else {})}
    return {**answer, **failures} if request.trigger == "queue" else answer


def _run(
    request: PublishRequest, settings: Settings, clock: Clock, make_publisher: Callable[[Settings, Clock], Publisher]
) -> tuple[PublishResult, dict[str, Any] | None]:
    """Publish the request's days; run the rebuild shards it carries, or start a rebuild ({"all": true})."""
    from hotpapers.publish.publisher import PublishResult
    from hotpapers.publish.rebuild import Rebuild, merge_results

    if not request.days and not request.shards and not request.everything:
        return PublishResult(), None  # from the queue: only bad records, nothing to publish
    publisher = make_publisher(settings, clock)
    rebuild = Rebuild(publisher, settings.rebuild_shard_days, build_shard_sender(settings))
    if request.everything:
        rebuild_id = f"{clock.now():%Y%m%dT%H%M%SZ}-{uuid4().hex[:8]}"
        result, first = rebuild.start(rebuild_id)
        return result, {"id": rebuild_id, "queued": rebuild.send is not None and first is not None}
    result = publisher.run(request) if request.days else PublishResult()
    shards = []
    for shard in request.shards:
        part, following = rebuild.run_shard(shard)
        merge_results(result, part)
        shards.append({"id": shard.rebuild_id, "shard": shard.number, "next": following.number if following else None})
    return result, {"shards": shards} if shards else None


def build_shard_sender(settings: Settings) -> SendShard | None:
    """What sends a rebuild's next shard to the publish queue; None without a queue (local: run in-process)."""
    queue_url = settings.publish_queue_url
    if queue_url is None:
        return None
    from hotpapers.core.aws import client

    sqs = client("sqs", settings.endpoint_url, settings.region)

    def send(shard: RebuildShard) -> None:
        sqs.send_message(QueueUrl=queue_url, MessageBody=shard.body())

    return send


def _queue_request(event: Any, clock: Clock) -> tuple[PublishRequest, dict[str, Any]]:
    """The days and rebuild shards of a publish-queue batch, and its partial batch response (the bad records).

    Raises InvalidEvent for a broken envelope: it has no message id to report a failure under.
    """
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from hotpapers.core.events import InvalidEvent, SqsRecord, parse_publish_record

    sqs_records(event)
    today = clock.now().date()
    days: set[date] = set()
    shards: dict[RebuildShard, None] = {}  # one shard delivered twice in a batch runs once

    def note_day(record: SQSRecord) -> None:
        try:
            found = parse_publish_record(SqsRecord(record.message_id, record.body), today)
        except InvalidEvent as error:
            logger.error("rejected a malformed message", extra={"message_id": record.message_id, "reason": str(error)})
            raise
        if isinstance(found, RebuildShard):
            shards[found] = None
        else:
            days.add(found)

    # A batch of nothing but bad records is answered with its item failures, not raised: each reaches the
    # dead-letter queue on its own after maxReceiveCount, and the invocation is no Lambda error.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    with processor(records=event["Records"], handler=note_day):
        processor.process()
    request = PublishRequest(tuple(sorted(days)), False, "queue", shards=tuple(shards))
    return request, dict(processor.response())


def build_publisher(settings: Settings, clock: Clock | None = None, progress: Progress | None = None) -> Publisher:
    """The publisher with its real dependencies, from settings."""
    from hotpapers.core.store import build_store
    from hotpapers.publish.publisher import Publisher
    from hotpapers.publish.site import SiteConfig

    clock = clock or SystemClock()
    return Publisher(
        store=build_store(settings, clock),
        bucket=build_site_bucket(settings),
        site=SiteConfig.from_settings(settings),
        ranking=settings.ranking(),
        progress=progress or (lambda message: logger.info(message)),
    )


def build_site_bucket(settings: Settings) -> SiteBucket:
    from hotpapers.core.aws import client
    from hotpapers.publish.bucket import SiteBucket

    return SiteBucket(settings.bucket, client("s3", settings.endpoint_url, settings.region))
