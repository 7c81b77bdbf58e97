"""Fake upstream APIs on loopback: X, Bluesky, Hacker News, Hugging Face and the arXiv API.

One small `http.server` answers every upstream the collector talks to, in the
exact response shapes of the real services (see docs UPSTREAMS.md and the
recorded responses under tests/fixtures/). Point the collector at it with
`FakeUpstreams.env()` and it runs offline: tests, the demo and the benchmark
all use it.

The server serves one `UpstreamDataset`. Everything it needs per request is
sorted and indexed once, on construction, so that a day of 30,000 posts and
2,000 arXiv entries pages quickly: time windows are found by bisection, paging
tokens resume a scan where the previous page stopped, and the Atom feed is a
join of pre-rendered `<entry>` strings.

Tests can force failures (`inject`) and inspect the traffic (`requests`,
`count`); both are thread-safe.
"""

from __future__ import annotations

import base64
import bisect
import functools
import hashlib
import json
import math
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

__all__ = [
    "FakeUpstreams",
    "RecordedRequest",
    "UpstreamDataset",
    "render_arxiv_entry",
]


# --------------------------------------------------------------------------- data


@dataclass
class UpstreamDataset:
    """What the fake upstreams know: the posts of each source and the arXiv metadata.

    Each item is in its upstream's own wire format, so the fake can serve it
    unchanged:

    - `x_tweets`: X API v2 tweet objects (`id`, `text`, `author_id`,
      `created_at`, `public_metrics`, `entities`, optional `referenced_tweets`);
      `x_users`: `{id, name, username}` for the authors.
    - `bsky_posts`: Bluesky `PostView` dicts as `app.bsky.feed.searchPosts` returns them.
    - `hn_hits`: Algolia Hacker News hit dicts.
    - `hf_daily`: `YYYY-MM-DD` → the Hugging Face `daily_papers` items of that date.
    - `arxiv_entries`: version-less arXiv id → one Atom `<entry>…</entry>` string
      in arXiv's 2026 serialisation (see `render_arxiv_entry`).
    """

    x_tweets: list[dict[str, Any]] = field(default_factory=list)
    x_users: list[dict[str, Any]] = field(default_factory=list)
    bsky_posts: list[dict[str, Any]] = field(default_factory=list)
    hn_hits: list[dict[str, Any]] = field(default_factory=list)
    hf_daily: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    arxiv_entries: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received. Header names are lower-cased; `query` keeps the last value of each name."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    time: float  # time.monotonic() on arrival
    body: bytes = b""


@dataclass
class _Fault:
    prefix: str
    status: int
    body: bytes
    headers: dict[str, str]
    remaining: int


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class _Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> _Response:
    # Compact separators, like the real APIs; non-ASCII stays UTF-8 as they send it.
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _Response(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})


# ------------------------------------------------------------------- time helpers


def _parse_time(value: str) -> float:
    """RFC 3339 / ISO 8601 → Unix seconds. A naive value is taken as UTC. Raises ValueError."""
    parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _utc_stamp(seconds: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if seconds is None else seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ----------------------------------------------------------------------- arXiv Atom

ATOM_CATEGORY_SCHEME = "http://arxiv.org/schemas/atom"
_FEED_OPEN = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
)


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def render_arxiv_entry(
    arxiv_id: str,
    *,
    version: int,
    title: str,
    summary: str,
    authors: Iterable[str],
    categories: Iterable[str],
    published: str,
    updated: str,
    comment: str | None = None,
    journal_ref: str | None = None,
    doi: str | None = None,
) -> str:
    """One `<entry>` in the element order and layout of arXiv's 2026 API serialisation.

    `categories` lists the primary category first. `published`/`updated` are
    `YYYY-MM-DDTHH:MM:SSZ`. The string starts at `<entry>` and its inner lines
    are indented for a feed that indents entries by two spaces, as arXiv's does.
    """
    categories = list(categories)
    versioned = f"{arxiv_id}v{version}"
    lines = [
        "<entry>",
        f"    <id>http://arxiv.org/abs/{versioned}</id>",
        f"    <title>{escape(title)}</title>",
        f"    <updated>{updated}</updated>",
        f'    <link href="https://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{versioned}" rel="related" type="application/pdf" title="pdf"/>',
        f"    <summary>{escape(summary)}</summary>",
    ]
    lines += [f'    <category term="{_attr(c)}" scheme="{ATOM_CATEGORY_SCHEME}"/>' for c in categories]
    lines.append(f"    <published>{published}</published>")
    if comment:
        lines.append(f"    <arxiv:comment>{escape(comment)}</arxiv:comment>")
    if categories:
        lines.append(f'    <arxiv:primary_category term="{_attr(categories[0])}"/>')
    if journal_ref:
        lines.append(f"    <arxiv:journal_ref>{escape(journal_ref)}</arxiv:journal_ref>")
    for name in authors:
        lines += ["    <author>", f"      <name>{escape(name)}</name>", "    </author>"]
    if doi:
        lines.append(f"    <arxiv:doi>{escape(doi)}</arxiv:doi>")
        lines.append(f'    <link rel="related" href="https://doi.org/{_attr(doi)}" title="doi"/>')
    lines.append("  </entry>")
    return "\n".join(lines)


