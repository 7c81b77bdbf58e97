"""The queue → function hops, locally (Lambda's event source mappings, which moto cannot run).

In AWS, the template's EventBridge rule puts each "Collect Finished" event on
the publish queue, and PublishFunction's event source mapping hands a batch of
them to the function as an SQS event. Locally the same rule (the pattern is read
from template.yaml) delivers to an SQS queue, and `relay_collect_finished` hands
every pending event, exactly as EventBridge shaped it, to the real publish
handler as ONE SQS event: days collected together are published in one run.
`sqs_event` builds that event shape for the collect queue's relay too (local/backfill.py).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from hotpapers.core.aws import client
from hotpapers.core.settings import Settings

RULE = "CollectFinishedRule"  # the template's rule that feeds the publish queue


def publish_pattern(template: dict[str, Any]) -> dict[str, Any] | None:
    try:
        pattern = template["Resources"][RULE]["Properties"]["EventPattern"]
    except KeyError:
        return None
    return pattern if isinstance(pattern, dict) else None


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """Received SQS messages as the SQS event Lambda's event source mapping would hand the function."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def relay_names(settings: Settings) -> tuple[str, str]:
    return f"{settings.event_bus}-collect-finished", f"{settings.event_bus}-publish-relay"


def ensure_relay(settings: Settings, pattern: dict[str, Any]) -> str:
    """Create (idempotently) the queue and the rule that feeds it; return the queue URL."""
    rule_name, queue_name = relay_names(settings)
    sqs = client("sqs", settings.endpoint_url, settings.region)
    events = client("events", settings.endpoint_url, settings.region)
    queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=rule_name, EventBusName=settings.event_bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule_name, EventBusName=settings.event_bus, Targets=[{"Id": "publish", "Arn": queue_arn}])
    return queue_url


def drain_messages(settings: Settings) -> tuple[list[dict[str, Any]], str]:
    """Every message the rule has delivered so far, removed from the queue; and the queue's ARN."""
    _, queue_name = relay_names(settings)
    sqs = client("sqs", settings.endpoint_url, settings.region)
    queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    delivered: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return delivered, queue_arn
        for message in messages:
            delivered.append(message)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def drain(settings: Settings) -> list[dict[str, Any]]:
    """Every event the rule has delivered so far, removed from the queue."""
    return [json.loads(message["Body"]) for message in drain_messages(settings)[0]]


def relay_collect_finished() -> list[dict[str, Any]]:
    """Hand every Collect Finished event the bus delivered to the real publish handler as one SQS batch,
    as the publish queue's mapping does; a list of that one result (empty when nothing was delivered)."""
    from hotpapers_local.console import print_publish_summary
    from hotpapers_local.invoke import invoke

    settings = Settings.from_env()
    messages, queue_arn = drain_messages(settings)
    if not messages:
        return []
    days = sorted({json.loads(message["Body"]).get("detail", {}).get("date", "?") for message in messages})
    shown = days[0] if len(days) == 1 else f"{len(days)} days, {days[0]} .. {days[-1]}"
    print(f"bus: Collect Finished for {shown} -> publish handler (one batch)", file=sys.stderr)
    result = invoke("publish", sqs_event(messages, queue_arn, settings.region), keep_stdout=False)
    print_publish_summary(result)
    return [result]
