"""The fake arXiv API: Atom entries in arXiv's 2026 serialisation, and id_list queries with arXiv's errors."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from xml.sax.saxutils import escape

from hotpapers_local.fakes.dataset import UpstreamDataset
from hotpapers_local.fakes.wire import Request, Response, Routes, int_param, utc_stamp

__all__ = ["ATOM_CATEGORY_SCHEME", "FEED_OPEN", "FakeArxiv", "render_arxiv_entry"]

ATOM_CATEGORY_SCHEME = "http://arxiv.org/schemas/atom"
FEED_OPEN = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
)


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def render_arxiv_entry(
    arxiv_id: str,
    *,
    version: int,
    title: str,
    summary: str,
    authors: Iterable[str],
    categories: Iterable[str],
    published: str,
    updated: str,
    comment: str | None = None,
    journal_ref: str | None = None,
    doi: str | None = None,
) -> str:
    """One `<entry>` in the element order and layout of arXiv's 2026 API serialisation.

    `categories` lists the primary category first. `published`/`updated` are
    `YYYY-MM-DDTHH:MM:SSZ`. The string starts at `<entry>` and its inner lines
    are indented for a feed that indents entries by two spaces, as arXiv's does.
    """
    categories = list(categories)
    versioned = f"{arxiv_id}v{version}"
    lines = [
        "<entry>",
        f"    <id>http://arxiv.org/abs/{versioned}</id>",
        f"    <title>{escape(title)}</title>",
        f"    <updated>{updated}</updated>",
        f'    <link href="https://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{versioned}" rel="related" type="application/pdf" title="pdf"/>',
        f"    <summary>{escape(summary)}</summary>",
    ]
    lines += [f'    <category term="{_attr(c)}" scheme="{ATOM_CATEGORY_SCHEME}"/>' for c in categories]
    lines.append(f"    <published>{published}</published>")
    if comment:
        lines.append(f"    <arxiv:comment>{escape(comment)}</arxiv:comment>")
    if categories:
        lines.append(f'    <arxiv:primary_category term="{_attr(categories[0])}"/>')
    if journal_ref:
        lines.append(f"    <arxiv:journal_ref>{escape(journal_ref)}</arxiv:journal_ref>")
    for name in authors:
        lines += ["    <author>", f"      <name>{escape(name)}</name>", "    </author>"]
    if doi:
        lines.append(f"    <arxiv:doi>{escape(doi)}</arxiv:doi>")
        lines.append(f'    <link rel="related" href="https://doi.org/{_attr(doi)}" title="doi"/>')
    lines.append("  </entry>")
    return "\n".join(lines)


# arXiv accepts exactly these id shapes in id_list; anything else is a 400.
_NEW_STYLE_ID = re.compile(r"\d{4}\.\d{4,5}(v\d+)?")
_OLD_STYLE_ID = re.compile(r"[a-z-]+(\.[A-Z]{2})?/\d{7}(v\d+)?")
_VERSION_SUFFIX = re.compile(r"v\d+$")


def _arxiv_error_feed(message: str) -> Response:
    """arXiv's error answer: HTTP 400 and a feed with one entry titled Error (see arxiv.py__error_id_abc_400.xml)."""
    error_url = "https://arxiv.org/api/errors#" + message.replace(" ", "_")
    now = utc_stamp()
    text = (
        FEED_OPEN + "  <id>https://arxiv.org/</id>\n"
        "  <title>arXiv Search Results</title>\n"
        f"  <updated>{now}</updated>\n"
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        "  <entry>\n"
        f"    <id>{escape(error_url)}</id>\n"
        "    <title>Error</title>\n"
        f"    <updated>{now}</updated>\n"
        f'    <link href="{_attr(error_url)}" rel="alternate" type="text/html"/>\n'
        f"    <summary>{escape(message)}</summary>\n"
        "    <author>\n"
        "      <name>arXiv api core</name>\n"
        "    </author>\n"
        "  </entry>\n"
        "</feed>\n"
    )
    return Response(400, text.encode("utf-8"), {"Content-Type": "application/atom+xml; charset=utf-8"})


class FakeArxiv:
    """The `query` route answering `id_list` lookups from a dataset's entries (versions ignored)."""

    def __init__(self, dataset: UpstreamDataset) -> None:
        self._entries = {
            _VERSION_SUFFIX.sub("", arxiv_id): entry.strip() for arxiv_id, entry in dataset.arxiv_entries.items()
        }

    def routes(self) -> Routes:
        return {("GET", "/arxiv/api/query"): self._query}

    def _query(self, request: Request) -> Response:
        params = request.query
        id_list = params.get("id_list", "")
        ids = [part.strip() for part in id_list.split(",") if part.strip()]
        for arxiv_id in ids:
            if not (_NEW_STYLE_ID.fullmatch(arxiv_id) or _OLD_STYLE_ID.fullmatch(arxiv_id)):
                return _arxiv_error_feed(f"incorrect id format for {arxiv_id}")
        values = {}
        for name, default in (("start", 0), ("max_results", 10)):
            try:
                values[name] = int_param(params, name, default)
            except ValueError:
                return _arxiv_error_feed(f"{name} must be an integer")
            if values[name] < 0:
                return _arxiv_error_feed(f"{name} must be non-negative")
        start, max_results = values["start"], values["max_results"]

        # Versions are accepted and ignored; unknown ids are simply absent, as on arXiv.
        found = [
            entry
            for key in dict.fromkeys(_VERSION_SUFFIX.sub("", arxiv_id) for arxiv_id in ids)
            if (entry := self._entries.get(key)) is not None
        ]
        shown = found[start : start + max_results]
        search_query = params.get("search_query", "")
        echo = f"search_query={search_query}&id_list={id_list}&start={start}&max_results={max_results}"
        link = (
            f"https://arxiv.org/api/query?search_query={search_query}"
            f"&start={start}&max_results={max_results}&id_list={id_list}"
        )
        feed_id = base64.b64encode(hashlib.sha1(echo.encode(), usedforsecurity=False).digest()).decode().rstrip("=")
        parts = [
            FEED_OPEN,
            f"  <id>https://arxiv.org/api/{feed_id}</id>\n",
            f"  <title>{escape('arXiv Query: ' + echo)}</title>\n",
            f"  <updated>{utc_stamp()}</updated>\n",
            f'  <link href="{_attr(link)}" type="application/atom+xml"/>\n',
            f"  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>\n",
            f"  <opensearch:totalResults>{len(found)}</opensearch:totalResults>\n",
            f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n",
        ]
        if shown:
            parts.append("  " + "\n  ".join(shown) + "\n")
        parts.append("</feed>\n")
        return Response(200, "".join(parts).encode("utf-8"), {"Content-Type": "application/atom+xml; charset=utf-8"})
