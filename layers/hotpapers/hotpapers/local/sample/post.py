"""Datasets for the fake upstreams: the bundled real sample day, and a synthetic heavy day.

`load_sample_dataset()` rebuilds what the upstreams would have answered for
2021-06-01 from the blog's real post of that day (data/2021-06-01---Hot-Papers.md):
the real papers, titles, authors, abstracts and categories, and the real tweets
the blog embedded, with their language, text and entities read back from the
embeds. What the post does not carry is synthesized deterministically and
documented in data/PROVENANCE.md: arXiv versions and timestamps, X author ids,
the expansions of links other than the paper's, and the split of the blog's
per-paper totals over the individual tweets.

The same builders rebuild the input of any Hot Papers post (`parse_post`,
`dataset_from_post`, `x_search_page`, `arxiv_feed`): the golden tests use them on
the ten reference posts.

`synthetic_heavy_day()` generates a large, deterministic day across all four
social sources for the benchmark.
"""

from __future__ import annotations

import hashlib
import html
import math
import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any
from urllib.parse import unquote

from hotpapers.core.models import TextEntity
from hotpapers.local.fakes import UpstreamDataset, render_arxiv_entry

__all__ = [
    "BLOG_MIN_SHOWN_SCORE",
    "HIDDEN_HANDLE",
    "SAMPLE_DAY",
    "SAMPLE_POST_FILE",
    "HeavyDayCounts",
    "HotPapersPost",
    "SamplePaper",
    "SampleTweet",
    "allocate_metrics",
    "arxiv_feed",
    "dataset_from_post",
    "escape_x_text",
    "heavy_day_counts",
    "hidden_tweet_metrics",
    "load_sample_dataset",
    "load_sample_papers",
    "load_sample_post",
    "parse_hot_papers_post",
    "parse_post",
    "snowflake_time",
    "synthetic_heavy_day",
    "x_search_page",
]

SAMPLE_DAY = date(2021, 6, 1)
SAMPLE_POST_FILE = "2021-06-01---Hot-Papers.md"
# The post does not carry arXiv timestamps or versions; these stand in for them (see PROVENANCE.md):
# 17:00Z on the eve of the post's day, version 1.
SAMPLE_PUBLISHED = "2021-05-31T17:00:00Z"
SAMPLE_VERSION = 1
# The blog embedded a paper's top tweet always, and any other tweet only if it scored this much.
BLOG_MIN_SHOWN_SCORE = 25

TWITTER_EPOCH_MS = 1288834974657


# ------------------------------------------------------------------ the real post


@dataclass(frozen=True)
class SampleTweet:
    """A tweet as the blog embedded it (X's oEmbed blockquote), read back into what the API holds."""

    status_id: str
    handle: str
    author_name: str
    text: str  # plain text: <br> became newlines, links their t.co URL, entities unescaped
    lang: str = "en"  # from <p lang=…>
    # The embed's links, by code-point offsets into `text`: t.co URLs (`display_url` set for
    # media, `pic.twitter.com/…`), mentions (`username` from the link) and hashtags.
    entities: tuple[TextEntity, ...] = ()
    date_text: str = ""  # the embed's date link text, e.g. "June 1, 2021"


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
    observed_at: datetime | None = None  # the `(MM/DD/YYYY HH:MM:SS)` of the counts line, as UTC
    has_pdf: bool = True  # the links line has a [pdf] link

    @property
    def score(self) -> int:
        return self.retweets + self.favorites


@dataclass(frozen=True)
class HotPapersPost:
    """A whole Hot Papers post: its day, the generation time in its front matter, its papers."""

    day: date
    generated_at: datetime  # front-matter `date` (the blog's wall clock, taken as UTC)
    papers: tuple[SamplePaper, ...]


