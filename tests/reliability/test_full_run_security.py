"""A full run with real-looking credentials: no secret in any output, and only the granted AWS actions.

One run for the module, through the real handlers (functions/*/app.py) against moto and the fake
upstreams, with the credentials where AWS keeps them: a Secrets Manager secret named by
HOTPAPERS_SECRET_ID (nothing in the environment). It collects the sample day, publishes it,
answers every sample API request, and then meets misbehaving upstreams that echo what they were
sent (the Authorization header, the login body) in their error pages, and a secret that is not
JSON. Everything the process writes is captured (file descriptors 1 and 2, sys.stdout/stderr,
every logging handler's stream, every record of every logger at DEBUG, raised exceptions) and
searched for each secret, as is, URL-encoded, JSON-escaped and base64-encoded.

Every AWS request goes through a recording proxy in front of moto, so the same run shows which IAM
actions each function really needs: the template must grant each of them, and nothing else.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hotpapers.api import handler as api_handler
from hotpapers.core import aws
from hotpapers.core.settings import Settings
from hotpapers.core.store import HISTORY_ATTRIBUTES
from hotpapers_local.fakes import FakeUpstreams
from hotpapers_local.invoke import invoke, load_handler
from hotpapers_local.provision import provision
from hotpapers_local.relay import drain, sqs_event
from tests.support import ledger
from tests.support import template_model as tm
from tests.support.recorded_run import AwsCall, RecordingProxy, capture_everything, find_leaks

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

EVENTS = Path(__file__).resolve().parents[2] / "events"
NAME = "hotpapers-secrets-run"
# The publish queue a full rebuild sends its shards to (the template's PublishQueue).
PUBLISH_QUEUE = f"{NAME}-publish"

# Real-looking credentials: an X app-only bearer token (URL-encoded, as X issues them), a Bluesky
# app password, and the access JWT a misbehaving Bluesky hands out.
X_TOKEN = (
    "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3D"
    "EUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F"
)
BSKY_HANDLE = "hotpapers-ops.bsky.social"
BSKY_APP_PASSWORD = "abcd-efgh-ijkl-mnop"
ECHO_JWT = (
    "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ."
    "eyJzY29wZSI6ImNvbS5hdHByb3RvLmFwcFBhc3MiLCJzdWIiOiJkaWQ6cGxjOmVjaG8iLCJpYXQiOjE3MzI2MDAwMDB9."
    "q7Vx0mJ3kq9Z1cT4bq8Yw2nE5sR6uH7iK8lM9oP0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2yZ3"
)


class EchoingUpstream:
    """A misbehaving X / Bluesky: every error page repeats the request's headers and body.

    `login_ok`: createSession succeeds with ECHO_JWT (and search then fails, echoing the token);
    otherwise createSession itself fails, echoing the login body with its password.
    """

    def __init__(self, login_ok: bool) -> None:
        self.login_ok = login_ok
        self.seen_authorization: list[str] = []
        echo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                echo.seen_authorization.append(self.headers.get("Authorization", ""))
                if self.path.endswith("createSession") and echo.login_ok:
                    status, page = 200, json.dumps({"accessJwt": ECHO_JWT, "refreshJwt": ECHO_JWT, "did": "did:plc:e"})
                else:
                    # What was sent first (it is what a rejected caller most wants to see), then the rest.
                    dump = "".join(f"{name}: {value}\n" for name, value in self.headers.items())
                    auth = self.headers.get("Authorization", "none")
                    status, page = (
                        403,
                        f"Rejected. Authorization: {auth}; body: {body}\n{self.command} {self.path}\n{dump}",
                    )
                data = page.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if status == 200 else "text/html")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class FullRun:
    secrets: dict[str, str]
    captured: Any
    calls: list[AwsCall]
    errors: list[str] = field(default_factory=list)  # raised exceptions, as Lambda would log them
    summaries: dict[str, Any] = field(default_factory=dict)
    stored_text: str = ""  # every item left in the table
    api_statuses: list[int] = field(default_factory=list)
    upstream_saw: dict[str, Any] = field(default_factory=dict)


def _binary_text(value: Any) -> str:
    """A binary attribute as text (gzip-compressed ones decompressed), so secrets in it are found too."""
    data = bytes(value)
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8", "replace")


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


@pytest.fixture(scope="module")
def full_run(moto_endpoint: str, sample_dataset: Any) -> Iterator[FullRun]:
    from aws_lambda_powertools.utilities import parameters

    proxy = RecordingProxy(moto_endpoint).start()
    echo_login_fails, echo_search_fails = EchoingUpstream(login_ok=False), EchoingUpstream(login_ok=True)
    with (
        pytest.MonkeyPatch.context() as mp,
        FakeUpstreams(sample_dataset, x_bearer_token=X_TOKEN, bsky_credentials=(BSKY_HANDLE, BSKY_APP_PASSWORD)) as up,
    ):
        # The functions' environment as the template's Globals set it (service name, metrics namespace).
        globals_env = tm.plain(tm.raw())["Globals"]["Function"]["Environment"]["Variables"]
        for key, value in {
            **{key: value for key, value in globals_env.items() if isinstance(value, str)},
            **up.env(),
            "AWS_ENDPOINT_URL": proxy.url,
            "HOTPAPERS_TABLE": NAME,
            "HOTPAPERS_BUCKET": NAME,
            "HOTPAPERS_EVENT_BUS": NAME,
            # The most verbose level the template's LogLevel parameter allows.
            "POWERTOOLS_LOG_LEVEL": "DEBUG",
            "HOTPAPERS_X_WIDGETS": "false",
        }.items():
            mp.setenv(key, value)
        for key in (
            "HOTPAPERS_X_BEARER_TOKEN",
            "HOTPAPERS_BSKY_HANDLE",
            "HOTPAPERS_BSKY_APP_PASSWORD",
            "HOTPAPERS_SOURCES",  # empty in the template: every source whose credentials the secret holds
            "HOTPAPERS_SITE_URL",
            "POWERTOOLS_METRICS_DISABLED",  # metrics on: their EMF lines are output too
        ):
            mp.delenv(key, raising=False)
        # Every digest goes the way of one too large for DynamoDB (S3, internal/digests/), so the run
        # exercises the publisher's and the API's reads of it: their grants are then proven used.
        mp.setattr("hotpapers.core.store.INLINE_BODY_LIMIT", 0)
        aws.reset_clients()
        parameters.clear_caches()
        api_handler.reset()
        settings = Settings.from_env()
        provision(settings)
        sm = aws.client("secretsmanager", settings.endpoint_url, settings.region)
        secret_arn = sm.create_secret(
            Name=f"{NAME}-credentials",
            SecretString=json.dumps(
                {"x_bearer_token": X_TOKEN, "bsky_handle": BSKY_HANDLE, "bsky_app_password": BSKY_APP_PASSWORD}
            ),
        )["ARN"]
        broken_arn = sm.create_secret(Name=f"{NAME}-not-json", SecretString=f"x_bearer_token={X_TOKEN}")["ARN"]
        mp.setenv("HOTPAPERS_SECRET_ID", secret_arn)

        run = FullRun(secrets={}, captured=None, calls=proxy.calls)
        for function in ("collect", "publish", "api"):
            load_handler(function)  # imported (and their loggers built) before the capture starts

        def call(function: str, handler: str, event: Any) -> Any:
            with proxy.acting_as(function):
                try:
                    return invoke(handler, event)
                except Exception as exc:  # noqa: BLE001 - Lambda logs a raised error; so does this run
                    run.errors.append(_error_text(exc))
                    return None

        with capture_everything() as captured:
            # 1. The sample day, as in AWS: collect, the bus hands "Collect Finished" to publish.
            run.summaries["collect"] = call("CollectFunction", "collect", {"date": "2021-06-01"})
            with proxy.acting_as("harness"):
                delivered = drain(settings)
            run.summaries["publish"] = [call("PublishFunction", "publish", event) for event in delivered]
            # 2. Every sample API request.
            for path in sorted(EVENTS.glob("api-*.json")):
                answer = call("ApiFunction", "api", json.loads(path.read_text()))
                run.api_statuses.append(answer["statusCode"] if answer else 0)
            # 3. Upstreams that echo the request in their error pages: X and the Bluesky login...
            mp.setenv("HOTPAPERS_X_API_URL", f"{echo_login_fails.url}/2")
            mp.setenv("HOTPAPERS_BSKY_API_URL", f"{echo_login_fails.url}/xrpc")
            run.summaries["echo_login"] = call("CollectFunction", "collect", {"date": "2021-06-02"})
            # ... and a Bluesky that logs in, then echoes the access token back.
            mp.setenv("HOTPAPERS_BSKY_API_URL", f"{echo_search_fails.url}/xrpc")
            run.summaries["echo_search"] = call("CollectFunction", "collect", {"date": "2021-06-03"})
            # 4. A rebuild of every collected day (the collected days' index), then one day alone
            #    (its neighbours' stored digests are read back).
            with proxy.acting_as("harness"):
                drain(settings)  # the failed days' "Collect Finished" events: published below instead
            # The rebuild goes shard by shard through the publish queue, as in AWS: each shard's message
            # is handed to the function as the queue's mapping would, until no shard is left.
            with proxy.acting_as("harness"):
                sqs = aws.client("sqs", settings.endpoint_url, settings.region)
                queue_url = sqs.create_queue(QueueName=PUBLISH_QUEUE)["QueueUrl"]
                queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
                    "QueueArn"
                ]
            mp.setenv("HOTPAPERS_PUBLISH_QUEUE_URL", queue_url)
            run.summaries["publish_all"] = call("PublishFunction", "publish", {"all": True})
            run.summaries["publish_shards"] = []
            for _ in range(10):  # one shard here (365 days a shard); bounded all the same
                with proxy.acting_as("harness"):
                    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
                    for message in messages:
                        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                if not messages:
                    break
                batch = sqs_event(messages, queue_arn, settings.region)
                run.summaries["publish_shards"].append(call("PublishFunction", "publish", batch))
            mp.delenv("HOTPAPERS_PUBLISH_QUEUE_URL")
            run.summaries["publish_one"] = call("PublishFunction", "publish", {"date": "2021-06-02"})
            # 5. A secret that is not JSON (its text holds the token).
            parameters.clear_caches()
            mp.setenv("HOTPAPERS_SECRET_ID", broken_arn)
            run.summaries["broken_secret"] = call("CollectFunction", "collect", {"date": "2021-06-04"})
            parameters.clear_caches()

        run.captured = captured
        bsky_tokens = sorted(
            {
                r.headers.get("authorization", "")[7:]
                for r in up.requests
                if r.path.endswith("searchPosts") and r.headers.get("authorization", "").startswith("Bearer ")
            }
        )
        run.secrets = {"x_bearer_token": X_TOKEN, "bsky_app_password": BSKY_APP_PASSWORD, "bsky_echo_jwt": ECHO_JWT}
        run.secrets.update({f"bsky_access_jwt_{i}": token for i, token in enumerate(bsky_tokens)})
        run.upstream_saw = {
            "x_authorization": sorted(
                {r.headers.get("authorization", "") for r in up.requests if r.path.startswith("/x/")}
            ),
            "bsky_logins": [r.body for r in up.requests if r.path.endswith("createSession")],
            "bsky_search_tokens": bsky_tokens,
            "echo_login": echo_login_fails.seen_authorization,
            "echo_search": echo_search_fails.seen_authorization,
        }
        db = aws.client("dynamodb", moto_endpoint, settings.region)
        items = db.scan(TableName=NAME)["Items"]
        run.stored_text = json.dumps(items, default=_binary_text)
        yield run

        api_handler.reset()
        parameters.clear_caches()
    echo_login_fails.close()
    echo_search_fails.close()
    proxy.stop()
    aws.reset_clients()


def test_the_run_used_every_secret_and_its_output_was_captured(full_run: FullRun) -> None:
    """The checks below mean something only if the secrets were really used and the output really caught."""
    saw = full_run.upstream_saw
    assert saw["x_authorization"] == [f"Bearer {X_TOKEN}"]
    assert any(BSKY_APP_PASSWORD.encode() in body for body in saw["bsky_logins"])
    assert saw["bsky_search_tokens"], "the Bluesky fake's access JWT was never used"
    assert f"Bearer {X_TOKEN}" in saw["echo_login"]
    assert f"Bearer {ECHO_JWT}" in saw["echo_search"]

    day = full_run.summaries["collect"]["days"][0]
    assert day["papers"] == 17 and all(source["error"] is None for source in day["sources"].values()), day
    assert full_run.summaries["publish"] and full_run.summaries["publish"][0]["days"], full_run.summaries["publish"]
    assert full_run.summaries["publish_all"]["rebuild"]["queued"] is True, full_run.summaries["publish_all"]
    shards = full_run.summaries["publish_shards"]
    assert shards and all(shards), shards
    rebuilt = [d["date"] for result in shards for d in result["days"]]
    assert rebuilt == ["2021-06-01", "2021-06-02", "2021-06-03"]
    assert [d["date"] for d in full_run.summaries["publish_one"]["days"]] == ["2021-06-02"]
    assert 200 in full_run.api_statuses and 0 not in full_run.api_statuses
    for key in ("echo_login", "echo_search"):
        sources = full_run.summaries[key]["days"][0]["sources"]
        assert sources["x"]["error"] and sources["bluesky"]["error"], sources
        assert sources["hackernews"]["error"] is None, sources
    assert full_run.summaries["broken_secret"] is None
    assert any("CredentialsError" in error for error in full_run.errors), full_run.errors

    out = full_run.captured
    # Powertools' handler writes to the stream it was given when built: the real stdout (swapped here) or,
    # when the logger was first built during this run, the captured sys.stdout.
    powertools = out.handler_text + out.sys_text
    assert re.search(r'"message": ?"collect finished"', powertools), "Powertools' JSON lines not captured"
    assert "source failed" in powertools and "HTTP 403" in powertools
    # The echoed credentials did reach the error messages, as "[redacted]".
    assert "Authorization: [redacted]" in powertools and '"password": "[redacted]"' in out.everything()
    assert '"_aws"' in out.sys_text, "the EMF metric lines (stdout) were not captured"
    assert any(line.startswith("hotpapers ") for line in out.records), "log records not captured"


def test_no_secret_reaches_any_output(full_run: FullRun) -> None:
    out = full_run.captured
    places = {
        "captured output": out.everything(),
        "raised errors": "\n".join(full_run.errors),
        "the table (run records keep each source's error)": full_run.stored_text,
        "handler results": json.dumps(full_run.summaries, default=str),
    }
    leaks = {place: find_leaks(text, full_run.secrets) for place, text in places.items()}
    if any(leaks.values()):  # name the first lines that leak, to find where they come from
        lines = [line[:300] for line in out.everything().splitlines() if find_leaks(line, full_run.secrets)]
        pytest.fail(f"secrets in the output: {leaks}\nfirst lines: {lines[:5]}")
    # No Authorization header, whatever its value, in any output either.
    for place, text in places.items():
        assert not re.search(r"(?i)authorization\W{0,3}\s*bearer", text), place
    ledger.record(
        "findings",
        finding="An upstream error page that echoes the request (X's Authorization header, Bluesky's login body) "
        "went verbatim into the UpstreamError message: the bearer token and the app password reached the logs and "
        "the run record stored in DynamoDB",
        fix="http.py: the excerpt of an upstream's error body has the request's credentials (secret headers, "
        "password/token fields of the JSON body; as is, URL-encoded or -decoded, JSON-escaped) replaced by [redacted]",
        test="tests/reliability/test_full_run_security.py::test_no_secret_reaches_any_output",
    )
    ledger.record(
        "findings",
        finding="With botocore's DEBUG logging on, its 'Response body' record of GetSecretValue printed the whole "
        "credentials secret",
        fix="credentials.py: before reading the secret, a filter on the botocore.parsers logger drops records that "
        "carry a SecretString/SecretBinary",
        test="tests/reliability/test_full_run_security.py::test_no_secret_reaches_any_output",
    )
    ledger.record(
        "secrets",
        check="full-run log capture",
        log_lines=len(out.lines()),
        secrets_checked=len(full_run.secrets),
        leaks=0,
        detail=(
            "collect + publish + every events/api-*.json through the real handlers, then upstreams echoing the "
            "Authorization header and the login body, and a non-JSON secret; searched as is, URL-encoded, "
            "JSON-escaped and base64 in fds 1/2, sys streams, every handler stream, every DEBUG record, "
            f"{len(full_run.errors)} raised error(s), the table and the handler results"
        ),
    )


# ------------------------------------------------------------------ IAM: what the run needed, what is granted

ROLE_OF = {
    "CollectFunction": "CollectFunctionRole",
    "PublishFunction": "PublishFunctionRole",
    "ApiFunction": "ApiFunctionRole",
}


def _template_resource(call: AwsCall) -> str:
    """The run's resource, named as the template names it."""
    service = call.action.split(":")[0]
    if service == "dynamodb":
        _, _, index = call.resource.partition("/index/")
        return f"Table/index/{index}" if index else "Table"
    if service == "s3":
        if "/" not in call.resource:
            return "SiteBucket"
        key = call.resource.split("/", 1)[1]
        # Reads of large digest bodies are granted on their prefix alone; writes go with the site's objects.
        if call.action == "s3:GetObject" and key.startswith("internal/digests/"):
            return "SiteBucket/internal/digests/*"
        if call.action == "s3:GetObject" and key in ("internal/manifest.json.gz", "internal/rebuild.json"):
            return f"SiteBucket/{key}"
        return "SiteBucket/*"
    if service == "events":
        return "EventBus"
    if service == "secretsmanager":
        return "CredentialsSecret"
    if service == "sqs" and call.resource.endswith(f"/{PUBLISH_QUEUE}"):
        return "PublishQueue"
    return call.resource


