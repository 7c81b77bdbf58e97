"""`hotpapers backfill`: one message per day on the collect queue, then watch it drain.

The queue does the work, here as in AWS: one message group, so days are collected one at a time;
a day that fails or runs out of time comes back after the visibility timeout and resumes; after
maxReceiveCount it is parked in the dead-letter queue. In AWS, CollectFunction's event source mapping
consumes the queue and this command only watches. Where nothing consumes it (the embedded AWS, a
running emulator), `relay_collect_queue` does what the mapping does: it hands each message, as an SQS
event of one record, to the real collect handler, deletes it on success and leaves it (to come back
after the visibility timeout) on a reported batch item failure.

Deduplication: MessageDeduplicationId is "<day>:<sources>" ("all" when none are named). SQS drops a
message whose id it has seen in the last 5 minutes, so the same day enqueued twice in that window (a
command run twice, a retried SendMessageBatch) is one message, while a repair of the day enqueued
later is a new message and is collected again. Nothing time-based goes into the id: two sends of the
same day a few seconds apart must never both get through because they fell on either side of a boundary.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hotpapers.core.aws import client
from hotpapers.core.settings import Settings

MESSAGE_GROUP = "collect"  # the template's schedule uses the same group: one day at a time, everywhere
SEND_BATCH = 10  # SendMessageBatch's limit


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def message_body(day: date, sources: Sequence[str] | None) -> dict[str, Any]:
    """A collect event for one day, as the handler accepts it by hand."""
    return {"date": day.isoformat(), **({"sources": list(sources)} if sources else {})}


def deduplication_id(day: date, sources: Sequence[str] | None) -> str:
    return f"{day.isoformat()}:{'+'.join(sources) if sources else 'all'}"


def queue_url(settings: Settings) -> str:
    """HOTPAPERS_COLLECT_QUEUE as a URL (it may be one already: the stack's CollectQueueUrl output)."""
    if settings.collect_queue.startswith(("http://", "https://")):
        return settings.collect_queue
    sqs = client("sqs", settings.endpoint_url, settings.region)
    return sqs.get_queue_url(QueueName=settings.collect_queue)["QueueUrl"]


def enqueue_days(settings: Settings, days: Sequence[date], sources: Sequence[str] | None = None) -> int:
    """One message per day, SEND_BATCH per request, all in one message group; the messages sent."""
    sqs = client("sqs", settings.endpoint_url, settings.region)
    url = queue_url(settings)
    for start in range(0, len(days), SEND_BATCH):
        entries = [
            {
                "Id": str(position),
                "MessageBody": json.dumps(message_body(day, sources)),
                "MessageGroupId": MESSAGE_GROUP,
                "MessageDeduplicationId": deduplication_id(day, sources),
            }
            for position, day in enumerate(days[start : start + SEND_BATCH])
        ]
        failed = sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed", [])
        if failed:
            reasons = "; ".join(f"{f.get('Code')}: {f.get('Message', '')}" for f in failed[:3])
            raise RuntimeError(f"the collect queue refused {len(failed)} of {len(entries)} days: {reasons}")
    return len(days)


@dataclass
class Progress:
    total: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    failures: int = 0
    depth: int = 0

    def line(self) -> str:
        width = 30
        filled = width * self.done // self.total if self.total else width
        elapsed = int(time.monotonic() - self.started)
        return (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} days  queue {self.depth}  "
            f"failures {self.failures}  {elapsed // 60}:{elapsed % 60:02d}"
        )


Show = Callable[[Progress], None]


def progress_bar(stream: Any = None) -> Show:
    """The progress on one stderr line, redrawn in place on a terminal (one line per update elsewhere)."""
    stream = stream or sys.stderr
    redraw = stream.isatty()

    def show(progress: Progress) -> None:
        stream.write(("\r" if redraw else "") + progress.line() + ("" if redraw else "\n"))
        stream.flush()

    return show


