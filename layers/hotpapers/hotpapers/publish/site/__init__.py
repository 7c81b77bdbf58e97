"""The static site: digests rendered to HTML pages, an Atom feed, a sitemap and a stylesheet.

Pure rendering. Every function takes data (digests, summaries, a `SiteConfig`)
and returns `SiteObject`s (key, body, content type, cache-control); nothing
here touches S3, the clock or the network. The only I/O is reading the
package's own templates and stylesheet.

Safety: jinja2 autoescapes every HTML and XML template, and every value a
template prints passes `sanitize.finalize_printed` first, which drops code points that HTML
and XML forbid. Python never builds markup (one exception: `math`, whose
MathML serializer writes only whitelisted elements and attributes and escapes
every text; its docstring says why that is safe): links inside post texts are
handed to the templates as (text, href) segments, and an href is only ever an
http(s) URL that `safe_url` accepted. Text from users (titles, authors,
abstracts, posts) is isolated with `<bdi>` or `dir="auto"` so bidi controls
cannot reorder the page around it.

Determinism: the same input renders byte-identical bodies. No wall-clock time
is used; dates come from the data (`Digest.as_of`, post times).

The modules, from the bottom up: `config` (SiteConfig, SiteObject, cache policies),
`keys` (every S3 key and site path), `text` (text and URL hygiene), `math` (TeX as
MathML, the `tex` filter), `formatting`
(dates and counts), `sources` and `categories` (the names readers see), `posts`
and `views` (the day page's view models), `summaries` (day and month links for
listings), `render` (the jinja2 environment and CSP), then the page families:
`pages`, `papers` (a page per paper, its score `chart`), `periods` (weekly and monthly digests), `listings`,
and `feeds`. What a publish renders, and in which order, is `publish/plan.py`'s (`publish/render_plan.py`'s
`render_site`: a whole site in upload order).
This package re-exports the public names, so `from hotpapers.publish.site import X` works.
"""

from hotpapers.publish.site.config import (
    CACHE_IMMUTABLE,
    CACHE_PAST_DAY,
    CACHE_SHORT,
    SiteConfig,
    SiteObject,
)
from hotpapers.publish.site.day_views import CategoryFilter, PaperFilter
from hotpapers.publish.site.feeds import (
    CATEGORY_FEED_ENTRIES,
    FEED_ENTRIES,
    SITEMAP_URL_LIMIT,
    render_category_feeds,
    render_feed,
    render_feeds_page,
    render_sitemap,
    render_sitemaps,
)
from hotpapers.publish.site.keys import (
    INDEX_KEY,
    NOT_FOUND_KEY,
    category_feed_key,
    category_page_key,
    day_page_key,
    digest_export_key,
    month_page_key,
    paper_page_key,
    period_export_key,
    stylesheet_key,
    week_page_key,
)
from hotpapers.publish.site.listings import CATEGORY_PAGE_SIZE, render_archive, render_categories
from hotpapers.publish.site.papers import PAPER_PAGE_POSTS, render_paper, render_paper_pages
from hotpapers.publish.site.period_pages import render_period
from hotpapers.publish.site.render import content_security_policy
from hotpapers.publish.site.sanitize import TEXT_LIMIT, safe_url
from hotpapers.publish.site.standalone_pages import (
    render_404,
    render_day,
    render_favicon,
    render_index,
    render_robots,
    render_stylesheet,
)

__all__ = [
    "CACHE_IMMUTABLE",
    "CACHE_PAST_DAY",
    "CACHE_SHORT",
    "CATEGORY_FEED_ENTRIES",
    "CATEGORY_PAGE_SIZE",
    "FEED_ENTRIES",
    "INDEX_KEY",
    "NOT_FOUND_KEY",
    "PAPER_PAGE_POSTS",
    "SITEMAP_URL_LIMIT",
    "TEXT_LIMIT",
    "CategoryFilter",
    "PaperFilter",
    "SiteConfig",
    "SiteObject",
    "category_feed_key",
    "category_page_key",
    "content_security_policy",
    "day_page_key",
    "digest_export_key",
    "month_page_key",
    "period_export_key",
    "paper_page_key",
    "render_404",
    "render_archive",
    "render_categories",
    "render_category_feeds",
    "render_day",
    "render_favicon",
    "render_feed",
    "render_feeds_page",
    "render_index",
    "render_paper",
    "render_paper_pages",
    "render_period",
    "render_robots",
    "render_sitemap",
    "render_sitemaps",
    "render_stylesheet",
    "safe_url",
    "stylesheet_key",
    "week_page_key",
]