def _granted_resource(value: Any) -> str | None:
    """A policy resource of the template as a short name (Table, Table/index/GSI1, SiteBucket/*, ...)."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        name, attribute = target if isinstance(target, list) else target.split(".", 1)
        return name if attribute == "Arn" else None
    if isinstance(value, dict) and "Ref" in value:
        return value["Ref"]
    text = tm.text_of(value)
    match = re.fullmatch(r"\$\{(\w+)\.Arn\}(/.*)", text)
    return f"{match.group(1)}{match.group(2)}" if match else None


def granted(role: str) -> dict[str, set[str]]:
    """action → resources (short names) the role's Allow statements grant."""
    template = tm.expanded()
    result: dict[str, set[str]] = {}
    for statement in tm.statements(template):
        if statement.owner != role or statement.document == "AssumeRolePolicyDocument" or statement.effect != "Allow":
            continue
        for action in statement.actions:
            for resource in statement.resources:
                result.setdefault(action, set()).add(_granted_resource(resource) or json.dumps(resource))
    return result


# Granted but not exercised by the run, each with why it is needed (logs, tracing, failure destinations
# are used by the Lambda service on the function's behalf, not by our code).
SERVICE_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}
ON_FAILURE = {"CollectFunctionRole": "CollectDeadLetterQueue", "PublishFunctionRole": "PublishDeadLetterQueue"}
# Lambda's event source mapping polls a function's queue with the function's role: these three actions, on
# the one queue the template maps to that function, are the service's, not the code's.
MAPPING_ACTIONS = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}


