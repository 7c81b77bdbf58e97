"""Datasets for the fake upstreams: the bundled real sample day, and a synthetic heavy day.

`load_sample_dataset()` rebuilds what the upstreams would have answered for
2021-06-01 from the blog's real post of that day (data/2021-06-01---Hot-Papers.md):
the real papers, titles, authors, abstracts and categories, and the real tweets
the blog embedded. What the post does not carry is synthesized deterministically
and documented in data/PROVENANCE.md: arXiv versions and timestamps, X author
ids, and the split of the blog's per-paper totals over the individual tweets.

`synthetic_heavy_day()` generates a large, deterministic day across all four
social sources for the benchmark.
"""

from __future__ import annotations

import hashlib
import html
import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any

from .fake_upstreams import UpstreamDataset, render_arxiv_entry

__all__ = [
    "SAMPLE_DAY",
    "SAMPLE_POST_FILE",
    "HeavyDayCounts",
    "SamplePaper",
    "SampleTweet",
    "allocate_metrics",
    "heavy_day_counts",
    "load_sample_dataset",
    "load_sample_papers",
    "parse_hot_papers_post",
    "snowflake_time",
    "synthetic_heavy_day",
]

SAMPLE_DAY = date(2021, 6, 1)
SAMPLE_POST_FILE = "2021-06-01---Hot-Papers.md"
# The post does not carry arXiv timestamps or versions; these stand in for them (see PROVENANCE.md).
SAMPLE_PUBLISHED = "2021-05-31T17:00:00Z"
SAMPLE_VERSION = 1
# The blog embedded a paper's top tweet always, and any other tweet only if it scored this much.
BLOG_MIN_SHOWN_SCORE = 25

TWITTER_EPOCH_MS = 1288834974657


# ------------------------------------------------------------------ the real post


@dataclass(frozen=True)
class SampleTweet:
    """A tweet as the blog embedded it."""

    status_id: str
    handle: str
    author_name: str
    text: str  # plain text: <br> became newlines, links their t.co URL, entities unescaped


@dataclass(frozen=True)
class SamplePaper:
    """One `# N. Title` section of a Hot Papers post."""

    rank: int
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    retweets: int
    favorites: int
    categories: tuple[str, ...]  # primary first, as the post lists them
    abstract: str
    tweets: tuple[SampleTweet, ...]


_SECTION = re.compile(r"^# (\d+)\. (.*)$", re.MULTILINE)
_COUNTS = re.compile(r"^- retweets: (\d+), favorites: (\d+) \(", re.MULTILINE)
_ABS_LINK = re.compile(r"\[abs\]\(https://arxiv\.org/abs/([^)\s]+)\)")
_CATEGORY = re.compile(r"\[([^\]]+)\]\(https://arxiv\.org/list/[^)]+/recent\)")
_BLOCKQUOTE = re.compile(r'<blockquote class="twitter-tweet">(.*?)</blockquote>', re.DOTALL)
_TWEET = re.compile(
    r"<p[^>]*>(?P<html>.*)</p>&mdash; (?P<name>.*) \(@(?P<handle>\w+)\) "
    r'<a href="https://twitter\.com/(?P<link_handle>\w+)/status/(?P<id>\d+)',
    re.DOTALL,
)
_TCO = re.compile(r"https://t\.co/\w+")


def _tweet_text(fragment: str) -> str:
    """The embed's <p> HTML as the plain text the API returns."""
    text = re.sub(r"<br\s*/?>", "\n", fragment)
    # A link whose target is t.co (also the `pic.twitter.com/…` media links) is that t.co URL in the API's text.
    text = re.sub(r'<a href="(https://t\.co/\w+)">.*?</a>', r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)  # mentions and hashtags keep their visible text
    return html.unescape(text)


