"""The monthly estimate: one line per service from a day's usage, the template and the settings."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from hotpapers_local.cost.figures import (
    API_ACCESS_LOG_BYTES,
    API_BILLED_MS,
    API_RRU_PER_REQUEST,
    APIGW_METRICS_PER_METHOD,
    DAILY_METRIC_HOURS_PER_MONTH,
    DAYS_PER_MONTH,
    FREE_TIER,
    GB,
    HOURS_PER_MONTH,
    LAMBDA_PLATFORM_LOG_BYTES,
    LOGS_COMPRESSION,
    PAGE_BYTES,
    PER_SOURCE_METRICS,
    PROFILES,
    RUN_METRICS,
    SOURCES,
    SQS_IDLE_RECEIVES_PER_DAY,
    X_METRICS,
    CostSettings,
    DayProfile,
    Prices,
)
from hotpapers_local.cost.template import TemplateFacts, template_facts
from hotpapers_local.provision import default_template_path, load_template


# --- The estimate --------------------------------------------------------------------------------------
@dataclass
class Line:
    service: str
    item: str
    usage: str  # per month
    price: str
    monthly: float  # USD without any free tier
    always_free: float  # USD after the always-free allowances
    first_year: float  # USD after the always-free and the 12-month allowances
    free_tier: str = ""


@dataclass
class Estimate:
    settings: CostSettings
    profile: DayProfile
    facts: TemplateFacts
    lines: list[Line]
    x: Line
    assumptions: list[str] = field(default_factory=list)

    def total(self, column: str = "monthly") -> float:
        return sum(getattr(line, column) for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        aws = {col: round(self.total(col), 4) for col in ("monthly", "always_free", "first_year")}
        return {
            "region": "us-east-1",
            "days_per_month": DAYS_PER_MONTH,
            "profile": {"name": self.profile.name, "source": self.profile.source},
            "settings": asdict(self.settings),
            "template": asdict(self.facts),
            "lines": [asdict(line) for line in self.lines],
            "x": asdict(self.x),
            "totals": {
                "aws": aws,
                "aws_and_x": {col: round(value + getattr(self.x, col), 4) for col, value in aws.items()},
            },
            "under_1_usd_without_x": aws["always_free"] < 1.0,
            "assumptions": self.assumptions,
        }


def _free(key: str, used: float, cost_per_unit: float, already_used: float = 0.0) -> tuple[float, float]:
    """(cost after the always-free allowance, cost after all allowances) for `used` units, some of the
    allowance possibly taken by an earlier line (`already_used`)."""
    allowance, kind = FREE_TIER[key]
    left = max(0.0, allowance - already_used)
    after = max(0.0, used - left) * cost_per_unit
    full = used * cost_per_unit
    return (after, after) if kind == "always" else (full, after)


def _line(service: str, item: str, usage: str, price: str, monthly: float, free_key: str | None = None,
          used: float = 0.0, unit_price: float = 0.0, already_used: float = 0.0) -> Line:  # fmt: skip
    if free_key is None:
        return Line(service, item, usage, price, monthly, monthly, monthly, "none")
    always, first_year = _free(free_key, used, unit_price, already_used)
    allowance, kind = FREE_TIER[free_key]
    return Line(service, item, usage, price, monthly, always, first_year, f"{allowance:,g}/month ({kind})")


def _n(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def estimate(settings: CostSettings | None = None, template_path: Path | None = None,
             prices: Prices | None = None) -> Estimate:  # fmt: skip
    settings = settings or CostSettings()
    p = prices or Prices()
    day = PROFILES[settings.profile]
    facts = template_facts(load_template(template_path or default_template_path()))
    month = DAYS_PER_MONTH
    lines: list[Line] = []

    # Lambda: one collect and one publish a day, one API invocation per API request.
    mem = {name: mb / 1024 for name, mb in facts.memory_mb.items()}
    runs = [
        ("CollectFunction", 1.0, day.collect_seconds),
        ("PublishFunction", 1.0, day.publish_seconds),
        ("ApiFunction", float(settings.api_requests_per_day), API_BILLED_MS / 1000),
    ]
    invocations = sum(count for _, count, _ in runs) * month
    gb_seconds = {name: count * seconds * mem.get(name, 0.125) * month for name, count, seconds in runs}
    lines.append(_line("Lambda", "requests", f"{_n(invocations)} invocations", "0.20 USD/million",
                       invocations * p.lambda_request, "lambda_requests", invocations, p.lambda_request))  # fmt: skip
    used_gb_s = 0.0
    for name, gb_s in gb_seconds.items():
        short = name.removesuffix("Function").lower()
        count, seconds = next((count, seconds) for fn, count, seconds in runs if fn == name)
        lines.append(_line("Lambda", f"compute: {short} ({facts.memory_mb.get(name, 128)} MB, {seconds:g} s x "
                           f"{_n(count)}/day)", f"{_n(gb_s)} GB-s", "0.0000166667 USD/GB-s", gb_s * p.lambda_gb_second,
                           "lambda_gb_seconds", gb_s, p.lambda_gb_second, used_gb_s))  # fmt: skip
        used_gb_s += gb_s

    # DynamoDB on demand.
    wru = day.dynamodb_wru * month
    rru = (day.dynamodb_rru + settings.api_requests_per_day * API_RRU_PER_REQUEST) * month
    lines.append(_line("DynamoDB", "write request units", f"{_n(wru)} WRU", "0.625 USD/million", wru * p.dynamodb_wru))
    lines.append(_line("DynamoDB", "read request units", f"{_n(rru)} RRU", "0.125 USD/million", rru * p.dynamodb_rru))
    table_gb = day.table_bytes * settings.archive_days / GB
    lines.append(_line("DynamoDB", f"storage ({settings.archive_days} days kept)", f"{table_gb:.3f} GB-month",
                       "0.25 USD/GB-month", table_gb * p.dynamodb_storage_gb_month, "dynamodb_storage_gb", table_gb,
                       p.dynamodb_storage_gb_month))  # fmt: skip
    lines.append(_line("DynamoDB", "point-in-time recovery", f"{table_gb:.3f} GB-month", "0.20 USD/GB-month",
                       table_gb * p.dynamodb_pitr_gb_month))  # fmt: skip

    # S3: the daily publish's PUTs and listing; page views reach S3 through CloudFront's misses.
    puts = (day.s3_puts + day.s3_lists) * month
    views = settings.readers_per_day * settings.pages_per_reader * month
    gets = views * (settings.cdn_miss_ratio if facts.cdn else 1.0)
    bucket_gb = day.bucket_bytes * settings.archive_days / GB
    lines.append(_line("S3", "PUT and LIST", f"{_n(puts)} requests", "0.005 USD/1,000", puts * p.s3_put_or_list,
                       "s3_put_or_list", puts, p.s3_put_or_list))  # fmt: skip
    lines.append(_line("S3", "GET", f"{_n(gets)} requests", "0.0004 USD/1,000", gets * p.s3_get, "s3_get", gets,
                       p.s3_get))  # fmt: skip
    lines.append(_line("S3", f"storage ({settings.archive_days} days kept)", f"{bucket_gb:.3f} GB-month",
                       "0.023 USD/GB-month", bucket_gb * p.s3_storage_gb_month, "s3_storage_gb", bucket_gb,
                       p.s3_storage_gb_month))  # fmt: skip

    if facts.cdn:
        gb_out = views * PAGE_BYTES / GB
        lines.append(_line("CloudFront", "HTTPS requests", f"{_n(views)} requests", "0.01 USD/10,000",
                           views * p.cloudfront_https_request, "cloudfront_requests", views,
                           p.cloudfront_https_request))  # fmt: skip
        lines.append(_line("CloudFront", "data out", f"{gb_out:.3f} GB", "0.085 USD/GB", gb_out * p.cloudfront_gb_out,
                           "cloudfront_gb_out", gb_out, p.cloudfront_gb_out))  # fmt: skip
        lines.append(_line("CloudFront", "function (index rewrite)", f"{_n(views)} invocations", "0.10 USD/million",
                           views * p.cloudfront_function_invocation, "cloudfront_function_invocations", views,
                           p.cloudfront_function_invocation))  # fmt: skip

    # API Gateway REST.
    api = settings.api_requests_per_day * month
    lines.append(_line("API Gateway", "REST requests", f"{_n(api)} requests", "3.50 USD/million",
                       api * p.apigw_rest_request, "apigw_rest_requests", api, p.apigw_rest_request))  # fmt: skip

    # SQS: each queue a Lambda function polls is long-polled all day, idle or not; ~1 message a day each.
    sqs_lines = []
    used_sqs = 0.0
    for queue, fifo in sorted(facts.polled_queues.items()):
        requests = (SQS_IDLE_RECEIVES_PER_DAY + 3) * month  # polls + send, receive, delete of the day's message
        unit = p.sqs_fifo_request if fifo else p.sqs_standard_request
        kind = "FIFO" if fifo else "standard"
        sqs_lines.append(_line("SQS", f"{queue} ({kind}, polled by Lambda)", f"{_n(requests)} requests",
                               f"{unit * 1e6:.2f} USD/million", requests * unit, "sqs_requests", requests, unit,
                               used_sqs))  # fmt: skip
        used_sqs += requests
    lines.extend(sqs_lines)

    # EventBridge and Scheduler.
    events = day.events * month
    lines.append(_line("EventBridge", "custom events", f"{_n(events)} events", "1.00 USD/million",
                       events * p.eventbridge_custom_event))  # fmt: skip
    schedules = facts.schedules * month
    lines.append(_line("EventBridge Scheduler", "invocations", f"{_n(schedules)} invocations", "1.00 USD/million",
                       schedules * p.scheduler_invocation, "scheduler_invocations", schedules,
                       p.scheduler_invocation))  # fmt: skip

    # CloudWatch: custom metrics (ours, then API Gateway's detailed ones), alarms, dashboards, logs.
    ours = len(PER_SOURCE_METRICS) * len(SOURCES) + len(X_METRICS) + len(RUN_METRICS)
    ours_months = ours * DAILY_METRIC_HOURS_PER_MONTH / HOURS_PER_MONTH
    lines.append(_line("CloudWatch", f"custom metrics: {ours} Powertools EMF metrics, daily",
                       f"{ours_months:.2f} metric-months", "0.30 USD/metric-month",
                       ours_months * p.cloudwatch_metric_month, "cloudwatch_metrics", ours_months,
                       p.cloudwatch_metric_month))  # fmt: skip
    if facts.api_detailed_metrics and facts.api_routes:
        # Requests spread evenly over the routes and the day: an hour has data with Poisson probability.
        per_route_hour = settings.api_requests_per_day / (facts.api_routes * 24)
        hours = HOURS_PER_MONTH * (1 - math.exp(-per_route_hour))
        count = facts.api_routes * APIGW_METRICS_PER_METHOD
        months = count * hours / HOURS_PER_MONTH
        lines.append(_line("CloudWatch", f"custom metrics: API Gateway detailed metrics ({count})",
                           f"{months:.2f} metric-months", "0.30 USD/metric-month", months * p.cloudwatch_metric_month,
                           "cloudwatch_metrics", months, p.cloudwatch_metric_month, ours_months))  # fmt: skip
    lines.append(_line("CloudWatch", f"alarms ({facts.alarms}, standard)", f"{facts.alarms} alarm-month(s)",
                       "0.10 USD/alarm-month", facts.alarms * p.cloudwatch_alarm_month, "cloudwatch_alarms",
                       facts.alarms, p.cloudwatch_alarm_month))  # fmt: skip
    lines.append(_line("CloudWatch", f"dashboards ({facts.dashboards})", f"{facts.dashboards} dashboard-month(s)",
                       "3.00 USD/dashboard-month", facts.dashboards * p.cloudwatch_dashboard_month,
                       "cloudwatch_dashboards", facts.dashboards, p.cloudwatch_dashboard_month))  # fmt: skip
    log_bytes = day.log_bytes + settings.api_requests_per_day * (API_ACCESS_LOG_BYTES + LAMBDA_PLATFORM_LOG_BYTES)
    ingest_gb = log_bytes * month / GB
    stored_gb = log_bytes * facts.log_retention_days * LOGS_COMPRESSION / GB
    lines.append(_line("CloudWatch Logs", "ingestion", f"{ingest_gb:.4f} GB", "0.50 USD/GB",
                       ingest_gb * p.logs_ingestion_gb, "logs_gb", ingest_gb, p.logs_ingestion_gb))  # fmt: skip
    lines.append(_line("CloudWatch Logs", f"storage ({facts.log_retention_days} days' retention)",
                       f"{stored_gb:.4f} GB-month", "0.03 USD/GB-month", stored_gb * p.logs_storage_gb_month,
                       "logs_gb", stored_gb, p.logs_storage_gb_month, ingest_gb))  # fmt: skip

    # X-Ray: active tracing on every function and the API: one trace per invocation.
    traces = invocations
    lines.append(_line("X-Ray", "traces recorded", f"{_n(traces)} traces", "5.00 USD/million", traces * p.xray_trace,
                       "xray_traces", traces, p.xray_trace))  # fmt: skip

    # Secrets Manager and KMS: fixed monthly charges, no free tier (a secret's 30-day trial aside).
    calls = month  # one GetSecretValue per collect invocation
    usage = f"{facts.secrets} secret-month(s), {_n(calls)} calls"
    secrets = facts.secrets * p.secret_month + calls * p.secrets_api_call
    lines.append(_line("Secrets Manager", f"secrets ({facts.secrets}) and API calls", usage, "0.40 USD/secret-month",
                       secrets))  # fmt: skip
    lines.append(_line("KMS", f"customer-managed keys ({facts.kms_keys})", f"{facts.kms_keys} key-month(s)",
                       "1.00 USD/key-month", facts.kms_keys * p.kms_key_month))  # fmt: skip

    # X: posts read a day, capped.
    demand = settings.x_posts_per_day
    read = min(demand, settings.x_max_posts) if settings.x_max_posts > 0 else demand
    x_month = read * month * settings.x_price_per_post
    cap = f"cap {settings.x_max_posts:,}" if settings.x_max_posts > 0 else "no cap"
    x = Line(
        "X API",
        f"posts read ({_n(demand)} a day, {cap})",
        f"{_n(read * month)} posts",
        f"{settings.x_price_per_post} USD/post (assumed)",
        x_month,
        x_month,
        x_month,
        "none",
    )

    assumptions = [
        f"usage per day: the {day.name} day: {day.source}",
        f"{settings.readers_per_day} readers a day x {settings.pages_per_reader} pages, {PAGE_BYTES:,} bytes a page"
        + (f"; CloudFront sends {settings.cdn_miss_ratio:.0%} of them to S3" if facts.cdn else "; no CDN"),
        f"{settings.api_requests_per_day} API requests a day, {API_BILLED_MS} ms billed each, "
        f"{API_RRU_PER_REQUEST:g} RRU each (docs/api.md: one GetItem or Query)",
        f"storage: {settings.archive_days} days of collected data kept",
        f"X: {settings.x_price_per_post} USD a post read is an assumption (no price in the repository's notes); "
        "demand defaults to the heavy day's 24,000 posts, the cap (HOTPAPERS_X_MAX_POSTS) bounds it",
        "custom metrics are billed for the hours they get data (prorated); the daily ones, one hour a day",
        "prices: us-east-1 on-demand as published in 2025; the 12-month free tier only for accounts created "
        "before 15 July 2025",
    ]
    if not facts.polled_queues:
        assumptions.append("no SQS queue is polled by a function in this template; each one adds ~660,000 "
                           "requests a month (Lambda's long polling, idle or not)")  # fmt: skip
    return Estimate(settings, day, facts, lines, x, assumptions)


def with_overrides(base: CostSettings, **values: Any) -> CostSettings:
    return replace(base, **{key: value for key, value in values.items() if value is not None})