_SECTION = re.compile(r"^# (\d+)\. (.*)$", re.MULTILINE)
_COUNTS = re.compile(r"^- retweets: (\d+), favorites: (\d+) \((\d\d/\d\d/\d{4} \d\d:\d\d:\d\d)\)$", re.MULTILINE)
_ABS_LINK = re.compile(r"\[abs\]\(https://arxiv\.org/abs/([^)\s]+)\)")
_PDF_LINK = re.compile(r"\| \[pdf\]\(https://arxiv\.org/pdf/[^)\s]+\)")
_CATEGORY = re.compile(r"\[([^\]]+)\]\(https://arxiv\.org/list/[^)]+/recent\)")
_BLOCKQUOTE = re.compile(r'<blockquote class="twitter-tweet">(.*?)</blockquote>', re.DOTALL)
_TWEET = re.compile(
    r'<p lang="(?P<lang>[^"]*)" dir="\w+">(?P<html>.*)</p>&mdash; (?P<name>.*) \(@(?P<handle>\w+)\) '
    r'<a href="https://twitter\.com/(?P<link_handle>\w+)/status/(?P<id>\d+)\?ref_src=twsrc%5Etfw">(?P<date>[^<]*)</a>$',
    re.DOTALL,
)
_FRONT_TITLE = re.compile(r"^title: Hot Papers (\d{4}-\d\d-\d\d)$", re.MULTILINE)
_FRONT_DATE = re.compile(r"^date: (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.Z$", re.MULTILINE)
_TCO = re.compile(r"https://t\.co/\w+")
_EMBED_TOKEN = re.compile(r'<br\s*/?>|<a href="(?P<href>[^"]*)">(?P<shown>.*?)</a>|(?P<text>[^<]+)', re.DOTALL)
_MENTION_HREF = re.compile(r"^https://twitter\.com/(\w+)\?ref_src=twsrc%5Etfw$")
_HASHTAG_HREF = re.compile(r"^https://twitter\.com/hashtag/([^?]+)\?src=hash&ref_src=twsrc%5Etfw$")
_MEDIA_DISPLAY = "pic.twitter.com/"


def parse_embed_html(fragment: str) -> tuple[str, tuple[TextEntity, ...]]:
    """An oEmbed `<p>`'s inner HTML → (the plain text the API holds, its entities with code-point offsets).

    `<br>` is a newline; a t.co link is its URL in the text (media links too, which show
    `pic.twitter.com/…`); mention and hashtag links keep their visible text; HTML entities are
    unescaped.
    """
    text = ""
    entities: list[TextEntity] = []
    position = 0
    while position < len(fragment):
        token = _EMBED_TOKEN.match(fragment, position)
        if token is None:
            raise ValueError(f"unreadable embed HTML at {fragment[position : position + 40]!r}")
        position = token.end()
        if token["text"] is not None:
            text += html.unescape(token["text"])
            continue
        if token["href"] is None:
            text += "\n"
            continue
        href, shown = html.unescape(token["href"]), html.unescape(token["shown"])
        start = len(text)
        if href.startswith("https://t.co/"):
            text += href
            display = shown if shown.startswith(_MEDIA_DISPLAY) else None
            entities.append(TextEntity("url", start, len(text), url=href, display_url=display))
        elif mention := _MENTION_HREF.match(href):
            text += shown
            entities.append(TextEntity("mention", start, len(text), username=mention.group(1)))
        elif hashtag := _HASHTAG_HREF.match(href):
            text += shown
            entities.append(TextEntity("hashtag", start, len(text), tag=unquote(hashtag.group(1))))
        else:  # a link oEmbed does not write; keep its text
            text += shown
    return text, tuple(entities)


def _parse_tweet(quote: str, section: str) -> SampleTweet:
    match = _TWEET.search(quote)
    if match is None:
        raise ValueError(f"unreadable tweet embed in section {section}")
    if match["handle"].lower() != match["link_handle"].lower():
        raise ValueError(f"embed names @{match['handle']} but links @{match['link_handle']}")
    text, entities = parse_embed_html(match["html"])
    return SampleTweet(
        status_id=match["id"],
        handle=match["link_handle"],
        author_name=html.unescape(match["name"]),
        text=text,
        lang=match["lang"],
        entities=entities,
        date_text=match["date"],
    )


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
        links_line = section[abs_link.start() :].splitlines()[0]
        before_counts = section[: counts.start()].strip()
        category_line = next(line for line in section.splitlines() if _CATEGORY.search(line))
        after_categories = section[section.index(category_line) + len(category_line) :]
        abstract = next(
            (line.strip() for line in after_categories.splitlines() if line.strip() and not line.startswith("<")), ""
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
                tweets=tuple(_parse_tweet(quote.group(1), heading.group(1)) for quote in _BLOCKQUOTE.finditer(section)),
                observed_at=datetime.strptime(counts.group(3), "%m/%d/%Y %H:%M:%S").replace(tzinfo=UTC),
                has_pdf=_PDF_LINK.search(links_line) is not None,
            )
        )
    return papers


