"""A post's view model: its text as plain and link segments, its author's avatar, language and metrics."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import quote

from hotpapers.core.digest import TextEntity, TopPost
from hotpapers.publish.site.formatting import MONTH_NAMES, as_utc, pluralize, rfc3339
from hotpapers.publish.site.sanitize import FORBIDDEN_CODE_POINTS, TEXT_LIMIT, one_line, safe_url, shorten
from hotpapers.publish.site.source_wording import KIND_LABELS, POST_LINK_LABELS, metric_parts, source_label


@dataclass(frozen=True)
class _Segment:
    text: str
    href: str | None = None


@dataclass(frozen=True)
class PostView:
    """A post card as the templates show it: author, link, text segments (links only from safe_url), metrics."""

    source: str
    source_label: str
    kind_label: str | None
    is_x: bool
    url: str | None
    link_label: str
    author_name: str
    handle: str
    avatar: str
    avatar_tone: int
    created_iso: str
    created_text: str
    lang: str | None
    segments: list[_Segment]
    omitted: int  # characters of the text left out (TEXT_LIMIT); 0 when shown whole
    metrics: list[str]
    score: str


_X_USERNAME = re.compile(r"[A-Za-z0-9_]{1,50}")
_BSKY_HANDLE = re.compile(r"[A-Za-z0-9.-]{1,253}")
_LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
# Codes X still sends for languages whose registry code changed (the validator rejects the old ones).
_LANG_ALIASES = {"in": "id", "iw": "he", "ji": "yi"}


def _post_lang(lang: str | None) -> str | None:
    """A lang attribute for the post text: a plausible BCP 47 tag, '' when unknown, None to inherit."""
    if lang is None:
        return None
    lang = _LANG_ALIASES.get(lang.lower(), lang)
    if lang in ("und", "zxx") or lang.startswith("q") or not _LANG.fullmatch(lang):
        return ""  # X's und/qme/qht…: the language is unknown, which is not English either
    return lang


def _profile_url(source: str, username: str) -> str | None:
    if source == "x" and _X_USERNAME.fullmatch(username):
        return f"https://x.com/{username}"
    if source == "bluesky" and _BSKY_HANDLE.fullmatch(username):
        return f"https://bsky.app/profile/{username}"
    return None


def _hashtag_url(source: str, tag: str) -> str | None:
    if not tag or any(ch.isspace() for ch in tag) or FORBIDDEN_CODE_POINTS.search(tag):
        return None
    if source == "x":
        return "https://x.com/hashtag/" + quote(tag, safe="")
    if source == "bluesky":
        return "https://bsky.app/hashtag/" + quote(tag, safe="")
    return None


def _entity_link(source: str, entity: TextEntity, shown: str) -> _Segment:
    if entity.kind == "url":
        target = entity.expanded_url if entity.expanded_url is not None else entity.url
        href = safe_url(target)
        if href is None:
            return _Segment(shown)
        return _Segment(entity.display_url or shown, href)
    if entity.kind == "mention":
        username = entity.username or shown.lstrip("@")
        return _Segment(shown, _profile_url(source, username))
    if entity.kind == "hashtag":
        tag = entity.tag or shown.lstrip("#")
        return _Segment(shown, _hashtag_url(source, tag))
    return _Segment(shown)


def _segments(post: TopPost) -> list[_Segment]:
    """The post's text as plain-text and link segments; entities that overlap or fall outside are ignored."""
    text = post.text or ""
    segments: list[_Segment] = []
    position = 0
    for entity in sorted(post.entities, key=lambda e: (e.start, e.end)):
        if not (position <= entity.start < entity.end <= len(text)):
            continue
        if entity.start > position:
            segments.append(_Segment(text[position : entity.start]))
        segments.append(_entity_link(post.source, entity, text[entity.start : entity.end]))
        position = entity.end
    if position < len(text):
        segments.append(_Segment(text[position:]))
    return segments


def _shorten_segments(segments: list[_Segment], limit: int) -> tuple[list[_Segment], int]:
    """The segments that fit in `limit` characters of shown text (a plain one cut short, a link kept whole
    or left out), and how many characters were left out."""
    shown: list[_Segment] = []
    used = 0
    for segment in segments:
        room = limit - used
        if len(segment.text) <= room:
            shown.append(segment)
            used += len(segment.text)
            continue
        if segment.href is None and room > 0:
            text = shorten(segment.text, room)
            if text:
                shown.append(_Segment(text))
                used += len(text)
        elif shown and shown[-1].href is None:  # end the plain text before "…" without its trailing space
            used -= len(shown[-1].text) - len(shown[-1].text.rstrip())
            shown[-1] = _Segment(shown[-1].text.rstrip())
        break
    return shown, sum(len(segment.text) for segment in segments) - used


def _avatar(name: str, handle: str) -> tuple[str, int]:
    """An initial and one of six tones, both derived from the author (no image is loaded)."""
    letter = next((ch for ch in one_line(name or handle) if ch.isalnum()), "?").upper()
    tone = int(hashlib.sha256(handle.lower().encode("utf-8", "replace")).hexdigest(), 16) % 6
    return letter[:1], tone


def post_view(post: TopPost) -> PostView:
    """A top post's card."""
    letter, tone = _avatar(post.author_name, post.author_handle)
    created = as_utc(post.created_at)
    segments, omitted = _shorten_segments(_segments(post), TEXT_LIMIT)
    return PostView(
        source=re.sub(r"[^a-z0-9-]", "", post.source.lower()) or "other",
        source_label=source_label(post.source),
        kind_label=KIND_LABELS.get(post.kind) if post.kind in ("quote", "reply") else None,
        is_x=post.source == "x",
        url=safe_url(post.url),
        link_label=POST_LINK_LABELS.get(post.source, "View the post"),
        author_name=post.author_name or post.author_handle,
        handle=post.author_handle,
        avatar=letter,
        avatar_tone=tone,
        created_iso=rfc3339(created),
        created_text=f"{created.day} {MONTH_NAMES[created.month - 1][:3]} {created.year}",
        lang=_post_lang(post.lang),
        segments=segments,
        omitted=omitted,
        metrics=metric_parts(post.source, post.metrics, with_posts=False),
        score=pluralize(post.score, "point", "points"),
    )
