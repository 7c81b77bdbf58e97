"""The publisher benchmark's data: synthetic collected days, in the exact shape the collector stores them.

`collected_day(day)` is one day's records as the collector writes them (`Store.write`), its engagement from
the real `engagement_by_paper`; the same day and seed give the same records. `five_years` is 1,826 such days:
5 to 40 candidates a day (none on ~2% of days; ~10% under the threshold, ~8% seen before),
1 + geometric posts per paper (75% X, 12% Bluesky, 8% HN, 5% HF) with heavy-tailed engagement, and texts of
realistic length (6-14 word titles, 1-12 authors, now and then 40, 120-250 word abstracts, X posts up to 280
characters with a t.co link, mentions, hashtags, some Japanese or Chinese).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hotpapers.collect.collector import engagement_by_paper
from hotpapers.core.models import ArxivRef, Observation, Paper, Post, RunRecord, SourceOutcome, TextEntity
from hotpapers.core.records import CollectedRecord, DayPaper, Mention

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

_PRIMARY_NAMES, _PRIMARY_WEIGHTS = zip(*_PRIMARY, strict=True)  # weighted choices
_SOURCE_NAMES, _SOURCE_WEIGHTS = zip(*_SOURCES, strict=True)


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
    return Paper(  # the keywords' order is the random draws' order
        arxiv_id=arxiv_id, version=version, title=title, abstract=" ".join(sentences),
        authors=tuple(_person(rng) for _ in range(authors)), categories=tuple(categories), published=published,
        updated=published + timedelta(days=version - 1), abs_url=f"https://arxiv.org/abs/{arxiv_id}v{version}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}v{version}",
        comment=f"{rng.randint(8, 40)} pages, {rng.randint(2, 15)} figures" if roll < 0.4 else None,
        journal_ref="NeurIPS 2025" if roll < 0.05 else None, doi=f"10.48550/arXiv.{arxiv_id}" if roll < 0.1 else None,
    )  # fmt: skip


def _x_text(rng: random.Random, paper: Paper) -> tuple[str, tuple[TextEntity, ...], str]:
    """A post of up to 280 characters: a comment, the title, a t.co link; now and then a mention or hashtag."""
    entities, lang, roll = list[TextEntity](), "en", rng.random()
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
    link = f"arxiv.org/abs/{paper.arxiv_id}"
    entities.append(TextEntity("url", start, start + len(short), url=short, expanded_url=f"https://{link}",
                               display_url=link))  # fmt: skip
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
        uri = f"at://did:plc:{post_id}/app.bsky.feed.post/3k{post_id}"
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


def collected_day(
    day: date, seed: int = SEED, earlier: list[Paper] | None = None, scale: int = 1
) -> list[CollectedRecord]:
    """One collected day as the collector writes it. `earlier` (papers of previous days, extended with this day's
    new ones) lets about 8% of the day's papers be ones already talked about; `scale` multiplies the candidates
    (2: the ten-year archive at twice today's papers a day; 1 draws exactly the same days as before)."""
    rng = random.Random(f"hotpapers-publish-bench-{seed}-{day.isoformat()}")
    count = 0 if rng.random() < 0.02 else rng.randint(5, 40) * scale
    papers, new = list[Paper](), list[Paper]()
    for n in range(count):
        if earlier and rng.random() < 0.08:
            old = rng.choice(earlier[-2000:])
            if all(p.arxiv_id != old.arxiv_id for p in papers):
                papers.append(old)
                continue
        paper = _paper(rng, day, f"{day:%y%m}.{day.day * 1000 + n:05d}")
        papers.append(paper)
        new.append(paper)
    observed = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1, minutes=30)
    observations, serial, hf_seen = list[Observation](), 0, set[str]()
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
    engagement = engagement_by_paper(observations)
    records: list[CollectedRecord] = [
        DayPaper(day, paper.arxiv_id, paper, engagement.get(paper.arxiv_id, {})) for paper in papers
    ]
    records += [Mention(ref.arxiv_id, day, obs) for obs in observations for ref in obs.post.papers]
    run = RunRecord(day=day, started_at=observed, finished_at=observed + timedelta(seconds=42))
    for source in _SOURCE_NAMES:
        mine = [obs for obs in observations if obs.post.source == source]
        run.sources[source] = SourceOutcome(source, len(mine), len({o.post.papers[0].arxiv_id for o in mine}), 1)
    run.papers = run.papers_fetched = len(papers)
    run.arxiv_requests = 1 if papers else 0
    records.append(run)
    if earlier is not None:
        earlier.extend(new)
    return records


def five_years(
    end: date, days: int = FIVE_YEARS, seed: int = SEED, scale: int = 1
) -> Iterator[tuple[date, list[CollectedRecord]]]:
    """`days` consecutive days ending with `end`, oldest first."""
    earlier: list[Paper] = []
    for offset in reversed(range(days)):
        yield end - timedelta(days=offset), collected_day(end - timedelta(days=offset), seed, earlier, scale)


def record_names(records: Iterable[object]) -> list[str]:
    """A day's papers, mentions and run record by name, sorted: what a store read must give back of what was loaded."""
    names = []
    for record in records:
        if isinstance(record, DayPaper):
            names.append(f"paper {record.arxiv_id}")
        elif isinstance(record, Mention):
            post = record.observation.post
            names.append(f"mention {record.arxiv_id} {post.source} {post.post_id}")
        elif isinstance(record, RunRecord):
            names.append(f"run {record.day}")
    return sorted(names)
