"""The rendering core: the jinja2 environment, page assembly and the pages' content security policy."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hotpapers.publish.site.config import CACHE_SHORT, HTML_TYPE, SiteConfig, SiteObject
from hotpapers.publish.site.formatting import format_count
from hotpapers.publish.site.keys import key_of_path, stylesheet_key
from hotpapers.publish.site.sanitize import finalize_printed, one_line

if TYPE_CHECKING:  # jinja2 is imported when the first page is rendered, not with this module
    import jinja2


X_WIDGETS_URL = "https://platform.twitter.com/widgets.js"


@lru_cache(maxsize=1)
def template_environment() -> jinja2.Environment:
    """The site's jinja2 environment (built once): autoescaping, strict undefined, and the site's filters."""
    import jinja2

    from hotpapers.publish.site.math import tex_markup

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default=True),
        undefined=jinja2.StrictUndefined,
        finalize=finalize_printed,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["stylesheet"] = stylesheet_key
    env.filters["count"] = format_count
    env.filters["plain"] = one_line
    # A title or abstract with its TeX as MathML (math.py): for page bodies only. <title>, meta
    # descriptions and feeds print the text itself (escaped TeX source).
    env.filters["tex"] = tex_markup
    return env


def render_template(template: str, site: SiteConfig, **context: Any) -> bytes:
    """A template rendered for the site, as UTF-8 bytes."""
    text = template_environment().get_template(template).render(site=site, **context)
    return text.encode("utf-8")


def page_object(key_path: str, template: str, site: SiteConfig, cache: str = CACHE_SHORT, **context: Any) -> SiteObject:
    """The HTML page at site path `key_path` (its S3 key from keys.key_of_path), rendered from `template`."""
    body = render_template(template, site, page_path=key_path, **context)
    return SiteObject(key_of_path(key_path), body, HTML_TYPE, cache)


def content_security_policy(x_widgets: bool = False, *, header: bool = False) -> str:
    """The site's Content-Security-Policy: no inline script, no script at all unless X widgets are on.

    Pages carry it in a `<meta http-equiv>` (an S3 website without CloudFront cannot send
    headers); `header=True` gives the response-header form, which adds `frame-ancestors`
    (a meta policy may not carry it). The local server sends that header and the template's
    CloudFront ResponseHeadersPolicy sends the same text. A page's meta policy and the header
    both apply, so a page with no X post stays script-free even when the header allows X.

    With X widgets on, exactly one script origin is allowed, https://platform.twitter.com
    (widgets.js), and its iframes; never an inline script, eval, or another origin. Inline
    *style* is then allowed deliberately: widgets.js sizes and styles the iframe it puts in
    place of each post card, and a style cannot run code. The site's own markup has no
    inline style or script either way (tests/reliability/test_hostile_text.py and
    test_site_csp.py check it in Chromium, without and with this policy).
    """
    if x_widgets:
        policy = (
            "default-src 'self' https:; script-src https://platform.twitter.com; "
            "frame-src https://platform.twitter.com; style-src 'self' 'unsafe-inline' https:; "
            "img-src 'self' https: data:; object-src 'none'; base-uri 'none'; form-action 'none'"
        )
    else:
        policy = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
    return policy + "; frame-ancestors 'none'" if header else policy


def page_context(site: SiteConfig, widgets: bool = False) -> dict[str, Any]:
    """What every page's template needs for its Content-Security-Policy and X's script (when `widgets`)."""
    return {"csp": content_security_policy(widgets), "widgets_script": X_WIDGETS_URL if widgets else None}
