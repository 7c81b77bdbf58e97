"""Paper pages end to end: two published days sharing a paper, its page, its HISTORY item and the API.

The sample day 2021-06-01 is collected through the real collector; 2021-06-02 is written to the
table as the collector would have stored it, with new posts (other ids, a fraction of the counts)
about two of the first day's papers, so one paper is listed on both days. Everything after that
goes through the real publish and API handlers.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from hotpapers.api import handler as api_handler
from hotpapers.core import aws
from hotpapers.core.clock import FakeClock
from hotpapers.core.records import Mention
from hotpapers.core.settings import Settings
from hotpapers.core.store import Store
from hotpapers.publish import render_plan
from hotpapers.publish.site import render_paper_pages
from hotpapers_local.apigw import proxy_event
from hotpapers_local.invoke import invoke
from tests.support.published_site import bucket_objects, collect_sample_day

pytestmark = pytest.mark.integration

DAY = date(2021, 6, 1)
DAY2 = date(2021, 6, 2)
SHARED = "2105.14103"  # the sample day's top paper: listed on both days
DROPPING = "2105.15075"  # listed on both, then dropped from the second day when it is published again


_ROW = re.compile(
    r'<time datetime="(\d{4}-\d\d-\d\d)">[^<]*</time></a></td>\s*<td class="num">(\d+)</td>\s*'
    r'<td class="num">([\d,]+)</td>'
)


def page_rows(markup: str) -> list[tuple[str, int, int]]:
    """The history table of a paper's page: (date, rank, score) per row, as shown."""
    table = markup[markup.index('aria-labelledby="history"') :]
    table = table[: table.index("</table>")]
    return [(day, int(rank), int(score.replace(",", ""))) for day, rank, score in _ROW.findall(table)]


def _store(env: Settings) -> Store:
    return Store(env.table, aws.client("dynamodb", env.endpoint_url, env.region), FakeClock())


def _second_day(store: Store, papers: dict[str, float]) -> None:
    """DAY2 as the collector would store it: each paper's DAY X posts again, new ids, counts × factor."""
    records = store.day(DAY)
    copied: list[Any] = [replace(records.run, day=DAY2)] if records.run else []
    copied += [replace(day_paper, day=DAY2) for day_paper in records.papers if day_paper.arxiv_id in papers]
    for mention in records.mentions:
        post = mention.observation.post
        if mention.arxiv_id not in papers or post.source != "x":
            continue
        factor = papers[mention.arxiv_id]
        post_id = str(int(post.post_id) + 7)
        again = replace(
            post,
            post_id=post_id,
            url=post.url.replace(post.post_id, post_id),
            created_at=post.created_at.replace(year=DAY2.year, month=DAY2.month, day=DAY2.day),
            metrics={name: int(value * factor) for name, value in post.metrics.items()},
        )
        copied.append(Mention(mention.arxiv_id, DAY2, replace(mention.observation, post=again)))
    store.write(copied)


def _api_paper(arxiv_id: str) -> dict[str, Any]:
    api_handler.reset()  # the app is built once per container: this test's table
    event = proxy_event("GET", f"/papers/{arxiv_id}", {}, b"")
    assert event is not None
    response = invoke("api", event, keep_stdout=False)
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])


def _stored_history(store: Store, arxiv_id: str) -> list[dict[str, Any]] | None:
    history = store.paper(arxiv_id).history
    return None if history is None else [entry.to_dict() for entry in history]


def _expected_history(store: Store, arxiv_id: str) -> list[dict[str, Any]]:
    """What the stored digests say: every day listing the paper, its rank and score there."""
    found = []
    for summary in sorted(store.digest_summaries(), key=lambda s: s.day):
        digest = store.get_digest(summary.day)
        assert digest is not None
        for paper in digest.papers:
            if paper.paper.arxiv_id == arxiv_id:
                found.append({"date": summary.day.isoformat(), "rank": paper.rank, "score": paper.score})
    return found


