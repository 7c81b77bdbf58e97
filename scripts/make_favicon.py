"""Render the brand mark (publish/site/static/favicon.svg) into publish/site/static/favicon.ico.

Browsers ask every site for /favicon.ico; the publisher serves this file there (site/standalone_pages.py,
`render_favicon`). The ICO holds PNG frames of 16, 32 and 48 pixels (PNG inside ICO: every
browser since IE 11 and Windows since Vista read it), rendered by Debian's chromium through
Playwright, so no image library is needed at publish time or in the layer. Run it after
changing favicon.svg and commit both files; tests/unit/test_favicon.py checks the result:

    .venv/bin/python scripts/make_favicon.py
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parents[1] / "layers/hotpapers/hotpapers/publish/site/static"
SIZES = (16, 32, 48)
CHROMIUM = "/usr/bin/chromium"


def render_pngs(svg: str, sizes: tuple[int, ...] = SIZES) -> list[bytes]:
    """The SVG drawn at each size (transparent where it draws nothing), as PNG bytes."""
    frames = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for size in sizes:
                page = browser.new_page(viewport={"width": size, "height": size}, device_scale_factor=1)
                sized = svg.replace('width="24" height="24"', f'width="{size}" height="{size}"', 1)
                page.set_content(f'<html><body style="margin:0;background:transparent">{sized}</body></html>')
                clip = {"x": 0, "y": 0, "width": size, "height": size}
                frames.append(page.screenshot(omit_background=True, clip=clip))
                page.close()
        finally:
            browser.close()
    return frames


def pack_ico(frames: list[bytes], sizes: tuple[int, ...] = SIZES) -> bytes:
    """An ICO file (ICONDIR, one ICONDIRENTRY per frame, then the frames) holding PNG frames."""
    header = struct.pack("<HHH", 0, 1, len(frames))
    offset = len(header) + 16 * len(frames)
    entries, data = b"", b""
    for size, png in zip(sizes, frames, strict=True):
        # Width and height 0 mean 256; colour count 0 (true colour), planes 1, 32 bits per pixel.
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    return header + entries + data


def main() -> int:
    svg = (STATIC / "favicon.svg").read_text(encoding="utf-8").strip()
    (STATIC / "favicon.ico").write_bytes(pack_ico(render_pngs(svg)))
    print(f"wrote {STATIC / 'favicon.ico'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
