"""Digests for the site tests, built from the blog's real 2021-06-01 post (tests/fixtures/hotpapers-posts).

`sample_digest()` is that day as the publisher would rank it: the post's 17
papers with their real titles, authors, categories, abstracts and embedded
tweets (the post's totals split over the tweets as the sample day does), plus
a Bluesky post, a Hacker News story and a Hugging Face listing on the first
papers so every source's markup is exercised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hotpapers.core.digest import Digest, DigestSummary, RankedPaper, SummaryPaper, TextEntity, TopPost
from hotpapers.core.models import Paper, PaperHeadline
from hotpapers.publish.site import SiteConfig, SiteObject
from hotpapers_local.sample import SamplePaper, allocate_metrics, parse_hot_papers_post, snowflake_time

POST = Path(__file__).parent.parent / "fixtures" / "hotpapers-posts" / "2021-06-01---Hot-Papers.md"
SAMPLE_DAY = date(2021, 6, 1)
SITE = SiteConfig(base_url="https://hotpapers.example.org/")

_TCO = re.compile(r"https://t\.co/\w+")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")


@lru_cache(maxsize=1)
def sample_papers() -> tuple[SamplePaper, ...]:
    return tuple(parse_hot_papers_post(POST.read_text(encoding="utf-8")))


def _entities(text: str, arxiv_id: str, handle: str, status_id: str) -> tuple[TextEntity, ...]:
    entities = []
    links = list(_TCO.finditer(text))
    for number, match in enumerate(links):
        short = match.group(0)
        if len(links) > 1 and number == len(links) - 1 and match.end() == len(text.rstrip()):
            # X puts the media link last: pic.twitter.com/… leading to the photo.
            expanded = f"https://twitter.com/{handle}/status/{status_id}/photo/1"
            display = "pic.twitter.com/" + short.rsplit("/", 1)[1]
        elif text[: match.start()].rstrip().lower().endswith("pdf:"):
            expanded, display = f"https://arxiv.org/pdf/{arxiv_id}", f"arxiv.org/pdf/{arxiv_id}"
        else:
            expanded, display = f"https://arxiv.org/abs/{arxiv_id}", f"arxiv.org/abs/{arxiv_id}"
        entities.append(TextEntity("url", match.start(), match.end(), short, expanded, display))
    for match in _MENTION.finditer(text):
        entities.append(TextEntity("mention", match.start(), match.end(), username=match.group(1)))
    for match in _HASHTAG.finditer(text):
        entities.append(TextEntity("hashtag", match.start(), match.end(), tag=match.group(1)))
    return tuple(sorted(entities, key=lambda e: e.start))


def _x_posts(paper: SamplePaper) -> tuple[TopPost, ...]:
    split = allocate_metrics(paper.retweets, paper.favorites, len(paper.tweets))
    posts = []
    for tweet, (retweets, likes) in zip(paper.tweets, split, strict=True):
        posts.append(
            TopPost(
                source="x",
                post_id=tweet.status_id,
                url=f"https://twitter.com/{tweet.handle}/status/{tweet.status_id}",
                author_name=tweet.author_name,
                author_handle=tweet.handle,
                text=tweet.text,
                created_at=snowflake_time(tweet.status_id).replace(microsecond=0),
                kind="post",
                metrics={"retweets": retweets, "likes": likes, "quotes": 0, "replies": 0},
                score=retweets + likes,
                lang="en",
                entities=_entities(tweet.text, paper.arxiv_id, tweet.handle, tweet.status_id),
            )
        )
    return tuple(posts)


def _extra_sources(paper: SamplePaper, day: date) -> tuple[dict[str, dict[str, int]], tuple[TopPost, ...]]:
    """A few non-X mentions on the first three papers, so every source's markup shows up."""
    moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=15)
    if paper.rank == 1:
        text = f"Attention without attention: {paper.title} arxiv.org/abs/{paper.arxiv_id}"
        start = text.index("arxiv.org")
        post = TopPost(
            source="bluesky",
            post_id="at://did:plc:abc/app.bsky.feed.post/3kxyz",
            url="https://bsky.app/profile/ml-reader.bsky.social/post/3kxyz",
            author_name="ML Reader",
            author_handle="ml-reader.bsky.social",
            text=text,
            created_at=moment,
            kind="post",
            metrics={"reposts": 12, "likes": 48, "quotes": 1, "replies": 3},
            score=60,
            lang="en",
            entities=(
                TextEntity(
                    "url", start, len(text), expanded_url=f"https://arxiv.org/abs/{paper.arxiv_id}"
                ),  # a facet: no t.co short link, no display URL
            ),
        )
        return {"bluesky": {"posts": 1, "reposts": 12, "likes": 48, "quotes": 1, "replies": 3, "score": 60}}, (post,)
    if paper.rank == 2:
        post = TopPost(
            source="hackernews",
            post_id="27360331",
            url="https://news.ycombinator.com/item?id=27360331",
            author_name="throwaway_bio",
            author_handle="throwaway_bio",
            text=paper.title,
            created_at=moment,
            kind="story",
            metrics={"points": 212, "comments": 87},
            score=212,
        )
        return {"hackernews": {"posts": 1, "points": 212, "comments": 87, "score": 212}}, (post,)
    if paper.rank == 3:
        post = TopPost(
            source="huggingface",
            post_id=f"{day.isoformat()}/{paper.arxiv_id}",
            url=f"https://huggingface.co/papers/{paper.arxiv_id}",
            author_name="AK",
            author_handle="akhaliq",
            text=paper.title,
            created_at=moment,
            kind="daily-paper",
            metrics={"upvotes": 31, "comments": 2},
            score=31,
        )
        return {"huggingface": {"posts": 1, "upvotes": 31, "comments": 2, "score": 31}}, (post,)
    return {}, ()


