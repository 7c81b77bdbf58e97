"""Ranking rules: threshold, PDF and metadata, order and tie-break, top posts, weights, sources, config."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from hotpapers.collect.sources.x import parse_x_page
from hotpapers.core.digest import Digest, DigestSummary, RankingConfig
from hotpapers.core.models import ArxivRef, Observation, Paper, Post, RunRecord, TextEntity
from hotpapers.core.records import CollectedRecord, DayPaper, DayRecords, Mention
from hotpapers.core.scoring import raw_score, weighted_score
from hotpapers.core.settings import Settings, SettingsError
from hotpapers.core.store_memory import MemoryStore
from hotpapers.publish.ranking import rank_day

pytestmark = pytest.mark.unit

DAY = date(2021, 6, 1)
NOON = datetime(2021, 6, 1, 12, tzinfo=UTC)
SEEN = datetime(2021, 6, 2, 9, 38, 11, tzinfo=UTC)

METRICS = {
    "x": ("retweets", "likes", "quotes", "replies"),
    "bluesky": ("reposts", "likes", "quotes", "replies"),
    "hackernews": ("points", "comments"),
    "huggingface": ("upvotes", "comments"),
}


def paper(arxiv_id: str, pdf: bool = True) -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        version=1,
        title=f"Paper {arxiv_id}",
        abstract="An abstract.",
        authors=("Ada Lovelace", "Alan Turing"),
        categories=("cs.LG", "stat.ML"),
        published=datetime(2021, 5, 31, 17, tzinfo=UTC),
        updated=datetime(2021, 5, 31, 17, tzinfo=UTC),
        abs_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}" if pdf else None,
    )


def post(
    source: str,
    post_id: str,
    papers: tuple[str, ...],
    *counts: int,
    minutes: int = 0,
    kind: str = "post",
) -> Post:
    names = METRICS[source]
    return Post(
        source=source,
        post_id=post_id,
        url=f"https://example.org/{source}/{post_id}",
        author_name=f"Author {post_id}",
        author_handle=f"author{post_id}",
        text=f"Post {post_id}",
        created_at=NOON + timedelta(minutes=minutes),
        metrics={name: counts[i] if i < len(counts) else 0 for i, name in enumerate(names)},
        papers=tuple(ArxivRef(arxiv_id) for arxiv_id in papers),
        kind=kind,
    )


def records_for(
    posts: list[Post], papers: dict[str, Paper | None], seen: datetime = SEEN, run: bool = True
) -> list[CollectedRecord]:
    """The day's records as the collector writes them (engagement sums as collect computes them)."""
    from hotpapers.collect.collector import engagement_by_paper

    observations = [Observation(p, seen) for p in posts]
    engagement = engagement_by_paper(observations)
    records: list[CollectedRecord] = [
        DayPaper(DAY, arxiv_id, papers.get(arxiv_id), engagement.get(arxiv_id, {})) for arxiv_id in papers
    ]
    records += [Mention(ref.arxiv_id, DAY, obs) for obs in observations for ref in obs.post.papers]
    if run:
        records.append(RunRecord(day=DAY, started_at=seen, finished_at=seen))
    return records


def stored_day(records: list[CollectedRecord]) -> DayRecords:
    """The day as the publisher reads it back: written to and read from the store (in memory)."""
    store = MemoryStore()
    store.write(records)
    return store.day(DAY)


def rank(posts: list[Post], papers: dict[str, Paper | None], config: RankingConfig | None = None) -> Digest:
    return rank_day(stored_day(records_for(posts, papers)), config or RankingConfig())


# ------------------------------------------------------------------ scores


def test_raw_scores_per_source() -> None:
    assert raw_score("x", {"retweets": 3, "likes": 10, "quotes": 100, "replies": 100}) == 13
    assert raw_score("bluesky", {"reposts": 4, "likes": 6, "quotes": 100, "replies": 100}) == 10
    assert raw_score("hackernews", {"points": 120, "comments": 40}) == 160
    assert raw_score("huggingface", {"upvotes": 30, "comments": 2}) == 32
    assert raw_score("mastodon", {"boosts": 5}) == 0


