"""The fake Hacker News Algolia API: search and search_by_date with tags, numericFilters and paging."""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Callable
from urllib.parse import urlencode

from hotpapers_local.fakes.dataset import UpstreamDataset
from hotpapers_local.fakes.wire import Request, Response, Routes, int_param, json_response

_HN_NUMERIC = re.compile(r"^\s*([A-Za-z_]+)\s*(>=|<=|!=|>|<|=)\s*(-?\d+(?:\.\d+)?)\s*$")
_HN_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
}
_HN_DEFAULT_ATTRIBUTES = ("title", "url", "author", "story_text")


def _algolia_error(message: str) -> Response:
    return json_response(400, {"message": message, "status": 400})


def _parse_tags(tags: str) -> list[frozenset[str]]:
    """Algolia `tags`: commas AND, a parenthesised group ORs: `story,(author_a,author_b)`."""
    groups = []
    for group in re.findall(r"\([^)]*\)|[^,]+", tags):
        names = group.strip().strip("()").split(",")
        groups.append(frozenset(name.strip() for name in names if name.strip()))
    return [g for g in groups if g]


def _parse_numeric_filters(filters: str) -> list[tuple[str, Callable[[float, float], bool], float]]:
    parsed = []
    for part in filters.split(","):
        if not part.strip():
            continue
        match = _HN_NUMERIC.match(part)
        if not match:
            raise ValueError(f"invalid numericFilters: {part!r}")
        name, operator, value = match.groups()
        parsed.append((name, _HN_OPERATORS[operator], float(value)))
    return parsed


class FakeHackerNews:
    """Algolia's two Hacker News search routes over a dataset's hits."""

    def __init__(self, dataset: UpstreamDataset) -> None:
        hits = dataset.hn_hits
        self._by_date = sorted(hits, key=lambda h: (h.get("created_at_i", 0), h["objectID"]), reverse=True)
        # Algolia's /search ranks by relevance; popularity is the fake's stand-in for it.
        self._by_points = sorted(hits, key=lambda h: (h.get("points") or 0, h["objectID"]), reverse=True)
        self._filter = functools.lru_cache(maxsize=64)(self._matching)

    def routes(self) -> Routes:
        return {
            ("GET", "/hn/api/v1/search_by_date"): functools.partial(self._search, by_date=True),
            ("GET", "/hn/api/v1/search"): functools.partial(self._search, by_date=False),
        }

    def _search(self, request: Request, *, by_date: bool) -> Response:
        started = time.perf_counter()
        params = request.query
        try:
            hits_per_page = min(1000, int_param(params, "hitsPerPage", 20))  # Algolia caps, it does not refuse
            page = int_param(params, "page", 0)
        except ValueError:
            return _algolia_error("hitsPerPage and page must be integers")
        if hits_per_page < 0 or page < 0:
            return _algolia_error("hitsPerPage and page must not be negative")
        try:
            _parse_numeric_filters(params.get("numericFilters", ""))
        except ValueError as exc:
            return _algolia_error(str(exc))
        attributes = params.get("restrictSearchableAttributes", "")
        matches = self._filter(
            by_date, params.get("query", ""), attributes, params.get("tags", ""), params.get("numericFilters", "")
        )
        hits_source = self._by_date if by_date else self._by_points
        first = page * hits_per_page
        hits = [hits_source[i] for i in matches[first : first + hits_per_page]] if hits_per_page else []
        echoed = urlencode(sorted(params.items()))
        return json_response(
            200,
            {
                "hits": hits,
                "nbHits": len(matches),
                "page": page,
                "nbPages": math.ceil(len(matches) / hits_per_page) if hits_per_page else 0,
                "hitsPerPage": hits_per_page,
                "exhaustiveNbHits": True,
                "query": params.get("query", ""),
                "params": "advancedSyntax=true&analytics=true&analyticsTags=backend" + (f"&{echoed}" if echoed else ""),
                "processingTimeMS": int((time.perf_counter() - started) * 1000),
            },
        )

    def _matching(self, by_date: bool, query: str, attributes: str, tags: str, numeric: str) -> tuple[int, ...]:
        hits = self._by_date if by_date else self._by_points
        words = query.lower().split()
        fields = tuple(a.strip() for a in attributes.split(",") if a.strip()) or _HN_DEFAULT_ATTRIBUTES
        tag_groups = _parse_tags(tags)
        filters = _parse_numeric_filters(numeric)
        found = []
        for position, hit in enumerate(hits):
            if tag_groups:
                hit_tags = set(hit.get("_tags", []))
                if not all(group & hit_tags for group in tag_groups):
                    continue
            if filters and not all(
                isinstance(hit.get(name), (int, float)) and check(hit[name], value) for name, check, value in filters
            ):
                continue
            if words:
                text = " ".join(str(hit.get(name) or "") for name in fields).lower()
                if not all(word in text for word in words):
                    continue
            found.append(position)
        return tuple(found)
