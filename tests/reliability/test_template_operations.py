"""Operations in template.yaml, read from the template itself: the API stage is throttled, every log group
has a retention, every asynchronous invocation a failure destination, and the alarms and the dashboard cover
what can fail."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from hotpapers.core.source_names import SOURCE_NAMES
from tests.support import ledger
from tests.support import template_model as tm
from tests.support.template_model import FUNCTIONS, dead_letter_queues, props, ref_name

pytestmark = [pytest.mark.reliability, pytest.mark.integration]


def test_api_stage_is_throttled(template: dict[str, Any], expanded: dict[str, Any]) -> None:
    stages = tm.resources(expanded, "AWS::ApiGateway::Stage")
    assert len(stages) == 1
    settings = next(iter(stages.values()))["Properties"]["MethodSettings"]
    everything = [s for s in settings if s["ResourcePath"] == "/*" and s["HttpMethod"] == "*"]
    assert len(everything) == 1
    rate, burst = ref_name(everything[0]["ThrottlingRateLimit"]), ref_name(everything[0]["ThrottlingBurstLimit"])
    parameters = template["Parameters"]
    rate_default, burst_default = parameters[rate]["Default"], parameters[burst]["Default"]
    assert 1 <= rate_default <= 1000 and rate_default <= burst_default <= 5000, (rate_default, burst_default)
    assert parameters[rate]["MinValue"] >= 1 and parameters[burst]["MinValue"] >= 1
    # No route overrides the stage limit without one of its own.
    for setting in settings:
        assert "ThrottlingRateLimit" in setting and "ThrottlingBurstLimit" in setting, setting
    assert everything[0]["DataTraceEnabled"] is False  # bodies are never logged
    responses = props(template, "HotpapersApi")["GatewayResponses"]
    assert responses["THROTTLED"]["StatusCode"] == "429"
    ledger.record(
        "template_security",
        check="API stage throttled on every method",
        resources=len(settings),
        result="pass",
        detail=f"rate {rate_default}/s, burst {burst_default} by default (parameters {rate}, {burst}); 429 in "
        "the project's JSON error shape; no data trace",
    )


def test_every_log_group_has_a_retention(template: dict[str, Any]) -> None:
    groups = tm.resources(template, "AWS::Logs::LogGroup")
    for name, group in groups.items():
        assert ref_name(group["Properties"]["RetentionInDays"]) == "LogRetentionDays", name
    for function in FUNCTIONS:
        properties = props(template, function)
        group = ref_name(properties["LoggingConfig"]["LogGroup"])
        assert group in groups, function
        function_name = properties["FunctionName"]["Fn::Sub"]
        assert groups[group]["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{function_name}"}, function
    api_groups = {tm.text_of(g["Properties"]["LogGroupName"]) for g in groups.values()}
    assert "API-Gateway-Execution-Logs_${HotpapersApi}/api" in api_groups
    access = ref_name(props(template, "HotpapersApi")["AccessLogSetting"]["DestinationArn"])
    assert access in groups
    retention = template["Parameters"]["LogRetentionDays"]
    assert 1 <= retention["Default"] <= 3653
    ledger.record(
        "template_security",
        check="every function's and the API's log groups are declared with a retention",
        resources=len(groups),
        result="pass",
        detail=f"{len(FUNCTIONS)} /aws/lambda/<function> groups, API access and execution groups; "
        f"RetentionInDays = LogRetentionDays (default {retention['Default']})",
    )


def test_every_async_invocation_has_a_failure_destination(expanded: dict[str, Any], template: dict[str, Any]) -> None:
    schedules = tm.resources(expanded, "AWS::Scheduler::Schedule")
    rules = tm.resources(expanded, "AWS::Events::Rule")
    configs = tm.resources(expanded, "AWS::Lambda::EventInvokeConfig")
    queues = tm.resources(template, "AWS::SQS::Queue")
    assert len(schedules) == 1 and len(rules) == 1
    targets = [schedule["Properties"]["Target"] for schedule in schedules.values()]
    targets += [target for rule in rules.values() for target in rule["Properties"]["Targets"]]
    delivered = set()
    for target in targets:
        delivered.add(ref_name(target["Arn"]))
        queue = ref_name(target["DeadLetterConfig"]["Arn"])
        assert queue in queues, target
        policy = target["RetryPolicy"]
        assert 0 <= policy["MaximumRetryAttempts"] <= 5 and 60 <= policy["MaximumEventAgeInSeconds"] <= 86400
    # The schedule and the rule deliver to the work queues; each function consumes its own through a
    # mapping that reports batch item failures, and each work queue redrives to a dead-letter queue.
    assert delivered == {"CollectQueue", "PublishQueue"}
    mappings = tm.resources(expanded, "AWS::Lambda::EventSourceMapping")
    consumed = {
        ref_name(m["Properties"]["FunctionName"]): ref_name(m["Properties"]["EventSourceArn"])
        for m in mappings.values()
    }
    assert consumed == {"CollectFunction": "CollectQueue", "PublishFunction": "PublishQueue"}, consumed
    for mapping in mappings.values():
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props(template, "CollectQueue")["FifoQueue"] is True
    assert props(template, "CollectQueueDeadLetterQueue")["FifoQueue"] is True
    assert [
        m["Properties"]["BatchSize"]
        for m in mappings.values()
        if ref_name(m["Properties"]["EventSourceArn"]) == "CollectQueue"
    ] == [1]
    for work_queue, dead_letters in (
        ("CollectQueue", "CollectQueueDeadLetterQueue"),
        ("PublishQueue", "PublishDeadLetterQueue"),
    ):
        redrive = props(template, work_queue)["RedrivePolicy"]
        assert ref_name(redrive["deadLetterTargetArn"]) == dead_letters and 1 <= redrive["maxReceiveCount"] <= 10
        # AWS: a mapping's queue hides a message longer than the function may run.
        timeout = props(template, consumed_by(consumed, work_queue))["Timeout"]
        assert props(template, work_queue)["VisibilityTimeout"] > timeout, work_queue
    by_function = {ref_name(c["Properties"]["FunctionName"]): c["Properties"] for c in configs.values()}
    assert set(by_function) == set(consumed), by_function
    for function, config in by_function.items():
        destination = ref_name(config["DestinationConfig"]["OnFailure"]["Destination"])
        assert destination in tm.resources(template, "AWS::SQS::Queue"), function
        assert config["MaximumRetryAttempts"] <= 2
    # ApiFunction is only invoked synchronously (API Gateway answers the caller).
    api_events = props(template, "ApiFunction")["Events"]
    assert {event["Type"] for event in api_events.values()} == {"Api"}
    # EventBridge delivers the rule's dead letters with its own identity: the queue must allow exactly that rule.
    for policy_name in ("PublishDeadLetterQueuePolicy", "PublishQueuePolicy"):
        queue_policy = props(template, policy_name)["PolicyDocument"]["Statement"]
        assert [ref_name(s["Condition"]["ArnEquals"]["aws:SourceArn"]) for s in queue_policy] == [
            "CollectFinishedRule"
        ], policy_name
    for name, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
        # Dead-letter queues keep 14 days; a work queue less, since a message keeps its first enqueue time.
        expected = 345600 if name in ("CollectQueue", "PublishQueue") else 1209600
        assert queue["Properties"]["MessageRetentionPeriod"] == expected, name
    ledger.record(
        "template_security",
        check="every async invocation has retries and a failure destination",
        resources=len(targets) + len(configs),
        result="pass",
        detail="schedule target and EventBridge rule target (the collect and publish queues): RetryPolicy + "
        "DeadLetterConfig; each queue redrives to a dead-letter queue and is consumed with ReportBatchItemFailures; "
        "Collect and Publish: EventInvokeConfig OnFailure to their SQS dead-letter queues (SSE, 14 days)",
    )


def consumed_by(consumed: dict[str | None, str | None], queue: str) -> str:
    return next(function for function, source in consumed.items() if source == queue and function)


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: res["Properties"] for name, res in tm.resources(template, "AWS::CloudWatch::Alarm").items()}


def test_alarms_cover_function_errors_dead_letters_and_failing_sources(template: dict[str, Any]) -> None:
    alarms = _alarms(template)
    for alarm in alarms.values():
        assert ref_name(alarm["AlarmActions"][0]) == "AlarmTopic" and len(alarm["AlarmActions"]) == 1
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" and alarm["Threshold"] == 1
        assert alarm["TreatMissingData"] == "notBreaching"

    def watching(namespace: str, metric: str) -> dict[str, dict[str, Any]]:
        return {
            ref_name(d["Value"]) or d["Value"]: a
            for a in alarms.values()
            if (a["Namespace"], a["MetricName"]) == (namespace, metric)
            for d in a["Dimensions"]
            if d["Name"] in ("FunctionName", "QueueName", "source")
        }

    errors = watching("AWS/Lambda", "Errors")
    assert set(errors) == set(FUNCTIONS), errors
    for alarm in errors.values():
        assert (alarm["Statistic"], alarm["EvaluationPeriods"]) == ("Sum", 1)

    dead_letters = watching("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    work_queues = {"CollectQueue", "PublishQueue"}  # drained by their mappings; their dead letters are watched
    assert set(dead_letters) == set(tm.resources(template, "AWS::SQS::Queue")) - work_queues, dead_letters
    for alarm in dead_letters.values():
        assert alarm["Statistic"] == "Maximum"

    sources = watching("HotPapers", "Failures")
    assert set(sources) == set(SOURCE_NAMES), sources
    for source, alarm in sources.items():
        assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {"source": source, "service": "hotpapers"}
        # Two consecutive UTC days on which every collection of the source failed.
        assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (86400, 2, 2), source
        assert alarm["Statistic"] == "Minimum", source
    # Papers without metadata: two UTC days in a row on which every collection left some (a day's
    # own lookups failing is repaired by the next run; two days mean the retry failed too).
    metric = ("HotPapers", "PapersWithoutMetadata")
    [missing] = [a for a in alarms.values() if (a["Namespace"], a["MetricName"]) == metric]
    assert {d["Name"]: d["Value"] for d in missing["Dimensions"]} == {"service": "hotpapers"}
    assert (missing["Statistic"], missing["Period"], missing["EvaluationPeriods"], missing["DatapointsToAlarm"]) == (
        "Minimum",
        86400,
        2,
        2,
    )
    assert template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "hotpapers"
    ledger.record(
        "template_security",
        check="alarms: errors of each function, depth of each dead-letter queue, a source failing two days in a row",
        resources=len(alarms),
        result="pass",
        detail=f"{len(errors)} Errors alarms, {len(dead_letters)} dead-letter alarms, {len(sources)} per-source "
        "alarms (Failures, Minimum over 86400 s, 2 of 2 periods); all notify AlarmTopic",
    )
    ledger.record(
        "findings",
        finding="SourceFailuresAlarm was not 'a source failing two days in a row': it summed the dimensionless "
        "SourceFailures metric over 5 minutes with 1 evaluation period, so any single failure of any source alarmed, "
        "and two different sources failing on two days looked the same as one source failing twice",
        fix="template.yaml: one alarm per source on the collector's per-source Failures metric (dimensions source, "
        "service), Minimum over 86400 s, 2 of 2 periods; the EMF the collector prints is checked against them",
        test="tests/reliability/test_template_operations.py::test_alarms_cover_function_errors_dead_letters_and_failing_sources",
    )


def _resolved(node: Any) -> str:
    """A Fn::Join / Fn::Sub string with every ${Name} as <Name> (a Sub variable map's names too)."""
    if isinstance(node, str):
        return node
    if "Fn::Join" in node:
        separator, parts = node["Fn::Join"]
        return separator.join(_resolved(part) for part in parts)
    if "Fn::Sub" in node:
        text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
        return re.sub(r"\$\{([^}!]+)\}", lambda m: f"<{m.group(1)}>", text)
    raise AssertionError(f"unexpected intrinsic in the dashboard body: {node}")


def _dashboard_metrics(body: dict[str, Any]) -> set[tuple[str, str, frozenset[tuple[str, str]]]]:
    """(namespace, metric, dimensions) of every metric of every widget."""
    found = set()
    for widget in body["widgets"]:
        for metric in widget["properties"].get("metrics", []):
            fields_ = [item for item in metric if isinstance(item, str)]
            namespace, name, dims = fields_[0], fields_[1], fields_[2:]
            found.add((namespace, name, frozenset(zip(dims[::2], dims[1::2], strict=True))))
    return found


def test_dashboard_shows_collection_failures_functions_queues_and_the_api(
    template: dict[str, Any], expanded: dict[str, Any]
) -> None:
    dashboards = tm.resources(template, "AWS::CloudWatch::Dashboard")
    assert list(dashboards) == ["Dashboard"]
    properties = dashboards["Dashboard"]["Properties"]
    assert "${Stage}" in properties["DashboardName"]["Fn::Sub"]
    body = json.loads(_resolved(properties["DashboardBody"]))
    for widget in body["widgets"]:
        assert widget["x"] + widget["width"] <= 24, widget
    metrics = _dashboard_metrics(body)

    def has(namespace: str, metric: str, **dims: str) -> bool:
        return (namespace, metric, frozenset(dims.items())) in metrics

    # Per source, with the dimensions of the per-source alarms (whose metric the full run checks in the EMF).
    alarm_dims = {
        a["Dimensions"][0]["Value"]: {d["Name"]: d["Value"] for d in a["Dimensions"]}
        for a in _alarms(template).values()
        if a["MetricName"] == "Failures"
    }
    for source in SOURCE_NAMES:
        assert alarm_dims[source] == {"source": source, "service": "hotpapers"}
        for metric in ("Posts", "Papers", "Failures"):
            assert has("HotPapers", metric, **alarm_dims[source]), (metric, source)
    for metric in ("SourceFailures", "CollectFailures", "PublishFailures", "PaperLookupFailures", "PapersCollected"):
        assert has("HotPapers", metric, service="hotpapers"), metric
    for function in FUNCTIONS:
        for metric in ("Errors", "Duration"):
            assert has("AWS/Lambda", metric, FunctionName=f"<{function}>"), (function, metric)
    for queue in dead_letter_queues(expanded):
        assert has("AWS/SQS", "ApproximateNumberOfMessagesVisible", QueueName=f"<{queue}.QueueName>"), queue
    for metric in ("4XXError", "5XXError", "Latency"):
        assert has("AWS/ApiGateway", metric, ApiName="hotpapers-api-<Stage>", Stage="<ApiStage>"), metric
    # The API's stage name comes from the API itself, as the 5xx alarm's does.
    api_widgets = [
        part for part in properties["DashboardBody"]["Fn::Join"][1][1]["Fn::Join"][1] if "ApiGateway" in str(part)
    ]
    assert api_widgets and all(
        part["Fn::Sub"][1] == {"ApiStage": {"Ref": "HotpapersApi.Stage"}} for part in api_widgets
    )
    outputs = template["Outputs"]
    assert outputs["DashboardName"]["Value"] == {"Ref": "Dashboard"}
    assert "${Dashboard}" in outputs["DashboardUrl"]["Value"]["Fn::Sub"]
    ledger.record(
        "template_security",
        check="the dashboard shows every source, failure metric, function, dead-letter queue and the API",
        resources=len(body["widgets"]),
        result="pass",
        detail=f"{len(metrics)} metrics in {len(body['widgets'])} widgets; per-source metrics with the alarms' "
        "dimensions (source, service=hotpapers); name and URL in Outputs",
    )
