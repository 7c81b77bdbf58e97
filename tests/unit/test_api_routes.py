"""The API's route table (api/routes.py) against template.yaml's ApiFunction events, both directions,
and against what the dispatch and the OpenAPI document built from it hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hotpapers.api.openapi import OPENAPI
from hotpapers.api.routes import ANSWERED_METHODS, GATEWAY_METHOD, ROUTES, route_of

pytestmark = pytest.mark.unit

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads CloudFormation's short tags (!Ref, !Sub, !GetAtt …) as their plain values."""


def _plain(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_CloudFormationLoader.add_multi_constructor("!", _plain)


def template_api_events() -> list[tuple[str, str]]:
    """(path, method) of every Api event of ApiFunction in template.yaml."""
    template = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CloudFormationLoader)  # noqa: S506
    events = template["Resources"]["ApiFunction"]["Properties"]["Events"]
    return [
        (event["Properties"]["Path"], event["Properties"]["Method"])
        for event in events.values()
        if event["Type"] == "Api"
    ]


def test_the_route_table_is_the_templates_api_events_both_ways() -> None:
    in_template = template_api_events()
    in_table = [(route.resource, GATEWAY_METHOD) for route in ROUTES]
    assert len(set(in_table)) == len(in_table), "a resource is in the route table twice"
    assert len(set(in_template)) == len(in_template), "a resource is in the template twice"
    assert sorted(set(in_template) - set(in_table)) == [], "in template.yaml, not in api/routes.py"
    assert sorted(set(in_table) - set(in_template)) == [], "in api/routes.py, not in template.yaml"


def test_every_documented_path_is_the_table_s_and_each_operation_is_the_route_s() -> None:
    paths = OPENAPI["paths"]
    assert set(paths) == {route.documented_as for route in ROUTES}
    for route in ROUTES:
        item = paths[route.documented_as]
        assert list(item) == ["get"], route  # HEAD is GET without a body; OpenAPI 3.0 has no "head" to add
        assert item["get"]["operationId"] == route.operation_id, route
        path_parameters = {p["name"] for p in item["get"].get("parameters", []) if p["in"] == "path"}
        resource_parameters = set(route.pattern.groupindex)
        # The two-segment paper resources are the documented one with the id's slash unencoded.
        assert path_parameters == resource_parameters - {"number"}, route


SAMPLE_PATHS = {  # a request path per resource
    "/digests": "/digests",
    "/digests/latest": "/digests/latest",
    "/digests/{date}": "/digests/2021-06-01",
    "/papers/{arxiv_id}/mentions": "/papers/2105.14103/mentions",
    "/papers/{arxiv_id}": "/papers/2105.14103",
    "/papers/{arxiv_id}/{number}/mentions": "/papers/hep-th/9901001/mentions",
    "/papers/{arxiv_id}/{number}": "/papers/hep-th/9901001",
    "/weeks/{week}": "/weeks/2021-W22",
    "/months/{month}": "/months/2021-06",
    "/openapi.json": "/openapi.json",
}


def _resolve(path: str, method: str) -> dict[str, Any]:
    from hotpapers.api.endpoints import Api, build_app
    from hotpapers.core.clock import FakeClock

    def no_store() -> Any:
        raise AssertionError("this request needs no read")

    app = build_app(Api(store_factory=no_store, clock=FakeClock()))
    event = {"httpMethod": method, "path": path, "resource": path, "headers": {}, "requestContext": {}}
    response: dict[str, Any] = app.resolve(event, None)
    return response


def test_the_dispatch_has_every_route_of_the_table_and_only_those() -> None:
    assert set(SAMPLE_PATHS) == {route.resource for route in ROUTES}
    for path in SAMPLE_PATHS.values():
        response = _resolve(path, "POST")  # a route that exists refuses other methods: a 405, not a 404
        assert response["statusCode"] == 405, path
        assert response["multiValueHeaders"]["Allow"] == [", ".join((*ANSWERED_METHODS, "OPTIONS"))]
    assert _resolve("/openapi.json", "GET")["statusCode"] == 200
    assert _resolve("/digests/2021-06-01/extra", "GET")["statusCode"] == 404


@pytest.mark.parametrize(
    ("path", "resource", "parameters"),
    [
        ("/digests", "/digests", {}),
        ("/digests/latest", "/digests/latest", {}),
        ("/digests/2021-06-01", "/digests/{date}", {"date": "2021-06-01"}),
        ("/papers/2105.14103/mentions", "/papers/{arxiv_id}/mentions", {"arxiv_id": "2105.14103"}),
        ("/papers/hep-th/9901001", "/papers/{arxiv_id}/{number}", {"arxiv_id": "hep-th", "number": "9901001"}),
        (
            "/papers/hep-th/9901001/mentions",
            "/papers/{arxiv_id}/{number}/mentions",
            {"arxiv_id": "hep-th", "number": "9901001"},
        ),
        ("/weeks/2021-W22", "/weeks/{week}", {"week": "2021-W22"}),
        ("/openapi.json", "/openapi.json", {}),
        ("/digests/2021-06-01/extra", None, None),
        ("/", None, None),
    ],
)
def test_a_path_goes_to_the_resource_api_gateway_would_pick(
    path: str, resource: str | None, parameters: dict[str, str] | None
) -> None:
    found = route_of(path)
    if resource is None:
        assert found is None
    else:
        assert found is not None
        assert (found[0].resource, found[1]) == (resource, parameters)