def ranked_paper(paper: SamplePaper, rank: int, day: date = SAMPLE_DAY, extras: bool = True) -> RankedPaper:
    x_score = paper.retweets + paper.favorites
    engagement: dict[str, dict[str, int]] = {
        "x": {
            "posts": len(paper.tweets),
            "retweets": paper.retweets,
            "likes": paper.favorites,
            "quotes": 0,
            "replies": 0,
            "score": x_score,
        }
    }
    posts = _x_posts(paper)
    if extras:
        more, extra_posts = _extra_sources(paper, day)
        engagement.update(more)
        posts += extra_posts
    return RankedPaper(
        rank=rank,
        paper=Paper(
            arxiv_id=paper.arxiv_id,
            version=1,
            title=paper.title,
            authors=paper.authors,
            categories=paper.categories,
            abstract=paper.abstract,
            abs_url=f"https://arxiv.org/abs/{paper.arxiv_id}",
            pdf_url=f"https://arxiv.org/pdf/{paper.arxiv_id}",
            published=datetime(2021, 5, 31, 17, 0, tzinfo=UTC),
            updated=None,  # a digest carries none
            comment="12 pages, 4 figures" if paper.rank == 1 else None,
        ),
        score=sum(e["score"] for e in engagement.values()),
        engagement=engagement,
        top_posts=posts,
    )


def digest_of(day: date, papers: Iterable[SamplePaper], candidates: int | None = None, extras: bool = True) -> Digest:
    ranked = sorted(
        (ranked_paper(paper, 0, day, extras) for paper in papers), key=lambda p: (-p.score, p.paper.arxiv_id)
    )
    ranked = [replace(paper, rank=number) for number, paper in enumerate(ranked, 1)]
    return Digest(
        day=day,
        as_of=datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=9, minutes=38),
        papers=tuple(ranked),
        candidates=candidates if candidates is not None else len(ranked) * 20 + 3,
    )


def sample_digest() -> Digest:
    """The real 2021-06-01 day: 17 papers."""
    return digest_of(SAMPLE_DAY, sample_papers())


def empty_digest(day: date) -> Digest:
    return Digest(day=day, as_of=None, papers=(), candidates=7)


