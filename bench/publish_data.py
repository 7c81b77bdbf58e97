"""Synthetic collected days for the publisher benchmark, in the exact shape the collector stores.

`day_items(day)` builds one collected day as `Store.day_items(day)` returns it:
day-paper items (with a copy of the paper's metadata and the day's engagement),
mention items and the run record, all made by the store's own item builders
(`day_paper_item`, `mention_item`, `run_item`) from `Paper`/`Post` values, with
the engagement sums computed as the collector computes them
(`collect._engagement_by_paper`). Nothing here reads a clock: the same day and
seed always give the same items.

The five-year archive is 1,826 such days, about 20 ranked papers each:

- candidates per day: 0 on about 2% of days (a day nobody talked about arXiv),
  otherwise 5 to 40 (mean 22.5); about 10% of candidates stay under the threshold,
  so a digest holds about 20 papers;
- posts per paper: a few (1 + geometric, mean 3.2), 75% X, 12% Bluesky, 8% Hacker
  News, 5% Hugging Face, with heavy-tailed engagement: the lead post of a paper
  that enters scores 50 and up (Pareto tail, capped), the others mostly a handful;
- about 8% of a day's papers were already mentioned on an earlier day (a paper
  talked about again), as on the real blog;
- texts of realistic length: titles of 6-14 words, 1-12 authors (now and then 40),
  abstracts of 120-250 words, X posts of up to 280 characters with a t.co link,
  mentions and hashtags as entities, some in Japanese or Chinese.

Run as a script, it writes days into a table (the benchmark's setup, not measured):

    python bench/publish_data.py years --end 2026-11-25 --days 1826
    python bench/publish_data.py heavy --day 2026-11-25     # collect synthetic_heavy_day through the collector

The environment names the endpoint, table and (for `heavy`) the fake upstreams.
Each prints one JSON line with what it wrote.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hotpapers.collect import _engagement_by_paper
from hotpapers.models import ArxivRef, Observation, Paper, Post, RunRecord, SourceOutcome, TextEntity
from hotpapers.store import day_paper_item, mention_item, run_item

FIVE_YEARS = 1826
SEED = 2026

_WORDS = (
    "adaptive attention benchmark causal contrastive diffusion efficient emergent federated graph "
    "hierarchical implicit language latent learning memory multimodal neural optimal planning "
    "probabilistic reasoning recurrent robust scalable segmentation sparse spectral structured "
    "temporal transformer uncertainty unsupervised variational vision world zero-shot models "
    "towards scaling laws agents alignment retrieval generation policy reward estimation kernels"
).split()
_FIRST = (
    "Ada Ben Chen Dana Eli Fatima Gao Hana Ivan Jun Kofi Lena Mei Nils Omar Priya Rui Sara Tomás "
    "Yuki Zoë Łukasz Ángel Søren Nguyễn"
).split()
_LAST = "Abe Brown Costa Dubois Evans Fischer García Haddad Ito Jensen Kim Li Müller Novak Okafor Patel Zhang".split()
# Primary categories, weighted roughly as the blog's papers were (mostly machine learning).
_PRIMARY = (
    ("cs.LG", 30), ("cs.CV", 18), ("cs.CL", 18), ("cs.AI", 6), ("stat.ML", 5), ("cs.RO", 3), ("cs.NE", 2),
    ("cs.CR", 2), ("eess.IV", 2), ("eess.AS", 1), ("cs.SD", 1), ("cs.IR", 1), ("cs.HC", 1), ("quant-ph", 2),
    ("physics.comp-ph", 1), ("q-bio.NC", 1), ("math.OC", 1), ("cs.DC", 1), ("astro-ph.IM", 1), ("hep-th", 1),
    ("cond-mat.dis-nn", 1), ("math.ST", 1), ("econ.EM", 1),
)  # fmt: skip
_CROSS = ("cs.LG", "cs.AI", "stat.ML", "cs.CV", "cs.CL", "cs.NE", "cs.IR", "eess.SP", "math.OC", "cs.MA", "q-bio.QM")
_SOURCES = (("x", 75), ("bluesky", 12), ("hackernews", 8), ("huggingface", 5))
_HASHTAGS = ("MachineLearning", "AI", "NLProc", "ComputerVision", "arXiv", "DeepLearning", "LLM")
_JA = "新しい論文です。大規模言語モデルの推論能力について。"
_ZH = "一篇关于扩散模型的新论文，值得一读。"

# Derived once: weighted choices.
_PRIMARY_NAMES = [name for name, _ in _PRIMARY]
_PRIMARY_WEIGHTS = [weight for _, weight in _PRIMARY]
_SOURCE_NAMES = [name for name, _ in _SOURCES]
_SOURCE_WEIGHTS = [weight for _, weight in _SOURCES]


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(count))


def _sentence(rng: random.Random, count: int) -> str:
    text = _words(rng, count)
    return text[:1].upper() + text[1:] + "."


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _tail(rng: random.Random, cap: int) -> int:
    """Heavy-tailed engagement: most posts get a handful, a few get thousands."""
    return min(cap, int(rng.paretovariate(1.1)) - 1)


def _arxiv_id(day: date, n: int) -> str:
    return f"{day:%y%m}.{day.day * 1000 + n:05d}"


def _paper(rng: random.Random, day: date, arxiv_id: str) -> Paper:
    title = _words(rng, rng.randint(6, 14)).title()
    authors = 40 if rng.random() < 0.02 else rng.randint(1, 12)
    primary = rng.choices(_PRIMARY_NAMES, _PRIMARY_WEIGHTS)[0]
    categories = [primary] + [c for c in rng.sample(_CROSS, rng.randint(0, 3)) if c != primary]
    abstract_words = rng.randint(120, 250)
    sentences = []
    while abstract_words > 0:
        n = min(abstract_words, rng.randint(12, 30))
        sentences.append(_sentence(rng, n))
        abstract_words -= n
    published = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=rng.randint(7, 80))
    version = rng.choice((1, 1, 1, 1, 2, 3))
    roll = rng.random()
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=" ".join(sentences),
        authors=tuple(_person(rng) for _ in range(authors)),
        categories=tuple(categories),
        published=published,
        updated=published + timedelta(days=version - 1),
        abs_url=f"https://arxiv.org/abs/{arxiv_id}v{version}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}v{version}",
        comment=f"{rng.randint(8, 40)} pages, {rng.randint(2, 15)} figures" if roll < 0.4 else None,
        journal_ref="NeurIPS 2025" if roll < 0.05 else None,
        doi=f"10.48550/arXiv.{arxiv_id}" if roll < 0.1 else None,
    )


def _x_text(rng: random.Random, paper: Paper) -> tuple[str, tuple[TextEntity, ...], str]:
    """A post of up to 280 characters: a comment, the title, a t.co link; now and then a mention or hashtag."""
    entities: list[TextEntity] = []
    lang = "en"
    roll = rng.random()
    if roll < 0.05:
        text, lang = _JA + "\n", "ja"
    elif roll < 0.08:
        text, lang = _ZH + "\n", "zh"
    else:
        text = _sentence(rng, rng.randint(3, 25)) + "\n"
    if rng.random() < 0.2:
        handle = f"lab{rng.randrange(1000):03d}"
        start = len(text)
        text += f"@{handle} "
        entities.append(TextEntity("mention", start, start + len(handle) + 1, username=handle))
    text += paper.title[: max(20, 200 - len(text))] + "\n"
    short = "https://t.co/" + "".join(rng.choice("abcdefghijkLMNOPQ0123456789") for _ in range(10))
    start = len(text)
    text += short
    entities.append(
        TextEntity(
            "url",
            start,
            start + len(short),
            url=short,
            expanded_url=f"https://arxiv.org/abs/{paper.arxiv_id}",
            display_url=f"arxiv.org/abs/{paper.arxiv_id}",
        )
    )
    if rng.random() < 0.25:
        tag = rng.choice(_HASHTAGS)
        start = len(text) + 1
        text += f" #{tag}"
        entities.append(TextEntity("hashtag", start, start + len(tag) + 1, tag=tag))
    return text[:280] if len(text) > 280 else text, tuple(e for e in entities if e.end <= 280), lang


def _post(rng: random.Random, day: date, paper: Paper, serial: int, lead: int | None) -> Post:
    """One post about `paper`; `lead` is the likes of a paper's leading post (None: an ordinary one)."""
    source = rng.choices(_SOURCE_NAMES, _SOURCE_WEIGHTS)[0]
    created = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=rng.randrange(86_400))
    base = lead if lead is not None else _tail(rng, 400)
    handle = f"user{rng.randrange(5000):04d}"
    name = _person(rng)
    post_id = f"{day:%Y%m%d}{serial:06d}"
    refs = (ArxivRef(paper.arxiv_id, paper.version),)
    if source == "x":
        text, entities, lang = _x_text(rng, paper)
        kind = "quote" if rng.random() < 0.03 else "reply" if rng.random() < 0.02 else "post"
        metrics = {
            "retweets": int(base * rng.uniform(0.05, 0.4)),
            "likes": base,
            "quotes": int(base * rng.uniform(0.0, 0.05)),
            "replies": int(base * rng.uniform(0.0, 0.1)),
        }
        url = f"https://x.com/{handle}/status/{post_id}"
        return Post("x", post_id, url, name, handle, text, created, metrics, refs, kind, lang, entities)
    if source == "bluesky":
        link = f"arxiv.org/abs/{paper.arxiv_id}"
        text = f"New on arXiv: {paper.title}\n{link}"
        start = len(text) - len(link)
        target = f"https://{link}"
        entities = (TextEntity("url", start, len(text), url=target, expanded_url=target, display_url=link),)
        metrics = {
            "reposts": int(base * rng.uniform(0.05, 0.3)),
            "likes": base,
            "quotes": int(base * rng.uniform(0.0, 0.03)),
            "replies": int(base * rng.uniform(0.0, 0.1)),
        }
        did = f"did:plc:{post_id}"
        uri = f"at://{did}/app.bsky.feed.post/3k{post_id}"
        url = f"https://bsky.app/profile/{handle}.bsky.social/post/3k{post_id}"
        handle = f"{handle}.bsky.social"
        return Post("bluesky", uri, url, name, handle, text, created, metrics, refs, "post", "en", entities)
    if source == "hackernews":
        metrics = {"points": 1 + base, "comments": int(base * rng.uniform(0.1, 0.6))}
        url = f"https://news.ycombinator.com/item?id={post_id}"
        return Post("hackernews", post_id, url, handle, handle, paper.title, created, metrics, refs, "story")
    metrics = {"upvotes": min(base, 300), "comments": rng.randint(0, 4)}
    post_id = f"{day.isoformat()}/{paper.arxiv_id}"
    url = f"https://huggingface.co/papers/{paper.arxiv_id}"
    return Post("huggingface", post_id, url, name, handle, paper.title, created, metrics, refs, "daily-paper")