def parse_post(markdown: str) -> HotPapersPost:
    """A whole post: the day (front-matter title), the generation time (front-matter date), the papers."""
    title, stamp = _FRONT_TITLE.search(markdown), _FRONT_DATE.search(markdown)
    if title is None or stamp is None:
        raise ValueError("the post lacks its front-matter title or date")
    return HotPapersPost(
        day=date.fromisoformat(title.group(1)),
        generated_at=datetime.fromisoformat(stamp.group(1)).replace(tzinfo=UTC),
        papers=tuple(parse_hot_papers_post(markdown)),
    )


def load_sample_post() -> HotPapersPost:
    """The bundled real post of `SAMPLE_DAY`."""
    text = resources.files("hotpapers.local").joinpath("data", SAMPLE_POST_FILE).read_text(encoding="utf-8")
    return parse_post(text)


def load_sample_papers() -> list[SamplePaper]:
    """The papers of the bundled real post of `SAMPLE_DAY`."""
    return list(load_sample_post().papers)


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


def escape_x_text(text: str) -> tuple[str, list[int]]:
    """Plain text → (X API v2's `text`, for each plain offset 0..len(text) its offset in that text).

    The API escapes exactly `&`, `<` and `>` (as `&amp;`, `&lt;`, `&gt;`), and its entity
    offsets count code points of the text *as sent*, escapes included: that is what the
    recorded v2 payloads in tests/fixtures/twitter show.
    """
    escapes = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
    parts: list[str] = []
    offsets: list[int] = []
    length = 0
    for char in text:
        offsets.append(length)
        piece = escapes.get(char, char)
        parts.append(piece)
        length += len(piece)
    offsets.append(length)
    return "".join(parts), offsets


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