def sample_site_digests() -> dict[date, Digest]:
    """Four days over two months: a small day, an empty day, the real sample day and a later month."""
    papers = sample_papers()
    return {
        date(2021, 5, 28): digest_of(date(2021, 5, 28), papers[3:8], extras=False),
        date(2021, 5, 31): empty_digest(date(2021, 5, 31)),
        SAMPLE_DAY: sample_digest(),
        date(2021, 7, 2): digest_of(date(2021, 7, 2), papers[10:13]),
    }


def summaries_of(digests: dict[date, Digest]) -> list[DigestSummary]:
    return [DigestSummary.of(digests[day]) for day in sorted(digests, reverse=True)]


def big_category_summaries(papers: int, category: str = "cs.LG", per_day: int = 20) -> list[DigestSummary]:
    """`papers` papers in `category`, `per_day` a day on consecutive days from 2021-01-01."""
    summaries = []
    for index in range(0, papers, per_day):
        day = date(2021, 1, 1) + timedelta(days=index // per_day)
        chunk = range(index, min(index + per_day, papers))
        summaries.append(
            DigestSummary(
                day=day,
                as_of=None,
                candidates=100,
                papers=tuple(
                    SummaryPaper(
                        rank=n - index + 1,
                        paper=PaperHeadline(
                            arxiv_id=f"2101.{n:05d}",
                            title=f"Synthetic paper {n}",
                            authors=("A. Author",),
                            categories=(category, "stat.ML"),
                        ),
                        score=1000 - (n - index),
                    )
                    for n in chunk
                ),
            )
        )
    return summaries


def with_paper[Listed: (RankedPaper, SummaryPaper)](listed: Listed, **changes: Any) -> Listed:
    """`dataclasses.replace` for a listed paper: a change to one of its paper's fields (title, …) goes to
    its `paper`, any other (rank, score, …) to the listing itself."""
    own = {spec.name for spec in fields(listed)}
    paper = replace(listed.paper, **{name: value for name, value in changes.items() if name not in own})
    return replace(listed, paper=paper, **{name: value for name, value in changes.items() if name in own})


def by_key(objects: list[SiteObject]) -> dict[str, SiteObject]:
    keys = [o.key for o in objects]
    assert len(keys) == len(set(keys)), f"duplicate keys: {sorted(k for k in keys if keys.count(k) > 1)}"
    return {o.key: o for o in objects}


def write_site(objects: list[SiteObject], root: Path) -> None:
    for obj in objects:
        path = root / obj.key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(obj.body)


# ------------------------------------------------------------------ reading pages back

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    ancestors: tuple[Element, ...]


@dataclass
class PageScan:
    """What a rendered page contains, read back with the standard library's HTML parser."""

    elements: list[Element] = field(default_factory=list)
    headings: list[int] = field(default_factory=list)
    texts: list[tuple[str, tuple[Element, ...]]] = field(default_factory=list)  # text and its open elements

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def attr_values(self, name: str) -> list[str]:
        return [e.attrs[name] or "" for e in self.elements if name in e.attrs]

    @property
    def ids(self) -> set[str]:
        return {e.attrs["id"] or "" for e in self.elements if "id" in e.attrs}

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.texts)


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = PageScan()
        self.stack: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), tuple(self.stack))
        self.scan.elements.append(element)
        if re.fullmatch(r"h[1-6]", tag):
            self.scan.headings.append(int(tag[1]))
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scan.elements.append(Element(tag, dict(attrs), tuple(self.stack)))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.scan.texts.append((data, tuple(self.stack)))


def scan(body: bytes) -> PageScan:
    scanner = _Scanner()
    scanner.feed(body.decode("utf-8"))
    scanner.close()
    return scanner.scan


def reader_text(value: str) -> str:
    """The text a reader sees for a title or abstract on a page: its TeX spans as their formulas' text."""
    from hotpapers.publish.site.math import tex_markup

    return scan(str(tex_markup(value)).encode("utf-8")).text


def html_pages(objects: list[SiteObject]) -> dict[str, SiteObject]:
    return {o.key: o for o in objects if o.content_type.startswith("text/html")}
