"""Upstream faults, for each source: injected by a misbehaving server on loopback, driven through the real handler.

Every upstream base URL points at `FaultyUpstreams` (tests/support/faulty_upstreams.py), a proxy in
front of FakeUpstreams that answers chosen requests of one source with a fault. For each fault:

- once, for every source in the same run: the product retries and the run stores exactly what a
  clean run stores;
- persistently, for each source in turn, on an empty table: that source fails with a clear logged
  error and a metric, the other sources' data is stored and nothing stored is wrong; a re-run with
  the fault removed leaves the table equal to a clean run's; the fault again over that clean table
  loses and changes nothing; the site published from the faulty run links to no missing page.

The day is a small synthetic one with posts on every source (30 posts over 6 papers), so a failing source
has something to lose. The lab that runs the handler, watches its logs and metrics, reads what it stored
(through the store's typed reads) and publishes the site is tests/support/upstream_fault_lab.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from hotpapers.core.clock import FakeClock
from hotpapers.core.observability import metrics
from hotpapers.core.settings import Settings
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.provision import provision
from hotpapers_local.sample import synthetic_heavy_day
from tests.support import ledger
from tests.support.faulty_upstreams import FAULTS, SOURCES, FaultyUpstreams
from tests.support.site_stack import BSKY
from tests.support.stored_records import StoredRecords
from tests.support.upstream_fault_lab import DAY, HTTP_TIMEOUT, SITE, START, Lab, Run

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

SOCIAL = ("x", "bluesky", "hackernews", "huggingface")

# Faults that only exist on one upstream.
ONLY = {"429-x-rate-limit-reset": ("x",), "arxiv-error-feed": ("arxiv",)}
# Request numbers that make "once" for a fault: a page served twice needs the page and its repeat.
ONCE = {"duplicate-page": {"hackernews": (1, 2), "huggingface": (1, 2)}}
# Where even one occurrence must fail the source: Algolia pages by number, so a repeated page means the
# real page was never served, and its stories would be dropped without a word.
ONCE_FAILS = {("duplicate-page", "hackernews")}
# Where a page served twice is harmless: Hugging Face's full page repeated (the product dedups and stops),
# arXiv's entries twice over (keyed by id).
DEDUPLICATED = {("duplicate-page", "huggingface"), ("duplicate-page", "arxiv")}

# What a clear error must say, per fault (matched in the logged error, case-insensitive).
MARKERS = {
    "http-500": r"HTTP 500",
    "http-502": r"HTTP 502",
    "http-503": r"HTTP 503",
    "429-retry-after": r"HTTP 429",
    "429-x-rate-limit-reset": r"HTTP 429",
    "connection-reset": r"reset",
    "read-timeout": r"timeout|no answer in time",
    "truncated-body": r"incomplete|truncated|cut short",
    "malformed-body": r"not JSON|not well-formed|unreadable",
    "html-200": r"text/html",
    "arxiv-error-feed": r"incorrect id format",
    "duplicate-page": r"repeated",
}


# What this suite found in the product, and the fix; each recorded once the test of its fault passed.
FINDINGS: dict[str, list[tuple[str, str]]] = {
    "http-503": [
        (
            "A re-collect of a stored day while one source failed (any fault) or answered empty rewrote every "
            "day_paper it shared with other sources without that source's engagement: the stored figures, "
            "served by GET /papers/{id}, lost that source although its mentions were still stored",
            "collect.py sums a day's engagement over the mentions stored for the day plus this run's posts "
            "(one Query of the day); a failing source now loses nothing",
        )
    ],
    "truncated-body": [
        (
            "A body shorter than its Content-Length (requests' ChunkedEncodingError) was not retried and escaped "
            "HttpClient as a raw requests exception; from arXiv it escaped ArxivClient.fetch, whose contract is to "
            "never raise, and aborted the whole collect before anything was written",
            "http.py retries ChunkedEncodingError and ContentDecodingError like a reset connection",
        )
    ],
    "connection-reset": [
        (
            "A reset connection or a cut-off body was logged as 'ConnectionError: connection failed', which "
            "names neither the reset nor the truncation",
            "http.py names the root cause urllib3 reports, e.g. 'ConnectionResetError (connection reset by the "
            "upstream)', 'IncompleteRead (body cut short before its Content-Length)'",
        )
    ],
    "html-200": [
        (
            "A 200 answer that was not JSON (a proxy's HTML error page) failed the source on its first occurrence, "
            "with no retry; from arXiv it marked every paper of the batch failed at once",
            "HttpClient.fetch/get_json parse inside the retry loop: a body the parser rejects is retried like a "
            "5xx, then reported with its Content-Type ('HTTP 200 with a body that is not JSON (text/html)')",
        )
    ],
    "malformed-body": [
        (
            "A cut-off (not well-formed) arXiv Atom feed was accepted: feedparser returns the entries before the "
            "break, so those papers were stored (the last possibly missing fields) and the rest marked not_found",
            "arxiv.py flags a SAX error as a malformed feed; it is retried, then reported as a lookup error",
        )
    ],
    "duplicate-page": [
        (
            "When Algolia served the same Hacker News page again, the source paged the same hits ten times, then "
            "failed with a wrong cause ('more than 1,000 stories in one second'); a real page was silently skipped",
            "hackernews.py fails the source at the first repeated page: 'search repeated a page'",
        )
    ],
    "arxiv-error-feed": [
        (
            "The 'arXiv metadata missing' warning gave the reason class ('error') but not arXiv's message or the "
            "fault, so the log did not say why",
            "collect.py logs the failure's detail (e.g. 'incorrect id format for abc', 'failed after 5 attempts: "
            "HTTP 503')",
        )
    ],
    "read-timeout": [
        (
            "The upstream timeout was fixed at 20 s with no setting: a hung upstream could only be tested by "
            "waiting 5 x 20 s",
            "HOTPAPERS_HTTP_TIMEOUT (default 20 s) in settings.py, passed to every HttpClient by collect/handler.py",
        )
    ],
}


def sources_for(fault: str) -> tuple[str, ...]:
    return ONLY.get(fault, SOURCES)


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[FakeUpstreams, FaultyUpstreams, list[FakeClock]]]:
    # 30 posts over 6 papers: X 24 originals (+1 retweet), Bluesky 3, HN 2, HF 1.
    dataset = synthetic_heavy_day(DAY, papers=6, posts=30)
    clock_ref = [FakeClock(START)]
    with FakeUpstreams(dataset, bsky_credentials=BSKY) as fake:
        with FaultyUpstreams(fake.url, now=lambda: clock_ref[0].now().timestamp(), hold_seconds=1.0) as proxy:
            yield fake, proxy, clock_ref


@pytest.fixture
def lab(world, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys) -> Iterator[Lab]:
    _, proxy, clock_ref = world
    values = {
        **proxy.env(),
        "AWS_ENDPOINT_URL": moto_endpoint,
        "HOTPAPERS_X_BEARER_TOKEN": "test-token",
        "HOTPAPERS_BSKY_HANDLE": BSKY[0],
        "HOTPAPERS_BSKY_APP_PASSWORD": BSKY[1],
        "HOTPAPERS_SOURCES": ",".join(SOCIAL),
        "HOTPAPERS_HTTP_TIMEOUT": str(HTTP_TIMEOUT),
        "HOTPAPERS_ARXIV_BATCH_SIZE": "4",  # two batches: a fault "once" hits the first
        "HOTPAPERS_SITE_URL": SITE,
        # Every collected paper on the site (the synthetic day's scores are below the blog's threshold),
        # so the link check covers paper, category and archive links.
        "HOTPAPERS_MIN_SCORE": "0",
        "HOTPAPERS_TOP_POST_MIN_SCORE": "0",
        "POWERTOOLS_METRICS_DISABLED": "false",  # the metrics are part of what is checked
        "POWERTOOLS_METRICS_NAMESPACE": "HotPapers",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("HOTPAPERS_SECRET_ID", raising=False)
    for key in ("HOTPAPERS_TABLE", "HOTPAPERS_BUCKET", "HOTPAPERS_EVENT_BUS"):
        monkeypatch.setenv(key, "hp-faults-shared")  # the bus (and a bucket) every run of this module shares
    if moto_endpoint not in _provisioned:
        provision(Settings.from_env())
        _provisioned.add(moto_endpoint)
    proxy.clear()
    yield Lab(proxy, monkeypatch, capsys, clock_ref)
    proxy.clear()
    metrics.clear_metrics()


_clean: dict[str, Any] = {}
_provisioned: set[str] = set()  # moto endpoints where the shared bus and bucket exist
_published: dict[str, int] = {}  # table state → hrefs checked in the site published from it


def clean_snapshot(lab: Lab) -> StoredRecords:
    """What a clean run stores (computed once per session, on a table of its own)."""
    if "records" not in _clean:
        lab.fresh_table("clean")
        run = lab.collect()
        assert all(o["error"] is None for o in run.day["sources"].values()), run.day["sources"]
        assert run.day["paper_failures"] == []
        assert {name: o["posts"] > 0 for name, o in run.day["sources"].items()} == dict.fromkeys(SOCIAL, True)
        _clean["records"] = lab.snapshot()
        _clean["day"] = run.day
    return _clean["records"]


# ---------------------------------------------------------------------------- checks


def assert_consistent_without(result: StoredRecords, clean: StoredRecords, failed: str) -> None:
    """The table after a run where `failed` delivered nothing (or part): everything stored is right."""
    extra = result.keys() - clean.keys()
    assert not extra, f"records a clean run does not store: {sorted(extra, key=repr)[:3]}"
    for source in SOCIAL:
        if source != failed:
            assert result.mentions_from(source) == clean.mentions_from(source), f"{source}'s mentions not all stored"
    for key, post in result.mentions.items():
        assert post == clean.mentions[key], f"{key} differs from a clean run"
    for arxiv_id, paper in result.papers.items():
        if failed == "arxiv":
            raise AssertionError(f"{arxiv_id}: paper metadata stored although arXiv failed")
        assert paper == clean.papers[arxiv_id], f"{arxiv_id} differs from a clean run"
    for key, day_paper in result.day_papers.items():
        # The metadata as clean, the other sources' engagement as clean.
        clean_day_paper = clean.day_papers[key]
        if failed == "arxiv":
            assert not day_paper.has_metadata
            assert (day_paper.arxiv_id, day_paper.day) == (clean_day_paper.arxiv_id, clean_day_paper.day)
        else:
            mine, theirs = replace(day_paper, engagement={}), replace(clean_day_paper, engagement={})
            assert mine == theirs, f"{key}: metadata differs from a clean run"
        engagement, clean_engagement = day_paper.engagement, clean_day_paper.engagement
        for source, counts in engagement.items():
            if source != failed:
                assert counts == clean_engagement[source], f"{key}: {source} engagement differs"
        for source in clean_engagement:
            if source != failed:
                assert source in engagement, f"{key}: {source} engagement lost"
    # Every paper some stored mention names has its day record.
    named = {arxiv_id for arxiv_id, *_ in result.mentions}
    days = {arxiv_id for arxiv_id, _ in result.day_papers}
    assert named == days


def clear_error(run: Run, source: str, fault: str) -> str:
    """The logged error for `source`; it must name the source and the fault. Returns its text."""
    marker = re.compile(MARKERS[fault], re.IGNORECASE)
    if source == "arxiv":
        texts = [
            f"{r.getMessage()}: {getattr(r, 'reason', '')}: {getattr(r, 'detail', '')}"
            for r in run.logs
            if r.getMessage() == "arXiv metadata missing"
        ]
        assert texts, "no arXiv failure was logged"
        assert all("arXiv" in text for text in texts)
    else:
        texts = []
        for record in run.logs:
            if record.getMessage() == "source failed" and getattr(record, "source", None) == source:
                exc = record.exc_info[1] if record.exc_info else None
                texts.append(f"{type(exc).__name__}: {exc}")
        assert texts, f"no 'source failed' log for {source}"
        assert all(text.split(": ", 1)[1].startswith(f"{source}:") for text in texts), texts
    matching = [text for text in texts if marker.search(text)]
    assert matching, f"the logged error does not say what happened ({MARKERS[fault]!r}): {texts}"
    # The proxy's ephemeral port would make every generated report differ: keep the path only.
    return re.sub(r"http://127\.0\.0\.1:\d+", "", matching[0])[:160]


# ---------------------------------------------------------------------------- the test


@pytest.mark.parametrize("fault", [f for f in FAULTS])
def test_upstream_fault(lab: Lab, fault: str) -> None:
    clean = clean_snapshot(lab)
    clean_posts = {name: o["posts"] for name, o in _clean["day"]["sources"].items()}
    once: dict[str, str] = {}

    # ---- once, every source in one run: retried, and the run stores what a clean run stores.
    if fault != "empty-result":  # an empty answer is a valid one: nothing tells a retry is due (see below)
        lab.fresh_table(f"once-{fault}")
        for source in sources_for(fault):
            lab.proxy.inject(source, fault, requests=ONCE.get(fault, {}).get(source, (1,)))
        run = lab.collect(fault)
        failing = [source for source in sources_for(fault) if (fault, source) in ONCE_FAILS]
        errors = {n: o["error"] for n, o in run.day["sources"].items() if n not in failing}
        assert errors == {n: None for n in SOCIAL if n not in failing}, run.day["sources"]
        assert run.day["paper_failures"] == []
        if failing:
            assert len(failing) == 1
            assert_consistent_without(lab.snapshot(), clean, failing[0])
        else:
            assert lab.snapshot() == clean
        for source in sources_for(fault):
            seen, hits = lab.proxy.stats(source)
            assert hits == len(ONCE.get(fault, {}).get(source, (1,))), f"{source}: the fault was not served"
            if source in failing:
                once[source] = f"source failed, others stored: {clear_error(run, source, fault)}"
                continue
            if fault == "duplicate-page":
                once[source] = f"deduplicated, run completed ({hits} repeated of {seen} requests)"
                continue
            assert seen > hits, f"{source}: the fault was not followed by a retry"
            if source != "arxiv":
                assert run.day["sources"][source]["requests"] >= seen
            once[source] = f"retried, run completed ({hits} faulted of {seen} requests)"
        assert run.failure_metric("x") == 0

    # ---- persistent, one source at a time.
    for source in sources_for(fault):
        lab.proxy.clear()
        lab.fresh_table(f"{fault}-{source}")
        lab.proxy.inject(source, fault)  # every data request of this source
        run = lab.collect(fault)
        seen, hits = lab.proxy.stats(source)
        result = lab.snapshot()
        logged_error, metric = "", ""
        expected_posts = dict(clean_posts)

        if fault == "empty-result":
            # A valid empty answer: accepted as a quiet day, not an error. Nothing else is touched.
            assert hits >= 1
            assert all(o["error"] is None for o in run.day["sources"].values()), run.day["sources"]
            if source == "arxiv":
                assert sorted(run.day["paper_failures"]) == sorted(clean.papers)
                reasons = {getattr(r, "reason", None) for r in run.logs if r.getMessage() == "arXiv metadata missing"}
                assert reasons == {"not_found"}
                logged_error = "warning 'arXiv metadata missing', reason not_found, per paper"
                metric = f"PaperLookupFailures={run.metric('PaperLookupFailures'):.0f}"
                assert run.metric("PaperLookupFailures") == len(run.day["paper_failures"])
            else:
                expected_posts[source] = 0
                assert {n: o["posts"] for n, o in run.day["sources"].items()} == expected_posts
                logged_error = f"none: 'collect finished' logs {source} posts=0"
                metric = f"Posts{{source={source}}}=0"
            assert_consistent_without(result, clean, source)
            outcome = "accepted as an empty answer, others stored"
        elif (fault, source) in DEDUPLICATED:
            # Pages (or entries) served twice are deduplicated: the run completes with the clean data.
            assert hits >= 1
            assert all(o["error"] is None for o in run.day["sources"].values()), run.day["sources"]
            assert run.day["paper_failures"] == []
            assert result == clean
            outcome = "deduplicated, run completed"
            logged_error = "none"
            if source == "arxiv":
                assert run.metric("PaperLookupFailures") == 0
                metric = "PaperLookupFailures=0"
            else:
                assert run.failure_metric(source) == 0
                metric = f"Failures{{source={source}}}=0"
        elif source == "arxiv":
            assert hits >= 1
            assert all(o["error"] is None for o in run.day["sources"].values())
            ids = sorted(clean.papers)
            assert sorted(run.day["paper_failures"]) == ids
            logged_error = clear_error(run, source, fault)
            assert run.metric("PaperLookupFailures") == len(ids)
            metric = f"PaperLookupFailures={len(ids)}"
            assert_consistent_without(result, clean, "arxiv")
            outcome = "arXiv failed, posts stored without metadata"
        else:
            assert hits >= 1
            error = run.day["sources"][source]["error"]
            assert error and error.split(": ", 1)[1].startswith(f"{source}:"), error
            others = {n: o["error"] for n, o in run.day["sources"].items() if n != source}
            assert others == {n: None for n in SOCIAL if n != source}, run.day
            logged_error = clear_error(run, source, fault)
            assert run.failure_metric(source) == 1 and run.metric("SourceFailures") == 1
            metric = f"Failures{{source={source}}}=1, SourceFailures=1"
            assert_consistent_without(result, clean, source)
            outcome = "source failed, others stored"

        # The site built from this state links to no missing page (once per distinct state: it is the same
        # state for every fault that makes a source deliver nothing).
        state = result.fingerprint()
        if state not in _published:
            _published[state] = lab.publish_and_check_links()

        # A re-run with the fault removed repairs: the table equals a clean run's.
        lab.proxy.clear()
        repaired = lab.collect()
        assert all(o["error"] is None for o in repaired.day["sources"].values()), repaired.day
        assert repaired.day["paper_failures"] == []
        assert lab.snapshot() == clean

        # The fault again, over that clean table: nothing stored is lost or changed. (Not for arXiv: a
        # day whose papers are all stored asks arXiv nothing, so the fault would never be served.)
        lost: int | None = None
        if source != "arxiv":
            lab.proxy.inject(source, fault)
            lab.collect(fault)
            after = lab.snapshot()
            lost = clean.lost_or_changed_in(after)
            assert after == clean, f"{lost} stored records lost or changed by a failing {source}"
            assert lab.proxy.stats(source)[1] >= 1, "the fault was not served over the stored day"

        ledger.record(
            "upstream_faults",
            source=source,
            fault=fault,
            once=once.get(source, "n/a: an empty answer is valid"),
            outcome=outcome,
            logged_error=logged_error,
            metric=metric,
            faulted_requests=hits,
            lost=lost if lost is not None else "n/a: a stored day asks arXiv nothing",
            rerun_repairs=True,
            site_hrefs_checked=_published[state],
            faulty_run_seconds=round(run.seconds, 2),
        )

    for finding, fix in FINDINGS.get(fault, ()):
        ledger.record(
            "findings",
            finding=finding,
            fix=fix,
            test=f"tests/reliability/test_upstream_faults.py::test_upstream_fault[{fault}]",
        )
