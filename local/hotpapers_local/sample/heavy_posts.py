"""The synthetic heavy day's posts: random names and words, and each source's posts in its wire format."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hotpapers_local.fakes import UpstreamDataset
from hotpapers_local.sample.tweets import TWITTER_EPOCH_MS, snowflake_id, x_time

__all__ = ["ARXIV_CATEGORIES", "HeavyDay", "HeavyDayCounts", "random_person", "random_words"]


@dataclass(frozen=True)
class HeavyDayCounts:
    """How `synthetic_heavy_day` divides its posts. Retweets come on top of the original posts."""

    x: int
    x_retweets: int
    bluesky: int
    hackernews: int
    huggingface: int

    @property
    def posts(self) -> int:
        """Original posts a correct collector keeps (retweets excluded)."""
        return self.x + self.bluesky + self.hackernews + self.huggingface


_WORDS = (
    "adaptive attention benchmark causal contrastive diffusion efficient emergent federated graph "
    "hierarchical implicit language latent learning memory multimodal neural optimal planning "
    "probabilistic reasoning recurrent robust scalable segmentation sparse spectral structured "
    "temporal transformer uncertainty unsupervised variational vision world zero-shot"
).split()
_FIRST_NAMES = "Ada Ben Chen Dana Eli Fatima Gao Hana Ivan Jun Kofi Lena Mei Nils Omar Priya Rui Sara Tomás".split()
_LAST_NAMES = "Abe Brown Costa Dubois Evans Fischer García Haddad Ito Jensen Kim Li Müller Novak Okafor Patel".split()
ARXIV_CATEGORIES = ("cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "cs.RO", "cs.CR", "eess.IV", "cs.NE", "q-bio.QM")
_URL_FORMS = (
    "https://arxiv.org/abs/{id}",
    "https://arxiv.org/abs/{id}v1",
    "https://arxiv.org/pdf/{id}",
    "https://arxiv.org/pdf/{id}.pdf",
    "https://arxiv.org/pdf/{id}v2",
    "http://export.arxiv.org/abs/{id}",
)
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def random_words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(count))


def _tco(rng: random.Random) -> str:
    return "https://t.co/" + "".join(rng.choice(_BASE62) for _ in range(10))


def _heavy_tail(rng: random.Random, cap: int) -> int:
    # Engagement is heavy-tailed: most posts get a handful, a few get thousands.
    return min(cap, int(rng.paretovariate(1.1)) - 1)


def _tid(microseconds: int, clock_id: int) -> str:
    """An atproto record key (TID): 13 sortable base32 characters of time and clock id."""
    value = (microseconds << 10) | (clock_id & 0x3FF)
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _random_chars(rng: random.Random, alphabet: str, count: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def _fake_cid(rng: random.Random) -> str:
    """A string shaped like an atproto CID (base32 CIDv1, as in the recorded Bluesky responses)."""
    return "bafyrei" + _random_chars(rng, _TID_ALPHABET, 52)


def _iso_ms(milliseconds: int) -> str:
    moment = datetime.fromtimestamp(milliseconds / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{milliseconds % 1000:03d}Z"


def random_person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"


@dataclass
class HeavyDay:
    """The shared state of one synthetic day while its sources are generated."""

    rng: random.Random
    day_ms: int
    ids: list[str]
    titles: dict[str, str]
    primary: list[str]  # the paper of each social post: X posts first, then Bluesky, then HN

    def moment_ms(self) -> int:
        return self.day_ms + self.rng.randrange(86_400_000)

    def links(self, position: int) -> list[str]:
        """The papers post `position` links: its primary paper and, now and then, a second one."""
        first = self.primary[position]
        if self.rng.random() < 0.08:
            second = self.rng.choice(self.ids)
            if second != first:
                return [first, second]
        return [first]

    def url(self, arxiv_id: str) -> str:
        return self.rng.choice(_URL_FORMS).format(id=arxiv_id)

    def x(self, dataset: UpstreamDataset, counts: HeavyDayCounts) -> None:
        rng = self.rng
        users = [
            {"id": str(10**17 + rng.randrange(9 * 10**17)), "name": random_person(rng), "username": f"user{n:05d}"}
            for n in range(max(50, counts.x // 6))
        ]
        originals: list[dict[str, Any]] = []
        for position in range(counts.x):
            created = self.moment_ms()
            links = self.links(position)
            text = self.titles[links[0]] + " —"
            urls = []
            for arxiv_id in links:
                short = _tco(rng)
                text += " "
                urls.append(
                    {
                        "start": len(text),
                        "end": len(text) + len(short),
                        "url": short,
                        "expanded_url": self.url(arxiv_id),
                        "display_url": f"arxiv.org/abs/{arxiv_id}",
                    }
                )
                text += short
            likes = _heavy_tail(rng, 20_000)
            tweet: dict[str, Any] = {
                # A snowflake id carries its creation time, as X's ids do.
                "id": snowflake_id(created, position),
                "text": text,
                "author_id": rng.choice(users)["id"],
                "created_at": x_time(datetime.fromtimestamp(created / 1000, UTC)),
                "lang": "en",
                "public_metrics": {
                    "retweet_count": int(likes * rng.uniform(0.05, 0.4)),
                    "reply_count": int(likes * rng.uniform(0.0, 0.1)),
                    "like_count": likes,
                    "quote_count": int(likes * rng.uniform(0.0, 0.05)),
                },
                "entities": {"urls": urls},
            }
            # Quotes and replies are posts of their own, so they count among the originals.
            roll = rng.random()
            if originals and roll < 0.03:
                tweet["referenced_tweets"] = [{"type": "quoted", "id": rng.choice(originals)["id"]}]
            elif originals and roll < 0.05:
                target = rng.choice(originals)
                tweet["referenced_tweets"] = [{"type": "replied_to", "id": target["id"]}]
                tweet["in_reply_to_user_id"] = target["author_id"]
            originals.append(tweet)

        usernames = {user["id"]: user["username"] for user in users}
        retweets = []
        for position in range(counts.x_retweets):
            original = rng.choice(originals)
            original_ms = (int(original["id"]) >> 22) + TWITTER_EPOCH_MS
            created = original_ms + rng.randrange(max(1, self.day_ms + 86_400_000 - original_ms))
            prefix = f"RT @{usernames[original['author_id']]}: "
            retweets.append(
                {
                    "id": snowflake_id(created, counts.x + position),
                    "text": prefix + original["text"],
                    "author_id": rng.choice(users)["id"],
                    "created_at": x_time(datetime.fromtimestamp(created / 1000, UTC)),
                    "lang": "en",
                    # A retweet reports the original's retweet count and no likes: what misled the blog.
                    "public_metrics": {
                        "retweet_count": original["public_metrics"]["retweet_count"],
                        "reply_count": 0,
                        "like_count": 0,
                        "quote_count": 0,
                    },
                    "entities": {
                        "urls": [
                            {**url, "start": url["start"] + len(prefix), "end": url["end"] + len(prefix)}
                            for url in original["entities"]["urls"]
                        ]
                    },
                    "referenced_tweets": [{"type": "retweeted", "id": original["id"]}],
                }
            )
        dataset.x_tweets = originals + retweets
        dataset.x_users = users

    def bluesky(self, dataset: UpstreamDataset, counts: HeavyDayCounts, offset: int) -> None:
        rng = self.rng
        authors = []
        for n in range(max(20, counts.bluesky // 4)):
            did = "did:plc:" + _random_chars(rng, _TID_ALPHABET, 24)
            authors.append(
                {
                    "did": did,
                    "handle": f"researcher{n:04d}.bsky.social",
                    "displayName": random_person(rng),
                    "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/{_fake_cid(rng)}@jpeg",
                    "viewer": {"muted": False, "blockedBy": False},
                    "labels": [],
                    "createdAt": "2023-11-20T10:00:00.000Z",
                }
            )
        for position in range(counts.bluesky):
            created = self.moment_ms()
            links = self.links(offset + position)
            author = rng.choice(authors)
            text = f"New on arXiv: {self.titles[links[0]]}"
            facets = []
            urls = []
            for arxiv_id in links:
                url = self.url(arxiv_id)
                urls.append(url)
                text += "\n"
                start = len(text.encode("utf-8"))  # facet offsets count UTF-8 bytes
                text += url.split("://", 1)[1]
                facets.append(
                    {
                        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
                        "index": {"byteEnd": len(text.encode("utf-8")), "byteStart": start},
                    }
                )
            record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": _iso_ms(created)}
            embed_view = None
            if rng.random() < 0.5:
                external = {
                    "description": f"Abstract page of arXiv:{links[0]}",
                    "title": f"[{links[0]}] {self.titles[links[0]]}",
                    "uri": urls[0],
                }
                record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
                embed_view = {"$type": "app.bsky.embed.external#view", "external": dict(external)}
            record.update({"facets": facets, "langs": ["en"], "text": text})
            likes = _heavy_tail(rng, 5_000)
            post: dict[str, Any] = {
                "uri": f"at://{author['did']}/app.bsky.feed.post/{_tid(created * 1000, position)}",
                "cid": _fake_cid(rng),
                "author": author,
                "record": record,
            }
            if embed_view is not None:
                post["embed"] = embed_view
            post.update(
                {
                    "replyCount": int(likes * rng.uniform(0.0, 0.1)),
                    "repostCount": int(likes * rng.uniform(0.05, 0.3)),
                    "likeCount": likes,
                    "quoteCount": int(likes * rng.uniform(0.0, 0.03)),
                    "indexedAt": _iso_ms(created + rng.randrange(500, 5_000)),
                    "viewer": {"threadMuted": False, "embeddingDisabled": False},
                    "labels": [],
                }
            )
            dataset.bsky_posts.append(post)

    def hackernews(self, dataset: UpstreamDataset, counts: HeavyDayCounts, offset: int) -> None:
        rng = self.rng
        base_id = 27_000_000 + rng.randrange(1_000_000)
        for position in range(counts.hackernews):
            created = self.moment_ms() // 1000
            arxiv_id = self.primary[offset + position]
            url = self.url(arxiv_id)
            title = self.titles[arxiv_id] + (" [pdf]" if "/pdf/" in url else "")
            author = f"hn_{_random_chars(rng, _TID_ALPHABET, 6)}"
            object_id = str(base_id + position * 7)
            dataset.hn_hits.append(
                {
                    "created_at": _iso_ms(created * 1000),
                    "title": title,
                    "url": url,
                    "author": author,
                    "points": 1 + _heavy_tail(rng, 2_000),
                    "story_text": None,
                    "comment_text": None,
                    "num_comments": _heavy_tail(rng, 800),
                    "story_id": None,
                    "story_title": None,
                    "story_url": None,
                    "parent_id": None,
                    "created_at_i": created,
                    "_tags": ["story", f"author_{author}", f"story_{object_id}"],
                    "objectID": object_id,
                    "_highlightResult": {
                        "title": {"value": title, "matchLevel": "none", "matchedWords": []},
                        "url": {"value": url, "matchLevel": "none", "matchedWords": []},
                        "author": {"value": author, "matchLevel": "none", "matchedWords": []},
                    },
                }
            )

    def huggingface(self, dataset: UpstreamDataset, day: date, papers: list[str]) -> None:
        rng = self.rng
        items: list[dict[str, Any]] = []
        for arxiv_id in papers:
            listed = _iso_ms(self.moment_ms())
            submitter = f"hf{_random_chars(rng, _TID_ALPHABET, 6)}"
            user_id = _random_chars(rng, "0123456789abcdef", 24)
            title = self.titles[arxiv_id]
            summary = f"Summary of {title}."
            items.append(
                {
                    "paper": {
                        "id": arxiv_id,
                        "authors": [
                            {
                                "_id": _random_chars(rng, "0123456789abcdef", 24),
                                "name": random_person(rng),
                                "hidden": False,
                            }
                            for _ in range(rng.randint(1, 6))
                        ],
                        "publishedAt": f"{(day - timedelta(days=1)).isoformat()}T17:00:00.000Z",
                        "submittedOnDailyAt": listed,
                        "title": title,
                        "summary": summary,
                        "upvotes": _heavy_tail(rng, 300),
                        "discussionId": _random_chars(rng, "0123456789abcdef", 24),
                    },
                    "publishedAt": listed,
                    "title": title,
                    "summary": summary,
                    "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png",
                    "numComments": rng.randint(0, 4),
                    "submittedBy": {
                        "_id": user_id,
                        "avatarUrl": f"https://cdn-avatars.huggingface.co/v1/production/uploads/{user_id}/avatar.png",
                        "fullname": random_person(rng),
                        "name": submitter,
                        "type": "user",
                        "isPro": False,
                        "isHf": False,
                        "isHfAdmin": False,
                        "isMod": False,
                        "followerCount": rng.randint(0, 500),
                        "isUserFollowing": False,
                    },
                    "isAuthorParticipating": rng.random() < 0.3,
                }
            )
        # The daily list is ordered by upvotes, most first, as on the site.
        items.sort(key=lambda item: -item["paper"]["upvotes"])
        dataset.hf_daily[day.isoformat()] = items
