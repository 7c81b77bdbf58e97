"""Malformed events sent to every handler: each gets a clear, logged error, and nothing is written.

The site is built as `hotpapers demo` builds it (tests/integration/test_api_handler.py's
`sample_api_site`: 2021-06-01 and 2021-06-02 collected, the bus's Collect Finished events relayed
to the real publish handler), so every handler faces a table, bucket and bus that already hold a
real site. Each malformed event then goes through functions/<name>/app.py as Lambda would give it.
Before and after each one the whole table (Scan), the bucket listing (with ETags) and the bus
(the publisher's rule, delivering to the relay queue) are read: all must be unchanged, and no
upstream may have been asked anything. The collect and publish handlers must raise InvalidEvent
with a specific message and log it; the API must answer a 4xx whose body is the OpenAPI Error shape.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from hotpapers.api.endpoints import openapi_document
from hotpapers.core import aws
from hotpapers.core.events import MAX_RANGE_DAYS, InvalidEvent
from hotpapers.core.settings import Settings
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.invoke import invoke
from hotpapers_local.relay import drain
from tests.support import ledger
from tests.support.api_site import sample_api_site
from tests.support.site_stack import BSKY

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

EVENTS = Path(__file__).resolve().parents[2] / "events"
OVER_256_KB = "x" * (256 * 1024 + 1)


def deeply_nested(depth: int) -> Any:
    value: Any = "2021-06-01"
    for _ in range(depth):
        value = [value]
    return value


# (case name, event, a fragment the error message must contain). Each must be refused by its handler.
COMMON_CASES: list[tuple[str, Any, str]] = [
    ("null", None, "got null"),
    ("list", [], "got list"),
    ("list of a good event", [{"date": "2021-06-01"}], "got list"),
    ("string", "2021-06-01", "got str"),
    ("number", 20210601, "got int"),
    ("boolean", True, "got bool"),
    ("empty object", {}, "names no day"),
    ("date null", {"date": None}, "YYYY-MM-DD string, got None"),
    ("date number", {"date": 20210601}, "YYYY-MM-DD string, got 20210601"),
    ("date boolean", {"date": True}, "YYYY-MM-DD string"),
    ("date float", {"date": 2021.0601}, "YYYY-MM-DD string"),
    ("date list", {"date": ["2021-06-01"]}, "YYYY-MM-DD string"),
    ("date object", {"date": {"year": 2021, "month": 6, "day": 1}}, "YYYY-MM-DD string"),
    ("date nested garbage", {"date": {"date": {"date": [None, {"": []}]}}}, "YYYY-MM-DD string"),
    ("date huge int", {"date": 10**30}, "got 1000000000000000000000000000000"),
    ("date 4000-digit int", {"date": 10**4000}, "YYYY-MM-DD string, got 1000"),
    ("2021-02-30", {"date": "2021-02-30"}, "not a calendar date"),
    ("0000-01-01", {"date": "0000-01-01"}, "not a calendar date"),
    ("2021-13-01", {"date": "2021-13-01"}, "not a calendar date"),
    ("2021-06-32", {"date": "2021-06-32"}, "not a calendar date"),
    ("2021-00-10", {"date": "2021-00-10"}, "not a calendar date"),
    ("before arXiv", {"date": "1991-08-13"}, "before arXiv existed"),
    ("0001-01-01", {"date": "0001-01-01"}, "before arXiv existed"),
    ("far future", {"date": "9999-12-31"}, "has not begun"),
    ("ISO week date", {"date": "2021-W22-2"}, "YYYY-MM-DD"),
    ("basic form", {"date": "20210601"}, "YYYY-MM-DD"),
    ("timestamp for a date", {"date": "2021-06-01T00:00:00Z"}, "YYYY-MM-DD"),
    ("unpadded", {"date": "2021-6-1"}, "YYYY-MM-DD"),
    ("Arabic-Indic digits", {"date": "٢٠٢١-٠٦-٠١"}, "YYYY-MM-DD"),
    ("fullwidth digits", {"date": "２０２１-０６-０１"}, "YYYY-MM-DD"),
    ("trailing newline", {"date": "2021-06-01\n"}, "YYYY-MM-DD"),
    ("leading space", {"date": " 2021-06-01"}, "YYYY-MM-DD"),
    ("empty string", {"date": ""}, "YYYY-MM-DD"),
    ("from without to", {"from": "2021-06-01"}, 'both "from" and "to"'),
    ("to without from", {"to": "2021-06-01"}, 'both "from" and "to"'),
    ("date and range", {"date": "2021-06-01", "from": "2021-06-01", "to": "2021-06-01"}, "not both"),
    ("reversed range", {"from": "2021-06-02", "to": "2021-06-01"}, "before"),
    (
        f"range of {MAX_RANGE_DAYS + 1} days",
        {"from": "2021-05-01", "to": "2021-06-01"},
        f"at most {MAX_RANGE_DAYS} days",
    ),
    ("range of ten years", {"from": "2011-06-01", "to": "2021-06-01"}, f"at most {MAX_RANGE_DAYS} days"),
    ("range into the future", {"from": "2021-06-01", "to": "9999-01-01"}, "has not begun"),
    ("range bound mistyped", {"from": ["2021-06-01"], "to": "2021-06-02"}, '"from" must be a YYYY-MM-DD string'),
    ("range bound impossible", {"from": "2021-02-29", "to": "2021-03-01"}, "not a calendar date"),
    ("over 256 KB", {"date": "2021-06-01", "padding": OVER_256_KB}, "over the 262144-byte limit"),
    ("over 256 KB of dates", {"date": ["2021-06-01"] * 30000}, "over the 262144-byte limit"),
    ("nested 5000 deep", {"date": deeply_nested(5000)}, "nested too deeply"),
    ("misspelt key", {"dat": "2021-06-01"}, "unknown key(s) 'dat'"),
    ("capitalised key", {"Date": "2021-06-01"}, "unknown key(s) 'Date'"),
]

COLLECT_CASES: list[tuple[str, Any, str]] = [
    *COMMON_CASES,
    ("unknown key beside a date", {"date": "2021-06-01", "soruces": ["x"]}, "unknown key(s) 'soruces'"),
    ("sources string unknown", {"date": "2021-06-01", "sources": "twitter"}, "unknown source(s) 'twitter'"),
    ("sources empty", {"date": "2021-06-01", "sources": []}, "non-empty list"),
    ("sources number", {"date": "2021-06-01", "sources": 1}, "non-empty list"),
    ("sources nested", {"date": "2021-06-01", "sources": [["x"]]}, "non-empty list"),
    ("sources object", {"date": "2021-06-01", "sources": {"x": True}}, "non-empty list"),
    ("sources alone", {"sources": ["x"]}, "names no day"),
    ("many unknown sources", {"date": "2021-06-01", "sources": [f"s{n}" for n in range(5000)]}, "unknown source"),
    ("scheduled_time words", {"scheduled_time": "yesterday"}, "RFC 3339"),
    ("scheduled_time number", {"scheduled_time": 1622593800}, "RFC 3339"),
    ("scheduled_time null", {"scheduled_time": None}, "RFC 3339"),
    ("scheduled_time a date only", {"scheduled_time": "2021-06-02"}, "RFC 3339"),
    ("scheduled_time ISO week", {"scheduled_time": "2021-W22-3T00:30:00Z"}, "RFC 3339"),
    ("scheduled_time 2021-02-30", {"scheduled_time": "2021-02-30T00:30:00Z"}, "not a time that exists"),
    ("scheduled_time hour 25", {"scheduled_time": "2021-06-02T25:00:00Z"}, "not a time that exists"),
    ("scheduled_time year 1", {"scheduled_time": "0001-01-01T00:00:00Z"}, "before arXiv existed"),
    ("scheduled_time before UTC year 1", {"scheduled_time": "0001-01-01T00:00:00+01:00"}, "not a time that exists"),
    ("scheduled_time far future", {"scheduled_time": "9999-12-31T23:59:59Z"}, "has not begun"),
    ("scheduled_time and a date", {"scheduled_time": "2021-06-02T00:30:00Z", "date": "2021-05-01"}, "unknown key"),
    ("classic schedule without time", {"detail-type": "Scheduled Event", "source": "aws.events"}, "RFC 3339"),
    ("classic schedule time mistyped", {"detail-type": "Scheduled Event", "time": [1622593800]}, "RFC 3339"),
    (
        "Collect Finished sent to the collector",
        json.loads((EVENTS / "publish-collect-finished.json").read_text()),
        "unknown key(s)",
    ),
    ("publish's all", {"all": True}, "unknown key(s) 'all'"),
]


def collect_finished(detail: Any, **envelope: Any) -> dict[str, Any]:
    event = json.loads((EVENTS / "publish-collect-finished.json").read_text())
    if detail is ...:
        del event["detail"]
    else:
        event["detail"] = detail
    event.update(envelope)
    return event


PUBLISH_CASES: list[tuple[str, Any, str]] = [
    *COMMON_CASES,
    ("unknown key beside a date", {"date": "2021-06-01", "force": True}, "unknown key(s) 'force'"),
    ("collector's sources", {"date": "2021-06-01", "sources": ["x"]}, "for the collector"),
    ("all as a string", {"all": "true"}, '"all" must be true'),
    ("all as 1", {"all": 1}, '"all" must be true'),
    ("all false", {"all": False}, '"all" must be true'),
    ("all and a date", {"all": True, "date": "2021-06-01"}, "alone"),
    ("all and an unknown key", {"all": True, "everything": True}, "unknown key(s) 'everything'"),
    ("a scheduler event", {"scheduled_time": "2021-06-02T00:30:00Z"}, "unknown key(s) 'scheduled_time'"),
    ("envelope without detail", collect_finished(...), '"detail" object'),
    ("envelope detail null", collect_finished(None), '"detail" object'),
    ("envelope detail a string", collect_finished("2021-06-01"), '"detail" object'),
    ("envelope detail a list", collect_finished([{"date": "2021-06-01"}]), '"detail" object'),
    ("envelope detail empty", collect_finished({}), '"detail.date" must be a YYYY-MM-DD string, got None'),
    ("envelope date number", collect_finished({"date": 20210601}), '"detail.date" must be a YYYY-MM-DD string'),
    ("envelope date 2021-02-30", collect_finished({"date": "2021-02-30"}), "not a calendar date"),
    ("envelope date 0000-01-01", collect_finished({"date": "0000-01-01"}), "not a calendar date"),
    ("envelope date 2021-13-01", collect_finished({"date": "2021-13-01"}), "not a calendar date"),
    ("envelope date far future", collect_finished({"date": "9999-12-31"}), "has not begun"),
    ("envelope date huge int", collect_finished({"date": 2**200}), '"detail.date" must be a YYYY-MM-DD string'),
    ("envelope date nested", collect_finished({"date": {"date": ["2021-06-01"]}}), "YYYY-MM-DD string"),
    (
        "envelope over 256 KB",
        collect_finished({"date": "2021-06-01", "failed_sources": [OVER_256_KB]}),
        "over the 262144-byte limit",
    ),
    ("envelope nested 5000 deep", collect_finished({"date": "2021-06-01", "sources": deeply_nested(5000)}), "nested"),
]


# ------------------------------------------------------------------ the API: proxy events API Gateway never sends


def api_event(**changes: Any) -> dict[str, Any]:
    """events/api-digest.json (a good request: 200) with fields replaced, or removed when given as `...`."""
    event = json.loads((EVENTS / "api-digest.json").read_text())
    for key, value in changes.items():
        if value is ...:
            event.pop(key, None)
        else:
            event[key] = value
    return event


API_CASES: list[tuple[str, Any, str]] = [
    ("null", None, "got null"),
    ("list", [], "got list"),
    ("string", "GET /digests", "got str"),
    ("number", 200, "got int"),
    ("empty object", {}, '"httpMethod"'),
    ("no httpMethod", api_event(httpMethod=...), '"httpMethod"'),
    ("httpMethod number", api_event(httpMethod=1), '"httpMethod"'),
    ("httpMethod empty", api_event(httpMethod=""), '"httpMethod"'),
    ("no path", api_event(path=...), '"path"'),
    ("path null", api_event(path=None), '"path"'),
    ("path list", api_event(path=["/digests"]), '"path"'),
    ("headers a list", api_event(headers=[["Accept", "application/json"]]), '"headers"'),
    ("header value a number", api_event(headers={"If-None-Match": 5}), '"headers"'),
    ("multiValueHeaders strings", api_event(multiValueHeaders={"Accept": "application/json"}), '"multiValueHeaders"'),
    ("query a list", api_event(queryStringParameters=["limit=5"]), '"queryStringParameters"'),
    ("query value a number", api_event(queryStringParameters={"limit": 5}), '"queryStringParameters"'),
    ("query value nested", api_event(queryStringParameters={"category": {"$ne": ""}}), '"queryStringParameters"'),
    (
        "multiValueQuery nested",
        api_event(multiValueQueryStringParameters={"limit": [["5"]]}),
        '"multiValueQueryStringParameters"',
    ),
    ("pathParameters a string", api_event(pathParameters="2021-06-01"), '"pathParameters"'),
    ("requestContext a string", api_event(requestContext="req-1"), '"requestContext"'),
    ("body an object", api_event(body={"q": 1}), '"body"'),
    ("isBase64Encoded a string", api_event(isBase64Encoded="false"), '"isBase64Encoded"'),
    ("body over 256 KB", api_event(body=OVER_256_KB), "over 262144 bytes"),
]

ERROR_SCHEMA = openapi_document()["components"]["schemas"]["Error"]
JSON_TYPE = "application/json; charset=utf-8"


# What these cases found, recorded once the test that proves the fix passes.
THIS = "tests/reliability/test_bad_events.py::"
EVENT_FINDINGS = [
    (
        "A scheduled time of 0001-01-01 raised OverflowError instead of InvalidEvent; 9999-12-31 asked the collector "
        "for a day far in the future, and 1990 for one before arXiv",
        "events.py: the day before a scheduled time is held to the bounds of a day given by hand; "
        "OverflowError is an InvalidEvent",
    ),
    (
        'date.fromisoformat took ISO week dates: {"date": "2021-W22-2"} collected 2021-06-01; '
        'scheduled_time took "2021-06-02" or week dates',
        "events.py: dates must match [0-9]{4}-[0-9]{2}-[0-9]{2}, timestamps an RFC 3339 pattern, before parsing",
    ),
    (
        'Unknown keys were ignored: {"date", "soruces": ["x"]} collected every source, '
        '{"scheduled_time", "date"} silently dropped the date, {"all": true, "junk": 1} rebuilt everything',
        "events.py: hand-written and scheduler events may hold only their documented keys "
        "(EventBridge envelopes are not limited)",
    ),
    (
        "An integer of more than 4300 digits raised ValueError while the error message was built, "
        "and every message echoed the whole offending value (a 300 KB string into the log)",
        "events.py: values in messages are shown by _shown(): at most 60 characters, safe for any JSON value",
    ),
    (
        "No size limit: a 300 KB or 5000-deep event was read like any other",
        "events.py: an event over 256 KB (EventBridge's and async Lambda's limit) or nested past the JSON "
        "encoder's depth is refused first",
    ),
    (
        "A refused event reached the logs only as Lambda's stack trace, outside the structured log",
        'handlers.py: the reason is logged as "rejected a malformed event" (ERROR, handler, reason) before re-raising',
    ),
]
API_FINDING = (
    "A malformed API Gateway proxy event (null, a list, no httpMethod or path, non-string query or header values) "
    "made Powertools' resolver raise TypeError/KeyError: a 502 in AWS",
    "api/proxy_events.py malformed_event() + api/handler.py handle: such an event is answered with a 400 "
    "in the Error shape, and logged",
)


# ------------------------------------------------------------------ the site and what is observed


class Observer:
    """Everything a handler could write: the table, the bucket, the bus; and every upstream request.

    A Scan of the sample site costs ~0.5 s on moto, so the table is read before and after each
    handler's whole batch of cases; the bucket, the bus and the upstreams (milliseconds) per case.
    """

    def __init__(self, settings: Settings, upstreams: FakeUpstreams) -> None:
        self.settings, self.upstreams = settings, upstreams
        self.db = aws.client("dynamodb", settings.endpoint_url, settings.region)
        self.s3 = aws.client("s3", settings.endpoint_url, settings.region)

    def table(self) -> set[str]:
        items, params = [], {"TableName": self.settings.table}
        while True:
            page = self.db.scan(**params)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return {json.dumps(item, sort_keys=True, default=repr) for item in items}
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def bucket(self) -> dict[str, str]:
        objects: dict[str, str] = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.settings.bucket):
            objects.update({obj["Key"]: obj["ETag"] for obj in page.get("Contents", [])})
        return objects

    def written_since(self, objects: dict[str, str]) -> int:
        """Objects added, changed or removed since `objects`, events the bus delivered, upstream requests."""
        now = self.bucket()
        changed_objects = sum(objects.get(key) != now.get(key) for key in objects.keys() | now.keys())
        bus_events = len(drain(self.settings))
        upstream_requests = len(self.upstreams.requests)
        self.upstreams.requests.clear()
        return changed_objects + bus_events + upstream_requests


@pytest.fixture(scope="module")
def observer(moto_endpoint: str, sample_dataset: Any) -> Iterator[Observer]:
    with sample_api_site(moto_endpoint, sample_dataset, "hotpapers-bad-events") as settings:
        # Fresh fake upstreams of our own (the site's were for building it): any request a refused
        # event makes is counted here.
        with pytest.MonkeyPatch.context() as mp, FakeUpstreams(sample_dataset, bsky_credentials=BSKY) as upstreams:
            for key, value in upstreams.env().items():
                mp.setenv(key, value)
            observer = Observer(settings, upstreams)
            assert len(observer.table()) > 50 and len(observer.bucket()) > 20, "there is a site to overwrite"
            yield observer


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged() -> Iterator[list[logging.LogRecord]]:
    """What the handlers log through the package's Powertools logger (its logging name is the service)."""
    handler = Records()
    package_logger = logging.getLogger("hotpapers")
    package_logger.addHandler(handler)
    yield handler.records
    package_logger.removeHandler(handler)