def test_weighted_scores_round_half_up() -> None:
    assert weighted_score(5, 0.5) == 3  # 2.5 → 3 (Python's round would give 2)
    assert weighted_score(7, 0.5) == 4  # 3.5 → 4
    assert weighted_score(3, 0.1) == 0  # 0.3 → 0, without float drift
    assert weighted_score(15, 0.1) == 2  # 1.5 → 2, though 0.1 * 15 == 1.5000000000000002 in floats
    assert weighted_score(10, 2.0) == 20 and weighted_score(10, 0) == 0


def test_a_paper_scores_the_sum_of_its_original_posts_over_every_source() -> None:
    digest = rank(
        [
            post("x", "1", ("2105.00001",), 20, 30, 5, 7),
            post("x", "2", ("2105.00001",), 1, 2, kind="quote"),  # a quote is a post of its own
            post("bluesky", "at1", ("2105.00001",), 3, 4),
            post("hackernews", "h1", ("2105.00001",), 5, 1),
            post("huggingface", "f1", ("2105.00001",), 2, 0),
        ],
        {"2105.00001": paper("2105.00001")},
    )
    (ranked,) = digest.papers
    assert ranked.score == 50 + 3 + 7 + 6 + 2
    assert ranked.engagement == {
        "bluesky": {"posts": 1, "reposts": 3, "likes": 4, "quotes": 0, "replies": 0, "score": 7},
        "hackernews": {"posts": 1, "points": 5, "comments": 1, "score": 6},
        "huggingface": {"posts": 1, "upvotes": 2, "comments": 0, "score": 2},
        "x": {"posts": 2, "retweets": 21, "likes": 32, "quotes": 5, "replies": 7, "score": 53},
    }
    assert list(ranked.engagement["x"]) == ["posts", "retweets", "likes", "quotes", "replies", "score"]


def test_retweets_are_never_counted() -> None:
    """A retweet in a search page carries the original's retweet count: the blog summed such copies."""
    tweet = {
        "id": "10",
        "text": "Read https://t.co/abc",
        "author_id": "1",
        "created_at": "2021-06-01T12:00:00.000Z",
        "public_metrics": {"retweet_count": 40, "reply_count": 0, "like_count": 20, "quote_count": 0},
        "entities": {
            "urls": [
                {"start": 5, "end": 21, "url": "https://t.co/abc", "expanded_url": "https://arxiv.org/abs/2105.00001"}
            ]
        },
    }
    copy = {
        **tweet,
        "id": "11",
        "text": "RT @a: Read https://t.co/abc",
        "public_metrics": {"retweet_count": 40, "reply_count": 0, "like_count": 0, "quote_count": 0},
        "referenced_tweets": [{"type": "retweeted", "id": "10"}],
    }
    posts, _, _ = parse_x_page({"data": [tweet, copy, copy | {"id": "12"}], "includes": {"users": []}})
    digest = rank(posts, {"2105.00001": paper("2105.00001")})
    assert digest.papers[0].score == 60
    assert digest.papers[0].engagement["x"]["posts"] == 1


def test_weights_scale_each_post_then_round() -> None:
    config = RankingConfig(weights={"x": 1.0, "bluesky": 1.0, "hackernews": 0.5, "huggingface": 2.0})
    digest = rank(
        [
            post("hackernews", "h1", ("2105.00001",), 30, 3),  # 33 × 0.5 = 16.5 → 17
            post("hackernews", "h2", ("2105.00001",), 20, 1),  # 21 × 0.5 = 10.5 → 11
            post("huggingface", "f1", ("2105.00001",), 12, 0),  # 24
        ],
        {"2105.00001": paper("2105.00001")},
        RankingConfig(**{**vars(config), "min_score": 0, "top_post_min_score": 0}),
    )
    (ranked,) = digest.papers
    assert ranked.score == 17 + 11 + 24
    assert ranked.engagement["hackernews"]["score"] == 28
    assert [p.score for p in ranked.top_posts] == [24, 17, 11]


