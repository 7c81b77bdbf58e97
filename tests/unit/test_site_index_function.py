"""SiteIndexFunction, the CloudFront viewer-request function of template.yaml, run with node.

S3's REST origin has no index documents, so the function maps folder URLs to their index.html and
redirects a folder URL without its slash. It used to take any dot for a file extension, so a
category page such as /categories/cond-mat.soft answered 404. The function's JavaScript is taken
from the template as deployed and run under node (the Debian image of this project ships it;
CloudFront's cloudfront-js-2.0 runtime is a subset of ES2020, which node runs as is).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from hotpapers.publish.site import keys
from hotpapers_local.provision import load_template

pytestmark = pytest.mark.unit

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

# Runs handler() over the events given on stdin, one result per event, as JSON on stdout.
HARNESS = """
const fs = require('fs');
const events = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(events.map((event) => handler(event))));
"""


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not on PATH: this test runs the CloudFront function of template.yaml with it. "
            "The project's machines have Debian's nodejs; install it with `apt-get install nodejs`."
        )
    return node


def _function_code() -> str:
    resource = load_template(TEMPLATE)["Resources"]["SiteIndexFunction"]
    assert resource["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    return resource["Properties"]["FunctionCode"]


def run_function(uris: list[str]) -> dict[str, dict]:
    """What the function returns for a viewer request to each URI."""
    events = [
        {"version": "1.0", "context": {"eventType": "viewer-request"}, "request": {"method": "GET", "uri": uri}}
        for uri in uris
    ]
    result = subprocess.run(
        [_node(), "-e", _function_code() + HARNESS],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(zip(uris, json.loads(result.stdout), strict=True))


def _redirect(uri: str) -> dict:
    return {
        "statusCode": 301,
        "statusDescription": "Moved Permanently",
        "headers": {"location": {"value": uri}},
    }


def _forwarded(uri: str) -> dict:
    return {"method": "GET", "uri": uri}


def test_folders_get_their_index_and_files_pass_through() -> None:
    expected = {
        "/": _forwarded("/index.html"),
        "/digests/2021-06-01/": _forwarded("/digests/2021-06-01/index.html"),
        # A folder without its slash is redirected: the page's relative links need the slash.
        "/digests/2021-06-01": _redirect("/digests/2021-06-01/"),
        # arXiv category names carry dots, with lower-case suffixes too: folders, not files.
        "/categories/cond-mat.soft": _redirect("/categories/cond-mat.soft/"),
        "/categories/cond-mat.soft/": _forwarded("/categories/cond-mat.soft/index.html"),
        "/categories/cs.LG": _redirect("/categories/cs.LG/"),
        "/categories/physics.med-ph": _redirect("/categories/physics.med-ph/"),
        "/categories/cond-mat.soft/page/2": _redirect("/categories/cond-mat.soft/page/2/"),
        "/archive/2021-06": _redirect("/archive/2021-06/"),
        "/feed.xml": _forwarded("/feed.xml"),
        "/sitemap.xml": _forwarded("/sitemap.xml"),
        "/robots.txt": _forwarded("/robots.txt"),
        "/404.html": _forwarded("/404.html"),
        "/digests/2021-06-01/index.html": _forwarded("/digests/2021-06-01/index.html"),
        "/digests/2021-06-01.md": _forwarded("/digests/2021-06-01.md"),
        "/digests/2021-06-01.json": _forwarded("/digests/2021-06-01.json"),
        "/static/style.abc.css": _forwarded("/static/style.abc.css"),
        "/favicon.ico": _forwarded("/favicon.ico"),
    }
    assert run_function(list(expected)) == expected


def test_every_key_the_publisher_writes_is_served_as_a_file() -> None:
    """Each kind of object the site puts in the bucket reaches S3 under its own key, unchanged."""
    day = date(2021, 6, 1)
    written = [
        keys.INDEX_KEY,
        keys.FEED_KEY,
        keys.SITEMAP_KEY,
        keys.ROBOTS_KEY,
        keys.FAVICON_KEY,
        keys.NOT_FOUND_KEY,
        keys.stylesheet_key(),
        keys.day_page_key(day),
        keys.digest_export_key(day, "md"),
        keys.digest_export_key(day, "json"),
        keys.category_page_key("cond-mat.soft"),
        keys.category_page_key("cs.LG"),
    ]
    uris = ["/" + key for key in written]
    assert run_function(uris) == {uri: _forwarded(uri) for uri in uris}
