"""The static site: digests rendered to HTML pages, an Atom feed, a sitemap and a stylesheet.

Pure rendering. Every function takes data (digests, summaries, a `SiteConfig`)
and returns `SiteObject`s (key, body, content type, cache-control); nothing
here touches S3, the clock or the network. The only I/O is reading the
package's own templates and stylesheet.

Safety: jinja2 autoescapes every HTML and XML template, and every value a
template prints passes `_finalize` first, which drops code points that HTML
and XML forbid. Python never builds markup: links inside post texts are
handed to the templates as (text, href) segments, and an href is only ever an
http(s) URL that `safe_url` accepted. Text from users (titles, authors,
abstracts, posts) is isolated with `<bdi>` or `dir="auto"` so bidi controls
cannot reorder the page around it.

Determinism: the same input renders byte-identical bodies. No wall-clock time
is used; dates come from the data (`Digest.as_of`, post times).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from hotpapers.core.digest import Digest, DigestSummary, RankedPaper, TextEntity, TopPost

if TYPE_CHECKING:  # jinja2 is imported when the first page is rendered, not with this module
    import jinja2

__all__ = [
    "CACHE_IMMUTABLE",
    "CACHE_PAST_DAY",
    "CACHE_SHORT",
    "CATEGORY_PAGE_SIZE",
    "FEED_ENTRIES",
    "TEXT_LIMIT",
    "SiteConfig",
    "SiteObject",
    "category_page_key",
    "content_security_policy",
    "day_page_key",
    "render_404",
    "render_archive",
    "render_categories",
    "render_day",
    "render_feed",
    "render_index",
    "render_robots",
    "render_site",
    "render_sitemap",
    "render_stylesheet",
    "safe_url",
    "site_config_from_env",
    "stylesheet_key",
]

HTML_TYPE = "text/html; charset=utf-8"
CSS_TYPE = "text/css; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"

# Pages that change whenever a day is published (front page, listings, feeds, the newest day).
CACHE_SHORT = "public, max-age=300"
# A day that has a newer day after it changes only when it is re-collected.
CACHE_PAST_DAY = "public, max-age=3600"
# The stylesheet's name carries its content hash: a change is a new object.
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"

CATEGORY_PAGE_SIZE = 100
FEED_ENTRIES = 60
FEED_ENTRY_PAPERS = 10
INDEX_RECENT_DAYS = 14
X_WIDGETS_URL = "https://platform.twitter.com/widgets.js"


# ------------------------------------------------------------------ public types


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


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def site_config_from_env(env: Mapping[str, str] | None = None) -> SiteConfig:
    """`HOTPAPERS_SITE_URL` (default http://127.0.0.1:8000/) and `HOTPAPERS_X_WIDGETS` (true/false)."""
    env = os.environ if env is None else env
    widgets = env.get("HOTPAPERS_X_WIDGETS", "").strip().lower()
    if widgets not in _TRUE | _FALSE:
        raise ValueError(f"HOTPAPERS_X_WIDGETS must be true or false, not {widgets!r}")
    return SiteConfig(
        base_url=env.get("HOTPAPERS_SITE_URL", "").strip() or "http://127.0.0.1:8000/",
        x_widgets=widgets in _TRUE,
    )


# ------------------------------------------------------------------ paths


def _key(path: str) -> str:
    """The S3 key of a site path: '' → index.html, 'archive/' → archive/index.html."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def _day_path(day: date) -> str:
    return f"digests/{day.isoformat()}/"


def day_page_key(day: date) -> str:
    """The S3 key of a day's page (the publisher checks the bucket for it)."""
    return _key(_day_path(day))


def _month_path(year: int, month: int) -> str:
    return f"archive/{year:04d}-{month:02d}/"


def _category_path(category: str, page: int | None = None) -> str:
    """The category's index, or one of its archive pages (numbered from 1, the oldest)."""
    return f"categories/{category}/" if page is None else f"categories/{category}/page/{page}/"


_CATEGORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,63}")


@lru_cache(maxsize=4096)  # a few hundred arXiv categories, checked for every paper of every day
def _valid_category(category: str) -> bool:
    """arXiv category names (cs.LG, q-bio.OT, hep-th) are safe path segments; anything else is skipped."""
    return bool(_CATEGORY.fullmatch(category)) and ".." not in category


def _paper_anchor(arxiv_id: str) -> str:
    """The element id of a paper on its day page: 'arxiv-2105.14103', 'arxiv-hep-th-9901001'."""
    return "arxiv-" + re.sub(r"[^A-Za-z0-9.-]", "-", arxiv_id)


@lru_cache(maxsize=1)
def _stylesheet_bytes() -> bytes:
    return resources.files(__package__).joinpath("static", "style.css").read_bytes()


def stylesheet_key() -> str:
    """The stylesheet's key; its name carries a hash of its content, so it can be cached forever."""
    return f"static/style.{hashlib.sha256(_stylesheet_bytes()).hexdigest()[:12]}.css"


# ------------------------------------------------------------------ text and URL hygiene

# Code points HTML calls parse errors and XML 1.0 forbids: C0/C1 controls (tab, LF and CR aside),
# lone surrogates (which cannot even be encoded) and noncharacters. Everything else is kept.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)
# Bidi embeddings, overrides and isolates: harmless inside <bdi>, but not in <title>, attributes or feeds.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _clean(text: str) -> str:
    # Every forbidden code point is non-printable, so printable text (nearly all of it, and this
    # runs on every printed value) skips the regex: str.isprintable is one C loop.
    if text.isprintable():
        return text
    return _FORBIDDEN.sub("", text)


