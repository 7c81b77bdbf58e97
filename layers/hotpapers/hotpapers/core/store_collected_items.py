"""The table's items for what the collector stores: papers, day papers, mentions, run records and progress.

Their keys (`PAPER#<id>`, `DAY#<day>`, the `NOMETA` and `RUNS` partitions of GSI2), the records
(core/records.py, core/models.py) to items and back, and a day's GSI1 partition read as records. Pure:
no I/O. Private to the store (`core/store.py`, `core/store_memory.py`), like
`store_published_items.py`: no other module names a key prefix, an index or an item attribute. See
docs/data-model.md for the entities, keys and access patterns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: the API's cold start needs none of these classes
    from hotpapers.core.models import DayProgress, Observation, Paper, Post, RunRecord
    from hotpapers.core.records import CollectedRecord, DayPaper, DayRecords, FetchedPaper, Mention


# ---------------------------------------------------------------- keys


def paper_pk(arxiv_id: str) -> str:
    return f"PAPER#{arxiv_id}"


def day_pk(day: date) -> str:
    return f"DAY#{day.isoformat()}"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- item builders (pure)


def paper_item(paper: Paper, fetched_at: datetime) -> dict[str, Any]:
    """The paper's arXiv metadata: one item per paper, replaced when a newer version is fetched."""
    return {
        "PK": paper_pk(paper.arxiv_id),
        "SK": "META",
        "entity": "paper",
        **_paper_fields(paper),
        "fetched_at": _iso(fetched_at),
    }


def _paper_fields(paper: Paper) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": list(paper.authors),
        "categories": list(paper.categories),
        "primary_category": paper.primary_category,
        "published": _iso(paper.published),
        "updated": _iso(paper.updated),
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
    }
    return {key: value for key, value in fields.items() if value is not None}


def mention_item(observation: Observation, arxiv_id: str, day: date) -> dict[str, Any]:
    """One post about one paper, carrying its newest engagement observation.

    A post linking two papers gives two mention items, one under each paper,
    so "a paper with its mentions" stays one Query.
    """
    post = observation.post
    item: dict[str, Any] = {
        "PK": paper_pk(arxiv_id),
        "SK": f"POST#{post.source}#{post.post_id}",
        "GSI1PK": day_pk(day),
        "GSI1SK": f"POST#{arxiv_id}#{post.source}#{post.post_id}",
        "entity": "mention",
        "arxiv_id": arxiv_id,
        "day": day.isoformat(),
        "source": post.source,
        "post_id": post.post_id,
        "url": post.url,
        "author_name": post.author_name,
        "author_handle": post.author_handle,
        "text": post.text,
        "created_at": _iso(post.created_at),
        "kind": post.kind,
        "metrics": dict(post.metrics),
        "observed_at": _iso(observation.observed_at),
        "papers": [ref.arxiv_id for ref in post.papers],
    }
    if post.lang is not None:
        item["lang"] = post.lang
    if post.entities:
        item["entities"] = [entity.to_dict() for entity in post.entities]
    return item


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def post_from_mention(item: dict[str, Any]) -> Post:
    """The post a mention item stores (its papers without versions: the item keeps ids only)."""
    from hotpapers.core.arxiv_ids import ArxivRef
    from hotpapers.core.models import Post, TextEntity

    return Post(
        source=item["source"],
        post_id=item["post_id"],
        url=item["url"],
        author_name=item.get("author_name", ""),
        author_handle=item.get("author_handle", ""),
        text=item.get("text", ""),
        created_at=_time(item["created_at"]),
        metrics={name: int(value) for name, value in item.get("metrics", {}).items()},
        papers=tuple(ArxivRef(arxiv_id) for arxiv_id in item.get("papers", [item["arxiv_id"]])),
        kind=item.get("kind", "post"),
        lang=item.get("lang"),
        entities=tuple(TextEntity.from_dict(entity) for entity in item.get("entities", [])),
    )


def observation_from_mention(item: dict[str, Any]) -> Observation:
    """The stored observation of a post: the post and when its metrics were seen."""
    from hotpapers.core.models import Observation

    return Observation(post_from_mention(item), _time(item["observed_at"]))


