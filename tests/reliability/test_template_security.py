"""Security and operations properties of template.yaml, read from the template itself.

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

import json
import re
import tomllib
from typing import Any

import pytest

from hotpapers.core.items import HISTORY_ATTRIBUTES
from hotpapers.core.source_names import SOURCE_NAMES
from tests.reliability import ledger
from tests.reliability import template_model as tm

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

FUNCTIONS = ("CollectFunction", "PublishFunction", "ApiFunction")
POLICY_FIELDS = ("Action", "NotAction", "Resource", "NotResource")
# Actions that change data, by verb; an API that only reads has none of them.
WRITE_VERBS = re.compile(r":(Put|Update|Delete|BatchWrite|Create|Write|Send|Start|Invoke|Publish|Restore|Tag)")


@pytest.fixture(scope="module")
def raw() -> Any:
    return tm.raw()


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return tm.plain(tm.raw())


@pytest.fixture(scope="module")
def expanded() -> dict[str, Any]:
    return tm.expanded()


def props(template: dict[str, Any], name: str) -> dict[str, Any]:
    return template["Resources"][name]["Properties"]


def ref_name(value: Any) -> str | None:
    """The logical id a !Ref / !GetAtt points at."""
    if isinstance(value, dict) and "Ref" in value:
        return value["Ref"]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return target[0] if isinstance(target, list) else target.split(".")[0]
    return None


def allow_statements(template: dict[str, Any], role: str) -> list[tm.PolicyStatement]:
    return [
        s
        for s in tm.statements(template)
        if s.owner == role and s.document != "AssumeRolePolicyDocument" and s.effect == "Allow"
    ]


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
        test="tests/reliability/test_template_security.py::test_each_function_has_its_own_role_and_no_generated_one",
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
        test="tests/reliability/test_template_security.py::test_publisher_writes_only_digest_items_and_the_collector_never_does",
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
        # The body of a digest too large for its item, read back to render its day again, and the
        # manifest of what the bucket holds (publish/bucket.py).
        "s3:GetObject": {"SiteBucket/internal/digests/*", "SiteBucket/internal/manifest.json.gz"},
        "s3:ListBucket": {"SiteBucket"},
        "sqs:SendMessage": {"PublishDeadLetterQueue"},
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
        test="tests/reliability/test_template_security.py::test_every_role_grants_exactly_the_expected_actions",
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


# ------------------------------------------------------------------ the site bucket


def test_site_bucket_is_private_tls_only_and_read_through_oac(template: dict[str, Any]) -> None:
    bucket = props(template, "SiteBucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}  # no ACLs
    assert "WebsiteConfiguration" not in bucket and "AccessControl" not in bucket
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]

    policies = [p for p in tm.resources(template, "AWS::S3::BucketPolicy").values()]
    assert len(policies) == 1 and ref_name(policies[0]["Properties"]["Bucket"]) == "SiteBucket"
    statements = tm.statements({"Resources": {"SiteBucketPolicy": policies[0]}})
    deny = [s.statement for s in statements if s.effect == "Deny"]
    assert deny == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [{"Fn::GetAtt": ["SiteBucket", "Arn"]}, {"Fn::Sub": "${SiteBucket.Arn}/*"}],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        # What the functions keep beside the site (large digest bodies) is never CloudFront's to read.
        {
            "Sid": "CloudFrontNeverReadsInternal",
            "Effect": "Deny",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${SiteBucket.Arn}/internal/*"},
        },
    ]
    allow = [s.statement for s in statements if s.effect == "Allow"]
    assert allow == [
        {
            "Sid": "CloudFrontReadsObjects",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${SiteBucket.Arn}/*"},
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}"
                        ":distribution/${SiteDistribution}"
                    }
                }
            },
        }
    ], allow
    # The Allow exists only with the distribution it names.
    raw_statement = policies[0]["Properties"]["PolicyDocument"]["Statement"][1]
    assert raw_statement["Fn::If"][0] == "HasCdn" and template["Resources"]["SiteDistribution"]["Condition"] == "HasCdn"

    oac = props(template, "SiteOriginAccessControl")["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    config = props(template, "SiteDistribution")["DistributionConfig"]
    origins = config["Origins"]
    assert len(origins) == 1
    origin = origins[0]
    assert (
        ref_name(origin["DomainName"]) == "SiteBucket" and origin["DomainName"]["Fn::GetAtt"][1] == "RegionalDomainName"
    )
    assert ref_name(origin["OriginAccessControlId"]) == "SiteOriginAccessControl"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # OAC, not the legacy OAI
    behaviours = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    for behaviour in behaviours:
        assert behaviour["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
        assert set(behaviour["AllowedMethods"]) <= {"GET", "HEAD", "OPTIONS"}
    ledger.record(
        "template_security",
        check="site bucket private (4 Block Public Access flags, no ACLs), TLS-only, read only via CloudFront OAC",
        resources=4,
        result="pass",
        detail="Deny aws:SecureTransport=false on bucket and objects; s3:GetObject only for "
        "cloudfront.amazonaws.com with AWS:SourceArn = this distribution; OAC sigv4 always; "
        "viewers redirected to HTTPS",
    )


# ------------------------------------------------------------------ secrets


SECRET_NAME = re.compile(r"(?i)(secret|token|password|passwd|api[_-]?key|credential|private[_-]?key|jwt)")
SECRET_PATTERNS = re.compile(
    r"AAAAAAAAAAAAAAAAAAAA"  # an X app-only bearer token
    r"|eyJ[A-Za-z0-9_-]{10,}\."  # a JWT
    r"|\b[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\b"  # a Bluesky app password
    r"|AKIA[0-9A-Z]{16}|-----BEGIN"  # an AWS access key id, a PEM key
)
RANDOM_RUN = re.compile(r"[A-Za-z0-9+/_%=-]{24,}")


def looks_secret(text: str) -> bool:
    """A known credential shape, or a long run of mixed-case letters and digits (names have no digits)."""
    if SECRET_PATTERNS.search(text):
        return True
    return any(
        re.search(r"[0-9]", run) and re.search(r"[A-Z]", run) and re.search(r"[a-z]", run)
        for run in RANDOM_RUN.findall(text)
    )


def _literal_strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        if set(node) <= {"Ref", "Fn::GetAtt", "Fn::ImportValue"}:
            return []
        return [s for value in node.values() for s in _literal_strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _literal_strings(value)]
    return []


def test_no_secret_in_the_template_or_samconfig(template: dict[str, Any]) -> None:
    checked = 0
    for name, parameter in template["Parameters"].items():
        default = str(parameter.get("Default", ""))
        checked += 1
        assert not SECRET_NAME.search(name), f"parameter {name} looks like a secret: keep it in Secrets Manager"
        assert not looks_secret(default), (name, default)
    environments = [template["Globals"]["Function"]["Environment"]["Variables"]] + [
        res["Properties"].get("Environment", {}).get("Variables", {})
        for res in tm.resources(template, "AWS::Serverless::Function").values()
    ]
    for variables in environments:
        for key, value in variables.items():
            checked += 1
            if SECRET_NAME.search(key):
                # Only a reference to where the secret lives, never a value.
                assert key == "HOTPAPERS_SECRET_ID" and ref_name(value) == "CredentialsSecret", key
            for literal in _literal_strings(value):
                assert not looks_secret(literal), (key, literal)
    # The secret resource holds placeholders only; operators put the values in with put-secret-value.
    secrets = tm.resources(template, "AWS::SecretsManager::Secret")
    assert list(secrets) == ["CredentialsSecret"]
    placeholder = json.loads(secrets["CredentialsSecret"]["Properties"]["SecretString"])
    assert set(placeholder) == {"x_bearer_token", "bsky_handle", "bsky_app_password"}
    assert all(value == "" for value in placeholder.values()), placeholder
    # Nothing else in the template carries a secret-looking literal (code and names excluded; response
    # headers policies hold CSP source hashes, which are public).
    for name, resource in template["Resources"].items():
        if resource["Type"] in ("AWS::CloudFront::Function", "AWS::CloudFront::ResponseHeadersPolicy"):
            continue
        for literal in _literal_strings(resource.get("Properties", {})):
            if "\n" in literal or literal.startswith(("arn:", "{", "$", "/")):
                continue  # inline code, descriptions, ARN patterns, JSON templates
            checked += 1
            assert not looks_secret(literal), (name, literal)

    config = tomllib.loads((tm.ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    for env_name, commands in config.items():
        if not isinstance(commands, dict):
            continue
        for command in commands.values():
            for key, value in command.get("parameters", {}).items():
                checked += 1
                text = str(value)
                assert not SECRET_NAME.search(key), (env_name, key)
                for assignment in re.findall(r"(\w+)=(\S+)", text):
                    assert not SECRET_NAME.search(assignment[0]), (env_name, assignment)
                    assert not looks_secret(assignment[1]), (env_name, assignment)
    # The detector itself finds the credential shapes the collector uses.
    for sample in (
        "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid",
        "abcd-efgh-ijkl-mnop",
        "eyJ0eXAiOiJKV1QiLCJh.eyJ",
        "Zx81kQm2Lr7TpWv9Yb3NcHs5",
    ):
        assert looks_secret(sample), sample
    ledger.record(
        "template_security",
        check="no secret in template.yaml or samconfig.toml; credentials only in Secrets Manager",
        resources=checked,
        result="pass",
        detail="parameters, environment variables, resource literals and samconfig parameters checked; the "
        "functions get HOTPAPERS_SECRET_ID (a reference); the secret resource holds empty placeholders",
    )


# ------------------------------------------------------------------ API throttling


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


# ------------------------------------------------------------------ operations


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
        test="tests/reliability/test_template_security.py::test_alarms_cover_function_errors_dead_letters_and_failing_sources",
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
    for queue in _dead_letter_queues(expanded):
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


# ------------------------------------------------------------------ deployable on any account

RUNTIME = "python3.13"


def test_every_function_and_the_layer_run_python313(template: dict[str, Any], expanded: dict[str, Any]) -> None:
    """One Python everywhere: Lambda's runtime, the layer's build, and the interpreter the tests run on."""
    assert template["Globals"]["Function"]["Runtime"] == RUNTIME
    functions = tm.resources(template, "AWS::Serverless::Function")
    for name, function in functions.items():
        assert function["Properties"].get("Runtime", RUNTIME) == RUNTIME, name
    deployed = tm.resources(expanded, "AWS::Lambda::Function")
    assert len(deployed) == len(functions)
    assert {name: f["Properties"]["Runtime"] for name, f in deployed.items()} == dict.fromkeys(deployed, RUNTIME)
    layers = tm.resources(template, "AWS::Serverless::LayerVersion")
    assert layers
    for name, layer in layers.items():
        assert layer["Properties"]["CompatibleRuntimes"] == [RUNTIME], name
        assert layer["Metadata"]["BuildMethod"] == RUNTIME, name
    project = tomllib.loads((tm.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["requires-python"] == ">=3.13"
    assert project["tool"]["ruff"]["target-version"] == "py313"
    ledger.record(
        "template_security",
        check=f"every function and the layer on {RUNTIME}",
        resources=len(functions) + len(layers),
        result="pass",
        detail=f"Globals Runtime, the layer's CompatibleRuntimes and BuildMethod, SAM's expanded functions: {RUNTIME}; "
        "pyproject requires-python >=3.13 (the venv and CI run the tests on it)",
    )


def test_no_function_reserves_concurrency(template: dict[str, Any], expanded: dict[str, Any]) -> None:
    """Reserved concurrency fails `sam deploy` on accounts whose limit is 10 (AWS keeps 10 unreserved)."""
    assert "ReservedConcurrentExecutions" not in template["Globals"]["Function"]
    functions = {
        **tm.resources(template, "AWS::Serverless::Function"),
        **tm.resources(expanded, "AWS::Lambda::Function"),
    }
    reserving = [name for name, f in functions.items() if "ReservedConcurrentExecutions" in f["Properties"]]
    assert reserving == []
    ledger.record(
        "template_security",
        check="no function reserves concurrency (deployable on accounts with a concurrency limit of 10)",
        resources=len(functions),
        result="pass",
        detail="no ReservedConcurrentExecutions in Globals, the template's functions or SAM's expanded ones",
    )
    ledger.record(
        "findings",
        finding="CollectFunction and PublishFunction reserved a concurrency of 1: `sam deploy` fails on a new or "
        "low-quota account (a concurrency limit of 10, of which AWS keeps 10 unreserved)",
        fix="template.yaml: ReservedConcurrentExecutions removed from both functions",
        test="tests/reliability/test_template_security.py::test_no_function_reserves_concurrency",
    )


# Resources that keep data or state: each says what happens to it on stack deletion and on replacement.
STATEFUL_TYPES = (
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::SecretsManager::Secret",
    "AWS::SQS::Queue",
    "AWS::Logs::LogGroup",
    "AWS::KMS::Key",
)
# Data that cannot be recreated: the archive, the site, the operator's credentials, the failed runs to replay.
RETAINED_TYPES = ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SecretsManager::Secret")


def _dead_letter_queues(expanded: dict[str, Any]) -> set[str]:
    """The queues that hold failed work: schedule and rule dead letters, Lambda's OnFailure, SQS redrive."""
    queues: set[str] = set()
    for schedule in tm.resources(expanded, "AWS::Scheduler::Schedule").values():
        queues.add(ref_name(schedule["Properties"]["Target"]["DeadLetterConfig"]["Arn"]))
    for rule in tm.resources(expanded, "AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            if "DeadLetterConfig" in target:
                queues.add(ref_name(target["DeadLetterConfig"]["Arn"]))
    for config in tm.resources(expanded, "AWS::Lambda::EventInvokeConfig").values():
        queues.add(ref_name(config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]))
    for queue in tm.resources(expanded, "AWS::SQS::Queue").values():
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive:
            queues.add(ref_name(redrive["deadLetterTargetArn"]))
    return queues


