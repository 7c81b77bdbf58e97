"""The embedded AWS: moto's server on 127.0.0.1, reached through AWS_ENDPOINT_URL like any endpoint."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from hotpapers.core import aws

# moto accepts any credentials; boto3 still insists on having some.
_FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EmbeddedAws:
    """A moto server in a background thread of this process."""

    def __init__(self, port: int | None = None) -> None:
        import logging

        from moto.server import ThreadedMotoServer  # local-only dependency, never in the Lambda path

        # werkzeug logs every request the emulator serves; that is noise on a terminal.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        self.port = port or free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EmbeddedAws:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()


def use_endpoint(url: str) -> None:
    """Point every boto3 client of this process at `url` (and give moto the credentials it ignores)."""
    os.environ["AWS_ENDPOINT_URL"] = url
    for key, value in _FAKE_AWS_ENV.items():
        os.environ.setdefault(key, value)
    aws.reset_clients()


@contextmanager
def aws_endpoint(port: int | None = None) -> Iterator[str]:
    """Use AWS_ENDPOINT_URL when set (AWS, LocalStack, another emulator); else start the embedded one."""
    configured = os.environ.get("AWS_ENDPOINT_URL")
    if configured:
        yield configured
        return
    embedded = EmbeddedAws(port).start()
    use_endpoint(embedded.url)
    try:
        yield embedded.url
    finally:
        embedded.stop()
        os.environ.pop("AWS_ENDPOINT_URL", None)
        aws.reset_clients()