def _plain(text: str) -> str:
    """User text for contexts that cannot isolate it (title, meta description, feed titles): one line."""
    return " ".join(_BIDI_CONTROLS.sub("", _clean(text)).split())


def _finalize(value: Any) -> Any:
    """Applied by jinja2 to every printed value before it is escaped."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return _clean(value)
    if value is None:
        return ""
    return value


# The longest abstract or post text a page shows, in characters. arXiv caps abstracts at 1,920
# characters and X's longest posts run to 25,000, so this cuts only the rare or hostile text that
# would turn one card into hundreds of screens (and be repeated on the front page). A cut text ends
# at a word boundary with "…", and the page says how much was left out and links the whole text at
# its source. The exports (digests/D.md, digests/D.json) and the API keep every text whole.
TEXT_LIMIT = 4000
_CUT_SLACK = 200  # how far before the limit a cut may move back to end on a word boundary


def _shorten(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its start cut at the last space near the limit."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= limit - _CUT_SLACK:
        cut = cut[:space]
    return cut.rstrip()


_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*")
_URL_SAFE = "/:?#[]@!$&()*+,;=~-._%"  # not the quote: an href never carries one raw
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_WHITESPACE = re.compile(r"\s")  # re's \s is str.isspace: any Unicode whitespace


def safe_url(value: str | None) -> str | None:
    """The URL if it is a plain http(s) URL to a named host, normalized for an href; otherwise None.

    javascript:, data:, vbscript:, relative and protocol-relative URLs, URLs
    with credentials and hosts that are not DNS names all give None: the
    caller then shows text, never a link.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or _FORBIDDEN.search(value) or _WHITESPACE.search(value):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    host = parts.hostname or ""
    if not _HOST.fullmatch(host) or (port is not None and not 0 < port < 65536):
        return None
    # Percent-encode what an href may not hold raw (non-ASCII, quotes, brackets…), keep what it may.
    return _BAD_PERCENT.sub("%25", quote(value, safe=_URL_SAFE))


# ------------------------------------------------------------------ formatting

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _long_date(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _medium_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _short_date(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()][:3]} {day.day} {_MONTHS[day.month - 1][:3]}"


def _month_name(year: int, month: int) -> str:
    return f"{_MONTHS[month - 1]} {year}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _rfc3339(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment_text(moment: datetime) -> str:
    moment = _utc(moment)
    return f"{_medium_date(moment.date())}, {moment:%H:%M} UTC"


def _day_updated(day: date, as_of: datetime | None) -> datetime:
    """A day's data time: its as_of, or the end of the day when none is known."""
    return _utc(as_of) if as_of is not None else datetime.combine(day + timedelta(days=1), time(), UTC)


def _join_and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _count(value: int) -> str:
    return f"{value:,}"


def _plural(value: int, singular: str, plural: str) -> str:
    return f"{_count(value)} {singular if value == 1 else plural}"


# ------------------------------------------------------------------ sources and categories

SOURCE_LABELS = {"x": "X", "bluesky": "Bluesky", "hackernews": "Hacker News", "huggingface": "Hugging Face"}
_SOURCE_ORDER = tuple(SOURCE_LABELS)
_POST_LINK_LABELS = {
    "x": "View on X",
    "bluesky": "View on Bluesky",
    "hackernews": "Discuss on Hacker News",
    "huggingface": "View on Hugging Face",
}
_KIND_LABELS = {"quote": "Quote", "reply": "Reply", "story": "Story", "daily-paper": "Daily paper"}

# Per source: (metric, singular, plural, always shown). Metrics not always shown appear when non-zero.
_METRICS: dict[str, tuple[tuple[str, str, str, bool], ...]] = {
    "x": (
        ("posts", "post", "posts", True),
        ("retweets", "repost", "reposts", True),
        ("likes", "like", "likes", True),
        ("quotes", "quote", "quotes", False),
        ("replies", "reply", "replies", False),
    ),
    "bluesky": (
        ("posts", "post", "posts", True),
        ("reposts", "repost", "reposts", True),
        ("likes", "like", "likes", True),
        ("quotes", "quote", "quotes", False),
        ("replies", "reply", "replies", False),
    ),
    "hackernews": (
        ("posts", "story", "stories", True),
        ("points", "point", "points", True),
        ("comments", "comment", "comments", True),
    ),
    "huggingface": (  # one daily-papers listing per paper: its posts count says nothing
        ("upvotes", "upvote", "upvotes", True),
        ("comments", "comment", "comments", False),
    ),
}

_ARCHIVES = {
    "cs": "Computer Science",
    "stat": "Statistics",
    "math": "Mathematics",
    "eess": "Electrical Engineering and Systems Science",
    "econ": "Economics",
    "q-bio": "Quantitative Biology",
    "q-fin": "Quantitative Finance",
}
_PHYSICS_ARCHIVES = (
    "astro-ph",
    "cond-mat",
    "gr-qc",
    "hep-ex",
    "hep-lat",
    "hep-ph",
    "hep-th",
    "math-ph",
    "nlin",
    "nucl-ex",
    "nucl-th",
    "physics",
    "quant-ph",
)

