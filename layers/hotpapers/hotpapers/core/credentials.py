"""Source credentials: Secrets Manager in AWS, environment variables for local runs.

In AWS the template sets HOTPAPERS_SECRET_ID and never puts a credential in
the plain environment; the secret is read through Powertools parameters,
which caches it across warm invocations.
"""

from __future__ import annotations

import logging
from typing import Any

from hotpapers.core.settings import Credentials, Settings

SECRET_CACHE_SECONDS = 300


class CredentialsError(Exception):
    """The configured secret could not be read or is not the expected JSON object."""


class _DropSecretResponseBodies(logging.Filter):
    """botocore logs every response body at DEBUG (logger botocore.parsers); GetSecretValue's body
    is the credentials themselves. Anyone turning botocore's DEBUG logging on to debug a run would
    write them to CloudWatch Logs, so those records are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot be formatted cannot hold the secret either
            return True
        return "SecretString" not in message and "SecretBinary" not in message


_SECRET_BODY_FILTER = _DropSecretResponseBodies()


def _keep_secret_out_of_botocore_logs() -> None:
    # A logger's filters see the records logged on it; botocore.parsers is the one logging bodies.
    botocore_parsers = logging.getLogger("botocore.parsers")
    if _SECRET_BODY_FILTER not in botocore_parsers.filters:
        botocore_parsers.addFilter(_SECRET_BODY_FILTER)


def load_credentials(settings: Settings) -> Credentials:
    if not settings.secret_id:
        return settings.credentials
    from aws_lambda_powertools.utilities import parameters

    _keep_secret_out_of_botocore_logs()

    try:
        value: Any = parameters.get_secret(settings.secret_id, transform="json", max_age=SECRET_CACHE_SECONDS)
    except parameters.exceptions.TransformParameterError:
        raise CredentialsError("the credentials secret is not a JSON object") from None
    except parameters.exceptions.GetParameterError as exc:
        raise CredentialsError(f"could not read the credentials secret: {type(exc.__cause__).__name__}") from None
    if not isinstance(value, dict):
        raise CredentialsError("the credentials secret is not a JSON object")
    return Credentials(
        x_bearer_token=value.get("x_bearer_token") or None,
        bsky_handle=value.get("bsky_handle") or None,
        bsky_app_password=value.get("bsky_app_password") or None,
    )
