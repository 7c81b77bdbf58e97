"""template.yaml as the security tests read it: as written (with line numbers) and as SAM expands it.

`raw()` is the template decoded by cfn-lint's YAML loader, which accepts the CloudFormation tags
(!Ref, !GetAtt, !Sub, ...) and keeps each node's position, so a finding names its line.
`expanded()` is the template after the AWS::Serverless-2016-10-31 transform, run offline with
the same library `sam build` / CloudFormation use (aws-sam-translator): the roles, policies,
permissions, schedules and rules SAM generates are then plain resources the tests can check.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

# A wildcard in a policy must carry this on its own line or in the comment block right above it.
WILDCARD_MARKER = re.compile(r"#\s*wildcard-ok:(?P<reason>.*)$")


@cache
def text_lines() -> tuple[str, ...]:
    return tuple(TEMPLATE.read_text(encoding="utf-8").splitlines())


@cache
def _raw() -> Any:
    from cfnlint.decode import decode

    template, matches = decode(str(TEMPLATE))
    assert not matches, f"template.yaml does not decode: {matches}"
    return template


def raw() -> Any:
    """The decoded template; its str nodes have `.start_mark.line` (0-based)."""
    return _raw()


def plain(node: Any) -> Any:
    """A decoded node as plain JSON data (drops the position information)."""
    return json.loads(json.dumps(node))


@cache
def _expanded() -> dict[str, Any]:
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = plain(_raw())
    # The transform wants deployable code locations; where the code lives is not what is checked here.
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://bucket/function.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://bucket/layer.zip"
    # A boto3 session only to name the region: the transform makes no AWS call (no managed policy
    # names are looked up: the template names managed policies by ARN).
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name="us-east-1"))
    return translator.translate(template, parameter_values={}, get_managed_policy_map=lambda: {})


def expanded() -> dict[str, Any]:
    return copy.deepcopy(_expanded())


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def line_of(node: Any) -> int | None:
    """1-based line of a decoded node, when it has one."""
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def wildcard_justification(line: int) -> str | None:
    """The reason given by a `# wildcard-ok: <reason>` marker on `line` or in the comments right above it."""
    lines = text_lines()
    candidates = [lines[line - 1]]
    index = line - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        candidates.append(lines[index])
        index -= 1
    for text in candidates:
        found = WILDCARD_MARKER.search(text)
        if found:
            return found.group("reason").strip() or None
    return None


@dataclass(frozen=True)
class PolicyStatement:
    """One statement of a policy the template defines, with where it comes from."""

    owner: str  # resource logical id (a role, function, bucket policy, queue policy, key)
    document: str  # which policy of the owner
    statement: dict[str, Any]

    @property
    def effect(self) -> str:
        return self.statement.get("Effect", "")

    @property
    def actions(self) -> list[str]:
        return [a for a in as_list(self.statement.get("Action", [])) if isinstance(a, str)]

    @property
    def resources(self) -> list[Any]:
        return as_list(self.statement.get("Resource", []))


def _documents(name: str, resource: dict[str, Any]) -> list[tuple[str, Any]]:
    kind, props = resource["Type"], resource.get("Properties", {})
    found: list[tuple[str, Any]] = []
    if kind == "AWS::IAM::Role":
        found.append(("AssumeRolePolicyDocument", props.get("AssumeRolePolicyDocument")))
        for policy in props.get("Policies", []) or []:
            found.append((str(policy.get("PolicyName")), policy.get("PolicyDocument")))
    elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        found.append(("PolicyDocument", props.get("PolicyDocument")))
    elif kind in ("AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"):
        found.append(("PolicyDocument", props.get("PolicyDocument")))
    elif kind == "AWS::KMS::Key":
        found.append(("KeyPolicy", props.get("KeyPolicy")))
    elif kind == "AWS::Serverless::Function":
        for index, policy in enumerate(props.get("Policies", []) or []):
            if isinstance(policy, dict) and "Statement" in policy:
                found.append((f"Policies[{index}]", policy))
    return [(label, doc) for label, doc in found if isinstance(doc, dict)]


def statements(template: dict[str, Any]) -> list[PolicyStatement]:
    """Every statement of every policy document in `template` (branches of Fn::If included)."""
    result: list[PolicyStatement] = []
    for name, resource in template["Resources"].items():
        for label, document in _documents(name, resource):
            for statement in as_list(document.get("Statement", [])):
                for branch in _if_branches(statement):
                    if isinstance(branch, dict):
                        result.append(PolicyStatement(name, label, branch))
    return result


def _if_branches(node: Any) -> list[Any]:
    if isinstance(node, dict) and set(node) == {"Fn::If"}:
        _, yes, no = node["Fn::If"]
        return _if_branches(yes) + _if_branches(no)
    if isinstance(node, dict) and set(node) == {"Ref"} and node["Ref"] == "AWS::NoValue":
        return []
    return [node]


def text_of(value: Any) -> str:
    """The literal text of a policy value: a string, or the pattern of a Fn::Sub."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return ""


def has_wildcard(value: Any) -> bool:
    """A `*` or `?` in an action or resource (after ${...} substitutions, which hold none)."""
    text = re.sub(r"\$\{[^}]*\}", "", text_of(value))
    return "*" in text or "?" in text


# What the security tests read of the template: the functions, the fields of a policy statement.
FUNCTIONS = ("CollectFunction", "PublishFunction", "ApiFunction")
POLICY_FIELDS = ("Action", "NotAction", "Resource", "NotResource")
# Actions that change data, by verb; an API that only reads has none of them.
WRITE_VERBS = re.compile(r":(Put|Update|Delete|BatchWrite|Create|Write|Send|Start|Invoke|Publish|Restore|Tag)")


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


def allow_statements(template: dict[str, Any], role: str) -> list[PolicyStatement]:
    return [
        s
        for s in statements(template)
        if s.owner == role and s.document != "AssumeRolePolicyDocument" and s.effect == "Allow"
    ]


def dead_letter_queues(expanded: dict[str, Any]) -> set[str]:
    """The queues that hold failed work: schedule and rule dead letters, Lambda's OnFailure, SQS redrive."""
    queues: set[str] = set()
    for schedule in resources(expanded, "AWS::Scheduler::Schedule").values():
        queues.add(ref_name(schedule["Properties"]["Target"]["DeadLetterConfig"]["Arn"]))
    for rule in resources(expanded, "AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            if "DeadLetterConfig" in target:
                queues.add(ref_name(target["DeadLetterConfig"]["Arn"]))
    for config in resources(expanded, "AWS::Lambda::EventInvokeConfig").values():
        queues.add(ref_name(config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]))
    for queue in resources(expanded, "AWS::SQS::Queue").values():
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive:
            queues.add(ref_name(redrive["deadLetterTargetArn"]))
    return queues
