"""`hotpapers cost`: the monthly AWS (and X) cost at the current settings, from counted requests.

An operator's tool, not deployed logic. Per-day usage of each AWS service (measured request counts,
durations and bytes: see the two `DayProfile`s below) times the published us-east-1 prices, times
30.4 days. What the template decides is read from template.yaml itself (each function's MemorySize,
the alarms, dashboards, KMS keys, secrets, queues polled by Lambda, the CDN switch, log retention,
the API's detailed metrics), so changing the template changes the estimate. Works offline.

Every figure is a module-level constant with where it comes from; docs/operations.md ("Cost")
explains them and what changes them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from hotpapers.core.settings import Settings
from hotpapers.local.provision import default_template_path, load_template

DAYS_PER_MONTH = 30.4
HOURS_PER_MONTH = 730.0
GB = 1024**3

# --- X -------------------------------------------------------------------------------------------------
# X is pay-per-use: every post a search returns is billed, a post read twice in one UTC day once
# (shared/docs/UPSTREAMS.md). No price is written in the project's upstream notes: like the README's
# "X's cost" section (branch ops-upstreams), assume 0.005 USD per post read; check your X developer console.
X_PRICE_PER_POST_USD = 0.005
# HOTPAPERS_X_MAX_POSTS (posts read per collected day, 0 = no cap); the default the X source documents.
# The collector benchmark's heavy day: 24,000 original X posts (bench/README.md): the upper bound of demand.
X_HEAVY_DAY_POSTS = 24_000


# --- Prices: us-east-1, on-demand, USD, as AWS publishes them (pricing pages checked 2025) -------------
@dataclass(frozen=True)
class Prices:
    lambda_request: float = 0.20 / 1e6
    lambda_gb_second: float = 0.0000166667  # x86_64, first 6 billion GB-s
    dynamodb_wru: float = 0.625 / 1e6  # on-demand, since the price cut of November 2024
    dynamodb_rru: float = 0.125 / 1e6
    dynamodb_storage_gb_month: float = 0.25
    dynamodb_pitr_gb_month: float = 0.20  # continuous backups (PointInTimeRecoveryEnabled)
    s3_storage_gb_month: float = 0.023
    s3_put_or_list: float = 0.005 / 1000
    s3_get: float = 0.0004 / 1000
    sqs_standard_request: float = 0.40 / 1e6
    sqs_fifo_request: float = 0.50 / 1e6
    eventbridge_custom_event: float = 1.00 / 1e6
    scheduler_invocation: float = 1.00 / 1e6
    apigw_rest_request: float = 3.50 / 1e6  # first 333 million a month
    cloudwatch_metric_month: float = 0.30  # first 10,000 metrics; prorated by the hours a metric gets data
    cloudwatch_alarm_month: float = 0.10  # standard resolution
    cloudwatch_dashboard_month: float = 3.00
    logs_ingestion_gb: float = 0.50
    logs_storage_gb_month: float = 0.03  # of the compressed size
    secret_month: float = 0.40
    secrets_api_call: float = 0.05 / 10_000
    kms_key_month: float = 1.00
    xray_trace: float = 5.00 / 1e6
    cloudfront_https_request: float = 0.0100 / 10_000  # United States / Europe (PriceClass_100)
    cloudfront_gb_out: float = 0.085
    cloudfront_function_invocation: float = 0.10 / 1e6


# --- Free tiers: (allowance per month, "always" free or only the first "12-month"s of an account) ------
# The 12-month offers apply to accounts created before 15 July 2025; newer accounts get credits instead.
FREE_TIER: dict[str, tuple[float, str]] = {
    "lambda_requests": (1_000_000, "always"),
    "lambda_gb_seconds": (400_000, "always"),
    "dynamodb_storage_gb": (25, "always"),  # on-demand tables: storage only (the 25 WCU/RCU are provisioned mode's)
    "s3_storage_gb": (5, "12-month"),
    "s3_put_or_list": (2_000, "12-month"),
    "s3_get": (20_000, "12-month"),
    "sqs_requests": (1_000_000, "always"),
    "scheduler_invocations": (14_000_000, "always"),
    "apigw_rest_requests": (1_000_000, "12-month"),
    "cloudwatch_metrics": (10, "always"),
    "cloudwatch_alarms": (10, "always"),
    "cloudwatch_dashboards": (3, "always"),  # of up to 50 metrics each
    "logs_gb": (5, "always"),  # ingestion, storage and Logs Insights scans together
    "kms_requests": (20_000, "always"),
    "xray_traces": (100_000, "always"),
    "cloudfront_requests": (10_000_000, "always"),
    "cloudfront_gb_out": (1_024, "always"),
    "cloudfront_function_invocations": (2_000_000, "always"),
}


# --- Measured usage of one collected day ---------------------------------------------------------------
@dataclass(frozen=True)
class DayProfile:
    """What one day's collect + publish costs in requests, seconds and bytes, and where that was measured."""

    name: str
    source: str
    collect_seconds: float  # billed duration of the collect invocation
    publish_seconds: float
    dynamodb_wru: float  # collect + publish writes, GSI writes included
    dynamodb_rru: float  # collect + publish reads (eventually consistent)
    table_bytes: float  # table growth per day, GSI copies and DynamoDB's 100-byte index overhead included
    s3_puts: int
    s3_lists: int  # ListObjectsV2 pages (priced as PUTs)
    bucket_bytes: float  # bucket growth per day
    log_bytes: float  # Lambda logs of collect + publish: Powertools JSON, EMF lines, START/END/REPORT
    events: int = 1  # "Collect Finished" on the bus


