"""`digests/D.md`: a day's digest in the original blog's exact Markdown format.

`weeks/2021-W22.md` and `months/2021-06.md` are the same post for a week or a month
(`render_period_markdown`): title "Hot Papers 2021-W22", slug "hot-papers-2021-W22", its papers
ranked by their summed score, each with its summed counts and merged top posts.

The layout is the one `create_markdown.py` of TatsuyaShirakawa/daily-arxiv-gatsby
wrote, byte for byte (checked against ten real posts in tests/unit/test_golden_posts.py),
so the original Gatsby site could consume the file:

    ---                                      front matter (title, date, …, socialImage,
    …                                        a blank line, then ---)
    ---
    <blank>
    # N. Title
    <blank>
    Author A, Author B
    <blank>
    - retweets: R, favorites: F (MM/DD/YYYY HH:MM:SS)
    <blank>
    - links: [abs](https://arxiv.org/abs/ID) | [pdf](https://arxiv.org/pdf/ID)
    - [cs.LG](https://arxiv.org/list/cs.LG/recent) | …
    <blank>
    The abstract, on one line.
    <blank>
    <blockquote class="twitter-tweet">…</blockquote>      one per top post,
    <script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>
    <blank>                                               each followed by a blank line
    <blank>
    <blank>                                  then the next paper

What the values are, and where this differs from the blog:

- `date` is the digest's `as_of` (the newest engagement observation of the day), as
  `YYYY-MM-DDTHH:MM:SS.Z` in UTC; a digest without one uses the end of the day. The
  time in a paper's counts line is that paper's own `as_of`. No clock is read, so the
  same digest always renders the same bytes.
- `R`/`F` are the sums of `retweets`/`likes` over the paper's *original* X posts. The
  blog summed over retweet copies too, which inflated its "retweets" (DESIGN.md).
- A paper with engagement from other sources gets one line per source right under the
  counts line, e.g. `- Hacker News: points: 120, comments: 40`. The blog had none.
- An X post is X's oEmbed blockquote, as the blog embedded it: the text escaped as oEmbed
  escapes it (`&amp; &lt; &gt; &quot; &#39;`), newlines as `<br>`, its URL entities as
  `<a href="https://t.co/…">https://t.co/…</a>` (media links show their `pic.twitter.com/…`),
  mentions and hashtags as links to twitter.com; author, handle and the creation date (UTC).
- A post from another source (Bluesky, Hacker News, Hugging Face) is a plain Markdown
  blockquote: its text, escaped, one `> ` line per line, then
  `> &mdash; Name (@handle) [Source, Month D, YYYY](post URL)`.

Safety: Gatsby renders raw HTML in Markdown, and every title, author, abstract and post
comes from outside. So only `http`/`https` URLs ever become link targets (anything else is
shown as text or left out); every piece of text inside HTML is fully escaped; and Markdown
text is escaped wherever it could change meaning: a `<` that could open a tag, comment or
autolink, an `&` that would start a character reference, `](` (an inline link or image), an
`@` inside an e-mail address (GFM autolinks it) and a line start that would open a block
(heading, quote, list, code, table, reference definition). Other characters are left as the
blog left them (e.g. `$…$`, `a < b`, `R&D`), so real titles and abstracts read the same.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from hotpapers.core.digest import Digest, RankedPaper, TextEntity, TopPost
from hotpapers.core.scoring import ENGAGEMENT_METRICS
from hotpapers.core.source_names import SOURCE_LABELS

if TYPE_CHECKING:
    from hotpapers.core.period_digest import PeriodDigest

__all__ = ["render_markdown", "render_period_markdown", "render_post", "safe_url"]

WIDGETS_SCRIPT = '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
_MONTHS = ("January February March April May June July August September October November December").split()

# Languages X writes right to left; oEmbed marks their text dir="rtl".
_RTL_LANGS = frozenset({"ar", "fa", "he", "iw", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})
_MEDIA_DISPLAY = ("pic.twitter.com/", "pic.x.com/")
_HANDLE = re.compile(r"^\w{1,50}$", re.ASCII)
_LANG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_DIGITS = re.compile(r"^\d{1,30}$")


def render_markdown(digest: Digest) -> str:
    """The digest as the blog's Markdown post (see the module docstring for the format)."""
    return render_post(digest.day.isoformat(), _moment(digest.as_of, digest.day), digest.papers)