def hidden_tweet_metrics(retweets: int, likes: int) -> list[tuple[int, int]]:
    """Split a paper's totals over as few tweets as keep each under the blog's display threshold.

    For a paper the post lists without any embedded tweet: its tweets all scored under 25, and
    the blog's code then skipped even the top one (see test_golden_posts.py). The split is as
    even as whole numbers allow, the larger shares first; every share scores at most 23.
    """
    count = max(1, math.ceil((retweets + likes) / (BLOG_MIN_SHOWN_SCORE - 3)))
    split = [(retweets // count + (i < retweets % count), likes // count + (i < likes % count)) for i in range(count)]
    assert all(rt + lk < BLOG_MIN_SHOWN_SCORE for rt, lk in split)
    return split


# ----------------------------------------------------------------- sample dataset


def load_sample_dataset() -> UpstreamDataset:
    """What the upstreams would answer for `SAMPLE_DAY`, rebuilt from the blog's real post.

    X and arXiv carry the post's real content; Bluesky, Hacker News and
    Hugging Face have no data for that day (Bluesky did not exist yet and HF
    daily papers began in 2023), so the fakes answer them with empty results.
    """
    return dataset_from_post(load_sample_post())


def dataset_from_post(post: HotPapersPost) -> UpstreamDataset:
    """The X tweets, X users and arXiv entries a Hot Papers post was made from, as far as it shows them.

    Each paper gets its arXiv entry and one API v2 tweet per embedded tweet, the paper's
    totals split over them by `allocate_metrics`. A paper the post lists without any tweet
    gets stand-in tweets instead (`hidden_tweet_metrics`), authored by `@hotpapers_hidden`.
    """
    dataset = UpstreamDataset()
    users: dict[str, dict[str, Any]] = {}
    published = (datetime.combine(post.day, datetime.min.time(), UTC) - timedelta(hours=7)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    for paper in post.papers:
        dataset.arxiv_entries[paper.arxiv_id] = render_arxiv_entry(
            paper.arxiv_id,
            version=SAMPLE_VERSION,
            title=paper.title,
            summary=paper.abstract,
            authors=paper.authors,
            categories=paper.categories,
            published=published,
            updated=published,
        )
        tweets = paper.tweets or _hidden_tweets(post.day, paper)
        metrics = (
            allocate_metrics(paper.retweets, paper.favorites, len(paper.tweets))
            if paper.tweets
            else hidden_tweet_metrics(paper.retweets, paper.favorites)
        )
        for tweet, (retweet_count, like_count) in zip(tweets, metrics, strict=True):
            user_id = _stable_user_id(tweet.handle)
            users.setdefault(user_id, {"id": user_id, "name": tweet.author_name, "username": tweet.handle})
            dataset.x_tweets.append(_sample_tweet(paper.arxiv_id, tweet, user_id, retweet_count, like_count))
    dataset.x_users = list(users.values())
    return dataset


HIDDEN_HANDLE = "hotpapers_hidden"


def _hidden_tweets(day: date, paper: SamplePaper) -> tuple[SampleTweet, ...]:
    count = len(hidden_tweet_metrics(paper.retweets, paper.favorites))
    noon_ms = int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000) + 12 * 3_600_000
    tweets = []
    for i in range(count):
        created_ms = noon_ms + (paper.rank * 100 + i) * 1000
        status_id = str((created_ms - TWITTER_EPOCH_MS) << 22)
        short = "https://t.co/" + hashlib.sha256(f"{paper.arxiv_id}/{i}".encode()).hexdigest()[:10]
        text = f"{paper.title} {short}"
        tweets.append(
            SampleTweet(
                status_id=status_id,
                handle=HIDDEN_HANDLE,
                author_name="Hidden tweet (stand-in)",
                text=text,
                lang="en",
                entities=(TextEntity("url", len(text) - len(short), len(text), url=short),),
            )
        )
    return tuple(tweets)


def _sample_tweet(arxiv_id: str, tweet: SampleTweet, user_id: str, retweets: int, likes: int) -> dict[str, Any]:
    """The API v2 tweet object: escaped text, entities by offsets into it, the paper's link expanded.

    The first t.co link that is not a media link leads to the paper's abs page. Where the
    other links led is unknown: they "expand" to themselves. Media links expand to the
    tweet's photo page, as X's do.
    """
    api_text, offsets = escape_x_text(tweet.text)
    urls: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    hashtags: list[dict[str, Any]] = []
    paper_linked = False
    for entity in tweet.entities:
        span = {"start": offsets[entity.start], "end": offsets[entity.end]}
        if entity.kind == "url" and entity.url:
            if entity.display_url and entity.display_url.startswith(_MEDIA_DISPLAY):
                display = entity.display_url
                expanded = f"https://twitter.com/{tweet.handle}/status/{tweet.status_id}/photo/1"
            elif not paper_linked:
                expanded, display = f"https://arxiv.org/abs/{arxiv_id}", f"arxiv.org/abs/{arxiv_id}"
                paper_linked = True
            else:
                expanded, display = entity.url, entity.url.removeprefix("https://")
            urls.append({**span, "url": entity.url, "expanded_url": expanded, "display_url": display})
        elif entity.kind == "mention" and entity.username:
            mentions.append({**span, "username": entity.username})
        elif entity.kind == "hashtag" and entity.tag:
            hashtags.append({**span, "tag": entity.tag})
    if not paper_linked:  # no visible link: the tweet still linked the paper; give it a stand-in entity
        short = "https://t.co/" + hashlib.sha256(tweet.status_id.encode()).hexdigest()[:10]
        end = len(api_text)
        urls.insert(
            0,
            {
                "start": end,
                "end": end,
                "url": short,
                "expanded_url": f"https://arxiv.org/abs/{arxiv_id}",
                "display_url": f"arxiv.org/abs/{arxiv_id}",
            },
        )
    entities: dict[str, Any] = {"urls": urls}
    if mentions:
        entities["mentions"] = mentions
    if hashtags:
        entities["hashtags"] = hashtags
    return {
        "id": tweet.status_id,
        "text": api_text,
        "author_id": user_id,
        "created_at": _x_time(snowflake_time(tweet.status_id)),
        "lang": tweet.lang,
        "public_metrics": {"retweet_count": retweets, "reply_count": 0, "like_count": likes, "quote_count": 0},
        "entities": entities,
    }


def x_search_page(dataset: UpstreamDataset) -> dict[str, Any]:
    """All of the dataset's tweets as one X API v2 search page (newest first, authors expanded)."""
    tweets = sorted(dataset.x_tweets, key=lambda tweet: (tweet["created_at"], int(tweet["id"])), reverse=True)
    if not tweets:
        return {"meta": {"result_count": 0}}
    return {
        "data": tweets,
        "includes": {"users": list(dataset.x_users)},
        "meta": {"newest_id": tweets[0]["id"], "oldest_id": tweets[-1]["id"], "result_count": len(tweets)},
    }


def arxiv_feed(entries: list[str]) -> str:
    """arXiv API entries (`render_arxiv_entry`) wrapped into a whole Atom response body."""
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>https://arxiv.org/api/hotpapers-sample</id>\n"
        "  <title>arXiv Query: hotpapers sample</title>\n"
        f"  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>\n"
        + "".join(f"  {entry}\n" for entry in entries)
        + "</feed>\n"
    )


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
