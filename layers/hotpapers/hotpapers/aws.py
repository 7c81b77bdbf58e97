"""Lazy, cached boto3 clients.

Nothing is created at import time: the first call builds the client, so cold
starts stay short and the endpoint (AWS, LocalStack or the embedded emulator)
is whatever `AWS_ENDPOINT_URL` says when the client is first needed.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(
    service: str, endpoint_url: str | None = None, region: str | None = None, parameter_validation: bool = True
) -> Any:
    import boto3  # imported here: ~110 ms that handlers not touching AWS never pay
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=30,
        parameter_validation=parameter_validation,
    )
    return boto3.client(service, endpoint_url=endpoint_url, region_name=region, config=config)


def reset_clients() -> None:
    """Forget cached clients (tests that switch endpoints call this)."""
    client.cache_clear()
