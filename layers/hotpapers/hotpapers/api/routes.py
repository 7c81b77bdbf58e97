"""The API's route table: the one list the dispatch, the local gateway and the OpenAPI document read.

template.yaml declares the same resources as ApiFunction's events; tests/unit/test_api_routes.py
checks the two against each other in both directions (paths and methods).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What the API answers on every route; OPTIONS is the CORS preflight the resolver answers itself.
ANSWERED_METHODS = ("GET", "HEAD")
# The template gives every resource ANY, so the function, not API Gateway, answers other methods
# with a 405 in the Error shape (docs/api.md, "Errors").
GATEWAY_METHOD = "ANY"


@dataclass(frozen=True)
class Route:
    """One API Gateway resource and the operation that answers it.

    `resource` is the template's path ({name} for a path parameter). An old-style arXiv id has a
    slash (hep-th/9901001), so each paper route has a second resource taking the id's two halves,
    documented under the same OpenAPI path with the slash URL-encoded.
    """

    resource: str
    operation_id: str
    documented_as: str

    @property
    def resolver_path(self) -> str:
        """The resource in Powertools' route syntax (<name> for a path parameter)."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.resource)

    @property
    def pattern(self) -> re.Pattern[str]:
        """A regex over a request path: API Gateway's match of this resource (a parameter is one segment)."""
        return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.resource)) + "$")


# In API Gateway's order of preference, literal segments first: the first that matches a path wins,
# here as in the resolver (/digests/latest before /digests/{date}, .../mentions before .../{number}).
ROUTES = (
    Route("/digests", "listDigests", "/digests"),
    Route("/digests/latest", "getLatestDigest", "/digests/latest"),
    Route("/digests/{date}", "getDigest", "/digests/{date}"),
    Route("/papers/{arxiv_id}/mentions", "getPaperMentions", "/papers/{arxiv_id}/mentions"),
    Route("/papers/{arxiv_id}", "getPaper", "/papers/{arxiv_id}"),
    Route("/papers/{arxiv_id}/{number}/mentions", "getPaperMentions", "/papers/{arxiv_id}/mentions"),
    Route("/papers/{arxiv_id}/{number}", "getPaper", "/papers/{arxiv_id}"),
    Route("/weeks/{week}", "getWeek", "/weeks/{week}"),
    Route("/months/{month}", "getMonth", "/months/{month}"),
    Route("/openapi.json", "getOpenApi", "/openapi.json"),
)


def route_of(path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway sends `path` to, with its path parameters, or None when no resource matches."""
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            return route, found.groupdict()
    return None