# arXiv accepts exactly these id shapes in id_list; anything else is a 400.
_NEW_STYLE_ID = re.compile(r"\d{4}\.\d{4,5}(v\d+)?")
_OLD_STYLE_ID = re.compile(r"[a-z-]+(\.[A-Z]{2})?/\d{7}(v\d+)?")
_VERSION_SUFFIX = re.compile(r"v\d+$")


def _arxiv_error_feed(message: str) -> _Response:
    """arXiv's error answer: HTTP 400 and a feed with one entry titled Error (see arxiv.py__error_id_abc_400.xml)."""
    error_url = "https://arxiv.org/api/errors#" + message.replace(" ", "_")
    now = _utc_stamp()
    text = (
        _FEED_OPEN + "  <id>https://arxiv.org/</id>\n"
        "  <title>arXiv Search Results</title>\n"
        f"  <updated>{now}</updated>\n"
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        "  <entry>\n"
        f"    <id>{escape(error_url)}</id>\n"
        "    <title>Error</title>\n"
        f"    <updated>{now}</updated>\n"
        f'    <link href="{_attr(error_url)}" rel="alternate" type="text/html"/>\n'
        f"    <summary>{escape(message)}</summary>\n"
        "    <author>\n"
        "      <name>arXiv api core</name>\n"
        "    </author>\n"
        "  </entry>\n"
        "</feed>\n"
    )
    return _Response(400, text.encode("utf-8"), {"Content-Type": "application/atom+xml; charset=utf-8"})


# ------------------------------------------------------------------------ X helpers

_X_UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
_X_TOO_MANY = {"title": "Too Many Requests", "type": "about:blank", "status": 429, "detail": "Too Many Requests"}
_X_DEFAULT_TWEET_FIELDS = frozenset({"id", "text", "edit_history_tweet_ids"})
_X_DEFAULT_USER_FIELDS = frozenset({"id", "name", "username"})
_X_URL_TERM = re.compile(r'url:"([^"]*)"|url:([^\s()"]+)')
_X_EXCLUSIONS = {"-is:retweet": "retweeted", "-is:reply": "replied_to", "-is:quote": "quoted"}
_X_RATE_WINDOW = 15 * 60