def render_period_markdown(digest: PeriodDigest) -> str:
    """A week's or a month's digest as the same post, titled "Hot Papers 2021-W22" or "Hot Papers 2021-06".

    Its `date` is the newest `as_of` of its days (the end of its last day when none is known).
    """
    return render_post(digest.period.name, _moment(digest.as_of, digest.period.last), digest.ranked)


def render_post(name: str, moment: datetime, papers: Iterable[RankedPaper]) -> str:
    """The blog's post for `name` (a day, week or month) dated `moment`, with `papers` in their order."""
    parts = [_front_matter(name, moment)]
    for paper in papers:
        parts.append(_paper(paper, paper.as_of or moment))
    return "".join(parts)


# ---------------------------------------------------------------- sections


def _moment(as_of: datetime | None, last_day: date) -> datetime:
    if as_of is not None:
        return as_of
    return datetime.combine(last_day + timedelta(days=1), time(), UTC)


def _front_matter(day: str, moment: datetime) -> str:
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return (
        "---\n"
        f"title: Hot Papers {day}\n"
        f"date: {stamp}.Z\n"
        'template: "post"\n'
        "draft: false\n"
        f'slug: "hot-papers-{day}"\n'
        'category: "arXiv"\n'
        "tags:\n"
        '  - "arXiv"\n'
        '  - "Twitter"\n'
        '  - "Machine Learning"\n'
        '  - "Computer Science"\n'
        f'description: "Hot papers {day}"\n'
        'socialImage: "/media/flying-marine.jpg"\n'
        "\n"
        "---\n"
    )


def _paper(ranked: RankedPaper, as_of: datetime) -> str:
    paper = ranked.paper
    x = ranked.engagement.get("x", {})
    stamp = as_of.astimezone(UTC).strftime("%m/%d/%Y %H:%M:%S")
    lines = [
        "",
        f"# {ranked.rank}. {_inline(paper.title)}",
        "",
        _block_line(", ".join(_inline(author) for author in paper.authors)),
        "",
        f"- retweets: {x.get('retweets', 0)}, favorites: {x.get('likes', 0)} ({stamp})",
    ]
    for source, counts in ranked.engagement.items():
        if source != "x" and source in ENGAGEMENT_METRICS:
            shown = ", ".join(f"{metric}: {counts.get(metric, 0)}" for metric in ENGAGEMENT_METRICS[source])
            lines.append(f"- {SOURCE_LABELS.get(source, source)}: {shown}")
    links = [_link("abs", paper.abs_url), _link("pdf", paper.pdf_url)]
    lines += [
        "",
        "- links: " + " | ".join(link for link in links if link),
        "- " + " | ".join(_category(category) for category in paper.categories),
        "",
        _block_line(_inline(paper.abstract)),
        "",
    ]
    out = "\n".join(lines) + "\n"
    for post in ranked.top_posts:
        out += (_x_post(post) if post.source == "x" else _other_post(post)) + "\n"
    return out + "\n\n"


def _category(category: str) -> str:
    label = _inline(category).replace("[", "\\[").replace("]", "\\]")
    return f"[{label}](https://arxiv.org/list/{quote(category, safe='')}/recent)"


def _link(label: str, url: str | None) -> str | None:
    target = safe_url(url)
    return f"[{label}]({target})" if target else None


# ---------------------------------------------------------------- posts


def _x_post(post: TopPost) -> str:
    """X's oEmbed blockquote and the widgets script line, as the blog embedded tweets."""
    lang = post.lang if post.lang and _LANG.match(post.lang) else "und"
    direction = "rtl" if lang.split("-")[0].lower() in _RTL_LANGS else "ltr"
    handle = post.author_handle
    if _HANDLE.match(handle) and _DIGITS.match(post.post_id):
        status = f"https://twitter.com/{handle}/status/{post.post_id}?ref_src=twsrc%5Etfw"
    else:
        status = safe_url(post.url) or ""
    date_link = _html(_day_text(post.created_at))
    if status:
        date_link = f'<a href="{_html(status)}">{date_link}</a>'
    return (
        f'<blockquote class="twitter-tweet"><p lang="{lang}" dir="{direction}">{_tweet_html(post.text, post.entities)}'
        f"</p>&mdash; {_html(post.author_name)} (@{_html(handle)}) {date_link}</blockquote>\n{WIDGETS_SCRIPT}\n"
    )