# The sample day (2021-06-01: 17 papers, 21 posts) through the real collect and publish handlers against
# the embedded emulator and the fake upstreams, counted on the wire (botocore before-send on the product's
# own clients, as bench/harness.py's WireCounter), run of 2026-12-03: collect 1 BatchGetItem, 1 Query,
# 3 BatchWriteItem, 1 PutItem, 1 PutEvents, 6 upstream requests, 56 items (85,669 bytes) = 176 WRU
# + 57 GSI writes = 233 WRU; publish 2 Query, 2 BatchWriteItem + 1 PutItem (3 digest items, 44 WRU),
# 1 ListObjectsV2, 24 PutObject; table 59 items, 115,637 bytes (x2 for GSI copies, +100 bytes per
# index entry: 243 KB); the day's own objects 193,448 bytes; logs 8,822 + 1,767 bytes.
# Durations: the handlers' wall time here (0.13 s and 0.31 s) is against loopback; each of the
# 6 upstream requests is counted at 0.5 s of real network latency, plus ~0.5 s cold start each.
TYPICAL_DAY = DayProfile(
    name="typical",
    source="sample day 2021-06-01 through the real handlers, counted on the wire (2026-12-03)",
    collect_seconds=0.13 + 6 * 0.5 + 0.5,
    publish_seconds=0.31 + 0.5,
    dynamodb_wru=233 + 44,
    # collect: BatchGetItem of 17 papers (0.5 RRU each) + Query of the day's mentions (~34 KB);
    # publish: Query of the day's items (~86 KB) and of the digest list: eventually consistent, 0.5 RRU/4 KB.
    dynamodb_rru=17 * 0.5 + 34 / 8 + 86 / 8 + 1,
    table_bytes=2 * 115_637 + 100 * (59 + 58),
    s3_puts=24,
    s3_lists=1,
    bucket_bytes=193_448,
    log_bytes=8_822 + 1_767 + 2 * 450,
)

# The collector and publisher benchmarks' heavy day (bench/README.md, run of 2026-12-03): 2,000 papers,
# 30,000 posts, 36,108 items; collect 90 s (34.1 s wall against moto + 56 s of arXiv's mandated waits),
# publish 36.7 s wall against moto (4.1 s CPU), 29 PutObject; 20 BatchGetItem, 1,445 BatchWriteItem.
# Item sizes, GSI writes and log bytes are not in the benchmark: the typical day's per-item ratios are
# used (233 WRU / 56 items; 1,960 bytes an item), and its log bytes (the collector logs per source and
# per day, not per post). The digest items are bounded by DynamoDB's 400 KB: 2 x 400 + 4 WRU.
TYPICAL_WRU_PER_ITEM = 233 / 56
TYPICAL_BYTES_PER_ITEM = 115_637 / 59
HEAVY_DAY = DayProfile(
    name="heavy",
    source="collector and publisher benchmarks' heavy day (bench/README.md, 2026-12-03)",
    collect_seconds=90.0,
    publish_seconds=36.7,
    dynamodb_wru=36_108 * TYPICAL_WRU_PER_ITEM + 804,
    # 2,000 papers by BatchGetItem (0.5 RRU each) + the day's mentions read twice (collector, publisher)
    dynamodb_rru=2_000 * 0.5 + 2 * 32_108 * TYPICAL_BYTES_PER_ITEM / 8_192,
    table_bytes=36_108 * TYPICAL_BYTES_PER_ITEM * 2 + 100 * 2 * 36_108,
    s3_puts=29,
    s3_lists=1,
    bucket_bytes=193_448,
    log_bytes=8_822 + 1_767 + 2 * 450,
)
PROFILES = {profile.name: profile for profile in (TYPICAL_DAY, HEAVY_DAY)}

