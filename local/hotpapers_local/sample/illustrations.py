"""Invented Hacker News, Hugging Face and Bluesky posts about papers of the bundled week: ILLUSTRATIONS.

These posts did not happen. The Hot Papers blog read Twitter only; Bluesky opened in 2023 and
Hugging Face's daily papers began in 2023 too. They are here so that the demo shows all four
sources, and papers whose history spans days and sources (see local/data/PROVENANCE.md, which
lists them). They are small and plausible, and marked as invented where a reader meets them:
every author is an `example` name (Hacker News users `example_*`, Bluesky handles under
`example.com`, Hugging Face users `example-*`), and Hacker News item ids lie far above any real
one, so a link to them leads to no item rather than to somebody else's.

The papers, titles, authors and abstracts are the real ones of the week's posts; only the posts
about them are made up. `add_illustrations` writes them into an `UpstreamDataset` in each API's
real wire format, the shapes of the recorded responses in tests/fixtures/ (Algolia hits,
`app.bsky.feed.searchPosts` post views, `daily_papers` items).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hotpapers_local.fakes import UpstreamDataset
from hotpapers_local.sample.post import SamplePaper

__all__ = [
    "BLUESKY_POSTS",
    "HACKER_NEWS_STORIES",
    "HUGGING_FACE_LISTINGS",
    "BlueskyPost",
    "HackerNewsStory",
    "HuggingFaceListing",
    "add_illustrations",
    "illustration_counts",
]


@dataclass(frozen=True)
class HackerNewsStory:
    """An invented HN story linking a paper; its title is the paper's, as HN submitters keep it."""

    item_id: int
    at: datetime
    arxiv_id: str
    url: str
    author: str
    points: int
    comments: int


@dataclass(frozen=True)
class BlueskyPost:
    """An invented Bluesky post: `text` before the link; the link in the text, or as a link card only."""

    at: datetime
    arxiv_id: str
    handle: str
    display_name: str
    text: str
    likes: int
    reposts: int
    replies: int = 0
    quotes: int = 0
    card_only: bool = False  # the link only in a card, as posts made in the app often have it


@dataclass(frozen=True)
class HuggingFaceListing:
    """An invented entry of Hugging Face's daily papers list of `day`."""

    day: date
    at: datetime  # when it was put on the list
    arxiv_id: str
    submitter: str
    submitter_name: str
    upvotes: int
    comments: int


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Hacker News item ids in 2021 were near 27 million; these are far above any real one.
HACKER_NEWS_STORIES: tuple[HackerNewsStory, ...] = (
    HackerNewsStory(99_000_001, _utc("2021-05-31T21:08:44"), "2105.13602", "https://arxiv.org/abs/2105.13602",
                    author="example_eli", points=74, comments=41),
    HackerNewsStory(99_000_002, _utc("2021-06-01T15:12:40"), "2105.14103", "https://arxiv.org/abs/2105.14103",
                    author="example_ada", points=231, comments=87),
    HackerNewsStory(99_000_003, _utc("2021-06-01T19:47:05"), "2105.13626", "https://arxiv.org/pdf/2105.13626.pdf",
                    author="example_ben", points=156, comments=52),
    HackerNewsStory(99_000_004, _utc("2021-06-03T14:03:11"), "2106.01345", "https://arxiv.org/abs/2106.01345",
                    author="example_chen", points=412, comments=138),
    HackerNewsStory(99_000_005, _utc("2021-06-04T17:30:26"), "2106.01784", "https://arxiv.org/abs/2106.01784v1",
                    author="example_dana", points=98, comments=64),
)  # fmt: skip

BLUESKY_POSTS: tuple[BlueskyPost, ...] = (
    BlueskyPost(
        _utc("2021-06-02T08:14:27.310"),
        "2105.14103",
        "ada.example.com",
        "Ada Example",
        "Still thinking about yesterday's Attention Free Transformer: no dot-product attention at all, "
        "and it holds up on images and text.",
        likes=64,
        reposts=18,
        replies=3,
        quotes=1,
    ),
    BlueskyPost(
        _utc("2021-06-02T11:40:02.118"),
        "2105.15203",
        "ben.example.com",
        "Ben Example",
        "SegFormer: a simple, efficient design for semantic segmentation with transformers. Worth a read.",
        likes=44,
        reposts=9,
        card_only=True,
    ),
    BlueskyPost(
        _utc("2021-06-02T16:05:51.902"),
        "2106.00026",
        "chen.example.com",
        "Chen Example",
        "Machine learning that looks for new physics in non-conservative dynamics:",
        likes=47,
        reposts=11,
        replies=2,
    ),
    BlueskyPost(
        _utc("2021-06-04T09:12:40.455"),
        "2106.01345",
        "dana.example.com",
        "Dana Example",
        "Decision Transformer treats RL as sequence modelling: condition on the return you want, "
        "predict the actions. Still the paper of the week for me.",
        likes=173,
        reposts=41,
        replies=12,
        quotes=4,
    ),
    BlueskyPost(
        _utc("2021-06-04T13:58:19.027"),
        "2106.01357",
        "eli.example.com",
        "Eli Example",
        "Diffusion Schrödinger Bridge: score-based generative modelling as an optimal transport problem.",
        likes=55,
        reposts=12,
        card_only=True,
    ),
    BlueskyPost(
        _utc("2021-06-04T20:31:07.660"),
        "2106.01548",
        "ada.example.com",
        "Ada Example",
        "ViTs beat ResNets of the same size without pre-training or strong augmentation, "
        "once a sharpness-aware optimizer smooths the loss landscape.",
        likes=38,
        reposts=7,
        replies=1,
    ),
)

