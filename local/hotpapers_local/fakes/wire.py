"""What every fake upstream shares: the request and response it handles, and its parameter parsing."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    # Compact separators, like the real APIs; non-ASCII stays UTF-8 as they send it.
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})


Handler = Callable[[Request], Response]
Routes = dict[tuple[str, str], Handler]  # (method, path) → handler


def parse_time(value: str) -> float:
    """RFC 3339 / ISO 8601 → Unix seconds. A naive value is taken as UTC. Raises ValueError."""
    parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def utc_stamp(seconds: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if seconds is None else seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def int_param(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name, "")
    return default if raw.strip() == "" else int(raw)