# --- Custom metrics the code emits (Powertools EMF): every name x dimension set is one metric ----------
# collect/handler.py _emit_metrics: Posts, Papers, Failures per source (dimensions source, service);
# PostsRead for X (source=x); PapersCollected, PaperLookupFailures, PapersWithoutMetadata, SourceFailures
# (service); functions/collect/app.py: ColdStart
# (function_name, service); publish/handler.py: DigestsPublished, ObjectsUploaded; core/observability.py
# record_failure: CollectFailures, PublishFailures, only on a failed run (counted as never emitted).
# tests/unit/test_cost.py checks this list against the names in the code.
PER_SOURCE_METRICS = ("Posts", "Papers", "Failures")
RUN_METRICS = ("PapersCollected", "PaperLookupFailures", "PapersWithoutMetadata", "SourceFailures", "ColdStart",
               "DigestsPublished", "ObjectsUploaded")  # fmt: skip
# X alone reports what it billed: PostsRead with the dimension source=x.
X_METRICS = ("PostsRead",)
FAILURE_METRICS = ("CollectFailures", "PublishFailures")
SOURCES = ("x", "bluesky", "hackernews", "huggingface")
# A metric is billed for the hours in which it gets data: the daily metrics, one hour a day.
DAILY_METRIC_HOURS_PER_MONTH = DAYS_PER_MONTH
# API Gateway REST detailed metrics (MethodSettings MetricsEnabled): per resource and method with traffic:
# Count, 4XXError, 5XXError, Latency, IntegrationLatency, CacheHitCount, CacheMissCount.
APIGW_METRICS_PER_METHOD = 7

# --- Assumptions about readers and the API -------------------------------------------------------------
API_BILLED_MS = 100  # average billed duration per API invocation: warm ~20 ms, cold starts (INIT billed) ~500 ms
API_RRU_PER_REQUEST = 2.0  # one GetItem of a ~16 KB gzipped digest (docs/api.md), eventually consistent
API_ACCESS_LOG_BYTES = 330  # one access-log JSON line per request (template AccessLogSetting)
LAMBDA_PLATFORM_LOG_BYTES = 450  # START, END and REPORT (with the X-Ray trace id) per invocation
LOGS_COMPRESSION = 0.15  # CloudWatch Logs bills storage on the compressed size
PAGE_BYTES = 50_000  # bytes a page view transfers (index and day pages ~94 KB before compression)
SQS_IDLE_RECEIVES_PER_DAY = 5 * 3 * 60 * 24  # Lambda's 5 pollers, each a 20-s long poll: per queue, even idle


@dataclass(frozen=True)
class CostSettings:
    readers_per_day: int = 100
    pages_per_reader: int = 3
    api_requests_per_day: int = 100
    x_posts_per_day: int = X_HEAVY_DAY_POSTS  # posts X would return for a day, before the cap
    x_max_posts: int = Settings.x_max_posts  # 0: no cap; the collector's default (core/settings.py)
    x_price_per_post: float = X_PRICE_PER_POST_USD
    archive_days: int = 365  # days of data kept in the table and bucket (storage is cumulative)
    cdn_miss_ratio: float = 1.0  # share of CloudFront requests that reach S3 (1.0: the upper bound)
    profile: str = "typical"


# --- What the template decides --------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateFacts:
    memory_mb: dict[str, int]  # per function resource
    alarms: int
    dashboards: int
    kms_keys: int
    secrets: int
    polled_queues: dict[str, bool]  # queue resource -> FIFO, for each SQS event source of a function
    cdn: bool
    log_retention_days: int
    api_routes: int
    api_detailed_metrics: bool
    schedules: int


def _default(template: dict[str, Any], parameter: str, fallback: Any) -> Any:
    return template.get("Parameters", {}).get(parameter, {}).get("Default", fallback)


def _holds(template: dict[str, Any], condition: str) -> bool:
    """Whether a template condition holds at the parameters' defaults (what `sam deploy` creates unless told
    otherwise). An expression this does not know counts as true: the estimate errs on the costly side."""

    def value(node: Any) -> Any:
        if isinstance(node, dict) and "Ref" in node:
            return _default(template, node["Ref"], None)
        return node

    def evaluate(node: Any) -> bool:
        if not isinstance(node, dict) or len(node) != 1:
            return True
        (function, args), = node.items()
        if function == "Fn::Equals":
            return str(value(args[0])) == str(value(args[1]))
        if function == "Fn::Not":
            return not evaluate(args[0])
        if function == "Fn::And":
            return all(evaluate(arg) for arg in args)
        if function == "Fn::Or":
            return any(evaluate(arg) for arg in args)
        if function == "Condition":
            return evaluate(template.get("Conditions", {}).get(args, {}))
        return True

    return evaluate(template.get("Conditions", {}).get(condition, {}))


