"""The API app, built once per container on the first request (never at import)."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver


@cache
def app() -> APIGatewayRestResolver:
    from hotpapers.api.endpoints import build_app, default_api

    return build_app(default_api())


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from hotpapers.api.proxy_events import bad_event_response, malformed_event

    reason = malformed_event(event)  # the resolver raises on these: answer them with a 400 instead
    if reason is not None:
        from hotpapers.core.observability import logger

        logger.warning("rejected a malformed API Gateway event", extra={"reason": reason})
        return bad_event_response(reason)
    return app().resolve(event, context)


def reset() -> None:
    """Forget the app (tests that change settings between requests call this)."""
    app.cache_clear()
