"""Create the table, bucket, bus and collect queue that template.yaml defines, at the configured endpoint.

The schema is read from the template itself, so the emulator can never drift
from what `sam deploy` creates. Names come from the settings, because in AWS
CloudFormation names them and hands them to the functions as environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hotpapers.core.aws import client
from hotpapers.core.settings import Settings

TABLE_KEYS = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode")


class TemplateError(Exception):
    """template.yaml is missing or does not define what the project needs."""


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !GetAtt, !Sub …) as plain values."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"!{tag_suffix} on an unexpected node", node.start_mark)
    return {f"Fn::{tag_suffix}" if tag_suffix != "Ref" else "Ref": value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise TemplateError(f"no template at {path}")
    with path.open(encoding="utf-8") as handle:
        # Safe load (B506): _CfnLoader is a SafeLoader plus CloudFormation tags read as plain values.
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506  # nosec B506


def default_template_path() -> Path:
    """template.yaml of the project this package was installed from (an editable install from the clone)."""
    here = Path.cwd() / "template.yaml"
    if here.is_file():
        return here
    return Path(__file__).resolve().parents[2] / "template.yaml"


@dataclass
class Provisioned:
    table: str
    bucket: str
    event_bus: str
    created: list[str]
    relay_queue: str | None = None  # where the publish rule delivers locally (see relay.py)
    collect_queue: str | None = None  # the collect queue's URL (one message per day; see backfill.py)


def _resources_of_type(template: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    resources = template.get("Resources", {})
    return [(name, res.get("Properties", {})) for name, res in resources.items() if res.get("Type") == kind]


def only_resource(template: dict[str, Any], kind: str) -> dict[str, Any]:
    found = _resources_of_type(template, kind)
    if len(found) != 1:
        raise TemplateError(f"expected exactly one {kind} in template.yaml, found {len(found)}")
    return found[0][1]


def provision(settings: Settings, template_path: Path | None = None) -> Provisioned:
    """Idempotent: what exists already is left as it is."""
    template = load_template(template_path or default_template_path())
    table_props = only_resource(template, "AWS::DynamoDB::Table")
    only_resource(template, "AWS::S3::Bucket")
    only_resource(template, "AWS::Events::EventBus")
    created: list[str] = []

    dynamodb = client("dynamodb", settings.endpoint_url, settings.region)
    table_spec = {key: table_props[key] for key in TABLE_KEYS if key in table_props}
    try:
        dynamodb.create_table(TableName=settings.table, **table_spec)
        dynamodb.get_waiter("table_exists").wait(TableName=settings.table, WaiterConfig={"Delay": 1})
        created.append(f"table {settings.table}")
    except dynamodb.exceptions.ResourceInUseException:
        pass

    s3 = client("s3", settings.endpoint_url, settings.region)
    # Ask first: in us-east-1, S3 answers 200 to re-creating a bucket one already owns.
    if not _bucket_exists(s3, settings.bucket):
        if settings.region == "us-east-1":
            s3.create_bucket(Bucket=settings.bucket)
        else:
            s3.create_bucket(Bucket=settings.bucket, CreateBucketConfiguration={"LocationConstraint": settings.region})
        created.append(f"bucket {settings.bucket}")

    events = client("events", settings.endpoint_url, settings.region)
    try:
        events.create_event_bus(Name=settings.event_bus)
        created.append(f"event bus {settings.event_bus}")
    except events.exceptions.ResourceAlreadyExistsException:
        pass

    from hotpapers_local.relay import ensure_relay, publish_pattern

    pattern = publish_pattern(template)
    relay_queue = ensure_relay(settings, pattern) if pattern else None
    collect_queue = ensure_collect_queue(settings, template)
    return Provisioned(settings.table, settings.bucket, settings.event_bus, created, relay_queue, collect_queue)


# The attributes of the template's queues that mean the same locally (names and ARNs come from settings).
QUEUE_ATTRIBUTES = ("FifoQueue", "ContentBasedDeduplication", "VisibilityTimeout", "MessageRetentionPeriod")


def _queue_attributes(properties: dict[str, Any]) -> dict[str, str]:
    # SQS's API takes every attribute as a string ("true", "960").
    return {
        key: str(properties[key]).lower() if isinstance(properties[key], bool) else str(properties[key])
        for key in QUEUE_ATTRIBUTES
        if key in properties
    }


def ensure_collect_queue(settings: Settings, template: dict[str, Any]) -> str:
    """The collect queue and its dead-letter queue as the template defines them (FIFO, visibility timeout,
    redrive after maxReceiveCount), named from settings; idempotent. Returns the queue URL."""
    import json

    resources = template.get("Resources", {})
    try:
        queue_props = resources["CollectQueue"]["Properties"]
        dead_props = resources["CollectQueueDeadLetterQueue"]["Properties"]
    except KeyError:
        raise TemplateError("template.yaml defines no CollectQueue and CollectQueueDeadLetterQueue") from None
    sqs = client("sqs", settings.endpoint_url, settings.region)
    name = settings.collect_queue.rstrip("/").rsplit("/", 1)[-1]  # a name, or the last part of a queue URL
    dead_name = name.removesuffix(".fifo") + "-dead-letters" + (".fifo" if name.endswith(".fifo") else "")
    dead_url = sqs.create_queue(QueueName=dead_name, Attributes=_queue_attributes(dead_props))["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dead_arn, "maxReceiveCount": queue_props["RedrivePolicy"]["maxReceiveCount"]}
    attributes = {**_queue_attributes(queue_props), "RedrivePolicy": json.dumps(redrive)}
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def _bucket_exists(s3: Any, bucket: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
        return True
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