# arXiv's category taxonomy (https://arxiv.org/category_taxonomy), the names readers see beside the codes.
CATEGORY_NAMES = {
    "cs.AI": "Artificial Intelligence",
    "cs.AR": "Hardware Architecture",
    "cs.CC": "Computational Complexity",
    "cs.CE": "Computational Engineering, Finance, and Science",
    "cs.CG": "Computational Geometry",
    "cs.CL": "Computation and Language",
    "cs.CR": "Cryptography and Security",
    "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.CY": "Computers and Society",
    "cs.DB": "Databases",
    "cs.DC": "Distributed, Parallel, and Cluster Computing",
    "cs.DL": "Digital Libraries",
    "cs.DM": "Discrete Mathematics",
    "cs.DS": "Data Structures and Algorithms",
    "cs.ET": "Emerging Technologies",
    "cs.FL": "Formal Languages and Automata Theory",
    "cs.GL": "General Literature",
    "cs.GR": "Graphics",
    "cs.GT": "Computer Science and Game Theory",
    "cs.HC": "Human-Computer Interaction",
    "cs.IR": "Information Retrieval",
    "cs.IT": "Information Theory",
    "cs.LG": "Machine Learning",
    "cs.LO": "Logic in Computer Science",
    "cs.MA": "Multiagent Systems",
    "cs.MM": "Multimedia",
    "cs.MS": "Mathematical Software",
    "cs.NA": "Numerical Analysis",
    "cs.NE": "Neural and Evolutionary Computing",
    "cs.NI": "Networking and Internet Architecture",
    "cs.OH": "Other Computer Science",
    "cs.OS": "Operating Systems",
    "cs.PF": "Performance",
    "cs.PL": "Programming Languages",
    "cs.RO": "Robotics",
    "cs.SC": "Symbolic Computation",
    "cs.SD": "Sound",
    "cs.SE": "Software Engineering",
    "cs.SI": "Social and Information Networks",
    "cs.SY": "Systems and Control",
    "stat.AP": "Applications",
    "stat.CO": "Computation",
    "stat.ME": "Methodology",
    "stat.ML": "Machine Learning",
    "stat.OT": "Other Statistics",
    "stat.TH": "Statistics Theory",
    "eess.AS": "Audio and Speech Processing",
    "eess.IV": "Image and Video Processing",
    "eess.SP": "Signal Processing",
    "eess.SY": "Systems and Control",
    "econ.EM": "Econometrics",
    "econ.GN": "General Economics",
    "econ.TH": "Theoretical Economics",
    "q-bio.BM": "Biomolecules",
    "q-bio.CB": "Cell Behavior",
    "q-bio.GN": "Genomics",
    "q-bio.MN": "Molecular Networks",
    "q-bio.NC": "Neurons and Cognition",
    "q-bio.OT": "Other Quantitative Biology",
    "q-bio.PE": "Populations and Evolution",
    "q-bio.QM": "Quantitative Methods",
    "q-bio.SC": "Subcellular Processes",
    "q-bio.TO": "Tissues and Organs",
    "q-fin.CP": "Computational Finance",
    "q-fin.EC": "Economics",
    "q-fin.GN": "General Finance",
    "q-fin.MF": "Mathematical Finance",
    "q-fin.PM": "Portfolio Management",
    "q-fin.PR": "Pricing of Securities",
    "q-fin.RM": "Risk Management",
    "q-fin.ST": "Statistical Finance",
    "q-fin.TR": "Trading and Market Microstructure",
    "math.AC": "Commutative Algebra",
    "math.AG": "Algebraic Geometry",
    "math.AP": "Analysis of PDEs",
    "math.AT": "Algebraic Topology",
    "math.CA": "Classical Analysis and ODEs",
    "math.CO": "Combinatorics",
    "math.CT": "Category Theory",
    "math.CV": "Complex Variables",
    "math.DG": "Differential Geometry",
    "math.DS": "Dynamical Systems",
    "math.FA": "Functional Analysis",
    "math.GM": "General Mathematics",
    "math.GN": "General Topology",
    "math.GR": "Group Theory",
    "math.GT": "Geometric Topology",
    "math.HO": "History and Overview",
    "math.IT": "Information Theory",
    "math.KT": "K-Theory and Homology",
    "math.LO": "Logic",
    "math.MG": "Metric Geometry",
    "math.MP": "Mathematical Physics",
    "math.NA": "Numerical Analysis",
    "math.NT": "Number Theory",
    "math.OA": "Operator Algebras",
    "math.OC": "Optimization and Control",
    "math.PR": "Probability",
    "math.QA": "Quantum Algebra",
    "math.RA": "Rings and Algebras",
    "math.RT": "Representation Theory",
    "math.SG": "Symplectic Geometry",
    "math.SP": "Spectral Theory",
    "math.ST": "Statistics Theory",
    "astro-ph": "Astrophysics",
    "astro-ph.CO": "Cosmology and Nongalactic Astrophysics",
    "astro-ph.EP": "Earth and Planetary Astrophysics",
    "astro-ph.GA": "Astrophysics of Galaxies",
    "astro-ph.HE": "High Energy Astrophysical Phenomena",
    "astro-ph.IM": "Instrumentation and Methods for Astrophysics",
    "astro-ph.SR": "Solar and Stellar Astrophysics",
    "cond-mat.dis-nn": "Disordered Systems and Neural Networks",
    "cond-mat.mes-hall": "Mesoscale and Nanoscale Physics",
    "cond-mat.mtrl-sci": "Materials Science",
    "cond-mat.other": "Other Condensed Matter",
    "cond-mat.quant-gas": "Quantum Gases",
    "cond-mat.soft": "Soft Condensed Matter",
    "cond-mat.stat-mech": "Statistical Mechanics",
    "cond-mat.str-el": "Strongly Correlated Electrons",
    "cond-mat.supr-con": "Superconductivity",
    "gr-qc": "General Relativity and Quantum Cosmology",
    "hep-ex": "High Energy Physics - Experiment",
    "hep-lat": "High Energy Physics - Lattice",
    "hep-ph": "High Energy Physics - Phenomenology",
    "hep-th": "High Energy Physics - Theory",
    "math-ph": "Mathematical Physics",
    "nlin.AO": "Adaptation and Self-Organizing Systems",
    "nlin.CD": "Chaotic Dynamics",
    "nlin.CG": "Cellular Automata and Lattice Gases",
    "nlin.PS": "Pattern Formation and Solitons",
    "nlin.SI": "Exactly Solvable and Integrable Systems",
    "nucl-ex": "Nuclear Experiment",
    "nucl-th": "Nuclear Theory",
    "physics.acc-ph": "Accelerator Physics",
    "physics.ao-ph": "Atmospheric and Oceanic Physics",
    "physics.app-ph": "Applied Physics",
    "physics.atm-clus": "Atomic and Molecular Clusters",
    "physics.atom-ph": "Atomic Physics",
    "physics.bio-ph": "Biological Physics",
    "physics.chem-ph": "Chemical Physics",
    "physics.class-ph": "Classical Physics",
    "physics.comp-ph": "Computational Physics",
    "physics.data-an": "Data Analysis, Statistics and Probability",
    "physics.ed-ph": "Physics Education",
    "physics.flu-dyn": "Fluid Dynamics",
    "physics.gen-ph": "General Physics",
    "physics.geo-ph": "Geophysics",
    "physics.hist-ph": "History and Philosophy of Physics",
    "physics.ins-det": "Instrumentation and Detectors",
    "physics.med-ph": "Medical Physics",
    "physics.optics": "Optics",
    "physics.plasm-ph": "Plasma Physics",
    "physics.pop-ph": "Popular Physics",
    "physics.soc-ph": "Physics and Society",
    "physics.space-ph": "Space Physics",
    "quant-ph": "Quantum Physics",
}


