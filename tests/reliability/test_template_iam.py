"""Who may do what in template.yaml (IAM), read from the template itself: wildcards, least privilege per function.

The template is read twice: as written (cfn-lint's YAML loader, which knows the CloudFormation
tags and keeps line numbers) and as SAM expands it (aws-sam-translator, offline), so the roles,
permissions, schedules and rules SAM generates are checked like the ones written out.

Wildcards: any `*` or `?` in an Action, NotAction, Resource or NotResource of any policy (IAM roles,
bucket, queue and key policies), and any AWS managed policy (its contents are not in the template),
must be justified on its line or in the comment block right above it:

    # wildcard-ok: <why this cannot be narrower>

with a non-empty reason. A generated resource (one SAM adds) has no line to carry a reason, so it
may hold no wildcard at all.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from hotpapers.core.store import HISTORY_ATTRIBUTES
from tests.support import ledger
from tests.support import template_model as tm
from tests.support.template_model import FUNCTIONS, POLICY_FIELDS, WRITE_VERBS, allow_statements, props, ref_name

pytestmark = [pytest.mark.reliability, pytest.mark.integration]


# ------------------------------------------------------------------ wildcards


def wildcard_findings(raw_template: Any) -> tuple[list[str], list[tuple[int, str, str]], int]:
    """(unjustified wildcards, justified ones as (line, value, reason), statements checked)."""
    unjustified: list[str] = []
    justified: list[tuple[int, str, str]] = []
    checked = tm.statements(raw_template)
    for statement in checked:
        for field_name in POLICY_FIELDS:
            for value in tm.as_list(statement.statement.get(field_name, [])):
                if not tm.has_wildcard(value):
                    continue
                line = tm.line_of(value)
                reason = tm.wildcard_justification(line) if line else None
                where = f"{statement.owner} {statement.document} {field_name} {tm.text_of(value)!r} (line {line})"
                if reason:
                    justified.append((line or 0, tm.text_of(value), reason))
                else:
                    unjustified.append(where)
    for name, resource in raw_template["Resources"].items():
        for arn in resource.get("Properties", {}).get("ManagedPolicyArns", []) or []:
            line = tm.line_of(arn)
            reason = tm.wildcard_justification(line) if line else None
            if reason:
                justified.append((line or 0, tm.text_of(arn), reason))
            else:
                unjustified.append(f"{name} ManagedPolicyArns {tm.text_of(arn)!r} (line {line}): an opaque AWS policy")
    return unjustified, justified, len(checked)


def test_every_wildcard_in_a_policy_is_justified(raw: Any, expanded: dict[str, Any]) -> None:
    unjustified, justified, checked = wildcard_findings(raw)
    assert not unjustified, "wildcards without a '# wildcard-ok: <reason>' marker:\n" + "\n".join(unjustified)

    # What SAM generates has no line to justify anything: it must hold no wildcard and no managed policy.
    written = set(raw["Resources"])
    generated = []
    for statement in tm.statements(expanded):
        if statement.owner in written:
            continue
        for field_name in POLICY_FIELDS:
            generated += [
                f"{statement.owner} {field_name} {value!r}"
                for value in tm.as_list(statement.statement.get(field_name, []))
                if tm.has_wildcard(value)
            ]
    for name, resource in expanded["Resources"].items():
        if name not in written and resource.get("Properties", {}).get("ManagedPolicyArns"):
            generated.append(f"{name} ManagedPolicyArns {resource['Properties']['ManagedPolicyArns']}")
    assert not generated, "SAM-generated policies with wildcards or managed policies:\n" + "\n".join(generated)
    ledger.record(
        "template_security",
        check="every wildcard in a policy is justified (# wildcard-ok: <reason>)",
        resources=checked,
        result="pass",
        detail=f"{len(justified)} justified wildcards on lines {', '.join(str(line) for line, _, _ in justified)}; "
        f"{len(tm.statements(expanded)) - checked} SAM-generated statements hold none",
    )


def test_the_wildcard_check_catches_an_unjustified_wildcard(raw: Any) -> None:
    """The checker itself: the same template with one marker's reason removed fails it."""
    lines = list(tm.text_lines())
    marked = next(i for i, line in enumerate(lines) if "wildcard-ok:" in line)
    reason_removed = lines[marked].split("wildcard-ok:")[0] + "wildcard-ok:"
    tm.text_lines.cache_clear()
    original = tm.text_lines
    try:
        tm.text_lines = lambda: tuple(lines[:marked] + [reason_removed] + lines[marked + 1 :])  # type: ignore[assignment]
        unjustified, _, _ = wildcard_findings(raw)
    finally:
        tm.text_lines = original  # type: ignore[assignment]
    assert len(unjustified) >= 1, "an empty reason was accepted"
    assert tm.wildcard_justification(marked + 2) or tm.wildcard_justification(marked + 1)