def day_items(day: date, seed: int = SEED, earlier: list[Paper] | None = None) -> list[dict[str, Any]]:
    """One collected day: day papers, mentions and the run record, as the collector writes them.

    `earlier` (papers of previous days) lets about 8% of the day's papers be ones
    already talked about; the list is extended with this day's new papers.
    """
    rng = random.Random(f"hotpapers-publish-bench-{seed}-{day.isoformat()}")
    count = 0 if rng.random() < 0.02 else rng.randint(5, 40)
    papers: list[Paper] = []
    new: list[Paper] = []
    for n in range(count):
        if earlier and rng.random() < 0.08:
            old = rng.choice(earlier[-2000:])
            if all(p.arxiv_id != old.arxiv_id for p in papers):
                papers.append(old)
                continue
        paper = _paper(rng, day, _arxiv_id(day, n))
        papers.append(paper)
        new.append(paper)
    observed = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1, minutes=30)
    observations: list[Observation] = []
    serial = 0
    hf_seen: set[str] = set()
    for paper in papers:
        enters = rng.random() >= 0.10
        posts = 1
        while posts < (12 if enters else 3) and rng.random() < 0.69:
            posts += 1
        for position in range(posts):
            lead = (50 + _tail(rng, 20_000)) if enters and position == 0 else None
            if lead is None and not enters:
                lead = rng.randint(0, 9)  # a paper under the threshold: only a handful of likes
            serial += 1
            post = _post(rng, day, paper, serial, lead)
            if post.source == "huggingface":  # one daily-papers listing per paper and day
                if paper.arxiv_id in hf_seen:
                    continue
                hf_seen.add(paper.arxiv_id)
                if not enters:
                    post = replace(post, metrics={"upvotes": rng.randint(0, 9), "comments": 0})
            observations.append(Observation(post, observed + timedelta(seconds=serial)))
    engagement = _engagement_by_paper(observations)
    items = [day_paper_item(day, paper.arxiv_id, paper, engagement.get(paper.arxiv_id, {})) for paper in papers]
    items += [mention_item(obs, ref.arxiv_id, day) for obs in observations for ref in obs.post.papers]
    run = RunRecord(day=day, started_at=observed, finished_at=observed + timedelta(seconds=42))
    for source in _SOURCE_NAMES:
        mine = [obs for obs in observations if obs.post.source == source]
        run.sources[source] = SourceOutcome(
            source, posts=len(mine), papers=len({o.post.papers[0].arxiv_id for o in mine}), requests=1
        )
    run.papers = run.papers_fetched = len(papers)
    run.arxiv_requests = 1 if papers else 0
    items.append(run_item(run))
    if earlier is not None:
        earlier.extend(new)
    return items


