"""An HTTP request → an API Gateway (REST, proxy integration) event → the real API handler.

This is what `sam local start-api` does with Docker: `hotpapers serve` calls
it for every request under /api/, so the same handler answers locally and in AWS.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hotpapers.api.routes import route_of
from hotpapers_local.invoke import invoke

STAGE = "api"


# One Lambda execution environment answers one request at a time, and the handler relies on it:
# Powertools' resolver keeps the request being answered in a class attribute
# (BaseRouter.current_event), its logger keeps one set of request keys, and `invoke` swaps the
# process's stdout. `hotpapers serve` answers each connection in its own thread, so without this
# lock concurrent requests read each other's event: under 32 clients 265 of 2,000 answers were
# wrong, e.g. 200 for a conditional GET that is a 304 (tests/reliability/test_load.py). The
# site's files are still served in parallel.
_ENVIRONMENT = threading.Lock()


def proxy_event(method: str, raw_path: str, headers: dict[str, str], body: bytes) -> dict[str, Any] | None:
    """The event API Gateway would send for this request, or None when no resource matches."""
    parts = urlsplit(raw_path)
    path = parts.path.removeprefix(f"/{STAGE}") or "/"
    match = route_of(path)  # the template's resources are the API's route table (tests/unit/test_api_routes.py)
    if match is None:
        return None
    route, parameters = match
    resource = route.resource
    query = parse_qs(parts.query, keep_blank_values=True)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
            "accountId": "000000000000",
            "apiId": "local",
            "protocol": "HTTP/1.1",
        },
        "body": body.decode("utf-8", "replace") if body else None,
        "isBase64Encoded": False,
    }


def api_gateway_proxy(
    method: str, raw_path: str, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    event = proxy_event(method, raw_path, headers, body)
    if event is None:
        # API Gateway's own answer for a path it has no resource for (the template's gateway response).
        payload = b'{"error":{"code":"not_found","message":"no such route"}}'
        return 404, {"Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*"}, payload
    with _ENVIRONMENT:
        response = invoke("api", event, keep_stdout=False)
    out_headers = {name: str(value) for name, value in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        out_headers[name] = ", ".join(str(value) for value in values)
    answer = response.get("body") or ""
    data = base64.b64decode(answer) if response.get("isBase64Encoded") else answer.encode("utf-8")
    return int(response["statusCode"]), out_headers, data