def rejections(logged: list[logging.LogRecord], message: str) -> list[logging.LogRecord]:
    found = [record for record in logged if record.getMessage() == message]
    logged.clear()
    return found


def refuse_all(
    handler: str, cases: list[tuple[str, Any, str]], observer: Observer, logged: list[logging.LogRecord]
) -> list[dict[str, Any]]:
    """Send every case to the handler; the ledger rows, once every case and the table check passed."""
    table = observer.table()
    rows, problems = [], []
    for case, event, fragment in cases:
        objects = observer.bucket()
        try:
            invoke(handler, event)  # no copy: a 5000-deep event is past deepcopy's recursion limit
        except InvalidEvent as error:
            message = str(error)
        except Exception as error:  # noqa: BLE001 - any other exception is the finding
            problems.append(f"{case}: {type(error).__name__}: {str(error)[:200]}")
            continue
        else:
            problems.append(f"{case}: accepted")
            continue
        logs = [
            (record.levelno, getattr(record, "handler", None), getattr(record, "reason", None))
            for record in rejections(logged, "rejected a malformed event")
        ]
        written = observer.written_since(objects)
        if fragment not in message:
            problems.append(f"{case}: the error {message!r} does not say {fragment!r}")
        elif len(message) > 300:
            problems.append(f"{case}: the error is {len(message)} characters, not a clear message")
        elif logs != [(logging.ERROR, handler, message)]:
            problems.append(f"{case}: logged {logs}")
        elif written:
            problems.append(f"{case}: {written} object(s), bus event(s) or upstream request(s)")
        rows.append({"handler": handler, "case": case, "error": message, "written": written})
    assert problems == []
    changed = table ^ observer.table()
    assert changed == set(), f"{handler} changed the table: {sorted(changed)[:4]}"
    return rows


