"""The real Hot Papers post behind the sample day: its dataclasses, its parser, and the bundled post's loader."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from urllib.parse import unquote

from hotpapers.core.models import TextEntity

__all__ = [
    "MEDIA_DISPLAY",
    "SAMPLE_DAY",
    "SAMPLE_POST_FILE",
    "HotPapersPost",
    "SamplePaper",
    "SampleTweet",
    "load_sample_papers",
    "load_sample_post",
    "parse_embed_html",
    "parse_hot_papers_post",
    "parse_post",
]

SAMPLE_DAY = date(2021, 6, 1)
SAMPLE_POST_FILE = "2021-06-01---Hot-Papers.md"


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
_EMBED_TOKEN = re.compile(r'<br\s*/?>|<a href="(?P<href>[^"]*)">(?P<shown>.*?)</a>|(?P<text>[^<]+)', re.DOTALL)
_MENTION_HREF = re.compile(r"^https://twitter\.com/(\w+)\?ref_src=twsrc%5Etfw$")
_HASHTAG_HREF = re.compile(r"^https://twitter\.com/hashtag/([^?]+)\?src=hash&ref_src=twsrc%5Etfw$")
MEDIA_DISPLAY = "pic.twitter.com/"


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
            display = shown if shown.startswith(MEDIA_DISPLAY) else None
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
    text = resources.files("hotpapers_local").joinpath("data", SAMPLE_POST_FILE).read_text(encoding="utf-8")
    return parse_post(text)


def load_sample_papers() -> list[SamplePaper]:
    """The papers of the bundled real post of `SAMPLE_DAY`."""
    return list(load_sample_post().papers)