def five_year_days(end: date, days: int = FIVE_YEARS) -> list[date]:
    return [end - timedelta(days=offset) for offset in reversed(range(days))]


def five_year_items(end: date, days: int = FIVE_YEARS, seed: int = SEED) -> Iterator[tuple[date, list[dict[str, Any]]]]:
    earlier: list[Paper] = []
    for day in five_year_days(end, days):
        yield day, day_items(day, seed, earlier)


# ----------------------------------------------------------------------------- loaders (setup, not measured)


def _store() -> Any:
    from hotpapers.clock import SystemClock
    from hotpapers.settings import Settings
    from hotpapers.wiring import build_store

    return build_store(Settings.from_env(), SystemClock())


def load_years(end: date, days: int, seed: int) -> dict[str, Any]:
    from hotpapers.local.provision import provision
    from hotpapers.settings import Settings

    provision(Settings.from_env())
    store = _store()
    counts: dict[str, int] = {"days": 0, "items": 0, "day_papers": 0, "mentions": 0, "runs": 0, "empty_days": 0}
    started = time.perf_counter()
    pending: list[dict[str, Any]] = []
    for _, items in five_year_items(end, days, seed):
        counts["days"] += 1
        counts["items"] += len(items)
        papers = sum(1 for item in items if item["entity"] == "day_paper")
        counts["day_papers"] += papers
        counts["mentions"] += sum(1 for item in items if item["entity"] == "mention")
        counts["runs"] += 1
        counts["empty_days"] += papers == 0
        pending += items
        if len(pending) >= 2500:
            store.write_items(pending)
            pending = []
    if pending:
        store.write_items(pending)
    counts["write_requests"] = store.stats.requests
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def load_heavy(day: date) -> dict[str, Any]:
    """`synthetic_heavy_day` through the real collect handler (the fake upstreams serve it), waits not slept."""
    import contextlib
    import io

    from hotpapers import handlers
    from hotpapers.clock import SystemClock
    from hotpapers.local.provision import provision
    from hotpapers.settings import Settings

    class SleeplessClock(SystemClock):
        def __init__(self) -> None:
            self.slept = 0.0

        def now(self) -> datetime:
            return datetime.now(UTC) + timedelta(seconds=self.slept)

        def monotonic(self) -> float:
            return time.monotonic() + self.slept

        def sleep(self, seconds: float) -> None:
            self.slept += max(0.0, seconds)

    provision(Settings.from_env())
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        summary = handlers.collect({"date": day.isoformat()}, clock=SleeplessClock())
    result = summary["days"][0]
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="load the publisher benchmark's data into a table")
    sub = parser.add_subparsers(dest="what", required=True)
    years = sub.add_parser("years")
    years.add_argument("--end", type=date.fromisoformat, required=True)
    years.add_argument("--days", type=int, default=FIVE_YEARS)
    years.add_argument("--seed", type=int, default=SEED)
    heavy = sub.add_parser("heavy")
    heavy.add_argument("--day", type=date.fromisoformat, required=True)
    args = parser.parse_args(argv[1:])
    result = load_years(args.end, args.days, args.seed) if args.what == "years" else load_heavy(args.day)
    print(json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