def test_the_collector_refuses_every_malformed_event_and_writes_nothing(
    observer: Observer, logged: list[logging.LogRecord]
) -> None:
    for row in refuse_all("collect", COLLECT_CASES, observer, logged):
        ledger.record("bad_events", **row)
    for finding, fix in EVENT_FINDINGS:
        ledger.record(
            "findings",
            finding=finding,
            fix=fix,
            test=THIS + "test_the_collector_refuses_every_malformed_event_and_writes_nothing",
        )


def test_the_publisher_refuses_every_malformed_event_and_writes_nothing(
    observer: Observer, logged: list[logging.LogRecord]
) -> None:
    for row in refuse_all("publish", PUBLISH_CASES, observer, logged):
        ledger.record("bad_events", **row)


def test_the_api_answers_every_malformed_event_with_a_400_and_writes_nothing(
    observer: Observer, logged: list[logging.LogRecord]
) -> None:
    table = observer.table()
    rows, problems = [], []
    for case, event, fragment in API_CASES:
        objects = observer.bucket()
        response = invoke("api", event, keep_stdout=False)
        body = json.loads(response["body"])
        headers = response["headers"]
        message = str((body.get("error") or {}).get("message"))
        logs = [
            getattr(record, "reason", None) for record in rejections(logged, "rejected a malformed API Gateway event")
        ]
        written = observer.written_since(objects)
        errors = list(OAS30Validator(ERROR_SCHEMA).iter_errors(body))
        if (response["statusCode"], headers["Content-Type"], headers["Cache-Control"]) != (400, JSON_TYPE, "no-store"):
            problems.append(f"{case}: {response['statusCode']} {headers}")
        elif errors or body["error"]["code"] != "bad_request":
            problems.append(f"{case}: the body {body} is not the Error schema's: {errors}")
        elif fragment not in message:
            problems.append(f"{case}: the error {message!r} does not say {fragment!r}")
        elif logs != [message]:
            problems.append(f"{case}: logged {logs}")
        elif written:
            problems.append(f"{case}: {written} object(s), bus event(s) or upstream request(s)")
        rows.append({"handler": "api", "case": case, "error": f"400 {message}", "written": written})
    assert problems == []
    assert table == observer.table()
    for row in rows:
        ledger.record("bad_events", **row)
    ledger.record(
        "findings",
        finding=API_FINDING[0],
        fix=API_FINDING[1],
        test=THIS + "test_the_api_answers_every_malformed_event_with_a_400_and_writes_nothing",
    )


def test_the_observer_sees_writes(observer: Observer) -> None:
    """Not vacuous: the same handlers, given good events, do write what the observer reads."""
    table, objects = observer.table(), observer.bucket()
    invoke("collect", {"date": "2021-06-01", "sources": ["hackernews"]})
    assert observer.written_since(objects) >= 2  # Collect Finished on the bus, the upstream asked
    assert observer.table() != table  # the run record describes this run
    assert invoke("api", api_event(), keep_stdout=False)["statusCode"] == 200
