"""arXiv API: parsing every recorded response, and the polite batching client."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from hotpapers.collect.arxiv import ArxivClient, ArxivFeed, parse_feed
from hotpapers.core.clock import FakeClock
from hotpapers.core.http import HttpClient, RetryPolicy
from hotpapers.core.models import PaperLookupFailure

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent.parent / "fixtures" / "arxiv-api"
ALL_FIXTURES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".xml", ".json"))
BASE_URL = "https://export.arxiv.org/api/query"


def body_of(path: Path) -> bytes:
    """Raw response bytes: the recorded *.json wrappers hold them latin-1 decoded (see PROVENANCE.md)."""
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))["body"].encode("latin-1")
    return path.read_bytes()


def parse(name: str) -> ArxivFeed:
    return parse_feed(body_of(FIXTURES / name))


# --- parse_feed over every recorded response ------------------------------------


def test_every_fixture_is_covered() -> None:
    assert len(ALL_FIXTURES) == 16


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name)
def test_every_fixture_parses(path: Path) -> None:
    body = body_of(path)
    feed = parse_feed(body)
    entries = body.count(b"<entry>")
    assert len(feed.papers) + len(feed.errors) == entries
    assert feed.skipped == 0
    assert feed.total_results is not None
    for paper in feed.papers:
        assert paper.title and paper.abstract and paper.authors and paper.categories
        assert paper.title == " ".join(paper.title.split())
        assert paper.abstract == " ".join(paper.abstract.split())
        assert paper.published.tzinfo is UTC and paper.updated.tzinfo is UTC
        assert paper.published <= paper.updated
        assert paper.version >= 1
        assert paper.abs_url == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert paper.pdf_url == f"https://arxiv.org/pdf/{paper.arxiv_id}"
        assert not re.search(r"v\d+$", paper.arxiv_id)
    # str input (already decoded) gives the same result as bytes.
    assert parse_feed(body.decode("utf-8")) == feed


@pytest.mark.parametrize(
    ("wrapper", "extracted"),
    [
        ("arxiv.py__recorded__q_testing_s0_m100_cfe7536492ca.json", "arxiv.py__q_testing_m100.xml"),
        ("arxiv.py__recorded__id_abc_s0_m100_b79c8dcf6bc3.json", "arxiv.py__error_id_abc_400.xml"),
        (
            "arxiv.py__recorded__id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json",
            "arxiv.py__idlist_invalid_plus_valid.xml",
        ),
        ("arxiv.py__recorded__id_0000.0000_s0_m100_8b51d9633a68.json", "arxiv.py__idlist_no_results.xml"),
        (
            "arxiv.py__recorded__id_astro-ph_0601001_s0_m100_3150dca9dc76.json",
            "arxiv.py__idlist_astro-ph_0601001_oldstyle.xml",
        ),
        ("arxiv.py__recorded__id_2104.12255v1_s0_m100_6ae69987ffe1.json", "arxiv.py__idlist_2104.12255v1_title_0.xml"),
    ],
)
def test_recorded_wrappers_match_extracted_bodies(wrapper: str, extracted: str) -> None:
    assert body_of(FIXTURES / wrapper) == body_of(FIXTURES / extracted)
    assert parse(wrapper) == parse(extracted)


def test_error_feed_is_an_error_not_a_paper() -> None:
    feed = parse("arxiv.py__error_id_abc_400.xml")
    assert feed.papers == []
    assert feed.errors == ["incorrect id format for abc"]
    assert feed.total_results == 1


def test_empty_feed() -> None:
    feed = parse("arxiv.py__idlist_no_results.xml")
    assert feed == ArxivFeed(papers=[], errors=[], total_results=0)


def test_invalid_plus_valid_returns_only_the_valid_paper() -> None:
    feed = parse("arxiv.py__recorded__id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json")
    assert [paper.arxiv_id for paper in feed.papers] == ["1707.08567"]
    paper = feed.papers[0]
    assert len(paper.authors) == 34
    assert paper.authors[0] == "Kees A. Schouhamer Immink"
    assert paper.authors[-1] == "Hirosuke Yamamoto"
    assert "Dirk Wübben" in paper.authors  # UTF-8 decoded, not "WÃ¼bben"
    assert paper.categories == ("cs.IT",)
    assert paper.comment == "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck"
    assert paper.journal_ref is None and paper.doi is None


def test_old_style_id_with_affiliations() -> None:
    (paper,) = parse("arxiv.py__idlist_astro-ph_0601001_oldstyle.xml").papers
    assert paper.arxiv_id == "astro-ph/0601001"
    assert paper.version == 1
    # Affiliations are not authors.
    assert paper.authors == ("Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski")
    assert paper.categories == ("astro-ph",)
    assert paper.journal_ref == "ActaAstron.56:1-50,2006"
    assert paper.comment is not None and paper.comment.startswith("62 pages including 16 figures")
    assert paper.doi is None
    # XML entities decoded, LaTeX left alone, leading indentation gone.
    assert paper.abstract.startswith("We derive the frequencies of hot Jupiters")
    assert "Gould & Morgan (2003)" in paper.abstract
    assert "V_max<17.5" in paper.abstract
    assert "(1/310)(1^{+1.39}_{-0.59})" in paper.abstract
    assert paper.published == datetime(2006, 1, 2, 14, 57, 58, tzinfo=UTC)
    assert paper.abs_url == "https://arxiv.org/abs/astro-ph/0601001"
    assert paper.pdf_url == "https://arxiv.org/pdf/astro-ph/0601001"


def test_title_zero_stays_a_string() -> None:
    (paper,) = parse("arxiv.py__idlist_2104.12255v1_title_0.xml").papers
    assert paper.title == "0"
    assert isinstance(paper.title, str)
    assert paper.arxiv_id == "2104.12255"
    assert paper.categories == ("cs.CR",)
    assert paper.comment is None and paper.journal_ref is None and paper.doi is None


def test_hundred_entry_search() -> None:
    feed = parse("arxiv.py__q_testing_m100.xml")
    assert len(feed.papers) == 100
    assert feed.total_results == 214881
    assert len({paper.arxiv_id for paper in feed.papers}) == 100
    assert sum(paper.version > 1 for paper in feed.papers) == 36
    by_id = {paper.arxiv_id: paper for paper in feed.papers}
    assert by_id["2204.08348"].version == 3
    assert by_id["2005.14124"].version == 2
    assert by_id["gr-qc/0103067"].version == 1  # an old-style id inside a search result
    authors = {author for paper in feed.papers for author in paper.authors}
    assert {"Aurora Ramírez", "Oliver Weißl", "Lasse Møldrup", "Betül Karagöz"} <= authors
    assert "$ω$Test: WebView-Oriented Testing for Android Applications" in {p.title for p in feed.papers}
    # Optional fields: present on some entries, None (not "") on others.
    assert {paper.doi is None for paper in feed.papers} == {True, False}
    assert {paper.journal_ref is None for paper in feed.papers} == {True, False}
    assert {paper.comment is None for paper in feed.papers} == {True, False}
    first = feed.papers[0]
    assert first.arxiv_id == "2202.12139"
    assert first.categories == ("cs.SE", "cs.LG")
    assert first.doi == "10.1109/ICSTW55395.2022.00035"


def test_legacy_2016_single_id() -> None:
    feed = parse("arxiv.py__legacy2016__id_list_1111.2011v2.xml")
    assert feed.total_results == 1
    (paper,) = feed.papers
    assert paper.arxiv_id == "1111.2011"
    assert paper.version == 2
    # Hard-wrapped title and abstract become single-spaced lines.
    assert paper.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    assert paper.abstract.startswith("Theoretical description of anisotropic systems, such as layered superconductors")
    assert "\n" not in paper.abstract and "  " not in paper.abstract
    assert paper.abstract.endswith("a single extra dimension to the theory describing a single node.")
    assert paper.authors == ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic")
    assert paper.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert paper.doi == "10.1103/PhysRevB.85.115117"
    assert paper.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert paper.published == datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)
    assert paper.updated == datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC)
    # The feed says http://; our URLs are https and version-less.
    assert paper.abs_url == "https://arxiv.org/abs/1111.2011"
    assert paper.pdf_url == "https://arxiv.org/pdf/1111.2011"


def test_legacy_2016_search() -> None:
    feed = parse("arxiv.py__legacy2016__search_query_au_del_maestro.xml")
    assert len(feed.papers) == 10
    assert feed.total_results == 31
    versions = {paper.arxiv_id: paper.version for paper in feed.papers if paper.version > 1}
    assert versions == {"1303.6954": 2, "1412.6529": 2, "cond-mat/0607501": 2, "cond-mat/0702661": 2}
    assert all(any(a.endswith("Del Maestro") for a in paper.authors) for paper in feed.papers)
    assert feed.papers[4].authors == ("B. Kulchytskyy", "G. Gervais", "A. Del Maestro")
    assert all("\n" not in paper.abstract and "  " not in paper.abstract for paper in feed.papers)


def test_cross_listed_categories_are_primary_first() -> None:
    feed = parse("sotawhat__arxiv_transformer_cs.LG_m5.xml")
    assert feed.total_results == 28946
    mana = feed.papers[0]
    assert mana.arxiv_id == "2606.13677"
    # Found by a cs.LG query, but its primary category is cs.RO.
    assert mana.categories == ("cs.RO", "cs.AI", "cs.CV", "cs.LG")
    assert mana.primary_category == "cs.RO"
    assert all("cs.LG" in paper.categories for paper in feed.papers)


def test_primary_category_comes_first_even_when_listed_last() -> None:
    # Supplement to the real file: the same feed with the primary category's
    # <category> element moved to the end of the entry's category list.
    body = body_of(FIXTURES / "sotawhat__arxiv_transformer_cs.LG_m5.xml").decode("utf-8")
    ro = '<category term="cs.RO" scheme="http://arxiv.org/schemas/atom"/>'
    lg = '<category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>'
    first_entry_end = body.index("</entry>")
    head, tail = body[:first_entry_end], body[first_entry_end:]
    head = head.replace(ro + "\n    ", "", 1).replace(lg, lg + "\n    " + ro, 1)
    assert head.index(lg) < head.index(ro)
    mana = parse_feed(head + tail).papers[0]
    assert mana.categories == ("cs.RO", "cs.AI", "cs.CV", "cs.LG")


def test_technews_non_ascii_authors_affiliations_and_doi() -> None:
    feed = parse("technews__arxiv_cat_cs.RO_m3.xml")
    assert feed.total_results == 58344
    first, second, third = feed.papers
    assert first.authors == ("Branimir Ivšić", "Zvonimir Šipuš", "Juraj Bartolić", "Josip Babić")
    assert first.categories == ("cs.RO", "eess.SY")
    assert first.doi == "10.23919/eucap48036.2020.9135568"
    assert first.comment is not None and "arXiv admin note" in first.comment
    # Two affiliations on one author do not make two authors.
    assert second.authors[0] == "Kapil D. Katyal"
    assert len(second.authors) == 5
    assert third.categories == ("cs.RO", "math.OC")


def test_entry_without_pdf_link_has_no_pdf_url() -> None:
    body = body_of(FIXTURES / "arxiv.py__idlist_2104.12255v1_title_0.xml").decode("utf-8")
    body = re.sub(r'\s*<link [^>]*title="pdf"/>', "", body)
    (paper,) = parse_feed(body).papers
    assert paper.pdf_url is None
    assert paper.abs_url == "https://arxiv.org/abs/2104.12255"


def test_garbage_is_an_empty_feed() -> None:
    assert parse_feed(b"<html><body>503 Service Unavailable</body></html>") == ArxivFeed()
    assert parse_feed("") == ArxivFeed()


# --- ArxivClient ------------------------------------------------------------


_TEMPLATE = body_of(FIXTURES / "arxiv.py__idlist_2104.12255v1_title_0.xml").decode("utf-8")
_ENTRY = _TEMPLATE[_TEMPLATE.index("<entry>") : _TEMPLATE.index("</entry>") + len("</entry>")]
_ERROR = body_of(FIXTURES / "arxiv.py__error_id_abc_400.xml").decode("utf-8")


def feed_body(ids: list[str]) -> str:
    """A 2026-style feed with one entry per id, cut from the real title-0 response."""
    entries = "\n  ".join(_ENTRY.replace("2104.12255", arxiv_id) for arxiv_id in ids)
    head = _TEMPLATE[: _TEMPLATE.index("<entry>")]
    head = head.replace("<opensearch:totalResults>1<", f"<opensearch:totalResults>{len(ids)}<")
    return f"{head}{entries}\n</feed>\n"


class FakeArxiv:
    """A `responses` callback standing in for the API: knows every id except `unknown`, rejects `rejected`."""

    def __init__(self, clock: FakeClock, unknown: set[str] = frozenset(), rejected: set[str] = frozenset()) -> None:
        self.clock = clock
        self.unknown = unknown
        self.rejected = rejected
        self.calls: list[dict[str, list[str]]] = []
        self.starts: list[float] = []

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        query = parse_qs(urlsplit(request.url).query)
        self.calls.append(query)
        self.starts.append(self.clock.monotonic())
        ids = query["id_list"][0].split(",")
        bad = [arxiv_id for arxiv_id in ids if arxiv_id in self.rejected]
        if bad:
            return 400, {}, _ERROR.replace("abc", bad[0])
        return 200, {}, feed_body([arxiv_id for arxiv_id in ids if arxiv_id not in self.unknown])


def make_client(clock: FakeClock, **kwargs: object) -> ArxivClient:
    http = HttpClient(clock=clock, rng=random.Random(0), policy=RetryPolicy(attempts=3))
    return ArxivClient(http, BASE_URL, clock, **kwargs)  # type: ignore[arg-type]


def ids_for(n: int) -> list[str]:
    return [f"2101.{i:05d}" for i in range(1, n + 1)]


def assert_spaced(starts: list[float], interval: float = 3.0) -> None:
    assert all(later - earlier >= interval for earlier, later in zip(starts, starts[1:], strict=False)), starts


@responses.activate
def test_batches_of_at_most_batch_size() -> None:
    clock = FakeClock()
    fake = FakeArxiv(clock)
    responses.add_callback(responses.GET, BASE_URL, callback=fake)
    client = make_client(clock)

    papers, failures = client.fetch(ids_for(250))

    assert failures == []
    assert sorted(papers) == ids_for(250)
    assert [len(call["id_list"][0].split(",")) for call in fake.calls] == [100, 100, 50]
    assert all(call["max_results"] == ["100"] and call["start"] == ["0"] for call in fake.calls)
    assert client.requests == 3
    assert papers["2101.00007"].arxiv_id == "2101.00007"


@responses.activate
def test_requests_start_at_least_min_interval_apart() -> None:
    clock = FakeClock()
    fake = FakeArxiv(clock)
    responses.add_callback(responses.GET, BASE_URL, callback=fake)
    client = make_client(clock, batch_size=10)

    client.fetch(ids_for(30))
    # The fake clock only moves when slept on, so each wait is the full interval.
    assert clock.sleeps == [3.0, 3.0]
    assert_spaced(fake.starts)

    # Time spent elsewhere counts towards the interval: only the rest is waited.
    clock.sleep(1.0)
    client.fetch(ids_for(1))
    assert clock.sleeps == [3.0, 3.0, 1.0, 2.0]
    assert_spaced(fake.starts)
    assert client.requests == 4


@responses.activate
def test_no_wait_when_the_interval_has_already_passed() -> None:
    clock = FakeClock()
    fake = FakeArxiv(clock)
    responses.add_callback(responses.GET, BASE_URL, callback=fake)
    client = make_client(clock)

    client.fetch(ids_for(1))
    clock.sleep(10.0)
    client.fetch(ids_for(2))
    assert clock.sleeps == [10.0]


@responses.activate
def test_a_rejected_id_is_isolated_and_does_not_poison_its_batch() -> None:
    clock = FakeClock()
    fake = FakeArxiv(clock, rejected={"2101.00002"})
    responses.add_callback(responses.GET, BASE_URL, callback=fake)
    client = make_client(clock)

    papers, failures = client.fetch(ids_for(3))

    assert sorted(papers) == ["2101.00001", "2101.00003"]
    assert failures == [PaperLookupFailure("2101.00002", "error", "incorrect id format for 2101.00002")]
    # The batch, then each id alone once.
    assert [call["id_list"][0] for call in fake.calls] == [
        "2101.00001,2101.00002,2101.00003",
        "2101.00001",
        "2101.00002",
        "2101.00003",
    ]
    assert client.requests == 4
    assert_spaced(fake.starts)
    assert clock.sleeps == [3.0, 3.0, 3.0]


@responses.activate
def test_the_recorded_400_error_feed() -> None:
    clock = FakeClock()
    body = body_of(FIXTURES / "arxiv.py__recorded__id_abc_s0_m100_b79c8dcf6bc3.json")
    responses.add(responses.GET, BASE_URL, body=body, status=400)
    client = make_client(clock)

    papers, failures = client.fetch(["2101.00001"])

    assert papers == {}
    assert failures == [PaperLookupFailure("2101.00001", "error", "incorrect id format for abc")]
    assert client.requests == 1  # a single id is not asked again


@responses.activate
def test_a_400_without_an_error_feed_is_still_a_rejection() -> None:
    clock = FakeClock()
    responses.add(responses.GET, BASE_URL, body="Bad Request", status=400)
    client = make_client(clock)

    papers, failures = client.fetch(["2101.00001", "2101.00002"])

    assert papers == {}
    assert [(f.arxiv_id, f.reason) for f in failures] == [("2101.00001", "error"), ("2101.00002", "error")]
    assert all(f.detail.startswith("HTTP 400") for f in failures)
    assert client.requests == 3  # the batch, then each id alone


@responses.activate
def test_unknown_id_is_not_found() -> None:
    clock = FakeClock()
    body = body_of(FIXTURES / "arxiv.py__idlist_invalid_plus_valid.xml")
    responses.add(responses.GET, BASE_URL, body=body, status=200)
    client = make_client(clock)

    papers, failures = client.fetch(["1707.08567", "2101.99999"])

    assert list(papers) == ["1707.08567"]
    assert "Dirk Wübben" in papers["1707.08567"].authors
    assert failures == [PaperLookupFailure("2101.99999", "not_found")]


@responses.activate
def test_empty_feed_means_not_found() -> None:
    clock = FakeClock()
    responses.add(responses.GET, BASE_URL, body=body_of(FIXTURES / "arxiv.py__idlist_no_results.xml"))
    papers, failures = make_client(clock).fetch(["2101.99999"])
    assert papers == {}
    assert failures == [PaperLookupFailure("2101.99999", "not_found")]


def test_impossible_ids_fail_without_a_request() -> None:
    clock = FakeClock()
    with responses.RequestsMock() as mock:  # any request would fail the test
        client = make_client(clock)
        papers, failures = client.fetch(["abc", "0808.05394", "0000.0000"])
        assert len(mock.calls) == 0
    assert papers == {}
    assert [(f.arxiv_id, f.reason) for f in failures] == [
        ("abc", "error"),
        ("0808.05394", "error"),
        ("0000.0000", "error"),
    ]
    assert client.requests == 0


@responses.activate
def test_ids_are_normalised_and_deduplicated() -> None:
    clock = FakeClock()
    fake = FakeArxiv(clock)
    responses.add_callback(responses.GET, BASE_URL, callback=fake)
    client = make_client(clock)

    papers, failures = client.fetch(["2101.00001v2", "2101.00001", "arXiv:2101.00002", "2101.00001v1"])

    assert failures == []
    assert list(papers) == ["2101.00001", "2101.00002"]
    # Version-less: the latest version's metadata, one request.
    assert [call["id_list"][0] for call in fake.calls] == ["2101.00001,2101.00002"]


@responses.activate
def test_old_style_ids() -> None:
    clock = FakeClock()
    responses.add(responses.GET, BASE_URL, body=body_of(FIXTURES / "arxiv.py__idlist_astro-ph_0601001_oldstyle.xml"))
    client = make_client(clock)

    papers, failures = client.fetch(["astro-ph/0601001"])

    assert failures == []
    assert papers["astro-ph/0601001"].authors[0] == "Andrew Gould"
    assert parse_qs(urlsplit(responses.calls[0].request.url).query)["id_list"] == ["astro-ph/0601001"]


@responses.activate
def test_503_then_200_is_retried_by_the_http_client() -> None:
    clock = FakeClock()
    responses.add(responses.GET, BASE_URL, body="Service Unavailable", status=503)
    responses.add(responses.GET, BASE_URL, body=feed_body(["2101.00001"]), status=200)
    client = make_client(clock)

    papers, failures = client.fetch(["2101.00001"])

    assert list(papers) == ["2101.00001"]
    assert failures == []
    assert len(responses.calls) == 2
    assert client.requests == 2  # counts what reached arXiv, retries included
    assert len(clock.sleeps) == 1 and clock.sleeps[0] > 0  # HttpClient's backoff


@responses.activate
def test_upstream_failure_fails_its_batch_only() -> None:
    clock = FakeClock()
    fake = FakeArxiv(clock)

    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        if "2101.00001" in (request.url or ""):
            fake.starts.append(clock.monotonic())
            return 404, {}, "Not Found"
        return fake(request)

    responses.add_callback(responses.GET, BASE_URL, callback=callback)
    client = make_client(clock, batch_size=2)

    papers, failures = client.fetch(ids_for(4))  # never raises

    assert sorted(papers) == ["2101.00003", "2101.00004"]
    assert [(f.arxiv_id, f.reason) for f in failures] == [("2101.00001", "error"), ("2101.00002", "error")]
    assert "404" in failures[0].detail
    assert_spaced(fake.starts)


@responses.activate
def test_persistent_5xx_fails_the_batch_without_raising() -> None:
    clock = FakeClock()
    responses.add(responses.GET, BASE_URL, body="down", status=503)
    client = make_client(clock)

    papers, failures = client.fetch(["2101.00001", "2101.00002"])

    assert papers == {}
    assert [(f.arxiv_id, f.reason) for f in failures] == [("2101.00001", "error"), ("2101.00002", "error")]
    assert client.requests == 3  # RetryPolicy(attempts=3)


@responses.activate
def test_a_non_feed_200_is_an_error_not_a_missing_paper() -> None:
    clock = FakeClock()
    responses.add(responses.GET, BASE_URL, body="<html>maintenance</html>", status=200)
    client = make_client(clock)
    papers, failures = client.fetch(["2101.00001"])
    assert papers == {}
    assert [(f.arxiv_id, f.reason) for f in failures] == [("2101.00001", "error")]
    # Retried like a 5xx (a maintenance page is transient), then reported for what it was.
    assert "HTTP 200 with a body that is not an Atom feed (text/plain)" in failures[0].detail
    assert client.requests == 3


def test_empty_request_makes_no_call() -> None:
    clock = FakeClock()
    client = make_client(clock)
    assert client.fetch([]) == ({}, [])
    assert client.requests == 0