def test_a_source_without_a_weight_weighs_one() -> None:
    config = RankingConfig(min_score=0, weights={"x": 0.0})
    digest = rank(
        [post("x", "1", ("2105.00001",), 100, 100), post("bluesky", "b", ("2105.00001",), 5, 5)],
        {"2105.00001": paper("2105.00001")},
        config,
    )
    assert digest.papers[0].score == 10


# ------------------------------------------------------------------ entering the digest


def test_a_paper_enters_from_a_score_of_fifty() -> None:
    papers = {"2105.00001": paper("2105.00001"), "2105.00002": paper("2105.00002")}
    digest = rank([post("x", "1", ("2105.00001",), 20, 30), post("x", "2", ("2105.00002",), 20, 29)], papers)
    assert [p.arxiv_id for p in digest.papers] == ["2105.00001"]
    assert digest.candidates == 2


def test_a_paper_needs_a_pdf_and_metadata() -> None:
    papers = {"2105.00001": paper("2105.00001", pdf=False), "2105.00002": None, "2105.00003": paper("2105.00003")}
    posts = [post("x", str(n), (arxiv_id,), 100, 100) for n, arxiv_id in enumerate(papers)]
    digest = rank(posts, papers)
    assert [p.arxiv_id for p in digest.papers] == ["2105.00003"]
    assert digest.candidates == 3


def test_a_day_without_a_paper_over_the_threshold_is_a_valid_empty_digest() -> None:
    digest = rank([post("x", "1", ("2105.00001",), 1, 2)], {"2105.00001": paper("2105.00001")})
    assert digest.papers == () and digest.candidates == 1 and digest.as_of == SEEN
    assert rank_day(stored_day([]), RankingConfig()) == Digest(day=DAY, as_of=None, papers=(), candidates=0)


def test_a_day_without_mentions_is_as_of_its_run() -> None:
    finished = datetime(2020, 12, 8, 13, 4, 41, tzinfo=UTC)
    run = RunRecord(day=DAY, started_at=finished - timedelta(seconds=5), finished_at=finished)
    assert rank_day(stored_day([run]), RankingConfig()).as_of == finished


# ------------------------------------------------------------------ order


def test_papers_are_ordered_by_score_and_ties_by_arxiv_id() -> None:
    papers = {arxiv_id: paper(arxiv_id) for arxiv_id in ("2105.00009", "2105.00002", "2105.00005", "hep-th/9901001")}
    digest = rank(
        [
            post("x", "1", ("2105.00009",), 30, 30),  # 60
            post("x", "2", ("2105.00002",), 0, 60),  # 60
            post("x", "3", ("2105.00005",), 10, 90, minutes=-60),  # 100
            post("x", "4", ("hep-th/9901001",), 60, 0),  # 60
            post("x", "5", ("2105.00009",), 0, 0, minutes=-100),  # more posts do not break the tie
        ],
        papers,
    )
    assert [(p.rank, p.arxiv_id, p.score) for p in digest.papers] == [
        (1, "2105.00005", 100),
        (2, "2105.00002", 60),
        (3, "2105.00009", 60),
        (4, "hep-th/9901001", 60),
    ]


def test_the_order_does_not_depend_on_the_order_of_the_items() -> None:
    papers = {f"2105.0000{n}": paper(f"2105.0000{n}") for n in range(1, 6)}
    posts = [post("x", str(n), (f"2105.0000{n % 5 + 1}",), 25 + n % 3, 25, minutes=n) for n in range(20)]
    day = stored_day(records_for(posts, papers))
    backwards = DayRecords(DAY, list(reversed(day.papers)), list(reversed(day.mentions)), day.run)
    assert rank_day(day, RankingConfig()) == rank_day(backwards, RankingConfig())


