"""X (Twitter) API v2 search: original posts of one UTC day that link an arXiv paper."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from hotpapers.collect.sources.base import (
    SourceError,
    format_rfc3339,
    is_count,
    parse_rfc3339,
    text_or_empty,
    wrap_upstream_error,
)
from hotpapers.core.arxiv_ids import extract_refs, merge_refs, ref_from_url
from hotpapers.core.clock import Clock
from hotpapers.core.http import HttpClient, UpstreamError
from hotpapers.core.models import ArxivRef, Post, TextEntity, day_window

# `url:` matches expanded URLs, so t.co short links are found too. Retweets are
# excluded server-side and again in the parser (see parse_x_page).
QUERY = '(url:"arxiv.org" OR url:"huggingface.co/papers" OR url:"alphaxiv.org") -is:retweet'
TWEET_FIELDS = "created_at,public_metrics,entities,author_id,lang,referenced_tweets"

RECENT_SEARCH_SPAN = timedelta(days=7)
# A start exactly 7 days back would fall out of recent search while the request
# is in flight; one minute of margin sends such days to full-archive search.
RECENT_SEARCH_MARGIN = timedelta(minutes=1)
# X refuses an end_time less than ~10 s before the request; today's window is cut short.
END_TIME_LAG = timedelta(seconds=30)
# Full-archive search allows one request per second per app.
FULL_ARCHIVE_PAGE_PAUSE = 1.0
# X's page maxima: recent search 10-100 posts, full-archive search 10-500. Bigger pages mean fewer
# requests (and fewer 1 s pauses) for the same billed posts.
MIN_PAGE = 10
MAX_PAGE = {"recent": 100, "all": 500}

# Wider than X's 15 characters: some legacy accounts have longer names.
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,50}")
_TWEET_ID = re.compile(r"[0-9]{1,20}")  # a snowflake: it goes into the post's URL
_METRICS = {"retweets": "retweet_count", "likes": "like_count", "quotes": "quote_count", "replies": "reply_count"}


class XSource:
    name = "x"

    def __init__(self, http: HttpClient, base_url: str, bearer_token: str, clock: Clock, max_posts: int = 0) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self._bearer_token = bearer_token
        self.clock = clock
        # X bills every post a search returns, kept or dropped: the most read per day (0: no cap).
        self.max_posts = max_posts
        self.skipped = 0
        # Of the last day fetched: posts X returned (what it bills), and whether the cap cut the day.
        self.posts_read = 0
        self.capped = False

    def endpoint_for(self, day: date) -> str:
        """Recent search covers 7 days; anything older goes to full-archive search (same parameters)."""
        start, _ = day_window(day)
        recent_floor = self.clock.now() - RECENT_SEARCH_SPAN + RECENT_SEARCH_MARGIN
        kind = "recent" if start >= recent_floor else "all"
        return f"{self.base_url}/tweets/search/{kind}"

    def fetch_day(self, day: date) -> Iterator[Post]:
        start, end = day_window(day)
        end = min(end, self.clock.now() - END_TIME_LAG)
        if end <= start:  # a day that has not begun yet has no posts
            return
        self.posts_read, self.capped = 0, False
        url = self.endpoint_for(day)
        full_archive = url.endswith("/all")
        page_size = MAX_PAGE["all" if full_archive else "recent"]
        params: dict[str, Any] = {
            "query": QUERY,
            "start_time": format_rfc3339(start),
            "end_time": format_rfc3339(end),
            "max_results": page_size,
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": "username,name",
        }
        headers = {"Authorization": f"Bearer {self._bearer_token}"}
        seen_tokens: set[str] = set()
        while True:
            if self.max_posts:
                # Never ask for more than the cap leaves: every post returned is billed.
                left = self.max_posts - self.posts_read
                if left < MIN_PAGE:  # X serves no page smaller than 10
                    self.capped = True
                    return
                params["max_results"] = min(page_size, left)
            try:
                # A body that is not JSON is retried by HttpClient, then reported as an UpstreamError.
                body = self.http.get_json(url, params=params, headers=headers)
            except UpstreamError as exc:
                if exc.status in (401, 403):
                    raise SourceError(f"x: the API refused the bearer token (HTTP {exc.status})") from exc
                raise wrap_upstream_error("x", exc) from exc
            posts, next_token, skipped = parse_x_page(body)
            self.posts_read += _returned(body)
            self.skipped += skipped
            yield from posts
            if not next_token:
                return
            if next_token in seen_tokens:  # a repeated token would page forever
                raise SourceError("x: search repeated a next_token")
            seen_tokens.add(next_token)
            params["next_token"] = next_token
            if full_archive:
                self.clock.sleep(FULL_ARCHIVE_PAGE_PAUSE)


def _returned(body: Any) -> int:
    """How many posts X returned on a page (what it bills), retweets and unparseable ones included."""
    data = body.get("data") if isinstance(body, dict) else None
    return len(data) if isinstance(data, list) else 0


def parse_x_page(body: Any) -> tuple[list[Post], str | None, int]:
    """One v2 search (or lookup) page → (posts linking arXiv, next_token, malformed tweets skipped).

    Retweets and tweets that link no arXiv paper are left out without being
    counted: they are expected, not errors. `errors[]` next to `data` are
    partial errors (e.g. a suspended mentioned user) and do not spoil the page.
    """
    if not isinstance(body, dict):
        raise SourceError(f"x: page is a {type(body).__name__}, not a JSON object")
    data = body.get("data", [])
    if "data" not in body and "meta" not in body and body.get("errors"):
        raise SourceError(f"x: page holds only errors: {_first_error(body['errors'])}")
    if not isinstance(data, list):
        raise SourceError(f"x: page 'data' is a {type(data).__name__}, not a list")

    users = _users_by_id(body.get("includes"))
    posts: list[Post] = []
    skipped = 0
    for tweet in data:
        if not isinstance(tweet, dict):
            skipped += 1
            continue
        ref_types = _referenced_types(tweet.get("referenced_tweets"))
        # A retweet carries the original's counts: summing them inflated the blog's totals 6-12x.
        if "retweeted" in ref_types:
            continue
        post = _parse_tweet(tweet, ref_types, users)
        if post is None:
            skipped += 1
        elif post.papers:
            posts.append(post)

    meta = body.get("meta")
    next_token = meta.get("next_token") if isinstance(meta, dict) else None
    return posts, next_token if isinstance(next_token, str) and next_token else None, skipped


def _parse_tweet(tweet: dict[str, Any], ref_types: set[str], users: dict[str, dict[str, Any]]) -> Post | None:
    """A Post (papers possibly empty), or None when the tweet is malformed."""
    tweet_id = tweet.get("id")
    created_at = parse_rfc3339(tweet.get("created_at"))
    metrics = _metrics(tweet.get("public_metrics"))
    if not isinstance(tweet_id, str) or not _TWEET_ID.fullmatch(tweet_id) or created_at is None or metrics is None:
        return None
    raw_text = text_or_empty(tweet.get("text"))
    text, offsets = unescape_x_text(raw_text)
    lang = tweet.get("lang")
    user = users.get(str(tweet.get("author_id")), {})
    username = text_or_empty(user.get("username"))
    name = text_or_empty(user.get("name"))
    # The username goes into the post's URL only when it is one (X's are letters, digits and "_"): a
    # payload such as "javascript:alert(1)" or '"><img …>' would make a link to nowhere. X's own
    # username-free form then leads to the same post.
    url = (
        f"https://x.com/{username}/status/{tweet_id}"
        if _USERNAME.fullmatch(username)
        else f"https://x.com/i/web/status/{tweet_id}"
    )
    kind = "reply" if "replied_to" in ref_types else "quote" if "quoted" in ref_types else "post"
    return Post(
        source="x",
        post_id=tweet_id,
        url=url,
        author_name=name,
        author_handle=username,
        text=text,
        created_at=created_at,
        metrics=metrics,
        papers=_papers(tweet.get("entities"), text),
        kind=kind,
        lang=lang if isinstance(lang, str) and lang else None,
        entities=parse_x_entities(tweet.get("entities"), raw_text, text, offsets),
    )


# X API v2 sends `text` with exactly three characters HTML-escaped: `&` as `&amp;`, `<` as `&lt;`
# and `>` as `&gt;` (a typed "&amp;" arrives as "&amp;amp;"). Undoing exactly these three is what
# html.unescape does to every text X produces, and it lets the offsets be mapped as well.
_X_ESCAPE = re.compile(r"&(amp|lt|gt);")
_X_UNESCAPED = {"amp": "&", "lt": "<", "gt": ">"}


def unescape_x_text(raw: str) -> tuple[str, list[int]]:
    """X's escaped `text` → (the plain text, for each raw offset 0..len(raw) its offset in the plain text).

    An offset inside an escape sequence maps to the start of the character it stands for.
    """
    parts: list[str] = []
    offsets: list[int] = []
    position = length = 0
    for match in _X_ESCAPE.finditer(raw):
        chunk = raw[position : match.start()]
        offsets.extend(range(length, length + len(chunk)))
        parts.append(chunk)
        length += len(chunk)
        offsets.extend([length] * (match.end() - match.start()))
        parts.append(_X_UNESCAPED[match.group(1)])
        length += 1
        position = match.end()
    tail = raw[position:]
    offsets.extend(range(length, length + len(tail) + 1))
    parts.append(tail)
    return "".join(parts), offsets


def parse_x_entities(entities: Any, raw_text: str, text: str, offsets: list[int]) -> tuple[TextEntity, ...]:
    """The url, mention and hashtag entities of a tweet, with offsets into the unescaped `text`.

    X API v2 gives `start`/`end` as Unicode code-point offsets. The recorded v2 payloads in
    tests/fixtures/twitter count them in the text *as sent*, i.e. with `&amp;` etc. still
    escaped (a tweet with "#kpop &amp; #kdrama" places "#kdrama" 4 code points after where
    the unescaped text has it). Offsets counted in the unescaped text are accepted too: an
    entity is kept when the span it names, read either way, holds what the entity says (its
    t.co URL, `@username`, `#tag`), and it is mapped onto the unescaped text. Any other
    entity, or one that overlaps an earlier one, is malformed and dropped; the post is kept.
    """
    if not isinstance(entities, dict):
        return ()
    found: list[TextEntity] = []
    for kind, key in (("url", "urls"), ("mention", "mentions"), ("hashtag", "hashtags")):
        entries = entities.get(key)
        for entry in entries if isinstance(entries, list) else []:
            entity = _entity(kind, entry, raw_text, text, offsets)
            if entity is not None:
                found.append(entity)
    found.sort(key=lambda entity: (entity.start, entity.end))
    kept: list[TextEntity] = []
    for entity in found:
        if not kept or entity.start >= kept[-1].end:
            kept.append(entity)
    return tuple(kept)


def _entity(kind: str, entry: Any, raw_text: str, text: str, offsets: list[int]) -> TextEntity | None:
    if not isinstance(entry, dict) or not is_count(entry.get("start")) or not is_count(entry.get("end")):
        return None
    start, end = entry["start"], entry["end"]
    if kind == "url":
        url, display = entry.get("url"), entry.get("display_url")
        expanded = entry.get("expanded_url")
        if not isinstance(expanded, str) or not expanded:
            expanded = entry.get("unwound_url")
        if not isinstance(url, str) or not url:
            return None
        fields: dict[str, Any] = {
            "url": url,
            "expanded_url": expanded if isinstance(expanded, str) and expanded else None,
            "display_url": display if isinstance(display, str) and display else None,
        }

        def fits(span: str) -> bool:
            return span == url

    elif kind == "mention":
        username = entry.get("username")
        if not isinstance(username, str) or not username:
            return None
        fields = {"username": username}

        def fits(span: str) -> bool:
            return span[:1] in ("@", "\uff20") and span[1:].casefold() == username.casefold()

    else:
        tag = entry.get("tag")
        if not isinstance(tag, str) or not tag:
            return None
        fields = {"tag": tag}

        def fits(span: str) -> bool:
            return span[:1] in ("#", "\uff03") and span[1:].casefold() == tag.casefold()

    if start < end <= len(raw_text) and fits(raw_text[start:end]) and fits(text[offsets[start] : offsets[end]]):
        start, end = offsets[start], offsets[end]  # offsets count the escaped text as sent
    elif not (start < end <= len(text) and fits(text[start:end])):  # offsets count the unescaped text
        return None
    return TextEntity(kind=kind, start=start, end=end, **fields)


def _papers(entities: Any, text: str) -> tuple[ArxivRef, ...]:
    refs: list[ArxivRef] = []
    urls = entities.get("urls") if isinstance(entities, dict) else None
    for entry in urls if isinstance(urls, list) else []:
        if not isinstance(entry, dict):
            continue
        for key in ("expanded_url", "unwound_url"):
            value = entry.get(key)
            ref = ref_from_url(value) if isinstance(value, str) else None
            if ref is not None:
                refs.append(ref)
    refs.extend(extract_refs(text))
    return merge_refs(refs)


def _metrics(public_metrics: Any) -> dict[str, int] | None:
    if not isinstance(public_metrics, dict):
        return None
    metrics: dict[str, int] = {}
    for name, key in _METRICS.items():
        value = public_metrics.get(key)
        if not is_count(value):
            return None
        metrics[name] = value
    return metrics


def _referenced_types(referenced: Any) -> set[str]:
    if not isinstance(referenced, list):
        return set()
    return {ref["type"] for ref in referenced if isinstance(ref, dict) and isinstance(ref.get("type"), str)}


def _users_by_id(includes: Any) -> dict[str, dict[str, Any]]:
    users = includes.get("users") if isinstance(includes, dict) else None
    if not isinstance(users, list):
        return {}
    return {user["id"]: user for user in users if isinstance(user, dict) and isinstance(user.get("id"), str)}


def _first_error(errors: Any) -> str:
    first = errors[0] if isinstance(errors, list) and errors else errors
    if isinstance(first, dict):
        return str(first.get("detail") or first.get("title") or first.get("message") or first)[:200]
    return str(first)[:200]