def test_a_paper_listed_on_two_days_has_one_page_history_item_and_api_history(env: Settings) -> None:
    collect_sample_day()
    store = _store(env)
    _second_day(store, {SHARED: 0.5, DROPPING: 0.25})
    result = invoke("publish", {"from": DAY.isoformat(), "to": DAY2.isoformat()})
    assert [d["date"] for d in result["days"]] == [DAY.isoformat(), DAY2.isoformat()]

    expected = _expected_history(store, SHARED)
    assert [entry["date"] for entry in expected] == [DAY.isoformat(), DAY2.isoformat()]
    assert expected[0]["rank"] == 1 and expected[1]["score"] < expected[0]["score"]
    assert _stored_history(store, SHARED) == expected
    assert _api_paper(SHARED)["history"] == expected

    objects = bucket_objects(env)
    page = objects[f"papers/{SHARED}/index.html"]
    assert page["type"] == "text/html; charset=utf-8"
    rows = page_rows(page["body"].decode())
    assert rows == [(e["date"], e["rank"], e["score"]) for e in expected]
    # Every paper of either day has its page, and the day pages link their titles to them.
    digests = [store.get_digest(day) for day in (DAY, DAY2)]
    papers = {p.paper.arxiv_id for digest in digests if digest is not None for p in digest.papers}
    assert len(papers) == 17
    assert {key for key in objects if key.startswith("papers/")} == {f"papers/{p}/index.html" for p in papers}
    day2 = objects[f"digests/{DAY2.isoformat()}/index.html"]["body"].decode()
    assert re.search(rf'<a href="[^"]*/papers/{re.escape(SHARED)}/"><bdi>', day2)
    # A paper listed on one day only: one row, and an API history of one entry.
    only_first = next(p for p in papers if p not in (SHARED, DROPPING))
    assert _api_paper(only_first)["history"] == _expected_history(store, only_first)
    assert len(_expected_history(store, only_first)) == 1


def test_republishing_a_day_writes_only_its_papers_pages_and_unchanged_makes_no_put(
    env: Settings,
    record_puts,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rendered: list[str] = []

    def recording(arxiv_ids, *args, **kwargs):  # type: ignore[no-untyped-def]
        ids = list(arxiv_ids)
        rendered.extend(ids)
        return render_paper_pages(ids, *args, **kwargs)

    monkeypatch.setattr(render_plan, "render_paper_pages", recording)  # the plan's paper pages job renders through it
    collect_sample_day()
    store = _store(env)
    _second_day(store, {SHARED: 0.5, DROPPING: 0.25})
    invoke("publish", {"from": DAY.isoformat(), "to": DAY2.isoformat()})
    assert [e["date"] for e in _expected_history(store, DROPPING)] == [DAY.isoformat(), DAY2.isoformat()]

    assert len(set(rendered)) == 17  # the first publish: every paper of both days
    rendered.clear()
    puts = record_puts()
    unchanged = invoke("publish", {"date": DAY2.isoformat()})
    assert unchanged["objects_put"] == 0 and puts == []
    # Only the second day's papers were rendered again, not the first day's others.
    assert sorted(rendered) == sorted([SHARED, DROPPING])
    rendered.clear()

    # The second day again, its posts about DROPPING now worth nothing: the paper leaves that day.
    _second_day(store, {SHARED: 0.6, DROPPING: 0.0})
    invoke("publish", {"date": DAY2.isoformat()})
    assert _expected_history(store, DROPPING) == [_expected_history(store, DROPPING)[0]]
    assert _stored_history(store, DROPPING) == _expected_history(store, DROPPING)
    assert _api_paper(DROPPING)["history"] == _expected_history(store, DROPPING)
    assert _stored_history(store, SHARED) == _expected_history(store, SHARED)

    assert sorted(rendered) == sorted([SHARED, DROPPING])  # DROPPING: from the day's old summary
    paper_puts = sorted({key for key in puts if key.startswith("papers/")})
    # Only the day's papers changed: SHARED (its second day's score) and DROPPING (its day gone).
    assert paper_puts == sorted([f"papers/{DROPPING}/index.html", f"papers/{SHARED}/index.html"])
    objects = bucket_objects(env)
    rows = page_rows(objects[f"papers/{DROPPING}/index.html"]["body"].decode())
    assert [row[0] for row in rows] == [DAY.isoformat()]
    assert rows == [(e["date"], e["rank"], e["score"]) for e in _expected_history(store, DROPPING)]


def test_page_rows_reads_the_history_table() -> None:
    markup = (
        '<section aria-labelledby="history"><table class="listing"><tbody><tr><td class="listing__day"><a href="x">'
        '<time datetime="2021-06-01">1 June 2021</time></a></td><td class="num">3</td>'
        '<td class="num">1,204</td></tr></tbody></table></section>'
    )
    assert page_rows(markup) == [("2021-06-01", 3, 1204)]
