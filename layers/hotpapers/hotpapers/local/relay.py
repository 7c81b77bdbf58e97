"""The bus → publisher hop, locally.

In AWS, the template's EventBridge rule invokes PublishFunction with each
"Collect Finished" event. moto cannot invoke a Lambda without Docker, so
locally the same rule (the pattern is read from template.yaml) delivers to an
SQS queue, and `drain` hands each delivered event, exactly as EventBridge
shaped it, to the real publish handler.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from hotpapers.core.aws import client
from hotpapers.core.settings import Settings

RULE_SOURCE = ("PublishFunction", "CollectFinished")


def publish_pattern(template: dict[str, Any]) -> dict[str, Any] | None:
    function, event = RULE_SOURCE
    try:
        properties = template["Resources"][function]["Properties"]["Events"][event]["Properties"]
    except KeyError:
        return None
    pattern = properties.get("Pattern")
    return pattern if isinstance(pattern, dict) else None


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


def drain(settings: Settings) -> list[dict[str, Any]]:
    """Every event the rule has delivered so far, removed from the queue."""
    _, queue_name = relay_names(settings)
    sqs = client("sqs", settings.endpoint_url, settings.region)
    queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    delivered: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return delivered
        for message in messages:
            delivered.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def relay_collect_finished() -> list[dict[str, Any]]:
    """Hand each Collect Finished event the bus delivered to the real publish handler, as AWS does."""
    from hotpapers.local.console import print_publish_summary
    from hotpapers.local.invoke import invoke

    results = []
    for event in drain(Settings.from_env()):
        print(f"bus: {event['detail-type']} for {event['detail']['date']} -> publish handler", file=sys.stderr)
        result = invoke("publish", event, keep_stdout=False)
        print_publish_summary(result)
        results.append(result)
    return results
