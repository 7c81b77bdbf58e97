"""Data protection in template.yaml, read from the template itself: the site bucket is private, reached over
TLS and read through CloudFront's origin access control; no secret is written in the template or samconfig.toml."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import pytest

from tests.support import ledger
from tests.support import template_model as tm
from tests.support.template_model import props, ref_name

pytestmark = [pytest.mark.reliability, pytest.mark.integration]


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