def parse_hot_papers_post(markdown: str) -> list[SamplePaper]:
    """Every paper section of a Hot Papers post, in rank order."""
    headings = list(_SECTION.finditer(markdown))
    papers = []
    for number, heading in enumerate(headings):
        end = headings[number + 1].start() if number + 1 < len(headings) else len(markdown)
        section = markdown[heading.end() : end]
        counts = _COUNTS.search(section)
        abs_link = _ABS_LINK.search(section)
        if counts is None or abs_link is None:
            raise ValueError(f"section {heading.group(1)} lacks its counts or abs link")
        before_counts = section[: counts.start()].strip()
        category_line = next(line for line in section.splitlines() if _CATEGORY.search(line))
        after_categories = section[section.index(category_line) + len(category_line) :]
        abstract = next(
            (line.strip() for line in after_categories.splitlines() if line.strip() and not line.startswith("<")), ""
        )
        tweets = []
        for quote in _BLOCKQUOTE.finditer(section):
            match = _TWEET.search(quote.group(1))
            if match is None:
                raise ValueError(f"unreadable tweet embed in section {heading.group(1)}")
            if match["handle"].lower() != match["link_handle"].lower():
                raise ValueError(f"embed names @{match['handle']} but links @{match['link_handle']}")
            tweets.append(
                SampleTweet(
                    status_id=match["id"],
                    handle=match["link_handle"],
                    author_name=html.unescape(match["name"]),
                    text=_tweet_text(match["html"]),
                )
            )
        papers.append(
            SamplePaper(
                rank=int(heading.group(1)),
                arxiv_id=abs_link.group(1),
                title=heading.group(2).strip(),
                authors=tuple(name.strip() for name in before_counts.split(",") if name.strip()),
                retweets=int(counts.group(1)),
                favorites=int(counts.group(2)),
                categories=tuple(_CATEGORY.findall(category_line)),
                abstract=abstract,
                tweets=tuple(tweets),
            )
        )
    return papers


def load_sample_papers() -> list[SamplePaper]:
    """The papers of the bundled real post of `SAMPLE_DAY`."""
    text = resources.files(__package__).joinpath("data", SAMPLE_POST_FILE).read_text(encoding="utf-8")
    return parse_hot_papers_post(text)


# ------------------------------------------------------------- derived X values


