"""The fake X API v2: recent and full-archive tweet search, with X's bearer auth, rate limits, paging and errors."""

from __future__ import annotations

import base64
import bisect
import functools
import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hotpapers_local.fakes.dataset import UpstreamDataset
from hotpapers_local.fakes.wire import Request, Response, Routes, json_response, parse_time

_X_UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
_X_TOO_MANY = {"title": "Too Many Requests", "type": "about:blank", "status": 429, "detail": "Too Many Requests"}
_X_DEFAULT_TWEET_FIELDS = frozenset({"id", "text", "edit_history_tweet_ids"})
_X_DEFAULT_USER_FIELDS = frozenset({"id", "name", "username"})
_X_URL_TERM = re.compile(r'url:"([^"]*)"|url:([^\s()"]+)')
_X_EXCLUSIONS = {"-is:retweet": "retweeted", "-is:reply": "replied_to", "-is:quote": "quoted"}
_X_RATE_WINDOW = 15 * 60


def _x_invalid(parameter: str, value: str, message: str) -> Response:
    """X's 400 shape for a bad query parameter."""
    return json_response(
        400,
        {
            "errors": [{"parameters": {parameter: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


def _parse_x_query(query: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The parts of an X search query the fake understands: `url:` terms (ORed) and `-is:` exclusions."""
    terms = tuple((quoted or bare).lower() for quoted, bare in _X_URL_TERM.findall(query))
    lowered = query.lower()
    excluded = frozenset(kind for operator, kind in _X_EXCLUSIONS.items() if operator in lowered)
    return terms, excluded


def _encode_token(position: int) -> str:
    # Opaque to clients, like X's own tokens; it only carries where the scan resumes.
    return base64.b32encode(f"p{position}".encode()).decode().rstrip("=").lower()


def _decode_token(token: str) -> int:
    padded = token.upper() + "=" * (-len(token) % 8)
    text = base64.b32decode(padded).decode()
    if not text.startswith("p"):
        raise ValueError(token)
    return int(text[1:])


@dataclass
class _XIndex:
    """Tweets newest first, with what a search needs precomputed per tweet."""

    tweets: list[dict[str, Any]]
    neg_times: list[float]  # -created_at, ascending, so bisect finds time windows
    url_text: list[str]  # lower-cased expanded/unwound URLs, for `url:` terms
    kinds: list[frozenset[str]]  # referenced_tweets types: retweeted / quoted / replied_to
    users: dict[str, dict[str, Any]]
    # Each tweet JSON-encoded once per requested field set: paging a busy day then costs little.
    _encoded: dict[frozenset[str], list[bytes | None]] = field(default_factory=dict)

    def encoded(self, position: int, fields: frozenset[str]) -> bytes:
        cache = self._encoded.get(fields)
        if cache is None:
            cache = self._encoded.setdefault(fields, [None] * len(self.tweets))
        chunk = cache[position]
        if chunk is None:
            tweet = {k: v for k, v in self.tweets[position].items() if k in fields}
            chunk = cache[position] = json.dumps(tweet, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return chunk

    @classmethod
    def build(cls, tweets: list[dict[str, Any]], users: list[dict[str, Any]]) -> _XIndex:
        keyed = []
        for tweet in tweets:
            tweet = dict(tweet)
            # X has returned edit_history_tweet_ids by default since 2022.
            tweet.setdefault("edit_history_tweet_ids", [tweet["id"]])
            keyed.append((parse_time(tweet["created_at"]), int(tweet["id"]), tweet))
        keyed.sort(key=lambda item: (item[0], item[1]), reverse=True)
        ordered = [tweet for _, _, tweet in keyed]
        url_text = []
        for tweet in ordered:
            urls = tweet.get("entities", {}).get("urls", [])
            parts = [u.get(k, "") for u in urls for k in ("expanded_url", "unwound_url")]
            url_text.append(" ".join(parts).lower())
        return cls(
            tweets=ordered,
            neg_times=[-stamp for stamp, _, _ in keyed],
            url_text=url_text,
            kinds=[frozenset(ref["type"] for ref in t.get("referenced_tweets", [])) for t in ordered],
            users={user["id"]: user for user in users},
        )


def _split_fields(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


class FakeX:
    """X's two search routes over a dataset's tweets.

    `bearer_token`: the token search accepts (None: any non-empty bearer). `rate_limit`:
    requests per 15-minute window and route before X answers 429, as announced in `x-rate-limit-*`.
    """

    def __init__(self, dataset: UpstreamDataset, *, bearer_token: str | None, rate_limit: int) -> None:
        self.bearer_token = bearer_token
        self.rate_limit = rate_limit
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # route → (window reset time, used)
        self._index = _XIndex.build(dataset.x_tweets, dataset.x_users)

    def routes(self) -> Routes:
        return {
            ("GET", "/x/2/tweets/search/recent"): functools.partial(self._search, max_page=100),
            # Full-archive search allows 500 per page; recent search only 100.
            ("GET", "/x/2/tweets/search/all"): functools.partial(self._search, max_page=500),
        }

    def _rate_headers(self, route: str) -> tuple[dict[str, str], bool]:
        """Count this request in the route's 15-minute window; say whether it is over the limit."""
        now = time.time()
        with self._lock:
            reset, used = self._windows.get(route, (0.0, 0))
            if now >= reset:
                reset, used = now + _X_RATE_WINDOW, 0
            used += 1
            self._windows[route] = (reset, used)
        headers = {
            "x-rate-limit-limit": str(self.rate_limit),
            "x-rate-limit-remaining": str(max(0, self.rate_limit - used)),
            "x-rate-limit-reset": str(int(reset)),
        }
        return headers, used > self.rate_limit

    def _search(self, request: Request, *, max_page: int) -> Response:
        authorization = request.header("authorization")
        token = authorization[7:].strip() if authorization.startswith("Bearer ") else ""
        if not token or (self.bearer_token is not None and token != self.bearer_token):
            return json_response(401, _X_UNAUTHORIZED)
        rate_headers, over_limit = self._rate_headers(request.path)
        if over_limit:
            return json_response(429, _X_TOO_MANY, rate_headers)

        response = self._search_page(request.query, max_page)
        response.headers.update(rate_headers)
        return response

    def _search_page(self, params: Mapping[str, str], max_page: int) -> Response:
        query = params.get("query", "")
        if not query.strip():
            return _x_invalid("query", query, "The `query` query parameter can not be empty")
        max_query = 512 if max_page == 100 else 1024
        if len(query) > max_query:
            return _x_invalid("query", query, f"The `query` query parameter is too long (max {max_query} characters)")
        raw_max = params.get("max_results", "10")
        try:
            max_results = int(raw_max)
        except ValueError:
            max_results = -1
        if not 10 <= max_results <= max_page:
            return _x_invalid(
                "max_results",
                raw_max,
                f"The `max_results` query parameter value [{raw_max}] is not between 10 and {max_page}",
            )
        bounds: dict[str, float | None] = {}
        for name in ("start_time", "end_time"):
            value = params.get(name)
            try:
                bounds[name] = parse_time(value) if value else None
            except ValueError:
                return _x_invalid(name, value or "", f"Invalid '{name}':'{value}'.")
        start, end = bounds["start_time"], bounds["end_time"]
        if start is not None and end is not None and start >= end:
            return _x_invalid("start_time", params["start_time"], "'start_time' must be before 'end_time'")
        token = params.get("next_token") or params.get("pagination_token")
        try:
            resume = _decode_token(token) if token else 0
        except ValueError:
            name = "next_token" if params.get("next_token") else "pagination_token"
            return _x_invalid(name, token or "", f"The `{name}` query parameter value [{token}] is not valid")

        url_terms, excluded = _parse_x_query(query)
        index = self._index
        low = bisect.bisect_right(index.neg_times, -end) if end is not None else 0
        high = bisect.bisect_right(index.neg_times, -start) if start is not None else len(index.tweets)
        page: list[int] = []
        next_position: int | None = None
        position = max(low, resume)
        # Scan forward from where the last page stopped: paging a whole day costs one pass.
        while position < high:
            if (not excluded or not (index.kinds[position] & excluded)) and (
                not url_terms or any(term in index.url_text[position] for term in url_terms)
            ):
                if len(page) == max_results:
                    next_position = position
                    break
                page.append(position)
            position += 1

        if not page:
            return json_response(200, {"meta": {"result_count": 0}})  # X sends no "data" key for an empty result

        tweet_fields = _X_DEFAULT_TWEET_FIELDS | _split_fields(params.get("tweet.fields", ""))
        body: dict[str, Any] = {"data": None}  # placeholder: the tweets are spliced in pre-encoded
        if "author_id" in _split_fields(params.get("expansions", "")):
            user_fields = _X_DEFAULT_USER_FIELDS | _split_fields(params.get("user.fields", ""))
            authors = dict.fromkeys(index.tweets[i].get("author_id") for i in page)
            users = [{k: v for k, v in index.users[a].items() if k in user_fields} for a in authors if a in index.users]
            body["includes"] = {"users": users}
        meta: dict[str, Any] = {
            "newest_id": index.tweets[page[0]]["id"],
            "oldest_id": index.tweets[page[-1]]["id"],
            "result_count": len(page),
        }
        if next_position is not None:
            meta["next_token"] = _encode_token(next_position)
        body["meta"] = meta
        response = json_response(200, body)
        data = b"[" + b",".join(index.encoded(i, tweet_fields) for i in page) + b"]"
        response.body = response.body.replace(b'"data":null', b'"data":' + data, 1)
        return response