def queue_message_counts(sqs: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) messages of the queue (SQS's approximate counts)."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def relay_collect_queue(
    settings: Settings,
    progress: Progress,
    show: Show = lambda progress: None,
    on_day: Callable[[dict[str, Any]], None] = lambda summary: None,
) -> Progress:
    """Do what CollectFunction's event source mapping does in AWS, until the queue is empty.

    It stops early when only failed days are left: they are invisible until their visibility timeout
    ends, and in one FIFO message group they hold back every day behind them. Locally the command then
    says so; with a running emulator, a later `hotpapers backfill` (or this relay) picks them up.
    """
    from hotpapers_local.invoke import invoke
    from hotpapers_local.relay import sqs_event

    sqs = client("sqs", settings.endpoint_url, settings.region)
    url = queue_url(settings)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    empty_polls = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        visible, in_flight = queue_message_counts(sqs, url)
        progress.depth = visible + in_flight
        if not messages:
            if progress.depth == 0 or progress.failures or empty_polls >= 5:
                show(progress)
                return progress
            empty_polls += 1  # an emulator's counts can lag its receives for a moment
            time.sleep(0.2)
            continue
        empty_polls = 0
        (message,) = messages
        result = invoke("collect", sqs_event([message], arn, settings.region), keep_stdout=False)
        failed = {failure["itemIdentifier"] for failure in result.get("batchItemFailures", [])}
        if message["MessageId"] in failed:
            progress.failures += 1  # left in the queue: it comes back after the visibility timeout
        else:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            progress.done += 1
        for summary in result.get("days", []):
            on_day(summary)
        show(progress)


def dead_letter_url(settings: Settings) -> str | None:
    """The collect queue's dead-letter queue, from its RedrivePolicy."""
    sqs = client("sqs", settings.endpoint_url, settings.region)
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url(settings), AttributeNames=["RedrivePolicy"])
    policy = attributes.get("Attributes", {}).get("RedrivePolicy")
    if not policy:
        return None
    arn = json.loads(policy)["deadLetterTargetArn"]
    _, _, _, _, account, name = arn.split(":", 5)
    return sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]


def watch_queue(
    settings: Settings, progress: Progress, show: Show = lambda progress: None, interval: float = 10.0
) -> Progress:
    """In AWS the event source mapping collects: follow the queue (and its dead-letter queue) until it drains."""
    sqs = client("sqs", settings.endpoint_url, settings.region)
    url, dead = queue_url(settings), dead_letter_url(settings)
    dead_before = sum(queue_message_counts(sqs, dead)) if dead else 0
    while True:
        visible, in_flight = queue_message_counts(sqs, url)
        progress.depth = visible + in_flight
        # Other messages may share the queue (the daily schedule's): "done" counts this backfill's share.
        progress.done = max(progress.done, min(progress.total, progress.total - progress.depth))
        progress.failures = (sum(queue_message_counts(sqs, dead)) - dead_before) if dead else 0
        show(progress)
        if progress.depth == 0:
            return progress
        time.sleep(interval)


def consumed_in_aws(settings: Settings) -> bool:
    """Whether an event source mapping consumes the collect queue (a deployed stack: AWS or LocalStack)."""
    from botocore.exceptions import BotoCoreError, ClientError

    sqs = client("sqs", settings.endpoint_url, settings.region)
    try:
        arn = sqs.get_queue_attributes(QueueUrl=queue_url(settings), AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        mappings = client("lambda", settings.endpoint_url, settings.region).list_event_source_mappings(
            EventSourceArn=arn
        )["EventSourceMappings"]
    except (BotoCoreError, ClientError):
        # No answer about mappings (no permission, an emulator without Lambda): an emulator on this machine
        # has none; anywhere else, assume the deployed stack's mapping.
        endpoint = settings.endpoint_url or ""
        return not endpoint.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
    return any(mapping.get("State") not in ("Disabled", "Disabling") for mapping in mappings)
