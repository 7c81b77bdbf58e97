"""One HTTP client for every upstream: timeouts, retries with backoff, rate-limit headers.

Every source and the arXiv module go through `HttpClient.get`, so the retry
policy lives in one place and tests can count requests per upstream.
"""

from __future__ import annotations

import json as json_module
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote, unquote

import requests

from hotpapers.core.clock import Clock, SystemClock

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Raised while the body is read: a connection that broke mid-answer (a body shorter than its
# Content-Length, a chunked body cut off) is as transient as one that broke before it.
RETRYABLE_ERRORS = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

T = TypeVar("T")


def _whole_response(response: requests.Response) -> requests.Response:
    """`request`'s parser: the response itself, which never raises, so nothing is retried for its body."""
    return response


class BadBody(ValueError):
    """A parser's verdict on a body it cannot read (see `HttpClient.fetch`); the message says what it is."""


class UpstreamError(Exception):
    """An upstream answered badly (or not at all) after all retries."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(UpstreamError):
    """The upstream asks us to wait longer than this run is willing to."""


PRODUCT = "hotpapers/0.1 (+https://github.com/hotpapers)"


def user_agent(contact: str | None = None) -> str:
    """The User-Agent: the project and, when configured, a contact address (arXiv and Bluesky ask for one)."""
    if not contact:
        return PRODUCT
    # Header values must be one line of visible text: a stray newline would be refused by requests.
    safe = "".join(ch for ch in contact if ch.isprintable() and ch not in "()")[:200]
    return f"{PRODUCT[:-1]}; {safe})" if safe else PRODUCT


@dataclass
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    # A reset further away than this is not waited for: the source fails for
    # this run and a later run repairs, instead of burning the Lambda timeout.
    max_wait: float = 120.0


@dataclass
class HttpClient:
    clock: Clock = field(default_factory=SystemClock)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 20.0
    user_agent: str = PRODUCT
    session: requests.Session | None = None
    rng: random.Random = field(default_factory=random.Random)
    requests_made: int = 0

    def _session(self) -> requests.Session:
        if self.session is None:
            self.session = requests.Session()
            self.session.headers["User-Agent"] = self.user_agent
        return self.session

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ok_status: frozenset[int] = frozenset({200}),
    ) -> requests.Response:
        """GET with retries on 429, 5xx and timeouts. Returns a response whose status is in `ok_status`."""
        return self.request("GET", url, params=params, headers=headers, ok_status=ok_status)

    def get_json(
        self, url: str, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        """GET and decode a JSON body; a body that is not JSON is retried like a 5xx (see `fetch`)."""
        return self.fetch(url, json_body, params=params, headers=headers)

    def post_json(
        self, url: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        return self.request("POST", url, json=body, headers=headers)

    def fetch(
        self,
        url: str,
        parse: Callable[[requests.Response], T],
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ok_status: frozenset[int] = frozenset({200}),
    ) -> T:
        """GET and `parse` the answer, retrying when `parse` raises `ValueError`.

        An upstream's proxy or CDN answers 200 with an HTML error page, or a body cut
        short, as readily as it answers 502: both are as transient, so both are retried,
        and after the last attempt `UpstreamError` says what the body was.
        """
        return self._send("GET", url, params=params, headers=headers, json=None, ok_status=ok_status, parse=parse)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        ok_status: frozenset[int] = frozenset({200}),
    ) -> requests.Response:
        return self._send(
            method, url, params=params, headers=headers, json=json, ok_status=ok_status, parse=_whole_response
        )

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        json: Mapping[str, Any] | None,
        ok_status: frozenset[int],
        parse: Callable[[requests.Response], T],
    ) -> T:
        last_problem = ""
        for attempt in range(1, self.policy.attempts + 1):
            self.requests_made += 1
            try:
                response = self._session().request(
                    method, url, params=params, headers=headers, json=json, timeout=self.timeout
                )
            except RETRYABLE_ERRORS as exc:
                # requests' own message repeats the whole URL with its query; the cause's name says enough.
                last_problem = _connection_problem(exc)
                if attempt == self.policy.attempts:
                    break
                self.clock.sleep(self._backoff(attempt))
                continue

            if response.status_code in ok_status:
                try:
                    return parse(response)
                except ValueError as exc:
                    last_problem = f"HTTP {response.status_code} with {exc}"
                    if attempt == self.policy.attempts:
                        break
                    self.clock.sleep(self._backoff(attempt))
                    continue
            if response.status_code not in RETRYABLE_STATUS:
                # The excerpt ends up in logs and in the run record: an upstream (or a proxy before it)
                # that echoes the request must not put our credentials there.
                excerpt = _scrub(response.text, _credentials_sent(headers, json))[:200]
                raise UpstreamError(
                    f"{method} {_redact(url)} answered HTTP {response.status_code}: {excerpt!r}",
                    status=response.status_code,
                )
            last_problem = f"HTTP {response.status_code}"
            if attempt == self.policy.attempts:
                break
            wait = self._server_requested_wait(response)
            if wait is not None and wait > self.policy.max_wait:
                raise RateLimited(
                    f"{_redact(url)} asks to wait {wait:.0f}s (limit {self.policy.max_wait:.0f}s)",
                    status=response.status_code,
                )
            self.clock.sleep(wait if wait is not None else self._backoff(attempt))
        raise UpstreamError(f"{method} {_redact(url)} failed after {self.policy.attempts} attempts: {last_problem}")

    def _backoff(self, attempt: int) -> float:
        # "Full jitter": a random wait up to the exponential cap spreads retries out.
        cap = min(self.policy.max_delay, self.policy.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(cap / 2, cap)

    def _server_requested_wait(self, response: requests.Response) -> float | None:
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            retry_after = retry_after.strip()
            if retry_after.isdigit():
                return float(retry_after)
            try:
                when = parsedate_to_datetime(retry_after)
                return max(0.0, (when - self.clock.now()).total_seconds())
            except (TypeError, ValueError):
                pass
        reset = response.headers.get("x-rate-limit-reset")
        if reset and reset.strip().isdigit():
            return max(0.0, float(reset) - self.clock.now().timestamp()) + 1.0
        return None


_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
_SECRET_FIELD_HINTS = ("password", "secret", "token", "jwt")


def _credentials_sent(headers: Mapping[str, str] | None, body: Mapping[str, Any] | None) -> list[str]:
    """The credentials a request carried: secret headers (whole, and without their scheme) and the
    string values of body fields named like a password or token (e.g. Bluesky's login)."""
    found: list[str] = []
    for name, value in (headers or {}).items():
        if name.lower() in _SECRET_HEADERS and value:
            found.append(value)
            scheme, _, credential = value.partition(" ")
            if credential:
                found.append(credential.strip())
    for name, value in (body or {}).items():
        if isinstance(value, str) and value and any(hint in name.lower() for hint in _SECRET_FIELD_HINTS):
            found.append(value)
    return found


def _scrub(text: str, secrets: list[str]) -> str:
    """`text` with each secret (as is, URL-encoded or -decoded, JSON-escaped) replaced by [redacted]."""
    forms = {
        form
        for secret in secrets
        for form in (secret, quote(secret, safe=""), unquote(secret), json_module.dumps(secret)[1:-1])
        if len(form) >= 4
    }
    for form in sorted(forms, key=len, reverse=True):  # whole header values before their token part
        text = text.replace(form, "[redacted]")
    return text


def _redact(url: str) -> str:
    """Drop the query string: it can hold search terms that are long and tokens that are secret."""
    return url.split("?", 1)[0]


def json_body(response: requests.Response) -> Any:
    """The JSON body of `response`; `BadBody` (naming the Content-Type) when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        raise BadBody(f"a body that is not JSON ({_content_type(response)})") from None


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "no Content-Type").split(";", 1)[0].strip() or "no Content-Type"


# What the root causes urllib3 reports mean, in the words an operator needs.
_CAUSES = {
    "ConnectionResetError": "connection reset by the upstream",
    "IncompleteRead": "body cut short before its Content-Length",
    "RemoteDisconnected": "connection closed without an answer",
    "ConnectionRefusedError": "connection refused",
    "NewConnectionError": "could not connect",
    "NameResolutionError": "host name not found",
}


def _connection_problem(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return f"{type(exc).__name__}: no answer in time"
    # requests wraps urllib3's errors, which wrap the socket's: name the innermost one, which says
    # what happened (a reset, a body cut short), not the generic wrapper ("connection failed").
    root: BaseException = exc
    for _ in range(6):
        nested = getattr(root, "reason", None)  # urllib3's MaxRetryError carries the cause as .reason
        if not isinstance(nested, BaseException):
            nested = next((arg for arg in reversed(root.args) if isinstance(arg, BaseException)), None)
        if nested is None:
            break
        root = nested
    if root is exc:
        return f"{type(exc).__name__}: connection failed"
    name = type(root).__name__
    meaning = _CAUSES.get(name)
    return f"{type(exc).__name__}: {name}" + (f" ({meaning})" if meaning else "")