def _archive_group(category: str) -> str:
    archive = category.split(".", 1)[0]
    if archive in _ARCHIVES:
        return _ARCHIVES[archive]
    return "Physics" if archive in _PHYSICS_ARCHIVES else "Other"


_GROUP_ORDER = (*_ARCHIVES.values(), "Physics", "Other")


def _source_order(sources: Iterable[str]) -> list[str]:
    known = [s for s in _SOURCE_ORDER if s in sources]
    return known + sorted(s for s in sources if s not in SOURCE_LABELS)


def _source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source)


def _metric_parts(source: str, metrics: Mapping[str, int], *, with_posts: bool) -> list[str]:
    parts: list[str] = []
    known = _METRICS.get(source, ())
    for name, singular, plural, always in known:
        if name == "posts" and not with_posts:
            continue
        value = metrics.get(name)
        if isinstance(value, int) and (value or (always and name in metrics)):
            parts.append(_plural(value, singular, plural))
    names = {name for name, *_ in known} | {"score"}
    if known or not with_posts:
        names.add("posts")  # a known source without a "posts" entry (Hugging Face) has one listing a paper
    for name in sorted(metrics, key=lambda n: (n != "posts", n)):
        value = metrics[name]
        if name not in names and isinstance(value, int) and value:
            parts.append(
                _plural(value, "post", "posts") if name == "posts" else f"{_count(value)} {name.replace('_', ' ')}"
            )
    return parts


# ------------------------------------------------------------------ view models


@dataclass(frozen=True)
class _Segment:
    text: str
    href: str | None = None


@dataclass(frozen=True)
class _EngagementLine:
    source: str
    label: str
    parts: list[str]
    score: str | None


@dataclass(frozen=True)
class _Category:
    name: str
    href: str | None
    description: str | None


@dataclass(frozen=True)
class _PostView:
    source: str
    source_label: str
    kind_label: str | None
    is_x: bool
    url: str | None
    link_label: str
    author_name: str
    handle: str
    avatar: str
    avatar_tone: int
    created_iso: str
    created_text: str
    lang: str | None
    segments: list[_Segment]
    omitted: int  # characters of the text left out (TEXT_LIMIT); 0 when shown whole
    metrics: list[str]
    score: str


@dataclass(frozen=True)
class _PaperView:
    rank: int
    anchor: str
    arxiv_id: str
    title: str
    authors: list[str]
    score: str
    abs_url: str | None
    pdf_url: str | None
    categories: list[_Category]
    abstract: str
    abstract_omitted: int  # characters left out (TEXT_LIMIT); 0 when shown whole
    comment: str | None
    journal_ref: str | None
    doi: str | None
    doi_url: str | None
    published_iso: str
    published_text: str
    engagement: list[_EngagementLine]
    posts: list[_PostView]


@dataclass(frozen=True)
class _DayView:
    day: date
    iso: str
    long_date: str
    medium_date: str
    path: str
    papers: list[_PaperView]
    candidates: int
    min_score: int
    sources: list[str]
    sources_text: str
    as_of_iso: str | None
    as_of_text: str | None
    has_x_posts: bool


_X_USERNAME = re.compile(r"[A-Za-z0-9_]{1,50}")
_BSKY_HANDLE = re.compile(r"[A-Za-z0-9.-]{1,253}")
_LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
# Codes X still sends for languages whose registry code changed (the validator rejects the old ones).
_LANG_ALIASES = {"in": "id", "iw": "he", "ji": "yi"}


def _post_lang(lang: str | None) -> str | None:
    """A lang attribute for the post text: a plausible BCP 47 tag, '' when unknown, None to inherit."""
    if lang is None:
        return None
    lang = _LANG_ALIASES.get(lang.lower(), lang)
    if lang in ("und", "zxx") or lang.startswith("q") or not _LANG.fullmatch(lang):
        return ""  # X's und/qme/qht…: the language is unknown, which is not English either
    return lang


