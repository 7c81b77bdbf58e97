"""Datasets for the fake upstreams: the bundled real day and week (with illustrations), a synthetic heavy day."""

from hotpapers_local.sample.day import arxiv_feed, dataset_from_post, load_sample_dataset
from hotpapers_local.sample.heavy_day import HeavyDayCounts, heavy_day_counts, synthetic_heavy_day
from hotpapers_local.sample.illustrations import add_illustrations, illustration_counts
from hotpapers_local.sample.post import (
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
from hotpapers_local.sample.tweets import (
    BLOG_MIN_SHOWN_SCORE,
    HIDDEN_HANDLE,
    TWITTER_EPOCH_MS,
    allocate_metrics,
    escape_x_text,
    hidden_tweet_metrics,
    snowflake_time,
    x_search_page,
)
from hotpapers_local.sample.week import (
    SAMPLE_WEEK,
    WEEK_DAYS,
    load_week_dataset,
    load_week_posts,
    post_file,
    week_papers,
)

__all__ = [
    "BLOG_MIN_SHOWN_SCORE",
    "HIDDEN_HANDLE",
    "SAMPLE_DAY",
    "SAMPLE_POST_FILE",
    "SAMPLE_WEEK",
    "TWITTER_EPOCH_MS",
    "WEEK_DAYS",
    "add_illustrations",
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
    "illustration_counts",
    "load_sample_dataset",
    "load_sample_papers",
    "load_sample_post",
    "load_week_dataset",
    "load_week_posts",
    "parse_embed_html",
    "parse_hot_papers_post",
    "parse_post",
    "post_file",
    "snowflake_time",
    "synthetic_heavy_day",
    "week_papers",
    "x_search_page",
]
