"""The site's icon: static/favicon.ico is a well-formed ICO of the brand mark, published at /favicon.ico.

scripts/make_favicon.py renders static/favicon.svg with Chromium and packs the frames; these tests
read the committed result (tests/integration/test_browser.py checks that Chromium draws it).
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from hotpapers.publish.render_plan import render_site
from hotpapers.publish.site import render_favicon
from hotpapers.publish.site.config import SiteConfig

pytestmark = pytest.mark.unit

SITE_DIR = Path(__file__).resolve().parents[2] / "layers/hotpapers/hotpapers/publish/site"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def ico_frames(data: bytes) -> list[tuple[int, int, bytes]]:
    """(width, height, PNG bytes) of each frame, checking the ICONDIR and every ICONDIRENTRY on the way."""
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind) == (0, 1) and count >= 1
    frames = []
    end_of_directory = 6 + 16 * count
    for index in range(count):
        width, height, colours, zero, planes, bits, size, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * index)
        assert (colours, zero, planes, bits) == (0, 0, 1, 32)
        assert offset >= end_of_directory and offset + size <= len(data)
        png = data[offset : offset + size]
        assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR"
        assert struct.unpack(">II", png[16:24]) == (width or 256, height or 256)
        frames.append((width, height, png))
    return frames


def test_the_icon_is_an_ico_with_16_32_and_48_pixel_frames() -> None:
    icon = render_favicon()
    assert (icon.key, icon.content_type) == ("favicon.ico", "image/x-icon")
    assert icon.cache_control == "public, max-age=604800"  # a week: its key is fixed, so not immutable
    assert [(width, height) for width, height, _ in ico_frames(icon.body)] == [(16, 16), (32, 32), (48, 48)]
    assert len(icon.body) < 10_000  # browsers fetch it for every site visit that misses the cache


def test_the_icon_is_drawn_from_the_brand_mark_of_the_page_header() -> None:
    """favicon.svg carries the same path as the header's logo in base.html, in the accent colour of style.css."""
    path = re.compile(r'<path[^>]* d="([^"]+)"')
    header_mark = path.search((SITE_DIR / "templates/base.html").read_text()).group(1)
    icon_svg = (SITE_DIR / "static/favicon.svg").read_text()
    assert path.search(icon_svg).group(1) == header_mark
    accent = re.search(r"--accent: (#[0-9a-f]{6});", (SITE_DIR / "static/style.css").read_text()).group(1)
    assert f'fill="{accent}"' in icon_svg


def test_the_whole_site_carries_the_icon_and_every_page_links_it() -> None:
    objects = {obj.key: obj for obj in render_site({}, [], SiteConfig(base_url="/"))}
    assert objects["favicon.ico"].body == render_favicon().body
    for key in ("index.html", "404.html"):
        assert '<link rel="icon" href="/favicon.ico"' in objects[key].body.decode(), key