def _profile_url(source: str, username: str) -> str | None:
    if source == "x" and _X_USERNAME.fullmatch(username):
        return f"https://x.com/{username}"
    if source == "bluesky" and _BSKY_HANDLE.fullmatch(username):
        return f"https://bsky.app/profile/{username}"
    return None


def _hashtag_url(source: str, tag: str) -> str | None:
    if not tag or any(ch.isspace() for ch in tag) or _FORBIDDEN.search(tag):
        return None
    if source == "x":
        return "https://x.com/hashtag/" + quote(tag, safe="")
    if source == "bluesky":
        return "https://bsky.app/hashtag/" + quote(tag, safe="")
    return None


def _entity_link(source: str, entity: TextEntity, shown: str) -> _Segment:
    if entity.kind == "url":
        target = entity.expanded_url if entity.expanded_url is not None else entity.url
        href = safe_url(target)
        if href is None:
            return _Segment(shown)
        return _Segment(entity.display_url or shown, href)
    if entity.kind == "mention":
        username = entity.username or shown.lstrip("@")
        return _Segment(shown, _profile_url(source, username))
    if entity.kind == "hashtag":
        tag = entity.tag or shown.lstrip("#")
        return _Segment(shown, _hashtag_url(source, tag))
    return _Segment(shown)


def _segments(post: TopPost) -> list[_Segment]:
    """The post's text as plain-text and link segments; entities that overlap or fall outside are ignored."""
    text = post.text or ""
    segments: list[_Segment] = []
    position = 0
    for entity in sorted(post.entities, key=lambda e: (e.start, e.end)):
        if not (position <= entity.start < entity.end <= len(text)):
            continue
        if entity.start > position:
            segments.append(_Segment(text[position : entity.start]))
        segments.append(_entity_link(post.source, entity, text[entity.start : entity.end]))
        position = entity.end
    if position < len(text):
        segments.append(_Segment(text[position:]))
    return segments


def _shorten_segments(segments: list[_Segment], limit: int) -> tuple[list[_Segment], int]:
    """The segments that fit in `limit` characters of shown text (a plain one cut short, a link kept whole
    or left out), and how many characters were left out."""
    shown: list[_Segment] = []
    used = 0
    for segment in segments:
        room = limit - used
        if len(segment.text) <= room:
            shown.append(segment)
            used += len(segment.text)
            continue
        if segment.href is None and room > 0:
            text = _shorten(segment.text, room)
            if text:
                shown.append(_Segment(text))
                used += len(text)
        elif shown and shown[-1].href is None:  # end the plain text before "…" without its trailing space
            used -= len(shown[-1].text) - len(shown[-1].text.rstrip())
            shown[-1] = _Segment(shown[-1].text.rstrip())
        break
    return shown, sum(len(segment.text) for segment in segments) - used


def _avatar(name: str, handle: str) -> tuple[str, int]:
    """An initial and one of six tones, both derived from the author (no image is loaded)."""
    letter = next((ch for ch in _plain(name or handle) if ch.isalnum()), "?").upper()
    tone = int(hashlib.sha256(handle.lower().encode("utf-8", "replace")).hexdigest(), 16) % 6
    return letter[:1], tone


def _post_view(post: TopPost) -> _PostView:
    letter, tone = _avatar(post.author_name, post.author_handle)
    created = _utc(post.created_at)
    segments, omitted = _shorten_segments(_segments(post), TEXT_LIMIT)
    return _PostView(
        source=re.sub(r"[^a-z0-9-]", "", post.source.lower()) or "other",
        source_label=_source_label(post.source),
        kind_label=_KIND_LABELS.get(post.kind) if post.kind in ("quote", "reply") else None,
        is_x=post.source == "x",
        url=safe_url(post.url),
        link_label=_POST_LINK_LABELS.get(post.source, "View the post"),
        author_name=post.author_name or post.author_handle,
        handle=post.author_handle,
        avatar=letter,
        avatar_tone=tone,
        created_iso=_rfc3339(created),
        created_text=f"{created.day} {_MONTHS[created.month - 1][:3]} {created.year}",
        lang=_post_lang(post.lang),
        segments=segments,
        omitted=omitted,
        metrics=_metric_parts(post.source, post.metrics, with_posts=False),
        score=_plural(post.score, "point", "points"),
    )


def category_page_key(category: str) -> str | None:
    """The S3 key of a category's index page; None for a name that gets no page (not a safe path segment)."""
    return _key(_category_path(category)) if _valid_category(category) else None


# Which categories a day page may link to (None: every valid one). The publisher passes one that
# leaves out categories whose page is not in the bucket yet (see Publisher._render).
CategoryFilter = Callable[[str], bool] | None


def _category_view(category: str, linkable: CategoryFilter = None) -> _Category:
    if _valid_category(category):
        href = _category_path(category) if linkable is None or linkable(category) else None
        return _Category(category, href, CATEGORY_NAMES.get(category))
    return _Category(category, None, None)


