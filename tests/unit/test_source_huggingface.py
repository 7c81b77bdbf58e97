"""Hugging Face daily papers: parsing the real recorded list, paging and failures."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from hotpapers.collect.sources.base import SourceError
from hotpapers.collect.sources.huggingface import HuggingFaceSource, parse_hf_page
from hotpapers.core.clock import FakeClock
from hotpapers.core.http import HttpClient
from hotpapers.core.models import ArxivRef

pytestmark = pytest.mark.unit

BASE = "https://hf.test/api"
DAILY = f"{BASE}/daily_papers"
DAY = date(2026, 6, 11)


def hf_items(fixtures: Path) -> list[dict[str, Any]]:
    return json.loads((fixtures / "huggingface-daily-papers" / "sotawhat__hf_daily_papers.json").read_text("utf-8"))


def item(items: list[dict[str, Any]], arxiv_id: str) -> dict[str, Any]:
    return next(i for i in items if i["paper"]["id"] == arxiv_id)


def query(call: Any) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


@pytest.fixture
def mocked():
    with responses.RequestsMock() as rsps:
        yield rsps


# --- parser against the real list ------------------------------------------------------------


def test_every_real_item_is_a_post_about_its_arxiv_paper(fixtures):
    posts, skipped = parse_hf_page(hf_items(fixtures), DAY)

    assert (len(posts), skipped) == (30, 0)
    assert all(p.papers[0].arxiv_id.startswith("2606.") and len(p.papers) == 1 for p in posts)
    assert len({p.post_id for p in posts}) == 30


def test_a_real_item_keeps_its_upvotes_comments_submitter_and_list_time(fixtures):
    posts, _ = parse_hf_page(hf_items(fixtures), DAY)

    post = next(p for p in posts if p.papers == (ArxivRef("2606.13392"),))
    assert post.source == "huggingface"
    assert post.post_id == "2026-06-11/2606.13392"
    assert post.url == "https://huggingface.co/papers/2606.13392"
    assert post.text == "MiniMax Sparse Attention"
    assert (post.author_name, post.author_handle) == ("Ryanlee", "ryanlee-dev")
    assert post.metrics == {"upvotes": 103, "comments": 4}
    # The daily list's time, not the paper's arXiv date (2026-06-11T00:00Z).
    assert post.created_at == datetime(2026, 6, 10, 20, 0, tzinfo=UTC)
    assert post.kind == "daily-paper"


def test_hard_wrapped_titles_of_older_responses_are_unwrapped(fixtures):
    items = hf_items(fixtures)
    item(items, "2606.13392")["title"] = "MiniMax\n  Sparse   Attention\n"

    posts, _ = parse_hf_page(items, DAY)

    assert next(p for p in posts if p.post_id.endswith("2606.13392")).text == "MiniMax Sparse Attention"


def test_the_papers_own_date_is_the_fallback_for_a_missing_list_time(fixtures):
    items = hf_items(fixtures)
    del item(items, "2606.13392")["publishedAt"]

    posts, _ = parse_hf_page(items, DAY)

    post = next(p for p in posts if p.post_id.endswith("2606.13392"))
    assert post.created_at == datetime(2026, 6, 11, tzinfo=UTC)


def test_items_that_are_malformed_or_not_arxiv_papers_are_skipped_and_counted(fixtures):
    items = hf_items(fixtures)
    items[0]["paper"]["id"] = "not-an-arxiv-id"
    del items[1]["paper"]
    items[2]["paper"]["upvotes"] = None
    items[3]["numComments"] = "2"
    del items[4]["publishedAt"], items[4]["paper"]["publishedAt"]
    items.append("not an item")

    posts, skipped = parse_hf_page(items, DAY)

    assert (len(posts), skipped) == (25, 6)


def test_a_missing_submitter_still_makes_a_post(fixtures):
    items = hf_items(fixtures)
    del item(items, "2606.13392")["submittedBy"]

    post = next(p for p in parse_hf_page(items, DAY)[0] if p.post_id.endswith("2606.13392"))

    assert (post.author_name, post.author_handle) == ("", "")


@pytest.mark.parametrize("body", [{"error": "Invalid date"}, "[]", None])
def test_a_page_that_is_not_a_list_raises_source_error(body):
    with pytest.raises(SourceError, match="not a JSON array"):
        parse_hf_page(body, DAY)


# --- fetching -----------------------------------------------------------------------------------


def huggingface(clock: FakeClock | None = None) -> tuple[HuggingFaceSource, FakeClock]:
    clock = clock or FakeClock()
    return HuggingFaceSource(HttpClient(clock=clock), BASE), clock


def full_page(fixtures: Path) -> list[dict[str, Any]]:
    """100 items: the 30 real ones plus 70 copies under fresh ids (the recording holds only 30)."""
    items = hf_items(fixtures)
    for n in range(70):
        clone = copy.deepcopy(items[n % 30])
        clone["paper"]["id"] = f"2606.9{n:04d}"
        items.append(clone)
    return items


def test_pages_until_a_page_is_shorter_than_the_limit(fixtures, mocked):
    mocked.get(DAILY, json=full_page(fixtures))
    mocked.get(DAILY, json=[])
    source, _ = huggingface()

    posts = list(source.fetch_day(DAY))

    assert len(posts) == 100
    assert [query(c) for c in mocked.calls] == [
        {"date": "2026-06-11", "limit": "100", "p": "0"},
        {"date": "2026-06-11", "limit": "100", "p": "1"},
    ]


def test_a_short_first_page_is_the_only_request(fixtures, mocked):
    mocked.get(DAILY, json=hf_items(fixtures))
    source, _ = huggingface()

    assert len(list(source.fetch_day(DAY))) == 30
    assert len(mocked.calls) == 1


def test_an_api_that_ignores_the_page_parameter_cannot_loop_or_duplicate(fixtures, mocked):
    mocked.get(DAILY, json=full_page(fixtures))  # served for every request
    source, _ = huggingface()

    posts = list(source.fetch_day(DAY))

    assert len(posts) == 100 and len({p.post_id for p in posts}) == 100
    assert len(mocked.calls) == 2


def test_a_429_with_retry_after_is_waited_out_and_retried(fixtures, mocked):
    mocked.get(DAILY, status=429, headers={"Retry-After": "2"})
    mocked.get(DAILY, json=hf_items(fixtures))
    source, clock = huggingface()

    assert len(list(source.fetch_day(DAY))) == 30
    assert clock.sleeps == [2.0]


def test_skipped_items_are_counted_on_the_source(fixtures, mocked):
    items = hf_items(fixtures)
    del items[0]["paper"]
    mocked.get(DAILY, json=items)
    source, _ = huggingface()

    assert len(list(source.fetch_day(DAY))) == 29
    assert source.skipped == 1


def test_an_error_object_instead_of_a_list_fails_the_source(mocked):
    mocked.get(DAILY, json={"error": "Something went wrong"})
    source, _ = huggingface()

    with pytest.raises(SourceError, match="not a JSON array"):
        list(source.fetch_day(DAY))
