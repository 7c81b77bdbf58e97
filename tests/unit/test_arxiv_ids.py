"""Recognising arXiv ids in ids, URLs and free text."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hotpapers.core.arxiv_ids import OLD_STYLE_ARCHIVES, extract_refs, merge_refs, normalize_id, ref_from_url
from hotpapers.core.models import ArxivRef

pytestmark = pytest.mark.unit

# Every URL form docs/upstreams.md lists, plus the variants people paste (scheme-less,
# trailing slash, query, fragment, .pdf).
URL_FORMS = [
    "https://arxiv.org/abs/{id}",
    "http://arxiv.org/abs/{id}",
    "https://www.arxiv.org/abs/{id}",
    "http://export.arxiv.org/abs/{id}",
    "arxiv.org/abs/{id}",
    "https://arxiv.org/abs/{id}/",
    "https://arxiv.org/abs/{id}?context=cs.LG",
    "https://arxiv.org/abs/{id}#comments",
    "https://arxiv.org/pdf/{id}",
    "https://arxiv.org/pdf/{id}.pdf",
    "https://export.arxiv.org/pdf/{id}.pdf?download=1",
    "https://arxiv.org/html/{id}",
    "https://arxiv.org/html/{id}/#S3",
    "https://doi.org/10.48550/arXiv.{id}",
    "https://doi.org/10.48550/ARXIV.{id}",
    "https://huggingface.co/papers/{id}",
    "https://hf.co/papers/{id}",
    "https://www.alphaxiv.org/abs/{id}",
    "https://alphaxiv.org/abs/{id}",
]

MENTION_FORMS = URL_FORMS + [
    "arXiv:{id}",
    "arxiv: {id}",
    "ARXIV:{id}",
    "arXiv {id}",
    "10.48550/arXiv.{id}",
]


# --- strategies ---------------------------------------------------------------


@st.composite
def new_style(draw: st.DrawFn) -> str:
    year = draw(st.integers(2007, 2099))
    month = draw(st.integers(4 if year == 2007 else 1, 12))
    digits = 4 if year <= 2014 else 5
    number = draw(st.integers(1, 10**digits - 1))
    return f"{year % 100:02d}{month:02d}.{number:0{digits}d}"


@st.composite
def old_style(draw: st.DrawFn) -> tuple[str, str]:
    """(id as written, id as normalised): subject class and archive case vary."""
    archive = draw(st.sampled_from(sorted(OLD_STYLE_ARCHIVES)))
    year = draw(st.integers(1991, 2007))
    low = 8 if year == 1991 else 1
    high = 3 if year == 2007 else 12
    month = draw(st.integers(low, high))
    number = draw(st.integers(1, 999))
    digits = f"{year % 100:02d}{month:02d}{number:03d}"
    subject = draw(st.sampled_from(["", ".GT", ".AI", ".str-el", ".acc-ph"]))
    written = draw(st.sampled_from([archive, archive.upper()])) + subject
    return f"{written}/{digits}", f"{archive}/{digits}"


any_id = st.one_of(new_style().map(lambda i: (i, i)), old_style())
versions = st.one_of(st.none(), st.integers(1, 40))


def with_version(raw: str, version: int | None) -> str:
    return raw if version is None else f"{raw}v{version}"


@st.composite
def invalid_ids(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 8))
    if kind == 0:  # month 00 or 13..99
        month = draw(st.sampled_from([0, *range(13, 100)]))
        return f"{draw(st.integers(8, 99)):02d}{month:02d}.{draw(st.integers(1, 9999)):05d}"
    if kind == 1:  # four-digit number from 1501 on
        return f"{draw(st.integers(15, 99)):02d}{draw(st.integers(1, 12)):02d}.{draw(st.integers(1, 9999)):04d}"
    if kind == 2:  # five-digit number before 1501
        year = draw(st.integers(7, 14))
        return f"{year:02d}{draw(st.integers(4 if year == 7 else 1, 12)):02d}.{draw(st.integers(1, 99999)):05d}"
    if kind == 3:  # new-style number before April 2007
        return f"07{draw(st.integers(1, 3)):02d}.{draw(st.integers(1, 9999)):04d}"
    if kind == 4:  # all-zero number
        return draw(st.sampled_from(["2105.00000", "1203.0000", "0000.0000", "hep-th/9901000"]))
    if kind == 5:  # version 0
        return draw(new_style()) + "v0"
    if kind == 6:  # an archive that never had old-style ids
        archive = draw(st.sampled_from(["foo", "stat", "q-fin", "econ", "eess", "hepth", "cs-ai"]))
        return f"{archive}/99{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 999)):03d}"
    if kind == 7:  # old style with an impossible date
        yymm = draw(st.sampled_from(["9107", "9013", "0704", "0801", "1501", "9900", "0513"]))
        return f"hep-th/{yymm}{draw(st.integers(1, 999)):03d}"
    # too many or too few digits
    return draw(st.sampled_from(["2105.141034", "2105.141", "210.14103", "hep-th/990100", "hep-th/99010011"]))


words = st.lists(
    st.text(alphabet=string.ascii_letters + string.digits + "äéß中文", min_size=1, max_size=8), max_size=4
).map(" ".join)
before_sep = st.sampled_from([" ", "\n", " (", " [", ": ", " — ", ' "', " <"])
after_sep = st.sampled_from(["", ".", ",", ")", "]", ";", "!", "?", '"', ">", "\n", "…"])


# --- properties ---------------------------------------------------------------


@given(any_id, versions)
def test_valid_ids_normalise(ids: tuple[str, str], version: int | None) -> None:
    written, normalised = ids
    assert normalize_id(with_version(written, version)) == ArxivRef(normalised, version)
    assert normalize_id(f"arXiv:{with_version(written, version)}") == ArxivRef(normalised, version)
    # Normalising is idempotent: the version-less id parses back to itself.
    assert normalize_id(normalised) == ArxivRef(normalised)


@given(any_id, versions, st.sampled_from(URL_FORMS))
def test_valid_ids_round_trip_through_every_url_form(ids: tuple[str, str], version: int | None, form: str) -> None:
    written, normalised = ids
    url = form.format(id=with_version(written, version))
    assert ref_from_url(url) == ArxivRef(normalised, version)


@given(any_id, versions, st.sampled_from(MENTION_FORMS), words, before_sep, after_sep, words)
def test_valid_ids_are_found_in_text(
    ids: tuple[str, str],
    version: int | None,
    form: str,
    head: str,
    before: str,
    after: str,
    tail: str,
) -> None:
    written, normalised = ids
    text = f"{head}{before}{form.format(id=with_version(written, version))}{after} {tail}"
    assert extract_refs(text) == (ArxivRef(normalised, version),)


@given(invalid_ids(), st.sampled_from(URL_FORMS))
def test_invalid_ids_are_rejected(bad: str, form: str) -> None:
    assert normalize_id(bad) is None
    assert ref_from_url(form.format(id=bad)) is None
    assert extract_refs(f"see arXiv:{bad} and {form.format(id=bad)} now") == ()


# Random text rarely contains anything id-like; this alphabet makes near-misses common.
id_ish_text = st.text(alphabet="arxivARXIV.org:/-_0123456789 vpdfhe(th)?#\n", max_size=80)


@given(st.one_of(st.text(), id_ish_text))
def test_arbitrary_text_never_raises(text: str) -> None:
    refs = extract_refs(text)
    assert len({ref.arxiv_id for ref in refs}) == len(refs)
    for ref in refs:
        assert normalize_id(ref.arxiv_id) == ArxivRef(ref.arxiv_id)
    ref_from_url(text)
    normalize_id(text)


@given(st.lists(st.tuples(new_style(), versions), max_size=12))
def test_merge_keeps_first_seen_order_and_highest_version(mentions: list[tuple[str, int | None]]) -> None:
    text = " ".join(f"arXiv:{with_version(arxiv_id, version)}" for arxiv_id, version in mentions)
    refs = extract_refs(text)
    order = list(dict.fromkeys(arxiv_id for arxiv_id, _ in mentions))
    assert [ref.arxiv_id for ref in refs] == order
    for ref in refs:
        seen = [version for arxiv_id, version in mentions if arxiv_id == ref.arxiv_id and version is not None]
        assert ref.version == (max(seen) if seen else None)


@given(new_style(), words, words)
def test_bare_numbers_are_not_ids(arxiv_id: str, head: str, tail: str) -> None:
    assume(not head.lower().endswith("arxiv"))  # that would make it an "arXiv 2105.14103" mention
    assert extract_refs(f"{head} {arxiv_id} {tail}") == ()


# --- examples -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2105.14103", ArxivRef("2105.14103")),
        ("https://arxiv.org/abs/2105.14103v2", ArxivRef("2105.14103", 2)),
        ("https://arxiv.org/abs/2501.01234", ArxivRef("2501.01234")),
        ("https://arxiv.org/pdf/2105.14103", ArxivRef("2105.14103")),
        ("https://arxiv.org/pdf/2105.14103.pdf", ArxivRef("2105.14103")),
        ("https://arxiv.org/pdf/2105.14103v3.pdf", ArxivRef("2105.14103", 3)),
        ("https://arxiv.org/pdf/2105.14103v3", ArxivRef("2105.14103", 3)),
        ("https://arxiv.org/html/2105.14103v2", ArxivRef("2105.14103", 2)),
        ("https://arxiv.org/html/2105.14103v2/x1.png", ArxivRef("2105.14103", 2)),
        ("http://export.arxiv.org/abs/2105.14103", ArxivRef("2105.14103")),
        ("https://www.arxiv.org/abs/2105.14103/", ArxivRef("2105.14103")),
        ("https://arxiv.org/abs/2105.14103?utm_source=x#ref", ArxivRef("2105.14103")),
        ("https://arxiv.org/abs/2105.14103).", ArxivRef("2105.14103")),
        ("https://doi.org/10.48550/arXiv.2105.14103", ArxivRef("2105.14103")),
        ("https://doi.org/10.48550/arxiv.2105.14103", ArxivRef("2105.14103")),
        ("https://huggingface.co/papers/2501.01234", ArxivRef("2501.01234")),
        ("https://hf.co/papers/2501.01234", ArxivRef("2501.01234")),
        ("https://www.alphaxiv.org/abs/2501.01234v1", ArxivRef("2501.01234", 1)),
        ("https://arxiv.org/abs/hep-th/9901001", ArxivRef("hep-th/9901001")),
        ("https://arxiv.org/abs/hep-th/9901001v2", ArxivRef("hep-th/9901001", 2)),
        ("https://arxiv.org/pdf/math/0309136v1.pdf", ArxivRef("math/0309136", 1)),
        ("https://arxiv.org/abs/math.GT/0309136", ArxivRef("math/0309136")),
        ("https://arxiv.org/abs/0704.0001", ArxivRef("0704.0001")),
    ],
)
def test_url_examples(url: str, expected: ArxivRef) -> None:
    assert ref_from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://t.co/abc123",
        "https://example.com/abs/2105.14103",
        "https://myarxiv.org/abs/2105.14103",
        "https://arxiv.org/list/cs.LG/recent",
        "https://arxiv.org/abs/2105.141034",
        "https://arxiv.org/abs/1412.12345",
        "https://arxiv.org/abs/2113.14103",
        "https://arxiv.org/abs/0703.1234",
        "https://arxiv.org/abs/hep-th/0801001",
        "https://doi.org/10.1103/PhysRevB.85.115117",
        "https://huggingface.co/papers",
        "",
    ],
)
def test_url_non_examples(url: str) -> None:
    assert ref_from_url(url) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2105.14103", ArxivRef("2105.14103")),
        ("2105.14103v2", ArxivRef("2105.14103", 2)),
        ("2501.01234", ArxivRef("2501.01234")),
        ("1412.6529v2", ArxivRef("1412.6529", 2)),
        (" arXiv:2105.14103 ", ArxivRef("2105.14103")),
        ("hep-th/9901001", ArxivRef("hep-th/9901001")),
        ("math.GT/0309136", ArxivRef("math/0309136")),
        ("Math.GT/0309136v3", ArxivRef("math/0309136", 3)),
        ("cond-mat/0607501v2", ArxivRef("cond-mat/0607501", 2)),
        ("astro-ph/0601001v1", ArxivRef("astro-ph/0601001", 1)),
        ("2105.14103 ", ArxivRef("2105.14103")),
        ("abc", None),
        ("0000.0000", None),
        ("0808.05394", None),  # five digits in 2008: the "invalid" id of the arxiv.py fixture
        ("2113.14103", None),
        ("2105.1410", None),
        ("2105.14103v0", None),
        ("2105.14103 v2", None),
        ("hep-th/9901001/", None),
    ],
)
def test_normalize_id_examples(value: str, expected: ArxivRef | None) -> None:
    assert normalize_id(value) == expected


def test_extract_refs_from_a_realistic_post() -> None:
    text = (
        "New paper! 🎉 https://arxiv.org/abs/2105.14103v1 (also arXiv:2105.14103v2, "
        "code at github.com/x/y v1.2.3). Builds on arXiv 1412.6529 and "
        "https://doi.org/10.48550/arXiv.2501.01234 — see hf.co/papers/2501.01234. "
        "Old classic: [arXiv:hep-th/9901001] and math.GT/0309136 in arxiv.org/abs/math.GT/0309136."
    )
    assert extract_refs(text) == (
        ArxivRef("2105.14103", 2),
        ArxivRef("1412.6529"),
        ArxivRef("2501.01234"),
        ArxivRef("hep-th/9901001"),
        ArxivRef("math/0309136"),
    )


@pytest.mark.parametrize(
    "text",
    [
        "version 2105.14103 released",
        "costs 1234.5678 dollars",
        "myarxiv:2105.14103",
        "https://myarxiv.org/abs/2105.14103",
        "arXiv:2105.141034",
        "arXiv:2105.14103.5",
        "arXiv-2105.14103",
        "see hep-th/9901001 without a prefix",
        "arxiv.org/list/cs.LG/2105",
    ],
)
def test_extract_refs_avoids_false_positives(text: str) -> None:
    assert extract_refs(text) == ()


def test_extract_refs_accepts_non_latin_neighbours() -> None:
    assert extract_refs("论文arXiv:2105.14103。") == (ArxivRef("2105.14103"),)


def test_merge_refs() -> None:
    refs = [ArxivRef("2"), ArxivRef("1", 2), ArxivRef("2", 1), ArxivRef("1"), ArxivRef("1", 3)]
    assert merge_refs(refs) == (ArxivRef("2", 1), ArxivRef("1", 3))
    assert merge_refs([]) == ()


def test_extraction_is_fast_on_adversarial_text() -> None:
    # Long runs of near-misses must not make the regexes backtrack badly.
    text = ("arxiv.org." * 5000) + ("arXiv: " * 5000) + ("hep-th/" * 5000) + ("2105.1410" * 5000)
    assert extract_refs(text) == ()


def test_a_post_naming_thousands_of_papers_counts_for_the_first_few_only() -> None:
    from hotpapers.core.arxiv_ids import MAX_PAPERS_PER_POST, extract_refs, merge_refs

    text = " ".join(f"arXiv:2105.{n:05d}" for n in range(1, 3001))
    refs = merge_refs(extract_refs(text))
    assert len(refs) == MAX_PAPERS_PER_POST
    assert [ref.arxiv_id for ref in refs] == [f"2105.{n:05d}" for n in range(1, MAX_PAPERS_PER_POST + 1)]
    # A later, higher version of an id already kept still wins.
    again = merge_refs([*refs, type(refs[0])(refs[0].arxiv_id, 3)])
    assert again[0].version == 3 and len(again) == MAX_PAPERS_PER_POST
    from tests.support import ledger

    ledger.record(
        "findings",
        finding="one post naming thousands of arXiv ids lent its engagement to every one of them "
        "(and cost an arXiv request per hundred)",
        fix=f"fixed: a post counts for its first {MAX_PAPERS_PER_POST} papers (arxiv_ids.MAX_PAPERS_PER_POST)",
        test="tests/unit/test_arxiv_ids.py::test_a_post_naming_thousands_of_papers_counts_for_the_first_few_only",
    )