def mapped_queues(function: str) -> set[str]:
    """The queues the expanded template's event source mappings hand to `function`."""
    mappings = tm.resources(tm.expanded(), "AWS::Lambda::EventSourceMapping").values()
    return {
        _granted_resource(m["Properties"]["EventSourceArn"]) or "?"
        for m in mappings
        if m["Properties"]["FunctionName"] == {"Ref": function}
    }


@pytest.mark.parametrize("function", sorted(ROLE_OF))
def test_each_function_is_granted_exactly_what_the_run_needed(full_run: FullRun, function: str) -> None:
    role = ROLE_OF[function]
    used: dict[str, set[str]] = {}
    for call in full_run.calls:
        if call.function == function:
            used.setdefault(call.action, set()).add(_template_resource(call))
    assert used, f"{function} made no AWS call in the run"
    grants = granted(role)
    missing = {a: r - grants.get(a, set()) for a, r in used.items() if r - grants.get(a, set())}
    assert not missing, f"{role} lacks what {function} used: {missing}"

    extra: dict[str, set[str]] = {}
    for action, resources in grants.items():
        if action in SERVICE_ACTIONS:
            continue
        if action == "sqs:SendMessage":
            resources = resources - {ON_FAILURE.get(role)}  # the Lambda service sends there, not our code
        if action in MAPPING_ACTIONS and resources == mapped_queues(function) and resources:
            continue
        unused = resources - used.get(action, set())
        if unused:
            extra[action] = unused
    assert not extra, f"{role} grants what {function} never used: {extra}"

    writes = sorted({key for call in full_run.calls if call.function == function for key in call.leading_keys})
    ledger.record(
        "template_security",
        check=f"{function}: granted == used in a full run",
        resources=sum(len(r) for r in used.values()),
        result="pass",
        detail=f"actions used: {', '.join(sorted(used))}; partition keys written: "
        + (", ".join(sorted({k.split("#")[0] + "#" for k in writes})) or "none"),
    )


