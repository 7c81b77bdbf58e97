"""Fake upstream APIs on loopback (X, Bluesky, Hacker News, Hugging Face, arXiv) behind one server."""

from hotpapers.local.fakes.server import FakeUpstreams, RecordedRequest, UpstreamDataset, render_arxiv_entry

__all__ = ["FakeUpstreams", "RecordedRequest", "UpstreamDataset", "render_arxiv_entry"]
