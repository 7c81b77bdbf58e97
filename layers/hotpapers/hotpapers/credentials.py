"""Source credentials: Secrets Manager in AWS, environment variables for local runs.

In AWS the template sets HOTPAPERS_SECRET_ID and never puts a credential in
the plain environment; the secret is read through Powertools parameters,
which caches it across warm invocations.
"""

from __future__ import annotations

from typing import Any

from .settings import Credentials, Settings

SECRET_CACHE_SECONDS = 300


class CredentialsError(Exception):
    """The configured secret could not be read or is not the expected JSON object."""


def load_credentials(settings: Settings) -> Credentials:
    if not settings.secret_id:
        return settings.credentials
    from aws_lambda_powertools.utilities import parameters

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
