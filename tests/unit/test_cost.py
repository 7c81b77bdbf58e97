"""The cost model (hotpapers_local.cost) and `hotpapers cost`: each line's arithmetic on known inputs."""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotpapers.core.settings import Settings
from hotpapers_local import cost
from hotpapers_local.cli import main
from hotpapers_local.provision import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
MONTH = 30.4


def line(result: cost.Estimate, service: str, item_prefix: str) -> cost.Line:
    found = [each for each in result.lines if each.service == service and each.item.startswith(item_prefix)]
    assert len(found) == 1, [each.item for each in result.lines]
    return found[0]


def write_template(tmp_path: Path, change: Any) -> Path:
    template = copy.deepcopy(load_template(TEMPLATE))
    change(template)
    path = tmp_path / "template.yaml"
    path.write_text(yaml.safe_dump(template), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def default() -> cost.Estimate:
    return cost.estimate(cost.CostSettings(), TEMPLATE)


def test_lambda_compute_is_memory_times_seconds_times_days(default: cost.Estimate) -> None:
    collect = line(default, "Lambda", "compute: collect")
    gb_s = 1024 / 1024 * cost.TYPICAL_DAY.collect_seconds * MONTH
    assert collect.monthly == pytest.approx(gb_s * 0.0000166667)
    api = line(default, "Lambda", "compute: api")
    assert api.monthly == pytest.approx(512 / 1024 * 0.1 * 100 * MONTH * 0.0000166667)
    requests = line(default, "Lambda", "requests")
    assert requests.monthly == pytest.approx((2 + 100) * MONTH * 0.20 / 1e6)
    assert requests.always_free == 0  # 3,101 invocations are inside the 1 million always free


def test_memory_size_from_the_template_changes_the_lambda_line(tmp_path: Path, default: cost.Estimate) -> None:
    def double(template: dict[str, Any]) -> None:
        template["Resources"]["CollectFunction"]["Properties"]["MemorySize"] = 2048

    changed = cost.estimate(cost.CostSettings(), write_template(tmp_path, double))
    before = line(default, "Lambda", "compute: collect")
    after = line(changed, "Lambda", "compute: collect")
    assert after.monthly == pytest.approx(2 * before.monthly)
    assert "2048 MB" in after.item
    assert changed.facts.memory_mb["CollectFunction"] == 2048


def test_a_function_without_memory_size_takes_the_globals(tmp_path: Path) -> None:
    def drop(template: dict[str, Any]) -> None:
        del template["Resources"]["PublishFunction"]["Properties"]["MemorySize"]
        template["Globals"]["Function"]["MemorySize"] = 256

    facts = cost.template_facts(load_template(write_template(tmp_path, drop)))
    assert facts.memory_mb["PublishFunction"] == 256


def test_dynamodb_lines(default: cost.Estimate) -> None:
    day = cost.TYPICAL_DAY
    assert line(default, "DynamoDB", "write").monthly == pytest.approx(day.dynamodb_wru * MONTH * 0.625 / 1e6)
    reads = (day.dynamodb_rru + 100 * cost.API_RRU_PER_REQUEST) * MONTH
    assert line(default, "DynamoDB", "read").monthly == pytest.approx(reads * 0.125 / 1e6)
    gb = day.table_bytes * 365 / 1024**3
    storage = line(default, "DynamoDB", "storage")
    assert storage.monthly == pytest.approx(gb * 0.25)
    assert storage.always_free == 0  # under 25 GB
    assert line(default, "DynamoDB", "point-in-time").always_free == pytest.approx(gb * 0.20)  # no free tier


def test_heavy_storage_passes_the_free_25_gb() -> None:
    heavy = cost.estimate(cost.CostSettings(profile="heavy"), TEMPLATE)
    gb = cost.HEAVY_DAY.table_bytes * 365 / 1024**3
    assert gb > 25
    assert line(heavy, "DynamoDB", "storage").always_free == pytest.approx((gb - 25) * 0.25)


def test_s3_lines_and_their_12_month_free_tier(default: cost.Estimate) -> None:
    puts = line(default, "S3", "PUT")
    assert puts.monthly == pytest.approx((24 + 1) * MONTH * 0.005 / 1000)
    assert puts.always_free == puts.monthly  # the S3 free tier is 12-month only
    assert puts.first_year == 0
    gets = line(default, "S3", "GET")
    assert gets.monthly == pytest.approx(100 * 3 * MONTH * 0.0004 / 1000)


def test_cloudfront_follows_enable_cdn(tmp_path: Path, default: cost.Estimate) -> None:
    assert line(default, "CloudFront", "HTTPS").monthly == pytest.approx(100 * 3 * MONTH * 0.01 / 10_000)

    def no_cdn(template: dict[str, Any]) -> None:
        template["Parameters"]["EnableCdn"]["Default"] = "false"

    without = cost.estimate(cost.CostSettings(), write_template(tmp_path, no_cdn))
    assert not [each for each in without.lines if each.service == "CloudFront"]


def test_alarms_dashboards_kms_and_secret_are_counted_from_the_template(default: cost.Estimate) -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    alarms = len(re.findall(r"Type: AWS::CloudWatch::Alarm\b", text))
    assert default.facts.alarms == alarms
    assert line(default, "CloudWatch", "alarms").monthly == pytest.approx(alarms * 0.10)
    assert line(default, "CloudWatch", "alarms").always_free == pytest.approx(max(0, alarms - 10) * 0.10)
    assert line(default, "CloudWatch", "dashboards").monthly == pytest.approx(3.00 * default.facts.dashboards)
    assert line(default, "CloudWatch", "dashboards").always_free == 0
    # The alarm topic's key exists only with EncryptAlarmTopic=true (default false): not counted by default.
    assert "Condition: HasAlarmTopicKey" in text and default.facts.kms_keys == text.count("AWS::KMS::Key") - 1
    assert line(default, "KMS", "customer-managed").always_free == pytest.approx(1.00 * default.facts.kms_keys)
    assert line(default, "Secrets Manager", "secrets").monthly == pytest.approx(0.40 + MONTH * 0.05 / 10_000)


def test_an_eleventh_alarm_costs_ten_cents(tmp_path: Path) -> None:
    def add(template: dict[str, Any]) -> None:
        template["Resources"]["ExtraAlarm"] = copy.deepcopy(template["Resources"]["CollectErrorsAlarm"])

    before = cost.estimate(cost.CostSettings(), TEMPLATE)
    after = cost.estimate(cost.CostSettings(), write_template(tmp_path, add))
    assert line(after, "CloudWatch", "alarms").always_free - line(before, "CloudWatch", "alarms").always_free == (
        pytest.approx(0.10 if before.facts.alarms >= 10 else 0.0)
    )


def test_custom_metrics_share_the_free_ten(tmp_path: Path) -> None:
    def on(template: dict[str, Any]) -> None:
        for setting in template["Resources"]["HotpapersApi"]["Properties"]["MethodSettings"]:
            setting["MetricsEnabled"] = True

    detailed_on = cost.estimate(cost.CostSettings(), write_template(tmp_path, on))
    ours = line(detailed_on, "CloudWatch", "custom metrics: 20 Powertools")
    months = 20 * MONTH / 730
    assert ours.monthly == pytest.approx(months * 0.30)
    assert ours.always_free == 0
    detailed = line(detailed_on, "CloudWatch", "custom metrics: API Gateway")
    routes = detailed_on.facts.api_routes
    hours = 730 * (1 - math.exp(-100 / (routes * 24)))
    detailed_months = routes * 7 * hours / 730
    assert detailed.monthly == pytest.approx(detailed_months * 0.30)
    assert detailed.always_free == pytest.approx((detailed_months - (10 - months)) * 0.30)


def test_without_detailed_api_metrics_there_is_no_such_line(default: cost.Estimate) -> None:
    assert not default.facts.api_detailed_metrics  # the template's default: MetricsEnabled false
    assert not [each for each in default.lines if "API Gateway detailed" in each.item]


def test_a_conditional_key_counts_when_its_parameter_turns_it_on(tmp_path: Path) -> None:
    def encrypt(template: dict[str, Any]) -> None:
        template["Parameters"]["EncryptAlarmTopic"]["Default"] = "true"

    result = cost.estimate(cost.CostSettings(), write_template(tmp_path, encrypt))
    assert line(result, "KMS", "customer-managed").always_free == pytest.approx(1.00)


def test_metric_names_match_the_code() -> None:
    """Every metric the handlers emit is in the model, and nothing else: a new metric must be costed."""
    package = ROOT / "layers" / "hotpapers" / "hotpapers"
    code = "\n".join(
        (package / path).read_text(encoding="utf-8")
        for path in ("collect/handler.py", "publish/handler.py", "core/observability.py")
    )
    names = set(re.findall(r'name="([A-Za-z]+)"', code)) | set(re.findall(r'\("([A-Z][A-Za-z]+)", ', code))
    names |= set(re.findall(r'record_failure\("([A-Za-z]+)"', code))
    names.discard("source")  # the dimension
    apps = (ROOT / "functions" / "collect" / "app.py").read_text(encoding="utf-8")
    assert "capture_cold_start_metric=True" in apps  # ColdStart
    modelled = set(cost.PER_SOURCE_METRICS) | set(cost.X_METRICS) | set(cost.RUN_METRICS) | set(cost.FAILURE_METRICS)
    assert names | {"ColdStart"} == modelled


def test_sqs_lines_follow_the_queues_functions_poll(tmp_path: Path, default: cost.Estimate) -> None:
    polled = {each.item.split(" ")[0] for each in default.lines if each.service == "SQS"}
    assert polled == {"CollectQueue", "PublishQueue"}  # the template's event source mappings

    def queue(template: dict[str, Any]) -> None:
        template["Resources"]["WorkQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}}
        events = template["Resources"]["CollectFunction"]["Properties"]["Events"]
        events["Work"] = {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": "WorkQueue.Arn"}}}

    result = cost.estimate(cost.CostSettings(), write_template(tmp_path, queue))
    sqs = line(result, "SQS", "WorkQueue (FIFO")
    requests = (cost.SQS_IDLE_RECEIVES_PER_DAY + 3) * MONTH
    assert sqs.monthly == pytest.approx(requests * 0.50 / 1e6)
    # Three polled queues share the free million, in name order: CollectQueue (FIFO) is free, PublishQueue
    # (standard) takes the rest of the million, WorkQueue (FIFO) is billed whole.
    lines = [each for each in result.lines if each.service == "SQS"]
    assert [each.item.split(" ")[0] for each in lines] == ["CollectQueue", "PublishQueue", "WorkQueue"]
    assert [each.always_free for each in lines] == pytest.approx(
        [0, (2 * requests - 1e6) * 0.40 / 1e6, requests * 0.50 / 1e6]
    )


@pytest.mark.parametrize(
    ("demand", "cap", "read"),
    [(24_000, 1000, 1000), (24_000, 0, 24_000), (300, 1000, 300), (24_000, 5000, 5000)],
)
def test_x_line_follows_the_cap(demand: int, cap: int, read: int) -> None:
    result = cost.estimate(cost.CostSettings(x_posts_per_day=demand, x_max_posts=cap), TEMPLATE)
    assert result.x.monthly == pytest.approx(read * MONTH * cost.X_PRICE_PER_POST_USD)
    assert result.to_dict()["totals"]["aws_and_x"]["monthly"] == pytest.approx(
        result.total() + result.x.monthly, abs=1e-3
    )


def test_the_cap_defaults_to_the_collectors_own() -> None:
    assert cost.CostSettings().x_max_posts == Settings.from_env({}).x_max_posts == 1000


def test_totals_are_the_sum_of_the_lines(default: cost.Estimate) -> None:
    totals = default.to_dict()["totals"]["aws"]
    for column in ("monthly", "always_free", "first_year"):
        assert totals[column] == pytest.approx(sum(getattr(each, column) for each in default.lines), abs=1e-3)
    assert totals["monthly"] >= totals["always_free"] >= totals["first_year"]


def test_cli_json_shape(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTPAPERS_X_MAX_POSTS", "500")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert main(["cost", "--json", "--readers-per-day", "1000", "--api-requests-per-day", "50",
                 "--template", str(TEMPLATE)]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"lines", "x", "totals", "settings", "template", "assumptions", "under_1_usd_without_x"}
    assert data["settings"]["readers_per_day"] == 1000
    assert data["settings"]["api_requests_per_day"] == 50
    assert data["settings"]["x_max_posts"] == 500
    assert data["x"]["monthly"] == pytest.approx(500 * MONTH * 0.005)
    assert set(data["totals"]) == {"aws", "aws_and_x"}
    assert set(data["totals"]["aws"]) == {"monthly", "always_free", "first_year"}
    for each in data["lines"]:
        assert set(each) == {"service", "item", "usage", "price", "monthly", "always_free", "first_year", "free_tier"}


def test_cli_table_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost"]) == 0
    out = capsys.readouterr().out
    assert "AWS total" in out and "AWS + X total" in out and "Assumptions:" in out
    with pytest.raises(SystemExit) as refused:
        main(["cost", "--readers-per-day", "-5"])
    assert refused.value.code == 2


def test_cli_refuses_a_bad_cap(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTPAPERS_X_MAX_POSTS", "lots")
    assert main(["cost"]) == 2
    assert "HOTPAPERS_X_MAX_POSTS" in capsys.readouterr().err
