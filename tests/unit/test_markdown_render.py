"""The Markdown export: the blog's format for every source, and untrusted text kept inert."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from hotpapers.core.digest import Digest, RankedPaper, TextEntity, TopPost
from hotpapers.core.models import Paper
from hotpapers.publish.markdown import WIDGETS_SCRIPT, render_markdown, safe_url
from tests.support.site_data import with_paper

pytestmark = pytest.mark.unit

DAY = date(2021, 6, 1)
AS_OF = datetime(2021, 6, 2, 9, 38, 11, tzinfo=UTC)


def tweet(text: str, entities: tuple[TextEntity, ...] = (), **changes: object) -> TopPost:
    base = TopPost(
        source="x",
        post_id="1399536327260086281",
        url="https://x.com/ak92501/status/1399536327260086281",
        author_name="AK",
        author_handle="ak92501",
        text=text,
        created_at=datetime(2021, 6, 1, 0, 59, 49, tzinfo=UTC),
        kind="post",
        metrics={"retweets": 1, "likes": 2, "quotes": 0, "replies": 0},
        score=3,
        lang="en",
        entities=entities,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def ranked(**changes: object) -> RankedPaper:
    """The sample paper, with `changes` to its ranking's fields or to its paper's (title, abstract, …)."""
    paper = Paper(
        arxiv_id="2105.14103",
        version=1,
        title="An Attention Free Transformer",
        authors=("Shuangfei Zhai", "Walter Talbott"),
        categories=("cs.LG", "cs.CL"),
        abstract="We introduce Attention Free Transformer (AFT).",
        abs_url="https://arxiv.org/abs/2105.14103",
        pdf_url="https://arxiv.org/pdf/2105.14103",
        published=datetime(2021, 5, 31, 17, tzinfo=UTC),
        updated=None,
    )
    base = RankedPaper(
        rank=1,
        paper=paper,
        score=10047,
        engagement={"x": {"posts": 1, "retweets": 10042, "likes": 5, "quotes": 0, "replies": 0, "score": 10047}},
        top_posts=(tweet("An Attention Free Transformer"),),
        as_of=AS_OF,
    )
    return with_paper(base, **changes)


def render(*papers: RankedPaper, as_of: datetime | None = AS_OF) -> str:
    return render_markdown(Digest(day=DAY, as_of=as_of, papers=papers, candidates=len(papers)))


def body_lines(text: str) -> list[str]:
    return text.split("---\n", 2)[2].split("\n")


def test_a_paper_in_the_blogs_exact_layout() -> None:
    text = render(ranked())
    assert text.startswith('---\ntitle: Hot Papers 2021-06-01\ndate: 2021-06-02T09:38:11.Z\ntemplate: "post"\n')
    assert body_lines(text) == [
        "",
        "# 1. An Attention Free Transformer",
        "",
        "Shuangfei Zhai, Walter Talbott",
        "",
        "- retweets: 10042, favorites: 5 (06/02/2021 09:38:11)",
        "",
        "- links: [abs](https://arxiv.org/abs/2105.14103) | [pdf](https://arxiv.org/pdf/2105.14103)",
        "- [cs.LG](https://arxiv.org/list/cs.LG/recent) | [cs.CL](https://arxiv.org/list/cs.CL/recent)",
        "",
        "We introduce Attention Free Transformer (AFT).",
        "",
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">An Attention Free Transformer</p>&mdash; AK '
        '(@ak92501) <a href="https://twitter.com/ak92501/status/1399536327260086281?ref_src=twsrc%5Etfw">'
        "June 1, 2021</a></blockquote>",
        WIDGETS_SCRIPT,
        "",
        "",
        "",
        "",
    ]


def test_an_x_post_is_escaped_and_linked_as_oembed_does() -> None:
    text = 'Hi @GoogleAI & <team>: "it\'s" #NeurIPS2020\nhttps://t.co/abcdefghij https://t.co/klmnopqrst'
    at = {word: (text.index(word), text.index(word) + len(word)) for word in ("@GoogleAI", "#NeurIPS2020", "https")}
    entities = (
        TextEntity("mention", *at["@GoogleAI"], username="GoogleAI"),
        TextEntity("hashtag", *at["#NeurIPS2020"], tag="NeurIPS2020"),
        TextEntity("url", at["https"][0], at["https"][0] + 23, url="https://t.co/abcdefghij", expanded_url="x"),
        TextEntity("url", len(text) - 23, len(text), url="https://t.co/klmnopqrst", display_url="pic.twitter.com/kl"),
    )
    html = render(ranked(top_posts=(tweet(text, entities),)))
    assert (
        '<p lang="en" dir="ltr">Hi <a href="https://twitter.com/GoogleAI?ref_src=twsrc%5Etfw">@GoogleAI</a> '
        "&amp; &lt;team&gt;: &quot;it&#39;s&quot; "
        '<a href="https://twitter.com/hashtag/NeurIPS2020?src=hash&amp;ref_src=twsrc%5Etfw">#NeurIPS2020</a><br>'
        '<a href="https://t.co/abcdefghij">https://t.co/abcdefghij</a> '
        '<a href="https://t.co/klmnopqrst">pic.twitter.com/kl</a></p>'
    ) in html


def test_only_http_links_survive_in_a_post() -> None:
    text = "javascript:alert(1) and @bad"
    entities = (
        TextEntity("url", 0, 19, url="javascript:alert(1)"),
        TextEntity("mention", 24, 28, username='bad" onclick="x'),
        TextEntity("url", 40, 50, url="https://t.co/x"),  # out of range: ignored
    )
    html = render(ranked(top_posts=(tweet(text, entities, author_name='<img src=x onerror="y">'),)))
    assert '<p lang="en" dir="ltr">javascript:alert(1) and @bad</p>' in html
    assert "&mdash; &lt;img src=x onerror=&quot;y&quot;&gt; (@ak92501)" in html
    assert "<img" not in html and "javascript:alert(1)</a>" not in html


def test_a_right_to_left_or_unknown_language() -> None:
    assert '<p lang="ar" dir="rtl">' in render(ranked(top_posts=(tweet("مرحبا", lang="ar"),)))
    assert '<p lang="und" dir="ltr">' in render(ranked(top_posts=(tweet("x", lang=None),)))
    assert '<p lang="und" dir="ltr">' in render(ranked(top_posts=(tweet("x", lang='en" onload="x'),)))


def test_untrusted_titles_authors_and_abstracts_cannot_inject_markup() -> None:
    text = render(
        ranked(
            title="<script>alert(1)</script> & R&D &amp; [x](javascript:alert(1))",
            authors=("- Mallory", "<b>Eve</b>"),
            abstract="> quoted? <!-- c --> a < b, x>1, mail me@example.org, ![i](http://t/i.png) &#60;",
            categories=("cs.LG", "evil](javascript:x)"),
        )
    )
    lines = body_lines(text)
    assert lines[1] == "# 1. &lt;script>alert(1)&lt;/script> & R&D &amp;amp; [x]\\(javascript:alert(1))"
    assert lines[3] == "\\- Mallory, &lt;b>Eve&lt;/b>"
    assert lines[8] == (
        "- [cs.LG](https://arxiv.org/list/cs.LG/recent) | "
        "[evil\\]\\(javascript:x)](https://arxiv.org/list/evil%5D%28javascript%3Ax%29/recent)"
    )
    assert lines[10] == (
        "\\> quoted? &lt;!-- c --> a < b, x>1, mail me\\@example.org, ![i]\\(http://t/i.png) &amp;#60;"
    )
    assert "<script>" not in text and "<b>" not in text and "<!--" not in text


def test_only_http_links_are_link_targets() -> None:
    text = render(ranked(abs_url="javascript:alert(1)", pdf_url="https://arxiv.org/pdf/2105.14103 (v2)"))
    assert "- links: [pdf](https://arxiv.org/pdf/2105.14103%20%28v2%29)\n" in text
    assert safe_url("HTTPS://example.org/a?b=1&c=2") == "HTTPS://example.org/a?b=1&c=2"
    assert safe_url("data:text/html,hi") is None and safe_url("//example.org") is None and safe_url(None) is None


def test_lines_that_would_open_a_block_are_escaped() -> None:
    for abstract, line in [
        ("# Heading", "\\# Heading"),
        ("1. First", "1\\. First"),
        ("2021) was", "2021\\) was"),
        ("* star", "\\* star"),
        ("[ref]: http://x", "\\[ref]: http://x"),
        ("    code", "code"),
        ("|a|b|", "\\|a|b|"),
    ]:
        assert body_lines(render(ranked(abstract=abstract)))[10] == line


def test_other_sources_get_their_own_lines_and_a_plain_blockquote() -> None:
    story = TopPost(
        source="hackernews",
        post_id="27000001",
        url="https://news.ycombinator.com/item?id=27000001",
        author_name="pg",
        author_handle="pg",
        text="An Attention Free Transformer [pdf]\n\n> <i>quote</i>",
        created_at=datetime(2021, 6, 1, 8, tzinfo=UTC),
        kind="story",
        metrics={"points": 120, "comments": 40},
        score=160,
    )
    paper = ranked(
        engagement={
            "hackernews": {"posts": 1, "points": 120, "comments": 40, "score": 160},
            "huggingface": {"posts": 1, "upvotes": 30, "comments": 2, "score": 32},
        },
        top_posts=(story, replace(story, source="bluesky", url="javascript:x", author_handle="")),
    )
    lines = body_lines(render(paper))
    assert lines[5:9] == [
        "- retweets: 0, favorites: 0 (06/02/2021 09:38:11)",
        "- Hacker News: points: 120, comments: 40",
        "- Hugging Face: upvotes: 30, comments: 2",
        "",
    ]
    assert lines[14:26] == [
        "> An Attention Free Transformer [pdf]",
        ">",
        "> \\> &lt;i>quote&lt;/i>",
        ">",
        "> &mdash; pg (@pg) [Hacker News, June 1, 2021](https://news.ycombinator.com/item?id=27000001)",
        "",
        "> An Attention Free Transformer [pdf]",
        ">",
        "> \\> &lt;i>quote&lt;/i>",
        ">",
        "> &mdash; pg Bluesky, June 1, 2021",
        "",
    ]


def test_a_digest_without_as_of_is_dated_at_the_end_of_its_day() -> None:
    text = render(ranked(as_of=None), as_of=None)
    assert "date: 2021-06-02T00:00:00.Z\n" in text
    assert "- retweets: 10042, favorites: 5 (06/02/2021 00:00:00)" in text


def test_the_same_digest_renders_the_same_bytes() -> None:
    assert render(ranked()) == render(ranked())
