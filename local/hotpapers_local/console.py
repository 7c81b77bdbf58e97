"""What the local commands print: the collect and publish summaries, the stored day and the stored week."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from hotpapers.core.records import DayPaper, DayRecords
from hotpapers.core.scoring import raw_score


def print_collect_summary(summary: dict[str, Any]) -> None:
    rows = [("date", "source", "posts", "papers", "requests", "status")]
    for day in summary["days"]:
        for name, source in day["sources"].items():
            status = "ok" if not source["error"] else "FAILED (below)"
            rows.append(
                (day["date"], name, str(source["posts"]), str(source["papers"]), str(source["requests"]), status)
            )
        failures = f"{len(day['paper_failures'])} lookups failed" if day["paper_failures"] else "ok"
        rows.append(
            (
                day["date"],
                "arxiv",
                "",
                str(day["papers"]),
                str(day["arxiv_requests"]),
                f"{day['papers_fetched']} fetched, {failures}",
            )
        )
        rows.append(
            (day["date"], "dynamodb", "", "", str(day["write_requests"]), f"{day['items_written']} items written")
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))
    for day in summary["days"]:
        for name, source in day["sources"].items():
            if source["error"]:
                print(f"  {day['date']} {name} failed: {source['error']}")
        if day["paper_failures"]:
            print(
                f"  {day['date']} arXiv had no metadata for: {', '.join(day['paper_failures'])} (a re-run retries them)"
            )


def print_publish_summary(result: dict[str, Any]) -> None:
    for day in result["days"]:
        print(f"published {day['date']}: {day['papers']} papers of {day['candidates']} candidates")
    for day, why in result["skipped"].items():
        print(f"skipped {day}: {why}")
    print(f"site objects: {result['objects_put']} uploaded, {result['objects_unchanged']} unchanged")


def _stored_papers(records: DayRecords) -> list[DayPaper]:
    def score(day_paper: DayPaper) -> int:
        x = day_paper.engagement.get("x", {})
        return x.get("retweets", 0) + x.get("likes", 0)

    return sorted(records.papers, key=lambda day_paper: (-score(day_paper), day_paper.arxiv_id))


def print_stored_day(records: DayRecords) -> None:
    papers = _stored_papers(records)
    mentions = records.mentions
    run = records.run
    print(f"\nStored for the day: {len(papers)} papers, {len(mentions)} mentions" + (", 1 run record" if run else ""))
    print(f"  {'arXiv id':<12} {'primary':<9} {'posts':>5} {'retweets':>8} {'likes':>6}  title")
    for day_paper in papers:
        x = day_paper.engagement.get("x", {})
        paper = day_paper.paper
        title = paper.title if paper else "(metadata missing)"
        title = title if len(title) <= 60 else title[:57] + "..."
        primary = (paper.primary_category if paper else None) or "?"
        print(
            f"  {day_paper.arxiv_id:<12} {primary:<9} {x.get('posts', 0):>5} "
            f"{x.get('retweets', 0):>8} {x.get('likes', 0):>6}  {title}"
        )


def print_stored_week(store: Any, days: Sequence[date]) -> None:
    """One line per day: its papers, its mentions by source, and its paper with the most engagement."""
    print("\nStored per day: papers, mentions by source, the paper with the most engagement")
    for day in days:
        records: DayRecords = store.day(day)
        sources = Counter(mention.observation.post.source for mention in records.mentions)
        by_source = ", ".join(f"{name} {count}" for name, count in sorted(sources.items()))
        top = max(records.papers, key=lambda p: (_engagement_total(p), p.arxiv_id), default=None)
        title = "" if top is None else (top.paper.title if top.paper else top.arxiv_id)
        title = title if len(title) <= 50 else title[:47] + "..."
        print(
            f"  {day}  {len(records.papers):>3} papers  {sum(sources.values()):>3} mentions ({by_source})  top: {title}"
        )


def _engagement_total(day_paper: DayPaper) -> int:
    return sum(raw_score(source, metrics) for source, metrics in day_paper.engagement.items())
