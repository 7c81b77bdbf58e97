"""Fake upstream APIs on loopback (X, Bluesky, Hacker News, Hugging Face, arXiv) behind one server."""

from hotpapers_local.fakes.arxiv import render_arxiv_entry
from hotpapers_local.fakes.dataset import UpstreamDataset
from hotpapers_local.fakes.upstream_server import FakeUpstreams, RecordedRequest

__all__ = ["FakeUpstreams", "RecordedRequest", "UpstreamDataset", "render_arxiv_entry"]
