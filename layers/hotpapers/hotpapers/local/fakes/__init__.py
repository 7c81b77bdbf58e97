"""Fake upstream APIs on loopback (X, Bluesky, Hacker News, Hugging Face, arXiv) behind one server."""

from hotpapers.local.fakes.arxiv import render_arxiv_entry
from hotpapers.local.fakes.dataset import UpstreamDataset
from hotpapers.local.fakes.server import FakeUpstreams, RecordedRequest

__all__ = ["FakeUpstreams", "RecordedRequest", "UpstreamDataset", "render_arxiv_entry"]