def test_every_stateful_resource_says_what_deletion_and_replacement_do(
    template: dict[str, Any], expanded: dict[str, Any]
) -> None:
    stateful = {name: res for name, res in template["Resources"].items() if res["Type"] in STATEFUL_TYPES}
    missing = [
        f"{name} ({res['Type']}): {policy}"
        for name, res in stateful.items()
        for policy in ("DeletionPolicy", "UpdateReplacePolicy")
        if policy not in res
    ]
    assert missing == [], missing
    dead_letter_queues = _dead_letter_queues(expanded)
    assert dead_letter_queues and dead_letter_queues <= set(tm.resources(template, "AWS::SQS::Queue"))
    for name, res in stateful.items():
        assert res["DeletionPolicy"] in ("Retain", "Delete", "Snapshot", "RetainExceptOnCreate"), name
        if res["Type"] in RETAINED_TYPES or name in dead_letter_queues:
            assert (res["DeletionPolicy"], res["UpdateReplacePolicy"]) == ("Retain", "Retain"), name
    for kind in (*RETAINED_TYPES, "AWS::Logs::LogGroup"):
        assert any(r["Type"] == kind for r in stateful.values()), kind
    ledger.record(
        "template_security",
        check="every stateful resource has an explicit DeletionPolicy and UpdateReplacePolicy",
        resources=len(stateful),
        result="pass",
        detail="table, bucket, secret and dead-letter queues Retain; log groups and the alarm topic's key "
        "explicit (Delete, justified in the template); cfn-lint's informational rules (I3011) run in make lint",
    )