def test_publisher_writes_only_digest_items_and_the_api_writes_nothing(full_run: FullRun) -> None:
    """What the run wrote matches the template's conditions: PublishFunction under DIGEST#, WEEK# and MONTH#
    (the days', weeks' and months' digests) or a paper's history (PAPER#, with exactly the history item's
    attributes), ApiFunction nothing."""
    publish_writes = [call for call in full_run.calls if call.function == "PublishFunction" and call.leading_keys]
    publish_keys = {key for call in publish_writes for key in call.leading_keys}
    for call in publish_writes:  # each request must pass one statement whole (ForAllValues), as IAM decides
        digests = all(key.startswith(("DIGEST#", "WEEK#", "MONTH#")) for key in call.leading_keys)
        histories = all(key.startswith("PAPER#") for key in call.leading_keys) and set(call.attributes) <= set(
            HISTORY_ATTRIBUTES
        )
        assert digests or histories, call
    assert {key.split("#")[0] for key in publish_keys} == {"DIGEST", "WEEK", "MONTH", "PAPER"}, publish_keys
    collect_keys = {key for call in full_run.calls if call.function == "CollectFunction" for key in call.leading_keys}
    assert collect_keys and not any(key.startswith(("DIGEST#", "WEEK#", "MONTH#")) for key in collect_keys)
    api_actions = {call.action for call in full_run.calls if call.function == "ApiFunction"}
    assert api_actions and all(action.split(":")[1].startswith(("Get", "BatchGet", "Query")) for action in api_actions)
    ledger.record(
        "template_security",
        check="writes in a full run stay inside the template's key conditions",
        resources=len(publish_keys) + len(collect_keys),
        result="pass",
        detail=f"PublishFunction wrote {len(publish_keys)} partition keys, DIGEST#, WEEK#, MONTH# or a PAPER# history; "
        f"CollectFunction wrote "
        f"{len(collect_keys)}, none DIGEST#; ApiFunction only {', '.join(sorted(api_actions))}",
    )


