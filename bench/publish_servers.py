"""The publisher benchmark's servers, in a process of their own: the embedded AWS and fake upstreams.

`bench_publish.py` starts this script as a child process, so that the CPU time
moto spends is never counted as the publisher's. Like `bench/servers.py` it
speaks JSON lines: on start it builds `synthetic_heavy_day(day)` and starts the
embedded moto server, and prints one line (`ready`, the AWS endpoint, its CPU);
then it answers one JSON command per line:

- `{"cmd": "fake"}` starts a `FakeUpstreams` serving the heavy day (for the
  collector that stores it) and answers its `env()` and `credentials_env()`;
- `{"cmd": "load_years", "table": T, "end": D, "days": N, "seed": S}` writes the
  five-year archive of `bench/publish_data.py` straight into moto's table T
  (which must exist): the benchmark's setup, ~170,000 items, in a fraction of the
  time 6,700 BatchWriteItem requests over HTTP take (about 3 minutes here);
- `{"cmd": "cpu"}` answers this process's CPU seconds and peak RSS;
- `{"cmd": "quit"}` stops everything.

**moto's GSI queries are given an index here.** moto answers a Query on a global
secondary index by sorting every item of the table and testing each one: 2 to 6 s
per Query on the five-year table (167,000 items), so the 1,826 day reads of a
rebuild would take hours of the child's time. `index_gsi_queries()` keeps, per
table, a map from (attribute, value) to the items that carry it, rebuilt after
any write, and hands moto's own `Table.query` only those candidates: moto still
does the key condition, sorting, paging (1 MB pages) and the response, so the
answers are the same (`bench_publish.py` checks them against the items written),
only found faster. Nothing changes in the publisher's process.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def index_gsi_queries() -> None:
    """Make moto's GSI Query look up candidates by key instead of sorting and testing the whole table."""
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    original_put = Table.put_item
    original_delete = Table.delete_item
    lock = threading.Lock()

    def bump(table: Any) -> None:
        table.__dict__["_bench_version"] = table.__dict__.get("_bench_version", 0) + 1

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_put(self, *args, **kwargs)
        finally:
            bump(self)

    def delete_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_delete(self, *args, **kwargs)
        finally:
            bump(self)

    def buckets(table: Any) -> dict[tuple[str, Any], list[Any]]:
        with lock:
            version = table.__dict__.get("_bench_version", 0)
            cached = table.__dict__.get("_bench_buckets")
            if cached is not None and cached[0] == version:
                return cached[1]
            attributes = {
                key["AttributeName"]
                for index in table.all_indexes()
                for key in index.schema
                if key["KeyType"] == "HASH"
            }
            found: dict[tuple[str, Any], list[Any]] = {}
            for hash_set in table.items.values():
                for item in hash_set.values() if table.range_key_attr else (hash_set,):
                    for attribute in attributes:
                        value = item.attrs.get(attribute)
                        if value is not None:
                            found.setdefault((attribute, value), []).append(item)
            table.__dict__["_bench_buckets"] = (version, found)
            return found

    class Candidates:
        """The table, except that all_items() gives only the items that carry the queried key."""

        def __init__(self, table: Any, items: list[Any]) -> None:
            self._table = table
            self._items = items

        def __getattr__(self, name: str) -> Any:
            return getattr(self._table, name)

        def all_items(self) -> list[Any]:
            return sorted(self._items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[7] if len(args) > 7 else None)
        conditions = kwargs.get("hash_key_conditions") or []
        if not index_name or len(conditions) != 1:
            return original_query(self, *args, **kwargs)
        attribute, value = conditions[0]
        return original_query(Candidates(self, buckets(self).get((attribute, value), [])), *args, **kwargs)

    Table.query = query
    Table.put_item = put_item
    Table.delete_item = delete_item


FAST_OPERATIONS = frozenset({"Query", "GetItem", "BatchGetItem", "BatchWriteItem"})
FAST_CHECKS = 10  # responses per operation compared with moto's own serializer before trusting the fast path
fast_responses: dict[str, Any] = {"checked": {}, "fast": {}, "mismatch": None}


