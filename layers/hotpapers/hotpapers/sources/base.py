"""The one interface every social source implements."""

from __future__ import annotations

from datetime import date
from typing import Iterator, Protocol

from ..models import Post


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
