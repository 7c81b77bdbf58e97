"""The JSON API's routes over the Powertools REST resolver: what each answers, its caching headers and ETags.

Every digest route costs at most one DynamoDB request (docs/api.md). Client
mistakes get a 4xx with {"error": {"code", "message"}}; nothing a client sends
can produce a 5xx. Validation is done by the typed parsers (api/parameters.py) rather than
the resolver's pydantic validation (`enable_validation=True`), which adds
~90 ms to every cold start, past the API's budget (bench/README.md, docs/api.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response

from hotpapers.api.errors import ERROR_CACHE, JSON_TYPE, ApiError, bad_request, error_response
from hotpapers.api.parameters import (
    DIGESTS_LIMIT,
    MENTIONS_LIMIT,
    PAPERS_LIMIT,
    parse_arxiv_id,
    parse_category,
    parse_day,
    parse_limit,
)
from hotpapers.api.routes import ANSWERED_METHODS, ROUTES, route_of
from hotpapers.core.calendar_periods import PeriodError, PeriodKind, month_of, parse_period, week_of
from hotpapers.core.clock import Clock, SystemClock
from hotpapers.core.source_names import SOURCE_NAMES as SOURCES
from hotpapers.core.store import InvalidCursor, Store

if TYPE_CHECKING:
    from hotpapers.core.models import Paper
    from hotpapers.core.records import Mention

LIST_CACHE = "public, max-age=60"
RECENT_CACHE = "public, max-age=300"
# A day this old is not collected again by the schedule, so its digest is final.
PAST_DAY_AGE = timedelta(days=8)
PAST_CACHE = "public, max-age=31536000, immutable"


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
        from hotpapers.core.json_codec import iso_time  # off the single digest's cold path

        params = app.current_event.query_string_parameters or {}
        limit = parse_limit(params, DIGESTS_LIMIT) or DIGESTS_LIMIT[2]
        with _cursor_checked():
            summaries, next_cursor = self.store_factory().digest_summaries_page(limit, params.get("cursor"))
        payload = {
            "digests": [
                {
                    "date": summary.day.isoformat(),
                    "papers": len(summary.papers),
                    "candidates": summary.candidates,
                    "as_of": iso_time(summary.as_of) if summary.as_of else None,
                    **_periods_of(summary.day),
                    "top": [
                        {"rank": paper.rank, "arxiv_id": paper.arxiv_id, "title": paper.title, "score": paper.score}
                        for paper in summary.papers[:3]
                    ],
                }
                for summary in summaries
            ],
            "next_cursor": next_cursor,
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
        from hotpapers.core.scoring import raw_score, weighted_score
        from hotpapers.core.settings import Settings

        if self.weights is None:
            self.weights = Settings.from_env().ranking().weights

        arxiv_id = parse_arxiv_id(raw_id)
        records = self.store_factory().paper(arxiv_id)
        if records.is_empty:
            raise ApiError(404, "not_found", f"no paper {arxiv_id} has been collected", LIST_CACHE)
        days: dict[date, dict[str, Any]] = {}
        by_source: dict[str, int] = {}
        for day_paper in records.days:
            days.setdefault(
                day_paper.day, {"date": day_paper.day.isoformat(), "score": 0, "engagement": day_paper.engagement}
            )
        for mention in records.mentions:
            post = mention.observation.post
            by_source[post.source] = by_source.get(post.source, 0) + 1
            if mention.day in days:
                weight = self.weights.get(post.source, 1.0)
                days[mention.day]["score"] += weighted_score(raw_score(post.source, post.metrics), weight)
        payload = {
            "arxiv_id": arxiv_id,
            "metadata": _paper_metadata(records.paper.paper) if records.paper else None,
            "days": [days[day] for day in sorted(days)],
            "mentions": {"total": sum(by_source.values()), "by_source": dict(sorted(by_source.items()))},
            # The days the paper was listed, oldest first ([]: never listed).
            "history": [
                {"date": entry.day.isoformat(), "rank": entry.rank, "score": entry.score}
                for entry in records.history or []
            ],
        }
        return self.json(app, payload, RECENT_CACHE)

    def mentions(self, app: APIGatewayRestResolver, raw_id: str) -> Response[str]:
        arxiv_id = parse_arxiv_id(raw_id)
        params = app.current_event.query_string_parameters or {}
        source = params.get("source")
        if source is not None and source not in SOURCES:
            raise bad_request(f"source must be one of {', '.join(SOURCES)}, got {source[:40]!r}")
        limit = parse_limit(params, MENTIONS_LIMIT) or MENTIONS_LIMIT[2]
        with _cursor_checked():
            mentions, next_cursor = self.store_factory().mentions_page(arxiv_id, source, limit, params.get("cursor"))
        payload = {
            "arxiv_id": arxiv_id,
            "mentions": [_mention(mention) for mention in mentions],
            "next_cursor": next_cursor,
        }
        return self.json(app, payload, RECENT_CACHE)


@contextmanager
def _cursor_checked() -> Iterator[None]:
    """A cursor the store refuses (edited, truncated, foreign, another source's) is the client's mistake: a 400."""
    try:
        yield
    except InvalidCursor:
        raise bad_request("cursor is not one this API issued; use next_cursor from the previous page") from None


def _periods_of(day: date) -> dict[str, str]:
    """The week and month a listed day belongs to: where /weeks/{week} and /months/{month} go next."""
    return {"week": week_of(day).name, "month": month_of(day).name}


def _paper_filters(app: APIGatewayRestResolver) -> tuple[str | None, int | None]:
    params = app.current_event.query_string_parameters or {}
    return parse_category(params.get("category")), parse_limit(params, PAPERS_LIMIT)


def _filtered(body: bytes, category: str | None, limit: int | None) -> bytes | dict[str, Any]:
    if category is None and limit is None:
        return body  # the stored document as it is: no parse, no re-serialisation
    document: dict[str, Any] = json.loads(body)
    papers = document["papers"]
    if category is not None:
        papers = [paper for paper in papers if category in paper["categories"]]
    document["papers"] = papers[:limit] if limit is not None else papers
    return document


def _paper_metadata(paper: Paper) -> dict[str, Any]:
    from hotpapers.core.json_codec import iso_time  # only the paper routes: off the digests' cold path

    return {
        "version": paper.version,
        "title": paper.title,
        "authors": list(paper.authors),
        "categories": list(paper.categories),
        "primary_category": paper.primary_category,
        "abstract": paper.abstract,
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
        "published": iso_time(paper.published),
        "updated": iso_time(paper.updated),
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
    }


def _mention(mention: Mention) -> dict[str, Any]:
    from hotpapers.core.json_codec import iso_time

    post = mention.observation.post
    return {
        "source": post.source,
        "post_id": post.post_id,
        "url": post.url,
        "author_name": post.author_name,
        "author_handle": post.author_handle,
        "text": post.text,
        "created_at": iso_time(post.created_at),
        "kind": post.kind,
        "metrics": dict(post.metrics),
        "observed_at": iso_time(mention.observation.observed_at),
        "day": mention.day.isoformat(),
    }


# ---------------------------------------------------------------- the app


def build_app(api: Api) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(cors=CORSConfig(allow_origin="*", allow_headers=["If-None-Match"], max_age=600))

    def arxiv_id(params: dict[str, str]) -> str:
        """The id from a paper route: an old-style one arrives as two segments (hep-th, 9901001)."""
        return f"{params['arxiv_id']}/{params['number']}" if "number" in params else params["arxiv_id"]

    operations: dict[str, Callable[[dict[str, str]], Response[str]]] = {
        "listDigests": lambda params: api.digests(app),
        "getLatestDigest": lambda params: api.latest(app),
        "getDigest": lambda params: api.digest(app, params["date"]),
        "getPaper": lambda params: api.paper(app, arxiv_id(params)),
        "getPaperMentions": lambda params: api.mentions(app, arxiv_id(params)),
        "getWeek": lambda params: api.period(app, "week", params["week"]),
        "getMonth": lambda params: api.period(app, "month", params["month"]),
        "getOpenApi": lambda params: api.json(app, openapi_document(), "public, max-age=3600"),
    }
    for route in ROUTES:  # in the table's order: the resolver takes the first route that matches
        operation = operations[route.operation_id]
        # The resolver passes the path parameters as keyword arguments.
        app.route(route.resolver_path, method=list(ANSWERED_METHODS))(
            lambda operation=operation, **params: operation(params)
        )

    def api_error(error: ApiError) -> Response[str]:
        return error_response(error.status, error.code, error.message, error.cache)

    def not_found(_: Exception) -> Response[str]:
        path = app.current_event.path
        if route_of(path) is not None:
            response = error_response(
                405, "method_not_allowed", f"{app.current_event.http_method} is not allowed here; use GET", ERROR_CACHE
            )
            response.headers["Allow"] = ", ".join((*ANSWERED_METHODS, "OPTIONS"))
            return response
        return error_response(404, "not_found", f"no such route: {path[:100]}", ERROR_CACHE)

    # Registered by call, not as decorators: Powertools' decorators are untyped, and would make these untyped.
    app.exception_handler(ApiError)(api_error)
    app.not_found(not_found)
    return app


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
