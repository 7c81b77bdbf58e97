"""Recognise arXiv identifiers in ids, URLs and free text.

Pure functions, no I/O. Every recogniser returns `ArxivRef` values holding the
version-less id (what papers are keyed by) and the version if one was given.

Accepted ids:

* new style ``YYMM.NNNN`` (April 2007 to December 2014) and ``YYMM.NNNNN``
  (January 2015 on), month 01-12, number not all zeros;
* old style ``archive/YYMMNNN`` (August 1991 to March 2007) for the fixed set of
  pre-2007 archives, optionally written with a subject class
  (``math.GT/0309136``);
* either with an optional ``vN`` version suffix, N >= 1.

Old-style ids are normalised to ``archive/YYMMNNN`` with the archive lowercased
and the subject class dropped (``math.GT/0309136`` -> ``math/0309136``),
because that is the form arXiv itself uses in the API's ``id`` field and in its
abs URLs; keeping the subject class would make one paper two keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ArxivRef:
    """An arXiv paper named somewhere: the version-less id and, if given, its version."""

    arxiv_id: str
    version: int | None = None


# The archives that existed before the April 2007 switch to new-style ids; no
# other archive can have an old-style id, so anything else is a false positive.
OLD_STYLE_ARCHIVES = frozenset(
    {
        "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an",
        "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an",
        "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th",
        "nlin", "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio",
        "quant-ph", "solv-int", "supr-con",
    }
)  # fmt: skip

MAX_VERSION_DIGITS = 9

_ARCHIVE_ALTERNATION = "|".join(sorted((re.escape(a) for a in OLD_STYLE_ARCHIVES), key=len, reverse=True))

# One id with an optional version. Plausibility (month, digit count by date) is
# checked in Python afterwards: it is clearer there than in a regex.
_ID = rf"""
(?:
    (?P<new>(?P<new_yymm>\d{{4}})\.(?P<new_num>\d{{4,5}}))
  | (?P<archive>{_ARCHIVE_ALTERNATION})
    (?:\.[a-z]{{2,}}(?:-[a-z]{{2,}})?)?          # subject class, e.g. math.GT, physics.acc-ph
    /(?P<old_yymm>\d{{4}})(?P<old_num>\d{{3}})
)
(?:v(?P<version>\d+))?
"""

# After an id: no more word characters, hyphens or ".digit", so that
# 2105.141034 or 2105.14103x is not read as 2105.14103.
_END = r"(?![\w-]|\.\d)"

_URL_PREFIX = r"""
(?:https?://)?
(?:
    (?:[a-z0-9-]+\.)*arxiv\.org/(?:abs|pdf|html)/     # www., export. and other mirrors
  | (?:dx\.)?doi\.org/10\.48550/arxiv\.
  | (?:www\.)?(?:huggingface|hf)\.co/papers/
  | (?:www\.)?alphaxiv\.org/abs/
)
"""

# ASCII: ids are ASCII digits only (\d would also match e.g. Arabic-Indic digits), and a
# non-Latin letter glued to a mention ("论文arXiv:…") must not count as part of a word.
_FLAGS = re.IGNORECASE | re.VERBOSE | re.ASCII

_ID_RE = re.compile(rf"\A\s*(?:arxiv\s*:\s*)?{_ID}\s*\Z", _FLAGS)

# A whole URL: the id may be followed by ".pdf", then a path, query or fragment, and
# closing punctuation a URL copied out of prose tends to drag along.
_URL_RE = re.compile(rf"\A\s*{_URL_PREFIX}{_ID}(?:\.pdf)?{_END}(?:[/?#]\S*)?[.,;:!)\]]*\s*\Z", _FLAGS)

# In free text an id counts only behind a URL, a DOI or an "arXiv" prefix: bare
# numbers like 2105.14103 are too often version numbers, prices or dates.
_TEXT_RE = re.compile(
    rf"""
    (?<![\w.-])                     # not glued to a preceding word ("myarxiv.org", "xarXiv:")
    (?:
        {_URL_PREFIX}
      | 10\.48550/arxiv\.           # a bare arXiv DOI
      | arxiv(?:\s*:\s*|\s+)        # "arXiv:2105.14103", "arXiv 2105.14103v2"
    )
    {_ID}(?:\.pdf)?{_END}
    """,
    _FLAGS,
)


def _ref_from_match(match: re.Match[str]) -> ArxivRef | None:
    """Turn a syntactic match into a ref, or None if the id cannot exist."""
    version: int | None = None
    if match.group("version") is not None:
        # No paper has a billion versions; and int() of more than 4300 digits raises ValueError, which
        # a post reading "arXiv:2105.14103v999…" sent out of extract_refs and the collector's source.
        if len(match.group("version")) > MAX_VERSION_DIGITS:
            return None
        version = int(match.group("version"))
        if version < 1:
            return None

    if match.group("new") is not None:
        yymm, number = match.group("new_yymm"), match.group("new_num")
        year, month = 2000 + int(yymm[:2]), int(yymm[2:])
        if not 1 <= month <= 12 or (year, month) < (2007, 4):
            return None
        # Four-digit numbers until 1412, five digits from 1501 on.
        if len(number) != (4 if year <= 2014 else 5) or int(number) == 0:
            return None
        return ArxivRef(f"{yymm}.{number}", version)

    yymm, number = match.group("old_yymm"), match.group("old_num")
    yy, month = int(yymm[:2]), int(yymm[2:])
    year = (1900 if yy >= 91 else 2000) + yy
    if not 1 <= month <= 12 or not (1991, 8) <= (year, month) <= (2007, 3) or int(number) == 0:
        return None
    return ArxivRef(f"{match.group('archive').lower()}/{yymm}{number}", version)


def normalize_id(value: str) -> ArxivRef | None:
    """Parse a raw id (``2105.14103v2``, ``hep-th/9901001``, ``math.GT/0309136``, optionally ``arXiv:``-prefixed).

    Returns None for anything that is not a plausible arXiv id. Old-style ids
    come back as ``archive/YYMMNNN``: archive lowercased, subject class dropped.
    """
    match = _ID_RE.match(value)
    return _ref_from_match(match) if match else None


def ref_from_url(url: str) -> ArxivRef | None:
    """The paper a URL points at, or None if it is not an arXiv paper URL we recognise.

    Recognised: arxiv.org (any subdomain, http or https) ``/abs/``, ``/pdf/``
    (with or without ``.pdf``) and ``/html/``; ``doi.org/10.48550/arXiv.<id>``;
    ``huggingface.co/papers/<id>``, ``hf.co/papers/<id>``; ``alphaxiv.org/abs/<id>``.
    The scheme is optional; a trailing slash, path, query or fragment is ignored.
    """
    match = _URL_RE.match(url)
    return _ref_from_match(match) if match else None


def extract_refs(text: str) -> tuple[ArxivRef, ...]:
    """Every arXiv paper referenced in free text, by URL, DOI or ``arXiv:<id>`` mention.

    Bare ids without a prefix are ignored on purpose (false positives). Each
    paper appears once, in first-seen order, with the highest version seen.
    """
    refs = (_ref_from_match(match) for match in _TEXT_RE.finditer(text))
    return merge_refs(ref for ref in refs if ref is not None)


# A post counts for every paper it links (the blog's rule), so one post naming thousands of
# ids would lend its engagement to all of them and cost an arXiv request per hundred. Reading
# lists and "papers of the week" threads name a dozen or two; past this, the rest is ignored.
MAX_PAPERS_PER_POST = 25


def merge_refs(refs: Iterable[ArxivRef], limit: int = MAX_PAPERS_PER_POST) -> tuple[ArxivRef, ...]:
    """One ref per id, first-seen order, keeping the highest version (a version beats none); at most `limit` ids."""
    merged: dict[str, ArxivRef] = {}
    for ref in refs:
        seen = merged.get(ref.arxiv_id)
        if seen is None and len(merged) >= limit:
            continue
        if seen is None or (ref.version or 0) > (seen.version or 0):
            # Re-assigning an existing key keeps its original position in the dict.
            merged[ref.arxiv_id] = ref
    return tuple(merged.values())
