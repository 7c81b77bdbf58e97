"""TeX in titles and abstracts: MathML on pages, escaped source on any failure, TeX kept in the exports.

The examples are real arXiv text (tests/fixtures: the 2021-06-01 post's `$10~\\rm{fb}^{-1}$` and
`\\textapprox20\\%`, the arXiv API fixtures' formulas); the hostile ones are what the XSS corpus
feeds every page (test_site_xss.py).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotpapers.core.digest import DigestSummary
from hotpapers.publish.render_plan import day_exports, render_site
from hotpapers.publish.site import math as site_math
from hotpapers.publish.site.math import (
    MAX_FORMULA_CHARS,
    MAX_FORMULAS,
    MAX_NESTING,
    MAX_TEXT_CHARS,
    formula_markup,
    split_tex,
    tex_markup,
)
from tests.support.edge_case_digests import FORMULAS
from tests.support.site_data import SITE, by_key, sample_digest, sample_papers, scan, with_paper

pytestmark = pytest.mark.unit

MATHML = "http://www.w3.org/1998/Math/MathML"
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[a-z-]+=\"[^\"<>]*\")*)\s*>")


def tree(markup: str) -> ET.Element:
    """The markup read back by a strict XML parser, with the MathML namespace every <math> gets in HTML."""
    return ET.fromstring(f"<p>{markup.replace('<math', f'<math xmlns={chr(34)}{MATHML}{chr(34)}')}</p>")


def tags(markup: str) -> list[str]:
    return [name for closing, name, _ in TAG.findall(markup) if not closing]


def shown(markup: str) -> str:
    return scan(str(markup).encode("utf-8")).text


@pytest.fixture(autouse=True)
def fresh_caches():
    tex_markup.cache_clear()
    formula_markup.cache_clear()
    yield
    tex_markup.cache_clear()
    formula_markup.cache_clear()


# ------------------------------------------------------------------ real arXiv text


def test_a_greek_letter_becomes_an_identifier() -> None:
    markup = tex_markup(r"The $\omega$-regular languages")
    assert markup == "The <math><mrow><mi>ω</mi></mrow></math>-regular languages"


def test_an_integrated_luminosity_with_a_tilde_and_rm() -> None:
    markup = str(tex_markup(r"events corresponding to $10~\rm{fb}^{-1}$ of collisions"))
    math = tree(markup).find(f"{{{MATHML}}}math")
    assert math is not None
    names = [e.tag.split("}")[1] for e in math.iter()]
    assert names[:5] == ["math", "mrow", "mn", "mtext", "msup"]
    assert math.find(f".//{{{MATHML}}}mtext").text == "\u00a0"  # ~ is a (no-break) space
    upright = [e.text for e in math.iter(f"{{{MATHML}}}mi") if e.get("mathvariant") == "normal"]
    assert upright == ["f", "b"]
    assert shown(markup) == "events corresponding to 10\u00a0fb−1 of collisions"


def test_a_formula_then_plain_units() -> None:
    markup = str(tex_markup(r"at $\sqrt{s}=13$ TeV"))
    assert tags(markup) == ["math", "mrow", "msqrt", "mrow", "mi", "mo", "mn"]
    assert markup.endswith("</math> TeV") and shown(markup) == "at s=13 TeV"


def test_text_mode_macros_of_real_abstracts() -> None:
    abstract = next(p.abstract for p in sample_papers() if r"\textapprox" in p.abstract)
    shown_text = shown(tex_markup(abstract))
    assert "with ≈20% of remaining weights" in shown_text and "up to ≈3.69x speedup" in shown_text
    assert r"\bertbase" in shown_text  # an author's own macro stays as it was written
    assert shown(tex_markup(r"$\textapprox 3$")) == "≈3"  # and inside math
    assert shown(tex_markup(r"$a\not= b$, $x \not\in S$")) == "a≠b, x∉S"  # one symbol, not an overlaid slash


def test_escaped_dollars_and_prices_are_text() -> None:
    assert tex_markup(r"costs \$5 and \$10") == "costs $5 and $10"
    assert tex_markup("costs $5 and $10 a month") == "costs $5 and $10 a month"  # pandoc's rule
    assert tex_markup("$ x $") == "$ x $"  # a space inside either dollar: not math
    assert "<math" in tex_markup(r"$x\$y$")  # \$ inside math is a dollar sign, not the end


def test_unbalanced_and_odd_delimiters_stay_text() -> None:
    assert tex_markup("an unbalanced $x here") == "an unbalanced $x here"
    assert tex_markup(r"a \( that never closes") == r"a \( that never closes"
    assert tex_markup("$$") == "$$" and tex_markup("$$$") == "$$$"
    markup = str(tex_markup(r"a \(x^2\) b \[y\] c $$z$$ d"))
    assert [m.get("display") for m in tree(markup).iter(f"{{{MATHML}}}math")] == [None, "block", "block"]


def test_segments_give_the_text_back() -> None:
    text = r"a $x$ b \$ $$y$$ \(z\) $unclosed"
    segments = split_tex(text)
    assert "".join(s.source for s in segments) == text
    assert [s.tex for s in segments if s.tex is not None] == ["x", "y", "z"]


def test_every_formula_of_the_fixtures_converts() -> None:
    """The arXiv API fixtures and the blog's posts: every TeX span becomes MathML, none falls back."""
    from pathlib import Path

    from hotpapers_local.sample import parse_hot_papers_post

    fixtures = Path(__file__).parents[1] / "fixtures"
    texts = [t for p in sample_papers() for t in (p.title, p.abstract)]
    for path in sorted((fixtures / "hotpapers-posts").glob("*.md")):
        texts += [t for p in parse_hot_papers_post(path.read_text(encoding="utf-8")) for t in (p.title, p.abstract)]
    atom = "{http://www.w3.org/2005/Atom}"
    for path in sorted((fixtures / "arxiv-api").glob("*.xml")):
        for entry in ET.parse(path).getroot().iter(f"{atom}entry"):
            texts += [entry.findtext(f"{atom}title") or "", entry.findtext(f"{atom}summary") or ""]
    spans = [s for t in texts for s in split_tex(t) if s.tex is not None]
    assert len(spans) >= 100
    assert [s.source for s in spans if formula_markup(s.tex, s.display) is None] == []