def day_paper_item(
    day: date,
    arxiv_id: str,
    paper: Paper | None,
    engagement: dict[str, dict[str, int]],
    metadata_attempts: int = 0,
) -> dict[str, Any]:
    """A paper as mentioned on one day: a copy of its metadata plus that day's engagement.

    The copy lets one Query on GSI1 return everything a day's digest needs;
    GSI2 serves "the papers of one category on one day".
    """
    item: dict[str, Any] = {
        "PK": paper_pk(arxiv_id),
        "SK": day_pk(day),
        "GSI1PK": day_pk(day),
        "GSI1SK": f"PAPER#{arxiv_id}",
        "entity": "day_paper",
        "day": day.isoformat(),
        "arxiv_id": arxiv_id,
        "engagement": engagement,
        "has_metadata": paper is not None,
    }
    if paper is not None:
        item.update(_paper_fields(paper))
        if paper.primary_category:
            item["GSI2PK"] = f"DAYCAT#{day.isoformat()}#{paper.primary_category}"
            item["GSI2SK"] = f"PAPER#{arxiv_id}"
    else:
        # One sparse partition of every day paper still without metadata, whatever its day: the
        # repair reads only these, fewest repair attempts first, then oldest day first, and the
        # whole-item put that adds the metadata takes the paper out.
        item["metadata_attempts"] = metadata_attempts
        item["GSI2PK"] = NO_METADATA_PK
        item["GSI2SK"] = no_metadata_sk(day, arxiv_id, metadata_attempts)
    return item


NO_METADATA_PK = "NOMETA"


def no_metadata_sk(day: date, arxiv_id: str, attempts: int) -> str:
    """Ascending order = the order the repair asks in: fewest failed repairs first, then oldest day."""
    return f"{min(attempts, 9999):04d}#{day.isoformat()}#{arxiv_id}"


def run_item(run: RunRecord) -> dict[str, Any]:
    """The latest collection run of a day (a re-run replaces it)."""
    return {
        "PK": day_pk(run.day),
        "SK": "RUN",
        "GSI1PK": day_pk(run.day),
        "GSI1SK": "RUN",
        # Every run record in one GSI2 partition: the list of collected days is one Query.
        "GSI2PK": "RUNS",
        "GSI2SK": run.day.isoformat(),
        "entity": "run",
        "day": run.day.isoformat(),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at) if run.finished_at else None,
        "duration_seconds": Decimal(str(round(run.duration_seconds, 3))),
        "posts": run.posts,
        "papers": run.papers,
        "papers_fetched": run.papers_fetched,
        "arxiv_requests": run.arxiv_requests,
        "sources": {
            name: {
                "posts": outcome.posts,
                "papers": outcome.papers,
                "requests": outcome.requests,
                "ok": outcome.ok,
                **({"error": outcome.error} if outcome.error else {}),
                # X: posts returned (billed) and whether HOTPAPERS_X_MAX_POSTS cut the day.
                **({"read": outcome.read, "capped": outcome.capped} if outcome.read is not None else {}),
            }
            for name, outcome in sorted(run.sources.items())
        },
        "failed_sources": run.failed_sources,
        "paper_failures": [
            {"arxiv_id": failure.arxiv_id, "reason": failure.reason, "detail": failure.detail[:500]}
            for failure in run.papers_failed
        ],
        "papers_without_metadata": run.papers_without_metadata,
        "repaired_days": [day.isoformat() for day in run.repaired_days],
    }


PROGRESS_SK = "PROGRESS"


def progress_item(progress: DayProgress) -> dict[str, Any]:
    """How far an interrupted run of a day got. No index keys: the day's GSI1 Query (what the publisher
    and the API read) must not see it; the collector reads it by key (GetItem DAY#<d>, PROGRESS)."""
    return {
        "PK": day_pk(progress.day),
        "SK": PROGRESS_SK,
        "entity": "progress",
        "day": progress.day.isoformat(),
        "started_at": _iso(progress.started_at),
        "open": progress.open,
        "completed": {
            name: {
                "posts": o.posts,
                "papers": o.papers,
                "requests": o.requests,
                **({"error": o.error} if o.error else {}),
            }
            for name, o in sorted(progress.completed.items())
        },
    }


def progress_from_item(item: dict[str, Any]) -> DayProgress:
    from hotpapers.core.models import DayProgress, SourceOutcome

    return DayProgress(
        day=date.fromisoformat(item["day"]),
        started_at=_time(item["started_at"]),
        completed={
            name: SourceOutcome(
                name, int(value["posts"]), int(value["papers"]), int(value["requests"]), value.get("error")
            )
            for name, value in item.get("completed", {}).items()
        },
        open=bool(item.get("open")),
    )