def _ref_name(value: Any) -> str | None:
    """The resource a !GetAtt X.Arn or !Ref X names."""
    if isinstance(value, dict):
        inner = value.get("Fn::GetAtt", value.get("Ref"))
        if isinstance(inner, str):
            return inner.split(".")[0]
        if isinstance(inner, list) and inner:
            return str(inner[0])
    return None


def template_facts(template: dict[str, Any]) -> TemplateFacts:
    resources: dict[str, Any] = template.get("Resources", {})
    global_memory = template.get("Globals", {}).get("Function", {}).get("MemorySize", 128)

    def of_type(kind: str) -> dict[str, dict[str, Any]]:
        return {
            name: res.get("Properties", {}) or {}
            for name, res in resources.items()
            if res.get("Type") == kind and ("Condition" not in res or _holds(template, res["Condition"]))
        }

    functions = of_type("AWS::Serverless::Function")
    memory = {name: int(props.get("MemorySize", global_memory)) for name, props in functions.items()}
    queues = of_type("AWS::SQS::Queue")
    polled: dict[str, bool] = {}
    routes = 0
    schedules = 0
    for props in functions.values():
        for event in (props.get("Events") or {}).values():
            kind = event.get("Type")
            if kind == "SQS":
                name = _ref_name(event.get("Properties", {}).get("Queue")) or "queue"
                polled[name] = bool(queues.get(name, {}).get("FifoQueue", False))
            elif kind == "Api":
                routes += 1
            elif kind in ("ScheduleV2", "Schedule"):
                schedules += 1
    schedules += len(of_type("AWS::Scheduler::Schedule"))
    detailed = any(
        setting.get("MetricsEnabled") is True
        for props in of_type("AWS::Serverless::Api").values()
        for setting in props.get("MethodSettings", []) or []
    )
    return TemplateFacts(
        memory_mb=memory,
        alarms=len(of_type("AWS::CloudWatch::Alarm")),
        dashboards=len(of_type("AWS::CloudWatch::Dashboard")),
        kms_keys=len(of_type("AWS::KMS::Key")),
        secrets=len(of_type("AWS::SecretsManager::Secret")),
        polled_queues=polled,
        cdn=str(_default(template, "EnableCdn", "false")).lower() == "true",
        log_retention_days=int(_default(template, "LogRetentionDays", 30)),
        api_routes=routes,
        api_detailed_metrics=detailed,
        schedules=schedules,
    )


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
    x = Line("X API", f"posts read ({_n(demand)} a day, {cap})", f"{_n(read * month)} posts",
             f"{settings.x_price_per_post} USD/post (assumed)", x_month, x_month, x_month, "none")

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


# --- Rendering -----------------------------------------------------------------------------------------
def _usd(value: float) -> str:
    return f"{value:,.2f}" if value >= 0.01 or value == 0 else f"{value:.4f}"


def render(result: Estimate) -> str:
    header = ("service", "item", "usage a month", "price", "USD/month", "always-free", "first year")
    rows = [(line.service, line.item, line.usage, line.price, _usd(line.monthly), _usd(line.always_free),
             _usd(line.first_year)) for line in result.lines]  # fmt: skip
    aws = [result.total(col) for col in ("monthly", "always_free", "first_year")]
    x = result.x
    rows.append(("AWS total", "", "", "", *(_usd(value) for value in aws)))
    rows.append((x.service, x.item, x.usage, x.price, _usd(x.monthly), _usd(x.always_free), _usd(x.first_year)))
    rows.append(("AWS + X total", "", "", "", _usd(aws[0] + x.monthly), _usd(aws[1] + x.monthly),
                 _usd(aws[2] + x.monthly)))  # fmt: skip
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    out = [f"Monthly cost ({DAYS_PER_MONTH} days), us-east-1, at the current settings ({result.profile.name} day)", ""]
    rule = "  ".join("-" * w for w in widths)
    for index, row in enumerate((header, *rows)):
        if row[0] == "AWS total":
            out.append(rule)
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [str(cell).rjust(w) if i >= 4 else str(cell).ljust(w) for i, (cell, w) in pairs]
        out.append("  ".join(cells).rstrip())
        if index == 0:
            out.append(rule)
    out.append("")
    verdict = "under" if aws[1] < 1.0 else "OVER"
    out.append(f"AWS without X, with the always-free tier: {_usd(aws[1])} USD/month: {verdict} the 1 USD target.")
    fixed = sorted((line for line in result.lines if line.always_free >= 0.01), key=lambda line: -line.always_free)
    if fixed:
        named = "; ".join(f"{line.service} {line.item} {_usd(line.always_free)}" for line in fixed)
        out.append(f"  lines from 0.01 USD: {named}")
    out.append("")
    out.append("Assumptions:")
    out.extend(f"  - {text}" for text in result.assumptions)
    return "\n".join(out)
