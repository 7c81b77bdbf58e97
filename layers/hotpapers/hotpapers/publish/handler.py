"""The publish stage's entry: parse the event, build the publisher from settings, run it, emit metrics.

`functions/publish/app.py` calls `handle`. From the publish queue (the bus rule's target) an SQS batch of
"Collect Finished" events arrives: Powertools' BatchProcessor reads each record's day, records that are not
such an event are answered as `batchItemFailures` (they reach the dead-letter queue after maxReceiveCount),
and the good records' days are published together in one run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from hotpapers.core.clock import Clock, SystemClock
from hotpapers.core.events import PublishRequest, is_sqs_event, parse_publish_event, sqs_records
from hotpapers.core.observability import logged_rejection, logger, metrics, record_failure
from hotpapers.core.settings import Settings

if TYPE_CHECKING:
    from hotpapers.publish.bucket import SiteBucket
    from hotpapers.publish.publisher import Publisher

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
    if request.trigger == "queue" and not request.days:
        from hotpapers.publish.publisher import PublishResult

        return {**PublishResult().to_dict(), **failures}  # nothing to publish: only bad records
    try:
        # From the queue, a failure raises too: the whole batch comes back, since one run covered it all.
        result = make_publisher(settings, clock).run(request)
    except Exception as exc:
        record_failure("PublishFailures", "publish failed", exc)
        raise
    metrics.add_metric(name="DigestsPublished", unit=MetricUnit.Count, value=len(result.days))
    metrics.add_metric(name="ObjectsUploaded", unit=MetricUnit.Count, value=result.objects_put)
    return {**result.to_dict(), **failures} if request.trigger == "queue" else result.to_dict()


def _queue_request(event: Any, clock: Clock) -> tuple[PublishRequest, dict[str, Any]]:
    """The days of a publish-queue batch, and its partial batch response (the records that hold no day).

    Raises InvalidEvent for a broken envelope: it has no message id to report a failure under.
    """
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from hotpapers.core.events import InvalidEvent, SqsRecord, parse_publish_record

    sqs_records(event)
    today = clock.now().date()
    days: set[date] = set()

    def note_day(record: SQSRecord) -> None:
        try:
            days.add(parse_publish_record(SqsRecord(record.message_id, record.body), today))
        except InvalidEvent as error:
            logger.error("rejected a malformed message", extra={"message_id": record.message_id, "reason": str(error)})
            raise

    # A batch of nothing but bad records is answered with its item failures, not raised: each reaches the
    # dead-letter queue on its own after maxReceiveCount, and the invocation is no Lambda error.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    with processor(records=event["Records"], handler=note_day):
        processor.process()
    return PublishRequest(tuple(sorted(days)), False, "queue"), dict(processor.response())


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