def test_nothing_is_allowed_to_everyone(expanded: dict[str, Any]) -> None:
    allows = [s for s in tm.statements(expanded) if s.effect == "Allow" and "Principal" in s.statement]
    for statement in allows:
        principal = statement.statement["Principal"]
        values = [principal] if isinstance(principal, str) else [v for vs in principal.values() for v in tm.as_list(vs)]
        assert "*" not in values, f"{statement.owner}: Allow to everyone"
        if statement.owner != "AlarmTopicKey":  # the key's admin statement names this account, as AWS's default
            assert "Service" in principal, (statement.owner, principal)
    ledger.record(
        "template_security",
        check="no Allow to everyone; resource policies name a service principal",
        resources=len(allows),
        result="pass",
        detail="bucket, queue and key policies and every trust policy checked (SAM expansion included)",
    )


# ------------------------------------------------------------------ least privilege per function


def test_each_function_has_its_own_role_and_no_generated_one(
    template: dict[str, Any], expanded: dict[str, Any]
) -> None:
    for function in FUNCTIONS:
        properties = props(template, function)
        assert ref_name(properties.get("Role")) == f"{function}Role", function
        assert "Policies" not in properties, f"{function}: Policies would be ignored next to Role"
        role = props(template, f"{function}Role")
        trust = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust == [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ], function
        assert "ManagedPolicyArns" not in role, function
    managed = {
        arn
        for res in expanded["Resources"].values()
        for arn in res.get("Properties", {}).get("ManagedPolicyArns", [])
        if isinstance(arn, str)
    }
    assert not any("AWSLambdaBasicExecutionRole" in arn or "AWSXray" in arn for arn in managed), managed
    ledger.record(
        "template_security",
        check="each function runs with its own written-out role (no SAM role, no managed policy)",
        resources=len(FUNCTIONS),
        result="pass",
        detail="no AWSLambdaBasicExecutionRole (logs:CreateLogGroup/PutLogEvents on *) nor AWSXrayWriteOnlyAccess",
    )
    ledger.record(
        "findings",
        finding="The functions ran with SAM-generated roles carrying AWS managed policies: "
        "AWSLambdaBasicExecutionRole (logs:CreateLogGroup, CreateLogStream, PutLogEvents on every log group of the "
        "account) and AWSXrayWriteOnlyAccess (xray:* sampling reads too)",
        fix="template.yaml: CollectFunctionRole, PublishFunctionRole, ApiFunctionRole written out: logs only to the "
        "function's own group, the two X-Ray actions tracing needs, the function's data actions, and sqs:SendMessage "
        "to its own dead-letter queue (the OnFailure destination SAM used to add)",
        test="tests/reliability/test_template_iam.py::test_each_function_has_its_own_role_and_no_generated_one",
    )


def _actions(template: dict[str, Any], role: str) -> dict[str, list[tm.PolicyStatement]]:
    found: dict[str, list[tm.PolicyStatement]] = {}
    for statement in allow_statements(template, role):
        for action in statement.actions:
            found.setdefault(action, []).append(statement)
    return found


def test_every_function_writes_its_logs_only_to_its_own_group(template: dict[str, Any]) -> None:
    for function in FUNCTIONS:
        group = ref_name(props(template, function)["LoggingConfig"]["LogGroup"])
        statements = _actions(template, f"{function}Role")
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            resources = [tm.text_of(r) for s in statements[action] for r in s.resources]
            assert resources == [
                f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{{group}}}:*"
            ], (function, resources)
        assert not any(
            a.startswith("logs:") and a not in ("logs:CreateLogStream", "logs:PutLogEvents") for a in statements
        )
    ledger.record(
        "template_security",
        check="each function writes logs only to its own log group (no logs:CreateLogGroup)",
        resources=len(FUNCTIONS),
        result="pass",
        detail="logs:CreateLogStream and logs:PutLogEvents on log-group:<its group>:* only",
    )


def test_api_function_only_reads(template: dict[str, Any]) -> None:
    actions = _actions(template, "ApiFunctionRole")
    writes = [a for a in actions if WRITE_VERBS.search(a) and not a.startswith(("logs:", "xray:"))]
    assert not writes, writes
    data_actions = {a for a in actions if not a.startswith(("logs:", "xray:"))}
    assert data_actions == {"dynamodb:GetItem", "dynamodb:Query", "s3:GetObject"}, data_actions
    resources = {tm.text_of(r) or ref_name(r) for a in data_actions for s in actions[a] for r in s.resources}
    # The bodies of digests too large for DynamoDB, and nothing else of the bucket.
    assert resources == {"Table", "${Table.Arn}/index/GSI1", "${SiteBucket.Arn}/internal/digests/*"}, resources
    ledger.record(
        "template_security",
        check="ApiFunction has no write action",
        resources=len(resources),
        result="pass",
        detail=f"data actions: {', '.join(sorted(data_actions))} on the table, its GSI1, the large digest bodies",
    )