def _paper_view(paper: RankedPaper, anchor: str, linkable: CategoryFilter = None) -> _PaperView:
    engagement = []
    for source in _source_order(paper.engagement):
        metrics = paper.engagement[source]
        score = metrics.get("score")
        engagement.append(
            _EngagementLine(
                source=re.sub(r"[^a-z0-9-]", "", source.lower()) or "other",
                label=_source_label(source),
                parts=_metric_parts(source, metrics, with_posts=True),
                score=_plural(score, "point", "points") if isinstance(score, int) else None,
            )
        )
    doi_url = None
    if paper.doi and not any(ch.isspace() for ch in paper.doi):
        doi_url = safe_url("https://doi.org/" + quote(paper.doi.strip(), safe="/:;()._-"))
    published = _utc(paper.published)
    abstract = _shorten(paper.abstract, TEXT_LIMIT)
    return _PaperView(
        rank=paper.rank,
        anchor=anchor,
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        authors=list(paper.authors),
        score=_count(paper.score),
        abs_url=safe_url(paper.abs_url),
        pdf_url=safe_url(paper.pdf_url),
        categories=[_category_view(c, linkable) for c in dict.fromkeys(paper.categories)],
        abstract=abstract,
        abstract_omitted=len(paper.abstract) - len(abstract),
        comment=paper.comment,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        doi_url=doi_url,
        published_iso=_rfc3339(published),
        published_text=_medium_date(published.date()),
        engagement=engagement,
        posts=[_post_view(post) for post in paper.top_posts],
    )


def _day_view(digest: Digest, linkable: CategoryFilter = None) -> _DayView:
    papers = []
    used: set[str] = set()
    for paper in digest.papers:
        anchor = _paper_anchor(paper.arxiv_id)
        if anchor in used or anchor == f"paper-{paper.rank}":
            anchor = f"{anchor}-{paper.rank}"
        used.add(anchor)
        papers.append(_paper_view(paper, anchor, linkable))
    sources = _source_order({source for paper in digest.papers for source in paper.engagement})
    return _DayView(
        day=digest.day,
        iso=digest.day.isoformat(),
        long_date=_long_date(digest.day),
        medium_date=_medium_date(digest.day),
        path=_day_path(digest.day),
        papers=papers,
        candidates=digest.candidates,
        min_score=digest.config.min_score,
        sources=[_source_label(s) for s in sources],
        sources_text=_join_and([_source_label(s) for s in sources]),
        as_of_iso=_rfc3339(digest.as_of) if digest.as_of else None,
        as_of_text=_moment_text(digest.as_of) if digest.as_of else None,
        has_x_posts=any(post.source == "x" for paper in digest.papers for post in paper.top_posts),
    )


@dataclass(frozen=True)
class _DayLink:
    day: date
    iso: str
    path: str
    long_date: str
    medium_date: str
    short_date: str


def _day_link(day: date | None) -> _DayLink | None:
    if day is None:
        return None
    return _DayLink(day, day.isoformat(), _day_path(day), _long_date(day), _medium_date(day), _short_date(day))


@dataclass(frozen=True)
class _SummaryRow:
    link: _DayLink
    count: int
    candidates: int
    top: list[Any]  # SummaryPaper, with their anchors below
    anchors: list[str]


def _summary_row(summary: DigestSummary, top: int) -> _SummaryRow:
    anchors = _summary_anchors(summary)
    link = _day_link(summary.day)
    assert link is not None
    return _SummaryRow(link, len(summary.papers), summary.candidates, list(summary.papers[:top]), anchors[:top])


def _summary_anchors(summary: DigestSummary) -> list[str]:
    """The same anchors `_day_view` gives the papers of that day."""
    anchors, used = [], set()
    for paper in summary.papers:
        anchor = _paper_anchor(paper.arxiv_id)
        if anchor in used or anchor == f"paper-{paper.rank}":
            anchor = f"{anchor}-{paper.rank}"
        used.add(anchor)
        anchors.append(anchor)
    return anchors


def _newest_first(summaries: Iterable[DigestSummary]) -> list[DigestSummary]:
    by_day: dict[date, DigestSummary] = {}
    for summary in summaries:
        by_day[summary.day] = summary
    return [by_day[day] for day in sorted(by_day, reverse=True)]


# ------------------------------------------------------------------ rendering core


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default=True),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["stylesheet"] = stylesheet_key
    env.filters["count"] = _count
    env.filters["plain"] = _plain
    return env


def _render(template: str, site: SiteConfig, **context: Any) -> bytes:
    text = _environment().get_template(template).render(site=site, **context)
    return text.encode("utf-8")


def _page(key_path: str, template: str, site: SiteConfig, cache: str = CACHE_SHORT, **context: Any) -> SiteObject:
    body = _render(template, site, page_path=key_path, **context)
    return SiteObject(_key(key_path), body, HTML_TYPE, cache)


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
    inline style or script either way (tests/reliability/test_hostile_text.py checks it in
    Chromium with this policy on).
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


def _page_context(site: SiteConfig, widgets: bool = False) -> dict[str, Any]:
    return {"csp": content_security_policy(widgets), "widgets_script": X_WIDGETS_URL if widgets else None}


# ------------------------------------------------------------------ pages


def render_day(
    digest: Digest,
    prev_day: date | None,
    next_day: date | None,
    site: SiteConfig,
    category_linkable: CategoryFilter = None,
) -> list[SiteObject]:
    """`digests/D/index.html`: the day's ranked papers, their engagement and top posts, prev/next links.

    `category_linkable` leaves some category chips unlinked (plain text): the publisher's
    first version of a day that brings a category the site has never shown.
    """
    view = _day_view(digest, category_linkable)
    widgets = site.x_widgets and view.has_x_posts
    cache = CACHE_SHORT if next_day is None else CACHE_PAST_DAY
    page = _page(
        view.path,
        "day.html",
        site,
        cache,
        day=view,
        prev=_day_link(prev_day),
        next=_day_link(next_day),
        **_page_context(site, widgets),
    )
    return [page]