def _x_invalid(parameter: str, value: str, message: str) -> _Response:
    """X's 400 shape for a bad query parameter."""
    return _json(
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
            keyed.append((_parse_time(tweet["created_at"]), int(tweet["id"]), tweet))
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


# ------------------------------------------------------------------ Bluesky helpers


def _bsky_error(status: int, error: str, message: str) -> _Response:
    return _json(status, {"error": error, "message": message})


def _bsky_link_text(post: Mapping[str, Any]) -> str:
    """Everything a search can match in a post: text, facet links and external embeds."""
    record = post.get("record", {})
    parts = [record.get("text", "")]
    for facet in record.get("facets", []) or []:
        parts += [f.get("uri", "") for f in facet.get("features", []) if "uri" in f]
    for embed in (post.get("embed"), record.get("embed")):
        while isinstance(embed, dict):
            external = embed.get("external")
            if isinstance(external, dict):
                parts.append(external.get("uri", ""))
            # recordWithMedia nests the external embed under "media".
            embed = embed.get("media")
    return " ".join(parts).lower()


def _fake_jwt(kind: str, subject: str, serial: int) -> str:
    header = base64.urlsafe_b64encode(b'{"typ":"at+jwt","alg":"ES256K"}').decode().rstrip("=")
    claims = json.dumps({"scope": kind, "sub": subject, "jti": serial}).encode()
    payload = base64.urlsafe_b64encode(claims).decode().rstrip("=")
    signature = base64.urlsafe_b64encode(hashlib.sha256(f"{kind}{subject}{serial}".encode()).digest()).decode()
    return f"{header}.{payload}.{signature.rstrip('=')}"


# ---------------------------------------------------------------- Hacker News helpers

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


def _algolia_error(message: str) -> _Response:
    return _json(400, {"message": message, "status": 400})


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


def _int_param(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name, "")
    return default if raw.strip() == "" else int(raw)


# -------------------------------------------------------------------------- server


class FakeUpstreams:
    """A loopback HTTP server answering as X, Bluesky, HN Algolia, Hugging Face and the arXiv API.

    Use it as a context manager, or call `start()` / `stop()`:

        with FakeUpstreams(dataset, x_bearer_token="t") as fake:
            os.environ.update(fake.env() | fake.credentials_env())

    `x_bearer_token`: the token X search accepts (None: any non-empty bearer).
    `bsky_credentials`: the (handle, app password) pair createSession accepts
    (None: any non-empty pair). `x_rate_limit`: requests per 15-minute window
    and search route before X answers 429, as announced in `x-rate-limit-*`.
    """

    def __init__(
        self,
        dataset: UpstreamDataset | None = None,
        *,
        x_bearer_token: str | None = None,
        bsky_credentials: tuple[str, str] | None = None,
        x_rate_limit: int = 450,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.dataset = dataset or UpstreamDataset()
        self.x_bearer_token = x_bearer_token
        self.bsky_credentials = bsky_credentials
        self.x_rate_limit = x_rate_limit
        self.host = host
        self.port = port
        self.requests: list[RecordedRequest] = []

        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._x_windows: dict[str, tuple[float, int]] = {}  # route → (window reset time, used)
        self._bsky_tokens: dict[str, str] = {}  # accessJwt → did
        self._serial = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

        self._index_dataset()
        self._routes: dict[tuple[str, str], Callable[[_Request], _Response]] = {
            ("GET", "/x/2/tweets/search/recent"): functools.partial(self._x_search, max_page=100),
            # Full-archive search allows 500 per page; recent search only 100.
            ("GET", "/x/2/tweets/search/all"): functools.partial(self._x_search, max_page=500),
            ("POST", "/bsky/xrpc/com.atproto.server.createSession"): self._bsky_create_session,
            ("GET", "/bsky/xrpc/app.bsky.feed.searchPosts"): self._bsky_search_posts,
            ("GET", "/hn/api/v1/search_by_date"): functools.partial(self._hn_search, by_date=True),
            ("GET", "/hn/api/v1/search"): functools.partial(self._hn_search, by_date=False),
            ("GET", "/hf/api/daily_papers"): self._hf_daily_papers,
            ("GET", "/arxiv/api/query"): self._arxiv_query,
        }

    def _index_dataset(self) -> None:
        data = self.dataset
        self._x = _XIndex.build(data.x_tweets, data.x_users)

        bsky = sorted(data.bsky_posts, key=lambda p: _parse_time(p["record"]["createdAt"]), reverse=True)
        self._bsky_posts = bsky
        self._bsky_neg_times = [-_parse_time(p["record"]["createdAt"]) for p in bsky]
        self._bsky_text = [_bsky_link_text(p) for p in bsky]

        self._hn_by_date = sorted(data.hn_hits, key=lambda h: (h.get("created_at_i", 0), h["objectID"]), reverse=True)
        # Algolia's /search ranks by relevance; popularity is the fake's stand-in for it.
        self._hn_by_points = sorted(data.hn_hits, key=lambda h: (h.get("points") or 0, h["objectID"]), reverse=True)
        self._hn_filter = functools.lru_cache(maxsize=64)(self._hn_matching)
        self._bsky_filter = functools.lru_cache(maxsize=64)(self._bsky_matching)

        self._arxiv = {
            _VERSION_SUFFIX.sub("", arxiv_id): entry.strip() for arxiv_id, entry in data.arxiv_entries.items()
        }

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeUpstreams:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer((self.host, self.port), self._handler_class())
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeUpstreams:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ public helpers

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeUpstreams is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def x_api_url(self) -> str:
        return f"{self.url}/x/2"

    @property
    def bsky_api_url(self) -> str:
        return f"{self.url}/bsky/xrpc"

    @property
    def hn_api_url(self) -> str:
        return f"{self.url}/hn/api/v1"

    @property
    def hf_api_url(self) -> str:
        return f"{self.url}/hf/api"

    @property
    def arxiv_api_url(self) -> str:
        return f"{self.url}/arxiv/api/query"

    def env(self) -> dict[str, str]:
        """The settings that point the collector at this fake instead of the real services."""
        return {
            "HOTPAPERS_X_API_URL": self.x_api_url,
            "HOTPAPERS_BSKY_API_URL": self.bsky_api_url,
            "HOTPAPERS_HN_API_URL": self.hn_api_url,
            "HOTPAPERS_HF_API_URL": self.hf_api_url,
            "HOTPAPERS_ARXIV_API_URL": self.arxiv_api_url,
        }

    def credentials_env(self) -> dict[str, str]:
        """Credentials this fake accepts, under the names the collector reads them from."""
        handle, password = self.bsky_credentials or ("hotpapers.test", "fake-app-password")
        return {
            "HOTPAPERS_X_BEARER_TOKEN": self.x_bearer_token or "fake-x-bearer-token",
            "HOTPAPERS_BSKY_HANDLE": handle,
            "HOTPAPERS_BSKY_APP_PASSWORD": password,
        }

    def inject(
        self,
        route_prefix: str,
        status: int,
        body: str | bytes = b"",
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests whose path starts with `route_prefix` with this response.

        Faults are served before authentication and routing, in the order queued.
        """
        payload = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        merged = dict(headers or {})
        if payload and not any(name.lower() == "content-type" for name in merged):
            looks_json = payload.lstrip()[:1] in (b"{", b"[")
            merged["Content-Type"] = "application/json" if looks_json else "text/plain; charset=utf-8"
        with self._lock:
            self._faults.append(_Fault(route_prefix, status, payload, merged, times))

    def count(self, prefix: str = "/") -> int:
        """How many requests arrived whose path starts with `prefix`."""
        with self._lock:
            return sum(1 for request in self.requests if request.path.startswith(prefix))

    # ----------------------------------------------------------------- dispatch

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keeps the client's connection open across pages.
            protocol_version = "HTTP/1.1"
            server_version = "hotpapers-fake-upstreams"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes; without NODELAY, Nagle's algorithm
                # and the client's delayed ACK add ~40 ms to every response.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = {name: values[-1] for name, values in parse_qs(split.query, keep_blank_values=True).items()}
                request = _Request(
                    method=self.command,
                    path=split.path,
                    query=query,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=body,
                )
                response = fake._dispatch(request)
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass  # requests are recorded in fake.requests; stderr noise helps nobody

        return Handler

    def _dispatch(self, request: _Request) -> _Response:
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    request.method, request.path, request.query, request.headers, time.monotonic(), request.body
                )
            )
            fault = next((f for f in self._faults if request.path.startswith(f.prefix)), None)
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
        if fault is not None:
            return _Response(fault.status, fault.body, dict(fault.headers))

        handler = self._routes.get((request.method, request.path))
        if handler is None:
            if any(path == request.path for _, path in self._routes):
                return _json(405, {"error": "MethodNotAllowed", "message": f"{request.method} not allowed here"})
            return _json(404, {"error": "NotFound", "message": f"No route for {request.method} {request.path}"})
        try:
            return handler(request)
        except Exception as exc:  # a bug in the fake must surface as a 500, not a hung client
            return _json(500, {"error": "InternalServerError", "message": f"{type(exc).__name__}: {exc}"})

    # -------------------------------------------------------------------- X

    def _x_rate_headers(self, route: str) -> tuple[dict[str, str], bool]:
        """Count this request in the route's 15-minute window; say whether it is over the limit."""
        now = time.time()
        with self._lock:
            reset, used = self._x_windows.get(route, (0.0, 0))
            if now >= reset:
                reset, used = now + _X_RATE_WINDOW, 0
            used += 1
            self._x_windows[route] = (reset, used)
        headers = {
            "x-rate-limit-limit": str(self.x_rate_limit),
            "x-rate-limit-remaining": str(max(0, self.x_rate_limit - used)),
            "x-rate-limit-reset": str(int(reset)),
        }
        return headers, used > self.x_rate_limit

    def _x_search(self, request: _Request, *, max_page: int) -> _Response:
        authorization = request.header("authorization")
        token = authorization[7:].strip() if authorization.startswith("Bearer ") else ""
        if not token or (self.x_bearer_token is not None and token != self.x_bearer_token):
            return _json(401, _X_UNAUTHORIZED)
        rate_headers, over_limit = self._x_rate_headers(request.path)
        if over_limit:
            return _json(429, _X_TOO_MANY, rate_headers)

        response = self._x_search_page(request.query, max_page)
        response.headers.update(rate_headers)
        return response

    def _x_search_page(self, params: Mapping[str, str], max_page: int) -> _Response:
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
                bounds[name] = _parse_time(value) if value else None
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
        index = self._x
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
            return _json(200, {"meta": {"result_count": 0}})  # X sends no "data" key for an empty result

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
        response = _json(200, body)
        data = b"[" + b",".join(index.encoded(i, tweet_fields) for i in page) + b"]"
        response.body = response.body.replace(b'"data":null', b'"data":' + data, 1)
        return response

    # -------------------------------------------------------------- Bluesky

    def _bsky_create_session(self, request: _Request) -> _Response:
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return _bsky_error(400, "InvalidRequest", "Request body must be JSON")
        identifier = str(payload.get("identifier") or "")
        password = str(payload.get("password") or "")
        if not identifier or not password:
            return _bsky_error(400, "InvalidRequest", 'Input must have the properties "identifier", "password"')
        if self.bsky_credentials is not None and (identifier, password) != tuple(self.bsky_credentials):
            return _bsky_error(401, "AuthenticationRequired", "Invalid identifier or password")
        handle = identifier.lstrip("@")
        did = "did:plc:" + base64.b32encode(hashlib.sha256(handle.encode()).digest()).decode().lower()[:24]
        with self._lock:
            self._serial += 1
            serial = self._serial
            access = _fake_jwt("com.atproto.appPass", did, serial)
            self._bsky_tokens[access] = did
        return _json(
            200,
            {
                "accessJwt": access,
                "refreshJwt": _fake_jwt("com.atproto.refresh", did, serial),
                "handle": handle,
                "did": did,
            },
        )

    def _bsky_search_posts(self, request: _Request) -> _Response:
        authorization = request.header("authorization")
        if not authorization.startswith("Bearer "):
            # What the public AppView has said to unauthenticated search since 2025.
            return _bsky_error(401, "AuthMissing", "Authentication Required")
        with self._lock:
            known = authorization[7:].strip() in self._bsky_tokens
        if not known:
            return _bsky_error(401, "InvalidToken", "Token could not be verified")

        params = request.query
        q = params.get("q", "")
        if not q.strip():
            return _bsky_error(400, "InvalidRequest", 'Error: Params must have the property "q"')
        try:
            limit = _int_param(params, "limit", 25)
            offset = _int_param(params, "cursor", 0)
        except ValueError:
            return _bsky_error(400, "InvalidRequest", "Error: limit and cursor must be integers")
        if not 1 <= limit <= 100:
            return _bsky_error(400, "InvalidRequest", "Error: limit must be between 1 and 100")
        if offset < 0:
            return _bsky_error(400, "InvalidRequest", "Error: invalid cursor")
        try:
            since = _parse_time(params["since"]) if params.get("since") else None
            until = _parse_time(params["until"]) if params.get("until") else None
        except ValueError:
            return _bsky_error(400, "InvalidRequest", "Error: since and until must be datetimes")
        sort = params.get("sort", "latest")
        if sort not in ("latest", "top"):
            return _bsky_error(400, "InvalidRequest", 'Error: sort must be one of "latest", "top"')

        terms = (q, params.get("url", ""), params.get("domain", ""))
        matches = self._bsky_filter(terms, since, until, sort)
        body: dict[str, Any] = {"posts": [self._bsky_posts[i] for i in matches[offset : offset + limit]]}
        if offset + limit < len(matches):
            body["cursor"] = str(offset + limit)
        return _json(200, body)

    def _bsky_matching(
        self, terms: tuple[str, str, str], since: float | None, until: float | None, sort: str
    ) -> tuple[int, ...]:
        q, url, domain = terms
        # Every word of q must appear (a `domain:` operator is matched like a word).
        needles = [word.split(":", 1)[1] if word.startswith("domain:") else word for word in q.lower().split()]
        needles += [value.lower() for value in (url, domain) if value]
        low = bisect.bisect_right(self._bsky_neg_times, -until) if until is not None else 0
        # since is inclusive and until exclusive, as the lexicon documents.
        high = bisect.bisect_right(self._bsky_neg_times, -since) if since is not None else len(self._bsky_posts)
        found = [i for i in range(low, high) if all(n in self._bsky_text[i] for n in needles)]
        if sort == "top":
            posts = self._bsky_posts
            found.sort(key=lambda i: -((posts[i].get("likeCount") or 0) + (posts[i].get("repostCount") or 0)))
        return tuple(found)

    # ---------------------------------------------------------- Hacker News

    def _hn_search(self, request: _Request, *, by_date: bool) -> _Response:
        started = time.perf_counter()
        params = request.query
        try:
            hits_per_page = min(1000, _int_param(params, "hitsPerPage", 20))  # Algolia caps, it does not refuse
            page = _int_param(params, "page", 0)
        except ValueError:
            return _algolia_error("hitsPerPage and page must be integers")
        if hits_per_page < 0 or page < 0:
            return _algolia_error("hitsPerPage and page must not be negative")
        try:
            _parse_numeric_filters(params.get("numericFilters", ""))
        except ValueError as exc:
            return _algolia_error(str(exc))
        attributes = params.get("restrictSearchableAttributes", "")
        matches = self._hn_filter(
            by_date, params.get("query", ""), attributes, params.get("tags", ""), params.get("numericFilters", "")
        )
        hits_source = self._hn_by_date if by_date else self._hn_by_points
        first = page * hits_per_page
        hits = [hits_source[i] for i in matches[first : first + hits_per_page]] if hits_per_page else []
        echoed = urlencode(sorted(params.items()))
        return _json(
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

    def _hn_matching(self, by_date: bool, query: str, attributes: str, tags: str, numeric: str) -> tuple[int, ...]:
        hits = self._hn_by_date if by_date else self._hn_by_points
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

    # ---------------------------------------------------------- Hugging Face

    def _hf_daily_papers(self, request: _Request) -> _Response:
        params = request.query
        day = params.get("date") or (max(self.dataset.hf_daily) if self.dataset.hf_daily else "")
        if day and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            return _json(400, {"error": f"Invalid date: {day}"})
        try:
            limit = min(100, _int_param(params, "limit", 50))
            page = _int_param(params, "p", 0)
        except ValueError:
            return _json(400, {"error": "limit and p must be integers"})
        if limit < 1 or page < 0:
            return _json(400, {"error": "limit must be positive and p not negative"})
        items = self.dataset.hf_daily.get(day, [])
        return _json(200, items[page * limit : (page + 1) * limit])

    # ---------------------------------------------------------------- arXiv

    def _arxiv_query(self, request: _Request) -> _Response:
        params = request.query
        id_list = params.get("id_list", "")
        ids = [part.strip() for part in id_list.split(",") if part.strip()]
        for arxiv_id in ids:
            if not (_NEW_STYLE_ID.fullmatch(arxiv_id) or _OLD_STYLE_ID.fullmatch(arxiv_id)):
                return _arxiv_error_feed(f"incorrect id format for {arxiv_id}")
        values = {}
        for name, default in (("start", 0), ("max_results", 10)):
            try:
                values[name] = _int_param(params, name, default)
            except ValueError:
                return _arxiv_error_feed(f"{name} must be an integer")
            if values[name] < 0:
                return _arxiv_error_feed(f"{name} must be non-negative")
        start, max_results = values["start"], values["max_results"]

        # Versions are accepted and ignored; unknown ids are simply absent, as on arXiv.
        found = [
            entry
            for key in dict.fromkeys(_VERSION_SUFFIX.sub("", arxiv_id) for arxiv_id in ids)
            if (entry := self._arxiv.get(key)) is not None
        ]
        shown = found[start : start + max_results]
        search_query = params.get("search_query", "")
        echo = f"search_query={search_query}&id_list={id_list}&start={start}&max_results={max_results}"
        link = (
            f"https://arxiv.org/api/query?search_query={search_query}"
            f"&start={start}&max_results={max_results}&id_list={id_list}"
        )
        feed_id = base64.b64encode(hashlib.sha1(echo.encode()).digest()).decode().rstrip("=")
        parts = [
            _FEED_OPEN,
            f"  <id>https://arxiv.org/api/{feed_id}</id>\n",
            f"  <title>{escape('arXiv Query: ' + echo)}</title>\n",
            f"  <updated>{_utc_stamp()}</updated>\n",
            f'  <link href="{_attr(link)}" type="application/atom+xml"/>\n',
            f"  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>\n",
            f"  <opensearch:totalResults>{len(found)}</opensearch:totalResults>\n",
            f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n",
        ]
        if shown:
            parts.append("  " + "\n  ".join(shown) + "\n")
        parts.append("</feed>\n")
        return _Response(200, "".join(parts).encode("utf-8"), {"Content-Type": "application/atom+xml; charset=utf-8"})


def _split_fields(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())
