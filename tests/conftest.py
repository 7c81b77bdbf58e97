"""Shared test setup: loopback only, fixture paths, and the embedded AWS emulator."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
EVENTS = Path(__file__).parent.parent / "events"

_real_connect = socket.socket.connect


def _loopback_only_connect(self, address):  # type: ignore[no-untyped-def]
    """Tests may reach only this machine: any other address is a bug in the test or the code."""
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            is_loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            is_loopback = host == "localhost"
        if not is_loopback:
            raise ConnectionRefusedError(f"tests are offline: refused a connection to {host}")
    return _real_connect(self, address)


socket.socket.connect = _loopback_only_connect  # type: ignore[method-assign]


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def pytest_sessionstart(session: pytest.Session) -> None:
    """A run's reliability document describes that run only (tests/support/ledger.py)."""
    from tests.support import ledger

    ledger.clear()
