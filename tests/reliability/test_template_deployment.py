"""template.yaml deploys on any account and keeps what cannot be recreated: python3.13 everywhere, no reserved
concurrency, a deletion and replacement policy on every stateful resource, locked and audited dependencies."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from tests.support import ledger
from tests.support import template_model as tm
from tests.support.template_model import dead_letter_queues, props

pytestmark = [pytest.mark.reliability, pytest.mark.integration]


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
        test="tests/reliability/test_template_deployment.py::test_no_function_reserves_concurrency",
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
    failed_work_queues = dead_letter_queues(expanded)
    assert failed_work_queues and failed_work_queues <= set(tm.resources(template, "AWS::SQS::Queue"))
    for name, res in stateful.items():
        assert res["DeletionPolicy"] in ("Retain", "Delete", "Snapshot", "RetainExceptOnCreate"), name
        if res["Type"] in RETAINED_TYPES or name in failed_work_queues:
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
        test="tests/reliability/test_template_deployment.py::test_runtime_dependencies_are_locked_and_audited_in_ci",
    )


# ------------------------------------------------------------------ scanners


def test_every_checkov_check_the_design_rejects_is_skipped_with_its_reason(template: dict[str, Any]) -> None:
    """`make lint` runs checkov on the template and fails on any failed check; what it skips is only what the
    resource's own Metadata rejects, one check at a time, each with a reason a reader can judge."""
    skips = [
        (name, skip)
        for name, res in template["Resources"].items()
        for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips, "no checkov skips: has the Metadata moved?"
    for name, skip in skips:
        assert re.fullmatch(r"CKV_AWS_\d+", skip.get("id", "")), (name, skip)
        assert len(str(skip.get("comment", "")).split()) >= 10, f"{name} skips {skip['id']} without a reason"
    per_resource = [(name, skip["id"]) for name, skip in skips]
    assert len(per_resource) == len(set(per_resource)), "a check skipped twice on one resource"
    makefile = (tm.ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"checkov .*-f template\.yaml --framework cloudformation", makefile), "make lint runs checkov"
    ledger.record(
        "template_security",
        check="every checkov check the design rejects is skipped on its resource with a reason",
        resources=len({name for name, _ in skips}),
        result="pass",
        detail=f"{len(skips)} skips; `make lint` runs checkov -f template.yaml --framework cloudformation",
    )
