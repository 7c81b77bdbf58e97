"""The JSON API: routes, validation, caching headers and errors, over the Powertools REST resolver.

Every digest route costs at most one DynamoDB request (docs/api.md). Client
mistakes get a 4xx with {"error": {"code", "message"}}; nothing a client sends
can produce a 5xx. Validation is done by the typed parsers below rather than
the resolver's pydantic validation (`enable_validation=True`), which adds
~90 ms to every cold start, past the API's budget (bench/README.md, docs/api.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response

from hotpapers.core.calendar_periods import PeriodError, PeriodKind, month_of, parse_period, week_of
from hotpapers.core.clock import Clock, SystemClock
from hotpapers.core.source_names import SOURCE_NAMES as SOURCES
from hotpapers.core.store import Store

JSON_TYPE = "application/json; charset=utf-8"
LIST_CACHE = "public, max-age=60"
RECENT_CACHE = "public, max-age=300"
# A day this old is not collected again by the schedule, so its digest is final.
PAST_DAY_AGE = timedelta(days=8)
PAST_CACHE = "public, max-age=31536000, immutable"
ERROR_CACHE = "no-store"
DIGESTS_LIMIT = (1, 100, 20)  # min, max, default
MENTIONS_LIMIT = (1, 100, 50)
PAPERS_LIMIT = (1, 1000, None)
_CATEGORY = re.compile(r"^[A-Za-z-]+(\.[A-Za-z-]+)?$")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_LIMIT = re.compile(r"[0-9]{1,4}\Z")
MAX_CURSOR = 4096  # characters: a cursor this API issues is far shorter
MAX_SORT_KEY_BYTES = 1024  # DynamoDB's limit on a sort key value

# Every route, as (regex over the path, its OpenAPI template): for 405 versus 404.
ROUTES = [
    (re.compile(r"^/digests$"), "/digests"),
    (re.compile(r"^/digests/latest$"), "/digests/latest"),
    (re.compile(r"^/digests/[^/]+$"), "/digests/{date}"),
    (re.compile(r"^/papers/[^/]+$"), "/papers/{arxiv_id}"),
    (re.compile(r"^/papers/[^/]+/mentions$"), "/papers/{arxiv_id}/mentions"),
    (re.compile(r"^/papers/[^/]+/[^/]+$"), "/papers/{arxiv_id}"),
    (re.compile(r"^/papers/[^/]+/[^/]+/mentions$"), "/papers/{arxiv_id}/mentions"),
    (re.compile(r"^/weeks/[^/]+$"), "/weeks/{week}"),
    (re.compile(r"^/months/[^/]+$"), "/months/{month}"),
    (re.compile(r"^/openapi\.json$"), "/openapi.json"),
]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, cache: str = ERROR_CACHE) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.cache = status, code, message, cache


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


# ---------------------------------------------------------------- parsing of what clients send


def parse_day(value: str) -> date:
    if not _DAY.match(value):
        raise bad_request(f"date must be YYYY-MM-DD, got {value[:40]!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{value!r} is not a calendar date") from None


def parse_arxiv_id(raw: str) -> str:
    """New- or old-style, with or without a version; an old-style slash raw or as %2F."""
    from hotpapers.core.arxiv_ids import (
        normalize_id,  # only the paper routes parse ids: keep it off the digest cold path
    )

    candidate = unquote(raw).strip()
    ref = normalize_id(candidate)
    if ref is None:
        raise bad_request(
            f"{candidate[:60]!r} is not an arXiv id (expected e.g. 2105.14103, 2105.14103v2 or hep-th/9901001)"
        )
    return ref.arxiv_id


def parse_limit(params: dict[str, str], bounds: tuple[int, int, int | None]) -> int | None:
    low, high, default = bounds
    raw = params.get("limit")
    if raw is None:
        return default
    if not _LIMIT.match(raw) or not low <= int(raw) <= high:
        raise bad_request(f"limit must be a whole number from {low} to {high}, got {raw[:20]!r}")
    return int(raw)


def encode_cursor(position: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(raw: str | None, field: str, pattern: re.Pattern[str]) -> str | None:
    """The position a cursor this API issued holds; anything else is a 400."""
    if raw is None:
        return None
    try:
        if len(raw) > MAX_CURSOR:
            raise ValueError("too long")
        padded = raw + "=" * (-len(raw) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error, RecursionError):
        position = None
    value = position.get(field) if isinstance(position, dict) else None
    if not isinstance(value, str) or not pattern.match(value) or not _is_key(value):
        raise bad_request("cursor is not one this API issued; use next_cursor from the previous page")
    return value


def _is_key(value: str) -> bool:
    """Whether DynamoDB takes `value` as a sort key: UTF-8 (JSON can spell a lone surrogate, "\\ud800"),
    at most 1024 bytes. A forged cursor past either went out as ExclusiveStartKey: a ValidationException, a 500."""
    try:
        return len(value.encode("utf-8")) <= MAX_SORT_KEY_BYTES
    except UnicodeEncodeError:
        return False


# ---------------------------------------------------------------- the event itself

# API Gateway never sends a malformed proxy event, but a test, a console "Test" button or a wrong
# integration can; Powertools' resolver then raised (KeyError, TypeError: a 502 in AWS) instead of
# answering. The request is refused with a 400 in the Error shape, before any route runs.
MAX_EVENT_BYTES = 256 * 1024  # every field of a GET request we answer fits easily; a bigger body is refused
_STRING_MAPS = ("headers", "queryStringParameters", "pathParameters", "stageVariables")
_LIST_MAPS = ("multiValueHeaders", "multiValueQueryStringParameters")


def malformed_event(event: Any) -> str | None:
    """Why `event` is not an API Gateway (REST, proxy) event this API can read, or None when it is."""
    if not isinstance(event, dict):
        kind = "null" if event is None else type(event).__name__
        return f"expected an API Gateway proxy event (a JSON object), got {kind}"
    for key in ("httpMethod", "path"):
        if not isinstance(event.get(key), str) or not event[key]:
            return f'the event has no "{key}" string'
    for key in _STRING_MAPS:
        value = event.get(key)
        if value is not None and not (
            isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        ):
            return f'"{key}" must be null or an object of strings'
    for key in _LIST_MAPS:
        value = event.get(key)
        if value is not None and not (
            isinstance(value, dict)
            and all(
                isinstance(k, str) and isinstance(v, list) and all(isinstance(item, str) for item in v)
                for k, v in value.items()
            )
        ):
            return f'"{key}" must be null or an object of lists of strings'
    if event.get("requestContext") is not None and not isinstance(event["requestContext"], dict):
        return '"requestContext" must be an object'
    if event.get("body") is not None and not isinstance(event["body"], str):
        return '"body" must be null or a string'
    if event.get("isBase64Encoded") is not None and not isinstance(event["isBase64Encoded"], bool):
        return '"isBase64Encoded" must be a boolean'
    if len((event.get("body") or "").encode("utf-8", "surrogatepass")) > MAX_EVENT_BYTES:
        return f"the request body is over {MAX_EVENT_BYTES} bytes; this API takes no body"
    return None


def bad_event_response(reason: str) -> dict[str, Any]:
    """The proxy response for an event `malformed_event` refused: a 400 with the Error body."""
    return {
        "statusCode": 400,
        "headers": {"Content-Type": JSON_TYPE, "Cache-Control": ERROR_CACHE, "Access-Control-Allow-Origin": "*"},
        "body": json.dumps({"error": {"code": "bad_request", "message": reason}}, ensure_ascii=False),
        "isBase64Encoded": False,
    }


# ---------------------------------------------------------------- responses


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


@dataclass
class Api:
    """The routes' work, with the store and clock as dependencies (tests pass their own)."""

    store_factory: Callable[[], Store]
    clock: Clock
    # None: read HOTPAPERS_WEIGHTS when a paper is first asked for. Only the paper routes
    # need the ranking code, so the digest routes' cold start does not import it.
    weights: dict[str, float] | None = None

    def json(self, app: APIGatewayRestResolver, payload: Any | bytes, cache: str, status: int = 200) -> Response[str]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        etag = etag_of(body)
        headers = {"Cache-Control": cache, "ETag": etag}
        if status == 200 and _matches(app.current_event.headers.get("If-None-Match"), etag):
            return Response(304, JSON_TYPE, "", headers)
        return Response(status, JSON_TYPE, body.decode("utf-8"), headers)

    # ---- digests

    def digests(self, app: APIGatewayRestResolver) -> Response[str]:
        params = app.current_event.query_string_parameters or {}
        limit = parse_limit(params, DIGESTS_LIMIT) or DIGESTS_LIMIT[2]
        raw_before = decode_cursor(params.get("cursor"), "before", _DAY)
        try:
            before = date.fromisoformat(raw_before) if raw_before else None
        except ValueError:
            raise bad_request("cursor is not one this API issued; use next_cursor from the previous page") from None
        summaries, last_day = self.store_factory().digest_summaries_page(limit, before)
        payload = {
            "digests": [
                {
                    "date": summary["day"],
                    "papers": len(summary["papers"]),
                    "candidates": summary["candidates"],
                    "as_of": summary["as_of"],
                    **_periods_of(summary["day"]),
                    "top": [
                        {key: paper[key] for key in ("rank", "arxiv_id", "title", "score")}
                        for paper in summary["papers"][:3]
                    ],
                }
                for summary in summaries
            ],
            "next_cursor": encode_cursor({"before": last_day.isoformat()}) if last_day else None,
        }
        return self.json(app, payload, LIST_CACHE)

    def latest(self, app: APIGatewayRestResolver) -> Response[str]:
        filters = _paper_filters(app)
        body = self.store_factory().latest_digest_json()
        if body is None:
            raise ApiError(404, "not_found", "no digest has been published yet", LIST_CACHE)
        return self.json(app, _filtered(body, *filters), LIST_CACHE)

    def digest(self, app: APIGatewayRestResolver, raw_day: str) -> Response[str]:
        day = parse_day(raw_day)
        filters = _paper_filters(app)  # a malformed filter is a 400 before any read
        body = self.store_factory().digest_json(day)
        if body is None:
            raise ApiError(404, "not_found", f"no digest for {day}", LIST_CACHE)
        final = day <= self.clock.now().date() - PAST_DAY_AGE
        return self.json(app, _filtered(body, *filters), PAST_CACHE if final else RECENT_CACHE)

    def period(self, app: APIGatewayRestResolver, kind: PeriodKind, raw: str) -> Response[str]:
        """A week's or a month's digest: the day's shape and rules. Closed (its last day past
        PAST_DAY_AGE) it is final and cached for good; the open one for RECENT_CACHE."""
        try:
            period = parse_period(kind, raw)
        except PeriodError as error:
            raise bad_request(str(error)) from None
        filters = _paper_filters(app)  # a malformed filter is a 400 before any read
        body = self.store_factory().period_digest_json(period.kind, period.name)
        if body is None:
            raise ApiError(404, "not_found", f"no digest for {kind} {period.name}", LIST_CACHE)
        final = period.last <= self.clock.now().date() - PAST_DAY_AGE
        return self.json(app, _filtered(body, *filters), PAST_CACHE if final else RECENT_CACHE)

    # ---- papers

    def paper(self, app: APIGatewayRestResolver, raw_id: str) -> Response[str]:
        from hotpapers.core.scoring import ranking_config_from_env, raw_score, weighted_score

        if self.weights is None:
            self.weights = ranking_config_from_env().weights

        arxiv_id = parse_arxiv_id(raw_id)
        items = self.store_factory().paper_items(arxiv_id)
        if not items:
            raise ApiError(404, "not_found", f"no paper {arxiv_id} has been collected", LIST_CACHE)
        meta = next((item for item in items if item["entity"] == "paper"), None)
        days: dict[str, dict[str, Any]] = {}
        by_source: dict[str, int] = {}
        for item in items:
            if item["entity"] == "day_paper":
                days.setdefault(item["day"], {"date": item["day"], "score": 0, "engagement": item["engagement"]})
            elif item["entity"] == "mention":
                by_source[item["source"]] = by_source.get(item["source"], 0) + 1
        for item in items:
            if item["entity"] == "mention" and item["day"] in days:
                weight = self.weights.get(item["source"], 1.0)
                days[item["day"]]["score"] += weighted_score(raw_score(item["source"], item["metrics"]), weight)
        payload = {
            "arxiv_id": arxiv_id,
            "metadata": _paper_metadata(meta) if meta else None,
            "days": [days[day] for day in sorted(days)],
            "mentions": {"total": sum(by_source.values()), "by_source": dict(sorted(by_source.items()))},
            "history": _history(items),
        }
        return self.json(app, payload, RECENT_CACHE)

    def mentions(self, app: APIGatewayRestResolver, raw_id: str) -> Response[str]:
        arxiv_id = parse_arxiv_id(raw_id)
        params = app.current_event.query_string_parameters or {}
        source = params.get("source")
        if source is not None and source not in SOURCES:
            raise bad_request(f"source must be one of {', '.join(SOURCES)}, got {source[:40]!r}")
        limit = parse_limit(params, MENTIONS_LIMIT) or MENTIONS_LIMIT[2]
        prefix = f"POST#{source}#" if source else "POST#"
        after = decode_cursor(params.get("cursor"), "after", re.compile("^" + re.escape(prefix) + r".{1,300}$"))
        items, last_key = self.store_factory().mentions_page(arxiv_id, prefix, limit, after)
        payload = {
            "arxiv_id": arxiv_id,
            "mentions": [_mention(item) for item in items],
            "next_cursor": encode_cursor({"after": last_key}) if last_key else None,
        }
        return self.json(app, payload, RECENT_CACHE)


