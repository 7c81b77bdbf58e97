"""The store's DynamoDB requests: batch writes with retries, gets and paginated queries, items in and out.

Private to the store: `Store` (core/store.py) builds on `DynamoTable` and speaks records; nothing
else sends the table an item. `MemoryStore` (core/store_memory.py) answers these same requests from
a dict. See docs/data-model.md for the keys and indexes the queries name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hotpapers.core.clock import Clock
from hotpapers.core.dynamo_json import from_attr, to_attr

BATCH_WRITE_LIMIT = 25  # DynamoDB's BatchWriteItem maximum
BATCH_GET_LIMIT = 100  # DynamoDB's BatchGetItem maximum


class StoreError(Exception):
    """DynamoDB kept refusing part of a write after every retry."""


# ---------------------------------------------------------------- the table


def fast_query_parsing(dynamodb: Any) -> Any:
    """Let successful Query responses skip botocore's shape-by-shape parse.

    botocore walks every attribute value of a Query response against the service
    model: 29 of the 86 CPU seconds of a five-year rebuild (bench/README.md), where
    json.loads takes a tenth of it. On a 200, this moves the body aside before botocore
    parses it and hands back the items as DynamoDB JSON, which `_from_dynamo` reads
    anyway (binary values stay base64 text; `from_attr` decodes them). Errors still go
    through botocore's parser, so retries and exceptions are unchanged.
    """

    def on_before_parse(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
        if response_dict.get("status_code") != 200 or not response_dict.get("body"):
            return
        document = json.loads(response_dict["body"])
        customized_response_dict.update(document)
        response_dict["body"] = b"{}"

    dynamodb.meta.events.register("before-parse.dynamodb.Query", on_before_parse, unique_id="hotpapers-fast-query")
    return dynamodb


@dataclass
class WriteStats:
    items: int = 0
    requests: int = 0


class DynamoTable:
    """The table's requests through a low-level DynamoDB client, counted (`stats`, `read_requests`)."""

    def __init__(self, table_name: str, dynamodb: Any, clock: Clock, max_attempts: int = 8) -> None:
        self.table_name = table_name
        self._db = dynamodb
        self._clock = clock
        self._max_attempts = max_attempts
        self.stats = WriteStats()
        self.read_requests = 0

    # ---- writes

    def _write_items(self, items: Iterable[dict[str, Any]]) -> WriteStats:
        """BatchWriteItem in groups of 25, retrying unprocessed items with backoff.

        Items are whole-item puts keyed by their natural ids, so writing the
        same day twice leaves the same items: that is what makes re-runs safe.
        """
        batch: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for item in items:
            key = (item["PK"], item["SK"])
            if key in seen:  # one batch may not hold the same key twice
                raise ValueError(f"duplicate item key {key} in one write")
            seen.add(key)
            batch.append({"PutRequest": {"Item": self._to_dynamo(item)}})
            if len(batch) == BATCH_WRITE_LIMIT:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)
        return self.stats

    def _flush(self, requests: list[dict[str, Any]]) -> None:
        pending = requests
        for attempt in range(1, self._max_attempts + 1):
            self.stats.requests += 1
            response = self._db.batch_write_item(RequestItems={self.table_name: pending})
            unprocessed = response.get("UnprocessedItems", {}).get(self.table_name, [])
            self.stats.items += len(pending) - len(unprocessed)
            if not unprocessed:
                return
            pending = unprocessed
            # Unprocessed items mean throttling: back off exponentially before retrying them.
            self._clock.sleep(min(20.0, 0.05 * (2**attempt)))
        raise StoreError(f"{len(pending)} items still unprocessed after {self._max_attempts} attempts")

    def _put_item(self, item: dict[str, Any]) -> None:
        self.stats.requests += 1
        self._db.put_item(TableName=self.table_name, Item=self._to_dynamo(item))
        self.stats.items += 1

    # ---- reads

    def _get_items(self, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """BatchGetItem in groups of 100, retrying unprocessed keys."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            pending: dict[str, Any] = {
                self.table_name: {
                    "Keys": [{"PK": {"S": pk}, "SK": {"S": sk}} for pk, sk in keys[start : start + BATCH_GET_LIMIT]]
                }
            }
            for attempt in range(1, self._max_attempts + 1):
                self.read_requests += 1
                response = self._db.batch_get_item(RequestItems=pending)
                found.extend(self._from_dynamo(item) for item in response.get("Responses", {}).get(self.table_name, []))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                self._clock.sleep(min(20.0, 0.05 * (2**attempt)))
            else:
                raise StoreError("BatchGetItem kept returning unprocessed keys")
        return found

    def _get_item(self, pk: str, sk: str) -> dict[str, Any] | None:
        self.read_requests += 1
        response = self._db.get_item(TableName=self.table_name, Key={"PK": {"S": pk}, "SK": {"S": sk}})
        item = response.get("Item")
        return self._from_dynamo(item) if item else None

    def _query(
        self,
        partition_key: str,
        value: str,
        index: str | None = None,
        sort_prefix: str | None = None,
        newest_first: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """All items of one partition (of the table or a GSI), following pagination."""
        sort_key = {None: "SK", "GSI1": "GSI1SK", "GSI2": "GSI2SK"}[index]
        expression = "#pk = :pk"
        names = {"#pk": partition_key}
        values: dict[str, Any] = {":pk": {"S": value}}
        if sort_prefix:
            expression += " AND begins_with(#sk, :prefix)"
            names["#sk"] = sort_key
            values[":prefix"] = {"S": sort_prefix}
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if index:
            params["IndexName"] = index
        if newest_first:
            params["ScanIndexForward"] = False
        while True:
            self.read_requests += 1
            response = self._db.query(**params)
            for item in response.get("Items", []):
                yield self._from_dynamo(item)
            if "LastEvaluatedKey" not in response:
                return
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _query_page(
        self,
        partition_key: str,
        value: str,
        index: str | None,
        sort_condition: tuple[str, str] | None,
        newest_first: bool,
        limit: int,
        after_sort_key: str | None,
    ) -> list[dict[str, Any]]:
        """One Query request of at most `limit` items: `sort_condition` is ("<", v) or ("begins_with", v);
        `after_sort_key` continues after that table sort key (table queries only)."""
        sort_key = {None: "SK", "GSI1": "GSI1SK", "GSI2": "GSI2SK"}[index]
        expression = f"{partition_key} = :pk"
        values: dict[str, Any] = {":pk": {"S": value}}
        if sort_condition:
            operator, operand = sort_condition
            expression += f" AND {sort_key} < :sk" if operator == "<" else f" AND begins_with({sort_key}, :sk)"
            values[":sk"] = {"S": operand}
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": expression,
            "ExpressionAttributeValues": values,
            "Limit": limit,
        }
        if index:
            params["IndexName"] = index
        if newest_first:
            params["ScanIndexForward"] = False
        if after_sort_key:
            params["ExclusiveStartKey"] = {partition_key: {"S": value}, "SK": {"S": after_sort_key}}
        self.read_requests += 1
        response = self._db.query(**params)
        return [self._from_dynamo(item) for item in response["Items"]]

    # ---- (de)serialisation

    @staticmethod
    def _to_dynamo(item: dict[str, Any]) -> dict[str, Any]:
        return {key: to_attr(value) for key, value in item.items() if value is not None}

    @staticmethod
    def _from_dynamo(item: dict[str, Any]) -> dict[str, Any]:
        return {key: from_attr(value) for key, value in item.items()}
