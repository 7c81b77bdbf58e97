"""The API's refusals: ApiError, raised wherever a request is refused, and the JSON body it becomes.

Every error answer is {"error": {"code", "message"}} (the OpenAPI document's Error schema).
"""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response

JSON_TYPE = "application/json; charset=utf-8"
ERROR_CACHE = "no-store"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, cache: str = ERROR_CACHE) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.cache = status, code, message, cache


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def error_response(status: int, code: str, message: str, cache: str) -> Response[str]:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False)
    return Response(status, JSON_TYPE, body, {"Cache-Control": cache})
