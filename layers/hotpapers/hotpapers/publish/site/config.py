"""How the site is set up and served: `SiteConfig` (from `Settings`), `SiteObject`, content types, caching."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from hotpapers.core.settings import Settings, SettingsError

HTML_TYPE = "text/html; charset=utf-8"
CSS_TYPE = "text/css; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
ICON_TYPE = "image/x-icon"

# Pages that change whenever a day is published (front page, listings, feeds, the newest day).
CACHE_SHORT = "public, max-age=300"
# A day that has a newer day after it changes only when it is re-collected.
CACHE_PAST_DAY = "public, max-age=3600"
# The stylesheet's name carries its content hash: a change is a new object.
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
# The icon sits at the fixed key browsers ask for, so it cannot be immutable; it changes about never.
CACHE_ICON = "public, max-age=604800"


@dataclass(frozen=True)
class SiteObject:
    key: str
    body: bytes
    content_type: str
    cache_control: str


@dataclass(frozen=True)
class SiteConfig:
    """How the site is addressed and what it loads.

    `base_url` is the site's absolute URL (the feed, sitemap, robots.txt and
    canonical links need it); pages link root-relative, under the path of
    `base_url` ("/" by default). `x_widgets` adds X's widgets.js so the
    static post cards upgrade to embedded posts; off by default, so no
    third-party script is loaded.
    """

    base_url: str = "/"
    title: str = "Hot Papers"
    x_widgets: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> SiteConfig:
        """The site of these settings: `HOTPAPERS_SITE_URL` (default http://127.0.0.1:8000/) and
        `HOTPAPERS_X_WIDGETS`; a site URL of the wrong shape raises SettingsError naming the variable."""
        try:
            return cls(base_url=settings.site_url, x_widgets=settings.x_widgets)
        except ValueError as error:
            raise SettingsError(f"HOTPAPERS_SITE_URL: {error}") from None

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        absolute = parts.scheme in ("http", "https") and bool(parts.netloc)
        if not (absolute or (not parts.scheme and not parts.netloc and self.base_url.startswith("/"))):
            raise ValueError(f"site base_url must be an http(s) URL or a path starting with '/': {self.base_url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"site base_url must not carry a query or fragment: {self.base_url!r}")
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")

    @property
    def root(self) -> str:
        """The root-relative prefix of every page link, ending in '/'."""
        return urlsplit(self.base_url).path

    @property
    def is_absolute(self) -> bool:
        return bool(urlsplit(self.base_url).netloc)

    @property
    def host(self) -> str | None:
        return urlsplit(self.base_url).hostname

    def url(self, path: str = "") -> str:
        """A root-relative link to a site path such as 'digests/2021-06-01/'."""
        return self.root + path

    def absolute(self, path: str = "") -> str:
        """The absolute URL of a site path (root-relative when base_url is a path)."""
        return self.base_url + path