# ------------------------------------------------------------------ top posts


def test_top_posts_first_always_then_from_twenty_five_at_most_ten() -> None:
    arxiv_id = "2105.00001"
    scores = [10, 30, 25, 24, 40, 26, 27, 28, 29, 30, 31, 32, 33]
    posts = [post("x", f"{n:02d}", (arxiv_id,), 0, score, minutes=n) for n, score in enumerate(scores)]
    ranked = rank(posts, {arxiv_id: paper(arxiv_id)}).papers[0]
    assert [p.score for p in ranked.top_posts] == [40, 33, 32, 31, 30, 30, 29, 28, 27, 26]
    assert [p.post_id for p in ranked.top_posts][4:6] == ["01", "09"]  # a tie: the earlier post first

    lone = rank(
        [post("x", "1", (arxiv_id,), 0, 20), post("x", "2", (arxiv_id,), 0, 24), post("x", "3", (arxiv_id,), 0, 10)],
        {arxiv_id: paper(arxiv_id)},
        RankingConfig(min_score=50),
    )
    assert [p.post_id for p in lone.papers[0].top_posts] == ["2"]  # the first is shown though under 25


def test_top_post_ties_fall_to_time_then_source_then_id() -> None:
    arxiv_id = "2105.00001"
    posts = [
        post("x", "9", (arxiv_id,), 0, 30),
        post("bluesky", "b", (arxiv_id,), 0, 30),
        post("x", "1", (arxiv_id,), 0, 30),
        post("hackernews", "h", (arxiv_id,), 30, 0, minutes=-1),
    ]
    ranked = rank(posts, {arxiv_id: paper(arxiv_id)}).papers[0]
    assert [(p.source, p.post_id) for p in ranked.top_posts] == [
        ("hackernews", "h"),
        ("bluesky", "b"),
        ("x", "1"),
        ("x", "9"),
    ]


def test_the_top_post_limits_are_configurable() -> None:
    arxiv_id = "2105.00001"
    posts = [post("x", str(n), (arxiv_id,), 0, 20 + n) for n in range(6)]
    ranked = rank(posts, {arxiv_id: paper(arxiv_id)}, RankingConfig(top_posts=3, top_post_min_score=21)).papers[0]
    assert [p.score for p in ranked.top_posts] == [25, 24, 23]
    ranked = rank(posts, {arxiv_id: paper(arxiv_id)}, RankingConfig(top_post_min_score=24)).papers[0]
    assert [p.score for p in ranked.top_posts] == [25, 24]


def test_top_posts_keep_language_and_entities_through_the_store() -> None:
    arxiv_id = "2105.00001"
    entity = TextEntity("url", 5, 28, url="https://t.co/abcdefghij", expanded_url=f"https://arxiv.org/abs/{arxiv_id}")
    rich = Post(**{**vars(post("x", "1", (arxiv_id,), 30, 30)), "lang": "ja", "entities": (entity,)})
    plain = post("x", "2", (arxiv_id,), 1)
    stored = stored_day(
        [Mention(arxiv_id, DAY, Observation(rich, SEEN)), Mention(arxiv_id, DAY, Observation(plain, SEEN))]
    )
    assert [mention.observation for mention in stored.mentions] == [Observation(rich, SEEN), Observation(plain, SEEN)]
    assert stored.mentions[1].observation.post.entities == ()
    top = rank([rich], {arxiv_id: paper(arxiv_id)}).papers[0].top_posts[0]
    assert (top.lang, top.entities) == ("ja", (entity,))


# ------------------------------------------------------------------ JSON


