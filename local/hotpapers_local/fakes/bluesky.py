"""The fake Bluesky XRPC: createSession and authenticated searchPosts, with the AppView's errors and cursors."""

from __future__ import annotations

import base64
import bisect
import functools
import hashlib
import json
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from hotpapers_local.fakes.dataset import UpstreamDataset
from hotpapers_local.fakes.wire import Request, Response, Routes, int_param, json_response, parse_time


def _bsky_error(status: int, error: str, message: str) -> Response:
    return json_response(status, {"error": error, "message": message})


def _bsky_links(post: Mapping[str, Any]) -> list[str]:
    """The post's links as the AppView indexes them for `url` and `domain`: facet links and link cards."""
    record = post.get("record", {})
    facets = record.get("facets", []) or []
    links = [f.get("uri", "") for facet in facets for f in facet.get("features", []) if "uri" in f]
    for embed in (post.get("embed"), record.get("embed")):
        while isinstance(embed, dict):
            external = embed.get("external")
            if isinstance(external, dict):
                links.append(external.get("uri", ""))
            # recordWithMedia nests the external embed under "media".
            embed = embed.get("media")
    return [link for link in links if link]


def _host(url: str) -> str:
    """A link's hostname as the AppView normalises it for `domain`: lower case, without "www."."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _domain_matches(hosts: frozenset[str], domain: str) -> bool:
    domain = _host(f"https://{domain.strip()}")
    return any(host == domain or host.endswith("." + domain) for host in hosts)


def _fake_jwt(kind: str, subject: str, serial: int) -> str:
    header = base64.urlsafe_b64encode(b'{"typ":"at+jwt","alg":"ES256K"}').decode().rstrip("=")
    claims = json.dumps({"scope": kind, "sub": subject, "jti": serial}).encode()
    payload = base64.urlsafe_b64encode(claims).decode().rstrip("=")
    signature = base64.urlsafe_b64encode(hashlib.sha256(f"{kind}{subject}{serial}".encode()).digest()).decode()
    return f"{header}.{payload}.{signature.rstrip('=')}"


class FakeBluesky:
    """Bluesky's session and search routes over a dataset's posts.

    `credentials`: the (handle, app password) pair createSession accepts (None: any non-empty pair).
    """

    def __init__(self, dataset: UpstreamDataset, *, credentials: tuple[str, str] | None) -> None:
        self.credentials = credentials
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}  # accessJwt → did
        self._serial = 0
        posts = sorted(dataset.bsky_posts, key=lambda p: parse_time(p["record"]["createdAt"]), reverse=True)
        self._posts = posts
        self._neg_times = [-parse_time(p["record"]["createdAt"]) for p in posts]
        # What `q` matches: the post's text. Links sit in facets and cards, which `q` may miss (a card's
        # URL is nowhere in the text); `url` and `domain` match those, as on the real AppView.
        self._text = [str(p.get("record", {}).get("text", "")).lower() for p in posts]
        links = [_bsky_links(p) for p in posts]
        self._links = [" ".join(found).lower() for found in links]
        self._hosts = [frozenset(_host(link) for link in found) for found in links]
        self._filter = functools.lru_cache(maxsize=64)(self._matching)

    def routes(self) -> Routes:
        return {
            ("POST", "/bsky/xrpc/com.atproto.server.createSession"): self._create_session,
            ("GET", "/bsky/xrpc/app.bsky.feed.searchPosts"): self._search_posts,
        }

    def _create_session(self, request: Request) -> Response:
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return _bsky_error(400, "InvalidRequest", "Request body must be JSON")
        identifier = str(payload.get("identifier") or "")
        password = str(payload.get("password") or "")
        if not identifier or not password:
            return _bsky_error(400, "InvalidRequest", 'Input must have the properties "identifier", "password"')
        if self.credentials is not None and (identifier, password) != tuple(self.credentials):
            return _bsky_error(401, "AuthenticationRequired", "Invalid identifier or password")
        handle = identifier.lstrip("@")
        did = "did:plc:" + base64.b32encode(hashlib.sha256(handle.encode()).digest()).decode().lower()[:24]
        with self._lock:
            self._serial += 1
            serial = self._serial
            access = _fake_jwt("com.atproto.appPass", did, serial)
            self._tokens[access] = did
        return json_response(
            200,
            {
                "accessJwt": access,
                "refreshJwt": _fake_jwt("com.atproto.refresh", did, serial),
                "handle": handle,
                "did": did,
            },
        )

    def _search_posts(self, request: Request) -> Response:
        authorization = request.header("authorization")
        if not authorization.startswith("Bearer "):
            # What the public AppView has said to unauthenticated search since 2025.
            return _bsky_error(401, "AuthMissing", "Authentication Required")
        with self._lock:
            known = authorization[7:].strip() in self._tokens
        if not known:
            return _bsky_error(401, "InvalidToken", "Token could not be verified")

        params = request.query
        q = params.get("q", "")
        if not q.strip():
            return _bsky_error(400, "InvalidRequest", 'Error: Params must have the property "q"')
        try:
            limit = int_param(params, "limit", 25)
            offset = int_param(params, "cursor", 0)
        except ValueError:
            return _bsky_error(400, "InvalidRequest", "Error: limit and cursor must be integers")
        if not 1 <= limit <= 100:
            return _bsky_error(400, "InvalidRequest", "Error: limit must be between 1 and 100")
        if offset < 0:
            return _bsky_error(400, "InvalidRequest", "Error: invalid cursor")
        try:
            since = parse_time(params["since"]) if params.get("since") else None
            until = parse_time(params["until"]) if params.get("until") else None
        except ValueError:
            return _bsky_error(400, "InvalidRequest", "Error: since and until must be datetimes")
        sort = params.get("sort", "latest")
        if sort not in ("latest", "top"):
            return _bsky_error(400, "InvalidRequest", 'Error: sort must be one of "latest", "top"')

        terms = (q, params.get("url", ""), params.get("domain", ""))
        matches = self._filter(terms, since, until, sort)
        body: dict[str, Any] = {"posts": [self._posts[i] for i in matches[offset : offset + limit]]}
        if offset + limit < len(matches):
            body["cursor"] = str(offset + limit)
        return json_response(200, body)

    def _matching(
        self, terms: tuple[str, str, str], since: float | None, until: float | None, sort: str
    ) -> tuple[int, ...]:
        q, url, domain = terms
        # Every word of q must appear in the text; a `domain:` operator in q is the `domain` parameter, and
        # "*" matches every post (Lucene's match-all), so q may hold no word at all.
        words = q.lower().split()
        domains = [word.split(":", 1)[1] for word in words if word.startswith("domain:")] + ([domain] if domain else [])
        needles = [word for word in words if word != "*" and not word.startswith("domain:")]
        low = bisect.bisect_right(self._neg_times, -until) if until is not None else 0
        # since is inclusive and until exclusive, as the lexicon documents.
        high = bisect.bisect_right(self._neg_times, -since) if since is not None else len(self._posts)
        found = [
            i
            for i in range(low, high)
            if all(n in self._text[i] for n in needles)
            and (not url or url.lower() in self._links[i])
            and all(_domain_matches(self._hosts[i], d) for d in domains)
        ]
        if sort == "top":
            posts = self._posts
            found.sort(key=lambda i: -((posts[i].get("likeCount") or 0) + (posts[i].get("repostCount") or 0)))
        return tuple(found)
