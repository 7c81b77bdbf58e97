"""Characterization of the JSON documents: the exact bytes and dicts the models produce and read back.

The API's documents, the digests and summaries stored in DynamoDB and S3 and the site's JSON exports
are these dicts; the OpenAPI document, stored data and golden tests depend on their key order and on
which keys are left out. The goldens in tests/fixtures/json-documents were written by the hand-written
`to_dict`s before they gave way to one mechanism (core/json_codec.py): any change here is a change of
a published contract, never a refactoring.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hotpapers.core.calendar_periods import month_of, week_of
from hotpapers.core.digest import Digest, DigestSummary, RankedPaper, RankingConfig, SummaryPaper, TopPost
from hotpapers.core.history import HistoryEntry, paper_histories
from hotpapers.core.models import TextEntity
from hotpapers.core.period_digest import PeriodDay, PeriodDigest, PeriodPaper, build_period_digest
from hotpapers.publish.publisher import PublishResult
from tests.support.site_data import SAMPLE_DAY, sample_digest, sample_site_digests, summaries_of

GOLDEN = Path(__file__).parent.parent / "fixtures" / "json-documents"


def _compact(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _golden(name: str) -> bytes:
    return (GOLDEN / name).read_bytes()


# ---------------------------------------------------------------- the fixtures' documents, byte for byte


def test_a_day_digest_document_is_byte_identical() -> None:
    digest = sample_digest()
    assert digest.document == _golden("digest-2021-06-01.json")
    assert _compact(digest.to_dict()) == digest.document
    assert Digest.from_dict(json.loads(digest.document)) == digest


def test_every_sample_day_round_trips() -> None:
    for day, digest in sample_site_digests().items():
        assert digest.document == _golden(f"digest-{day.isoformat()}.json"), day
        assert Digest.from_dict(json.loads(digest.document)) == digest


def test_summaries_are_byte_identical() -> None:
    for summary in summaries_of(sample_site_digests()):
        document = _compact(summary.to_dict())
        assert document == _golden(f"summary-{summary.day.isoformat()}.json"), summary.day
        assert DigestSummary.from_dict(json.loads(document)) == summary


def test_period_digests_are_byte_identical() -> None:
    digests = sample_site_digests()
    for period in (week_of(SAMPLE_DAY), month_of(SAMPLE_DAY), month_of(date(2021, 5, 28))):
        built = build_period_digest(period, digests, RankingConfig())
        assert built.document == _golden(f"period-{period.name}.json"), period
        assert _compact(built.to_dict()) == built.document
        assert PeriodDigest.from_dict(json.loads(built.document)) == built


def test_histories_are_byte_identical() -> None:
    histories = paper_histories(summaries_of(sample_site_digests()))
    document = _compact(
        {arxiv_id: [entry.to_dict() for entry in histories[arxiv_id]] for arxiv_id in sorted(histories)}
    )
    assert document == _golden("histories.json")
    for entries in histories.values():
        assert [HistoryEntry.from_dict(entry.to_dict()) for entry in entries] == entries


# ---------------------------------------------------------------- each model's exact dict

ENTITY_URL = {
    "kind": "url",
    "start": 5,
    "end": 28,
    "url": "https://t.co/abc",
    "expanded_url": "https://arxiv.org/abs/2106.00001",
    "display_url": "arxiv.org/abs/2106.00001",
}
ENTITY_FACET = {"kind": "url", "start": 0, "end": 9, "expanded_url": "https://arxiv.org/abs/2106.00001"}
ENTITY_MENTION = {"kind": "mention", "start": 0, "end": 4, "username": "ak"}
ENTITY_HASHTAG = {"kind": "hashtag", "start": 10, "end": 13, "tag": "ml"}

POST = {
    "source": "x",
    "post_id": "1399",
    "url": "https://twitter.com/ak/status/1399",
    "author_name": "AK ✨",
    "author_handle": "ak",
    "text": "Read: https://t.co/abc #ml",
    "created_at": "2021-06-01T09:38:00Z",
    "kind": "post",
    "metrics": {"retweets": 3, "likes": 10, "quotes": 0, "replies": 1},
    "score": 13,
    "lang": "en",
    "entities": [ENTITY_URL, ENTITY_MENTION, ENTITY_HASHTAG, ENTITY_FACET],
}
BARE_POST = {**POST, "post_id": "2", "created_at": "2021-06-01T10:00:00.123456Z", "lang": None, "entities": []}

PAPER = {
    "rank": 1,
    "arxiv_id": "2106.00001",
    "version": 2,
    "title": "A title with $x^2$ and “quotes”",
    "authors": ["A. Author", "B. Author"],
    "categories": ["cs.LG", "stat.ML"],
    "primary_category": "cs.LG",
    "abstract": "An abstract.",
    "abs_url": "https://arxiv.org/abs/2106.00001v2",
    "pdf_url": "https://arxiv.org/pdf/2106.00001v2",
    "published": "2021-05-31T17:00:00Z",
    "score": 13,
    "engagement": {"x": {"posts": 2, "retweets": 3, "likes": 10, "score": 13}, "bluesky": {"posts": 0, "score": 0}},
    "top_posts": [POST, BARE_POST],
    "as_of": "2021-06-02T09:38:00Z",
    "comment": "12 pages",
    "journal_ref": "NeurIPS 2021",
    "doi": "10.1000/xyz",
}
BARE_PAPER = {
    **PAPER,
    "rank": 2,
    "arxiv_id": "hep-th/9901001",
    "categories": [],
    "primary_category": None,
    "engagement": {},
    "top_posts": [],
    "as_of": None,
    "comment": None,
    "journal_ref": None,
    "doi": None,
}
CONFIG = {"min_score": 40, "top_posts": 5, "top_post_min_score": 20, "weights": {"bluesky": 2.0, "x": 0.5}}
DIGEST = {
    "day": "2021-06-01",
    "as_of": "2021-06-02T09:38:00Z",
    "candidates": 40,
    "config": CONFIG,
    "papers": [PAPER, BARE_PAPER],
}
EMPTY_DIGEST = {
    "day": "2021-06-02",
    "as_of": None,
    "candidates": 0,
    "config": RankingConfig().to_dict(),
    "papers": [],
}
SUMMARY = {
    "day": "2021-06-01",
    "as_of": "2021-06-02T09:38:00Z",
    "candidates": 40,
    "papers": [
        {"rank": 1, "arxiv_id": "2106.00001", "title": "A title with $x^2$ and “quotes”",
         "authors": ["A. Author", "B. Author"], "categories": ["cs.LG", "stat.ML"], "score": 13},
        {"rank": 2, "arxiv_id": "hep-th/9901001", "title": "A title with $x^2$ and “quotes”",
         "authors": ["A. Author", "B. Author"], "categories": [], "score": 13},
    ],
}  # fmt: skip
PERIOD = {
    "period": "2021-W22",
    "kind": "week",
    "from": "2021-05-31",
    "to": "2021-06-06",
    "days": ["2021-05-31", "2021-06-01"],
    "as_of": "2021-06-02T09:38:00Z",
    "candidates": 3,
    "config": CONFIG,
    "papers": [
        {
            **PAPER,
            "days": [{"date": "2021-05-31", "rank": 3, "score": 5}, {"date": "2021-06-01", "rank": 1, "score": 8}],
        }
    ],
}
HISTORY = {"date": "2021-06-01", "rank": 3, "score": 1204}


@pytest.mark.parametrize(
    ("model", "document"),
    [
        (TextEntity, ENTITY_URL),
        (TextEntity, ENTITY_FACET),
        (TextEntity, ENTITY_MENTION),
        (TextEntity, ENTITY_HASHTAG),
        (TopPost, POST),
        (TopPost, BARE_POST),
        (RankedPaper, PAPER),
        (RankedPaper, BARE_PAPER),
        (RankingConfig, CONFIG),
        (Digest, DIGEST),
        (Digest, EMPTY_DIGEST),
        (DigestSummary, SUMMARY),
        (SummaryPaper, SUMMARY["papers"][0]),
        (PeriodDigest, PERIOD),
        (PeriodPaper, PERIOD["papers"][0]),
        (HistoryEntry, HISTORY),
    ],
)
def test_a_document_reads_and_writes_back_unchanged(model: Any, document: dict[str, Any]) -> None:
    value = model.from_dict(json.loads(json.dumps(document)))
    written = value.to_dict()
    assert written == document
    assert list(written) == list(document)  # key order is part of the contract
    assert _compact(written) == _compact(document)
    assert model.from_dict(written) == value


def test_nested_key_order_is_kept() -> None:
    written = Digest.from_dict(DIGEST).to_dict()
    assert _compact(written) == _compact(DIGEST)
    period = PeriodDigest.from_dict(PERIOD).to_dict()
    assert _compact(period) == _compact(PERIOD)


def test_the_summary_of_a_digest_is_its_small_copy() -> None:
    assert DigestSummary.of(Digest.from_dict(DIGEST)).to_dict() == SUMMARY


def test_period_day_and_publish_result_dicts() -> None:
    assert PeriodDay(date(2021, 6, 1), 2, 90).to_dict() == {"date": "2021-06-01", "rank": 2, "score": 90}
    result = PublishResult(days=[{"date": "2021-06-01", "papers": 2, "candidates": 40}], skipped={"2021-06-02": "why"})
    result.objects_put, result.objects_unchanged = 7, 3
    written = result.to_dict()
    assert list(written) == ["days", "skipped", "objects_put", "objects_unchanged"]
    assert written == {
        "days": [{"date": "2021-06-01", "papers": 2, "candidates": 40}],
        "skipped": {"2021-06-02": "why"},
        "objects_put": 7,
        "objects_unchanged": 3,
    }
    assert PublishResult().to_dict() == {"days": [], "skipped": {}, "objects_put": 0, "objects_unchanged": 0}


# ---------------------------------------------------------------- what the writers normalise and readers accept


def test_weights_are_written_sorted_and_as_floats() -> None:
    config = RankingConfig(weights={"x": 1, "bluesky": 2.5, "hackernews": 1.0})
    assert list(config.to_dict()["weights"].items()) == [("bluesky", 2.5), ("hackernews", 1.0), ("x", 1.0)]
    assert _compact(config.to_dict()).endswith(b'"weights":{"bluesky":2.5,"hackernews":1.0,"x":1.0}}')


def test_times_are_written_in_utc_with_z() -> None:
    written = TopPost.from_dict({**POST, "created_at": "2021-06-01T11:38:00+02:00"}).to_dict()
    assert written["created_at"] == "2021-06-01T09:38:00Z"


def test_older_documents_without_optional_keys_still_read() -> None:
    post = {key: value for key, value in POST.items() if key not in ("lang", "entities")}
    assert TopPost.from_dict(post).to_dict() == {**POST, "lang": None, "entities": []}
    paper = {key: value for key, value in PAPER.items() if key not in ("as_of", "comment", "journal_ref", "doi")}
    paper["top_posts"] = []
    assert RankedPaper.from_dict(paper).to_dict() == {
        **PAPER, "top_posts": [], "as_of": None, "comment": None, "journal_ref": None, "doi": None
    }  # fmt: skip
    digest = {key: value for key, value in DIGEST.items() if key not in ("config", "as_of")}
    read = Digest.from_dict(digest)
    assert read.config == RankingConfig() and read.as_of is None
    summary = {key: value for key, value in SUMMARY.items() if key != "as_of"}
    assert DigestSummary.from_dict(summary).as_of is None


def test_numbers_from_dynamodb_read_as_their_types() -> None:
    from decimal import Decimal

    assert HistoryEntry.from_dict({"date": "2021-06-01", "rank": Decimal(3), "score": Decimal(1204)}) == HistoryEntry(
        date(2021, 6, 1), 3, 1204
    )
    config = RankingConfig.from_dict({**CONFIG, "min_score": Decimal(40), "weights": {"x": Decimal("0.5")}})
    assert config.min_score == 40 and type(config.min_score) is int
    assert config.weights == {"x": 0.5} and type(config.weights["x"]) is float


# ---------------------------------------------------------------- malformed documents fail loudly, naming the key


@pytest.mark.parametrize(
    ("model", "document", "path"),
    [
        (HistoryEntry, {"date": "2021-06-01", "rank": 3}, "score: missing"),
        (HistoryEntry, {"date": "June 1st", "rank": 3, "score": 1}, "date: expected an ISO 8601 date"),
        (HistoryEntry, {"date": "2021-06-01", "rank": "3", "score": 1}, "rank: expected an integer"),
        (HistoryEntry, {"date": "2021-06-01", "rank": 2.5, "score": 1}, "rank: expected an integer"),
        (HistoryEntry, {"date": "2021-06-01", "rank": True, "score": 1}, "rank: expected an integer"),
        (TopPost, {**POST, "created_at": "yesterday"}, "created_at: expected an ISO 8601 time"),
        (TopPost, {**POST, "metrics": {"likes": "many"}}, "metrics.likes: expected an integer"),
        (TopPost, {**POST, "entities": [ENTITY_URL, {"kind": "url", "start": 0}]}, "entities[1].end: missing"),
        (Digest, {**DIGEST, "papers": [PAPER, {**BARE_PAPER, "title": None}]}, "papers[1].title: expected a string"),
        (Digest, {**DIGEST, "papers": {}}, "papers: expected a list"),
        (Digest, {**DIGEST, "config": {**CONFIG, "weights": {"x": "heavy"}}}, "config.weights.x: expected a number"),
        (PeriodDigest, {**PERIOD, "kind": "decade"}, "period"),
        (PeriodDigest, {**PERIOD, "papers": [{**PAPER, "days": [{"date": "2021-05-31"}]}]}, "papers[0].days[0].rank"),
    ],
)
def test_a_malformed_document_names_what_is_wrong(model: Any, document: dict[str, Any], path: str) -> None:
    with pytest.raises(ValueError, match=path.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        model.from_dict(document)