HUGGING_FACE_LISTINGS: tuple[HuggingFaceListing, ...] = (
    HuggingFaceListing(date(2021, 5, 31), _utc("2021-05-31T06:02:11"), "2105.13626", "example-ada", "Ada Example",
                       upvotes=41, comments=3),
    HuggingFaceListing(date(2021, 5, 31), _utc("2021-05-31T07:45:30"), "2105.14021", "example-ben", "Ben Example",
                       upvotes=18, comments=1),
    HuggingFaceListing(date(2021, 6, 1), _utc("2021-06-01T05:51:02"), "2105.15203", "example-chen", "Chen Example",
                       upvotes=37, comments=2),
    HuggingFaceListing(date(2021, 6, 1), _utc("2021-06-01T08:20:47"), "2105.14080", "example-ada", "Ada Example",
                       upvotes=22, comments=0),
    HuggingFaceListing(date(2021, 6, 3), _utc("2021-06-03T05:33:58"), "2106.01345", "example-dana", "Dana Example",
                       upvotes=63, comments=5),
    HuggingFaceListing(date(2021, 6, 3), _utc("2021-06-03T06:10:14"), "2106.01357", "example-eli", "Eli Example",
                       upvotes=29, comments=1),
    HuggingFaceListing(date(2021, 6, 4), _utc("2021-06-04T05:48:36"), "2106.01548", "example-ben", "Ben Example",
                       upvotes=52, comments=4),
)  # fmt: skip


def illustration_counts() -> dict[str, int]:
    """How many invented posts each source gets (for the demo's console line)."""
    return {
        "hackernews": len(HACKER_NEWS_STORIES),
        "huggingface": len(HUGGING_FACE_LISTINGS),
        "bluesky": len(BLUESKY_POSTS),
    }


def add_illustrations(dataset: UpstreamDataset, papers: Mapping[str, SamplePaper]) -> None:
    """Add the invented posts to `dataset`, in each API's wire format; `papers` (by arXiv id) gives titles."""
    dataset.hn_hits.extend(_hn_hit(story, papers[story.arxiv_id]) for story in HACKER_NEWS_STORIES)
    dataset.bsky_posts.extend(_bsky_post(post, papers[post.arxiv_id]) for post in BLUESKY_POSTS)
    for listing in HUGGING_FACE_LISTINGS:
        dataset.hf_daily.setdefault(listing.day.isoformat(), []).append(_hf_item(listing, papers[listing.arxiv_id]))
    for items in dataset.hf_daily.values():  # the list is ordered by upvotes, most first, as on the site
        items.sort(key=lambda item: -item["paper"]["upvotes"])


# ---------------------------------------------------------------------------------------- wire formats


