"""The shared HTTP client: which failures are retried, and how long it waits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
import responses

from hotpapers.core.clock import FakeClock
from hotpapers.core.http import HttpClient, RateLimited, RetryPolicy, UpstreamError

pytestmark = pytest.mark.unit

URL = "https://upstream.test/search"
NOW = datetime(2021, 6, 2, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def mocked():
    with responses.RequestsMock() as rsps:
        yield rsps


def client(clock: FakeClock, **policy) -> HttpClient:
    return HttpClient(clock=clock, policy=RetryPolicy(**policy))


def test_x_rate_limit_reset_is_waited_for_until_the_window_reopens(mocked):
    clock = FakeClock(NOW)
    reset = int(NOW.timestamp()) + 30
    mocked.get(URL, status=429, headers={"x-rate-limit-reset": str(reset)})
    mocked.get(URL, json={"ok": True})

    assert client(clock).get(URL).json() == {"ok": True}
    assert clock.sleeps == [31.0]  # until the reset, plus a second of margin


def test_retry_after_as_an_http_date_is_honoured(mocked):
    clock = FakeClock(NOW)
    mocked.get(URL, status=503, headers={"Retry-After": "Wed, 02 Jun 2021 09:00:12 GMT"})
    mocked.get(URL, body="fine")

    assert client(clock).get(URL).text == "fine"
    assert clock.sleeps == [12.0]


def test_a_wait_longer_than_the_run_allows_fails_fast_instead_of_sleeping(mocked):
    clock = FakeClock(NOW)
    mocked.get(URL, status=429, headers={"Retry-After": "900"})

    with pytest.raises(RateLimited, match="asks to wait 900s"):
        client(clock, max_wait=120).get(URL)
    assert clock.sleeps == []


def test_5xx_and_timeouts_back_off_exponentially_with_jitter_then_give_up(mocked):
    clock = FakeClock(NOW)
    mocked.get(URL, body=requests.Timeout("read timed out"))
    mocked.get(URL, status=502)
    mocked.get(URL, status=500)

    with pytest.raises(UpstreamError, match="failed after 3 attempts: HTTP 500"):
        client(clock, attempts=3, base_delay=1.0).get(URL)
    assert len(mocked.calls) == 3
    assert 0.5 <= clock.sleeps[0] <= 1.0 and 1.0 <= clock.sleeps[1] <= 2.0


def test_client_errors_are_not_retried_and_the_query_string_is_not_echoed(mocked):
    clock = FakeClock(NOW)
    mocked.get(URL, status=401, body="nope")

    with pytest.raises(UpstreamError) as error:
        client(clock).get(URL, params={"token": "secret-value"})
    assert error.value.status == 401
    assert "secret-value" not in str(error.value)
    assert len(mocked.calls) == 1


def test_an_error_page_echoing_the_request_has_its_credentials_redacted(mocked):
    """An upstream (or a proxy before it) that repeats the request must not put our credentials in the error."""
    token = "AAAA%2Bsecret%3Dtoken"
    password = "abcd-efgh-ijkl-mnop"
    echo = f"Authorization: Bearer {token} / {token.replace('%2B', '+').replace('%3D', '=')} / password={password}"
    mocked.get(URL, status=403, body=echo)
    mocked.post(URL, status=403, body=echo)

    with pytest.raises(UpstreamError) as caught:
        client(FakeClock(NOW)).get(URL, headers={"Authorization": f"Bearer {token}"})
    assert str(caught.value).count("[redacted]") == 2 and token not in str(caught.value)
    assert "secret" not in str(caught.value)
    with pytest.raises(UpstreamError) as caught:
        client(FakeClock(NOW)).post_json(URL, {"identifier": "me.bsky.social", "password": password})
    assert password not in str(caught.value) and "password=[redacted]" in str(caught.value)
