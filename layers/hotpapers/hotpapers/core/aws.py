"""Lazy, cached AWS clients.

Nothing is created at import time: the first call builds the client, so cold
starts stay short and the endpoint (AWS, LocalStack or the embedded emulator)
is whatever `AWS_ENDPOINT_URL` says when the client is first needed.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _session() -> Any:
    # botocore's session is what boto3.client() wraps; going to it directly skips importing
    # the boto3 package (s3transfer and resources: ~70 ms of each cold start).
    import botocore.session

    return botocore.session.get_session()


@cache
def client(
    service: str, endpoint_url: str | None = None, region: str | None = None, parameter_validation: bool = True
) -> Any:
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=30,
        parameter_validation=parameter_validation,
    )
    return _session().create_client(service, endpoint_url=endpoint_url, region_name=region, config=config)


def reset_clients() -> None:
    """Forget cached clients (tests that switch endpoints call this)."""
    client.cache_clear()
    _session.cache_clear()