def render_index(latest: Digest | None, summaries: list[DigestSummary], site: SiteConfig) -> SiteObject:
    """`index.html`: the latest digest in full and the most recent days of the archive."""
    ordered = _newest_first(summaries)
    view = _day_view(latest) if latest is not None else None
    earlier = [s for s in ordered if latest is None or s.day < latest.day][:INDEX_RECENT_DAYS]
    prev_day = earlier[0].day if earlier else None
    widgets = site.x_widgets and view is not None and view.has_x_posts
    return _page(
        "",
        "index.html",
        site,
        day=view,
        prev=_day_link(prev_day),
        recent=[_summary_row(s, 1) for s in earlier],
        **_page_context(site, widgets),
    )


def _months(ordered: list[DigestSummary]) -> list[tuple[tuple[int, int], list[DigestSummary]]]:
    months: dict[tuple[int, int], list[DigestSummary]] = {}
    for summary in ordered:
        months.setdefault((summary.day.year, summary.day.month), []).append(summary)
    return list(months.items())


@dataclass(frozen=True)
class _MonthLink:
    year: int
    month: int
    name: str
    path: str


def _month_link(year_month: tuple[int, int] | None) -> _MonthLink | None:
    if year_month is None:
        return None
    year, month = year_month
    return _MonthLink(year, month, _month_name(year, month), _month_path(year, month))


def render_archive(summaries: list[DigestSummary], site: SiteConfig) -> list[SiteObject]:
    """`archive/index.html` (every day by month, newest first) and `archive/YYYY-MM/index.html` per month."""
    ordered = _newest_first(summaries)
    months = _months(ordered)
    context = _page_context(site)
    groups = [
        {
            "link": _month_link(ym),
            "rows": [_summary_row(s, 1) for s in days],
            "papers": sum(len(s.papers) for s in days),
        }
        for ym, days in months
    ]
    objects = [
        _page(
            "archive/",
            "archive.html",
            site,
            months=groups,
            days=len(ordered),
            papers=sum(len(s.papers) for s in ordered),
            **context,
        )
    ]
    for index, (ym, days) in enumerate(months):
        newer = months[index - 1][0] if index > 0 else None
        older = months[index + 1][0] if index + 1 < len(months) else None
        link = _month_link(ym)
        assert link is not None
        objects.append(
            _page(
                link.path,
                "archive_month.html",
                site,
                month=link,
                rows=[_summary_row(s, 3) for s in days],
                newer=_month_link(newer),
                older=_month_link(older),
                **context,
            )
        )
    return objects


@dataclass(frozen=True)
class _CategoryEntry:
    link: _DayLink
    rank: int
    title: str
    anchor: str
    score: int
    primary: bool
    others: list[str]


@dataclass
class _CategoryListing:
    name: str
    description: str | None
    group: str
    entries: list[_CategoryEntry] = field(default_factory=list)
    primary: int = 0


def _category_listings(summaries: list[DigestSummary]) -> list[_CategoryListing]:
    listings: dict[str, _CategoryListing] = {}
    for summary in _newest_first(summaries):
        link = _day_link(summary.day)
        assert link is not None
        anchors = _summary_anchors(summary)
        for paper, anchor in zip(summary.papers, anchors, strict=True):
            categories = list(dict.fromkeys(paper.categories))
            for position, category in enumerate(categories):
                if not _valid_category(category):
                    continue
                listing = listings.get(category)
                if listing is None:
                    listing = listings[category] = _CategoryListing(
                        category, CATEGORY_NAMES.get(category), _archive_group(category)
                    )
                listing.primary += position == 0
                listing.entries.append(
                    _CategoryEntry(
                        link=link,
                        rank=paper.rank,
                        title=paper.title,
                        anchor=anchor,
                        score=paper.score,
                        primary=position == 0,
                        others=[c for c in categories if c != category],
                    )
                )
    return [listings[name] for name in sorted(listings, key=lambda n: (n.lower(), n))]


def _archived_pages(entries: int) -> int:
    """How many archive pages a category has: full blocks of CATEGORY_PAGE_SIZE, counted from its oldest entry.

    The category's index shows the newest entries; everything older sits on pages
    numbered from the oldest, each holding a fixed block, so a new day's papers
    never shift an archived page and a daily publish re-uploads only the index.
    A category that fits its index has no archive pages.
    """
    return entries // CATEGORY_PAGE_SIZE if entries > CATEGORY_PAGE_SIZE else 0


def _archived_block(entries: list[_CategoryEntry], number: int) -> list[_CategoryEntry]:
    """Archive page `number` (1 = oldest) of newest-first `entries`, newest first."""
    end = len(entries) - (number - 1) * CATEGORY_PAGE_SIZE
    return entries[end - CATEGORY_PAGE_SIZE : end]


def render_categories(summaries: list[DigestSummary], site: SiteConfig) -> list[SiteObject]:
    """`categories/index.html` and, per category, `categories/<cat>/index.html` (+ `page/N/` archive pages).

    A category's page lists every paper filed under it, newest day first:
    those with it as their primary category and those cross-listed to it
    (marked), so every category link on a day page leads somewhere. Past 100
    entries, the index keeps the newest 100 and fixed blocks of 100, numbered
    from the oldest, hold the rest (`_archived_pages`).
    """
    listings = _category_listings(summaries)
    context = _page_context(site)
    groups = []
    for group in _GROUP_ORDER:
        members = [listing for listing in listings if listing.group == group]
        if members:
            groups.append({"name": group, "listings": members})
    objects = [
        _page(
            "categories/",
            "categories.html",
            site,
            groups=groups,
            total=len(listings),
            **context,
        )
    ]
    for listing in listings:
        archived = _archived_pages(len(listing.entries))
        blocks = {number: _archived_block(listing.entries, number) for number in range(1, archived + 1)}
        archive = [
            {"path": _category_path(listing.name, number), "number": number,
             "first": block[-1].link, "last": block[0].link}  # fmt: skip
            for number, block in sorted(blocks.items(), reverse=True)
        ]
        objects.append(
            _page(
                _category_path(listing.name),
                "category.html",
                site,
                listing=listing,
                entries=listing.entries[:CATEGORY_PAGE_SIZE],
                block=None,
                index=_category_path(listing.name),
                archive=archive,
                older=_category_path(listing.name, archived) if archived else None,
                newer=None,
                **context,
            )
        )
        for number, block in blocks.items():
            objects.append(
                _page(
                    _category_path(listing.name, number),
                    "category.html",
                    site,
                    listing=listing,
                    entries=block,
                    # Nothing that grows with the category (totals, the page count) is printed
                    # here: the page stays byte-identical until its own days change.
                    block={"number": number, "first": block[-1].link, "last": block[0].link},
                    index=_category_path(listing.name),
                    archive=None,
                    older=_category_path(listing.name, number - 1) if number > 1 else None,
                    newer=_category_path(listing.name, number + 1 if number < archived else None),
                    **context,
                )
            )
    return objects