def _history(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The days the paper was listed, oldest first, from the HISTORY item the publisher writes ([]: never listed)."""
    item = next((item for item in items if item["entity"] == "history"), None)
    entries = item["history"] if item else []
    return [{"date": e["date"], "rank": int(e["rank"]), "score": int(e["score"])} for e in entries]


def _periods_of(day: str) -> dict[str, str]:
    """The week and month a listed day belongs to: where /weeks/{week} and /months/{month} go next."""
    parsed = date.fromisoformat(day)
    return {"week": week_of(parsed).name, "month": month_of(parsed).name}


def _paper_filters(app: APIGatewayRestResolver) -> tuple[str | None, int | None]:
    params = app.current_event.query_string_parameters or {}
    category = params.get("category")
    if category is not None and not _CATEGORY.match(category):
        raise bad_request(f"category must look like cs.LG or hep-th, got {category[:40]!r}")
    return category, parse_limit(params, PAPERS_LIMIT)


def _filtered(body: bytes, category: str | None, limit: int | None) -> bytes | dict[str, Any]:
    if category is None and limit is None:
        return body  # the stored document as it is: no parse, no re-serialisation
    document: dict[str, Any] = json.loads(body)
    papers = document["papers"]
    if category is not None:
        papers = [paper for paper in papers if category in paper["categories"]]
    document["papers"] = papers[:limit] if limit is not None else papers
    return document


PAPER_FIELDS = (
    "version", "title", "authors", "categories", "primary_category", "abstract", "abs_url", "pdf_url",
    "published", "updated", "comment", "journal_ref", "doi",
)  # fmt: skip
MENTION_FIELDS = (
    "source", "post_id", "url", "author_name", "author_handle", "text", "created_at", "kind", "metrics",
    "observed_at", "day",
)  # fmt: skip


def _paper_metadata(item: dict[str, Any]) -> dict[str, Any]:
    return {field: item.get(field) for field in PAPER_FIELDS}


def _mention(item: dict[str, Any]) -> dict[str, Any]:
    return {field: item.get(field) for field in MENTION_FIELDS}


# ---------------------------------------------------------------- the app


def build_app(api: Api) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(cors=CORSConfig(allow_origin="*", allow_headers=["If-None-Match"], max_age=600))
    methods = ["GET", "HEAD"]

    app.route("/digests", method=methods)(lambda: api.digests(app))
    app.route("/digests/latest", method=methods)(lambda: api.latest(app))
    app.route("/digests/<day>", method=methods)(lambda day: api.digest(app, day))
    app.route("/papers/<arxiv_id>/mentions", method=methods)(lambda arxiv_id: api.mentions(app, arxiv_id))
    app.route("/papers/<archive>/<number>/mentions", method=methods)(
        lambda archive, number: api.mentions(app, f"{archive}/{number}")
    )
    app.route("/papers/<arxiv_id>", method=methods)(lambda arxiv_id: api.paper(app, arxiv_id))
    app.route("/papers/<archive>/<number>", method=methods)(
        lambda archive, number: api.paper(app, f"{archive}/{number}")
    )
    app.route("/weeks/<week>", method=methods)(lambda week: api.period(app, "week", week))
    app.route("/months/<month>", method=methods)(lambda month: api.period(app, "month", month))
    app.route("/openapi.json", method=methods)(lambda: api.json(app, openapi_document(), "public, max-age=3600"))

    def _api_error(error: ApiError) -> Response[str]:
        return _error_response(error.status, error.code, error.message, error.cache)

    # Registered by a call, as the routes are: Powertools leaves exception_handler's decorator untyped.
    app.exception_handler(ApiError)(_api_error)

    @app.not_found
    def _not_found(_: Exception) -> Response[str]:
        path = app.current_event.path
        if any(pattern.match(path) for pattern, _template in ROUTES):
            response = _error_response(
                405, "method_not_allowed", f"{app.current_event.http_method} is not allowed here; use GET", ERROR_CACHE
            )
            response.headers["Allow"] = "GET, HEAD, OPTIONS"
            return response
        return _error_response(404, "not_found", f"no such route: {path[:100]}", ERROR_CACHE)

    return app


def _error_response(status: int, code: str, message: str, cache: str) -> Response[str]:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False)
    return Response(status, JSON_TYPE, body, {"Cache-Control": cache})


def openapi_document() -> dict[str, Any]:
    from hotpapers.api.openapi import OPENAPI

    return OPENAPI


def default_api() -> Api:
    """The real dependencies, built on first use (never at import)."""
    from hotpapers.core.settings import Settings
    from hotpapers.core.store import build_store

    settings = Settings.from_env()
    clock = SystemClock()
    store: list[Store] = []

    def store_factory() -> Store:
        if not store:
            store.append(build_store(settings, clock))
        return store[0]

    return Api(store_factory, clock)
