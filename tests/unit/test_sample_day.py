"""The bundled sample day is the blog's real 2021-06-01 post; the heavy day is a faithful benchmark load."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import pytest
import requests

from hotpapers_local.fakes import FakeUpstreams, UpstreamDataset
from hotpapers_local.sample import (
    SAMPLE_DAY,
    allocate_metrics,
    dataset_from_post,
    heavy_day_counts,
    hidden_tweet_metrics,
    load_sample_dataset,
    load_sample_papers,
    parse_post,
    snowflake_time,
    synthetic_heavy_day,
)

pytestmark = pytest.mark.unit

POST = Path(__file__).parent.parent / "fixtures" / "hotpapers-posts" / "2021-06-01---Hot-Papers.md"
DAY_START = datetime(2021, 6, 1, tzinfo=UTC)
DAY_END = datetime(2021, 6, 2, tzinfo=UTC)


def _paper_of(tweet: dict) -> str:
    return tweet["entities"]["urls"][0]["expanded_url"].rsplit("/", 1)[1]


def _parse_x_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def sample() -> UpstreamDataset:
    return load_sample_dataset()


def test_bundled_post_is_the_shared_fixture_byte_for_byte() -> None:
    bundled = Path(__file__).parents[2] / "local/hotpapers_local/data/2021-06-01---Hot-Papers.md"
    assert bundled.read_bytes() == POST.read_bytes()


def test_sample_day_has_the_posts_17_papers_and_21_tweets(sample: UpstreamDataset) -> None:
    assert SAMPLE_DAY == date(2021, 6, 1)
    assert len(sample.arxiv_entries) == 17
    assert len(sample.x_tweets) == 21
    assert len({t["id"] for t in sample.x_tweets}) == 21
    assert sample.bsky_posts == [] and sample.hn_hits == [] and sample.hf_daily == {}


def test_sample_tweets_were_created_on_the_day_as_their_snowflake_ids_say(sample: UpstreamDataset) -> None:
    for tweet in sample.x_tweets:
        created = _parse_x_time(tweet["created_at"])
        assert DAY_START <= created < DAY_END
        assert created == snowflake_time(tweet["id"]).replace(microsecond=0)


def test_sample_metrics_add_up_to_the_posts_own_totals(sample: UpstreamDataset) -> None:
    # Read the totals straight from the Markdown, independently of the parser under test.
    text = POST.read_text(encoding="utf-8")
    totals = {
        arxiv_id: (int(rt), int(fav))
        for rt, fav, arxiv_id in re.findall(
            r"- retweets: (\d+), favorites: (\d+) .*?\n\n- links: \[abs\]\(https://arxiv\.org/abs/([\d.]+)\)", text
        )
    }
    assert len(totals) == 17

    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    scores: dict[str, list[int]] = defaultdict(list)
    for tweet in sample.x_tweets:  # in the post's order
        metrics = tweet["public_metrics"]
        sums[_paper_of(tweet)][0] += metrics["retweet_count"]
        sums[_paper_of(tweet)][1] += metrics["like_count"]
        scores[_paper_of(tweet)].append(metrics["retweet_count"] + metrics["like_count"])
    assert {paper: tuple(pair) for paper, pair in sums.items()} == totals
    for paper_scores in scores.values():
        assert paper_scores[0] == max(paper_scores)  # the blog showed the top tweet first
        assert all(score >= 25 for score in paper_scores[1:])  # and others only from a score of 25


def test_allocate_metrics_refuses_totals_that_cannot_satisfy_the_blogs_rules() -> None:
    assert allocate_metrics(10042, 5, 1) == [(10042, 5)]
    with pytest.raises(ValueError):
        allocate_metrics(10, 5, 2)  # a second shown tweet would need a score of 25


def test_sample_tweets_carry_real_text_authors_and_their_t_co_link(sample: UpstreamDataset) -> None:
    aft = next(t for t in sample.x_tweets if t["id"] == "1399536327260086281")
    assert aft["text"].startswith("An Attention Free Transformer\npdf: https://t.co/iOURQMubTR\n")
    url = aft["entities"]["urls"][0]
    assert url["url"] == "https://t.co/iOURQMubTR" == aft["text"][url["start"] : url["end"]]
    assert url["expanded_url"] == "https://arxiv.org/abs/2105.14103"
    users = {u["id"]: u for u in sample.x_users}
    assert users[aft["author_id"]] == {"id": aft["author_id"], "name": "AK", "username": "ak92501"}
    assert len(users) == len({u["username"] for u in sample.x_users})
    petar = next(t for t in sample.x_tweets if t["id"] == "1399685979506675714")
    assert "intentionally 'weakened'" in petar["text"]  # &#39; unescaped
    assert users[petar["author_id"]]["name"] == "Petar Veličković"
    assert all(t["entities"]["urls"][0]["url"] in t["text"] for t in sample.x_tweets)


def test_sample_arxiv_entries_parse_with_feedparser_and_carry_the_post(sample: UpstreamDataset) -> None:
    papers = {paper.arxiv_id: paper for paper in load_sample_papers()}
    assert papers["2105.14103"].title == "An Attention Free Transformer"
    with FakeUpstreams(sample) as fake:
        response = requests.get(fake.arxiv_api_url, params={"id_list": ",".join(papers), "max_results": 100})
    feed = feedparser.parse(response.content)

    assert not feed.bozo
    assert len(feed.entries) == 17
    for entry in feed.entries:
        arxiv_id = entry.id.removeprefix("http://arxiv.org/abs/").removesuffix("v1")
        paper = papers[arxiv_id]
        assert entry.title == paper.title
        assert [a.name for a in entry.authors] == list(paper.authors)
        assert [t.term for t in entry.tags] == list(paper.categories)
        assert entry.arxiv_primary_category["term"] == paper.categories[0]
        assert entry.summary == paper.abstract
        assert entry.published == "2021-05-31T17:00:00Z"
    aft = next(e for e in feed.entries if e.id == "http://arxiv.org/abs/2105.14103v1")
    assert aft.title == "An Attention Free Transformer"
    assert [t.term for t in aft.tags] == ["cs.LG", "cs.CL", "cs.CV"]


# ------------------------------------------------------------------- heavy day


@pytest.fixture(scope="module")
def heavy() -> UpstreamDataset:
    return synthetic_heavy_day(SAMPLE_DAY)


def _linked_ids(text: str) -> set[str]:
    return set(re.findall(r"\d{4}\.\d{5}", text))


def test_heavy_day_has_30000_original_posts_over_2000_distinct_papers(heavy: UpstreamDataset) -> None:
    counts = heavy_day_counts(30000)
    retweets = [t for t in heavy.x_tweets if any(r["type"] == "retweeted" for r in t.get("referenced_tweets", []))]
    originals = len(heavy.x_tweets) - len(retweets)
    hf_items = [item for items in heavy.hf_daily.values() for item in items]
    assert (originals, len(retweets)) == (counts.x, counts.x_retweets) == (24000, 1200)
    assert (len(heavy.bsky_posts), len(heavy.hn_hits), len(hf_items)) == (3000, 2000, 1000)
    assert originals + len(heavy.bsky_posts) + len(heavy.hn_hits) + len(hf_items) == counts.posts == 30000

    linked: set[str] = set()
    for tweet in heavy.x_tweets:
        linked |= _linked_ids(" ".join(u["expanded_url"] for u in tweet["entities"]["urls"]))
    for post in heavy.bsky_posts:
        linked |= _linked_ids(" ".join(f["features"][0]["uri"] for f in post["record"]["facets"]))
    linked |= {_linked_ids(hit["url"]).pop() for hit in heavy.hn_hits}
    linked |= {item["paper"]["id"] for item in hf_items}
    assert len(heavy.arxiv_entries) == 2000
    assert linked == set(heavy.arxiv_entries)


def test_heavy_day_timestamps_fall_inside_the_day(heavy: UpstreamDataset) -> None:
    start, end = DAY_START.timestamp(), DAY_END.timestamp()
    stamps = [_parse_x_time(t["created_at"]).timestamp() for t in heavy.x_tweets]
    stamps += [datetime.fromisoformat(p["record"]["createdAt"]).timestamp() for p in heavy.bsky_posts]
    stamps += [hit["created_at_i"] for hit in heavy.hn_hits]
    stamps += [datetime.fromisoformat(i["publishedAt"]).timestamp() for i in heavy.hf_daily["2021-06-01"]]
    assert all(start <= stamp < end for stamp in stamps)
    assert all(snowflake_time(t["id"]).replace(microsecond=0) == _parse_x_time(t["created_at"]) for t in heavy.x_tweets)


def test_heavy_day_is_deterministic() -> None:
    first = synthetic_heavy_day(SAMPLE_DAY, papers=50, posts=600, seed=7)
    again = synthetic_heavy_day(SAMPLE_DAY, papers=50, posts=600, seed=7)
    other = synthetic_heavy_day(SAMPLE_DAY, papers=50, posts=600, seed=8)
    assert first == again
    assert first != other


def test_sample_tweets_carry_lang_escaped_text_and_entities_as_the_api_does(sample: UpstreamDataset) -> None:
    tweets = {t["id"]: t for t in sample.x_tweets}
    assert {t["lang"] for t in sample.x_tweets} == {"en"}  # every embed of the day says <p lang="en">
    # The API escapes &, < and > and counts entity offsets in the escaped text.
    vae = tweets["1399714596903084032"]
    assert "CIFAR-10 &amp; MNIST" in vae["text"]
    [mention] = vae["entities"]["mentions"]
    assert vae["text"][mention["start"] : mention["end"]] == "@_sam_sinha_" and mention["username"] == "_sam_sinha_"
    for tweet in sample.x_tweets:
        for url in tweet["entities"]["urls"]:
            assert tweet["text"][url["start"] : url["end"]] == url["url"]
    # A media link shows pic.twitter.com/… and leads to the photo; a second link's destination is unknown.
    aft = tweets["1399536327260086281"]
    assert [u["display_url"] for u in aft["entities"]["urls"]] == [
        "arxiv.org/abs/2105.14103",
        "t.co/6TSsVXmjww",
        "pic.twitter.com/ZfaIbdmvnL",
    ]
    assert (
        aft["entities"]["urls"][2]["expanded_url"] == "https://twitter.com/ak92501/status/1399536327260086281/photo/1"
    )
    qa = tweets["1399728707816857604"]
    [hashtag] = qa["entities"]["hashtags"]
    assert qa["text"][hashtag["start"] : hashtag["end"]] == "#ACL2021NLP" and hashtag["tag"] == "ACL2021NLP"


def test_every_reference_post_parses_with_its_front_matter_and_stamps() -> None:
    posts = {path.name: parse_post(path.read_text(encoding="utf-8")) for path in POST.parent.glob("*---Hot-Papers.md")}
    assert len(posts) == 14
    first = posts["2020-06-29---Hot-Papers.md"]
    assert first.day == date(2020, 6, 29) and first.generated_at == datetime(2020, 6, 30, 9, 15, 18, tzinfo=UTC)
    assert [p.observed_at for p in first.papers][:2] == [
        datetime(2020, 6, 30, 9, 15, 18, tzinfo=UTC),
        datetime(2020, 6, 30, 9, 15, 19, tzinfo=UTC),
    ]
    assert posts["2020-12-07---Hot-Papers.md"].papers == ()
    langs = {tweet.lang for post in posts.values() for paper in post.papers for tweet in paper.tweets}
    assert langs == {"en", "ja", "und", "ro", "ca", "fr"}
    assert all(paper.has_pdf for post in posts.values() for paper in post.papers)
    assert sum(len(post.papers) for post in posts.values()) == 112 + 13 + 15 + 21 + 17  # and the week's other four


def test_papers_listed_without_tweets_get_stand_ins_under_the_blogs_threshold() -> None:
    post = parse_post((POST.parent / "2020-10-13---Hot-Papers.md").read_text(encoding="utf-8"))
    dataset = dataset_from_post(post)
    paper = next(p for p in post.papers if p.rank == 26)
    assert paper.tweets == () and (paper.retweets, paper.favorites) == (48, 18)
    assert hidden_tweet_metrics(48, 18) == [(16, 6), (16, 6), (16, 6)]
    stand_ins = [t for t in dataset.x_tweets if t["entities"]["urls"][0]["expanded_url"].endswith(paper.arxiv_id)]
    assert len(stand_ins) == 3
    assert all(sum(t["public_metrics"].values()) < 25 for t in stand_ins)