def _feed_entry_id(site: SiteConfig, day: date) -> str:
    host = site.host
    if host and _HOST.fullmatch(host):
        return f"tag:{host.lower()},{day.year}:digest/{day.isoformat()}"
    return f"urn:hotpapers:digest:{day.isoformat()}"


def render_feed(summaries: list[DigestSummary], site: SiteConfig) -> SiteObject:
    """`feed.xml`: Atom, one entry per day, newest first, at most `FEED_ENTRIES`."""
    ordered = _newest_first(summaries)[:FEED_ENTRIES]
    entries = []
    for summary in ordered:
        row = _summary_row(summary, FEED_ENTRY_PAPERS)
        updated = _day_updated(summary.day, summary.as_of)
        content = _environment().get_template("feed_entry.html").render(site=site, row=row)
        if summary.papers:
            first = _plain(summary.papers[0].title)
            more = len(summary.papers) - 1
            headline = first if more == 0 else f"{first}, and {_plural(more, 'more paper', 'more papers')}"
        else:
            headline = "no paper over the threshold"
        entries.append(
            {
                "id": _feed_entry_id(site, summary.day),
                "title": f"Hot papers of {_medium_date(summary.day)}: {headline}",
                "link": site.absolute(_day_path(summary.day)),
                "updated": _rfc3339(updated),
                "content": content,
            }
        )
    updated = max((e["updated"] for e in entries), default="1970-01-01T00:00:00Z")
    feed_id = site.absolute("feed.xml") if site.is_absolute else "urn:hotpapers:feed"
    body = _render("feed.xml", site, entries=entries, updated=updated, feed_id=feed_id)
    return SiteObject("feed.xml", body, ATOM_TYPE, CACHE_SHORT)


def _page_paths(summaries: list[DigestSummary]) -> list[tuple[str, str | None]]:
    """Every HTML page the site has for these summaries (404 aside), with its lastmod."""
    ordered = _newest_first(summaries)
    latest = _rfc3339(_day_updated(ordered[0].day, ordered[0].as_of)) if ordered else None
    paths: list[tuple[str, str | None]] = [("", latest), ("archive/", latest)]
    for (year, month), days in _months(ordered):
        paths.append((_month_path(year, month), max(_rfc3339(_day_updated(s.day, s.as_of)) for s in days)))
    paths.append(("categories/", latest))
    for listing in _category_listings(summaries):
        paths.append((_category_path(listing.name), None))
        for number in range(1, _archived_pages(len(listing.entries)) + 1):
            paths.append((_category_path(listing.name, number), None))
    for summary in ordered:
        paths.append((_day_path(summary.day), _rfc3339(_day_updated(summary.day, summary.as_of))))
    return paths


def render_sitemap(summaries: list[DigestSummary], site: SiteConfig) -> SiteObject:
    """`sitemap.xml`: every page, with the data's own time as lastmod where it has one."""
    urls = [{"loc": site.absolute(path), "lastmod": lastmod} for path, lastmod in _page_paths(summaries)]
    return SiteObject("sitemap.xml", _render("sitemap.xml", site, urls=urls), XML_TYPE, CACHE_SHORT)


def render_robots(site: SiteConfig) -> SiteObject:
    return SiteObject("robots.txt", _render("robots.txt", site), TEXT_TYPE, CACHE_SHORT)


def render_404(site: SiteConfig) -> SiteObject:
    return _page("404.html", "404.html", site, **_page_context(site))


def render_stylesheet() -> SiteObject:
    return SiteObject(stylesheet_key(), _stylesheet_bytes(), CSS_TYPE, CACHE_IMMUTABLE)


def render_site(
    digests: Mapping[date, Digest], summaries: Sequence[DigestSummary], site: SiteConfig
) -> list[SiteObject]:
    """Everything, in upload order: the stylesheet, day pages, listings, then the pages that link to them."""
    summaries = list(summaries)
    days = sorted({s.day for s in summaries} | set(digests))
    objects = [render_stylesheet()]
    for index, day in enumerate(days):
        if day in digests:
            prev_day = days[index - 1] if index > 0 else None
            next_day = days[index + 1] if index + 1 < len(days) else None
            objects += render_day(digests[day], prev_day, next_day, site)
    objects += render_categories(summaries, site)
    objects += render_archive(summaries, site)
    newest = days[-1] if days and days[-1] in digests else max(digests, default=None)
    latest = digests[newest] if newest is not None else None
    objects += [
        render_index(latest, summaries, site),
        render_feed(summaries, site),
        render_sitemap(summaries, site),
        render_robots(site),
        render_404(site),
    ]
    return objects