def paper_from_item(item: dict[str, Any]) -> Paper:
    from hotpapers.core.models import Paper

    return Paper(
        arxiv_id=item["arxiv_id"],
        version=int(item["version"]),
        title=item["title"],
        abstract=item.get("abstract", ""),
        authors=tuple(item.get("authors", ())),
        categories=tuple(item.get("categories", ())),
        published=_time(item["published"]),
        updated=_time(item["updated"]),
        abs_url=item["abs_url"],
        pdf_url=item.get("pdf_url"),
        comment=item.get("comment"),
        journal_ref=item.get("journal_ref"),
        doi=item.get("doi"),
    )


# ---------------------------------------------------------------- records to and from items


def item_of(record: CollectedRecord) -> dict[str, Any]:
    """The item that stores one record the collector writes."""
    from hotpapers.core.models import DayProgress, RunRecord
    from hotpapers.core.records import DayPaper, FetchedPaper, Mention

    if isinstance(record, FetchedPaper):
        return paper_item(record.paper, record.fetched_at)
    if isinstance(record, DayPaper):
        return day_paper_item(record.day, record.arxiv_id, record.paper, record.engagement, record.metadata_attempts)
    if isinstance(record, Mention):
        return mention_item(record.observation, record.arxiv_id, record.day)
    if isinstance(record, RunRecord):
        return run_item(record)
    if isinstance(record, DayProgress):
        return progress_item(record)
    raise TypeError(f"not a stored record: {type(record).__name__}")


def _int_counts(counts: dict[str, Any]) -> dict[str, int]:
    return {name: int(value) for name, value in counts.items()}


def day_paper_from_item(item: dict[str, Any]) -> DayPaper:
    from hotpapers.core.records import DayPaper

    return DayPaper(
        day=date.fromisoformat(item["day"]),
        arxiv_id=item["arxiv_id"],
        paper=paper_from_item(item) if item.get("has_metadata") else None,
        engagement={source: _int_counts(counts) for source, counts in item.get("engagement", {}).items()},
        metadata_attempts=int(item.get("metadata_attempts", 0)),
    )


def fetched_paper_from_item(item: dict[str, Any]) -> FetchedPaper:
    from hotpapers.core.records import FetchedPaper

    return FetchedPaper(paper_from_item(item), _time(item["fetched_at"]))


def mention_from_item(item: dict[str, Any]) -> Mention:
    from hotpapers.core.records import Mention

    return Mention(item["arxiv_id"], date.fromisoformat(item["day"]), observation_from_mention(item))


def run_from_item(item: dict[str, Any]) -> RunRecord:
    from hotpapers.core.models import PaperLookupFailure, RunRecord, SourceOutcome

    without = item.get("papers_without_metadata")
    return RunRecord(
        day=date.fromisoformat(item["day"]),
        started_at=_time(item["started_at"]),
        finished_at=_time(item["finished_at"]) if item.get("finished_at") else None,
        sources={
            name: SourceOutcome(
                name,
                posts=int(value["posts"]),
                papers=int(value["papers"]),
                requests=int(value["requests"]),
                error=value.get("error"),
                read=int(value["read"]) if value.get("read") is not None else None,
                capped=bool(value.get("capped", False)),
            )
            for name, value in item.get("sources", {}).items()
        },
        papers=int(item.get("papers", 0)),
        papers_fetched=int(item.get("papers_fetched", 0)),
        papers_failed=[
            PaperLookupFailure(failure["arxiv_id"], failure["reason"], failure.get("detail", ""))
            for failure in item.get("paper_failures", [])
        ],
        arxiv_requests=int(item.get("arxiv_requests", 0)),
        papers_without_metadata=int(without) if without is not None else None,
        repaired_days=[date.fromisoformat(day) for day in item.get("repaired_days", [])],
    )


def day_records(day: date, items: Iterable[dict[str, Any]]) -> DayRecords:
    """A day's items (its GSI1 partition) as records."""
    from hotpapers.core.records import DayRecords

    records = DayRecords(day)
    for item in items:
        entity = item.get("entity")
        if entity == "day_paper":
            records.papers.append(day_paper_from_item(item))
        elif entity == "mention":
            records.mentions.append(mention_from_item(item))
        elif entity == "run":
            records.run = run_from_item(item)
    return records
