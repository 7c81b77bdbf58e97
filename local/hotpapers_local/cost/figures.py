"""The cost model's figures: prices, free tiers, measured days, the metrics the code emits, assumptions."""

from __future__ import annotations

from dataclasses import dataclass

from hotpapers.core.settings import Settings

DAYS_PER_MONTH = 30.4
HOURS_PER_MONTH = 730.0
GB = 1024**3

# --- X -------------------------------------------------------------------------------------------------
# X is pay-per-use: every post a search returns is billed, a post read twice in one UTC day once
# (docs/upstreams.md). No price is written in the project's upstream notes: like the README's
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
