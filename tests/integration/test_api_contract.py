"""The API's contract: every answer to every events/api-*.json validates against the document at /openapi.json.

The document is the one the handler serves (not the module it is built from),
checked itself with openapi-spec-validator; each body is validated with
openapi-schema-validator's OpenAPI 3.0 validator (formats checked), its $refs
resolved in that document. 200s against their operation's 200 schema, errors
against Error, and every status the operation answers with must be declared.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from hotpapers.core.settings import Settings
from hotpapers_local.invoke import invoke
from tests.support.api_site import API_EVENTS, EXPECTED, Answer, load_event, sample_api_site, with_path, with_query

pytestmark = pytest.mark.integration

DOCUMENT_URI = "urn:hotpapers:openapi"
# The template's resources, by the document's path templates: old-style ids come in two segments.
OPERATIONS = {
    "/papers/{arxiv_id}/{number}": "/papers/{arxiv_id}",
    "/papers/{arxiv_id}/{number}/mentions": "/papers/{arxiv_id}/mentions",
}


@pytest.fixture(scope="module")
def site(moto_endpoint: str, sample_dataset: Any) -> Iterator[Settings]:
    with sample_api_site(moto_endpoint, sample_dataset, "hotpapers-api-contract") as settings:
        yield settings


def answer(event: dict[str, Any]) -> Answer:
    return Answer(invoke("api", event, keep_stdout=False), [])


@pytest.fixture(scope="module")
def document(site: Settings) -> dict[str, Any]:
    served = answer(load_event("api-openapi.json"))
    assert served.status == 200, served
    return served.json()


class Contract:
    """Validators for the document's schemas, each $ref resolved inside the document."""

    def __init__(self, document: dict[str, Any], closed: bool = False) -> None:
        self.document = copy.deepcopy(document)
        if closed:
            close_objects(self.document)
        resource = Resource.from_contents(self.document, default_specification=DRAFT4)
        self.registry = Registry().with_resource(DOCUMENT_URI, resource)

    def validate(self, instance: Any, schema: dict[str, Any]) -> None:
        # The schema's own $refs are "#/components/...": root it in the document so they resolve there.
        if "$ref" in schema:
            schema = {"$ref": DOCUMENT_URI + schema["$ref"]}
        validator = OAS30Validator(schema, registry=self.registry, format_checker=oas30_format_checker)
        errors = sorted(validator.iter_errors(instance), key=lambda error: list(error.absolute_path))
        if errors:
            raise AssertionError(
                "\n".join(f"at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10])
            )

    def error_schema(self) -> dict[str, Any]:
        return {"$ref": "#/components/schemas/Error"}


def close_objects(schema: Any) -> None:
    """additionalProperties: false wherever an object lists its properties and says nothing of others."""
    if isinstance(schema, dict):
        if isinstance(schema.get("properties"), dict) and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        for value in schema.values():
            close_objects(value)
    elif isinstance(schema, list):
        for value in schema:
            close_objects(value)


def operation_of(document: dict[str, Any], event: dict[str, Any]) -> dict[str, Any] | None:
    path = OPERATIONS.get(event["resource"], event["resource"])
    assert path in document["paths"], f"{event['resource']} is not in the document"
    return document["paths"][path].get(event["httpMethod"].lower())


def check_answer(contract: Contract, event: dict[str, Any], got: Answer) -> None:
    operation = operation_of(contract.document, event)
    if operation is None:  # a method the API has no operation for: the 405, in the error shape
        assert got.status == 405, got
        contract.validate(got.json(), contract.error_schema())
        return
    declared = operation["responses"].get(str(got.status))
    assert declared is not None, f"{got.status} is not declared for {event['httpMethod']} {event['resource']}"
    for name in declared.get("headers", {}):
        assert name.lower() in got.headers, f"the declared header {name} is missing: {got}"
    if got.status == 304:
        assert got.body == b"" and "content" not in declared
        return
    media = declared["content"]
    assert list(media) == ["application/json"] and got.headers["content-type"].startswith("application/json")
    schema = media["application/json"]["schema"]
    if got.status >= 400:
        assert schema == contract.error_schema(), f"{got.status} of {event['resource']} is not declared as Error"
    contract.validate(got.json(), schema)


def test_the_served_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate_spec(document)
    assert document["openapi"].startswith("3.0")


def test_the_document_describes_every_route_of_the_template(document: dict[str, Any]) -> None:
    resources = {load_event(name)["resource"] for name in API_EVENTS}
    described = {OPERATIONS.get(resource, resource) for resource in resources}
    assert described == set(document["paths"])
    for path, item in document["paths"].items():
        assert set(item) == {"get"}, f"{path}: the API is read-only"
        assert "200" in item["get"]["responses"] and "304" in item["get"]["responses"], path


@pytest.mark.parametrize("event_file", API_EVENTS)
def test_every_event_answer_follows_the_document(event_file: str, document: dict[str, Any]) -> None:
    event = load_event(event_file)
    got = answer(event)
    assert got.status == EXPECTED[event_file][0], got
    check_answer(Contract(document), event, got)


@pytest.mark.parametrize("event_file", [name for name in API_EVENTS if EXPECTED[name][0] == 200])
def test_every_event_answer_has_only_documented_fields(event_file: str, document: dict[str, Any]) -> None:
    """Stricter: an object that lists its properties may not carry others (so the document tells clients all)."""
    event = load_event(event_file)
    check_answer(Contract(document, closed=True), event, answer(event))


@pytest.mark.parametrize(
    ("base", "path", "params"),
    [
        ("api-digests.json", "/digests", {"limit": "1"}),
        ("api-digest.json", "/digests/2021-06-02", {}),
        ("api-digest.json", "/digests/2021-06-01", {"category": "hep-ph", "limit": "1"}),
        ("api-digest.json", "/digests/2021-06-01", {"limit": "1000"}),
        ("api-digest.json", "/digests/2021-02-30", {}),
        ("api-digest.json", "/digests/2021-06-01", {"category": "../"}),
        ("api-digest-latest.json", "/digests/latest", {"category": "cs.CV"}),
        ("api-digest-latest.json", "/digests/latest", {"limit": "0"}),
        ("api-paper.json", "/papers/2105.15075", {}),
        ("api-paper.json", "/papers/arXiv:2105.14027v3", {}),
        ("api-paper.json", "/papers/math.GT/0309136", {}),
        ("api-paper.json", "/papers/%E2%98%83", {}),
        ("api-mentions.json", "/papers/2105.14027/mentions", {"limit": "1"}),
        ("api-mentions.json", "/papers/hep-th/9901001/mentions", {}),
        ("api-mentions.json", "/papers/2105.15075/mentions", {"source": "x", "cursor": "e30"}),
    ],
)
def test_other_answers_follow_the_document(
    base: str, path: str, params: dict[str, str], document: dict[str, Any]
) -> None:
    event = with_query(with_path(load_event(base), path), **params)
    got = answer(event)
    assert got.status < 500, got
    check_answer(Contract(document), event, got)


def test_a_wrong_answer_would_be_caught(document: dict[str, Any]) -> None:
    """The validator is not vacuous: a digest with a string rank, or an error without a message, fails."""
    contract = Contract(document)
    digest = answer(load_event("api-digest.json")).json()
    digest["papers"][0]["rank"] = "1"
    with pytest.raises(AssertionError, match="rank"):
        contract.validate(digest, {"$ref": "#/components/schemas/Digest"})
    with pytest.raises(AssertionError, match="message"):
        contract.validate({"error": {"code": "bad_request"}}, contract.error_schema())
    with pytest.raises(AssertionError, match="date"):
        contract.validate({**digest, "day": "2021-02-30"}, {"$ref": "#/components/schemas/Digest"})
    extra = json.loads(json.dumps(digest))
    extra["papers"][0]["rank"] = 1
    extra["surprise"] = True
    Contract(document).validate(extra, {"$ref": "#/components/schemas/Digest"})
    with pytest.raises(AssertionError, match="surprise"):
        Contract(document, closed=True).validate(extra, {"$ref": "#/components/schemas/Digest"})