def snowflake_time(status_id: str | int) -> datetime:
    """When a tweet was created, read from its snowflake id (ms since the Twitter epoch in the top bits)."""
    milliseconds = (int(status_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def _x_time(moment: datetime) -> str:
    # X API v2 gives created_at to the second, always with ".000Z".
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _stable_user_id(handle: str) -> str:
    """A made-up but stable numeric X user id per handle (the post does not carry user ids)."""
    digest = int(hashlib.sha256(handle.lower().encode()).hexdigest(), 16)
    return str(10**17 + digest % (9 * 10**17))


def allocate_metrics(retweets: int, likes: int, count: int) -> list[tuple[int, int]]:
    """Split a paper's (retweets, likes) totals over `count` tweets, the first tweet the highest scoring.

    Tweet i gets a harmonic share 1/(i+1) of each total (rounded down), a
    non-first tweet is topped up to the blog's display threshold of 25, and the
    first tweet takes the remainder. Raises ValueError if the invariants the
    blog implies cannot hold.
    """
    if count < 1:
        raise ValueError("a paper needs at least one tweet")
    weights = [1 / (i + 1) for i in range(count)]
    total_weight = sum(weights)
    others: list[tuple[int, int]] = []
    for weight in weights[1:]:
        share_rt = int(retweets * weight / total_weight)
        share_likes = int(likes * weight / total_weight)
        shortfall = BLOG_MIN_SHOWN_SCORE - (share_rt + share_likes)
        if shortfall > 0:
            share_likes += shortfall
        others.append((share_rt, share_likes))
    first = (retweets - sum(rt for rt, _ in others), likes - sum(lk for _, lk in others))
    split = [first, *others]

    if min(value for pair in split for value in pair) < 0:
        raise ValueError(f"cannot split {retweets}/{likes} over {count} tweets without negative counts")
    if any(rt + lk < BLOG_MIN_SHOWN_SCORE for rt, lk in others):
        raise ValueError("a non-first tweet scores under the blog's threshold")
    if any(rt + lk > sum(first) for rt, lk in others):
        raise ValueError("the first tweet must score highest")
    if sum(rt for rt, _ in split) != retweets or sum(lk for _, lk in split) != likes:
        raise ValueError("split does not add up to the totals")
    return split


# ----------------------------------------------------------------- sample dataset


def load_sample_dataset() -> UpstreamDataset:
    """What the upstreams would answer for `SAMPLE_DAY`, rebuilt from the blog's real post.

    X and arXiv carry the post's real content; Bluesky, Hacker News and
    Hugging Face have no data for that day (Bluesky did not exist yet and HF
    daily papers began in 2023), so the fakes answer them with empty results.
    """
    papers = load_sample_papers()
    dataset = UpstreamDataset()
    users: dict[str, dict[str, Any]] = {}
    for paper in papers:
        dataset.arxiv_entries[paper.arxiv_id] = render_arxiv_entry(
            paper.arxiv_id,
            version=SAMPLE_VERSION,
            title=paper.title,
            summary=paper.abstract,
            authors=paper.authors,
            categories=paper.categories,
            published=SAMPLE_PUBLISHED,
            updated=SAMPLE_PUBLISHED,
        )
        metrics = allocate_metrics(paper.retweets, paper.favorites, len(paper.tweets))
        for tweet, (retweet_count, like_count) in zip(paper.tweets, metrics, strict=True):
            user_id = _stable_user_id(tweet.handle)
            users.setdefault(user_id, {"id": user_id, "name": tweet.author_name, "username": tweet.handle})
            dataset.x_tweets.append(_sample_tweet(paper.arxiv_id, tweet, user_id, retweet_count, like_count))
    dataset.x_users = list(users.values())
    return dataset


def _sample_tweet(arxiv_id: str, tweet: SampleTweet, user_id: str, retweets: int, likes: int) -> dict[str, Any]:
    link = _TCO.search(tweet.text)
    if link is not None:
        short, start, end = link.group(0), link.start(), link.end()
    else:  # a tweet without a visible t.co link still linked the paper somehow; give the entity a stand-in
        short = "https://t.co/" + hashlib.sha256(tweet.status_id.encode()).hexdigest()[:10]
        start = end = len(tweet.text)
    return {
        "id": tweet.status_id,
        "text": tweet.text,
        "author_id": user_id,
        "created_at": _x_time(snowflake_time(tweet.status_id)),
        "lang": "en",
        "public_metrics": {"retweet_count": retweets, "reply_count": 0, "like_count": likes, "quote_count": 0},
        "entities": {
            "urls": [
                {
                    "start": start,
                    "end": end,
                    "url": short,
                    "expanded_url": f"https://arxiv.org/abs/{arxiv_id}",
                    "display_url": f"arxiv.org/abs/{arxiv_id}",
                }
            ]
        },
    }


# ---------------------------------------------------------------- synthetic day


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


def heavy_day_counts(posts: int) -> HeavyDayCounts:
    """The split used for `posts` original posts: 80% X, 10% Bluesky, 6.7% HN, 3.3% HF; retweets 5% of X."""
    bluesky, hackernews, huggingface = posts // 10, posts // 15, posts // 30
    x = posts - bluesky - hackernews - huggingface
    return HeavyDayCounts(x=x, x_retweets=x // 20, bluesky=bluesky, hackernews=hackernews, huggingface=huggingface)


_WORDS = (
    "adaptive attention benchmark causal contrastive diffusion efficient emergent federated graph "
    "hierarchical implicit language latent learning memory multimodal neural optimal planning "
    "probabilistic reasoning recurrent robust scalable segmentation sparse spectral structured "
    "temporal transformer uncertainty unsupervised variational vision world zero-shot"
).split()
_FIRST_NAMES = "Ada Ben Chen Dana Eli Fatima Gao Hana Ivan Jun Kofi Lena Mei Nils Omar Priya Rui Sara Tomás".split()
_LAST_NAMES = "Abe Brown Costa Dubois Evans Fischer García Haddad Ito Jensen Kim Li Müller Novak Okafor Patel".split()
_CATEGORIES = ("cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "cs.RO", "cs.CR", "eess.IV", "cs.NE", "q-bio.QM")
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


def _words(rng: random.Random, count: int) -> str:
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


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"


@dataclass
class _HeavyDay:
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
            {"id": str(10**17 + rng.randrange(9 * 10**17)), "name": _person(rng), "username": f"user{n:05d}"}
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
                "id": str(((created - TWITTER_EPOCH_MS) << 22) | (position & 0x3FFFFF)),
                "text": text,
                "author_id": rng.choice(users)["id"],
                "created_at": _x_time(datetime.fromtimestamp(created / 1000, UTC)),
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
                    "id": str(((created - TWITTER_EPOCH_MS) << 22) | ((counts.x + position) & 0x3FFFFF)),
                    "text": prefix + original["text"],
                    "author_id": rng.choice(users)["id"],
                    "created_at": _x_time(datetime.fromtimestamp(created / 1000, UTC)),
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
                    "displayName": _person(rng),
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
        items = []
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
                            {"_id": _random_chars(rng, "0123456789abcdef", 24), "name": _person(rng), "hidden": False}
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
                        "fullname": _person(rng),
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


def synthetic_heavy_day(day: date, papers: int = 2000, posts: int = 30000, seed: int = 1) -> UpstreamDataset:
    """A deterministic busy day: `posts` original posts over all four sources, linking `papers` new papers.

    Every post links one paper (X and Bluesky posts sometimes two); every paper
    is linked at least once; every timestamp falls inside `day` (UTC). On top
    of the originals, X holds `heavy_day_counts(posts).x_retweets` retweets that
    link papers too and that a collector must skip. Paper ids are
    `<yymm of day>.00001` upwards; each has an arXiv entry.
    """
    counts = heavy_day_counts(posts)
    social = counts.x + counts.bluesky + counts.hackernews
    if papers < 1:
        raise ValueError("papers must be at least 1")
    if social + min(papers, counts.huggingface) < papers:
        raise ValueError(f"{posts} posts cannot mention all {papers} papers")
    rng = random.Random(f"hotpapers-heavy-day-{day.isoformat()}-{seed}")
    ids = [f"{day:%y%m}.{n:05d}" for n in range(1, papers + 1)]
    day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    titles = {arxiv_id: f"{_words(rng, 3).title()} for {_words(rng, 2).title()}" for arxiv_id in ids}

    dataset = UpstreamDataset()
    published = (day_start - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for arxiv_id in ids:
        categories = [rng.choice(_CATEGORIES)]
        categories += [c for c in rng.sample(_CATEGORIES, rng.randint(0, 2)) if c != categories[0]]
        dataset.arxiv_entries[arxiv_id] = render_arxiv_entry(
            arxiv_id,
            version=1,
            title=titles[arxiv_id],
            summary=f"We study {_words(rng, 12)}. Our method achieves {_words(rng, 20)}.",
            authors=[_person(rng) for _ in range(rng.randint(1, 8))],
            categories=categories,
            published=published,
            updated=published,
            comment=f"{rng.randint(6, 40)} pages, {rng.randint(1, 12)} figures" if rng.random() < 0.4 else None,
        )

    # HF lists a paper at most once a day. The social posts first cover every paper HF does not,
    # then pick more papers with a Zipf-like popularity so that a few papers are hot.
    order = ids[:]
    rng.shuffle(order)
    hf_papers = [order[i % papers] for i in range(counts.huggingface)]
    uncovered = order[len(set(hf_papers)) :]
    popularity = [1 / (rank + 1) ** 0.9 for rank in range(papers)]
    primary = uncovered + rng.choices(order, weights=popularity, k=social - len(uncovered))
    rng.shuffle(primary)

    generator = _HeavyDay(rng=rng, day_ms=int(day_start.timestamp() * 1000), ids=ids, titles=titles, primary=primary)
    generator.x(dataset, counts)
    generator.bluesky(dataset, counts, offset=counts.x)
    generator.hackernews(dataset, counts, offset=counts.x + counts.bluesky)
    generator.huggingface(dataset, day, hf_papers)
    return dataset