def fast_item_responses() -> None:
    """Serialise DynamoDB item responses with json.dumps instead of moto's shape-walking serializer.

    moto 5.2 serialises a response by walking botocore's output shape value by
    value: ~0.5 s for one day's 100 items (nested maps of engagement, metrics and
    entities), most of the child's time. For Query, GetItem, BatchGetItem and
    BatchWriteItem the JSON protocol's body is the result itself (binary values
    base64), so this writes it directly. The first 10 responses of each operation
    are also serialised by moto and compared; any difference turns the fast path
    off for good and is reported by the `cpu` command.
    """
    import base64

    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, bytes | bytearray):
            return base64.b64encode(value).decode("ascii")
        return value

    def execute_result(self: Any, context: Any) -> Any:
        operation = str(context.operation_model.name)
        if operation not in FAST_OPERATIONS or fast_responses["mismatch"] or isinstance(self.result, Exception):
            return original(self, context)
        body = json.dumps(plain(self.result), separators=(",", ":"))
        checked = fast_responses["checked"]
        if checked.get(operation, 0) < FAST_CHECKS:
            checked[operation] = checked.get(operation, 0) + 1
            status, headers, reference = original(self, context)
            if json.loads(reference or "{}") != json.loads(body):
                fast_responses["mismatch"] = f"{operation}: {reference[:300]!r} != {body[:300]!r}"
                return status, headers, reference
            return status, headers, body
        fast_responses["fast"][operation] = fast_responses["fast"].get(operation, 0) + 1
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    DynamoResult.execute_result = execute_result


def load_years(table_name: str, end: date, days: int, seed: int) -> dict[str, Any]:
    """Write the five-year archive into moto's table directly (setup: no HTTP, no botocore)."""
    from boto3.dynamodb.types import TypeSerializer
    from moto.dynamodb.models import dynamodb_backends
    from publish_data import five_year_items

    backend = None
    for account in list(dynamodb_backends.keys()):
        for region in list(dynamodb_backends[account].keys()):
            candidate = dynamodb_backends[account][region]
            if table_name in candidate.tables:
                backend = candidate
    if backend is None:
        raise RuntimeError(f"table {table_name} not found in moto (provision it first)")
    serialize = TypeSerializer().serialize
    started = time.perf_counter()
    counts = {"days": 0, "items": 0, "day_papers": 0, "mentions": 0, "runs": 0, "empty_days": 0}
    keys: dict[str, list[str]] = {}
    for day, items in five_year_items(end, days, seed):
        counts["days"] += 1
        counts["items"] += len(items)
        papers = sum(1 for item in items if item["entity"] == "day_paper")
        counts["day_papers"] += papers
        counts["mentions"] += sum(1 for item in items if item["entity"] == "mention")
        counts["runs"] += sum(1 for item in items if item["entity"] == "run")
        counts["empty_days"] += papers == 0
        keys[day.isoformat()] = sorted(f"{item['PK']}|{item['SK']}" for item in items)
        for item in items:
            backend.put_item(table_name, {k: serialize(v) for k, v in item.items() if v is not None})
    counts["seconds"] = round(time.perf_counter() - started, 1)
    # A few days' keys, for the parent to check that Queries return exactly what was written.
    sample = sorted(keys)[:: max(1, len(keys) // 6)] + [max(keys)]
    return {"counts": counts, "sample_keys": {day: keys[day] for day in sample}}


def _cpu() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"user": usage.ru_utime, "system": usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024}


def main(argv: list[str]) -> int:
    from hotpapers.local.emulator import EmbeddedAws
    from hotpapers.local.fake_upstreams import FakeUpstreams
    from hotpapers.local.sample_day import synthetic_heavy_day

    day = date.fromisoformat(argv[1])
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    index_gsi_queries()
    fast_item_responses()
    dataset = synthetic_heavy_day(day, papers=2000, posts=30000)
    aws = EmbeddedAws().start()
    fakes: list[Any] = []
    out = sys.stdout

    def say(payload: dict[str, Any]) -> None:
        out.write(json.dumps(payload, default=str) + "\n")
        out.flush()

    say({"ready": True, "aws_url": aws.url, "cpu": _cpu()})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            cmd = command.get("cmd")
            try:
                if cmd == "fake":
                    fake = FakeUpstreams(dataset).start()
                    fakes.append(fake)
                    say({"env": fake.env(), "credentials": fake.credentials_env()})
                elif cmd == "load_years":
                    say(
                        load_years(
                            command["table"], date.fromisoformat(command["end"]), command["days"], command["seed"]
                        )
                    )
                elif cmd == "cpu":
                    say({"cpu": _cpu(), "fast_responses": fast_responses})
                elif cmd == "quit":
                    say({"bye": True})
                    break
                else:
                    say({"error": f"unknown command {cmd!r}"})
            except Exception as error:  # the parent reports it and stops
                say({"error": f"{type(error).__name__}: {error}"})
    finally:
        for fake in fakes:
            fake.stop()
        aws.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