# ------------------------------------------------------------------ the fallback path


def test_what_the_converter_leaves_unknown_falls_back_to_the_source() -> None:
    assert tex_markup(r"with $\bertbase$ and $x$") == (r"with $\bertbase$ and <math><mrow><mi>x</mi></mrow></math>")


def test_a_converter_failure_or_recursion_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import latex2mathml.converter

    def explode(latex: str, **_: object) -> str:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(latex2mathml.converter, "convert", explode)
    assert tex_markup(r"a $\omega$ b") == r"a $\omega$ b"
    monkeypatch.setattr(latex2mathml.converter, "convert", lambda latex, **_: 1 / 0)
    assert tex_markup(r"a $\alpha$ b") == r"a $\alpha$ b"


def test_nesting_and_length_are_checked_before_converting(monkeypatch: pytest.MonkeyPatch) -> None:
    import latex2mathml.converter

    calls: list[str] = []
    real = latex2mathml.converter.convert
    monkeypatch.setattr(latex2mathml.converter, "convert", lambda latex, **kw: calls.append(latex) or real(latex, **kw))
    deep = "$" + "{" * (MAX_NESTING + 1) + "x" + "}" * (MAX_NESTING + 1) + "$"
    assert tex_markup(deep) == deep and calls == []
    huge = "$" + "{" * 10_000 + "$"
    assert tex_markup(huge) == huge and calls == []
    left = "$" + r"\left(" * (MAX_NESTING + 1) + "x" + r"\right)" * (MAX_NESTING + 1) + "$"
    assert tex_markup(left) == left and calls == []
    long = "$" + "x+" * (MAX_FORMULA_CHARS // 2) + "x$"
    assert tex_markup(long) == long and calls == []
    fine = "$" + "{" * MAX_NESTING + "x" + "}" * MAX_NESTING + "$"
    assert "<math" in tex_markup(fine) and len(calls) == 1


def test_only_the_first_formulas_of_a_text_convert_and_huge_texts_none() -> None:
    many = " ".join(["$a$"] * (MAX_FORMULAS + 5))
    markup = str(tex_markup(many))
    assert markup.count("<math>") == MAX_FORMULAS and markup.endswith("$a$ $a$ $a$ $a$ $a$")
    spam = "$a$ " * 25_600  # 100 KB of spans
    assert len(spam) > MAX_TEXT_CHARS and tex_markup(spam) == spam


def test_conversion_is_deterministic_and_memoized() -> None:
    text = r"$\sqrt{s}=13$ TeV"
    first = tex_markup(text)
    assert formula_markup.cache_info().misses == 1
    tex_markup.cache_clear()
    assert tex_markup(text) == first and formula_markup.cache_info().hits == 1


# ------------------------------------------------------------------ the whitelist


@pytest.mark.parametrize(
    "hostile",
    [
        r"$\href{javascript:alert(1)}{x}$",
        r"$\style{color:red}{x}$",
        r"$\class{evil}{x}$",
        r"$\text{<b>bold</b>}$",
        r"$\text{<img src=x onerror=alert(1)>}$",
        r"$\unicode{x202E}x$",
        r"$\unicode{x0}$",
        r"$\text{&lt;script&gt;}$",
    ],
)
def test_hostile_constructs_fall_back_to_their_escaped_source(hostile: str) -> None:
    markup = str(tex_markup(hostile))
    assert "<math" not in markup
    assert shown(markup) == hostile  # the reader sees exactly what was sent
    assert "<" not in markup and "javascript:alert" not in markup.replace("{javascript:alert", "")


def test_script_inside_math_is_letters_and_operators() -> None:
    markup = str(tex_markup("$<script>alert(1)</script>$"))
    assert "<script" not in markup and set(tags(markup)) <= {"math", "mrow", "mi", "mo", "mn"}
    assert shown(markup) == "<script>alert(1)</script>"


def test_colours_are_dropped_and_bad_values_left_out() -> None:
    markup = str(tex_markup(r"$\color{white}{x} \colorbox{red}{y}$"))
    assert "<math" in markup and "mathcolor" not in markup and "mathbackground" not in markup
    assert 'width="negativethinmathspace"' not in str(tex_markup(r"$a\!b$"))


@pytest.mark.parametrize(
    "converted",
    [
        '<math xmlns="{ns}"><mrow onclick="alert(1)"><mi>a</mi></mrow></math>',
        '<math xmlns="{ns}"><mrow href="javascript:alert(1)"><mi>a</mi></mrow></math>',
        '<math xmlns="{ns}" xmlns:xl="http://www.w3.org/1999/xlink"><mi xl:href="https://x.example/">a</mi></math>',
        '<math xmlns="{ns}"><mi style="color:red">a</mi></math>',
        '<math xmlns="{ns}"><script>alert(1)</script></math>',
        '<math xmlns="{ns}"><semantics><mi>a</mi><annotation-xml><svg/></annotation-xml></semantics></math>',
        '<math xmlns="{ns}"><maction actiontype="statusline"><mi>a</mi><mi>b</mi></maction></math>',
        '<math xmlns="{ns}"><mrow xmlns="http://www.w3.org/2000/svg"><mi>a</mi></mrow></math>',
        '<math xmlns="{ns}"><mrow>text between<mi>a</mi></mrow></math>',
        '<math xmlns="{ns}"><mrow><mi>a</mi>tail</mrow></math>',
        '<!DOCTYPE math [<!ENTITY x "y">]><math xmlns="{ns}"><mi>&x;</mi></math>',
        '<math xmlns="{ns}"><mi>a</mi></math><script>alert(1)</script>',
        '<math xmlns="{ns}"><mi>\\textapprox</mi></math>',
        '<math xmlns="{ns}"><mi>a</mi><mi>b</mi>' + "<mrow>" * 60 + "</mrow>" * 60 + "</math>",
    ],
)
def test_whatever_the_converter_writes_only_whitelisted_markup_is_emitted(
    monkeypatch: pytest.MonkeyPatch, converted: str
) -> None:
    import latex2mathml.converter

    monkeypatch.setattr(latex2mathml.converter, "convert", lambda latex, **_: converted.replace("{ns}", MATHML))
    assert formula_markup("a") is None
    assert tex_markup("$a$") == "$a$"


def test_a_value_outside_its_pattern_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    import latex2mathml.converter

    converted = (
        f'<math xmlns="{MATHML}" display="inline"><mi mathvariant="url(javascript:x)">a</mi>'
        '<mo stretchy="true" fence="maybe" form="prefix">(</mo><mspace width="1em&quot; onclick=&quot;x"/></math>'
    )
    monkeypatch.setattr(latex2mathml.converter, "convert", lambda latex, **_: converted)
    assert formula_markup("a") == '<math><mi>a</mi><mo form="prefix" stretchy="true">(</mo><mspace></mspace></math>'


ALLOWED_ATTRIBUTE = re.compile(rf"\s+({'|'.join(site_math.MATHML_ATTRIBUTES)})=\"[^\"<>&]*\"")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(list("$\\{}^_~<>&\"'=()[] ax1;#") + r"\href \text \frac \left \right &lt;".split()),
        max_size=40,
    ).map("".join)
)
def test_any_input_gives_well_formed_whitelisted_markup(text: str) -> None:
    markup = str(tex_markup(text))
    for _closing, name, attributes in TAG.findall(markup):
        assert name in site_math.MATHML_ELEMENTS, name
        assert ALLOWED_ATTRIBUTE.sub("", attributes).strip() == "", attributes
    tree(markup)  # well-formed: every < is a tag of ours, every & an entity
    assert not re.search(r"<(?!/?m|/?none)", markup)


