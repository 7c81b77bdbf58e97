"""The `hotpapers` command as a user runs it: a separate process, embedded AWS, offline."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from hotpapers.core import aws
from hotpapers.core.settings import Settings
from hotpapers_local.provision import load_template, provision

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HOTPAPERS_"))}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "hotpapers_local.cli", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_demo_collects_the_week_says_which_posts_are_invented_and_publishes_for_its_port() -> None:
    result = run_cli("demo", "--no-serve", "--port", "8123")

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "collecting 2021-W22 (2021-05-31 .. 2021-06-04)" in out
    # One line names the invented posts, with the counts of each source.
    [notice] = [line for line in out.splitlines() if "ILLUSTRATIONS" in line]
    assert "5 Hacker News, 7 Hugging Face and 6 Bluesky posts are invented" in notice and "did not happen" in notice
    # Each day collected from every source through the handler (X from the real posts), then one publish.
    assert "2021-06-01  x            21     17      1         ok" in out
    assert "2021-06-03  hackernews   1      1       1         ok" in out
    assert "2021-06-04  bluesky      3      3       2         ok" in out
    for day, papers in (("2021-05-31", 13), ("2021-06-01", 18), ("2021-06-02", 17), ("2021-06-03", 21)):
        assert f"published {day}: {papers} papers of {papers} candidates" in out
    assert "the pages' absolute URLs start with http://127.0.0.1:8123/" in out
    assert "2021-06-01   18 papers   25 mentions (hackernews 2, huggingface 2, x 21)" in out


def test_demo_serves_on_a_free_port_and_its_pages_carry_that_port() -> None:
    """`--port 0`: the system picks the port, and the feed, the canonical links and the sitemap say that port."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HOTPAPERS_"))}
    demo = subprocess.Popen(
        [sys.executable, "-m", "hotpapers_local.cli", "demo", "--port", "0"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert demo.stdout is not None
        lines = []
        for line in demo.stdout:
            lines.append(line)
            if "Ctrl-C stops the demo" in line:
                break
        served = re.search(r"being served at (http://127\.0\.0\.1:(\d+)/)", "".join(lines))
        assert served, "".join(lines)
        site, port = served.group(1), served.group(2)
        assert port != "8000"
        assert f"the week:        {site}weeks/2021-W22/" in "".join(lines)
        feed = urllib.request.urlopen(site + "feed.xml", timeout=10).read().decode()
        assert f"{site}digests/2021-06-04/" in feed
        page = urllib.request.urlopen(site + "digests/2021-06-04/", timeout=10).read().decode()
        assert f'<link rel="canonical" href="{site}digests/2021-06-04/">' in page
        assert urllib.request.urlopen(site + "favicon.ico", timeout=10).status == 200
    finally:
        demo.send_signal(signal.SIGINT)  # what Ctrl-C sends: the demo stops its server and exits
        assert demo.wait(timeout=30) == 0


def test_demo_keeps_an_explicit_site_url() -> None:
    result = run_cli("demo", "--no-serve", "--port", "8123", env={"HOTPAPERS_SITE_URL": "https://papers.example.org/"})
    assert result.returncode == 0, result.stderr
    assert "the pages' absolute URLs start with https://papers.example.org/" in result.stdout


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
