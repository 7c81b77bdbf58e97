"""The engagement sources as readers see them: labels, display order, post kinds and metric wording."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hotpapers.core.source_names import SOURCE_LABELS
from hotpapers.publish.site.formatting import format_count, pluralize

_SOURCE_ORDER = tuple(SOURCE_LABELS)
# The words of a post card's link to the post at its source.
POST_LINK_LABELS = {
    "x": "View on X",
    "bluesky": "View on Bluesky",
    "hackernews": "Discuss on Hacker News",
    "huggingface": "View on Hugging Face",
}
# A post kind's name on a card ('Quote', 'Reply'...).
KIND_LABELS = {"quote": "Quote", "reply": "Reply", "story": "Story", "daily-paper": "Daily paper"}

# A source's metrics: (metric, singular, plural, always shown). Those not always shown appear when non-zero.
Metrics = tuple[tuple[str, str, str, bool], ...]


def _social_metrics(reposts: str) -> Metrics:
    """X and Bluesky count the same things; X's engagement calls its reposts retweets."""
    return (
        ("posts", "post", "posts", True),
        (reposts, "repost", "reposts", True),
        ("likes", "like", "likes", True),
        ("quotes", "quote", "quotes", False),
        ("replies", "reply", "replies", False),
    )


_METRICS: dict[str, Metrics] = {
    "x": _social_metrics("retweets"),
    "bluesky": _social_metrics("reposts"),
    "hackernews": (
        ("posts", "story", "stories", True),
        ("points", "point", "points", True),
        ("comments", "comment", "comments", True),
    ),
    "huggingface": (  # one daily-papers listing per paper: its posts count says nothing
        ("upvotes", "upvote", "upvotes", True),
        ("comments", "comment", "comments", False),
    ),
}


def source_order(sources: Iterable[str]) -> list[str]:
    """The sources in the site's order (SOURCE_LABELS'), then any unknown ones by name."""
    known = [s for s in _SOURCE_ORDER if s in sources]
    return known + sorted(s for s in sources if s not in SOURCE_LABELS)


def source_label(source: str) -> str:
    """A source's name as readers see it ('Hacker News'); an unknown source keeps its own name."""
    return SOURCE_LABELS.get(source, source)


def metric_parts(source: str, metrics: Mapping[str, int], *, with_posts: bool) -> list[str]:
    """A source's engagement in words ('3 posts', '120 likes'...), its own metrics first, then any other."""
    parts: list[str] = []
    known = _METRICS.get(source, ())
    for name, singular, plural, always in known:
        if name == "posts" and not with_posts:
            continue
        value = metrics.get(name)
        if isinstance(value, int) and (value or (always and name in metrics)):
            parts.append(pluralize(value, singular, plural))
    names = {name for name, *_ in known} | {"score"}
    if known or not with_posts:
        names.add("posts")  # a known source without a "posts" entry (Hugging Face) has one listing a paper
    for name in sorted(metrics, key=lambda n: (n != "posts", n)):
        value = metrics[name]
        if name not in names and isinstance(value, int) and value:
            parts.append(
                pluralize(value, "post", "posts")
                if name == "posts"
                else f"{format_count(value)} {name.replace('_', ' ')}"
            )
    return parts
