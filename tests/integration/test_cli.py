"""The `hotpapers` command as a user runs it: a separate process, embedded AWS, offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotpapers.core import aws
from hotpapers.core.settings import Settings
from hotpapers.local.provision import load_template, provision

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HOTPAPERS_"))}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "hotpapers.local.cli", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_demo_collects_the_sample_day_and_shows_what_was_stored() -> None:
    result = run_cli("demo", "--no-serve")

    assert result.returncode == 0, result.stderr
    assert "Stored for the day: 17 papers, 21 mentions, 1 run record" in result.stdout
    assert "2105.14103   cs.LG         1    10042      5  An Attention Free Transformer" in result.stdout
    assert "2021-06-01  x            21     17      1         ok" in result.stdout
    assert "Traceback" not in result.stderr


def test_collect_rejects_a_malformed_date_with_a_clear_message() -> None:
    result = run_cli("collect", "--date", "2021-6-1")

    assert result.returncode == 2
    assert "expected a date as YYYY-MM-DD" in result.stderr


def test_collect_rejects_a_future_day_through_the_handler() -> None:
    result = run_cli("collect", "--date", "2099-01-01", "--sources", "hackernews")

    assert result.returncode == 2
    assert "has not begun yet" in result.stderr


def test_provision_creates_the_table_the_template_defines_and_is_idempotent(moto_endpoint, monkeypatch) -> None:
    monkeypatch.setenv("HOTPAPERS_TABLE", "provision-check")
    monkeypatch.setenv("HOTPAPERS_BUCKET", "provision-check")
    monkeypatch.setenv("HOTPAPERS_EVENT_BUS", "provision-check")
    settings = Settings.from_env()

    first = provision(settings)
    second = provision(settings)

    assert first.created == ["table provision-check", "bucket provision-check", "event bus provision-check"]
    assert second.created == []
    table = aws.client("dynamodb", settings.endpoint_url, settings.region).describe_table(TableName="provision-check")
    declared = load_template(ROOT / "template.yaml")["Resources"]["Table"]["Properties"]
    assert table["Table"]["KeySchema"] == declared["KeySchema"]
    assert sorted(index["IndexName"] for index in table["Table"]["GlobalSecondaryIndexes"]) == ["GSI1", "GSI2"]


def test_backfill_checks_its_days_before_enqueuing_anything() -> None:
    backwards = run_cli("backfill", "--from", "2021-06-02", "--to", "2021-06-01")
    assert backwards.returncode == 2 and "is before --from" in backwards.stderr

    future = run_cli("backfill", "--from", "2021-06-01", "--to", "2099-01-01")
    assert future.returncode == 2 and "has not begun yet" in future.stderr
    assert "enqueued" not in future.stderr
