"""The one interface every social source implements, and the small helpers they all share.

The helpers live here so that every source reads times, counts and bodies the
same way and reports upstream failures in the same words.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeGuard

import requests

from hotpapers.core.http import HttpClient, UpstreamError
from hotpapers.core.models import Post


class SourceError(Exception):
    """A source could not deliver the day (bad payload, auth failure, upstream down)."""


class Source(Protocol):
    """A social source: yields the original posts of one UTC day that link arXiv papers.

    Implementations page through the upstream with the shared `HttpClient`,
    skip reposts (a retweet is not a post), and parse each payload into
    `Post` values; a malformed item is skipped and counted in `skipped`,
    a malformed page raises `SourceError`.
    """

    name: str
    skipped: int

    def fetch_day(self, day: date) -> Iterator[Post]: ...


def parse_rfc3339(value: Any) -> datetime | None:
    """RFC 3339 / ISO 8601 text → aware UTC datetime, or None when it is not a parseable string.

    None rather than an exception: a bad time makes one item malformed (the
    caller skips and counts it), not the whole page. A time without an offset
    is taken as UTC, the zone every upstream reports in.
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_rfc3339(moment: datetime) -> str:
    """`moment` as whole-second UTC with a `Z` suffix, the form X and Bluesky accept as search bounds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_count(value: Any) -> TypeGuard[int]:
    """Whether a JSON value is a usable counter: a non-negative int.

    `bool` is refused explicitly because it subclasses `int`: a `true` in a
    payload would otherwise pass as a count of 1.
    """
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def text_or_empty(value: Any) -> str:
    """A JSON value that should be text: itself when it is a string, else "" (absent, null or another type)."""
    return value if isinstance(value, str) else ""


def wrap_upstream_error(source: str, exc: UpstreamError) -> SourceError:
    """The `SourceError` for an upstream failure, prefixed with the source so a run's log names it.

    Returned, not raised, so the caller writes `raise ... from exc` and keeps the cause.
    """
    return SourceError(f"{source}: {exc}")


def decode_json(response: requests.Response, source: str, what: str) -> Any:
    """The response's JSON body; a body that is not JSON (an HTML error page, say) raises `SourceError`."""
    try:
        return response.json()
    except ValueError as exc:
        raise SourceError(_not_json_message(source, what)) from exc


def get_json(http: HttpClient, url: str, params: Mapping[str, Any], *, source: str, what: str) -> Any:
    """GET `url` and decode its JSON body, turning every failure into a `SourceError`.

    For sources with no special answer to any HTTP status. One `try` spans the
    request and the decoding, so a `ValueError` from the request itself (requests
    raises its subclasses for a malformed URL) is reported as a non-JSON answer too.
    """
    try:
        # HttpClient retries a body that is not JSON (a proxy's HTML error page, a cut-off answer).
        return http.get_json(url, params=params)
    except UpstreamError as exc:
        raise wrap_upstream_error(source, exc) from exc
    except ValueError as exc:
        raise SourceError(_not_json_message(source, what)) from exc


def _not_json_message(source: str, what: str) -> str:
    return f"{source}: {what} answered with a body that is not JSON"
