"""Bluesky searchPosts: posts of one UTC day that link an arXiv paper."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from hotpapers.collect.sources.base import (
    SourceError,
    decode_json,
    format_rfc3339,
    is_count,
    parse_rfc3339,
    text_or_empty,
    wrap_upstream_error,
)
from hotpapers.core.arxiv_ids import extract_refs, merge_refs, ref_from_url
from hotpapers.core.http import HttpClient, UpstreamError
from hotpapers.core.models import ArxivRef, Post, day_window

# `domain` matches posts whose links or link cards lead to arxiv.org (the AppView normalises the
# hostname); a text query such as "arxiv.org" misses a post whose only link is a card, whose URL is
# nowhere in its text. So `q` holds no words, only the search syntax's own `domain:` operator (what
# bsky.app's search box sends for "domain:arxiv.org"), and the `domain` parameter says it again.
SEARCH_DOMAIN = "arxiv.org"
SEARCH_QUERY = f"domain:{SEARCH_DOMAIN}"
PAGE_SIZE = 100
_LINK_FACET = "app.bsky.richtext.facet#link"
# atproto's syntax for a post's AT URI (DID authority, record key) and for a handle (a domain name).
_POST_URI = re.compile(r"at://(did:[a-z]+:[A-Za-z0-9._:%-]{1,2048})/app\.bsky\.feed\.post/([A-Za-z0-9._:~-]{1,512})")
_HANDLE = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_METRICS = {"reposts": "repostCount", "likes": "likeCount", "quotes": "quoteCount", "replies": "replyCount"}


class BlueskySource:
    name = "bluesky"

    def __init__(self, http: HttpClient, base_url: str, handle: str, app_password: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.handle = handle
        self._app_password = app_password
        # Kept across days: createSession is rate limited far more tightly than search.
        self._access_jwt: str | None = None
        self.skipped = 0

    def fetch_day(self, day: date) -> Iterator[Post]:
        window = day_window(day)
        params: dict[str, Any] = {
            "q": SEARCH_QUERY,
            "domain": SEARCH_DOMAIN,
            "since": format_rfc3339(window[0]),
            "until": format_rfc3339(window[1]),
            "sort": "latest",
            "limit": PAGE_SIZE,
        }
        seen_cursors: set[str] = set()
        while True:
            body = self._search(params)
            posts, cursor, skipped = parse_bsky_page(body, window)
            self.skipped += skipped
            yield from posts
            if not cursor or not body.get("posts"):
                return
            if cursor in seen_cursors:  # a repeated cursor would page forever
                raise SourceError("bluesky: search repeated a cursor")
            seen_cursors.add(cursor)
            params["cursor"] = cursor

    def _search(self, params: dict[str, Any]) -> Any:
        url = f"{self.base_url}/app.bsky.feed.searchPosts"
        reused_session = self._access_jwt is not None
        try:
            return self._authorized_get(url, params)
        except UpstreamError as exc:
            # Access tokens live about two hours; a reused one may have expired (400 ExpiredToken or 401).
            if not (reused_session and exc.status in (400, 401)):
                raise wrap_upstream_error("bluesky", exc) from exc
            self._access_jwt = None
            try:
                return self._authorized_get(url, params)
            except UpstreamError as retry_exc:
                raise wrap_upstream_error("bluesky", retry_exc) from retry_exc

    def _authorized_get(self, url: str, params: dict[str, Any]) -> Any:
        """The decoded page; a body that is not JSON is retried by HttpClient, then an UpstreamError."""
        return self.http.get_json(url, params=params, headers={"Authorization": f"Bearer {self._session()}"})

    def _session(self) -> str:
        if self._access_jwt is not None:
            return self._access_jwt
        url = f"{self.base_url}/com.atproto.server.createSession"
        try:
            response = self.http.post_json(url, {"identifier": self.handle, "password": self._app_password})
        except UpstreamError as exc:
            if exc.status in (400, 401):
                # The upstream text is left out: the message names only what the operator must fix.
                raise SourceError(
                    f"bluesky: login as {self.handle!r} was refused (HTTP {exc.status}); "
                    "check the handle and the app password"
                ) from None
            raise SourceError(f"bluesky: could not create a session: {exc}") from exc
        body = decode_json(response, "bluesky", "createSession")
        token = body.get("accessJwt") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceError("bluesky: createSession answered without an accessJwt")
        self._access_jwt = token
        return token


def parse_bsky_page(body: Any, window: tuple[datetime, datetime] | None = None) -> tuple[list[Post], str | None, int]:
    """One searchPosts page → (posts linking arXiv inside `window`, cursor, malformed posts skipped).

    Posts outside the half-open window and posts linking no arXiv paper are left
    out without being counted: search matches loosely, that is not an error.
    """
    if not isinstance(body, dict):
        raise SourceError(f"bluesky: page is a {type(body).__name__}, not a JSON object")
    items = body.get("posts", [])
    if not isinstance(items, list):
        raise SourceError(f"bluesky: page 'posts' is a {type(items).__name__}, not a list")
    posts: list[Post] = []
    skipped = 0
    for item in items:
        post = _parse_post(item)
        if post is None:
            skipped += 1
        elif post.papers and (window is None or window[0] <= post.created_at < window[1]):
            posts.append(post)
    cursor = body.get("cursor")
    return posts, cursor if isinstance(cursor, str) and cursor else None, skipped


def _parse_post(item: Any) -> Post | None:
    """A Post (papers possibly empty), or None when the post view is malformed."""
    if not isinstance(item, dict):
        return None
    uri, author, record = item.get("uri"), item.get("author"), item.get("record")
    at_uri = _POST_URI.fullmatch(uri) if isinstance(uri, str) else None
    if not isinstance(uri, str) or at_uri is None or not isinstance(author, dict):
        return None
    if not isinstance(record, dict):
        return None
    handle = author.get("handle")
    created_at = parse_rfc3339(record.get("createdAt"))
    metrics = _metrics(item)
    if not isinstance(handle, str) or not handle or created_at is None or metrics is None:
        return None
    text = text_or_empty(record.get("text"))
    display_name = text_or_empty(author.get("displayName"))
    did, rkey = at_uri.groups()
    # The post's URL names the author by handle when it is one, else by DID (bsky.app takes either):
    # a handle such as "javascript:alert(1)" must not make a link to nowhere.
    profile = handle if _HANDLE.fullmatch(handle) else did
    if record.get("reply"):
        kind = "reply"
    elif _is_record_embed(item.get("embed")) or _is_record_embed(record.get("embed")):
        kind = "quote"
    else:
        kind = "post"
    return Post(
        source="bluesky",
        post_id=uri,
        url=f"https://bsky.app/profile/{profile}/post/{rkey}",
        author_name=display_name,
        author_handle=handle,
        text=text,
        created_at=created_at,
        metrics=metrics,
        papers=_papers(item, record, text),
        kind=kind,
    )


def _papers(item: dict[str, Any], record: dict[str, Any], text: str) -> tuple[ArxivRef, ...]:
    # Post text truncates long URLs ("arxiv.org/abs/2105.1…"); facets and link cards hold them whole.
    links = (
        _facet_links(record.get("facets")) + _external_links(item.get("embed")) + _external_links(record.get("embed"))
    )
    refs = [ref for ref in map(ref_from_url, links) if ref is not None]
    refs.extend(extract_refs(text))
    return merge_refs(refs)


def _facet_links(facets: Any) -> list[str]:
    links: list[str] = []
    for facet in facets if isinstance(facets, list) else []:
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else []:
            if (
                isinstance(feature, dict)
                and feature.get("$type") == _LINK_FACET
                and isinstance(feature.get("uri"), str)
            ):
                links.append(feature["uri"])
    return links


def _external_links(embed: Any) -> list[str]:
    """The link card's URI, in a plain external embed or as the media of a quote-with-media."""
    if not isinstance(embed, dict):
        return []
    external = embed.get("external")
    if isinstance(external, dict) and isinstance(external.get("uri"), str):
        return [external["uri"]]
    return _external_links(embed.get("media"))


def _is_record_embed(embed: Any) -> bool:
    # app.bsky.embed.record(#view) and app.bsky.embed.recordWithMedia(#view) quote another post.
    return isinstance(embed, dict) and str(embed.get("$type", "")).startswith("app.bsky.embed.record")


def _metrics(item: dict[str, Any]) -> dict[str, int] | None:
    metrics: dict[str, int] = {}
    for name, key in _METRICS.items():
        value = item.get(key, 0)  # the lexicon makes every counter optional (quoteCount came late)
        if not is_count(value):
            return None
        metrics[name] = value
    return metrics
