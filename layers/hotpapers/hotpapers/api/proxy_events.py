"""The check that an event is an API Gateway (REST, proxy) event, and the 400 answering one that is not."""

from __future__ import annotations

import json
from typing import Any

from hotpapers.api.errors import ERROR_CACHE, JSON_TYPE

# API Gateway never sends a malformed proxy event, but a test, a console "Test" button or a wrong
# integration can; Powertools' resolver then raised (KeyError, TypeError: a 502 in AWS) instead of
# answering. The request is refused with a 400 in the Error shape, before any route runs.
MAX_EVENT_BYTES = 256 * 1024  # every field of a GET request we answer fits easily; a bigger body is refused
_STRING_MAPS = ("headers", "queryStringParameters", "pathParameters", "stageVariables")
_LIST_MAPS = ("multiValueHeaders", "multiValueQueryStringParameters")


def malformed_event(event: Any) -> str | None:
    """Why `event` is not an API Gateway (REST, proxy) event this API can read, or None when it is."""
    if not isinstance(event, dict):
        kind = "null" if event is None else type(event).__name__
        return f"expected an API Gateway proxy event (a JSON object), got {kind}"
    for key in ("httpMethod", "path"):
        if not isinstance(event.get(key), str) or not event[key]:
            return f'the event has no "{key}" string'
    for key in _STRING_MAPS:
        value = event.get(key)
        if value is not None and not (
            isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        ):
            return f'"{key}" must be null or an object of strings'
    for key in _LIST_MAPS:
        value = event.get(key)
        if value is not None and not (
            isinstance(value, dict)
            and all(
                isinstance(k, str) and isinstance(v, list) and all(isinstance(item, str) for item in v)
                for k, v in value.items()
            )
        ):
            return f'"{key}" must be null or an object of lists of strings'
    if event.get("requestContext") is not None and not isinstance(event["requestContext"], dict):
        return '"requestContext" must be an object'
    if event.get("body") is not None and not isinstance(event["body"], str):
        return '"body" must be null or a string'
    if event.get("isBase64Encoded") is not None and not isinstance(event["isBase64Encoded"], bool):
        return '"isBase64Encoded" must be a boolean'
    if len((event.get("body") or "").encode("utf-8", "surrogatepass")) > MAX_EVENT_BYTES:
        return f"the request body is over {MAX_EVENT_BYTES} bytes; this API takes no body"
    return None


def bad_event_response(reason: str) -> dict[str, Any]:
    """The proxy response for an event `malformed_event` refused: a 400 with the Error body."""
    return {
        "statusCode": 400,
        "headers": {"Content-Type": JSON_TYPE, "Cache-Control": ERROR_CACHE, "Access-Control-Allow-Origin": "*"},
        "body": json.dumps({"error": {"code": "bad_request", "message": reason}}, ensure_ascii=False),
        "isBase64Encoded": False,
    }