def _tweet_html(text: str, entities: Iterable[TextEntity]) -> str:
    """The text with its entities as links and everything else escaped, as oEmbed writes it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    position = 0
    for entity in sorted(entities, key=lambda e: (e.start, e.end)):
        if entity.start < position or not entity.start < entity.end <= len(text):
            continue  # overlapping or out of range: leave the text as text
        anchor = _entity_anchor(entity, text[entity.start : entity.end])
        if anchor is None:
            continue
        out.append(_tweet_text(text[position : entity.start]))
        out.append(anchor)
        position = entity.end
    out.append(_tweet_text(text[position:]))
    return "".join(out)


def _entity_anchor(entity: TextEntity, shown: str) -> str | None:
    if entity.kind == "url":
        target = safe_url(entity.url)
        if not target:
            return None
        display = entity.display_url or ""
        visible = display if display.startswith(_MEDIA_DISPLAY) else entity.url or ""
        return f'<a href="{_html(target)}">{_html(visible)}</a>'
    if entity.kind == "mention" and entity.username and _HANDLE.match(entity.username):
        return f'<a href="https://twitter.com/{entity.username}?ref_src=twsrc%5Etfw">{_html(shown)}</a>'
    if entity.kind == "hashtag" and entity.tag:
        tag = quote(entity.tag, safe="")
        return f'<a href="https://twitter.com/hashtag/{tag}?src=hash&amp;ref_src=twsrc%5Etfw">{_html(shown)}</a>'
    return None


def _tweet_text(text: str) -> str:
    return _html(text).replace("\n", "<br>")


def _other_post(post: TopPost) -> str:
    """A post from a source the blog did not have: a Markdown blockquote with its text and a link."""
    lines = post.text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n") if post.text else []
    quoted = [f"> {_block_line(_inline(line.strip()))}".rstrip() if line.strip() else ">" for line in lines]
    who = _inline(post.author_name) if post.author_name else ""
    handle = f"(@{_inline(post.author_handle)})" if post.author_handle else ""
    label = f"{SOURCE_LABELS.get(post.source, _inline(post.source))}, {_day_text(post.created_at)}"
    target = safe_url(post.url)
    where = f"[{label}]({target})" if target else label
    byline = " ".join(part for part in ("&mdash;", who, handle, where) if part)
    if quoted:
        quoted.append(">")
    return "\n".join([*quoted, f"> {byline}"]) + "\n"


def _day_text(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


# ---------------------------------------------------------------- escaping


def safe_url(url: str | None) -> str | None:
    """`url` made safe as a Markdown link destination or HTML attribute, or None unless it is http(s)."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Percent-encode what could end a Markdown destination or an attribute (space, quotes, parentheses, <>).
    return quote(url, safe=":/?#[]@!$&*+,;=%~-._")


def _html(text: str) -> str:
    """Text for HTML, escaped as X's oEmbed escapes it."""
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_TAG_OPENER = re.compile(r"<(?=[A-Za-z/!?])")
_EMAIL_AT = re.compile(r"(?<=[\w.+-])@(?=[\w-])")
_BLOCK_START = re.compile(r"^([#>+*=`~|\[_-])")
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])")


def _inline(text: str) -> str:
    """Markdown text on one line that renders as the same characters and never as markup that matters."""
    text = " ".join(text.splitlines())
    # The `in` tests skip a regex scan for the (most) texts without the character: a rebuild
    # runs this on every title, author and post of five years.
    if "&" in text:
        text = _ENTITY_LIKE.sub("&amp;", text)
    if "<" in text:
        text = _TAG_OPENER.sub("&lt;", text)
    text = text.replace("](", "]\\(")
    return _EMAIL_AT.sub("\\\\@", text) if "@" in text else text


def _block_line(text: str) -> str:
    """A line whose start cannot open a Markdown block (heading, quote, list, code, table, definition)."""
    text = text.lstrip()
    text = _BLOCK_START.sub(r"\\\1", text)
    return _ORDERED_START.sub(r"\1\\\2", text)