def _write_conditions(template: dict[str, Any], role: str) -> list[tuple[set[str], Any, Any]]:
    return [
        (set(s.actions), s.statement.get("Condition"), s.resources)
        for s in allow_statements(template, role)
        if any(
            a in ("dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
            for a in s.actions
        )
    ]


def test_publisher_writes_only_digest_items_and_the_collector_never_does(template: dict[str, Any]) -> None:
    publish = _write_conditions(template, "PublishFunctionRole")
    assert publish == [
        (
            {"dynamodb:PutItem", "dynamodb:BatchWriteItem"},
            {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["DIGEST#*", "WEEK#*", "MONTH#*"]}},
            [{"Fn::GetAtt": ["Table", "Arn"]}],
        ),
        # A paper's history: PAPER# items made of exactly the history item's attributes.
        (
            {"dynamodb:PutItem", "dynamodb:BatchWriteItem"},
            {
                "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["PAPER#*"]},
                "ForAllValues:StringEquals": {"dynamodb:Attributes": list(HISTORY_ATTRIBUTES)},
            },
            [{"Fn::GetAtt": ["Table", "Arn"]}],
        ),
    ], publish
    collect = _write_conditions(template, "CollectFunctionRole")
    assert collect == [
        (
            {"dynamodb:PutItem", "dynamodb:BatchWriteItem"},
            {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["PAPER#*", "DAY#*"]}},
            [{"Fn::GetAtt": ["Table", "Arn"]}],
        )
    ], collect
    # Neither may update or delete items at all.
    for role in ("PublishFunctionRole", "CollectFunctionRole"):
        actions = _actions(template, role)
        assert not {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan"} & set(actions), role
    ledger.record(
        "template_security",
        check="PublishFunction writes only DIGEST# items and PAPER# histories; CollectFunction only PAPER#/DAY#",
        resources=2,
        result="pass",
        detail="dynamodb:LeadingKeys conditions on PutItem/BatchWriteItem; no UpdateItem, DeleteItem or Scan",
    )
    ledger.record(
        "findings",
        finding="CollectFunction could write any item, digests (DIGEST#) included",
        fix="template.yaml: its PutItem/BatchWriteItem carry a dynamodb:LeadingKeys condition PAPER#*, DAY#*",
        test="tests/reliability/test_template_iam.py::test_publisher_writes_only_digest_items_and_the_collector_never_does",
    )


# Every Allow action of each role, on which resources (short names: Table, SiteBucket/*, ...).
EXPECTED_GRANTS: dict[str, dict[str, set[str]]] = {
    "CollectFunctionRole": {
        "dynamodb:BatchGetItem": {"Table"},
        # The day's stored mentions (GSI1 DAY#<date>, POST#...), summed into the day papers' engagement;
        # the last 7 days' papers without metadata (GSI2 NOMETA#<date>), retried every collection.
        "dynamodb:Query": {"Table/index/GSI1", "Table/index/GSI2"},
        "dynamodb:BatchWriteItem": {"Table"},
        "dynamodb:PutItem": {"Table"},
        "events:PutEvents": {"EventBus"},
        "secretsmanager:GetSecretValue": {"CredentialsSecret"},
        "sqs:SendMessage": {"CollectDeadLetterQueue"},
        # The progress of an interrupted run of the day (DAY#<date>, PROGRESS), to resume it.
        "dynamodb:GetItem": {"Table"},
        # The event source mapping polls the collect queue with the function's role.
        "sqs:ReceiveMessage": {"CollectQueue"},
        "sqs:DeleteMessage": {"CollectQueue"},
        "sqs:GetQueueAttributes": {"CollectQueue"},
    },
    "PublishFunctionRole": {
        "dynamodb:BatchGetItem": {"Table"},
        "dynamodb:Query": {"Table/index/GSI1", "Table/index/GSI2"},
        "dynamodb:BatchWriteItem": {"Table"},
        "dynamodb:PutItem": {"Table"},
        "s3:PutObject": {"SiteBucket/*"},
        # The body of a digest too large for its item, read back to render its day again, the
        # manifest of what the bucket holds (publish/bucket.py) and a full rebuild's progress (publish/rebuild.py).
        "s3:GetObject": {
            "SiteBucket/internal/digests/*",
            "SiteBucket/internal/manifest.json.gz",
            "SiteBucket/internal/rebuild.json",
        },
        "s3:ListBucket": {"SiteBucket"},
        # Failed asynchronous invocations; a full rebuild's next shard on its own queue (publish/rebuild.py).
        "sqs:SendMessage": {"PublishDeadLetterQueue", "PublishQueue"},
        "sqs:ReceiveMessage": {"PublishQueue"},
        "sqs:DeleteMessage": {"PublishQueue"},
        "sqs:GetQueueAttributes": {"PublishQueue"},
    },
    "ApiFunctionRole": {
        "dynamodb:GetItem": {"Table"},
        "dynamodb:Query": {"Table", "Table/index/GSI1"},
        # The body of a digest too large for its DynamoDB item, and no other object.
        "s3:GetObject": {"SiteBucket/internal/digests/*"},
    },
    # The daily schedule's role: put the day on the collect queue, park failed deliveries.
    "DailyCollectScheduleRole": {"sqs:SendMessage": {"CollectQueue", "CollectDeadLetterQueue"}},
}
SERVICE_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_only_the_publisher_sends_rebuild_shards_to_the_publish_queue(expanded: dict[str, Any]) -> None:
    """A full rebuild chains its shards through the publish queue: PublishFunction may send there, in a statement
    of that one action on that one queue, and no other role may (EventBridge's rule delivers by the queue's policy).
    """
    senders: dict[str, list[tm.PolicyStatement]] = {}
    for role in tm.resources(expanded, "AWS::IAM::Role"):
        for statement in allow_statements(expanded, role):
            if "sqs:SendMessage" in statement.actions and any(
                ref_name(r) == "PublishQueue" for r in statement.resources
            ):
                senders.setdefault(role, []).append(statement)
    assert set(senders) == {"PublishFunctionRole"}, sorted(senders)
    for statement in senders["PublishFunctionRole"]:
        assert statement.actions == ["sqs:SendMessage"], statement.actions
        assert [ref_name(r) for r in statement.resources] == ["PublishQueue"], statement.resources
    env = props(expanded, "PublishFunction")["Environment"]["Variables"]
    assert ref_name(env["HOTPAPERS_PUBLISH_QUEUE_URL"]) == "PublishQueue"


def short_resource(value: Any) -> str:
    name = ref_name(value)
    if name:
        return name
    text = tm.text_of(value)
    match = re.fullmatch(r"\$\{(\w+)\.Arn\}(/.*)", text)
    return f"{match.group(1)}{match.group(2)}" if match else text


def test_every_role_grants_exactly_the_expected_actions(expanded: dict[str, Any]) -> None:
    roles = tm.resources(expanded, "AWS::IAM::Role")
    assert set(roles) == set(EXPECTED_GRANTS) | {"ApiGatewayCloudWatchRole"}, sorted(roles)
    total = 0
    for role, expected in EXPECTED_GRANTS.items():
        grants: dict[str, set[str]] = {}
        for statement in allow_statements(expanded, role):
            for action in statement.actions:
                if action not in SERVICE_ACTIONS:
                    grants.setdefault(action, set()).update(short_resource(r) for r in statement.resources)
        assert grants == expected, role
        total += sum(len(r) for r in grants.values())
    ledger.record(
        "template_security",
        check="every role grants exactly the expected actions on the expected resources",
        resources=total,
        result="pass",
        detail=f"{len(EXPECTED_GRANTS)} roles (the schedule's role included); the API Gateway logging role is "
        "account-wide (justified managed policy)",
    )
    ledger.record(
        "findings",
        finding="DynamoDB grants broader than the code: CollectFunction had GetItem and Query on the table and "
        "every index (it uses neither); PublishFunction and ApiFunction had table/index/* and BatchGetItem/GetItem/"
        "table Query they never call",
        fix="template.yaml: each role lists exactly the operations its code issues, on the table or the named index "
        "(GSI1, GSI2); test_full_run_security.py checks granted == used on a full run",
        test="tests/reliability/test_template_iam.py::test_every_role_grants_exactly_the_expected_actions",
    )


def test_lambda_permissions_are_scoped_to_this_stack(expanded: dict[str, Any]) -> None:
    permissions = tm.resources(expanded, "AWS::Lambda::Permission")
    for name, permission in permissions.items():
        p = permission["Properties"]
        assert p["Action"] == "lambda:InvokeFunction" and p["Principal"] in (
            "apigateway.amazonaws.com",
            "events.amazonaws.com",
        ), name
        source = p["SourceArn"]
        if p["Principal"] == "events.amazonaws.com":
            assert ref_name(source) == "PublishFunctionCollectFinished", name
        else:
            pattern, values = source["Fn::Sub"]
            assert ref_name(values["__ApiId__"]) == "HotpapersApi", name
            assert pattern.startswith("arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/"), name
    ledger.record(
        "template_security",
        check="function invoke permissions name this stack's API and rule",
        resources=len(permissions),
        result="pass",
        detail="API Gateway permissions on HotpapersApi's routes, EventBridge on the CollectFinished rule",
    )