def _iso_ms(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _hex_id(*parts: str) -> str:
    """A stable 24-hex-digit id (Hugging Face's `_id` shape), from `parts`."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:24]


def _hn_hit(story: HackerNewsStory, paper: SamplePaper) -> dict[str, Any]:
    """An Algolia `search_by_date` hit, the fields of tests/fixtures/hackernews in their order."""
    title = " ".join(paper.title.split()) + (" [pdf]" if "/pdf/" in story.url else "")
    object_id = str(story.item_id)

    def highlight(value: str) -> dict[str, Any]:
        return {"value": value, "matchLevel": "none", "matchedWords": []}

    return {
        "created_at": _iso_ms(story.at),
        "title": title,
        "url": story.url,
        "author": story.author,
        "points": story.points,
        "story_text": None,
        "comment_text": None,
        "num_comments": story.comments,
        "story_id": None,
        "story_title": None,
        "story_url": None,
        "parent_id": None,
        "created_at_i": int(story.at.timestamp()),
        "_tags": ["story", f"author_{story.author}", f"story_{object_id}"],
        "objectID": object_id,
        "_highlightResult": {
            "title": highlight(title),
            "url": highlight(story.url),
            "author": highlight(story.author),
        },
    }


_BASE32 = "234567abcdefghijklmnopqrstuvwxyz"  # atproto's sortable base32 (record keys)


def _record_key(moment: datetime) -> str:
    """The post's record key: an atproto TID, 13 characters of microseconds since 1970 and a clock id."""
    value = (int(moment.timestamp()) * 1_000_000 + moment.microsecond) << 10
    return "".join(_BASE32[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _did(handle: str) -> str:
    return "did:plc:" + base64.b32encode(hashlib.sha256(handle.encode()).digest()).decode().lower()[:24]


def _cid(*parts: str) -> str:
    """A string shaped like an atproto CID (base32 CIDv1, as in the recorded responses)."""
    digest = hashlib.sha256("/".join(parts).encode()).digest() + hashlib.sha256(parts[0].encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


def _bsky_post(post: BlueskyPost, paper: SamplePaper) -> dict[str, Any]:
    """An `app.bsky.feed.searchPosts` post view, as in tests/fixtures/bluesky; facets count UTF-8 bytes."""
    did = _did(post.handle)
    link = f"https://arxiv.org/abs/{post.arxiv_id}"
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": _iso_ms(post.at)}
    text = post.text
    if post.card_only:
        external = {
            "description": " ".join(paper.abstract.split())[:300],
            "title": f"[{post.arxiv_id}] {' '.join(paper.title.split())}",
            "uri": link,
        }
        record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
    else:
        text += "\n"
        start = len(text.encode("utf-8"))
        text += link.removeprefix("https://")
        record["facets"] = [
            {
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}],
                "index": {"byteEnd": len(text.encode("utf-8")), "byteStart": start},
            }
        ]
    record.update({"langs": ["en"], "text": text})
    view: dict[str, Any] = {
        "uri": f"at://{did}/app.bsky.feed.post/{_record_key(post.at)}",
        "cid": _cid(post.handle, post.at.isoformat()),
        "author": {
            "did": did,
            "handle": post.handle,
            "displayName": post.display_name,
            "viewer": {"muted": False, "blockedBy": False},
            "labels": [],
            "createdAt": "2021-05-01T09:00:00.000Z",
        },
        "record": record,
    }
    if post.card_only:
        view["embed"] = {"$type": "app.bsky.embed.external#view", "external": dict(record["embed"]["external"])}
    view.update(
        {
            "replyCount": post.replies,
            "repostCount": post.reposts,
            "likeCount": post.likes,
            "quoteCount": post.quotes,
            "indexedAt": _iso_ms(post.at + timedelta(milliseconds=1_517)),
            "viewer": {"threadMuted": False, "embeddingDisabled": False},
            "labels": [],
        }
    )
    return view


def _hf_item(listing: HuggingFaceListing, paper: SamplePaper) -> dict[str, Any]:
    """A `daily_papers` item, the fields of tests/fixtures/huggingface-daily-papers in their order."""
    title = " ".join(paper.title.split())
    summary = " ".join(paper.abstract.split())
    listed = _iso_ms(listing.at)
    user_id = _hex_id("user", listing.submitter)
    avatar = f"https://cdn-avatars.huggingface.co/v1/production/uploads/{user_id}/avatar.png"
    # The arXiv date the demo's arXiv entries carry: 17:00Z the day before the paper's post.
    published = _iso_ms(datetime.combine(listing.day, datetime.min.time(), UTC) - timedelta(hours=7))
    return {
        "paper": {
            "id": listing.arxiv_id,
            "authors": [
                {"_id": _hex_id(listing.arxiv_id, str(n)), "name": name, "hidden": False}
                for n, name in enumerate(paper.authors)
            ],
            "publishedAt": published,
            "submittedOnDailyAt": listed,
            "title": title,
            "submittedOnDailyBy": {
                "_id": user_id,
                "avatarUrl": avatar,
                "isPro": False,
                "fullname": listing.submitter_name,
                "user": listing.submitter,
                "type": "user",
                "name": listing.submitter,
            },
            "summary": summary,
            "upvotes": listing.upvotes,
            "discussionId": _hex_id("discussion", listing.arxiv_id),
        },
        "publishedAt": listed,
        "title": title,
        "summary": summary,
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{listing.arxiv_id}.png",
        "numComments": listing.comments,
        "submittedBy": {
            "_id": user_id,
            "avatarUrl": avatar,
            "fullname": listing.submitter_name,
            "name": listing.submitter,
            "type": "user",
            "isPro": False,
            "isHf": False,
            "isHfAdmin": False,
            "isMod": False,
            "followerCount": 12,
            "isUserFollowing": False,
        },
        "isAuthorParticipating": False,
    }
