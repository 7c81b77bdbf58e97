"""Digests of edge cases for the site's tests: hostile text in every untrusted field, texts past the
page's limit, formulas."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from hotpapers.core.digest import Digest, TextEntity, TopPost
from hotpapers.publish.site import TEXT_LIMIT
from tests.support.site_data import sample_digest, with_paper

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SINGLE = "' onmouseover='alert(1)' x='"
RLO = "\u202egnp.exe"  # RIGHT-TO-LEFT OVERRIDE: renders as "exe.png"
ZERO_WIDTH = "zero\u200bwidth\ufeffjoined"
LATEX = r"$\omega$-regular languages and \textbf{x} \cite{foo} with $O(n^2)$ & <T>"
# TeX that must never become markup: a link, a script, a character from \unicode, quotes that would
# break out of an attribute, 10,000 open braces; and benign formulas that must become MathML.
TEX_HOSTILE = (
    r"$\href{javascript:alert(1)}{x}$",
    "$<script>alert(1)</script>$",
    r"$\unicode{x3C}script\unicode{x3E}$",
    '$a" onmouseover="alert(1)$',
    r"$\text{' onfocus='alert(1)}$",
    r"$\style{background:url(javascript:alert(1))}{x}$",
    "$" + "{" * 10_000 + "$",
)
TEX_BENIGN = (r"$\omega$", r"$10~\rm{fb}^{-1}$", r"$\sqrt{s}=13$")
TEX_SPAM = "We show that the value of $a$ stays small. " * 2_440  # 100 KB of formulas in English prose (the Nu
# checker guesses a page's language from its text: "$a$ " alone read as Norwegian)
CJK = "注意力机制 トランスフォーマー 주의"
EMOJI = "🔥 papers 👩‍🔬 🏃🏻💨"
CONTROL = "bell\x07null\x00esc\x1bnonchar\ufffe\U0010ffff"
BAD_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.domain)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "https://user:pass@evil.example/",
    "https://exa mple.com/",
]
QUOTED_URL = "https://example.org/search?q=\"><script>alert(1)</script>&x='y'"
# Constructs latex2mathml writes for arXiv-style TeX: scripts, fractions, roots, fences, accents,
# matrices, spaces, fonts, operators with limits, \not, \boxed, and a display formula.
FORMULAS = (
    r"$\omega$",
    r"$10~\rm{fb}^{-1}$",
    r"$\sqrt{s}=13$",
    r"$\frac{1}{2}\sqrt[3]{x}$",
    r"$\left(\frac{a}{b}\right)^{2}$",
    r"$\hat{x}\,\bar{y}\;\vec{v}\!\tilde{O}(\varepsilon^{-2})$",
    r"$\begin{pmatrix}a&b\\c&d\end{pmatrix}$",
    r"$\mathbb{R}^n\mathcal{O}(n\log n)\mathbf{x}\mathrm{d}x$",
    r"$\sum_{i=1}^{n}x_i^2\lim_{n\to\infty}\int_0^1$",
    r"$a\not=b\leq c\lesssim d$",
    r"$\boxed{x}\cancel{y}\overbrace{z}^{3}\underbrace{w}_{4}$",
    r"$\binom{n}{k}\text{ for all } k\quad\|x\|_2$",
    r"$\color{red}{x}\textstyle\displaystyle\sum x$",
    r"$$E=mc^2$$",
    r"\(x^2\) and \[y_1\]",
)


def formula_digest():
    """A day whose first paper's title and abstract carry the formulas above (for the Nu checker)."""
    digest = sample_digest()
    first = with_paper(
        digest.papers[0],
        title=r"On $\omega$-regular games at $\sqrt{s}=13$ TeV with \textapprox 2\% loss",
        abstract=" text, ".join(FORMULAS) + r" and $\bertbase$, an unknown macro, and $a unbalanced dollar.",
    )
    return replace(digest, papers=(first, *digest.papers[1:]))