# ------------------------------------------------------------------ the per-source alarms watch a real metric


def _emf_metrics(text: str) -> list[tuple[str, str, dict[str, str], float]]:
    """(namespace, metric, dimensions, value) of every EMF line in `text`."""
    found = []
    for line in text.splitlines():
        if '"_aws"' not in line:
            continue
        try:
            blob = json.loads(line)
        except ValueError:
            continue
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dims = {name: str(blob[name]) for name in dimension_set}
                for metric in directive["Metrics"]:
                    value = blob[metric["Name"]]
                    for one in value if isinstance(value, list) else [value]:
                        found.append((directive["Namespace"], metric["Name"], dims, float(one)))
    return found


def test_source_alarms_watch_the_metric_the_collector_emits(full_run: FullRun) -> None:
    """Each per-source alarm's namespace, metric and exact dimensions occur in the collector's EMF output,
    with 1 for the runs where that source failed and 0 where it did not."""
    emitted = _emf_metrics(full_run.captured.everything())
    template = tm.plain(tm.raw())
    alarms = {
        name: res["Properties"]
        for name, res in tm.resources(template, "AWS::CloudWatch::Alarm").items()
        if res["Properties"].get("MetricName") == "Failures"
    }
    assert len(alarms) == 4, sorted(alarms)
    for name, alarm in alarms.items():
        dims = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
        values = [v for ns, metric, d, v in emitted if (ns, metric, d) == (alarm["Namespace"], "Failures", dims)]
        # Four collect runs reached the sources: the sample day (all fine) and two with X and Bluesky failing.
        expected = [0.0, 1.0, 1.0] if dims["source"] in ("x", "bluesky") else [0.0, 0.0, 0.0]
        assert values == expected, (name, dims, values)
    ledger.record(
        "template_security",
        check="per-source failure alarms match the collector's EMF metric",
        resources=len(alarms),
        result="pass",
        detail="namespace, metric and dimensions of each alarm found in the collector's output; "
        "1 on the runs where that source failed, 0 otherwise",
    )
