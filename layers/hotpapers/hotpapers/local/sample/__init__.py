"""Datasets for the fake upstreams: the bundled real sample day, and a synthetic heavy day."""

from hotpapers.local.sample.day import arxiv_feed, dataset_from_post, load_sample_dataset
from hotpapers.local.sample.heavy_day import HeavyDayCounts, heavy_day_counts, synthetic_heavy_day
from hotpapers.local.sample.post import (
    SAMPLE_DAY,
    SAMPLE_POST_FILE,
    HotPapersPost,
    SamplePaper,
    SampleTweet,
    load_sample_papers,
    load_sample_post,
    parse_embed_html,
    parse_hot_papers_post,
    parse_post,
)
from hotpapers.local.sample.tweets import (
    BLOG_MIN_SHOWN_SCORE,
    HIDDEN_HANDLE,
    TWITTER_EPOCH_MS,
    allocate_metrics,
    escape_x_text,
    hidden_tweet_metrics,
    snowflake_time,
    x_search_page,
)

__all__ = [
    "BLOG_MIN_SHOWN_SCORE",
    "HIDDEN_HANDLE",
    "SAMPLE_DAY",
    "SAMPLE_POST_FILE",
    "TWITTER_EPOCH_MS",
    "HeavyDayCounts",
    "HotPapersPost",
    "SamplePaper",
    "SampleTweet",
    "allocate_metrics",
    "arxiv_feed",
    "dataset_from_post",
    "escape_x_text",
    "heavy_day_counts",
    "hidden_tweet_metrics",
    "load_sample_dataset",
    "load_sample_papers",
    "load_sample_post",
    "parse_embed_html",
    "parse_hot_papers_post",
    "parse_post",
    "snowflake_time",
    "synthetic_heavy_day",
    "x_search_page",
]