# ------------------------------------------------------------------ dependencies


def test_runtime_dependencies_are_locked_and_audited_in_ci() -> None:
    """The layer installs an exact, hashed lock of requirements.in, and CI audits that lock."""
    layer = tm.ROOT / "layers" / "hotpapers"
    lock = (layer / "requirements.txt").read_text(encoding="utf-8")
    wanted = {
        re.split(r"[<>=!~\[ ]", line.strip(), maxsplit=1)[0].lower()
        for line in (layer / "requirements.in").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    # One entry per package: "name==version \" then its "--hash=sha256:..." lines.
    entries = re.findall(
        r"^([a-z0-9][a-z0-9._-]*)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", lock, re.M
    )
    names = {name for name, _, _ in entries}
    requirement_lines = [line for line in lock.splitlines() if line and not line.startswith((" ", "#"))]
    assert len(requirement_lines) == len(entries), "a requirement without an exact version and hashes"
    assert wanted <= names, wanted - names
    template = tm.plain(tm.raw())
    assert tm.as_list(props(template, "HotpapersLayer")["ContentUri"]) == ["layers/hotpapers/"]  # sam build reads it

    makefile = (tm.ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^audit:.*\n\t\$\(PY\) scripts/audit\.py \$\(LOCK\)$", makefile, re.M)
    assert re.search(r"^LOCK\s*:= layers/hotpapers/requirements\.txt$", makefile, re.M)
    assert "pip-compile" in makefile and "--generate-hashes" in makefile
    audit = (tm.ROOT / "scripts" / "audit.py").read_text(encoding="utf-8")
    assert '"--strict"' in audit and '"--require-hashes"' in audit
    ci = (tm.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make audit$", ci, re.M)
    ledger.record(
        "template_security",
        check="runtime dependencies locked (exact versions + hashes) and audited in CI",
        resources=len(entries),
        result="pass",
        detail=f"{len(entries)} packages in layers/hotpapers/requirements.txt (pip-compile of requirements.in, "
        "`make lock`); `make audit` (pip-audit --strict) runs in .ci/run",
    )
    ledger.record(
        "findings",
        finding="No lock file: the layer installed >= ranges (whatever was newest at sam build time), and no "
        "dependency audit ran",
        fix="layers/hotpapers/requirements.txt is now a pip-compile lock with hashes of requirements.in (make lock); "
        "make audit (scripts/audit.py: pip-audit --strict --require-hashes) runs in .ci/run",
        test="tests/reliability/test_template_security.py::test_runtime_dependencies_are_locked_and_audited_in_ci",
    )