def test_the_digest_document_round_trips_and_keeps_its_key_order() -> None:
    papers = {"2105.00001": paper("2105.00001"), "2105.00002": paper("2105.00002")}
    digest = rank(
        [post("x", "1", ("2105.00001", "2105.00002"), 30, 30), post("hackernews", "h", ("2105.00002",), 50, 5)], papers
    )
    document = digest.to_dict()
    assert list(document) == ["day", "as_of", "candidates", "config", "papers"]
    assert document["as_of"] == "2021-06-02T09:38:11Z"
    first = document["papers"][0]
    for key in (
        "rank",
        "arxiv_id",
        "title",
        "authors",
        "categories",
        "abs_url",
        "pdf_url",
        "score",
        "engagement",
        "top_posts",
    ):
        assert key in first
    assert list(first["top_posts"][0])[:12] == [
        "source", "post_id", "url", "author_name", "author_handle", "text",
        "created_at", "kind", "metrics", "score", "lang", "entities",
    ]  # fmt: skip
    text = json.dumps(document)
    assert Digest.from_dict(json.loads(text)) == digest
    assert json.dumps(Digest.from_dict(json.loads(text)).to_dict()) == text

    summary = DigestSummary.of(digest)
    assert DigestSummary.from_dict(json.loads(json.dumps(summary.to_dict()))) == summary
    assert summary.to_dict()["papers"][0] == {
        "rank": 1, "arxiv_id": "2105.00002", "title": "Paper 2105.00002",
        "authors": ["Ada Lovelace", "Alan Turing"], "categories": ["cs.LG", "stat.ML"], "score": 115,
    }  # fmt: skip


# ------------------------------------------------------------------ configuration


def test_the_config_defaults_are_the_blogs() -> None:
    config = Settings.from_env({}).ranking()
    assert config == RankingConfig()
    assert (config.min_score, config.top_posts, config.top_post_min_score) == (50, 10, 25)
    assert config.weights == {"x": 1.0, "bluesky": 1.0, "hackernews": 1.0, "huggingface": 1.0}


def test_the_config_reads_the_environment() -> None:
    config = Settings.from_env(
        {
            "HOTPAPERS_MIN_SCORE": " 80 ",
            "HOTPAPERS_TOP_POSTS": "3",
            "HOTPAPERS_TOP_POST_MIN_SCORE": "0",
            "HOTPAPERS_WEIGHTS": "x=1, hackernews=0.5,huggingface=.25",
        }
    ).ranking()
    assert (config.min_score, config.top_posts, config.top_post_min_score) == (80, 3, 0)
    assert config.weights == {"x": 1.0, "bluesky": 1.0, "hackernews": 0.5, "huggingface": 0.25}
    assert Settings.from_env({"HOTPAPERS_MIN_SCORE": "", "HOTPAPERS_WEIGHTS": " "}).ranking() == RankingConfig()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HOTPAPERS_MIN_SCORE", "-1", "HOTPAPERS_MIN_SCORE must be a whole number"),
        ("HOTPAPERS_MIN_SCORE", "fifty", "HOTPAPERS_MIN_SCORE must be a whole number"),
        ("HOTPAPERS_TOP_POSTS", "2.5", "HOTPAPERS_TOP_POSTS must be a whole number"),
        ("HOTPAPERS_TOP_POST_MIN_SCORE", "1_0", "HOTPAPERS_TOP_POST_MIN_SCORE must be a whole number"),
        ("HOTPAPERS_WEIGHTS", "x=1,mastodon=2", "unknown source 'mastodon'"),
        ("HOTPAPERS_WEIGHTS", "x", "'x' is not source=weight"),
        ("HOTPAPERS_WEIGHTS", "x=-1", "the weight of x must be a number"),
        ("HOTPAPERS_WEIGHTS", "x=nan", "the weight of x must be a number"),
        ("HOTPAPERS_WEIGHTS", "x=1e400", "the weight of x must be a number"),
        ("HOTPAPERS_WEIGHTS", "x=1,x=2", "x is given twice"),
    ],
)
def test_bad_config_values_are_refused_clearly(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        Settings.from_env({name: value})
