"""The fake Hugging Face API: the daily papers list of a date, paged as the site pages it."""

from __future__ import annotations

import re

from hotpapers_local.fakes.dataset import UpstreamDataset
from hotpapers_local.fakes.wire import Request, Response, Routes, int_param, json_response


class FakeHuggingFace:
    """The `daily_papers` route over a dataset's days (no date: the latest day it holds)."""

    def __init__(self, dataset: UpstreamDataset) -> None:
        self._dataset = dataset  # its days are read at request time

    def routes(self) -> Routes:
        return {("GET", "/hf/api/daily_papers"): self._daily_papers}

    def _daily_papers(self, request: Request) -> Response:
        params = request.query
        day = params.get("date") or (max(self._dataset.hf_daily) if self._dataset.hf_daily else "")
        if day and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            return json_response(400, {"error": f"Invalid date: {day}"})
        try:
            limit = min(100, int_param(params, "limit", 50))
            page = int_param(params, "p", 0)
        except ValueError:
            return json_response(400, {"error": "limit and p must be integers"})
        if limit < 1 or page < 0:
            return json_response(400, {"error": "limit must be positive and p not negative"})
        items = self._dataset.hf_daily.get(day, [])
        return json_response(200, items[page * limit : (page + 1) * limit])