# ------------------------------------------------------------------ pages, feeds and exports


def test_every_formula_of_the_validator_page_converts() -> None:
    for formula in FORMULAS:
        assert "<math" in tex_markup(formula), formula


def tex_digest():
    digest = sample_digest()
    first = with_paper(
        digest.papers[0],
        title=r"Bounds for $\omega$-regular games at $\sqrt{s}=13$ TeV",
        abstract=r"We use $10~\rm{fb}^{-1}$ of data, with \textapprox20\% fewer weights and \$5 of compute.",
    )
    return replace(digest, papers=(first, *digest.papers[1:]))


def test_pages_show_mathml_while_feeds_titles_and_exports_keep_the_tex() -> None:
    digest = tex_digest()
    paper = digest.papers[0].paper
    objects = by_key(render_site({digest.day: digest}, [DigestSummary.of(digest)], SITE))
    day = objects["digests/2021-06-01/index.html"].body.decode("utf-8")
    assert day.count("<math>") >= 4  # title in the contents and on the card, abstract
    assert "with ≈20% fewer weights and $5 of compute." in shown(day)
    description = re.search(r'<meta name="description" content="([^"]*)"', day)
    assert description is not None and r"$\omega$-regular" in description.group(1)
    for key in ("index.html", "archive/2021-06/index.html", "categories/cs.LG/index.html"):
        assert "<math>" in objects[key].body.decode("utf-8"), key
    for key in ("feed.xml", "sitemap.xml"):
        body = objects[key].body.decode("utf-8")
        assert "<math" not in body and "&lt;math" not in body, key
    assert r"$\omega$-regular" in objects["feed.xml"].body.decode("utf-8")

    exports = {o.key: o.body.decode("utf-8") for o in day_exports(digest, "public, max-age=60")}
    markdown = exports["digests/2021-06-01.md"]
    assert f"# 1. {paper.title}\n" in markdown and f"\n{paper.abstract}\n" in markdown
    assert "<math" not in markdown
    document = json.loads(exports["digests/2021-06-01.json"])
    assert document["papers"][0]["title"] == paper.title and document["papers"][0]["abstract"] == paper.abstract
    assert date.fromisoformat(document["day"]) == digest.day