def hostile_digest() -> Digest:
    base = sample_digest().papers[0]
    text, entities = text_with_links(f"{SCRIPT} {IMG} {SINGLE} {RLO} {ZERO_WIDTH} {CJK} {EMOJI} {CONTROL}", BAD_URLS)
    good_text, good_entities = text_with_links("quoted url:", [QUOTED_URL])
    mention_start = len(good_text) + 1
    good_text += ' @"><b>x'
    good_entities += (
        TextEntity("mention", mention_start, mention_start + 8, username='"><b>x'),
        TextEntity("hashtag", 0, 6, tag="quoted url"),  # overlaps nothing; a tag with a space is no link
        TextEntity("url", 3, 2, "https://t.co/backwards", "https://ok.example/"),  # nonsense span: ignored
        TextEntity("url", 500, 600, "https://t.co/outside", "https://ok.example/"),  # outside the text
    )
    posts = (
        post_with(text, entities),
        post_with(good_text, good_entities, url="javascript:alert(1)", lang='en" onload="x', post_id="2"),
        post_with(
            LATEX, (), source="bluesky", url="data:text/html,<script>alert(1)</script>", author_name="", lang="zz-"
        ),
        post_with(
            CJK,
            (),
            source="hackernews",
            url=" JAVASCRIPT:alert(1)",
            author_handle=SINGLE,
            kind="story",
            metrics={"points": 5},
        ),
    )
    paper = with_paper(
        base,
        rank=1,
        arxiv_id="2105.14103",
        title=f"{SCRIPT} {IMG} {RLO} {LATEX}",
        authors=(SCRIPT, IMG, SINGLE, RLO, ZERO_WIDTH, CJK, EMOJI, CONTROL),
        categories=("cs.LG", '"><script>', "javascript:alert(1)"),
        abstract=f"{LATEX} {SCRIPT} {RLO} {ZERO_WIDTH} {CJK} {EMOJI} {CONTROL}",
        abs_url="javascript:alert(1)",
        pdf_url="data:application/pdf;base64,JVBERi0=",
        comment=f"{SCRIPT} {RLO}",
        journal_ref=IMG,
        doi='10.1000/"><script>',
        engagement={"x": {"posts": 2, "retweets": 20, "likes": 40, "score": 60}, f"{SCRIPT}": {"posts": 1, IMG: 3}},
        top_posts=posts,
    )
    tex = with_paper(
        base,
        rank=3,
        arxiv_id="2106.00004",
        title=" ".join((TEX_BENIGN[0], *TEX_HOSTILE)),  # a title is never cut: the 10,000 braces reach the page
        authors=("TeX",),
        abstract=" ".join(TEX_BENIGN + TEX_HOSTILE[:-1]),
        categories=(),
        top_posts=(),
        engagement={},
    )
    spam = with_paper(tex, rank=4, arxiv_id="2106.00005", title=TEX_SPAM, abstract=TEX_SPAM)
    second = with_paper(
        base,
        rank=2,
        arxiv_id="hep-th/9901001",
        title=EMOJI,
        authors=(),
        abstract="",
        abs_url="https://arxiv.org/abs/hep-th/9901001",
        pdf_url="",
        categories=(),
        top_posts=(),
        engagement={},
    )
    return Digest(
        day=date(2021, 6, 1),
        as_of=datetime(2021, 6, 2, 9, 38, tzinfo=UTC),
        papers=(paper, second, tex, spam),
        candidates=4,
    )


def long_text_digest() -> Digest:
    """One paper with a 100 KB abstract and a 100 KB post whose links straddle and follow the cut."""
    base = sample_digest().papers[0]
    # 13 characters short of the limit: the link after it does not fit.
    words = "the attention of readers " * (TEXT_LIMIT // 25 - 1) + "and readers "
    text = words + "https://t.co/straddles " + "and then some more text " * 4_000 + "https://t.co/after"
    entities = (
        TextEntity("url", len(words), len(words) + 22, "https://t.co/straddles", "https://example.org/a"),
        TextEntity("url", len(text) - 18, len(text), "https://t.co/after", "https://example.org/b"),
    )
    post = post_with(text, entities, author_name="Long", author_handle="long_poster")
    paper = with_paper(base, abstract="the model reads every word " * 4_000 + "x" * 5000, top_posts=(post,))
    return Digest(day=date(2021, 6, 1), as_of=None, papers=(paper,), candidates=1)


def post_with(text: str, entities: tuple[TextEntity, ...], **changes: object) -> TopPost:
    post = TopPost(
        source="x",
        post_id="1399536327260086281",
        url="https://twitter.com/ak92501/status/1399536327260086281",
        author_name=f"{SCRIPT} {RLO}",
        author_handle=IMG,
        text=text,
        created_at=datetime(2021, 6, 1, 12, tzinfo=UTC),
        kind="post",
        metrics={"retweets": 10, "likes": 20, "quotes": 0, "replies": 0},
        score=30,
        lang="en",
        entities=entities,
    )
    return replace(post, **changes)


def text_with_links(prefix: str, urls: list[str]) -> tuple[str, tuple[TextEntity, ...]]:
    """A post text holding one t.co link per URL, each entity expanding to that URL."""
    text, entities = prefix, []
    for number, url in enumerate(urls):
        short = f"https://t.co/bad{number}"
        text += " "
        entities.append(TextEntity("url", len(text), len(text) + len(short), short, url, url))
        text += short
    return text, tuple(entities)
