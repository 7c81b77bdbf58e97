"""The synthetic heavy day for benchmarks: how its posts divide over the sources, and the whole day's dataset."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from hotpapers_local.fakes import UpstreamDataset, render_arxiv_entry
from hotpapers_local.sample.heavy_posts import ARXIV_CATEGORIES, HeavyDay, HeavyDayCounts, random_person, random_words

__all__ = ["HeavyDayCounts", "heavy_day_counts", "synthetic_heavy_day"]


def heavy_day_counts(posts: int) -> HeavyDayCounts:
    """The split used for `posts` original posts: 80% X, 10% Bluesky, 6.7% HN, 3.3% HF; retweets 5% of X."""
    bluesky, hackernews, huggingface = posts // 10, posts // 15, posts // 30
    x = posts - bluesky - hackernews - huggingface
    return HeavyDayCounts(x=x, x_retweets=x // 20, bluesky=bluesky, hackernews=hackernews, huggingface=huggingface)


def synthetic_heavy_day(day: date, papers: int = 2000, posts: int = 30000, seed: int = 1) -> UpstreamDataset:
    """A deterministic busy day: `posts` original posts over all four sources, linking `papers` new papers.

    Every post links one paper (X and Bluesky posts sometimes two); every paper
    is linked at least once; every timestamp falls inside `day` (UTC). On top
    of the originals, X holds `heavy_day_counts(posts).x_retweets` retweets that
    link papers too and that a collector must skip. Paper ids are
    `<yymm of day>.00001` upwards; each has an arXiv entry.
    """
    counts = heavy_day_counts(posts)
    social = counts.x + counts.bluesky + counts.hackernews
    if papers < 1:
        raise ValueError("papers must be at least 1")
    if social + min(papers, counts.huggingface) < papers:
        raise ValueError(f"{posts} posts cannot mention all {papers} papers")
    rng = random.Random(f"hotpapers-heavy-day-{day.isoformat()}-{seed}")
    ids = [f"{day:%y%m}.{n:05d}" for n in range(1, papers + 1)]
    day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    titles = {arxiv_id: f"{random_words(rng, 3).title()} for {random_words(rng, 2).title()}" for arxiv_id in ids}

    dataset = UpstreamDataset()
    published = (day_start - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for arxiv_id in ids:
        categories = [rng.choice(ARXIV_CATEGORIES)]
        categories += [c for c in rng.sample(ARXIV_CATEGORIES, rng.randint(0, 2)) if c != categories[0]]
        dataset.arxiv_entries[arxiv_id] = render_arxiv_entry(
            arxiv_id,
            version=1,
            title=titles[arxiv_id],
            summary=f"We study {random_words(rng, 12)}. Our method achieves {random_words(rng, 20)}.",
            authors=[random_person(rng) for _ in range(rng.randint(1, 8))],
            categories=categories,
            published=published,
            updated=published,
            comment=f"{rng.randint(6, 40)} pages, {rng.randint(1, 12)} figures" if rng.random() < 0.4 else None,
        )

    # HF lists a paper at most once a day. The social posts first cover every paper HF does not,
    # then pick more papers with a Zipf-like popularity so that a few papers are hot.
    order = ids[:]
    rng.shuffle(order)
    hf_papers = [order[i % papers] for i in range(counts.huggingface)]
    uncovered = order[len(set(hf_papers)) :]
    popularity = [1 / (rank + 1) ** 0.9 for rank in range(papers)]
    primary = uncovered + rng.choices(order, weights=popularity, k=social - len(uncovered))
    rng.shuffle(primary)

    generator = HeavyDay(rng=rng, day_ms=int(day_start.timestamp() * 1000), ids=ids, titles=titles, primary=primary)
    generator.x(dataset, counts)
    generator.bluesky(dataset, counts, offset=counts.x)
    generator.hackernews(dataset, counts, offset=counts.x + counts.bluesky)
    generator.huggingface(dataset, day, hf_papers)
    return dataset
